//! The measurement list without a window: ids, drafts from drags, figures that follow the
//! SUV inputs and the study, and sections by a pane's plane.

use std::sync::Arc;

use glam::{DVec3, Vec3};

use super::*;
use crate::dicom::datetime::Instant as DicomInstant;
use crate::dicom::SuvInputs;
use crate::render::mpr::MprView;
use crate::ui::reading::ReadingModel;
use crate::volume::{Geometry, Unit, Volume};

/// A 20^3 PET at 2 mm, Bq/mL 1000 everywhere and 5000 at voxel (10, 10, 10) (patient
/// (0, 0, 0)), with header values giving the SUV factor 1/1000 (decay-corrected to the
/// injection: weight 70 kg, dose 70 MBq); a CT of 40 HU on the same grid.
fn study() -> ViewStudy {
    let g = Geometry::axial([20; 3], [2.0; 3], DVec3::splat(-20.0));
    let mut pet = Volume::new(g.clone(), vec![1000.0; 8000], Unit::BecquerelPerMl).unwrap();
    let hot = pet.index(10, 10, 10);
    pet.data[hot] = 5000.0;
    let ct = Volume::new(g, vec![40.0; 8000], Unit::Hounsfield).unwrap();
    let injection = DicomInstant::from_dt("20260101090000");
    ViewStudy {
        ct: Some(Arc::new(ct.convert())),
        pet: Some(Arc::new(pet)),
        pet_display_factor: 1e-3,
        pet_units_label: "SUV".into(),
        suv_available: true,
        suv_inputs: Some(SuvInputs {
            units: Some("BQML".into()),
            corrected_image: Some(vec!["ATTN".into(), "DECY".into()]),
            decay_correction: Some("ADMIN".into()),
            weight_kg: Some(70.0),
            total_dose_bq: Some(70.0e6),
            half_life_s: Some(6588.0),
            injection_datetime: injection,
            series_datetime: injection.map(|i| i.plus_seconds(3600.0)),
            ..Default::default()
        }),
        suv_notes: Vec::new(),
        patient: Default::default(),
        notes: Vec::new(),
        series: Default::default(),
        paths: Vec::new(),
        reference_mask: None,
    }
}

fn opened() -> ReadingModel {
    let mut m = ReadingModel::for_tests();
    m.open(study(), (Vec3::splat(-20.0), Vec3::splat(20.0)), Vec3::ZERO);
    m
}

fn roi_max(m: &ReadingModel, id: u32) -> Option<f64> {
    m.measurements
        .items()
        .iter()
        .find(|x| x.id == id)
        .and_then(|x| match &x.shape {
            Shape::Roi(r) => Some(r.stats.as_ref()?.pet.as_ref()?.max),
            Shape::Ruler(_) => None,
        })
}

/// An axial or coronal plane through the origin, 1 mm per pixel.
fn plane(o: MprOrientation) -> MprPlane {
    MprView::new(o, Vec3::ZERO).plane((Vec3::splat(-50.0), Vec3::splat(50.0)), 100, 100)
}

#[test]
fn ids_are_unique_and_deletion_and_clearing_work() {
    let mut m = Measurements::default();
    let a = m.add_ruler(DVec3::ZERO, DVec3::X);
    let b = m.add_roi(Ellipsoid::sphere(DVec3::ZERO, 5.0), None, None);
    assert_eq!((a, b), (1, 2));
    assert!(m.delete(a));
    assert!(!m.delete(a));
    assert_eq!(m.add_ruler(DVec3::ZERO, DVec3::Y), 3, "ids are not reused");
    assert_eq!(m.items().len(), 2);
    m.tool = Tool::Ruler;
    m.clear();
    assert!(m.items().is_empty());
    assert_eq!(m.tool, Tool::Ruler, "clearing keeps the tool");
    assert_eq!(m.add_ruler(DVec3::ZERO, DVec3::Z), 1);
}

#[test]
fn roi_figures_follow_the_suv_inputs_and_go_with_the_study() {
    let mut m = opened();
    let id = m.measurements.add_roi(
        Ellipsoid::sphere(DVec3::ZERO, 5.0),
        Some(MprOrientation::Axial),
        m.study.as_ref(),
    );
    assert_eq!(roi_max(&m, id), Some(5.0));
    let roi = match &m.measurements.items()[0].shape {
        Shape::Roi(r) => r.clone(),
        Shape::Ruler(_) => unreachable!(),
    };
    let ct = roi.stats.as_ref().unwrap().ct.as_ref().unwrap();
    assert_eq!((ct.hu_mean, ct.hu_sd), (40.0, 0.0));
    // Twice the weight: twice the SUV.
    m.suv_edit.weight_kg = 140.0;
    m.apply_suv_edit();
    assert!((roi_max(&m, id).unwrap() - 10.0).abs() < 1e-5);
    // No weight: SUV unavailable, figures in the PET's own units, said so.
    m.suv_edit.weight_kg = 0.0;
    m.apply_suv_edit();
    let pet = match &m.measurements.items()[0].shape {
        Shape::Roi(r) => r.stats.clone().unwrap().pet.unwrap(),
        Shape::Ruler(_) => unreachable!(),
    };
    assert_eq!(
        (pet.max, pet.units.as_str(), pet.is_suv),
        (5000.0, "Bq/mL", false)
    );
    m.open(study(), (Vec3::splat(-20.0), Vec3::splat(20.0)), Vec3::ZERO);
    assert!(m.measurements.items().is_empty());
}

