use super::*;
use crate::analysis::suv_peak;
use crate::volume::Geometry;
use glam::DVec3;

/// A 4 mm grid with background 1, a uniform sphere of 5 (radius 14 mm) and one hot voxel
/// of 40 on the sphere's edge.
fn off_centre_hot_voxel() -> (Volume, [usize; 3], Vec<[usize; 3]>) {
    let g = Geometry::axial([32, 32, 32], [4.0, 4.0, 4.0], DVec3::ZERO);
    let c = DVec3::splat(64.0);
    let mut data = vec![1.0f32; 32 * 32 * 32];
    let mut lesion = Vec::new();
    for z in 0..32 {
        for y in 0..32 {
            for x in 0..32 {
                let p = g.voxel_to_patient(DVec3::new(x as f64, y as f64, z as f64));
                if p.distance(c) <= 14.0 {
                    data[x + 32 * (y + 32 * z)] = 5.0;
                    lesion.push([x, y, z]);
                }
            }
        }
    }
    // (19, 16, 16) lies 12 mm from the centre: inside, on the edge.
    let hot = [19, 16, 16];
    data[hot[0] + 32 * (hot[1] + 32 * hot[2])] = 40.0;
    (Volume::new(g, data, Unit::SuvBw).unwrap(), hot, lesion)
}

#[test]
fn percist_peak_beats_the_max_centred_peak_when_the_hottest_voxel_is_off_centre() {
    let (v, hot, lesion) = off_centre_hot_voxel();
    let centred = suv_peak(&v, hot);
    let peak = percist_peak(&v, &lesion).unwrap();
    assert!(
        peak.mean > centred + 1e-6,
        "PERCIST {} vs max-centred {centred}",
        peak.mean
    );
    assert_ne!(peak.voxel, hot);
}
