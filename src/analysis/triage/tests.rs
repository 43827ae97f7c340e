//! Triage on small synthetic volumes: the noise rule, the short-scan guard, and how a
//! category serialises.

use glam::DVec3;
use serde_json::json;

use super::*;
use crate::analysis::{find_hotspots, HotspotParams};
use crate::volume::{Geometry, Unit};

/// A 40^3 SUV volume at 4 mm: background 0.5, a block of "liver" at SUV 2.4 with a faint
/// bump to 2.8 in it, and a hot sphere (SUV 8, radius 10 mm) in the background.
fn volume() -> Volume {
    let dims = [40, 40, 40];
    let g = Geometry::axial(dims, [4.0; 3], DVec3::splat(-78.0));
    let hot = DVec3::new(-40.0, 0.0, 0.0);
    let bump = DVec3::new(40.0, 0.0, 0.0);
    let mut data = Vec::new();
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let p = g.voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64));
                let v = if (p - hot).length() < 10.0 {
                    8.0
                } else if (p - bump).length() < 5.0 {
                    2.8
                } else if (p - bump).abs().max_element() < 30.0 {
                    2.4
                } else {
                    0.5
                };
                data.push(v);
            }
        }
    }
    Volume::new(g, data, Unit::SuvBw).unwrap()
}

#[test]
fn a_bump_in_warm_background_is_noise_a_hot_sphere_is_not() {
    let v = volume();
    let r = find_hotspots(&v, None, &HotspotParams::default()).unwrap();
    assert_eq!(r.noise_dropped, 1, "{:?}", r.lesions);
    assert_eq!(r.lesions.len(), 1);
    let l = &r.lesions[0];
    assert_eq!(l.suv_max, 8.0);
    assert!((l.background_suv - 0.5).abs() < 1e-6, "{l:?}");
    // 160 mm of body: too short for organ rules, so the sphere stays suspicious.
    assert_eq!(l.category, Category::Suspicious);
    assert!(
        r.triage_notes[0].contains("no organ rules"),
        "{:?}",
        r.triage_notes
    );
    // Without triage the bump is listed too.
    let params = HotspotParams {
        triage: false,
        ..Default::default()
    };
    assert_eq!(find_hotspots(&v, None, &params).unwrap().lesions.len(), 2);
}

#[test]
fn categories_serialise_flat_with_the_organ_for_physiologic_ones() {
    let organ = Category::Physiologic {
        organ: Organ::HeadNeck,
    };
    assert_eq!(
        serde_json::to_value(organ).unwrap(),
        json!({"category": "physiologic", "organ": "head_neck"})
    );
    assert_eq!(
        serde_json::to_value(Category::Suspicious).unwrap(),
        json!({"category": "suspicious"})
    );
    for o in Organ::ALL {
        assert_eq!(Organ::from_name(o.name()), Some(o));
        assert_eq!(serde_json::to_value(o).unwrap(), json!(o.name()));
    }
}
