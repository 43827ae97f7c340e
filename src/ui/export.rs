//! Exports from the viewer that are not images: the lesion table as CSV or JSON, written
//! atomically by the project's one atomic-write helper.

use std::path::Path;

use super::reading::ReadingModel;

/// Writes the lesion table (JSON when the path ends in `.json`, else CSV).
pub fn hotspots(model: &ReadingModel, path: &Path) -> anyhow::Result<()> {
    let r = model
        .hotspots
        .result
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no hot spots segmented"))?;
    let text = if path.extension().is_some_and(|e| e == "json") {
        serde_json::to_string_pretty(&crate::analysis::report::to_json(r))?
    } else {
        crate::analysis::report::to_csv(r)
    };
    crate::render::export::write_atomic(text.as_bytes(), path)?;
    Ok(())
}
