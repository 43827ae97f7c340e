//! Settings that persist between runs, in the user's config directory.

use std::path::PathBuf;

use super::state::Persisted;

fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "petct", "petct-viewer")
        .map(|d| d.config_dir().join("settings.json"))
}

/// Reads the saved settings, if any (a damaged file is ignored with a warning).
pub fn load() -> Option<Persisted> {
    let path = path()?;
    let text = std::fs::read_to_string(&path).ok()?;
    match serde_json::from_str(&text) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!("{}: ignoring unreadable settings: {e}", path.display());
            None
        }
    }
}

/// Writes the settings (temporary file, then rename).
pub fn save(p: &Persisted) -> std::io::Result<()> {
    let Some(path) = path() else { return Ok(()) };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(p).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)
}
