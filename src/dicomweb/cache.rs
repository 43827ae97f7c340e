//! The local cache of studies fetched from DICOMweb servers: one folder per server and
//! study, so a study opens from disk the second time.
//!
//! Layout: `<cache>/studies/<StudyInstanceUID>-<hash of the server root>/` holds the
//! instances as `.dcm` files and, once every series has arrived, `complete.json`. A
//! download goes to a `.partial` sibling first and is renamed when complete, so a folder
//! without `complete.json` never appears half-filled. The folder is `PETCT_CACHE_DIR` or
//! the user's cache directory; its size is kept under `PETCT_CACHE_LIMIT_MB` (default
//! 4096) by removing the least recently opened studies.

use std::path::{Path, PathBuf};

use super::error::DicomWebError;
use super::url::StudyUrl;

/// Environment variable naming the cache folder (tests and portable installs).
pub const CACHE_DIR_VAR: &str = "PETCT_CACHE_DIR";
/// Environment variable with the cache size limit in MiB.
pub const CACHE_LIMIT_VAR: &str = "PETCT_CACHE_LIMIT_MB";
/// Default size limit.
pub const DEFAULT_LIMIT_MB: u64 = 4096;
/// The marker written last into a complete study folder.
pub const COMPLETE_MARKER: &str = "complete.json";

/// What the marker records (no patient identifiers).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CacheEntry {
    pub root: String,
    pub study_uid: String,
    pub instances: usize,
    pub bytes: u64,
}

/// The study cache.
#[derive(Debug, Clone)]
pub struct StudyCache {
    dir: PathBuf,
    limit_bytes: u64,
}

impl StudyCache {
    /// The cache configured by the environment, or in the user's cache directory.
    pub fn from_env() -> Result<Self, DicomWebError> {
        let dir = match std::env::var_os(CACHE_DIR_VAR) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => directories::ProjectDirs::from("org", "petct", "petct-viewer")
                .map(|d| d.cache_dir().join("dicomweb"))
                .ok_or_else(|| {
                    DicomWebError::cache(
                        "~",
                        std::io::Error::other(format!(
                            "no home directory to keep a cache in; set {CACHE_DIR_VAR}"
                        )),
                    )
                })?,
        };
        let limit_mb = std::env::var(CACHE_LIMIT_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_LIMIT_MB);
        Ok(Self::new(dir, limit_mb.saturating_mul(1 << 20)))
    }

    /// A cache in `dir` holding at most `limit_bytes`.
    pub fn new(dir: PathBuf, limit_bytes: u64) -> Self {
        StudyCache { dir, limit_bytes }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder for a study (whether or not it is there yet).
    pub fn study_dir(&self, study: &StudyUrl) -> PathBuf {
        let key = format!(
            "{}-{:08x}",
            study.study_uid,
            fnv1a(study.root.as_str().as_bytes()) as u32
        );
        self.dir.join("studies").join(key)
    }

    /// The study's folder if it was fetched completely before; marks it as just used.
    pub fn complete_study(&self, study: &StudyUrl) -> Option<PathBuf> {
        let dir = self.study_dir(study);
        let marker = dir.join(COMPLETE_MARKER);
        if !marker.is_file() {
            return None;
        }
        // The marker's modification time is the "last opened" the eviction sorts by.
        if let Ok(f) = std::fs::File::options().append(true).open(&marker) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        Some(dir)
    }

    /// Marks a downloaded folder complete and moves it into place.
    pub fn commit(
        &self,
        partial: &Path,
        entry: &CacheEntry,
        study: &StudyUrl,
    ) -> Result<PathBuf, DicomWebError> {
        let text = serde_json::to_string_pretty(entry).unwrap_or_default();
        let marker = partial.join(COMPLETE_MARKER);
        std::fs::write(&marker, text).map_err(|e| DicomWebError::cache(&marker, e))?;
        let dir = self.study_dir(study);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| DicomWebError::cache(&dir, e))?;
        }
        std::fs::rename(partial, &dir).map_err(|e| DicomWebError::cache(&dir, e))?;
        Ok(dir)
    }

    /// A fresh, empty folder to download `study` into.
    pub fn partial_dir(&self, study: &StudyUrl) -> Result<PathBuf, DicomWebError> {
        let mut name = self.study_dir(study).into_os_string();
        name.push(format!(".partial-{}", std::process::id()));
        let partial = PathBuf::from(name);
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| DicomWebError::cache(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| DicomWebError::cache(&partial, e))?;
        Ok(partial)
    }

    /// The complete studies in the cache, least recently opened first, with their sizes.
    pub fn entries(&self) -> Vec<(PathBuf, CacheEntry, std::time::SystemTime)> {
        let Ok(read) = std::fs::read_dir(self.dir.join("studies")) else {
            return Vec::new();
        };
        let mut found: Vec<_> = read
            .flatten()
            .filter_map(|e| {
                let marker = e.path().join(COMPLETE_MARKER);
                let text = std::fs::read_to_string(&marker).ok()?;
                let entry: CacheEntry = serde_json::from_str(&text).ok()?;
                let used = marker.metadata().and_then(|m| m.modified()).ok()?;
                Some((e.path(), entry, used))
            })
            .collect();
        found.sort_by_key(|(_, _, used)| *used);
        found
    }

    /// Bytes held by complete studies.
    pub fn size_bytes(&self) -> u64 {
        self.entries().iter().map(|(_, e, _)| e.bytes).sum()
    }

    /// Removes the least recently opened studies until the cache fits its limit, never
    /// `keep`. Returns how many studies were removed.
    pub fn evict(&self, keep: &Path) -> usize {
        let entries = self.entries();
        let mut total: u64 = entries.iter().map(|(_, e, _)| e.bytes).sum();
        let mut removed = 0;
        for (dir, entry, _) in entries {
            if total <= self.limit_bytes {
                break;
            }
            if dir == keep {
                continue;
            }
            if std::fs::remove_dir_all(&dir).is_ok() {
                total = total.saturating_sub(entry.bytes);
                removed += 1;
            }
        }
        removed
    }

    /// Removes every cached study and unfinished download. Returns the bytes freed (of
    /// complete studies).
    pub fn clear(&self) -> Result<u64, DicomWebError> {
        let freed = self.size_bytes();
        let studies = self.dir.join("studies");
        if studies.exists() {
            std::fs::remove_dir_all(&studies).map_err(|e| DicomWebError::cache(&studies, e))?;
        }
        Ok(freed)
    }
}

