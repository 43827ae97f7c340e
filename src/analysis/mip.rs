//! The PET maximum intensity projection (MIP) that readers scan first, computed on the CPU
//! with the voxel behind every pixel.
//!
//! The projection turns about the patient's head-feet axis (the classic rotating MIP):
//! azimuth 0 looks from anterior with the patient's left on the right of the image (as in
//! radiology), 90 looks from the patient's left. Rows are the PET's transverse planes at
//! its own slice spacing, head at the top; columns are spaced by the PET's finer in-plane
//! spacing. Each pixel keeps the index of the voxel that produced its maximum, so a click
//! jumps to that exact voxel and a readout names its value and position.
//!
//! Why not the GPU ray marcher: the projection is tiny (one pixel per PET column and slice,
//! a few million voxel visits, 5-30 ms on two cores), it must answer "which voxel?" exactly,
//! and it stays out of the 3D pane's frame budget on a software rasterizer.

use glam::DVec3;
use rayon::prelude::*;

use crate::volume::Volume;

/// `source` value of a pixel whose ray misses the volume.
pub const NO_VOXEL: u32 = u32::MAX;

/// Ray samples per in-plane voxel (nearest-neighbour sampling: two per voxel visit every
/// voxel a ray crosses at any angle but the steepest corners).
const SAMPLES_PER_VOXEL: f64 = 2.0;

/// A PET MIP with the voxel behind each pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct MipProjection {
    /// Degrees about the head-feet axis (0: anterior view, 90: from the patient's left).
    pub azimuth_deg: f32,
    pub width: usize,
    pub height: usize,
    /// Patient position (mm) of pixel (0, 0)'s centre, on the plane through the rotation
    /// axis.
    pub origin_mm: DVec3,
    /// Patient mm from one pixel to the next to the right.
    pub right_mm: DVec3,
    /// Patient mm from one pixel to the next downwards (towards the feet).
    pub down_mm: DVec3,
    /// Unit viewing direction (from the viewer into the patient).
    pub direction: DVec3,
    /// The maximum along each pixel's ray, in the volume's values (`f32::NAN` where the ray
    /// misses the volume). Row-major, `width * height`.
    pub values: Vec<f32>,
    /// Index into the volume's data of the voxel holding the maximum, or [`NO_VOXEL`].
    pub source: Vec<u32>,
    /// The label (lesion id) of the hottest labelled voxel along each ray; 0 for none.
    pub labels: Vec<u16>,
    /// Whether each ray meets the reference mask (the mask's silhouette); empty when the
    /// projection was made without one.
    pub reference: Vec<bool>,
}

impl MipProjection {
    /// The pixel (column, row) containing a continuous pixel position, if inside; pixel
    /// centres are at integer positions.
    pub fn pixel_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (c, r) = (x.round(), y.round());
        (c >= 0.0 && r >= 0.0 && (c as usize) < self.width && (r as usize) < self.height)
            .then_some((c as usize, r as usize))
    }

    /// The voxel index behind a pixel, if its ray met the volume.
    pub fn source_voxel(&self, column: usize, row: usize) -> Option<usize> {
        let s = *self.source.get(row * self.width + column)?;
        (s != NO_VOXEL).then_some(s as usize)
    }

    /// Continuous pixel position of a patient point projected along the view direction.
    pub fn pixel_of(&self, p: DVec3) -> (f64, f64) {
        let d = p - self.origin_mm;
        (
            d.dot(self.right_mm) / self.right_mm.length_squared(),
            d.dot(self.down_mm) / self.down_mm.length_squared(),
        )
    }

    /// Width and height in mm (for showing the image with square millimetres).
    pub fn size_mm(&self) -> (f64, f64) {
        (
            self.width as f64 * self.right_mm.length(),
            self.height as f64 * self.down_mm.length(),
        )
    }
}

/// The viewing direction and screen-right axis at an azimuth (degrees).
pub fn mip_axes(azimuth_deg: f32) -> (DVec3, DVec3) {
    let a = f64::from(azimuth_deg).to_radians();
    let direction = DVec3::new(-a.sin(), a.cos(), 0.0);
    let right = DVec3::new(a.cos(), a.sin(), 0.0);
    (direction, right)
}

