//! Demo data only (`sentra demo`, `serve --demo`): what the demo needs beyond the registry's
//! own writes, kept apart so that no page or API reaches it.

use chrono::NaiveDateTime;
use sentra_domain::scope::Scope;
use sqlx::Row;

use crate::catalogue::catalog::PUBLIC_UMKM;
use crate::sql::scope_admits;
use crate::{Database, Result};

/// A public business as the demo's catalogue needs it: what it is called and its sector, to
/// give it products of its own trade.
#[derive(Debug, Clone)]
pub struct DemoSeller {
    pub id: String,
    pub name: String,
    pub sector: String,
}

impl Database {
    /// The next `limit` businesses in id order after `after`, with the name and sector of those
    /// in the scope that are public (verified, not merged away): the sellers a demo catalogue
    /// can fill, a page at a time. `None` when the walk is over.
    pub async fn demo_sellers_after(
        &self,
        scope: &Scope,
        after: &str,
        limit: u32,
    ) -> Result<Option<(String, Vec<DemoSeller>)>> {
        // A page of the whole registry by its key, the public ones kept below: a filter on the
        // status here lets a planner walk the status index and sort a million rows per page.
        let rows = sqlx::query(&format!(
            "SELECT u.id, u.name, u.sector_code, u.village_code, u.owner_user_id, \
             CASE WHEN {PUBLIC_UMKM} THEN 1 ELSE 0 END AS public FROM umkm u \
             WHERE u.id > $1 ORDER BY u.id LIMIT {limit}"
        ))
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let last: String = last.try_get("id")?;
        let mut sellers = Vec::new();
        for r in &rows {
            let village: String = r.try_get("village_code")?;
            let owner: Option<String> = r.try_get("owner_user_id")?;
            let public: i64 = r.try_get("public")?;
            if public == 1 && scope_admits(scope, &village, owner.as_deref()) {
                sellers.push(DemoSeller {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    sector: r.try_get("sector_code")?,
                });
            }
        }
        Ok(Some((last, sellers)))
    }

    /// Dates generated businesses as registered at past moments (`created_at`; a verified one
    /// verified at the second moment, or now if that is still to come), so that the year-end
    /// figures of past years have content. `updated_at` stays: followers of changes read it.
    /// No audit entry of its own: the dates complete the batch that `insert_umkm_batch` has
    /// just audited (`bulk_create`), one entry per batch as before.
    pub async fn demo_set_registered(
        &self,
        dates: &[(String, NaiveDateTime, NaiveDateTime)],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = chrono::Utc::now();
        // As `now_text` writes them, so that they sort with the other timestamps.
        let stamp = |at: &NaiveDateTime| {
            at.and_utc()
                .min(now)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string()
        };
        for (id, registered, verified) in dates {
            sqlx::query(
                "UPDATE umkm SET created_at = $1, \
                 verified_at = CASE WHEN verified_at IS NULL THEN NULL ELSE $2 END WHERE id = $3",
            )
            .bind(stamp(registered))
            .bind(stamp(verified))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// WhatsApp consent for most verified businesses of `region` with an owner's phone (those
    /// whose id ends in 0–9: about five in eight), as given on the registration form: the demo's
    /// invitations then reach someone. Returns how many.
    pub async fn demo_give_consents(
        &self,
        region: &sentra_domain::region::RegionCode,
    ) -> Result<u64> {
        let n = sqlx::query(
            "INSERT INTO contact_consents (umkm_id, channel, given_at, given_how, given_by) \
             SELECT id, 'whatsapp', $1, 'form', 'demo' FROM umkm \
             WHERE (village_code = $2 OR village_code LIKE $3) AND status = 'verified' \
             AND merged_into IS NULL AND owner_phone IS NOT NULL \
             AND substr(id, length(id), 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') \
             ON CONFLICT (umkm_id, channel) DO NOTHING",
        )
        .bind(crate::now_text())
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n)
    }
}
