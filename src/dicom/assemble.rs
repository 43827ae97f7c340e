//! Volume assembly: order frames along the slice normal and check that they form one
//! regular grid (same size, orientation and pixel spacing; uniform spacing; no gaps).

use std::path::PathBuf;

use glam::DVec3;

use super::error::DicomError;
use super::series::Series;
use crate::volume::Geometry;

/// One slice of the assembled volume: where its pixels come from and how to rescale them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceSource {
    /// Index into `Series::files`.
    pub file: usize,
    /// Frame within that file.
    pub frame: u32,
    pub slope: f64,
    pub intercept: f64,
}

/// The ordered slices of a series and their common geometry.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub geometry: Geometry,
    /// Slices in order of increasing position along the slice normal.
    pub slices: Vec<SliceSource>,
    /// Things a reader should know (gantry tilt, small spacing irregularities).
    pub warnings: Vec<String>,
}

/// Relative tolerance on slice-spacing uniformity.
const SPACING_TOLERANCE: f64 = 0.05;
/// Tolerance on direction cosines and pixel spacing.
const ORIENTATION_TOLERANCE: f64 = 1e-4;

/// Orders and checks the frames of a series.
pub fn assemble(series: &Series) -> Result<Assembly, DicomError> {
    let fail = |problem: String, files: Vec<PathBuf>| DicomError::Geometry {
        series: series.label(),
        problem,
        files,
    };
    let first_file = series
        .files
        .first()
        .ok_or_else(|| fail("no files".into(), vec![]))?;
    let first = first_file
        .frames
        .first()
        .ok_or_else(|| fail("no frames".into(), vec![first_file.path.clone()]))?;
    for f in &series.files {
        if (f.rows, f.columns) != (first_file.rows, first_file.columns) {
            return Err(fail(
                format!(
                    "images differ in size: {}x{} and {}x{} (columns x rows)",
                    first_file.columns, first_file.rows, f.columns, f.rows
                ),
                vec![first_file.path.clone(), f.path.clone()],
            ));
        }
        for fr in &f.frames {
            let orientation_differs = fr
                .orientation
                .iter()
                .zip(first.orientation)
                .any(|(a, b)| (a - b).abs() > ORIENTATION_TOLERANCE);
            if orientation_differs {
                return Err(fail(
                    format!(
                        "mixed orientations: {:?} and {:?} (ImageOrientationPatient); a volume needs one",
                        first.orientation, fr.orientation
                    ),
                    vec![first_file.path.clone(), f.path.clone()],
                ));
            }
            let spacing_differs = fr
                .pixel_spacing
                .iter()
                .zip(first.pixel_spacing)
                .any(|(a, b)| (a - b).abs() > ORIENTATION_TOLERANCE * b.max(1.0));
            if spacing_differs {
                return Err(fail(
                    format!(
                        "pixel spacing differs: {:?} and {:?}",
                        first.pixel_spacing, fr.pixel_spacing
                    ),
                    vec![first_file.path.clone(), f.path.clone()],
                ));
            }
        }
    }
    let o = first.orientation;
    let row_dir = DVec3::new(o[0], o[1], o[2]);
    let col_dir = DVec3::new(o[3], o[4], o[5]);
    let normal = row_dir.cross(col_dir).normalize_or_zero();
    if normal == DVec3::ZERO {
        return Err(fail(
            format!("degenerate ImageOrientationPatient {o:?}"),
            vec![first_file.path.clone()],
        ));
    }

    let mut placed: Vec<(f64, DVec3, SliceSource)> = series
        .files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            f.frames.iter().map(move |fr| {
                (
                    fr.position.dot(normal),
                    fr.position,
                    SliceSource {
                        file: fi,
                        frame: fr.index,
                        slope: fr.slope,
                        intercept: fr.intercept,
                    },
                )
            })
        })
        .collect();
    placed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let path_of = |s: &SliceSource| series.files[s.file].path.clone();

    let mut warnings = Vec::new();
    let n = placed.len();
    let (slice_dir, slice_spacing) = if n == 1 {
        (
            normal,
            first_file
                .slice_thickness
                .filter(|t| *t > 0.0)
                .unwrap_or(1.0),
        )
    } else {
        let steps: Vec<f64> = placed.windows(2).map(|w| w[1].0 - w[0].0).collect();
        if let Some(i) = steps.iter().position(|s| *s < 1e-3) {
            return Err(fail(
                format!(
                    "two slices at the same position ({:.3} mm along the normal); the series holds \
                     several time points, echoes or duplicates",
                    placed[i].0
                ),
                vec![path_of(&placed[i].2), path_of(&placed[i + 1].2)],
            ));
        }
        let mut sorted = steps.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        for (i, s) in steps.iter().enumerate() {
            if *s > median * 1.5 {
                let missing = (s / median).round() as i64 - 1;
                return Err(fail(
                    format!(
                        "{} slice(s) missing between positions {:.2} and {:.2} mm (spacing {:.3} mm \
                         elsewhere)",
                        missing.max(1),
                        placed[i].0,
                        placed[i + 1].0,
                        median
                    ),
                    vec![path_of(&placed[i].2), path_of(&placed[i + 1].2)],
                ));
            }
            if (s - median).abs() > SPACING_TOLERANCE * median {
                return Err(fail(
                    format!(
                        "irregular slice spacing: {s:.3} mm between positions {:.2} and {:.2}, \
                         {median:.3} mm elsewhere",
                        placed[i].0,
                        placed[i + 1].0
                    ),
                    vec![path_of(&placed[i].2), path_of(&placed[i + 1].2)],
                ));
            }
        }
        let span = placed[n - 1].1 - placed[0].1;
        let spacing = span.length() / (n - 1) as f64;
        let dir = span.normalize();
        // Every slice must lie on the line from the first to the last.
        for (k, p) in placed.iter().enumerate() {
            let expected = placed[0].1 + dir * (spacing * k as f64);
            if (p.1 - expected).length() > 0.1 * spacing.max(1.0) {
                return Err(fail(
                    format!(
                        "slice positions are not on a straight line (slice {k} is {:.2} mm off)",
                        (p.1 - expected).length()
                    ),
                    vec![path_of(&p.2)],
                ));
            }
        }
        (dir, spacing)
    };
    let ps = first.pixel_spacing;
    let geometry = Geometry::from_directions(
        [first_file.columns as usize, first_file.rows as usize, n],
        // PixelSpacing is (between rows, between columns): x steps use the column spacing.
        [ps[1], ps[0], slice_spacing],
        placed[0].1,
        row_dir,
        col_dir,
        slice_dir,
    )
    .map_err(|e| fail(e.to_string(), vec![first_file.path.clone()]))?;
    let tilt = geometry.tilt_degrees();
    if tilt > 0.01 {
        warnings.push(format!(
            "gantry tilt of {tilt:.2} degrees: slices are stacked obliquely; the volume keeps the \
             exact sheared geometry"
        ));
    }
    Ok(Assembly {
        geometry,
        slices: placed.into_iter().map(|p| p.2).collect(),
        warnings,
    })
}
