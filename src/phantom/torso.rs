//! An anthropomorphic torso from the upper thighs to the base of the neck (arms raised, as in
//! a PET-CT scan): body wall, lungs and rib cage, spine, heart and great vessels, abdominal
//! organs, bowel, bony pelvis and bladder, with five planted lesions.
//!
//! Coordinates are LPS mm: +x patient left, +y posterior, +z superior. The patient lies supine
//! with the back on the table at y = 122.

use super::nema::push_table;
use super::noise::{hash2, splitmix64};
use super::shapes::{
    Aabb, ArcBand, BandSection, Capsule, Ellipsoid, Prism, Scene, Section, Shape, Tissue,
};
use super::{Acquisition, Design, PlantedLesion, F18_HALF_LIFE_S};
use crate::volume::Geometry;
use glam::{DMat3, DVec3};

// Tissues: CT number (HU) and FDG uptake (SUVbw).
const SKIN: Tissue = Tissue::new(30.0, 0.8);
const FAT: Tissue = Tissue::new(-100.0, 0.35);
const MUSCLE: Tissue = Tissue::new(50.0, 0.7);
const VISCERAL_FAT: Tissue = Tissue::new(-95.0, 0.4);
const NECK: Tissue = Tissue::new(45.0, 0.8);
const LUNG: Tissue = Tissue::new(-850.0, 0.3);
const GAS: Tissue = Tissue::new(-1000.0, 0.0);
const BLOOD: Tissue = Tissue::new(40.0, 1.5);
const MYOCARDIUM: Tissue = Tissue::new(45.0, 6.0);
const LIVER: Tissue = Tissue::new(60.0, 2.2);
const SPLEEN: Tissue = Tissue::new(50.0, 1.8);
const KIDNEY: Tissue = Tissue::new(30.0, 4.0);
const URINE_RENAL: Tissue = Tissue::new(10.0, 10.0);
const BLADDER: Tissue = Tissue::new(5.0, 18.0);
const CORTICAL: Tissue = Tissue::new(900.0, 0.5);
const CANCELLOUS: Tissue = Tissue::new(380.0, 1.2);
const RIB: Tissue = Tissue::new(700.0, 1.0);
const VERTEBRAL_ARCH: Tissue = Tissue::new(600.0, 1.0);
const PELVIC_BONE: Tissue = Tissue::new(450.0, 1.1);
const MARROW_FAT: Tissue = Tissue::new(-30.0, 0.6);
const DISC: Tissue = Tissue::new(90.0, 0.6);
const CSF: Tissue = Tissue::new(10.0, 0.4);
const CORD: Tissue = Tissue::new(35.0, 0.8);
const CARTILAGE: Tissue = Tissue::new(120.0, 0.5);
const BOWEL_WALL: Tissue = Tissue::new(40.0, 1.4);
const BOWEL_FLUID: Tissue = Tissue::new(15.0, 0.9);
const STOOL: Tissue = Tissue::new(-150.0, 0.6);
const STOMACH: Tissue = Tissue::new(40.0, 1.6);
const STOMACH_CONTENT: Tissue = Tissue::new(15.0, 0.8);
const PANCREAS: Tissue = Tissue::new(45.0, 1.3);
const GALLBLADDER: Tissue = Tissue::new(10.0, 0.5);
const THYROID: Tissue = Tissue::new(90.0, 1.5);
const ESOPHAGUS: Tissue = Tissue::new(40.0, 1.2);
const SOFT: Tissue = Tissue::new(35.0, 0.8);

/// y of the table top; the patient's back rests on it.
const BACK_Y: f64 = 122.0;

/// Body outline rows: (z, semi-axis a (x), semi-axis b (y), fat thickness, muscle wall
/// thickness). The centre is at `y = BACK_Y - b` while the back rests on the table.
const BODY: [(f64, f64, f64, f64, f64); 11] = [
    (-235.0, 172.0, 118.0, 24.0, 30.0),
    (-150.0, 168.0, 116.0, 24.0, 26.0),
    (-90.0, 158.0, 110.0, 22.0, 14.0),
    (0.0, 158.0, 108.0, 20.0, 14.0),
    (70.0, 160.0, 110.0, 17.0, 18.0),
    (100.0, 163.0, 112.0, 15.0, 20.0),
    (200.0, 168.0, 116.0, 13.0, 20.0),
    (245.0, 165.0, 112.0, 12.0, 22.0),
    (270.0, 150.0, 100.0, 10.0, 25.0),
    (290.0, 105.0, 78.0, 8.0, 25.0),
    (305.0, 70.0, 62.0, 6.0, 20.0),
];

