//! `petct phantom`: write a built-in phantom as DICOM.

use std::path::PathBuf;

use clap::Args;

use crate::phantom::{generate, write_dicom, PhantomKind};

/// Arguments of `petct phantom`.
#[derive(Debug, Args)]
pub struct PhantomArgs {
    /// Which phantom: nema (NEMA IEC body phantom) or torso (anthropomorphic demo).
    #[arg(long, default_value = "torso")]
    pub kind: PhantomKind,
    /// Output folder (ct/ and pet/ are created inside).
    pub out_dir: PathBuf,
}

/// Runs `petct phantom`.
pub fn run(args: &PhantomArgs) -> anyhow::Result<()> {
    let phantom = generate(args.kind);
    let written = write_dicom(&phantom, &args.out_dir)?;
    println!(
        "wrote {} CT slices to {} and {} PET slices to {}",
        written.ct_files.len(),
        written.ct_dir.display(),
        written.pet_files.len(),
        written.pet_dir.display()
    );
    Ok(())
}
