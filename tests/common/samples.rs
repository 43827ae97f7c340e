//! Small DICOM files written by tests: CT slices of N x N pixels in any transfer syntax,
//! and an RLE Lossless encoder (used by tests/synthetic.rs and the fuzzing harness).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub const N: usize = 4; // image is N x N

pub fn ds(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\\")
}

/// The header of one CT slice (no pixel data).
pub fn slice_header(ipp: [f64; 3], iop: [f64; 6], instance: i32, slope: f64) -> InMemDicomObject {
    let sop = format!("2.25.{}", 1000 + instance);
    InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::CT_IMAGE_STORAGE),
        ),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from(sop)),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
        DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("2.25.77"),
        ),
        DataElement::new(
            tags::INSTANCE_NUMBER,
            VR::IS,
            PrimitiveValue::from(instance.to_string()),
        ),
        DataElement::new(
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            PrimitiveValue::from(ds(&ipp)),
        ),
        DataElement::new(
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            PrimitiveValue::from(ds(&iop)),
        ),
        DataElement::new(
            tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::from("0.5\\0.75"),
        ),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(N as u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(N as u16)),
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
            PrimitiveValue::from(1u16),
        ),
        DataElement::new(
            tags::RESCALE_SLOPE,
            VR::DS,
            PrimitiveValue::from(slope.to_string()),
        ),
        DataElement::new(tags::RESCALE_INTERCEPT, VR::DS, PrimitiveValue::from("-10")),
    ])
}

pub fn pixels(value: i16) -> Vec<i16> {
    (0..N * N).map(|i| value + i as i16).collect()
}

pub fn write(obj: InMemDicomObject, path: &Path, ts: &str) {
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
        .unwrap();
    file.write_to_file(path).unwrap();
}

pub fn native(mut obj: InMemDicomObject, values: Vec<i16>) -> InMemDicomObject {
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::I16(values.into()),
    ));
    obj
}

pub const AXIAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

/// Writes slices at the given z positions; file names and instance numbers run against
/// the position order so that only positions can sort them right.
pub fn write_series(dir: &Path, zs: &[f64], ts: &str) {
    for (k, z) in zs.iter().enumerate() {
        let instance = (zs.len() - k) as i32;
        let obj = native(
            slice_header([-1.0, 2.0, *z], AXIAL, instance, 2.0),
            pixels(100 * k as i16),
        );
        write(obj, &dir.join(format!("f{instance:03}.dcm")), ts);
    }
}

/// RLE Lossless (PS3.5 G): one segment per byte plane, most significant first, PackBits
/// literal runs only.
pub fn rle_encode_i16(values: &[i16]) -> Vec<u8> {
    let planes: Vec<Vec<u8>> = (0..2)
        .map(|plane| {
            let bytes: Vec<u8> = values.iter().map(|v| v.to_be_bytes()[plane]).collect();
            let mut seg = Vec::new();
            for run in bytes.chunks(128) {
                seg.push((run.len() - 1) as u8);
                seg.extend_from_slice(run);
            }
            if seg.len() % 2 == 1 {
                seg.push(0);
            }
            seg
        })
        .collect();
    let mut header = vec![0u8; 64];
    header[0..4].copy_from_slice(&2u32.to_le_bytes());
    header[4..8].copy_from_slice(&64u32.to_le_bytes());
    header[8..12].copy_from_slice(&(64 + planes[0].len() as u32).to_le_bytes());
    [header, planes[0].clone(), planes[1].clone()].concat()
}