/// Projects `volume` at `azimuth_deg`. `labels`, when given, has one lesion id per voxel
/// (as `HotspotResult::labels`); a size mismatch is ignored (no labels).
pub fn project(volume: &Volume, labels: Option<&[u16]>, azimuth_deg: f32) -> MipProjection {
    project_with_reference(volume, labels, None, azimuth_deg)
}

/// [`project`], also recording which rays meet `reference` (one byte per voxel, non-zero:
/// lesion; a size mismatch is ignored). One more test per voxel visit.
pub fn project_with_reference(
    volume: &Volume,
    labels: Option<&[u16]>,
    reference: Option<&[u8]>,
    azimuth_deg: f32,
) -> MipProjection {
    let g = &volume.geometry;
    let labels = labels.filter(|l| l.len() == volume.data.len());
    let reference = reference.filter(|r| r.len() == volume.data.len());
    let (lo, hi) = g.patient_bounds();
    let (direction, right) = mip_axes(azimuth_deg);
    let in_plane = g.spacing[0].min(g.spacing[1]).max(1e-3);
    let slice = (hi.z - lo.z) / g.dims[2].max(1) as f64;
    let slice = if slice > 1e-3 { slice } else { in_plane };
    let body = body_extent(volume);
    let centre = body.centre;
    // Every azimuth's rays cover the body's cylinder, and the image its height: the same
    // size at every angle, without the empty field of view around the patient.
    let radius = body.radius + in_plane;
    // An odd width centred on a voxel centre: at 0 and 90 degrees pixel centres then fall
    // on voxel centres, never on the faces between them.
    let width = 2 * (radius / in_plane).ceil() as usize + 1;
    let (z_lo, z_hi) = body.z;
    let height = ((z_hi - z_lo) / slice).round().max(1.0) as usize;
    let right_mm = right * in_plane;
    let down_mm = DVec3::new(0.0, 0.0, -slice);
    let origin_mm = DVec3::new(centre.x, centre.y, z_hi - 0.5 * slice)
        - right_mm * ((width as f64 - 1.0) / 2.0);
    let step = in_plane / SAMPLES_PER_VOXEL;
    let steps = (2.0 * radius / step).ceil() as usize + 1;
    let march = March {
        volume,
        labels,
        reference,
        start: origin_mm - direction * radius,
        direction_step: direction * step,
        steps,
    };
    let mut values = vec![f32::NAN; width * height];
    let mut source = vec![NO_VOXEL; width * height];
    let mut label_out = vec![0u16; width * height];
    let mut reference_out = vec![false; width * height];
    values
        .par_chunks_mut(width)
        .zip(source.par_chunks_mut(width))
        .zip(label_out.par_chunks_mut(width))
        .zip(reference_out.par_chunks_mut(width))
        .enumerate()
        .for_each(|(row, (((v, s), l), r))| {
            for column in 0..width {
                let offset = right_mm * column as f64 + down_mm * row as f64;
                let hit = march.ray(offset);
                v[column] = hit.value;
                s[column] = hit.voxel;
                l[column] = hit.label;
                r[column] = hit.reference;
            }
        });
    if reference.is_none() {
        reference_out = Vec::new();
    }
    MipProjection {
        azimuth_deg,
        width,
        height,
        origin_mm,
        right_mm,
        down_mm,
        direction,
        values,
        source,
        labels: label_out,
        reference: reference_out,
    }
}

/// The patient's cylinder about the head-feet axis: its axis (x, y), radius and z range.
struct BodyExtent {
    centre: DVec3,
    radius: f64,
    z: (f64, f64),
}

