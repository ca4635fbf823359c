//! Procurement as stored (issue 9): government units of a region, their budgets per fiscal
//! year (revisions kept, the latest counts), purchases with their life, and the share of each
//! unit's spending that went to micro and small enterprises and cooperatives.

pub(crate) mod import;

use chrono::NaiveDate;
use sentra_domain::FieldErrors;
use sentra_domain::procurement::{Method, Purchase, Share, SupplierType};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::sql::{day_text, get_wide_sum, wide_sum};
use crate::{Database, Result, StorageError, now_text};

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

impl Database {
    /// Adds a government unit to a region in the caller's scope; its code is unique there.
    pub async fn create_unit(
        &self,
        scope: &Scope,
        region: &RegionCode,
        code: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<GovernmentUnit> {
        if !scope.contains(region) || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken =
            sqlx::query("SELECT 1 AS x FROM government_units WHERE region_code = $1 AND code = $2")
                .bind(region.as_str())
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if taken {
            let mut e = FieldErrors::new();
            e.push("code", "code_taken");
            return Err(StorageError::Invalid(e));
        }
        let unit = GovernmentUnit {
            id: uuid::Uuid::now_v7().to_string(),
            region_code: region.as_str().to_string(),
            code: code.to_string(),
            name: name.to_string(),
            active: true,
        };
        sqlx::query(
            "INSERT INTO government_units (id, region_code, code, name, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&unit.id)
        .bind(&unit.region_code)
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes =
            serde_json::json!({ "region": unit.region_code, "code": unit.code, "name": unit.name });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "government_unit",
            Some(&unit.id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// A unit the caller may see.
    pub async fn unit(&self, scope: &Scope, id: &str) -> Result<GovernmentUnit> {
        let r = sqlx::query(
            "SELECT id, region_code, code, name, active FROM government_units WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let unit = unit_from_row(&r)?;
        let inside = RegionCode::parse(&unit.region_code).is_ok_and(|c| scope.contains(&c));
        if !inside || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        Ok(unit)
    }

    /// Sets a unit's goods/services budget for a year: a new revision, the earlier ones kept.
    pub async fn set_budget(
        &self,
        scope: &Scope,
        unit_id: &str,
        year: i32,
        amount: i64,
        actor: &Actor,
    ) -> Result<i64> {
        self.unit(scope, unit_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let revision: i64 = sqlx::query(
            "SELECT COALESCE(MAX(revision), 0) + 1 AS r FROM unit_budgets \
             WHERE unit_id = $1 AND year = $2",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .fetch_one(&mut *tx)
        .await?
        .try_get("r")?;
        sqlx::query(
            "INSERT INTO unit_budgets (unit_id, year, revision, amount_rupiah, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .bind(revision)
        .bind(amount)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let id = format!("{unit_id}/{year}");
        let changes = serde_json::json!({ "revision": revision, "amount": amount });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "set_budget",
            "government_unit",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(revision)
    }

    /// Records a purchase of a unit. A registered supplier must be a UMKM in the caller's scope
    /// (its type is the caller's to pass from the registry); the package number is unique per
    /// unit and year. Audited; all or nothing.
    pub async fn record_purchase(
        &self,
        scope: &Scope,
        unit_id: &str,
        purchase: &Purchase,
        supplier: &Supplier,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<String> {
        let unit = self.unit(scope, unit_id).await?;
        if !unit.active {
            let mut e = FieldErrors::new();
            e.push("unit", "unit_retired");
            return Err(StorageError::Invalid(e));
        }
        self.check_supplier(scope, supplier).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let id = insert_purchase(
            &mut tx,
            &self.audit_chain,
            unit_id,
            purchase,
            supplier,
            note,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Each unit of `region` (in scope) with its spending of `year` up to `until` (inclusive),
    /// the part that went to micro and small enterprises and cooperatives, its latest budget,
    /// and its reserved packages awarded elsewhere.
    pub async fn unit_shares(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
        until: NaiveDate,
    ) -> Result<Vec<UnitShare>> {
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        let small = small_list();
        let reserved = sentra_domain::procurement::RESERVED_PACKAGE_MAX;
        let sql = format!(
            "SELECT g.id, g.region_code, g.code, g.name, g.active, {}, {}, \
             CAST(COALESCE(SUM(CASE WHEN p.value_rupiah <= {reserved} \
                  AND p.supplier_type NOT IN ({small}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS breaches, \
             (SELECT b.amount_rupiah FROM unit_budgets b WHERE b.unit_id = g.id AND b.year = $3 \
              ORDER BY b.revision DESC LIMIT 1) AS budget \
             FROM government_units g LEFT JOIN purchases p ON p.unit_id = g.id AND p.year = $3 \
                  AND p.ordered_on <= $4 \
             WHERE g.region_code = $1 OR g.region_code LIKE $2 \
             GROUP BY g.id, g.region_code, g.code, g.name, g.active ORDER BY g.code",
            // Summed wide: a year's purchases may pass i64 (see `wide_sum`).
            wide_sum("p.value_rupiah", "total"),
            wide_sum(
                &format!("CASE WHEN p.supplier_type IN ({small}) THEN p.value_rupiah ELSE 0 END"),
                "small"
            ),
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .bind(until.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitShare {
                    unit: unit_from_row(r)?,
                    share: Share {
                        total: get_wide_sum(r, "total")?,
                        small: get_wide_sum(r, "small")?,
                        budget: r.try_get("budget")?,
                    },
                    reserved_breaches: r.try_get("breaches")?,
                })
            })
            .collect()
    }
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRevision {
    pub revision: i64,
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

impl Database {
    /// A registered supplier must be a business in the caller's scope, and a product chosen
    /// with it must be one of its own.
    async fn check_supplier(&self, scope: &Scope, supplier: &Supplier) -> Result<()> {
        if let Supplier::Registered {
            umkm_id,
            product_id,
        } = supplier
        {
            self.umkm_village(scope, umkm_id).await?;
            if let Some(pid) = product_id {
                let owned =
                    sqlx::query("SELECT 1 AS x FROM products WHERE id = $1 AND umkm_id = $2")
                        .bind(pid)
                        .bind(umkm_id)
                        .fetch_optional(&self.pool)
                        .await?
                        .is_some();
                if !owned {
                    let mut e = FieldErrors::new();
                    e.push("product", "product_not_of_supplier");
                    return Err(StorageError::Invalid(e));
                }
            }
        }
        Ok(())
    }

    /// Renames a unit, changes its code (unique in its region) or retires/restores it. Audited.
    pub async fn update_unit(
        &self,
        scope: &Scope,
        id: &str,
        code: &str,
        name: &str,
        active: bool,
        actor: &Actor,
    ) -> Result<GovernmentUnit> {
        let old = self.unit(scope, id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken = sqlx::query(
            "SELECT 1 AS x FROM government_units WHERE region_code = $1 AND code = $2 AND id <> $3",
        )
        .bind(&old.region_code)
        .bind(code)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if taken {
            let mut e = FieldErrors::new();
            e.push("code", "code_taken");
            return Err(StorageError::Invalid(e));
        }
        sqlx::query("UPDATE government_units SET code = $1, name = $2, active = $3 WHERE id = $4")
            .bind(code)
            .bind(name)
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut changes = serde_json::Map::new();
        if old.code != code {
            changes.insert("code".into(), serde_json::json!([old.code, code]));
        }
        if old.name != name {
            changes.insert("name".into(), serde_json::json!([old.name, name]));
        }
        if old.active != active {
            changes.insert("active".into(), serde_json::json!([old.active, active]));
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "government_unit",
            Some(id),
            &serde_json::Value::Object(changes),
        )
        .await?;
        tx.commit().await?;
        Ok(GovernmentUnit {
            code: code.to_string(),
            name: name.to_string(),
            active,
            ..old
        })
    }

    /// Every revision of a unit's budget for a year, the latest first.
    pub async fn budget_revisions(
        &self,
        scope: &Scope,
        unit_id: &str,
        year: i32,
    ) -> Result<Vec<BudgetRevision>> {
        self.unit(scope, unit_id).await?;
        let rows = sqlx::query(
            "SELECT revision, amount_rupiah, set_by, set_at FROM unit_budgets \
             WHERE unit_id = $1 AND year = $2 ORDER BY revision DESC",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BudgetRevision {
                    revision: r.try_get("revision")?,
                    amount: r.try_get("amount_rupiah")?,
                    set_by: r.try_get("set_by")?,
                    set_at: r.try_get("set_at")?,
                })
            })
            .collect()
    }

    /// A unit's latest budget of a year and what it has spent that year (all purchases), for
    /// the warning when a purchase would go over the budget.
    pub async fn unit_budget_and_spent(
        &self,
        unit_id: &str,
        year: i32,
        except_purchase: Option<&str>,
    ) -> Result<(Option<i64>, i128)> {
        let sql = format!(
            "SELECT (SELECT b.amount_rupiah FROM unit_budgets b WHERE b.unit_id = $1 \
                     AND b.year = $2 ORDER BY b.revision DESC LIMIT 1) AS budget, {} \
             FROM purchases p WHERE p.unit_id = $1 AND p.year = $2 AND p.id <> $3",
            wide_sum("p.value_rupiah", "spent")
        );
        let r = sqlx::query(&sql)
            .bind(unit_id)
            .bind(i64::from(year))
            .bind(except_purchase.unwrap_or(""))
            .fetch_one(&self.pool)
            .await?;
        Ok((r.try_get("budget")?, get_wide_sum(&r, "spent")?))
    }

    /// Purchases in the caller's scope, newest first.
    pub async fn purchases(&self, scope: &Scope, f: &PurchaseFilter) -> Result<Vec<PurchaseRow>> {
        let Some(region) = scope
            .narrow(f.region.as_ref())
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        let mut args = crate::sql::Args::default();
        let a = args.text(region.as_str());
        let b = args.text(format!("{}.%", region.as_str()));
        let mut conds = vec![format!("(g.region_code = {a} OR g.region_code LIKE {b})")];
        if let Some(unit) = &f.unit_id {
            conds.push(format!("p.unit_id = {}", args.text(unit.clone())));
        }
        if let Some(umkm) = &f.umkm_id {
            conds.push(format!("p.umkm_id = {}", args.text(umkm.clone())));
        }
        if let Some(year) = f.year {
            conds.push(format!("p.year = {}", args.int(Some(i64::from(year)))));
        }
        if let Some(until) = f.until {
            conds.push(format!(
                "p.ordered_on <= {}",
                args.text(until.format("%Y-%m-%d").to_string())
            ));
        }
        let small = small_list();
        if f.flagged {
            conds.push(format!(
                "p.value_rupiah <= {} AND p.supplier_type NOT IN ({small})",
                sentra_domain::procurement::RESERVED_PACKAGE_MAX
            ));
        }
        if f.awaiting_payment {
            conds.push("p.accepted_on IS NOT NULL AND p.paid_on IS NULL".into());
        }
        match f.small {
            Some(true) => conds.push(format!("p.supplier_type IN ({small})")),
            Some(false) => conds.push(format!("p.supplier_type NOT IN ({small})")),
            None => {}
        }
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} WHERE {} ORDER BY p.ordered_on DESC, g.code, p.package",
            conds.join(" AND ")
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter().map(purchase_from_row).collect()
    }

    /// One purchase, if its unit is in the caller's scope.
    pub async fn purchase(&self, scope: &Scope, id: &str) -> Result<PurchaseRow> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} WHERE p.id = $1");
        let r = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let row = purchase_from_row(&r)?;
        self.unit(scope, &row.unit_id).await?;
        Ok(row)
    }

    /// Changes a purchase (its life: delivered, accepted, paid; or a correction) read at
    /// `version`; a stale version is a conflict. The package stays unique per unit and year.
    /// Audited with what changed; all or nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_purchase(
        &self,
        scope: &Scope,
        id: &str,
        version: i64,
        purchase: &Purchase,
        supplier: &Supplier,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let old = self.purchase(scope, id).await?;
        if old.version != version {
            return Err(StorageError::Conflict);
        }
        self.check_supplier(scope, supplier).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        write_purchase_update(
            &mut tx,
            &self.audit_chain,
            &old,
            purchase,
            supplier,
            note,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Registered businesses in the caller's scope whose name holds `q` (case-insensitive), to
    /// record a purchase from; merged and inactive ones are left out.
    pub async fn find_suppliers(
        &self,
        scope: &Scope,
        q: &str,
        limit: i64,
    ) -> Result<Vec<SupplierCandidate>> {
        let q = q.trim().to_lowercase();
        if q.chars().count() < 2 || scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows = sqlx::query(
            "SELECT id, name, village_code, size_class FROM umkm \
             WHERE (village_code = $1 OR village_code LIKE $2) AND merged_into IS NULL \
             AND status <> 'inactive' AND LOWER(name) LIKE $3 ESCAPE '\\' \
             ORDER BY name, id LIMIT $4",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(format!("%{escaped}%"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let size: Option<String> = r.try_get("size_class")?;
                Ok(SupplierCandidate {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    village_code: r.try_get("village_code")?,
                    size_class: size.as_deref().and_then(SizeClass::parse),
                })
            })
            .collect()
    }

    /// A registered supplier as a candidate (name, size class), if in the caller's scope.
    pub async fn supplier(&self, scope: &Scope, umkm_id: &str) -> Result<SupplierCandidate> {
        self.umkm_village(scope, umkm_id).await?;
        let r = sqlx::query("SELECT id, name, village_code, size_class FROM umkm WHERE id = $1")
            .bind(umkm_id)
            .fetch_one(&self.pool)
            .await?;
        let size: Option<String> = r.try_get("size_class")?;
        Ok(SupplierCandidate {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            village_code: r.try_get("village_code")?,
            size_class: size.as_deref().and_then(SizeClass::parse),
        })
    }

    /// Month by month of `year` (ordered on or before `until`): what the units of `region`
    /// spent and what went to small suppliers.
    pub async fn monthly_spending(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
        until: NaiveDate,
    ) -> Result<[(i128, i128); 12]> {
        let mut out = [(0, 0); 12];
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(out);
        };
        let small = small_list();
        let sql = format!(
            "SELECT SUBSTR(p.ordered_on, 6, 2) AS month, {}, {} \
             FROM purchases p JOIN government_units g ON g.id = p.unit_id \
             WHERE (g.region_code = $1 OR g.region_code LIKE $2) AND p.year = $3 \
             AND p.ordered_on <= $4 GROUP BY SUBSTR(p.ordered_on, 6, 2)",
            wide_sum("p.value_rupiah", "total"),
            wide_sum(
                &format!("CASE WHEN p.supplier_type IN ({small}) THEN p.value_rupiah ELSE 0 END"),
                "small"
            ),
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .bind(until.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let month: String = r.try_get("month")?;
            if let Some(m) = month.parse::<usize>().ok().filter(|m| (1..=12).contains(m)) {
                out[m - 1] = (get_wide_sum(&r, "total")?, get_wide_sum(&r, "small")?);
            }
        }
        Ok(out)
    }

    /// The products listed in the e-katalog lokal by businesses in the caller's scope (and
    /// `region`), with what government units bought of each in `year`: those sold first (by
    /// value), then those never bought, oldest listing first.
    pub async fn ekatalog_sales(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<ProductSales>> {
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        // The value summed wide (see `wide_sum`), and ordered by as a float, which cannot
        // overflow and orders as well.
        let sql = format!(
            "SELECT pr.id, pr.name, pr.slug, pr.umkm_id, u.name AS umkm_name, \
             pr.ekatalog_listed_at, \
             CAST(COUNT(p.id) AS BIGINT) AS packages, {}, \
             (SELECT COUNT(*) FROM purchases a WHERE a.product_id = pr.id) AS ever \
             FROM products pr JOIN umkm u ON u.province_code = pr.province_code AND u.id = pr.umkm_id \
             LEFT JOIN purchases p ON p.product_id = pr.id AND p.year = $3 \
             WHERE pr.ekatalog_listed_at IS NOT NULL AND pr.status <> 'archived' \
             AND u.merged_into IS NULL \
             AND (u.village_code = $1 OR u.village_code LIKE $2) \
             GROUP BY pr.id, pr.name, pr.slug, pr.umkm_id, u.name, pr.ekatalog_listed_at \
             ORDER BY COALESCE(SUM(CAST(p.value_rupiah AS DOUBLE PRECISION)), 0) DESC, \
             pr.ekatalog_listed_at, pr.id",
            wide_sum("p.value_rupiah", "value")
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ProductSales {
                    product_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    slug: r.try_get("slug")?,
                    umkm_id: r.try_get("umkm_id")?,
                    umkm_name: r.try_get("umkm_name")?,
                    listed_at: r.try_get("ekatalog_listed_at")?,
                    packages: r.try_get("packages")?,
                    value: get_wide_sum(r, "value")?,
                    ever: r.try_get("ever")?,
                })
            })
            .collect()
    }

    /// What government units bought from one business (the caller may see the business),
    /// newest first, whichever region the buying unit is in.
    pub async fn purchases_from(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<PurchaseRow>> {
        self.umkm_village(scope, umkm_id).await?;
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} WHERE p.umkm_id = $1 ORDER BY p.ordered_on DESC, p.package"
        );
        let rows = sqlx::query(&sql)
            .bind(umkm_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(purchase_from_row).collect()
    }
}

/// Inserts a purchase of a unit inside the caller's transaction (the package number unique per
/// unit and year), audited.
pub(crate) async fn insert_purchase(
    conn: &mut sqlx::AnyConnection,
    chain: &crate::accounts::audit::ChainKey,
    unit_id: &str,
    purchase: &Purchase,
    supplier: &Supplier,
    note: Option<&str>,
    actor: &Actor,
) -> Result<String> {
    let year = i64::from(chrono::Datelike::year(&purchase.ordered_on));
    let taken = sqlx::query(
        "SELECT 1 AS x FROM purchases WHERE unit_id = $1 AND year = $2 AND package = $3",
    )
    .bind(unit_id)
    .bind(year)
    .bind(&purchase.package)
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    if taken {
        let mut e = FieldErrors::new();
        e.push("package", "package_taken");
        return Err(StorageError::Invalid(e));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let (umkm_id, product_id, supplier_name) = match supplier {
        Supplier::Registered {
            umkm_id,
            product_id,
        } => (Some(umkm_id.clone()), product_id.clone(), None),
        Supplier::Other { name } => (None, None, Some(name.clone())),
    };
    let now = now_text();
    sqlx::query(
        "INSERT INTO purchases (id, unit_id, year, package, value_rupiah, ordered_on, due_on, \
         method, supplier_type, umkm_id, product_id, supplier_name, delivered_on, \
         accepted_on, paid_on, created_by, created_at, note, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $17)",
    )
    .bind(&id)
    .bind(unit_id)
    .bind(year)
    .bind(&purchase.package)
    .bind(purchase.value)
    .bind(Some(day_text(purchase.ordered_on)))
    .bind(purchase.due_on.map(day_text))
    .bind(purchase.method.as_str())
    .bind(purchase.supplier_type.as_str())
    .bind(&umkm_id)
    .bind(&product_id)
    .bind(&supplier_name)
    .bind(purchase.delivered_on.map(day_text))
    .bind(purchase.accepted_on.map(day_text))
    .bind(purchase.paid_on.map(day_text))
    .bind(&actor.name)
    .bind(&now)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    let changes = serde_json::json!({
        "unit": unit_id,
        "package": purchase.package,
        "value": purchase.value,
        "supplier_type": purchase.supplier_type.as_str(),
        "umkm": umkm_id,
    });
    audit::append(
        conn,
        chain,
        actor,
        "create",
        "purchase",
        Some(&id),
        &changes,
    )
    .await?;
    Ok(id)
}

/// Writes a purchase's new version inside the caller's transaction: the package stays unique
/// per unit and year; a version changed since `old` was read is a conflict. Audited with what
/// changed.
pub(crate) async fn write_purchase_update(
    conn: &mut sqlx::AnyConnection,
    chain: &crate::accounts::audit::ChainKey,
    old: &PurchaseRow,
    purchase: &Purchase,
    supplier: &Supplier,
    note: Option<&str>,
    actor: &Actor,
) -> Result<()> {
    let year = i64::from(chrono::Datelike::year(&purchase.ordered_on));
    let taken = sqlx::query(
        "SELECT 1 AS x FROM purchases WHERE unit_id = $1 AND year = $2 AND package = $3 \
         AND id <> $4",
    )
    .bind(&old.unit_id)
    .bind(year)
    .bind(&purchase.package)
    .bind(&old.id)
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    if taken {
        let mut e = FieldErrors::new();
        e.push("package", "package_taken");
        return Err(StorageError::Invalid(e));
    }
    let (umkm_id, product_id, supplier_name) = match supplier {
        Supplier::Registered {
            umkm_id,
            product_id,
        } => (Some(umkm_id.clone()), product_id.clone(), None),
        Supplier::Other { name } => (None, None, Some(name.clone())),
    };
    let done = sqlx::query(
        "UPDATE purchases SET year = $1, package = $2, value_rupiah = $3, ordered_on = $4, \
         due_on = $5, method = $6, supplier_type = $7, umkm_id = $8, product_id = $9, \
         supplier_name = $10, delivered_on = $11, accepted_on = $12, paid_on = $13, \
         note = $14, updated_at = $15, version = version + 1 \
         WHERE id = $16 AND version = $17",
    )
    .bind(year)
    .bind(&purchase.package)
    .bind(purchase.value)
    .bind(Some(day_text(purchase.ordered_on)))
    .bind(purchase.due_on.map(day_text))
    .bind(purchase.method.as_str())
    .bind(purchase.supplier_type.as_str())
    .bind(&umkm_id)
    .bind(&product_id)
    .bind(&supplier_name)
    .bind(purchase.delivered_on.map(day_text))
    .bind(purchase.accepted_on.map(day_text))
    .bind(purchase.paid_on.map(day_text))
    .bind(note)
    .bind(now_text())
    .bind(&old.id)
    .bind(old.version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StorageError::Conflict);
    }
    let mut changes = purchase_changes(old, purchase, supplier);
    if old.note.as_deref() != note
        && let serde_json::Value::Object(m) = &mut changes
    {
        m.insert("note".into(), serde_json::json!([old.note, note]));
    }
    audit::append(
        conn,
        chain,
        actor,
        "update",
        "purchase",
        Some(&old.id),
        &changes,
    )
    .await?;
    Ok(())
}
