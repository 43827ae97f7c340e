//! The suspicious lesions of a segmentation as a DICOM SEG that refers to the study's PET
//! instances: one path for `petct hotspots --seg` and the viewer's export.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::analysis::{Category, HotspotResult};
use crate::dicom::write::{segmentation, Segment, SourceSeries};

/// Writes the suspicious lesions of `result` (one segment each, labelled "Lesion N" with
/// the table's id) as a binary SEG to `out`, atomically, referring to the PET series
/// `pet_series` (SeriesInstanceUID; `None`: the default choice) of the DICOM study at
/// `paths`. Returns the number of segments written.
pub fn write_lesion_seg(
    out: &Path,
    paths: &[PathBuf],
    pet_series: Option<&str>,
    result: &HotspotResult,
) -> anyhow::Result<usize> {
    if paths.is_empty() {
        bail!(
            "a SEG needs a DICOM study to refer to (write the phantom with `petct phantom` first)"
        );
    }
    let segments: Vec<Segment> = result
        .lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .map(|l| Segment {
            label: format!("Lesion {}", l.id),
            label_value: l.id as u16,
        })
        .collect();
    if segments.is_empty() {
        bail!("no suspicious lesions: no SEG written to {}", out.display());
    }
    let source = SourceSeries::read(paths, pet_series, "PT")?;
    let seg = segmentation(
        &result.labels,
        &segments,
        &source,
        &result.threshold_description,
    )?;
    crate::render::export::write_atomic(&seg.bytes, out)?;
    Ok(segments.len())
}
