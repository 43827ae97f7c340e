//! Fetching a whole study from a DICOMweb server into the local cache, and turning study
//! URLs among command-line paths into cached folders.

use std::path::{Path, PathBuf};

use super::auth::Credentials;
use super::cache::{CacheEntry, StudyCache};
use super::client::{Client, SeriesRecord};
use super::error::DicomWebError;
use super::session::session_credentials;
use super::url::{is_url, StudyUrl};
use crate::dicom::{CancelFlag, LoadProgress};

/// Modalities fetched: the viewer shows CT and PET; other series of the study (reports,
/// key frames, segmentations) are not downloaded.
const FETCHED_MODALITIES: [&str; 2] = ["CT", "PT"];

/// Where a fetched study came from and how it was obtained.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The cached study folder.
    pub dir: PathBuf,
    /// Whether it came from the cache without contacting the server.
    pub from_cache: bool,
    /// Instances in the folder (0 when it came from the cache and was not counted).
    pub instances: usize,
}

/// Fetches `study` into `cache` (or finds it there) and returns its folder.
///
/// Credentials are those given, else those in the URL, else those the viewer remembers for
/// the server ([`super::set_session_credentials`]), else the environment's. The
/// transfer stops with [`DicomWebError::Cancelled`] soon after `cancel` is set, leaving no
/// folder behind; `progress` counts instances.
pub fn fetch_study(
    url: &str,
    credentials: Option<Credentials>,
    cache: &StudyCache,
    cancel: &CancelFlag,
    progress: &LoadProgress,
) -> Result<Fetched, DicomWebError> {
    let (study, in_url) = StudyUrl::parse(url)?;
    if let Some(dir) = cache.complete_study(&study) {
        tracing::info!("{}: opened from the cache", study.url());
        return Ok(Fetched {
            dir,
            from_cache: true,
            instances: 0,
        });
    }
    let credentials = credentials
        .or(in_url)
        .or_else(|| session_credentials(&study.root))
        .unwrap_or_else(Credentials::from_env);
    let client = Client::new(study.root.clone(), credentials);
    let series: Vec<SeriesRecord> = client
        .study_series(&study.study_uid)?
        .into_iter()
        .filter(|s| FETCHED_MODALITIES.contains(&s.modality.as_str()))
        .collect();
    if series.is_empty() {
        return Err(DicomWebError::NotFound {
            what: format!("a CT or PET series in study {}", study.study_uid),
            url: study.root.to_string(),
        });
    }
    let total: i64 = series.iter().filter_map(|s| s.instance_count).sum();
    progress.set_total(usize::try_from(total).unwrap_or(0));
    let partial = cache.partial_dir(&study)?;
    let result = download_series(&client, &study, &series, &partial, cancel, progress);
    let (instances, bytes) = match result {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let entry = CacheEntry {
        root: study.root.to_string(),
        study_uid: study.study_uid.clone(),
        instances,
        bytes,
    };
    let dir = cache.commit(&partial, &entry, &study)?;
    let evicted = cache.evict(&dir);
    if evicted > 0 {
        tracing::info!("study cache: removed {evicted} least recently opened studies");
    }
    Ok(Fetched {
        dir,
        from_cache: false,
        instances,
    })
}

/// Downloads every series into `into`, one file per instance. Returns (instances, bytes).
fn download_series(
    client: &Client,
    study: &StudyUrl,
    series: &[SeriesRecord],
    into: &Path,
    cancel: &CancelFlag,
    progress: &LoadProgress,
) -> Result<(usize, u64), DicomWebError> {
    let mut instances = 0usize;
    let mut bytes = 0u64;
    for (index, s) in series.iter().enumerate() {
        let folder = into.join(format!("series{index:03}"));
        std::fs::create_dir_all(&folder).map_err(|e| DicomWebError::cache(&folder, e))?;
        let mut n = 0usize;
        client.retrieve_series(&study.study_uid, &s.series_uid, |part| {
            if cancel.is_cancelled() {
                return Err(DicomWebError::Cancelled);
            }
            let file = folder.join(format!("{n:05}.dcm"));
            std::fs::write(&file, part).map_err(|e| DicomWebError::cache(&file, e))?;
            n += 1;
            bytes += part.len() as u64;
            progress.advance();
            Ok(())
        })?;
        instances += n;
    }
    Ok((instances, bytes))
}

/// Replaces each study URL among `paths` by its cached folder, fetching it if needed; local
/// paths pass unchanged. Cancellation becomes [`crate::dicom::DicomError::Cancelled`] so
/// callers treat it like a cancelled folder load.
pub fn resolve_paths(
    paths: &[PathBuf],
    cancel: &CancelFlag,
    progress: &LoadProgress,
) -> anyhow::Result<Vec<PathBuf>> {
    if !paths.iter().any(|p| is_url(&p.to_string_lossy())) {
        return Ok(paths.to_vec());
    }
    let cache = StudyCache::from_env()?;
    paths
        .iter()
        .map(|p| {
            let text = p.to_string_lossy();
            if !is_url(&text) {
                return Ok(p.clone());
            }
            match fetch_study(&text, None, &cache, cancel, progress) {
                Ok(f) => Ok(f.dir),
                Err(DicomWebError::Cancelled) => Err(crate::dicom::DicomError::Cancelled.into()),
                Err(e) => Err(e.into()),
            }
        })
        .collect()
}
