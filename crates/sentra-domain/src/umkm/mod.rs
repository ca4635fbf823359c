//! The registry record of one business (UMKM) and the validation of what users type for it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Invalid};
use crate::geo::{Coordinates, parse_coordinates};
use crate::ids::{
    Kbli, KbliVersion, Nik, Sex, parse_bpom, parse_kbli, parse_nib, parse_nik, parse_nitku,
    parse_npwp, parse_pirt,
};
use crate::money::parse_rupiah;
use crate::phone::{Phone, parse_phone};
use crate::region::{RegionCode, RegionLevel, RegionTree};
use crate::size::{SizeDecision, classify};

mod hours;
mod link;
pub use hours::{OpeningSpan, parse_opening_hours};
pub use link::{Link, LinkKind, parse_link};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UmkmStatus {
    Draft,
    Verified,
    Inactive,
}

impl UmkmStatus {
    pub const ALL: [UmkmStatus; 3] = [Self::Draft, Self::Verified, Self::Inactive];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Verified => "verified",
            Self::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<UmkmStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Legality documents of the naik-kelas path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalKind {
    Nib,
    Npwp,
    Nitku,
    Pirt,
    Bpom,
    Halal,
    Sni,
    Hki,
}

impl LegalKind {
    pub const ALL: [LegalKind; 8] = [
        Self::Nib,
        Self::Npwp,
        Self::Nitku,
        Self::Pirt,
        Self::Bpom,
        Self::Halal,
        Self::Sni,
        Self::Hki,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nib => "nib",
            Self::Npwp => "npwp",
            Self::Nitku => "nitku",
            Self::Pirt => "pirt",
            Self::Bpom => "bpom",
            Self::Halal => "halal",
            Self::Sni => "sni",
            Self::Hki => "hki",
        }
    }

    pub fn parse(s: &str) -> Option<LegalKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Validates and normalises a document number of this kind.
    pub fn normalise_number(self, input: &str) -> Result<String, Invalid> {
        match self {
            Self::Nib => parse_nib(input).map(|v| v.as_str().to_string()),
            Self::Npwp => parse_npwp(input).map(|v| v.as_str().to_string()),
            Self::Nitku => parse_nitku(input).map(|v| v.as_str().to_string()),
            Self::Pirt => parse_pirt(input).map(|v| v.as_str().to_string()),
            Self::Bpom => parse_bpom(input).map(|v| v.as_str().to_string()),
            // Halal (BPJPH), SNI and HKI numbers have several published formats: check the shape only.
            Self::Halal | Self::Sni | Self::Hki => free_document_number(input),
        }
    }
}

fn free_document_number(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/' | ' '));
    if !ok_chars {
        return Err(Invalid("document_number_invalid"));
    }
    if s.chars().filter(char::is_ascii_alphanumeric).count() < 4 || s.len() > 64 {
        return Err(Invalid("document_number_length"));
    }
    Ok(s.to_uppercase())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalDocument {
    pub kind: LegalKind,
    pub number: String,
    pub issued_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// A document as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LegalDocumentInput {
    pub kind: String,
    pub number: String,
    pub issued_on: String,
    pub expires_on: String,
}

/// The registry record as typed into a form or an API body: every field as text, so that the
/// validation below sees exactly what the user gave and can name each problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UmkmInput {
    pub name: String,
    pub brand: String,
    pub owner_name: String,
    pub nik: String,
    pub phone: String,
    pub address: String,
    pub village_code: String,
    pub latitude: String,
    pub longitude: String,
    pub sector: String,
    pub kbli_code: String,
    pub kbli_version: String,
    pub year_started: String,
    pub modal: String,
    pub annual_sales: String,
    pub employees_male: String,
    pub employees_female: String,
    pub documents: Vec<LegalDocumentInput>,
    pub links: Vec<(String, String)>,
}

/// A validated record, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UmkmData {
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub nik: Nik,
    pub owner_sex: Sex,
    pub owner_birth_date: Option<NaiveDate>,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub village_code: RegionCode,
    pub coordinates: Option<Coordinates>,
    pub sector: String,
    pub kbli: Option<Kbli>,
    pub year_started: Option<i32>,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    pub employees_male: Option<i64>,
    pub employees_female: Option<i64>,
    pub size: Option<SizeDecision>,
    pub documents: Vec<LegalDocument>,
    pub links: Vec<Link>,
}

/// What validation needs to know about the world, passed in so the domain stays pure.
pub struct ValidationContext<'a> {
    pub regions: &'a RegionTree,
    pub sectors: &'a [String],
    /// Records may only be placed inside this region (the caller's scope).
    pub scope: &'a RegionCode,
    pub today: NaiveDate,
}

