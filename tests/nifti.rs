//! NIfTI input: the torso phantom written as an AutoPET-style folder by the `nifti` crate's
//! writer (voxel order LAS, as dicom2nifti writes AutoPET, and RAS) gives the same lesions at
//! the same LPS positions as the in-memory volumes; the AutoPET metrics through the CLI;
//! hostile files are one clear error naming the file.
//!
//! The truth is the phantom's in-memory volumes (the same ones its DICOM export writes).

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use glam::DVec3;
use ndarray::{Array3, ShapeBuilder};
use nifti::writer::WriterOptions;
use nifti::NiftiHeader;
use petct::analysis::{find_hotspots, suspicious_mask, suv_volume, HotspotParams, HotspotResult};
use petct::dicom::LoadOptions;
use petct::phantom::{generate, Phantom, PhantomKind};
use petct::study::load_view_study;
use petct::volume::Volume;

/// Voxel order of a written file relative to the phantom's LPS order.
#[derive(Clone, Copy)]
struct Order {
    reverse_i: bool,
    reverse_j: bool,
}

/// AutoPET (dicom2nifti): i to the Left, j Anterior, k Superior.
const LAS: Order = Order {
    reverse_i: false,
    reverse_j: true,
};
/// Both in-plane axes reversed: i to the Right, j Anterior.
const RAS: Order = Order {
    reverse_i: true,
    reverse_j: true,
};

/// Writes `v` as NIfTI in `order`, with its affine converted from LPS to RAS; f32 values, or
/// i16 (rounded) when `int16`.
fn write(path: &Path, v: &Volume, order: Order, int16: bool) {
    let g = &v.geometry;
    let [nx, ny, nz] = g.dims;
    let src = |i: usize, j: usize, k: usize| {
        let i = if order.reverse_i { nx - 1 - i } else { i };
        let j = if order.reverse_j { ny - 1 - j } else { j };
        v.data[v.index(i, j, k)]
    };
    let mut data = Vec::with_capacity(v.data.len());
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                data.push(src(i, j, k));
            }
        }
    }
    // LPS affine of the written voxel order.
    let mut ci = g.row_dir * g.spacing[0];
    let mut cj = g.col_dir * g.spacing[1];
    let ck = g.slice_dir * g.spacing[2];
    let mut t = g.origin;
    if order.reverse_i {
        t += ci * (nx - 1) as f64;
        ci = -ci;
    }
    if order.reverse_j {
        t += cj * (ny - 1) as f64;
        cj = -cj;
    }
    let ras = |c: DVec3| DVec3::new(-c.x, -c.y, c.z);
    let (ci, cj, ck, t) = (ras(ci), ras(cj), ras(ck), ras(t));
    let row = |a: usize| [ci[a] as f32, cj[a] as f32, ck[a] as f32, t[a] as f32];
    let header = NiftiHeader {
        pixdim: [
            1.0,
            g.spacing[0] as f32,
            g.spacing[1] as f32,
            g.spacing[2] as f32,
            1.0,
            1.0,
            1.0,
            1.0,
        ],
        sform_code: 1,
        qform_code: 0,
        srow_x: row(0),
        srow_y: row(1),
        srow_z: row(2),
        xyzt_units: 2, // mm
        ..NiftiHeader::default()
    };
    let options = WriterOptions::new(path).reference_header(&header);
    if int16 {
        let d: Vec<i16> = data.iter().map(|v| v.round() as i16).collect();
        options
            .write_nifti(&Array3::from_shape_vec((nx, ny, nz).f(), d).unwrap())
            .unwrap();
    } else {
        options
            .write_nifti(&Array3::from_shape_vec((nx, ny, nz).f(), data).unwrap())
            .unwrap();
    }
}

