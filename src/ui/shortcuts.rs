//! Keyboard shortcuts (F1 help, F11 demo, Ctrl+S key frame, slice scrolling, maximise,
//! standard 3D views). Letters, digits and arrows belong to a text field while one has focus.

use egui::Key;

use super::input::toggle_maximised;
use super::reading::ReadingModel;
use super::state::{Layout, PaneId};
use crate::render::camera::StandardView;

/// Keys 1-6 turn the 3D view to these standard views.
const VIEW_KEYS: [(Key, StandardView); 6] = [
    (Key::Num1, StandardView::Anterior),
    (Key::Num2, StandardView::Posterior),
    (Key::Num3, StandardView::Left),
    (Key::Num4, StandardView::Right),
    (Key::Num5, StandardView::Superior),
    (Key::Num6, StandardView::Inferior),
];

/// What a shortcut asks of the application beyond the model.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShortcutRequests {
    pub key_frame: bool,
}

/// Applies this frame's shortcuts; `hovered` is the pane under the mouse.
pub fn apply(
    ctx: &egui::Context,
    model: &mut ReadingModel,
    hovered: Option<PaneId>,
) -> ShortcutRequests {
    let typing = ctx.egui_wants_keyboard_input();
    let mut requests = ShortcutRequests::default();
    ctx.input(|i| {
        let v = &mut model.view;
        if i.key_pressed(Key::F1) {
            v.show_help = !v.show_help;
        }
        if i.key_pressed(Key::F11) || (i.key_pressed(Key::Escape) && v.demo) {
            v.demo = !v.demo && i.key_pressed(Key::F11);
        }
        if i.modifiers.command && i.key_pressed(Key::S) {
            requests.key_frame = true;
        }
        if typing {
            return;
        }
        let pane = hovered.unwrap_or(PaneId::AXIAL);
        let up = i.key_pressed(Key::PageUp) || i.key_pressed(Key::ArrowUp);
        let down = i.key_pressed(Key::PageDown) || i.key_pressed(Key::ArrowDown);
        if pane.orientation().is_some() && up != down {
            v.scroll(pane, if up { 1 } else { -1 });
        }
        for (k, view) in VIEW_KEYS {
            if i.key_pressed(k) && !i.modifiers.command {
                v.set_view(view);
            }
        }
        if i.key_pressed(Key::M) {
            toggle_maximised(model, pane);
        }
        let v = &mut model.view;
        if i.key_pressed(Key::L) {
            let next = Layout::ALL
                .iter()
                .position(|&l| l == v.layout)
                .map_or(Layout::Quad, |k| Layout::ALL[(k + 1) % Layout::ALL.len()]);
            v.set_layout(next);
        }
        if i.key_pressed(Key::C) {
            v.cycle_content(pane);
        }
        if i.key_pressed(Key::F) && model.followup.is_some() {
            let on = !model.flicker.on();
            model.flicker.set(on, std::time::Instant::now());
        }
    });
    requests
}
