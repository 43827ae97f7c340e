//! Tolerant readers of attribute values: a missing or malformed value is `None`, never a panic.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// Alias for the in-memory data set type used throughout.
pub type Dataset = InMemDicomObject;

/// Trimmed, non-empty text of an attribute (first value of a multi-valued one joined by `\`).
pub fn text(ds: &Dataset, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    let s = match e.to_str() {
        Ok(s) => s.into_owned(),
        Err(_) => String::from_utf8_lossy(&e.to_bytes().ok()?).into_owned(),
    };
    let s = s
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// All values of a multi-valued text attribute, trimmed.
pub fn texts(ds: &Dataset, tag: Tag) -> Option<Vec<String>> {
    let joined = text(ds, tag)?;
    Some(joined.split('\\').map(|s| s.trim().to_string()).collect())
}

/// All numeric values of an attribute (DS/IS text or binary), all finite.
pub fn floats(ds: &Dataset, tag: Tag) -> Option<Vec<f64>> {
    let e = ds.get(tag)?;
    let values = match e.to_multi_float64() {
        Ok(v) => v,
        Err(_) => parse_numbers(&text(ds, tag)?)?,
    };
    (!values.is_empty() && values.iter().all(|v| v.is_finite())).then_some(values)
}

/// The first numeric value of an attribute.
pub fn float(ds: &Dataset, tag: Tag) -> Option<f64> {
    floats(ds, tag)?.first().copied()
}

/// An integer attribute (US, IS, ...).
pub fn int(ds: &Dataset, tag: Tag) -> Option<i64> {
    let e = ds.get(tag)?;
    match e.to_int::<i64>() {
        Ok(v) => Some(v),
        Err(_) => text(ds, tag)?.trim().parse().ok(),
    }
}

/// The first item of a sequence attribute.
pub fn first_item(ds: &Dataset, tag: Tag) -> Option<&Dataset> {
    ds.get(tag)?.items()?.first()
}

/// Text of a private attribute found through its creator, e.g. GE's (0009,xx0D).
pub fn private_text(ds: &Dataset, group: u16, creator: &str, offset: u8) -> Option<String> {
    let e = ds.private_element(group, creator, offset).ok()?;
    let s = match e.to_str() {
        Ok(s) => s.into_owned(),
        Err(_) => String::from_utf8_lossy(&e.to_bytes().ok()?).into_owned(),
    };
    let s = s
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// A numeric private attribute (stored as text or, in implicit VR, as raw text bytes).
pub fn private_float(ds: &Dataset, group: u16, creator: &str, offset: u8) -> Option<f64> {
    let e = ds.private_element(group, creator, offset).ok()?;
    if let Ok(v) = e.to_float64() {
        if v.is_finite() {
            return Some(v);
        }
    }
    parse_numbers(&private_text(ds, group, creator, offset)?)?
        .first()
        .copied()
}

fn parse_numbers(s: &str) -> Option<Vec<f64>> {
    s.split('\\')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::tags;

    #[test]
    fn reads_text_numbers_and_privates() {
        let ds = Dataset::from_element_iter([
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("PT ")),
            DataElement::new(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                PrimitiveValue::from("-1.5\\2\\3e1"),
            ),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(128u16)),
            DataElement::new(Tag(0x7053, 0x0010), VR::LO, PrimitiveValue::from("P")),
            DataElement::new(Tag(0x7053, 0x1000), VR::UN, PrimitiveValue::from("0.5 ")),
            DataElement::new(tags::PATIENT_WEIGHT, VR::DS, PrimitiveValue::from("abc")),
        ]);
        assert_eq!(text(&ds, tags::MODALITY).as_deref(), Some("PT"));
        assert_eq!(
            floats(&ds, tags::IMAGE_POSITION_PATIENT),
            Some(vec![-1.5, 2.0, 30.0])
        );
        assert_eq!(int(&ds, tags::ROWS), Some(128));
        assert_eq!(private_float(&ds, 0x7053, "P", 0x00), Some(0.5));
        assert_eq!(float(&ds, tags::PATIENT_WEIGHT), None);
        assert_eq!(float(&ds, tags::PATIENT_SIZE), None);
    }
}