/// Body outline at `z`: (centre y, a, b, fat, wall), interpolated in [`BODY`].
fn body_at(z: f64) -> (f64, f64, f64, f64, f64) {
    let rows = &BODY;
    let i = rows.partition_point(|r| r.0 <= z).clamp(1, rows.len() - 1);
    let (r0, r1) = (rows[i - 1], rows[i]);
    let t = ((z - r0.0) / (r1.0 - r0.0)).clamp(0.0, 1.0);
    let l = |a: f64, b: f64| a + (b - a) * t;
    let (a, b) = (l(r0.1, r1.1), l(r0.2, r1.2));
    // The neck lifts off the table onto the head rest.
    let lift = ((z - 250.0) / 40.0).clamp(0.0, 1.0) * 20.0;
    (BACK_Y - b - lift, a, b, l(r0.3, r1.3), l(r0.4, r1.4))
}

/// A prism through sections of `f(z) -> (cx, cy, a, b)` every `step` mm from `z0` to `z1`.
fn prism_of(z0: f64, z1: f64, step: f64, f: impl Fn(f64) -> (f64, f64, f64, f64)) -> Shape {
    let n = ((z1 - z0) / step).ceil().max(1.0) as usize;
    let sections = (0..=n)
        .map(|i| {
            let z = z0 + (z1 - z0) * i as f64 / n as f64;
            let (cx, cy, a, b) = f(z);
            Section::new(z, cx, cy, a.max(0.1), b.max(0.1))
        })
        .collect();
    Shape::Prism(Prism::new(sections))
}

/// The body outline shrunk by `inset(z)` mm all round.
fn body_layer(inset: impl Fn(f64, f64, f64) -> f64) -> Shape {
    prism_of(BODY[0].0, BODY[BODY.len() - 1].0, 5.0, |z| {
        let (cy, a, b, fat, wall) = body_at(z);
        let d = inset(z, fat, wall);
        (0.0, cy, a - d, b - d)
    })
}

/// The body cavity (inside the muscular wall).
fn cavity() -> Shape {
    body_layer(|_, fat, wall| fat + wall)
}

fn in_cavity(shape: Shape) -> Shape {
    Shape::clipped(shape, cavity())
}

fn capsule(a: [f64; 3], b: [f64; 3], r: f64) -> Shape {
    Shape::Capsule(Capsule::new(DVec3::from_array(a), DVec3::from_array(b), r))
}

fn ellipsoid(c: [f64; 3], r: [f64; 3]) -> Shape {
    Shape::Ellipsoid(Ellipsoid::axis_aligned(
        DVec3::from_array(c),
        DVec3::from_array(r),
    ))
}

fn rotated(c: [f64; 3], r: [f64; 3], rotation: DMat3) -> Shape {
    Shape::Ellipsoid(Ellipsoid::new(
        DVec3::from_array(c),
        DVec3::from_array(r),
        rotation,
    ))
}

fn above(shape: Shape, z: f64) -> Shape {
    let slab = Aabb::new(DVec3::new(-1e3, -1e3, z), DVec3::splat(1e3));
    Shape::clipped(shape, Shape::Cuboid(slab))
}

/// Mirror image of `f(sign)` for sign = -1 (patient right) and +1 (patient left).
fn both_sides(scene: &mut Scene, name: &'static str, tissue: Tissue, f: impl Fn(f64) -> Shape) {
    for sign in [-1.0, 1.0] {
        scene.push(name, f(sign), tissue);
    }
}

fn body_wall(s: &mut Scene) {
    s.push("skin", body_layer(|_, _, _| 0.0), SKIN);
    s.push("subcutaneous fat", body_layer(|_, _, _| 2.0), FAT);
    s.push("muscle", body_layer(|_, fat, _| fat), MUSCLE);
    s.push("cavity", cavity(), VISCERAL_FAT);
    s.push(
        "neck",
        prism_of(262.0, 305.0, 5.0, |z| {
            let (cy, a, b, fat, wall) = body_at(z);
            let d = fat + wall * 0.5;
            (0.0, cy, a - d, b - d)
        }),
        NECK,
    );
    // Paraspinal (erector spinae) muscles either side of the spine.
    both_sides(s, "paraspinal muscle", MUSCLE, |sg| {
        prism_of(-150.0, 290.0, 10.0, |z| {
            (sg * 36.0, spine_y(z) + 50.0, 24.0, 22.0)
        })
    });
    // Gluteal muscles behind the pelvis, kept inside the fat.
    both_sides(s, "gluteal muscle", MUSCLE, |sg| {
        Shape::clipped(
            ellipsoid([sg * 85.0, 70.0, -190.0], [70.0, 45.0, 70.0]),
            body_layer(|_, fat, _| fat),
        )
    });
}

/// Centre y of the vertebral bodies at height z (lumbar lordosis, thoracic kyphosis).
fn spine_y(z: f64) -> f64 {
    const P: [(f64, f64); 7] = [
        (-130.0, 36.0),
        (0.0, 30.0),
        (40.0, 32.0),
        (100.0, 42.0),
        (200.0, 45.0),
        (265.0, 38.0),
        (300.0, 20.0),
    ];
    let i = P.partition_point(|p| p.0 <= z).clamp(1, P.len() - 1);
    let t = ((z - P[i - 1].0) / (P[i].0 - P[i - 1].0)).clamp(0.0, 1.0);
    P[i - 1].1 + (P[i].1 - P[i - 1].1) * t
}

