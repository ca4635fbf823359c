//! Who takes part in an activity: the ranked invitees, registration and attendance.

use sentra_domain::programme::participants::{Candidate, ParticipantState, rank};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;

use sqlx::Row;

use super::{ActivityRecord, corrupt};
use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

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
             MAX(a.starts_at) AS last_listed, \
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
                last_listed: r.try_get("last_listed")?,
                sector_match: false,
                has_phone: r.try_get::<Option<i64>, _>("has_phone")?.unwrap_or(0) == 1,
            });
        }
        if d.first_timers {
            candidates.retain(|c| c.reached == 0);
        }
        Ok(rank(candidates, &d.sectors, &activity.id))
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
