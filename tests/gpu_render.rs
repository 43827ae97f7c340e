//! GPU rendering on the available adapter (Mesa's llvmpipe in CI) against the CPU
//! reference, plus orientation and fusion-alignment checks.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/gpu.rs"]
mod gpu;

use glam::{DVec3, Vec3};
use half::f16;
use petct::render::camera::{project, OrbitCamera, StandardView};
use petct::render::colormap::Colormap;
use petct::render::cpu_reference::{render as cpu_render, CpuScene};
use petct::render::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use petct::render::raymarch::RaymarchUniforms;
use petct::render::renderer::Renderer;
use petct::render::scene::{FusedScene, PreparedScene};
use petct::render::settings::{ClipPlane, RenderMode, RenderSettings};
use petct::render::transfer::CtPreset;
use petct::volume::{Geometry, HalfVolume, Unit, Volume};
use std::sync::Arc;

const SIZE: u32 = 64;

/// A small CT: air, an elliptic soft-tissue body, a bone rod along z, and a bone marker
/// on the patient's left (+x).
fn ct_volume() -> Arc<HalfVolume> {
    let g = Geometry::axial(
        [40, 32, 24],
        [4.0, 4.0, 5.0],
        DVec3::new(-78.0, -62.0, -57.5),
    );
    let data = volume_from(&g, |p| {
        let body = (p.x / 70.0).powi(2) + (p.y / 50.0).powi(2) < 1.0;
        let rod = (p.x.powi(2) + (p.y - 25.0).powi(2)).sqrt() < 9.0;
        let marker = (p - DVec3::new(45.0, 0.0, 20.0)).length() < 12.0;
        if marker || rod {
            1200.0
        } else if body {
            40.0
        } else {
            -1000.0
        }
    });
    Arc::new(
        HalfVolume::new(
            g,
            data.iter().map(|&v| f16::from_f32(v)).collect(),
            Unit::Hounsfield,
        )
        .unwrap(),
    )
}

/// A PET on a coarser, shifted grid with a hot sphere (SUV 8) in a background of 1.
fn pet_volume(hot: DVec3) -> Volume {
    let g = Geometry::axial(
        [22, 18, 14],
        [7.3, 7.3, 8.1],
        DVec3::new(-80.3, -61.7, -55.9),
    );
    let data = volume_from(&g, |p| {
        let body = (p.x / 70.0).powi(2) + (p.y / 50.0).powi(2) < 1.0;
        1000.0
            * if (p - hot).length() < 14.0 {
                8.0
            } else if body {
                1.0
            } else {
                0.0
            }
    });
    Volume::new(g, data, Unit::BecquerelPerMl).unwrap()
}

fn camera(scene: &FusedScene) -> OrbitCamera {
    let (lo, hi) = scene.patient_bounds();
    let mut c = OrbitCamera::framing(lo, hi);
    c.azimuth_deg = 25.0;
    c.elevation_deg = 15.0;
    c
}

fn render_both(
    ctx: &petct::render::context::GpuContext,
    scene: &mut FusedScene,
    settings: &RenderSettings,
    cam: &OrbitCamera,
) -> (image::RgbaImage, image::RgbaImage) {
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let gpu = renderer
        .render_3d_image(ctx, scene, settings, cam, SIZE, SIZE)
        .unwrap();
    let uniforms = RaymarchUniforms::new(scene, settings, cam, SIZE, SIZE);
    let cpu = cpu_render(&CpuScene {
        ct: scene.ct.as_ref().map(|v| &v.prepared),
        pet: scene.pet.as_ref().map(|v| &v.prepared),
        uniforms,
        settings,
    });
    (gpu, cpu)
}

fn settings(mode: RenderMode) -> RenderSettings {
    RenderSettings {
        mode,
        ct_preset: CtPreset::Bone,
        colormap: Colormap::HotIron,
        pet_window: [2.0, 8.0],
        step_mm: 1.0,
        jitter_seed: 7,
        ..RenderSettings::default()
    }
}

