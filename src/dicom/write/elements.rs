//! Small constructors of data elements shared by the writers.

use dicom_core::value::{DataSetSequence, PrimitiveValue, C};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;

pub type Element = DataElement<InMemDicomObject>;

pub fn el(tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) -> Element {
    DataElement::new(tag, vr, value.into())
}

pub fn text(tag: Tag, vr: VR, s: &str) -> Element {
    el(tag, vr, s)
}

pub fn strs(tag: Tag, vr: VR, values: &[&str]) -> Element {
    el(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().map(|s| s.to_string()).collect::<C<String>>()),
    )
}

pub fn us(tag: Tag, v: u16) -> Element {
    el(tag, VR::US, v)
}

pub fn int_string(tag: Tag, v: i64) -> Element {
    text(tag, VR::IS, &v.to_string())
}

/// A decimal string of at most 16 characters.
pub fn format_ds(v: f64) -> String {
    for precision in (0..=10).rev() {
        let s = format!("{v:.precision$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s.len() <= 16 {
            return if s == "-0" { "0".into() } else { s };
        }
    }
    format!("{v:.3e}")
}

pub fn ds_multi(tag: Tag, values: &[f64]) -> Element {
    let v: Vec<String> = values.iter().map(|&x| format_ds(x)).collect();
    el(tag, VR::DS, PrimitiveValue::Strs(v.into_iter().collect()))
}

pub fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> Element {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

/// A Code Sequence item: CodeValue, CodingSchemeDesignator, CodeMeaning.
pub fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    use dicom_dictionary_std::tags;
    InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, value),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
        text(tags::CODE_MEANING, VR::LO, meaning),
    ])
}

/// Today's date (DA) and time (TM) in UTC, for Content/Instance Creation Date and Time.
pub fn now_date_time() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{:02}{:02}{:02}", tod / 3600, tod / 60 % 60, tod % 60),
    )
}

/// Implementation Class UID written into the file meta of every object we create.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.229135716227342911513414462931532146729";
/// Implementation Version Name (at most 16 characters).
pub const IMPLEMENTATION_VERSION: &str = "PETCT_VIEWER";
/// Manufacturer of every object we create.
pub const MANUFACTURER: &str = "petct-viewer";

/// Wraps a data set with a file meta table (Explicit VR Little Endian) and encodes it.
pub fn encode(
    obj: InMemDicomObject,
    object: &'static str,
) -> Result<Vec<u8>, super::DicomWriteError> {
    use dicom_object::FileMetaTableBuilder;
    let fail = |reason: String| super::DicomWriteError::Encode { object, reason };
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                .implementation_version_name(IMPLEMENTATION_VERSION),
        )
        .map_err(|e| fail(super::super::scan::error_chain(&e)))?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)
        .map_err(|e| fail(super::super::scan::error_chain(&e)))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_fit() {
        assert_eq!(format_ds(2.0), "2");
        assert_eq!(format_ds(-249.51171875), "-249.51171875");
        assert!(format_ds(1.0 / 3.0).len() <= 16);
        assert!(format_ds(-123456.123456789).len() <= 16);
    }

    #[test]
    fn dates_are_plausible() {
        let (d, t) = now_date_time();
        assert_eq!((d.len(), t.len()), (8, 6));
        assert!(d.as_str() >= "20240101");
    }
}
