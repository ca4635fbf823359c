//! Flagship product selection rounds as stored (issue 10): a round of a region and year, its
//! candidates and criteria (editable while the round is a draft, frozen once participants
//! answer), its FGD participants with their personal links (the secret is shown once; its hash
//! is kept), their judgements and ratings, and the figures per sector for location quotients.

use std::collections::BTreeMap;

use sentra_domain::FieldErrors;
use sentra_domain::flagship::ahp::{Method, PairwiseMatrix};
use sentra_domain::flagship::lq::Measure;
use sentra_domain::flagship::round::{
    CandidateMode, Criterion, Group, Hierarchy, PERMENDAGRI_9_2014, Response, Setup,
};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::accounts::users::{new_secret, secret_hash};
use crate::error::invalid;
use crate::{Database, Result, StorageError, now_text};

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    /// Being set up: candidates and criteria can change.
    Draft,
    /// Participants answer through their links.
    Open,
    /// Answers are in; the results are computed.
    Closed,
    /// The public page shows the result.
    Published,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Open, Self::Closed, Self::Published]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// The moves an organiser can make: open the draft, close, reopen, publish, withdraw.
    pub fn can_become(self, to: RoundStatus) -> bool {
        use RoundStatus::*;
        matches!(
            (self, to),
            (Draft, Open)
                | (Open, Closed)
                | (Closed, Open)
                | (Closed, Published)
                | (Published, Closed)
        )
    }
}

/// A candidate product (or product group) of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    pub name: String,
    /// Its sector, for location quotients.
    pub sector: Option<String>,
}

/// A round's settings an organiser edits.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundSettings {
    pub title: String,
    pub purpose: Option<String>,
    pub year: i32,
    pub mode: CandidateMode,
    pub method: Method,
    pub measure: Measure,
    /// Quotients against this region (containing the round's); `None`: the totals entered.
    pub reference_region: Option<RegionCode>,
    pub group_weights: Option<BTreeMap<Group, f64>>,
}

/// A round with its candidates, criteria and reference totals.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRecord {
    pub id: String,
    pub region_code: String,
    pub status: RoundStatus,
    pub settings: RoundSettings,
    pub candidates: Vec<CandidateRow>,
    pub criteria: Vec<Criterion>,
    /// Entered reference totals per sector.
    pub reference: Vec<(String, f64)>,
    pub created_by: String,
    pub published_at: Option<String>,
    pub version: i64,
}

impl RoundRecord {
    pub fn hierarchy(&self) -> std::result::Result<Hierarchy, FieldErrors> {
        Hierarchy::new(self.criteria.clone())
    }

    /// The computation's setup over `hierarchy`.
    pub fn setup<'a>(&self, hierarchy: &'a Hierarchy) -> Setup<'a> {
        Setup {
            hierarchy,
            candidates: self.candidates.len(),
            mode: self.settings.mode,
            method: self.settings.method,
        }
    }
}

/// A participant as the organiser sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    pub id: String,
    pub round_id: String,
    pub name: String,
    pub group: Group,
    pub organisation: Option<String>,
    pub submitted_at: Option<String>,
    /// Judgements and ratings given so far.
    pub answers: i64,
}

/// A round in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSummary {
    pub id: String,
    pub region_code: String,
    pub year: i32,
    pub title: String,
    pub status: RoundStatus,
    pub participants: i64,
    pub submitted: i64,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("flagship round {what}"))
}

fn weights_json(w: &Option<BTreeMap<Group, f64>>) -> Option<String> {
    w.as_ref().map(|m| {
        let o: serde_json::Map<String, serde_json::Value> = m
            .iter()
            .map(|(g, v)| (g.as_str().to_string(), serde_json::json!(v)))
            .collect();
        serde_json::Value::Object(o).to_string()
    })
}

fn weights_from(text: Option<String>) -> Option<BTreeMap<Group, f64>> {
    let v: serde_json::Value = serde_json::from_str(&text?).ok()?;
    Some(
        v.as_object()?
            .iter()
            .filter_map(|(k, v)| Some((Group::parse(k)?, v.as_f64()?)))
            .collect(),
    )
}

const ROUND_COLUMNS: &str = "id, region_code, year, title, purpose, status, candidate_mode, \
     method, lq_measure, lq_reference_region, group_weights, created_by, published_at, version";