/// Semi-axes (a, b) of the vertebral body and canal radius at height z.
fn vertebra_size(z: f64) -> (f64, f64, f64) {
    if z < 40.0 {
        (24.0, 18.0, 10.0)
    } else if z < 280.0 {
        let t = ((z - 40.0) / 240.0).clamp(0.0, 1.0);
        (21.0 - 5.0 * t, 17.0 - 3.0 * t, 8.0)
    } else {
        (14.0, 10.0, 10.0)
    }
}

/// One vertebra's levels: (name, bottom z, height including the disc above, disc thickness).
fn vertebra_levels() -> Vec<(String, f64, f64, f64)> {
    let mut v = Vec::new();
    let mut z = -110.0;
    for i in (1..=5).rev() {
        v.push((format!("L{i}"), z, 30.0, 7.0));
        z += 30.0;
    }
    for i in (1..=12).rev() {
        v.push((format!("T{i}"), z, 20.5, 4.5));
        z += 20.5;
    }
    for i in (5..=7).rev() {
        v.push((format!("C{i}"), z, 16.0, 4.0));
        z += 16.0;
    }
    v
}

/// Centre z of the vertebral body of `level` (e.g. "T4").
fn vertebra_centre_z(level: &str) -> f64 {
    vertebra_levels()
        .into_iter()
        .find(|l| l.0 == level)
        .map_or(0.0, |(_, z0, h, disc)| z0 + (h - disc) / 2.0)
}

fn canal_y(z: f64) -> f64 {
    let (_, b, rc) = vertebra_size(z);
    spine_y(z) + b + rc + 1.0
}

fn spine(s: &mut Scene) {
    let (z0, z1) = (-112.0, 305.0);
    s.push(
        "intervertebral discs",
        prism_of(z0, z1, 5.0, |z| {
            let (a, b, _) = vertebra_size(z);
            (0.0, spine_y(z), a - 1.0, b - 1.0)
        }),
        DISC,
    );
    s.push(
        "spinal canal",
        prism_of(-150.0, z1, 5.0, |z| {
            let rc = vertebra_size(z).2;
            (0.0, canal_y(z), rc, rc)
        }),
        CSF,
    );
    s.push(
        "spinal cord",
        prism_of(20.0, z1, 5.0, |z| (0.0, canal_y(z), 5.0, 5.0)),
        CORD,
    );
    for (_, zb, h, disc) in vertebra_levels() {
        vertebra(s, zb, zb + h - disc);
    }
}

/// A vertebra whose body spans `zb..zt`.
fn vertebra(s: &mut Scene, zb: f64, zt: f64) {
    let zm = (zb + zt) / 2.0;
    let (a, b, rc) = vertebra_size(zm);
    let (cy, ky) = (spine_y(zm), canal_y(zm));
    let body = |inset: f64| {
        let sec = |z: f64| Section::new(z, 0.0, cy, a - inset, b - inset);
        Shape::Prism(Prism::new(vec![sec(zb + inset), sec(zt - inset)]))
    };
    s.push("vertebral cortex", body(0.0), CORTICAL);
    s.push("vertebral body", body(2.0), CANCELLOUS);
    let ring = |z: f64| BandSection::new(z, ky, rc + 3.5, rc + 3.5, 6.0);
    s.push(
        "vertebral arch",
        Shape::ArcBand(ArcBand::new(
            vec![ring(zb + 2.0), ring(zt - 2.0)],
            [-0.4, 1.58],
            0.0,
        )),
        VERTEBRAL_ARCH,
    );
    let lumbar = zm < 40.0;
    let (sp_len, sp_drop) = if lumbar { (28.0, 3.0) } else { (22.0, 16.0) };
    let sp0 = ky + rc + 4.0;
    s.push(
        "spinous process",
        capsule([0.0, sp0, zm], [0.0, sp0 + sp_len, zm - sp_drop], 4.5),
        VERTEBRAL_ARCH,
    );
    let tp_len = if lumbar { 32.0 } else { 20.0 };
    both_sides(s, "transverse process", VERTEBRAL_ARCH, |sg| {
        capsule(
            [sg * (rc + 4.0), ky - 2.0, zm],
            [sg * (rc + 4.0 + tp_len), ky + 8.0, zm + 2.0],
            4.5,
        )
    });
}

/// Ring on which the ribs lie at height z: (centre y, a, b), just outside the cavity.
fn rib_ring(z: f64) -> (f64, f64, f64) {
    let (cy, a, b, fat, wall) = body_at(z);
    let d = fat + wall - 3.5;
    (cy, a - d, b - d)
}

