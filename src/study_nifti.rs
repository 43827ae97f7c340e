//! NIfTI studies for [`crate::study::load_view_study`]: single `.nii`/`.nii.gz` files and
//! AutoPET-style folders (`CTres.nii.gz`, `SUV.nii.gz`, optional `SEG.nii.gz`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dicom::{LoadOptions, PatientInfo, SeriesChoices};
use crate::nifti::{is_nifti_path, read_volume, NiftiVolume};
use crate::study::ViewStudy;
use crate::volume::{Unit, Volume};

/// What a NIfTI file holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// CT in HU (`CT*`, `CTres*`, anything unrecognised).
    Ct,
    /// PET already in SUVbw (`SUV*`).
    Suv,
    /// PET in the file's units (`PET*`).
    Pet,
    /// A reference lesion mask (`SEG*`, `*mask*`, `*label*`).
    Mask,
}

fn role(path: &Path) -> Role {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with("suv") {
        Role::Suv
    } else if name.starts_with("pet") {
        Role::Pet
    } else if name.starts_with("seg") || name.contains("mask") || name.contains("label") {
        Role::Mask
    } else {
        Role::Ct
    }
}

/// AutoPET folder members in the order of preference.
const FOLDER_FILES: [&str; 3] = ["CTres.nii.gz", "SUV.nii.gz", "SEG.nii.gz"];

/// Whether the paths are NIfTI: `.nii`/`.nii.gz` files, or folders holding `SUV.nii.gz` or
/// `CTres.nii.gz`.
pub fn is_nifti_input(paths: &[PathBuf]) -> bool {
    !paths.is_empty()
        && paths.iter().all(|p| {
            if p.is_dir() {
                p.join("SUV.nii.gz").is_file() || p.join("CTres.nii.gz").is_file()
            } else {
                is_nifti_path(p)
            }
        })
}

/// The NIfTI files the paths stand for (folders expanded to their AutoPET members).
fn files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(
                FOLDER_FILES
                    .iter()
                    .map(|n| p.join(n))
                    .filter(|f| f.is_file()),
            );
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Loads NIfTI CT, PET (SUV) and reference mask from the paths ([`is_nifti_input`]).
pub fn load_nifti_study(paths: &[PathBuf], options: &LoadOptions) -> anyhow::Result<ViewStudy> {
    let mut ct: Option<NiftiVolume> = None;
    let mut pet: Option<(NiftiVolume, bool)> = None;
    let mut mask: Option<NiftiVolume> = None;
    let mut notes = Vec::new();
    for file in files(paths) {
        options.cancel.check()?;
        let role = role(&file);
        let unit = match role {
            Role::Ct => Unit::Hounsfield,
            Role::Suv => Unit::SuvBw,
            Role::Pet => Unit::Other("PET (NIfTI, units unknown)".into()),
            Role::Mask => Unit::Other("label".into()),
        };
        let slot_taken = match role {
            Role::Ct => ct.is_some(),
            Role::Suv | Role::Pet => pet.is_some(),
            Role::Mask => mask.is_some(),
        };
        if slot_taken {
            notes.push(format!("{}: ignored (already have one)", file.display()));
            continue;
        }
        let v = read_volume(&file, unit)?;
        notes.extend(v.notes.iter().cloned());
        notes.push(format!(
            "{}: {role:?}, {:?} voxels of {:?} mm, placed by the {}{}",
            file.display(),
            v.volume.geometry.dims,
            v.volume.geometry.spacing,
            v.transform.name(),
            if v.flipped_j {
                " (rows reversed to LPS order)"
            } else {
                ""
            }
        ));
        match role {
            Role::Ct => ct = Some(v),
            Role::Suv => pet = Some((v, true)),
            Role::Pet => pet = Some((v, false)),
            Role::Mask => mask = Some(v),
        }
    }
    options.cancel.check()?;
    if ct.is_none() && pet.is_none() {
        anyhow::bail!(
            "{}: no CT or PET NIfTI found (expected CTres.nii.gz and/or SUV.nii.gz)",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let suv = pet.as_ref().is_some_and(|(_, suv)| *suv);
    let label = match &pet {
        Some((v, false)) => v.volume.unit.label().to_string(),
        _ => "SUV".to_string(),
    };
    if suv {
        notes.push("PET read as SUVbw (AutoPET SUV.nii.gz): display factor 1".into());
    } else if pet.is_some() {
        notes.push("SUV unavailable: a NIfTI PET carries no dose, weight or times".into());
    }
    Ok(ViewStudy {
        ct: ct.map(|v| Arc::new(v.volume.convert())),
        pet: pet.map(|(v, _)| Arc::new(v.volume)),
        pet_display_factor: 1.0,
        pet_units_label: label,
        suv_available: suv,
        suv_inputs: None,
        suv_notes: Vec::new(),
        patient: PatientInfo::default(),
        notes,
        series: SeriesChoices::default(),
        paths: paths.to_vec(),
        reference_mask: mask.map(|v| Arc::new(v.volume)),
    })
}

/// Reads a reference mask (`SEG.nii.gz`) on its own.
pub fn read_mask(path: &Path) -> anyhow::Result<Volume> {
    Ok(read_volume(path, Unit::Other("label".into()))?.volume)
}
