//! Solid shapes in patient space (LPS mm) and a painter's-order scene that rasterises them row by
//! row: each shape reports the x-intervals it covers on a row of constant (y, z), so that filling a
//! row costs about one write per covered voxel rather than one inside-test per shape per voxel.

use glam::{DMat3, DVec2, DVec3};
use std::f64::consts::{FRAC_PI_2, PI};

/// Axis-aligned bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Aabb {
    pub min: DVec3,
    pub max: DVec3,
}

impl Aabb {
    /// The box from `min` to `max`.
    pub fn new(min: DVec3, max: DVec3) -> Self {
        Self { min, max }
    }

    /// True when the row at (y, z) passes through the box.
    #[inline]
    fn has_row(&self, y: f64, z: f64) -> bool {
        y >= self.min.y && y <= self.max.y && z >= self.min.z && z <= self.max.z
    }

    /// True when the box overlaps the slab `z0 <= z <= z1`.
    #[inline]
    fn overlaps_z(&self, z0: f64, z1: f64) -> bool {
        self.max.z >= z0 && self.min.z <= z1
    }

    /// Smallest box holding both.
    pub fn union(&self, other: &Aabb) -> Aabb {
        Aabb::new(self.min.min(other.min), self.max.max(other.max))
    }
}

/// The x-intervals (mm) a shape covers on one row, at most two. When `exact` is false the
/// intervals are only candidates and every voxel in them must be tested with `contains`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spans {
    pub n: usize,
    pub iv: [(f64, f64); 2],
    pub exact: bool,
}

impl Spans {
    fn exact() -> Self {
        Self {
            exact: true,
            ..Self::default()
        }
    }

    fn push(&mut self, lo: f64, hi: f64) {
        if lo <= hi && self.n < 2 {
            self.iv[self.n] = (lo, hi);
            self.n += 1;
        }
    }

    /// The pair `[-outer, -inner]` and `[inner, outer]` mirrored about `x = cx`.
    fn push_mirrored(&mut self, cx: f64, inner: f64, outer: f64) {
        if inner <= 0.0 {
            self.push(cx - outer, cx + outer);
        } else {
            self.push(cx - outer, cx - inner);
            self.push(cx + inner, cx + outer);
        }
    }

    #[cfg(test)]
    fn covers(&self, x: f64) -> bool {
        self.iv[..self.n].iter().any(|&(lo, hi)| x >= lo && x <= hi)
    }
}

/// Half-width along x of the ellipse (centre `cy`, semi-axes `a`, `b`) at height `y`, if any.
#[inline]
fn ellipse_half_width(y: f64, cy: f64, a: f64, b: f64) -> Option<f64> {
    if a <= 0.0 || b <= 0.0 {
        return None;
    }
    let t = (y - cy) / b;
    let q = 1.0 - t * t;
    (q >= 0.0).then(|| a * q.sqrt())
}

/// Interval of x where `qa x^2 + qb x + qc <= 0`, for `qa > 0`.
#[inline]
fn quadratic_interval(qa: f64, qb: f64, qc: f64) -> Option<(f64, f64)> {
    let disc = qb * qb - 4.0 * qa * qc;
    if disc < 0.0 || qa <= 0.0 {
        return None;
    }
    let s = disc.sqrt();
    Some(((-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)))
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// An ellipsoid with arbitrary orientation.
#[derive(Debug, Clone)]
pub(crate) struct Ellipsoid {
    centre: DVec3,
    /// Maps `p - centre` to the unit ball: `diag(1 / radii) * rotation^T`.
    to_unit: DMat3,
    half_extent: DVec3,
}

impl Ellipsoid {
    /// An ellipsoid whose semi-axes `radii` lie along the columns of `rotation`.
    pub fn new(centre: DVec3, radii: DVec3, rotation: DMat3) -> Self {
        let inv_r = DMat3::from_diagonal(DVec3::ONE / radii);
        let scaled = rotation * DMat3::from_diagonal(radii);
        let row = |i: usize| scaled.row(i).length();
        Self {
            centre,
            to_unit: inv_r * rotation.transpose(),
            half_extent: DVec3::new(row(0), row(1), row(2)),
        }
    }

    /// An axis-aligned ellipsoid.
    pub fn axis_aligned(centre: DVec3, radii: DVec3) -> Self {
        Self::new(centre, radii, DMat3::IDENTITY)
    }

    fn bbox(&self) -> Aabb {
        Aabb::new(
            self.centre - self.half_extent,
            self.centre + self.half_extent,
        )
    }

    fn spans(&self, y: f64, z: f64, out: &mut Spans) {
        let u = self.to_unit * DVec3::new(-self.centre.x, y - self.centre.y, z - self.centre.z);
        let v = self.to_unit.x_axis;
        if let Some((lo, hi)) = quadratic_interval(v.dot(v), 2.0 * u.dot(v), u.dot(u) - 1.0) {
            out.push(lo, hi);
        }
    }
}

/// A horizontal elliptical cross-section of a [`Prism`] at height `z`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section {
    pub z: f64,
    pub centre: DVec2,
    pub radii: DVec2,
}

