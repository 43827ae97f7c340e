//! Reading a binary DICOM SEG (ours, or one like it) back as a label volume.

use std::path::Path;

use dicom_dictionary_std::{tags, uids};
use glam::DVec3;

use super::super::attrs::{first_item, floats, int, text, Dataset};
use super::super::scan::open_dicom;
use super::DicomWriteError;
use crate::volume::Geometry;

/// One frame of one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegFrame {
    /// ImagePositionPatient of the frame (mm LPS).
    pub position: DVec3,
    /// The source image it was derived from (ReferencedSOPInstanceUID), when given.
    pub source_sop_instance_uid: Option<String>,
    /// Indices (row * columns + column) of the set pixels.
    pub pixels: Vec<usize>,
}

/// One segment of a SEG.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadSegment {
    /// SegmentNumber.
    pub number: u16,
    /// SegmentLabel.
    pub label: String,
    /// SegmentAlgorithmName, when given.
    pub algorithm_name: Option<String>,
    pub frames: Vec<SegFrame>,
}

impl ReadSegment {
    /// Set pixels over all frames.
    pub fn voxel_count(&self) -> usize {
        self.frames.iter().map(|f| f.pixels.len()).sum()
    }
}

/// A binary SEG as read back.
#[derive(Debug, Clone)]
pub struct Segmentation {
    pub rows: usize,
    pub columns: usize,
    pub study_instance_uid: Option<String>,
    pub series_instance_uid: Option<String>,
    pub frame_of_reference_uid: Option<String>,
    /// ImageOrientationPatient (shared or of the first frame).
    pub orientation: [f64; 6],
    /// SeriesInstanceUID of the referenced source series (ReferencedSeriesSequence).
    pub referenced_series_uid: Option<String>,
    pub segments: Vec<ReadSegment>,
}

