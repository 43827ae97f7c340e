//! Tests of the generated phantoms and of the DICOM writer.

use super::*;
use std::sync::OnceLock;

fn nema() -> &'static Phantom {
    static P: OnceLock<Phantom> = OnceLock::new();
    P.get_or_init(|| generate(PhantomKind::Nema))
}

fn torso() -> &'static Phantom {
    static P: OnceLock<Phantom> = OnceLock::new();
    P.get_or_init(|| generate(PhantomKind::Torso))
}

/// PET SUV of the voxel nearest to `p`.
fn suv_voxel(ph: &Phantom, p: DVec3) -> f64 {
    let v = ph.pet.geometry.patient_to_voxel(p).round();
    let value = ph.pet.get(v.x as usize, v.y as usize, v.z as usize);
    value.map_or(f64::NAN, |x| x as f64 * ph.acquisition.suv_factor())
}

/// PET SUV interpolated at `p`.
fn suv_at(ph: &Phantom, p: DVec3) -> f64 {
    ph.pet
        .sample_patient(p)
        .map_or(f64::NAN, |x| x as f64 * ph.acquisition.suv_factor())
}

/// Mean of the voxels of `v` whose centres satisfy `inside`, and their count.
fn region_mean(v: &Volume, inside: impl Fn(DVec3) -> bool) -> (f64, usize) {
    let [nx, ny, nz] = v.dims();
    let mut sum = 0.0;
    let mut n = 0;
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let p = v
                    .geometry
                    .voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64));
                if inside(p) {
                    sum += v.data[v.index(i, j, k)] as f64;
                    n += 1;
                }
            }
        }
    }
    (sum / n.max(1) as f64, n)
}

/// Mean CT number over the voxels whose centres lie in a cube (half-width `r` mm) around `c`.
fn ct_mean(ph: &Phantom, c: DVec3, r: f64) -> f64 {
    let g = &ph.ct.geometry;
    let lo = g.patient_to_voxel(c - r).ceil().max(DVec3::ZERO);
    let hi = g.patient_to_voxel(c + r).floor();
    let (mut sum, mut n) = (0.0, 0);
    for k in lo.z as usize..=hi.z as usize {
        for j in lo.y as usize..=hi.y as usize {
            for i in lo.x as usize..=hi.x as usize {
                if let Some(v) = ph.ct.get(i, j, k) {
                    sum += v as f64;
                    n += 1;
                }
            }
        }
    }
    assert!(n > 0, "no CT voxel near {c}");
    sum / n as f64
}

#[test]
fn kind_parses_and_displays() {
    assert_eq!("nema".parse::<PhantomKind>().unwrap(), PhantomKind::Nema);
    assert_eq!("Torso".parse::<PhantomKind>().unwrap(), PhantomKind::Torso);
    assert!("brain".parse::<PhantomKind>().is_err());
    assert_eq!(PhantomKind::Nema.to_string(), "nema");
    assert_eq!(PhantomKind::Torso.to_string(), "torso");
}

#[test]
fn suv_factor_decays_the_dose() {
    let a = Acquisition {
        weight_kg: 70.0,
        height_m: 1.7,
        sex: 'F',
        injected_dose_bq: 370.0e6,
        half_life_s: F18_HALF_LIFE_S,
        injection_to_scan_s: F18_HALF_LIFE_S,
    };
    assert!((a.suv_factor() - 70_000.0 / 185.0e6).abs() < 1e-12);
}

#[test]
fn nema_spheres_are_the_standard_six() {
    let p = nema();
    let d: Vec<f64> = p.lesions.iter().map(|l| l.diameter_mm).collect();
    assert_eq!(d, vec![10.0, 13.0, 17.0, 22.0, 28.0, 37.0]);
    for l in &p.lesions {
        let r = (l.centre_mm.x.powi(2) + l.centre_mm.y.powi(2)).sqrt();
        assert!((r - 57.2).abs() < 1e-9);
        assert_eq!(l.centre_mm.z, p.lesions[0].centre_mm.z);
        assert_eq!(l.suv, 4.0);
    }
}

