//! `petct pacs`: search a DICOMweb server, fetch a study into the cache, manage the cache.

use clap::{Args, Subcommand};

use crate::dicom::{CancelFlag, LoadProgress};
use crate::dicomweb::{
    fetch_study, Client, Credentials, Root, StudyCache, StudyQuery, StudyRecord,
};

/// Arguments of `petct pacs`.
#[derive(Debug, Args)]
pub struct PacsArgs {
    #[command(subcommand)]
    pub command: PacsCommand,
}

/// What to do with the PACS.
#[derive(Debug, Subcommand)]
pub enum PacsCommand {
    /// List studies (QIDO-RS): UID, date, description, modalities, series count.
    /// Credentials: PETCT_DICOMWEB_USER and PETCT_DICOMWEB_PASSWORD, or PETCT_DICOMWEB_TOKEN.
    Search(SearchArgs),
    /// Fetch a study (ROOT/studies/UID) into the local cache and print its folder.
    Fetch {
        /// The study URL.
        url: String,
    },
    /// Show the local study cache (folder, studies, size), or clear it.
    Cache {
        /// Remove every cached study.
        #[arg(long)]
        clear: bool,
    },
}

/// Arguments of `petct pacs search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web.
    pub root: String,
    /// Only studies of this PatientID.
    #[arg(long)]
    pub patient_id: Option<String>,
    /// Only studies containing this modality (e.g. PT).
    #[arg(long)]
    pub modality: Option<String>,
    /// At most this many studies.
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    /// Print JSON (an array of studies).
    #[arg(long)]
    pub json: bool,
    /// Include patient name and ID (identifiers; off by default).
    #[arg(long)]
    pub show_phi: bool,
}

/// Runs `petct pacs`.
pub fn run(args: &PacsArgs) -> anyhow::Result<()> {
    match &args.command {
        PacsCommand::Search(s) => search(s),
        PacsCommand::Fetch { url } => {
            let cache = StudyCache::from_env()?;
            let fetched = fetch_study(
                url,
                None,
                &cache,
                &CancelFlag::default(),
                &LoadProgress::default(),
            )?;
            if fetched.from_cache {
                eprintln!("already in the cache");
            } else {
                eprintln!("fetched {} instances", fetched.instances);
            }
            println!("{}", fetched.dir.display());
            Ok(())
        }
        PacsCommand::Cache { clear } => cache(*clear),
    }
}

fn search(args: &SearchArgs) -> anyhow::Result<()> {
    let (root, in_url) = Root::parse(&args.root)?;
    let client = Client::new(root, in_url.unwrap_or_else(Credentials::from_env));
    let query = StudyQuery {
        patient_id: args.patient_id.clone(),
        modality: args.modality.clone(),
        limit: Some(args.limit),
    };
    let studies = client.search_studies(&query)?;
    if args.json {
        let rows: Vec<serde_json::Value> = studies
            .iter()
            .map(|s| study_json(s, args.show_phi))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if studies.is_empty() {
        println!("no studies found");
        return Ok(());
    }
    for s in &studies {
        println!("{}", study_line(s, args.show_phi));
    }
    Ok(())
}

/// One study as JSON; patient fields only with `show_phi`.
fn study_json(s: &StudyRecord, show_phi: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if show_phi {
        v["patient_name"] = s.patient_name.clone().into();
        v["patient_id"] = s.patient_id.clone().into();
    }
    v
}

/// One study as a line of text.
fn study_line(s: &StudyRecord, show_phi: bool) -> String {
    let mut line = format!(
        "{}  {}  {:<8}  {} series  {}",
        s.study_uid,
        s.date.as_deref().unwrap_or("--------"),
        s.modalities.join("/"),
        s.series_count.map_or("?".to_string(), |n| n.to_string()),
        s.description.as_deref().unwrap_or(""),
    );
    if show_phi {
        line.push_str(&format!(
            "  [{} {}]",
            s.patient_name.as_deref().unwrap_or("?"),
            s.patient_id.as_deref().unwrap_or("?")
        ));
    }
    line
}

fn cache(clear: bool) -> anyhow::Result<()> {
    let cache = StudyCache::from_env()?;
    if clear {
        let freed = cache.clear()?;
        println!(
            "cleared {} ({:.1} MB)",
            cache.dir().display(),
            freed as f64 / 1e6
        );
        return Ok(());
    }
    let entries = cache.entries();
    println!(
        "{}: {} studies, {:.1} MB",
        cache.dir().display(),
        entries.len(),
        cache.size_bytes() as f64 / 1e6
    );
    for (_, e, _) in entries.iter().rev() {
        println!(
            "  {}  {} instances  {:.1} MB  from {}",
            e.study_uid,
            e.instances,
            e.bytes as f64 / 1e6,
            e.root
        );
    }
    Ok(())
}
