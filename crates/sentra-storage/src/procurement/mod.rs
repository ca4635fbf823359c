//! Procurement as stored (issue 9): government units of a region, their budgets per fiscal
//! year (revisions kept, the latest counts), purchases with their life, and the share of each
//! unit's spending that went to micro and small enterprises and cooperatives.

pub(crate) mod import;
mod purchases;
mod reports;
mod units;

pub(crate) use purchases::{insert_purchase, write_purchase_update};

use chrono::NaiveDate;
use sentra_domain::procurement::{Method, Purchase, Share, SupplierType};
use sentra_domain::region::RegionCode;
use sentra_domain::size::SizeClass;
use sqlx::Row;

use crate::sql::day_text;
use crate::{Result, StorageError};

/// A government unit (OPD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernmentUnit {
    pub id: String,
    pub region_code: String,
    pub code: String,
    pub name: String,
    /// Retired units keep their purchases but take no new ones.
    pub active: bool,
}

/// Who supplied a purchase: a registered UMKM (its type then comes from the registry) or
/// another supplier by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supplier {
    Registered {
        umkm_id: String,
        product_id: Option<String>,
    },
    Other {
        name: String,
    },
}

/// One unit's share of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitShare {
    pub unit: GovernmentUnit,
    pub share: Share,
    /// Packages up to Rp15 M awarded outside small enterprises and cooperatives.
    pub reserved_breaches: i64,
}

fn unit_from_row(r: &sqlx::any::AnyRow) -> Result<GovernmentUnit> {
    Ok(GovernmentUnit {
        id: r.try_get("id")?,
        region_code: r.try_get("region_code")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

/// A purchase as listed: its unit, the purchase, and who supplied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRow {
    pub id: String,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub purchase: Purchase,
    pub umkm_id: Option<String>,
    pub umkm_name: Option<String>,
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    pub product_slug: Option<String>,
    pub supplier_name: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

impl PurchaseRow {
    /// The supplier's name: the registered business's, or the one typed.
    pub fn supplier_label(&self) -> &str {
        self.umkm_name
            .as_deref()
            .or(self.supplier_name.as_deref())
            .unwrap_or("")
    }

    pub fn supplier(&self) -> Supplier {
        match &self.umkm_id {
            Some(umkm_id) => Supplier::Registered {
                umkm_id: umkm_id.clone(),
                product_id: self.product_id.clone(),
            },
            None => Supplier::Other {
                name: self.supplier_name.clone().unwrap_or_default(),
            },
        }
    }
}

/// Which purchases to list (all inside the caller's scope and `region`).
#[derive(Debug, Clone, Default)]
pub struct PurchaseFilter {
    pub region: Option<RegionCode>,
    pub unit_id: Option<String>,
    pub umkm_id: Option<String>,
    pub year: Option<i32>,
    /// Ordered on or before this day.
    pub until: Option<NaiveDate>,
    /// Only packages up to Rp15 M awarded outside small enterprises and cooperatives.
    pub flagged: bool,
    /// Only those accepted and not paid yet.
    pub awaiting_payment: bool,
    /// Only those to micro and small enterprises and cooperatives (`Some(true)`), or only the
    /// others (`Some(false)`).
    pub small: Option<bool>,
}

/// A budget revision of a unit's year.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BudgetRevision {
    pub revision: i64,
    #[sqlx(rename = "amount_rupiah")]
    pub amount: i64,
    pub set_by: String,
    pub set_at: String,
}

/// A registered business a purchase can be recorded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierCandidate {
    pub id: String,
    pub name: String,
    pub village_code: String,
    pub size_class: Option<SizeClass>,
}

/// An e-katalog product with what government units bought of it in a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSales {
    pub product_id: String,
    pub name: String,
    pub slug: String,
    pub umkm_id: String,
    pub umkm_name: String,
    pub listed_at: String,
    pub packages: i64,
    /// Summed wide (see `wide_sum`).
    pub value: i128,
    /// Packages bought in any year.
    pub ever: i64,
}

