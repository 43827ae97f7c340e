//! The viewer's egui style: egui's defaults with square corners.
//!
//! Rounded corners are drawn as many small triangles (a default slider handle takes about
//! 240, a rounded button about 100), and a software rasterizer pays for every triangle:
//! with them the side panel took about 6,200 triangles and 12-15 ms to draw on two cores.
//! Square corners keep the same layout and colours at a fraction of the cost, and suit a
//! reading workstation's flat look.

/// Applies the viewer's style to every theme of `ctx`.
pub fn apply(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        let v = &mut style.visuals;
        for w in [
            &mut v.widgets.noninteractive,
            &mut v.widgets.inactive,
            &mut v.widgets.hovered,
            &mut v.widgets.active,
            &mut v.widgets.open,
        ] {
            w.corner_radius = egui::CornerRadius::ZERO;
        }
        v.window_corner_radius = egui::CornerRadius::ZERO;
        v.menu_corner_radius = egui::CornerRadius::ZERO;
        v.handle_shape = egui::style::HandleShape::Rect { aspect_ratio: 0.5 };
    });
}
