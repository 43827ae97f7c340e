//! The files the fuzzing harness mutates: small CT slices written here in each transfer
//! syntax the loader reads without an external codec, an RLE Lossless slice, a nesting
//! bomb, and the shared real files (pydicom's malformed set, STS_001 CT and PET slices).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::{tags, uids};

use super::fuzz::nesting_bomb;
use super::samples::{native, pixels, rle_encode_i16, slice_header, write, AXIAL};

/// Seed files as (name, bytes); `data`: the shared data folder, when present.
pub fn seeds(scratch: &Path, data: Option<&Path>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, ts) in [
        ("explicit LE", uids::EXPLICIT_VR_LITTLE_ENDIAN),
        ("implicit LE", uids::IMPLICIT_VR_LITTLE_ENDIAN),
        ("explicit BE", "1.2.840.10008.1.2.2"),
        ("deflated", uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN),
    ] {
        let path = scratch.join("seed.dcm");
        write(
            native(slice_header([0.0, 0.0, 1.0], AXIAL, 1, 1.0), pixels(7)),
            &path,
            ts,
        );
        out.push((name.to_string(), std::fs::read(&path).unwrap()));
    }
    let path = scratch.join("seed-rle.dcm");
    let mut obj = slice_header([0.0, 0.0, 1.0], AXIAL, 1, 1.0);
    let frame = rle_encode_i16(&pixels(300));
    let fragments = PixelFragmentSequence::new(vec![], vec![frame]);
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, fragments));
    write(obj, &path, uids::RLE_LOSSLESS);
    out.push(("RLE".to_string(), std::fs::read(&path).unwrap()));
    out.push(("nesting bomb".to_string(), nesting_bomb(300)));
    if let Some(data) = data {
        out.extend(shared_seeds(data));
    }
    out
}

/// pydicom's malformed files and one CT and one PET slice of STS_001.
fn shared_seeds(data: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(data.join("malformed"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.push(data.join("sts_001/ct/000000.dcm"));
    files.push(data.join("sts_001/pet_bqml/1-001.dcm"));
    files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((p.display().to_string(), bytes))
        })
        .collect()
}