fn rib_cage(s: &mut Scene) {
    const DROP: [f64; 12] = [
        20.0, 45.0, 70.0, 85.0, 95.0, 98.0, 100.0, 100.0, 95.0, 85.0, 60.0, 45.0,
    ];
    const FRONT: [f64; 12] = [
        -0.9, -1.05, -1.05, -1.05, -1.05, -1.05, -1.05, -0.9, -0.85, -0.8, -0.3, 0.2,
    ];
    const CARTILAGE_END: [f64; 12] = [
        -1.3, -1.4, -1.42, -1.42, -1.42, -1.42, -1.38, -1.3, -1.2, -1.0, -0.3, 0.2,
    ];
    for k in 0..12 {
        let z_post = vertebra_centre_z(&format!("T{}", k + 1)) + 8.0;
        let (cy, a, b) = rib_ring(z_post - DROP[k] * 0.5);
        let sec = |z: f64| BandSection::new(z, cy, a, b, 7.0);
        let band = |theta: [f64; 2]| {
            Shape::ArcBand(ArcBand::new(
                vec![sec(z_post - 5.0), sec(z_post + 5.0)],
                theta,
                DROP[k],
            ))
        };
        s.push("rib", band([FRONT[k], 1.25]), RIB);
        if CARTILAGE_END[k] < FRONT[k] {
            s.push(
                "costal cartilage",
                band([CARTILAGE_END[k], FRONT[k]]),
                CARTILAGE,
            );
        }
        // Rib neck: from the ring's posterior end to the vertebral body.
        let end_x = a * 1.25f64.cos();
        let end_y = cy + b * 1.25f64.sin();
        let zr = z_post - DROP[k] * super::shapes::anterior_fraction(1.25);
        both_sides(s, "rib neck", RIB, |sg| {
            capsule(
                [sg * end_x, end_y, zr],
                [sg * 14.0, spine_y(zr) + 10.0, zr],
                4.0,
            )
        });
    }
    s.push(
        "sternum",
        prism_of(128.0, 268.0, 4.0, |z| {
            let (cy, _, b, fat, _) = body_at(z);
            let front = cy - b + fat + 9.0;
            let w = if z > 238.0 {
                26.0
            } else if z < 140.0 {
                10.0
            } else {
                15.0
            };
            (0.0, front, w, 5.5)
        }),
        CORTICAL,
    );
    s.push(
        "sternal marrow",
        prism_of(130.0, 266.0, 4.0, |z| {
            let (cy, _, b, fat, _) = body_at(z);
            let front = cy - b + fat + 9.0;
            let w = if z > 238.0 {
                23.0
            } else if z < 140.0 {
                7.0
            } else {
                12.0
            };
            (0.0, front, w, 3.5)
        }),
        CANCELLOUS,
    );
    both_sides(s, "clavicle", CORTICAL, |sg| {
        capsule([sg * 18.0, -78.0, 262.0], [sg * 85.0, -30.0, 280.0], 7.0)
    });
    both_sides(s, "scapula", PELVIC_BONE, |sg| {
        rotated(
            [sg * 100.0, 68.0, 225.0],
            [48.0, 4.0, 55.0],
            DMat3::from_rotation_z(-sg * 0.62),
        )
    });
}

/// Heart axes: apex direction (left, anterior, inferior) and two perpendiculars.
fn heart_frame() -> DMat3 {
    let u = DVec3::new(0.6, -0.45, -0.65).normalize();
    let v = u.cross(DVec3::Z).normalize();
    let w = u.cross(v);
    DMat3::from_cols(u, v, w)
}

/// Semi-axes of the abdominal side of each diaphragm dome.
const DOME_INNER: [f64; 3] = [91.0, 96.0, 96.0];

/// Centre of the right (sign -1, top at z 125) or left (top at z 110) diaphragm dome.
fn dome_centre(sign: f64) -> [f64; 3] {
    let top = if sign < 0.0 { 125.0 } else { 110.0 };
    [sign * 60.0, 0.0, top - 100.0]
}

/// The right (sign -1) or left (+1) lung, before clipping to the chest cavity.
fn lung(sign: f64) -> Shape {
    const ROWS: [(f64, f64, f64, f64, f64); 8] = [
        (80.0, 85.0, 30.0, 45.0, 50.0),
        (110.0, 85.0, 12.0, 55.0, 80.0),
        (150.0, 83.0, 5.0, 58.0, 85.0),
        (200.0, 80.0, 5.0, 57.0, 82.0),
        (240.0, 80.0, 10.0, 45.0, 66.0),
        (265.0, 70.0, 14.0, 36.0, 50.0),
        (285.0, 52.0, 15.0, 22.0, 25.0),
        (295.0, 48.0, 15.0, 5.0, 5.0),
    ];
    let sections = ROWS
        .iter()
        .map(|&(z, cx, cy, a, b)| Section::new(z, sign * cx, cy, a, b))
        .collect();
    Shape::Prism(Prism::new(sections))
}

