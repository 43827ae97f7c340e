//! A reference lesion mask for the viewer's overlay, placed on the PET grid as loaded: a
//! NIfTI mask (AutoPET's `SEG.nii.gz`, resampled by nearest neighbour when its grid differs)
//! or a binary DICOM SEG (the one `petct hotspots --seg` and the viewer write; it must lie
//! on the PET's grid and, when both say, in its frame of reference).

use std::path::{Path, PathBuf};

use crate::analysis::{grids_overlap, reference_on_grid};
use crate::dicom::write::{read_segmentation, DicomWriteError};
use crate::nifti::{is_nifti_path, NiftiError};
use crate::volume::{Geometry, Volume};

/// Where a reference is placed: the PET's grid and frame of reference.
#[derive(Debug, Clone)]
pub struct PetGrid {
    /// The PET grid as loaded (before any display downsampling).
    pub geometry: Geometry,
    /// FrameOfReferenceUID of the PET series (DICOM studies only).
    pub frame_of_reference_uid: Option<String>,
}

/// A reference mask on the PET grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceMask {
    /// One byte per PET voxel in the PET's data order: 1 lesion, 0 not (bytes, not bools,
    /// so the GPU takes them as they are).
    pub voxels: Vec<u8>,
    /// The PET grid's dimensions.
    pub dims: [usize; 3],
    /// Lesion voxels.
    pub voxel_count: usize,
    /// Lesion volume in mL (voxel count x PET voxel volume).
    pub volume_ml: f64,
    /// What it was read from (a file name), for the status line and the panel.
    pub source: String,
    /// How it was placed (segments read, resampling).
    pub notes: Vec<String>,
}

impl ReferenceMask {
    /// A mask of `voxels` (non-zero: lesion) on `grid`.
    pub fn new(voxels: Vec<u8>, grid: &Geometry, source: String, notes: Vec<String>) -> Self {
        let voxel_count = voxels.iter().filter(|&&v| v != 0).count();
        let s = grid.spacing;
        Self {
            voxels,
            dims: grid.dims,
            voxel_count,
            volume_ml: voxel_count as f64 * s[0] * s[1] * s[2] / 1000.0,
            source,
            notes,
        }
    }

    /// One line for the status bar: source, voxels, volume and notes.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "reference mask {}: {} voxels, {:.1} mL",
            self.source, self.voxel_count, self.volume_ml
        );
        for n in &self.notes {
            line.push_str("; ");
            line.push_str(n);
        }
        line
    }
}

/// Why a reference mask could not be placed on the PET grid.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The NIfTI file could not be read (the error names the file).
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    /// The DICOM file is not a SEG this reader understands (the error names the file).
    #[error(transparent)]
    Seg(#[from] DicomWriteError),
    /// The SEG lies in another frame of reference than the PET.
    #[error(
        "{}: the SEG is in frame of reference {seg}, the PET in {pet} (another study or patient?)",
        path.display()
    )]
    OtherFrame {
        path: PathBuf,
        seg: String,
        pet: String,
    },
    /// The SEG's frames do not lie on the PET's grid.
    #[error("{}: not on the PET grid: {problem}", path.display())]
    OffGrid { path: PathBuf, problem: String },
    /// The mask lies wholly outside the PET.
    #[error("{what}: the mask does not overlap the PET at all (another patient or frame?)")]
    NoOverlap { what: String },
}

/// Reads a reference mask from `path` (`.nii`/`.nii.gz`: NIfTI; anything else: a DICOM
/// SEG) and places it on `grid`.
pub fn read_reference(path: &Path, grid: &PetGrid) -> Result<ReferenceMask, ReferenceError> {
    if is_nifti_path(path) {
        let mask = crate::nifti::read_volume(path, crate::volume::Unit::Other("label".into()))?;
        return reference_from_volume(&mask.volume, &grid.geometry, &file_name(path));
    }
    reference_from_seg(path, grid)
}

