//! Numbers issued by Indonesian authorities: NIK, NIB, NPWP, NITKU, KBLI, P-IRT and BPOM.
//!
//! Parsers accept what people type (spaces, dots, dashes, lowercase letters), store one canonical
//! string and reject with a stable code in [`Invalid`]. None of these numbers has a public check
//! digit, so validation stops at length and at the structure that the issuing rule defines.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::Invalid;

/// `as_str`, `Display` and `FromStr` for a newtype holding its canonical string.
macro_rules! string_id {
    ($name:ident, $parse:ident) => {
        impl $name {
            /// The canonical form, as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = Invalid;

            fn from_str(s: &str) -> Result<Self, Invalid> {
                $parse(s)
            }
        }
    };
}

/// Drops the characters that `is_separator` accepts and requires ASCII digits in the rest.
fn digits_only(
    input: &str,
    is_separator: impl Fn(char) -> bool,
    not_digits: &'static str,
) -> Result<String, Invalid> {
    let digits: String = input.chars().filter(|&c| !is_separator(c)).collect();
    if is_digits(&digits) {
        Ok(digits)
    } else {
        Err(Invalid(not_digits))
    }
}

fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn is_space_dot_dash(c: char) -> bool {
    c.is_whitespace() || c == '.' || c == '-'
}

/// The value of the two ASCII digits at `at`; callers have checked that they are digits.
fn two_digits(s: &str, at: usize) -> u32 {
    let b = s.as_bytes();
    u32::from(b[at] - b'0') * 10 + u32::from(b[at + 1] - b'0')
}

// ---------------------------------------------------------------------------------------------
// NIK
// ---------------------------------------------------------------------------------------------

/// Sex as encoded in a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// Nomor Induk Kependudukan: 16 digits `PP KK CC DDMMYY SSSS` (province, kabupaten/kota and
/// kecamatan of first registration, birth date with 40 added to the day for women, serial).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Nik(String);

/// Masked, so a `{:?}` in a log line never carries the full number (UU 27/2022, PDP).
impl std::fmt::Debug for Nik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

string_id!(Nik, parse_nik);

/// The birth date fields of a NIK, century still unknown.
struct BirthCode {
    day: u32,
    month: u32,
    yy: i32,
}

/// Decodes `DDMMYY` at positions 6..12; `None` unless it is a real date in 19YY or 20YY.
fn decode_birth(digits: &str) -> Option<BirthCode> {
    let raw_day = two_digits(digits, 6);
    // Women have 40 added to the day of birth.
    let day = match raw_day {
        1..=31 => raw_day,
        41..=71 => raw_day - 40,
        _ => return None,
    };
    let code = BirthCode {
        day,
        month: two_digits(digits, 8),
        yy: i32::try_from(two_digits(digits, 10)).ok()?,
    };
    // The century is not encoded; 19YY and 20YY differ only for YY = 00 (2000 is a leap year,
    // 1900 is not), so 29 February 00 is accepted.
    [1900, 2000]
        .into_iter()
        .any(|century| NaiveDate::from_ymd_opt(century + code.yy, code.month, code.day).is_some())
        .then_some(code)
}

/// The 38 province codes of Kepmendagri 300.2.2-2138/2025, as in the embedded region data (a
/// test keeps them equal). Provinces have been split into new codes but none was renumbered or
/// dropped since NIKs are issued (UU 23/2006), so a NIK whose first two digits are not among
/// them was never real; a kabupaten or kecamatan that no longer exists is only a warning.
pub const PROVINCE_CODES: [&str; 38] = [
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "93", "94", "95", "96",
];