#[test]
fn gpu_matches_cpu_reference_in_every_mode() {
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let pet = pet_volume(DVec3::new(-30.0, 0.0, 0.0));
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let cam = camera(&scene);
    let mut cases = vec![
        ("fused", settings(RenderMode::FusedDvr)),
        (
            "pet-mip",
            RenderSettings {
                colormap: Colormap::InvertedGrey,
                pet_window: [0.0, 8.0],
                ..settings(RenderMode::PetMip)
            },
        ),
        ("ct-mip", settings(RenderMode::CtMip)),
        (
            "ct-dvr-soft",
            RenderSettings {
                ct_preset: CtPreset::SoftTissue,
                ..settings(RenderMode::CtDvr)
            },
        ),
    ];
    let mut cropped = settings(RenderMode::FusedDvr);
    cropped.crop = Some((Vec3::new(-60.0, -60.0, -40.0), Vec3::new(60.0, 60.0, 40.0)));
    cropped.clip_plane = Some(ClipPlane {
        normal: Vec3::new(0.0, -1.0, 0.0),
        offset: 10.0,
    });
    cases.push(("fused-crop-clip", cropped));
    for (name, s) in cases {
        let (gpu_img, cpu_img) = render_both(&ctx, &mut scene, &s, &cam);
        gpu::assert_images_close(name, &gpu_img, &cpu_img, 1.0 / 255.0, 4.0 / 255.0);
        let distinct: std::collections::HashSet<_> = gpu_img.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 20, "{name}: image is nearly uniform");
    }
}

#[test]
fn empty_space_skipping_does_not_change_the_image() {
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let pet = pet_volume(DVec3::new(-30.0, 0.0, 0.0));
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let cam = camera(&scene);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    for mode in RenderMode::ALL {
        let mut s = settings(mode);
        let with = renderer
            .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
            .unwrap();
        s.empty_space_skipping = false;
        let without = renderer
            .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
            .unwrap();
        gpu::assert_images_close(
            &format!("ess-{}", mode.name()),
            &with,
            &without,
            0.2 / 255.0,
            1.0 / 255.0,
        );
    }
}

#[test]
fn releasing_the_cpu_texels_leaves_the_gpu_image_as_it_was() {
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let pet = pet_volume(DVec3::new(-30.0, 0.0, 0.0));
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let cam = camera(&scene);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let s = settings(RenderMode::FusedDvr);
    let before = renderer
        .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
        .unwrap();
    scene.release_cpu_texels();
    assert!(scene.ct.as_ref().unwrap().prepared.texels().is_empty());
    assert!(scene.pet.as_ref().unwrap().prepared.texels().is_empty());
    let after = renderer
        .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
        .unwrap();
    gpu::assert_images_close("released-texels", &before, &after, 0.0, 0.0);
}

/// Centroid x of pixels brighter than a threshold.
fn bright_centroid(img: &image::RgbaImage, threshold: u8) -> Option<(f32, f32)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, p) in img.enumerate_pixels() {
        if p[0] > threshold {
            sx += x as f32;
            sy += y as f32;
            n += 1.0;
        }
    }
    (n > 0.0).then(|| (sx / n, sy / n))
}

#[test]
fn patient_left_marker_is_on_screen_right_in_the_anterior_view() {
    let Some(ctx) = gpu::gpu() else { return };
    // Only the marker: CT MIP with a window that shows bone above 1100 HU, rod cropped away.
    let ct = ct_volume();
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), None, 1.0);
    let mut cam = camera(&scene);
    cam.set_view(StandardView::Anterior);
    let mut s = settings(RenderMode::CtMip);
    s.ct_window = petct::render::settings::CtWindow {
        width: 200.0,
        level: 1100.0,
    };
    s.crop = Some((
        Vec3::new(20.0, -100.0, -100.0),
        Vec3::new(100.0, 100.0, 100.0),
    ));
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let img = renderer
        .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
        .unwrap();
    let (x, y) = bright_centroid(&img, 128).expect("marker visible");
    assert!(
        x > SIZE as f32 * 0.6,
        "marker at x {x}: patient's left must be on screen right"
    );
    assert!(
        y < SIZE as f32 * 0.5,
        "marker (superior) at y {y}: head must be up"
    );
}

