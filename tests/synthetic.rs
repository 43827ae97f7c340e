//! Loader behaviour on small series written here: slice order, rescale, geometry errors,
//! gantry tilt, enhanced multi-frame, and several transfer syntaxes.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use dicom_core::value::DataSetSequence;
use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_pixeldata::Transcode;
use dicom_transfer_syntax_registry::TransferSyntaxIndex;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use petct::dicom::{load_study, scan, LoadOptions};

#[path = "common/samples.rs"]
mod samples;

use samples::*;

fn load(dir: &Path) -> Result<petct::dicom::Study, petct::dicom::DicomError> {
    load_study(&[dir.to_path_buf()], &LoadOptions::default())
}

fn problems(dir: &Path) -> String {
    match load(dir) {
        Err(e) => e.to_string(),
        Ok(s) => s
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn slices_sort_by_position_and_rescale_per_slice() {
    let dir = tempfile::tempdir().unwrap();
    write_series(
        dir.path(),
        &[30.0, 10.0, 20.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let ct = load(dir.path()).unwrap().ct.unwrap().volume;
    assert_eq!(ct.dims(), [N, N, 3]);
    assert_eq!(ct.geometry.spacing, [0.75, 0.5, 10.0]);
    assert_eq!(ct.geometry.origin.z, 10.0);
    // slice k was written with stored value 100 k at z = [30, 10, 20][k]; slope 2, intercept -10.
    for (z, k) in [(0, 1), (1, 2), (2, 0)] {
        assert_eq!(ct.get(0, 0, z), Some(200.0 * k as f32 - 10.0));
        assert_eq!(
            ct.get(1, 0, z),
            Some(200.0 * k as f32 - 8.0),
            "x runs along a row"
        );
        assert_eq!(
            ct.get(0, 1, z),
            Some(200.0 * k as f32 + 2.0 * N as f32 - 10.0)
        );
    }
}

#[test]
fn missing_slice_is_reported_with_files() {
    let dir = tempfile::tempdir().unwrap();
    write_series(
        dir.path(),
        &[0.0, 2.0, 4.0, 8.0, 10.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let msg = problems(dir.path());
    assert!(
        msg.contains("1 slice(s) missing between positions 4.00 and 8.00"),
        "{msg}"
    );
    assert!(msg.contains(".dcm"), "{msg}");
}

#[test]
fn duplicate_positions_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_series(
        dir.path(),
        &[0.0, 2.0, 2.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    assert!(problems(dir.path()).contains("same position"));
}

#[test]
fn mixed_orientations_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_series(dir.path(), &[0.0, 2.0], uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let odd = native(
        slice_header([0.0, 0.0, 4.0], [1.0, 0.0, 0.0, 0.0, 0.0, -1.0], 9, 1.0),
        pixels(0),
    );
    write(
        odd,
        &dir.path().join("odd.dcm"),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let msg = problems(dir.path());
    assert!(
        msg.contains("mixed orientations") && msg.contains("odd.dcm"),
        "{msg}"
    );
}

#[test]
fn gantry_tilt_keeps_sheared_geometry_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    for k in 0..3 {
        // 2 mm along z and 1 mm along y per slice: a 26.6 degree tilt.
        let obj = native(
            slice_header([0.0, k as f64, 2.0 * k as f64], AXIAL, k + 1, 1.0),
            pixels(0),
        );
        write(
            obj,
            &dir.path().join(format!("t{k}.dcm")),
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
        );
    }
    let ct = load(dir.path()).unwrap().ct.unwrap();
    assert!(
        ct.warnings
            .iter()
            .any(|w| w.contains("gantry tilt of 26.57")),
        "{:?}",
        ct.warnings
    );
    let p = ct
        .volume
        .geometry
        .voxel_to_patient(glam::DVec3::new(0.0, 0.0, 2.0));
    assert!((p - glam::DVec3::new(0.0, 2.0, 4.0)).length() < 1e-9);
}

#[test]
fn non_dicom_and_truncated_files_are_named_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    write_series(
        dir.path(),
        &[0.0, 2.0, 4.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    let sub = tempfile::tempdir().unwrap();
    write_series(sub.path(), &[0.0], uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let bytes = std::fs::read(sub.path().join("f001.dcm")).unwrap();
    let truncated = dir.path().join("zz_truncated.dcm");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let study = load(dir.path()).unwrap();
    assert_eq!(study.ct.unwrap().volume.dims(), [N, N, 3]);
    let all = study
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        all.contains("notes.txt") && all.contains("not a DICOM"),
        "{all}"
    );
    assert!(all.contains("zz_truncated.dcm"), "{all}");
}

#[test]
fn unsupported_transfer_syntax_names_file_and_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let mut obj = slice_header([0.0, 0.0, 0.0], AXIAL, 1, 1.0);
    let fragments = PixelFragmentSequence::new(vec![], vec![vec![0xFF, 0xD8, 0, 0]]);
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, fragments));
    // JPEG XL (DICOM 2023) has no decoder in this build.
    write(obj, &dir.path().join("jxl.dcm"), "1.2.840.10008.1.2.4.110");
    let msg = problems(dir.path());
    assert!(
        msg.contains("jxl.dcm") && msg.contains("1.2.840.10008.1.2.4.110"),
        "{msg}"
    );
}

#[test]
fn damaged_jpeg_ls_is_reported_with_its_file_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    write_series(dir.path(), &[0.0, 3.0], uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let path = dir.path().join("f001.dcm");
    let mut obj = dicom_object::open_file(&path).unwrap();
    obj.transcode(
        TransferSyntaxRegistry
            .get("1.2.840.10008.1.2.4.80")
            .unwrap(),
    )
    .unwrap();
    obj.write_to_file(&path).unwrap();
    // Garble the JPEG-LS codestream (fragment lengths and delimiters stay intact): the C
    // decoder must turn it into an error, not abort the process.
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    let tail = n - 16;
    let start = tail - (tail - n / 2).min(400);
    for (i, b) in bytes[start..tail].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    std::fs::write(&path, bytes).unwrap();
    let msg = problems(dir.path());
    assert!(msg.contains("f001.dcm"), "{msg}");
}

/// Loads a 3-slice series written in `ts` and compares it with the little-endian original.
fn round_trip(ts: &str, transcode: bool) {
    let reference = tempfile::tempdir().unwrap();
    write_series(
        reference.path(),
        &[0.0, 3.0, 6.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let expected = load(reference.path()).unwrap().ct.unwrap().volume;
    let dir = tempfile::tempdir().unwrap();
    if transcode {
        let target = TransferSyntaxRegistry.get(ts).unwrap();
        for entry in std::fs::read_dir(reference.path()).unwrap() {
            let path = entry.unwrap().path();
            let mut obj = dicom_object::open_file(&path).unwrap();
            obj.transcode(target).unwrap();
            obj.write_to_file(dir.path().join(path.file_name().unwrap()))
                .unwrap();
        }
    } else {
        write_series(dir.path(), &[0.0, 3.0, 6.0], ts);
    }
    let actual = load(dir.path()).unwrap().ct.unwrap().volume;
    assert_eq!(actual.geometry, expected.geometry);
    assert_eq!(actual.data, expected.data, "transfer syntax {ts}");
}

#[test]
fn implicit_little_endian() {
    round_trip(uids::IMPLICIT_VR_LITTLE_ENDIAN, false);
}

#[test]
fn explicit_big_endian() {
    // Retired but still found in archives.
    round_trip("1.2.840.10008.1.2.2", false);
}

#[test]
fn jpeg_ls_lossless() {
    // Encoded by CharLS through dicom-rs's transcoder; decoded by the loader the same way.
    round_trip("1.2.840.10008.1.2.4.80", true);
}

#[test]
fn deflated_little_endian() {
    round_trip(uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, false);
}

#[test]
fn rle_lossless() {
    round_trip_with(|dir, zs| {
        for (k, z) in zs.iter().enumerate() {
            let instance = (zs.len() - k) as i32;
            let mut obj = slice_header([-1.0, 2.0, *z], AXIAL, instance, 2.0);
            let frame = rle_encode_i16(&pixels(100 * k as i16));
            let fragments = PixelFragmentSequence::new(vec![], vec![frame]);
            obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, fragments));
            write(
                obj,
                &dir.join(format!("f{instance:03}.dcm")),
                uids::RLE_LOSSLESS,
            );
        }
    });
}

fn round_trip_with(write_dir: impl Fn(&Path, &[f64])) {
    let reference = tempfile::tempdir().unwrap();
    write_series(
        reference.path(),
        &[0.0, 3.0, 6.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let expected = load(reference.path()).unwrap().ct.unwrap().volume;
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), &[0.0, 3.0, 6.0]);
    let actual = load(dir.path()).unwrap().ct.unwrap().volume;
    assert_eq!(actual.data, expected.data);
}

#[test]
fn jpeg_baseline_decodes_close_to_the_original() {
    // Baseline JPEG is lossy and 8-bit: write 8-bit unsigned data and allow small errors.
    let dir = tempfile::tempdir().unwrap();
    let target = TransferSyntaxRegistry
        .get(uids::JPEG_BASELINE8_BIT)
        .unwrap();
    let size = 16usize;
    for k in 0..2 {
        let mut obj = slice_header([0.0, 0.0, 2.0 * k as f64], AXIAL, k + 1, 1.0);
        obj.put(DataElement::new(
            tags::ROWS,
            VR::US,
            PrimitiveValue::from(size as u16),
        ));
        obj.put(DataElement::new(
            tags::COLUMNS,
            VR::US,
            PrimitiveValue::from(size as u16),
        ));
        for tag in [tags::BITS_ALLOCATED, tags::BITS_STORED] {
            obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(8u16)));
        }
        obj.put(DataElement::new(
            tags::HIGH_BIT,
            VR::US,
            PrimitiveValue::from(7u16),
        ));
        obj.put(DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ));
        let px: Vec<u8> = (0..size * size)
            .map(|i| (100 + (i % size) * 4) as u8)
            .collect();
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PrimitiveValue::U8(px.into()),
        ));
        let mut file = obj
            .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
            .unwrap();
        file.transcode(target).unwrap();
        file.write_to_file(dir.path().join(format!("j{k}.dcm")))
            .unwrap();
    }
    let ct = load(dir.path()).unwrap().ct.unwrap().volume;
    for x in 0..size {
        let v = ct.get(x, 3, 1).unwrap();
        let expected = (100 + x * 4) as f32 - 10.0;
        assert!((v - expected).abs() <= 6.0, "x {x}: {v} vs {expected}");
    }
}

