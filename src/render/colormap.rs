//! Colour maps (lookup tables) for PET display.
//!
//! Every map is a 256-entry RGBA8 table: entry 0 is the colour of the lowest window value, entry
//! 255 that of the highest. Three of them are the DICOM well-known colour palettes of PS3.6
//! annex B (HOT_IRON, PET and HOT_METAL_BLUE: 256 entries of 8 bits, first mapped value 0). Their
//! numbers live as plain text in `assets/colormaps/*.txt` (`# comment` header, then 256 lines
//! `r g b`), are embedded in the binary with `include_str!` and parsed once on first use.
//!
//! Two lookups are offered and they differ on purpose:
//! - [`Colormap::sample`] spreads `t` in `[0, 1]` over the entries, so `t = 0` is entry 0 and
//!   `t = 1` is entry 255 exactly (`x = t * 255`, linear between entries `floor(x)` and the next).
//! - [`Colormap::sample_like_texture`] mirrors a GPU lookup in a 256-texel 1D (or 256 x 1 2D)
//!   texture with linear filtering and clamp-to-edge addressing, where texel `i` has its centre
//!   at `u = (i + 0.5) / 256`.
//!
//! A shader that wants the CPU [`Colormap::sample`] result must therefore sample the texture at
//! `u = (t * 255 + 0.5) / 256`, not at `u = t`. GPUs interpolate with limited sub-texel precision
//! (often 8 bits), so between texel centres the two agree only to about 1/256 of the step between
//! neighbouring entries; at texel centres they agree exactly.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// One RGBA8 colour table: 256 entries, alpha always 255.
pub type ColorTable = [[u8; 4]; 256];

/// Number of entries in every table.
pub const TABLE_LEN: usize = 256;

const HOT_IRON_TXT: &str = include_str!("../../assets/colormaps/hot_iron.txt");
const PET_TXT: &str = include_str!("../../assets/colormaps/pet.txt");
const HOT_METAL_BLUE_TXT: &str = include_str!("../../assets/colormaps/hot_metal_blue.txt");

/// Rainbow anchors: (position in `[0, 1]`, r, g, b). Dark blue, blue, cyan, green, yellow-green,
/// yellow, orange, red; linear in sRGB between anchors.
const RAINBOW_ANCHORS: [(f32, [u8; 3]); 8] = [
    (0.000, [0, 0, 160]),
    (0.125, [0, 60, 255]),
    (0.300, [0, 210, 230]),
    (0.450, [30, 220, 90]),
    (0.600, [170, 230, 30]),
    (0.700, [250, 220, 20]),
    (0.850, [250, 120, 10]),
    (1.000, [210, 20, 10]),
];

/// A colour map for PET (or any scalar) display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Colormap {
    /// DICOM HOT_IRON (1.2.840.10008.1.5.1): black, red, yellow, white.
    HotIron,
    /// DICOM PET (1.2.840.10008.1.5.2): black, blue, purple, red, yellow, white.
    Pet,
    /// DICOM HOT_METAL_BLUE (1.2.840.10008.1.5.3): black, blue, orange, white.
    HotMetalBlue,
    /// Linear grey: entry `i` is `(i, i, i)`.
    Grey,
    /// Inverted grey: entry `i` is `(255 - i, ...)`; white background, dark hot spots, as used
    /// for rotating MIPs.
    InvertedGrey,
    /// A rainbow from dark blue through cyan, green and yellow to red, with brightness rising
    /// to yellow and falling again to red. Entry 0 is dark blue, not black: low values stay
    /// visible, so do not use it where "below window" must read as background.
    Rainbow,
}

/// Error for an unknown colour map name; lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown colour map '{input}'; valid names: {}", valid_names())]
pub struct ParseColormapError {
    /// The name that was not recognised.
    pub input: String,
}

fn valid_names() -> String {
    Colormap::ALL.map(|c| c.name()).join(", ")
}

impl Colormap {
    /// Every colour map, in menu order.
    pub const ALL: [Colormap; 6] = [
        Colormap::HotIron,
        Colormap::Pet,
        Colormap::HotMetalBlue,
        Colormap::Grey,
        Colormap::InvertedGrey,
        Colormap::Rainbow,
    ];

