//! Key-frame composition: the one place that decides which annotations a saved image gets
//! (orientation letters, the PET colour bar, lesion labels and, only on request, the patient
//! banner), so that `petct render` and the viewer's key frames agree.
//!
//! CPU image work only: it draws onto an already rendered [`RgbaImage`] with [`crate::annotate`]
//! and knows nothing of the GPU, windows or UI toolkits.

use glam::Vec3;
use image::RgbaImage;

use crate::annotate;
use crate::render::mpr::MprOrientation;
use crate::render::settings::{RenderMode, RenderSettings};
use crate::study::ViewStudy;

/// Which kind of pane a key frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFrameView {
    /// A 3D rendering (DVR or MIP) in the mode of the [`RenderSettings`].
    ThreeD,
    /// An MPR slice in this orientation.
    Slice(MprOrientation),
}

/// A lesion label to draw: where its lesion is in the image and what to write.
#[derive(Debug, Clone, PartialEq)]
pub struct LesionMark {
    /// Column of the lesion in image pixels (0 = left edge).
    pub x: f32,
    /// Row of the lesion in image pixels (0 = top edge).
    pub y: f32,
    /// Label text, e.g. "1 SUVmax 12.3".
    pub text: String,
}

/// What a key frame gets besides the rendering itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyFrameOptions {
    /// Draw the PET colour bar (only where PET is visible in the image, see [`compose`]).
    pub colorbar: bool,
    /// Burn the patient's name, ID and study date into the image. Off by default: key frames
    /// leave the building, patient identifiers should only go with them on purpose.
    pub show_phi: bool,
    /// Lesion labels, already projected into the image (see [`lesion_marks`]).
    pub lesions: Vec<LesionMark>,
}

/// Draws the annotations of a key frame onto `img`, a rendering of `study` with `settings`
/// shown as `view`:
///
/// - orientation letters on the edges of slices;
/// - the PET colour bar (window of `settings`, in the study's PET units) when
///   `options.colorbar` is set and PET is visible in the image: in slices whenever the study
///   has PET and the fusion opacity is above 0 (slices fuse PET in every 3D mode), in 3D
///   unless the mode shows CT only (CT MIP, CT DVR);
/// - a label beside each lesion mark;
/// - the patient banner (name, ID, study date) at the top left, only with `options.show_phi`.
pub fn compose(
    img: &mut RgbaImage,
    study: &ViewStudy,
    settings: &RenderSettings,
    view: KeyFrameView,
    options: &KeyFrameOptions,
) {
    if let KeyFrameView::Slice(orientation) = view {
        let [left, right, top, bottom] = orientation.edge_letters();
        annotate::draw_orientation_letters(img, left, right, top, bottom);
    }
    if options.colorbar && shows_pet(study, settings, view) {
        annotate::draw_colorbar(
            img,
            settings.colormap,
            f64::from(settings.pet_window[0]),
            f64::from(settings.pet_window[1]),
            &study.pet_units_label,
        );
    }
    let scale = annotate::text_scale_for(img.width(), img.height());
    let sizes: Vec<(u32, u32)> = options
        .lesions
        .iter()
        .map(|m| annotate::text_size(&m.text, scale))
        .collect();
    let gap = 3.0 * scale as f32;
    let places = place_labels(&options.lesions, &sizes, gap, img.dimensions());
    for (mark, (x, y)) in options.lesions.iter().zip(places) {
        // `as` saturates for out-of-range floats; drawing clips at the image borders.
        annotate::draw_label(img, x.round() as i32, y.round() as i32, &mark.text);
    }
    if options.show_phi {
        draw_banner(img, study, matches!(view, KeyFrameView::Slice(_)));
    }
}

/// Whether PET contributes to the image, i.e. whether a PET colour bar belongs on it.
pub fn shows_pet(study: &ViewStudy, settings: &RenderSettings, view: KeyFrameView) -> bool {
    if study.pet.is_none() {
        return false;
    }
    match view {
        // The MPR shader fuses PET by the fusion opacity whatever the 3D mode is.
        KeyFrameView::Slice(_) => settings.fusion_opacity > 0.0,
        KeyFrameView::ThreeD => !matches!(settings.mode, RenderMode::CtMip | RenderMode::CtDvr),
    }
}

