//! The PET rules that name physiologic uptake: landmarks first (the kidney pair, then the
//! bladder, the heart), then the organs placed relative to them. See the module docs of
//! [`super`] for the rules in words.

use glam::DVec3;

use super::body::Body;
use super::{Candidate, Organ};

/// Organ rules need a body at least this long in the field of view (mm): a head-to-thigh or
/// chest-to-pelvis scan; a single bed position or a phantom gets none.
pub const MIN_BODY_LENGTH_MM: f64 = 350.0;

/// Kidney: volume range (mL).
const KIDNEY_ML: (f64, f64) = (30.0, 800.0);
/// Kidney: centroid distance from the midline (mm).
const KIDNEY_DX: (f64, f64) = (25.0, 160.0);
/// Kidney pair: largest height difference of the centroids (mm).
const KIDNEY_DZ: f64 = 70.0;
/// Kidney pair: largest difference of the two centroids' distances from the midline (mm).
const KIDNEY_ASYMMETRY_MM: f64 = 45.0;
/// Kidney pair: largest volume ratio.
const KIDNEY_VOLUME_RATIO: f64 = 4.0;

/// Bladder: smallest volume (mL), largest centroid distance from the midline (mm), and the
/// height range below the kidneys' mean centroid height (mm).
const BLADDER_ML: f64 = 5.0;
const BLADDER_DX: f64 = 60.0;
const BLADDER_BELOW_KIDNEYS: (f64, f64) = (80.0, 400.0);

/// Ureter: largest volume (mL) and distance (mm, in the transverse plane) of the SUVmax voxel
/// from the straight kidney-to-bladder line.
const URETER_ML: f64 = 30.0;
const URETER_LINE_MM: f64 = 40.0;

/// Heart: smallest volume (mL), height range of the centroid above the kidneys (mm), how far
/// right of the midline (mm) and how far behind the body's front-back centre (mm) its centroid
/// may lie.
const HEART_ML: f64 = 30.0;
const HEART_ABOVE_KIDNEYS: (f64, f64) = (80.0, 350.0);
const HEART_RIGHT_MM: f64 = 30.0;
const HEART_POSTERIOR_MM: f64 = 20.0;

/// Head and neck: the region starts this far above the heart's top (mm), or, without a heart,
/// this far above the kidneys.
const NECK_ABOVE_HEART: f64 = 100.0;
const NECK_ABOVE_KIDNEYS: f64 = 350.0;
/// Brain: reaches within this distance of the top of the body (mm), SUVmax at least this,
/// centroid within this distance of the midline (mm).
const BRAIN_FROM_TOP: f64 = 60.0;
const BRAIN_SUV_MAX: f64 = 6.0;
const BRAIN_DX: f64 = 90.0;
/// Head and neck: midline tolerance (mm) of the SUVmax voxel, and the tolerances of a
/// mirror-image partner (distance from the midline, height; mm).
const NECK_MIDLINE_MM: f64 = 25.0;
const MIRROR_DX_MM: f64 = 15.0;
const MIRROR_DZ_MM: f64 = 20.0;

/// Liver: smallest volume (mL), centroid height range relative to the kidneys (mm), and the
/// largest SUVmax / SUVmean ratio (diffuse, even uptake).
const LIVER_ML: f64 = 200.0;
const LIVER_ABOVE_KIDNEYS: (f64, f64) = (-50.0, 250.0);
const LIVER_MAX_OVER_MEAN: f64 = 2.0;

/// Bowel: abdomen and pelvis from the bladder's top to this far above the kidneys (mm);
/// SUVmax below this; elongated: the longest extent at least this multiple of the shortest.
const BOWEL_ABOVE_KIDNEYS: f64 = 50.0;
const BOWEL_SUV_MAX: f64 = 6.0;
const BOWEL_ELONGATION: f64 = 1.8;

/// Where the landmarks were found, for the report.
#[derive(Debug, Clone, Default)]
pub(crate) struct Landmarks {
    pub kidneys: Option<(usize, usize)>,
    pub bladder: Option<usize>,
    pub heart: Option<usize>,
    pub notes: Vec<String>,
}

