//! DICOM exports on the torso phantom written as DICOM: a lesion SEG written and read back
//! (voxel counts, positions and source references against the phantom's own files) and a
//! key frame as Secondary Capture (pixels, study, new series).

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::{tags, uids};
use dicom_object::{open_file, DefaultDicomObject};
use glam::DVec3;
use petct::analysis::{find_hotspots, suv_volume, Category, HotspotParams};
use petct::dicom::write::{
    read_segmentation, secondary_capture, segmentation, RgbImage, Segment, SourceSeries,
    SEG_ALGORITHM_NAME,
};
use petct::phantom::{generate, write_dicom, PhantomKind};
use petct::study::load_view_study;

fn text(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string()
}

/// The PET files of the written phantom, read independently of the loader: SOPInstanceUID
/// per ImagePositionPatient z (mm, rounded to µm).
fn pet_instances(dir: &Path) -> (HashMap<i64, String>, DefaultDicomObject) {
    let mut map = HashMap::new();
    let mut any = None;
    for entry in std::fs::read_dir(dir.join("pet")).unwrap() {
        let obj = open_file(entry.unwrap().path()).unwrap();
        let ipp = obj
            .element(tags::IMAGE_POSITION_PATIENT)
            .unwrap()
            .to_multi_float64()
            .unwrap();
        map.insert(
            (ipp[2] * 1000.0).round() as i64,
            text(&obj, tags::SOP_INSTANCE_UID),
        );
        any = Some(obj);
    }
    (map, any.unwrap())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    petct::render::export::write_atomic(bytes, &path).unwrap();
    path
}

#[test]
fn torso_lesions_round_trip_through_dicom_seg() {
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&generate(PhantomKind::Torso), dir.path()).unwrap();
    let study = load_view_study(&[dir.path().to_path_buf()], &Default::default()).unwrap();
    let pet = study.pet.as_deref().unwrap();
    let suv = suv_volume(pet, study.pet_display_factor);
    let result = find_hotspots(&suv, study.ct.as_deref(), &HotspotParams::default()).unwrap();
    let lesions: Vec<_> = result
        .lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .collect();
    // Several segments, so that segment numbering and frame order are exercised.
    assert!(lesions.len() >= 2, "{} suspicious lesions", lesions.len());

    let source =
        SourceSeries::read(&study.paths, study.series.pet_chosen.as_deref(), "PT").unwrap();
    assert_eq!(source.geometry.dims, pet.geometry.dims);
    let segments: Vec<Segment> = lesions
        .iter()
        .map(|l| Segment {
            label: format!("Lesion {}", l.id),
            label_value: l.id as u16,
        })
        .collect();
    let written = segmentation(&result.labels, &segments, &source, "hot spots").unwrap();
    let path = write(dir.path(), "seg.dcm", &written.bytes);

    // Structure, read with dicom-rs alone.
    let (instances, pet_file) = pet_instances(dir.path());
    let obj = open_file(&path).unwrap();
    assert_eq!(text(&obj, tags::SOP_CLASS_UID), uids::SEGMENTATION_STORAGE);
    assert_eq!(text(&obj, tags::MODALITY), "SEG");
    assert_eq!(text(&obj, tags::SEGMENTATION_TYPE), "BINARY");
    for tag in [
        tags::STUDY_INSTANCE_UID,
        tags::FRAME_OF_REFERENCE_UID,
        tags::PATIENT_ID,
    ] {
        assert_eq!(text(&obj, tag), text(&pet_file, tag));
    }
    assert_ne!(
        text(&obj, tags::SERIES_INSTANCE_UID),
        text(&pet_file, tags::SERIES_INSTANCE_UID)
    );
    let items = obj
        .element(tags::SEGMENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(items.len(), lesions.len());
    for item in items {
        let t = |tag| {
            item.element(tag)
                .unwrap()
                .to_str()
                .unwrap()
                .trim()
                .to_string()
        };
        assert_eq!(t(tags::SEGMENT_ALGORITHM_TYPE), "AUTOMATIC");
        assert_eq!(t(tags::SEGMENT_ALGORITHM_NAME), SEG_ALGORITHM_NAME);
        let category = &item
            .element(tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0];
        assert_eq!(
            category
                .element(tags::CODE_VALUE)
                .unwrap()
                .to_str()
                .unwrap()
                .trim(),
            "49755003"
        );
    }
    let frames: usize = text(&obj, tags::NUMBER_OF_FRAMES).parse().unwrap();
    let per_frame = obj
        .element(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(per_frame.len(), frames);
    let [nx, ny, _] = pet.geometry.dims;
    assert_eq!(
        obj.element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .len(),
        (frames * nx * ny).div_ceil(8).next_multiple_of(2)
    );

    // Read back: voxel counts, source references, and the label volume voxel for voxel.
    let seg = read_segmentation(&path).unwrap();
    assert_eq!(seg.segments.len(), lesions.len());
    assert_eq!(
        seg.referenced_series_uid.as_deref(),
        Some(text(&pet_file, tags::SERIES_INSTANCE_UID).as_str())
    );
    let mut total_frames = 0;
    for (s, l) in seg.segments.iter().zip(&lesions) {
        assert_eq!(s.label, format!("Lesion {}", l.id));
        assert_eq!(s.voxel_count(), l.voxel_count, "{}", s.label);
        for f in &s.frames {
            let z = (f.position.z * 1000.0).round() as i64;
            assert_eq!(f.source_sop_instance_uid.as_ref(), instances.get(&z));
            assert!((f.position.truncate() - pet.geometry.origin.truncate()).length() < 1e-3);
        }
        total_frames += s.frames.len();
    }
    assert_eq!(total_frames, frames);
    let labels = seg.label_volume(&pet.geometry).unwrap();
    let by_id: HashMap<u16, u16> = lesions
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id as u16, i as u16 + 1))
        .collect();
    let expected: Vec<u16> = result
        .labels
        .iter()
        .map(|v| by_id.get(v).copied().unwrap_or(0))
        .collect();
    assert!(labels == expected, "label volumes differ");
    let centre = pet
        .geometry
        .voxel_to_patient(DVec3::from_array(lesions[0].max_voxel.map(|v| v as f64)));
    assert!((centre - lesions[0].max_position_mm).length() < 1e-6);

    pydicom_check(&path, "seg", frames);
}

