//! Measurements the reader places in the slice panes, free of windows: rulers and spherical
//! or ellipsoidal ROIs with their statistics ([`crate::analysis::roi_stats`]), the active
//! tool and the shape being drawn.
//!
//! ROI figures are derived from the study: [`Measurements::sync`] compares a small key (the
//! PET and CT volumes, the PET factor and whether it is SUV) with the one the figures were
//! computed for and recomputes them when it differs, so corrected SUV inputs or another PET
//! series update every ROI. Opening another study clears the list
//! ([`super::reading::ReadingModel::open`]).
//!
//! Drawing in a pane: an ROI is an ellipsoid with axes along the patient axes, which are the
//! axes of the axial, coronal and sagittal panes. A sphere's radius is the drag's length; an
//! ellipse's in-plane radii are the drag's extents along the pane's right and down, and its
//! through-plane radius is the smaller of the two (a conservative guess: a lesion is seldom
//! longer across slices than its smaller in-plane extent, and a smaller ROI is less likely to
//! take in a hotter neighbour).

use std::sync::Arc;

use glam::{DVec3, Vec2};

use crate::analysis::{roi_stats, Ellipsoid, PetScale, RoiStats, Ruler};
use crate::render::mpr::{MprOrientation, MprPlane};
use crate::study::ViewStudy;

/// Smallest ROI radius a drag makes, mm: a click without a drag makes none.
pub const MIN_RADIUS_MM: f64 = 1.0;
/// Shortest ruler a drag makes, mm.
pub const MIN_RULER_MM: f64 = 0.5;
/// A measurement is drawn in a pane whose plane passes within this distance, mm (half a
/// usual 3 mm CT slice).
pub const PLANE_TOLERANCE_MM: f32 = 1.5;

/// The measuring tool the slice panes' left button uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tool {
    /// No tool: the left button keeps its usual job.
    #[default]
    None,
    Ruler,
    SphereRoi,
    EllipseRoi,
}

impl Tool {
    /// All tools, in the panel's order.
    pub const ALL: [Tool; 4] = [Tool::None, Tool::Ruler, Tool::SphereRoi, Tool::EllipseRoi];

    /// Label for buttons.
    pub fn label(self) -> &'static str {
        match self {
            Tool::None => "None",
            Tool::Ruler => "Ruler",
            Tool::SphereRoi => "Sphere ROI",
            Tool::EllipseRoi => "Ellipse ROI",
        }
    }
}

/// A region of interest and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Roi {
    pub shape: Ellipsoid,
    /// The pane orientation it was drawn in (`None`: from a script).
    pub drawn_in: Option<MprOrientation>,
    /// Figures for the current study; `None` before the first [`Measurements::sync`] or when
    /// they could not be computed (see `error`).
    pub stats: Option<RoiStats>,
    pub error: Option<String>,
}

/// What a measurement is.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Ruler(Ruler),
    Roi(Roi),
}

/// One measurement in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Unique within the list, from 1, never reused until the list is cleared.
    pub id: u32,
    pub shape: Shape,
}

impl Measurement {
    /// The figures in a line or two, as panes label it and the panel lists it: the ruler's
    /// length; the ROI's SUVmax, mean and peak (or the PET in its own units, named), volume
    /// and HU mean ± SD.
    pub fn summary(&self) -> String {
        let id = self.id;
        match &self.shape {
            Shape::Ruler(r) => format!("#{id} ruler {:.1} mm", r.length_mm()),
            Shape::Roi(roi) => format!("#{id} {}", roi_summary(roi)),
        }
    }
}

fn roi_summary(roi: &Roi) -> String {
    if let Some(e) = &roi.error {
        return format!("error: {e}");
    }
    let Some(stats) = &roi.stats else {
        return "no figures (no study)".into();
    };
    let pet = match &stats.pet {
        Some(p) if p.is_suv => format!(
            "SUVmax {:.2} mean {:.2} peak {:.2}\n{:.2} mL",
            p.max, p.mean, p.peak, p.volume_ml
        ),
        Some(p) => format!(
            "PET max {} mean {} peak {} {} (no SUV)\n{:.2} mL",
            value(p.max),
            value(p.mean),
            value(p.peak),
            p.units,
            p.volume_ml
        ),
        None => "no PET voxel inside\n".into(),
    };
    match &stats.ct {
        Some(c) => format!("{pet}  HU {:.0} ± {:.0}", c.hu_mean, c.hu_sd),
        None => pet,
    }
}