pub const MAX_NAME: usize = 200;
pub const MAX_ADDRESS: usize = 500;

/// Characters that change how text around them is shown without being seen: the bidirectional
/// controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F and
/// U+061C marks), with which "usaha\u{202E}gnp.exe" reads as "usahaexe.png", and the zero-width
/// characters (U+200B–U+200D, U+2060, U+FEFF), which make two names that look the same differ.
/// U+200D also joins emoji sequences (👨‍🍳): without it they show as their parts, side by side,
/// a small loss for a name beside one that lets a name hide what it says.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// `input` without the characters of [`is_invisible_format`].
pub fn strip_invisible(input: &str) -> std::borrow::Cow<'_, str> {
    if input.contains(is_invisible_format) {
        std::borrow::Cow::Owned(input.chars().filter(|c| !is_invisible_format(*c)).collect())
    } else {
        std::borrow::Cow::Borrowed(input)
    }
}

/// Drops invisible formatting characters ([`is_invisible_format`]), trims, rejects control
/// characters and over-long text; `None` when empty. Every name and short text of the domain
/// comes through here.
pub fn clean_text(input: &str, max_chars: usize) -> Result<Option<String>, Invalid> {
    let visible = strip_invisible(input);
    let s = visible.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max_chars {
        return Err(Invalid("text_too_long"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid("text_invalid_chars"));
    }
    Ok(Some(s.split_whitespace().collect::<Vec<_>>().join(" ")))
}

fn required_text(input: &str, max_chars: usize) -> Result<String, Invalid> {
    match clean_text(input, max_chars)? {
        Some(s) if s.chars().count() >= 2 => Ok(s),
        Some(_) => Err(Invalid("text_too_short")),
        None => Err(Invalid("required")),
    }
}

pub(crate) fn optional<T>(
    input: &str,
    parse: impl FnOnce(&str) -> Result<T, Invalid>,
) -> Result<Option<T>, Invalid> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse(input).map(Some)
    }
}

pub(crate) fn parse_count(input: &str) -> Result<i64, Invalid> {
    let s = input.trim().replace('.', "");
    match s.parse::<i64>() {
        Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
        Ok(_) => Err(Invalid("number_out_of_range")),
        Err(_) => Err(Invalid("number_invalid")),
    }
}

/// Accepts `2025-09-24` (the form's date input), `24/09/2025`, `24-09-2025`, `24.09.2025`, and
/// `24 September 2025` / `24 Sep 2025` with Indonesian or English month names (as typed).
pub fn parse_date(input: &str) -> Result<NaiveDate, Invalid> {
    let s = input.trim();
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| parse_date_with_month_name(s))
        .ok_or(Invalid("date_invalid"))
}

/// Month names as written in Indonesian and English, full or abbreviated.
const MONTHS: [&[&str]; 12] = [
    &["januari", "january", "jan"],
    &["februari", "february", "feb", "pebruari"],
    &["maret", "march", "mar"],
    &["april", "apr"],
    &["mei", "may"],
    &["juni", "june", "jun"],
    &["juli", "july", "jul"],
    &["agustus", "august", "agu", "agt", "aug", "ags"],
    &["september", "sept", "sep"],
    &["oktober", "october", "okt", "oct"],
    &["november", "nopember", "nov", "nop"],
    &["desember", "december", "des", "dec"],
];

fn parse_date_with_month_name(s: &str) -> Option<NaiveDate> {
    let lowered = s.to_lowercase();
    let parts: Vec<&str> = lowered
        .split(|c: char| c.is_whitespace() || c == '-' || c == ',' || c == '.')
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|names| names.contains(month))? as u32 + 1;
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.parse().ok()?)
}

fn parse_village(input: &str, ctx: &ValidationContext<'_>) -> Result<RegionCode, Invalid> {
    let code = RegionCode::parse(input)?;
    let region = ctx.regions.get(&code).ok_or(Invalid("region_unknown"))?;
    if region.level != RegionLevel::Village {
        return Err(Invalid("region_not_village"));
    }
    if !code.is_within(ctx.scope) {
        return Err(Invalid("region_out_of_scope"));
    }
    Ok(code)
}

/// No Indonesian document is older than the Republic (17 August 1945): an earlier year is a typo.
const FIRST_DOCUMENT_YEAR: i32 = 1945;
/// Days an issue date may lie after `today`: the office's clock and the issuer's time zone (WIT
/// is two hours ahead of WIB) may already be on the next day.
const ISSUED_AHEAD_DAYS: u64 = 1;
/// Years an expiry date may lie ahead: the longest-lived documents (a brand, 10 years, UU
/// 20/2016 Pasal 35) are far within; 9999-12-31 is not a date but a placeholder.
const EXPIRES_AHEAD_YEARS: u32 = 100;

