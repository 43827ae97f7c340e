//! Window screenshots: copy the presented frame back and write a PNG.

use std::path::Path;

use crate::render::context::GpuContext;
use crate::render::export::write_png_atomic;

/// Saves a surface texture (which must allow COPY_SRC) as PNG, converting BGRA to RGBA.
pub fn save_surface(
    ctx: &GpuContext,
    texture: &wgpu::Texture,
    config: &wgpu::SurfaceConfiguration,
    path: &Path,
) -> anyhow::Result<()> {
    if !config.usage.contains(wgpu::TextureUsages::COPY_SRC) {
        anyhow::bail!("this window surface cannot be read back");
    }
    let (w, h) = (config.width, config.height);
    let unpadded = w * 4;
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let padded = unpadded.div_ceil(align) * align;
    let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("screenshot"),
        size: padded as u64 * h as u64,
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    encoder.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded),
                rows_per_image: Some(h),
            },
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    ctx.queue.submit([encoder.finish()]);
    let (tx, rx) = std::sync::mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    ctx.device.poll(wgpu::PollType::wait_indefinitely())?;
    rx.recv()??;
    let bgra = matches!(
        config.format,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
    );
    let mut pixels = Vec::with_capacity((unpadded * h) as usize);
    {
        let mapped = buffer.get_mapped_range(..)?;
        for row in mapped.chunks(padded as usize) {
            for px in row[..unpadded as usize].chunks_exact(4) {
                if bgra {
                    pixels.extend_from_slice(&[px[2], px[1], px[0], 255]);
                } else {
                    pixels.extend_from_slice(&[px[0], px[1], px[2], 255]);
                }
            }
        }
    }
    buffer.unmap();
    let img = image::RgbaImage::from_raw(w, h, pixels)
        .ok_or_else(|| anyhow::anyhow!("screenshot buffer has the wrong size"))?;
    write_png_atomic(&img, path)?;
    Ok(())
}
