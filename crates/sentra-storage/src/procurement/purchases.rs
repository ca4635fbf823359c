//! Purchases: recorded, corrected and listed, and the registered suppliers they may name.

use sentra_domain::FieldErrors;
use sentra_domain::procurement::Purchase;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sqlx::Row;

use super::{
    PURCHASE_COLUMNS, PurchaseFilter, PurchaseRow, Supplier, SupplierCandidate, purchase_changes,
    purchase_from_row, small_list,
};
use crate::accounts::audit::{self, Actor};
use crate::sql::day_text;
use crate::{Database, Result, StorageError, now_text};

impl Database {
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
