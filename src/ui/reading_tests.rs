//! The reading model without a window: SUV edits, threshold changes, exclusions,
//! selection, and stale segmentation results.

use std::sync::Arc;

use glam::{DVec3, Vec3};

use super::*;
use crate::analysis::{
    find_hotspots, suv_volume, Category, Method, Organ, PhysiologicStyle, QUIET_LABEL_BIT,
};
use crate::dicom::SuvInputs;
use crate::volume::{Geometry, Unit, Volume};

/// Stored PET value per SUV in the test study (SUVbw factor 1/1000).
const BQML_PER_SUV: f32 = 1000.0;

/// A 30^3 PET at 4 mm with a hot sphere (SUV 8) and a warm one (SUV 4) in a background
/// of SUV 1, stored in Bq/mL, with header values that give an SUV factor of 1/1000.
fn study() -> ViewStudy {
    let dims = [30, 30, 30];
    let g = Geometry::axial(dims, [4.0; 3], DVec3::splat(-58.0));
    let hot = DVec3::new(-20.0, 0.0, 0.0);
    let warm = DVec3::new(24.0, 8.0, 4.0);
    let mut data = Vec::new();
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let p = g.voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64));
                let suv = if (p - hot).length() < 10.0 {
                    8.0
                } else if (p - warm).length() < 10.0 {
                    4.0
                } else {
                    1.0
                };
                data.push(suv * BQML_PER_SUV);
            }
        }
    }
    let pet = Volume::new(g, data, Unit::BecquerelPerMl).unwrap();
    let injection = DicomInstant::from_dt("20260101090000");
    ViewStudy {
        ct: None,
        pet: Some(Arc::new(pet)),
        pet_display_factor: 1.0 / BQML_PER_SUV as f64,
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
    m.open(study(), (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    m
}

/// Runs a job the way the worker does.
fn run(job: &HotspotJob) -> Result<HotspotResult, String> {
    let suv = suv_volume(&job.pet, job.suv_factor);
    find_hotspots(&suv, job.ct.as_deref(), &job.params).map_err(|e| e.to_string())
}

/// Hands out the pending job, runs it and gives the result back.
fn segment(m: &mut ReadingModel) {
    let job = m.hotspot_job().expect("a job is pending");
    let r = run(&job);
    assert!(m.accept_hotspots(job.generation, r));
}

fn lesion_count(m: &ReadingModel) -> usize {
    m.hotspots.result.as_ref().map_or(0, |r| r.lesions.len())
}

#[test]
fn opening_a_study_asks_for_segmentation_once() {
    let mut m = opened();
    assert!(m.hotspots_pending());
    let job = m.hotspot_job().unwrap();
    assert!(m.hotspot_job().is_none(), "one job per generation");
    assert!(m.accept_hotspots(job.generation, run(&job)));
    assert!(!m.hotspots_pending());
    assert_eq!(lesion_count(&m), 2);
    assert!(m.hotspot_job().is_none());
}

#[test]
fn threshold_changes_make_the_result_stale_and_drop_older_results() {
    let mut m = opened();
    segment(&mut m);
    let old = m.hotspot_job();
    assert!(old.is_none());
    // The slider moves twice before the first job is done: only the latest result counts.
    let mut p = m.hotspots.params.clone();
    p.method = Method::Absolute { suv: 3.0 };
    m.set_hotspot_params(p.clone());
    let first = m.hotspot_job().unwrap();
    p.method = Method::Absolute { suv: 6.0 };
    m.set_hotspot_params(p);
    let second = m.hotspot_job().unwrap();
    assert!(!m.accept_hotspots(first.generation, run(&first)), "stale");
    assert!(m.hotspots_pending());
    assert!(m.accept_hotspots(second.generation, run(&second)));
    assert_eq!(lesion_count(&m), 1, "only the SUV 8 sphere reaches 6");
    // Setting the same parameters again changes nothing.
    let same = m.hotspots.params.clone();
    m.set_hotspot_params(same);
    assert!(m.hotspot_job().is_none());
}

#[test]
fn selection_moves_the_cursor_and_exclusion_removes_the_lesion() {
    let mut m = opened();
    segment(&mut m);
    assert_eq!(m.selected_lesion_id(), 0);
    m.select_lesion(0);
    assert_eq!(m.selected_lesion_id(), 1);
    // The cursor lands on the hottest voxel, somewhere inside the uniform 10 mm sphere.
    assert!((m.view.cursor - Vec3::new(-20.0, 0.0, 0.0)).length() <= 10.0 + 4.0);
    m.select_lesion(99);
    assert_eq!(
        m.hotspots.selected,
        Some(0),
        "a missing row changes nothing"
    );
    m.exclude_selected();
    assert_eq!(m.hotspots.selected, None);
    assert_eq!(m.hotspots.params.excluded_mm.len(), 1);
    segment(&mut m);
    assert_eq!(lesion_count(&m), 1);
    let left = &m.hotspots.result.as_ref().unwrap().lesions[0];
    assert!((left.suv_max - 4.0).abs() < 1e-3, "the warm sphere remains");
}

#[test]
fn suv_edits_recompute_suv_and_segmentation() {
    let mut m = opened();
    segment(&mut m);
    let f0 = m.pet_display_factor();
    // Twice the weight doubles SUV (decay correction ADMIN: no decay involved).
    m.suv_edit.weight_kg *= 2.0;
    m.apply_suv_edit();
    let f1 = m.pet_display_factor();
    assert!((f1 / f0 - 2.0).abs() < 1e-9, "{f0} -> {f1}");
    assert!(m.hotspots_pending());
    let job = m.hotspot_job().unwrap();
    assert_eq!(job.suv_factor, f1);
    // A weight of zero cannot give SUV: PET shown in its own units, no segmentation.
    m.suv_edit.weight_kg = 0.0;
    m.apply_suv_edit();
    assert!(!m.study.as_ref().unwrap().suv_available);
    assert!(m.hotspot_job().is_none());
    assert!(m.messages.back().unwrap().contains("SUV unavailable"));
}

#[test]
fn opening_another_study_resets_selection_and_exclusions() {
    let mut m = opened();
    segment(&mut m);
    m.select_lesion(0);
    m.exclude_selected();
    let generation = m.study_generation;
    m.open(study(), (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    assert_eq!(m.study_generation, generation + 1);
    assert!(m.hotspots.params.excluded_mm.is_empty());
    assert_eq!(m.hotspots.selected, None);
    assert!(m.hotspots.result.is_none());
}

fn categories(m: &ReadingModel) -> Vec<(f64, Category)> {
    let r = m.hotspots.result.as_ref().unwrap();
    r.lesions.iter().map(|l| (l.suv_max, l.category)).collect()
}

#[test]
fn user_categories_change_totals_and_survive_resegmentation() {
    let mut m = opened();
    segment(&mut m);
    let r = m.hotspots.result.clone().unwrap();
    assert_eq!(r.totals().count, 2, "both spheres suspicious");
    let warm_ml = r.lesions[1].volume_ml;
    // One click: the hot sphere is physiologic (say, the bladder).
    let bladder = Category::Physiologic {
        organ: Organ::Bladder,
    };
    assert!(m.set_lesion_category(0, bladder));
    let r = m.hotspots.result.clone().unwrap();
    assert_eq!(r.totals().count, 1);
    assert!((r.total_mtv_ml - warm_ml).abs() < 1e-9);
    let proposed = m.hotspots.proposed.as_ref().unwrap();
    assert_eq!(
        proposed.lesions[0].category,
        Category::Suspicious,
        "proposal kept"
    );
    // Selected, it is drawn quietly (or not at all when physiologic uptake is hidden).
    m.select_lesion(0);
    assert_eq!(m.selected_lesion_id(), 1 | QUIET_LABEL_BIT);
    m.hotspots.physiologic_style = PhysiologicStyle::Hidden;
    assert_eq!(m.selected_lesion_id(), 0);
    // The warm sphere is ignored: nothing counts any more.
    assert!(m.set_lesion_category(1, Category::Ignored));
    assert!(!m.set_lesion_category(5, Category::Ignored), "no such row");
    assert_eq!(m.hotspots.result.as_ref().unwrap().totals().count, 0);
    // A new threshold segments again; the same spheres come back with the user's choices.
    let mut p = m.hotspots.params.clone();
    p.method = Method::Absolute { suv: 2.0 };
    m.set_hotspot_params(p);
    segment(&mut m);
    let mut got = categories(&m);
    got.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(got, vec![(8.0, bladder), (4.0, Category::Ignored)]);
    assert_eq!(m.hotspots.result.as_ref().unwrap().total_mtv_ml, 0.0);
    // Changing one's mind: suspicious again.
    let warm = m
        .hotspots
        .result
        .as_ref()
        .unwrap()
        .lesions
        .iter()
        .position(|l| l.suv_max == 4.0)
        .unwrap();
    assert!(m.set_lesion_category(warm, Category::Suspicious));
    assert_eq!(m.hotspots.overrides.len(), 2, "one override per lesion");
    assert_eq!(m.hotspots.result.as_ref().unwrap().totals().count, 1);
    // Another study starts from the proposals.
    m.open(study(), (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    assert!(m.hotspots.overrides.is_empty());
    segment(&mut m);
    assert!(categories(&m)
        .iter()
        .all(|(_, c)| *c == Category::Suspicious));
}

/// The hot sphere of [`study`] as a reference mask volume on the PET grid (label 1).
fn hot_sphere_mask(s: &ViewStudy) -> Volume {
    let pet = s.pet.as_ref().unwrap();
    let labels = pet.data.iter().map(|&v| f32::from(u8::from(v > 6000.0)));
    Volume::new(
        pet.geometry.clone(),
        labels.collect(),
        Unit::Other("label".into()),
    )
    .unwrap()
}

/// Runs the model's reference job the way the worker does and hands the result back.
fn place_reference(m: &mut ReadingModel) -> bool {
    let job = m.reference_job().expect("a reference job");
    let done = super::super::reference_worker::place(job);
    m.accept_reference(done.generation, done.result)
}

#[test]
fn a_study_s_own_mask_is_placed_on_the_pet_grid_and_outlined() {
    let mut s = study();
    let mask = hot_sphere_mask(&s);
    let expected = mask.data.iter().filter(|&&v| v != 0.0).count();
    assert!(expected > 10);
    s.reference_mask = Some(Arc::new(mask));
    let mut m = ReadingModel::for_tests();
    m.view.set_layout(super::super::state::Layout::PetCt);
    m.open(s, (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    assert!(m.reference.pending(), "the study's mask is asked for");
    assert!(m.shown_reference().is_none());
    assert_eq!(m.mip_key().unwrap().reference, 0);
    assert!(place_reference(&mut m));
    assert!(!m.reference.pending());
    let shown = m.shown_reference().expect("shown").clone();
    assert_eq!(shown.voxel_count, expected);
    assert_eq!(shown.voxels.len(), 30 * 30 * 30);
    assert!(m.messages.back().unwrap().contains("from the study"));
    // The MIP projects it; hiding it is a flag: no outline, and the MIP key says so.
    let key = m.mip_key().unwrap();
    assert_ne!(key.reference, 0);
    let job = m.mip_job().expect("a projection with the reference");
    assert!(job.reference.is_some_and(|r| Arc::ptr_eq(&r, &shown)));
    m.show_reference(false);
    assert!(m.shown_reference().is_none());
    assert!(m.reference.mask().is_some(), "hidden, not dropped");
    assert_eq!(m.mip_key().unwrap().reference, 0);
    assert_ne!(m.mip_key().unwrap(), key);
    m.show_reference(true);
    assert_eq!(m.mip_key().unwrap(), key);
}

#[test]
fn a_failed_load_keeps_the_mask_and_stale_results_are_dropped() {
    let mut s = study();
    s.reference_mask = Some(Arc::new(hot_sphere_mask(&s)));
    let mut m = ReadingModel::for_tests();
    m.open(s, (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    assert!(place_reference(&mut m));
    let first = m.reference.mask().unwrap().clone();
    // A file that is not a mask: one line in the status, the mask stays.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("report.txt");
    std::fs::write(&bad, "no DICOM here").unwrap();
    m.load_reference(bad);
    assert!(m.reference.pending());
    assert!(place_reference(&mut m));
    assert!(Arc::ptr_eq(m.reference.mask().unwrap(), &first));
    let line = m.messages.back().unwrap().clone();
    assert!(line.starts_with("reference mask not loaded: "), "{line}");
    assert!(line.contains("report.txt") && line.ends_with("the current one stays"));
    assert!(!line.contains('\n'), "{line}");
    assert!(m.reference.error.is_some());
    // Two loads in flight: only the newer one's result is taken.
    let nifti = dir.path().join("missing.nii.gz");
    m.load_reference(nifti.clone());
    let older = m.reference_job().unwrap();
    m.load_reference(nifti);
    let newer = m.reference_job().unwrap();
    let done = super::super::reference_worker::place(older);
    assert!(!m.accept_reference(done.generation, done.result));
    assert!(m.reference.pending());
    let done = super::super::reference_worker::place(newer);
    assert!(m.accept_reference(done.generation, done.result));
    // A result for the previous study is dropped too.
    m.load_reference(dir.path().join("late.nii"));
    let late = m.reference_job().unwrap();
    m.open(study(), (Vec3::splat(-60.0), Vec3::splat(60.0)), Vec3::ZERO);
    assert!(m.reference.mask().is_none() && !m.reference.pending());
    let done = super::super::reference_worker::place(late);
    assert!(!m.accept_reference(done.generation, done.result));
    assert!(m.reference.error.is_none());
}

#[test]
fn without_a_study_a_reference_load_is_refused_at_once() {
    let mut m = ReadingModel::for_tests();
    m.load_reference("lesions.dcm".into());
    assert!(!m.reference.pending());
    assert!(m.reference_job().is_none());
    assert!(m.messages.back().unwrap().contains("no study is open"));
}

#[test]
fn key_frame_buttons_save_the_pane_a_reader_looks_at() {
    use super::super::state::Layout;
    let mut m = opened();
    assert_eq!(m.key_frame_pane(), PaneId::ThreeD);
    m.view.set_layout(Layout::PetCt);
    assert_eq!(m.key_frame_pane(), PaneId::Mip);
    m.view.maximised = Some(PaneId::CORONAL);
    assert_eq!(m.key_frame_pane(), PaneId::CORONAL);
    // The test study, like the built-in phantom, has no DICOM source to file one in.
    let blocker = m.study.as_ref().unwrap().dicom_export_blocker();
    assert!(blocker.is_some_and(|b| b.contains("petct phantom")));
}

#[test]
fn a_nudge_asks_for_a_new_assessment_until_one_under_it_arrives() {
    use super::super::followup_registration::Registration;
    use glam::DAffine3;
    let mut m = opened();
    let generation = m.open_followup(study()).unwrap();
    assert!(m.registration_pending());
    m.accept_registration(generation, Registration::identity("test"));
    let none = Err("no SUV".to_string());
    m.accept_response(generation, none.clone(), DAffine3::IDENTITY);
    assert!(!m.registration_pending(), "assessed under the estimate");
    let f = m.followup.as_mut().unwrap();
    f.add_nudge(Vec3::X, 0.0);
    let nudged = f.transform();
    // The app asks the worker (requested_under) and waits for its answer.
    f.requested_under = Some(nudged);
    assert!(m.registration_pending(), "re-assessing after the nudge");
    m.accept_response(generation + 1, none.clone(), nudged);
    assert!(
        m.registration_pending(),
        "a stale follow-up's answer is dropped"
    );
    m.accept_response(generation, none, nudged);
    assert!(!m.registration_pending());
}