impl Section {
    /// A section at `z` centred at `(cx, cy)` with semi-axes `(a, b)`.
    pub fn new(z: f64, cx: f64, cy: f64, a: f64, b: f64) -> Self {
        Self {
            z,
            centre: DVec2::new(cx, cy),
            radii: DVec2::new(a, b),
        }
    }
}

/// Finds the section at `z` by linear interpolation of a z-sorted profile; `None` outside it.
fn section_at(profile: &[Section], z: f64) -> Option<Section> {
    let first = profile.first()?;
    let last = profile.last()?;
    if z < first.z || z > last.z {
        return None;
    }
    let i = profile.partition_point(|s| s.z <= z);
    let s1 = profile.get(i).unwrap_or(last);
    let s0 = profile.get(i.saturating_sub(1)).unwrap_or(first);
    let t = if s1.z > s0.z {
        ((z - s0.z) / (s1.z - s0.z)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some(Section {
        z,
        centre: s0.centre.lerp(s1.centre, t),
        radii: s0.radii.lerp(s1.radii, t),
    })
}

/// A generalised elliptic cylinder along z whose cross-section varies piecewise-linearly.
#[derive(Debug, Clone)]
pub(crate) struct Prism {
    profile: Vec<Section>,
}

impl Prism {
    /// A prism through the given sections (sorted by z here).
    pub fn new(mut profile: Vec<Section>) -> Self {
        profile.sort_by(|a, b| a.z.total_cmp(&b.z));
        Self { profile }
    }

    /// A straight elliptic cylinder from `z0` to `z1`.
    pub fn cylinder(cx: f64, cy: f64, a: f64, b: f64, z0: f64, z1: f64) -> Self {
        Self::new(vec![
            Section::new(z0, cx, cy, a, b),
            Section::new(z1, cx, cy, a, b),
        ])
    }

    fn bbox(&self) -> Aabb {
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for s in &self.profile {
            lo = lo.min((s.centre - s.radii).extend(s.z));
            hi = hi.max((s.centre + s.radii).extend(s.z));
        }
        Aabb::new(lo, hi)
    }

    fn spans(&self, y: f64, z: f64, out: &mut Spans) {
        if let Some(s) = section_at(&self.profile, z) {
            if let Some(w) = ellipse_half_width(y, s.centre.y, s.radii.x, s.radii.y) {
                out.push(s.centre.x - w, s.centre.x + w);
            }
        }
    }
}

/// All points within `radius` of the segment from `a` to `b`.
#[derive(Debug, Clone)]
pub(crate) struct Capsule {
    a: DVec3,
    b: DVec3,
    radius: f64,
}

impl Capsule {
    /// A capsule around the segment `a`-`b`.
    pub fn new(a: DVec3, b: DVec3, radius: f64) -> Self {
        Self { a, b, radius }
    }

    fn bbox(&self) -> Aabb {
        let r = DVec3::splat(self.radius);
        Aabb::new(self.a.min(self.b) - r, self.a.max(self.b) + r)
    }

    fn sphere_interval(&self, c: DVec3, y: f64, z: f64) -> Option<(f64, f64)> {
        let q = self.radius * self.radius - (y - c.y).powi(2) - (z - c.z).powi(2);
        (q >= 0.0).then(|| (c.x - q.sqrt(), c.x + q.sqrt()))
    }

    /// Points of the row whose projection falls inside the segment and within `radius` of it.
    fn cylinder_interval(&self, y: f64, z: f64) -> Option<(f64, f64)> {
        let d = self.b - self.a;
        let l2 = d.length_squared();
        if l2 <= 0.0 {
            return None;
        }
        // w(x) = w0 + x e_x;  t(x) = w.d / l2;  perp^2 = |w|^2 - (w.d)^2 / l2.
        let w0 = DVec3::new(-self.a.x, y - self.a.y, z - self.a.z);
        let wd0 = w0.dot(d);
        let qa = 1.0 - d.x * d.x / l2;
        let qb = 2.0 * (w0.x - wd0 * d.x / l2);
        let qc = w0.length_squared() - wd0 * wd0 / l2 - self.radius * self.radius;
        let (mut lo, mut hi) = if qa > 1e-12 {
            quadratic_interval(qa, qb, qc)?
        } else if qc <= 0.0 {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            return None;
        };
        if d.x.abs() > 1e-12 {
            let x_at = |t: f64| (t * l2 - wd0) / d.x;
            let (t0, t1) = (x_at(0.0), x_at(1.0));
            lo = lo.max(t0.min(t1));
            hi = hi.min(t0.max(t1));
        } else if !(0.0..=l2).contains(&wd0) {
            return None;
        }
        (lo <= hi).then_some((lo, hi))
    }

    fn spans(&self, y: f64, z: f64, out: &mut Spans) {
        let parts = [
            self.sphere_interval(self.a, y, z),
            self.sphere_interval(self.b, y, z),
            self.cylinder_interval(y, z),
        ];
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for (l, h) in parts.into_iter().flatten() {
            lo = lo.min(l);
            hi = hi.max(h);
        }
        out.push(lo, hi);
    }
}

/// A cross-section of an [`ArcBand`]: an elliptical ring (mid-line semi-axes `radii`, centred
/// at `(0, cy)`) of the given half thickness, at height `z`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandSection {
    pub z: f64,
    pub cy: f64,
    pub radii: DVec2,
    pub half_thickness: f64,
}

impl BandSection {
    /// A band section at `z`.
    pub fn new(z: f64, cy: f64, a: f64, b: f64, thickness: f64) -> Self {
        Self {
            z,
            cy,
            radii: DVec2::new(a, b),
            half_thickness: thickness / 2.0,
        }
    }
}

/// Fraction of the way from the posterior (0) to the anterior (1) end of an [`ArcBand`] at
/// angle `theta`.
pub(crate) fn anterior_fraction(theta: f64) -> f64 {
    (FRAC_PI_2 - theta) / PI
}

/// A pair of curved bony bands mirrored about the sagittal plane `x = 0`: a part of an
/// elliptical ring limited to the angles `theta` (measured on the normalised ellipse with
/// `|x|`: -pi/2 anterior, 0 lateral, +pi/2 posterior). Ribs use `drop`: the band's height falls
/// by `drop` mm from its posterior end to the anterior end. Iliac wings use a z-varying profile.
#[derive(Debug, Clone)]
pub(crate) struct ArcBand {
    sections: Vec<BandSection>,
    theta: [f64; 2],
    drop: f64,
}

impl ArcBand {
    /// A band through the given sections (sorted by z here).
    pub fn new(mut sections: Vec<BandSection>, theta: [f64; 2], drop: f64) -> Self {
        sections.sort_by(|a, b| a.z.total_cmp(&b.z));
        Self {
            sections,
            theta,
            drop,
        }
    }

    fn z_range(&self) -> (f64, f64) {
        let z0 = self.sections.first().map_or(0.0, |s| s.z);
        let z1 = self.sections.last().map_or(0.0, |s| s.z);
        (z0, z1)
    }

    fn section_at(&self, z: f64) -> BandSection {
        let (z0, z1) = self.z_range();
        let z = z.clamp(z0, z1);
        let i = self.sections.partition_point(|s| s.z <= z);
        let (s0, s1) = match (
            i.checked_sub(1).and_then(|k| self.sections.get(k)),
            self.sections.get(i),
        ) {
            (Some(a), Some(b)) => (*a, *b),
            (Some(a), None) => (*a, *a),
            (None, Some(b)) => (*b, *b),
            (None, None) => return BandSection::new(z, 0.0, 0.0, 0.0, 0.0),
        };
        let t = if s1.z > s0.z {
            (z - s0.z) / (s1.z - s0.z)
        } else {
            0.0
        };
        BandSection {
            z,
            cy: lerp(s0.cy, s1.cy, t),
            radii: s0.radii.lerp(s1.radii, t),
            half_thickness: lerp(s0.half_thickness, s1.half_thickness, t),
        }
    }

    fn bbox(&self) -> Aabb {
        let (z0, z1) = self.z_range();
        let mut lo = DVec3::new(f64::INFINITY, f64::INFINITY, z0 - self.drop.max(0.0));
        let mut hi = DVec3::new(
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
            z1 - self.drop.min(0.0),
        );
        for s in &self.sections {
            let r = s.radii + DVec2::splat(s.half_thickness);
            lo.x = lo.x.min(-r.x);
            hi.x = hi.x.max(r.x);
            lo.y = lo.y.min(s.cy - r.y);
            hi.y = hi.y.max(s.cy + r.y);
        }
        Aabb::new(lo, hi)
    }

    /// The angles at which the band can pass through height `z`: its angular range, narrowed
    /// by the drop (a rib crosses a given height only over a short stretch).
    fn theta_window(&self, z: f64) -> Option<(f64, f64)> {
        let [mut lo, mut hi] = self.theta;
        if self.drop != 0.0 {
            let (z0, z1) = self.z_range();
            // z + drop * anterior_fraction(theta) must lie in [z0, z1].
            let (f0, f1) = ((z0 - z) / self.drop, (z1 - z) / self.drop);
            lo = lo.max(FRAC_PI_2 - PI * f0.max(f1));
            hi = hi.min(FRAC_PI_2 - PI * f0.min(f1));
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// Candidate intervals: the ring between the inner and outer ellipses at the row's height,
    /// narrowed to the angles the band can have there; `contains` makes the final decision.
    fn spans(&self, y: f64, z: f64, out: &mut Spans) {
        out.exact = false;
        let Some((ta, tb)) = self.theta_window(z) else {
            return;
        };
        let s = self.section_at(z);
        let h = s.half_thickness;
        let Some(outer) = ellipse_half_width(y, s.cy, s.radii.x + h, s.radii.y + h) else {
            return;
        };
        let inner = ellipse_half_width(y, s.cy, s.radii.x - h, s.radii.y - h).unwrap_or(0.0);
        // On this row, the angle atan2(yn, |x| / a) is monotonic in |x|; `at` is the |x| where
        // it equals t.
        let yn = (y - s.cy) / s.radii.y;
        let at = |t: f64| s.radii.x * yn / t.tan();
        let (mut lo, mut hi) = (inner, outer);
        if yn > 0.0 {
            if tb <= 0.0 {
                return;
            }
            lo = lo.max(at(tb));
            if ta > 0.0 {
                hi = hi.min(at(ta));
            }
        } else if yn < 0.0 {
            if ta >= 0.0 {
                return;
            }
            lo = lo.max(at(ta));
            if tb < 0.0 {
                hi = hi.min(at(tb));
            }
        } else if ta > 0.0 || tb < 0.0 {
            return;
        }
        // A hair of slack so that rounding never drops a voxel `contains` accepts.
        let slack = 1e-6 * (1.0 + hi.abs());
        if lo - slack <= hi + slack {
            out.push_mirrored(0.0, lo - slack, hi + slack);
        }
    }

    fn contains(&self, p: DVec3) -> bool {
        let s = self.section_at(p.z);
        let theta = ((p.y - s.cy) / s.radii.y).atan2(p.x.abs() / s.radii.x);
        if theta < self.theta[0] || theta > self.theta[1] {
            return false;
        }
        let z_eff = p.z + self.drop * anterior_fraction(theta);
        let (z0, z1) = self.z_range();
        if z_eff < z0 || z_eff > z1 {
            return false;
        }
        let s = self.section_at(z_eff);
        let h = s.half_thickness;
        let inside = |a: f64, b: f64| {
            a > 0.0 && b > 0.0 && (p.x / a).powi(2) + ((p.y - s.cy) / b).powi(2) <= 1.0
        };
        inside(s.radii.x + h, s.radii.y + h) && !inside(s.radii.x - h, s.radii.y - h)
    }
}

/// The NEMA IEC body phantom's D-shaped cross-section: a semicircle of radius `front` (anterior,
/// y <= 0) joined to a posterior part with rounded corners of radius `corner` centred at
/// `(+-corner_x, 0)`, from `z0` to `z1`. All centred on the z axis.
#[derive(Debug, Clone)]
pub(crate) struct DProfile {
    pub front: f64,
    pub corner_x: f64,
    pub corner: f64,
    pub z0: f64,
    pub z1: f64,
}

impl DProfile {
    fn bbox(&self) -> Aabb {
        let half_x = self.front.max(self.corner_x + self.corner);
        Aabb::new(
            DVec3::new(-half_x, -self.front, self.z0),
            DVec3::new(half_x, self.corner, self.z1),
        )
    }

    fn spans(&self, y: f64, out: &mut Spans) {
        let w = if y <= 0.0 {
            ellipse_half_width(y, 0.0, self.front, self.front)
        } else {
            ellipse_half_width(y, 0.0, self.corner, self.corner).map(|w| w + self.corner_x)
        };
        if let Some(w) = w {
            out.push(-w, w);
        }
    }
}

/// A solid in patient space.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    Ellipsoid(Ellipsoid),
    Prism(Prism),
    Capsule(Capsule),
    Cuboid(Aabb),
    ArcBand(ArcBand),
    DProfile(DProfile),
    /// The part of `shape` inside `clip`, where `clip` covers a single exact interval per row
    /// (an ellipsoid, prism, capsule, cuboid or D profile).
    Clipped {
        shape: Box<Shape>,
        clip: Box<Shape>,
    },
}

impl Shape {
    /// A sphere.
    pub fn sphere(centre: DVec3, radius: f64) -> Self {
        Shape::Ellipsoid(Ellipsoid::axis_aligned(centre, DVec3::splat(radius)))
    }

    /// Bounding box.
    pub fn bbox(&self) -> Aabb {
        match self {
            Shape::Ellipsoid(e) => e.bbox(),
            Shape::Prism(p) => p.bbox(),
            Shape::Capsule(c) => c.bbox(),
            Shape::Cuboid(b) => *b,
            Shape::ArcBand(a) => a.bbox(),
            Shape::DProfile(d) => d.bbox(),
            Shape::Clipped { shape, clip } => {
                let (a, b) = (shape.bbox(), clip.bbox());
                Aabb::new(a.min.max(b.min), a.max.min(b.max))
            }
        }
    }

    /// `shape` restricted to the inside of `clip`.
    pub fn clipped(shape: Shape, clip: Shape) -> Self {
        Shape::Clipped {
            shape: Box::new(shape),
            clip: Box::new(clip),
        }
    }

    /// The x-intervals covered on the row (y, z); the caller has checked the bounding box.
    pub fn spans(&self, y: f64, z: f64) -> Spans {
        let mut out = Spans::exact();
        match self {
            Shape::Ellipsoid(e) => e.spans(y, z, &mut out),
            Shape::Prism(p) => p.spans(y, z, &mut out),
            Shape::Capsule(c) => c.spans(y, z, &mut out),
            Shape::Cuboid(b) => out.push(b.min.x, b.max.x),
            Shape::ArcBand(a) => a.spans(y, z, &mut out),
            Shape::DProfile(d) => d.spans(y, &mut out),
            Shape::Clipped { shape, clip } => {
                let inner = shape.spans(y, z);
                let bounds = clip.spans(y, z);
                out.exact = inner.exact;
                if bounds.n > 0 {
                    let (clo, chi) = bounds.iv[0];
                    for &(lo, hi) in &inner.iv[..inner.n] {
                        out.push(lo.max(clo), hi.min(chi));
                    }
                }
            }
        }
        out
    }

    /// Exact inside test for a point already inside one of the candidate spans.
    fn refine(&self, p: DVec3) -> bool {
        match self {
            Shape::ArcBand(a) => a.contains(p),
            Shape::Clipped { shape, .. } => shape.refine(p),
            _ => true,
        }
    }

    /// True when `p` lies inside the shape.
    #[cfg(test)]
    pub fn contains(&self, p: DVec3) -> bool {
        let b = self.bbox();
        if !b.has_row(p.y, p.z) || p.x < b.min.x || p.x > b.max.x {
            return false;
        }
        let s = self.spans(p.y, p.z);
        s.covers(p.x) && (s.exact || self.refine(p))
    }
}

/// What a region is made of: its CT number and its FDG uptake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tissue {
    /// CT number in HU.
    pub hu: f32,
    /// Uptake in SUVbw.
    pub suv: f32,
}

impl Tissue {
    /// A tissue with the given CT number and SUV.
    pub const fn new(hu: f32, suv: f32) -> Self {
        Self { hu, suv }
    }

    /// Air: -1000 HU, no activity.
    pub const AIR: Tissue = Tissue::new(-1000.0, 0.0);
}

/// A shape filled with a tissue.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    /// What the layer depicts; read by tests and debugging output.
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    pub shape: Shape,
    pub tissue: Tissue,
    bbox: Aabb,
}

