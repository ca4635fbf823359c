//! The Kemendagri region tree (Kepmendagri 300.2.2-2138/2025): codes `PP.KK.CC.XNNN`, names and
//! kinds, with look-ups by code and by name that forgive case, spacing and small misspellings.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::Serialize;

use crate::error::Invalid;

/// The decree whose codes the embedded data carries; stored with the data in the database.
pub const DECREE: &str = "Kepmendagri 300.2.2-2138/2025";
/// Where the embedded copy comes from (see data/regions/SOURCE.md).
pub const DATA_SOURCE: &str = "idn-area-data 4.0.1 (ODbL)";

static EMBEDDED_CSV_GZ: &[u8] = include_bytes!("../../../data/regions/regions.csv.gz");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    Regency,
    District,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Regency => "regency",
            Self::District => "district",
            Self::Village => "village",
        }
    }

    pub fn depth(self) -> usize {
        self as usize
    }

    pub fn child(self) -> Option<RegionLevel> {
        match self {
            Self::Province => Some(Self::Regency),
            Self::Regency => Some(Self::District),
            Self::District => Some(Self::Village),
            Self::Village => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    Provinsi,
    Kabupaten,
    Kota,
    Kecamatan,
    Kelurahan,
    Desa,
    DesaAdat,
}

impl RegionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provinsi => "provinsi",
            Self::Kabupaten => "kabupaten",
            Self::Kota => "kota",
            Self::Kecamatan => "kecamatan",
            Self::Kelurahan => "kelurahan",
            Self::Desa => "desa",
            Self::DesaAdat => "desa_adat",
        }
    }
}

/// A syntactically valid region code at any level: `36`, `36.74`, `36.74.03`, `36.74.03.1005`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses and normalises a code; `3674` and `36 74` are read as `36.74`, `3674031005` as
    /// `36.74.03.1005`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid("region_required"));
        }
        if trimmed.len() > 20 {
            return Err(Invalid("region_code_format"));
        }
        let digits: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '-'))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid("region_code_format"));
        }
        // Segment widths 2, 2, 2, 4 (Kepmendagri 300.2.2-2138/2025).
        let code = match digits.len() {
            2 => digits,
            4 => format!("{}.{}", &digits[..2], &digits[2..]),
            6 => format!("{}.{}.{}", &digits[..2], &digits[2..4], &digits[4..]),
            10 => format!(
                "{}.{}.{}.{}",
                &digits[..2],
                &digits[2..4],
                &digits[4..6],
                &digits[6..]
            ),
            _ => return Err(Invalid("region_code_format")),
        };
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            2 => RegionLevel::Province,
            5 => RegionLevel::Regency,
            8 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }

    pub fn parent(&self) -> Option<RegionCode> {
        self.0
            .rfind('.')
            .map(|i| RegionCode(self.0[..i].to_string()))
    }

    /// The code of this region's ancestor (or itself) at `level`, if this region is that deep.
    pub fn at_level(&self, level: RegionLevel) -> Option<RegionCode> {
        let len = match level {
            RegionLevel::Province => 2,
            RegionLevel::Regency => 5,
            RegionLevel::District => 8,
            RegionLevel::Village => 13,
        };
        (self.0.len() >= len).then(|| RegionCode(self.0[..len].to_string()))
    }

    /// True when `self` is `ancestor` or lies inside it.
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0 == ancestor.0
            || (self.0.starts_with(&ancestor.0)
                && self.0.as_bytes().get(ancestor.0.len()) == Some(&b'.'))
    }

    /// The kind follows from the code alone: kabupaten 01–69, kota 71–99; desa/kelurahan by the
    /// first digit of the last segment (1 kelurahan, 2 desa, 3 desa adat).
    pub fn kind(&self) -> RegionKind {
        match self.level() {
            RegionLevel::Province => RegionKind::Provinsi,
            RegionLevel::Regency => {
                if self.0[3..5] >= *"71" {
                    RegionKind::Kota
                } else {
                    RegionKind::Kabupaten
                }
            }
            RegionLevel::District => RegionKind::Kecamatan,
            RegionLevel::Village => match self.0.as_bytes().get(9) {
                Some(b'1') => RegionKind::Kelurahan,
                Some(b'3') => RegionKind::DesaAdat,
                _ => RegionKind::Desa,
            },
        }
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub level: RegionLevel,
}

/// One answer of a name search, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionMatch<'a> {
    pub region: &'a Region,
    pub score: f64,
}