#[test]
fn enhanced_multiframe_uses_per_frame_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut obj = slice_header([0.0, 0.0, 0.0], AXIAL, 1, 1.0);
    for tag in [
        tags::IMAGE_POSITION_PATIENT,
        tags::RESCALE_SLOPE,
        tags::RESCALE_INTERCEPT,
    ] {
        obj.remove_element(tag);
    }
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("3"),
    ));
    let item = |tag, inner: Vec<DataElement<InMemDicomObject>>| {
        DataElement::new(
            tag,
            VR::SQ,
            DataSetSequence::from(vec![InMemDicomObject::from_element_iter(inner)]),
        )
    };
    // Frames stored in the order z = 8, 4, 0 with slopes 1, 2, 3.
    let frames: Vec<InMemDicomObject> = (0..3)
        .map(|f| {
            InMemDicomObject::from_element_iter([
                item(
                    tags::PLANE_POSITION_SEQUENCE,
                    vec![DataElement::new(
                        tags::IMAGE_POSITION_PATIENT,
                        VR::DS,
                        PrimitiveValue::from(ds(&[0.0, 0.0, 8.0 - 4.0 * f as f64])),
                    )],
                ),
                item(
                    tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                    vec![
                        DataElement::new(
                            tags::RESCALE_SLOPE,
                            VR::DS,
                            PrimitiveValue::from((f + 1).to_string()),
                        ),
                        DataElement::new(
                            tags::RESCALE_INTERCEPT,
                            VR::DS,
                            PrimitiveValue::from("0"),
                        ),
                    ],
                ),
            ])
        })
        .collect();
    obj.put(DataElement::new(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(frames),
    ));
    let values: Vec<i16> = (0..3).flat_map(|_| pixels(10)).collect();
    let obj = native(obj, values);
    write(
        obj,
        &dir.path().join("enhanced.dcm"),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let ct = load(dir.path()).unwrap().ct.unwrap().volume;
    assert_eq!(ct.dims(), [N, N, 3]);
    assert_eq!(ct.geometry.origin.z, 0.0);
    // z = 0 is the third frame (slope 3), z = 8 the first (slope 1).
    assert_eq!(ct.get(0, 0, 0), Some(30.0));
    assert_eq!(ct.get(0, 0, 1), Some(20.0));
    assert_eq!(ct.get(0, 0, 2), Some(10.0));
}

#[test]
fn scan_skips_non_image_objects_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_series(dir.path(), &[0.0, 2.0], uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let rtstruct = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::RT_STRUCTURE_SET_STORAGE),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("2.25.5"),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("RTSTRUCT")),
        DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("2.25.6"),
        ),
    ]);
    write(
        rtstruct,
        &dir.path().join("rs.dcm"),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let scanned = scan(&[PathBuf::from(dir.path())]);
    assert_eq!(scanned.series.len(), 1);
    assert_eq!(scanned.skipped.len(), 1);
    assert!(scanned.skipped[0].1.contains("RTSTRUCT"));
}

#[test]
fn load_cancelled_before_the_call_returns_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    write_series(
        dir.path(),
        &[10.0, 20.0, 30.0],
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let options = LoadOptions::default();
    options.cancel.cancel();
    let result = load_study(&[dir.path().to_path_buf()], &options);
    assert!(
        matches!(result, Err(petct::dicom::DicomError::Cancelled)),
        "{result:?}"
    );
    // The same files load with a fresh flag: cancelling marked nothing as broken.
    assert!(load(dir.path()).unwrap().ct.is_some());
}
