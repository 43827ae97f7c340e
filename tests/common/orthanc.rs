//! A real Orthanc PACS for tests: started on a free 127.0.0.1 port with a temporary storage
//! folder, basic authentication on, remote access off, the DICOMweb plugin loaded; stopped
//! (killed and its folder removed) when dropped, so also when a test fails.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Basic-auth user and password of the test server.
pub const USER: &str = "petct";
pub const PASSWORD: &str = "orthanc-test-secret";
const PLUGIN: &str = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

/// A running Orthanc.
pub struct Orthanc {
    child: Option<Child>,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Orthanc {
    /// Starts a server, or `None` with a message when Orthanc is not installed and
    /// `PETCT_REQUIRE_DATA` is not `1` (CI installs it and requires it).
    pub fn start() -> Option<Orthanc> {
        let installed = Command::new("Orthanc")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
            && Path::new(PLUGIN).exists();
        if !installed {
            if std::env::var("PETCT_REQUIRE_DATA").as_deref() == Ok("1") {
                panic!("Orthanc with its DICOMweb plugin is required (apt-get install orthanc orthanc-dicomweb)");
            }
            eprintln!("skipping: Orthanc or its DICOMweb plugin is not installed");
            return None;
        }
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = free_port();
        let config = serde_json::json!({
            "Name": "petct-test",
            "StorageDirectory": dir.path().join("storage"),
            "IndexDirectory": dir.path().join("index"),
            "HttpPort": port,
            "DicomServerEnabled": false,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": true,
            "RegisteredUsers": { USER: PASSWORD },
            "Plugins": [PLUGIN],
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
        });
        let config_path = dir.path().join("orthanc.json");
        std::fs::write(&config_path, config.to_string()).expect("config written");
        let log = std::fs::File::create(dir.path().join("orthanc.log")).expect("log file");
        let child = Command::new("Orthanc")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("Orthanc starts");
        let server = Orthanc {
            child: Some(child),
            dir,
            port,
        };
        server.wait_ready();
        Some(server)
    }

    /// The DICOMweb root.
    pub fn root(&self) -> String {
        format!("http://127.0.0.1:{}/dicom-web", self.port)
    }

    /// A study URL on this server.
    pub fn study_url(&self, study_uid: &str) -> String {
        format!("{}/studies/{study_uid}", self.root())
    }

    /// Environment variables giving the test credentials to `petct`.
    pub fn credentials_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PETCT_DICOMWEB_USER", USER.to_string()),
            ("PETCT_DICOMWEB_PASSWORD", PASSWORD.to_string()),
        ]
    }

    fn rest(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn auth(&self) -> String {
        petct::dicomweb::Credentials::Basic {
            user: USER.into(),
            password: PASSWORD.into(),
        }
        .header_value()
        .expect("basic header")
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let answer = ureq::get(&self.rest("/system"))
                .header("Authorization", &self.auth())
                .call();
            if answer.is_ok_and(|r| r.status() == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.dir.path().join("orthanc.log")).unwrap_or_default();
        panic!("Orthanc did not start within 30 s; its log:\n{log}");
    }

    /// Uploads every file under `dir` (recursively) through the REST API (`POST /instances`).
    /// Returns how many the server accepted.
    pub fn upload(&self, dir: &Path) -> usize {
        let mut accepted = 0;
        for file in files_under(dir) {
            let bytes = std::fs::read(&file).expect("readable file");
            let answer = ureq::post(&self.rest("/instances"))
                .header("Authorization", &self.auth())
                .header("Content-Type", "application/dicom")
                .send(&bytes[..]);
            if answer.is_ok_and(|r| r.status() == 200) {
                accepted += 1;
            }
        }
        accepted
    }

    /// The modalities of the series of a study, from Orthanc's own REST API.
    pub fn series_modalities(&self, study_uid: &str) -> Vec<String> {
        let body = ureq::post(&self.rest("/tools/find"))
            .header("Authorization", &self.auth())
            .header("Content-Type", "application/json")
            .send(
                serde_json::json!({
                    "Level": "Series",
                    "Query": { "StudyInstanceUID": study_uid },
                    "Expand": true
                })
                .to_string(),
            )
            .expect("find answers")
            .body_mut()
            .read_to_string()
            .expect("find body");
        let series: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut m: Vec<String> = series
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|s| s["MainDicomTags"]["Modality"].as_str().map(String::from))
            .collect();
        m.sort();
        m
    }

    /// Stops the server now (as if it went down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable folder").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
