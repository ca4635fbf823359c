//! KBLI: the classification of business activities an NIB carries (Peraturan BPS 2/2020,
//! KBLI 2020; Peraturan BPS 7/2025, KBLI 2025), checked against the official lists.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::is_digits;
use crate::error::Invalid;

/// Edition of the KBLI classification. KBLI 2025 (Peraturan BPS 7/2025) replaces KBLI 2020, and
/// the same code can mean different activities in each, so a code is always stored with its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KbliVersion {
    #[serde(rename = "2020")]
    V2020,
    #[serde(rename = "2025")]
    V2025,
}

impl KbliVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            KbliVersion::V2020 => "2020",
            KbliVersion::V2025 => "2025",
        }
    }

    pub fn parse(input: &str) -> Result<KbliVersion, Invalid> {
        match input.trim() {
            "2020" => Ok(KbliVersion::V2020),
            "2025" => Ok(KbliVersion::V2025),
            _ => Err(Invalid("kbli_version")),
        }
    }
}

impl fmt::Display for KbliVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 5-digit KBLI code (kelompok, the level businesses register under) with its edition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Kbli {
    code: String,
    version: KbliVersion,
}

pub fn parse_kbli(code: &str, version: KbliVersion) -> Result<Kbli, Invalid> {
    let code = code.trim();
    if !is_digits(code) {
        return Err(Invalid("kbli_not_digits"));
    }
    if code.len() != 5 {
        return Err(Invalid("kbli_length"));
    }
    if !kbli_listed(code, version) {
        return Err(Invalid(match version {
            KbliVersion::V2020 => "kbli_unknown_2020",
            KbliVersion::V2025 => "kbli_unknown_2025",
        }));
    }
    Ok(Kbli {
        code: code.to_owned(),
        version,
    })
}

/// The kelompok (5-digit) codes of KBLI 2020, lampiran of Peraturan BPS 2/2020, with their
/// titles; see `data/kbli/SOURCE.md` and decision 0036.
const KBLI_2020: &str = include_str!("../../data/kbli/kbli2020.csv");
/// The kelompok codes of KBLI 2025, lampiran of Peraturan BPS 7/2025 (which revoked 2/2020).
const KBLI_2025: &str = include_str!("../../data/kbli/kbli2025-codes.txt");

/// The codes of an edition, sorted, read once.
fn kbli_codes(version: KbliVersion) -> &'static [&'static str] {
    static V2020: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    static V2025: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let (cell, text) = match version {
        KbliVersion::V2020 => (&V2020, KBLI_2020),
        KbliVersion::V2025 => (&V2025, KBLI_2025),
    };
    cell.get_or_init(|| {
        let mut codes: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split(',').next())
            .map(str::trim)
            .filter(|c| c.len() == 5 && is_digits(c))
            .collect();
        codes.sort_unstable();
        codes
    })
}

/// Whether `code` is a kelompok of that edition of KBLI.
pub fn kbli_listed(code: &str, version: KbliVersion) -> bool {
    kbli_codes(version).binary_search(&code).is_ok()
}

/// The title of a KBLI 2020 kelompok (`10794`: "Industri Kerupuk, Keripik, Peyek Dan
/// Sejenisnya"); KBLI 2025 is kept as codes only (its titles are not in the project's data).
pub fn kbli_title(code: &str, version: KbliVersion) -> Option<&'static str> {
    if version != KbliVersion::V2020 {
        return None;
    }
    KBLI_2020.lines().find_map(|l| {
        let (c, title) = l.split_once(',')?;
        (c == code).then(|| title.trim_matches('"'))
    })
}

impl Kbli {
    /// The 5-digit code.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    pub fn version(&self) -> KbliVersion {
        self.version
    }
}

/// The code alone; the version is shown separately where it matters.
impl fmt::Display for Kbli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T: std::fmt::Debug>(r: Result<T, Invalid>) -> &'static str {
        r.unwrap_err().0
    }

    #[test]
    fn kbli() {
        let k = parse_kbli(" 10710 ", KbliVersion::V2020).unwrap();
        assert_eq!(k.as_str(), "10710");
        assert_eq!(k.version(), KbliVersion::V2020);
        assert_eq!(k.to_string(), "10710");
        assert_eq!(
            code(parse_kbli("1071A", KbliVersion::V2025)),
            "kbli_not_digits"
        );
        assert_eq!(
            code(parse_kbli("10 710", KbliVersion::V2025)),
            "kbli_not_digits"
        );
        assert_eq!(code(parse_kbli("1071", KbliVersion::V2025)), "kbli_length");
        assert_eq!(
            code(parse_kbli("107101", KbliVersion::V2025)),
            "kbli_length"
        );
        assert_eq!(KbliVersion::parse("2025"), Ok(KbliVersion::V2025));
        assert_eq!(KbliVersion::parse(" 2020 "), Ok(KbliVersion::V2020));
        assert_eq!(code(KbliVersion::parse("2017")), "kbli_version");
        assert_eq!(KbliVersion::V2025.to_string(), "2025");
    }

    #[test]
    fn kbli_codes_are_checked_against_their_edition() {
        // 96011 was laundry in KBLI 2009; KBLI 2020 has it as 96200.
        assert_eq!(
            code(parse_kbli("96011", KbliVersion::V2020)),
            "kbli_unknown_2020"
        );
        assert!(parse_kbli("96200", KbliVersion::V2020).is_ok());
        assert!(parse_kbli("10794", KbliVersion::V2025).is_ok());
        // 74100 was split in KBLI 2020 (7411x–7414x) and is not a code of either edition.
        assert_eq!(
            code(parse_kbli("74100", KbliVersion::V2025)),
            "kbli_unknown_2025"
        );
        assert_eq!(kbli_codes(KbliVersion::V2020).len(), 1789);
        assert_eq!(kbli_codes(KbliVersion::V2025).len(), 1559);
        assert_eq!(
            kbli_title("10794", KbliVersion::V2020),
            Some("Industri Kerupuk, Keripik, Peyek Dan Sejenisnya")
        );
    }
}