    /// The command-line name: "hot-iron", "pet", "hot-metal-blue", "grey", "inverted-grey",
    /// "rainbow".
    pub fn name(&self) -> &'static str {
        match self {
            Colormap::HotIron => "hot-iron",
            Colormap::Pet => "pet",
            Colormap::HotMetalBlue => "hot-metal-blue",
            Colormap::Grey => "grey",
            Colormap::InvertedGrey => "inverted-grey",
            Colormap::Rainbow => "rainbow",
        }
    }

    /// A label for menus: "Hot iron", "PET", ...
    pub fn label(&self) -> &'static str {
        match self {
            Colormap::HotIron => "Hot iron",
            Colormap::Pet => "PET",
            Colormap::HotMetalBlue => "Hot metal blue",
            Colormap::Grey => "Grey",
            Colormap::InvertedGrey => "Inverted grey",
            Colormap::Rainbow => "Rainbow",
        }
    }

    /// The DICOM well-known palette SOP Instance UID (PS3.6 annex B), for the DICOM palettes.
    pub fn dicom_uid(&self) -> Option<&'static str> {
        match self {
            Colormap::HotIron => Some("1.2.840.10008.1.5.1"),
            Colormap::Pet => Some("1.2.840.10008.1.5.2"),
            Colormap::HotMetalBlue => Some("1.2.840.10008.1.5.3"),
            _ => None,
        }
    }

    /// The 256-entry RGBA8 table (alpha 255), built once on first use.
    pub fn table(&self) -> &'static ColorTable {
        static HOT_IRON: OnceLock<ColorTable> = OnceLock::new();
        static PET: OnceLock<ColorTable> = OnceLock::new();
        static HOT_METAL_BLUE: OnceLock<ColorTable> = OnceLock::new();
        static GREY: OnceLock<ColorTable> = OnceLock::new();
        static INVERTED_GREY: OnceLock<ColorTable> = OnceLock::new();
        static RAINBOW: OnceLock<ColorTable> = OnceLock::new();
        match self {
            Colormap::HotIron => HOT_IRON.get_or_init(|| embedded_table(HOT_IRON_TXT)),
            Colormap::Pet => PET.get_or_init(|| embedded_table(PET_TXT)),
            Colormap::HotMetalBlue => {
                HOT_METAL_BLUE.get_or_init(|| embedded_table(HOT_METAL_BLUE_TXT))
            }
            Colormap::Grey => GREY.get_or_init(grey_table),
            Colormap::InvertedGrey => INVERTED_GREY.get_or_init(inverted_grey_table),
            Colormap::Rainbow => RAINBOW.get_or_init(rainbow_table),
        }
    }

    /// The table as 1024 bytes `r g b a r g b a ...`, ready for a 256 x 1 `Rgba8Unorm` texture.
    pub fn texture_bytes(&self) -> &'static [u8] {
        self.table().as_flattened()
    }

    /// Colour for `t` in `[0, 1]` (clamped; NaN counts as 0), components in `[0, 1]`.
    ///
    /// With `x = t * 255`, `i = floor(x)` and `f = x - i`, the result is
    /// `(table[i] * (1 - f) + table[min(i + 1, 255)] * f) / 255`: `t = k / 255` gives entry `k`
    /// exactly. Equal to `sample_like_texture((t * 255 + 0.5) / 256)` without its alpha.
    pub fn sample(&self, t: f32) -> [f32; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let [r, g, b, _] = self.lerp_entries(t * 255.0);
        [r, g, b]
    }

    /// Mimics a GPU lookup at normalised coordinate `u` in a 256-texel texture holding
    /// [`Colormap::table`], with linear filtering and clamp-to-edge addressing.
    ///
    /// Texel `i` has its centre at `u = (i + 0.5) / 256`; with `x = u * 256 - 0.5` clamped to
    /// `[0, 255]` (NaN counts as 0), the result is the linear blend of entries `floor(x)` and
    /// `floor(x) + 1` by `x - floor(x)`, divided by 255. So `u <= 0.5 / 256` gives entry 0,
    /// `u >= 255.5 / 256` gives entry 255, and `u = (i + 0.5) / 256` gives entry `i` exactly.
    pub fn sample_like_texture(&self, u: f32) -> [f32; 4] {
        let x = u * TABLE_LEN as f32 - 0.5;
        let x = if x.is_nan() {
            0.0
        } else {
            x.clamp(0.0, (TABLE_LEN - 1) as f32)
        };
        self.lerp_entries(x)
    }

    /// Linear blend of entries `floor(x)` and the next (clamped); `x` must lie in `[0, 255]`.
    fn lerp_entries(&self, x: f32) -> [f32; 4] {
        let table = self.table();
        // `x` is in [0, 255] here, so the cast neither truncates a sign nor overflows.
        let i = (x.floor() as usize).min(TABLE_LEN - 1);
        let j = (i + 1).min(TABLE_LEN - 1);
        let f = x - i as f32;
        let (a, b) = (table[i], table[j]);
        std::array::from_fn(|c| (f32::from(a[c]) * (1.0 - f) + f32::from(b[c]) * f) / 255.0)
    }
}