/// Where the patient is: voxels above the volume's mean value (air and the empty field of
/// view lie far below it, tissue at or above it). The whole volume when nothing is.
fn body_extent(volume: &Volume) -> BodyExtent {
    let g = &volume.geometry;
    let (lo, hi) = g.patient_bounds();
    let whole = BodyExtent {
        centre: (lo + hi) * 0.5,
        radius: 0.5 * ((hi.x - lo.x).powi(2) + (hi.y - lo.y).powi(2)).sqrt(),
        z: (lo.z, hi.z),
    };
    let n = volume.data.len().max(1) as f64;
    let mean = volume.data.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let [nx, ny, _] = g.dims;
    let centre_of = |i: usize| {
        g.voxel_to_patient(DVec3::new(
            (i % nx) as f64,
            ((i / nx) % ny) as f64,
            (i / (nx * ny)) as f64,
        ))
    };
    let inside = || {
        volume
            .data
            .par_iter()
            .enumerate()
            .filter(move |(_, &v)| f64::from(v) > mean)
            .map(|(i, _)| i)
    };
    let (bmin, bmax) = inside()
        .map(|i| {
            let p = centre_of(i);
            (p, p)
        })
        .reduce(
            || (DVec3::INFINITY, DVec3::NEG_INFINITY),
            |a, b| (a.0.min(b.0), a.1.max(b.1)),
        );
    if bmin.x > bmax.x {
        return whole;
    }
    let middle = DVec3::new((bmin.x + bmax.x) / 2.0, (bmin.y + bmax.y) / 2.0, bmin.z);
    let centre = g.voxel_to_patient(g.patient_to_voxel(middle).round());
    let radius = inside()
        .map(|i| {
            let p = centre_of(i);
            (p.x - centre.x).hypot(p.y - centre.y)
        })
        .reduce(|| 0.0, f64::max);
    // Half a voxel beyond the outermost centres, within the volume.
    let half = 0.5 * g.spacing[2];
    BodyExtent {
        centre,
        radius: radius + 0.5 * g.spacing[0].max(g.spacing[1]),
        z: ((bmin.z - half).max(lo.z), (bmax.z + half).min(hi.z)),
    }
}

/// One ray's result.
struct Hit {
    value: f32,
    voxel: u32,
    label: u16,
    reference: bool,
}

/// What every ray of a projection shares.
struct March<'a> {
    volume: &'a Volume,
    labels: Option<&'a [u16]>,
    reference: Option<&'a [u8]>,
    /// Patient position of the first sample of the ray through pixel (0, 0).
    start: DVec3,
    direction_step: DVec3,
    steps: usize,
}

