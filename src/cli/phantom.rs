//! `petct phantom`: write a built-in phantom as DICOM.

use std::path::PathBuf;

use clap::Args;

use crate::phantom::{
    generate, generate_followup, write_dicom, PhantomKind, PhantomOptions, Scenario,
};

/// Arguments of `petct phantom`.
#[derive(Debug, Args)]
pub struct PhantomArgs {
    /// Which phantom: nema (NEMA IEC body phantom) or torso (anthropomorphic demo).
    #[arg(long, default_value = "torso")]
    pub kind: PhantomKind,
    /// Write the torso patient's follow-up study instead (same patient, a new study 91 days
    /// later, moved on the table), its lesions changed for a PERCIST category: cmr, pmr, smd or
    /// pmd.
    #[arg(long, value_name = "SCENARIO")]
    pub followup: Option<Scenario>,
    /// Output folder (ct/ and pet/ are created inside).
    pub out_dir: PathBuf,
}

/// Runs `petct phantom`.
pub fn run(args: &PhantomArgs) -> anyhow::Result<()> {
    let phantom = match args.followup {
        None => generate(args.kind),
        Some(scenario) => {
            if args.kind != PhantomKind::Torso {
                anyhow::bail!("--followup is only available for the torso phantom");
            }
            generate_followup(scenario, &PhantomOptions::default())
        }
    };
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
