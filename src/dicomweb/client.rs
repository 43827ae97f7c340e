//! A blocking DICOMweb client: QIDO-RS search, WADO-RS retrieval of whole series, STOW-RS
//! store. Built on `ureq` (see the module docs of [`super`] for why), run from worker
//! threads by the viewer and directly by the command line.

use std::time::Duration;

use serde_json::Value;

use super::auth::Credentials;
use super::error::DicomWebError;
use super::json::{all_text, first_int, first_text};
use super::multipart::{boundary_of, dicom_body, for_each_part, MultipartError};
use super::url::Root;

/// Attempts per request when the failure may be transient (timeouts, 502/503/504).
const ATTEMPTS: u32 = 3;
/// Waits between attempts.
const BACKOFF: [Duration; 2] = [Duration::from_millis(300), Duration::from_millis(1000)];

/// Timeouts of a client. Defaults suit a PACS on a hospital network.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Establishing the connection.
    pub connect: Duration,
    /// Waiting for the answer's headers, and each read of its body.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(60),
        }
    }
}

/// A study found by a search. Patient fields are identifiers: show them only when asked.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StudyRecord {
    pub study_uid: String,
    /// StudyDate, `YYYYMMDD`.
    pub date: Option<String>,
    /// StudyTime, `HHMMSS...`.
    pub time: Option<String>,
    pub description: Option<String>,
    /// ModalitiesInStudy, e.g. `["CT", "PT"]`.
    pub modalities: Vec<String>,
    /// NumberOfStudyRelatedSeries.
    pub series_count: Option<i64>,
    #[serde(skip)]
    pub patient_name: Option<String>,
    #[serde(skip)]
    pub patient_id: Option<String>,
}

/// A series of a study.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SeriesRecord {
    pub series_uid: String,
    pub modality: String,
    pub number: Option<i64>,
    pub description: Option<String>,
    /// NumberOfSeriesRelatedInstances, when the server says.
    pub instance_count: Option<i64>,
}

/// A QIDO-RS study search.
#[derive(Debug, Clone, Default)]
pub struct StudyQuery {
    /// PatientID to match exactly.
    pub patient_id: Option<String>,
    /// A modality the study must contain (ModalitiesInStudy), e.g. `PT`.
    pub modality: Option<String>,
    /// At most this many studies (the server may cap lower).
    pub limit: Option<u32>,
}