/// A PET value in units whose size is not known (Bq/mL: thousands; counts: anything).
fn value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// A ruler or ROI being drawn: where the drag started and where it is now, in the plane of
/// the pane it started in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draft {
    pub tool: Tool,
    pub start: DVec3,
    pub end: DVec3,
    /// Unit directions of the pane's screen right and down (patient space).
    pub right: DVec3,
    pub down: DVec3,
    pub drawn_in: Option<MprOrientation>,
}

impl Draft {
    /// A draft starting at `start` in `plane`.
    pub fn new(tool: Tool, start: DVec3, plane: &MprPlane) -> Self {
        let (right, down) = (
            plane.u.normalize_or_zero().as_dvec3(),
            plane.v.normalize_or_zero().as_dvec3(),
        );
        Self {
            tool,
            start,
            end: start,
            right,
            down,
            drawn_in: orientation_of(right, down),
        }
    }

    /// The shape the draft would make now (`None`: too small yet, or no tool).
    pub fn shape(&self) -> Option<Shape> {
        let d = self.end - self.start;
        match self.tool {
            Tool::None => None,
            Tool::Ruler => (d.length() >= MIN_RULER_MM).then_some(Shape::Ruler(Ruler {
                a: self.start,
                b: self.end,
            })),
            Tool::SphereRoi => self.roi(Ellipsoid::sphere(self.start, d.length())),
            Tool::EllipseRoi => {
                let (ru, rv) = (d.dot(self.right).abs(), d.dot(self.down).abs());
                let normal = self.right.cross(self.down);
                let radii =
                    self.right.abs() * ru + self.down.abs() * rv + normal.abs() * ru.min(rv);
                self.roi(Ellipsoid {
                    centre: self.start,
                    radii,
                })
            }
        }
    }

    fn roi(&self, shape: Ellipsoid) -> Option<Shape> {
        (shape.radii.min_element() >= MIN_RADIUS_MM).then_some(Shape::Roi(Roi {
            shape,
            drawn_in: self.drawn_in,
            stats: None,
            error: None,
        }))
    }
}

/// The pane orientation whose right and down these are, if any.
fn orientation_of(right: DVec3, down: DVec3) -> Option<MprOrientation> {
    MprOrientation::ALL.into_iter().find(|o| {
        let (r, d, _) = o.axes();
        r.as_dvec3().dot(right) > 0.999 && d.as_dvec3().dot(down) > 0.999
    })
}

/// What ROI figures were computed from; a different key means they are stale.
#[derive(Debug, Clone, PartialEq)]
struct StatsKey {
    pet: Option<usize>,
    ct: Option<usize>,
    factor_bits: u64,
    units: String,
    suv: bool,
}

impl StatsKey {
    fn of(study: Option<&ViewStudy>) -> Option<Self> {
        let s = study?;
        // The volumes' addresses: another series or study means other figures.
        fn addr<T>(v: &Option<Arc<crate::volume::Volume<T>>>) -> Option<usize> {
            v.as_ref().map(|v| Arc::as_ptr(v) as usize)
        }
        Some(Self {
            pet: addr(&s.pet),
            ct: addr(&s.ct),
            factor_bits: s.pet_display_factor.to_bits(),
            units: s.pet_units_label.clone(),
            suv: s.suv_available,
        })
    }
}

/// The measurement list, the active tool and the draft.
#[derive(Debug, Default)]
pub struct Measurements {
    items: Vec<Measurement>,
    next_id: u32,
    /// The tool the left button uses in slice panes.
    pub tool: Tool,
    /// The shape being drawn, shown in every pane it intersects.
    pub draft: Option<Draft>,
    key: Option<StatsKey>,
}

impl Measurements {
    /// The measurements, oldest first.
    pub fn items(&self) -> &[Measurement] {
        &self.items
    }

    /// Adds a ruler; returns its id.
    pub fn add_ruler(&mut self, a: DVec3, b: DVec3) -> u32 {
        self.push(Shape::Ruler(Ruler { a, b }))
    }

    /// Adds an ROI measured over `study`; returns its id.
    pub fn add_roi(
        &mut self,
        shape: Ellipsoid,
        drawn_in: Option<MprOrientation>,
        study: Option<&ViewStudy>,
    ) -> u32 {
        let mut roi = Roi {
            shape,
            drawn_in,
            stats: None,
            error: None,
        };
        measure(&mut roi, study);
        self.push(Shape::Roi(roi))
    }

