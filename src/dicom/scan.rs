//! Series discovery: read headers only (stopping before Pixel Data), in parallel, and group
//! image files by SeriesInstanceUID.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use rayon::prelude::*;

use super::cancel::CancelFlag;
use super::error::DicomError;
use super::header::{scan_object, Scanned};
use super::series::Series;

/// What a scan of files and folders found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Image series, in a stable order (modality, series number, UID).
    pub series: Vec<Series>,
    /// Files skipped on purpose, with what they were ("RTSTRUCT object", "DICOMDIR", ...).
    pub skipped: Vec<(PathBuf, String)>,
    /// Files that could not be read; the rest of the study still loads.
    pub problems: Vec<DicomError>,
}

/// Opens a DICOM file, turning both parser errors and parser panics into errors naming it.
pub fn open_dicom(path: &Path, headers_only: bool) -> Result<DefaultDicomObject, DicomError> {
    check_preamble(path)?;
    super::validate::check_file(path, headers_only)?;
    let opened = super::quiet_panic::catch_quietly(|| {
        let options = OpenFileOptions::new();
        let options = if headers_only {
            options.read_until(tags::PIXEL_DATA)
        } else {
            options
        };
        options.open_file(path)
    });
    match opened {
        Ok(Ok(obj)) => Ok(obj),
        Ok(Err(e)) => Err(DicomError::Unreadable {
            path: path.into(),
            reason: error_chain(&e),
        }),
        Err(reason) => Err(DicomError::ParserPanic {
            path: path.into(),
            reason,
        }),
    }
}

/// Rejects files that are not DICOM Part 10 files (no "DICM" after the 128-byte preamble)
/// with a plain message, before the parser is involved.
fn check_preamble(path: &Path) -> Result<(), DicomError> {
    use std::io::Read;
    let mut head = [0u8; 132];
    let mut file = std::fs::File::open(path).map_err(|source| DicomError::Io {
        path: path.into(),
        source,
    })?;
    let n = file.read(&mut head).map_err(|source| DicomError::Io {
        path: path.into(),
        source,
    })?;
    if n < 132 || &head[128..132] != b"DICM" {
        return Err(DicomError::Unreadable {
            path: path.into(),
            reason:
                "no DICOM file header (the 'DICM' marker after the 128-byte preamble is missing); \
                     not a DICOM Part 10 file"
                    .into(),
        });
    }
    Ok(())
}

/// Joins an error with its sources: "could not read data set token: unexpected end of file".
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Expands folders recursively (skipping hidden entries) into a sorted list of files.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<DicomError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        walk(p, &mut files, &mut problems);
    }
    files.sort();
    files.dedup();
    (files, problems)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<DicomError>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(source) => {
            problems.push(DicomError::Io {
                path: path.into(),
                source,
            });
            return;
        }
    };
    if meta.is_file() {
        files.push(path.into());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(source) => {
            problems.push(DicomError::Io {
                path: path.into(),
                source,
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden {
            walk(&entry.path(), files, problems);
        }
    }
}

/// Scans files and folders: headers only, in parallel, grouped into series.
pub fn scan(paths: &[PathBuf]) -> ScanResult {
    // A flag nobody else holds is never cancelled, so the error case cannot happen.
    scan_cancellable(paths, &CancelFlag::default()).unwrap_or_default()
}

/// [`scan`] that stops with [`DicomError::Cancelled`] when `cancel` is set: checked before
/// each file is opened, so a cancel takes effect within one header read per worker thread.
pub fn scan_cancellable(paths: &[PathBuf], cancel: &CancelFlag) -> Result<ScanResult, DicomError> {
    cancel.check()?;
    let (files, mut problems) = collect_files(paths);
    // The outer Result stops the parallel scan on cancel; the inner one is a per-file outcome
    // (an unreadable file is a problem to report, not a reason to stop).
    let scanned: Vec<Result<Scanned, DicomError>> = files
        .par_iter()
        .map(|f| {
            cancel.check()?;
            Ok(open_dicom(f, true).and_then(|obj| scan_object(f, &obj)))
        })
        .collect::<Result<_, DicomError>>()?;
    let mut groups: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for s in scanned {
        match s {
            Ok(Scanned::Image(h)) => groups.entry(h.series_uid.clone()).or_default().push(*h),
            Ok(Scanned::NotImage { path, what }) => skipped.push((path, what)),
            Err(e) => problems.push(e),
        }
    }
    let mut series: Vec<Series> = groups.into_values().map(Series::from_files).collect();
    series.sort_by(|a, b| {
        (a.modality.as_str(), a.number, a.uid.as_str()).cmp(&(
            b.modality.as_str(),
            b.number,
            b.uid.as_str(),
        ))
    });
    Ok(ScanResult {
        series,
        skipped,
        problems,
    })
}
