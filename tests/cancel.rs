//! A load cancelled from another thread while it runs stops early with `Cancelled`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use petct::dicom::{load_study, DicomError, LoadOptions};
use petct::phantom::{generate, write_dicom, PhantomKind};

/// How long a cancelled load may take to notice: one header read or one slice decode per
/// worker thread, generous for a slow, busy CI machine.
const RESPONSE_LIMIT: Duration = Duration::from_secs(5);

#[test]
fn cancel_from_another_thread_stops_a_torso_load() {
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&generate(PhantomKind::Torso), dir.path()).unwrap();
    let paths = vec![dir.path().to_path_buf()];

    let options = LoadOptions::default();
    let flag = options.cancel.clone();
    let (started_tx, started_rx) = mpsc::channel();
    let canceller = std::thread::spawn(move || {
        // Wait until the load has begun, then give it a moment to get into its work.
        started_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        flag.cancel();
        Instant::now()
    });
    started_tx.send(()).unwrap();
    let result = load_study(&paths, &options);
    let returned_at = Instant::now();
    let cancelled_at = canceller.join().unwrap();

    match result {
        Err(DicomError::Cancelled) => {
            // Not timing the whole load (machine-dependent), only how fast the cancel is seen.
            let response = returned_at.saturating_duration_since(cancelled_at);
            assert!(
                response < RESPONSE_LIMIT,
                "the load took {response:?} to notice the cancel"
            );
        }
        // Only acceptable when the load finished before the flag was set (a very fast
        // machine): a flag set earlier must have produced `Cancelled`.
        Ok(_) => eprintln!("note: the torso load finished before the cancel reached it"),
        Err(e) => panic!("unexpected error: {e}"),
    }

    // A fresh flag loads the same files completely.
    let study = load_study(&paths, &LoadOptions::default()).unwrap();
    assert!(study.ct.is_some() && study.pet.is_some());
}