#[test]
fn nema_largest_sphere_recovers_its_activity() {
    let p = nema();
    let big = p.lesions.iter().find(|l| l.diameter_mm == 37.0).unwrap();
    let suv = suv_voxel(p, big.centre_mm);
    assert!((suv - 4.0).abs() < 0.4, "37 mm sphere centre SUV {suv}");
    // The smallest sphere is hot but partial-volume limited.
    let small = &p.lesions[0];
    let s = suv_at(p, small.centre_mm);
    assert!(s > 1.3 && s < 3.5, "10 mm sphere centre SUV {s}");
}

#[test]
fn nema_background_is_suv_one_and_lung_insert_cold() {
    let p = nema();
    let f = p.acquisition.suv_factor();
    let (mean, n) = region_mean(&p.pet, |q| {
        let r = (q.x * q.x + q.y * q.y).sqrt();
        (-70.0..=-20.0).contains(&q.z) && (45.0..=110.0).contains(&r) && q.y < 50.0
    });
    assert!(n > 1000, "{n} voxels");
    let mean = mean * f;
    assert!((mean - 1.0).abs() < 0.05, "background mean SUV {mean}");
    let lung = suv_voxel(p, DVec3::new(0.0, 0.0, -40.0));
    assert!(lung.abs() < 0.05, "lung insert SUV {lung}");
    let outside = suv_voxel(p, DVec3::new(0.0, -200.0, 0.0));
    assert!(outside.abs() < 1e-3, "outside SUV {outside}");
    assert_eq!(p.pet.unit, Unit::BecquerelPerMl);
}

#[test]
fn nema_ct_numbers() {
    let p = nema();
    assert_eq!(p.ct.unit, Unit::Hounsfield);
    let water = ct_mean(p, DVec3::new(90.0, -60.0, -40.0), 4.0);
    assert!(water.abs() < 5.0, "water {water}");
    let lung = ct_mean(p, DVec3::new(0.0, 0.0, -40.0), 6.0);
    assert!(lung < -600.0, "lung insert {lung}");
    let wall = ct_mean(p, DVec3::new(0.0, -148.5, -40.0), 0.6);
    assert!(wall > 50.0, "wall {wall}");
    let air = ct_mean(p, DVec3::new(0.0, -200.0, 0.0), 3.0);
    assert!(air < -950.0, "air {air}");
}

#[test]
fn pet_and_ct_grids_differ() {
    for p in [nema(), torso()] {
        let (c, g) = (&p.ct.geometry, &p.pet.geometry);
        assert_ne!(c.dims, g.dims);
        assert_ne!(c.spacing, g.spacing);
        // The PET origin is a non-integer number of CT voxels from the CT origin.
        let off = c.patient_to_voxel(g.origin);
        for d in [off.x, off.y, off.z] {
            assert!((d - d.round()).abs() > 0.05, "{off}");
        }
        // Both cover the phantom's lesions.
        for l in &p.lesions {
            assert!(p.ct.sample_patient(l.centre_mm).is_some());
            assert!(p.pet.sample_patient(l.centre_mm).is_some());
        }
        assert_eq!(c.dims[0], 512);
        assert!((g.spacing[0] - 4.0).abs() < 1e-12);
    }
}

#[test]
fn generation_is_deterministic() {
    let again = generate(PhantomKind::Nema);
    let first = nema();
    assert!(again.ct.data == first.ct.data);
    assert!(again.pet.data == first.pet.data);
    assert_eq!(again.ct.geometry, first.ct.geometry);
    assert_eq!(again.lesions, first.lesions);
}