/// Parses a NIK, allowing spaces, dots and dashes between the digits.
pub fn parse_nik(input: &str) -> Result<Nik, Invalid> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Invalid("nik_required"));
    }
    let digits = digits_only(input, is_space_dot_dash, "nik_not_digits")?;
    if digits.len() != 16 {
        return Err(Invalid("nik_length"));
    }
    // Kode wilayah (Kepmendagri 300.2.2-2138/2025): no province, kabupaten/kota or kecamatan is
    // numbered 00. A code that no longer exists is only a warning, so it is not checked here.
    if [&digits[0..2], &digits[2..4], &digits[4..6]].contains(&"00") {
        return Err(Invalid("nik_region"));
    }
    if !PROVINCE_CODES.contains(&&digits[0..2]) {
        return Err(Invalid("nik_province"));
    }
    if decode_birth(&digits).is_none() {
        return Err(Invalid("nik_birth_date"));
    }
    // Serials start at 0001.
    if &digits[12..] == "0000" {
        return Err(Invalid("nik_serial"));
    }
    Ok(Nik(digits))
}

impl Nik {
    /// Province code `PP`.
    pub fn province_code(&self) -> &str {
        &self.0[0..2]
    }

    /// Kabupaten/kota code `PP.KK`.
    pub fn regency_code(&self) -> String {
        format!("{}.{}", &self.0[0..2], &self.0[2..4])
    }

    /// Kecamatan code `PP.KK.CC`.
    pub fn district_code(&self) -> String {
        format!("{}.{}.{}", &self.0[0..2], &self.0[2..4], &self.0[4..6])
    }