/// A document's issue date (`issued`) or expiry date as typed, refused when it cannot be real:
/// before 1945, issued after tomorrow, or expiring more than 100 years ahead.
fn document_date(input: &str, today: NaiveDate, issued: bool) -> Result<NaiveDate, Invalid> {
    let date = parse_date(input)?;
    if date.year() < FIRST_DOCUMENT_YEAR {
        return Err(Invalid("date_too_early"));
    }
    let latest = if issued {
        today.checked_add_days(chrono::Days::new(ISSUED_AHEAD_DAYS))
    } else {
        today.checked_add_months(chrono::Months::new(12 * EXPIRES_AHEAD_YEARS))
    };
    match latest {
        Some(latest) if date > latest => Err(Invalid(if issued {
            "date_in_future"
        } else {
            "date_too_far"
        })),
        _ => Ok(date),
    }
}

fn validate_document(
    doc: &LegalDocumentInput,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<LegalDocument> {
    let Some(kind) = LegalKind::parse(doc.kind.trim()) else {
        errors.push("documents.kind", "document_kind_unknown");
        return None;
    };
    let field = |part: &str| format!("documents.{}.{part}", kind.as_str());
    let number = errors.check(&field("number"), kind.normalise_number(&doc.number));
    let issued_on = errors.check(
        &field("issued_on"),
        optional(&doc.issued_on, |s| document_date(s, today, true)),
    );
    let expires_on = errors.check(
        &field("expires_on"),
        optional(&doc.expires_on, |s| document_date(s, today, false)),
    );
    if let (Some(Some(i)), Some(Some(e))) = (issued_on, expires_on)
        && e < i
    {
        errors.push(field("expires_on"), "date_order");
    }
    let (number, issued_on, mut expires_on) = (number?, issued_on?, expires_on?);
    if kind == LegalKind::Pirt {
        expires_on = pirt_expiry(&number, issued_on, expires_on, today, &field, errors);
    }
    Some(LegalDocument {
        kind,
        number,
        issued_on,
        expires_on,
    })
}

/// The expiry a P-IRT number gives (its last two digits are the year it expires, Peraturan
/// BPOM 22/2018): the issue date's anniversary in that year, else 31 December of it (the year
/// nearest `today` when the issue date is not known). `None` for a number that is not a P-IRT.
pub fn pirt_expiry_from_number(
    number: &str,
    issued_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let pirt = parse_pirt(number).ok()?;
    let year = match issued_on {
        Some(issued) => pirt.expiry_year(issued.year()),
        None => pirt.nearest_expiry_year(today.year()),
    };
    match issued_on {
        Some(issued) => issued
            .with_year(year)
            .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28)),
        None => NaiveDate::from_ymd_opt(year, 12, 31),
    }
}

/// A P-IRT's expiry (Peraturan BPOM 22/2018): valid at most 5 years from issue, and the last two
/// digits of its number are the year it expires. Without a date typed, the expiry is derived
/// from the number — the issue date's anniversary in that year, else 31 December of it — so that
/// the renewal reminders see it; a validity over 5 years is refused.
fn pirt_expiry(
    number: &str,
    issued_on: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
    field: &dyn Fn(&str) -> String,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    if parse_pirt(number).is_err() {
        return expires_on;
    }
    let expires_on = expires_on.or_else(|| pirt_expiry_from_number(number, issued_on, today));
    if let (Some(issued), Some(expires)) = (issued_on, expires_on)
        && expires >= issued
        && !crate::ids::pirt_validity_ok(issued.year(), expires.year())
    {
        errors.push(field("expires_on"), "pirt_validity_too_long");
    }
    expires_on
}

