//! Viewer scripts (`petct view --script FILE`): one command per line, for demos,
//! reproducible figures and automated tests. `#` starts a comment.
//!
//! ```text
//! load PATH | load phantom     open a study (in the background)
//! wait                         until loading has finished
//! scroll PANE N                scroll a slice pane (axial, coronal, sagittal) by N slices
//! rotate DAZ DEL               turn the 3D camera by degrees
//! view NAME                    anterior, posterior, left, right, superior, inferior
//! window NAME | window W L     CT window preset (soft-tissue, lung, bone, liver, brain) or values
//! mode NAME                    fused, pet-mip, ct-mip, ct-dvr
//! ct-preset NAME               bone, soft-tissue, lung, skin
//! colormap NAME                hot-iron, pet, hot-metal-blue, grey, inverted-grey, rainbow
//! suv-window LO HI             PET window
//! opacity F                    fusion opacity 0..1
//! cursor X Y Z                 move the linked cursor (patient mm)
//! maximise PANE | restore      layout
//! demo on|off                  demo mode for patients
//! screenshot PATH              the whole window as PNG
//! keyframe PATH [PANE]         a key frame (default the 3D view) as PNG
//! hotspots METHOD [THRESHOLD]   segment hot spots: abs (SUV), percent (of SUVmax), percist
//! select-lesion N              select the N-th lesion of the table (1 = highest SUVmax)
//! export-hotspots PATH         the lesion table as CSV (or JSON when PATH ends in .json)
//! sleep MS                     pause
//! quit                         close the viewer
//! ```

use std::path::PathBuf;

use super::state::PaneId;

/// One script command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Load(Option<PathBuf>),
    Wait,
    Scroll(PaneId, i32),
    Rotate(f32, f32),
    View(String),
    WindowPreset(String),
    Window(f32, f32),
    Mode(String),
    CtPreset(String),
    Colormap(String),
    SuvWindow(f32, f32),
    Opacity(f32),
    Cursor(f32, f32, f32),
    Maximise(PaneId),
    Restore,
    Demo(bool),
    Screenshot(PathBuf),
    KeyFrame(PathBuf, PaneId),
    Hotspots(String, Option<f32>),
    SelectLesion(usize),
    ExportHotspots(PathBuf),
    Sleep(u64),
    Quit,
}

/// A parse error with its line number.
#[derive(Debug, thiserror::Error)]
#[error("script line {line}: {message}")]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

/// Parses a script.
pub fn parse(text: &str) -> Result<Vec<Command>, ScriptError> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next().unwrap_or("").trim();
            (!l.is_empty()).then_some((i + 1, l))
        })
        .map(|(line, l)| parse_line(l).map_err(|message| ScriptError { line, message }))
        .collect()
}

fn num<T: std::str::FromStr>(s: Option<&str>, what: &str) -> Result<T, String> {
    s.ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|_| format!("bad {what}"))
}

fn pane(s: Option<&str>) -> Result<PaneId, String> {
    let s = s.ok_or("missing pane")?;
    PaneId::parse(s).ok_or_else(|| format!("unknown pane '{s}' (3d, axial, coronal, sagittal)"))
}

fn parse_line(l: &str) -> Result<Command, String> {
    let mut w = l.split_whitespace();
    let cmd = w.next().unwrap_or_default().to_ascii_lowercase();
    let rest: Vec<&str> = w.clone().collect();
    let word = |i: usize| rest.get(i).map(|s| s.to_string()).ok_or("missing argument");
    Ok(match cmd.as_str() {
        "load" => match rest.first() {
            None | Some(&"phantom") => Command::Load(None),
            Some(_) => Command::Load(Some(PathBuf::from(rest.join(" ")))),
        },
        "wait" => Command::Wait,
        "scroll" => Command::Scroll(
            pane(rest.first().copied())?,
            num(rest.get(1).copied(), "slice count")?,
        ),
        "rotate" => Command::Rotate(
            num(rest.first().copied(), "azimuth")?,
            num(rest.get(1).copied(), "elevation")?,
        ),
        "view" => Command::View(word(0)?),
        "window" if rest.len() >= 2 => Command::Window(
            num(rest.first().copied(), "width")?,
            num(rest.get(1).copied(), "level")?,
        ),
        "window" => Command::WindowPreset(word(0)?),
        "mode" => Command::Mode(word(0)?),
        "ct-preset" => Command::CtPreset(word(0)?),
        "colormap" => Command::Colormap(word(0)?),
        "suv-window" => Command::SuvWindow(
            num(rest.first().copied(), "low")?,
            num(rest.get(1).copied(), "high")?,
        ),
        "opacity" => Command::Opacity(num(rest.first().copied(), "opacity")?),
        "cursor" => Command::Cursor(
            num(rest.first().copied(), "x")?,
            num(rest.get(1).copied(), "y")?,
            num(rest.get(2).copied(), "z")?,
        ),
        "maximise" | "maximize" => Command::Maximise(pane(rest.first().copied())?),
        "restore" => Command::Restore,
        "demo" => Command::Demo(matches!(rest.first().copied(), Some("on") | None)),
        "screenshot" => Command::Screenshot(PathBuf::from(word(0)?)),
        "keyframe" => Command::KeyFrame(
            PathBuf::from(word(0)?),
            match rest.get(1) {
                Some(p) => pane(Some(p))?,
                None => PaneId::ThreeD,
            },
        ),
        "hotspots" => Command::Hotspots(
            word(0)?,
            match rest.get(1) {
                Some(t) => Some(num(Some(t), "threshold")?),
                None => None,
            },
        ),
        "select-lesion" => Command::SelectLesion(num(rest.first().copied(), "lesion number")?),
        "export-hotspots" => Command::ExportHotspots(PathBuf::from(word(0)?)),
        "sleep" => Command::Sleep(num(rest.first().copied(), "milliseconds")?),
        "quit" | "exit" => Command::Quit,
        other => return Err(format!("unknown command '{other}'")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_script_and_reports_bad_lines() {
        let s = parse("load phantom\nwait # loaded\n\nscroll axial -3\nwindow lung\nwindow 400 40\nkeyframe /tmp/k.png axial\nquit").unwrap();
        assert_eq!(s[0], Command::Load(None));
        assert_eq!(s[2], Command::Scroll(PaneId::Axial, -3));
        assert_eq!(s[3], Command::WindowPreset("lung".into()));
        assert_eq!(s[4], Command::Window(400.0, 40.0));
        assert_eq!(s[5], Command::KeyFrame("/tmp/k.png".into(), PaneId::Axial));
        let e = parse("wait\nfly away").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
