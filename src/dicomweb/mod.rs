//! DICOMweb (PS3.18): studies from a PACS and results back into it.
//!
//! - [`Client`]: QIDO-RS search, WADO-RS retrieval of whole series, STOW-RS store, with
//!   basic or bearer authentication ([`Credentials`], never printed), timeouts, retries of
//!   transient failures and one-line errors ([`DicomWebError`]).
//! - [`StudyCache`]: fetched studies on disk, by server and StudyInstanceUID, size-limited.
//! - [`resolve_paths`]: study URLs (`ROOT/studies/UID`) wherever a study folder is accepted.
//!
//! Why `ureq` and not the `dicom-web` crate: `dicom-web` is async on reqwest and tokio (a
//! runtime the viewer otherwise does without), does not store (no STOW-RS) and follows
//! its own dicom-rs release line; `ureq` is a small, widely used blocking client that our
//! worker threads can call directly. The multipart envelope is a few dozen lines
//! ([`multipart`]) and streams, so a series never sits in memory whole.

mod auth;
mod cache;
mod client;
mod error;
mod fetch;
mod json;
pub mod multipart;
mod session;
mod store;
mod url;

pub use auth::{Credentials, PASSWORD_VAR, TOKEN_VAR, USER_VAR};
pub use cache::{CacheEntry, StudyCache, CACHE_DIR_VAR, CACHE_LIMIT_VAR};
pub use client::{is_part10, Client, SeriesRecord, StudyQuery, StudyRecord, Timeouts};
pub use error::DicomWebError;
pub use fetch::{fetch_study, resolve_paths, Fetched};
pub use session::{session_credentials, set_session_credentials};
pub use store::store_file;
pub use url::{is_uid, is_url, Root, StudyUrl};