#[test]
fn sync_recomputes_only_when_the_inputs_change() {
    let mut m = opened();
    let id = m
        .measurements
        .add_roi(Ellipsoid::sphere(DVec3::ZERO, 3.0), None, None);
    assert_eq!(roi_max(&m, id), None, "no study given: no figures yet");
    m.measurements.sync(m.study.as_ref());
    assert_eq!(roi_max(&m, id), Some(5.0));
    if let Some(s) = m.study.as_mut() {
        s.pet_display_factor = 2e-3;
    }
    m.measurements.sync(m.study.as_ref());
    assert_eq!(roi_max(&m, id), Some(10.0));
}

#[test]
fn drags_make_spheres_ellipses_and_rulers_in_the_panes_plane() {
    let axial = plane(MprOrientation::Axial);
    let mut d = Draft::new(Tool::SphereRoi, DVec3::ZERO, &axial);
    assert_eq!(d.drawn_in, Some(MprOrientation::Axial));
    assert_eq!(d.shape(), None, "a click makes no ROI");
    d.end = DVec3::new(6.0, 8.0, 0.0);
    match d.shape() {
        Some(Shape::Roi(r)) => assert_eq!(r.shape, Ellipsoid::sphere(DVec3::ZERO, 10.0)),
        other => panic!("{other:?}"),
    }
    // Coronal: right is +x, down is -z; the through-plane (y) radius is the smaller one.
    let coronal = plane(MprOrientation::Coronal);
    let mut e = Draft::new(Tool::EllipseRoi, DVec3::new(1.0, 2.0, 3.0), &coronal);
    assert_eq!(e.drawn_in, Some(MprOrientation::Coronal));
    e.end = e.start + DVec3::new(-12.0, 0.0, 5.0);
    match e.shape() {
        Some(Shape::Roi(r)) => assert_eq!(r.shape.radii, DVec3::new(12.0, 5.0, 5.0)),
        other => panic!("{other:?}"),
    }
    let mut r = Draft::new(Tool::Ruler, DVec3::ZERO, &axial);
    r.end = DVec3::new(30.0, 40.0, 0.0);
    let mut list = Measurements::default();
    list.commit(&r, None);
    match &list.items()[0].shape {
        Shape::Ruler(ruler) => assert_eq!(ruler.length_mm(), 50.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sections_by_a_plane() {
    // 1 mm per pixel; the axial plane through z = 0; a sphere of 10 mm 6 mm above it cuts
    // a circle of radius 8.
    let axial = plane(MprOrientation::Axial);
    let s = Ellipsoid::sphere(DVec3::new(5.0, -5.0, 6.0), 10.0);
    let (c, semi) = roi_section(&s, &axial).unwrap();
    assert!((semi - Vec2::splat(8.0)).length() < 1e-4, "{semi}");
    assert!((c - axial.pixel_of(Vec3::new(5.0, -5.0, 0.0))).length() < 1e-4);
    let far = Ellipsoid::sphere(DVec3::new(0.0, 0.0, 11.0), 10.0);
    assert_eq!(roi_section(&far, &axial), None);
    // An ellipsoid in the coronal plane: semi-axes along x and z.
    let e = Ellipsoid {
        centre: DVec3::ZERO,
        radii: DVec3::new(12.0, 5.0, 4.0),
    };
    let (_, semi) = roi_section(&e, &plane(MprOrientation::Coronal)).unwrap();
    assert!((semi - Vec2::new(12.0, 4.0)).length() < 1e-4, "{semi}");

    let in_plane = Ruler {
        a: DVec3::new(-10.0, 0.0, 0.0),
        b: DVec3::new(10.0, 5.0, 0.5),
    };
    assert!(ruler_section(&in_plane, &axial).unwrap().2);
    let crossing = Ruler {
        a: DVec3::new(0.0, 0.0, -20.0),
        b: DVec3::new(0.0, 0.0, 20.0),
    };
    assert!(!ruler_section(&crossing, &axial).unwrap().2);
    let above = Ruler {
        a: DVec3::new(0.0, 0.0, 5.0),
        b: DVec3::new(9.0, 0.0, 20.0),
    };
    assert_eq!(ruler_section(&above, &axial), None);
}

#[test]
fn summaries_name_the_figures_and_their_units() {
    let mut m = opened();
    let id = m
        .measurements
        .add_roi(Ellipsoid::sphere(DVec3::ZERO, 2.0), None, m.study.as_ref());
    m.measurements
        .add_ruler(DVec3::ZERO, DVec3::new(0.0, 3.0, 4.0));
    let items = m.measurements.items();
    // Radius 2 on a 2 mm grid: the hot voxel (SUV 5) and its six neighbours (SUV 1): mean
    // 11 / 7. The 1 mL peak sphere (radius 6.2 mm) holds the 123 voxels within 3 steps:
    // peak 127 / 123.
    assert_eq!(
        items[0].summary(),
        format!("#{id} SUVmax 5.00 mean 1.57 peak 1.03\n0.06 mL  HU 40 ± 0")
    );
    assert_eq!(items[1].summary(), "#2 ruler 5.0 mm");
    m.suv_edit.weight_kg = 0.0;
    m.apply_suv_edit();
    assert!(
        m.measurements.items()[0]
            .summary()
            .contains("PET max 5000 mean 1571 peak 1033 Bq/mL (no SUV)"),
        "{}",
        m.measurements.items()[0].summary()
    );
}
