//! Partners, their requests and the products shortlisted for them, and curated exhibitions, as
//! stored (issue 11). Everything is inside the caller's region scope; writes are audited.

mod exhibitions;
pub(crate) mod gallery;
mod matching;
mod partners;

pub use exhibitions::{ExhibitItem, ExhibitionRecord};

use sentra_domain::partnership::{Offer, Outcome, PartnerKind, Request};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use crate::sql::stored_day;
use crate::{Result, StorageError};

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