impl fmt::Display for Colormap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Colormap {
    type Err = ParseColormapError;

    /// Accepts the CLI names case-insensitively, with `_`, spaces or nothing in place of `-`,
    /// and "gray" for "grey" ("hotiron", "Hot_Iron", "gray", "inverted-gray", "invert-grey"...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        let key = key.replace("gray", "grey");
        let map = match key.as_str() {
            "hotiron" => Colormap::HotIron,
            "pet" => Colormap::Pet,
            "hotmetalblue" => Colormap::HotMetalBlue,
            "grey" | "greyscale" => Colormap::Grey,
            "invertedgrey" | "invertgrey" | "inversegrey" | "greyinverted" => {
                Colormap::InvertedGrey
            }
            "rainbow" => Colormap::Rainbow,
            _ => {
                return Err(ParseColormapError {
                    input: s.to_owned(),
                })
            }
        };
        Ok(map)
    }
}

/// Why a colour table text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TableParseError {
    #[error("line {line}: expected three integers 0-255 'r g b', found '{text}'")]
    BadLine { line: usize, text: String },
    #[error("expected {TABLE_LEN} entries, found {0}")]
    WrongCount(usize),
}

/// Parses `# comment` lines and blank lines (ignored) and exactly 256 lines `r g b`.
fn parse_table(text: &str) -> Result<ColorTable, TableParseError> {
    let mut table = [[0, 0, 0, 255]; TABLE_LEN];
    let mut count = 0;
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || TableParseError::BadLine {
            line: line_no + 1,
            text: line.to_owned(),
        };
        let mut values = line.split_whitespace().map(str::parse::<u8>);
        let rgb = match (values.next(), values.next(), values.next(), values.next()) {
            (Some(Ok(r)), Some(Ok(g)), Some(Ok(b)), None) => [r, g, b, 255],
            _ => return Err(bad()),
        };
        if let Some(entry) = table.get_mut(count) {
            *entry = rgb;
        }
        count += 1;
    }
    if count == TABLE_LEN {
        Ok(table)
    } else {
        Err(TableParseError::WrongCount(count))
    }
}

/// Parses an embedded table; falls back to grey if it is broken (a unit test proves the embedded
/// tables parse, so this never happens in a tested build).
fn embedded_table(text: &str) -> ColorTable {
    parse_table(text).unwrap_or_else(|err| {
        tracing::error!("embedded colour table is broken ({err}); using grey");
        grey_table()
    })
}

fn grey_table() -> ColorTable {
    std::array::from_fn(|i| {
        let v = i as u8;
        [v, v, v, 255]
    })
}

fn inverted_grey_table() -> ColorTable {
    std::array::from_fn(|i| {
        let v = 255 - i as u8;
        [v, v, v, 255]
    })
}