fn small_list() -> String {
    SupplierType::ALL
        .iter()
        .filter(|t| t.counts_for_share())
        .map(|t| format!("'{}'", t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

const PURCHASE_COLUMNS: &str = "p.id, p.unit_id, g.code AS unit_code, g.name AS unit_name, \
     p.package, p.value_rupiah, p.ordered_on, p.due_on, p.method, p.supplier_type, p.umkm_id, \
     u.name AS umkm_name, p.product_id, pr.name AS product_name, pr.slug AS product_slug, \
     p.supplier_name, p.delivered_on, p.accepted_on, p.paid_on, p.note, p.version \
     FROM purchases p JOIN government_units g ON g.id = p.unit_id \
     LEFT JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id LEFT JOIN products pr ON pr.id = p.product_id";

fn purchase_from_row(r: &sqlx::any::AnyRow) -> Result<PurchaseRow> {
    let method: String = r.try_get("method")?;
    let supplier_type: String = r.try_get("supplier_type")?;
    let ordered: String = r.try_get("ordered_on")?;
    Ok(PurchaseRow {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        purchase: Purchase {
            package: r.try_get("package")?,
            value: r.try_get("value_rupiah")?,
            ordered_on: crate::sql::stored_day_opt(Some(ordered), "purchase ordered_on")?
                .ok_or_else(|| StorageError::Corrupt("purchase date".into()))?,
            due_on: crate::sql::stored_day_opt(r.try_get("due_on")?, "purchase due_on")?,
            method: Method::parse(&method)
                .ok_or_else(|| StorageError::Corrupt(format!("purchase method {method:?}")))?,
            supplier_type: SupplierType::parse(&supplier_type)
                .ok_or_else(|| StorageError::Corrupt(format!("supplier type {supplier_type:?}")))?,
            delivered_on: crate::sql::stored_day_opt(
                r.try_get("delivered_on")?,
                "purchase delivered_on",
            )?,
            accepted_on: crate::sql::stored_day_opt(
                r.try_get("accepted_on")?,
                "purchase accepted_on",
            )?,
            paid_on: crate::sql::stored_day_opt(r.try_get("paid_on")?, "purchase paid_on")?,
        },
        umkm_id: r.try_get("umkm_id")?,
        umkm_name: r.try_get("umkm_name")?,
        product_id: r.try_get("product_id")?,
        product_name: r.try_get("product_name")?,
        product_slug: r.try_get("product_slug")?,
        supplier_name: r.try_get("supplier_name")?,
        note: r.try_get("note")?,
        version: r.try_get("version")?,
    })
}

/// What changed between two versions of a purchase, for the audit trail: `{field: [old, new]}`.
fn purchase_changes(old: &PurchaseRow, new: &Purchase, supplier: &Supplier) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, a: serde_json::Value, b: serde_json::Value| {
        if a != b {
            m.insert(k.into(), serde_json::json!([a, b]));
        }
    };
    let o = &old.purchase;
    put(
        "package",
        o.package.clone().into(),
        new.package.clone().into(),
    );
    put("value", o.value.into(), new.value.into());
    for (k, a, b) in [
        ("ordered_on", Some(o.ordered_on), Some(new.ordered_on)),
        ("due_on", o.due_on, new.due_on),
        ("delivered_on", o.delivered_on, new.delivered_on),
        ("accepted_on", o.accepted_on, new.accepted_on),
        ("paid_on", o.paid_on, new.paid_on),
    ] {
        put(k, a.map(day_text).into(), b.map(day_text).into());
    }
    put(
        "method",
        o.method.as_str().into(),
        new.method.as_str().into(),
    );
    put(
        "supplier_type",
        o.supplier_type.as_str().into(),
        new.supplier_type.as_str().into(),
    );
    let (umkm, product, name) = match supplier {
        Supplier::Registered {
            umkm_id,
            product_id,
        } => (Some(umkm_id.clone()), product_id.clone(), None),
        Supplier::Other { name } => (None, None, Some(name.clone())),
    };
    put("umkm", old.umkm_id.clone().into(), umkm.into());
    put("product", old.product_id.clone().into(), product.into());
    put(
        "supplier_name",
        old.supplier_name.clone().into(),
        name.into(),
    );
    serde_json::Value::Object(m)
}