#[test]
fn pet_and_ct_points_at_one_patient_position_land_on_one_pixel() {
    let Some(ctx) = gpu::gpu() else { return };
    let point = DVec3::new(31.0, -12.0, 17.0);
    // CT: a single dense point; PET: a single hot point, each on its own grid.
    let ct_g = Geometry::axial(
        [64, 64, 40],
        [2.0, 2.0, 2.5],
        DVec3::new(-63.0, -64.0, -49.0),
    );
    let pet_g = Geometry::axial(
        [24, 24, 16],
        [5.5, 5.5, 6.5],
        DVec3::new(-61.1, -67.3, -46.2),
    );
    let blob = |g: &Geometry, sigma: f64, peak: f32| {
        let d = g.dims;
        let mut data = vec![0.0f32; g.voxel_count()];
        for k in 0..d[2] {
            for j in 0..d[1] {
                for i in 0..d[0] {
                    let p = g.voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64));
                    let r2 = (p - point).length_squared();
                    data[i + d[0] * (j + d[1] * k)] =
                        peak * (-r2 / (2.0 * sigma * sigma)).exp() as f32;
                }
            }
        }
        data
    };
    let ct = Volume::<f32>::new(ct_g.clone(), blob(&ct_g, 3.0, 2000.0), Unit::Hounsfield).unwrap();
    let ct = Arc::new(ct.convert());
    let pet = Volume::new(pet_g.clone(), blob(&pet_g, 6.0, 10.0), Unit::SuvBw).unwrap();
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0);
    let mut cam = camera(&scene);
    cam.azimuth_deg = 35.0;
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let mut ct_mip = settings(RenderMode::CtMip);
    ct_mip.ct_window = petct::render::settings::CtWindow {
        width: 2000.0,
        level: 1000.0,
    };
    let mut pet_mip = settings(RenderMode::PetMip);
    pet_mip.colormap = Colormap::Grey;
    pet_mip.pet_window = [0.0, 10.0];
    let size = 128;
    let a = renderer
        .render_3d_image(&ctx, &mut scene, &ct_mip, &cam, size, size)
        .unwrap();
    let b = renderer
        .render_3d_image(&ctx, &mut scene, &pet_mip, &cam, size, size)
        .unwrap();
    let argmax = |img: &image::RgbaImage| {
        img.enumerate_pixels()
            .max_by_key(|(_, _, p)| p[0])
            .map(|(x, y, _)| (x as f32, y as f32))
            .unwrap()
    };
    let (ax, ay) = argmax(&a);
    let (bx, by) = argmax(&b);
    let expected = project(cam.view_proj(1.0), point.as_vec3(), size, size).unwrap();
    for (x, y) in [(ax, ay), (bx, by)] {
        assert!(
            (x + 0.5 - expected.0).abs() <= 1.5 && (y + 0.5 - expected.1).abs() <= 1.5,
            "peak at ({x}, {y}), point projects to {expected:?}"
        );
    }
}

#[test]
fn axial_mpr_shows_patient_left_on_screen_right_and_fuses_pet() {
    use petct::render::mpr::{MprOrientation, MprView};
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let hot = DVec3::new(-30.0, 0.0, 20.0);
    let pet = pet_volume(hot);
    let scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let mut s = settings(RenderMode::FusedDvr);
    s.ct_window = petct::render::settings::CtWindow {
        width: 400.0,
        level: 40.0,
    };
    s.fusion_opacity = 1.0;
    s.pet_window = [2.0, 16.0];
    let mut view = MprView::new(MprOrientation::Axial, Vec3::new(0.0, 0.0, 20.0));
    view.crosshair = false;
    let img = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    let _ = img.save(gpu::output_dir().join("mpr-axial.png"));
    let plane = view.plane(scene.display_bounds(), 96, 96);
    // The bone marker at x = +45 (patient left) is white and on the right half.
    let marker = plane.pixel_of(Vec3::new(45.0, 0.0, 20.0));
    assert!(marker.x > 48.0);
    let m = img.get_pixel(marker.x as u32, marker.y as u32);
    assert!(m[0] > 240 && m[1] > 240 && m[2] > 240, "marker pixel {m:?}");
    // The PET hot spot at x = -30 (patient right) is on the left half and coloured.
    let spot = plane.pixel_of(hot.as_vec3());
    assert!(spot.x < 48.0);
    let p = img.get_pixel(spot.x as u32, spot.y as u32);
    assert!(
        p[0] > 150 && p[2] < 100 && p[0] != p[1],
        "hot spot pixel {p:?} should be hot-iron red/yellow"
    );
    // Fusion opacity 0 shows plain grey soft tissue there.
    s.fusion_opacity = 0.0;
    let grey = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    let g = grey.get_pixel(spot.x as u32, spot.y as u32);
    assert!(g[0] == g[1] && g[1] == g[2], "CT only at opacity 0: {g:?}");
}

