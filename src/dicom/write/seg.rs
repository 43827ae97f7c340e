//! Lesion masks as a binary DICOM Segmentation (SEG) on the source PET grid.

use dicom_core::value::PrimitiveValue;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;

use super::elements::{
    code, ds_multi, el, encode, int_string, now_date_time, sequence, strs, text, us, MANUFACTURER,
};
use super::{new_uid, DicomWriteError, SourceSeries, WrittenObject};

/// SegmentAlgorithmName of every segment we write.
pub const SEG_ALGORITHM_NAME: &str = "petct hot spots";
/// Series number of SEG series we create.
const SEG_SERIES_NUMBER: i64 = 9002;

/// One segment to write: the voxels of a label volume equal to `label_value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// SegmentLabel, e.g. "Lesion 1".
    pub label: String,
    /// The value of this segment's voxels in the label volume.
    pub label_value: u16,
}

/// Builds a binary SEG of `segments` of `labels` (one value per voxel of `source.geometry`,
/// x fastest, then y, then z), one segment per entry (numbered 1, 2, ... in order), each coded
/// as SCT 49755003 "Morphologically abnormal structure" / SCT 4147007 "Mass", algorithm
/// AUTOMATIC [`SEG_ALGORITHM_NAME`].
///
/// Frames are written only where a segment has voxels, segment by segment in slice order;
/// each frame references the source slice it was derived from (SOP Class and Instance UID).
pub fn segmentation(
    labels: &[u16],
    segments: &[Segment],
    source: &SourceSeries,
    description: &str,
) -> Result<WrittenObject, DicomWriteError> {
    let input = |problem: String| DicomWriteError::Input {
        object: "segmentation",
        problem,
    };
    let g = &source.geometry;
    let [nx, ny, nz] = g.dims;
    if labels.len() != g.voxel_count() || source.slices.len() != nz {
        return Err(input(format!(
            "{} labels and {} source slices for a {nx} x {ny} x {nz} grid",
            labels.len(),
            source.slices.len()
        )));
    }
    let (Ok(columns), Ok(rows)) = (u16::try_from(nx), u16::try_from(ny)) else {
        return Err(input(format!(
            "{nx} x {ny} does not fit DICOM Rows/Columns"
        )));
    };
    if segments.is_empty() {
        return Err(input("no segments to write".into()));
    }
    if segments.len() > usize::from(u16::MAX) {
        return Err(input(format!("{} segments", segments.len())));
    }
    let plane = nx * ny;
    // (segment number, slice) of every frame, and the packed bits of all frames.
    let mut frames: Vec<(u16, usize)> = Vec::new();
    let mut bits: Vec<u8> = Vec::new();
    let mut bit = 0usize;
    for (i, s) in segments.iter().enumerate() {
        let number = i as u16 + 1;
        for (z, slice) in labels.chunks_exact(plane).enumerate() {
            if !slice.contains(&s.label_value) {
                continue;
            }
            frames.push((number, z));
            bits.resize((bit + plane).div_ceil(8), 0);
            for (p, &v) in slice.iter().enumerate() {
                if v == s.label_value {
                    let b = bit + p;
                    bits[b / 8] |= 1 << (b % 8);
                }
            }
            bit += plane;
        }
    }
    if frames.is_empty() {
        return Err(input("no segment has any voxels".into()));
    }
    if bits.len() % 2 == 1 {
        bits.push(0);
    }

    let sop_instance_uid = new_uid();
    let series_instance_uid = new_uid();
    let dimension_uid = new_uid();
    let (date, time) = now_date_time();
    let orientation = [
        g.row_dir.x,
        g.row_dir.y,
        g.row_dir.z,
        g.col_dir.x,
        g.col_dir.y,
        g.col_dir.z,
    ];
    let shared = InMemDicomObject::from_element_iter([
        sequence(
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([ds_multi(
                tags::IMAGE_ORIENTATION_PATIENT,
                &orientation,
            )])],
        ),
        sequence(
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                ds_multi(tags::PIXEL_SPACING, &[g.spacing[1], g.spacing[0]]),
                ds_multi(tags::SLICE_THICKNESS, &[g.spacing[2]]),
                ds_multi(tags::SPACING_BETWEEN_SLICES, &[g.spacing[2]]),
            ])],
        ),
    ]);
    let per_frame: Vec<InMemDicomObject> = frames
        .iter()
        .map(|&(number, z)| frame_group(source, number, z))
        .collect();
    let segment_items: Vec<InMemDicomObject> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            InMemDicomObject::from_element_iter([
                us(tags::SEGMENT_NUMBER, i as u16 + 1),
                text(tags::SEGMENT_LABEL, VR::LO, &s.label),
                text(tags::SEGMENT_ALGORITHM_TYPE, VR::CS, "AUTOMATIC"),
                text(tags::SEGMENT_ALGORITHM_NAME, VR::LO, SEG_ALGORITHM_NAME),
                sequence(
                    tags::SEGMENTED_PROPERTY_CATEGORY_CODE_SEQUENCE,
                    vec![code(
                        "49755003",
                        "SCT",
                        "Morphologically abnormal structure",
                    )],
                ),
                sequence(
                    tags::SEGMENTED_PROPERTY_TYPE_CODE_SEQUENCE,
                    vec![code("4147007", "SCT", "Mass")],
                ),
            ])
        })
        .collect();
    let dimension = |pointer: Tag, group: Tag, label: &str| {
        InMemDicomObject::from_element_iter([
            text(tags::DIMENSION_ORGANIZATION_UID, VR::UI, &dimension_uid),
            el(
                tags::DIMENSION_INDEX_POINTER,
                VR::AT,
                PrimitiveValue::from(pointer),
            ),
            el(
                tags::FUNCTIONAL_GROUP_POINTER,
                VR::AT,
                PrimitiveValue::from(group),
            ),
            text(tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label),
        ])
    };
    let mut referenced: Vec<&super::SourceSlice> = Vec::new();
    for &(_, z) in &frames {
        let s = &source.slices[z];
        if !referenced
            .iter()
            .any(|r| r.sop_instance_uid == s.sop_instance_uid)
        {
            referenced.push(s);
        }
    }
    let referenced_series = InMemDicomObject::from_element_iter([
        text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &source.series_instance_uid,
        ),
        sequence(
            tags::REFERENCED_INSTANCE_SEQUENCE,
            referenced
                .iter()
                .map(|s| {
                    InMemDicomObject::from_element_iter([
                        text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &s.sop_class_uid),
                        text(
                            tags::REFERENCED_SOP_INSTANCE_UID,
                            VR::UI,
                            &s.sop_instance_uid,
                        ),
                    ])
                })
                .collect(),
        ),
    ]);

    let mut obj = InMemDicomObject::from_element_iter(source.patient_study.iter().cloned());
    for e in [
        text(tags::SOP_CLASS_UID, VR::UI, uids::SEGMENTATION_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop_instance_uid),
        text(tags::INSTANCE_CREATION_DATE, VR::DA, &date),
        text(tags::INSTANCE_CREATION_TIME, VR::TM, &time),
        // General Series, Segmentation Series
        text(tags::MODALITY, VR::CS, "SEG"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &series_instance_uid),
        int_string(tags::SERIES_NUMBER, SEG_SERIES_NUMBER),
        text(tags::SERIES_DESCRIPTION, VR::LO, description),
        text(tags::SERIES_DATE, VR::DA, &date),
        text(tags::SERIES_TIME, VR::TM, &time),
        // Frame of Reference
        text(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            source.frame_of_reference_uid.as_deref().unwrap_or_default(),
        ),
        text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
        // General and Enhanced General Equipment
        text(tags::MANUFACTURER, VR::LO, MANUFACTURER),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "petct"),
        text(tags::DEVICE_SERIAL_NUMBER, VR::LO, "1"),
        text(tags::SOFTWARE_VERSIONS, VR::LO, env!("CARGO_PKG_VERSION")),
        // General Image, Segmentation Image
        int_string(tags::INSTANCE_NUMBER, 1),
        text(tags::CONTENT_DATE, VR::DA, &date),
        text(tags::CONTENT_TIME, VR::TM, &time),
        strs(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "PRIMARY"]),
        text(tags::CONTENT_LABEL, VR::CS, "LESIONS"),
        text(tags::CONTENT_DESCRIPTION, VR::LO, description),
        text(tags::CONTENT_CREATOR_NAME, VR::PN, ""),
        text(tags::SEGMENTATION_TYPE, VR::CS, "BINARY"),
        text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00"),
        // Image Pixel, Multi-frame
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, 1),
        us(tags::BITS_STORED, 1),
        us(tags::HIGH_BIT, 0),
        us(tags::PIXEL_REPRESENTATION, 0),
        int_string(tags::NUMBER_OF_FRAMES, frames.len() as i64),
        // Segments, functional groups, dimensions, references
        sequence(tags::SEGMENT_SEQUENCE, segment_items),
        sequence(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, vec![shared]),
        sequence(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame),
        sequence(
            tags::DIMENSION_ORGANIZATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([text(
                tags::DIMENSION_ORGANIZATION_UID,
                VR::UI,
                &dimension_uid,
            )])],
        ),
        text(tags::DIMENSION_ORGANIZATION_TYPE, VR::CS, "3D"),
        sequence(
            tags::DIMENSION_INDEX_SEQUENCE,
            vec![
                dimension(
                    tags::REFERENCED_SEGMENT_NUMBER,
                    tags::SEGMENT_IDENTIFICATION_SEQUENCE,
                    "Segment Number",
                ),
                dimension(
                    tags::IMAGE_POSITION_PATIENT,
                    tags::PLANE_POSITION_SEQUENCE,
                    "Image Position Patient",
                ),
            ],
        ),
        sequence(tags::REFERENCED_SERIES_SEQUENCE, vec![referenced_series]),
        el(tags::PIXEL_DATA, VR::OB, bits),
    ] {
        obj.put(e);
    }
    Ok(WrittenObject {
        bytes: encode(obj, "segmentation")?,
        sop_instance_uid,
        series_instance_uid,
        study_instance_uid: source.study_instance_uid.clone(),
    })
}