/// Layers in painter's order: a later layer overrides earlier ones where they overlap.
/// Label 0 is the surrounding air; label `i + 1` is layer `i`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scene {
    layers: Vec<Layer>,
}

/// Label of a voxel: 0 for air, else one more than the layer index.
pub(crate) type Label = u16;

impl Scene {
    /// Appends a layer on top of the existing ones.
    pub fn push(&mut self, name: &'static str, shape: Shape, tissue: Tissue) {
        let bbox = shape.bbox();
        self.layers.push(Layer {
            name,
            shape,
            tissue,
            bbox,
        });
    }

    /// The tissue of a label.
    #[cfg(test)]
    pub fn tissue(&self, label: Label) -> Tissue {
        match (label as usize).checked_sub(1) {
            Some(i) => self.layers.get(i).map_or(Tissue::AIR, |l| l.tissue),
            None => Tissue::AIR,
        }
    }

    /// Tissue lookup tables (HU, SUV) indexed by label.
    pub fn tables(&self) -> (Vec<f32>, Vec<f32>) {
        let hu = std::iter::once(Tissue::AIR.hu)
            .chain(self.layers.iter().map(|l| l.tissue.hu))
            .collect();
        let suv = std::iter::once(Tissue::AIR.suv)
            .chain(self.layers.iter().map(|l| l.tissue.suv))
            .collect();
        (hu, suv)
    }