impl March<'_> {
    /// Marches the ray offset by `offset` mm from pixel (0, 0)'s; nearest-voxel samples,
    /// stepping in voxel space (the geometry is affine, so one step is one constant vector).
    fn ray(&self, offset: DVec3) -> Hit {
        let g = &self.volume.geometry;
        let [nx, ny, nz] = g.dims;
        let v0 = g.patient_to_voxel(self.start + offset);
        let dv = g.patient_to_voxel(self.start + offset + self.direction_step) - v0;
        let mut best = Hit {
            value: f32::NAN,
            voxel: NO_VOXEL,
            label: 0,
            reference: false,
        };
        let mut best_labelled = f32::NEG_INFINITY;
        let mut last = usize::MAX;
        for k in 0..self.steps {
            let v = v0 + dv * k as f64;
            let (x, y, z) = (v.x.round(), v.y.round(), v.z.round());
            if x < 0.0 || y < 0.0 || z < 0.0 {
                continue;
            }
            let (x, y, z) = (x as usize, y as usize, z as usize);
            if x >= nx || y >= ny || z >= nz {
                continue;
            }
            let i = x + nx * (y + ny * z);
            if i == last {
                continue;
            }
            last = i;
            let value = self.volume.data[i];
            if best.voxel == NO_VOXEL || value > best.value {
                best.value = value;
                best.voxel = i as u32;
            }
            if let Some(labels) = self.labels {
                if labels[i] != 0 && value > best_labelled {
                    best_labelled = value;
                    best.label = labels[i];
                }
            }
            if let Some(reference) = self.reference {
                best.reference |= reference[i] != 0;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, Unit};

    fn volume_with_hot_voxel(hot: [usize; 3]) -> Volume {
        let dims = [20, 16, 12];
        let g = Geometry::axial(dims, [4.0, 4.0, 3.0], DVec3::new(-40.0, -30.0, -200.0));
        // A "body" of SUV 1 in air, one voxel in from every side.
        let mut data = vec![0.0; dims.iter().product()];
        for z in 1..dims[2] - 1 {
            for y in 1..dims[1] - 1 {
                for x in 1..dims[0] - 1 {
                    data[x + dims[0] * (y + dims[1] * z)] = 1.0;
                }
            }
        }
        let [x, y, z] = hot;
        data[x + dims[0] * (y + dims[1] * z)] = 9.0;
        // A warm neighbour along the anterior ray, so the maximum must be chosen.
        data[x + dims[0] * ((y + 3) % dims[1] + dims[1] * z)] = 5.0;
        Volume::new(g, data, Unit::SuvBw).unwrap()
    }

    #[test]
    fn the_anterior_projection_keeps_the_hottest_voxel_and_its_position() {
        let hot = [15, 4, 7];
        let v = volume_with_hot_voxel(hot);
        let p = project(&v, None, 0.0);
        let centre = v.geometry.voxel_to_patient(DVec3::new(15.0, 4.0, 7.0));
        let (x, y) = p.pixel_of(centre);
        let (c, r) = p.pixel_at(x, y).unwrap();
        assert_eq!(p.values[r * p.width + c], 9.0);
        let voxel = p.source_voxel(c, r).unwrap();
        assert_eq!(voxel, v.index(15, 4, 7));
        // Patient's left (+x) is on the right of an anterior view; the head is at the top.
        let (xl, _) = p.pixel_of(centre + DVec3::X * 20.0);
        assert!(xl > x);
        let (_, yh) = p.pixel_of(centre + DVec3::Z * 9.0);
        assert!(yh < y);
    }

    #[test]
    fn a_lateral_projection_finds_the_same_voxel() {
        let v = volume_with_hot_voxel([3, 11, 2]);
        let centre = v.geometry.voxel_to_patient(DVec3::new(3.0, 11.0, 2.0));
        for az in [90.0, 37.0, 200.0] {
            let p = project(&v, None, az);
            let (x, y) = p.pixel_of(centre);
            let (c, r) = p.pixel_at(x, y).unwrap();
            assert_eq!(
                p.source_voxel(c, r),
                Some(v.index(3, 11, 2)),
                "azimuth {az}"
            );
        }
    }

    #[test]
    fn the_image_covers_the_body_not_the_empty_field_of_view() {
        let v = volume_with_hot_voxel([10, 5, 5]);
        let p = project(&v, None, 0.0);
        // The body spans 18 x 14 voxels of 4 mm in x-y (its diagonal ~91 mm) and 10 slices
        // of 3 mm; the field of view 80 x 64 mm by 36 mm.
        let (w, h) = p.size_mm();
        assert!((90.0..=110.0).contains(&w), "{w}");
        assert!((29.0..=31.0).contains(&h), "{h}");
        assert_eq!(p.height, 10);
    }

    #[test]
    fn labels_project_with_the_hottest_labelled_voxel() {
        let v = volume_with_hot_voxel([10, 5, 5]);
        let mut labels = vec![0u16; v.data.len()];
        labels[v.index(10, 5, 5)] = 3;
        labels[v.index(10, 8, 5)] = 2;
        let p = project(&v, Some(&labels), 0.0);
        let centre = v.geometry.voxel_to_patient(DVec3::new(10.0, 5.0, 5.0));
        let (x, y) = p.pixel_of(centre);
        let (c, r) = p.pixel_at(x, y).unwrap();
        assert_eq!(p.labels[r * p.width + c], 3);
        assert_eq!(p.labels.iter().filter(|&&l| l != 0).count(), 1);
        assert!(project(&v, Some(&labels[1..]), 0.0)
            .labels
            .iter()
            .all(|&l| l == 0));
    }

    #[test]
    fn a_reference_projects_as_its_silhouette() {
        let v = volume_with_hot_voxel([10, 5, 5]);
        let mut mask = vec![0u8; v.data.len()];
        // Two voxels behind each other along the anterior ray, one off it.
        for y in [4, 9] {
            mask[v.index(10, y, 5)] = 1;
        }
        mask[v.index(3, 5, 8)] = 1;
        let p = project_with_reference(&v, None, Some(&mask), 0.0);
        assert_eq!(p.reference.len(), p.width * p.height);
        let hit = |x: f64, y: f64, z: f64| {
            let c = v.geometry.voxel_to_patient(DVec3::new(x, y, z));
            let (x, y) = p.pixel_of(c);
            let (c, r) = p.pixel_at(x, y).unwrap();
            p.reference[r * p.width + c]
        };
        assert!(hit(10.0, 5.0, 5.0) && hit(3.0, 5.0, 8.0));
        assert!(!hit(12.0, 5.0, 5.0));
        // Every masked voxel's column is hit, whatever lies behind (here: 2 rays).
        assert_eq!(p.reference.iter().filter(|&&r| r).count(), 2);
        assert!(project(&v, None, 0.0).reference.is_empty());
        assert!(project_with_reference(&v, None, Some(&mask[1..]), 0.0)
            .reference
            .is_empty());
    }
}
