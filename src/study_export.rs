//! DICOM objects filed in the open study: the suspicious lesions as a SEG referring to the
//! PET instances, and key frames as Secondary Capture. One path each for the command line
//! (`petct hotspots --seg`, `petct render --dicom`) and the viewer.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::analysis::{Category, HotspotResult};
use crate::dicom::write::{secondary_capture, segmentation, RgbImage, Segment, SourceSeries};

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

/// Writes a key frame as a Secondary Capture to `out`, atomically, filed in the DICOM study
/// at `paths` (a new series; the source series is the PET `pet_series`, else the CT
/// `ct_series`; `None` for both: the default PET). No identifiers are burned into the
/// pixels: callers pass an image without the patient banner.
pub fn write_key_frame_sc(
    out: &Path,
    paths: &[PathBuf],
    pet_series: Option<&str>,
    ct_series: Option<&str>,
    img: &image::RgbaImage,
) -> anyhow::Result<()> {
    if paths.is_empty() {
        bail!(
            "a DICOM key frame needs a DICOM study to be filed in (write the phantom with \
             `petct phantom` first)"
        );
    }
    let source = match (pet_series, ct_series) {
        (None, Some(ct)) => SourceSeries::read(paths, Some(ct), "CT")?,
        (pet, _) => SourceSeries::read(paths, pet, "PT")?,
    };
    let image = RgbImage::from_rgba(img.width(), img.height(), img.as_raw());
    let sc = secondary_capture(&image, &source, "petct key frame")?;
    crate::render::export::write_atomic(&sc.bytes, out)?;
    Ok(())
}
