//! An activity as planners enter it: a training, coaching, clinic, curation, exhibition, visit
//! or FGD, for a region at some level, at a venue or online, at local time (WIB, WITA or WIT),
//! for UMKM of some sectors, with its funding and status.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Invalid};
use crate::money::parse_rupiah;
use crate::region::{RegionCode, RegionTree};
use crate::size::SizeClass;
use crate::umkm::LegalKind;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s.trim())
            }
        }
    };
}

code_enum!(
    /// What kind of activity.
    ActivityKind {
        Training = "pelatihan",
        Bimtek = "bimtek",
        Coaching = "pendampingan",
        Clinic = "klinik",
        Curation = "kurasi",
        Exhibition = "pameran",
        Visit = "kunjungan",
        Fgd = "fgd",
    }
);

code_enum!(
    /// Who runs it.
    Organiser {
        Dinas = "dinas",
        Dekranasda = "dekranasda",
        Kecamatan = "kecamatan",
        Kelurahan = "kelurahan",
        Ministry = "kementerian",
        Partner = "mitra",
    }
);

code_enum!(
    /// Where it stands. Cancelling needs a reason.
    ActivityStatus {
        Draft = "draft",
        Planned = "planned",
        Confirmed = "confirmed",
        Done = "done",
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// How a planned activity repeats: each session is an activity of its own (moved,
    /// cancelled and attended on its own), tied to the others by a series.
    Repeat {
        Once = "sekali",
        Weekly = "mingguan",
        Fortnightly = "dua_mingguan",
        Monthly = "bulanan",
    }
);

code_enum!(
    /// Indonesia's three time zones.
    Zone {
        Wib = "WIB",
        Wita = "WITA",
        Wit = "WIT",
    }
);

impl Zone {
    pub fn offset_hours(self) -> i64 {
        match self {
            Zone::Wib => 7,
            Zone::Wita => 8,
            Zone::Wit => 9,
        }
    }

    /// The calendar day in this zone at `unix` seconds: what "today" is for a document's
    /// expiry or a report's date where the people are, not in UTC (07:00 WIB is midnight UTC).
    pub fn date_at(self, unix: i64) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp(unix + self.offset_hours() * 3600, 0)
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }

    /// The zone of a region, from its province (UU 9/1987 and Keppres 41/1987 on the three
    /// zones): WITA for Bali, Nusa Tenggara, South, East and North Kalimantan and Sulawesi; WIT
    /// for Maluku and Papua; WIB elsewhere.
    pub fn of_region(code: &str) -> Zone {
        match code.get(..2).and_then(|p| p.parse::<u32>().ok()) {
            Some(51..=53 | 63..=65 | 71..=76) => Zone::Wita,
            Some(81..=82 | 91..=99) => Zone::Wit,
            _ => Zone::Wib,
        }
    }
}

/// Topics a deployment starts with (managed tags; admins add more).
pub const DEFAULT_TOPICS: &[(&str, &str, &str)] = &[
    (
        "pemasaran_digital",
        "Pemasaran digital",
        "Digital marketing",
    ),
    ("pengemasan", "Pengemasan", "Packaging"),
    (
        "legalitas",
        "Legalitas usaha (NIB, P-IRT)",
        "Business permits (NIB, P-IRT)",
    ),
    ("halal", "Sertifikasi halal", "Halal certification"),
    ("pembukuan", "Pembukuan", "Bookkeeping"),
    (
        "fotografi_produk",
        "Fotografi produk",
        "Product photography",
    ),
    ("ekspor", "Ekspor", "Export"),
    ("akses_pembiayaan", "Akses pembiayaan", "Access to finance"),
    ("kualitas_produk", "Mutu produk", "Product quality"),
    ("kemitraan", "Kemitraan", "Partnerships"),
];

/// A topic as an admin names it, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicNames {
    pub name_id: String,
    pub name_en: String,
}

pub const MAX_TOPIC_NAME: usize = 80;

