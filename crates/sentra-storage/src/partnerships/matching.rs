//! Matching products to requests: the offers read for matching, the shortlist and its
//! outcomes.

use std::collections::HashMap;

use chrono::NaiveDate;
use sentra_domain::FieldErrors;
use sentra_domain::geo::Coordinates;
use sentra_domain::partnership::{Offer, Outcome};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use super::{CANDIDATE_COLUMNS, CandidateRecord, OfferRecord, candidate_from_row, in_scope};
use crate::accounts::audit::{self, Actor};
use crate::sql::parse_day_opt;
use crate::{Database, Result, StorageError, now_text};

impl Database {
    /// The catalogue's published products of businesses in `region` (in scope), as matching
    /// reads them: with their business's certificates, place, on-time deliveries to government
    /// units, and whether it attended the packaging clinic.
    pub async fn offers(&self, scope: &Scope, region: &RegionCode) -> Result<Vec<OfferRecord>> {
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT p.id, p.slug, p.name, p.description, p.category_code, p.price_rupiah, \
             p.capacity_per_month, p.stock, p.weight_grams, p.length_mm, p.width_mm, \
             p.height_mm, p.packaging, u.id AS umkm_id, u.name AS umkm_name, u.village_code, \
             u.latitude, u.longitude, u.links, \
             (SELECT COUNT(*) FROM purchases q WHERE q.umkm_id = u.id AND q.due_on IS NOT NULL \
              AND q.delivered_on IS NOT NULL) AS judged, \
             (SELECT COUNT(*) FROM purchases q WHERE q.umkm_id = u.id AND q.due_on IS NOT NULL \
              AND q.delivered_on IS NOT NULL AND q.delivered_on <= q.due_on) AS on_time, \
             (SELECT COUNT(*) FROM activity_participants ap \
              JOIN activities a ON a.id = ap.activity_id WHERE ap.umkm_id = u.id \
              AND ap.state IN ('attended', 'completed') \
              AND (',' || a.topics || ',') LIKE '%,pengemasan,%') AS packaging_clinic \
             FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.status = 'published' AND u.merged_into IS NULL AND u.status <> 'inactive' \
             AND (u.village_code = $1 OR u.village_code LIKE $2)",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        // The businesses' certificates, in one query.
        let mut certificates: HashMap<String, Vec<(LegalKind, Option<NaiveDate>)>> = HashMap::new();
        for r in sqlx::query(
            "SELECT d.umkm_id, d.kind, d.expires_on FROM umkm_documents d \
             JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
             WHERE u.village_code = $1 OR u.village_code LIKE $2",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?
        {
            let kind: String = r.try_get("kind")?;
            let expires: Option<String> = r.try_get("expires_on")?;
            if let Some(k) = LegalKind::parse(&kind) {
                certificates
                    .entry(r.try_get("umkm_id")?)
                    .or_default()
                    .push((k, parse_day_opt(expires)));
            }
        }
        rows.iter()
            .map(|r| {
                let umkm_id: String = r.try_get("umkm_id")?;
                let links: String = r.try_get("links")?;
                let whatsapp = serde_json::from_str::<serde_json::Value>(&links)
                    .ok()
                    .and_then(|v| {
                        v.as_array()?.iter().find_map(|l| {
                            (l["kind"] == "whatsapp")
                                .then(|| l["url"].as_str().map(str::to_string))?
                        })
                    });
                let (lat, lon): (Option<f64>, Option<f64>) =
                    (r.try_get("latitude")?, r.try_get("longitude")?);
                let dims: (Option<i64>, Option<i64>, Option<i64>) = (
                    r.try_get("length_mm")?,
                    r.try_get("width_mm")?,
                    r.try_get("height_mm")?,
                );
                let clinic: i64 = r.try_get("packaging_clinic")?;
                Ok(OfferRecord {
                    product_id: r.try_get("id")?,
                    product_slug: r.try_get("slug")?,
                    umkm_name: r.try_get("umkm_name")?,
                    whatsapp,
                    offer: Offer {
                        name: r.try_get("name")?,
                        description: r
                            .try_get::<Option<String>, _>("description")?
                            .unwrap_or_default(),
                        category: r.try_get("category_code")?,
                        price: r.try_get("price_rupiah")?,
                        capacity_per_month: r.try_get("capacity_per_month")?,
                        stock: r.try_get("stock")?,
                        weight_grams: r.try_get("weight_grams")?,
                        dimensions_mm: match dims {
                            (Some(a), Some(b), Some(c)) => Some([a, b, c]),
                            _ => None,
                        },
                        packaging: r.try_get("packaging")?,
                        certificates: certificates.get(&umkm_id).cloned().unwrap_or_default(),
                        village_code: r.try_get("village_code")?,
                        position: match (lat, lon) {
                            (Some(a), Some(b)) => Coordinates::new(a, b).ok(),
                            _ => None,
                        },
                        on_time: (r.try_get("on_time")?, r.try_get("judged")?),
                        topics: if clinic > 0 {
                            vec![sentra_domain::partnership::PACKAGING_TOPIC.to_string()]
                        } else {
                            Vec::new()
                        },
                    },
                    umkm_id,
                })
            })
            .collect()
    }

    /// Puts a product on a request's shortlist (once). Audited.
    pub async fn shortlist_product(
        &self,
        scope: &Scope,
        request_id: &str,
        product_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.partner_request(scope, request_id, None).await?;
        let r = sqlx::query(
            "SELECT p.umkm_id, u.village_code FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.id = $1 AND u.merged_into IS NULL",
        )
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let village: String = r.try_get("village_code")?;
        if !in_scope(scope, &village) {
            return Err(StorageError::NotFound);
        }
        let umkm: String = r.try_get("umkm_id")?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done = sqlx::query(
            "INSERT INTO request_candidates (request_id, product_id, umkm_id, outcome, \
             updated_by, updated_at) VALUES ($1, $2, $3, 'shortlisted', $4, $5) \
             ON CONFLICT (request_id, product_id) DO NOTHING",
        )
        .bind(request_id)
        .bind(product_id)
        .bind(&umkm)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            let changes = serde_json::json!({ "product": product_id, "umkm": umkm, "outcome": "shortlisted" });
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "shortlist",
                "partner_request",
                Some(request_id),
                &changes,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records where a shortlisted product stands (and the order's value). Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_outcome(
        &self,
        scope: &Scope,
        request_id: &str,
        product_id: &str,
        outcome: Outcome,
        order_value: Option<i64>,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        self.partner_request(scope, request_id, None).await?;
        if outcome.ordered() && order_value.is_none() {
            let mut e = FieldErrors::new();
            e.push("order_value", "required");
            return Err(StorageError::Invalid(e));
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done = sqlx::query(
            "UPDATE request_candidates SET outcome = $1, order_value = $2, note = $3, \
             updated_by = $4, updated_at = $5 WHERE request_id = $6 AND product_id = $7",
        )
        .bind(outcome.as_str())
        .bind(order_value)
        .bind(note)
        .bind(&actor.name)
        .bind(now_text())
        .bind(request_id)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        let changes = serde_json::json!({
            "product": product_id, "outcome": outcome.as_str(), "order_value": order_value,
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "outcome",
            "partner_request",
            Some(request_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A request's shortlist.
    pub async fn candidates_of(&self, request_id: &str) -> Result<Vec<CandidateRecord>> {
        let sql = format!(
            "SELECT {CANDIDATE_COLUMNS} WHERE c.request_id = $1 ORDER BY c.updated_at, c.product_id"
        );
        let rows = sqlx::query(&sql)
            .bind(request_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(candidate_from_row).collect()
    }

    /// Every shortlist entry of a partner's requests (for its totals).
    pub async fn candidates_of_partner(&self, partner_id: &str) -> Result<Vec<CandidateRecord>> {
        let sql = format!(
            "SELECT {CANDIDATE_COLUMNS} WHERE r.partner_id = $1 ORDER BY c.updated_at DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(partner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(candidate_from_row).collect()
    }

    /// What partnerships brought one business (the caller may see the business).
    pub async fn partnerships_of(
        &self,
        scope: &Scope,
        umkm_id: &str,
    ) -> Result<Vec<CandidateRecord>> {
        self.umkm_village(scope, umkm_id).await?;
        let sql =
            format!("SELECT {CANDIDATE_COLUMNS} WHERE c.umkm_id = $1 ORDER BY c.updated_at DESC");
        let rows = sqlx::query(&sql)
            .bind(umkm_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(candidate_from_row).collect()
    }
}
