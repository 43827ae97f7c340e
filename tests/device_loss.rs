//! A GPU device lost under `petct render` is reported as an error naming the loss, not a
//! panic: the device is destroyed (as a driver reset would lose it) and the same function
//! the command runs is called on it.

// Test setup helpers panic on broken fixtures by design; a failure is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/gpu.rs"]
mod gpu;

use clap::Parser;
use petct::cli::{render::render_study, Cli, Command};
use petct::render::context::RenderError;

fn render_args(extra: &[&str]) -> Box<petct::cli::render::RenderArgs> {
    let out = gpu::output_dir().join("device-loss.png");
    let mut argv = vec![
        "petct", "render", "--width", "48", "--height", "48", "--out",
    ];
    argv.push(out.to_str().unwrap());
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv).unwrap().command {
        Some(Command::Render(args)) => args,
        other => panic!("not a render command: {other:?}"),
    }
}

#[test]
fn render_on_a_lost_device_is_a_device_lost_error() {
    let Some(ctx) = gpu::gpu() else { return };
    let study = petct::study::load_view_study(&[], &Default::default()).unwrap();
    let args = render_args(&[]);
    render_study(&ctx, &args, &study).expect("renders on a live device");

    ctx.destroy_device();
    assert!(ctx.is_lost());
    for mode in [&[][..], &["--mode", "mpr-axial"][..]] {
        let e = render_study(&ctx, &render_args(mode), &study).unwrap_err();
        assert!(
            matches!(e.downcast_ref(), Some(RenderError::DeviceLost(_))),
            "{mode:?}: {e:#}"
        );
        assert!(e.to_string().contains("GPU device was lost"), "{e}");
    }
}

#[test]
fn drawing_images_on_a_lost_device_is_a_device_lost_error() {
    use petct::render::camera::OrbitCamera;
    use petct::render::mpr::{MprOrientation, MprView};
    use petct::render::offscreen::OFFSCREEN_FORMAT;
    use petct::render::renderer::Renderer;
    use petct::render::scene::FusedScene;

    let Some(ctx) = gpu::gpu() else { return };
    let study = petct::study::load_view_study(&[], &Default::default()).unwrap();
    let mut scene = FusedScene::new(
        &ctx.device,
        &ctx.queue,
        study.ct.as_ref(),
        study.pet.as_deref(),
        study.pet_display_factor as f32,
    );
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let (lo, hi) = scene.display_bounds();
    let cam = OrbitCamera::framing(lo, hi);
    let settings = Default::default();
    let view = MprView::new(MprOrientation::Axial, glam::Vec3::ZERO);
    renderer
        .render_3d_image(&ctx, &mut scene, &settings, &cam, 32, 32)
        .expect("renders on a live device");

    // Lost between images, with the scene and the pipelines already on the device.
    ctx.destroy_device();
    let three_d = renderer.render_3d_image(&ctx, &mut scene, &settings, &cam, 32, 32);
    assert!(
        matches!(three_d, Err(RenderError::DeviceLost(_))),
        "3D: {three_d:?}"
    );
    let slice = renderer.render_mpr_image(&ctx, &scene, &settings, &view, 32, 32);
    assert!(
        matches!(slice, Err(RenderError::DeviceLost(_))),
        "MPR: {slice:?}"
    );
}