/// Pulmonary vessels: from each hilum, branches fanning out into the lung, each forking once.
fn lung_vessels(s: &mut Scene) {
    let seed = 0x7E55_E150;
    for sg in [-1.0, 1.0] {
        let hilum = DVec3::new(sg * 45.0, 5.0, 175.0);
        for k in 0..16u64 {
            let u = |j: u64| uniform(seed ^ (sg > 0.0) as u64, 8 * k + j);
            // Main branch towards a point in the middle of the lung.
            let mid = DVec3::new(
                sg * (65.0 + 30.0 * u(0)),
                -45.0 + 90.0 * u(1),
                175.0 + 120.0 * (k as f64 / 15.0 - 0.5) + 10.0 * (u(2) - 0.5),
            );
            let main = capsule(hilum.to_array(), mid.to_array(), 3.5);
            s.push("pulmonary vessel", Shape::clipped(main, lung(sg)), BLOOD);
            for j in 0..3u64 {
                let tip = mid
                    + DVec3::new(
                        sg * (15.0 + 20.0 * u(3 + j)),
                        40.0 * (u(5 + j) - 0.5),
                        30.0 * (j as f64 - 1.0),
                    );
                let branch = capsule(mid.to_array(), tip.to_array(), 2.0);
                s.push("pulmonary vessel", Shape::clipped(branch, lung(sg)), BLOOD);
            }
        }
    }
}

fn thorax(s: &mut Scene) {
    both_sides(s, "lung", LUNG, |sg| in_cavity(lung(sg)));
    lung_vessels(s);
    // Diaphragm domes: a muscular sheet over the abdominal content.
    for sg in [-1.0, 1.0] {
        let centre = dome_centre(sg);
        s.push(
            "diaphragm",
            above(
                in_cavity(ellipsoid(centre, DOME_INNER.map(|r| r + 4.0))),
                40.0,
            ),
            MUSCLE,
        );
        s.push(
            "abdomen",
            above(in_cavity(ellipsoid(centre, DOME_INNER)), 40.0),
            VISCERAL_FAT,
        );
    }
    s.push(
        "trachea wall",
        capsule([0.0, -10.0, 310.0], [0.0, -5.0, 195.0], 11.0),
        SOFT,
    );
    both_sides(s, "bronchus wall", SOFT, |sg| {
        capsule([0.0, -5.0, 197.0], [sg * 40.0, 5.0, 178.0], 7.5)
    });
    s.push(
        "trachea",
        capsule([0.0, -10.0, 310.0], [0.0, -5.0, 195.0], 9.0),
        GAS,
    );
    both_sides(s, "bronchus", GAS, |sg| {
        capsule([0.0, -5.0, 197.0], [sg * 40.0, 5.0, 178.0], 5.5)
    });
    s.push(
        "esophagus",
        capsule([-4.0, 12.0, 310.0], [-2.0, 16.0, 110.0], 7.0),
        ESOPHAGUS,
    );
    s.push(
        "esophagus",
        capsule([-2.0, 16.0, 110.0], [38.0, -18.0, 92.0], 7.0),
        ESOPHAGUS,
    );
}

fn heart_and_vessels(s: &mut Scene) {
    let f = heart_frame();
    let c = DVec3::new(22.0, -40.0, 150.0);
    let heart =
        |grow: f64| Shape::Ellipsoid(Ellipsoid::new(c, DVec3::new(58.0, 46.0, 42.0) + grow, f));
    s.push("pericardial fat", in_cavity(heart(4.0)), VISCERAL_FAT);
    s.push("heart", in_cavity(heart(0.0)), BLOOD);
    let lv_centre = c + f * DVec3::new(10.0, 6.0, 4.0);
    let lv = |shrink: f64| {
        Shape::Ellipsoid(Ellipsoid::new(
            lv_centre,
            DVec3::new(42.0, 28.0, 28.0) - shrink,
            f,
        ))
    };
    s.push("left ventricular myocardium", lv(0.0), MYOCARDIUM);
    s.push("left ventricle", lv(10.0), BLOOD);
    let aorta = [
        ([12.0, -28.0, 185.0], [6.0, -24.0, 225.0], 15.0),
        ([6.0, -24.0, 225.0], [22.0, 20.0, 228.0], 13.0),
        ([22.0, 20.0, 228.0], [15.0, 12.0, 40.0], 12.0),
        ([15.0, 12.0, 40.0], [8.0, 5.0, -75.0], 10.0),
    ];
    for (a, b, r) in aorta {
        s.push("aorta", capsule(a, b, r), BLOOD);
    }
    both_sides(s, "iliac artery", BLOOD, |sg| {
        capsule([8.0, 5.0, -75.0], [sg * 55.0, -5.0, -160.0], 6.5)
    });
    both_sides(s, "external iliac artery", BLOOD, |sg| {
        capsule([sg * 55.0, -5.0, -160.0], [sg * 75.0, -35.0, -215.0], 6.0)
    });
    s.push(
        "inferior vena cava",
        capsule([-22.0, 12.0, -75.0], [-22.0, 5.0, 110.0], 11.0),
        BLOOD,
    );
    s.push(
        "superior vena cava",
        capsule([-30.0, -38.0, 175.0], [-30.0, -40.0, 255.0], 10.0),
        BLOOD,
    );
    both_sides(s, "carotid artery", BLOOD, |sg| {
        capsule([sg * 25.0, -12.0, 262.0], [sg * 30.0, -2.0, 310.0], 5.0)
    });
    both_sides(s, "jugular vein", BLOOD, |sg| {
        capsule([sg * 42.0, -18.0, 268.0], [sg * 46.0, -8.0, 310.0], 7.0)
    });
    both_sides(s, "thyroid lobe", THYROID, |sg| {
        ellipsoid([sg * 18.0, -30.0, 283.0], [9.0, 10.0, 18.0])
    });
}

