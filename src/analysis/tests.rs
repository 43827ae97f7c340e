//! Unit tests of [`find_hotspots`] on small synthetic volumes.

use super::*;
use crate::volume::Geometry;

/// A 20^3 grid of 2 mm voxels (0.008 mL each) at SUV 1.
fn background(dims: [usize; 3]) -> Volume {
    let g = Geometry::axial(dims, [2.0; 3], DVec3::new(-20.0, -20.0, -20.0));
    let n = g.voxel_count();
    Volume::new(g, vec![1.0; n], Unit::SuvBw).unwrap()
}

fn set(v: &mut Volume, [x, y, z]: [usize; 3], value: f32) {
    let i = v.index(x, y, z);
    v.data[i] = value;
}

/// Fills the box [lo, hi) with `value`.
fn fill(v: &mut Volume, lo: [usize; 3], hi: [usize; 3], value: f32) {
    for z in lo[2]..hi[2] {
        for y in lo[1]..hi[1] {
            for x in lo[0]..hi[0] {
                set(v, [x, y, z], value);
            }
        }
    }
}

/// An absolute threshold without triage: these tests check segmentation, and their
/// one-voxel lesions would be noise.
fn abs(t: f32) -> HotspotParams {
    HotspotParams {
        method: Method::Absolute { suv: t },
        min_volume_ml: 0.0,
        triage: false,
        ..Default::default()
    }
}

#[test]
fn diagonal_neighbours_form_one_lesion() {
    let mut v = background([20, 20, 20]);
    set(&mut v, [5, 5, 5], 6.0);
    set(&mut v, [6, 6, 6], 5.0); // corner contact only
    set(&mut v, [15, 15, 15], 4.0); // far away
    let r = find_hotspots(&v, None, &abs(2.5)).unwrap();
    assert_eq!(r.lesions.len(), 2);
    assert_eq!(r.lesions[0].voxel_count, 2);
    assert_eq!(r.lesions[0].suv_max, 6.0);
    assert_eq!(r.lesions[0].max_voxel, [5, 5, 5]);
    assert_eq!(r.lesions[1].voxel_count, 1);
    assert_eq!(r.labels[v.index(6, 6, 6)], 1);
    assert_eq!(r.labels[v.index(15, 15, 15)], 2);
    assert_eq!(r.labels.iter().filter(|&&l| l != 0).count(), 3);
}

