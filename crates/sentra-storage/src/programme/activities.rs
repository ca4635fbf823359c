//! Programme activities as stored: planned within the planner's scope, audited (entity
//! `activity`), with the conflicts a new or moved activity would have, found among the stored
//! ones that could clash with it (the same province, around the same weeks).

use sentra_domain::programme::activity::{
    ActivityData, ActivityKind, ActivityStatus, DEFAULT_TOPICS, Organiser, TopicNames, Zone,
    topic_code,
};
use sentra_domain::programme::conflicts::{self, Conflict, Rules, Slot};
use sentra_domain::programme::outcomes::{Change, Outcome, outcomes_after};
use sentra_domain::programme::participants::{Candidate, ParticipantState, rank};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::LegalKind;
use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

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

impl Database {
    /// Adds the starting topics when there are none (a new deployment).
    pub(crate) async fn seed_activity_topics(&self) -> Result<()> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM activity_topics")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if n > 0 {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (i, (code, id, en)) in DEFAULT_TOPICS.iter().enumerate() {
            sqlx::query(
                "INSERT INTO activity_topics (code, name_id, name_en, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(*code)
            .bind(*id)
            .bind(*en)
            .bind(i64::try_from(i).unwrap_or(0) * 10)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The coordinators' harmonisation settings (defaults until an admin sets them).
    pub async fn programme_rules(&self) -> Result<Rules> {
        let mut rules = Rules::default();
        let number = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok());
        if let Some(days) = number(self.setting(TOPIC_WINDOW_DAYS).await?) {
            rules.topic_window = days * conflicts::DAY;
        }
        if let Some(weeks) = number(self.setting(YEAR_END_WEEKS).await?) {
            rules.year_end_weeks = weeks;
        }
        Ok(rules)
    }

    /// Sets the harmonisation settings; audited (entity `programme_settings`).
    pub async fn set_programme_rules(&self, rules: &Rules, actor: &Actor) -> Result<()> {
        let before = self.programme_rules().await?;
        let days = rules.topic_window / conflicts::DAY;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        for (key, value) in [
            (TOPIC_WINDOW_DAYS, days),
            (YEAR_END_WEEKS, rules.year_end_weeks),
        ] {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({
            "topic_window_days": [before.topic_window / conflicts::DAY, days],
            "year_end_weeks": [before.year_end_weeks, rules.year_end_weeks],
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "programme_settings",
            None,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every topic, the active ones first, in their order.
    pub async fn activity_topics(&self) -> Result<Vec<Topic>> {
        let rows = sqlx::query(
            "SELECT code, name_id, name_en, active FROM activity_topics \
             ORDER BY active DESC, position, code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Topic {
                    code: r.try_get("code")?,
                    name_id: r.try_get("name_id")?,
                    name_en: r.try_get("name_en")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect()
    }

    /// The codes of the topics offered for new activities.
    pub async fn active_topic_codes(&self) -> Result<Vec<String>> {
        Ok(self
            .activity_topics()
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| t.code)
            .collect())
    }

    /// Adds a topic at the end of the list; its code comes from the Indonesian name (a number
    /// added when taken: codes are never reused). Audited (entity `activity_topic`).
    pub async fn create_activity_topic(&self, names: &TopicNames, actor: &Actor) -> Result<Topic> {
        let base = topic_code(&names.name_id);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken: Vec<String> = sqlx::query("SELECT code FROM activity_topics")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("code"))
            .collect::<std::result::Result<_, _>>()?;
        let code = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|c| !taken.contains(c))
            .unwrap_or(base);
        let position: i64 =
            sqlx::query("SELECT COALESCE(MAX(position), 0) + 10 AS p FROM activity_topics")
                .fetch_one(&mut *tx)
                .await?
                .try_get("p")?;
        sqlx::query(
            "INSERT INTO activity_topics (code, name_id, name_en, position) VALUES ($1, $2, $3, $4)",
        )
        .bind(&code)
        .bind(&names.name_id)
        .bind(&names.name_en)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "name_id": names.name_id, "name_en": names.name_en });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "activity_topic",
            Some(&code),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(Topic {
            code,
            name_id: names.name_id.clone(),
            name_en: names.name_en.clone(),
            active: true,
        })
    }