    pub fn sex(&self) -> Sex {
        // A day of 41–71 (first digit 4–7) marks a woman; 01–31 a man.
        if self.0.as_bytes()[6] >= b'4' {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// The birth date, taking the latest of 20YY and 19YY that is not after `today`.
    /// `None` only if neither is (e.g. 29-02-00 before 29 February 2000).
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let code = decode_birth(&self.0)?;
        [2000, 1900]
            .into_iter()
            .filter_map(|century| NaiveDate::from_ymd_opt(century + code.yy, code.month, code.day))
            .find(|date| *date <= today)
    }

    /// The first 4 digits, for roles that may not see the whole NIK (UU 27/2022 PDP).
    pub fn masked(&self) -> String {
        // Only the kabupaten/kota: the rest is kecamatan + birth date (+40 for women) + serial,
        // and a mask that kept the serial gave the NIK back beside a birth date, sex and
        // kecamatan shown on the same page (87% of records in an outside test).
        format!("{}{}", &self.0[..4], "•".repeat(12))
    }
}

/// Builds a NIK for demo data from a kecamatan code `PP.KK.CC`, a birth date in 1900..=2099,
/// the sex and a serial in 1..=9999. `None` if any part cannot be encoded.
pub fn nik_from_parts(district_code: &str, birth: NaiveDate, sex: Sex, serial: u16) -> Option<Nik> {
    let mut parts = district_code.split('.');
    let (Some(pp), Some(kk), Some(cc), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if ![pp, kk, cc].iter().all(|p| p.len() == 2 && is_digits(p))
        || !(1..=9999).contains(&serial)
        || !(1900..=2099).contains(&birth.year())
    {
        return None;
    }
    let day = match sex {
        Sex::Male => birth.day(),
        Sex::Female => birth.day() + 40,
    };
    let month = birth.month();
    let yy = birth.year() % 100;
    // Going through the parser keeps one definition of a valid NIK (e.g. it rejects region 00).
    parse_nik(&format!("{pp}{kk}{cc}{day:02}{month:02}{yy:02}{serial:04}")).ok()
}

// ---------------------------------------------------------------------------------------------
// NIB, NPWP, NITKU
// ---------------------------------------------------------------------------------------------

/// Nomor Induk Berusaha: 13 digits issued by OSS, one per business actor, no public check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Nib(String);

string_id!(Nib, parse_nib);

pub fn parse_nib(input: &str) -> Result<Nib, Invalid> {
    let digits = digits_only(input, char::is_whitespace, "nib_not_digits")?;
    if digits.len() != 13 {
        return Err(Invalid("nib_length"));
    }
    Ok(Nib(digits))
}

/// Nomor Pokok Wajib Pajak in its 16-digit form (in use since 1 July 2024).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Npwp(String);

string_id!(Npwp, parse_npwp);

/// Parses a 16-digit NPWP or an old 15-digit one (`XX.XXX.XXX.X-XXX.XXX`).
pub fn parse_npwp(input: &str) -> Result<Npwp, Invalid> {
    let digits = digits_only(input, is_space_dot_dash, "npwp_not_digits")?;
    match digits.len() {
        16 => Ok(Npwp(digits)),
        // PMK 112/2022: taxpayers without a NIK keep their 15 digits with a 0 in front.
        15 => Ok(Npwp(format!("0{digits}"))),
        _ => Err(Invalid("npwp_length")),
    }
}

impl Npwp {
    /// A resident's NPWP is their NIK (PMK 112/2022).
    pub fn from_nik(nik: &Nik) -> Npwp {
        Npwp(nik.0.clone())
    }
}

/// Nomor Identitas Tempat Kegiatan Usaha: the 16-digit NPWP followed by a 6-digit place of
/// business (000000 = head office).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Nitku(String);

string_id!(Nitku, parse_nitku);

pub fn parse_nitku(input: &str) -> Result<Nitku, Invalid> {
    let digits = digits_only(input, is_space_dot_dash, "nitku_not_digits")?;
    if digits.len() != 22 {
        return Err(Invalid("nitku_length"));
    }
    Ok(Nitku(digits))
}

impl Nitku {
    pub fn npwp(&self) -> Npwp {
        Npwp(self.0[..16].to_owned())
    }

    /// The 6-digit place of business.
    pub fn branch_code(&self) -> &str {
        &self.0[16..]
    }

    pub fn is_head_office(&self) -> bool {
        self.branch_code() == "000000"
    }
}

mod kbli;
pub use kbli::{Kbli, KbliVersion, kbli_listed, kbli_title, parse_kbli};

// ---------------------------------------------------------------------------------------------
// P-IRT, BPOM
// ---------------------------------------------------------------------------------------------

/// Longest validity of a P-IRT permit, in years (Peraturan BPOM 22/2018).
pub const PIRT_MAX_VALIDITY_YEARS: i32 = 5;

/// Nomor P-IRT (Peraturan BPOM 22/2018): 15 digits, written `1234567890123-45`; the last two
/// digits are the year the permit expires.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Pirt(String);

string_id!(Pirt, parse_pirt);

pub fn parse_pirt(input: &str) -> Result<Pirt, Invalid> {
    let digits = digits_only(input, |c| c.is_whitespace() || c == '-', "pirt_not_digits")?;
    if digits.len() != 15 {
        return Err(Invalid("pirt_length"));
    }
    Ok(Pirt(digits))
}

impl Pirt {
    /// `1234567890123-45`, as printed on labels.
    pub fn formatted(&self) -> String {
        format!("{}-{}", &self.0[..13], &self.0[13..])
    }

    /// The last two digits: the year the permit expires, without its century.
    pub fn expiry_year_suffix(&self) -> u8 {
        let b = self.0.as_bytes();
        (b[13] - b'0') * 10 + (b[14] - b'0')
    }

    /// The first year on or after `issued_year` ending in [`Self::expiry_year_suffix`].
    /// Not checked against the 5-year limit; see [`pirt_validity_ok`].
    pub fn expiry_year(&self, issued_year: i32) -> i32 {
        let suffix = i32::from(self.expiry_year_suffix());
        let candidate = (issued_year - issued_year.rem_euclid(100)).saturating_add(suffix);
        if candidate >= issued_year {
            candidate
        } else {
            candidate.saturating_add(100)
        }
    }
}

impl Pirt {
    /// The year ending in [`Self::expiry_year_suffix`] closest to `year` (a number read without
    /// its issue date).
    pub fn nearest_expiry_year(&self, year: i32) -> i32 {
        let suffix = i32::from(self.expiry_year_suffix());
        let century = year - year.rem_euclid(100);
        [century - 100, century, century + 100]
            .into_iter()
            .map(|c| c + suffix)
            .min_by_key(|y| (y - year).abs())
            .unwrap_or(century + suffix)
    }
}

/// Whether a P-IRT expiring in `expiry_year` respects the 5-year maximum validity
/// (Peraturan BPOM 22/2018).
pub fn pirt_validity_ok(issued_year: i32, expiry_year: i32) -> bool {
    let years = i64::from(expiry_year) - i64::from(issued_year);
    (0..=i64::from(PIRT_MAX_VALIDITY_YEARS)).contains(&years)
}

/// BPOM food registration number: `MD` (domestic) or `ML` (imported) and 12 digits, stored
/// without a space (`MD224510001234`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Bpom(String);

string_id!(Bpom, parse_bpom);

pub fn parse_bpom(input: &str) -> Result<Bpom, Invalid> {
    let compact = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    // Labels print "BPOM RI MD …"; an officer copying the whole line should not be rejected.
    let compact = compact
        .strip_prefix("BPOMRI")
        .or_else(|| compact.strip_prefix("BPOM"))
        .unwrap_or(&compact);
    let Some((prefix, digits)) = ["MD", "ML"]
        .into_iter()
        .find_map(|p| compact.strip_prefix(p).map(|rest| (p, rest)))
    else {
        return Err(Invalid("bpom_prefix"));
    };
    if !is_digits(digits) {
        return Err(Invalid("bpom_not_digits"));
    }
    if digits.len() != 12 {
        return Err(Invalid("bpom_length"));
    }
    Ok(Bpom(format!("{prefix}{digits}")))
}

impl Bpom {
    /// `MD 224510001234`, as printed on labels.
    pub fn formatted(&self) -> String {
        format!("{} {}", &self.0[..2], &self.0[2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        date(2026, 11, 23)
    }

    fn code<T: std::fmt::Debug>(r: Result<T, Invalid>) -> &'static str {
        r.unwrap_err().0
    }

    // --- NIK ---------------------------------------------------------------------------------

    #[test]
    fn nik_decodes_a_woman_from_tangerang_selatan() {
        // 36.74.03 (Kota Tangerang Selatan), day 45 = 5th for a woman, June '90, serial 0012.
        let nik = parse_nik("3674034506900012").unwrap();
        assert_eq!(nik.as_str(), "3674034506900012");
        assert_eq!(nik.province_code(), "36");
        assert_eq!(nik.regency_code(), "36.74");
        assert_eq!(nik.district_code(), "36.74.03");
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_date(today()), Some(date(1990, 6, 5)));
        assert_eq!(nik.masked(), "3674••••••••••••");
        assert_eq!(nik.to_string(), "3674034506900012");
    }

    #[test]
    fn nik_accepts_separators_and_surrounding_space() {
        let expected = parse_nik("3201011708850003").unwrap();
        for input in [
            " 3201011708850003 ",
            "3201 0117 0885 0003",
            "32.01.01.170885.0003",
            "32-01-01-170885-0003",
            "3201011708850003\n",
        ] {
            assert_eq!(parse_nik(input).unwrap(), expected, "{input:?}");
        }
        assert_eq!(expected.sex(), Sex::Male);
        assert_eq!(expected.birth_date(today()), Some(date(1985, 8, 17)));
    }

    #[test]
    fn province_codes_are_the_region_datas() {
        let provinces: Vec<String> = crate::region::RegionTree::embedded()
            .provinces()
            .iter()
            .map(|r| r.code.as_str().to_string())
            .collect();
        assert_eq!(provinces, PROVINCE_CODES);
    }

    #[test]
    fn nik_rejections_carry_their_code() {
        assert_eq!(code(parse_nik("")), "nik_required");
        assert_eq!(code(parse_nik("   ")), "nik_required");
        assert_eq!(code(parse_nik("3674O34506900012")), "nik_not_digits");
        assert_eq!(code(parse_nik("3674/034506900012")), "nik_not_digits");
        assert_eq!(code(parse_nik("367403450690001")), "nik_length");
        assert_eq!(code(parse_nik("36740345069000123")), "nik_length");
        assert_eq!(code(parse_nik("0074034506900012")), "nik_region");
        assert_eq!(code(parse_nik("3600034506900012")), "nik_region");
        assert_eq!(code(parse_nik("3674004506900012")), "nik_region");
        // Never a province: 99, 10, 37, 54, 97.
        for p in ["99", "10", "37", "54", "97"] {
            assert_eq!(
                code(parse_nik(&format!("{p}74034506900012"))),
                "nik_province",
                "{p}"
            );
        }
        assert_eq!(code(parse_nik("3674030006900012")), "nik_birth_date"); // day 00
        assert_eq!(code(parse_nik("3674033206900012")), "nik_birth_date"); // day 32
        assert_eq!(code(parse_nik("3674034006900012")), "nik_birth_date"); // day 40
        assert_eq!(code(parse_nik("3674037206900012")), "nik_birth_date"); // day 72
        assert_eq!(code(parse_nik("3674030513900012")), "nik_birth_date"); // month 13
        assert_eq!(code(parse_nik("3674030500900012")), "nik_birth_date"); // month 00
        assert_eq!(code(parse_nik("3674033104900012")), "nik_birth_date"); // 31 April
        assert_eq!(code(parse_nik("3674037104900012")), "nik_birth_date"); // 31 April, woman
        assert_eq!(code(parse_nik("3674032902010012")), "nik_birth_date"); // 29 Feb 1901/2001
        assert_eq!(code(parse_nik("3674034506900000")), "nik_serial");
    }

    #[test]
    fn nik_leap_day_valid_in_either_century() {
        // 2000 is a leap year even though 1900 is not.
        let nik = parse_nik("3674036902000001").unwrap();
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_date(today()), Some(date(2000, 2, 29)));
        // Before it happened, 29-02-1900 does not exist either.
        assert_eq!(nik.birth_date(date(1999, 12, 31)), None);
        // 1996 and 2096 are both leap years.
        assert!(parse_nik("3674032902960001").is_ok());
    }

    #[test]
    fn nik_century_is_the_latest_not_after_today() {
        let nik = parse_nik("3674031503250001").unwrap(); // 15-03-25
        assert_eq!(nik.birth_date(date(2026, 1, 1)), Some(date(2025, 3, 15)));
        assert_eq!(nik.birth_date(date(2025, 3, 15)), Some(date(2025, 3, 15)));
        assert_eq!(nik.birth_date(date(2025, 3, 14)), Some(date(1925, 3, 15)));
        let nik = parse_nik("3674031503300001").unwrap(); // 15-03-30
        assert_eq!(nik.birth_date(today()), Some(date(1930, 3, 15)));
        let nik = parse_nik("3674031503000001").unwrap(); // 15-03-00
        assert_eq!(nik.birth_date(today()), Some(date(2000, 3, 15)));
    }

    #[test]
    fn nik_from_parts_builds_the_documented_layout() {
        let nik = nik_from_parts("36.74.03", date(1990, 6, 5), Sex::Female, 12).unwrap();
        assert_eq!(nik.as_str(), "3674034506900012");
        let nik = nik_from_parts("53.71.02", date(2004, 12, 31), Sex::Male, 9999).unwrap();
        assert_eq!(nik.as_str(), "5371023112049999");
    }

    #[test]
    fn nik_from_parts_refuses_what_cannot_be_encoded() {
        let birth = date(1990, 6, 5);
        assert!(nik_from_parts("36.74.03", birth, Sex::Male, 0).is_none());
        assert!(nik_from_parts("36.74.03", birth, Sex::Male, 10_000).is_none());
        assert!(nik_from_parts("36.74.00", birth, Sex::Male, 1).is_none());
        assert!(nik_from_parts("36.74", birth, Sex::Male, 1).is_none());
        assert!(nik_from_parts("36.74.03.1001", birth, Sex::Male, 1).is_none());
        assert!(nik_from_parts("36.7a.03", birth, Sex::Male, 1).is_none());
        assert!(nik_from_parts("367.4.03", birth, Sex::Male, 1).is_none());
        assert!(nik_from_parts("36.74.03", date(1899, 12, 31), Sex::Male, 1).is_none());
        assert!(nik_from_parts("36.74.03", date(2100, 1, 1), Sex::Male, 1).is_none());
    }

    #[test]
    fn enum_serde_names() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let de = |s: &'static str| -> StrDeserializer<'static, Error> { s.into_deserializer() };
        assert_eq!(Sex::deserialize(de("male")), Ok(Sex::Male));
        assert_eq!(Sex::deserialize(de("female")), Ok(Sex::Female));
        assert_eq!(KbliVersion::deserialize(de("2020")), Ok(KbliVersion::V2020));
        assert_eq!(KbliVersion::deserialize(de("2025")), Ok(KbliVersion::V2025));
        assert!(KbliVersion::deserialize(de("V2020")).is_err());
    }