struct Fixture {
    phantom: Phantom,
    /// Hot spots of the in-memory volumes (the DICOM-equivalent truth).
    truth: HotspotResult,
    _dir: tempfile::TempDir,
    /// AutoPET folders: LAS and RAS voxel order.
    las: PathBuf,
    ras: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let phantom = generate(PhantomKind::Torso);
        let suv = suv_volume(&phantom.pet, phantom.acquisition.suv_factor());
        let truth =
            find_hotspots(&suv, Some(&phantom.ct.convert()), &HotspotParams::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut folders = Vec::new();
        for (name, order) in [("las", LAS), ("ras", RAS)] {
            let folder = dir.path().join(name);
            std::fs::create_dir(&folder).unwrap();
            write(&folder.join("SUV.nii.gz"), &suv, order, false);
            write(&folder.join("CTres.nii.gz"), &phantom.ct, order, true);
            folders.push(folder);
        }
        // The reference mask: the suspicious lesions of the truth, on the PET grid (LAS).
        let mask = Volume {
            data: suspicious_mask(&truth)
                .iter()
                .map(|&b| f32::from(u8::from(b)))
                .collect(),
            ..suv.clone()
        };
        write(&folders[0].join("SEG.nii.gz"), &mask, LAS, true);
        let ras = folders.pop().unwrap();
        let las = folders.pop().unwrap();
        Fixture {
            phantom,
            truth,
            _dir: dir,
            las,
            ras,
        }
    })
}

fn hotspots_of(folder: &Path) -> (petct::study::ViewStudy, HotspotResult) {
    let study = load_view_study(&[folder.to_path_buf()], &LoadOptions::default()).unwrap();
    assert!(study.suv_available);
    assert_eq!(study.pet_display_factor, 1.0);
    let pet = study.pet.as_deref().unwrap();
    assert_eq!(pet.unit, petct::volume::Unit::SuvBw);
    assert_eq!(
        study.ct.as_deref().unwrap().unit,
        petct::volume::Unit::Hounsfield
    );
    let suv = suv_volume(pet, study.pet_display_factor);
    let result = find_hotspots(&suv, study.ct.as_deref(), &HotspotParams::default()).unwrap();
    (study, result)
}

/// Same lesions (count, category, SUVmax, volume) at the same LPS positions (SUVmax voxel
/// and centroid within half the smallest voxel side).
fn assert_same_lesions(folder: &Path) {
    let f = fixture();
    let (study, got) = hotspots_of(folder);
    let spacing = f.phantom.pet.geometry.spacing;
    let half = 0.5 * spacing.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(got.lesions.len(), f.truth.lesions.len(), "{folder:?}");
    let mut worst: f64 = 0.0;
    for (a, b) in got.lesions.iter().zip(&f.truth.lesions) {
        assert_eq!(a.category, b.category);
        assert!(
            (a.suv_max - b.suv_max).abs() < 1e-4,
            "{} vs {}",
            a.suv_max,
            b.suv_max
        );
        assert_eq!(a.voxel_count, b.voxel_count);
        let d = (a.max_position_mm - b.max_position_mm)
            .length()
            .max((a.centroid_mm - b.centroid_mm).length());
        worst = worst.max(d);
        assert!(d <= half, "lesion {}: {d} mm apart (limit {half})", b.id);
    }
    eprintln!(
        "{}: {} lesions, largest position difference {worst:.2e} mm (limit {half} mm); notes {:?}",
        folder.display(),
        got.lesions.len(),
        study.notes
    );
}

#[test]
fn autopet_folder_in_las_order_gives_the_phantom_lesions_at_the_same_positions() {
    assert_same_lesions(&fixture().las);
    let study = load_view_study(&[fixture().las.clone()], &LoadOptions::default()).unwrap();
    // LAS files are stored rows-reversed against DICOM: read back in DICOM's LPS order.
    let g = &study.pet.as_deref().unwrap().geometry;
    assert_eq!(g.col_dir, fixture().phantom.pet.geometry.col_dir);
    assert!(study.reference_mask.is_some());
    assert!(fixture().truth.lesions.len() >= 5);
}

#[test]
fn ras_order_stays_ras_and_still_gives_the_same_positions() {
    assert_same_lesions(&fixture().ras);
    let study = load_view_study(&[fixture().ras.clone()], &LoadOptions::default()).unwrap();
    let g = &study.pet.as_deref().unwrap().geometry;
    assert!((g.row_dir + DVec3::X).length() < 1e-9, "{:?}", g.row_dir);
    assert!(study.reference_mask.is_none());
}