/// FNV-1a: a stable hash (unlike std's, fixed across Rust versions) for folder names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(uid: &str, root: &str) -> StudyUrl {
        StudyUrl::parse(&format!("{root}/studies/{uid}")).unwrap().0
    }

    fn fill(cache: &StudyCache, s: &StudyUrl, bytes: usize) -> PathBuf {
        let partial = cache.partial_dir(s).unwrap();
        std::fs::write(partial.join("1.dcm"), vec![0u8; bytes]).unwrap();
        let entry = CacheEntry {
            root: s.root.to_string(),
            study_uid: s.study_uid.clone(),
            instances: 1,
            bytes: bytes as u64,
        };
        cache.commit(&partial, &entry, s).unwrap()
    }

    #[test]
    fn a_study_is_found_only_once_complete_and_per_server() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = StudyCache::new(tmp.path().to_path_buf(), 1 << 30);
        let a = study("1.2.3", "http://one:8042/dicom-web");
        let same_uid_other_server = study("1.2.3", "http://two:8042/dicom-web");
        assert!(cache.complete_study(&a).is_none());
        let partial = cache.partial_dir(&a).unwrap();
        assert!(
            cache.complete_study(&a).is_none(),
            "a partial download is not a study"
        );
        std::fs::remove_dir_all(partial).unwrap();
        let dir = fill(&cache, &a, 10);
        assert_eq!(cache.complete_study(&a), Some(dir));
        assert!(cache.complete_study(&same_uid_other_server).is_none());
    }

    #[test]
    fn eviction_removes_least_recently_opened_first_and_clear_empties() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = StudyCache::new(tmp.path().to_path_buf(), 2500);
        let studies: Vec<_> = (1..=3)
            .map(|i| study(&format!("1.{i}"), "http://h"))
            .collect();
        for s in &studies {
            fill(&cache, s, 1000);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // Open the oldest again: the second becomes the least recently used.
        let first = cache.complete_study(&studies[0]).unwrap();
        let keep = cache.study_dir(&studies[2]);
        assert_eq!(cache.evict(&keep), 1);
        assert!(cache.complete_study(&studies[1]).is_none());
        assert!(first.exists() && keep.exists());
        assert_eq!(cache.size_bytes(), 2000);
        assert_eq!(cache.clear().unwrap(), 2000);
        assert!(cache.entries().is_empty());
    }
}
