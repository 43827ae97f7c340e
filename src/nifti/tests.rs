//! Reader tests on hand-built NIfTI-1 bytes (offsets from nifti1.h).

use super::*;

struct Spec {
    dims: [i16; 8],
    datatype: i16,
    bitpix: i16,
    slope: f32,
    inter: f32,
    sform: Option<[[f32; 4]; 3]>,
    pixdim: [f32; 8],
}

impl Spec {
    fn new(dims: [i16; 3], datatype: i16, bitpix: i16) -> Self {
        Self {
            dims: [3, dims[0], dims[1], dims[2], 1, 1, 1, 1],
            datatype,
            bitpix,
            slope: 0.0,
            inter: 0.0,
            sform: None,
            pixdim: [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
        }
    }

    fn bytes(&self, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 352];
        b[0..4].copy_from_slice(&348i32.to_le_bytes());
        for (i, d) in self.dims.iter().enumerate() {
            b[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_le_bytes());
        }
        b[70..72].copy_from_slice(&self.datatype.to_le_bytes());
        b[72..74].copy_from_slice(&self.bitpix.to_le_bytes());
        for (i, v) in self.pixdim.iter().enumerate() {
            b[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        b[108..112].copy_from_slice(&352f32.to_le_bytes());
        b[112..116].copy_from_slice(&self.slope.to_le_bytes());
        b[116..120].copy_from_slice(&self.inter.to_le_bytes());
        if let Some(rows) = self.sform {
            b[254..256].copy_from_slice(&1i16.to_le_bytes());
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let at = 280 + 16 * r + 4 * c;
                    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
        }
        b[344..348].copy_from_slice(b"n+1\0");
        b.extend_from_slice(data);
        b
    }
}

fn path() -> &'static Path {
    Path::new("case/SUV.nii")
}

fn i16_bytes(v: &[i16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn int16_with_slope_and_intercept_and_las_sform() {
    let mut spec = Spec::new([2, 2, 1], 4, 16);
    spec.slope = 0.5;
    spec.inter = -1000.0;
    spec.sform = Some([
        [-2.0, 0.0, 0.0, 100.0],
        [0.0, 3.0, 0.0, -50.0],
        [0.0, 0.0, 4.0, 7.0],
    ]);
    let bytes = spec.bytes(&i16_bytes(&[0, 2, 4, 2000]));
    let v = parse(path(), &bytes, Unit::Hounsfield).unwrap();
    assert_eq!(v.transform, TransformSource::Sform);
    assert!(v.flipped_j);
    // Rows reversed (LAS -> LPS): file row j=1 comes first.
    assert_eq!(v.volume.data, vec![-998.0, 0.0, -1000.0, -999.0]);
    let g = &v.volume.geometry;
    assert_eq!(g.dims, [2, 2, 1]);
    assert_eq!(g.spacing, [2.0, 3.0, 4.0]);
    // File voxel (0, 1, 0): RAS (100, -47, 7) -> LPS (-100, 47, 7).
    assert_eq!(g.origin, DVec3::new(-100.0, 47.0, 7.0));
    assert!(v.notes.is_empty());
}

#[test]
fn float32_without_transform_uses_pixdim_and_says_so() {
    let data: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let bytes = Spec::new([2, 1, 1], 16, 32).bytes(&data);
    let v = parse(path(), &bytes, Unit::SuvBw).unwrap();
    assert_eq!(v.transform, TransformSource::PixdimOnly);
    assert_eq!(v.volume.data, vec![1.5, -2.0]);
    assert_eq!(v.volume.geometry.spacing, [2.0, 3.0, 4.0]);
    assert!(v.notes[0].contains("pixdim only"), "{:?}", v.notes);
}

fn error_of(bytes: &[u8]) -> String {
    let e = parse(path(), bytes, Unit::SuvBw).unwrap_err().to_string();
    assert!(e.starts_with("case/SUV.nii: "), "{e}");
    e
}

#[test]
fn hostile_headers_are_clear_errors() {
    let ok = Spec::new([2, 2, 2], 4, 16);
    let data = i16_bytes(&[0; 8]);
    // Truncated: header only partly there; data shorter than the dims.
    assert!(error_of(&ok.bytes(&data)[..200]).contains("shorter than the 348-byte"));
    let e = error_of(&ok.bytes(&data[..10]));
    assert!(e.contains("need 16 bytes") && e.contains("only 10"), "{e}");
    // Huge dims: refused before allocating.
    let mut big = Spec::new([32767, 32767, 32767], 64, 64);
    big.dims[4] = 1;
    assert!(error_of(&big.bytes(&data)).contains("only 16"));
    // Zero and negative dims, bad dim[0].
    for (index, value) in [(2, 0i16), (3, -4), (0, 9), (0, -1)] {
        let mut s = Spec::new([2, 2, 2], 4, 16);
        s.dims[index] = value;
        let e = error_of(&s.bytes(&data));
        // A dim[0] beyond 7 is how NIfTI tells byte order, so the crate reads the header
        // byte-swapped and the value shown is the swapped one.
        let want = if index == 0 {
            "dim[0] = ".to_string()
        } else {
            format!("dim[{index}] = {value}")
        };
        assert!(e.contains(&want), "{e}");
    }
    // A time series.
    let mut s = Spec::new([2, 2, 2], 4, 16);
    s.dims[0] = 4;
    s.dims[4] = 3;
    assert!(error_of(&s.bytes(&data)).contains("not a 3D volume"));
    // Unknown and unsupported datatypes (complex64 = 32, RGB = 128, nonsense).
    for code in [32, 128, 77] {
        let e = error_of(&Spec::new([2, 2, 2], code, 16).bytes(&data));
        assert!(e.contains(&format!("datatype code {code}")), "{e}");
    }
    // Not NIfTI at all.
    assert!(error_of(&[7u8; 400]).contains("not a NIfTI-1 file"));
    // Bad vox_offset.
    let mut b = ok.bytes(&data);
    b[108..112].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(error_of(&b).contains("vox_offset"));
    // Degenerate sform.
    let mut s = Spec::new([2, 2, 2], 4, 16);
    s.sform = Some([[0.0; 4], [0.0; 4], [0.0; 4]]);
    assert!(error_of(&s.bytes(&data)).contains("unusable voxel-to-world transform (sform)"));
}

#[test]
fn recognises_nifti_names() {
    assert!(is_nifti_path(Path::new("/a/SUV.nii.gz")));
    assert!(is_nifti_path(Path::new("ct.NII")));
    assert!(!is_nifti_path(Path::new("/a/1.dcm")));
    assert!(!is_nifti_path(Path::new("/a/nii")));
}
