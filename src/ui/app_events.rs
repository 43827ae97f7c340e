//! The viewer's entry point and the winit event handling of [`App`].

use std::path::PathBuf;
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::WindowId;

use super::app::{App, LOADING_POLL};
use super::graphics::Graphics;
use super::script;
use crate::dicom::LoadOptions;

/// How the viewer starts.
#[derive(Debug, Clone, Default)]
pub struct ViewerOptions {
    /// Study to open; empty opens the built-in torso phantom.
    pub paths: Vec<PathBuf>,
    /// Script to run (see [`super::script`]).
    pub script: Option<PathBuf>,
    /// Where to write frame timings as JSON when the script ends.
    pub frame_stats: Option<PathBuf>,
    /// Series choice and SUV corrections for loading.
    pub study: LoadOptions,
    /// Initial window size in logical pixels (0: the default).
    pub size: (u32, u32),
    /// Don't read or write the settings file (tests, reproducible scripts).
    pub no_config: bool,
    /// A reference mask (DICOM SEG or NIfTI) to outline over the first study opened.
    pub reference: Option<PathBuf>,
    /// A follow-up study to open once the first study is shown.
    pub followup: Option<PathBuf>,
}

/// Opens the viewer window and runs until it is closed.
pub fn run(options: ViewerOptions) -> anyhow::Result<()> {
    let commands = match &options.script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            script::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    if cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(no_display("neither DISPLAY nor WAYLAND_DISPLAY is set"));
    }
    let event_loop = EventLoop::new().map_err(|e| no_display(&e.to_string()))?;
    let mut app = App::new(options, commands);
    event_loop.run_app(&mut app)?;
    match app.fatal.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The one-line explanation when no window can be opened.
fn no_display(detail: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot open a window ({detail}): the viewer needs a display; for images without one \
         use `petct render`"
    )
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.gfx.is_some() {
            return;
        }
        match Graphics::new(event_loop, self.options.size, &self.egui_ctx) {
            Ok(gfx) => {
                self.panes = super::pane_renderer::PaneRenderer::new(gfx.copy_panes);
                self.mip.invalidate();
                self.followup_mip.invalidate();
                self.gfx = Some(gfx);
                // The first study started loading with the app (see `App::new`).
                if let Some(loaded) = self.pending_open.take() {
                    self.open(loaded);
                }
            }
            Err(e) => {
                self.fatal = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        if let Some(gfx) = &mut self.gfx {
            let response = gfx.egui_state.on_window_event(&gfx.window, &event);
            if response.repaint {
                gfx.window.request_redraw();
            }
        }
        match event {
            WindowEvent::CloseRequested => self.exit(event_loop),
            WindowEvent::Resized(size) => {
                if let Some(gfx) = &mut self.gfx {
                    gfx.resize(size.width, size.height);
                }
            }
            WindowEvent::DroppedFile(path) => {
                self.model
                    .message(format!("opening dropped {}", path.display()));
                self.start_load(vec![path]);
            }
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.redraw(event_loop) {
                    self.model.message(format!("drawing failed: {e:#}"));
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        self.poll_background();
        // Lost graphics draw nothing until the next attempt to recreate them is due.
        let retry = self.recovery.next_try();
        let now = Instant::now();
        if let Some(gfx) = &self.gfx {
            let wanted = match retry {
                Some(at) => at <= now,
                None => self.busy() || self.pending_open.is_some() || self.model.flicker.due(now),
            };
            if wanted {
                gfx.window.request_redraw();
            }
        }
        let flow = match retry {
            Some(at) if at > now => ControlFlow::WaitUntil(at),
            _ if self.loader.busy()
                || self.followup_loader.busy()
                || self.panel_text.pacs.searching() =>
            {
                ControlFlow::WaitUntil(now + LOADING_POLL)
            }
            // The flicker wakes the window for its next swap only, not every frame.
            _ => match self.model.flicker.next_swap() {
                Some(at) => ControlFlow::WaitUntil(at),
                None => ControlFlow::Wait,
            },
        };
        event_loop.set_control_flow(flow);
    }
}