/// What a name resolves to.
#[derive(Debug, PartialEq)]
pub enum Resolution<'a> {
    Found(&'a Region),
    Ambiguous(Vec<RegionMatch<'a>>),
    NotFound,
}

/// The whole tree, sorted by code, with an index by code and pre-normalised names.
pub struct RegionTree {
    regions: Vec<Region>,
    by_code: HashMap<String, usize>,
    tokens: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegionDataError {
    #[error("region data is not valid gzip/UTF-8: {0}")]
    Decode(String),
    #[error("region data line {line}: {problem}")]
    Line { line: usize, problem: String },
}

impl RegionTree {
    /// The copy compiled into the binary, decoded once.
    pub fn embedded() -> &'static RegionTree {
        static TREE: OnceLock<RegionTree> = OnceLock::new();
        TREE.get_or_init(|| {
            // The embedded file is checked by the test suite, so it cannot fail in a release.
            RegionTree::from_csv_gz(EMBEDDED_CSV_GZ)
                .unwrap_or_else(|_| RegionTree::from_rows(Vec::new()))
        })
    }

    pub fn from_csv_gz(bytes: &[u8]) -> Result<RegionTree, RegionDataError> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|e| RegionDataError::Decode(e.to_string()))?;
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            let (code, name) = line.split_once(',').ok_or_else(|| RegionDataError::Line {
                line: i + 1,
                problem: "missing comma".into(),
            })?;
            let code = RegionCode::parse(code).map_err(|e| RegionDataError::Line {
                line: i + 1,
                problem: e.0.into(),
            })?;
            // The generator quotes names containing commas or quotes (csv module rules).
            let name = if name.starts_with('"') && name.ends_with('"') && name.len() >= 2 {
                name[1..name.len() - 1].replace("\"\"", "\"")
            } else {
                name.to_string()
            };
            rows.push((code, name));
        }
        Ok(Self::from_rows(rows))
    }

    pub fn from_rows(mut rows: Vec<(RegionCode, String)>) -> RegionTree {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let regions: Vec<Region> = rows
            .into_iter()
            .map(|(code, name)| Region {
                kind: code.kind(),
                level: code.level(),
                code,
                name,
            })
            .collect();
        let by_code = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.0.clone(), i))
            .collect();
        let tokens = regions.iter().map(|r| name_tokens(&r.name)).collect();
        RegionTree {
            regions,
            by_code,
            tokens,
        }
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    pub fn get(&self, code: &RegionCode) -> Option<&Region> {
        self.by_code.get(code.as_str()).map(|&i| &self.regions[i])
    }

    pub fn get_str(&self, code: &str) -> Option<&Region> {
        RegionCode::parse(code).ok().and_then(|c| self.get(&c))
    }

    pub fn count_at(&self, level: RegionLevel) -> usize {
        self.regions.iter().filter(|r| r.level == level).count()
    }

    /// Direct children, in code order. Regions are sorted by code, so a region's descendants
    /// form one contiguous run right after it.
    pub fn children(&self, code: &RegionCode) -> Vec<&Region> {
        let Some(&start) = self.by_code.get(code.as_str()) else {
            return Vec::new();
        };
        let Some(child_level) = code.level().child() else {
            return Vec::new();
        };
        self.regions[start + 1..]
            .iter()
            .take_while(|r| r.code.is_within(code))
            .filter(|r| r.level == child_level)
            .collect()
    }

    pub fn provinces(&self) -> Vec<&Region> {
        self.regions
            .iter()
            .filter(|r| r.level == RegionLevel::Province)
            .collect()
    }

    /// The region and its ancestors, from the province down.
    pub fn lineage(&self, code: &RegionCode) -> Vec<&Region> {
        [
            RegionLevel::Province,
            RegionLevel::Regency,
            RegionLevel::District,
            RegionLevel::Village,
        ]
        .iter()
        .filter_map(|&l| code.at_level(l))
        .filter_map(|c| self.get(&c))
        .collect()
    }

    /// Ranked name search, optionally inside one region and at one level.
    pub fn search(
        &self,
        query: &str,
        within: Option<&RegionCode>,
        level: Option<RegionLevel>,
        limit: usize,
    ) -> Vec<RegionMatch<'_>> {
        let query_tokens = name_tokens(query);
        if query_tokens.is_empty() {
            return Vec::new();
        }
        let range = match within.and_then(|w| self.by_code.get(w.as_str()).map(|&i| (w, i))) {
            Some((w, start)) => {
                let end = self.regions[start..]
                    .iter()
                    .position(|r| !r.code.is_within(w))
                    .map_or(self.regions.len(), |n| start + n);
                start..end
            }
            None if within.is_some() => 0..0,
            None => 0..self.regions.len(),
        };
        let mut matches: Vec<RegionMatch<'_>> = range
            .filter(|&i| level.is_none_or(|l| self.regions[i].level == l))
            .filter_map(|i| {
                let name = &self.tokens[i];
                // "Jurang Mangu Barat" is Jurangmangu Barat: the same letters, spaced otherwise.
                let score = if same_letters(&query_tokens, name) {
                    0.99
                } else {
                    match_score(&query_tokens, name)
                };
                (score >= MIN_SCORE).then(|| RegionMatch {
                    region: &self.regions[i],
                    score,
                })
            })
            .collect();
        matches.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.region.level.cmp(&b.region.level))
                .then(a.region.code.cmp(&b.region.code))
        });
        matches.truncate(limit);
        matches
    }

    /// Resolves a code or a name: a code must exist; a name must have one clear best match
    /// (otherwise the close alternatives are returned).
    pub fn resolve(
        &self,
        query: &str,
        within: Option<&RegionCode>,
        level: Option<RegionLevel>,
    ) -> Resolution<'_> {
        if let Ok(code) = RegionCode::parse(query) {
            return match self.get(&code) {
                Some(r) if within.is_none_or(|w| r.code.is_within(w)) => Resolution::Found(r),
                _ => Resolution::NotFound,
            };
        }
        let matches = self.search(query, within, level, 10);
        match matches.as_slice() {
            [] => Resolution::NotFound,
            [only] => Resolution::Found(only.region),
            [best, second, ..] if best.score - second.score > AMBIGUITY_MARGIN => {
                Resolution::Found(best.region)
            }
            [best, ..] => {
                let cut = best.score - AMBIGUITY_MARGIN;
                Resolution::Ambiguous(matches.into_iter().filter(|m| m.score >= cut).collect())
            }
        }
    }
}