    // --- NIB, NPWP, NITKU --------------------------------------------------------------------

    #[test]
    fn nib() {
        let nib = parse_nib(" 9120 1012 3456 7 ").unwrap();
        assert_eq!(nib.as_str(), "9120101234567");
        assert_eq!(nib.to_string(), "9120101234567");
        assert_eq!("9120101234567".parse::<Nib>(), Ok(nib));
        assert_eq!(code(parse_nib("9120-101234567")), "nib_not_digits");
        assert_eq!(code(parse_nib("NIB9120101234")), "nib_not_digits");
        assert_eq!(code(parse_nib("912010123456")), "nib_length");
        assert_eq!(code(parse_nib("")), "nib_length");
    }

    #[test]
    fn npwp_accepts_sixteen_digits_and_pads_the_old_fifteen() {
        assert_eq!(
            parse_npwp("3674034506900012").unwrap().as_str(),
            "3674034506900012"
        );
        assert_eq!(
            parse_npwp("01.234.567.8-901.000").unwrap().as_str(),
            "0012345678901000"
        );
        assert_eq!(
            parse_npwp("012345678901000").unwrap().as_str(),
            "0012345678901000"
        );
        assert_eq!(
            parse_npwp("0012 3456 7890 1000").unwrap().as_str(),
            "0012345678901000"
        );
        assert_eq!(code(parse_npwp("01.234.567.8/901.000")), "npwp_not_digits");
        assert_eq!(code(parse_npwp("01.234.567.8-901.00")), "npwp_length");
        assert_eq!(code(parse_npwp("36740345069000123")), "npwp_length");
        let nik = parse_nik("3674034506900012").unwrap();
        assert_eq!(Npwp::from_nik(&nik).as_str(), nik.as_str());
    }

