//! Hot-spot results as JSON, CSV or an aligned text table, shared by the CLI and the viewer's
//! export. Nothing here carries patient identifiers.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{HotspotResult, Lesion};

/// The result as one JSON object: `method`, `threshold`, `threshold_description`, `lesions`
/// (the lesions the result lists, every [`Lesion`] field, vectors as `[x, y, z]`, with
/// `category` and, for physiologic ones, `organ`), `total_mtv_ml`, `total_tlg` and
/// `lesion_count` (over suspicious lesions only), `listed_count`, `noise_dropped`,
/// `triage_notes`, `suvpeak_definition` and `liver` (object or null).
pub fn to_json(result: &HotspotResult) -> Value {
    let t = result.totals();
    json!({
        "method": result.method.to_string(),
        "method_params": result.method,
        "threshold": result.threshold,
        "threshold_description": result.threshold_description,
        "lesion_count": t.count,
        "listed_count": result.lesions.len(),
        "lesions": result.lesions,
        "total_mtv_ml": t.mtv_ml,
        "total_tlg": t.tlg,
        "noise_dropped": result.noise_dropped,
        "triage_notes": result.triage_notes,
        "suvpeak_definition": result.suvpeak_definition,
        "liver": result.liver,
    })
}

/// CSV column names, in order (see [`to_csv`]).
pub const CSV_COLUMNS: [&str; 26] = [
    "id",
    "suv_max",
    "suv_mean",
    "suv_peak",
    "volume_ml",
    "tlg",
    "max_x_mm",
    "max_y_mm",
    "max_z_mm",
    "max_voxel_i",
    "max_voxel_j",
    "max_voxel_k",
    "centroid_x_mm",
    "centroid_y_mm",
    "centroid_z_mm",
    "bbox_min_x_mm",
    "bbox_min_y_mm",
    "bbox_min_z_mm",
    "bbox_max_x_mm",
    "bbox_max_y_mm",
    "bbox_max_z_mm",
    "ct_hu_mean",
    "voxel_count",
    "threshold_suv",
    "category",
    "organ",
];

/// The lesions as CSV: a header of [`CSV_COLUMNS`] and one row per lesion (positions as
/// separate x/y/z columns; an empty `ct_hu_mean` without CT). Lines end in `\n`.
pub fn to_csv(result: &HotspotResult) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for l in &result.lesions {
        out.push_str(&csv_row(l).join(","));
        out.push('\n');
    }
    out
}

fn csv_row(l: &Lesion) -> Vec<String> {
    let f = |v: f64| format!("{v:.4}");
    let mut row = vec![
        l.id.to_string(),
        f(l.suv_max),
        f(l.suv_mean),
        f(l.suv_peak),
        f(l.volume_ml),
        f(l.tlg),
    ];
    row.extend(l.max_position_mm.to_array().map(f));
    row.extend(l.max_voxel.map(|v| v.to_string()));
    for v in [l.centroid_mm, l.bbox_min_mm, l.bbox_max_mm] {
        row.extend(v.to_array().map(f));
    }
    row.push(l.ct_hu_mean.map(f).unwrap_or_default());
    row.push(l.voxel_count.to_string());
    row.push(f(l.threshold_suv));
    row.push(l.category.name().to_string());
    row.push(l.category.organ().map_or("", |o| o.name()).to_string());
    row
}