#[test]
fn key_frame_round_trips_as_secondary_capture() {
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&generate(PhantomKind::Torso), dir.path()).unwrap();
    let source = SourceSeries::read(&[dir.path().to_path_buf()], None, "PT").unwrap();
    let (width, height) = (67u32, 45u32); // odd: the pixel data needs a pad byte
    let rgba: Vec<u8> = (0..width * height)
        .flat_map(|i| {
            [
                (i % 251) as u8,
                (i / 7 % 256) as u8,
                (i * 3 % 256) as u8,
                255,
            ]
        })
        .collect();
    let image = RgbImage::from_rgba(width, height, &rgba);
    let written = secondary_capture(&image, &source, "key frame").unwrap();
    let path = write(dir.path(), "key.dcm", &written.bytes);

    let (_, pet_file) = pet_instances(dir.path());
    let obj = open_file(&path).unwrap();
    assert_eq!(
        text(&obj, tags::SOP_CLASS_UID),
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE
    );
    assert_eq!(text(&obj, tags::SOP_INSTANCE_UID), written.sop_instance_uid);
    assert_eq!(
        text(&obj, tags::STUDY_INSTANCE_UID),
        text(&pet_file, tags::STUDY_INSTANCE_UID)
    );
    assert_eq!(
        text(&obj, tags::PATIENT_NAME),
        text(&pet_file, tags::PATIENT_NAME)
    );
    assert_ne!(
        text(&obj, tags::SERIES_INSTANCE_UID),
        text(&pet_file, tags::SERIES_INSTANCE_UID)
    );
    assert_eq!(text(&obj, tags::CONVERSION_TYPE), "WSD");
    assert_eq!(text(&obj, tags::BURNED_IN_ANNOTATION), "NO");
    assert_eq!(text(&obj, tags::PHOTOMETRIC_INTERPRETATION), "RGB");
    assert_eq!(text(&obj, tags::IMAGE_TYPE), "DERIVED\\SECONDARY");
    use dicom_pixeldata::PixelDecoder;
    let decoded = obj.decode_pixel_data().unwrap();
    assert_eq!((decoded.columns(), decoded.rows()), (width, height));
    assert_eq!(decoded.samples_per_pixel(), 3);
    let pixels: Vec<u8> = decoded.to_vec().unwrap();
    assert_eq!(pixels, image.rgb);

    pydicom_check(&path, "sc", 1);
}