    #[test]
    fn nitku_splits_into_npwp_and_place_of_business() {
        let head = parse_nitku("0012345678901000000000").unwrap();
        assert_eq!(head.npwp(), parse_npwp("01.234.567.8-901.000").unwrap());
        assert_eq!(head.branch_code(), "000000");
        assert!(head.is_head_office());
        let branch = parse_nitku("3674034506900012 000001").unwrap();
        assert_eq!(branch.as_str(), "3674034506900012000001");
        assert!(!branch.is_head_office());
        assert_eq!(
            code(parse_nitku("3674034506900012/000001")),
            "nitku_not_digits"
        );
        assert_eq!(code(parse_nitku("3674034506900012")), "nitku_length");
    }

    // --- P-IRT, BPOM -------------------------------------------------------------------------

    #[test]
    fn pirt() {
        let p = parse_pirt("2063271010117-28").unwrap();
        assert_eq!(p.as_str(), "206327101011728");
        assert_eq!(p.formatted(), "2063271010117-28");
        assert_eq!(parse_pirt("206 3271 0101 17 28"), Ok(p.clone()));
        assert_eq!(p.expiry_year_suffix(), 28);
        assert_eq!(p.expiry_year(2023), 2028);
        assert_eq!(p.expiry_year(2028), 2028);
        // Two digits resolve forward even when that breaks the 5-year rule.
        assert_eq!(p.expiry_year(2029), 2128);
        assert_eq!(
            parse_pirt("206327101011702").unwrap().expiry_year(1998),
            2002
        );
        assert_eq!(
            code(parse_pirt("P-IRT 2063271010117-28")),
            "pirt_not_digits"
        );
        assert_eq!(code(parse_pirt("2063271010117.28")), "pirt_not_digits");
        assert_eq!(code(parse_pirt("2063271010117-2")), "pirt_length");
    }

