//! Targets an office sets per indicator, region and year (e.g. NIB coverage 80% in 2026 — Kota
//! Kupang's 12,000 of 17,000 is 70.6%), and how far the region is from one.

use crate::error::{FieldErrors, Invalid};
use crate::umkm::LegalKind;

/// What a target is set on: the share of the region's UMKM holding a document, or the share
/// reached by at least one programme activity in the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Indicator {
    Coverage(LegalKind),
    Reach,
}

impl Indicator {
    pub const ALL: [Indicator; 6] = [
        Self::Coverage(LegalKind::Nib),
        Self::Coverage(LegalKind::Npwp),
        Self::Coverage(LegalKind::Pirt),
        Self::Coverage(LegalKind::Halal),
        Self::Coverage(LegalKind::Hki),
        Self::Reach,
    ];

    /// `coverage_nib`, `reach`.
    pub fn code(self) -> String {
        match self {
            Self::Coverage(k) => format!("coverage_{}", k.as_str()),
            Self::Reach => "reach".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Indicator> {
        Self::ALL.into_iter().find(|i| i.code() == s.trim())
    }
}

/// A target: its indicator, and the share to reach in basis points (80% = 8000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetValue {
    pub indicator: Indicator,
    pub year: i32,
    pub basis_points: u32,
}

/// Reads a target as typed: `80`, `80%`, `72,5 %`; a year from 2000 to 2100.
pub fn validate_target(
    indicator: &str,
    year: &str,
    share: &str,
) -> Result<TargetValue, FieldErrors> {
    let mut e = FieldErrors::new();
    let indicator = e.check(
        "indicator",
        Indicator::parse(indicator).ok_or(Invalid("choice_invalid")),
    );
    let year = e.check("year", parse_year(year));
    let share = e.check("share", {
        let s = share.trim().trim_end_matches('%').trim().replace(',', ".");
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0 && *v <= 100.0)
            .map(|v| (v * 100.0).round() as u32)
            .ok_or(Invalid("percent_invalid"))
    });
    e.clone().into_result()?;
    match (indicator, year, share) {
        (Some(indicator), Some(year), Some(basis_points)) => Ok(TargetValue {
            indicator,
            year,
            basis_points,
        }),
        _ => Err(e),
    }
}

/// A year as the forms take it: 2000 to 2100.
pub fn parse_year(text: &str) -> Result<i32, Invalid> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or(Invalid("number_out_of_range"))
}

/// How many more of `total` must count for the share to reach the target (0 when met).
pub fn still_needed(basis_points: u32, part: i64, total: i64) -> i64 {
    // The smallest count whose share is at least the target: ceil(total × bp / 10000).
    let needed = (total * i64::from(basis_points) + 9_999) / 10_000;
    (needed - part).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_as_offices_write_them() {
        let Ok(t) = validate_target("coverage_nib", "2026", "72,5 %") else {
            panic!("valid");
        };
        assert_eq!(t.indicator, Indicator::Coverage(LegalKind::Nib));
        assert_eq!((t.year, t.basis_points), (2026, 7250));
        let Err(e) = validate_target("coverage_sim", "26", "120") else {
            panic!("invalid");
        };
        let got: Vec<(&str, &str)> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            got,
            [
                ("indicator", "choice_invalid"),
                ("year", "number_out_of_range"),
                ("share", "percent_invalid")
            ]
        );
        assert_eq!(Indicator::parse("reach"), Some(Indicator::Reach));
    }

    #[test]
    fn what_is_still_needed() {
        // Kupang: 12,000 of 17,000 with an NIB; 80% of 17,000 is 13,600.
        assert_eq!(still_needed(8000, 12_000, 17_000), 1_600);
        assert_eq!(still_needed(8000, 14_000, 17_000), 0);
        // 75% of 3 is 2.25: three are needed.
        assert_eq!(still_needed(7500, 2, 3), 1);
        assert_eq!(still_needed(5000, 0, 0), 0);
    }
}