#[test]
fn torso_lesions_are_hot_and_stand_apart() {
    let p = torso();
    assert_eq!(p.lesions.len(), 5);
    for l in &p.lesions {
        let centre = suv_at(p, l.centre_mm);
        assert!(centre > 2.5, "{}: centre SUV {centre}", l.name);
        let r = l.diameter_mm / 2.0;
        for dir in [
            DVec3::X,
            -DVec3::X,
            DVec3::Y,
            -DVec3::Y,
            DVec3::Z,
            -DVec3::Z,
        ] {
            let q = l.centre_mm + dir * 2.0 * r;
            let s = suv_at(p, q);
            assert!(
                s < 0.5 * l.suv && s < 0.6 * centre,
                "{}: SUV {s} at {q} (2 radii out), centre {centre}",
                l.name
            );
        }
    }
}

/// Centroid of the scene points on a 2.5 mm grid whose topmost layer is named `name`.
fn centroid_of(design: &Design, name: &str) -> DVec3 {
    let step = 2.5;
    let n = 220;
    let x0 = -(n as f64) / 2.0 * step;
    let mut labels = vec![0; n];
    let (mut sum, mut count) = (DVec3::ZERO, 0.0);
    for k in -90..=118 {
        let z = k as f64 * step;
        let candidates = design.scene.layers_in_slab(z, z);
        for j in -70..=70 {
            let y = j as f64 * step;
            design
                .scene
                .paint_row(&candidates, y, z, x0, step, &mut labels);
            for (i, &l) in labels.iter().enumerate() {
                if design.scene.layer_name(l) == name {
                    sum += DVec3::new(x0 + i as f64 * step, y, z);
                    count += 1.0;
                }
            }
        }
    }
    assert!(count > 0.0, "no {name}");
    sum / count
}

#[test]
fn torso_organs_are_on_the_correct_side() {
    let design = torso::design();
    let liver = centroid_of(&design, "liver");
    assert!(liver.x < -30.0, "liver centroid {liver}");
    let spleen = centroid_of(&design, "spleen");
    assert!(
        spleen.x > 50.0 && spleen.y > 0.0,
        "spleen centroid {spleen}"
    );
    let heart = centroid_of(&design, "left ventricular myocardium");
    assert!(heart.x > 0.0 && heart.y < 0.0, "LV centroid {heart}");
    let bladder = centroid_of(&design, "bladder");
    let kidney_l = centroid_of(&design, "kidney");
    assert!(bladder.z < -150.0 && kidney_l.y > 20.0);

    let p = torso();
    let s = suv_at(p, liver);
    assert!((s - 2.2).abs() < 0.4, "liver SUV {s}");
    let hu = ct_mean(p, liver + DVec3::new(-10.0, 0.0, 0.0), 3.0);
    assert!((hu - 60.0).abs() < 15.0, "liver HU {hu}");
    let b = suv_at(p, bladder);
    assert!(b > 12.0, "bladder SUV {b}");
}

#[test]
fn torso_ct_looks_like_a_ct() {
    let p = torso();
    let lung = ct_mean(p, DVec3::new(-100.0, 30.0, 180.0), 4.0);
    assert!(lung < -750.0, "lung {lung}");
    let l3 = &p.lesions[3];
    let bone = ct_mean(p, l3.centre_mm, 1.0);
    assert!(bone < 150.0, "lytic lesion {bone}");
    let vertebra = ct_mean(p, l3.centre_mm + DVec3::new(15.0, 0.0, 0.0), 2.0);
    assert!(vertebra > 250.0, "vertebral body {vertebra}");
    let fat = ct_mean(p, DVec3::new(0.0, -85.0, -40.0), 2.0);
    assert!((fat + 100.0).abs() < 20.0, "subcutaneous fat {fat}");
    let air = ct_mean(p, DVec3::new(0.0, -200.0, 0.0), 3.0);
    assert!(air < -950.0, "air {air}");
}

#[test]
fn coarsened_grids_keep_the_field_of_view() {
    let g = Geometry::axial(
        [512, 512, 81],
        [0.5, 0.5, 2.5],
        DVec3::new(-128.0, -100.0, -50.0),
    );
    let c = coarsen(&g, 4);
    assert_eq!(c.dims, [128, 128, 21]);
    let (lo, _) = g.patient_bounds();
    let (clo, _) = c.patient_bounds();
    assert!((lo - clo).length() < 1e-9);
}

