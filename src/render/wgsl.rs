//! WGSL composition: a shader line `#include "common.wgsl"` is replaced by that file's text,
//! so a function used by several shaders exists once (as `#import` does in rerun's
//! `re_renderer`). Sources are embedded at compile time; the pipelines compile the composed
//! text, and tests/shaders.rs validates exactly that text with naga.

use std::collections::HashSet;

/// Every WGSL file under `shaders/`, by file name, as embedded in the binary.
const FILES: [(&str, &str); 6] = [
    ("common.wgsl", include_str!("../../shaders/common.wgsl")),
    (
        "fullscreen.wgsl",
        include_str!("../../shaders/fullscreen.wgsl"),
    ),
    ("mpr.wgsl", include_str!("../../shaders/mpr.wgsl")),
    ("parts.wgsl", include_str!("../../shaders/parts.wgsl")),
    ("permute.wgsl", include_str!("../../shaders/permute.wgsl")),
    ("raymarch.wgsl", include_str!("../../shaders/raymarch.wgsl")),
];

/// The shaders a pipeline compiles (files that are only included are not listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShaderFile {
    /// shaders/raymarch.wgsl, the 3D ray marcher.
    Raymarch,
    /// shaders/mpr.wgsl, the slice panes.
    Mpr,
    /// shaders/parts.wgsl, reassembling an image drawn in parts.
    Parts,
}

impl ShaderFile {
    /// Every pipeline shader.
    pub const ALL: [ShaderFile; 3] = [Self::Raymarch, Self::Mpr, Self::Parts];

    /// File name under `shaders/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Raymarch => "raymarch.wgsl",
            Self::Mpr => "mpr.wgsl",
            Self::Parts => "parts.wgsl",
        }
    }
}

/// Why a shader could not be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncludeError {
    /// An `#include` names a file the lookup does not know.
    #[error("{from}: #include of unknown file \"{name}\"")]
    Unknown { from: String, name: String },
    /// A line starts with `#include` but is not `#include "name"`.
    #[error("{from}: malformed include line `{line}` (expected #include \"file.wgsl\")")]
    Malformed { from: String, line: String },
}

/// The embedded source of a file under `shaders/`.
pub fn embedded(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// The composed source of a pipeline shader, as the pipeline compiles it.
pub fn composed(file: ShaderFile) -> String {
    // The embedded files are part of the build and tests/shaders.rs composes each one, so a
    // failure here is a bug in this crate's shaders, not bad outside data.
    compose(file.file_name(), &|n| embedded(n).map(str::to_owned))
        .unwrap_or_else(|e| panic!("built-in shader does not compose: {e}"))
}

/// Composed source of shaders/raymarch.wgsl.
pub fn raymarch_source() -> String {
    composed(ShaderFile::Raymarch)
}

/// Composed source of shaders/mpr.wgsl.
pub fn mpr_source() -> String {
    composed(ShaderFile::Mpr)
}

/// Composed source of shaders/parts.wgsl.
pub fn parts_source() -> String {
    composed(ShaderFile::Parts)
}

/// Composes `name` with sources from `lookup`: each `#include "file"` line (leading spaces
/// allowed) becomes that file's composed text; a file included twice is pasted only the
/// first time, since WGSL forbids duplicate declarations. Line comments mark where each
/// included file begins and ends, so naga's errors can be traced back.
pub fn compose(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, IncludeError> {
    let source = lookup(name).ok_or_else(|| IncludeError::Unknown {
        from: "(root)".into(),
        name: name.into(),
    })?;
    let mut seen = HashSet::from([name.to_owned()]);
    let mut out = String::with_capacity(source.len() * 2);
    expand(name, &source, lookup, &mut seen, &mut out)?;
    Ok(out)
}

/// Appends `source` to `out`, expanding include lines recursively.
fn expand(
    from: &str,
    source: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    seen: &mut HashSet<String>,
    out: &mut String,
) -> Result<(), IncludeError> {
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("#include") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let target = include_target(rest).ok_or_else(|| IncludeError::Malformed {
            from: from.into(),
            line: line.trim().into(),
        })?;
        if !seen.insert(target.to_owned()) {
            continue;
        }
        let text = lookup(target).ok_or_else(|| IncludeError::Unknown {
            from: from.into(),
            name: target.into(),
        })?;
        out.push_str(&format!("// ---- begin {target} (included by {from})\n"));
        expand(target, &text, lookup, seen, out)?;
        out.push_str(&format!("// ---- end {target}\n"));
    }
    Ok(())
}

/// The quoted file name after `#include`, if the rest of the line is just that.
fn include_target(rest: &str) -> Option<&str> {
    let inner = rest.trim().strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty() && !inner.contains('"')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(files: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| {
            files
                .iter()
                .find(|(f, _)| *f == n)
                .map(|(_, s)| s.to_string())
        }
    }

    #[test]
    fn includes_are_pasted_once_and_nested() {
        let files: &[(&str, &str)] = &[
            (
                "a.wgsl",
                "#include \"b.wgsl\"\n  #include \"c.wgsl\"\nfn a() {}\n",
            ),
            ("b.wgsl", "#include \"c.wgsl\"\nfn b() {}\n"),
            ("c.wgsl", "fn c() {}\n"),
        ];
        let out = compose("a.wgsl", &lookup(files)).unwrap();
        assert_eq!(out.matches("fn c() {}").count(), 1);
        let (c, b, a) = (
            out.find("fn c()").unwrap(),
            out.find("fn b()").unwrap(),
            out.find("fn a()").unwrap(),
        );
        assert!(c < b && b < a, "{out}");
        assert!(!out.contains("#include"));
    }

    #[test]
    fn unknown_and_malformed_includes_are_errors() {
        let files: &[(&str, &str)] = &[
            ("a.wgsl", "#include \"missing.wgsl\"\n"),
            ("b.wgsl", "#include common.wgsl\n"),
        ];
        assert!(matches!(
            compose("a.wgsl", &lookup(files)),
            Err(IncludeError::Unknown { .. })
        ));
        assert!(matches!(
            compose("b.wgsl", &lookup(files)),
            Err(IncludeError::Malformed { .. })
        ));
    }

    #[test]
    fn pipeline_shaders_compose_without_include_lines() {
        for file in ShaderFile::ALL {
            let source = composed(file);
            let leftover = source
                .lines()
                .any(|l| l.trim_start().starts_with("#include"));
            assert!(!leftover, "{}", file.file_name());
            assert_eq!(source.matches("fn vs_main(").count(), 1);
            if file != ShaderFile::Parts {
                assert_eq!(source.matches("fn colormap_lookup(").count(), 1);
            }
        }
    }
}