/// Checks every field and returns all problems at once (nothing is stored unless this succeeds).
pub fn validate_umkm(
    input: &UmkmInput,
    ctx: &ValidationContext<'_>,
) -> Result<UmkmData, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = e.check("name", required_text(&input.name, MAX_NAME));
    let brand = e.check("brand", clean_text(&input.brand, MAX_NAME));
    let owner_name = e.check("owner_name", required_text(&input.owner_name, MAX_NAME));
    let nik = e.check("nik", parse_nik(&input.nik));
    let phone = e.check("phone", optional(&input.phone, parse_phone));
    let address = e.check("address", clean_text(&input.address, MAX_ADDRESS));
    let village_code = e.check("village_code", parse_village(&input.village_code, ctx));
    let coordinates = match (
        input.latitude.trim().is_empty(),
        input.longitude.trim().is_empty(),
    ) {
        (true, true) => Some(None),
        (false, true) => {
            e.push("longitude", "coordinates_incomplete");
            None
        }
        (true, false) => {
            e.push("latitude", "coordinates_incomplete");
            None
        }
        (false, false) => e
            .check(
                "latitude",
                parse_coordinates(&input.latitude, &input.longitude),
            )
            .map(Some),
    };
    let sector_code = input.sector.trim();
    let sector = if sector_code.is_empty() {
        e.push("sector", "required");
        None
    } else if ctx.sectors.iter().any(|s| s == sector_code) {
        Some(sector_code.to_string())
    } else {
        e.push("sector", "sector_unknown");
        None
    };
    let kbli = if input.kbli_code.trim().is_empty() {
        Some(None)
    } else {
        // KBLI 2025 (Peraturan BPS 7/2025) replaces KBLI 2020; the version is stored with the code.
        let version = if input.kbli_version.trim().is_empty() {
            Some(KbliVersion::V2020)
        } else {
            e.check(
                "kbli_version",
                KbliVersion::parse(input.kbli_version.trim()),
            )
        };
        version.and_then(|v| {
            e.check("kbli_code", parse_kbli(&input.kbli_code, v))
                .map(Some)
        })
    };
    let this_year = ctx.today.year();
    let year_started = e.check(
        "year_started",
        optional(&input.year_started, |s| match s.trim().parse::<i32>() {
            Ok(y) if (1900..=this_year).contains(&y) => Ok(y),
            Ok(_) => Err(Invalid("year_out_of_range")),
            Err(_) => Err(Invalid("number_invalid")),
        }),
    );
    let modal = e.check("modal", optional(&input.modal, parse_rupiah));
    let annual_sales = e.check("annual_sales", optional(&input.annual_sales, parse_rupiah));
    let employees_male = e.check(
        "employees_male",
        optional(&input.employees_male, parse_count),
    );
    let employees_female = e.check(
        "employees_female",
        optional(&input.employees_female, parse_count),
    );

    let mut documents = Vec::new();
    for doc in &input.documents {
        let blank = doc.number.trim().is_empty()
            && doc.issued_on.trim().is_empty()
            && doc.expires_on.trim().is_empty();
        if blank {
            continue;
        }
        if let Some(d) = validate_document(doc, ctx.today, &mut e) {
            if documents.iter().any(|x: &LegalDocument| x.kind == d.kind) {
                e.push(
                    format!("documents.{}.number", d.kind.as_str()),
                    "document_duplicate",
                );
            } else {
                documents.push(d);
            }
        }
    }
    documents.sort_by_key(|d| d.kind);

    let mut links = Vec::new();
    for (kind, url) in &input.links {
        if url.trim().is_empty() {
            continue;
        }
        let field = format!("links.{}", kind.trim());
        match LinkKind::parse(kind.trim()) {
            None => e.push(field, "link_kind_unknown"),
            Some(k) => {
                if let Some(url) = e.check(&field, parse_link(k, url)) {
                    links.push(Link { kind: k, url });
                }
            }
        }
    }
    links.sort_by_key(|l| l.kind);
    links.dedup_by_key(|l| l.kind);

    if !e.is_empty() {
        return Err(e);
    }
    // Every `check` above returned Some when no error was recorded.
    let (Some(name), Some(brand), Some(owner_name), Some(nik), Some(phone), Some(address)) =
        (name, brand, owner_name, nik, phone, address)
    else {
        return Err(e);
    };
    let (Some(village_code), Some(coordinates), Some(sector), Some(kbli)) =
        (village_code, coordinates, sector, kbli)
    else {
        return Err(e);
    };
    let (
        Some(year_started),
        Some(modal),
        Some(annual_sales),
        Some(employees_male),
        Some(employees_female),
    ) = (
        year_started,
        modal,
        annual_sales,
        employees_male,
        employees_female,
    )
    else {
        return Err(e);
    };
    Ok(UmkmData {
        owner_sex: nik.sex(),
        owner_birth_date: nik.birth_date(ctx.today),
        size: classify(modal, annual_sales),
        name,
        brand,
        owner_name,
        nik,
        phone,
        address,
        village_code,
        coordinates,
        sector,
        kbli,
        year_started,
        modal,
        annual_sales,
        employees_male,
        employees_female,
        documents,
        links,
    })
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 24).unwrap();
        for s in [
            "2025-09-24",
            "24/09/2025",
            "24-09-2025",
            "24.09.2025",
            "24 September 2025",
            "24 september 2025",
            "24 Sep 2025",
            "24-Sep-2025",
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        assert_eq!(
            parse_date("17 Agustus 1945"),
            Ok(NaiveDate::from_ymd_opt(1945, 8, 17).unwrap())
        );
        assert_eq!(parse_date("31 Februari 2025"), Err(Invalid("date_invalid")));
        assert_eq!(parse_date("kemarin"), Err(Invalid("date_invalid")));
    }

    #[test]
    fn document_dates_that_cannot_be_real_are_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let issued = |s: &str| document_date(s, today, true);
        let expires = |s: &str| document_date(s, today, false);
        assert_eq!(issued("9999-12-31"), Err(Invalid("date_in_future")));
        assert_eq!(issued("2026-03-12"), Err(Invalid("date_in_future")));
        assert_eq!(
            issued("2026-03-11").map(|d| d.day()),
            Ok(11),
            "a day of tolerance"
        );
        assert!(issued("2026-03-10").is_ok());
        assert_eq!(issued("1944-12-31"), Err(Invalid("date_too_early")));
        assert!(issued("1945-08-17").is_ok());
        assert_eq!(expires("9999-12-31"), Err(Invalid("date_too_far")));
        assert_eq!(expires("2126-03-11"), Err(Invalid("date_too_far")));
        assert!(expires("2126-03-10").is_ok());
        assert!(expires("2031-03-10").is_ok(), "an expiry is in the future");
        assert_eq!(expires("0001-01-01"), Err(Invalid("date_too_early")));
        assert_eq!(issued("31/02/2025"), Err(Invalid("date_invalid")));
    }

    #[test]
    fn invisible_direction_and_zero_width_characters_are_dropped() {
        let typed =
            "\u{FEFF}Usaha\u{202E}gnp.exe\u{200B} Bu\u{2066}\u{2069} Sri\u{200D}\u{061C}\u{200E}";
        assert_eq!(
            clean_text(typed, 50),
            Ok(Some("Usahagnp.exe Bu Sri".to_string()))
        );
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}',
            '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            assert_eq!(
                clean_text(&format!("A{c}B"), 10),
                Ok(Some("AB".into())),
                "{c:?}"
            );
        }
        // Only invisible characters: nothing was typed.
        assert_eq!(clean_text("\u{200B}\u{202E}", 10), Ok(None));
        assert_eq!(
            clean_text("Kopi Mantap ☕", 50),
            Ok(Some("Kopi Mantap ☕".into()))
        );
    }
}