/// Talks to one DICOMweb server.
#[derive(Clone)]
pub struct Client {
    root: Root,
    credentials: Credentials,
    agent: ureq::Agent,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("root", &self.root)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl Client {
    /// A client for `root` with default timeouts.
    pub fn new(root: Root, credentials: Credentials) -> Self {
        Self::with_timeouts(root, credentials, Timeouts::default())
    }

    /// A client with the given timeouts.
    pub fn with_timeouts(root: Root, credentials: Credentials, timeouts: Timeouts) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // Statuses are mapped to our own errors, with the URL and what to do.
            .http_status_as_error(false)
            .timeout_connect(Some(timeouts.connect))
            .timeout_recv_response(Some(timeouts.read))
            .timeout_per_read(Some(timeouts.read))
            .user_agent(concat!("petct-viewer/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            root,
            credentials,
            agent,
            timeouts,
        }
    }

    /// The server root.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// QIDO-RS: studies matching `query`, as the server orders them.
    pub fn search_studies(&self, query: &StudyQuery) -> Result<Vec<StudyRecord>, DicomWebError> {
        let mut params: Vec<(&str, String)> = vec![
            ("includefield", "00081030".into()),
            ("includefield", "00080061".into()),
            ("includefield", "00201206".into()),
        ];
        if let Some(id) = &query.patient_id {
            params.push(("PatientID", id.clone()));
        }
        if let Some(m) = &query.modality {
            params.push(("ModalitiesInStudy", m.clone()));
        }
        params.push(("limit", query.limit.unwrap_or(200).to_string()));
        let answer = self.get_json("/studies", &params, "studies")?;
        Ok(answer.iter().map(study_record).collect())
    }

    /// QIDO-RS: the series of a study. An unknown study is [`DicomWebError::NotFound`].
    pub fn study_series(&self, study_uid: &str) -> Result<Vec<SeriesRecord>, DicomWebError> {
        let what = format!("study {study_uid}");
        let path = format!("/studies/{study_uid}/series");
        let params = [
            ("includefield", "0008103E".to_string()),
            ("includefield", "00201209".to_string()),
        ];
        let answer = self.get_json(&path, &params, &what)?;
        if answer.is_empty() {
            return Err(DicomWebError::NotFound {
                what,
                url: self.root.to_string(),
            });
        }
        Ok(answer.iter().map(series_record).collect())
    }

    /// WADO-RS: every instance of a series, handed one at a time to `on_instance` as the
    /// bytes of a DICOM file (Part 10), in the order the server sends them. Returns how
    /// many instances came. `on_instance` may stop the transfer by returning an error.
    pub fn retrieve_series(
        &self,
        study_uid: &str,
        series_uid: &str,
        mut on_instance: impl FnMut(&[u8]) -> Result<(), DicomWebError>,
    ) -> Result<usize, DicomWebError> {
        let url = self
            .root
            .join(&format!("/studies/{study_uid}/series/{series_uid}"));
        let what = format!("series {series_uid} of study {study_uid}");
        // Ask for the stored transfer syntax (no server-side transcoding); servers that
        // cannot honour `transfer-syntax=*` answer 400/406 and get the plain request.
        let accepts = [
            "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            "multipart/related; type=\"application/dicom\"",
        ];
        let mut response = None;
        for accept in accepts {
            match self.send(&url, &what, accept, None) {
                Err(DicomWebError::Status {
                    status: 400 | 406, ..
                }) => continue,
                other => {
                    response = Some(other?);
                    break;
                }
            }
        }
        let response = response.ok_or_else(|| DicomWebError::Status {
            url: url.clone(),
            status: 406,
            detail: ": no acceptable representation of the series".into(),
        })?;
        let content_type = header(&response, "content-type");
        let Some(boundary) = boundary_of(&content_type) else {
            return Err(DicomWebError::WrongContent {
                url,
                expected: "multipart/related DICOM".into(),
                content_type,
            });
        };
        let reader = response.into_body().into_reader();
        for_each_part(reader, &boundary, |_headers, body| {
            if !is_part10(body) {
                return Err(DicomWebError::WrongContent {
                    url: url.clone(),
                    expected: "DICOM instances".into(),
                    content_type: "a part without the DICM preamble".into(),
                });
            }
            on_instance(body)
        })
        .map_err(|e| match e {
            // Multipart errors are made without the URL: name it here.
            DicomWebError::Transport { reason, .. } => DicomWebError::Transport {
                url: url.clone(),
                reason,
            },
            DicomWebError::Malformed { reason, .. } => DicomWebError::Malformed {
                url: url.clone(),
                reason,
            },
            other => other,
        })
    }

    /// STOW-RS: stores DICOM files (Part 10 bytes) into study `study_uid`. Returns how many
    /// the server says it stored; any failed instance is an error naming the reason.
    pub fn store(&self, study_uid: &str, instances: &[&[u8]]) -> Result<usize, DicomWebError> {
        let url = self.root.join(&format!("/studies/{study_uid}"));
        let boundary = format!("petct-{:016x}", boundary_seed());
        let (body, content_type) = dicom_body(instances, &boundary);
        let mut response = self.send(
            &url,
            &format!("study {study_uid}"),
            "application/dicom+json",
            Some((&body, &content_type)),
        )?;
        let text = read_text(&mut response, &url, 16 << 20)?;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        // FailedSOPSequence and ReferencedSOPSequence of the store response.
        let failed = sequence_len(&answer, "00081198").unwrap_or(0);
        if failed > 0 {
            return Err(DicomWebError::StoreRefused {
                url,
                reason: format!("{failed} of {} instances failed", instances.len()),
            });
        }
        Ok(sequence_len(&answer, "00081199").unwrap_or(instances.len()))
    }

    /// GET a QIDO-RS resource and parse its DICOM JSON array (204 or an empty body: none).
    fn get_json(
        &self,
        path: &str,
        params: &[(&str, String)],
        what: &str,
    ) -> Result<Vec<Value>, DicomWebError> {
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query(v)))
            .collect();
        let url = format!("{}?{}", self.root.join(path), query.join("&"));
        let mut response =
            self.send(&url, what, "application/dicom+json, application/json", None)?;
        if response.status().as_u16() == 204 {
            return Ok(Vec::new());
        }
        let content_type = header(&response, "content-type");
        if !content_type.contains("json") {
            return Err(DicomWebError::WrongContent {
                url,
                expected: "DICOM JSON".into(),
                content_type,
            });
        }
        let text = read_text(&mut response, &url, 64 << 20)?;
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| DicomWebError::Malformed {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        match value {
            Value::Array(items) => Ok(items),
            _ => Err(DicomWebError::Malformed {
                url,
                reason: "expected a JSON array".into(),
            }),
        }
    }