mod writer {
    use super::*;
    use dicom_dictionary_std::tags;
    use dicom_object::open_file;

    fn small() -> Phantom {
        let options = PhantomOptions {
            downscale: 4,
            supersample: 2,
            ..PhantomOptions::default()
        };
        generate_with(PhantomKind::Nema, &options)
    }

    fn text(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> String {
        obj.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_string()
    }

    fn numbers(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> Vec<f64> {
        obj.element(tag).unwrap().to_multi_float64().unwrap()
    }

    #[test]
    fn writes_readable_ct_and_pet_series() {
        let p = small();
        let dir = tempfile::tempdir().unwrap();
        let w = write_dicom(&p, dir.path()).unwrap();
        assert_eq!(w.ct_files.len(), p.ct.dims()[2]);
        assert_eq!(w.pet_files.len(), p.pet.dims()[2]);
        assert!(w.ct_files[0].ends_with("ct/CT_0001.dcm"));
        assert!(w.pet_files[0].ends_with("pet/PET_0001.dcm"));
        let leftovers = std::fs::read_dir(&w.ct_dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().unwrap_or_default() != "dcm")
            .count();
        assert_eq!(leftovers, 0);

        let k = 3;
        let ct = open_file(&w.ct_files[k]).unwrap();
        assert_eq!(ct.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
        assert_eq!(
            ct.meta().media_storage_sop_class_uid(),
            "1.2.840.10008.5.1.4.1.1.2"
        );
        assert_eq!(text(&ct, tags::MODALITY), "CT");
        assert_eq!(text(&ct, tags::PATIENT_NAME), "PHANTOM^NEMA");
        assert_eq!(
            ct.element(tags::ROWS).unwrap().to_int::<u16>().unwrap() as usize,
            p.ct.dims()[1]
        );
        assert_eq!(text(&ct, tags::SERIES_NUMBER), "2");
        assert_eq!(text(&ct, tags::INSTANCE_NUMBER), "4");
        let ipp = numbers(&ct, tags::IMAGE_POSITION_PATIENT);
        let want =
            p.ct.geometry
                .voxel_to_patient(DVec3::new(0.0, 0.0, k as f64));
        assert!(
            (DVec3::new(ipp[0], ipp[1], ipp[2]) - want).length() < 1e-4,
            "{ipp:?}"
        );
        let spacing = numbers(&ct, tags::PIXEL_SPACING);
        assert!((spacing[0] - p.ct.geometry.spacing[1]).abs() < 1e-6);
        assert_eq!(
            numbers(&ct, tags::IMAGE_ORIENTATION_PATIENT),
            vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        );
        assert_eq!(text(&ct, tags::RESCALE_SLOPE), "1");
        assert_eq!(text(&ct, tags::WINDOW_CENTER), "40");

        let pet = open_file(&w.pet_files[k]).unwrap();
        assert_eq!(
            pet.meta().media_storage_sop_class_uid(),
            "1.2.840.10008.5.1.4.1.1.128"
        );
        assert_eq!(text(&pet, tags::MODALITY), "PT");
        assert_eq!(text(&pet, tags::UNITS), "BQML");
        assert_eq!(text(&pet, tags::DECAY_CORRECTION), "START");
        assert_eq!(text(&pet, tags::CORRECTED_IMAGE), "ATTN\\DECY");
        assert_eq!(text(&pet, tags::PATIENT_WEIGHT), "70");
        assert_eq!(text(&pet, tags::SERIES_TIME), "100000");
        assert_eq!(text(&pet, tags::STUDY_INSTANCE_UID), w.study_instance_uid);
        assert_eq!(text(&ct, tags::STUDY_INSTANCE_UID), w.study_instance_uid);
        assert_eq!(
            text(&pet, tags::FRAME_OF_REFERENCE_UID),
            w.frame_of_reference_uid
        );
        assert_eq!(
            text(&ct, tags::FRAME_OF_REFERENCE_UID),
            w.frame_of_reference_uid
        );
        assert_ne!(
            text(&pet, tags::SERIES_INSTANCE_UID),
            text(&ct, tags::SERIES_INSTANCE_UID)
        );
        let seq = pet
            .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
            .unwrap();
        let item = &seq.items().unwrap()[0];
        let dose: f64 = item
            .element(tags::RADIONUCLIDE_TOTAL_DOSE)
            .unwrap()
            .to_float64()
            .unwrap();
        assert_eq!(dose, 370.0e6);
        let start = item
            .element(tags::RADIOPHARMACEUTICAL_START_DATE_TIME)
            .unwrap();
        assert_eq!(start.to_str().unwrap().trim(), "20260101090000");
        let start = item.element(tags::RADIOPHARMACEUTICAL_START_TIME).unwrap();
        assert_eq!(start.to_str().unwrap().trim(), "090000");

        // Pixels restore the volume to within half a quantisation step.
        let slope = numbers(&pet, tags::RESCALE_SLOPE)[0];
        let bytes = pet.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        let [nx, ny, _] = p.pet.dims();
        let slice = &p.pet.data[k * nx * ny..(k + 1) * nx * ny];
        assert_eq!(bytes.len(), 2 * nx * ny);
        let peak = slice.iter().fold(0.0f32, |m, v| m.max(*v));
        assert!((slope * 32767.0 - peak as f64).abs() <= peak as f64 * 1e-6);
        for (b, v) in bytes.chunks(2).zip(slice) {
            let stored = i16::from_le_bytes([b[0], b[1]]) as f64;
            assert!((stored * slope - *v as f64).abs() <= slope * 0.5 + 1e-9);
        }
        let other = open_file(&w.pet_files[k + 1]).unwrap();
        assert_ne!(
            numbers(&other, tags::RESCALE_SLOPE)[0],
            slope,
            "per-slice slopes"
        );
    }

    #[test]
    fn writing_twice_gives_identical_files() {
        let p = small();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let wa = write_dicom(&p, a.path()).unwrap();
        let wb = write_dicom(&p, b.path()).unwrap();
        for (x, y) in wa.pet_files.iter().zip(&wb.pet_files).take(3) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        }
    }

    #[test]
    fn rewriting_a_shorter_series_removes_stale_slices() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join("ct").join("CT_0999.dcm");
        std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
        std::fs::write(&stale, b"old").unwrap();
        let keep = dir.path().join("ct").join("notes.txt");
        std::fs::write(&keep, b"mine").unwrap();
        let w = write_dicom(&small(), dir.path()).unwrap();
        assert!(!stale.exists());
        assert!(keep.exists());
        let dcm = std::fs::read_dir(&w.ct_dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "dcm")
            .count();
        assert_eq!(dcm, w.ct_files.len());
    }

    #[test]
    fn unwritable_directory_is_reported_with_its_path() {
        let p = small();
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = write_dicom(&p, &blocker).unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
        assert!(matches!(err, PhantomWriteError::CreateDir { .. }));
    }
}

/// Prints the recovered lesion values and generation times (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn report_lesions_and_timing() {
    for kind in [PhantomKind::Nema, PhantomKind::Torso] {
        let t = std::time::Instant::now();
        let p = generate(kind);
        println!("{kind}: generated in {:.2} s", t.elapsed().as_secs_f64());
        for l in &p.lesions {
            println!(
                "  {:45} centre {:>6.1} {:>6.1} {:>6.1}  d {:>4.1} mm  SUV {:>4.1}  measured {:.2}",
                l.name,
                l.centre_mm.x,
                l.centre_mm.y,
                l.centre_mm.z,
                l.diameter_mm,
                l.suv,
                suv_at(&p, l.centre_mm)
            );
        }
    }
}
