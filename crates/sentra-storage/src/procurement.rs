//! Procurement as stored (issue 9): government units of a region, their budgets per fiscal
//! year (revisions kept, the latest counts), purchases with their life, and the share of each
//! unit's spending that went to micro and small enterprises and cooperatives.

use chrono::NaiveDate;
use sentra_domain::FieldErrors;
use sentra_domain::procurement::{Purchase, Share, SupplierType};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use crate::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

/// A government unit (OPD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernmentUnit {
    pub id: String,
    pub region_code: String,
    pub code: String,
    pub name: String,
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
    })
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
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
        let r =
            sqlx::query("SELECT id, region_code, code, name FROM government_units WHERE id = $1")
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
        actor: &Actor,
    ) -> Result<String> {
        self.unit(scope, unit_id).await?;
        if let Supplier::Registered { umkm_id, .. } = supplier {
            self.umkm_village(scope, umkm_id).await?;
        }
        let year = i64::from(chrono::Datelike::year(&purchase.ordered_on));
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken = sqlx::query(
            "SELECT 1 AS x FROM purchases WHERE unit_id = $1 AND year = $2 AND package = $3",
        )
        .bind(unit_id)
        .bind(year)
        .bind(&purchase.package)
        .fetch_optional(&mut *tx)
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
        sqlx::query(
            "INSERT INTO purchases (id, unit_id, year, package, value_rupiah, ordered_on, due_on, \
             method, supplier_type, umkm_id, product_id, supplier_name, delivered_on, \
             accepted_on, paid_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(&id)
        .bind(unit_id)
        .bind(year)
        .bind(&purchase.package)
        .bind(purchase.value)
        .bind(day(Some(purchase.ordered_on)))
        .bind(day(purchase.due_on))
        .bind(purchase.method.as_str())
        .bind(purchase.supplier_type.as_str())
        .bind(&umkm_id)
        .bind(&product_id)
        .bind(&supplier_name)
        .bind(day(purchase.delivered_on))
        .bind(day(purchase.accepted_on))
        .bind(day(purchase.paid_on))
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({
            "unit": unit_id,
            "package": purchase.package,
            "value": purchase.value,
            "supplier_type": purchase.supplier_type.as_str(),
            "umkm": umkm_id,
        });
        audit::append(&mut tx, actor, "create", "purchase", Some(&id), &changes).await?;
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
        let small: Vec<String> = SupplierType::ALL
            .iter()
            .filter(|t| t.counts_for_share())
            .map(|t| format!("'{}'", t.as_str()))
            .collect();
        let small = small.join(", ");
        let reserved = sentra_domain::procurement::RESERVED_PACKAGE_MAX;
        let sql = format!(
            "SELECT g.id, g.region_code, g.code, g.name, \
             CAST(COALESCE(SUM(p.value_rupiah), 0) AS BIGINT) AS total, \
             CAST(COALESCE(SUM(CASE WHEN p.supplier_type IN ({small}) THEN p.value_rupiah \
                  ELSE 0 END), 0) AS BIGINT) AS small, \
             CAST(COALESCE(SUM(CASE WHEN p.value_rupiah <= {reserved} \
                  AND p.supplier_type NOT IN ({small}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS breaches, \
             (SELECT b.amount_rupiah FROM unit_budgets b WHERE b.unit_id = g.id AND b.year = $3 \
              ORDER BY b.revision DESC LIMIT 1) AS budget \
             FROM government_units g LEFT JOIN purchases p ON p.unit_id = g.id AND p.year = $3 \
                  AND p.ordered_on <= $4 \
             WHERE g.region_code = $1 OR g.region_code LIKE $2 \
             GROUP BY g.id, g.region_code, g.code, g.name ORDER BY g.code"
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
                        total: r.try_get("total")?,
                        small: r.try_get("small")?,
                        budget: r.try_get("budget")?,
                    },
                    reserved_breaches: r.try_get("breaches")?,
                })
            })
            .collect()
    }
}
