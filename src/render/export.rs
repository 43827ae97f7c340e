//! Atomic export of rendered images: PNG key frames and looping animated GIFs.
//!
//! The image is encoded in memory, written to a temporary file `.{name}.tmp-{pid}-{n}` in the
//! target's directory, flushed to disk and renamed onto the target. A reader never sees a
//! half-written file, and on any error the temporary file is removed and an existing target is
//! left as it was. Missing parent directories are created.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::png::PngEncoder;
use image::{Delay, ExtendedColorType, Frame, ImageEncoder, RgbaImage};

/// GIF quantisation speed (1 best and slowest, 30 fastest); 10 keeps a 36-frame 512 x 512
/// animation to a few seconds.
const GIF_SPEED: i32 = 10;

/// Shortest GIF frame delay written: browsers show 0 and 10 ms frames at 100 ms.
pub const MIN_GIF_FRAME_DELAY_MS: u32 = 20;

/// Why an export failed. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The target path has no file name (e.g. "/" or "..").
    #[error("cannot export to {}: the path has no file name", path.display())]
    NoFileName {
        /// The target path.
        path: PathBuf,
    },
    /// A file-system operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done: "create directory", "write", "rename onto"...
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The encoder rejected the image.
    #[error("cannot encode {}: {source}", path.display())]
    Encode {
        /// The target path.
        path: PathBuf,
        /// The underlying error.
        source: image::ImageError,
    },
    /// An animation needs at least one frame.
    #[error("cannot write animation {}: no frames", path.display())]
    NoFrames {
        /// The target path.
        path: PathBuf,
    },
    /// All frames of an animation must have the size of the first.
    #[error(
        "cannot write animation {}: frame {index} is {}x{}, frame 0 is {}x{}",
        path.display(), found.0, found.1, expected.0, expected.1
    )]
    FrameSizeMismatch {
        /// The target path.
        path: PathBuf,
        /// Index of the first frame whose size differs.
        index: usize,
        /// Size of frame 0.
        expected: (u32, u32),
        /// Size of frame `index`.
        found: (u32, u32),
    },
}

/// Writes `img` as an RGBA PNG to `path`, atomically (see the module documentation).
pub fn write_png_atomic(img: &RgbaImage, path: &Path) -> Result<(), ExportError> {
    let bytes = encode_png(img).map_err(|source| ExportError::Encode {
        path: path.to_owned(),
        source,
    })?;
    write_atomic(&bytes, path)
}

/// Writes `frames` as an infinitely looping animated GIF to `path`, atomically (see the module
/// documentation), each frame shown for `frame_delay_ms` milliseconds.
///
/// GIF stores delays in 10 ms units: the delay is rounded down to a multiple of 10 ms and raised
/// to at least [`MIN_GIF_FRAME_DELAY_MS`]. Colours are quantised to 256 per frame. Fails on zero
/// frames, on frames of different sizes and on frames larger than 65535 px in either direction.
pub fn write_gif_atomic(
    frames: &[RgbaImage],
    frame_delay_ms: u32,
    path: &Path,
) -> Result<(), ExportError> {
    check_frames(frames, path)?;
    let delay_ms = frame_delay_ms.max(MIN_GIF_FRAME_DELAY_MS);
    let bytes = encode_gif(frames, delay_ms).map_err(|source| ExportError::Encode {
        path: path.to_owned(),
        source,
    })?;
    write_atomic(&bytes, path)
}

fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        ExtendedColorType::Rgba8,
    )?;
    Ok(bytes)
}

fn encode_gif(frames: &[RgbaImage], delay_ms: u32) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, GIF_SPEED);
        encoder.set_repeat(Repeat::Infinite)?;
        let delay = Delay::from_numer_denom_ms(delay_ms, 1);
        for img in frames {
            encoder.encode_frame(Frame::from_parts(img.clone(), 0, 0, delay))?;
        }
        // Dropping the encoder writes the GIF trailer (into memory, which cannot fail).
    }
    Ok(bytes)
}

fn check_frames(frames: &[RgbaImage], path: &Path) -> Result<(), ExportError> {
    let first = frames.first().ok_or_else(|| ExportError::NoFrames {
        path: path.to_owned(),
    })?;
    let expected = first.dimensions();
    match frames.iter().position(|f| f.dimensions() != expected) {
        Some(index) => Err(ExportError::FrameSizeMismatch {
            path: path.to_owned(),
            index,
            expected,
            found: frames[index].dimensions(),
        }),
        None => Ok(()),
    }
}

/// Writes `bytes` to a temporary file next to `path`, syncs it and renames it onto `path`
/// (every export goes through here: PNG, GIF, the viewer's CSV/JSON and frame statistics).
pub fn write_atomic(bytes: &[u8], path: &Path) -> Result<(), ExportError> {
    let name = path.file_name().ok_or_else(|| ExportError::NoFileName {
        path: path.to_owned(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        action: "create directory",
        path: dir.to_owned(),
        source,
    })?;
    let temp_path = dir.join(temp_name(name));
    let temp = TempFile::create(&temp_path)?;
    temp.write_and_sync(bytes)?;
    temp.persist(path)?;
    sync_dir(dir);
    Ok(())
}

/// `.{name}.tmp-{pid}-{n}`, unique within this process.
fn temp_name(name: &std::ffi::OsStr) -> std::ffi::OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".tmp-{}-{n}", std::process::id()));
    temp
}

/// Makes a completed rename durable on Unix; best effort (some file systems refuse).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A temporary file that is removed on drop unless it has been renamed onto its target.
struct TempFile {
    path: PathBuf,
    file: Option<File>,
    persisted: bool,
}

