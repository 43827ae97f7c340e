//! Series: files sharing a SeriesInstanceUID, their classification, and which CT and PET
//! series a study view uses.

use super::datetime::Instant;
use super::error::DicomError;
use super::header::FileHeader;
use super::suv::SuvInputs;

/// The files of one series, as found by a header scan.
#[derive(Debug, Clone)]
pub struct Series {
    pub uid: String,
    pub modality: String,
    pub number: Option<i64>,
    pub description: String,
    pub files: Vec<FileHeader>,
}

impl Series {
    /// Groups files of one SeriesInstanceUID (the caller guarantees they share it).
    pub fn from_files(files: Vec<FileHeader>) -> Self {
        let first = &files[0];
        Self {
            uid: first.series_uid.clone(),
            modality: first.modality.clone(),
            number: first.series_number,
            description: first.series_description.clone(),
            files,
        }
    }

    /// Number of frames (slices) over all files.
    pub fn frame_count(&self) -> usize {
        self.files.iter().map(|f| f.frames.len()).sum()
    }

    /// A short human label: `PT series 1 "PET AC"`.
    pub fn label(&self) -> String {
        let number = self
            .number
            .map(|n| format!(" series {n}"))
            .unwrap_or_default();
        format!("{}{} \"{}\"", self.modality, number, self.description)
    }

    /// Whether the user's selector (SeriesInstanceUID or series number) names this series.
    pub fn matches(&self, selector: &str) -> bool {
        let selector = selector.trim();
        self.uid == selector || selector.parse::<i64>().ok() == self.number && self.number.is_some()
    }

    /// Distinct transfer syntaxes of the files.
    pub fn transfer_syntaxes(&self) -> Vec<String> {
        let mut ts: Vec<String> = self
            .files
            .iter()
            .map(|f| f.transfer_syntax.clone())
            .collect();
        ts.sort();
        ts.dedup();
        ts
    }

    /// PET calibration inputs from the first file, with the earliest acquisition time over
    /// all frames (QIBA's scan-time rule needs it).
    pub fn suv_inputs(&self) -> Option<SuvInputs> {
        let mut inputs = self.files.iter().find_map(|f| f.suv.clone())?;
        let earliest = self
            .files
            .iter()
            .flat_map(|f| f.frames.iter().filter_map(|fr| fr.acquisition))
            .fold(None, |acc: Option<Instant>, t| match acc {
                Some(a) if a <= t => Some(a),
                _ => Some(t),
            });
        inputs.earliest_acquisition = earliest.or(inputs.earliest_acquisition);
        Some(inputs)
    }

    fn image_type_has(&self, word: &str) -> bool {
        self.files
            .first()
            .is_some_and(|f| f.image_type.iter().any(|t| t.eq_ignore_ascii_case(word)))
    }

    fn description_has(&self, word: &str) -> bool {
        self.description
            .to_ascii_uppercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == word)
    }
}

/// Which series was chosen for a role, and why, in words.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Index into the scanned series list.
    pub index: usize,
    pub reason: String,
}

/// A candidate series a user can choose instead of the default.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SeriesOption {
    /// SeriesInstanceUID: the selector that always names one series (numbers repeat).
    pub uid: String,
    /// Modality, number and description, e.g. `PT series 1 "PET AC"`.
    pub label: String,
    /// What ranks it: units, attenuation correction, original or derived, slices.
    pub traits: String,
}

/// The PET candidates in a scan, best first (the order [`choose_pet`] ranks them in).
pub fn pet_options(series: &[Series]) -> Vec<SeriesOption> {
    options(series, "PT", pet_score, pet_traits)
}

/// The CT candidates in a scan, best first.
pub fn ct_options(series: &[Series]) -> Vec<SeriesOption> {
    options(series, "CT", ct_score, ct_traits)
}

fn options(
    series: &[Series],
    modality: &str,
    score: fn(&Series) -> i64,
    traits: fn(&Series) -> String,
) -> Vec<SeriesOption> {
    let mut candidates: Vec<usize> = (0..series.len())
        .filter(|&i| series[i].modality == modality)
        .collect();
    candidates.sort_by_key(|&i| (std::cmp::Reverse(score(&series[i])), i));
    candidates
        .into_iter()
        .map(|i| SeriesOption {
            uid: series[i].uid.clone(),
            label: series[i].label(),
            traits: traits(&series[i]),
        })
        .collect()
}

