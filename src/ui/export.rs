//! Exports from the viewer that are not images: the lesion table and the measurements as
//! CSV or JSON, written atomically by the project's one atomic-write helper.
//!
//! JSON (a path ending in `.json`): the lesion table's object with a `"measurements"` array
//! added (only that array when no hot spots were segmented). CSV: the lesion table at the
//! path and the measurements in a sibling file `<stem>-measurements.csv` (a CSV file holds one
//! table); with no hot spots, the measurements at the path itself. No patient identifier is
//! written.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::measurements::{Measurement, Roi, Shape};
use super::reading::ReadingModel;
use crate::analysis::SUVPEAK_DEFINITION;

/// Writes the lesion table and the measurements (see the module's documentation for the
/// files).
pub fn hotspots(model: &ReadingModel, path: &Path) -> anyhow::Result<()> {
    for p in write_tables(model, path)? {
        tracing::info!("exported {}", p.display());
    }
    Ok(())
}

/// [`hotspots`], returning the paths written.
fn write_tables(model: &ReadingModel, path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let lesions = model.hotspots.result.as_ref();
    let items = model.measurements.items();
    if lesions.is_none() && items.is_empty() {
        anyhow::bail!("no hot spots segmented and no measurements");
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if path.extension().is_some_and(|e| e == "json") {
        let mut doc = lesions.map_or_else(|| json!({}), |r| crate::analysis::report::to_json(r));
        doc["measurements"] = Value::Array(items.iter().map(measurement_json).collect());
        files.push((path.to_owned(), serde_json::to_string_pretty(&doc)?));
    } else {
        match lesions {
            Some(r) => {
                files.push((path.to_owned(), crate::analysis::report::to_csv(r)));
                if !items.is_empty() {
                    files.push((measurements_csv_path(path), measurements_csv(items)));
                }
            }
            None => files.push((path.to_owned(), measurements_csv(items))),
        }
    }
    for (p, text) in &files {
        crate::render::export::write_atomic(text.as_bytes(), p)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// `<dir>/<stem>-measurements.csv` for a lesion table at `path`.
pub fn measurements_csv_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "petct".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-measurements.csv"))
}

/// One measurement as JSON (positions as `[x, y, z]` patient mm).
fn measurement_json(m: &Measurement) -> Value {
    match &m.shape {
        Shape::Ruler(r) => json!({
            "id": m.id,
            "kind": "ruler",
            "a_mm": r.a,
            "b_mm": r.b,
            "length_mm": r.length_mm(),
        }),
        Shape::Roi(roi) => json!({
            "id": m.id,
            "kind": "roi",
            "shape": if roi.shape.is_sphere() { "sphere" } else { "ellipsoid" },
            "centre_mm": roi.shape.centre,
            "radii_mm": roi.shape.radii,
            "drawn_in": roi.drawn_in.map(|o| o.name()),
            "nominal_volume_ml": roi.shape.nominal_volume_ml(),
            "pet": roi.stats.as_ref().and_then(|s| s.pet.as_ref()),
            "ct": roi.stats.as_ref().and_then(|s| s.ct.as_ref()),
            "peak_definition": SUVPEAK_DEFINITION,
            "error": roi.error,
        }),
    }
}

/// Column names of the measurements CSV, in order: rulers fill the `length`, `a` and `b`
/// columns, ROIs the rest; empty cells where a figure does not apply or is unknown.
pub const MEASUREMENT_CSV_COLUMNS: [&str; 30] = [
    "id",
    "kind",
    "length_mm",
    "a_x_mm",
    "a_y_mm",
    "a_z_mm",
    "b_x_mm",
    "b_y_mm",
    "b_z_mm",
    "centre_x_mm",
    "centre_y_mm",
    "centre_z_mm",
    "radius_x_mm",
    "radius_y_mm",
    "radius_z_mm",
    "drawn_in",
    "pet_units",
    "pet_is_suv",
    "pet_max",
    "pet_mean",
    "pet_peak",
    "pet_max_x_mm",
    "pet_max_y_mm",
    "pet_max_z_mm",
    "pet_voxel_count",
    "volume_ml",
    "ct_hu_mean",
    "ct_hu_sd",
    "ct_voxel_count",
    "error",
];

/// The measurements as CSV, one row each; lines end in `\n`.
pub fn measurements_csv(items: &[Measurement]) -> String {
    let mut out = MEASUREMENT_CSV_COLUMNS.join(",");
    out.push('\n');
    for m in items {
        let mut row = vec![m.id.to_string()];
        match &m.shape {
            Shape::Ruler(r) => {
                row.push("ruler".into());
                row.push(num(r.length_mm()));
                row.extend(r.a.to_array().map(num));
                row.extend(r.b.to_array().map(num));
            }
            Shape::Roi(roi) => {
                row.push("roi".into());
                row.extend(std::iter::repeat_n(String::new(), 7));
                row.extend(roi_cells(roi));
            }
        }
        row.resize(MEASUREMENT_CSV_COLUMNS.len(), String::new());
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The ROI columns from `centre_x_mm` on.
fn roi_cells(roi: &Roi) -> Vec<String> {
    let mut row: Vec<String> = roi.shape.centre.to_array().map(num).into();
    row.extend(roi.shape.radii.to_array().map(num));
    row.push(
        roi.drawn_in
            .map(|o| o.name().to_string())
            .unwrap_or_default(),
    );
    let stats = roi.stats.as_ref();
    match stats.and_then(|s| s.pet.as_ref()) {
        Some(p) => {
            row.push(quoted(&p.units));
            row.push(p.is_suv.to_string());
            row.extend([p.max, p.mean, p.peak].map(num));
            row.extend(p.max_position_mm.to_array().map(num));
            row.push(p.voxel_count.to_string());
            row.push(num(p.volume_ml));
        }
        None => row.extend(std::iter::repeat_n(String::new(), 10)),
    }
    match stats.and_then(|s| s.ct.as_ref()) {
        Some(c) => {
            row.extend([c.hu_mean, c.hu_sd].map(num));
            row.push(c.voxel_count.to_string());
        }
        None => row.extend(std::iter::repeat_n(String::new(), 3)),
    }
    row.push(roi.error.as_deref().map(quoted).unwrap_or_default());
    row
}

fn num(v: f64) -> String {
    format!("{v:.4}")
}

/// A CSV cell quoted when it needs to be (RFC 4180).
fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use glam::{DVec3, Vec3};

    use crate::analysis::{find_hotspots, Ellipsoid, HotspotParams};
    use crate::dicom::PatientInfo;
    use crate::study::ViewStudy;
    use crate::volume::{Geometry, Unit, Volume};

    /// A 10^3 SUV volume at 2 mm with one hot voxel, and a patient with identifiers.
    fn study() -> ViewStudy {
        let g = Geometry::axial([10; 3], [2.0; 3], DVec3::ZERO);
        let mut pet = Volume::new(g, vec![0.5; 1000], Unit::SuvBw).unwrap();
        let i = pet.index(5, 5, 5);
        pet.data[i] = 6.0;
        ViewStudy {
            ct: None,
            pet: Some(Arc::new(pet)),
            pet_display_factor: 1.0,
            pet_units_label: "SUV".into(),
            suv_available: true,
            suv_inputs: None,
            suv_notes: Vec::new(),
            patient: PatientInfo {
                name: Some("DOE^JANE".into()),
                id: Some("PID-XYZ".into()),
                birth_date: Some("19700101".into()),
                study_date: None,
                study_time: None,
            },
            notes: Vec::new(),
            series: Default::default(),
            paths: Vec::new(),
            reference_mask: None,
        }
    }

    #[test]
    fn with_hot_spots_the_csv_gets_a_sibling_and_the_json_both_tables() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = ReadingModel::for_tests();
        model.open(study(), (Vec3::ZERO, Vec3::splat(20.0)), Vec3::splat(10.0));
        let suv = model.study.as_ref().unwrap().pet.clone().unwrap();
        // A synthetic blob, not a body: no triage (its noise rule would drop it).
        let params = HotspotParams {
            min_volume_ml: 0.0,
            triage: false,
            ..Default::default()
        };
        let r = find_hotspots(&suv, None, &params).unwrap();
        assert_eq!(r.lesions.len(), 1);
        model.hotspots.result = Some(Arc::new(r));
        let centre = DVec3::splat(10.0);
        let study = model.study.as_ref();
        model
            .measurements
            .add_roi(Ellipsoid::sphere(centre, 3.0), None, study);
        let csv_path = dir.path().join("lesions.csv");
        let sibling = dir.path().join("lesions-measurements.csv");
        assert_eq!(
            write_tables(&model, &csv_path).unwrap(),
            vec![csv_path.clone(), sibling.clone()]
        );
        let rows = std::fs::read_to_string(&sibling).unwrap();
        let row: Vec<&str> = rows.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(row[..2], ["1", "roi"]);
        assert_eq!(row[16..19], ["SUV", "true", "6.0000"]);
        let json_path = dir.path().join("lesions.json");
        write_tables(&model, &json_path).unwrap();
        let text = std::fs::read_to_string(&json_path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["lesion_count"], 1);
        assert_eq!(doc["measurements"][0]["pet"]["max"], 6.0);
        for t in [text, rows, std::fs::read_to_string(&csv_path).unwrap()] {
            for id in ["DOE", "JANE", "PID-XYZ", "19700101"] {
                assert!(!t.contains(id), "{id} exported");
            }
        }
    }

    #[test]
    fn without_hot_spots_the_files_hold_the_measurements() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = ReadingModel::for_tests();
        assert!(write_tables(&model, &dir.path().join("t.csv")).is_err());
        model
            .measurements
            .add_ruler(DVec3::ZERO, DVec3::new(3.0, 4.0, 0.0));
        model
            .measurements
            .add_roi(Ellipsoid::sphere(DVec3::ZERO, 5.0), None, None);
        let json_path = dir.path().join("t.json");
        assert_eq!(
            write_tables(&model, &json_path).unwrap(),
            vec![json_path.clone()]
        );
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        let m = doc["measurements"].as_array().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["kind"], "ruler");
        assert_eq!(m[0]["length_mm"], 5.0);
        assert_eq!(m[1]["shape"], "sphere");
        // Without hot spots the CSV path holds the measurements.
        let csv_path = dir.path().join("t.csv");
        write_tables(&model, &csv_path).unwrap();
        let csv = std::fs::read_to_string(&csv_path).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("1,ruler,5.0000,"), "{}", lines[1]);
        assert!(lines.iter().all(|l| l.split(',').count() == 30), "{csv}");
        assert_eq!(
            measurements_csv_path(&csv_path),
            dir.path().join("t-measurements.csv")
        );
    }
}
