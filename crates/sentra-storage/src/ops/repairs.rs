//! Data repairs that run once after the migrations: stored values that an older version got
//! wrong, put right with an audit entry on each record changed and a row in `data_repairs`
//! saying when and how many (migration 0032).

use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, now_text};

/// P-IRT documents stored without an expiry date get the one their number gives (issue 29).
const PIRT_EXPIRY: &str = "pirt_expiry_from_number";

impl Database {
    /// Runs the repairs that have not run on this database yet; returns what each changed.
    pub(crate) async fn run_data_repairs(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut done = Vec::new();
        if !self.repair_done(PIRT_EXPIRY).await? {
            let n = self.derive_pirt_expiry().await?;
            if n > 0 {
                tracing::info!(
                    repair = PIRT_EXPIRY,
                    changed = n,
                    "P-IRT expiry derived from the number where none was stored"
                );
            }
            done.push((PIRT_EXPIRY, n));
        }
        Ok(done)
    }

    async fn repair_done(&self, name: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM data_repairs WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Peraturan BPOM 22/2018: the last two digits of a P-IRT number are the year it expires.
    /// Documents saved before the form derived it kept no expiry, so the renewal reminders and
    /// the legality coverage could not see them.
    async fn derive_pirt_expiry(&self) -> Result<i64> {
        let today = chrono::Utc::now().date_naive();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let rows = sqlx::query(
            "SELECT umkm_id, number, issued_on FROM umkm_documents \
             WHERE kind = 'pirt' AND expires_on IS NULL ORDER BY umkm_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let actor = Actor::system("sentra migrate");
        let mut changed = 0;
        for r in &rows {
            let id: String = r.try_get("umkm_id")?;
            let number: String = r.try_get("number")?;
            let issued: Option<String> = r.try_get("issued_on")?;
            let issued_on = issued
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let Some(expires) =
                sentra_domain::umkm::pirt_expiry_from_number(&number, issued_on, today)
            else {
                continue;
            };
            let expires = expires.format("%Y-%m-%d").to_string();
            sqlx::query(
                "UPDATE umkm_documents SET expires_on = $1 \
                 WHERE umkm_id = $2 AND kind = 'pirt' AND expires_on IS NULL",
            )
            .bind(&expires)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                &self.audit_chain,
                &actor,
                "derive_pirt_expiry",
                "umkm",
                Some(&id),
                &serde_json::json!({ "documents.pirt.expires_on": [null, expires] }),
            )
            .await?;
            changed += 1;
        }
        sqlx::query(
            "INSERT INTO data_repairs (name, done_at, changed) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(PIRT_EXPIRY)
        .bind(now_text())
        .bind(changed)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(changed)
    }
}
