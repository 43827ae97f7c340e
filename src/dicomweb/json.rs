//! Reading attributes out of DICOM JSON (PS3.18 F.2), the answer format of QIDO-RS.

use serde_json::Value;

/// The first value of attribute `tag` (8 hex digits, e.g. `"0020000D"`) as text: strings as
/// they are, numbers printed, person names as their alphabetic form.
pub fn first_text(object: &Value, tag: &str) -> Option<String> {
    let value = object.get(tag)?.get("Value")?.as_array()?.first()?;
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o
            .get("Alphabetic")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// All values of attribute `tag` as text (for multi-valued strings such as modalities).
pub fn all_text(object: &Value, tag: &str) -> Vec<String> {
    object
        .get(tag)
        .and_then(|a| a.get("Value"))
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The first value of `tag` as an integer.
pub fn first_int(object: &Value, tag: &str) -> Option<i64> {
    let value = object.get(tag)?.get("Value")?.as_array()?.first()?;
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_numbers_names_and_lists() {
        let o: Value = serde_json::from_str(
            r#"{"0020000D":{"vr":"UI","Value":["1.2.3"]},
                "00100010":{"vr":"PN","Value":[{"Alphabetic":"DOE^JANE"}]},
                "00201206":{"vr":"IS","Value":[3]},
                "00080061":{"vr":"CS","Value":["CT","PT"]},
                "00081030":{"vr":"LO"}}"#,
        )
        .unwrap();
        assert_eq!(first_text(&o, "0020000D").as_deref(), Some("1.2.3"));
        assert_eq!(first_text(&o, "00100010").as_deref(), Some("DOE^JANE"));
        assert_eq!(first_int(&o, "00201206"), Some(3));
        assert_eq!(all_text(&o, "00080061"), vec!["CT", "PT"]);
        assert_eq!(first_text(&o, "00081030"), None);
    }
}
