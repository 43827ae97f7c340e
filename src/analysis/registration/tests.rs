use super::*;
use crate::phantom::{generate_followup, generate_with, PhantomKind, PhantomOptions, Scenario};

#[test]
fn recovers_the_follow_up_phantoms_move_from_ct() {
    let options = PhantomOptions {
        downscale: 2,
        supersample: 2,
        ..Default::default()
    };
    let baseline = generate_with(PhantomKind::Torso, &options);
    let followup = generate_followup(Scenario::Smd, &options);
    let truth = crate::phantom::followup_truth(Scenario::Smd);
    let r = register_rigid(&baseline.ct, &followup.ct, &RegistrationParams::ct()).unwrap();
    for l in &truth.lesions {
        let Some(f) = l.followup_centre_mm else {
            continue;
        };
        let err = r
            .followup_to_baseline
            .apply(f)
            .distance(l.baseline_centre_mm);
        assert!(err < 2.0, "{}: {err:.2} mm, {r:?}", l.name);
    }
    assert!(r.quality > 0.8 && r.quality >= r.initial_quality, "{r:?}");
}
