//! Seeded mutations of DICOM files and the checks each mutated file must pass: the fuzzing
//! harness behind tests/fuzz.rs (a few thousand cases in `cargo test`) and
//! examples/fuzz.rs (as many as asked for, before a release).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use petct::dicom::{load_study, LoadOptions};

/// Longest a case may take.
pub const CASE_LIMIT: Duration = Duration::from_secs(2);

/// A small, fast, seeded random number generator (xorshift64*), so a failing case can be
/// replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Value representations, for VR changes.
const VRS: [&[u8; 2]; 12] = [
    b"SQ", b"OB", b"OW", b"UN", b"UT", b"LO", b"US", b"UL", b"DS", b"CS", b"FD", b"AT",
];

/// Lengths a corrupted length field gets: zero, odd, huge, undefined, just past the end.
const LENGTHS: [u32; 6] = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0xED00_0000, 4097];

/// One mutation of `seed` (the part after the 132-byte preamble and marker is mutated),
/// and its name.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> (Vec<u8>, &'static str) {
    let mut b = seed.to_vec();
    let body = 132.min(b.len())..b.len();
    let at = |rng: &mut Rng| body.start + rng.below(body.len().max(1));
    match rng.below(7) {
        0 => {
            b.truncate(at(rng));
            (b, "truncation")
        }
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = at(rng);
                if i < b.len() {
                    b[i] ^= 1 << rng.below(8);
                }
            }
            (b, "byte flips")
        }
        2 => {
            let i = at(rng);
            let v = LENGTHS[rng.below(LENGTHS.len())].to_le_bytes();
            for (k, byte) in v.iter().enumerate() {
                if let Some(x) = b.get_mut(i + k) {
                    *x = *byte;
                }
            }
            (b, "length corruption")
        }
        3 => {
            let (i, j) = (at(rng) & !1, at(rng) & !1);
            if i + 4 <= b.len() && j + 4 <= b.len() && i != j {
                for k in 0..4 {
                    b.swap(i + k, j + k);
                }
            }
            (b, "tag swap")
        }
        4 => {
            // Replace a VR (two upper-case letters after a tag) with another.
            let spots: Vec<usize> = (body.start + 4..b.len().saturating_sub(2))
                .filter(|&i| VRS.iter().any(|v| b[i..i + 2] == v[..]))
                .collect();
            if !spots.is_empty() {
                let i = spots[rng.below(spots.len())];
                b[i..i + 2].copy_from_slice(VRS[rng.below(VRS.len())]);
            }
            (b, "VR change")
        }
        5 => {
            let i = at(rng).min(b.len());
            let junk: Vec<u8> = (0..1 + rng.below(64)).map(|_| rng.next() as u8).collect();
            b.splice(i..i, junk);
            (b, "inserted junk")
        }
        _ => {
            // A stretch of the file copied over another place (element headers end up where
            // values were).
            let (i, j, n) = (at(rng), at(rng), 1 + rng.below(32));
            if i + n <= b.len() && j + n <= b.len() {
                let chunk = b[i..i + n].to_vec();
                b[j..j + n].copy_from_slice(&chunk);
            }
            (b, "copied stretch")
        }
    }
}

/// A file whose data set is `depth` sequences of undefined length, each in an item.
pub fn nesting_bomb(depth: usize) -> Vec<u8> {
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    let uid = b"1.2.840.10008.1.2.1\0";
    out.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
    out.extend_from_slice(&(uid.len() as u16).to_le_bytes());
    out.extend_from_slice(uid);
    for _ in 0..depth {
        out.extend_from_slice(&[
            0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    out
}

/// What went wrong in a case.
#[derive(Debug)]
pub struct Failure {
    pub case: String,
    pub problem: String,
}

/// Loads `path` as the viewer would and checks: no panic escapes, it finishes within
/// [`CASE_LIMIT`], and every error or problem names the file.
pub fn check_case(path: &Path, case: &str) -> Result<Duration, Failure> {
    let fail = |problem: String| Failure {
        case: case.to_string(),
        problem,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let started = Instant::now();
    let outcome =
        std::panic::catch_unwind(|| load_study(&[path.to_path_buf()], &LoadOptions::default()))
            .map_err(|_| fail("a panic escaped".into()))?;
    let took = started.elapsed();
    if took > CASE_LIMIT {
        return Err(fail(format!("took {took:?}")));
    }
    let messages: Vec<String> = match outcome {
        Err(e) => vec![e.to_string()],
        Ok(study) => study.problems.iter().map(|p| p.to_string()).collect(),
    };
    if let Some(m) = messages.iter().find(|m| !m.contains(&name)) {
        return Err(fail(format!("an error does not name the file: {m}")));
    }
    Ok(took)
}

/// What a run found.
pub struct Report {
    pub failures: Vec<Failure>,
    /// The slowest case's time and label.
    pub slowest: (Duration, String),
    pub cases: usize,
    /// Cases in which a decoder panicked (contained, reported as the file's error).
    pub contained: Vec<String>,
}

impl Report {
    /// One line: cases, seeds, time, the slowest case and contained panics.
    pub fn summary(&self, seeds: usize, took: Duration) -> String {
        format!(
            "{} cases over {seeds} seeds in {:.1} s, slowest {:?} ({}), {} panics contained",
            self.cases,
            took.as_secs_f64(),
            self.slowest.0,
            self.slowest.1,
            self.contained.len()
        )
    }
}

/// Runs `cases` mutations spread over `seeds` (name, bytes) in `dir`.
pub fn run(seeds: &[(String, Vec<u8>)], cases: usize, seed: u64, dir: &Path) -> Report {
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    let mut contained = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for k in 0..cases {
        let (seed_name, bytes) = &seeds[k % seeds.len()];
        let (mutated, how) = mutate(bytes, &mut rng);
        let path: PathBuf = dir.join(format!("case{k:06}.dcm"));
        std::fs::write(&path, &mutated).unwrap();
        let case = format!("case {k} ({how} of {seed_name}, seed {seed})");
        let panics = petct::dicom::contained_panics();
        let outcome = check_case(&path, &case);
        if petct::dicom::contained_panics() > panics {
            contained.push(case.clone());
        }
        match outcome {
            Ok(took) if took > slowest.0 => slowest = (took, case),
            Ok(_) => {}
            Err(f) => {
                // Keep the file for replay.
                let kept = dir.join(format!("failed-{k:06}.dcm"));
                let _ = std::fs::copy(&path, &kept);
                failures.push(f);
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    Report {
        failures,
        slowest,
        cases,
        contained,
    }
}
