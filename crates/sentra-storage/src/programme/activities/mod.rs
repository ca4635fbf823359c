//! Programme activities as stored: planned within the planner's scope, audited (entity
//! `activity`), with the conflicts a new or moved activity would have, found among the stored
//! ones that could clash with it (the same province, around the same weeks).

mod participants;
mod plan;
mod reach;
mod topics;

pub use participants::Participant;
pub use reach::{ProgrammeHistory, Reach, ReachOutcomes, ReachPeriod, Taken};

use sentra_domain::programme::activity::{
    ActivityData, ActivityKind, ActivityStatus, Organiser, Zone,
};
use sentra_domain::programme::conflicts::{self, Slot};
use sentra_domain::region::RegionCode;
use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StorageError};

/// A stored activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: String,
    pub data: ActivityData,
    /// The series of a repeating activity (its first session's id) and this session's number
    /// in it (1 for the first).
    pub series: Option<(String, u32)>,
    pub conflicts_note: Option<String>,
    pub created_by: String,
    pub updated_at: String,
    pub version: i64,
}

/// A managed topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    /// Offered for new activities; a retired topic stays on the activities that have it.
    pub active: bool,
}

/// A conflict of a proposed activity with a stored one (none for the budget year's end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityConflict {
    pub reason: conflicts::Reason,
    pub with: Option<ActivityRecord>,
}

/// The columns of an activity's data, in the order [`bind_data`] binds them.
const DATA_COLUMNS: [&str; 20] = [
    "kind",
    "title",
    "topics",
    "organiser",
    "region_code",
    "venue",
    "online_link",
    "starts_at",
    "ends_at",
    "zone",
    "capacity",
    "sectors",
    "funding",
    "budget_rupiah",
    "status",
    "status_reason",
    "size_classes",
    "legality_gaps",
    "target_regions",
    "first_timers",
];

