//! Rounds: created, edited while a draft, moved through their statuses, and the sector
//! figures their location quotients are computed from.

use sentra_domain::flagship::lq::Measure;
use sentra_domain::flagship::round::{Criterion, permendagri_9_2014};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use super::{
    CandidateRow, RoundRecord, RoundSettings, RoundStatus, RoundSummary, corrupt, weights_json,
};
use crate::accounts::audit::{self, Actor};
use crate::error::invalid;
use crate::{Database, Result, StorageError, now_text};

impl Database {
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
        for (i, c) in permendagri_9_2014().iter().enumerate() {
            sqlx::query(
                "INSERT INTO flagship_criteria (round_id, code, parent_code, position, name) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(&c.code)
            .bind(&c.parent)
            .bind(i as i64)
            .bind(&c.name)
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
        // Each field as [before, after], the unchanged left out: the trail reads "A → B".
        let names = |list: Vec<String>| list.join(", ");
        let pairs = [
            ("title", old.settings.title.clone(), settings.title.clone()),
            (
                "year",
                old.settings.year.to_string(),
                settings.year.to_string(),
            ),
            (
                "candidate_mode",
                old.settings.mode.as_str().into(),
                settings.mode.as_str().into(),
            ),
            (
                "weighting",
                old.settings.method.as_str().into(),
                settings.method.as_str().into(),
            ),
            (
                "candidates",
                names(old.candidates.iter().map(|c| c.name.clone()).collect()),
                names(candidates.iter().map(|c| c.name.clone()).collect()),
            ),
            (
                "criteria",
                names(old.criteria.iter().map(|c| c.name.clone()).collect()),
                names(criteria.iter().map(|c| c.name.clone()).collect()),
            ),
        ];
        let changes = serde_json::Value::Object(
            pairs
                .into_iter()
                .filter(|(_, before, after)| before != after)
                .map(|(k, before, after)| (k.to_string(), serde_json::json!([before, after])))
                .collect(),
        );
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
        // Per kecamatan above the kelurahan (migration 0035): thousands of rows, not 500,000.
        let (table, place) = if region.level() == sentra_domain::region::RegionLevel::Village {
            ("umkm_rollup", "village_code")
        } else {
            ("umkm_district_rollup", "district_code")
        };
        let sql = format!(
            "SELECT sector_code, {} FROM {table} \
             WHERE ({place} = $1 OR {place} LIKE $2) AND status <> 'inactive' \
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