#[cfg(test)]
mod pirt_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn pirt(number: &str, issued: &str, expires: &str) -> (Option<LegalDocument>, FieldErrors) {
        let mut errors = FieldErrors::new();
        let input = LegalDocumentInput {
            kind: "pirt".into(),
            number: number.into(),
            issued_on: issued.into(),
            expires_on: expires.into(),
        };
        let doc = validate_document(&input, day(2026, 12, 5), &mut errors);
        (doc, errors)
    }

    #[test]
    fn the_expiry_comes_from_the_number_when_no_date_is_typed() {
        // Issued 1 Feb 2024, the number ends in 29: valid until 1 Feb 2029.
        let (doc, errors) = pirt("2063674010123-29", "2024-02-01", "");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(doc.unwrap().expires_on, Some(day(2029, 2, 1)));
        // No issue date: the end of the year the number names.
        let (doc, _) = pirt("2063674010123-27", "", "");
        assert_eq!(doc.unwrap().expires_on, Some(day(2027, 12, 31)));
        // An old permit read the same way: 2019, not 2119.
        let (doc, _) = pirt("2063674010123-19", "", "");
        assert_eq!(doc.unwrap().expires_on, Some(day(2019, 12, 31)));
    }

    #[test]
    fn a_validity_over_five_years_is_refused() {
        let (_, errors) = pirt("2063674010123-31", "2024-02-01", "2031-02-01");
        assert_eq!(errors.0[0].code, "pirt_validity_too_long");
        assert_eq!(errors.0[0].field, "documents.pirt.expires_on");
        // The number's year is seven years after issue.
        let (_, errors) = pirt("2063674010123-31", "2024-02-01", "");
        assert_eq!(errors.0[0].code, "pirt_validity_too_long");
        // Five years is allowed.
        let (_, errors) = pirt("2063674010123-29", "2024-02-01", "2029-02-01");
        assert!(errors.is_empty(), "{errors:?}");
    }
}