/// Optional second opinion: pydicom parses the object and checks the pixel data length and
/// per-frame references, when it is installed.
fn pydicom_check(path: &Path, kind: &str, frames: usize) {
    let script = r#"
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
frames = int(ds.get("NumberOfFrames", 1))
bits = ds.Rows * ds.Columns * ds.SamplesPerPixel * ds.BitsAllocated * frames
assert len(ds.PixelData) == ((bits + 7) // 8 + 1) // 2 * 2, len(ds.PixelData)
if ds.Modality == "SEG":
    assert len(ds.PerFrameFunctionalGroupsSequence) == frames
    for f in ds.PerFrameFunctionalGroupsSequence:
        f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        f.SegmentIdentificationSequence[0].ReferencedSegmentNumber
print(ds.SOPClassUID.name, ds.Rows, ds.Columns, frames)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let s = String::from_utf8_lossy(&o.stdout);
            eprintln!("pydicom read the {kind}: {}", s.trim());
            assert!(s.trim().ends_with(&format!(" {frames}")), "{s}");
        }
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("No module named") {
                eprintln!("SKIPPED pydicom check of the {kind}: pydicom not installed");
            } else {
                panic!("pydicom could not read the {kind}: {err}");
            }
        }
        Err(e) => eprintln!("SKIPPED pydicom check of the {kind}: no python3 ({e})"),
    }
}

#[test]
fn cli_hotspots_writes_a_seg_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&generate(PhantomKind::Torso), dir.path()).unwrap();
    let out = dir.path().join("out").join("lesions.dcm");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_petct"))
        .arg("hotspots")
        .arg(dir.path())
        .arg("--json")
        .arg("--seg")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // stdout stays one JSON object; the SEG's note goes to stderr.
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let lesions = json["lesions"].as_array().unwrap();
    let seg = read_segmentation(&out).unwrap();
    assert_eq!(seg.segments.len(), lesions.len());
    for (s, l) in seg.segments.iter().zip(lesions) {
        assert_eq!(s.label, format!("Lesion {}", l["id"]));
        assert_eq!(Some(s.voxel_count() as u64), l["voxel_count"].as_u64());
    }
    // The SEG read back as the reference of the same analysis: a perfect match.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_petct"))
        .arg("hotspots")
        .arg(dir.path())
        .arg("--json")
        .arg("--reference")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let m = &json["autopet"];
    assert_eq!(m["dice"], 1.0, "{m}");
    assert_eq!(m["false_positive_ml"], 0.0, "{m}");
    assert_eq!(m["false_negative_ml"], 0.0, "{m}");
}

#[test]
fn a_lesion_seg_reads_back_as_the_reference_overlay_on_the_pet_grid() {
    use petct::study_reference::{read_reference, PetGrid};
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&generate(PhantomKind::Torso), dir.path()).unwrap();
    let study = load_view_study(&[dir.path().to_path_buf()], &Default::default()).unwrap();
    let pet = study.pet.as_deref().unwrap();
    let suv = suv_volume(pet, study.pet_display_factor);
    let result = find_hotspots(&suv, study.ct.as_deref(), &HotspotParams::default()).unwrap();
    let path = dir.path().join("lesions.dcm");
    let pet_series = study.series.pet_chosen.as_deref();
    petct::study_export::write_lesion_seg(&path, &study.paths, pet_series, &result).unwrap();
    let grid = PetGrid {
        geometry: pet.geometry.clone(),
        frame_of_reference_uid: study.series.pet_frame_of_reference_uid.clone(),
    };
    assert!(grid.frame_of_reference_uid.is_some());
    let mask = read_reference(&path, &grid).unwrap();
    // The overlay is the suspicious lesions, voxel for voxel.
    let expected: usize = result
        .lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .map(|l| l.voxel_count)
        .sum();
    assert_eq!(mask.voxel_count, expected);
    let on: Vec<bool> = mask.voxels.iter().map(|&v| v != 0).collect();
    assert!(on == petct::analysis::suspicious_mask(&result));
    assert!(mask.summary().contains("lesions.dcm"), "{}", mask.summary());
    // Another frame of reference, or another grid (the CT's), is refused in one line.
    let other_frame = PetGrid {
        frame_of_reference_uid: Some("1.2.3.4".into()),
        ..grid.clone()
    };
    let e = read_reference(&path, &other_frame).unwrap_err().to_string();
    assert!(
        e.contains("lesions.dcm") && e.contains("frame of reference"),
        "{e}"
    );
    let ct_grid = PetGrid {
        geometry: study.ct.as_ref().unwrap().geometry.clone(),
        ..grid
    };
    let e = read_reference(&path, &ct_grid).unwrap_err().to_string();
    assert!(e.contains("not on the PET grid"), "{e}");
    assert!(!e.contains('\n'), "{e}");
}
