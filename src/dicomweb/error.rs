//! What can go wrong talking to a DICOMweb server, each case worded for the user.
//!
//! Messages name the URL (never credentials: URLs are stripped of user info before they get
//! here) and say what to do where there is something to do.

use std::path::PathBuf;

/// A DICOMweb request or the study cache failed.
#[derive(Debug, thiserror::Error)]
pub enum DicomWebError {
    /// Not a DICOMweb root or study URL.
    #[error("'{url}' is not a DICOMweb URL: {reason}")]
    BadUrl { url: String, reason: String },
    /// Nothing listens at the address, or the network refused.
    #[error("cannot connect to {url}: {reason} (is the server running and the address right?)")]
    Connect { url: String, reason: String },
    /// The server did not answer in time, also after retries.
    #[error("{url}: no answer within {seconds} s (server too slow or unreachable)")]
    Timeout { url: String, seconds: u64 },
    /// HTTP 401: no or wrong credentials.
    #[error("{url}: the server refused the credentials (HTTP 401); set PETCT_DICOMWEB_USER and PETCT_DICOMWEB_PASSWORD, or PETCT_DICOMWEB_TOKEN")]
    Unauthorized { url: String },
    /// HTTP 403: the credentials are not allowed to do this.
    #[error("{url}: access forbidden for these credentials (HTTP 403)")]
    Forbidden { url: String },
    /// HTTP 404, or a search that found nothing where something was asked for.
    #[error("{what} not found on {url}")]
    NotFound { what: String, url: String },
    /// Any other HTTP error status.
    #[error("{url}: the server answered HTTP {status}{detail}")]
    Status {
        url: String,
        status: u16,
        detail: String,
    },
    /// A 2xx answer that is not what was asked for (HTML login page, wrong endpoint...).
    #[error("{url}: the answer is not {expected} (Content-Type '{content_type}'); is this the DICOMweb root?")]
    WrongContent {
        url: String,
        expected: String,
        content_type: String,
    },
    /// The answer was of the right kind but could not be read.
    #[error("{url}: malformed answer: {reason}")]
    Malformed { url: String, reason: String },
    /// The server refused to store an object (STOW-RS failure).
    #[error("{url}: the server did not store the object: {reason}")]
    StoreRefused { url: String, reason: String },
    /// Other transport failure (TLS, protocol, connection dropped).
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
    /// The local study cache could not be read or written.
    #[error("study cache {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The user stopped the transfer.
    #[error("cancelled")]
    Cancelled,
}

impl DicomWebError {
    /// Whether trying again may help (timeouts, dropped connections, 502/503/504).
    pub fn is_transient(&self) -> bool {
        match self {
            DicomWebError::Timeout { .. } | DicomWebError::Transport { .. } => true,
            DicomWebError::Status { status, .. } => matches!(status, 408 | 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// A cache error for `path`.
    pub fn cache(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DicomWebError::Cache {
            path: path.into(),
            source,
        }
    }
}
