//! Getting the window's graphics back after the GPU device or the window's surface is lost
//! (a driver reset, a GPU removed, or `lose-device` in a script): a new device, surface and
//! pipelines for the same window, and the open study uploaded again from the volumes the
//! reading model still holds. The study, cursor, selection and settings stay. An attempt
//! that fails is shown and tried again on a later frame, at most once per [`RETRY`]; the
//! viewer never exits for it.

use std::time::{Duration, Instant};

use super::app::App;
use super::pane_renderer::PaneRenderer;

/// Least time between two attempts to recreate the graphics.
pub(super) const RETRY: Duration = Duration::from_secs(1);

/// The message once the graphics are back.
pub(super) const RECREATED: &str = "the graphics device was lost and has been recreated";

/// Where recovery stands.
#[derive(Debug, Default)]
pub(super) struct Recovery {
    /// A loss seen and not yet recovered from.
    pending: bool,
    /// When the last attempt failed.
    failed_at: Option<Instant>,
}

impl Recovery {
    /// When the next attempt is due, while a loss is pending.
    pub(super) fn next_try(&self) -> Option<Instant> {
        self.pending
            .then(|| self.failed_at.map_or_else(Instant::now, |t| t + RETRY))
    }

    /// Records a surface that reconfiguring does not bring back (see
    /// [`super::graphics::Presented::Lost`]).
    pub(super) fn surface_lost(&mut self) {
        self.pending = true;
    }
}

impl App {
    /// Once per frame (cheap unless something was lost): recreates lost graphics. Returns
    /// whether the graphics can draw this frame.
    pub(super) fn recover_graphics(&mut self) -> bool {
        let device_lost = self.gfx.as_ref().is_some_and(|g| g.ctx.is_lost());
        if !device_lost && !self.recovery.pending {
            return true;
        }
        if !self.recovery.pending {
            let why = self.gfx.as_ref().and_then(|g| g.ctx.lost_reason());
            tracing::warn!("recreating the graphics (device lost: {why:?})");
            self.recovery.pending = true;
        }
        if self.recovery.next_try().is_some_and(|t| Instant::now() < t) {
            return false;
        }
        match self.rebuild_graphics() {
            Ok(()) => {
                self.recovery = Recovery::default();
                self.model.message(RECREATED);
                true
            }
            Err(e) => {
                tracing::error!("recreating the graphics failed: {e:#}");
                self.recovery.failed_at = Some(Instant::now());
                self.model.message(format!(
                    "the graphics device was lost and could not be recreated yet ({e:#}); \
                     trying again"
                ));
                false
            }
        }
    }

    /// Destroys the device as a driver reset would lose it (`lose-device` in scripts, to
    /// test this recovery); the next frame's check finds the loss.
    pub(super) fn lose_device(&mut self) {
        if let Some(gfx) = &self.gfx {
            gfx.ctx.destroy_device();
        }
    }

    /// New graphics for the window, and everything the old device held made again.
    fn rebuild_graphics(&mut self) -> anyhow::Result<()> {
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        gfx.rebuild()?;
        // Pane targets and the egui textures registered for them lived on the old device.
        self.panes = PaneRenderer::new(gfx.copy_panes);
        self.mip.invalidate();
        self.followup_mip.invalidate();
        // Ids the old egui renderer was to free; the new one never had them.
        self.free_later.clear();
        // The font atlas lived in the old egui renderer. The viewer installs no font
        // providers: setting the empty list again makes egui rebuild its fonts and send
        // the whole atlas with the next frame.
        self.egui_ctx.set_font_providers(Vec::new());
        if self.keyframe_job.take().is_some() {
            self.model
                .message("the key frame being drawn was lost with the graphics device");
        }
        self.upload_scene_again();
        Ok(())
    }

    /// Uploads the open study to the new device, prepared again from the model's volumes;
    /// the labels follow in [`App::sync_scene`].
    fn upload_scene_again(&mut self) {
        let (Some(gfx), Some(study)) = (&mut self.gfx, &self.model.study) else {
            self.scene = None;
            return;
        };
        let mut scene = gfx.upload_study(study);
        gfx.warm_up(&mut scene);
        self.scene = Some(scene);
        self.followup_scene = self
            .model
            .followup
            .as_ref()
            .map(|f| gfx.upload_study(&f.study));
        self.labels_shown = None;
        self.reference_shown = None;
        // Until every pane shows the study again, as after opening it.
        self.opening = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_wait_a_second_after_a_failure() {
        let mut r = Recovery::default();
        assert!(r.next_try().is_none(), "nothing lost, nothing to try");
        r.surface_lost();
        assert!(r.next_try().is_some_and(|t| t <= Instant::now()));
        let now = Instant::now();
        r.failed_at = Some(now);
        assert_eq!(r.next_try(), Some(now + RETRY));
    }
}