/// The per-frame functional groups of segment `number` on slice `z`.
fn frame_group(source: &SourceSeries, number: u16, z: usize) -> InMemDicomObject {
    let slice = &source.slices[z];
    let p = slice.position;
    let mut image = vec![
        text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &slice.sop_class_uid),
        text(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            &slice.sop_instance_uid,
        ),
        sequence(
            tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
            vec![code(
                "121322",
                "DCM",
                "Source image for image processing operation",
            )],
        ),
    ];
    if let Some(f) = slice.frame_number {
        image.push(int_string(tags::REFERENCED_FRAME_NUMBER, i64::from(f)));
    }
    InMemDicomObject::from_element_iter([
        sequence(
            tags::FRAME_CONTENT_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([el(
                tags::DIMENSION_INDEX_VALUES,
                VR::UL,
                PrimitiveValue::U32([u32::from(number), z as u32 + 1].into_iter().collect()),
            )])],
        ),
        sequence(
            tags::PLANE_POSITION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([ds_multi(
                tags::IMAGE_POSITION_PATIENT,
                &[p.x, p.y, p.z],
            )])],
        ),
        sequence(
            tags::DERIVATION_IMAGE_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                sequence(
                    tags::DERIVATION_CODE_SEQUENCE,
                    vec![code("113076", "DCM", "Segmentation")],
                ),
                sequence(
                    tags::SOURCE_IMAGE_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter(image)],
                ),
            ])],
        ),
        sequence(
            tags::SEGMENT_IDENTIFICATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([us(
                tags::REFERENCED_SEGMENT_NUMBER,
                number,
            )])],
        ),
    ])
}