#[test]
fn slice_panes_show_ct_pet_or_fused_and_pet_beyond_a_cropped_ct() {
    use petct::render::mpr::{MprOrientation, MprView, SliceContent};
    let Some(ctx) = gpu::gpu() else { return };
    let hot = DVec3::new(-30.0, 0.0, 20.0);
    let pet = pet_volume(hot);
    let ct = ct_volume();
    let scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let mut view = MprView::new(MprOrientation::Axial, hot.as_vec3());
    view.crosshair = false;
    let mut render = |scene: &FusedScene, s: &RenderSettings, view: &MprView, name: &str| {
        let img = renderer
            .render_mpr_image(&ctx, scene, s, view, 96, 96)
            .unwrap();
        let _ = img.save(gpu::output_dir().join(format!("mpr-{name}.png")));
        img
    };
    let plane = view.plane(scene.display_bounds(), 96, 96);
    let px = |p: DVec3| {
        let q = plane.pixel_of(p.as_vec3());
        (q.x as u32, q.y as u32)
    };
    let (spot, body) = (px(hot), px(DVec3::new(30.0, -30.0, 20.0)));
    // CT alone: grey soft tissue at the hot spot.
    view.content = SliceContent::Ct;
    let ct_only = render(&scene, &settings(RenderMode::FusedDvr), &view, "ct-only");
    let g = ct_only.get_pixel(spot.0, spot.1);
    assert!(g[0] == g[1] && g[1] == g[2], "CT only: {g:?}");
    // PET alone in inverted grey SUV 0-5: the hot spot black, the body light grey.
    view.content = SliceContent::Pet;
    let mut s = settings(RenderMode::FusedDvr);
    s.colormap = Colormap::InvertedGrey;
    s.pet_window = [0.0, 5.0];
    let pet_only = render(&scene, &s, &view, "pet-only");
    assert!(pet_only.get_pixel(spot.0, spot.1)[0] < 30, "hot spot dark");
    let b = pet_only.get_pixel(body.0, body.1);
    assert!(
        (170..240).contains(&b[0]) && b[0] == b[2],
        "body SUV 1 light grey: {b:?}"
    );
    // Fused with a CT cropped below this slice: the PET shows there, body included.
    let dims = [40, 32, 6];
    let cropped = Arc::new(
        HalfVolume::new(
            Geometry::axial(dims, [4.0, 4.0, 5.0], DVec3::new(-78.0, -62.0, -57.5)),
            ct.data[..dims.iter().product()].to_vec(),
            Unit::Hounsfield,
        )
        .unwrap(),
    );
    let scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&cropped), Some(&pet), 1.0e-3);
    view.content = SliceContent::Fused;
    let fused = render(
        &scene,
        &settings(RenderMode::FusedDvr),
        &view,
        "fused-beyond-ct",
    );
    let plane = view.plane(scene.display_bounds(), 96, 96);
    let at = |p: DVec3| {
        let q = plane.pixel_of(p.as_vec3());
        *fused.get_pixel(q.x as u32, q.y as u32)
    };
    let (h, b) = (at(hot), at(DVec3::new(30.0, -30.0, 20.0)));
    assert!(
        h[0] > 200 && h[1] > 150,
        "hot spot bright beyond the CT: {h:?}"
    );
    assert!(
        b[0] > 10 && b[0] < h[0],
        "body visible beyond the CT: {b:?}"
    );
}