    /// Sends a request (GET, or POST when `body` is given), retrying transient failures,
    /// and maps error statuses to [`DicomWebError`].
    fn send(
        &self,
        url: &str,
        what: &str,
        accept: &str,
        body: Option<(&[u8], &str)>,
    ) -> Result<ureq::http::Response<ureq::Body>, DicomWebError> {
        let mut attempt = 0;
        loop {
            let result = self.send_once(url, what, accept, body);
            match result {
                Err(e) if e.is_transient() && attempt + 1 < ATTEMPTS => {
                    tracing::warn!("{e}; trying again");
                    std::thread::sleep(BACKOFF[attempt as usize]);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn send_once(
        &self,
        url: &str,
        what: &str,
        accept: &str,
        body: Option<(&[u8], &str)>,
    ) -> Result<ureq::http::Response<ureq::Body>, DicomWebError> {
        let auth = self.credentials.header_value();
        let response = match body {
            None => {
                let mut request = self.agent.get(url).header("Accept", accept);
                if let Some(a) = &auth {
                    request = request.header("Authorization", a);
                }
                request.call()
            }
            Some((bytes, content_type)) => {
                let mut request = self
                    .agent
                    .post(url)
                    .header("Accept", accept)
                    .header("Content-Type", content_type);
                if let Some(a) = &auth {
                    request = request.header("Authorization", a);
                }
                request.send(bytes)
            }
        };
        let mut response = response.map_err(|e| self.request_error(url, e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let detail = error_detail(&mut response);
        Err(match status {
            401 => DicomWebError::Unauthorized { url: url.into() },
            403 => DicomWebError::Forbidden { url: url.into() },
            404 => DicomWebError::NotFound {
                what: what.into(),
                url: self.root.to_string(),
            },
            _ => DicomWebError::Status {
                url: url.into(),
                status,
                detail,
            },
        })
    }

    fn request_error(&self, url: &str, error: ureq::Error) -> DicomWebError {
        use std::io::ErrorKind;
        let connect = |reason: &str| DicomWebError::Connect {
            url: url.into(),
            reason: reason.into(),
        };
        match error {
            ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused => {
                connect("connection refused")
            }
            ureq::Error::HostNotFound => connect("host not found"),
            ureq::Error::ConnectionFailed => connect("connection failed"),
            ureq::Error::Timeout(_) => DicomWebError::Timeout {
                url: url.into(),
                seconds: self.timeouts.read.as_secs(),
            },
            ureq::Error::BadUri(reason) => DicomWebError::BadUrl {
                url: url.into(),
                reason,
            },
            other => transport(url, other),
        }
    }
}

impl From<MultipartError> for DicomWebError {
    fn from(e: MultipartError) -> Self {
        match e {
            MultipartError::Io(io) => DicomWebError::Transport {
                url: String::new(),
                reason: format!("transfer interrupted: {io}"),
            },
            MultipartError::Malformed(reason) => DicomWebError::Malformed {
                url: String::new(),
                reason,
            },
        }
    }
}

/// The answer's body as text, at most `limit` bytes.
fn read_text(
    response: &mut ureq::http::Response<ureq::Body>,
    url: &str,
    limit: u64,
) -> Result<String, DicomWebError> {
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|e| transport(url, e))
}

/// How many items a sequence attribute of DICOM JSON holds, when present.
fn sequence_len(object: &Value, tag: &str) -> Option<usize> {
    object
        .get(tag)
        .and_then(|s| s.get("Value"))
        .and_then(Value::as_array)
        .map(Vec::len)
}

fn transport(url: &str, error: ureq::Error) -> DicomWebError {
    DicomWebError::Transport {
        url: url.into(),
        reason: error.to_string(),
    }
}

/// A header's value, or empty.
fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The server's own explanation of an error status, short (Orthanc answers JSON with
/// "Message" and "Details").
fn error_detail(response: &mut ureq::http::Response<ureq::Body>) -> String {
    let text = response
        .body_mut()
        .with_config()
        .limit(16 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let message = ["Details", "Message"]
        .iter()
        .find_map(|k| json.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    let message: String = message.chars().take(200).collect();
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// Whether `bytes` are a DICOM Part 10 file ("DICM" after the 128-byte preamble).
pub fn is_part10(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM")
}

fn study_record(o: &Value) -> StudyRecord {
    StudyRecord {
        study_uid: first_text(o, "0020000D").unwrap_or_default(),
        date: first_text(o, "00080020"),
        time: first_text(o, "00080030"),
        description: first_text(o, "00081030"),
        modalities: all_text(o, "00080061"),
        series_count: first_int(o, "00201206"),
        patient_name: first_text(o, "00100010"),
        patient_id: first_text(o, "00100020"),
    }
}

fn series_record(o: &Value) -> SeriesRecord {
    SeriesRecord {
        series_uid: first_text(o, "0020000E").unwrap_or_default(),
        modality: first_text(o, "00080060").unwrap_or_default(),
        number: first_int(o, "00200011"),
        description: first_text(o, "0008103E"),
        instance_count: first_int(o, "00201209"),
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Some bits that differ between calls, for multipart boundaries.
fn boundary_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query("AB 12/&x"), "AB%2012%2F%26x");
        assert_eq!(encode_query("PT"), "PT");
    }

    #[test]
    fn part10_needs_the_preamble_and_magic() {
        let mut f = vec![0u8; 132];
        assert!(!is_part10(&f));
        f[128..].copy_from_slice(b"DICM");
        assert!(is_part10(&f));
        assert!(!is_part10(b"<html>"));
    }

    #[test]
    fn transient_errors_are_the_ones_worth_retrying() {
        let s = |status| DicomWebError::Status {
            url: "u".into(),
            status,
            detail: String::new(),
        };
        assert!(s(503).is_transient() && !s(500).is_transient());
        assert!(!DicomWebError::Unauthorized { url: "u".into() }.is_transient());
    }
}