/// Every column an [`ActivityRecord`] is read from.
fn columns() -> String {
    format!(
        "id, {}, conflicts_note, created_by, updated_at, version, series_id, series_no",
        DATA_COLUMNS.join(", ")
    )
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn corrupt(what: &str, value: &str) -> StorageError {
    StorageError::Corrupt(format!("activity {what} {value:?}"))
}

fn activity_from_row(r: &AnyRow) -> Result<ActivityRecord> {
    let text = |c: &str| -> Result<String> { Ok(r.try_get::<String, _>(c)?) };
    let kind = text("kind")?;
    let organiser = text("organiser")?;
    let region = text("region_code")?;
    let zone = text("zone")?;
    let status = text("status")?;
    Ok(ActivityRecord {
        id: text("id")?,
        data: ActivityData {
            kind: ActivityKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            title: text("title")?,
            topics: list(&text("topics")?),
            organiser: Organiser::parse(&organiser)
                .ok_or_else(|| corrupt("organiser", &organiser))?,
            region: RegionCode::parse(&region).map_err(|_| corrupt("region", &region))?,
            venue: r.try_get("venue")?,
            online_link: r.try_get("online_link")?,
            start: r.try_get("starts_at")?,
            end: r.try_get("ends_at")?,
            zone: Zone::parse(&zone).ok_or_else(|| corrupt("zone", &zone))?,
            capacity: u32::try_from(r.try_get::<i64, _>("capacity")?).unwrap_or(0),
            sectors: list(&text("sectors")?),
            sizes: list(&text("size_classes")?),
            gaps: list(&text("legality_gaps")?),
            target_regions: list(&text("target_regions")?)
                .iter()
                .map(|c| RegionCode::parse(c).map_err(|_| corrupt("target region", c)))
                .collect::<Result<_>>()?,
            first_timers: r.try_get::<i64, _>("first_timers")? != 0,
            funding: r.try_get("funding")?,
            budget: r.try_get("budget_rupiah")?,
            status: ActivityStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
            status_reason: r.try_get("status_reason")?,
        },
        series: match (
            r.try_get::<Option<String>, _>("series_id")?,
            r.try_get::<Option<i64>, _>("series_no")?,
        ) {
            (Some(id), Some(no)) => Some((id, u32::try_from(no).unwrap_or(0))),
            _ => None,
        },
        conflicts_note: r.try_get("conflicts_note")?,
        created_by: text("created_by")?,
        updated_at: text("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn changes(d: &ActivityData, note: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "kind": d.kind.as_str(),
        "title": d.title,
        "topics": d.topics,
        "organiser": d.organiser.as_str(),
        "region": d.region.as_str(),
        "venue": d.venue,
        "online_link": d.online_link,
        "start": d.start,
        "end": d.end,
        "zone": d.zone.as_str(),
        "capacity": d.capacity,
        "sectors": d.sectors,
        "sizes": d.sizes,
        "gaps": d.gaps,
        "target_regions": d.target_regions.iter().map(RegionCode::as_str).collect::<Vec<_>>(),
        "first_timers": d.first_timers,
        "funding": d.funding,
        "budget": d.budget,
        "status": d.status.as_str(),
        "status_reason": d.status_reason,
        "conflicts_note": note,
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the activity's fields in the order of [`DATA_COLUMNS`].
fn bind_data<'q>(q: AnyQuery<'q>, data: &'q ActivityData) -> AnyQuery<'q> {
    q.bind(data.kind.as_str())
        .bind(&data.title)
        .bind(data.topics.join(","))
        .bind(data.organiser.as_str())
        .bind(data.region.as_str())
        .bind(&data.venue)
        .bind(&data.online_link)
        .bind(data.start)
        .bind(data.end)
        .bind(data.zone.as_str())
        .bind(i64::from(data.capacity))
        .bind(data.sectors.join(","))
        .bind(&data.funding)
        .bind(data.budget)
        .bind(data.status.as_str())
        .bind(&data.status_reason)
        .bind(data.sizes.join(","))
        .bind(data.gaps.join(","))
        .bind(
            data.target_regions
                .iter()
                .map(RegionCode::as_str)
                .collect::<Vec<_>>()
                .join(","),
        )
        .bind(i64::from(data.first_timers))
}

const TOPIC_WINDOW_DAYS: &str = "programme.topic_window_days";
const YEAR_END_WEEKS: &str = "programme.year_end_weeks";

/// A venue as written, for comparing: lower case, single spaces.
fn venue_key(v: &str) -> String {
    v.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Activities (with their series, if any) as conflict detection sees them: topics and sectors
/// by their place in the managed lists, venues by their written name (case and spacing aside).
/// No participants yet.
pub fn slots_of(
    items: &[(&ActivityData, Option<&str>)],
    topics: &[Topic],
    sectors: &[crate::Sector],
) -> Vec<Slot> {
    let mut venues: HashMap<String, u32> = HashMap::new();
    let mut series: HashMap<&str, u32> = HashMap::new();
    items
        .iter()
        .map(|&(d, in_series)| Slot {
            region: d.region.as_str().to_string(),
            start: d.start,
            end: d.end,
            topics: d
                .topics
                .iter()
                .map(|t| {
                    topics
                        .iter()
                        .position(|x| &x.code == t)
                        .map_or(u16::MAX, |p| u16::try_from(p).unwrap_or(u16::MAX))
                })
                .collect(),
            sectors: d.sectors.iter().fold(0u32, |m, c| {
                match sectors.iter().position(|s| &s.code == c) {
                    Some(p) if p < 32 => m | 1 << p,
                    _ => m,
                }
            }),
            venue: d.venue.as_deref().map(|v| {
                let next = venues.len() as u32;
                *venues.entry(venue_key(v)).or_insert(next)
            }),
            participants: Vec::new(),
            series: in_series.map(|s| {
                let next = series.len() as u32;
                *series.entry(s).or_insert(next)
            }),
        })
        .collect()
}