/// Reads a binary SEG (Segmentation Storage, SegmentationType BINARY, 1 bit per pixel,
/// uncompressed) with per-frame plane positions and segment identification.
pub fn read_segmentation(path: &Path) -> Result<Segmentation, DicomWriteError> {
    let bad = |problem: String| DicomWriteError::BadSeg {
        path: path.into(),
        problem,
    };
    let obj = open_dicom(path, false)?;
    let ds: &Dataset = &obj;
    let class = text(ds, tags::SOP_CLASS_UID).unwrap_or_default();
    if class != uids::SEGMENTATION_STORAGE {
        return Err(bad(format!(
            "SOP class {class} is not Segmentation Storage"
        )));
    }
    let seg_type = text(ds, tags::SEGMENTATION_TYPE).unwrap_or_default();
    if seg_type != "BINARY" || int(ds, tags::BITS_ALLOCATED) != Some(1) {
        return Err(bad(format!(
            "only BINARY segmentations with 1 bit per pixel are read (SegmentationType '{seg_type}')"
        )));
    }
    let (Some(rows), Some(columns)) = (int(ds, tags::ROWS), int(ds, tags::COLUMNS)) else {
        return Err(bad("Rows/Columns missing".into()));
    };
    let (rows, columns) = (rows.max(0) as usize, columns.max(0) as usize);
    let count = int(ds, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(0) as usize;
    let shared = first_item(ds, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame = ds
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items())
        .ok_or_else(|| bad("no PerFrameFunctionalGroupsSequence".into()))?;
    if per_frame.len() != count {
        return Err(bad(format!(
            "{} per-frame items for {count} frames",
            per_frame.len()
        )));
    }
    let grouped = |frame: &Dataset, group, tag| {
        [Some(frame), shared]
            .into_iter()
            .flatten()
            .filter_map(|g| first_item(g, group))
            .find_map(|g| floats(g, tag))
    };
    let orientation = per_frame
        .first()
        .and_then(|f| {
            grouped(
                f,
                tags::PLANE_ORIENTATION_SEQUENCE,
                tags::IMAGE_ORIENTATION_PATIENT,
            )
        })
        .filter(|v| v.len() == 6)
        .ok_or_else(|| bad("no ImageOrientationPatient".into()))?;
    let pixel_data = obj
        .element(tags::PIXEL_DATA)
        .map_err(|e| bad(format!("no pixel data: {e}")))?
        .to_bytes()
        .map_err(|e| bad(format!("pixel data: {e}")))?;
    let plane = rows * columns;
    if pixel_data.len() * 8 < plane * count {
        return Err(bad(format!(
            "{} bytes of pixel data for {count} frames of {columns} x {rows}",
            pixel_data.len()
        )));
    }
    let mut segments: Vec<ReadSegment> = ds
        .get(tags::SEGMENT_SEQUENCE)
        .and_then(|e| e.items())
        .ok_or_else(|| bad("no SegmentSequence".into()))?
        .iter()
        .map(|item| ReadSegment {
            number: int(item, tags::SEGMENT_NUMBER).unwrap_or(0) as u16,
            label: text(item, tags::SEGMENT_LABEL).unwrap_or_default(),
            algorithm_name: text(item, tags::SEGMENT_ALGORITHM_NAME),
            frames: Vec::new(),
        })
        .collect();
    for (i, frame) in per_frame.iter().enumerate() {
        let number = first_item(frame, tags::SEGMENT_IDENTIFICATION_SEQUENCE)
            .and_then(|g| int(g, tags::REFERENCED_SEGMENT_NUMBER))
            .ok_or_else(|| bad(format!("frame {}: no ReferencedSegmentNumber", i + 1)))?;
        let position = grouped(
            frame,
            tags::PLANE_POSITION_SEQUENCE,
            tags::IMAGE_POSITION_PATIENT,
        )
        .filter(|v| v.len() == 3)
        .ok_or_else(|| bad(format!("frame {}: no ImagePositionPatient", i + 1)))?;
        let source_sop_instance_uid = first_item(frame, tags::DERIVATION_IMAGE_SEQUENCE)
            .and_then(|d| first_item(d, tags::SOURCE_IMAGE_SEQUENCE))
            .and_then(|s| text(s, tags::REFERENCED_SOP_INSTANCE_UID));
        let start = i * plane;
        let pixels = (0..plane)
            .filter(|p| {
                let b = start + p;
                pixel_data[b / 8] >> (b % 8) & 1 == 1
            })
            .collect();
        let segment = segments
            .iter_mut()
            .find(|s| i64::from(s.number) == number)
            .ok_or_else(|| bad(format!("frame {}: unknown segment {number}", i + 1)))?;
        segment.frames.push(SegFrame {
            position: DVec3::new(position[0], position[1], position[2]),
            source_sop_instance_uid,
            pixels,
        });
    }
    Ok(Segmentation {
        rows,
        columns,
        study_instance_uid: text(ds, tags::STUDY_INSTANCE_UID),
        series_instance_uid: text(ds, tags::SERIES_INSTANCE_UID),
        frame_of_reference_uid: text(ds, tags::FRAME_OF_REFERENCE_UID),
        orientation: [
            orientation[0],
            orientation[1],
            orientation[2],
            orientation[3],
            orientation[4],
            orientation[5],
        ],
        referenced_series_uid: first_item(ds, tags::REFERENCED_SERIES_SEQUENCE)
            .and_then(|r| text(r, tags::SERIES_INSTANCE_UID)),
        segments,
    })
}

/// How far (in voxels) a frame may lie from the grid's slices and origin.
const GRID_TOLERANCE_VOXELS: f64 = 0.1;

impl Segmentation {
    /// The segments as a label volume on `geometry` (value = SegmentNumber, 0 elsewhere; a
    /// later segment wins where two overlap). Frames are placed by their position; the SEG must
    /// share the grid's rows, columns and orientation (no resampling).
    pub fn label_volume(&self, geometry: &Geometry) -> Result<Vec<u16>, String> {
        let [nx, ny, nz] = geometry.dims;
        if (self.columns, self.rows) != (nx, ny) {
            return Err(format!(
                "the SEG is {} x {}, the grid {nx} x {ny}",
                self.columns, self.rows
            ));
        }
        let o = &self.orientation;
        let same = |a: DVec3, b: [f64; 3]| (a - DVec3::from_array(b)).length() < 1e-3;
        if !same(geometry.row_dir, [o[0], o[1], o[2]])
            || !same(geometry.col_dir, [o[3], o[4], o[5]])
        {
            return Err(format!(
                "the SEG's orientation {o:?} differs from the grid's"
            ));
        }
        let mut labels = vec![0u16; geometry.voxel_count()];
        for s in &self.segments {
            for f in &s.frames {
                let v = geometry.patient_to_voxel(f.position);
                let z = v.z.round();
                if v.x.abs() > GRID_TOLERANCE_VOXELS
                    || v.y.abs() > GRID_TOLERANCE_VOXELS
                    || (v.z - z).abs() > GRID_TOLERANCE_VOXELS
                    || z < 0.0
                    || z >= nz as f64
                {
                    return Err(format!(
                        "segment {} has a frame at {:?} mm, off the grid's slices",
                        s.number, f.position
                    ));
                }
                let base = z as usize * nx * ny;
                for &p in &f.pixels {
                    labels[base + p] = s.number;
                }
            }
        }
        Ok(labels)
    }
}