/// Checks a topic's names: both given (the English one defaults to the Indonesian), short.
pub fn validate_topic(name_id: &str, name_en: &str) -> Result<TopicNames, FieldErrors> {
    let mut e = FieldErrors::new();
    let id = e.check(
        "name_id",
        text(name_id, MAX_TOPIC_NAME).and_then(|t| t.ok_or(Invalid("required"))),
    );
    let en = e.check("name_en", text(name_en, MAX_TOPIC_NAME));
    e.clone().into_result()?;
    match (id, en) {
        (Some(name_id), Some(en)) => Ok(TopicNames {
            name_en: en.unwrap_or_else(|| name_id.clone()),
            name_id,
        }),
        _ => Err(e),
    }
}

/// A topic's code from its Indonesian name: `Pemasaran Digital` → `pemasaran_digital`.
pub fn topic_code(name: &str) -> String {
    let mut code = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    let code = code.trim_end_matches('_');
    if code.is_empty() {
        "topik".to_string()
    } else {
        code.chars().take(40).collect()
    }
}

pub const MAX_TITLE: usize = 200;
/// Longest activity: a month (a long exhibition); longer ones are several activities.
pub const MAX_DAYS: i64 = 31;
pub const MAX_CAPACITY: u32 = 5000;
/// Most sessions a repeating activity is planned with at once (a year of monthly sessions,
/// half a year of weekly ones).
pub const MAX_SESSIONS: u32 = 26;

/// An activity as typed into the form (every field as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ActivityInput {
    pub kind: String,
    pub title: String,
    pub topics: Vec<String>,
    pub organiser: String,
    pub region: String,
    pub venue: String,
    pub online_link: String,
    /// `2026-03-10` (or `10/03/2026`).
    pub start_date: String,
    /// `09:00`.
    pub start_time: String,
    /// Empty: the start's day.
    pub end_date: String,
    pub end_time: String,
    /// `WIB`, `WITA`, `WIT`; empty: the region's own.
    pub zone: String,
    pub capacity: String,
    pub sectors: Vec<String>,
    /// Target size classes (`mikro`, `kecil`, …); none: every size.
    pub sizes: Vec<String>,
    /// Documents the target UMKM lack (`nib`, `halal`, …): a legality clinic's audience.
    pub gaps: Vec<String>,
    /// Regions the audience comes from, inside the activity's region; none: all of it.
    pub target_regions: Vec<String>,
    /// `1`: only UMKM no programme has reached yet.
    pub first_timers: String,
    pub funding: String,
    pub budget: String,
    pub status: String,
    pub status_reason: String,
    /// `sekali`, `mingguan`, `dua_mingguan`, `bulanan` (new activities only).
    pub repeat: String,
    /// How many sessions when it repeats (2 to [`MAX_SESSIONS`]).
    pub sessions: String,
}

/// A checked activity. Times are instants (Unix seconds); the zone says how to show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityData {
    pub kind: ActivityKind,
    pub title: String,
    pub topics: Vec<String>,
    pub organiser: Organiser,
    pub region: RegionCode,
    pub venue: Option<String>,
    pub online_link: Option<String>,
    pub start: i64,
    pub end: i64,
    pub zone: Zone,
    pub capacity: u32,
    pub sectors: Vec<String>,
    pub sizes: Vec<String>,
    pub gaps: Vec<String>,
    pub target_regions: Vec<RegionCode>,
    pub first_timers: bool,
    pub funding: Option<String>,
    pub budget: Option<i64>,
    pub status: ActivityStatus,
    pub status_reason: Option<String>,
}

/// What an activity is checked against.
pub struct ActivityContext<'a> {
    pub tree: &'a RegionTree,
    /// Topic codes in force.
    pub topics: &'a [String],
    /// Sector codes of the registry.
    pub sectors: &'a [String],
}

fn parse_date(s: &str) -> Result<NaiveDate, Invalid> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .map_err(|_| Invalid("date_invalid"))
}

fn parse_time(s: &str) -> Result<NaiveTime, Invalid> {
    let s = s.trim().replace('.', ":");
    NaiveTime::parse_from_str(&s, "%H:%M").map_err(|_| Invalid("time_invalid"))
}