    #[test]
    fn pirt_validity_is_at_most_five_years() {
        assert!(pirt_validity_ok(2023, 2028));
        assert!(pirt_validity_ok(2023, 2023));
        assert!(!pirt_validity_ok(2023, 2029));
        assert!(!pirt_validity_ok(2023, 2022));
        assert!(!pirt_validity_ok(i32::MIN, i32::MAX));
    }

    #[test]
    fn bpom() {
        let b = parse_bpom("MD 224510001234").unwrap();
        assert_eq!(b.as_str(), "MD224510001234");
        assert_eq!(b.formatted(), "MD 224510001234");
        for input in [
            "md224510001234",
            " Md 2245 1000 1234 ",
            "BPOM RI MD 224510001234",
        ] {
            assert_eq!(parse_bpom(input), Ok(b.clone()), "{input:?}");
        }
        assert_eq!(
            parse_bpom("ml 123456789012").unwrap().as_str(),
            "ML123456789012"
        );
        assert_eq!(code(parse_bpom("PIRT 224510001234")), "bpom_prefix");
        assert_eq!(code(parse_bpom("224510001234")), "bpom_prefix");
        assert_eq!(code(parse_bpom("")), "bpom_prefix");
        assert_eq!(code(parse_bpom("MD-224510001234")), "bpom_not_digits");
        assert_eq!(code(parse_bpom("MD 22451000123")), "bpom_length");
    }

