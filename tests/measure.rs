//! Measurement tools on the torso phantom: rulers between known points (drawn in a slice pane
//! as the mouse draws them, and between lesions found in the image), and sphere and ellipse
//! ROIs around the planted lesions whose figures are the lesion table's for the same voxels.
//! The truth is the phantom's design: planted centres, diameters, CT numbers and CT noise.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use glam::DVec3;
use petct::analysis::{
    find_hotspots, suv_volume, Ellipsoid, HotspotParams, HotspotResult, Lesion, PetRoiStats,
    RoiStats,
};
use petct::phantom::{generate, Phantom, PhantomKind, PhantomOptions, PlantedLesion};
use petct::render::mpr::{MprOrientation, MprPlane, MprView};
use petct::study::ViewStudy;
use petct::ui::measurements::{Draft, Measurements, Shape, Tool};

struct Torso {
    phantom: Phantom,
    study: ViewStudy,
    hotspots: HotspotResult,
}

/// The torso phantom as the viewer holds it (PET in Bq/mL with its SUV factor) and its
/// lesion table at the default settings (absolute SUV 2.5, at least 0.5 mL).
fn torso() -> &'static Torso {
    static TORSO: OnceLock<Torso> = OnceLock::new();
    TORSO.get_or_init(|| {
        let phantom = generate(PhantomKind::Torso);
        let factor = phantom.acquisition.suv_factor();
        let suv = suv_volume(&phantom.pet, factor);
        let ct = phantom.ct.convert();
        let hotspots = find_hotspots(&suv, Some(&ct), &HotspotParams::default()).unwrap();
        let study = ViewStudy {
            ct: Some(Arc::new(ct)),
            pet: Some(Arc::new(phantom.pet.clone())),
            pet_display_factor: factor,
            pet_units_label: "SUV".into(),
            suv_available: true,
            suv_inputs: None,
            suv_notes: Vec::new(),
            patient: Default::default(),
            notes: Vec::new(),
            series: Default::default(),
            paths: Vec::new(),
            reference_mask: None,
        };
        Torso {
            phantom,
            study,
            hotspots,
        }
    })
}

fn planted(name: &str) -> &'static PlantedLesion {
    torso()
        .phantom
        .lesions
        .iter()
        .find(|l| l.name.starts_with(name))
        .unwrap_or_else(|| panic!("no planted lesion named {name}"))
}

/// The lesion of the table whose centroid lies nearest a planted centre, if within 5 mm.
fn found(p: &PlantedLesion) -> Option<&'static Lesion> {
    torso()
        .hotspots
        .lesions
        .iter()
        .map(|l| (l, l.centroid_mm.distance(p.centre_mm)))
        .filter(|(_, d)| *d < 5.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(l, _)| l)
}

/// The smallest PET voxel spacing: "within one voxel".
fn one_voxel() -> f64 {
    let s = torso().phantom.pet.geometry.spacing;
    s[0].min(s[1]).min(s[2])
}

/// A slice pane of 600 x 600 points through `cursor` over the PET's bounds.
fn pane(o: MprOrientation, cursor: DVec3) -> MprPlane {
    let (lo, hi) = torso().phantom.pet.geometry.patient_bounds();
    MprView::new(o, cursor.as_vec3()).plane((lo.as_vec3(), hi.as_vec3()), 600, 600)
}

/// Where a mouse lands for a patient point: the pixel centre it lies in.
fn mouse_at(plane: &MprPlane, p: DVec3) -> DVec3 {
    let px = plane.pixel_of(p.as_vec3());
    let snapped = px.floor() + 0.5;
    plane.patient_at(snapped.x, snapped.y).as_dvec3()
}

/// A drag in a pane from one patient point to another, as the tool turns it into a shape.
fn drag(tool: Tool, plane: &MprPlane, from: DVec3, to: DVec3, list: &mut Measurements) -> u32 {
    let mut d = Draft::new(tool, mouse_at(plane, from), plane);
    d.end = mouse_at(plane, to);
    list.commit(&d, Some(&torso().study))
        .expect("the drag makes a shape")
}