    /// Bounding box of all layers with non-zero uptake, if any.
    pub fn active_bbox(&self) -> Option<Aabb> {
        self.layers
            .iter()
            .filter(|l| l.tissue.suv > 0.0)
            .map(|l| l.bbox)
            .reduce(|a, b| a.union(&b))
    }

    /// The topmost label at a point (slow; for checks and tests).
    #[cfg(test)]
    pub fn label_at(&self, p: DVec3) -> Label {
        self.layers
            .iter()
            .rposition(|l| l.shape.contains(p))
            .map_or(0, |i| (i + 1) as Label)
    }

    /// Name of the layer of a label ("air" for 0).
    #[cfg(test)]
    pub fn layer_name(&self, label: Label) -> &'static str {
        match (label as usize).checked_sub(1) {
            Some(i) => self.layers.get(i).map_or("?", |l| l.name),
            None => "air",
        }
    }

    /// Layers whose bounding boxes overlap the slab `z0 <= z <= z1`, in painter's order.
    pub fn layers_in_slab(&self, z0: f64, z1: f64) -> Vec<usize> {
        (0..self.layers.len())
            .filter(|&i| self.layers[i].bbox.overlaps_z(z0, z1))
            .collect()
    }

    /// Paints the labels of the row of points `(x0 + i * dx, y, z)` into `out`, considering
    /// only the layers `candidates` (from [`Scene::layers_in_slab`]).
    pub fn paint_row(
        &self,
        candidates: &[usize],
        y: f64,
        z: f64,
        x0: f64,
        dx: f64,
        out: &mut [Label],
    ) {
        out.fill(0);
        let n = out.len();
        if n == 0 {
            return;
        }
        for &li in candidates {
            let layer = &self.layers[li];
            if !layer.bbox.has_row(y, z) {
                continue;
            }
            let spans = layer.shape.spans(y, z);
            let label = (li + 1) as Label;
            for &(lo, hi) in &spans.iv[..spans.n] {
                let i0 = ((lo - x0) / dx).ceil().max(0.0);
                let i1 = ((hi - x0) / dx).floor().min(n as f64 - 1.0);
                if i1 < i0 {
                    continue;
                }
                let range = i0 as usize..=i1 as usize;
                if spans.exact {
                    out[range].fill(label);
                } else {
                    for i in range {
                        if layer.shape.refine(DVec3::new(x0 + i as f64 * dx, y, z)) {
                            out[i] = label;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inside test that does not use the row spans of arc bands.
    fn reference_contains(shape: &Shape, p: DVec3) -> bool {
        match shape {
            Shape::ArcBand(a) => a.contains(p),
            Shape::Clipped { shape, clip } => {
                reference_contains(shape, p) && reference_contains(clip, p)
            }
            _ => shape.contains(p),
        }
    }

    /// Checks that row painting agrees with point tests on a grid around the shape.
    fn spans_agree_with_contains(shape: Shape) {
        let mut scene = Scene::default();
        scene.push("s", shape.clone(), Tissue::new(1.0, 1.0));
        let b = shape.bbox();
        let cands = [0usize];
        let dx = 0.7;
        let n = 200;
        let x0 = b.min.x - 5.0;
        let mut row = vec![0; n];
        let mut inside = 0;
        for k in 0..30 {
            let z = b.min.z - 1.0 + (b.max.z - b.min.z + 2.0) * k as f64 / 29.0;
            for j in 0..40 {
                let y = b.min.y - 1.0 + (b.max.y - b.min.y + 2.0) * j as f64 / 39.0;
                scene.paint_row(&cands, y, z, x0, dx, &mut row);
                for (i, &l) in row.iter().enumerate() {
                    let p = DVec3::new(x0 + i as f64 * dx, y, z);
                    assert_eq!(l == 1, shape.contains(p), "{shape:?} at {p}");
                    assert_eq!(l == 1, reference_contains(&shape, p), "{shape:?} at {p}");
                    if l == 1 {
                        assert!(p.cmpge(b.min - 1e-9).all() && p.cmple(b.max + 1e-9).all());
                        inside += 1;
                    }
                }
            }
        }
        assert!(inside > 0, "{shape:?} never painted");
    }

    #[test]
    fn ellipsoid_rows_match_analytic_inside_test() {
        let rot = DMat3::from_rotation_z(0.5) * DMat3::from_rotation_x(0.3);
        let e = Ellipsoid::new(
            DVec3::new(10.0, -5.0, 3.0),
            DVec3::new(30.0, 15.0, 8.0),
            rot,
        );
        let shape = Shape::Ellipsoid(e.clone());
        spans_agree_with_contains(shape.clone());
        for p in [DVec3::new(10.0, -5.0, 3.0), DVec3::new(35.0, 10.0, 1.0)] {
            let q = e.to_unit * (p - e.centre);
            assert_eq!(shape.contains(p), q.length() <= 1.0);
        }
    }

    #[test]
    fn capsule_rows_match_distance_to_segment() {
        let a = DVec3::new(-20.0, 5.0, -10.0);
        let b = DVec3::new(25.0, -8.0, 30.0);
        let shape = Shape::Capsule(Capsule::new(a, b, 6.0));
        spans_agree_with_contains(shape.clone());
        let dist = |p: DVec3| {
            let d = b - a;
            let t = ((p - a).dot(d) / d.length_squared()).clamp(0.0, 1.0);
            (p - (a + d * t)).length()
        };
        for i in 0..400 {
            let p = DVec3::new(-30.0 + i as f64 * 0.15, 0.0, 8.0);
            if (dist(p) - 6.0).abs() > 1e-6 {
                assert_eq!(shape.contains(p), dist(p) <= 6.0, "{p}");
            }
        }
        // A capsule along x (no x-dependence of the perpendicular distance).
        let along_x = Shape::Capsule(Capsule::new(DVec3::ZERO, DVec3::new(40.0, 0.0, 0.0), 5.0));
        spans_agree_with_contains(along_x.clone());
        assert!(along_x.contains(DVec3::new(44.0, 0.0, 0.0)));
        assert!(!along_x.contains(DVec3::new(46.0, 0.0, 0.0)));
    }

    #[test]
    fn prism_interpolates_sections() {
        let p = Prism::new(vec![
            Section::new(0.0, 0.0, 0.0, 10.0, 5.0),
            Section::new(10.0, 0.0, 0.0, 20.0, 5.0),
        ]);
        let shape = Shape::Prism(p);
        spans_agree_with_contains(shape.clone());
        assert!(shape.contains(DVec3::new(14.0, 0.0, 5.0)));
        assert!(!shape.contains(DVec3::new(16.0, 0.0, 5.0)));
        assert!(!shape.contains(DVec3::new(0.0, 0.0, 10.5)));
    }

    #[test]
    fn arc_band_drops_towards_the_front() {
        let s = |z| BandSection::new(z, 0.0, 100.0, 80.0, 8.0);
        let rib = ArcBand::new(vec![s(-5.0), s(5.0)], [-1.2, 1.3], 40.0);
        let shape = Shape::ArcBand(rib);
        spans_agree_with_contains(shape.clone());
        // Lateral (theta 0): half the drop; posterior end (theta ~ 1.3): almost none.
        assert!(shape.contains(DVec3::new(100.0, 0.0, -20.0)));
        assert!(shape.contains(DVec3::new(-100.0, 0.0, -20.0)));
        assert!(!shape.contains(DVec3::new(100.0, 0.0, 0.0)));
        assert!(!shape.contains(DVec3::new(90.0, 0.0, -20.0)));
        let post = DVec3::new(100.0 * 1.25f64.cos(), 80.0 * 1.25f64.sin(), -2.0);
        assert!(shape.contains(post));
        // Outside the angular range: the anterior midline.
        assert!(!shape.contains(DVec3::new(0.0, -80.0, -40.0)));
    }

    #[test]
    fn d_profile_is_flat_at_the_back() {
        let d = DProfile {
            front: 147.0,
            corner_x: 70.0,
            corner: 77.0,
            z0: -90.0,
            z1: 90.0,
        };
        let shape = Shape::DProfile(d);
        spans_agree_with_contains(shape.clone());
        assert!(shape.contains(DVec3::new(0.0, -146.0, 0.0)));
        assert!(shape.contains(DVec3::new(0.0, 76.0, 0.0)));
        assert!(!shape.contains(DVec3::new(0.0, 78.0, 0.0)));
        assert!(shape.contains(DVec3::new(146.0, 0.0, 0.0)));
        assert!(shape.contains(DVec3::new(70.0, 76.0, 0.0)));
        assert!(!shape.contains(DVec3::new(140.0, -60.0, 0.0)));
    }

    #[test]
    fn clipped_shape_is_the_intersection() {
        let ball = Shape::sphere(DVec3::ZERO, 20.0);
        let slab = Shape::Cuboid(Aabb::new(
            DVec3::splat(-100.0),
            DVec3::new(5.0, 100.0, 100.0),
        ));
        let both = Shape::clipped(ball.clone(), slab.clone());
        spans_agree_with_contains(both.clone());
        for x in [-19.0, 0.0, 4.9, 5.1, 19.0] {
            let p = DVec3::new(x, 1.0, 2.0);
            assert_eq!(
                both.contains(p),
                ball.contains(p) && slab.contains(p),
                "{p}"
            );
        }
        let s = |z| BandSection::new(z, 0.0, 50.0, 40.0, 6.0);
        let band = Shape::ArcBand(ArcBand::new(vec![s(-5.0), s(5.0)], [-1.5, 1.5], 0.0));
        spans_agree_with_contains(Shape::clipped(band, slab));
    }

    #[test]
    fn later_layers_paint_over_earlier_ones() {
        let mut scene = Scene::default();
        scene.push(
            "big",
            Shape::sphere(DVec3::ZERO, 20.0),
            Tissue::new(0.0, 1.0),
        );
        scene.push(
            "small",
            Shape::sphere(DVec3::ZERO, 5.0),
            Tissue::new(50.0, 4.0),
        );
        assert_eq!(scene.label_at(DVec3::ZERO), 2);
        assert_eq!(scene.label_at(DVec3::new(10.0, 0.0, 0.0)), 1);
        assert_eq!(scene.label_at(DVec3::new(30.0, 0.0, 0.0)), 0);
        assert_eq!(scene.tissue(2).suv, 4.0);
    }
}
