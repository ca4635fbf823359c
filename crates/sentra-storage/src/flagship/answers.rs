//! FGD participants of a round, their personal links, and their judgements and ratings.

use std::collections::BTreeMap;

use sentra_domain::flagship::ahp::PairwiseMatrix;
use sentra_domain::flagship::round::{Group, Response};
use sentra_domain::scope::Scope;
use sqlx::Row;

use super::{ParticipantRow, RoundRecord, RoundStatus, corrupt};
use crate::accounts::audit::{self, Actor};
use crate::accounts::users::{new_secret, secret_hash};
use crate::error::invalid;
use crate::{Database, Result, StorageError, now_text};

impl Database {
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
        let changes = serde_json::json!({ "participant": id, "participant_name": name, "group": group.as_str() });
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
                counted_anyway_by: None,
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
        let name: Option<String> =
            sqlx::query("SELECT name FROM flagship_participants WHERE id = $1 AND round_id = $2")
                .bind(participant_id)
                .bind(round_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("name"))
                .transpose()?;
        let done = sqlx::query("DELETE FROM flagship_participants WHERE id = $1 AND round_id = $2")
            .bind(participant_id)
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        // Her link, if it still waits, must not go: a mistyped number would hand a stranger
        // a dead link, or a live one to a removed person's answers.
        sqlx::query(
            "UPDATE messages SET state = 'cancelled', error = 'cancelled_by_staff', \
             lease_until = NULL, updated_at = $1 WHERE dedup_key = $2 AND state = 'queued'",
        )
        .bind(now_text())
        .bind(format!("fgd:{participant_id}"))
        .execute(&mut *tx)
        .await?;
        let changes =
            serde_json::json!({ "participant": participant_id, "participant_name": name });
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
        self.hide_links_of_ended_messages().await?;
        Ok(())
    }

    /// Counts an inconsistent participant in the group's result anyway (`counted`), or leaves
    /// them out again, as the facilitator decides; not once the result is published (withdraw
    /// it first). Audited with the decision.
    pub async fn count_participant_anyway(
        &self,
        scope: &Scope,
        round_id: &str,
        participant_id: &str,
        counted: bool,
        actor: &Actor,
    ) -> Result<()> {
        let r = self.round(scope, round_id).await?;
        if r.status == RoundStatus::Published {
            return Err(invalid("participants", "round_published"));
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let (by, at) = if counted {
            (Some(actor.name.clone()), Some(now_text()))
        } else {
            (None, None)
        };
        let done = sqlx::query(
            "UPDATE flagship_participants SET counted_anyway_by = $1, counted_anyway_at = $2 \
             WHERE id = $3 AND round_id = $4",
        )
        .bind(by)
        .bind(at)
        .bind(participant_id)
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        let name: String = sqlx::query("SELECT name FROM flagship_participants WHERE id = $1")
            .bind(participant_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("name")?;
        let changes = serde_json::json!({
            "participant": participant_id,
            "participant_name": name,
            "counted": counted,
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            if counted {
                "count_inconsistent_participant"
            } else {
                "leave_out_inconsistent_participant"
            },
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
             p.counted_anyway_by, \
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
             p.counted_anyway_by, \
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
        counted_anyway_by: r.try_get("counted_anyway_by")?,
    })
}