impl Database {
    async fn round_from_row(&self, r: &sqlx::any::AnyRow) -> Result<RoundRecord> {
        let id: String = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let mode: String = r.try_get("candidate_mode")?;
        let method: String = r.try_get("method")?;
        let measure: String = r.try_get("lq_measure")?;
        let reference_region: Option<String> = r.try_get("lq_reference_region")?;
        let year: i64 = r.try_get("year")?;
        let candidates = sqlx::query(
            "SELECT name, sector_code FROM flagship_candidates WHERE round_id = $1 \
             ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|c| {
            Ok(CandidateRow {
                name: c.try_get("name")?,
                sector: c.try_get("sector_code")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let criteria = sqlx::query(
            "SELECT code, parent_code, name FROM flagship_criteria WHERE round_id = $1 \
             ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|c| {
            Ok(Criterion {
                code: c.try_get("code")?,
                parent: c.try_get("parent_code")?,
                name: c.try_get("name")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let reference = sqlx::query(
            "SELECT sector_code, value FROM flagship_reference WHERE round_id = $1 \
             ORDER BY sector_code",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|c| Ok((c.try_get("sector_code")?, c.try_get("value")?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(RoundRecord {
            region_code: r.try_get("region_code")?,
            status: RoundStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            settings: RoundSettings {
                title: r.try_get("title")?,
                purpose: r.try_get("purpose")?,
                year: year as i32,
                mode: CandidateMode::parse(&mode).ok_or_else(|| corrupt("mode"))?,
                method: Method::parse(&method).ok_or_else(|| corrupt("method"))?,
                measure: Measure::parse(&measure).ok_or_else(|| corrupt("measure"))?,
                reference_region: reference_region
                    .as_deref()
                    .and_then(|c| RegionCode::parse(c).ok()),
                group_weights: weights_from(r.try_get("group_weights")?),
            },
            candidates,
            criteria,
            reference,
            created_by: r.try_get("created_by")?,
            published_at: r.try_get("published_at")?,
            version: r.try_get("version")?,
            id,
        })
    }

    /// A new draft round of `region` (in the caller's scope) with Permendagri 9/2014's
    /// criteria to start from. Audited.
    pub async fn create_round(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
        title: &str,
        actor: &Actor,
    ) -> Result<String> {
        if !scope.contains(region) || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO flagship_rounds (id, region_code, year, title, status, candidate_mode, \
             method, lq_measure, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'draft', 'pairwise', 'eigenvector', 'count', $5, $6, $6)",
        )
        .bind(&id)
        .bind(region.as_str())
        .bind(i64::from(year))
        .bind(title)
        .bind(&actor.name)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for (i, (code, name)) in PERMENDAGRI_9_2014.iter().enumerate() {
            sqlx::query(
                "INSERT INTO flagship_criteria (round_id, code, position, name) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(*code)
            .bind(i as i64)
            .bind(*name)
            .execute(&mut *tx)
            .await?;
        }
        let changes =
            serde_json::json!({ "region": region.as_str(), "year": year, "title": title });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "flagship_round",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The rounds of the caller's area, newest year first.
    pub async fn rounds(&self, scope: &Scope) -> Result<Vec<RoundSummary>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let rows = sqlx::query(
            "SELECT r.id, r.region_code, r.year, r.title, r.status, \
             (SELECT COUNT(*) FROM flagship_participants p WHERE p.round_id = r.id) AS n, \
             (SELECT COUNT(*) FROM flagship_participants p WHERE p.round_id = r.id \
              AND p.submitted_at IS NOT NULL) AS done \
             FROM flagship_rounds r WHERE r.region_code = $1 OR r.region_code LIKE $2 \
             ORDER BY r.year DESC, r.created_at DESC",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let year: i64 = r.try_get("year")?;
                Ok(RoundSummary {
                    id: r.try_get("id")?,
                    region_code: r.try_get("region_code")?,
                    year: year as i32,
                    title: r.try_get("title")?,
                    status: RoundStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
                    participants: r.try_get("n")?,
                    submitted: r.try_get("done")?,
                })
            })
            .collect()
    }

    async fn round_by_id(&self, id: &str) -> Result<RoundRecord> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM flagship_rounds WHERE id = $1");
        let r = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        self.round_from_row(&r).await
    }

    /// A round the caller may see.
    pub async fn round(&self, scope: &Scope, id: &str) -> Result<RoundRecord> {
        let r = self.round_by_id(id).await?;
        let inside = RegionCode::parse(&r.region_code).is_ok_and(|c| scope.contains(&c));
        if !inside || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        Ok(r)
    }

    /// A published round, for the public page (anyone).
    pub async fn published_round(&self, id: &str) -> Result<RoundRecord> {
        let r = self.round_by_id(id).await?;
        if r.status != RoundStatus::Published {
            return Err(StorageError::NotFound);
        }
        Ok(r)
    }

    /// Changes a round's settings read at `version`; its candidates and criteria only while it
    /// is a draft (participants' judgements refer to them by position). Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_round(
        &self,
        scope: &Scope,
        id: &str,
        version: i64,
        settings: &RoundSettings,
        candidates: &[CandidateRow],
        criteria: &[Criterion],
        reference: &[(String, f64)],
        actor: &Actor,
    ) -> Result<()> {
        let old = self.round(scope, id).await?;
        let structure_changed = old.candidates != candidates || old.criteria != criteria;
        if structure_changed && old.status != RoundStatus::Draft {
            return Err(invalid("candidates", "round_not_draft"));
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done = sqlx::query(
            "UPDATE flagship_rounds SET title = $1, purpose = $2, year = $3, candidate_mode = $4, \
             method = $5, lq_measure = $6, lq_reference_region = $7, group_weights = $8, \
             updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11",
        )
        .bind(&settings.title)
        .bind(&settings.purpose)
        .bind(i64::from(settings.year))
        .bind(settings.mode.as_str())
        .bind(settings.method.as_str())
        .bind(settings.measure.as_str())
        .bind(
            settings
                .reference_region
                .as_ref()
                .map(|r| r.as_str().to_string()),
        )
        .bind(weights_json(&settings.group_weights))
        .bind(now_text())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict);
        }
        if structure_changed {
            for sql in [
                "DELETE FROM flagship_candidates WHERE round_id = $1",
                "DELETE FROM flagship_criteria WHERE round_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            for (i, c) in candidates.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO flagship_candidates (round_id, position, name, sector_code) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(i as i64)
                .bind(&c.name)
                .bind(&c.sector)
                .execute(&mut *tx)
                .await?;
            }
            for (i, c) in criteria.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO flagship_criteria (round_id, code, parent_code, position, name) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(&c.code)
                .bind(&c.parent)
                .bind(i as i64)
                .bind(&c.name)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM flagship_reference WHERE round_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (sector, value) in reference {
            sqlx::query(
                "INSERT INTO flagship_reference (round_id, sector_code, value) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(sector)
            .bind(*value)
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({
            "title": settings.title,
            "year": settings.year,
            "candidate_mode": settings.mode.as_str(),
            "method": settings.method.as_str(),
            "candidates": candidates.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "criteria": criteria.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "flagship_round",
            Some(id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a round (open, close, reopen, publish, withdraw). Opening needs a valid hierarchy,
    /// two candidates or more and a participant. Audited.
    pub async fn set_round_status(
        &self,
        scope: &Scope,
        id: &str,
        to: RoundStatus,
        actor: &Actor,
    ) -> Result<()> {
        let r = self.round(scope, id).await?;
        if !r.status.can_become(to) {
            return Err(invalid("status", "round_status_invalid"));
        }
        if to == RoundStatus::Open {
            if r.hierarchy().is_err() {
                return Err(invalid("criteria", "criteria_count"));
            }
            if r.candidates.len() < 2 {
                return Err(invalid("candidates", "candidates_count"));
            }
            if self.round_participants(&r.id).await?.is_empty() {
                return Err(invalid("participants", "participants_none"));
            }
        }
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "UPDATE flagship_rounds SET status = $1, updated_at = $2, version = version + 1, \
             published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END \
             WHERE id = $3",
        )
        .bind(to.as_str())
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "status": [r.status.as_str(), to.as_str()] });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "status",
            "flagship_round",
            Some(id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a participant; returns them and their link's secret (shown once). Audited.
    pub async fn add_participant(
        &self,
        scope: &Scope,
        round_id: &str,
        name: &str,
        group: Group,
        organisation: Option<&str>,
        actor: &Actor,
    ) -> Result<(ParticipantRow, String)> {
        let r = self.round(scope, round_id).await?;
        if matches!(r.status, RoundStatus::Closed | RoundStatus::Published) {
            return Err(invalid("participants", "round_closed"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let secret = new_secret();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO flagship_participants (id, round_id, name, grp, organisation, \
             token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(round_id)
        .bind(name)
        .bind(group.as_str())
        .bind(organisation)
        .bind(secret_hash(&secret))
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes =
            serde_json::json!({ "participant": id, "name": name, "group": group.as_str() });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "add_participant",
            "flagship_round",
            Some(round_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok((
            ParticipantRow {
                id,
                round_id: round_id.to_string(),
                name: name.to_string(),
                group,
                organisation: organisation.map(str::to_string),
                submitted_at: None,
                answers: 0,
            },
            secret,
        ))
    }

    /// Removes a participant and their answers (not once the round is closed). Audited.
    pub async fn remove_participant(
        &self,
        scope: &Scope,
        round_id: &str,
        participant_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        let r = self.round(scope, round_id).await?;
        if matches!(r.status, RoundStatus::Closed | RoundStatus::Published) {
            return Err(invalid("participants", "round_closed"));
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        for sql in [
            "DELETE FROM flagship_judgements WHERE participant_id = $1",
            "DELETE FROM flagship_ratings WHERE participant_id = $1",
        ] {
            sqlx::query(sql)
                .bind(participant_id)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("DELETE FROM flagship_participants WHERE id = $1 AND round_id = $2")
            .bind(participant_id)
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        let changes = serde_json::json!({ "participant": participant_id });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "remove_participant",
            "flagship_round",
            Some(round_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A round's participants with how far each has answered.
    pub async fn round_participants(&self, round_id: &str) -> Result<Vec<ParticipantRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.round_id, p.name, p.grp, p.organisation, p.submitted_at, \
             (SELECT COUNT(*) FROM flagship_judgements j WHERE j.participant_id = p.id) \
             + (SELECT COUNT(*) FROM flagship_ratings r WHERE r.participant_id = p.id) AS answers \
             FROM flagship_participants p WHERE p.round_id = $1 ORDER BY p.created_at, p.id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(participant_from_row).collect()
    }

    /// The round and participant a personal link opens (no account: the secret is the key).
    pub async fn participant_by_secret(
        &self,
        secret: &str,
    ) -> Result<(RoundRecord, ParticipantRow)> {
        let r = sqlx::query(
            "SELECT p.id, p.round_id, p.name, p.grp, p.organisation, p.submitted_at, \
             CAST(0 AS BIGINT) AS answers FROM flagship_participants p WHERE p.token_hash = $1",
        )
        .bind(secret_hash(secret))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let p = participant_from_row(&r)?;
        let round = self.round_by_id(&p.round_id).await?;
        Ok((round, p))
    }

    /// One participant's answers so far.
    pub async fn response_of(&self, round: &RoundRecord, participant_id: &str) -> Result<Response> {
        let mut all = self.responses(round).await?;
        Ok(all.remove(participant_id).unwrap_or_default())
    }

    /// Every participant's answers, by participant id, as matrices sized for the round.
    pub async fn responses(&self, round: &RoundRecord) -> Result<BTreeMap<String, Response>> {
        let hierarchy = round.hierarchy().map_err(StorageError::Invalid)?;
        let setup = round.setup(&hierarchy);
        let mut out: BTreeMap<String, Response> = BTreeMap::new();
        let rows = sqlx::query(
            "SELECT j.participant_id, j.node, j.i, j.j, j.value FROM flagship_judgements j \
             JOIN flagship_participants p ON p.id = j.participant_id WHERE p.round_id = $1",
        )
        .bind(&round.id)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let pid: String = r.try_get("participant_id")?;
            let node: String = r.try_get("node")?;
            let (i, j): (i64, i64) = (r.try_get("i")?, r.try_get("j")?);
            let size = setup.node_size(&node);
            let m = out
                .entry(pid)
                .or_default()
                .matrices
                .entry(node)
                .or_insert_with(|| PairwiseMatrix::new(size));
            m.set(i as usize, j as usize, Some(r.try_get("value")?));
        }
        let rows = sqlx::query(
            "SELECT r.participant_id, r.criterion_code, r.candidate, r.rating \
             FROM flagship_ratings r JOIN flagship_participants p ON p.id = r.participant_id \
             WHERE p.round_id = $1",
        )
        .bind(&round.id)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let pid: String = r.try_get("participant_id")?;
            let leaf: String = r.try_get("criterion_code")?;
            let (a, v): (i64, i64) = (r.try_get("candidate")?, r.try_get("rating")?);
            let list = out
                .entry(pid)
                .or_default()
                .ratings
                .entry(leaf)
                .or_insert_with(|| vec![None; round.candidates.len()]);
            if let Some(slot) = list.get_mut(a as usize) {
                *slot = Some(v as f64);
            }
        }
        Ok(out)
    }

    /// Replaces a participant's judgements of one node (only while the round is open).
    pub async fn save_judgements(
        &self,
        participant: &ParticipantRow,
        node: &str,
        judgements: &[(usize, usize, f64)],
    ) -> Result<()> {
        self.answering(participant).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM flagship_judgements WHERE participant_id = $1 AND node = $2")
            .bind(&participant.id)
            .bind(node)
            .execute(&mut *tx)
            .await?;
        for (i, j, v) in judgements {
            sqlx::query(
                "INSERT INTO flagship_judgements (participant_id, node, i, j, value) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&participant.id)
            .bind(node)
            .bind(*i as i64)
            .bind(*j as i64)
            .bind(*v)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a participant's ratings under one leaf criterion (1–9 per candidate).
    pub async fn save_ratings(
        &self,
        participant: &ParticipantRow,
        leaf: &str,
        ratings: &[Option<i64>],
    ) -> Result<()> {
        self.answering(participant).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM flagship_ratings WHERE participant_id = $1 AND criterion_code = $2",
        )
        .bind(&participant.id)
        .bind(leaf)
        .execute(&mut *tx)
        .await?;
        for (a, r) in ratings.iter().enumerate() {
            if let Some(r) = r {
                sqlx::query(
                    "INSERT INTO flagship_ratings (participant_id, criterion_code, candidate, \
                     rating) VALUES ($1, $2, $3, $4)",
                )
                .bind(&participant.id)
                .bind(leaf)
                .bind(a as i64)
                .bind(*r)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks a participant's answers as sent (they may still revise while the round is open).
    pub async fn submit_answers(&self, participant: &ParticipantRow) -> Result<()> {
        self.answering(participant).await?;
        sqlx::query("UPDATE flagship_participants SET submitted_at = $1 WHERE id = $2")
            .bind(now_text())
            .bind(&participant.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn answering(&self, participant: &ParticipantRow) -> Result<()> {
        let status: String = sqlx::query("SELECT status FROM flagship_rounds WHERE id = $1")
            .bind(&participant.round_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("status")?;
        if status != RoundStatus::Open.as_str() {
            return Err(invalid("round", "round_closed"));
        }
        Ok(())
    }

    /// Per sector, what `measure` counts over the active businesses of `region` (from the
    /// rollup the dashboards read).
    pub async fn sector_totals(
        &self,
        region: &RegionCode,
        measure: Measure,
    ) -> Result<Vec<(String, f64)>> {
        let column = match measure {
            Measure::Count => "n",
            Measure::Employees => "employees",
            Measure::Sales => "sales",
        };
        // Sales of a province pass i64 at the per-record maximum: summed wide.
        let sql = format!(
            "SELECT sector_code, {} FROM umkm_rollup \
             WHERE (village_code = $1 OR village_code LIKE $2) AND status <> 'inactive' \
             GROUP BY sector_code ORDER BY sector_code",
            crate::sql::wide_sum(column, "v")
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let v = crate::sql::get_wide_sum(r, "v")?;
                Ok((r.try_get("sector_code")?, v as f64))
            })
            .collect()
    }
}

fn participant_from_row(r: &sqlx::any::AnyRow) -> Result<ParticipantRow> {
    let group: String = r.try_get("grp")?;
    Ok(ParticipantRow {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        name: r.try_get("name")?,
        group: Group::parse(&group).ok_or_else(|| corrupt("participant group"))?,
        organisation: r.try_get("organisation")?,
        submitted_at: r.try_get("submitted_at")?,
        answers: r.try_get("answers")?,
    })
}