fn text(s: &str, max: usize) -> Result<Option<String>, Invalid> {
    // Invisible direction and zero-width characters dropped, as for every name (clean_text).
    let s = crate::umkm::strip_invisible(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() > max {
        Err(Invalid("text_too_long"))
    } else {
        Ok(Some(s).filter(|s| !s.is_empty()))
    }
}

/// A list of codes as chosen: trimmed, sorted, each once.
fn codes(input: &[String]) -> Vec<String> {
    let mut out: Vec<String> = input
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How a new activity repeats: [`Repeat::Once`], or a repeat and its number of sessions.
pub fn validate_repeat(
    input: &ActivityInput,
    first: &ActivityData,
) -> Result<(Repeat, u32), FieldErrors> {
    let mut e = FieldErrors::new();
    let repeat = if input.repeat.trim().is_empty() {
        Some(Repeat::Once)
    } else {
        e.check(
            "repeat",
            Repeat::parse(&input.repeat).ok_or(Invalid("choice_invalid")),
        )
    };
    let Some(repeat) = repeat else {
        return Err(e);
    };
    if repeat == Repeat::Once {
        return Ok((repeat, 1));
    }
    let count = e.check(
        "sessions",
        input
            .sessions
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (2..=MAX_SESSIONS).contains(n))
            .ok_or(Invalid("sessions_invalid")),
    );
    // A session must end before the next begins: a nine-day exhibition cannot repeat weekly.
    let gap_days = match repeat {
        Repeat::Weekly => 7,
        Repeat::Fortnightly => 14,
        Repeat::Monthly => 28,
        Repeat::Once => i64::MAX / 86_400,
    };
    if first.end - first.start >= gap_days * 86_400 {
        e.push("repeat", "repeat_overlaps");
    }
    e.clone().into_result()?;
    Ok((repeat, count.unwrap_or(2)))
}

/// The sessions of a repeating activity, the first as given; later ones at the same local time
/// a week, two weeks or a month on (the 31st falls on a shorter month's last day).
pub fn sessions(first: &ActivityData, repeat: Repeat, count: u32) -> Vec<ActivityData> {
    let (start, end) = (local(first.start, first.zone), local(first.end, first.zone));
    let count = if repeat == Repeat::Once {
        1
    } else {
        count.max(1)
    };
    (0..count)
        .filter_map(|n| {
            let shift = |t: NaiveDateTime| match repeat {
                Repeat::Once => Some(t),
                Repeat::Weekly => t.checked_add_signed(chrono::Duration::weeks(i64::from(n))),
                Repeat::Fortnightly => {
                    t.checked_add_signed(chrono::Duration::weeks(2 * i64::from(n)))
                }
                Repeat::Monthly => t.checked_add_months(chrono::Months::new(n)),
            };
            let (s, e) = (shift(start)?, shift(end)?);
            let mut d = first.clone();
            d.start = instant(s, first.zone);
            d.end = instant(e, first.zone);
            Some(d)
        })
        .collect()
}

/// Local date and time in `zone` as an instant.
pub fn instant(at: NaiveDateTime, zone: Zone) -> i64 {
    at.and_utc().timestamp() - zone.offset_hours() * 3600
}

/// Midnight of 1 January of `year` in `zone`, as an instant (a year's reach is counted from it).
pub fn year_start(year: i32, zone: Zone) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |d| instant(d, zone))
}

/// An instant as local date and time in `zone`.
pub fn local(at: i64, zone: Zone) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(at + zone.offset_hours() * 3600, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}

