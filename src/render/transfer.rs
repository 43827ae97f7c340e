//! CT transfer functions: HU to colour and opacity, as a table shared by the GPU (storage
//! buffer) and the CPU reference renderer.

/// HU covered by the table: air (-1024) to dense bone and metal (3071).
pub const TF_HU_MIN: f32 = -1024.0;
/// Upper end of the table.
pub const TF_HU_MAX: f32 = 3071.0;
/// Entries in the table (4 HU each).
pub const TF_ENTRIES: usize = 1024;
/// Opacities in presets are per this path length (mm); samples correct for their step.
pub const TF_REFERENCE_STEP_MM: f32 = 1.0;

/// Named CT transfer-function presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CtPreset {
    /// Skeleton: bone opaque and ivory, everything else transparent.
    Bone,
    /// Soft tissue: organs and muscle translucent red, fat faint, bone white.
    SoftTissue,
    /// Lung: lung parenchyma and airways, soft tissue faint.
    Lung,
    /// Skin / body surface: the body outline as an opaque surface.
    Skin,
}

impl CtPreset {
    /// Every preset, in menu order.
    pub const ALL: [CtPreset; 4] = [Self::Bone, Self::SoftTissue, Self::Lung, Self::Skin];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bone => "bone",
            Self::SoftTissue => "soft-tissue",
            Self::Lung => "lung",
            Self::Skin => "skin",
        }
    }

    /// Control points: (HU, [r, g, b], opacity per mm); linear between points, clamped.
    fn points(self) -> &'static [(f32, [f32; 3], f32)] {
        match self {
            Self::Bone => &[
                (-1024.0, [0.0, 0.0, 0.0], 0.0),
                (150.0, [0.75, 0.55, 0.40], 0.0),
                (300.0, [0.90, 0.80, 0.65], 0.15),
                (700.0, [1.00, 0.96, 0.88], 0.60),
                (3071.0, [1.00, 1.00, 1.00], 0.90),
            ],
            Self::SoftTissue => &[
                (-1024.0, [0.0, 0.0, 0.0], 0.0),
                (-200.0, [0.70, 0.55, 0.30], 0.0),
                (-80.0, [0.85, 0.70, 0.40], 0.006),
                (-20.0, [0.80, 0.45, 0.35], 0.0),
                (20.0, [0.80, 0.30, 0.25], 0.02),
                (80.0, [0.90, 0.40, 0.35], 0.05),
                (200.0, [0.95, 0.85, 0.75], 0.10),
                (500.0, [1.00, 1.00, 0.95], 0.50),
                (3071.0, [1.00, 1.00, 1.00], 0.80),
            ],
            Self::Lung => &[
                (-1024.0, [0.0, 0.0, 0.0], 0.0),
                (-950.0, [0.80, 0.45, 0.45], 0.0),
                (-800.0, [0.90, 0.55, 0.55], 0.02),
                (-500.0, [0.95, 0.65, 0.60], 0.05),
                (-300.0, [0.90, 0.60, 0.55], 0.0),
                (200.0, [0.95, 0.90, 0.85], 0.0),
                (500.0, [1.00, 1.00, 0.95], 0.30),
                (3071.0, [1.00, 1.00, 1.00], 0.60),
            ],
            Self::Skin => &[
                (-1024.0, [0.0, 0.0, 0.0], 0.0),
                (-600.0, [0.85, 0.60, 0.50], 0.0),
                (-300.0, [0.92, 0.72, 0.62], 0.40),
                (3071.0, [0.95, 0.78, 0.68], 0.90),
            ],
        }
    }

    /// The sampled table: `TF_ENTRIES` RGBA entries (opacity per reference step) spanning
    /// [`TF_HU_MIN`, `TF_HU_MAX`] with entry i at `TF_HU_MIN + i * (range / (N - 1))`.
    pub fn table(self) -> Vec<[f32; 4]> {
        let points = self.points();
        (0..TF_ENTRIES)
            .map(|i| {
                let hu = TF_HU_MIN + i as f32 * (TF_HU_MAX - TF_HU_MIN) / (TF_ENTRIES - 1) as f32;
                let k = points.iter().rposition(|p| p.0 <= hu).unwrap_or(0);
                let (h0, c0, a0) = points[k];
                let (h1, c1, a1) = points[(k + 1).min(points.len() - 1)];
                let t = if h1 > h0 {
                    ((hu - h0) / (h1 - h0)).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let l = |a: f32, b: f32| a + (b - a) * t;
                [l(c0[0], c1[0]), l(c0[1], c1[1]), l(c0[2], c1[2]), l(a0, a1)]
            })
            .collect()
    }
}

impl std::fmt::Display for CtPreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CtPreset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s.to_ascii_lowercase().replace('_', "-"))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                format!("unknown CT preset '{s}' (use one of {})", names.join(", "))
            })
    }
}

/// Table lookup with linear interpolation between entries, exactly as the shader does it.
pub fn lookup(table: &[[f32; 4]], hu: f32) -> [f32; 4] {
    let n = table.len();
    let x = ((hu - TF_HU_MIN) / (TF_HU_MAX - TF_HU_MIN)).clamp(0.0, 1.0) * (n - 1) as f32;
    let i0 = (x.floor() as usize).min(n - 1);
    let i1 = (i0 + 1).min(n - 1);
    let f = x - i0 as f32;
    let (a, b) = (table[i0], table[i1]);
    [
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
        a[3] + (b[3] - a[3]) * f,
    ]
}

/// Whether any value in [lo, hi] HU has non-zero opacity (for empty-space skipping).
pub fn any_opacity(table: &[[f32; 4]], lo: f32, hi: f32) -> bool {
    let n = table.len();
    let index =
        |hu: f32| ((hu - TF_HU_MIN) / (TF_HU_MAX - TF_HU_MIN)).clamp(0.0, 1.0) * (n - 1) as f32;
    let i0 = index(lo).floor() as usize;
    let i1 = (index(hi).ceil() as usize).min(n - 1);
    table[i0.min(n - 1)..=i1.max(i0.min(n - 1))]
        .iter()
        .any(|e| e[3] > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bone_is_transparent_in_soft_tissue_and_opaque_in_bone() {
        let t = CtPreset::Bone.table();
        assert_eq!(lookup(&t, 40.0)[3], 0.0);
        assert!(lookup(&t, 1000.0)[3] > 0.5);
        assert!(!any_opacity(&t, -1000.0, 100.0));
        assert!(any_opacity(&t, 100.0, 400.0));
    }

    #[test]
    fn presets_parse_by_name() {
        for p in CtPreset::ALL {
            assert_eq!(p.name().parse::<CtPreset>(), Ok(p));
        }
        assert!("nope".parse::<CtPreset>().is_err());
    }
}
