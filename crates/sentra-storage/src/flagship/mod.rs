//! Flagship product selection rounds as stored (issue 10): a round of a region and year, its
//! candidates and criteria (editable while the round is a draft, frozen once participants
//! answer), its FGD participants with their personal links (the secret is shown once; its hash
//! is kept), their judgements and ratings, and the figures per sector for location quotients.

mod answers;
mod rounds;

use std::collections::BTreeMap;

use sentra_domain::FieldErrors;
use sentra_domain::flagship::ahp::Method;
use sentra_domain::flagship::lq::Measure;
use sentra_domain::flagship::round::{CandidateMode, Criterion, Group, Hierarchy, Setup};
use sentra_domain::region::RegionCode;
use sqlx::Row;

use crate::{Database, Result, StorageError};

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
            (Draft | Closed, Open) | (Open | Published, Closed) | (Closed, Published)
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
    /// Counted in the group's result although inconsistent: by whom (the facilitator's
    /// decision); `None` leaves an inconsistent participant out.
    pub counted_anyway_by: Option<String>,
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

    async fn round_by_id(&self, id: &str) -> Result<RoundRecord> {
        let sql = format!("SELECT {ROUND_COLUMNS} FROM flagship_rounds WHERE id = $1");
        let r = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        self.round_from_row(&r).await
    }
}
