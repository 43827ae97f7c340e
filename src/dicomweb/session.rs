//! Credentials the user typed into the viewer for a server, kept for this process only (never
//! written to disk), so that a study URL opened later from the same server finds them
//! without the secret travelling in the URL, the window title or the recent list.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::auth::Credentials;
use super::url::Root;

fn store() -> &'static Mutex<HashMap<String, Credentials>> {
    static STORE: OnceLock<Mutex<HashMap<String, Credentials>>> = OnceLock::new();
    STORE.get_or_init(Default::default)
}

/// Remembers `credentials` for `root` until the process ends (`None` forgets them).
pub fn set_session_credentials(root: &Root, credentials: Option<Credentials>) {
    if let Ok(mut map) = store().lock() {
        match credentials {
            Some(c) => map.insert(root.as_str().to_string(), c),
            None => map.remove(root.as_str()),
        };
    }
}

/// The credentials remembered for `root`, if any.
pub fn session_credentials(root: &Root) -> Option<Credentials> {
    store().lock().ok()?.get(root.as_str()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_kept_per_root() {
        let (a, _) = Root::parse("http://session-test-a:1/dw").unwrap();
        let (b, _) = Root::parse("http://session-test-b:1/dw").unwrap();
        set_session_credentials(&a, Some(Credentials::Bearer("t".into())));
        assert_eq!(
            session_credentials(&a),
            Some(Credentials::Bearer("t".into()))
        );
        assert_eq!(session_credentials(&b), None);
        set_session_credentials(&a, None);
        assert_eq!(session_credentials(&a), None);
    }
}