fn abdomen(s: &mut Scene) {
    bowel(s);
    both_sides(s, "psoas muscle", MUSCLE, |sg| {
        let rows = [
            (25.0, 30.0, 30.0, 6.0, 6.0),
            (-40.0, 42.0, 32.0, 18.0, 16.0),
            (-100.0, 55.0, 20.0, 22.0, 18.0),
            (-160.0, 75.0, -5.0, 20.0, 16.0),
            (-215.0, 88.0, -35.0, 18.0, 14.0),
        ];
        let sections = rows
            .iter()
            .map(|&(z, cx, cy, a, b)| Section::new(z, sg * cx, cy, a, b))
            .collect();
        Shape::Prism(Prism::new(sections))
    });
    kidneys(s);
    s.push(
        "pancreas",
        rotated(
            [25.0, -18.0, 25.0],
            [55.0, 11.0, 12.0],
            DMat3::from_rotation_z(-0.25),
        ),
        PANCREAS,
    );
    let spleen = rotated(
        [95.0, 40.0, 65.0],
        [48.0, 28.0, 42.0],
        DMat3::from_rotation_z(1.05),
    );
    let left_dome = ellipsoid(dome_centre(1.0), DOME_INNER);
    s.push(
        "spleen",
        in_cavity(Shape::clipped(spleen, left_dome)),
        SPLEEN,
    );
    let stomach_rot = DMat3::from_rotation_z(0.5);
    let stomach = |shrink: f64| {
        rotated(
            [52.0, -40.0, 72.0],
            [45.0 - shrink, 32.0 - shrink, 38.0 - shrink],
            stomach_rot,
        )
    };
    s.push("stomach", in_cavity(stomach(0.0)), STOMACH);
    s.push("stomach content", stomach(4.0), STOMACH_CONTENT);
    s.push("stomach gas", above(stomach(4.0), 92.0), GAS);
    let right_dome = ellipsoid(dome_centre(-1.0), DOME_INNER);
    let liver_right = rotated(
        [-75.0, -8.0, 35.0],
        [70.0, 90.0, 95.0],
        DMat3::from_rotation_y(0.45),
    );
    s.push(
        "liver",
        in_cavity(Shape::clipped(liver_right, right_dome)),
        LIVER,
    );
    s.push(
        "liver",
        in_cavity(ellipsoid([5.0, -45.0, 70.0], [45.0, 35.0, 28.0])),
        LIVER,
    );
    s.push(
        "gallbladder",
        rotated(
            [-40.0, -55.0, 25.0],
            [14.0, 14.0, 28.0],
            DMat3::from_rotation_x(0.4),
        ),
        GALLBLADDER,
    );
}

fn kidneys(s: &mut Scene) {
    for (sg, zc) in [(-1.0, -8.0), (1.0, 5.0)] {
        let rot = DMat3::from_rotation_z(sg * 0.35) * DMat3::from_rotation_y(sg * 0.15);
        s.push(
            "kidney",
            rotated([sg * 72.0, 48.0, zc], [27.0, 24.0, 52.0], rot),
            KIDNEY,
        );
        s.push(
            "renal sinus",
            ellipsoid([sg * 57.0, 44.0, zc], [10.0, 12.0, 25.0]),
            VISCERAL_FAT,
        );
        s.push(
            "renal pelvis",
            ellipsoid([sg * 56.0, 42.0, zc], [7.0, 8.0, 12.0]),
            URINE_RENAL,
        );
    }
}

/// Colon along a path of points, with wall and lumen.
fn colon(s: &mut Scene, path: &[[f64; 3]], lumen: Tissue) {
    for w in path.windows(2) {
        s.push("colon wall", capsule(w[0], w[1], 19.0), BOWEL_WALL);
    }
    for w in path.windows(2) {
        s.push("colon", capsule(w[0], w[1], 15.0), lumen);
    }
}

/// A uniform deviate in [0, 1) for (seed, i).
fn uniform(seed: u64, i: u64) -> f64 {
    (hash2(seed, i) >> 11) as f64 / (1u64 << 53) as f64
}

