//! What a lesion's category changes: the totals (suspicious lesions only), the label values a
//! renderer draws, and the lists the reports print. All pure functions of a result, so a
//! user's change of category is applied by editing the lesions and recomputing.

use glam::DVec3;
use serde::Serialize;

use super::{Category, HotspotResult, Lesion};
use crate::volume::Geometry;

/// An override finds its lesion again when the lesion's SUVmax voxel centre lies within this
/// distance (mm) of the override's point.
pub const OVERRIDE_MATCH_MM: f64 = 10.0;

/// A user's category for the lesion at a point (its SUVmax voxel centre when it was set), so
/// that it survives re-segmentation (see [`apply_overrides`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CategoryOverride {
    /// Patient point (LPS mm).
    pub point_mm: DVec3,
    /// The category the user chose.
    pub category: Category,
}

/// `result` with the user's overrides applied and totals recomputed. An override applies to
/// the lesion whose SUVmax voxel centre lies nearest its point within [`OVERRIDE_MATCH_MM`];
/// failing that, to the lesion whose label holds the PET voxel containing the point
/// (`geometry`: the PET grid of `result.labels`). Later overrides win over earlier ones for
/// the same lesion; ids and order do not change.
pub fn apply_overrides(
    result: &HotspotResult,
    overrides: &[CategoryOverride],
    geometry: &Geometry,
) -> HotspotResult {
    let mut r = result.clone();
    for o in overrides {
        let Some(k) = nearest_max(&r.lesions, o.point_mm).or_else(|| containing(&r, o, geometry))
        else {
            continue;
        };
        let l = &mut r.lesions[k];
        l.category = o.category;
        l.triage_note = "set by the user".into();
    }
    r.recompute_totals();
    r
}

/// Index of the lesion whose SUVmax voxel centre lies nearest `p`, within
/// [`OVERRIDE_MATCH_MM`].
fn nearest_max(lesions: &[Lesion], p: DVec3) -> Option<usize> {
    lesions
        .iter()
        .enumerate()
        .map(|(k, l)| (k, l.max_position_mm.distance(p)))
        .filter(|&(_, d)| d <= OVERRIDE_MATCH_MM)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

/// Index of the lesion labelled at the PET voxel containing the override's point.
fn containing(r: &HotspotResult, o: &CategoryOverride, g: &Geometry) -> Option<usize> {
    let v = g.patient_to_voxel(o.point_mm).round();
    let [nx, ny, nz] = g.dims;
    let inside =
        v.min_element() >= 0.0 && (v.x as usize) < nx && (v.y as usize) < ny && (v.z as usize) < nz;
    if !inside {
        return None;
    }
    let id = *r
        .labels
        .get(v.x as usize + nx * (v.y as usize + ny * v.z as usize))?;
    r.lesions.iter().position(|l| id != 0 && l.id == id as u32)
}

/// Label values with this bit set mark physiologic lesions drawn quietly (grey outline, no
/// glow); the lesion's id is the value without the bit. Ids therefore stay below it.
pub const QUIET_LABEL_BIT: u16 = 0x8000;
/// The most lesions one result holds (ids 1 to this).
pub const MAX_LESIONS: usize = (QUIET_LABEL_BIT - 1) as usize;

/// Totals over the suspicious lesions.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Totals {
    /// Number of suspicious lesions.
    pub count: usize,
    /// Sum of their volumes (mL).
    pub mtv_ml: f64,
    /// Sum of their TLGs.
    pub tlg: f64,
}

/// Totals over the suspicious lesions of `lesions`; physiologic and ignored ones do not count.
pub fn totals(lesions: &[Lesion]) -> Totals {
    lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .fold(Totals::default(), |t, l| Totals {
            count: t.count + 1,
            mtv_ml: t.mtv_ml + l.volume_ml,
            tlg: t.tlg + l.tlg,
        })
}

/// How physiologic lesions are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum PhysiologicStyle {
    /// A grey outline in slices, no glow in 3D.
    #[default]
    Quiet,
    /// Not drawn.
    Hidden,
}

impl HotspotResult {
    /// Recomputes the totals from the lesions' categories (after a change of category).
    pub fn recompute_totals(&mut self) {
        let t = totals(&self.lesions);
        self.total_mtv_ml = t.mtv_ml;
        self.total_tlg = t.tlg;
    }

    /// Totals over the suspicious lesions.
    pub fn totals(&self) -> Totals {
        totals(&self.lesions)
    }

    /// Sets lesion `id`'s category and recomputes the totals; returns whether `id` exists.
    pub fn set_category(&mut self, id: u32, category: Category) -> bool {
        let Some(l) = self.lesions.iter_mut().find(|l| l.id == id) else {
            return false;
        };
        l.category = category;
        l.triage_note = "set by the user".into();
        self.recompute_totals();
        true
    }

