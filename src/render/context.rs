//! The wgpu device shared by every render path (offscreen export and the window).
//!
//! wgpu panics on any GPU error nobody captured, and a lost device (driver reset, GPU
//! removed) makes every later call fail. A [`GpuContext`] instead logs such errors and
//! records a loss, so callers can report it ([`GpuContext::check_lost`]) or build a new
//! context ([`GpuContext::is_lost`]).

use std::sync::{Arc, OnceLock};

/// Errors creating or using the GPU.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No adapter: no GPU and no software Vulkan driver.
    #[error("no GPU adapter found ({0}); install a GPU driver or Mesa's software Vulkan driver (mesa-vulkan-drivers)")]
    NoAdapter(String),
    /// The adapter refused to create a device.
    #[error("could not create a GPU device: {0}")]
    Device(String),
    /// Reading pixels back from the GPU failed.
    #[error("reading the rendered image back failed: {0}")]
    Readback(String),
    /// An invalid request (zero size, ...).
    #[error("{0}")]
    Invalid(String),
    /// The device was lost (driver reset, GPU removed, destroyed); nothing drawn on it
    /// since can be trusted, and only a new [`GpuContext`] can draw again.
    #[error("the GPU device was lost ({0}); nothing more can be drawn with it")]
    DeviceLost(String),
}

/// A GPU adapter, device and queue.
pub struct GpuContext {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Why the device was lost, set once by its lost callback.
    lost: Arc<OnceLock<String>>,
}

impl GpuContext {
    /// Creates a headless context on the best available adapter (a real GPU if present,
    /// else a software one such as Mesa's llvmpipe).
    pub fn new_headless() -> Result<Self, RenderError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: None,
            ..Default::default()
        }))
        .map_err(|e| RenderError::NoAdapter(e.to_string()))?;
        Self::from_adapter(adapter)
    }

    /// Creates the device and queue on a chosen adapter (the window picks one compatible
    /// with its surface).
    pub fn from_adapter(adapter: wgpu::Adapter) -> Result<Self, RenderError> {
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("petct device"),
            required_features: wgpu::Features::empty(),
            // Volumes want the adapter's largest 3D textures and buffers.
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .map_err(|e| RenderError::Device(e.to_string()))?;
        let lost = Arc::new(OnceLock::new());
        watch_device(&device, &lost);
        Ok(Self {
            adapter,
            device,
            queue,
            lost,
        })
    }

    /// Whether the device has been lost (cheap: one atomic load).
    pub fn is_lost(&self) -> bool {
        self.lost.get().is_some()
    }

    /// Why the device was lost, if it was.
    pub fn lost_reason(&self) -> Option<&str> {
        self.lost.get().map(String::as_str)
    }

    /// An error naming the loss if the device was lost.
    pub fn check_lost(&self) -> Result<(), RenderError> {
        match self.lost_reason() {
            Some(reason) => Err(RenderError::DeviceLost(reason.to_string())),
            None => Ok(()),
        }
    }

    /// Destroys the device, as a driver reset would lose it (for testing recovery), and
    /// waits for its queue so that the lost callback has run when this returns.
    pub fn destroy_device(&self) {
        self.device.destroy();
        // The device is lost once its queue is empty, which a poll finds; an error here
        // only says the device is gone, which is the point.
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
    }

    /// "NVIDIA GeForce ... (Vulkan)" or "llvmpipe (LLVM ...) (Vulkan)".
    pub fn adapter_description(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?})", info.name, info.backend)
    }
}

/// Makes `device` log the errors nobody captured (wgpu's default handler panics) and record
/// its loss in `lost`.
fn watch_device(device: &wgpu::Device, lost: &Arc<OnceLock<String>>) {
    let seen = lost.clone();
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        // Once the device is lost every call fails; the loss itself is what matters.
        if seen.get().is_some() {
            tracing::debug!("GPU error after the device was lost: {e}");
        } else {
            tracing::error!("GPU error: {e}");
        }
    }));
    let lost = lost.clone();
    device.set_device_lost_callback(move |reason, message| {
        let why = match (reason, message.trim()) {
            (wgpu::DeviceLostReason::Destroyed, "") => "destroyed".to_string(),
            (wgpu::DeviceLostReason::Destroyed, m) => format!("destroyed: {m}"),
            (_, "") => "lost by the driver".to_string(),
            (_, m) => m.to_string(),
        };
        tracing::warn!("GPU device lost: {why}");
        let _ = lost.set(why);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destroyed_device_is_reported_lost_by_its_callback() {
        let Ok(ctx) = GpuContext::new_headless() else {
            assert_ne!(
                std::env::var("PETCT_REQUIRE_GPU").as_deref(),
                Ok("1"),
                "no GPU adapter and PETCT_REQUIRE_GPU=1"
            );
            eprintln!("skipping: no GPU adapter");
            return;
        };
        assert!(!ctx.is_lost());
        assert!(ctx.check_lost().is_ok());
        ctx.destroy_device();
        assert!(ctx.is_lost(), "the lost callback ran");
        let e = ctx.check_lost().unwrap_err();
        assert!(matches!(e, RenderError::DeviceLost(_)), "{e}");
        assert!(e.to_string().contains("destroyed"), "{e}");
        // Work on the lost device is logged, not a panic.
        let _ = ctx.device.create_command_encoder(&Default::default());
    }
}