fn rainbow_table() -> ColorTable {
    std::array::from_fn(|i| {
        let t = i as f32 / (TABLE_LEN - 1) as f32;
        let rgb = rainbow_at(t);
        [rgb[0], rgb[1], rgb[2], 255]
    })
}

/// Piecewise-linear interpolation of [`RAINBOW_ANCHORS`] at `t` in `[0, 1]`.
fn rainbow_at(t: f32) -> [u8; 3] {
    let mut prev = RAINBOW_ANCHORS[0];
    for next in RAINBOW_ANCHORS {
        if t <= next.0 {
            let span = next.0 - prev.0;
            let f = if span > 0.0 { (t - prev.0) / span } else { 0.0 };
            return std::array::from_fn(|c| {
                let v = f32::from(prev.1[c]) * (1.0 - f) + f32::from(next.1[c]) * f;
                v.round().clamp(0.0, 255.0) as u8
            });
        }
        prev = next;
    }
    prev.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse() {
        for text in [HOT_IRON_TXT, PET_TXT, HOT_METAL_BLUE_TXT] {
            let table = parse_table(text).expect("embedded table parses");
            assert!(table.iter().all(|e| e[3] == 255));
        }
    }

    #[test]
    fn parse_rejects_bad_tables() {
        assert_eq!(
            parse_table("# x\n1 2 3\n"),
            Err(TableParseError::WrongCount(1))
        );
        assert!(matches!(
            parse_table("1 2 300\n"),
            Err(TableParseError::BadLine { line: 1, .. })
        ));
        assert!(matches!(
            parse_table("1 2\n"),
            Err(TableParseError::BadLine { .. })
        ));
        assert!(matches!(
            parse_table("1 2 3 4\n"),
            Err(TableParseError::BadLine { .. })
        ));
        let too_many = "0 0 0\n".repeat(257);
        assert_eq!(
            parse_table(&too_many),
            Err(TableParseError::WrongCount(257))
        );
    }

    #[test]
    fn dicom_tables_start_black_end_white() {
        for map in [Colormap::HotIron, Colormap::Pet, Colormap::HotMetalBlue] {
            let t = map.table();
            assert_eq!(t[0], [0, 0, 0, 255], "{map}");
            assert_eq!(t[255], [255, 255, 255, 255], "{map}");
        }
    }

    /// Values read from the DICOM Color Palette objects with pydicom (identical to pydicom's
    /// `apply_color_lut(..., palette=...)`).
    #[test]
    fn dicom_tables_match_palette_objects() {
        let cases: [(Colormap, usize, [u8; 3]); 9] = [
            (Colormap::HotIron, 64, [128, 0, 0]),
            (Colormap::HotIron, 128, [255, 0, 0]),
            (Colormap::HotIron, 200, [255, 144, 36]),
            (Colormap::Pet, 64, [1, 126, 127]),
            (Colormap::Pet, 100, [73, 55, 199]),
            (Colormap::Pet, 128, [128, 0, 255]),
            (Colormap::HotMetalBlue, 64, [0, 0, 125]),
            (Colormap::HotMetalBlue, 128, [116, 17, 97]),
            (Colormap::HotMetalBlue, 200, [255, 152, 88]),
        ];
        for (map, i, rgb) in cases {
            assert_eq!(
                map.table()[i],
                [rgb[0], rgb[1], rgb[2], 255],
                "{map} entry {i}"
            );
        }
    }

    #[test]
    fn asset_headers_name_the_palettes() {
        for (text, label, map) in [
            (HOT_IRON_TXT, "HOT_IRON", Colormap::HotIron),
            (PET_TXT, "PET", Colormap::Pet),
            (HOT_METAL_BLUE_TXT, "HOT_METAL_BLUE", Colormap::HotMetalBlue),
        ] {
            let header = text.lines().next().unwrap_or_default();
            let uid = map.dicom_uid().expect("DICOM palette");
            assert_eq!(header, format!("# DICOM {label} {uid}, 256 entries, r g b"));
        }
    }

    #[test]
    fn synthetic_tables() {
        assert_eq!(Colormap::Grey.table()[0], [0, 0, 0, 255]);
        assert_eq!(Colormap::Grey.table()[77], [77, 77, 77, 255]);
        assert_eq!(Colormap::InvertedGrey.table()[0], [255, 255, 255, 255]);
        assert_eq!(Colormap::InvertedGrey.table()[255], [0, 0, 0, 255]);
        let rainbow = Colormap::Rainbow.table();
        assert_eq!(rainbow[0], [0, 0, 160, 255]);
        assert_eq!(rainbow[255], [210, 20, 10, 255]);
        // Blue first, red last, green in the middle.
        let mid = rainbow[128 - 12];
        assert!(mid[1] > mid[0] && mid[1] > mid[2], "{mid:?}");
    }

    #[test]
    fn names_round_trip() {
        for map in Colormap::ALL {
            assert_eq!(map.to_string().parse::<Colormap>(), Ok(map));
            assert_eq!(map.to_string(), map.name());
            assert!(!map.label().is_empty());
        }
        assert_eq!("hotiron".parse(), Ok(Colormap::HotIron));
        assert_eq!("HOT_IRON".parse(), Ok(Colormap::HotIron));
        assert_eq!("gray".parse(), Ok(Colormap::Grey));
        assert_eq!("inverted-gray".parse(), Ok(Colormap::InvertedGrey));
        assert_eq!("hotmetalblue".parse(), Ok(Colormap::HotMetalBlue));
        let err = "jet".parse::<Colormap>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("'jet'"), "{msg}");
        for map in Colormap::ALL {
            assert!(msg.contains(map.name()), "{msg}");
        }
    }

    #[test]
    fn texture_lookup_at_texel_centres_equals_entries() {
        for map in Colormap::ALL {
            let table = map.table();
            for (i, entry) in table.iter().enumerate() {
                let u = (i as f32 + 0.5) / 256.0;
                let got = map.sample_like_texture(u);
                let want = entry.map(|v| f32::from(v) / 255.0);
                assert_eq!(got, want, "{map} texel {i}");
            }
            // Clamp to edge.
            assert_eq!(map.sample_like_texture(-3.0), map.sample_like_texture(0.0));
            assert_eq!(
                map.sample_like_texture(0.0),
                table[0].map(|v| f32::from(v) / 255.0)
            );
            assert_eq!(
                map.sample_like_texture(7.0),
                table[255].map(|v| f32::from(v) / 255.0)
            );
        }
    }

    #[test]
    fn sample_interpolates_and_clamps() {
        let map = Colormap::HotIron;
        let t = map.table();
        let entry = |i: usize| [t[i][0], t[i][1], t[i][2]].map(|v| f32::from(v) / 255.0);
        assert_eq!(map.sample(0.0), entry(0));
        assert_eq!(map.sample(1.0), entry(255));
        assert_eq!(map.sample(-1.0), entry(0));
        assert_eq!(map.sample(2.0), entry(255));
        assert_eq!(map.sample(f32::NAN), entry(0));
        // Half way between entries 200 and 201.
        let half = map.sample(200.5 / 255.0);
        let (e200, e201) = (entry(200), entry(201));
        for (c, got) in half.iter().enumerate() {
            let want = (e200[c] + e201[c]) / 2.0;
            assert!((got - want).abs() < 1e-5);
        }
        assert_eq!(Colormap::Grey.sample(0.5), [0.5; 3]);
    }

    #[test]
    fn sample_matches_shifted_texture_lookup() {
        for map in Colormap::ALL {
            for k in 0..=1000 {
                let t = k as f32 / 1000.0;
                let a = map.sample(t);
                let b = map.sample_like_texture((t * 255.0 + 0.5) / 256.0);
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() < 1e-4, "{map} t={t}");
                }
            }
        }
    }

    #[test]
    fn texture_bytes_layout() {
        let bytes = Colormap::Pet.texture_bytes();
        assert_eq!(bytes.len(), 1024);
        assert_eq!(&bytes[4 * 128..4 * 129], &[128, 0, 255, 255]);
    }
}
