//! A synthetic 512x512x300 CT series (single-frame, uncompressed, shuffled file names), for
//! the load and PACS benchmarks.
#![allow(dead_code)]

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// Volume size of the synthetic series.
pub const DIMS: [usize; 3] = [512, 512, 300];
/// StudyInstanceUID of the synthetic study.
pub const STUDY_UID: &str = "2.25.4241";

/// Writes the synthetic CT series unless a complete one is already there.
pub fn generate_ct(dir: &Path) -> anyhow::Result<()> {
    let marker = dir.join("complete.txt");
    // Older copies lack the study UID a PACS needs: regenerate those.
    let current = std::fs::read_to_string(&marker).is_ok_and(|t| t.contains(STUDY_UID));
    if current {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let [nx, ny, nz] = DIMS;
    for k in 0..nz {
        // Shuffle file names against positions with a fixed permutation.
        let name = (k * 7919) % nz;
        let z = k as f64 * 2.0 - 300.0;
        let pixels: Vec<u16> = (0..nx * ny)
            .map(|i| {
                let (x, y) = ((i % nx) as f64 - 256.0, (i / nx) as f64 - 256.0);
                let body = (x / 200.0).powi(2) + (y / 150.0).powi(2) < 1.0;
                if body {
                    1064 + ((x * y + z) as i64 % 50) as u16
                } else {
                    24
                }
            })
            .collect();
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SOP_CLASS_UID,
                VR::UI,
                PrimitiveValue::from(uids::CT_IMAGE_STORAGE),
            ),
            DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(format!("2.25.9{k}")),
            ),
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
            // Study and patient identifiers a PACS needs to file the series.
            DataElement::new(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(STUDY_UID),
            ),
            DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("BENCH")),
            DataElement::new(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.4242"),
            ),
            DataElement::new(
                tags::INSTANCE_NUMBER,
                VR::IS,
                PrimitiveValue::from((k + 1).to_string()),
            ),
            DataElement::new(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                PrimitiveValue::from(format!("-250\\-250\\{z}")),
            ),
            DataElement::new(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                PrimitiveValue::from("1\\0\\0\\0\\1\\0"),
            ),
            DataElement::new(
                tags::PIXEL_SPACING,
                VR::DS,
                PrimitiveValue::from("0.98\\0.98"),
            ),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(ny as u16)),
            DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(nx as u16)),
            DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
            DataElement::new(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                PrimitiveValue::from("MONOCHROME2"),
            ),
            DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
            DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(16u16)),
            DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(15u16)),
            DataElement::new(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(0u16),
            ),
            DataElement::new(tags::RESCALE_SLOPE, VR::DS, PrimitiveValue::from("1")),
            DataElement::new(
                tags::RESCALE_INTERCEPT,
                VR::DS,
                PrimitiveValue::from("-1024"),
            ),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into())),
        ]);
        obj.with_meta(
            FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN),
        )?
        .write_to_file(dir.join(format!("{name:04}.dcm")))?;
    }
    std::fs::write(
        marker,
        format!("512x512x300 synthetic CT, study {STUDY_UID}\n"),
    )?;
    Ok(())
}