#[test]
fn lesion_labels_outline_slices_and_glow_in_3d() {
    use petct::render::mpr::{MprOrientation, MprView};
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let hot = DVec3::new(-30.0, 0.0, 20.0);
    let pet = pet_volume(hot);
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    // The hot sphere's voxels are lesion 1 (ids as analysis::HotspotResult::labels).
    let labels: Vec<u16> = pet.data.iter().map(|&v| u16::from(v > 4000.0)).collect();
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let mut s = settings(RenderMode::FusedDvr);
    s.selected_lesion = 1;
    let mut view = MprView::new(MprOrientation::Axial, hot.as_vec3());
    view.crosshair = false;
    let count = |img: &image::RgbaImage, colour: fn(&image::Rgba<u8>) -> bool| {
        img.pixels().filter(|p| colour(p)).count()
    };
    let cyan = |p: &image::Rgba<u8>| p[0] < 80 && p[1] > 200 && p[2] > 200;
    let green = |p: &image::Rgba<u8>| p[0] < 100 && p[1] > 200 && p[2] < 120;
    let plain = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    let generation = scene.labels_generation();
    scene.set_labels(&ctx.device, &ctx.queue, Some(&labels));
    assert_eq!(scene.labels_generation(), generation + 1);
    let outlined = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    assert_eq!(count(&plain, cyan), 0);
    assert!(
        count(&outlined, cyan) > 10,
        "selected lesion outline missing"
    );
    assert_eq!(count(&outlined, green), 0, "selected lesion drawn green");
    // Selecting another lesion is a uniform change: the outline turns green, no re-upload.
    let mut other = s.clone();
    other.selected_lesion = 2;
    let unselected = renderer
        .render_mpr_image(&ctx, &scene, &other, &view, 96, 96)
        .unwrap();
    assert_eq!(count(&unselected, cyan), 0, "unselected lesion drawn cyan");
    assert!(count(&unselected, green) > 10, "lesion outline missing");
    assert_eq!(scene.labels_generation(), generation + 1);
    let cam = camera(&scene);
    let glow = renderer
        .render_3d_image(&ctx, &mut scene, &s, &cam, SIZE, SIZE)
        .unwrap();
    let greenish = glow.pixels().filter(|p| p[1] > p[0] && p[2] > 60).count();
    assert!(greenish > 5, "lesion glow missing in 3D");
    // The selected lesion glows cyan, bluer than the same lesion unselected (green).
    let glow_other = renderer
        .render_3d_image(&ctx, &mut scene, &other, &cam, SIZE, SIZE)
        .unwrap();
    let blue = |img: &image::RgbaImage| img.pixels().map(|p| u64::from(p[2])).sum::<u64>();
    assert!(
        blue(&glow) > blue(&glow_other),
        "selected lesion not cyan in 3D"
    );
    // Highlight off restores the plain rendering.
    let mut off = s.clone();
    off.highlight_lesions = false;
    let again = renderer
        .render_mpr_image(&ctx, &scene, &off, &view, 96, 96)
        .unwrap();
    assert_eq!(again, plain);
}

