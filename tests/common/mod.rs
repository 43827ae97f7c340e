//! Shared test helpers: locating third-party test data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared test-data folder (`PETCT_TEST_DATA`, default `../shared/data` from the repo
/// root), or `None` with a message when it is absent and `PETCT_REQUIRE_DATA` is not `1`.
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PETCT_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join(sub);
    if dir.exists() {
        return Some(dir);
    }
    if std::env::var("PETCT_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!(
            "test data {} is missing and PETCT_REQUIRE_DATA=1",
            dir.display()
        );
    }
    eprintln!(
        "skipping: test data {} not found (set PETCT_TEST_DATA)",
        dir.display()
    );
    None
}

/// Runs the `petct` binary with `args`: (success, stdout, stderr).
pub fn petct(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petct"))
        .args(args)
        .output()
        .expect("petct runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