    /// Adds what a finished draft makes (nothing when it is too small); returns its id.
    pub fn commit(&mut self, draft: &Draft, study: Option<&ViewStudy>) -> Option<u32> {
        Some(match draft.shape()? {
            Shape::Ruler(r) => self.add_ruler(r.a, r.b),
            Shape::Roi(r) => self.add_roi(r.shape, r.drawn_in, study),
        })
    }

    fn push(&mut self, shape: Shape) -> u32 {
        self.next_id += 1;
        self.items.push(Measurement {
            id: self.next_id,
            shape,
        });
        self.next_id
    }

    /// Deletes a measurement; returns whether it existed.
    pub fn delete(&mut self, id: u32) -> bool {
        let before = self.items.len();
        self.items.retain(|m| m.id != id);
        self.items.len() != before
    }

    /// Removes every measurement and the draft; ids start again from 1. The tool stays.
    pub fn clear(&mut self) {
        self.items.clear();
        self.next_id = 0;
        self.draft = None;
        self.key = None;
    }

    /// Recomputes the ROI figures when the study's PET, CT or PET scale changed since they
    /// were computed (cheap otherwise: call it every frame).
    pub fn sync(&mut self, study: Option<&ViewStudy>) {
        let key = StatsKey::of(study);
        if key == self.key {
            return;
        }
        self.key = key;
        for m in &mut self.items {
            if let Shape::Roi(roi) = &mut m.shape {
                measure(roi, study);
            }
        }
    }
}

/// Measures an ROI over a study (its figures become `None` without one).
fn measure(roi: &mut Roi, study: Option<&ViewStudy>) {
    let Some(s) = study else {
        roi.stats = None;
        roi.error = None;
        return;
    };
    let scale = PetScale {
        factor: s.pet_display_factor,
        units: s.pet_units_label.clone(),
        is_suv: s.suv_available,
    };
    match roi_stats(
        &roi.shape,
        s.pet.as_deref().map(|p| (p, &scale)),
        s.ct.as_deref(),
    ) {
        Ok(stats) => {
            roi.stats = Some(stats);
            roi.error = None;
        }
        Err(e) => {
            roi.stats = None;
            roi.error = Some(e.to_string());
        }
    }
}

/// The ellipse an ROI cuts from a pane's plane: centre and semi-axes (right, down) in the
/// pane's pixels; `None` when the plane misses it.
pub fn roi_section(shape: &Ellipsoid, plane: &MprPlane) -> Option<(Vec2, Vec2)> {
    let (u, v) = (plane.u.as_dvec3(), plane.v.as_dvec3());
    let (du, dv) = (u.normalize_or_zero(), v.normalize_or_zero());
    let normal = du.cross(dv);
    let c = shape.centre;
    // Distance of the centre from the plane, against the radius along the normal.
    let d = (c - plane.origin.as_dvec3()).dot(normal);
    let rn = shape.radii.dot(normal.abs());
    let k = 1.0 - (d / rn).powi(2);
    if k < 0.0 {
        return None;
    }
    let s = k.sqrt();
    let semi = Vec2::new(
        (shape.radii.dot(du.abs()) * s / u.length()) as f32,
        (shape.radii.dot(dv.abs()) * s / v.length()) as f32,
    );
    Some((plane.pixel_of(c.as_vec3()), semi))
}

/// A ruler's ends in a pane's pixels when it comes within [`PLANE_TOLERANCE_MM`] of the
/// plane, with whether it lies in the plane (both ends within the tolerance) rather than
/// crossing it.
pub fn ruler_section(ruler: &Ruler, plane: &MprPlane) -> Option<(Vec2, Vec2, bool)> {
    let normal = plane.u.cross(plane.v).normalize_or_zero();
    let dist = |p: DVec3| (p.as_vec3() - plane.origin).dot(normal);
    let (da, db) = (dist(ruler.a), dist(ruler.b));
    let near = |d: f32| d.abs() <= PLANE_TOLERANCE_MM;
    let crosses = da.signum() != db.signum();
    if !(near(da) || near(db) || crosses) {
        return None;
    }
    Some((
        plane.pixel_of(ruler.a.as_vec3()),
        plane.pixel_of(ruler.b.as_vec3()),
        near(da) && near(db),
    ))
}

#[cfg(test)]
#[path = "measurements_tests.rs"]
mod tests;