#[test]
fn a_reference_mask_outlines_slices_in_its_own_colour_beside_the_lesion_outline() {
    use petct::render::mpr::{MprOrientation, MprView};
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let hot = DVec3::new(-30.0, 0.0, 20.0);
    let pet = pet_volume(hot);
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let s = settings(RenderMode::FusedDvr);
    let mut view = MprView::new(MprOrientation::Axial, hot.as_vec3());
    view.crosshair = false;
    let magenta = |img: &image::RgbaImage| {
        img.pixels()
            .filter(|p| p[0] > 230 && p[1] > 40 && p[1] < 90 && p[2] > 210)
            .count()
    };
    let green = |img: &image::RgbaImage| {
        img.pixels()
            .filter(|p| p[0] < 100 && p[1] > 200 && p[2] < 120)
            .count()
    };
    let plain = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    // The hot sphere is both the hot-spot lesion and the reference.
    let mask: Vec<u8> = pet.data.iter().map(|&v| u8::from(v > 4000.0)).collect();
    let labels: Vec<u16> = mask.iter().map(|&v| u16::from(v)).collect();
    scene.set_labels(&ctx.device, &ctx.queue, Some(&labels));
    let generation = scene.reference_generation();
    scene.set_reference(&ctx.device, &ctx.queue, Some(&mask));
    assert_eq!(scene.reference_generation(), generation + 1);
    let both = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    assert_eq!(magenta(&plain), 0);
    // Where the two agree, both contours show: each takes its own side of the boundary.
    let (m, g) = (magenta(&both), green(&both));
    assert!(m > 10 && g > 10, "magenta {m}, green {g}");
    assert!(
        m.abs_diff(g) * 3 < m.max(g),
        "the contours are about as long: magenta {m}, green {g}"
    );
    // Off is a uniform: the lesion outline alone, as before the upload.
    let mut off = s.clone();
    off.reference_outline = false;
    let hidden = renderer
        .render_mpr_image(&ctx, &scene, &off, &view, 96, 96)
        .unwrap();
    assert_eq!(magenta(&hidden), 0);
    assert!(green(&hidden) >= g, "the lesion outline stays");
    // A mask of the wrong size clears it.
    scene.set_reference(&ctx.device, &ctx.queue, Some(&mask[1..]));
    assert!(!scene.reference().present);
    let cleared = renderer
        .render_mpr_image(&ctx, &scene, &s, &view, 96, 96)
        .unwrap();
    assert_eq!(cleared, hidden);
}

#[test]
fn rendering_in_parts_gives_the_one_shot_image() {
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let pet = pet_volume(DVec3::new(-30.0, 0.0, 0.0));
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let cam = camera(&scene);
    // Jitter on: each pixel's ray start depends on its position, which parts must keep.
    let s = settings(RenderMode::FusedDvr);
    let (w, h) = (64, 48);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let one_shot = renderer
        .render_3d_image(&ctx, &mut scene, &s, &cam, w, h)
        .unwrap();
    let target = OffscreenTarget::new(&ctx.device, w, h).unwrap();
    let n = Renderer::part_rows(w, h);
    assert_eq!(n, 12, "rows of 4x4 blocks");
    let parts = [0..1, 1..2, 2..5, 5..5, 5..n];
    // The image appears in the target only with the last part, put in order.
    for (k, rows) in parts.iter().enumerate() {
        let done =
            renderer.render_3d_part(&ctx, &mut scene, &s, &cam, (&target).into(), rows.clone());
        assert_eq!(done, k == parts.len() - 1, "part {rows:?}");
        if !done {
            let untouched = target.read(&ctx).unwrap();
            assert!(untouched.pixels().all(|p| p[3] == 0), "part {rows:?}");
        }
    }
    let parted = target.read(&ctx).unwrap();
    // Exact equality is expected; the tolerance is the CPU-reference tests'.
    let (mean, p99) = gpu::difference(&parted, &one_shot);
    eprintln!(
        "parts vs one shot: mean {:.3}/255, p99 {:.3}/255",
        mean * 255.0,
        p99 * 255.0
    );
    gpu::assert_images_close("parts", &parted, &one_shot, 1.0 / 255.0, 4.0 / 255.0);
}

#[test]
fn a_spread_out_render_gives_the_one_shot_image() {
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let pet = pet_volume(DVec3::new(-30.0, 0.0, 0.0));
    let mut scene = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let cam = camera(&scene);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    // Sizes that are and are not multiples of the pieces; jitter on (rays keep their pixel).
    for (mode, (w, h)) in [
        (RenderMode::FusedDvr, (61, 37)),
        (RenderMode::PetMip, (32, 48)),
        (RenderMode::FusedDvr, (9, 70)),
    ] {
        let s = settings(mode);
        let one_shot = renderer
            .render_3d_image(&ctx, &mut scene, &s, &cam, w, h)
            .unwrap();
        // The image lands in the corner of a larger target (as the viewer's coarse one).
        let target = OffscreenTarget::new(&ctx.device, w + 13, h + 5).unwrap();
        renderer.render_3d_spread(&ctx, &mut scene, &s, &cam, &target, (w, h));
        let spread = image::imageops::crop_imm(&target.read(&ctx).unwrap(), 0, 0, w, h).to_image();
        // Exact equality is expected; the tolerance is the CPU-reference tests'.
        gpu::assert_images_close(
            &format!("spread-{}-{w}x{h}", mode.name()),
            &spread,
            &one_shot,
            1.0 / 255.0,
            4.0 / 255.0,
        );
        assert!(
            spread.pixels().all(|p| p[3] == 255),
            "every pixel written ({w}x{h})"
        );
    }
}