/// An aligned text table (id, SUVmax, SUVmean, SUVpeak, MTV, TLG, max position, CT HU,
/// category: "suspicious", "ignored" or the organ) followed by totals (suspicious lesions
/// only), the threshold, triage notes, the liver reference (PERCIST) and the SUVpeak
/// definition.
pub fn to_text(result: &HotspotResult) -> String {
    let header = [
        "#", "SUVmax", "SUVmean", "SUVpeak", "MTV mL", "TLG", "max x", "max y", "max z", "CT HU",
        "category",
    ];
    let rows: Vec<[String; 11]> = result.lesions.iter().map(text_row).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        // Numbers right-aligned, the category (last) left-aligned.
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(k, (c, w))| {
                if k + 1 == cells.len() {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&mut out, &header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    let t = result.totals();
    let _ = writeln!(
        out,
        "\n{} suspicious lesion(s); total MTV {:.2} mL, total TLG {:.2}",
        t.count, t.mtv_ml, t.tlg
    );
    let others = result.lesions.len() - t.count;
    if others > 0 {
        let _ = writeln!(out, "{others} physiologic or ignored (not counted)");
    }
    let _ = writeln!(out, "Threshold: {}", result.threshold_description);
    let _ = writeln!(
        out,
        "Triage: {} candidate(s) dropped as noise{}{}",
        result.noise_dropped,
        if result.triage_notes.is_empty() {
            ""
        } else {
            "; "
        },
        result.triage_notes.join("; ")
    );
    if let Some(l) = &result.liver {
        let _ = writeln!(
            out,
            "Liver reference ({}): 3 cm sphere at ({:.1}, {:.1}, {:.1}) mm, SUV mean {:.2}, SD {:.2}, {} voxels",
            if l.proposed { "proposed" } else { "given" },
            l.centre_mm.x,
            l.centre_mm.y,
            l.centre_mm.z,
            l.suv_mean,
            l.suv_sd,
            l.voxel_count
        );
    }
    let _ = writeln!(out, "Positions: patient LPS mm of the SUVmax voxel centre.");
    let _ = writeln!(out, "{}", result.suvpeak_definition);
    out
}

fn text_row(l: &Lesion) -> [String; 11] {
    let p = l.max_position_mm;
    [
        l.id.to_string(),
        format!("{:.2}", l.suv_max),
        format!("{:.2}", l.suv_mean),
        format!("{:.2}", l.suv_peak),
        format!("{:.2}", l.volume_ml),
        format!("{:.2}", l.tlg),
        format!("{:.1}", p.x),
        format!("{:.1}", p.y),
        format!("{:.1}", p.z),
        l.ct_hu_mean
            .map(|h| format!("{h:.0}"))
            .unwrap_or_else(|| "-".into()),
        l.category.label().to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Method, SUVPEAK_DEFINITION};
    use glam::DVec3;

    fn lesion(id: u32, suv_max: f64, hu: Option<f64>) -> Lesion {
        Lesion {
            id,
            category: crate::analysis::Category::Suspicious,
            triage_note: String::new(),
            background_suv: 1.0,
            suv_max,
            max_voxel: [1, 2, 3],
            max_position_mm: DVec3::new(-10.5, 20.0, 30.25),
            suv_mean: 3.0,
            suv_peak: 4.0,
            volume_ml: 2.0,
            tlg: 6.0,
            centroid_mm: DVec3::new(-10.0, 20.0, 30.0),
            bbox_min_mm: DVec3::new(-20.0, 10.0, 20.0),
            bbox_max_mm: DVec3::new(0.0, 30.0, 40.0),
            ct_hu_mean: hu,
            voxel_count: 40,
            threshold_suv: 2.5,
        }
    }

    fn result() -> HotspotResult {
        HotspotResult {
            lesions: vec![lesion(1, 9.0, Some(42.0)), lesion(2, 5.0, None)],
            labels: vec![],
            total_mtv_ml: 4.0,
            total_tlg: 12.0,
            method: Method::Absolute { suv: 2.5 },
            threshold: 2.5,
            threshold_description: "SUV >= 2.50".into(),
            liver: None,
            suvpeak_definition: SUVPEAK_DEFINITION,
            noise_dropped: 0,
            triage_notes: Vec::new(),
        }
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_lesion() {
        let csv = to_csv(&result());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0].split(',').collect::<Vec<_>>(),
            CSV_COLUMNS.to_vec()
        );
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(row.len(), CSV_COLUMNS.len());
        assert_eq!(row[0], "1");
        assert_eq!(row[1], "9.0000");
        assert_eq!(&row[6..9], &["-10.5000", "20.0000", "30.2500"]);
        assert_eq!(&row[9..12], &["1", "2", "3"]);
        assert_eq!(row[21], "42.0000");
        let row2: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(row2[21], "", "no CT: empty ct_hu_mean");
    }

    #[test]
    fn json_has_the_documented_keys() {
        let v = to_json(&result());
        for key in [
            "method",
            "threshold",
            "lesions",
            "total_mtv_ml",
            "total_tlg",
            "lesion_count",
            "suvpeak_definition",
            "liver",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["method"], "abs");
        assert_eq!(v["method_params"]["name"], "abs");
        assert_eq!(v["lesion_count"], 2);
        assert!(v["liver"].is_null());
        assert_eq!(
            v["lesions"][0]["max_position_mm"],
            json!([-10.5, 20.0, 30.25])
        );
        assert_eq!(v["lesions"][1]["ct_hu_mean"], Value::Null);
    }

    #[test]
    fn text_table_is_aligned() {
        let t = to_text(&result());
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("SUVmax") && lines[0].contains("CT HU"));
        // Right-aligned columns: the SUVmax column ends at the same place in every row.
        let end = lines[0].find("SUVmax").unwrap() + "SUVmax".len();
        assert_eq!(&lines[1][end - 4..end], "9.00");
        assert_eq!(&lines[2][end - 4..end], "5.00");
        assert!(t.contains("total MTV 4.00 mL"));
    }
}