#[test]
fn min_volume_drops_small_lesions() {
    let mut v = background([20, 20, 20]);
    fill(&mut v, [2, 2, 2], [6, 6, 6], 5.0); // 64 voxels = 0.512 mL
    fill(&mut v, [10, 10, 10], [13, 13, 13], 8.0); // 27 voxels = 0.216 mL
    let params = HotspotParams {
        min_volume_ml: 0.5,
        ..abs(2.5)
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    assert_eq!(r.lesions.len(), 1);
    assert!((r.lesions[0].volume_ml - 0.512).abs() < 1e-9);
    assert_eq!(
        r.labels[v.index(11, 11, 11)],
        0,
        "dropped lesions are unlabelled"
    );
    // Exactly the minimum volume is kept.
    let params = HotspotParams {
        min_volume_ml: 0.512,
        ..abs(2.5)
    };
    assert_eq!(find_hotspots(&v, None, &params).unwrap().lesions.len(), 1);
}

#[test]
fn lesions_are_sorted_and_measured() {
    let mut v = background([20, 20, 20]);
    fill(&mut v, [2, 2, 2], [5, 5, 5], 3.0);
    fill(&mut v, [10, 10, 10], [14, 14, 14], 4.0);
    set(&mut v, [11, 12, 13], 9.0);
    let r = find_hotspots(&v, None, &abs(2.5)).unwrap();
    let ids: Vec<u32> = r.lesions.iter().map(|l| l.id).collect();
    assert_eq!(ids, [1, 2]);
    let top = &r.lesions[0];
    assert_eq!(top.suv_max, 9.0);
    assert_eq!(top.max_voxel, [11, 12, 13]);
    assert_eq!(
        top.max_position_mm,
        v.geometry.voxel_to_patient(DVec3::new(11.0, 12.0, 13.0))
    );
    assert_eq!(top.voxel_count, 64);
    assert!((top.suv_mean - (63.0 * 4.0 + 9.0) / 64.0).abs() < 1e-9);
    assert!((top.tlg - top.suv_mean * top.volume_ml).abs() < 1e-12);
    let centre = v.geometry.voxel_to_patient(DVec3::splat(11.5));
    assert!((top.centroid_mm - centre).length() < 1e-9);
    assert_eq!(
        top.bbox_min_mm,
        v.geometry.voxel_to_patient(DVec3::splat(10.0))
    );
    assert_eq!(
        top.bbox_max_mm,
        v.geometry.voxel_to_patient(DVec3::splat(13.0))
    );
    assert!((r.total_mtv_ml - (64.0 + 27.0) * 0.008).abs() < 1e-9);
    assert!((r.total_tlg - r.lesions.iter().map(|l| l.tlg).sum::<f64>()).abs() < 1e-12);
    assert_eq!(r.threshold_description, "SUV >= 2.50");
}

#[test]
fn suv_peak_of_a_uniform_lesion_is_its_value() {
    let mut v = background([20, 20, 20]);
    fill(&mut v, [4, 4, 4], [16, 16, 16], 5.0);
    // A hair hotter in the middle so that the SUVmax voxel is interior.
    set(&mut v, [10, 10, 10], 5.000_01);
    let r = find_hotspots(&v, None, &abs(2.5)).unwrap();
    assert_eq!(r.lesions.len(), 1);
    assert_eq!(r.lesions[0].max_voxel, [10, 10, 10]);
    assert!((r.lesions[0].suv_peak - 5.0).abs() < 1e-5);
}

/// A CT on a different (finer) grid: HU 50 in the left half (x >= 0), 500 elsewhere.
fn half_ct() -> Volume {
    let g = Geometry::axial([40, 40, 40], [1.0; 3], DVec3::new(-20.0, -20.0, -20.0));
    let mut data = vec![500.0f32; g.voxel_count()];
    for (i, d) in data.iter_mut().enumerate() {
        if i % 40 >= 20 {
            *d = 50.0;
        }
    }
    Volume::new(g, data, Unit::Hounsfield).unwrap()
}

#[test]
fn ct_range_keeps_only_voxels_in_range() {
    let mut v = background([20, 20, 20]);
    // A bar across x = 0 (patient x from -12 to +10 mm).
    fill(&mut v, [4, 8, 8], [16, 12, 12], 5.0);
    let ct = half_ct().convert();
    let all = find_hotspots(&v, Some(&ct), &abs(2.5)).unwrap();
    assert_eq!(all.lesions[0].voxel_count, 12 * 16);
    let hu = all.lesions[0].ct_hu_mean.unwrap();
    assert!(hu > 50.0 && hu < 500.0, "mixed CT {hu}");
    let params = HotspotParams {
        ct_range_hu: Some((-100.0, 100.0)),
        ..abs(2.5)
    };
    let soft = find_hotspots(&v, Some(&ct), &params).unwrap();
    assert_eq!(soft.lesions.len(), 1);
    let l = &soft.lesions[0];
    assert!(l.bbox_min_mm.x >= 0.0, "{l:?}");
    assert!((l.ct_hu_mean.unwrap() - 50.0).abs() < 1e-3);
    assert!(l.voxel_count < 12 * 16);
    assert!(matches!(
        find_hotspots(&v, None, &params),
        Err(AnalysisError::CtRangeWithoutCt)
    ));
}

#[test]
fn excluded_points_drop_their_lesion() {
    let mut v = background([20, 20, 20]);
    fill(&mut v, [2, 2, 2], [6, 6, 6], 5.0);
    fill(&mut v, [12, 12, 12], [16, 16, 16], 8.0);
    let inside = v.geometry.voxel_to_patient(DVec3::new(13.0, 13.0, 13.0));
    let next_to = v.geometry.voxel_to_patient(DVec3::new(6.2, 3.0, 3.0)); // one voxel off
    let far = v.geometry.voxel_to_patient(DVec3::new(9.0, 9.0, 9.0));
    let run = |pts: Vec<DVec3>| {
        let params = HotspotParams {
            excluded_mm: pts,
            ..abs(2.5)
        };
        find_hotspots(&v, None, &params).unwrap()
    };
    let r = run(vec![inside]);
    assert_eq!(r.lesions.len(), 1);
    assert_eq!(r.lesions[0].suv_max, 5.0);
    assert_eq!(r.lesions[0].id, 1);
    assert_eq!(r.labels[v.index(13, 13, 13)], 0);
    assert_eq!(run(vec![inside, next_to]).lesions.len(), 0);
    assert_eq!(run(vec![far]).lesions.len(), 2);
}

#[test]
fn percent_of_max_uses_each_lesions_own_max() {
    let mut v = background([30, 20, 20]);
    // A hot and a faint lesion, each a 4^3 cube with a hotter core voxel.
    fill(&mut v, [3, 3, 3], [7, 7, 7], 8.0);
    set(&mut v, [4, 4, 4], 10.0);
    fill(&mut v, [20, 10, 10], [24, 14, 14], 2.2);
    set(&mut v, [21, 11, 11], 3.0);
    let params = HotspotParams {
        method: Method::PercentOfMax { fraction: 0.5 },
        seed_suv: 2.0,
        growth_margin_mm: 4.0,
        min_volume_ml: 0.0,
        ..Default::default()
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    assert_eq!(r.lesions.len(), 2);
    // Hot lesion: threshold 5, only the cube.
    assert_eq!(r.lesions[0].voxel_count, 64);
    assert!((r.lesions[0].threshold_suv - 5.0).abs() < 1e-6);
    // Faint lesion: threshold 1.5, above the background of 1: the cube only.
    assert_eq!(r.lesions[1].voxel_count, 64);
    assert!((r.threshold - 50.0).abs() < 1e-6);
}

#[test]
fn percent_of_max_growth_is_confined_to_the_margin() {
    let mut v = background([30, 30, 30]);
    // Faint lesion whose 41 % threshold (0.82) lies below the background (1.0).
    fill(&mut v, [14, 14, 14], [16, 16, 16], 2.0);
    let params = HotspotParams {
        method: Method::PercentOfMax { fraction: 0.41 },
        seed_suv: 1.5,
        growth_margin_mm: 4.0, // two voxels
        min_volume_ml: 0.0,
        ..Default::default()
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    assert_eq!(r.lesions.len(), 1);
    // Box 14..=15 grown by 2: 6^3 voxels, the whole box is above threshold.
    assert_eq!(r.lesions[0].voxel_count, 216);
}

#[test]
fn percent_of_max_merges_a_candidate_inside_a_hotter_lesion() {
    let mut v = background([30, 20, 20]);
    // Two touching plateaus, 9 and 6: one candidate at seed 2, so one lesion containing both
    // (6 >= 0.41 x 9).
    fill(&mut v, [5, 5, 5], [10, 10, 10], 9.0);
    fill(&mut v, [10, 5, 5], [15, 10, 10], 6.0);
    let params = HotspotParams {
        method: Method::PercentOfMax { fraction: 0.41 },
        min_volume_ml: 0.0,
        ..Default::default()
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    assert_eq!(r.lesions.len(), 1);
    assert_eq!(r.lesions[0].voxel_count, 250);
}

#[test]
fn percent_of_max_keeps_faint_lesions_out_of_a_hotter_rim() {
    let mut v = background([30, 20, 20]);
    // A hot core (20) in a rim of 3: one candidate at seed 2, grown at 8.2: the core only.
    fill(&mut v, [4, 4, 4], [11, 11, 11], 3.0);
    fill(&mut v, [5, 5, 5], [10, 10, 10], 20.0);
    // A faint candidate three voxels away, grown at 0.41 x 2.1 = 0.86, below the background.
    set(&mut v, [14, 7, 7], 2.1);
    let params = HotspotParams {
        method: Method::PercentOfMax { fraction: 0.41 },
        min_volume_ml: 0.0,
        ..Default::default()
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    assert_eq!(r.lesions.len(), 2);
    assert_eq!(r.lesions[0].voxel_count, 125);
    let faint = &r.lesions[1];
    assert!((faint.suv_max - 2.1).abs() < 1e-6, "{faint:?}");
    assert_eq!(r.labels[v.index(4, 7, 7)], 0, "the rim stays unclaimed");
    assert_eq!(r.labels[v.index(10, 7, 7)], 0, "the rim stays unclaimed");
    assert_eq!(
        r.labels[v.index(12, 7, 7)],
        2,
        "the faint lesion grows over background"
    );
}

#[test]
fn percist_uses_the_given_liver_sphere() {
    let mut v = background([30, 30, 30]);
    fill(&mut v, [0, 0, 0], [30, 30, 30], 2.0);
    fill(&mut v, [20, 20, 20], [24, 24, 24], 4.0);
    let params = HotspotParams {
        method: Method::Percist,
        liver_centre_mm: Some(v.geometry.voxel_to_patient(DVec3::splat(8.0))),
        min_volume_ml: 0.0,
        // A 0.5 mL lesion at twice the liver's uptake: triage's noise rule would drop it.
        triage: false,
        ..Default::default()
    };
    let r = find_hotspots(&v, None, &params).unwrap();
    let liver = r.liver.as_ref().unwrap();
    assert!(!liver.proposed);
    assert!((liver.suv_mean - 2.0).abs() < 1e-6);
    assert!((r.threshold - 3.0).abs() < 1e-6);
    assert_eq!(r.lesions.len(), 1);
    assert_eq!(r.lesions[0].voxel_count, 64);
}

#[test]
fn invalid_inputs_are_errors() {
    let v = background([4, 4, 4]);
    let bad = HotspotParams {
        method: Method::PercentOfMax { fraction: 41.0 },
        ..Default::default()
    };
    assert!(matches!(
        find_hotspots(&v, None, &bad),
        Err(AnalysisError::InvalidParameter(_))
    ));
    let empty = Volume {
        geometry: v.geometry.clone(),
        data: vec![],
        unit: Unit::SuvBw,
    };
    assert!(matches!(
        find_hotspots(&empty, None, &HotspotParams::default()),
        Err(AnalysisError::EmptyVolume { .. })
    ));
}

#[test]
fn suv_volume_scales_and_relabels() {
    let g = Geometry::axial([2, 1, 1], [1.0; 3], DVec3::ZERO);
    let pet = Volume::new(g, vec![1000.0, 2000.0], Unit::BecquerelPerMl).unwrap();
    let s = suv_volume(&pet, 0.002);
    assert_eq!(s.data, vec![2.0, 4.0]);
    assert_eq!(s.unit, Unit::SuvBw);
}

#[test]
fn method_displays_and_serialises() {
    assert_eq!(Method::Absolute { suv: 2.5 }.to_string(), "abs");
    assert_eq!(
        Method::PercentOfMax { fraction: 0.41 }.to_string(),
        "percent"
    );
    assert_eq!(Method::Percist.to_string(), "percist");
    let j = serde_json::to_value(Method::PercentOfMax { fraction: 0.5 }).unwrap();
    assert_eq!(j, serde_json::json!({"name": "percent", "fraction": 0.5}));
}