/// Small-bowel loops with centres in the box `lo..hi`, placed by `seed`.
fn small_bowel(s: &mut Scene, count: u64, lo: DVec3, hi: DVec3, seed: u64) {
    for k in 0..count {
        let u = |j: u64| uniform(seed, 6 * k + j);
        let c = lo + (hi - lo) * DVec3::new(u(0), u(1), u(2));
        let phi = std::f64::consts::TAU * u(3);
        let len = 16.0 + 14.0 * u(4);
        let d = DVec3::new(phi.cos(), 0.5 * phi.sin(), 0.6 * (u(5) - 0.5)) * len;
        let (a, b) = ((c - d).to_array(), (c + d).to_array());
        s.push("small bowel wall", capsule(a, b, 11.0), BOWEL_WALL);
        let lumen = if splitmix64(seed ^ k) % 5 == 0 {
            GAS
        } else {
            BOWEL_FLUID
        };
        s.push("small bowel", capsule(a, b, 8.0), lumen);
    }
}

fn bowel(s: &mut Scene) {
    // Ileum in the mid and lower abdomen, jejunum in the left upper quadrant.
    small_bowel(
        s,
        34,
        DVec3::new(-75.0, -78.0, -135.0),
        DVec3::new(75.0, -8.0, -20.0),
        0x5B0E_1100,
    );
    small_bowel(
        s,
        10,
        DVec3::new(15.0, -45.0, -25.0),
        DVec3::new(85.0, 10.0, 25.0),
        0x1E1E_0001,
    );
    colon(s, &[[-100.0, -5.0, -110.0], [-105.0, -20.0, -28.0]], STOOL);
    colon(
        s,
        &[
            [-105.0, -20.0, -28.0],
            [-30.0, -65.0, -38.0],
            [40.0, -62.0, -32.0],
            [100.0, -20.0, -12.0],
        ],
        GAS,
    );
    colon(s, &[[100.0, -20.0, -12.0], [105.0, 0.0, -110.0]], GAS);
    colon(
        s,
        &[
            [105.0, 0.0, -110.0],
            [60.0, -30.0, -140.0],
            [20.0, 15.0, -150.0],
            [0.0, 35.0, -150.0],
        ],
        BOWEL_FLUID,
    );
    colon(s, &[[0.0, 35.0, -150.0], [0.0, 35.0, -240.0]], STOOL);
}

fn pelvis(s: &mut Scene) {
    s.push(
        "sacrum",
        prism_of(-205.0, -108.0, 4.0, |z| {
            let t = ((z + 205.0) / 97.0).clamp(0.0, 1.0);
            (0.0, 75.0 - 40.0 * t, 16.0 + 40.0 * t, 10.0 + 9.0 * t)
        }),
        CORTICAL,
    );
    s.push(
        "sacral marrow",
        prism_of(-200.0, -110.0, 4.0, |z| {
            let t = ((z + 205.0) / 97.0).clamp(0.0, 1.0);
            (0.0, 75.0 - 40.0 * t, 13.0 + 39.0 * t, 7.0 + 8.0 * t)
        }),
        CANCELLOUS,
    );
    let wing = ArcBand::new(
        vec![
            BandSection::new(-85.0, 10.0, 138.0, 62.0, 8.0),
            BandSection::new(-120.0, 15.0, 125.0, 58.0, 10.0),
            BandSection::new(-165.0, 20.0, 98.0, 50.0, 16.0),
        ],
        [-0.5, 1.1],
        0.0,
    );
    s.push("iliac wing", Shape::ArcBand(wing), PELVIC_BONE);
    s.push(
        "bladder",
        ellipsoid([0.0, -45.0, -180.0], [42.0, 35.0, 30.0]),
        BLADDER,
    );
    both_sides(s, "acetabulum", PELVIC_BONE, |sg| {
        ellipsoid([sg * 80.0, 0.0, -180.0], [32.0, 32.0, 32.0])
    });
    both_sides(s, "pubic ramus", PELVIC_BONE, |sg| {
        capsule([sg * 70.0, -25.0, -192.0], [sg * 6.0, -78.0, -208.0], 9.0)
    });
    both_sides(s, "pubic ramus", PELVIC_BONE, |sg| {
        capsule([sg * 6.0, -78.0, -215.0], [sg * 55.0, 25.0, -232.0], 8.0)
    });
    both_sides(s, "ischium", PELVIC_BONE, |sg| {
        capsule([sg * 72.0, 15.0, -190.0], [sg * 55.0, 25.0, -232.0], 12.0)
    });
    both_sides(s, "hip joint", Tissue::new(60.0, 0.6), |sg| {
        Shape::sphere(DVec3::new(sg * 88.0, -5.0, -185.0), 25.5)
    });
    both_sides(s, "femoral cortex", CORTICAL, |sg| {
        Shape::sphere(DVec3::new(sg * 88.0, -5.0, -185.0), 23.0)
    });
    both_sides(s, "femoral cortex", CORTICAL, |sg| {
        capsule([sg * 88.0, -5.0, -185.0], [sg * 120.0, 5.0, -202.0], 14.0)
    });
    both_sides(s, "femoral cortex", CORTICAL, |sg| {
        Shape::sphere(DVec3::new(sg * 126.0, 8.0, -200.0), 17.0)
    });
    both_sides(s, "femoral cortex", CORTICAL, |sg| {
        capsule([sg * 120.0, 5.0, -205.0], [sg * 108.0, 0.0, -300.0], 14.0)
    });
    both_sides(s, "femoral head", CANCELLOUS, |sg| {
        Shape::sphere(DVec3::new(sg * 88.0, -5.0, -185.0), 21.0)
    });
    both_sides(s, "femoral neck", CANCELLOUS, |sg| {
        capsule([sg * 88.0, -5.0, -185.0], [sg * 120.0, 5.0, -202.0], 11.5)
    });
    both_sides(s, "greater trochanter", CANCELLOUS, |sg| {
        Shape::sphere(DVec3::new(sg * 126.0, 8.0, -200.0), 14.5)
    });
    both_sides(s, "femoral marrow", MARROW_FAT, |sg| {
        capsule([sg * 119.0, 5.0, -220.0], [sg * 108.0, 0.0, -300.0], 8.0)
    });
}