    /// Renames a topic, or retires or restores it; audited.
    pub async fn update_activity_topic(
        &self,
        code: &str,
        names: &TopicNames,
        active: bool,
        actor: &Actor,
    ) -> Result<()> {
        let before = self
            .activity_topics()
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or(StorageError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "UPDATE activity_topics SET name_id = $1, name_en = $2, active = $3 WHERE code = $4",
        )
        .bind(&names.name_id)
        .bind(&names.name_en)
        .bind(i64::from(active))
        .bind(code)
        .execute(&mut *tx)
        .await?;
        let mut diff = serde_json::Map::new();
        for (k, b, a) in [
            (
                "name_id",
                serde_json::json!(before.name_id),
                serde_json::json!(names.name_id),
            ),
            (
                "name_en",
                serde_json::json!(before.name_en),
                serde_json::json!(names.name_en),
            ),
            (
                "active",
                serde_json::json!(before.active),
                serde_json::json!(active),
            ),
        ] {
            if b != a {
                diff.insert(k.into(), serde_json::json!([b, a]));
            }
        }
        if !diff.is_empty() {
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "update",
                "activity_topic",
                Some(code),
                &serde_json::Value::Object(diff),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Plans an activity in the caller's scope; `note` records why conflicts were accepted.
    pub async fn create_activity(
        &self,
        scope: &Scope,
        data: &ActivityData,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<ActivityRecord> {
        self.create_activities(scope, std::slice::from_ref(data), note, actor)
            .await?
            .pop()
            .ok_or(StorageError::NotFound)
    }

    /// Plans the sessions of an activity at once (one transaction): more than one makes a
    /// series, named by the first session's id.
    pub async fn create_activities(
        &self,
        scope: &Scope,
        sessions: &[ActivityData],
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<Vec<ActivityRecord>> {
        if sessions.iter().any(|d| !scope.contains(&d.region)) {
            return Err(StorageError::NotFound);
        }
        let ids: Vec<String> = sessions
            .iter()
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let series = (sessions.len() > 1).then(|| ids[0].clone());
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        // $1 the id; the data, the note, creator and time; version 1; the series; created.
        let n = DATA_COLUMNS.len();
        let marks: Vec<String> = (2..=n + 4).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO activities ({}, created_at) VALUES ($1, {}, 1, ${}, ${}, ${})",
            columns(),
            marks.join(", "),
            n + 5,
            n + 6,
            n + 7
        );
        for (n, (id, data)) in ids.iter().zip(sessions).enumerate() {
            let insert = sqlx::query(&sql).bind(id);
            bind_data(insert, data)
                .bind(note)
                .bind(&actor.name)
                .bind(&now)
                .bind(&series)
                .bind(series.as_ref().map(|_| i64::try_from(n + 1).unwrap_or(0)))
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            let mut changes = changes(data, note);
            if let (Some(series), Some(map)) = (&series, changes.as_object_mut()) {
                map.insert("series".into(), serde_json::json!([series, n + 1]));
            }
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "create",
                "activity",
                Some(id),
                &changes,
            )
            .await?;
        }
        tx.commit().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(self.get_activity(scope, id).await?);
        }
        Ok(out)
    }

    /// Replaces an activity's data if it is still at `expected_version`.
    pub async fn update_activity(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &ActivityData,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<ActivityRecord> {
        let before = self.get_activity(scope, id).await?;
        if !scope.contains(&data.region) {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let sets: Vec<String> = DATA_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = DATA_COLUMNS.len();
        let sql = format!(
            "UPDATE activities SET {}, conflicts_note = ${}, updated_at = ${}, \
             version = version + 1 WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
        let done = sqlx::query(&sql);
        let done = bind_data(done, data)
            .bind(note)
            .bind(now_text())
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict);
        }
        let old = changes(&before.data, before.conflicts_note.as_deref());
        let new = changes(data, note);
        let mut diff = serde_json::Map::new();
        if let (Some(o), Some(n)) = (old.as_object(), new.as_object()) {
            for (k, v) in n {
                if o.get(k) != Some(v) {
                    diff.insert(k.clone(), serde_json::json!([o.get(k), v]));
                }
            }
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "activity",
            Some(id),
            &serde_json::Value::Object(diff),
        )
        .await?;
        tx.commit().await?;
        self.get_activity(scope, id).await
    }

    pub async fn get_activity(&self, scope: &Scope, id: &str) -> Result<ActivityRecord> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM activities WHERE id = $1",
            columns()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let a = activity_from_row(&row)?;
        if scope.contains(&a.data.region) {
            Ok(a)
        } else {
            Err(StorageError::NotFound)
        }
    }

    /// Activities starting in `[from, to)` whose region is inside `within` or holds it (a
    /// kecamatan's planner sees the city's and the province's too), by start.
    pub async fn activities_between(
        &self,
        within: &RegionCode,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActivityRecord>> {
        let code = within.as_str();
        let mut holders: Vec<String> = Vec::new();
        let mut at = code;
        while let Some(dot) = at.rfind('.') {
            at = &at[..dot];
            holders.push(at.to_string());
        }
        let mut sql = format!(
            "SELECT {} FROM activities WHERE starts_at >= $1 AND starts_at < $2 \
             AND (region_code = $3 OR region_code LIKE $4",
            columns()
        );
        for i in 0..holders.len() {
            sql.push_str(&format!(" OR region_code = ${}", i + 5));
        }
        sql.push_str(") ORDER BY starts_at, id");
        let mut q = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(code)
            .bind(format!("{code}.%"));
        for h in &holders {
            q = q.bind(h);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(activity_from_row).collect()
    }

    /// The conflicts the proposed sessions (one, or a repeating activity's) would have with
    /// the stored activities, cancelled ones aside: each with the proposed session's position.
    /// `own` is the stored activity being moved (its participants come along; it does not
    /// clash with itself nor, on topic, with the other sessions of its series).
    pub async fn activity_conflicts(
        &self,
        proposed: &[ActivityData],
        own: Option<&ActivityRecord>,
        rules: &Rules,
    ) -> Result<Vec<(usize, ActivityConflict)>> {
        let (Some(first), Some(last)) = (
            proposed.iter().map(|d| d.start).min(),
            proposed.iter().map(|d| d.end).max(),
        ) else {
            return Ok(Vec::new());
        };
        let own_id = own.map(|a| a.id.as_str());
        let region = &proposed[0].region;
        let province = RegionCode::parse(region.as_str().get(..2).unwrap_or(""))
            .unwrap_or_else(|_| region.clone());
        // Starts more than the window (or the longest activity) away cannot clash.
        let reach = rules
            .topic_window
            .max(sentra_domain::programme::activity::MAX_DAYS * conflicts::DAY);
        let stored: Vec<ActivityRecord> = self
            .activities_between(&province, first - reach, last + reach)
            .await?
            .into_iter()
            .filter(|a| Some(a.id.as_str()) != own_id && a.data.status != ActivityStatus::Cancelled)
            .collect();
        let topics = self.activity_topics().await?;
        let sectors = self.sectors().await?;
        // The proposed sessions are one series: the moved activity's, or a new one.
        let series = own
            .and_then(|a| a.series.as_ref().map(|s| s.0.as_str()))
            .or((proposed.len() > 1).then_some("\u{0}new"));
        let all: Vec<(&ActivityData, Option<&str>)> = stored
            .iter()
            .map(|a| (&a.data, a.series.as_ref().map(|s| s.0.as_str())))
            .chain(proposed.iter().map(|d| (d, series)))
            .collect();
        let mut slots = slots_of(&all, &topics, &sectors);
        // Participants of the stored activities and of the one being moved: a UMKM cannot be
        // in two places at once.
        let mut ids: Vec<&str> = stored.iter().map(|a| a.id.as_str()).collect();
        ids.extend(own_id);
        let booked = self.places_taken(&ids).await?;
        let mut umkm_no: HashMap<String, u32> = HashMap::new();
        let mine = stored.len();
        for (activity, umkm) in booked {
            let next = umkm_no.len() as u32;
            let no = *umkm_no.entry(umkm).or_insert(next);
            let at = if Some(activity.as_str()) == own_id {
                Some(mine)
            } else {
                stored.iter().position(|a| a.id == activity)
            };
            if let Some(at) = at {
                slots[at].participants.push(no);
            }
        }
        let proposed_at = |i: u32| (i as usize).checked_sub(mine);
        let mut found: Vec<(usize, Conflict)> = conflicts::find(&slots, rules)
            .into_iter()
            .filter_map(|c| match (proposed_at(c.a), proposed_at(c.b)) {
                // Between a proposed session and a stored activity (a < b: the stored first).
                (None, Some(p)) => Some((p, c)),
                // A proposed session alone (the budget year's end).
                (Some(p), Some(q)) if p == q => Some((p, c)),
                _ => None,
            })
            .collect();
        found.sort_unstable_by_key(|(p, c)| (*p, slots[c.a as usize].start, c.reason));
        Ok(found
            .into_iter()
            .map(|(p, c)| {
                let alone = c.a == c.b;
                (
                    p,
                    ActivityConflict {
                        reason: c.reason,
                        with: (!alone).then(|| stored[c.a as usize].clone()),
                    },
                )
            })
            .collect())
    }
}

/// A participant of an activity, as the participants page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub umkm_id: String,
    pub name: String,
    pub state: ParticipantState,
    pub note: Option<String>,
}

impl Database {
    /// The UMKM the activity is for (in the caller's scope, not merged, not inactive, not
    /// already taking part), ranked for invitation (see [`rank`]), the first `limit`. Its
    /// target criteria decide who is eligible: the audience's regions (or the activity's), the
    /// size classes, the documents missing (lacking any one of them, or holding it expired),
    /// and first-timers only; target sectors rank (see [`rank`]) rather than exclude.
    pub async fn invitees(
        &self,
        scope: &Scope,
        activity: &ActivityRecord,
        limit: usize,
    ) -> Result<Vec<Candidate>> {
        // Owners plan nothing; an owner's scope invites no one.
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let mut ranked = self.eligible(scope, activity, None).await?;
        ranked.truncate(limit);
        Ok(ranked)
    }

    /// Whether a UMKM meets the activity's target criteria (and is not in it yet).
    pub async fn is_eligible(&self, activity: &ActivityRecord, umkm_id: &str) -> Result<bool> {
        let everywhere = Scope::region(activity.data.region.clone());
        Ok(!self
            .eligible(&everywhere, activity, Some(umkm_id))
            .await?
            .is_empty())
    }

    /// The eligible UMKM in `scope` (or only `only`), ranked.
    async fn eligible(
        &self,
        scope: &Scope,
        activity: &ActivityRecord,
        only: Option<&str>,
    ) -> Result<Vec<Candidate>> {
        let d = &activity.data;
        let areas: Vec<RegionCode> = if d.target_regions.is_empty() {
            vec![
                scope
                    .narrow(Some(&d.region))
                    .ok_or(StorageError::NotFound)?,
            ]
        } else {
            d.target_regions
                .iter()
                .filter_map(|r| scope.narrow(Some(r)))
                .collect()
        };
        let mut binds: Vec<String> = vec![activity.id.clone()];
        let mark = |v: String, binds: &mut Vec<String>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        let mut wheres: Vec<String> = Vec::new();
        let places: Vec<String> = areas
            .iter()
            .map(|r| {
                let (a, b) = (
                    mark(r.as_str().to_string(), &mut binds),
                    mark(format!("{}.%", r.as_str()), &mut binds),
                );
                format!("u.village_code = {a} OR u.village_code LIKE {b}")
            })
            .collect();
        if places.is_empty() {
            return Ok(Vec::new());
        }
        wheres.push(format!("({})", places.join(" OR ")));
        if let Some(id) = only {
            wheres.push(format!("u.id = {}", mark(id.to_string(), &mut binds)));
        }
        if !d.sizes.is_empty() {
            let marks: Vec<String> = d
                .sizes
                .iter()
                .map(|c| mark(c.clone(), &mut binds))
                .collect();
            wheres.push(format!("u.size_class IN ({})", marks.join(", ")));
        }
        if !d.gaps.is_empty() {
            let today = mark(
                chrono::Utc::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string(),
                &mut binds,
            );
            let lacking: Vec<String> = d
                .gaps
                .iter()
                .map(|g| {
                    format!(
                        "NOT EXISTS (SELECT 1 FROM umkm_documents g WHERE g.umkm_id = u.id \
                         AND g.kind = {} AND (g.expires_on IS NULL OR g.expires_on = '' \
                         OR g.expires_on >= {today}))",
                        mark(g.clone(), &mut binds)
                    )
                })
                .collect();
            wheres.push(format!("({})", lacking.join(" OR ")));
        }
        let sql = format!(
            "SELECT u.id, u.name, u.sector_code, u.village_code, \
             SUM(CASE WHEN p.state IN ('attended', 'completed') THEN 1 ELSE 0 END) AS reached, \
             MAX(CASE WHEN p.state IN ('attended', 'completed') THEN a.starts_at END) AS last_reached, \
             MAX(CASE WHEN u.owner_phone IS NULL OR u.owner_phone = '' THEN 0 ELSE 1 END) AS has_phone \
             FROM umkm u \
             LEFT JOIN activity_participants p ON p.umkm_id = u.id \
             LEFT JOIN activities a ON a.id = p.activity_id \
             WHERE {} AND u.merged_into IS NULL AND u.status <> 'inactive' \
             AND NOT EXISTS (SELECT 1 FROM activity_participants q \
                 WHERE q.activity_id = $1 AND q.umkm_id = u.id) \
             GROUP BY u.id, u.name, u.sector_code, u.village_code",
            wheres.join(" AND ")
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for r in &rows {
            candidates.push(Candidate {
                umkm_id: r.try_get("id")?,
                name: r.try_get("name")?,
                sector: r.try_get("sector_code")?,
                village_code: r.try_get("village_code")?,
                reached: u32::try_from(r.try_get::<Option<i64>, _>("reached")?.unwrap_or(0))
                    .unwrap_or(u32::MAX),
                last_reached: r.try_get("last_reached")?,
                sector_match: false,
                has_phone: r.try_get::<Option<i64>, _>("has_phone")?.unwrap_or(0) == 1,
            });
        }
        if d.first_timers {
            candidates.retain(|c| c.reached == 0);
        }
        Ok(rank(candidates, &d.sectors))
    }

    pub async fn participants(&self, scope: &Scope, activity_id: &str) -> Result<Vec<Participant>> {
        self.get_activity(scope, activity_id).await?;
        let rows = sqlx::query(
            "SELECT p.umkm_id, u.name, p.state, p.note FROM activity_participants p \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE p.activity_id = $1 ORDER BY u.name, p.umkm_id",
        )
        .bind(activity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get("state")?;
                Ok(Participant {
                    umkm_id: r.try_get("umkm_id")?,
                    name: r.try_get("name")?,
                    state: ParticipantState::parse(&state)
                        .ok_or_else(|| corrupt("participant state", &state))?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// (activity, UMKM) of everyone holding a place in these activities.
    pub async fn places_taken(&self, activity_ids: &[&str]) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        // In parts, to keep each statement's parameters few.
        for part in activity_ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT activity_id, umkm_id FROM activity_participants WHERE state IN \
                 ('registered', 'attended', 'completed') AND activity_id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in part {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push((r.try_get("activity_id")?, r.try_get("umkm_id")?));
            }
        }
        Ok(out)
    }

    /// Those holding a place (registered, attended, completed), by name: (business, kelurahan
    /// code), for the attendance sheet.
    pub async fn participant_places(
        &self,
        scope: &Scope,
        activity_id: &str,
    ) -> Result<Vec<(String, String)>> {
        self.get_activity(scope, activity_id).await?;
        let rows = sqlx::query(
            "SELECT u.name, u.village_code FROM activity_participants p \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE p.activity_id = $1 \
             AND p.state IN ('registered', 'attended', 'completed') ORDER BY u.name, u.id",
        )
        .bind(activity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("village_code")?)))
            .collect()
    }

    /// Registers UMKM for an activity while places remain (the rest wait for a place), skipping
    /// those already in it; one transaction, audited. The counts registered and waitlisted.
    pub async fn register_participants(
        &self,
        scope: &Scope,
        activity_id: &str,
        umkm_ids: &[String],
        actor: &Actor,
    ) -> Result<(usize, usize)> {
        let activity = self.get_activity(scope, activity_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let rows =
            sqlx::query("SELECT umkm_id, state FROM activity_participants WHERE activity_id = $1")
                .bind(activity_id)
                .fetch_all(&mut *tx)
                .await?;
        let mut present: Vec<String> = Vec::new();
        let mut taken = 0usize;
        for r in &rows {
            present.push(r.try_get("umkm_id")?);
            let state: String = r.try_get("state")?;
            if ParticipantState::parse(&state).is_some_and(ParticipantState::takes_place) {
                taken += 1;
            }
        }
        let (mut registered, mut waiting) = (Vec::new(), Vec::new());
        let now = now_text();
        for id in umkm_ids {
            if present.contains(id) {
                continue;
            }
            let row = sqlx::query("SELECT village_code, owner_user_id FROM umkm WHERE id = $1 AND merged_into IS NULL")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound)?;
            let village: String = row.try_get("village_code")?;
            let owner: Option<String> = row.try_get("owner_user_id")?;
            if !crate::sql::scope_admits(scope, &village, owner.as_deref()) {
                return Err(StorageError::NotFound);
            }
            let state = if taken < activity.data.capacity as usize {
                taken += 1;
                registered.push(id.clone());
                ParticipantState::Registered
            } else {
                waiting.push(id.clone());
                ParticipantState::Waitlisted
            };
            sqlx::query(
                "INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, \
                 updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(activity_id)
            .bind(id)
            .bind(state.as_str())
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            present.push(id.clone());
        }
        if !registered.is_empty() || !waiting.is_empty() {
            let changes = serde_json::json!({ "registered": registered, "waitlisted": waiting });
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "participants",
                "activity",
                Some(activity_id),
                &changes,
            )
            .await?;
        }
        tx.commit().await?;
        Ok((registered.len(), waiting.len()))
    }

    /// Sets a participant's state (attendance, completion) and follow-up note; audited.
    pub async fn set_participant_state(
        &self,
        scope: &Scope,
        activity_id: &str,
        umkm_id: &str,
        state: ParticipantState,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        self.get_activity(scope, activity_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done = sqlx::query(
            "UPDATE activity_participants SET state = $1, note = $2, updated_by = $3, \
             updated_at = $4 WHERE activity_id = $5 AND umkm_id = $6",
        )
        .bind(state.as_str())
        .bind(note)
        .bind(&actor.name)
        .bind(now_text())
        .bind(activity_id)
        .bind(umkm_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        let changes = serde_json::json!({ "umkm": umkm_id, "state": state.as_str(), "note": note });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "participant",
            "activity",
            Some(activity_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// How far programmes reached the UMKM of a region in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// UMKM in the region (merged and inactive ones aside).
    pub total: i64,
    /// Those that attended at least one activity starting in the period.
    pub reached: i64,
    /// Per sector code: (total, reached).
    pub by_sector: Vec<(String, i64, i64)>,
    /// Per size class (`mikro`, `kecil`, `menengah`, or empty): (total, reached).
    pub by_size: Vec<(String, i64, i64)>,
    /// Per topic code: UMKM that attended more than `times` activities of it in the period.
    pub repeated: Vec<(String, i64)>,
    pub times: u32,
    /// What changed for the reached UMKM after their first activity of the period.
    pub outcomes: ReachOutcomes,
}

/// Reached UMKM with a recorded change after their first activity of the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachOutcomes {
    /// Obtained a document they did not have (any kind).
    pub documents: i64,
    /// Obtained an NIB.
    pub nib: i64,
    /// Moved up a size class (from a known one).
    pub moved_up: i64,
    /// Added products to the catalogue.
    pub products: i64,
}

impl Database {
    /// Reach in one number, for dashboards and targets: the active businesses of `region` and
    /// how many of them attended an activity in `year` (the calendar year in their province's
    /// time zone), read from the reach rollup that triggers keep exact.
    pub async fn reach_count(&self, region: &RegionCode, year: i32) -> Result<(i64, i64)> {
        let total = self
            .rollup_sums(region, &[], false, Some("status <> 'inactive'"))
            .await?
            .first()
            .map_or(0, |r| r.n);
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM reach_village \
             WHERE year = $3 AND (village_code = $1 OR village_code LIKE $2)",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, total))
    }
}

impl Database {
    /// Reach of the programmes in `region` over activities starting in `[from, to)`; "reached"
    /// means attended or completed.
    pub async fn reach(
        &self,
        region: &RegionCode,
        from: i64,
        to: i64,
        times: u32,
    ) -> Result<Reach> {
        let code = region.as_str();
        let like = format!("{code}.%");
        let groups = |column: &'static str| {
            let like = like.clone();
            async move {
                let sql = format!(
                    "SELECT COALESCE(u.{column}, '') AS k, COUNT(*) AS total, \
                     SUM(CASE WHEN EXISTS (SELECT 1 FROM activity_participants p \
                         JOIN activities a ON a.id = p.activity_id \
                         WHERE p.umkm_id = u.id AND p.state IN ('attended', 'completed') \
                         AND a.starts_at >= $3 AND a.starts_at < $4) THEN 1 ELSE 0 END) AS reached \
                     FROM umkm u WHERE (u.village_code = $1 OR u.village_code LIKE $2) \
                     AND u.merged_into IS NULL AND u.status <> 'inactive' \
                     GROUP BY COALESCE(u.{column}, '') ORDER BY k"
                );
                let rows = sqlx::query(&sql)
                    .bind(code)
                    .bind(&like)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get::<String, _>("k")?,
                            r.try_get::<i64, _>("total")?,
                            r.try_get::<Option<i64>, _>("reached")?.unwrap_or(0),
                        ))
                    })
                    .collect::<Result<Vec<_>>>()
            }
        };
        let by_sector = groups("sector_code").await?;
        let by_size = groups("size_class").await?;
        let rows = sqlx::query(
            "SELECT p.umkm_id, a.topics FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.state IN ('attended', 'completed') AND a.starts_at >= $3 AND a.starts_at < $4 \
             AND (u.village_code = $1 OR u.village_code LIKE $2) AND u.merged_into IS NULL",
        )
        .bind(code)
        .bind(&like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut per: HashMap<(String, String), u32> = HashMap::new();
        for r in &rows {
            let umkm: String = r.try_get("umkm_id")?;
            for t in list(&r.try_get::<String, _>("topics")?) {
                *per.entry((t, umkm.clone())).or_default() += 1;
            }
        }
        let mut repeated: HashMap<String, i64> = HashMap::new();
        for ((topic, _), n) in per {
            if n > times {
                *repeated.entry(topic).or_default() += 1;
            }
        }
        let mut repeated: Vec<(String, i64)> = repeated.into_iter().collect();
        repeated.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let outcomes = self.reach_outcomes(code, &like, from, to).await?;
        Ok(Reach {
            total: by_sector.iter().map(|g| g.1).sum(),
            reached: by_sector.iter().map(|g| g.2).sum(),
            by_sector,
            by_size,
            repeated,
            times,
            outcomes,
        })
    }

    /// For the UMKM reached in the period: the changes recorded after their first activity of
    /// it (read from the audit trail and the catalogue, in parts of 500 records).
    async fn reach_outcomes(
        &self,
        code: &str,
        like: &str,
        from: i64,
        to: i64,
    ) -> Result<ReachOutcomes> {
        let rows = sqlx::query(
            "SELECT p.umkm_id, MIN(a.starts_at) AS first FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.state IN ('attended', 'completed') AND a.starts_at >= $3 AND a.starts_at < $4 \
             AND (u.village_code = $1 OR u.village_code LIKE $2) AND u.merged_into IS NULL \
             GROUP BY p.umkm_id",
        )
        .bind(code)
        .bind(like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut first: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        for r in &rows {
            first.insert(r.try_get("umkm_id")?, r.try_get("first")?);
        }
        let ids: Vec<&String> = first.keys().collect();
        let mut changes: HashMap<&str, Vec<Change>> = HashMap::new();
        let mut products: HashMap<&str, Vec<i64>> = HashMap::new();
        for part in ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
            let audit_sql = format!(
                "SELECT entity_id, at, changes FROM audit_log WHERE entity = 'umkm' \
                 AND action = 'update' AND entity_id IN ({}) ORDER BY seq",
                marks.join(", ")
            );
            let products_sql = format!(
                "SELECT umkm_id, created_at FROM products WHERE umkm_id IN ({})",
                marks.join(", ")
            );
            let (mut audit_q, mut products_q) =
                (sqlx::query(&audit_sql), sqlx::query(&products_sql));
            for id in part {
                audit_q = audit_q.bind(id.as_str());
                products_q = products_q.bind(id.as_str());
            }
            for r in audit_q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("entity_id")?;
                let at: String = r.try_get("at")?;
                let text: String = r.try_get("changes")?;
                let Some(key) = first.get_key_value(&id).map(|(k, _)| k.as_str()) else {
                    continue;
                };
                if let (Some(at), Ok(diff)) = (unix(&at), serde_json::from_str(&text)) {
                    changes
                        .entry(key)
                        .or_default()
                        .push(outcome_change(at, &diff));
                }
            }
            for r in products_q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("umkm_id")?;
                let at: String = r.try_get("created_at")?;
                let Some(key) = first.get_key_value(&id).map(|(k, _)| k.as_str()) else {
                    continue;
                };
                if let Some(at) = unix(&at) {
                    products.entry(key).or_default().push(at);
                }
            }
        }
        let mut out = ReachOutcomes::default();
        for (id, since) in &first {
            let found = outcomes_after(
                *since,
                changes.get(id.as_str()).map_or(&[][..], Vec::as_slice),
                products.get(id.as_str()).map_or(&[][..], Vec::as_slice),
            );
            let has = |f: &dyn Fn(&Outcome) -> bool| found.iter().any(|(_, o)| f(o));
            out.documents += i64::from(has(&|o| matches!(o, Outcome::Document(_))));
            out.nib += i64::from(has(&|o| *o == Outcome::Document(LegalKind::Nib)));
            out.moved_up += i64::from(has(
                &|o| matches!(o, Outcome::SizeMoved { from: Some(f), to } if to > f),
            ));
            out.products += i64::from(has(&|o| matches!(o, Outcome::Products(_))));
        }
        Ok(out)
    }
}