fn stats(list: &Measurements, id: u32) -> RoiStats {
    match &list.items().iter().find(|m| m.id == id).unwrap().shape {
        Shape::Roi(r) => r.stats.clone().unwrap(),
        Shape::Ruler(_) => panic!("{id} is a ruler"),
    }
}

fn assert_same_voxels(name: &str, pet: &PetRoiStats, l: &Lesion) {
    eprintln!(
        "{name}: ROI SUVmax {:.3} at {:?}, peak {:.3}, mean {:.3}, {:.2} mL; table SUVmax {:.3} at {:?}, peak {:.3}",
        pet.max, pet.max_voxel, pet.peak, pet.mean, pet.volume_ml, l.suv_max, l.max_voxel, l.suv_peak
    );
    assert_eq!(pet.max, l.suv_max, "{name}: SUVmax");
    assert_eq!(pet.max_voxel, l.max_voxel, "{name}: SUVmax voxel");
    assert_eq!(pet.max_position_mm, l.max_position_mm, "{name}");
    assert_eq!(
        pet.peak, l.suv_peak,
        "{name}: SUVpeak (same definition, same voxel)"
    );
    assert!(pet.is_suv && pet.units == "SUV");
}

#[test]
fn a_ruler_drawn_between_two_planted_lesions_measures_their_distance_within_one_voxel() {
    // Both lie in the sagittal plane x = -85 mm, 160.1 mm apart.
    let (liver, lung) = (planted("liver metastasis"), planted("lung nodule (right"));
    let truth = liver.centre_mm.distance(lung.centre_mm);
    let plane = pane(MprOrientation::Sagittal, liver.centre_mm);
    let mut list = Measurements::default();
    let id = drag(
        Tool::Ruler,
        &plane,
        liver.centre_mm,
        lung.centre_mm,
        &mut list,
    );
    let Shape::Ruler(r) = list.items()[0].shape else {
        panic!("not a ruler")
    };
    assert_eq!(id, 1);
    let error = (r.length_mm() - truth).abs();
    eprintln!(
        "ruler drawn {:.2} mm, truth {truth:.2} mm, {:.2} mm per point",
        r.length_mm(),
        plane.u.length()
    );
    assert!(error <= one_voxel(), "{error:.2} mm off");
    assert!(
        (r.a.x + 85.0).abs() < 1e-3 && (r.b.x + 85.0).abs() < 1e-3,
        "{r:?}"
    );
}

#[test]
fn a_ruler_between_lesions_found_in_the_image_measures_the_planted_distance_within_one_voxel() {
    for (a, b) in [
        ("liver metastasis", "lung nodule (right"),
        ("bone metastasis", "mediastinal lymph node"),
    ] {
        let (pa, pb) = (planted(a), planted(b));
        let (la, lb) = (found(pa).unwrap(), found(pb).unwrap());
        let mut list = Measurements::default();
        list.add_ruler(la.centroid_mm, lb.centroid_mm);
        let Shape::Ruler(r) = list.items()[0].shape else {
            panic!("not a ruler")
        };
        let truth = pa.centre_mm.distance(pb.centre_mm);
        eprintln!("{a} - {b}: {:.2} mm, truth {truth:.2} mm", r.length_mm());
        assert!((r.length_mm() - truth).abs() <= one_voxel());
    }
}

