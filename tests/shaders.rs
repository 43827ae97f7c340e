//! Every WGSL shader parses and validates with naga; no GPU needed. What is validated is
//! the composed source (includes pasted in), the very text the pipelines compile.

// Test setup helpers panic on broken fixtures by design; a failure is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use petct::render::wgsl::{compose, composed, ShaderFile};

fn shader_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders")
}

/// File names of the `.wgsl` files on disk.
fn wgsl_files() -> BTreeSet<String> {
    let dir = shader_dir();
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl"))
        .collect()
}

/// Files some other file includes: libraries, not standalone shaders.
fn included_files(files: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in files {
        let text = std::fs::read_to_string(shader_dir().join(name)).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("#include") {
                out.insert(rest.trim().trim_matches('"').to_owned());
            }
        }
    }
    out
}

fn read_from_disk(name: &str) -> Option<String> {
    std::fs::read_to_string(shader_dir().join(name)).ok()
}

fn validate(label: &str, source: &str) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(source)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(source)));
}

#[test]
fn composed_pipeline_shaders_validate() {
    for file in ShaderFile::ALL {
        validate(&format!("composed {}", file.file_name()), &composed(file));
    }
}

#[test]
fn every_standalone_wgsl_file_validates_and_matches_what_pipelines_compile() {
    let files = wgsl_files();
    let libraries = included_files(&files);
    assert!(
        libraries.contains("common.wgsl"),
        "common.wgsl should be shared"
    );
    let mut count = 0;
    for name in files.difference(&libraries) {
        let source = compose(name, &read_from_disk).unwrap_or_else(|e| panic!("{e}"));
        validate(name, &source);
        // A standalone shader nobody compiles would escape the composed-source check.
        let file = ShaderFile::ALL
            .into_iter()
            .find(|f| f.file_name() == name)
            .unwrap_or_else(|| panic!("{name} is not a pipeline shader in ShaderFile::ALL"));
        assert_eq!(source, composed(file), "{name}: embedded copy differs");
        count += 1;
    }
    assert_eq!(count, ShaderFile::ALL.len(), "pipeline shaders on disk");
}
