//! DICOMweb addresses: a server root (`http://host:8042/dicom-web`) and a study URL (the root
//! followed by `/studies/<StudyInstanceUID>`), which the commands accept wherever they accept
//! a study folder.

use super::auth::Credentials;
use super::error::DicomWebError;

/// A DICOMweb root without a trailing slash and without user info.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Root {
    url: String,
}

/// A study on a DICOMweb server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyUrl {
    /// The server root.
    pub root: Root,
    /// The StudyInstanceUID.
    pub study_uid: String,
}

/// Whether `text` looks like an HTTP(S) address (and so is not a local path).
pub fn is_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

impl Root {
    /// Parses a root such as `http://127.0.0.1:8042/dicom-web/`. User info in the address
    /// (`http://user:password@host/...`) is removed and returned as basic credentials, so
    /// that the address can be shown in messages.
    pub fn parse(text: &str) -> Result<(Root, Option<Credentials>), DicomWebError> {
        let bad = |reason: &str| DicomWebError::BadUrl {
            url: strip_user_info(text).0,
            reason: reason.into(),
        };
        if !is_url(text) {
            return Err(bad("it must start with http:// or https://"));
        }
        let (clean, credentials) = strip_user_info(text.trim());
        let trimmed = clean.trim_end_matches('/');
        let after_scheme = trimmed.split_once("://").map(|(_, r)| r).unwrap_or("");
        if after_scheme.is_empty() || after_scheme.starts_with('/') {
            return Err(bad("it names no host"));
        }
        if trimmed.contains(['?', '#', ' ']) {
            return Err(bad("a DICOMweb root has no query, fragment or spaces"));
        }
        Ok((
            Root {
                url: trimmed.to_string(),
            },
            credentials,
        ))
    }

    /// The root as text, without trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The root followed by `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl std::fmt::Display for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

impl StudyUrl {
    /// Parses `ROOT/studies/<StudyInstanceUID>` (a trailing slash is allowed).
    pub fn parse(text: &str) -> Result<(StudyUrl, Option<Credentials>), DicomWebError> {
        let shown = strip_user_info(text).0;
        let bad = |reason: &str| DicomWebError::BadUrl {
            url: shown.clone(),
            reason: reason.into(),
        };
        let trimmed = text.trim().trim_end_matches('/');
        let (root, uid) = trimmed
            .rsplit_once("/studies/")
            .ok_or_else(|| bad("a study URL ends in /studies/<StudyInstanceUID>"))?;
        if !is_uid(uid) {
            return Err(bad(
                "the StudyInstanceUID must be digits and dots, at most 64 characters",
            ));
        }
        let (root, credentials) = Root::parse(root)?;
        Ok((
            StudyUrl {
                root,
                study_uid: uid.to_string(),
            },
            credentials,
        ))
    }

    /// The study's own URL (root + `/studies/UID`).
    pub fn url(&self) -> String {
        self.root.join(&format!("/studies/{}", self.study_uid))
    }
}

/// Whether `text` is a DICOM UID (digits and dots, 1 to 64 characters).
pub fn is_uid(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !text.starts_with('.')
        && !text.ends_with('.')
}

/// Removes `user:password@` from an address, returning the clean address and the
/// credentials found.
fn strip_user_info(text: &str) -> (String, Option<Credentials>) {
    let Some((scheme, rest)) = text.split_once("://") else {
        return (text.to_string(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some((info, host)) = authority.rsplit_once('@') else {
        return (text.to_string(), None);
    };
    let (user, password) = info.split_once(':').unwrap_or((info, ""));
    let credentials = Credentials::Basic {
        user: user.to_string(),
        password: password.to_string(),
    };
    (
        format!("{scheme}://{host}{}", &rest[authority_end..]),
        Some(credentials),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_url_splits_into_root_and_uid() {
        let (s, c) = StudyUrl::parse("http://127.0.0.1:8042/dicom-web/studies/1.2.840.5/").unwrap();
        assert_eq!(s.root.as_str(), "http://127.0.0.1:8042/dicom-web");
        assert_eq!(s.study_uid, "1.2.840.5");
        assert_eq!(s.url(), "http://127.0.0.1:8042/dicom-web/studies/1.2.840.5");
        assert!(c.is_none());
    }

    #[test]
    fn user_info_becomes_credentials_and_leaves_messages() {
        let (s, c) = StudyUrl::parse("https://bob:pw@pacs.example/wado/studies/1.2").unwrap();
        assert_eq!(s.root.as_str(), "https://pacs.example/wado");
        assert_eq!(
            c,
            Some(Credentials::Basic {
                user: "bob".into(),
                password: "pw".into()
            })
        );
        let err = StudyUrl::parse("http://bob:pw@host/dicom-web/studies/x").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn rejects_paths_and_non_uids() {
        assert!(!is_url("/data/study"));
        assert!(is_url("HTTP://host"));
        assert!(StudyUrl::parse("http://host/dicom-web").is_err());
        assert!(StudyUrl::parse("http://host/studies/1.2;rm").is_err());
        assert!(Root::parse("ftp://host").is_err());
        assert!(Root::parse("http:///dicom-web").is_err());
        assert_eq!(
            Root::parse("http://h:1/dw/").unwrap().0.join("/studies"),
            "http://h:1/dw/studies"
        );
    }
}