#[test]
fn a_sphere_roi_around_each_planted_lesion_has_the_lesion_tables_suvmax_and_suvpeak() {
    let t = torso();
    let mut checked = 0;
    for p in &t.phantom.lesions {
        // The small left lung nodule (11 mm, SUV 4.5) blurs below the table's 0.5 mL at
        // SUV 2.5: nothing to compare with.
        let Some(l) = found(p) else {
            assert!(
                p.name.starts_with("small lung nodule"),
                "{} not found",
                p.name
            );
            continue;
        };
        // The lesion and one PET voxel of its blurred rim.
        let radius = p.diameter_mm / 2.0 + 4.0;
        let mut list = Measurements::default();
        let id = list.add_roi(Ellipsoid::sphere(p.centre_mm, radius), None, Some(&t.study));
        let s = stats(&list, id);
        let pet = s.pet.as_ref().unwrap();
        assert_same_voxels(&p.name, pet, l);
        // The voxel count approximates the sphere's volume.
        let nominal = 4.0 / 3.0 * std::f64::consts::PI * radius.powi(3) / 1000.0;
        assert!(
            (pet.volume_ml / nominal - 1.0).abs() < 0.1,
            "{} mL vs {nominal:.2} mL",
            pet.volume_ml
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn an_ellipse_dragged_around_the_liver_metastasis_has_its_suvmax() {
    let p = planted("liver metastasis");
    let l = found(p).unwrap();
    let plane = pane(MprOrientation::Axial, p.centre_mm);
    let mut list = Measurements::default();
    // 18 mm to the patient's left and 14 mm back from the centre: radii 18 x 14, 14 across.
    let edge = p.centre_mm + DVec3::new(18.0, 14.0, 0.0);
    let id = drag(Tool::EllipseRoi, &plane, p.centre_mm, edge, &mut list);
    let Shape::Roi(roi) = &list.items()[0].shape else {
        panic!("not an ROI")
    };
    let r = roi.shape.radii;
    assert_eq!(roi.drawn_in, Some(MprOrientation::Axial));
    assert!(
        (r.x - 18.0).abs() < 1.0 && (r.y - 14.0).abs() < 1.0 && r.z == r.x.min(r.y),
        "{r}"
    );
    let s = stats(&list, id);
    assert_same_voxels("liver metastasis (ellipse)", s.pet.as_ref().unwrap(), l);
}

#[test]
fn ct_mean_and_sd_inside_each_planted_lesion_are_its_ct_number_and_the_ct_noise() {
    // CT numbers of the design (torso.rs) and the CT noise of the default options.
    let truth = [
        ("lung nodule (right", 30.0),
        ("liver metastasis", 35.0),
        ("mediastinal lymph node", 35.0),
        ("bone metastasis", 80.0),
        ("small lung nodule", 25.0),
    ];
    let noise = PhantomOptions::default().ct_noise_hu;
    for (name, hu) in truth {
        let p = planted(name);
        // 2 mm inside the surface: no partial volume with the surroundings.
        let roi = Ellipsoid::sphere(p.centre_mm, p.diameter_mm / 2.0 - 2.0);
        let mut list = Measurements::default();
        let id = list.add_roi(roi, None, Some(&torso().study));
        let ct = stats(&list, id).ct.unwrap();
        eprintln!(
            "{name}: HU {:.2} ± {:.2} over {} CT voxels (truth {hu} ± {noise})",
            ct.hu_mean, ct.hu_sd, ct.voxel_count
        );
        assert!((ct.hu_mean - hu).abs() < 1.5, "{name}: {ct:?}");
        assert!((ct.hu_sd - noise).abs() < 1.5, "{name}: {ct:?}");
    }
}

#[test]
fn without_suv_the_roi_reports_the_pet_in_its_own_units() {
    let t = torso();
    let p = planted("liver metastasis");
    let l = found(p).unwrap();
    let mut study = ViewStudy {
        ct: None,
        pet: t.study.pet.clone(),
        pet_display_factor: 1.0,
        pet_units_label: "Bq/mL".into(),
        suv_available: false,
        suv_inputs: None,
        suv_notes: Vec::new(),
        patient: Default::default(),
        notes: Vec::new(),
        series: Default::default(),
        paths: Vec::new(),
        reference_mask: None,
    };
    let mut list = Measurements::default();
    let id = list.add_roi(Ellipsoid::sphere(p.centre_mm, 16.5), None, Some(&study));
    let pet = stats(&list, id).pet.unwrap();
    assert_eq!((pet.units.as_str(), pet.is_suv), ("Bq/mL", false));
    assert_eq!(pet.max_voxel, l.max_voxel);
    let factor = t.study.pet_display_factor;
    assert!((pet.max * factor / l.suv_max - 1.0).abs() < 1e-6);
    assert!(list.items()[0].summary().contains("Bq/mL (no SUV)"));
    // SUV becomes available: the figures follow.
    study.pet_display_factor = factor;
    study.pet_units_label = "SUV".into();
    study.suv_available = true;
    list.sync(Some(&study));
    assert_eq!(stats(&list, id).pet.unwrap().max, l.suv_max);
}
