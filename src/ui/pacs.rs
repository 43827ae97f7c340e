//! The PACS browser behind the side panel's PACS section: server and credentials as typed,
//! a study search on a background thread (latest request wins), the results, and the URL
//! to open for a result. Window-free; the egui part is `panels/pacs.rs`.

use std::path::PathBuf;

use super::latest_worker::LatestWorker;
use crate::dicomweb::{
    set_session_credentials, Client, Credentials, Root, StudyQuery, StudyRecord, StudyUrl,
};

/// Where a search stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchStatus {
    Idle,
    Searching,
    Found(usize),
    Failed(String),
}

type SearchResult = Result<Vec<StudyRecord>, String>;

/// What the user typed and what the server answered.
pub struct PacsBrowser {
    /// DICOMweb root.
    pub server: String,
    /// User for basic authentication (empty: none, or a token).
    pub user: String,
    /// Password, or a bearer token when `user` is empty. Kept in memory only.
    pub secret: String,
    /// Only studies of this PatientID (empty: all).
    pub patient_id: String,
    pub results: Vec<StudyRecord>,
    pub status: SearchStatus,
    /// The server the results came from.
    results_root: Option<Root>,
    worker: Option<LatestWorker<(Root, Credentials, StudyQuery), SearchResult>>,
}

impl std::fmt::Debug for PacsBrowser {
    // The secret stays out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacsBrowser")
            .field("server", &self.server)
            .field("status", &self.status)
            .field("results", &self.results.len())
            .finish()
    }
}

impl Default for PacsBrowser {
    fn default() -> Self {
        PacsBrowser {
            server: std::env::var("PETCT_DICOMWEB_ROOT")
                .unwrap_or_else(|_| "http://127.0.0.1:8042/dicom-web".into()),
            user: std::env::var(crate::dicomweb::USER_VAR).unwrap_or_default(),
            secret: String::new(),
            patient_id: String::new(),
            results: Vec::new(),
            status: SearchStatus::Idle,
            results_root: None,
            worker: None,
        }
    }
}

impl PacsBrowser {
    /// The credentials typed, else (no password or token typed) the environment's.
    pub fn credentials(&self) -> Credentials {
        match (self.user.trim(), self.secret.as_str()) {
            (_, "") => Credentials::from_env(),
            ("", token) => Credentials::Bearer(token.to_string()),
            (user, password) => Credentials::Basic {
                user: user.to_string(),
                password: password.to_string(),
            },
        }
    }

    /// Starts a search of the server typed (`server` replaces it when given). Returns an
    /// error for an address that is not a DICOMweb root.
    pub fn search(&mut self, server: Option<&str>) -> Result<(), String> {
        if let Some(s) = server {
            self.server = s.to_string();
        }
        let (root, in_url) = Root::parse(self.server.trim()).map_err(|e| e.to_string())?;
        if in_url.is_some() {
            // Keep the secret out of the field (and so out of anything shown later).
            self.server = root.to_string();
        }
        let credentials = in_url.unwrap_or_else(|| self.credentials());
        set_session_credentials(&root, Some(credentials.clone()));
        let query = StudyQuery {
            patient_id: Some(self.patient_id.trim().to_string()).filter(|p| !p.is_empty()),
            modality: None,
            limit: Some(200),
        };
        let worker = self.worker.get_or_insert_with(|| {
            LatestWorker::start("pacs-search", 1, |(root, credentials, query)| {
                Client::new(root, credentials)
                    .search_studies(&query)
                    .map_err(|e| e.to_string())
            })
        });
        worker.submit((root.clone(), credentials, query));
        self.results_root = Some(root);
        self.status = SearchStatus::Searching;
        Ok(())
    }

    /// Takes a finished search, if any; true when something changed.
    pub fn poll(&mut self) -> bool {
        let Some(result) = self.worker.as_ref().and_then(LatestWorker::poll) else {
            return false;
        };
        match result {
            Ok(studies) => {
                self.status = SearchStatus::Found(studies.len());
                self.results = studies;
            }
            Err(e) => {
                self.status = SearchStatus::Failed(e);
                self.results.clear();
            }
        }
        true
    }

    /// Whether a search is running.
    pub fn searching(&self) -> bool {
        self.status == SearchStatus::Searching
    }

    /// The path to open for the `index`-th result: its study URL.
    pub fn open_path(&self, index: usize) -> Option<PathBuf> {
        let root = self.results_root.as_ref()?;
        let study = self.results.get(index)?;
        let url = StudyUrl {
            root: root.clone(),
            study_uid: study.study_uid.clone(),
        };
        Some(PathBuf::from(url.url()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_search_of_a_server_that_is_not_there_fails_with_a_message() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut b = PacsBrowser::default();
        assert!(b.search(Some("not a url")).is_err());
        b.search(Some(&format!("http://127.0.0.1:{port}/dicom-web")))
            .unwrap();
        assert!(b.searching());
        let t = Instant::now();
        while !b.poll() && t.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        match &b.status {
            SearchStatus::Failed(e) => assert!(e.contains("cannot connect"), "{e}"),
            other => panic!("expected a failure, got {other:?}"),
        }
        assert_eq!(b.open_path(0), None);
    }

    #[test]
    fn credentials_in_the_address_leave_the_field_and_typed_ones_apply() {
        let mut b = PacsBrowser {
            user: "u".into(),
            secret: "p".into(),
            ..Default::default()
        };
        assert_eq!(
            b.credentials(),
            Credentials::Basic {
                user: "u".into(),
                password: "p".into()
            }
        );
        b.search(Some("http://bob:pw@127.0.0.1:9/dw")).unwrap();
        assert_eq!(b.server, "http://127.0.0.1:9/dw");
        b.user.clear();
        b.secret = "tok".into();
        assert_eq!(b.credentials(), Credentials::Bearer("tok".into()));
    }
}
