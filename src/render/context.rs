//! The wgpu device shared by every render path (offscreen export and the window).

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
}

/// A GPU adapter, device and queue.
pub struct GpuContext {
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
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
        Ok(Self {
            adapter,
            device,
            queue,
        })
    }

    /// "NVIDIA GeForce ... (Vulkan)" or "llvmpipe (LLVM ...) (Vulkan)".
    pub fn adapter_description(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?})", info.name, info.backend)
    }
}