#[test]
fn cli_hotspots_with_reference_prints_autopet_metrics() {
    let f = fixture();
    let seg = f.las.join("SEG.nii.gz");
    // The truth's own mask, read against the RAS-ordered PET: resampled, still a perfect match.
    for folder in [&f.las, &f.ras] {
        let (ok, stdout, stderr) = common::petct(&[
            "hotspots",
            folder.to_str().unwrap(),
            "--reference",
            seg.to_str().unwrap(),
            "--json",
        ]);
        assert!(ok, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let m = &v["autopet"];
        assert_eq!(m["dice"], 1.0, "{m}");
        assert_eq!(m["false_positive_ml"], 0.0);
        assert_eq!(m["false_negative_ml"], 0.0);
        assert_eq!(m["reference_resampled"], folder == &f.ras);
    }
    let (ok, stdout, stderr) = common::petct(&[
        "hotspots",
        f.las.to_str().unwrap(),
        "--reference",
        seg.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Dice 1.0000"), "{stdout}");
    assert!(
        stdout.contains("false-positive volume 0.000 mL"),
        "{stdout}"
    );
}

#[test]
fn cli_info_describes_an_autopet_folder() {
    let f = fixture();
    let (ok, stdout, stderr) = common::petct(&["info", f.las.to_str().unwrap(), "--json"]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 2, "{v}");
    let pet = series.iter().find(|s| s["modality"] == "PT").unwrap();
    let ct = series.iter().find(|s| s["modality"] == "CT").unwrap();
    assert_eq!(pet["dims"], serde_json::json!(f.phantom.pet.geometry.dims));
    assert_eq!(ct["dims"], serde_json::json!(f.phantom.ct.geometry.dims));
    let suv_max = pet["suv_max"].as_f64().unwrap();
    let truth_max = f
        .truth
        .lesions
        .iter()
        .map(|l| l.suv_max)
        .fold(0.0, f64::max);
    assert!(
        (suv_max - truth_max).abs() < 1e-3,
        "{suv_max} vs {truth_max}"
    );
}

#[test]
fn hostile_files_are_one_clear_error_naming_the_file() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(f.las.join("SUV.nii.gz")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.nii.gz", good[..good.len() / 2].to_vec(), "gzip"),
        ("empty.nii", Vec::new(), "shorter than the 348-byte"),
        (
            "text.nii",
            b"not a nifti file at all".repeat(40),
            "not a NIfTI-1 file",
        ),
    ];
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(good.as_slice()).read_to_end_into(&mut raw);
    let patched = |name: &str, at: usize, bytes: &[u8], want: &'static str| {
        let mut b = raw.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        (name.to_string(), b, want)
    };
    let more = vec![
        patched("bigdims.nii", 42, &30000i16.to_le_bytes(), "need"),
        patched("zerodim.nii", 44, &0i16.to_le_bytes(), "dim[2] = 0"),
        patched("negdim.nii", 46, &(-3i16).to_le_bytes(), "dim[3] = -3"),
        patched("datatype.nii", 70, &99i16.to_le_bytes(), "datatype code 99"),
    ];
    let all = cases
        .into_iter()
        .map(|(n, b, w)| (n.to_string(), b, w))
        .chain(more);
    for (name, bytes, want) in all {
        let path = dir.path().join(&name);
        std::fs::write(&path, &bytes).unwrap();
        let err = load_view_study(std::slice::from_ref(&path), &LoadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{name} loaded"));
        let text = format!("{err:#}");
        assert!(text.contains(path.to_str().unwrap()), "{name}: {text}");
        assert!(text.contains(want), "{name}: {text}");
        // The CLI: one line, failure status, no panic.
        let (ok, _, stderr) = common::petct(&["hotspots", path.to_str().unwrap()]);
        assert!(!ok);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(&name), "{stderr}");
    }
}

trait ReadAll {
    fn read_to_end_into(self, out: &mut Vec<u8>);
}

impl<R: std::io::Read> ReadAll for R {
    fn read_to_end_into(mut self, out: &mut Vec<u8>) {
        self.read_to_end(out).unwrap();
    }
}