#[test]
fn uploading_a_scene_prepared_on_a_worker_renders_like_fused_scene_new() {
    use petct::render::mpr::{MprOrientation, MprView};
    let Some(ctx) = gpu::gpu() else { return };
    let ct = ct_volume();
    let hot = DVec3::new(-30.0, 0.0, 20.0);
    let pet = pet_volume(hot);
    let max_dim = ctx.device.limits().max_texture_dimension_3d as usize;
    let prepared = std::thread::scope(|scope| {
        scope
            .spawn(|| PreparedScene::new(Some(&ct), Some(&pet), 1.0e-3, max_dim))
            .join()
            .unwrap()
    });
    let mut uploaded = FusedScene::upload(&ctx.device, &ctx.queue, prepared);
    let mut direct = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let s = settings(RenderMode::FusedDvr);
    let cam = camera(&direct);
    let mut render_3d = |scene: &mut FusedScene| {
        renderer
            .render_3d_image(&ctx, scene, &s, &cam, SIZE, SIZE)
            .unwrap()
    };
    let (a, b) = (render_3d(&mut uploaded), render_3d(&mut direct));
    gpu::assert_images_close("prepared-3d", &a, &b, 1.0 / 255.0, 4.0 / 255.0);
    let view = MprView::new(MprOrientation::Axial, hot.as_vec3());
    let mut render_mpr = |scene: &FusedScene| {
        renderer
            .render_mpr_image(&ctx, scene, &s, &view, SIZE, SIZE)
            .unwrap()
    };
    let (a, b) = (render_mpr(&uploaded), render_mpr(&direct));
    gpu::assert_images_close("prepared-mpr", &a, &b, 1.0 / 255.0, 4.0 / 255.0);
}

/// A CT and a PET deeper than they are wide, as total-body studies are: a body, a spine
/// running the whole length and bone spheres and PET hot spots on the slices where slabs
/// meet (for a texture limit of 24: CT slices 23 and 46, PET slice 23).
fn tall_study() -> (Arc<HalfVolume>, Volume) {
    let ct_g = Geometry::axial(
        [24, 20, 70],
        [4.0, 4.0, 3.0],
        DVec3::new(-46.0, -38.0, -103.5),
    );
    let boundaries = [
        ct_g.voxel_to_patient(DVec3::new(11.5, 9.5, 23.0)),
        ct_g.voxel_to_patient(DVec3::new(11.5, 9.5, 46.0)),
    ];
    let ct = volume_from(&ct_g, |p| {
        let body = (p.x / 40.0).powi(2) + (p.y / 30.0).powi(2) < 1.0;
        let spine = (p.x.powi(2) + (p.y - 15.0).powi(2)).sqrt() < 6.0;
        let marker = boundaries
            .iter()
            .any(|b| (p - *b - DVec3::new(-18.0, 0.0, 0.0)).length() < 9.0);
        if spine || marker {
            1200.0
        } else if body {
            40.0
        } else {
            -1000.0
        }
    });
    let pet_g = Geometry::axial(
        [12, 10, 36],
        [8.0, 8.0, 6.0],
        DVec3::new(-44.0, -36.0, -105.0),
    );
    let pet_boundary = pet_g.voxel_to_patient(DVec3::new(5.5, 4.5, 23.0));
    let pet = volume_from(&pet_g, |p| {
        let body = (p.x / 40.0).powi(2) + (p.y / 30.0).powi(2) < 1.0;
        let hot = boundaries
            .iter()
            .chain([&pet_boundary])
            .any(|b| (p - *b - DVec3::new(16.0, 0.0, 0.0)).length() < 10.0);
        1000.0
            * if hot {
                8.0
            } else if body {
                1.0
            } else {
                0.0
            }
    });
    let ct = Volume::new(ct_g, ct, Unit::Hounsfield).unwrap();
    let pet = Volume::new(pet_g, pet, Unit::BecquerelPerMl).unwrap();
    (Arc::new(ct.convert()), pet)
}

