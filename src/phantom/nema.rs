//! The NEMA IEC body phantom (NEMA NU 2 / IEC 61675-1): a D-shaped acrylic body filled with
//! water at SUV 1, a central cold lung insert and six hot spheres at 4:1 on a 57.2 mm circle.

use super::shapes::{Aabb, DProfile, Prism, Scene, Shape, Tissue};
use super::{Acquisition, Design, PlantedLesion, F18_HALF_LIFE_S};
use crate::volume::Geometry;
use glam::DVec3;

/// Inner diameters of the six spheres in mm.
pub(crate) const SPHERE_DIAMETERS_MM: [f64; 6] = [10.0, 13.0, 17.0, 22.0, 28.0, 37.0];
/// Radius of the circle the sphere centres lie on, around the phantom axis.
pub(crate) const SPHERE_RING_RADIUS_MM: f64 = 57.2;
/// z of the spheres' transverse plane (70 mm below the lid's inner face at z = +90).
pub(crate) const SPHERE_PLANE_Z_MM: f64 = 20.0;
/// Inner half-length of the body along z.
pub(crate) const HALF_LENGTH_MM: f64 = 90.0;
/// Outer radius of the lung insert (the foam inside is 2 mm less).
pub(crate) const LUNG_INSERT_RADIUS_MM: f64 = 25.0;
/// Sphere-to-background activity ratio.
pub(crate) const SPHERE_SUV: f64 = 4.0;
/// Background activity in SUV.
pub(crate) const BACKGROUND_SUV: f64 = 1.0;

const WALL_MM: f64 = 3.0;
const SPHERE_WALL_MM: f64 = 1.0;
const ACRYLIC: Tissue = Tissue::new(120.0, 0.0);
const WATER: Tissue = Tissue::new(0.0, BACKGROUND_SUV as f32);
const HOT_WATER: Tissue = Tissue::new(0.0, SPHERE_SUV as f32);
const LUNG_FOAM: Tissue = Tissue::new(-750.0, 0.0);
// Carbon-fibre shell as it appears after partial-volume averaging; below the bone
// transfer function so default 3D renderings are not dominated by the table.
const TABLE_TOP: Tissue = Tissue::new(120.0, 0.0);
const TABLE_FOAM: Tissue = Tissue::new(-900.0, 0.0);

/// The D profile of the body, grown outwards by `offset` mm.
fn body(offset: f64, half_length: f64) -> Shape {
    Shape::DProfile(DProfile {
        front: 147.0 + offset,
        corner_x: 70.0,
        corner: 77.0 + offset,
        z0: -half_length,
        z1: half_length,
    })
}

/// Centre of sphere `i` (diameters ascending), going round the ring in 60 degree steps from
/// the patient's left.
pub(crate) fn sphere_centre(i: usize) -> DVec3 {
    let angle = (i as f64 * 60.0).to_radians();
    DVec3::new(
        SPHERE_RING_RADIUS_MM * angle.cos(),
        SPHERE_RING_RADIUS_MM * angle.sin(),
        SPHERE_PLANE_Z_MM,
    )
}

/// The patient table: a thin carbon top over foam, just behind `y_top`.
pub(crate) fn push_table(scene: &mut Scene, y_top: f64, z0: f64, z1: f64) {
    let top = |y0: f64, y1: f64, hw: f64| {
        Shape::Cuboid(Aabb::new(DVec3::new(-hw, y0, z0), DVec3::new(hw, y1, z1)))
    };
    scene.push(
        "table foam",
        top(y_top + 4.0, y_top + 30.0, 200.0),
        TABLE_FOAM,
    );
    scene.push("table top", top(y_top, y_top + 4.0, 220.0), TABLE_TOP);
    scene.push(
        "table base",
        top(y_top + 30.0, y_top + 34.0, 200.0),
        TABLE_TOP,
    );
}

fn scene() -> Scene {
    let mut s = Scene::default();
    push_table(&mut s, 77.0 + WALL_MM + 1.0, -150.0, 150.0);
    s.push(
        "acrylic shell",
        body(WALL_MM, HALF_LENGTH_MM + WALL_MM),
        ACRYLIC,
    );
    s.push("water", body(0.0, HALF_LENGTH_MM), WATER);
    let insert = |r: f64| {
        Shape::Prism(Prism::cylinder(
            0.0,
            0.0,
            r,
            r,
            -HALF_LENGTH_MM,
            HALF_LENGTH_MM,
        ))
    };
    s.push("lung insert wall", insert(LUNG_INSERT_RADIUS_MM), ACRYLIC);
    s.push(
        "lung insert",
        insert(LUNG_INSERT_RADIUS_MM - 2.0),
        LUNG_FOAM,
    );
    for (i, d) in SPHERE_DIAMETERS_MM.iter().enumerate() {
        let c = sphere_centre(i);
        s.push(
            "sphere wall",
            Shape::sphere(c, d / 2.0 + SPHERE_WALL_MM),
            ACRYLIC,
        );
        s.push("sphere", Shape::sphere(c, d / 2.0), HOT_WATER);
    }
    s
}

fn lesions() -> Vec<PlantedLesion> {
    SPHERE_DIAMETERS_MM
        .iter()
        .enumerate()
        .map(|(i, &d)| PlantedLesion {
            name: format!("sphere {d:.0} mm"),
            centre_mm: sphere_centre(i),
            diameter_mm: d,
            suv: SPHERE_SUV,
        })
        .collect()
}

/// CT: 512 x 512 at 0.977 mm, 81 slices of 2.5 mm centred on the phantom.
/// PET: 128 x 128 at 4 mm, 63 slices of 3.27 mm, its centre offset from the CT's.
fn grids() -> (Geometry, Geometry) {
    let px = 500.0 / 512.0;
    let ct = Geometry::axial(
        [512, 512, 81],
        [px, px, 2.5],
        DVec3::new(-255.5 * px, -255.5 * px, -100.0),
    );
    let pet_centre = DVec3::new(1.3, -2.1, 0.7);
    let (n, s, nz, sz) = (128usize, 4.0, 63usize, 3.27);
    let half = DVec3::new(
        (n - 1) as f64 * s / 2.0,
        (n - 1) as f64 * s / 2.0,
        (nz - 1) as f64 * sz / 2.0,
    );
    let pet = Geometry::axial([n, n, nz], [s, s, sz], pet_centre - half);
    (ct, pet)
}

/// The NEMA phantom's design.
pub(crate) fn design() -> Design {
    let (ct, pet) = grids();
    Design {
        scene: scene(),
        ct,
        pet,
        acquisition: Acquisition {
            weight_kg: 70.0,
            height_m: 1.70,
            sex: 'F',
            injected_dose_bq: 370.0e6,
            half_life_s: F18_HALF_LIFE_S,
            injection_to_scan_s: 3600.0,
        },
        lesions: lesions(),
    }
}
