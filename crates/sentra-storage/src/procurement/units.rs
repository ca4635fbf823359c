//! Government units (OPD) of a region and their budgets per fiscal year.

use sentra_domain::FieldErrors;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use super::{BudgetRevision, GovernmentUnit, unit_from_row};
use crate::accounts::audit::{self, Actor};
use crate::sql::{get_wide_sum, wide_sum};
use crate::{Database, Result, StorageError, now_text};

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
        Ok(sqlx::query_as(
            "SELECT revision, amount_rupiah, set_by, set_at FROM unit_budgets \
             WHERE unit_id = $1 AND year = $2 ORDER BY revision DESC",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?)
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
}