/// A mask volume (non-zero voxels: lesion) on `grid`: as is on the same grid, else resampled
/// by nearest neighbour (noted). `source` names it in messages.
pub fn reference_from_volume(
    mask: &Volume,
    grid: &Geometry,
    source: &str,
) -> Result<ReferenceMask, ReferenceError> {
    // Positions, not only sizes, decide: a mask of another scan must not be laid over
    // this one because the dimensions happen to agree.
    if !grids_overlap(grid, &mask.geometry) {
        return Err(ReferenceError::NoOverlap {
            what: source.into(),
        });
    }
    let (on_grid, resampled) = reference_on_grid(mask, grid);
    let notes = if resampled {
        vec!["resampled onto the PET grid by nearest neighbour".to_string()]
    } else {
        Vec::new()
    };
    let voxels = on_grid.into_iter().map(u8::from).collect();
    Ok(ReferenceMask::new(voxels, grid, source.into(), notes))
}

/// A binary SEG's segments together as one mask on `grid`.
fn reference_from_seg(path: &Path, grid: &PetGrid) -> Result<ReferenceMask, ReferenceError> {
    let seg = read_segmentation(path)?;
    let mut notes = Vec::new();
    match (&seg.frame_of_reference_uid, &grid.frame_of_reference_uid) {
        (Some(s), Some(p)) if s != p => {
            return Err(ReferenceError::OtherFrame {
                path: path.into(),
                seg: s.clone(),
                pet: p.clone(),
            })
        }
        (Some(_), Some(_)) => {}
        _ => notes.push("frame of reference not checked (not given by both)".to_string()),
    }
    let labels = seg
        .label_volume(&grid.geometry)
        .map_err(|problem| ReferenceError::OffGrid {
            path: path.into(),
            problem,
        })?;
    notes.insert(0, format!("{} segments", seg.segments.len()));
    let voxels = labels.into_iter().map(|l| u8::from(l != 0)).collect();
    Ok(ReferenceMask::new(
        voxels,
        &grid.geometry,
        file_name(path),
        notes,
    ))
}

/// The file name of a path (the whole path when it has none), for short messages.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::Unit;
    use glam::DVec3;

    fn grid() -> Geometry {
        Geometry::axial([8, 6, 4], [2.0, 2.0, 3.0], DVec3::new(-8.0, -6.0, 0.0))
    }

    #[test]
    fn a_mask_on_the_pet_grid_is_taken_as_is() {
        let g = grid();
        let mut data = vec![0.0; g.voxel_count()];
        data[5] = 1.0;
        data[17] = 2.0;
        let mask = Volume::new(g.clone(), data, Unit::Other("label".into())).unwrap();
        let r = reference_from_volume(&mask, &g, "SEG.nii.gz").unwrap();
        assert_eq!(r.voxel_count, 2);
        assert_eq!(r.voxels[5], 1);
        assert_eq!(r.voxels[17], 1);
        assert!((r.volume_ml - 2.0 * 12.0 / 1000.0).abs() < 1e-12);
        assert!(r.notes.is_empty());
        assert!(r
            .summary()
            .starts_with("reference mask SEG.nii.gz: 2 voxels"));
    }

    #[test]
    fn a_mask_on_another_grid_is_resampled_and_one_elsewhere_refused() {
        let g = grid();
        // Twice the resolution in-plane, all lesion: every PET voxel is covered.
        let fine = Geometry::axial([16, 12, 4], [1.0, 1.0, 3.0], DVec3::new(-8.5, -6.5, 0.0));
        let mask = Volume::new(fine, vec![1.0; 16 * 12 * 4], Unit::SuvBw).unwrap();
        let r = reference_from_volume(&mask, &g, "fine.nii").unwrap();
        assert_eq!(r.voxel_count, g.voxel_count());
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        let far = Geometry::axial([8, 6, 4], [2.0, 2.0, 3.0], DVec3::new(500.0, 0.0, 0.0));
        let mask = Volume::new(far, vec![1.0; g.voxel_count()], Unit::SuvBw).unwrap();
        let e = reference_from_volume(&mask, &g, "far.nii").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("far.nii: the mask does not overlap"),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_is_no_seg_is_one_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "not DICOM").unwrap();
        let pet = PetGrid {
            geometry: grid(),
            frame_of_reference_uid: None,
        };
        let e = read_reference(&path, &pet).unwrap_err().to_string();
        assert!(e.contains("notes.txt"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        let missing = dir.path().join("SEG.nii.gz");
        let e = read_reference(&missing, &pet).unwrap_err().to_string();
        assert!(e.contains("SEG.nii.gz"), "{e}");
    }
}
