//! Key frames as Secondary Capture Image Storage (RGB, 8 bits, interleaved).

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;

use super::elements::{el, encode, int_string, now_date_time, strs, text, us, MANUFACTURER};
use super::{new_uid, DicomWriteError, SourceSeries, WrittenObject};

/// An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

impl RgbImage {
    /// Drops the alpha channel of RGBA pixels (`width * height * 4` bytes).
    pub fn from_rgba(width: u32, height: u32, rgba: &[u8]) -> Self {
        Self {
            width,
            height,
            rgb: rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
        }
    }
}

/// Series number of key-frame series we create (high, so they sort after the scanner's).
const SC_SERIES_NUMBER: i64 = 9001;

/// Builds a Secondary Capture of `image` in the source study: the source's patient and study
/// attributes, a new series (Modality OT) and instance, ConversionType WSD, ImageType
/// DERIVED\SECONDARY and BurnedInAnnotation NO (the caller must not have drawn identifiers
/// into `image`).
pub fn secondary_capture(
    image: &RgbImage,
    source: &SourceSeries,
    description: &str,
) -> Result<WrittenObject, DicomWriteError> {
    let input = |problem: String| DicomWriteError::Input {
        object: "Secondary Capture",
        problem,
    };
    let (Ok(columns), Ok(rows)) = (u16::try_from(image.width), u16::try_from(image.height)) else {
        return Err(input(format!(
            "{} x {} does not fit DICOM Rows/Columns",
            image.width, image.height
        )));
    };
    let expected = image.width as usize * image.height as usize * 3;
    if image.rgb.len() != expected || expected == 0 {
        return Err(input(format!(
            "{} bytes of RGB for {} x {} pixels",
            image.rgb.len(),
            image.width,
            image.height
        )));
    }
    let sop_instance_uid = new_uid();
    let series_instance_uid = new_uid();
    let (date, time) = now_date_time();
    let mut pixels = image.rgb.clone();
    if pixels.len() % 2 == 1 {
        pixels.push(0);
    }
    let mut obj = InMemDicomObject::from_element_iter(source.patient_study.iter().cloned());
    for e in [
        text(
            tags::SOP_CLASS_UID,
            VR::UI,
            uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
        ),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop_instance_uid),
        text(tags::INSTANCE_CREATION_DATE, VR::DA, &date),
        text(tags::INSTANCE_CREATION_TIME, VR::TM, &time),
        // General Series
        text(tags::MODALITY, VR::CS, "OT"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &series_instance_uid),
        int_string(tags::SERIES_NUMBER, SC_SERIES_NUMBER),
        text(tags::SERIES_DESCRIPTION, VR::LO, description),
        text(tags::SERIES_DATE, VR::DA, &date),
        text(tags::SERIES_TIME, VR::TM, &time),
        // General Equipment, SC Equipment
        text(tags::MANUFACTURER, VR::LO, MANUFACTURER),
        text(tags::CONVERSION_TYPE, VR::CS, "WSD"),
        text(
            tags::SECONDARY_CAPTURE_DEVICE_MANUFACTURER,
            VR::LO,
            MANUFACTURER,
        ),
        text(
            tags::SECONDARY_CAPTURE_DEVICE_MANUFACTURER_MODEL_NAME,
            VR::LO,
            "petct",
        ),
        text(
            tags::SECONDARY_CAPTURE_DEVICE_SOFTWARE_VERSIONS,
            VR::LO,
            env!("CARGO_PKG_VERSION"),
        ),
        // General Image, SC Image
        int_string(tags::INSTANCE_NUMBER, 1),
        text(tags::PATIENT_ORIENTATION, VR::CS, ""),
        text(tags::CONTENT_DATE, VR::DA, &date),
        text(tags::CONTENT_TIME, VR::TM, &time),
        strs(tags::IMAGE_TYPE, VR::CS, &["DERIVED", "SECONDARY"]),
        text(tags::DERIVATION_DESCRIPTION, VR::ST, description),
        text(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"),
        text(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00"),
        text(tags::DATE_OF_SECONDARY_CAPTURE, VR::DA, &date),
        text(tags::TIME_OF_SECONDARY_CAPTURE, VR::TM, &time),
        // Image Pixel
        us(tags::SAMPLES_PER_PIXEL, 3),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB"),
        us(tags::PLANAR_CONFIGURATION, 0),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, 8),
        us(tags::BITS_STORED, 8),
        us(tags::HIGH_BIT, 7),
        us(tags::PIXEL_REPRESENTATION, 0),
        el(tags::PIXEL_DATA, VR::OB, pixels),
    ] {
        obj.put(e);
    }
    Ok(WrittenObject {
        bytes: encode(obj, "Secondary Capture")?,
        sop_instance_uid,
        series_instance_uid,
        study_instance_uid: source.study_instance_uid.clone(),
    })
}
