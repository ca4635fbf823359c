//! Planning activities: creating, moving and reading them, and the conflicts a plan has with the
//! stored ones.

use sentra_domain::programme::activity::{ActivityData, ActivityStatus};
use sentra_domain::programme::conflicts::{self, Conflict, Rules};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use std::collections::HashMap;

use super::{
    ActivityConflict, ActivityRecord, DATA_COLUMNS, activity_from_row, bind_data, changes, columns,
    slots_of,
};
use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

impl Database {
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
        self.activities_around(within, from, to, None).await
    }

    /// The first `limit` activities of [`Self::activities_between`], for a chooser.
    pub async fn next_activities(
        &self,
        within: &RegionCode,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRecord>> {
        self.activities_around(within, from, to, Some(limit)).await
    }

    async fn activities_around(
        &self,
        within: &RegionCode,
        from: i64,
        to: i64,
        limit: Option<i64>,
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
        if let Some(limit) = limit {
            sql.push_str(&format!(" LIMIT {}", limit.max(0)));
        }
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