    // --- properties --------------------------------------------------------------------------

    /// Runs every parser and every accessor of what parses, so a panic anywhere shows up.
    fn exercise_all(s: &str) {
        if let Ok(nik) = parse_nik(s) {
            let _ = (
                nik.masked(),
                nik.sex(),
                nik.district_code(),
                nik.regency_code(),
            );
            let _ = nik.birth_date(NaiveDate::MIN);
            let _ = nik.birth_date(NaiveDate::MAX);
        }
        let _ = parse_nib(s);
        let _ = parse_npwp(s);
        if let Ok(n) = parse_nitku(s) {
            let _ = (n.npwp(), n.is_head_office());
        }
        let _ = parse_kbli(s, KbliVersion::V2025);
        let _ = KbliVersion::parse(s);
        if let Ok(p) = parse_pirt(s) {
            let _ = (
                p.formatted(),
                p.expiry_year(i32::MIN),
                p.expiry_year(i32::MAX),
            );
        }
        if let Ok(b) = parse_bpom(s) {
            let _ = b.formatted();
        }
    }

    fn birth_dates() -> impl Strategy<Value = NaiveDate> {
        // The century resolves correctly for anyone born in the last 100 years.
        (0u64..36_500).prop_map(|days| today().checked_sub_days(chrono::Days::new(days)).unwrap())
    }

    proptest! {
        #[test]
        fn nik_from_parts_round_trips(
            region in (proptest::sample::select(PROVINCE_CODES.to_vec()), 1u32..=99, 1u32..=99),
            birth in birth_dates(),
            female in any::<bool>(),
            serial in 1u16..=9999,
        ) {
            let sex = if female { Sex::Female } else { Sex::Male };
            let district = format!("{}.{:02}.{:02}", region.0, region.1, region.2);
            let nik = nik_from_parts(&district, birth, sex, serial).unwrap();
            prop_assert_eq!(nik.as_str().len(), 16);
            let parsed = parse_nik(nik.as_str()).unwrap();
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(parsed.birth_date(today()), Some(birth));
            prop_assert_eq!(parsed.district_code(), district);
        }

        #[test]
        fn nik_separators_do_not_matter(
            birth in birth_dates(),
            serial in 1u16..=9999,
            seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("."), Just("-")], 16),
        ) {
            let nik = nik_from_parts("53.71.02", birth, Sex::Male, serial).unwrap();
            let typed: String = nik.as_str().chars().zip(&seps).flat_map(|(c, s)| [c.to_string(), s.to_string()]).collect();
            prop_assert_eq!(parse_nik(&typed), Ok(nik));
        }

        #[test]
        fn parsers_never_panic_on_strings(s in any::<String>()) {
            exercise_all(&s);
        }

        #[test]
        fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            exercise_all(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn parsers_never_panic_on_number_like_input(s in "(BPOM ?RI ?)?[MmDdLl]{0,2}[0-9 .\\-•]{0,26}") {
            exercise_all(&s);
        }
    }
}
