//! Partners, their requests and the products shortlisted for them, and curated exhibitions, as
//! stored (issue 11). Everything is inside the caller's region scope; writes are audited.

pub(crate) mod gallery;

use std::collections::HashMap;

use chrono::NaiveDate;
use sentra_domain::FieldErrors;
use sentra_domain::geo::Coordinates;
use sentra_domain::partnership::{Offer, Outcome, PartnerKind, Request};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::sql::{day_text, parse_day_opt, stored_day};
use crate::{Database, Result, StorageError, now_text};

/// A partner of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecord {
    pub id: String,
    pub region_code: String,
    pub name: String,
    pub kind: PartnerKind,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub notes: Option<String>,
    pub user_login: Option<String>,
}

/// What a partner is, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    pub region: RegionCode,
    pub name: String,
    pub kind: PartnerKind,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub notes: Option<String>,
    pub user_login: Option<String>,
}

/// A stored request with its partner.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub region_code: String,
    pub request: Request,
    pub open: bool,
    pub created_at: String,
}

/// A product shortlisted for a request, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRecord {
    pub request_id: String,
    pub product_id: String,
    pub product_name: String,
    pub product_slug: String,
    pub umkm_id: String,
    pub umkm_name: String,
    pub outcome: Outcome,
    pub order_value: Option<i64>,
    pub note: Option<String>,
    /// The partner's name (for a business's page).
    pub partner_name: String,
    pub request_title: String,
}

/// A product as matching reads it, with its business.
#[derive(Debug, Clone)]
pub struct OfferRecord {
    pub product_id: String,
    pub product_slug: String,
    pub umkm_id: String,
    pub umkm_name: String,
    /// The business's WhatsApp link, when it published one.
    pub whatsapp: Option<String>,
    pub offer: Offer,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("partnership {what}"))
}

fn in_scope(scope: &Scope, region: &str) -> bool {
    scope.owner().is_none() && RegionCode::parse(region).is_ok_and(|c| scope.contains(&c))
}

fn partner_from_row(r: &sqlx::any::AnyRow) -> Result<PartnerRecord> {
    let kind: String = r.try_get("kind")?;
    Ok(PartnerRecord {
        id: r.try_get("id")?,
        region_code: r.try_get("region_code")?,
        name: r.try_get("name")?,
        kind: PartnerKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_email: r.try_get("contact_email")?,
        notes: r.try_get("notes")?,
        user_login: r.try_get("user_login")?,
    })
}

const REQUEST_COLUMNS: &str = "r.id, r.partner_id, p.name AS partner_name, p.region_code, \
     r.title, r.category, r.keywords, r.quantity, r.deliver_by, r.price_min, r.price_max, \
     r.certificates, r.packaging, r.max_weight_grams, r.max_side_mm, r.region_filter, r.notes, \
     r.status, r.created_at FROM partner_requests r JOIN partners p ON p.id = r.partner_id";

fn request_from_row(r: &sqlx::any::AnyRow) -> Result<RequestRecord> {
    let keywords: String = r.try_get("keywords")?;
    let packaging: String = r.try_get("packaging")?;
    let certificates: String = r.try_get("certificates")?;
    let certificates: Vec<String> = serde_json::from_str(&certificates).unwrap_or_default();
    let deliver_by: String = r.try_get("deliver_by")?;
    let status: String = r.try_get("status")?;
    Ok(RequestRecord {
        id: r.try_get("id")?,
        partner_id: r.try_get("partner_id")?,
        partner_name: r.try_get("partner_name")?,
        region_code: r.try_get("region_code")?,
        request: Request {
            title: r.try_get("title")?,
            category: r.try_get("category")?,
            keywords: keywords.split_whitespace().map(str::to_string).collect(),
            quantity: r.try_get("quantity")?,
            deliver_by: stored_day(&deliver_by, "partnership date")?,
            price_min: r.try_get("price_min")?,
            price_max: r.try_get("price_max")?,
            certificates: certificates
                .iter()
                .filter_map(|c| LegalKind::parse(c))
                .collect(),
            packaging: packaging.split_whitespace().map(str::to_string).collect(),
            max_weight_grams: r.try_get("max_weight_grams")?,
            max_side_mm: r.try_get("max_side_mm")?,
            region: r.try_get("region_filter")?,
            notes: r.try_get("notes")?,
        },
        open: status == "open",
        created_at: r.try_get("created_at")?,
    })
}

