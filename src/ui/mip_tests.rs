//! The MIP pane's click on the torso phantom: the cursor lands on the hottest voxel along
//! the clicked ray.

use glam::DVec3;

use crate::analysis::mip::project;
use crate::dicom::LoadOptions;
use crate::phantom::{generate, PhantomKind};
use crate::study::load_view_study;
use crate::ui::reading::ReadingModel;
use crate::ui::state::Layout;
use crate::volume::Volume;

/// The hottest voxel centre along a ray, found by fine brute-force sampling.
fn hottest_along(pet: &Volume, start: DVec3, direction: DVec3, length: f64) -> DVec3 {
    let mut best = (f32::NEG_INFINITY, DVec3::ZERO);
    let steps = (length / 0.1) as usize;
    for k in 0..steps {
        let p = start + direction * (k as f64 * 0.1);
        let v = pet.geometry.patient_to_voxel(p).round();
        if let Some(value) = (v.min_element() >= 0.0)
            .then(|| pet.get(v.x as usize, v.y as usize, v.z as usize))
            .flatten()
        {
            if value > best.0 {
                best = (value, pet.geometry.voxel_to_patient(v));
            }
        }
    }
    best.1
}

#[test]
fn a_click_on_the_mip_lands_on_the_hottest_voxel_along_the_ray() {
    let study = load_view_study(&[], &LoadOptions::default()).unwrap();
    let lesions = generate(PhantomKind::Torso).lesions;
    let mut model = ReadingModel::for_tests();
    model.open(
        study,
        (glam::Vec3::splat(-200.0), glam::Vec3::splat(200.0)),
        glam::Vec3::ZERO,
    );
    model.view.set_layout(Layout::PetCt);
    let pet = model.study.as_ref().unwrap().pet.clone().unwrap();
    let spacing = pet.geometry.spacing;
    let voxel_diagonal = (spacing[0].powi(2) + spacing[1].powi(2) + spacing[2].powi(2)).sqrt();
    // The lung nodule, far from the centre, seen from the front and from the side.
    let nodule = lesions
        .iter()
        .find(|l| l.name.contains("lung"))
        .unwrap()
        .centre_mm;
    assert!(nodule.x.abs() > 50.0, "a lesion away from the centre");
    for azimuth in [0.0_f32, 90.0, 30.0] {
        model.view.mip_view.azimuth_deg = azimuth;
        let job = model
            .mip_job()
            .expect("a visible MIP asks for a projection");
        let p = project(&job.pet, None, job.key.azimuth as f32);
        let generation = model.study_generation;
        model
            .mip
            .accept(job.key, std::sync::Arc::new(p.clone()), generation);
        let (x, y) = p.pixel_of(nodule);
        assert!(model.mip_click(x, y), "the click hits the PET");
        let (c, r) = p.pixel_at(x, y).unwrap();
        let centre = p.origin_mm + p.right_mm * c as f64 + p.down_mm * r as f64;
        let radius = p.size_mm().0;
        let truth = hottest_along(
            &pet,
            centre - p.direction * radius,
            p.direction,
            2.0 * radius,
        );
        let cursor = model.view.cursor.as_dvec3();
        assert!(
            (cursor - truth).length() <= voxel_diagonal,
            "azimuth {azimuth}: cursor {cursor} vs hottest voxel {truth}"
        );
        assert!(
            (cursor - nodule).length() < 15.0,
            "azimuth {azimuth}: the hottest voxel is the nodule's ({cursor} vs {nodule})"
        );
    }
}