const MIN_SCORE: f64 = 0.72;
const AMBIGUITY_MARGIN: f64 = 0.04;

/// Words that name the kind of region rather than the region; users type them or leave them out.
const KIND_WORDS: &[&str] = &[
    "provinsi",
    "prov",
    "kabupaten",
    "kab",
    "kota",
    "kecamatan",
    "kec",
    "kelurahan",
    "kel",
    "desa",
    "ds",
    "adm",
    "administrasi",
];

fn name_tokens(name: &str) -> Vec<String> {
    let lowered = name.to_lowercase();
    let tokens: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let meaningful: Vec<String> = tokens
        .iter()
        .filter(|t| !KIND_WORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    // "Kota" alone (or a name made only of kind words) keeps its words.
    if meaningful.is_empty() {
        tokens
    } else {
        meaningful
    }
}

/// Whether the typed words and the name's words spell the same letters once the spaces
/// between words are gone (no allocation: the region list is searched for every row).
fn same_letters(query: &[String], name: &[String]) -> bool {
    query
        .iter()
        .flat_map(|w| w.chars())
        .eq(name.iter().flat_map(|w| w.chars()))
}

/// How well one typed word matches one word of a name, 0..=1.
fn token_score(typed: &str, word: &str) -> f64 {
    if typed == word {
        return 1.0;
    }
    if word.starts_with(typed) && typed.chars().count() >= 3 {
        return 0.93;
    }
    // Abbreviations such as "utr" for "utara", "sltn" for "selatan": same first letter, letters in order.
    if typed.chars().count() >= 2 && is_abbreviation(typed, word) {
        return 0.88;
    }
    let jw = strsim::jaro_winkler(typed, word);
    if jw >= 0.85 { jw * 0.95 } else { 0.0 }
}

fn is_abbreviation(typed: &str, word: &str) -> bool {
    let mut word_chars = word.chars();
    let mut typed_chars = typed.chars();
    match (typed_chars.next(), word_chars.next()) {
        (Some(a), Some(b)) if a == b => {}
        _ => return false,
    }
    typed_chars.all(|t| word_chars.any(|w| w == t))
}

/// Every typed word must match a distinct-enough word of the name; name words left unmatched
/// lower the score a little so "Serpong" ranks above "Serpong Utara" for the query "serpong".
fn match_score(query: &[String], name: &[String]) -> f64 {
    if name.is_empty() {
        return 0.0;
    }
    let mut used = vec![false; name.len()];
    let mut total = 0.0;
    for typed in query {
        let mut best = (0.0, None);
        for (j, word) in name.iter().enumerate() {
            if used[j] {
                continue;
            }
            let s = token_score(typed, word);
            if s > best.0 {
                best = (s, Some(j));
            }
        }
        match best {
            (s, Some(j)) => {
                used[j] = true;
                total += s;
            }
            _ => return 0.0,
        }
    }
    let unmatched = used.iter().filter(|u| !**u).count() as f64;
    total / query.len() as f64 - 0.05 * unmatched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn embedded_tree_has_the_2025_totals() {
        let tree = RegionTree::embedded();
        assert_eq!(tree.count_at(RegionLevel::Province), 38);
        assert_eq!(tree.count_at(RegionLevel::Regency), 514);
        assert_eq!(tree.count_at(RegionLevel::District), 7_285);
        assert_eq!(tree.count_at(RegionLevel::Village), 83_762);
        let kota = tree
            .all()
            .iter()
            .filter(|r| r.kind == RegionKind::Kota)
            .count();
        assert_eq!(kota, 98);
    }

    #[test]
    fn a_name_spaced_otherwise_or_with_its_kind_word_is_the_same_place() {
        let tree = RegionTree::embedded();
        let city = code("36.74");
        for typed in [
            "Jurang Mangu Barat",
            "jurangmangu barat",
            "Kel. Jurang Mangu Barat",
            "Kelurahan Jurangmangu  Barat",
        ] {
            match tree.resolve(typed, Some(&city), Some(RegionLevel::Village)) {
                Resolution::Found(r) => assert_eq!(r.code.as_str(), "36.74.03.1010", "{typed}"),
                Resolution::Ambiguous(list) => panic!("{typed}: {} places", list.len()),
                Resolution::NotFound => panic!("{typed}: not found"),
            }
        }
        // East is not West: the spaced name still names one kelurahan.
        match tree.resolve(
            "Jurang Mangu Timur",
            Some(&city),
            Some(RegionLevel::Village),
        ) {
            Resolution::Found(r) => assert_eq!(r.code.as_str(), "36.74.03.1011"),
            Resolution::Ambiguous(list) => panic!("{} places", list.len()),
            Resolution::NotFound => panic!("not found"),
        }
    }

    #[test]
    fn tangerang_selatan_has_seven_kecamatan() {
        let tree = RegionTree::embedded();
        let names: Vec<&str> = tree
            .children(&code("36.74"))
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Serpong",
                "Serpong Utara",
                "Pondok Aren",
                "Ciputat",
                "Ciputat Timur",
                "Pamulang",
                "Setu"
            ]
        );
        assert_eq!(tree.get(&code("36.74")).unwrap().kind, RegionKind::Kota);
    }

    #[test]
    fn codes_parse_in_several_spellings() {
        assert_eq!(code("3674").as_str(), "36.74");
        assert_eq!(code(" 36.74.03.1005 ").as_str(), "36.74.03.1005");
        assert_eq!(code("3674031005").as_str(), "36.74.03.1005");
        assert_eq!(
            RegionCode::parse("36.7"),
            Err(Invalid("region_code_format"))
        );
        assert_eq!(RegionCode::parse("abc"), Err(Invalid("region_code_format")));
        assert_eq!(RegionCode::parse(""), Err(Invalid("region_required")));
    }

    #[test]
    fn within_is_by_whole_segments() {
        assert!(code("36.74.03.1005").is_within(&code("36.74")));
        assert!(code("36.74").is_within(&code("36.74")));
        assert!(!code("36.74").is_within(&code("36.74.03")));
    }

    #[test]
    fn misspelled_name_resolves() {
        let tree = RegionTree::embedded();
        let home = code("36.74");
        match tree.resolve("serpong utr", Some(&home), None) {
            Resolution::Found(r) => assert_eq!(r.code.as_str(), "36.74.02"),
            other => panic!("{other:?}"),
        }
        match tree.resolve("PONDOK   aren", Some(&home), Some(RegionLevel::District)) {
            Resolution::Found(r) => assert_eq!(r.code.as_str(), "36.74.03"),
            other => panic!("{other:?}"),
        }
        match tree.resolve("pamulng", Some(&home), Some(RegionLevel::District)) {
            Resolution::Found(r) => assert_eq!(r.name, "Pamulang"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ambiguous_name_lists_alternatives() {
        let tree = RegionTree::embedded();
        // "Ciputat" is a kecamatan and "Ciputat Timur" another; the plain word prefers the exact one,
        // but a bare "ciputat" village search nationwide has many namesakes.
        match tree.resolve("ciputat", None, Some(RegionLevel::Village)) {
            Resolution::Ambiguous(alts) => assert!(alts.len() >= 2, "{alts:?}"),
            Resolution::Found(r) => panic!("expected alternatives, got {r:?}"),
            Resolution::NotFound => panic!("not found"),
        }
    }

    #[test]
    fn lineage_runs_from_province_down() {
        let tree = RegionTree::embedded();
        let names: Vec<&str> = tree
            .lineage(&code("36.74.01.1001"))
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names[0], "Banten");
        assert_eq!(names[1], "Kota Tangerang Selatan");
        assert_eq!(names[2], "Serpong");
        assert_eq!(names.len(), 4);
    }
}