/// Values of `f` at the voxel centres of a grid, x fastest.
fn volume_from(g: &Geometry, f: impl Fn(DVec3) -> f64) -> Vec<f32> {
    let d = g.dims;
    let mut data = Vec::with_capacity(d.iter().product());
    for k in 0..d[2] {
        for j in 0..d[1] {
            for i in 0..d[0] {
                data.push(f(g.voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64))) as f32);
            }
        }
    }
    data
}

#[test]
fn volumes_split_into_slabs_render_like_one_texture_without_seams() {
    use petct::render::mpr::{MprOrientation, MprView};
    use petct::render::prepared::TextureLimits;
    let Some(ctx) = gpu::gpu() else { return };
    let (ct, pet) = tall_study();
    let lowered = TextureLimits {
        max_dim_3d: 24,
        budget_bytes: 1 << 30,
    };
    let mut split = FusedScene::with_limits(
        &ctx.device,
        &ctx.queue,
        (Some(&ct), Some(&pet)),
        1.0e-3,
        lowered,
    );
    let mut whole = FusedScene::new(&ctx.device, &ctx.queue, Some(&ct), Some(&pet), 1.0e-3);
    // Split, not downsampled: 70 CT slices in 3 slabs of 24 sharing a slice, 36 PET in 2.
    assert!(split.warnings.is_empty(), "{:?}", split.warnings);
    let (split_ct, split_pet) = (split.ct.as_ref().unwrap(), split.pet.as_ref().unwrap());
    assert_eq!(split_ct.prepared.dims(), [24, 20, 70]);
    assert_eq!((split_ct.slabs.count, split_pet.slabs.count), (3, 2));
    assert_eq!(whole.ct.as_ref().unwrap().slabs.count, 1);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let cam = {
        let mut c = camera(&whole);
        c.elevation_deg = 5.0;
        c
    };
    for mode in [
        RenderMode::FusedDvr,
        RenderMode::PetMip,
        RenderMode::CtMip,
        RenderMode::CtDvr,
    ] {
        let s = settings(mode);
        let a = renderer
            .render_3d_image(&ctx, &mut split, &s, &cam, SIZE, SIZE)
            .unwrap();
        let b = renderer
            .render_3d_image(&ctx, &mut whole, &s, &cam, SIZE, SIZE)
            .unwrap();
        gpu::assert_images_close(&format!("slabs-{mode:?}"), &a, &b, 1.0 / 255.0, 4.0 / 255.0);
        // And the CPU reference, which samples the volume as one grid.
        let cpu = cpu_render(&CpuScene {
            ct: split.ct.as_ref().map(|v| &v.prepared),
            pet: split.pet.as_ref().map(|v| &v.prepared),
            uniforms: RaymarchUniforms::new(&split, &s, &cam, SIZE, SIZE),
            settings: &s,
        });
        gpu::assert_images_close(
            &format!("slabs-cpu-{mode:?}"),
            &a,
            &cpu,
            1.0 / 255.0,
            4.0 / 255.0,
        );
    }
    // Slices across every slab boundary (coronal, sagittal) and on one (axial at CT slice 23).
    let boundary = ct
        .geometry
        .voxel_to_patient(DVec3::new(11.5, 9.5, 23.0))
        .as_vec3();
    let s = settings(RenderMode::FusedDvr);
    for orientation in [
        MprOrientation::Coronal,
        MprOrientation::Sagittal,
        MprOrientation::Axial,
    ] {
        for nearest in [false, true] {
            let mut view = MprView::new(orientation, boundary);
            view.nearest = nearest;
            let a = renderer
                .render_mpr_image(&ctx, &split, &s, &view, SIZE, SIZE)
                .unwrap();
            let b = renderer
                .render_mpr_image(&ctx, &whole, &s, &view, SIZE, SIZE)
                .unwrap();
            let name = format!("slabs-mpr-{orientation:?}-{nearest}");
            gpu::assert_images_close(&name, &a, &b, 0.5 / 255.0, 2.0 / 255.0);
        }
    }
}
