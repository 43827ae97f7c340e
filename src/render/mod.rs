//! GPU rendering: volumes as 3D textures, ray-marched fused DVR and MIP, MPR slices, camera,
//! offscreen targets, and a CPU reference renderer for tests. Renders into any
//! `wgpu::TextureView`; knows nothing of windows or UI toolkits.

pub mod camera;
pub mod colormap;
pub mod context;
pub mod cpu_reference;
pub mod export;
pub mod gpu_volume;
pub mod mpr;
pub mod offscreen;
pub mod parts;
pub mod pipeline_util;
pub mod prepared;
pub mod raymarch;
pub mod renderer;
pub mod scene;
pub mod settings;
pub mod transfer;
pub mod wgsl;
