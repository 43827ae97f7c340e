//! Sending a DICOM file the product wrote (SEG, Secondary Capture) to a PACS with STOW-RS,
//! into the study it belongs to.

use std::path::Path;

use dicom_dictionary_std::tags;

use super::auth::Credentials;
use super::client::{is_part10, Client};
use super::url::{is_uid, Root};

/// Stores the DICOM file at `file` into its own study (its StudyInstanceUID) on the server
/// at `root`. Credentials: those in the URL, else the environment's. Returns the study UID.
pub fn store_file(root: &str, file: &Path) -> anyhow::Result<String> {
    let (root, in_url) = Root::parse(root)?;
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", file.display()))?;
    if !is_part10(&bytes) {
        anyhow::bail!("{}: not a DICOM file", file.display());
    }
    let study_uid = study_uid_of(file)?;
    let client = Client::new(root, in_url.unwrap_or_else(Credentials::from_env));
    client.store(&study_uid, &[&bytes])?;
    Ok(study_uid)
}

/// The StudyInstanceUID of a DICOM file.
fn study_uid_of(file: &Path) -> anyhow::Result<String> {
    let object = dicom_object::OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the DICOM header: {e}", file.display()))?;
    let uid = object
        .element(tags::STUDY_INSTANCE_UID)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default();
    if !is_uid(&uid) {
        anyhow::bail!(
            "{}: no valid StudyInstanceUID to store it into",
            file.display()
        );
    }
    Ok(uid)
}