/// Projects lesion positions (patient mm, LPS) with their label texts into image pixels and
/// keeps those that land in the image.
///
/// `project` maps a patient point to (column, row) in pixels and returns `None` for points
/// outside the image (off the slice, behind the camera, beyond the edges): it knows the image
/// size, this function does not. Non-finite or negative results are dropped as well.
pub fn lesion_marks(
    lesions: impl IntoIterator<Item = (Vec3, String)>,
    project: impl Fn(Vec3) -> Option<(f32, f32)>,
) -> Vec<LesionMark> {
    lesions
        .into_iter()
        .filter_map(|(position, text)| {
            let (x, y) = project(position)?;
            let inside = x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0;
            inside.then_some(LesionMark { x, y, text })
        })
        .collect()
}

/// Where each lesion's label goes (top-left corners): beside its mark, vertically centred,
/// to the right or (near the right edge) the left, with a `gap` that keeps the lesion
/// visible; a label that would overlap one placed before it (marks come in table order, so
/// the first lesions keep the best places) moves up or down by whole label heights, to the
/// nearest free place within four rows, else stays beside its mark.
fn place_labels(
    marks: &[LesionMark],
    sizes: &[(u32, u32)],
    gap: f32,
    image: (u32, u32),
) -> Vec<(f32, f32)> {
    let mut placed: Vec<[f32; 4]> = Vec::new();
    let mut out = Vec::new();
    for (mark, &(w, h)) in marks.iter().zip(sizes) {
        let (w, h) = (w as f32, h as f32);
        let x = if mark.x + gap + w > image.0 as f32 {
            mark.x - gap - w
        } else {
            mark.x + gap
        };
        let y0 = mark.y - h / 2.0;
        let row = h + gap;
        let free = |y: f32| {
            let b = [x, y, x + w, y + h];
            y >= 0.0
                && y + h <= image.1 as f32
                && placed
                    .iter()
                    .all(|p| b[2] <= p[0] || p[2] <= b[0] || b[3] <= p[1] || p[3] <= b[1])
        };
        let y = [0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0, -4.0]
            .into_iter()
            .map(|k| y0 + k * row)
            .find(|&y| free(y))
            .unwrap_or(y0);
        if mark.x.is_finite() && mark.y.is_finite() {
            placed.push([x, y, x + w, y + h]);
        }
        out.push((x, y));
    }
    out
}

/// The patient banner: name, ID and study date (those present) at the top left; in slices one
/// text row lower, so that a long banner does not hide the top orientation letter.
fn draw_banner(img: &mut RgbaImage, study: &ViewStudy, below_top_letter: bool) {
    let text = banner_text(study);
    if text.is_empty() {
        return;
    }
    let scale = annotate::text_scale_for(img.width(), img.height());
    let style = annotate::TextStyle::new(scale, [255, 255, 255, 255]).with_shadow();
    let margin = 4 * scale as i32;
    let row = style.size("S").1 as i32 + margin;
    let y = if below_top_letter {
        margin + row
    } else {
        margin
    };
    annotate::draw_text_styled(img, margin, y, &text, &style);
}