/// A UMKM's part in one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub activity: ActivityRecord,
    pub state: ParticipantState,
    pub note: Option<String>,
}

/// A UMKM's programme history and what changed for it after the first programme reached it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeHistory {
    /// Newest first.
    pub taken: Vec<Taken>,
    /// When a programme first reached it (attended or completed).
    pub first_reached: Option<i64>,
    pub outcomes: Vec<(i64, Outcome)>,
}

/// An audit or record time (`2026-05-12T03:04:05.678Z`) as Unix seconds.
fn unix(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The kinds of a document list as the audit trail records it.
fn document_kinds(v: &serde_json::Value) -> Vec<LegalKind> {
    v.as_array()
        .map(|docs| {
            docs.iter()
                .filter_map(|d| d.get("kind").and_then(serde_json::Value::as_str))
                .filter_map(LegalKind::parse)
                .collect()
        })
        .unwrap_or_default()
}

/// What of an audited UMKM change matters for outcomes (see `audit_diff`: `[before, after]`).
fn outcome_change(at: i64, diff: &serde_json::Value) -> Change {
    let pair = |field: &str| {
        diff.get(field)
            .and_then(serde_json::Value::as_array)
            .filter(|p| p.len() == 2)
            .map(|p| (p[0].clone(), p[1].clone()))
    };
    let size = |v: &serde_json::Value| v.as_str().and_then(SizeClass::parse);
    Change {
        at,
        documents: pair("documents").map(|(b, a)| (document_kinds(&b), document_kinds(&a))),
        size: pair("size_class").map(|(b, a)| (size(&b), size(&a))),
    }
}

impl Database {
    /// The activities a UMKM took part in, newest first, and the changes recorded for it
    /// (documents, size class, products) since a programme first reached it.
    pub async fn programme_history(
        &self,
        scope: &Scope,
        umkm_id: &str,
    ) -> Result<ProgrammeHistory> {
        self.umkm_village(scope, umkm_id).await?;
        let states = sqlx::query(
            "SELECT activity_id, state, note FROM activity_participants WHERE umkm_id = $1",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut taken = Vec::with_capacity(states.len());
        for r in &states {
            let id: String = r.try_get("activity_id")?;
            let state: String = r.try_get("state")?;
            let row = sqlx::query(&format!(
                "SELECT {} FROM activities WHERE id = $1",
                columns()
            ))
            .bind(&id)
            .fetch_one(&self.pool)
            .await?;
            taken.push(Taken {
                activity: activity_from_row(&row)?,
                state: ParticipantState::parse(&state)
                    .ok_or_else(|| corrupt("participant state", &state))?,
                note: r.try_get("note")?,
            });
        }
        taken.sort_by_key(|t| std::cmp::Reverse(t.activity.data.start));
        let first_reached = taken
            .iter()
            .filter(|t| t.state.reached())
            .map(|t| t.activity.data.start)
            .min();
        let Some(since) = first_reached else {
            return Ok(ProgrammeHistory {
                taken,
                ..ProgrammeHistory::default()
            });
        };
        let rows = sqlx::query(
            "SELECT at, changes FROM audit_log WHERE entity = 'umkm' AND entity_id = $1 \
             AND action = 'update' ORDER BY seq",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for r in &rows {
            let at: String = r.try_get("at")?;
            let text: String = r.try_get("changes")?;
            if let (Some(at), Ok(diff)) = (unix(&at), serde_json::from_str(&text)) {
                changes.push(outcome_change(at, &diff));
            }
        }
        let products: Vec<i64> = sqlx::query("SELECT created_at FROM products WHERE umkm_id = $1")
            .bind(umkm_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String, _>("created_at").ok())
            .filter_map(|t| unix(&t))
            .collect();
        Ok(ProgrammeHistory {
            outcomes: outcomes_after(since, &changes, &products),
            taken,
            first_reached,
        })
    }

    /// Coming activities (planned or confirmed, starting in `[from, to)`) a UMKM can still join:
    /// held for its kelurahan or a region holding it, meeting their target criteria.
    pub async fn open_activities_for(
        &self,
        scope: &Scope,
        umkm_id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActivityRecord>> {
        let village = self.umkm_village(scope, umkm_id).await?;
        let mut out = Vec::new();
        for a in self.activities_between(&village, from, to).await? {
            if matches!(
                a.data.status,
                ActivityStatus::Planned | ActivityStatus::Confirmed
            ) && village.is_within(&a.data.region)
                && self.is_eligible(&a, umkm_id).await?
            {
                out.push(a);
            }
        }
        Ok(out)
    }
}
