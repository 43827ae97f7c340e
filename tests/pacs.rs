//! DICOMweb against a real Orthanc (Debian's `orthanc` + `orthanc-dicomweb`, started by the
//! test on a free port with basic auth; see tests/common/orthanc.rs): search, opening a
//! study by URL (same series, SUV and SUVmax as the local folder; the second time from the
//! cache), one-line errors for a wrong password, an unknown study and a stopped server, and
//! SEG and Secondary Capture stored with STOW-RS and read back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/orthanc.rs"]
mod orthanc;

use std::path::{Path, PathBuf};
use std::process::Command;

use orthanc::Orthanc;
use petct::dicom::write::read_segmentation;
use petct::dicomweb::{Client, Credentials, Root};
use petct::phantom::{generate, write_dicom, PhantomKind};
use serde_json::Value;

/// Runs `petct` with extra environment variables: (success, stdout, stderr).
fn petct_env(args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_petct"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("PETCT_DICOMWEB_TOKEN")
        .output()
        .expect("petct runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The StudyInstanceUID of the first DICOM file under `dir`.
fn study_uid(dir: &Path) -> String {
    let file = petct::dicom::collect_files(&[dir.to_path_buf()])
        .0
        .into_iter()
        .next()
        .expect("a file");
    let obj = dicom_object::open_file(&file).expect("DICOM");
    obj.element(dicom_dictionary_std::tags::STUDY_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_string()
}

/// Environment for `petct`: the server's credentials and a private cache folder.
fn env_for(server: &Orthanc, cache: &Path) -> Vec<(&'static str, String)> {
    let mut env = server.credentials_env();
    env.push(("PETCT_CACHE_DIR", cache.display().to_string()));
    env
}

fn assert_one_clear_line(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(lines[0].contains(expected), "'{expected}' not in: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains(orthanc::PASSWORD));
}

/// The facts that must match between a local folder and the same study by URL.
fn series_facts(info: &str) -> Vec<Value> {
    let json: Value = serde_json::from_str(info).expect("info JSON");
    let mut series: Vec<Value> = json["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| {
            serde_json::json!([
                s["series_uid"],
                s["modality"],
                s["selected"],
                s["dims"],
                s["spacing_mm"],
                s["origin_mm"],
                s["suv_factor"],
                s["suv_max"],
                s["max"],
                s["file_count"]
            ])
        })
        .collect();
    series.sort_by_key(|v| v.to_string());
    series
}

#[test]
fn studies_open_by_url_like_local_folders_and_errors_are_one_line() {
    let Some(sts) = common::data_dir("sts_001") else {
        return;
    };
    let Some(mut server) = Orthanc::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let phantom_dir = tmp.path().join("phantom");
    write_dicom(&generate(PhantomKind::Torso), &phantom_dir).unwrap();
    assert!(server.upload(&sts) > 300, "STS_001 uploaded");
    assert!(server.upload(&phantom_dir) > 0, "phantom uploaded");
    let sts_uid = study_uid(&sts);
    let phantom_uid = study_uid(&phantom_dir);
    let cache = tmp.path().join("cache");
    let env = env_for(&server, &cache);
    let root = server.root();

    // Search: both studies, identifiers only on request.
    let (ok, out, err) = petct_env(&["pacs", "search", &root, "--json"], &env);
    assert!(ok, "{err}");
    let found: Value = serde_json::from_str(&out).unwrap();
    let uids: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["study_uid"].as_str())
        .collect();
    assert!(
        uids.contains(&sts_uid.as_str()) && uids.contains(&phantom_uid.as_str()),
        "{out}"
    );
    assert!(
        !out.contains("patient_name"),
        "no identifiers without --show-phi"
    );
    let (ok, out, _) = petct_env(&["pacs", "search", &root, "--show-phi", "--json"], &env);
    assert!(ok && out.contains("patient_id"), "{out}");
    let (ok, out, _) = petct_env(&["pacs", "search", &root, "--modality", "PT"], &env);
    assert!(ok && out.contains(&sts_uid), "{out}");

    // The same facts by URL as from the local folder.
    let sts_path = sts.display().to_string();
    let (ok, local, err) = petct_env(&["info", &sts_path, "--json"], &env);
    assert!(ok, "{err}");
    let url = server.study_url(&sts_uid);
    let (ok, remote, err) = petct_env(&["info", &url, "--json"], &env);
    assert!(ok, "{err}");
    assert_eq!(series_facts(&remote), series_facts(&local));
    assert!(!err.contains(orthanc::PASSWORD));

    // Errors: wrong password, unknown study; each one line, no panic, no secret.
    let mut wrong = env.clone();
    wrong[1].1 = "not-the-password".into();
    let (ok, _, err) = petct_env(&["info", &server.study_url(&phantom_uid)], &wrong);
    assert!(!ok);
    assert_one_clear_line(&err, "HTTP 401");
    let (ok, _, err) = petct_env(&["info", &server.study_url("1.2.3.4.5.6.7")], &env);
    assert!(!ok);
    assert_one_clear_line(&err, "study 1.2.3.4.5.6.7 not found");

    // Stopped server: the cached study still opens; an uncached one says why not.
    server.stop();
    let (ok, again, err) = petct_env(&["info", &url, "--json"], &env);
    assert!(ok, "from the cache: {err}");
    assert_eq!(series_facts(&again), series_facts(&local));
    let (ok, _, err) = petct_env(&["info", &server.study_url(&phantom_uid)], &env);
    assert!(!ok);
    assert_one_clear_line(&err, "connection refused");
    let (ok, _, err) = petct_env(&["pacs", "search", &root], &env);
    assert!(!ok);
    assert_one_clear_line(&err, "cannot connect");

    // The cache lists the study and clears.
    let (ok, out, _) = petct_env(&["pacs", "cache"], &env);
    assert!(ok && out.contains(&sts_uid), "{out}");
    let (ok, _, _) = petct_env(&["pacs", "cache", "--clear"], &env);
    assert!(ok);
    let (ok, out, _) = petct_env(&["pacs", "cache"], &env);
    assert!(ok && out.contains("0 studies"), "{out}");
}

/// Retrieves the single series of `modality` of a study into `dir`; returns its files.
fn retrieve(server: &Orthanc, study: &str, modality: &str, dir: &Path) -> Vec<PathBuf> {
    let client = Client::new(
        Root::parse(&server.root()).unwrap().0,
        Credentials::Basic {
            user: orthanc::USER.into(),
            password: orthanc::PASSWORD.into(),
        },
    );
    let series: Vec<_> = client
        .study_series(study)
        .unwrap()
        .into_iter()
        .filter(|s| s.modality == modality)
        .collect();
    assert_eq!(series.len(), 1, "one {modality} series in the study");
    std::fs::create_dir_all(dir).unwrap();
    let mut files = Vec::new();
    client
        .retrieve_series(study, &series[0].series_uid, |bytes| {
            let f = dir.join(format!("{modality}{}.dcm", files.len()));
            std::fs::write(&f, bytes).unwrap();
            files.push(f);
            Ok(())
        })
        .unwrap();
    files
}

#[test]
fn seg_and_key_frame_stored_with_stow_come_back_in_the_study() {
    let Some(server) = Orthanc::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let phantom_dir = tmp.path().join("phantom");
    write_dicom(&generate(PhantomKind::Torso), &phantom_dir).unwrap();
    assert!(server.upload(&phantom_dir) > 0);
    let uid = study_uid(&phantom_dir);
    let env = env_for(&server, &tmp.path().join("cache"));
    let url = server.study_url(&uid);
    let root = server.root();

    let seg_out = tmp.path().join("lesions.dcm");
    let seg_arg = seg_out.display().to_string();
    let (ok, out, err) = petct_env(
        &[
            "hotspots", &url, "--json", "--seg", &seg_arg, "--store", &root,
        ],
        &env,
    );
    assert!(ok, "{err}");
    assert!(err.contains("stored"), "{err}");
    let lesions: Value = serde_json::from_str(&out).unwrap();
    let lesions = lesions["lesions"].as_array().unwrap().clone();

    let sc_out = tmp.path().join("key.dcm");
    let sc_arg = sc_out.display().to_string();
    let (ok, _, err) = petct_env(
        &[
            "render",
            &url,
            "--out",
            &tmp.path().join("key.png").display().to_string(),
            "--width",
            "96",
            "--height",
            "96",
            "--dicom",
            &sc_arg,
            "--store",
            &root,
        ],
        &env,
    );
    assert!(ok, "{err}");

    assert_eq!(
        server.series_modalities(&uid),
        vec!["CT", "OT", "PT", "SEG"]
    );
    let back = tmp.path().join("back");
    let seg_files = retrieve(&server, &uid, "SEG", &back);
    let seg = read_segmentation(&seg_files[0]).unwrap();
    assert_eq!(seg.study_instance_uid.as_deref(), Some(uid.as_str()));
    assert_eq!(seg.segments.len(), lesions.len());
    for (s, l) in seg.segments.iter().zip(&lesions) {
        assert_eq!(
            Some(s.voxel_count() as u64),
            l["voxel_count"].as_u64(),
            "{}",
            s.label
        );
    }
    let sc_files = retrieve(&server, &uid, "OT", &back);
    let sc = dicom_object::open_file(&sc_files[0]).unwrap();
    let text = |tag| {
        sc.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches('\0')
            .to_string()
    };
    assert_eq!(
        text(dicom_dictionary_std::tags::SOP_CLASS_UID),
        "1.2.840.10008.5.1.4.1.1.7"
    );
    assert_eq!(text(dicom_dictionary_std::tags::STUDY_INSTANCE_UID), uid);
    assert_eq!(text(dicom_dictionary_std::tags::ROWS), "96");

    // Storing into a server that refuses the credentials: one line.
    let mut wrong = env.clone();
    wrong[1].1 = "nope".into();
    let (ok, _, err) = petct_env(
        &[
            "hotspots",
            &phantom_dir.display().to_string(),
            "--seg",
            &seg_arg,
            "--store",
            &root,
        ],
        &wrong,
    );
    assert!(!ok);
    assert!(
        err.contains("HTTP 401") && !err.contains("panicked"),
        "{err}"
    );
}