/// A planted lesion: its truth record and the tissue painted for it.
#[derive(Debug, Clone)]
pub(crate) struct Lesion {
    pub name: &'static str,
    pub centre: [f64; 3],
    pub diameter: f64,
    pub hu: f32,
    pub suv: f32,
}

/// The baseline study's five lesions.
pub(crate) fn lesion_list() -> [Lesion; 5] {
    let l3 = vertebra_centre_z("L3");
    [
        Lesion {
            name: "lung nodule (right upper lobe)",
            centre: [-85.0, -10.0, 215.0],
            diameter: 12.0,
            hu: 30.0,
            suv: 6.0,
        },
        Lesion {
            name: "liver metastasis",
            centre: [-85.0, -15.0, 55.0],
            diameter: 25.0,
            hu: 35.0,
            suv: 8.0,
        },
        Lesion {
            name: "mediastinal lymph node (right paratracheal)",
            centre: [-22.0, -14.0, 245.0],
            diameter: 15.0,
            hu: 35.0,
            suv: 5.0,
        },
        Lesion {
            name: "bone metastasis (L3 vertebral body)",
            centre: [0.0, spine_y(l3), l3],
            diameter: 18.0,
            hu: 80.0,
            suv: 7.0,
        },
        Lesion {
            name: "small lung nodule (left lower lobe)",
            centre: [85.0, 45.0, 140.0],
            diameter: 11.0,
            hu: 25.0,
            suv: 4.5,
        },
    ]
}

fn scene(lesions: &[Lesion]) -> Scene {
    let mut s = Scene::default();
    push_table(&mut s, BACK_Y, -260.0, 320.0);
    body_wall(&mut s);
    thorax(&mut s);
    abdomen(&mut s);
    heart_and_vessels(&mut s);
    pelvis(&mut s);
    spine(&mut s);
    rib_cage(&mut s);
    for l in lesions {
        s.push(
            "lesion",
            Shape::sphere(DVec3::from_array(l.centre), l.diameter / 2.0),
            Tissue::new(l.hu, l.suv),
        );
    }
    s
}

/// CT: 512 x 512 at 0.977 mm, 170 slices of 3 mm (z -220 to +290 mm).
/// PET: 144 x 144 at 4 mm, 157 slices of 3.27 mm, centre offset from the CT's.
fn grids() -> (Geometry, Geometry) {
    let px = 500.0 / 512.0;
    let ct = Geometry::axial(
        [512, 512, 170],
        [px, px, 3.0],
        DVec3::new(-255.5 * px, -255.5 * px + 20.0, -218.5),
    );
    let (n, s, nz, sz) = (144usize, 4.0, 157usize, 3.27);
    let centre = DVec3::new(-1.1, 21.7, 35.6);
    let half = DVec3::new(
        (n - 1) as f64 * s / 2.0,
        (n - 1) as f64 * s / 2.0,
        (nz - 1) as f64 * sz / 2.0,
    );
    (ct, Geometry::axial([n, n, nz], [s, s, sz], centre - half))
}

/// The torso's design.
pub(crate) fn design() -> Design {
    design_with(&lesion_list(), baseline_acquisition())
}

/// The baseline patient and dose.
pub(crate) fn baseline_acquisition() -> Acquisition {
    Acquisition {
        weight_kg: 75.0,
        height_m: 1.78,
        sex: 'M',
        injected_dose_bq: 300.0e6,
        half_life_s: F18_HALF_LIFE_S,
        injection_to_scan_s: 3600.0,
    }
}

/// The torso with the given lesions and acquisition, on the baseline grids.
pub(crate) fn design_with(lesion_list: &[Lesion], acquisition: Acquisition) -> Design {
    let (ct, pet) = grids();
    let lesions = lesion_list
        .iter()
        .map(|l| PlantedLesion {
            name: l.name.to_string(),
            centre_mm: DVec3::from_array(l.centre),
            diameter_mm: l.diameter,
            suv: l.suv as f64,
        })
        .collect();
    Design {
        scene: scene(lesion_list),
        ct,
        pet,
        acquisition,
        lesions,
    }
}