/// A proposed organ with the rule that named it.
pub(crate) type Proposal = Option<(Organ, &'static str)>;

/// Proposes organs for the candidates from the PET alone.
pub(crate) fn propose(body: &Body, c: &[Candidate]) -> (Vec<Proposal>, Landmarks) {
    let mut out: Vec<Proposal> = vec![None; c.len()];
    let mut marks = Landmarks::default();
    if body.length() < MIN_BODY_LENGTH_MM {
        marks.notes.push(format!(
            "body {:.0} mm long in the field of view (< {MIN_BODY_LENGTH_MM:.0}): no organ rules",
            body.length()
        ));
        return (out, marks);
    }
    let Some((a, b)) = kidney_pair(body, c) else {
        marks
            .notes
            .push("no kidney pair found: no organ rules (they are placed relative to it)".into());
        return (out, marks);
    };
    marks.kidneys = Some((a, b));
    out[a] = Some((Organ::Kidney, "kidney pair"));
    out[b] = Some((Organ::Kidney, "kidney pair"));
    let kz = (c[a].lesion.centroid_mm.z + c[b].lesion.centroid_mm.z) / 2.0;
    marks.notes.push(format!("kidneys at z {kz:.0} mm"));
    marks.bladder = bladder(body, c, &out, kz);
    if let Some(bl) = marks.bladder {
        out[bl] = Some((Organ::Bladder, "bladder"));
        marks
            .notes
            .push(format!("bladder at z {:.0} mm", c[bl].lesion.centroid_mm.z));
        ureters(c, &mut out, [a, b], bl, kz);
    }
    marks.heart = heart(body, c, &out, kz);
    let neck_floor = match marks.heart {
        Some(h) => {
            out[h] = Some((Organ::Myocardium, "heart"));
            marks
                .notes
                .push(format!("heart at z {:.0} mm", c[h].lesion.centroid_mm.z));
            c[h].lesion.bbox_max_mm.z + NECK_ABOVE_HEART
        }
        None => kz + NECK_ABOVE_KIDNEYS,
    };
    head_and_neck(body, c, &mut out, neck_floor);
    liver(body, c, &mut out, kz);
    let bowel_floor = marks.bladder.map_or(kz - BLADDER_BELOW_KIDNEYS.1, |bl| {
        c[bl].lesion.bbox_max_mm.z
    });
    bowel(c, &mut out, bowel_floor, kz + BOWEL_ABOVE_KIDNEYS);
    (out, marks)
}

/// The best left-right pair of large posterior candidates at one height.
fn kidney_pair(body: &Body, c: &[Candidate]) -> Option<(usize, usize)> {
    let fits = |k: &Candidate| {
        let l = &k.lesion;
        let dx = body.dx(l.centroid_mm.x).abs();
        (KIDNEY_ML.0..=KIDNEY_ML.1).contains(&l.volume_ml)
            && (KIDNEY_DX.0..=KIDNEY_DX.1).contains(&dx)
            && l.centroid_mm.y > body.y_centre(l.centroid_mm.z)
    };
    let ok: Vec<usize> = (0..c.len()).filter(|&i| fits(&c[i])).collect();
    let mut best: Option<(f64, usize, usize)> = None;
    for (k, &i) in ok.iter().enumerate() {
        for &j in &ok[k + 1..] {
            let (p, q) = (&c[i].lesion, &c[j].lesion);
            let (dp, dq) = (body.dx(p.centroid_mm.x), body.dx(q.centroid_mm.x));
            let dz = (p.centroid_mm.z - q.centroid_mm.z).abs();
            let asym = (dp.abs() - dq.abs()).abs();
            let ratio = p.volume_ml.max(q.volume_ml) / p.volume_ml.min(q.volume_ml);
            if dp * dq >= 0.0
                || dz > KIDNEY_DZ
                || asym > KIDNEY_ASYMMETRY_MM
                || ratio > KIDNEY_VOLUME_RATIO
            {
                continue;
            }
            let score = dz + asym;
            if best.is_none_or(|b| score < b.0) {
                best = Some((score, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j))
}

/// The hottest (SUVmean) sizeable midline candidate below the kidneys.
fn bladder(body: &Body, c: &[Candidate], taken: &[Proposal], kz: f64) -> Option<usize> {
    (0..c.len())
        .filter(|&i| taken[i].is_none())
        .filter(|&i| {
            let l = &c[i].lesion;
            let below = kz - l.centroid_mm.z;
            l.volume_ml >= BLADDER_ML
                && body.dx(l.centroid_mm.x).abs() <= BLADDER_DX
                && (BLADDER_BELOW_KIDNEYS.0..=BLADDER_BELOW_KIDNEYS.1).contains(&below)
        })
        .max_by(|&i, &j| c[i].lesion.suv_mean.total_cmp(&c[j].lesion.suv_mean))
}

/// Small candidates along the straight line from either kidney to the bladder.
fn ureters(c: &[Candidate], out: &mut [Proposal], kidneys: [usize; 2], bladder: usize, kz: f64) {
    let b = c[bladder].lesion.centroid_mm;
    for i in 0..c.len() {
        let l = &c[i].lesion;
        let p = l.max_position_mm;
        if out[i].is_some() || l.volume_ml > URETER_ML || p.z <= b.z || p.z >= kz {
            continue;
        }
        let near = kidneys
            .iter()
            .any(|&k| line_distance(c[k].lesion.centroid_mm, b, p) <= URETER_LINE_MM);
        if near {
            out[i] = Some((Organ::Ureter, "on the kidney-bladder line"));
        }
    }
}

/// Transverse distance of `p` from the line from `top` to `bottom`, at `p`'s height.
fn line_distance(top: DVec3, bottom: DVec3, p: DVec3) -> f64 {
    let t = ((p.z - top.z) / (bottom.z - top.z)).clamp(0.0, 1.0);
    let q = top + (bottom - top) * t;
    (p.truncate() - q.truncate()).length()
}

/// The largest candidate in the chest at or left of the midline and not posterior.
fn heart(body: &Body, c: &[Candidate], taken: &[Proposal], kz: f64) -> Option<usize> {
    (0..c.len())
        .filter(|&i| taken[i].is_none())
        .filter(|&i| {
            let l = &c[i].lesion;
            let m = l.centroid_mm;
            l.volume_ml >= HEART_ML
                && (HEART_ABOVE_KIDNEYS.0..=HEART_ABOVE_KIDNEYS.1).contains(&(m.z - kz))
                && body.dx(m.x) >= -HEART_RIGHT_MM
                && m.y <= body.y_centre(m.z) + HEART_POSTERIOR_MM
        })
        .max_by(|&i, &j| c[i].lesion.volume_ml.total_cmp(&c[j].lesion.volume_ml))
}

/// Brain at the top of the head; midline or mirrored uptake in the head and neck.
fn head_and_neck(body: &Body, c: &[Candidate], out: &mut [Proposal], floor: f64) {
    let region: Vec<usize> = (0..c.len())
        .filter(|&i| out[i].is_none() && c[i].lesion.centroid_mm.z >= floor)
        .collect();
    for &i in &region {
        let l = &c[i].lesion;
        if l.bbox_max_mm.z >= body.top_z - BRAIN_FROM_TOP
            && l.suv_max >= BRAIN_SUV_MAX
            && body.dx(l.centroid_mm.x).abs() <= BRAIN_DX
        {
            out[i] = Some((Organ::Brain, "hot, at the top of the head"));
        }
    }
    for &i in &region {
        if out[i].is_some() {
            continue;
        }
        let p = c[i].lesion.max_position_mm;
        let dx = body.dx(p.x);
        let mirrored = region.iter().any(|&j| {
            let q = c[j].lesion.max_position_mm;
            let dq = body.dx(q.x);
            j != i
                && dx * dq < 0.0
                && (dx.abs() - dq.abs()).abs() <= MIRROR_DX_MM
                && (p.z - q.z).abs() <= MIRROR_DZ_MM
        });
        if dx.abs() <= NECK_MIDLINE_MM {
            out[i] = Some((Organ::HeadNeck, "head and neck, midline"));
        } else if mirrored {
            out[i] = Some((Organ::HeadNeck, "head and neck, mirrored left and right"));
        }
    }
}

/// A large, even, right-sided upper-abdominal candidate.
fn liver(body: &Body, c: &[Candidate], out: &mut [Proposal], kz: f64) {
    for i in 0..c.len() {
        let l = &c[i].lesion;
        let m = l.centroid_mm;
        if out[i].is_none()
            && l.volume_ml >= LIVER_ML
            && body.dx(m.x) < 0.0
            && (LIVER_ABOVE_KIDNEYS.0..=LIVER_ABOVE_KIDNEYS.1).contains(&(m.z - kz))
            && l.suv_max <= LIVER_MAX_OVER_MEAN * l.suv_mean
        {
            out[i] = Some((Organ::Liver, "large, even, right upper abdomen"));
        }
    }
}

/// Moderate, elongated candidates in the abdomen and pelvis.
fn bowel(c: &[Candidate], out: &mut [Proposal], floor: f64, ceiling: f64) {
    for i in 0..c.len() {
        let l = &c[i].lesion;
        let z = l.centroid_mm.z;
        let e = c[i].f.extent_mm;
        let (long, short) = (e.max_element(), e.min_element().max(1.0));
        if out[i].is_none()
            && z > floor
            && z < ceiling
            && l.suv_max < BOWEL_SUV_MAX
            && long >= BOWEL_ELONGATION * short
        {
            out[i] = Some((Organ::Bowel, "moderate, elongated, abdomen or pelvis"));
        }
    }
}
