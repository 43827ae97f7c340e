//! Credentials for a DICOMweb server: basic (user and password) or a bearer token.
//!
//! Credentials come from the environment (`PETCT_DICOMWEB_USER` and
//! `PETCT_DICOMWEB_PASSWORD`, or `PETCT_DICOMWEB_TOKEN`) or from the viewer's PACS panel.
//! They are never printed: `Debug` shows only which kind is set, and errors carry URLs
//! without user info.

use base64::Engine;

/// Environment variable with the user name for basic authentication.
pub const USER_VAR: &str = "PETCT_DICOMWEB_USER";
/// Environment variable with the password for basic authentication.
pub const PASSWORD_VAR: &str = "PETCT_DICOMWEB_PASSWORD";
/// Environment variable with a bearer token (takes precedence over user and password).
pub const TOKEN_VAR: &str = "PETCT_DICOMWEB_TOKEN";

/// How requests authenticate.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// No `Authorization` header.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic { user: String, password: String },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    // Never the secret, and not the user name either (it may identify staff).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("Credentials::None"),
            Credentials::Basic { .. } => f.write_str("Credentials::Basic(<redacted>)"),
            Credentials::Bearer(_) => f.write_str("Credentials::Bearer(<redacted>)"),
        }
    }
}

impl Credentials {
    /// Credentials from the environment: a token if `PETCT_DICOMWEB_TOKEN` is set, else
    /// basic if `PETCT_DICOMWEB_USER` is set (password may be empty), else none.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`] with another source of variables (for tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name| lookup(name).filter(|v: &String| !v.is_empty());
        if let Some(token) = non_empty(TOKEN_VAR) {
            return Credentials::Bearer(token);
        }
        match non_empty(USER_VAR) {
            Some(user) => Credentials::Basic {
                user,
                password: lookup(PASSWORD_VAR).unwrap_or_default(),
            },
            None => Credentials::None,
        }
    }

    /// The `Authorization` header value, if any.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Credentials::None => None,
            Credentials::Basic { user, password } => {
                let raw = format!("{user}:{password}");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
            Credentials::Bearer(token) => Some(format!("Bearer {token}")),
        }
    }

    /// A short description that reveals nothing secret ("none", "basic", "token").
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Basic { .. } => "basic",
            Credentials::Bearer(_) => "token",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn token_wins_over_basic_and_basic_encodes_user_and_password() {
        let both = [(TOKEN_VAR, "t0k"), (USER_VAR, "u"), (PASSWORD_VAR, "p")];
        assert_eq!(
            Credentials::from_lookup(env(&both)),
            Credentials::Bearer("t0k".into())
        );
        let basic =
            Credentials::from_lookup(env(&[(USER_VAR, "orthanc"), (PASSWORD_VAR, "s3cret")]));
        // base64("orthanc:s3cret")
        assert_eq!(
            basic.header_value().as_deref(),
            Some("Basic b3J0aGFuYzpzM2NyZXQ=")
        );
        assert_eq!(Credentials::from_lookup(env(&[])), Credentials::None);
        assert_eq!(Credentials::None.header_value(), None);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = Credentials::Basic {
            user: "alice".into(),
            password: "s3cret".into(),
        };
        let shown = format!("{c:?} {:?}", Credentials::Bearer("t0k".into()));
        assert!(!shown.contains("s3cret") && !shown.contains("alice") && !shown.contains("t0k"));
    }
}