    /// The same result listing only its suspicious lesions (labels and totals unchanged).
    pub fn suspicious_only(&self) -> HotspotResult {
        let mut r = self.clone();
        r.lesions.retain(|l| l.category == Category::Suspicious);
        r
    }

    /// The label volume as a renderer draws it: suspicious lesions keep their id, physiologic
    /// ones get `id | QUIET_LABEL_BIT` ([`PhysiologicStyle::Quiet`]) or 0 (hidden), ignored
    /// ones 0.
    pub fn display_labels(&self, style: PhysiologicStyle) -> Vec<u16> {
        let map = self.display_map(style);
        self.labels
            .iter()
            .map(|&v| map.get(v as usize).copied().unwrap_or(0))
            .collect()
    }

    /// The value each lesion id has in [`Self::display_labels`], indexed by id (0: not
    /// drawn); for images that draw the labels themselves (the MIP).
    pub fn display_map(&self, style: PhysiologicStyle) -> Vec<u16> {
        let mut map = vec![0u16; self.lesions.iter().map(|l| l.id).max().unwrap_or(0) as usize + 1];
        for l in &self.lesions {
            map[l.id as usize] = shown(l, style);
        }
        map
    }

    /// The value lesion `id` has in [`Self::display_labels`] (0: not drawn), for selection.
    pub fn display_id(&self, id: u32, style: PhysiologicStyle) -> u16 {
        self.lesions
            .iter()
            .find(|l| l.id == id)
            .map_or(0, |l| shown(l, style))
    }
}

/// A lesion's display label value (see [`HotspotResult::display_labels`]).
fn shown(l: &Lesion, style: PhysiologicStyle) -> u16 {
    // Ids stay below the bit (MAX_LESIONS); masking keeps a bad id from turning quiet.
    let id = u16::try_from(l.id).unwrap_or(0) & !QUIET_LABEL_BIT;
    match (l.category, style) {
        (Category::Suspicious, _) => id,
        (Category::Physiologic { .. }, PhysiologicStyle::Quiet) => id | QUIET_LABEL_BIT,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Organ;

    fn result() -> HotspotResult {
        let v = crate::volume::Volume::new(
            crate::volume::Geometry::axial([4, 1, 1], [1.0; 3], glam::DVec3::ZERO),
            vec![9.0, 5.0, 3.0, 0.0],
            crate::volume::Unit::SuvBw,
        )
        .unwrap();
        let params = crate::analysis::HotspotParams {
            min_volume_ml: 0.0,
            triage: false,
            method: crate::analysis::Method::Absolute { suv: 10.0 },
            ..Default::default()
        };
        let mut r = crate::analysis::find_hotspots(&v, None, &params).unwrap();
        // Three one-voxel lesions, hand-made: 1 and 2 suspicious, 3 physiologic.
        let template = crate::analysis::measure::Measurer::new(&v, None).measure(&[0], 2.5);
        r.lesions = (1..=3)
            .map(|id| Lesion {
                id,
                volume_ml: id as f64,
                tlg: 10.0 * id as f64,
                ..template.clone()
            })
            .collect();
        r.lesions[2].category = Category::Physiologic {
            organ: Organ::Bladder,
        };
        r.labels = vec![1, 2, 3, 0];
        r.recompute_totals();
        r
    }

    #[test]
    fn totals_count_suspicious_lesions_and_follow_overrides() {
        let mut r = result();
        assert_eq!(r.totals().count, 2);
        assert_eq!(r.total_mtv_ml, 3.0);
        assert_eq!(r.total_tlg, 30.0);
        assert!(r.set_category(1, Category::Ignored));
        assert!(r.set_category(3, Category::Suspicious));
        assert_eq!(
            (r.totals().count, r.total_mtv_ml, r.total_tlg),
            (2, 5.0, 50.0)
        );
        assert!(!r.set_category(9, Category::Ignored));
        assert_eq!(r.suspicious_only().lesions.len(), 2);
    }

    #[test]
    fn display_labels_mark_physiologic_lesions_quiet_or_hide_them() {
        let mut r = result();
        r.lesions[1].category = Category::Ignored;
        let quiet = r.display_labels(PhysiologicStyle::Quiet);
        assert_eq!(quiet, vec![1, 0, 3 | QUIET_LABEL_BIT, 0]);
        assert_eq!(r.display_labels(PhysiologicStyle::Hidden), vec![1, 0, 0, 0]);
        assert_eq!(
            r.display_id(3, PhysiologicStyle::Quiet),
            3 | QUIET_LABEL_BIT
        );
        assert_eq!(r.display_id(2, PhysiologicStyle::Quiet), 0);
    }
}
