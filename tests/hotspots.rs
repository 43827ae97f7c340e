//! Hot-spot segmentation on the phantoms and STS_001, and `petct hotspots`.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use glam::{DMat3, DVec3};
use petct::analysis::{
    find_hotspots, suv_volume, Category, HotspotParams, HotspotResult, Lesion, Method, Organ,
    LIVER_SPHERE_RADIUS_MM,
};
use petct::phantom::{generate, Phantom, PhantomKind};
use petct::volume::Volume;

fn torso() -> &'static (Phantom, Volume) {
    static TORSO: OnceLock<(Phantom, Volume)> = OnceLock::new();
    TORSO.get_or_init(|| {
        let p = generate(PhantomKind::Torso);
        let suv = suv_volume(&p.pet, p.acquisition.suv_factor());
        (p, suv)
    })
}

/// The lesion whose SUVmax voxel lies nearest `centre`, with the distance.
fn nearest(r: &HotspotResult, centre: DVec3) -> Option<(&Lesion, f64)> {
    r.lesions
        .iter()
        .map(|l| (l, l.max_position_mm.distance(centre)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

fn sphere_volume_ml(diameter_mm: f64) -> f64 {
    std::f64::consts::PI / 6.0 * diameter_mm.powi(3) / 1000.0
}

#[test]
fn nema_41_percent_finds_one_lesion_per_sphere_with_the_right_volumes() {
    let p = generate(PhantomKind::Nema);
    let suv = suv_volume(&p.pet, p.acquisition.suv_factor());
    let params = HotspotParams {
        method: Method::PercentOfMax { fraction: 0.41 },
        ..Default::default()
    };
    let r = find_hotspots(&suv, Some(&p.ct.convert()), &params).unwrap();
    assert_eq!(r.lesions.len(), 6, "{:#?}", r.lesions);
    let mut matched = Vec::new();
    for sphere in &p.lesions {
        let (l, d) = nearest(&r, sphere.centre_mm).unwrap();
        let nominal = sphere_volume_ml(sphere.diameter_mm);
        eprintln!(
            "{:>14}: SUVmax {:.2} SUVpeak {:.2} SUVmean {:.2} volume {:.2} mL (nominal {:.2}, {:+.1}%) \
             max {:.1} mm from centre, threshold {:.2}",
            sphere.name,
            l.suv_max,
            l.suv_peak,
            l.suv_mean,
            l.volume_ml,
            nominal,
            100.0 * (l.volume_ml / nominal - 1.0),
            d,
            l.threshold_suv
        );
        assert!(
            d < 10.0,
            "{}: nearest lesion max {d:.1} mm away",
            sphere.name
        );
        assert!(
            !matched.contains(&l.id),
            "two spheres share lesion {}",
            l.id
        );
        matched.push(l.id);
        if sphere.diameter_mm >= 22.0 {
            let err = (l.volume_ml / nominal - 1.0).abs();
            assert!(
                err < 0.15,
                "{}: {:.2} mL vs nominal {nominal:.2} mL",
                sphere.name,
                l.volume_ml
            );
        }
    }
    // SUVmax by sphere, ascending diameter.
    let maxima: Vec<f64> = p
        .lesions
        .iter()
        .map(|s| nearest(&r, s.centre_mm).unwrap().0.suv_max)
        .collect();
    // Partial volume: the three small spheres (10, 13, 17 mm) recover less than the large ones
    // and rank strictly by size.
    assert!(maxima[0] < maxima[1] && maxima[1] < maxima[2], "{maxima:?}");
    let large_min = maxima[3..].iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(maxima[2] < large_min, "{maxima:?}");
    // The 22, 28 and 37 mm spheres are essentially fully recovered: within noise of the true
    // 4.0 (6 % noise inflates the maximum a little).
    for m in &maxima[3..] {
        assert!(*m > 3.8 && *m < 5.0, "{maxima:?}");
    }
}

#[test]
fn torso_absolute_threshold_finds_every_planted_lesion() {
    let (p, suv) = torso();
    let r = find_hotspots(suv, Some(&p.ct.convert()), &HotspotParams::default()).unwrap();
    for l in &r.lesions {
        eprintln!(
            "lesion {:>2}: SUVmax {:6.2} SUVpeak {:6.2} {:8.2} mL at ({:.0}, {:.0}, {:.0}) CT {:?}",
            l.id,
            l.suv_max,
            l.suv_peak,
            l.volume_ml,
            l.max_position_mm.x,
            l.max_position_mm.y,
            l.max_position_mm.z,
            l.ct_hu_mean.map(|h| h.round())
        );
    }
    // At the default 0.5 mL minimum every planted lesion of 12 mm or more is found. The
    // 11 mm left lower lobe nodule (SUV 4.5 in lung) is flattened by partial volume to an
    // SUVmax of about 3.0 with only 3 voxels (0.16 mL) at SUV >= 2.5, under the minimum.
    for planted in &p.lesions {
        let (l, d) = nearest(&r, planted.centre_mm).unwrap();
        eprintln!(
            "{}: lesion {} SUVmax {:.2}, {:.2} mL, {d:.1} mm",
            planted.name, l.id, l.suv_max, l.volume_ml
        );
        if planted.diameter_mm >= 12.0 {
            assert!(d < 10.0, "{} not found ({d:.1} mm)", planted.name);
        }
    }
    // Without the volume filter (and without triage's noise rule) all five exceed SUV 2.5.
    let params = HotspotParams {
        min_volume_ml: 0.1,
        triage: false,
        ..Default::default()
    };
    let all = find_hotspots(suv, None, &params).unwrap();
    for planted in &p.lesions {
        let (l, d) = nearest(&all, planted.centre_mm).unwrap();
        assert!(d < 10.0, "{} not found ({d:.1} mm)", planted.name);
        assert!(l.suv_max >= 2.5);
    }
    // Sorted (suspicious first, each group by SUVmax), numbered, labelled.
    assert!(r.lesions.windows(2).all(|w| {
        let (a, b) = (w[0].category.rank(), w[1].category.rank());
        a < b || a == b && w[0].suv_max >= w[1].suv_max
    }));
    for (k, l) in r.lesions.iter().enumerate() {
        assert_eq!(l.id as usize, k + 1);
        let count = r.labels.iter().filter(|&&v| v as u32 == l.id).count();
        assert_eq!(count, l.voxel_count);
        assert!(l.suv_max >= 2.5 && l.volume_ml >= 0.5);
    }
}

/// Label at a patient point (nearest PET voxel).
fn label_at(suv: &Volume, labels: &[u16], p: DVec3) -> u16 {
    let v = suv.geometry.patient_to_voxel(p).round();
    labels[suv.index(v.x as usize, v.y as usize, v.z as usize)]
}

#[test]
fn torso_bladder_can_be_excluded() {
    let (p, suv) = torso();
    // The bladder: an ellipsoid centred at (0, -45, -180) mm, SUV 18.
    let bladder = DVec3::new(0.0, -45.0, -180.0);
    let all = find_hotspots(suv, None, &HotspotParams::default()).unwrap();
    let id = label_at(suv, &all.labels, bladder);
    assert_ne!(id, 0, "the bladder is a hot spot");
    let hottest = all
        .lesions
        .iter()
        .max_by(|a, b| a.suv_max.total_cmp(&b.suv_max))
        .unwrap();
    assert_eq!(id as u32, hottest.id, "the bladder is the hottest spot");
    let params = HotspotParams {
        excluded_mm: vec![bladder],
        ..Default::default()
    };
    let r = find_hotspots(suv, None, &params).unwrap();
    assert_eq!(r.lesions.len(), all.lesions.len() - 1);
    assert_eq!(label_at(suv, &r.labels, bladder), 0);
    for l in &r.lesions {
        let inside =
            (0..3).all(|a| l.bbox_min_mm[a] <= bladder[a] && bladder[a] <= l.bbox_max_mm[a]);
        assert!(
            !inside || l.suv_max < 10.0,
            "lesion {} still covers the bladder",
            l.id
        );
    }
    for planted in p.lesions.iter().filter(|l| l.diameter_mm >= 12.0) {
        assert!(nearest(&r, planted.centre_mm).unwrap().1 < 10.0);
    }
}

/// Whether `p` lies inside the torso's right liver lobe: the rotated ellipsoid of
/// `src/phantom/torso.rs` clipped by the right diaphragm dome.
fn in_right_liver_lobe(p: DVec3) -> bool {
    let inside = |c: DVec3, r: DVec3, rot: DMat3| {
        let u = rot.transpose() * (p - c) / r;
        u.length_squared() < 1.0
    };
    inside(
        DVec3::new(-75.0, -8.0, 35.0),
        DVec3::new(70.0, 90.0, 95.0),
        DMat3::from_rotation_y(0.45),
    ) && inside(
        DVec3::new(-60.0, 0.0, 25.0),
        DVec3::new(91.0, 96.0, 96.0),
        DMat3::IDENTITY,
    )
}

#[test]
fn torso_percist_proposes_a_liver_sphere() {
    let (p, suv) = torso();
    let params = HotspotParams {
        method: Method::Percist,
        ..Default::default()
    };
    let r = find_hotspots(suv, Some(&p.ct.convert()), &params).unwrap();
    let liver = r.liver.clone().expect("liver reference");
    eprintln!(
        "{liver:?}, threshold {:.2}, {} lesions",
        r.threshold,
        r.lesions.len()
    );
    assert!(liver.proposed);
    let c = liver.centre_mm;
    // The whole sphere lies in the liver (checked along the axes), away from the metastasis.
    let rr = LIVER_SPHERE_RADIUS_MM;
    for d in [
        DVec3::ZERO,
        DVec3::X,
        -DVec3::X,
        DVec3::Y,
        -DVec3::Y,
        DVec3::Z,
        -DVec3::Z,
    ] {
        assert!(
            in_right_liver_lobe(c + d * rr),
            "{liver:?} leaves the liver"
        );
    }
    let metastasis = &p.lesions[1];
    assert!(metastasis.name.contains("liver"));
    assert!(c.distance(metastasis.centre_mm) > rr + metastasis.diameter_mm / 2.0);
    assert!((liver.suv_mean - 2.2).abs() < 0.2, "{liver:?}");
    assert!(liver.suv_sd < 0.3, "{liver:?}");
    assert!((r.threshold - (1.5 * liver.suv_mean + 2.0 * liver.suv_sd)).abs() < 1e-9);
    // The liver and bone metastases (18 mm and more) exceed the threshold by more than
    // 0.5 mL; the smaller nodules and node are under 0.5 mL above SUV 3.6.
    for planted in p.lesions.iter().filter(|l| l.diameter_mm >= 18.0) {
        assert!(
            nearest(&r, planted.centre_mm).unwrap().1 < 10.0,
            "{} not found",
            planted.name
        );
    }
}

#[test]
fn percist_liver_proposal_works_without_ct() {
    let (_, suv) = torso();
    let liver = petct::analysis::propose_liver_reference(suv, None).unwrap();
    eprintln!("without CT: {liver:?}");
    assert!(in_right_liver_lobe(liver.centre_mm), "{liver:?}");
}

#[test]
fn cli_json_on_the_torso_phantom() {
    let (ok, stdout, stderr) = common::petct(&["hotspots", "--json"]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
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
    assert_eq!(v["threshold"], 2.5);
    // By default only suspicious lesions: the four planted lesions of 12 mm or more.
    let lesions = v["lesions"].as_array().unwrap();
    assert!(lesions.len() >= 4, "{lesions:?}");
    assert_eq!(v["lesion_count"], lesions.len());
    for l in lesions {
        assert_eq!(l["category"], "suspicious", "{l}");
        assert!(l.get("organ").is_none(), "{l}");
        for key in ["suv_max", "suv_mean", "suv_peak", "volume_ml", "tlg"] {
            assert!(l[key].as_f64().is_some(), "{key} in {l}");
        }
        for key in ["max_position_mm", "centroid_mm"] {
            assert_eq!(l[key].as_array().map(Vec::len), Some(3), "{key} in {l}");
        }
    }
    let maxima: Vec<f64> = lesions
        .iter()
        .map(|l| l["suv_max"].as_f64().unwrap())
        .collect();
    assert!(maxima.windows(2).all(|w| w[0] >= w[1]), "{maxima:?}");
    assert!(!stdout.contains("PHANTOM"), "no patient identifiers");
}

#[test]
fn cli_table_and_csv() {
    let (ok, table, stderr) = common::petct(&["hotspots", "--exclude", "0,-45,-180"]);
    assert!(ok, "{stderr}");
    eprintln!("{table}");
    assert!(table.contains("SUVmax") && table.contains("Threshold: SUV >= 2.50"));
    // --all lists the physiologic ones too, with their organ.
    let (ok, csv, stderr) = common::petct(&["hotspots", "--csv", "--all"]);
    assert!(ok, "{stderr}");
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("id,suv_max,suv_mean,suv_peak,volume_ml,tlg,max_x_mm"));
    assert!(header.ends_with(",category,organ"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter().any(|r| r.ends_with(",physiologic,bladder")),
        "{csv}"
    );
    assert!(rows.iter().any(|r| r.ends_with(",suspicious,")), "{csv}");
    let (ok, csv, stderr) = common::petct(&[
        "hotspots",
        "--csv",
        "--all",
        "--method",
        "percent",
        "--threshold",
        "50",
    ]);
    assert!(ok, "{stderr}");
    assert!(csv.lines().count() > 5);
    let (ok, _, stderr) = common::petct(&["hotspots", "--method", "percent", "--threshold", "410"]);
    assert!(!ok && stderr.contains("percentage"), "{stderr}");
}

#[test]
fn cli_explains_missing_suv() {
    let Some(dir) = common::data_dir("sts_001/pet_bqml") else {
        return;
    };
    let (ok, _, stderr) = common::petct(&["hotspots", dir.to_str().unwrap(), "--weight-kg", "0"]);
    assert!(!ok);
    assert!(
        stderr.contains("SUV") && stderr.contains("weight"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn sts001_thigh_tumour_heart_and_bladder() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let study = petct::study::load_view_study(&[dir], &Default::default()).unwrap();
    assert!(study.suv_available);
    let pet = study.pet.as_deref().unwrap();
    let ct = study.ct.as_deref().unwrap();
    let suv = suv_volume(pet, study.pet_display_factor);
    let r = find_hotspots(&suv, Some(ct), &HotspotParams::default()).unwrap();
    eprint!("{}", petct::analysis::report::to_text(&r));
    let (lo, hi) = ct.geometry.patient_bounds();
    let in_ct = |p: DVec3| (0..3).all(|a| lo[a] <= p[a] && p[a] <= hi[a]);
    let tumour = r
        .lesions
        .iter()
        .find(|l| in_ct(l.max_position_mm))
        .expect("a lesion peaks inside the CT crop around the thigh tumour");
    eprintln!("tumour: {tumour:?}");
    // SUVmax equals the hottest voxel of the labelled region, computed independently.
    let region_max = r
        .labels
        .iter()
        .zip(&suv.data)
        .filter(|(&l, _)| l as u32 == tumour.id)
        .map(|(_, &v)| v as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(tumour.suv_max, region_max);
    let count = r.labels.iter().filter(|&&l| l as u32 == tumour.id).count();
    assert_eq!(count, tumour.voxel_count);
    assert!(tumour.ct_hu_mean.is_some());
    // STS_001's PET runs from the thighs (z -883 mm) to the head (z -10 mm); the CT is a
    // crop around the left-thigh tumour (z -883 to -690 mm).
    assert!(r.lesions.len() >= 3, "{} lesions", r.lesions.len());
    assert!(r.lesions.iter().any(|l| l.id == tumour.id));
    assert!(
        tumour.volume_ml > 50.0 && tumour.suv_max > 5.0,
        "{tumour:?}"
    );
    // The bladder: the hottest spot, in the pelvis just above the crop, near the midline.
    let bladder = r
        .lesions
        .iter()
        .max_by(|a, b| a.suv_max.total_cmp(&b.suv_max))
        .unwrap();
    let b = bladder.max_position_mm;
    assert!(
        b.z > -720.0 && b.z < -620.0 && b.x.abs() < 60.0,
        "{bladder:?}"
    );
    // The heart: a large lesion peaking in the chest.
    assert!(
        r.lesions.iter().any(|l| {
            let z = l.max_position_mm.z;
            z > -400.0 && z < -220.0 && l.volume_ml > 50.0
        }),
        "no heart among the lesions"
    );
}

/// The suspicious lesions, in list order.
fn suspicious(r: &HotspotResult) -> Vec<&Lesion> {
    r.lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .collect()
}

fn physiologic(organ: Organ) -> Category {
    Category::Physiologic { organ }
}

/// Issue 9's acceptance on the real study: the sarcoma first among at most ten suspicious
/// lesions; brain, heart, both kidneys and bladder physiologic with their organ. Where the
/// organs lie was read off the PET MIP (anterior and lateral) by eye, not from triage.
#[test]
fn sts001_triage_puts_the_sarcoma_first_and_names_the_organs() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    // As `petct hotspots` loads it: default series choice (the BQML PET, the CT).
    let study = petct::study::load_view_study(&[dir], &Default::default()).unwrap();
    let suv = suv_volume(study.pet.as_deref().unwrap(), study.pet_display_factor);
    let ct = study.ct.as_deref().unwrap();
    let started = std::time::Instant::now();
    let r = find_hotspots(&suv, Some(ct), &HotspotParams::default()).unwrap();
    let with_triage = started.elapsed();
    let started = std::time::Instant::now();
    let plain = HotspotParams {
        triage: false,
        ..Default::default()
    };
    let untriaged = find_hotspots(&suv, Some(ct), &plain).unwrap();
    eprintln!(
        "segmentation {:?} without triage ({} candidates), {with_triage:?} with",
        started.elapsed(),
        untriaged.lesions.len()
    );
    eprint!("{}", petct::analysis::report::to_text(&r));
    let list = suspicious(&r);
    assert!(list.len() <= 10, "{} suspicious lesions", list.len());
    // The sarcoma: the large lesion in the left thigh, the only region the CT covers.
    let (lo, hi) = ct.geometry.patient_bounds();
    let first = list[0];
    let p = first.max_position_mm;
    assert!(
        (0..3).all(|a| lo[a] <= p[a] && p[a] <= hi[a]) && first.volume_ml > 50.0,
        "first suspicious lesion is not the thigh sarcoma: {first:?}"
    );
    assert_eq!(first.id, 1);
    // The brain: hot uptake in the top slices (the field of view ends in the head).
    let top = suv.geometry.patient_bounds().1.z;
    let brain: Vec<&Lesion> = r
        .lesions
        .iter()
        .filter(|l| l.max_position_mm.z > top - 30.0 && l.suv_max > 8.0)
        .collect();
    assert!(!brain.is_empty(), "no brain uptake among the lesions");
    for l in brain {
        assert_eq!(l.category, physiologic(Organ::Brain), "{l:?}");
    }
    // The heart: the large lesion in the chest.
    let heart = r
        .lesions
        .iter()
        .find(|l| (-400.0..-220.0).contains(&l.centroid_mm.z) && l.volume_ml > 100.0)
        .expect("heart");
    assert_eq!(heart.category, physiologic(Organ::Myocardium), "{heart:?}");
    // The bladder: the hottest lesion, in the pelvis.
    let bladder = r
        .lesions
        .iter()
        .max_by(|a, b| a.suv_max.total_cmp(&b.suv_max))
        .unwrap();
    assert!((-720.0..-620.0).contains(&bladder.max_position_mm.z));
    assert_eq!(bladder.category, physiologic(Organ::Bladder), "{bladder:?}");
    // The kidneys: two large lesions at one height, one each side of the bladder.
    let kidneys: Vec<&Lesion> = r
        .lesions
        .iter()
        .filter(|l| (-550.0..-400.0).contains(&l.centroid_mm.z) && l.volume_ml > 50.0)
        .collect();
    assert_eq!(kidneys.len(), 2, "{kidneys:?}");
    let bx = bladder.centroid_mm.x;
    assert!((kidneys[0].centroid_mm.x - bx) * (kidneys[1].centroid_mm.x - bx) < 0.0);
    for k in kidneys {
        assert_eq!(k.category, physiologic(Organ::Kidney), "{k:?}");
    }
    // Totals count the suspicious lesions only.
    let mtv: f64 = list.iter().map(|l| l.volume_ml).sum();
    assert!((r.total_mtv_ml - mtv).abs() < 1e-9);
}

/// Issue 9's acceptance on the torso phantom: planted lesions suspicious, organs with uptake
/// above the threshold physiologic with their organ. Organ centres from
/// `src/phantom/torso.rs` (the design, not the triage).
#[test]
fn torso_triage_keeps_planted_lesions_suspicious_and_names_the_organs() {
    let (p, suv) = torso();
    let r = find_hotspots(suv, Some(&p.ct.convert()), &HotspotParams::default()).unwrap();
    eprint!("{}", petct::analysis::report::to_text(&r));
    for planted in &p.lesions {
        match nearest(&r, planted.centre_mm) {
            Some((l, d)) if d < 10.0 => {
                assert_eq!(l.category, Category::Suspicious, "{}: {l:?}", planted.name)
            }
            // Only the 11 mm nodule stays under the 0.5 mL minimum (see above).
            _ => assert!(planted.diameter_mm < 12.0, "{} not found", planted.name),
        }
    }
    let organs = [
        (Organ::Bladder, DVec3::new(0.0, -45.0, -180.0)),
        (Organ::Kidney, DVec3::new(-72.0, 48.0, -8.0)),
        (Organ::Kidney, DVec3::new(72.0, 48.0, 5.0)),
        (Organ::Myocardium, DVec3::new(22.0, -40.0, 150.0)),
    ];
    for (organ, centre) in organs {
        let l = r
            .lesions
            .iter()
            .min_by(|a, b| {
                let d = |l: &&Lesion| l.centroid_mm.distance(centre);
                d(a).total_cmp(&d(b))
            })
            .unwrap();
        assert!(l.centroid_mm.distance(centre) < 40.0, "{organ:?} not found");
        assert_eq!(l.category, physiologic(organ), "{l:?}");
    }
    // With the minimum lowered to 0.1 mL the 11 mm nodule is found too, and triage keeps
    // every planted lesion suspicious (its noise rule does not take the small nodule).
    let small = HotspotParams {
        min_volume_ml: 0.1,
        ..Default::default()
    };
    let all = find_hotspots(suv, Some(&p.ct.convert()), &small).unwrap();
    for planted in &p.lesions {
        let (l, d) = nearest(&all, planted.centre_mm).unwrap();
        assert!(d < 10.0, "{} not found at 0.1 mL ({d:.1} mm)", planted.name);
        assert_eq!(l.category, Category::Suspicious, "{}: {l:?}", planted.name);
    }
    // Nothing else is called physiologic.
    for l in r.lesions.iter().filter(|l| l.category.organ().is_some()) {
        assert!(
            organs
                .iter()
                .any(|(_, c)| l.centroid_mm.distance(*c) < 60.0),
            "{l:?}"
        );
    }
}

/// Issue 9's acceptance on the NEMA phantom: the six spheres are suspicious (41 % method,
/// which finds all six; the absolute threshold misses the 10 mm sphere).
#[test]
fn nema_spheres_are_suspicious() {
    let p = generate(PhantomKind::Nema);
    let suv = suv_volume(&p.pet, p.acquisition.suv_factor());
    for method in [
        Method::PercentOfMax { fraction: 0.41 },
        Method::Absolute { suv: 2.5 },
    ] {
        let params = HotspotParams {
            method,
            ..Default::default()
        };
        let r = find_hotspots(&suv, Some(&p.ct.convert()), &params).unwrap();
        assert!(r.lesions.len() >= 5, "{method:?}: {:?}", r.lesions);
        assert!(r.lesions.iter().all(|l| l.category == Category::Suspicious));
        if matches!(method, Method::PercentOfMax { .. }) {
            for sphere in &p.lesions {
                let (l, d) = nearest(&r, sphere.centre_mm).unwrap();
                assert!(d < 10.0 && l.category == Category::Suspicious);
            }
        }
    }
}