/// "NAME  ID  DATE" from the fields the study has.
fn banner_text(study: &ViewStudy) -> String {
    let p = &study.patient;
    [&p.name, &p.id, &p.study_date]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("  ")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use image::Rgba;

    use super::*;
    use crate::dicom::PatientInfo;
    use crate::volume::{Geometry, Unit, Volume};

    const BG: Rgba<u8> = Rgba([40, 40, 40, 255]);

    fn tiny_volume(unit: Unit) -> Arc<Volume> {
        let geometry = Geometry::axial([4, 4, 4], [1.0; 3], glam::DVec3::ZERO);
        let volume = Volume::new(geometry, vec![1.0; 64], unit).expect("4x4x4 volume");
        Arc::new(volume)
    }

    /// A study with CT, optionally PET, and a named patient.
    fn study(with_pet: bool) -> ViewStudy {
        ViewStudy {
            suv_notes: Vec::new(),
            ct: Some(Arc::new(tiny_volume(Unit::Hounsfield).convert())),
            pet: with_pet.then(|| tiny_volume(Unit::BecquerelPerMl)),
            pet_display_factor: 1.0,
            pet_units_label: "SUV".into(),
            suv_available: with_pet,
            suv_inputs: None,
            patient: PatientInfo {
                name: Some("DOE^JANE".into()),
                id: Some("ID42".into()),
                birth_date: Some("19700101".into()),
                study_date: Some("20260102".into()),
                study_time: None,
            },
            notes: Vec::new(),
            series: Default::default(),
            paths: Vec::new(),
            reference_mask: None,
        }
    }

    fn frame(
        size: u32,
        study: &ViewStudy,
        settings: &RenderSettings,
        view: KeyFrameView,
        options: &KeyFrameOptions,
    ) -> RgbaImage {
        let mut img = RgbaImage::from_pixel(size, size, BG);
        compose(&mut img, study, settings, view, options);
        img
    }

    /// Pixels that differ between two images inside `[x0, x1) x [y0, y1)`.
    fn differing(a: &RgbaImage, b: &RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
        let mut n = 0;
        for y in y0..y1.min(a.height()) {
            for x in x0..x1.min(a.width()) {
                if a.get_pixel(x, y) != b.get_pixel(x, y) {
                    n += 1;
                }
            }
        }
        n
    }

    fn changed(img: &RgbaImage, region: (u32, u32, u32, u32)) -> usize {
        let blank = RgbaImage::from_pixel(img.width(), img.height(), BG);
        differing(img, &blank, region)
    }

    fn colorbar_on() -> KeyFrameOptions {
        KeyFrameOptions {
            colorbar: true,
            ..Default::default()
        }
    }

    #[test]
    fn slice_in_ct_dvr_mode_gets_the_colour_bar_when_pet_exists() {
        let settings = RenderSettings {
            mode: RenderMode::CtDvr,
            ..RenderSettings::default()
        };
        let view = KeyFrameView::Slice(MprOrientation::Axial);
        let options = colorbar_on();
        let with_pet = frame(96, &study(true), &settings, view, &options);
        let without_pet = frame(96, &study(false), &settings, view, &options);
        // The bar lives in the right half, between 20 % and 80 % of the height.
        let bar_region = (48, 20, 96, 76);
        assert!(
            differing(&with_pet, &without_pet, bar_region) > 50,
            "no colour bar in a CT DVR slice key frame"
        );
        // The hot-iron gradient shows warm colours (red to yellow), unlike the grey background.
        let warm = (48..96)
            .flat_map(|x| (20..76).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = with_pet.get_pixel(x, y);
                u16::from(p[0]) > u16::from(p[2]) + 100
            })
            .count();
        assert!(warm > 20, "no hot colours in the bar: {warm}");
    }

    #[test]
    fn three_d_key_frame_has_a_bar_only_where_pet_is_shown() {
        let s = study(true);
        let options = colorbar_on();
        let bar_region = (48, 20, 96, 76);
        for (mode, expected) in [
            (RenderMode::FusedDvr, true),
            (RenderMode::PetMip, true),
            (RenderMode::CtDvr, false),
            (RenderMode::CtMip, false),
        ] {
            let settings = RenderSettings {
                mode,
                ..RenderSettings::default()
            };
            let img = frame(96, &s, &settings, KeyFrameView::ThreeD, &options);
            assert_eq!(changed(&img, bar_region) > 50, expected, "{mode:?}");
        }
        // No bar unless asked, and none in slices without fusion.
        let settings = RenderSettings::default();
        let img = frame(96, &s, &settings, KeyFrameView::ThreeD, &Default::default());
        assert_eq!(changed(&img, (0, 0, 96, 96)), 0);
        let settings = RenderSettings {
            fusion_opacity: 0.0,
            ..RenderSettings::default()
        };
        let view = KeyFrameView::Slice(MprOrientation::Coronal);
        let letters_only = frame(96, &s, &settings, view, &Default::default());
        let img = frame(96, &s, &settings, view, &options);
        assert_eq!(differing(&img, &letters_only, (0, 0, 96, 96)), 0);
    }

    #[test]
    fn banner_only_with_show_phi() {
        let s = study(true);
        let settings = RenderSettings::default();
        let banner_region = (0, 0, 128, 16);
        let plain = frame(
            128,
            &s,
            &settings,
            KeyFrameView::ThreeD,
            &Default::default(),
        );
        assert_eq!(
            changed(&plain, banner_region),
            0,
            "banner drawn without show_phi"
        );
        let phi = KeyFrameOptions {
            show_phi: true,
            ..Default::default()
        };
        let with_phi = frame(128, &s, &settings, KeyFrameView::ThreeD, &phi);
        assert!(differing(&with_phi, &plain, banner_region) > 50);
        // In slices the banner keeps clear of the top orientation letter.
        let view = KeyFrameView::Slice(MprOrientation::Coronal);
        let letters = frame(128, &s, &settings, view, &Default::default());
        let slice_phi = frame(128, &s, &settings, view, &phi);
        assert_eq!(differing(&slice_phi, &letters, (48, 0, 80, 14)), 0);
        assert!(differing(&slice_phi, &letters, (0, 14, 128, 40)) > 50);
        assert_eq!(banner_text(&s), "DOE^JANE  ID42  20260102");
        // Birth date is not part of the banner.
        assert!(!banner_text(&s).contains("1970"));
    }

    #[test]
    fn slices_get_letters_and_3d_does_not() {
        let s = study(false);
        let settings = RenderSettings::default();
        let options = KeyFrameOptions::default();
        let img = frame(64, &s, &settings, KeyFrameView::ThreeD, &options);
        assert_eq!(changed(&img, (0, 0, 64, 64)), 0);
        for orientation in [
            MprOrientation::Axial,
            MprOrientation::Coronal,
            MprOrientation::Sagittal,
        ] {
            let img = frame(
                64,
                &s,
                &settings,
                KeyFrameView::Slice(orientation),
                &options,
            );
            // Each edge's middle has ink: left, right, top, bottom.
            for region in [
                (0, 24, 12, 40),
                (52, 24, 64, 40),
                (24, 0, 40, 12),
                (24, 52, 40, 64),
            ] {
                assert!(changed(&img, region) > 3, "{orientation:?} {region:?}");
            }
        }
    }

    #[test]
    fn lesion_label_is_drawn_beside_its_mark() {
        let s = study(true);
        let settings = RenderSettings::default();
        let options = KeyFrameOptions {
            lesions: vec![LesionMark {
                x: 20.0,
                y: 80.0,
                text: "1 SUVmax 12.3".into(),
            }],
            ..Default::default()
        };
        let img = frame(128, &s, &settings, KeyFrameView::ThreeD, &options);
        // Right of the mark, vertically around it; nothing far away.
        assert!(changed(&img, (20, 70, 110, 90)) > 30);
        assert_eq!(changed(&img, (0, 0, 128, 60)), 0);
        assert_eq!(changed(&img, (0, 100, 128, 128)), 0);

        // Near the right edge the label goes to the left of the mark.
        let options = KeyFrameOptions {
            lesions: vec![LesionMark {
                x: 120.0,
                y: 30.0,
                text: "2 SUVmax 4".into(),
            }],
            ..Default::default()
        };
        let img = frame(128, &s, &settings, KeyFrameView::ThreeD, &options);
        assert!(changed(&img, (40, 20, 120, 40)) > 30);
    }

    #[test]
    fn labels_of_nearby_lesions_do_not_overlap() {
        let mark = |x: f32, y: f32, text: &str| LesionMark {
            x,
            y,
            text: text.into(),
        };
        let marks = vec![
            mark(50.0, 100.0, "1 SUVmax 7.9"),
            mark(52.0, 103.0, "2 SUVmax 3.9"),
            mark(48.0, 98.0, "3 SUVmax 3.8"),
            mark(390.0, 10.0, "4 SUVmax 3.1"),
        ];
        let sizes = vec![(60, 9); 4];
        let p = place_labels(&marks, &sizes, 3.0, (400, 300));
        assert_eq!(
            p[0],
            (53.0, 95.5),
            "the first keeps its place beside the mark"
        );
        for i in 0..p.len() {
            for j in 0..i {
                let (a, b) = (p[i], p[j]);
                let apart =
                    a.0 + 60.0 <= b.0 || b.0 + 60.0 <= a.0 || a.1 + 9.0 <= b.1 || b.1 + 9.0 <= a.1;
                assert!(apart, "labels {j} and {i} overlap: {b:?} {a:?}");
            }
        }
        assert!(p[3].0 + 60.0 <= 400.0 && p[3].1 >= 0.0, "inside the image");
    }

    #[test]
    fn lesion_marks_keep_what_projects_into_the_image() {
        let lesions = vec![
            (Vec3::new(1.0, 2.0, 0.0), "1 SUVmax 5".to_string()),
            (Vec3::new(500.0, 0.0, 0.0), "2 off".to_string()),
            (Vec3::new(-3.0, 0.0, 0.0), "3 negative".to_string()),
            (Vec3::new(f32::NAN, 0.0, 0.0), "4 nan".to_string()),
        ];
        let marks = lesion_marks(lesions, |p| {
            (p.x < 100.0 || p.x.is_nan()).then_some((p.x, p.y))
        });
        assert_eq!(
            marks,
            vec![LesionMark {
                x: 1.0,
                y: 2.0,
                text: "1 SUVmax 5".into()
            }]
        );
    }
}