impl TempFile {
    fn create(path: &Path) -> Result<Self, ExportError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| ExportError::Io {
                action: "create",
                path: path.to_owned(),
                source,
            })?;
        Ok(TempFile {
            path: path.to_owned(),
            file: Some(file),
            persisted: false,
        })
    }

    fn write_and_sync(&self, bytes: &[u8]) -> Result<(), ExportError> {
        let io_err = |source| ExportError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        };
        let Some(mut file) = self.file.as_ref() else {
            return Ok(());
        };
        file.write_all(bytes).map_err(io_err)?;
        file.sync_all().map_err(io_err)
    }

    /// Closes the file and renames it onto `target`.
    fn persist(mut self, target: &Path) -> Result<(), ExportError> {
        drop(self.file.take());
        fs::rename(&self.path, target).map_err(|source| ExportError::Io {
            action: "rename onto",
            path: target.to_owned(),
            source,
        })?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            drop(self.file.take());
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifDecoder;
    use image::{AnimationDecoder, Rgba};
    use std::io::BufReader;

    fn test_image(w: u32, h: u32, seed: u8) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            Rgba([
                (x as u8).wrapping_mul(3).wrapping_add(seed),
                (y as u8).wrapping_mul(5),
                seed,
                255,
            ])
        })
    }

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn png_round_trip_without_leftovers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/dir/frame.png");
        let img = test_image(37, 23, 9);
        write_png_atomic(&img, &path).expect("write png");
        let back = image::open(&path).expect("decode").to_rgba8();
        assert_eq!(back, img);
        assert_eq!(dir_entries(&dir.path().join("sub/dir")), ["frame.png"]);
        // Overwrite in place.
        let img2 = test_image(5, 6, 200);
        write_png_atomic(&img2, &path).expect("overwrite png");
        assert_eq!(image::open(&path).expect("decode").to_rgba8(), img2);
        assert_eq!(dir_entries(&dir.path().join("sub/dir")), ["frame.png"]);
    }

    #[test]
    fn temp_names_are_hidden_and_unique() {
        let a = temp_name(std::ffi::OsStr::new("a.png"));
        let b = temp_name(std::ffi::OsStr::new("a.png"));
        let prefix = format!(".a.png.tmp-{}-", std::process::id());
        assert!(a.to_string_lossy().starts_with(&prefix), "{a:?}");
        assert_ne!(a, b);
    }

    #[test]
    fn parent_is_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("blocker");
        fs::write(&blocker, b"keep me").expect("write");
        let path = blocker.join("frame.png");
        let err = write_png_atomic(&test_image(4, 4, 0), &path).unwrap_err();
        assert!(matches!(err, ExportError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("blocker"), "{err}");
        assert_eq!(fs::read(&blocker).expect("read"), b"keep me");
        assert_eq!(dir_entries(dir.path()), ["blocker"]);
    }

    #[test]
    fn failed_rename_leaves_target_and_no_temp() {
        // The target is a non-empty directory: encoding and writing succeed, the rename fails.
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("frame.png");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("inside"), b"x").expect("write");
        let err = write_png_atomic(&test_image(4, 4, 0), &target).unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::Io {
                    action: "rename onto",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("frame.png"), "{err}");
        assert_eq!(dir_entries(dir.path()), ["frame.png"]);
        assert_eq!(dir_entries(&target), ["inside"]);
    }

    #[test]
    fn failed_gif_keeps_existing_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mip.gif");
        fs::write(&path, b"old").expect("write");
        let frames = [test_image(8, 8, 0), test_image(8, 9, 1)];
        let err = write_gif_atomic(&frames, 100, &path).unwrap_err();
        assert!(
            matches!(err, ExportError::FrameSizeMismatch { index: 1, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("mip.gif"), "{err}");
        let err = write_gif_atomic(&[], 100, &path).unwrap_err();
        assert!(matches!(err, ExportError::NoFrames { .. }), "{err:?}");
        assert_eq!(fs::read(&path).expect("read"), b"old");
        assert_eq!(dir_entries(dir.path()), ["mip.gif"]);
    }

    #[test]
    fn no_file_name() {
        let err = write_png_atomic(&test_image(2, 2, 0), Path::new("/")).unwrap_err();
        assert!(matches!(err, ExportError::NoFileName { .. }), "{err:?}");
    }

    #[test]
    fn gif_has_all_frames_and_loops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mip.gif");
        let frames: Vec<RgbaImage> = (0..7).map(|i| test_image(32, 24, i * 30)).collect();
        write_gif_atomic(&frames, 80, &path).expect("write gif");
        assert_eq!(dir_entries(dir.path()), ["mip.gif"]);
        let file = BufReader::new(File::open(&path).expect("open"));
        let decoded = GifDecoder::new(file)
            .expect("gif")
            .into_frames()
            .collect_frames()
            .expect("frames");
        assert_eq!(decoded.len(), 7);
        for f in &decoded {
            assert_eq!(f.buffer().dimensions(), (32, 24));
            assert_eq!(f.delay().numer_denom_ms(), (80, 1));
        }
        // NETSCAPE2.0 application extension with loop count 0 = loop forever.
        let bytes = fs::read(&path).expect("read");
        let pos = bytes
            .windows(11)
            .position(|w| w == b"NETSCAPE2.0")
            .expect("loop extension");
        assert_eq!(&bytes[pos + 11..pos + 15], &[3, 1, 0, 0]);
    }

    #[test]
    fn gif_delay_is_clamped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fast.gif");
        write_gif_atomic(&[test_image(4, 4, 0), test_image(4, 4, 9)], 0, &path).expect("gif");
        let file = BufReader::new(File::open(&path).expect("open"));
        let decoded = GifDecoder::new(file)
            .expect("gif")
            .into_frames()
            .collect_frames()
            .expect("frames");
        assert_eq!(decoded[0].delay().numer_denom_ms(), (20, 1));
    }
}
