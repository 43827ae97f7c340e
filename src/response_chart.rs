//! The follow-up report's chart: each tracked lesion's SULpeak (with the liver reference)
//! and MTV over the time points, as one PNG image drawn on the CPU (`petct response --chart`,
//! and the viewer's response panel shows the same image).
//!
//! Time points are labelled "baseline" and "follow-up +N d" rather than by date: dates are
//! identifiers, and the interval is what a reader needs.

use image::RgbaImage;

use crate::analysis::response::{ResponseAssessment, Status};
use crate::annotate::{line_chart, ChartSeries};

/// Colours of the lesion lines, cycled.
const PALETTE: [[u8; 4]; 6] = [
    [255, 140, 0, 255],
    [80, 180, 255, 255],
    [120, 220, 90, 255],
    [240, 90, 200, 255],
    [250, 220, 60, 255],
    [170, 130, 255, 255],
];
const LIVER: [u8; 4] = [150, 150, 150, 255];

/// The x labels for a baseline and a follow-up `days` later (when known).
pub fn time_labels(days: Option<f64>) -> Vec<String> {
    let followup = match days {
        Some(d) => format!("follow-up +{d:.0} d"),
        None => "follow-up".to_string(),
    };
    vec!["baseline".to_string(), followup]
}

/// The lesions to draw: `only` (a lesion id) or all of them.
fn lesions_shown(
    a: &ResponseAssessment,
    only: Option<u32>,
) -> Vec<&crate::analysis::response::TrackedLesion> {
    a.lesions
        .iter()
        .filter(|l| only.is_none_or(|id| l.id == id))
        .collect()
}

fn lesion_name(l: &crate::analysis::response::TrackedLesion) -> String {
    let status = match l.status {
        Status::Matched => "",
        Status::New => " (new)",
        Status::Disappeared => " (gone)",
    };
    format!("Lesion {} {}{status}", l.id, l.organ)
}

/// SULpeak per lesion and the liver reference mean, over the two time points.
pub fn sul_peak_chart(
    a: &ResponseAssessment,
    x_labels: &[String],
    only: Option<u32>,
    size: (u32, u32),
) -> RgbaImage {
    let mut series: Vec<ChartSeries> = lesions_shown(a, only)
        .into_iter()
        .enumerate()
        .map(|(i, l)| ChartSeries {
            label: lesion_name(l),
            values: vec![Some(l.baseline.sul_peak), Some(l.followup.sul_peak)],
            colour: PALETTE[i % PALETTE.len()],
        })
        .collect();
    let liver = a.percist.comparability.liver_mean;
    series.push(ChartSeries {
        label: "liver reference (mean)".into(),
        values: vec![Some(liver[0]), Some(liver[1])],
        colour: LIVER,
    });
    let unit = serde_json::to_value(a.scale)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    line_chart("Peak uptake", &unit, x_labels, &series, size)
}

/// Metabolic tumour volume per lesion over the two time points.
pub fn mtv_chart(
    a: &ResponseAssessment,
    x_labels: &[String],
    only: Option<u32>,
    size: (u32, u32),
) -> RgbaImage {
    let series: Vec<ChartSeries> = lesions_shown(a, only)
        .into_iter()
        .enumerate()
        .map(|(i, l)| ChartSeries {
            label: lesion_name(l),
            values: vec![
                Some(l.baseline.mtv_ml).filter(|_| l.baseline.segmented),
                Some(l.followup.mtv_ml).filter(|_| l.followup.segmented),
            ],
            colour: PALETTE[i % PALETTE.len()],
        })
        .collect();
    line_chart("Metabolic tumour volume", "mL", x_labels, &series, size)
}

/// Both charts, SULpeak above MTV, `width` wide.
pub fn response_chart(
    a: &ResponseAssessment,
    days: Option<f64>,
    only: Option<u32>,
    width: u32,
) -> RgbaImage {
    let labels = time_labels(days);
    let rows = (lesions_shown(a, only).len() as u32 + 1) * 14;
    let h = (width * 9 / 16).max(200) + rows;
    let top = sul_peak_chart(a, &labels, only, (width, h));
    let bottom = mtv_chart(a, &labels, only, (width, h));
    let mut out = RgbaImage::new(width, h * 2);
    image::imageops::replace(&mut out, &top, 0, 0);
    image::imageops::replace(&mut out, &bottom, 0, i64::from(h));
    out
}