pub fn validate_activity(
    input: &ActivityInput,
    ctx: &ActivityContext<'_>,
) -> Result<ActivityData, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = e.check(
        "kind",
        ActivityKind::parse(&input.kind).ok_or(Invalid("choice_invalid")),
    );
    let title = e.check(
        "title",
        text(&input.title, MAX_TITLE).and_then(|t| t.ok_or(Invalid("required"))),
    );
    let mut topics: Vec<String> = input
        .topics
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    topics.dedup();
    if topics.is_empty() {
        e.push("topics", "required");
    } else if topics.iter().any(|t| !ctx.topics.contains(t)) {
        e.push("topics", "choice_invalid");
    }
    let organiser = e.check(
        "organiser",
        Organiser::parse(&input.organiser).ok_or(Invalid("choice_invalid")),
    );
    let region = e.check(
        "region",
        RegionCode::parse(&input.region).and_then(|c| {
            ctx.tree
                .get(&c)
                .map(|_| c.clone())
                .ok_or(Invalid("region_unknown"))
        }),
    );
    let venue = e.check("venue", text(&input.venue, 200));
    let online_link = e.check("online_link", {
        let s = input.online_link.trim();
        if s.is_empty() {
            Ok(None)
        } else if (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() <= 500
            && !s.contains(char::is_whitespace)
        {
            Ok(Some(s.to_string()))
        } else {
            Err(Invalid("url_invalid"))
        }
    });
    if matches!((&venue, &online_link), (Some(None), Some(None))) {
        e.push("venue", "venue_or_link_required");
    }
    let zone = e.check(
        "zone",
        if input.zone.trim().is_empty() {
            Ok(Zone::of_region(input.region.trim()))
        } else {
            Zone::parse(&input.zone.to_uppercase()).ok_or(Invalid("choice_invalid"))
        },
    );
    let start_date = e.check("start_date", parse_date(&input.start_date));
    let start_time = e.check("start_time", parse_time(&input.start_time));
    let end_date = if input.end_date.trim().is_empty() {
        start_date.map(Ok)
    } else {
        Some(parse_date(&input.end_date))
    };
    let end_date = end_date.and_then(|d| e.check("end_date", d));
    let end_time = e.check("end_time", parse_time(&input.end_time));
    let (mut start, mut end) = (None, None);
    if let (Some(z), Some(sd), Some(st), Some(ed), Some(et)) =
        (zone, start_date, start_time, end_date, end_time)
    {
        let (s, t) = (instant(sd.and_time(st), z), instant(ed.and_time(et), z));
        if t <= s {
            e.push("end_time", "end_before_start");
        } else if t - s > MAX_DAYS * 86_400 {
            e.push("end_date", "activity_too_long");
        } else {
            (start, end) = (Some(s), Some(t));
        }
    }
    let capacity = e.check("capacity", {
        let s = input.capacity.trim();
        if s.is_empty() {
            Ok(30)
        } else {
            s.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_CAPACITY).contains(n))
                .ok_or(Invalid("number_invalid"))
        }
    });
    let sectors = codes(&input.sectors);
    if sectors.iter().any(|s| !ctx.sectors.contains(s)) {
        e.push("sectors", "choice_invalid");
    }
    let sizes = codes(&input.sizes);
    if sizes.iter().any(|s| SizeClass::parse(s).is_none()) {
        e.push("sizes", "choice_invalid");
    }
    let gaps = codes(&input.gaps);
    if gaps.iter().any(|g| LegalKind::parse(g).is_none()) {
        e.push("gaps", "choice_invalid");
    }
    let mut target_regions = Vec::new();
    for code in codes(&input.target_regions) {
        match RegionCode::parse(&code) {
            Ok(c) if ctx.tree.get(&c).is_some() => {
                // The audience is within the activity's region (a city training for two
                // kecamatan), never outside it.
                if region.as_ref().is_some_and(|r| !c.is_within(r)) {
                    e.push("target_regions", "target_region_outside");
                }
                target_regions.push(c);
            }
            _ => e.push("target_regions", "region_unknown"),
        }
    }
    let first_timers = matches!(input.first_timers.trim(), "1" | "on" | "true" | "ya");
    let funding = e.check("funding", text(&input.funding, 200));
    let budget = e.check("budget", {
        let s = input.budget.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            parse_rupiah(s).map(Some)
        }
    });
    let status = e.check(
        "status",
        if input.status.trim().is_empty() {
            Ok(ActivityStatus::Planned)
        } else {
            ActivityStatus::parse(&input.status).ok_or(Invalid("choice_invalid"))
        },
    );
    let status_reason = e.check("status_reason", text(&input.status_reason, 500));
    if status == Some(ActivityStatus::Cancelled) && status_reason == Some(None) {
        e.push("status_reason", "cancel_reason_required");
    }
    e.clone().into_result()?;
    match (
        kind,
        title,
        organiser,
        region,
        venue,
        online_link,
        zone,
        start,
        end,
    ) {
        (
            Some(kind),
            Some(title),
            Some(organiser),
            Some(region),
            Some(venue),
            Some(online_link),
            Some(zone),
            Some(start),
            Some(end),
        ) => Ok(ActivityData {
            kind,
            title,
            topics,
            organiser,
            region,
            venue,
            online_link,
            start,
            end,
            zone,
            capacity: capacity.unwrap_or(30),
            sectors,
            sizes,
            gaps,
            target_regions,
            first_timers,
            funding: funding.flatten(),
            budget: budget.flatten(),
            status: status.unwrap_or(ActivityStatus::Planned),
            status_reason: status_reason.flatten(),
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_local_day_of_the_zone() {
        // 2025-12-05 18:30 UTC: still the 5th in UTC, already the 6th in WIB (01:30).
        let t = 1_764_959_400;
        let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 12, d).unwrap();
        assert_eq!(
            chrono::DateTime::from_timestamp(t, 0).unwrap().date_naive(),
            day(5)
        );
        assert_eq!(Zone::Wib.date_at(t), day(6));
        assert_eq!(Zone::Wit.date_at(t), day(6));
        // 16:59 UTC is 23:59 WIB: the same day.
        assert_eq!(Zone::Wib.date_at(1_764_954_000 - 60), day(5));
    }

    fn ctx_parts() -> (Vec<String>, Vec<String>) {
        (
            DEFAULT_TOPICS.iter().map(|t| t.0.to_string()).collect(),
            vec!["kuliner".into(), "kriya".into()],
        )
    }

    fn clinic() -> ActivityInput {
        ActivityInput {
            kind: "klinik".into(),
            title: "Klinik Kemasan  Pondok Aren".into(),
            topics: vec!["pengemasan".into()],
            organiser: "kecamatan".into(),
            region: "36.74.03".into(),
            venue: "Aula Kecamatan Pondok Aren".into(),
            start_date: "10/03/2026".into(),
            start_time: "09.00".into(),
            end_time: "12:00".into(),
            sectors: vec!["kuliner".into()],
            budget: "Rp 2,5 jt".into(),
            ..ActivityInput::default()
        }
    }

    #[test]
    fn a_clinic_as_typed_is_read_in_its_zone() {
        let (topics, sectors) = ctx_parts();
        let ctx = ActivityContext {
            tree: RegionTree::embedded(),
            topics: &topics,
            sectors: &sectors,
        };
        let Ok(a) = validate_activity(&clinic(), &ctx) else {
            panic!("valid");
        };
        assert_eq!(a.title, "Klinik Kemasan Pondok Aren");
        assert_eq!(a.zone, Zone::Wib);
        // 09:00 WIB is 02:00 UTC.
        assert_eq!(a.start, 1_773_108_000);
        assert_eq!(a.end - a.start, 3 * 3600);
        assert_eq!(a.budget, Some(2_500_000));
        assert_eq!(a.status, ActivityStatus::Planned);
        // Kupang is in WITA: the same local hour is an hour earlier.
        let mut kupang = clinic();
        kupang.region = "53.71".into();
        let Ok(k) = validate_activity(&kupang, &ctx) else {
            panic!("valid");
        };
        assert_eq!((k.zone, a.start - k.start), (Zone::Wita, 3600));
    }

    #[test]
    fn bad_input_names_every_field() {
        let (topics, sectors) = ctx_parts();
        let ctx = ActivityContext {
            tree: RegionTree::embedded(),
            topics: &topics,
            sectors: &sectors,
        };
        let mut bad = clinic();
        bad.kind = "rapat".into();
        bad.topics = vec![];
        bad.region = "99.99.99".into();
        bad.venue = String::new();
        bad.end_time = "08:00".into();
        bad.status = "cancelled".into();
        let Err(e) = validate_activity(&bad, &ctx) else {
            panic!("invalid");
        };
        let got: Vec<(&str, &str)> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        for want in [
            ("kind", "choice_invalid"),
            ("topics", "required"),
            ("region", "region_unknown"),
            ("venue", "venue_or_link_required"),
            ("end_time", "end_before_start"),
            ("status_reason", "cancel_reason_required"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
    }

    fn ctx_run<T>(f: impl FnOnce(&ActivityContext<'_>) -> T) -> T {
        let (topics, sectors) = ctx_parts();
        f(&ActivityContext {
            tree: RegionTree::embedded(),
            topics: &topics,
            sectors: &sectors,
        })
    }

    #[test]
    fn target_criteria_are_read_and_kept_inside_the_region() {
        let mut input = clinic();
        input.sizes = vec!["mikro".into(), " kecil".into(), "mikro".into()];
        input.gaps = vec!["halal".into(), "nib".into()];
        input.target_regions = vec!["36.74.03.1001".into()];
        input.first_timers = "1".into();
        let Ok(a) = ctx_run(|c| validate_activity(&input, c)) else {
            panic!("valid");
        };
        assert_eq!(a.sizes, ["kecil", "mikro"]);
        assert_eq!(a.gaps, ["halal", "nib"]);
        assert_eq!(a.target_regions[0].as_str(), "36.74.03.1001");
        assert!(a.first_timers);
        // Serpong's kelurahan is not Pondok Aren's audience; "raksasa" is no size.
        input.target_regions = vec!["36.74.01.1001".into()];
        input.sizes = vec!["raksasa".into()];
        input.gaps = vec!["sim".into()];
        let Err(e) = ctx_run(|c| validate_activity(&input, c)) else {
            panic!("invalid");
        };
        let got: Vec<(&str, &str)> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            got,
            [
                ("sizes", "choice_invalid"),
                ("gaps", "choice_invalid"),
                ("target_regions", "target_region_outside")
            ]
        );
    }

    #[test]
    fn a_repeating_activity_is_its_sessions_at_the_same_local_time() {
        let mut input = clinic();
        input.start_date = "2026-01-31".into();
        input.repeat = "bulanan".into();
        input.sessions = "3".into();
        let Ok(first) = ctx_run(|c| validate_activity(&input, c)) else {
            panic!("valid");
        };
        let Ok((repeat, n)) = validate_repeat(&input, &first) else {
            panic!("valid repeat");
        };
        let all = sessions(&first, repeat, n);
        let days: Vec<String> = all
            .iter()
            .map(|d| local(d.start, d.zone).format("%Y-%m-%d %H:%M").to_string())
            .collect();
        // The 31st falls on February's last day.
        assert_eq!(
            days,
            ["2026-01-31 09:00", "2026-02-28 09:00", "2026-03-31 09:00"]
        );
        assert!(all.iter().all(|d| d.end - d.start == 3 * 3600));
        input.repeat = "mingguan".into();
        let Ok((r, n)) = validate_repeat(&input, &first) else {
            panic!("valid repeat");
        };
        let weekly = sessions(&first, r, n);
        assert_eq!(weekly[2].start - weekly[0].start, 14 * 86_400);
        // Too many sessions, a length that runs into the next session, an unknown repeat.
        input.sessions = "40".into();
        let Err(e) = validate_repeat(&input, &first) else {
            panic!("invalid");
        };
        assert_eq!(e.iter().next().map(|f| f.code), Some("sessions_invalid"));
        let mut long = first.clone();
        long.end = long.start + 8 * 86_400;
        input.sessions = "4".into();
        let Err(e) = validate_repeat(&input, &long) else {
            panic!("invalid");
        };
        assert_eq!(e.iter().next().map(|f| f.code), Some("repeat_overlaps"));
        input.repeat = "harian".into();
        assert!(validate_repeat(&input, &first).is_err());
        input.repeat = String::new();
        assert_eq!(
            validate_repeat(&input, &first).ok(),
            Some((Repeat::Once, 1))
        );
    }

    #[test]
    fn topics_are_named_and_coded() {
        assert_eq!(
            topic_code("Pemasaran  Digital (lanjutan)"),
            "pemasaran_digital_lanjutan"
        );
        assert_eq!(topic_code("!!!"), "topik");
        let Ok(t) = validate_topic(" Kemasan  ramah lingkungan ", "") else {
            panic!("valid");
        };
        assert_eq!(t.name_id, "Kemasan ramah lingkungan");
        assert_eq!(t.name_en, "Kemasan ramah lingkungan");
        let Err(e) = validate_topic("", &"x".repeat(81)) else {
            panic!("invalid");
        };
        let got: Vec<(&str, &str)> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(got, [("name_id", "required"), ("name_en", "text_too_long")]);
    }
}