const CANDIDATE_COLUMNS: &str = "c.request_id, c.product_id, pr.name AS product_name, \
     pr.slug AS product_slug, c.umkm_id, u.name AS umkm_name, c.outcome, c.order_value, \
     c.note, p.name AS partner_name, r.title AS request_title \
     FROM request_candidates c JOIN products pr ON pr.id = c.product_id \
     JOIN umkm u ON u.province_code = c.province_code AND u.id = c.umkm_id JOIN partner_requests r ON r.id = c.request_id \
     JOIN partners p ON p.id = r.partner_id";

fn candidate_from_row(r: &sqlx::any::AnyRow) -> Result<CandidateRecord> {
    let outcome: String = r.try_get("outcome")?;
    Ok(CandidateRecord {
        request_id: r.try_get("request_id")?,
        product_id: r.try_get("product_id")?,
        product_name: r.try_get("product_name")?,
        product_slug: r.try_get("product_slug")?,
        umkm_id: r.try_get("umkm_id")?,
        umkm_name: r.try_get("umkm_name")?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| corrupt("outcome"))?,
        order_value: r.try_get("order_value")?,
        note: r.try_get("note")?,
        partner_name: r.try_get("partner_name")?,
        request_title: r.try_get("request_title")?,
    })
}

impl Database {
    /// Adds a partner of a region in the caller's scope. Audited.
    pub async fn create_partner(
        &self,
        scope: &Scope,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<String> {
        if !in_scope(scope, p.region.as_str()) {
            return Err(StorageError::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO partners (id, region_code, name, kind, contact_name, contact_phone, \
             contact_email, notes, user_login, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(p.region.as_str())
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(&p.contact_name)
        .bind(&p.contact_phone)
        .bind(&p.contact_email)
        .bind(&p.notes)
        .bind(&p.user_login)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "name": p.name, "kind": p.kind.as_str(), "region": p.region.as_str() });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "partner",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The partners of the caller's area; a `partner` account sees only the one it speaks for.
    pub async fn partners(&self, scope: &Scope, login: Option<&str>) -> Result<Vec<PartnerRecord>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let rows = sqlx::query(
            "SELECT * FROM partners WHERE (region_code = $1 OR region_code LIKE $2) \
             AND ($3 = '' OR user_login = $3) ORDER BY name, id",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(login.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(partner_from_row).collect()
    }

    /// A partner in the caller's scope (for a `partner` account, only its own).
    pub async fn partner(
        &self,
        scope: &Scope,
        id: &str,
        login: Option<&str>,
    ) -> Result<PartnerRecord> {
        let r = sqlx::query("SELECT * FROM partners WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let p = partner_from_row(&r)?;
        let mine = login.is_none_or(|l| p.user_login.as_deref() == Some(l));
        if !in_scope(scope, &p.region_code) || !mine {
            return Err(StorageError::NotFound);
        }
        Ok(p)
    }

    /// Records a partner's request. Audited.
    pub async fn create_request(
        &self,
        scope: &Scope,
        partner_id: &str,
        request: &Request,
        login: Option<&str>,
        actor: &Actor,
    ) -> Result<String> {
        self.partner(scope, partner_id, login).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let certificates: Vec<&str> = request.certificates.iter().map(|k| k.as_str()).collect();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO partner_requests (id, partner_id, title, category, keywords, quantity, \
             deliver_by, price_min, price_max, certificates, packaging, max_weight_grams, \
             max_side_mm, region_filter, notes, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'open', \
             $16, $17)",
        )
        .bind(&id)
        .bind(partner_id)
        .bind(&request.title)
        .bind(&request.category)
        .bind(request.keywords.join(" "))
        .bind(request.quantity)
        .bind(day_text(request.deliver_by))
        .bind(request.price_min)
        .bind(request.price_max)
        .bind(serde_json::json!(certificates).to_string())
        .bind(request.packaging.join(" "))
        .bind(request.max_weight_grams)
        .bind(request.max_side_mm)
        .bind(&request.region)
        .bind(&request.notes)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({
            "partner": partner_id, "title": request.title, "quantity": request.quantity,
            "deliver_by": day_text(request.deliver_by),
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "partner_request",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A partner's requests, newest first.
    pub async fn requests_of(&self, partner_id: &str) -> Result<Vec<RequestRecord>> {
        let sql =
            format!("SELECT {REQUEST_COLUMNS} WHERE r.partner_id = $1 ORDER BY r.created_at DESC");
        let rows = sqlx::query(&sql)
            .bind(partner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// A request the caller may see.
    pub async fn partner_request(
        &self,
        scope: &Scope,
        id: &str,
        login: Option<&str>,
    ) -> Result<RequestRecord> {
        let sql = format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1");
        let r = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let rec = request_from_row(&r)?;
        self.partner(scope, &rec.partner_id, login).await?;
        Ok(rec)
    }

    /// Closes or reopens a request. Audited.
    pub async fn set_request_open(
        &self,
        scope: &Scope,
        id: &str,
        open: bool,
        actor: &Actor,
    ) -> Result<()> {
        self.partner_request(scope, id, None).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE partner_requests SET status = $1 WHERE id = $2")
            .bind(if open { "open" } else { "closed" })
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({ "open": open });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "partner_request",
            Some(id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

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

/// What one product did at an exhibition: its id, items shown, items sold, sales.
pub type ExhibitResult = (String, Option<i64>, Option<i64>, Option<i64>);

/// An exhibition with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhibitionRecord {
    pub id: String,
    pub region_code: String,
    pub slug: String,
    pub exhibition: sentra_domain::partnership::Exhibition,
    pub published: bool,
    pub visitors: Option<i64>,
}

/// A product shown at an exhibition, with the curator's note and what it sold there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhibitItem {
    pub product_id: String,
    pub product_name: String,
    pub product_slug: String,
    pub umkm_id: String,
    pub umkm_name: String,
    pub curator_note: Option<String>,
    pub shown: Option<i64>,
    pub sold: Option<i64>,
    pub sales_value: Option<i64>,
}

fn exhibition_from_row(r: &sqlx::any::AnyRow) -> Result<ExhibitionRecord> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let starts: String = r.try_get("starts_on")?;
    let ends: String = r.try_get("ends_on")?;
    Ok(ExhibitionRecord {
        id: r.try_get("id")?,
        region_code: r.try_get("region_code")?,
        slug: r.try_get("slug")?,
        exhibition: sentra_domain::partnership::Exhibition {
            title: r.try_get("title")?,
            theme: r.try_get("theme")?,
            online: kind == "online",
            venue: r.try_get("venue")?,
            starts_on: stored_day(&starts, "partnership date")?,
            ends_on: stored_day(&ends, "partnership date")?,
            description: r.try_get("description")?,
        },
        published: status == "published",
        visitors: r.try_get("visitors")?,
    })
}

/// `Pameran Tenun Nusantara` → `pameran-tenun-nusantara-3f9a`.
fn slug_of(title: &str, id: &str) -> String {
    let mut s = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let tail: String = id
        .chars()
        .rev()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(4)
        .collect();
    format!("{}-{tail}", s.trim_end_matches('-'))
}

impl Database {
    /// A new (draft) exhibition of a region in the caller's scope. Audited.
    pub async fn create_exhibition(
        &self,
        scope: &Scope,
        region: &RegionCode,
        x: &sentra_domain::partnership::Exhibition,
        actor: &Actor,
    ) -> Result<String> {
        if !in_scope(scope, region.as_str()) {
            return Err(StorageError::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO exhibitions (id, region_code, slug, title, theme, kind, venue, starts_on, \
             ends_on, description, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12)",
        )
        .bind(&id)
        .bind(region.as_str())
        .bind(slug_of(&x.title, &id))
        .bind(&x.title)
        .bind(&x.theme)
        .bind(if x.online { "online" } else { "offline" })
        .bind(&x.venue)
        .bind(day_text(x.starts_on))
        .bind(day_text(x.ends_on))
        .bind(&x.description)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "title": x.title, "starts_on": day_text(x.starts_on) });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "exhibition",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The exhibitions of the caller's area, the latest first.
    pub async fn exhibitions(&self, scope: &Scope) -> Result<Vec<ExhibitionRecord>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let rows = sqlx::query(
            "SELECT * FROM exhibitions WHERE region_code = $1 OR region_code LIKE $2 \
             ORDER BY starts_on DESC, id",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exhibition_from_row).collect()
    }

    /// Published exhibitions, for the public (the latest first).
    pub async fn published_exhibitions(&self) -> Result<Vec<ExhibitionRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM exhibitions WHERE status = 'published' ORDER BY starts_on DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exhibition_from_row).collect()
    }

    /// An exhibition in the caller's scope.
    pub async fn exhibition(&self, scope: &Scope, id: &str) -> Result<ExhibitionRecord> {
        let r = sqlx::query("SELECT * FROM exhibitions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let x = exhibition_from_row(&r)?;
        if !in_scope(scope, &x.region_code) {
            return Err(StorageError::NotFound);
        }
        Ok(x)
    }

    /// A published exhibition by its address.
    pub async fn exhibition_by_slug(&self, slug: &str) -> Result<ExhibitionRecord> {
        let r = sqlx::query("SELECT * FROM exhibitions WHERE slug = $1 AND status = 'published'")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        exhibition_from_row(&r)
    }

    /// The products of an exhibition, in order.
    pub async fn exhibit_items(&self, exhibition_id: &str) -> Result<Vec<ExhibitItem>> {
        let rows = sqlx::query(
            "SELECT i.product_id, p.name AS product_name, p.slug AS product_slug, i.umkm_id, \
             u.name AS umkm_name, i.curator_note, i.shown, i.sold, i.sales_value \
             FROM exhibition_items i JOIN products p ON p.id = i.product_id \
             JOIN umkm u ON u.province_code = i.province_code AND u.id = i.umkm_id WHERE i.exhibition_id = $1 ORDER BY i.position",
        )
        .bind(exhibition_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ExhibitItem {
                    product_id: r.try_get("product_id")?,
                    product_name: r.try_get("product_name")?,
                    product_slug: r.try_get("product_slug")?,
                    umkm_id: r.try_get("umkm_id")?,
                    umkm_name: r.try_get("umkm_name")?,
                    curator_note: r.try_get("curator_note")?,
                    shown: r.try_get("shown")?,
                    sold: r.try_get("sold")?,
                    sales_value: r.try_get("sales_value")?,
                })
            })
            .collect()
    }

    /// Curates a public product of a business in scope into an exhibition, with a note
    /// (again: the note changes). Audited.
    pub async fn curate_into(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        product_id: &str,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        // A public exhibition shows only what the catalogue shows (DESIGN.md, "Public means
        // verified").
        let r = sqlx::query(&format!(
            "SELECT p.umkm_id, u.village_code FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.id = $1 AND p.status = 'published' AND {}",
            crate::catalogue::catalog::PUBLIC_UMKM
        ))
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.push("product", "product_not_published");
            StorageError::Invalid(e)
        })?;
        let village: String = r.try_get("village_code")?;
        if !in_scope(scope, &village) {
            return Err(StorageError::NotFound);
        }
        let umkm: String = r.try_get("umkm_id")?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let position: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) AS p FROM exhibition_items \
             WHERE exhibition_id = $1",
        )
        .bind(exhibition_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("p")?;
        sqlx::query(
            "INSERT INTO exhibition_items (exhibition_id, product_id, umkm_id, position, \
             curator_note) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (exhibition_id, product_id) DO UPDATE SET curator_note = $5",
        )
        .bind(exhibition_id)
        .bind(product_id)
        .bind(&umkm)
        .bind(position)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "product": product_id, "note": note });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "curate",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a product out of an exhibition. Audited.
    pub async fn uncurate(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        product_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("DELETE FROM exhibition_items WHERE exhibition_id = $1 AND product_id = $2")
            .bind(exhibition_id)
            .bind(product_id)
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({ "product": product_id });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "uncurate",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes (or withdraws) an exhibition and records what happened there: visitors and,
    /// per product, items shown, sold and the sales. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_exhibition(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        published: bool,
        visitors: Option<i64>,
        results: &[ExhibitResult],
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE exhibitions SET status = $1, visitors = $2 WHERE id = $3")
            .bind(if published { "published" } else { "draft" })
            .bind(visitors)
            .bind(exhibition_id)
            .execute(&mut *tx)
            .await?;
        for (product, shown, sold, value) in results {
            sqlx::query(
                "UPDATE exhibition_items SET shown = $1, sold = $2, sales_value = $3 \
                 WHERE exhibition_id = $4 AND product_id = $5",
            )
            .bind(*shown)
            .bind(*sold)
            .bind(*value)
            .bind(exhibition_id)
            .bind(product)
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({ "published": published, "visitors": visitors, "items": results.len() });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "results",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Database {
    /// Public products (published, of a verified business) in the caller's scope whose name
    /// holds `q`: (id, name, business), to curate into an exhibition.
    pub async fn find_published_products(
        &self,
        scope: &Scope,
        q: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let q = q.trim().to_lowercase();
        if q.chars().count() < 2 || scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows = sqlx::query(&format!(
            "SELECT p.id, p.name, u.name AS umkm_name FROM products p \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE p.status = 'published' \
             AND {} AND (u.village_code = $1 OR u.village_code LIKE $2) \
             AND (LOWER(p.name) LIKE $3 ESCAPE '\\' OR LOWER(u.name) LIKE $3 ESCAPE '\\') \
             ORDER BY p.name, p.id LIMIT $4",
            crate::catalogue::catalog::PUBLIC_UMKM
        ))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(format!("%{escaped}%"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("umkm_name")?,
                ))
            })
            .collect()
    }
}