/// Picks the PET series: the user's choice if given, else the best candidate, preferring
/// attenuation-corrected BQML originals (raw activity we calibrate ourselves) over
/// converted (GML), count-based or non-corrected series.
pub fn choose_pet(series: &[Series], selector: Option<&str>) -> Result<Option<Choice>, DicomError> {
    choose(series, "PT", selector, pet_score, pet_traits)
}

/// Picks the CT series: the user's choice if given, else the original axial series with the
/// most slices (localizers/scouts excluded).
pub fn choose_ct(series: &[Series], selector: Option<&str>) -> Result<Option<Choice>, DicomError> {
    choose(series, "CT", selector, ct_score, ct_traits)
}

fn choose(
    series: &[Series],
    modality: &str,
    selector: Option<&str>,
    score: fn(&Series) -> i64,
    traits: fn(&Series) -> String,
) -> Result<Option<Choice>, DicomError> {
    let candidates: Vec<usize> = (0..series.len())
        .filter(|&i| series[i].modality == modality)
        .collect();
    if let Some(sel) = selector {
        return match candidates.iter().find(|&&i| series[i].matches(sel)) {
            Some(&index) => Ok(Some(Choice {
                index,
                reason: format!("{} chosen by the user", series[index].label()),
            })),
            None => Err(DicomError::NoSuchSeries(sel.to_string())),
        };
    }
    let Some(&best) = candidates
        .iter()
        .max_by_key(|&&i| (score(&series[i]), std::cmp::Reverse(i)))
    else {
        return Ok(None);
    };
    let others: Vec<String> = candidates
        .iter()
        .filter(|&&i| i != best)
        .map(|&i| format!("{} ({})", series[i].label(), traits(&series[i])))
        .collect();
    let mut reason = format!("{} ({})", series[best].label(), traits(&series[best]));
    if !others.is_empty() {
        reason.push_str(&format!(" preferred over {}", others.join(", ")));
    }
    Ok(Some(Choice {
        index: best,
        reason,
    }))
}

fn pet_units(s: &Series) -> String {
    s.suv_inputs()
        .and_then(|i| i.units)
        .unwrap_or_else(|| "no units".into())
        .to_ascii_uppercase()
}

fn pet_attenuation_corrected(s: &Series) -> bool {
    let flagged = s
        .suv_inputs()
        .and_then(|i| i.corrected_image)
        .is_some_and(|c| c.iter().any(|v| v.eq_ignore_ascii_case("ATTN")));
    flagged && !s.description_has("NAC") && !s.description_has("NOAC")
}

fn pet_score(s: &Series) -> i64 {
    let units = match pet_units(s).as_str() {
        "BQML" => 3,
        "CNTS" => 2,
        "GML" => 1,
        _ => 0,
    };
    let ac = i64::from(pet_attenuation_corrected(s));
    let original = i64::from(s.image_type_has("ORIGINAL"));
    // Attenuation correction first, then raw units, then originals, then coverage.
    ac * 1_000_000_000 + units * 100_000_000 + original * 10_000_000 + s.frame_count() as i64
}

fn pet_traits(s: &Series) -> String {
    let ac = if pet_attenuation_corrected(s) {
        "attenuation corrected"
    } else {
        "not attenuation corrected"
    };
    let kind = if s.image_type_has("ORIGINAL") {
        "original"
    } else {
        "derived"
    };
    format!("{}, {ac}, {kind}, {} slices", pet_units(s), s.frame_count())
}

fn ct_score(s: &Series) -> i64 {
    let localizer = s.image_type_has("LOCALIZER") || s.frame_count() < 3;
    let original = i64::from(s.image_type_has("ORIGINAL"));
    i64::from(!localizer) * 1_000_000_000 + original * 10_000_000 + s.frame_count() as i64
}

fn ct_traits(s: &Series) -> String {
    let kind = if s.image_type_has("LOCALIZER") {
        "localizer"
    } else if s.image_type_has("ORIGINAL") {
        "original"
    } else {
        "derived"
    };
    format!("{kind}, {} slices", s.frame_count())
}
