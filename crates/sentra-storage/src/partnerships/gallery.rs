//! The gallery's consignment as stored (issue 11): items received from businesses, each with a
//! short code for its label and QR code, and the ledger every movement is written to. Stock is
//! the ledger's sum; a sale or return beyond the stock is refused inside the same transaction
//! that writes it, so two counters selling the last item cannot both succeed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sentra_domain::gallery::{
    Entry, Movement, Payment, Statement, Terms, check_out, item_statement,
};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::error::invalid;
use crate::sql::stored_day;
use crate::{Database, Result, StorageError, now_text};

/// A consigned item with its stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalleryItem {
    pub id: String,
    pub code: String,
    pub region_code: String,
    pub umkm_id: String,
    pub umkm_name: String,
    pub product_id: Option<String>,
    pub name: String,
    pub terms: Terms,
    pub stock: i64,
}

/// A ledger line as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub on: NaiveDate,
    pub movement: Movement,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
    pub payment: Option<Payment>,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// A business's month at the gallery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessStatement {
    pub umkm_id: String,
    pub umkm_name: String,
    pub statement: Statement,
    /// A payout recorded for the month: its amount and day.
    pub paid: Option<(i64, NaiveDate)>,
}

const ITEM_COLUMNS: &str = "g.id, g.code, g.region_code, g.umkm_id, u.name AS umkm_name, \
     g.product_id, g.name, g.consignment_price, g.gallery_price, \
     CAST(COALESCE((SELECT SUM(l.quantity) FROM gallery_ledger l WHERE l.item_id = g.id), 0) \
          AS BIGINT) AS stock \
     FROM gallery_items g JOIN umkm u ON u.province_code = g.province_code AND u.id = g.umkm_id";

fn item_from_row(r: &sqlx::any::AnyRow) -> Result<GalleryItem> {
    Ok(GalleryItem {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        region_code: r.try_get("region_code")?,
        umkm_id: r.try_get("umkm_id")?,
        umkm_name: r.try_get("umkm_name")?,
        product_id: r.try_get("product_id")?,
        name: r.try_get("name")?,
        terms: Terms {
            consignment_price: r.try_get("consignment_price")?,
            gallery_price: r.try_get("gallery_price")?,
        },
        stock: r.try_get("stock")?,
    })
}

/// A short code for a label: `G` and six characters from the id (lengthened on a clash).
fn code_of(id: &str, len: usize) -> String {
    let tail: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .rev()
        .take(len)
        .collect();
    format!("G{}", tail.to_uppercase())
}

#[allow(clippy::too_many_arguments)]
async fn write_entry(
    conn: &mut sqlx::AnyConnection,
    chain: &crate::accounts::audit::ChainKey,
    item: Option<&str>,
    umkm_id: &str,
    on: NaiveDate,
    movement: Movement,
    quantity: i64,
    unit_price: i64,
    amount: i64,
    payment: Option<Payment>,
    period: Option<&str>,
    note: Option<&str>,
    actor: &Actor,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO gallery_ledger (id, item_id, umkm_id, on_day, movement, quantity, \
         unit_price, amount, payment, period, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(item)
    .bind(umkm_id)
    .bind(on.format("%Y-%m-%d").to_string())
    .bind(movement.as_str())
    .bind(quantity)
    .bind(unit_price)
    .bind(amount)
    .bind(payment.map(Payment::as_str))
    .bind(period)
    .bind(note)
    .bind(&actor.name)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    let changes = serde_json::json!({
        "item": item, "umkm": umkm_id, "movement": movement.as_str(), "quantity": quantity,
        "unit_price": unit_price, "amount": amount, "period": period,
    });
    audit::append(conn, chain, actor, "ledger", "gallery", Some(&id), &changes).await?;
    Ok(id)
}

impl Database {
    /// Receives items of a business in the caller's scope on consignment: a new item with its
    /// code, and the intake entry. Audited; all or nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn consign(
        &self,
        scope: &Scope,
        umkm_id: &str,
        product_id: Option<&str>,
        name: &str,
        quantity: i64,
        terms: Terms,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<GalleryItem> {
        self.umkm_village(scope, umkm_id).await?;
        if let Some(pid) = product_id {
            let owned = sqlx::query("SELECT 1 AS x FROM products WHERE id = $1 AND umkm_id = $2")
                .bind(pid)
                .bind(umkm_id)
                .fetch_optional(&self.pool)
                .await?
                .is_some();
            if !owned {
                return Err(invalid("product", "product_not_of_supplier"));
            }
        }
        // The gallery is the office's: its items belong to the caller's region.
        let region = scope.region_code().clone();
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let mut len = 6;
        let code = loop {
            let code = code_of(&id, len);
            let taken = sqlx::query("SELECT 1 AS x FROM gallery_items WHERE code = $1")
                .bind(&code)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !taken || len >= 20 {
                break code;
            }
            len += 2;
        };
        sqlx::query(
            "INSERT INTO gallery_items (id, code, region_code, umkm_id, product_id, name, \
             consignment_price, gallery_price, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&code)
        .bind(region.as_str())
        .bind(umkm_id)
        .bind(product_id)
        .bind(name)
        .bind(terms.consignment_price)
        .bind(terms.gallery_price)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        write_entry(
            &mut tx,
            &self.audit_chain,
            Some(&id),
            umkm_id,
            on,
            Movement::Intake,
            quantity,
            0,
            0,
            None,
            None,
            None,
            actor,
        )
        .await?;
        tx.commit().await?;
        self.gallery_item(scope, &id).await
    }

    /// An item in the caller's scope, by id or by its label's code.
    pub async fn gallery_item(&self, scope: &Scope, id_or_code: &str) -> Result<GalleryItem> {
        let sql = format!("SELECT {ITEM_COLUMNS} WHERE g.id = $1 OR g.code = $2");
        let r = sqlx::query(&sql)
            .bind(id_or_code)
            .bind(id_or_code.trim().to_uppercase())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let item = item_from_row(&r)?;
        let inside = RegionCode::parse(&item.region_code).is_ok_and(|c| scope.contains(&c));
        if !inside || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        Ok(item)
    }

    /// The items of the caller's area (a name or code filter), businesses then names.
    pub async fn gallery_items(&self, scope: &Scope, q: &str) -> Result<Vec<GalleryItem>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let like = format!("%{}%", q.trim().to_lowercase());
        let sql = format!(
            "SELECT {ITEM_COLUMNS} WHERE (g.region_code = $1 OR g.region_code LIKE $2) \
             AND (LOWER(g.name) LIKE $3 OR LOWER(g.code) LIKE $3 OR LOWER(u.name) LIKE $3) \
             ORDER BY u.name, g.name, g.code"
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(like)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// Takes items out: a sale (at `unit_price`, paid by `payment`) or a return to the owner;
    /// refused when the stock is short. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn take_out(
        &self,
        scope: &Scope,
        item_id: &str,
        movement: Movement,
        quantity: i64,
        unit_price: i64,
        payment: Option<Payment>,
        on: NaiveDate,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        if !matches!(movement, Movement::Sale | Movement::Return) {
            return Err(invalid("movement", "choice_invalid"));
        }
        let item = self.gallery_item(scope, item_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        // Read inside the transaction that writes: the audit head's lock serialises writers.
        let stock: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS s FROM gallery_ledger \
             WHERE item_id = $1",
        )
        .bind(&item.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("s")?;
        check_out(stock, quantity).map_err(|e| invalid("quantity", e.0))?;
        write_entry(
            &mut tx,
            &self.audit_chain,
            Some(&item.id),
            &item.umkm_id,
            on,
            movement,
            -quantity,
            if movement == Movement::Sale {
                unit_price
            } else {
                0
            },
            0,
            payment,
            None,
            note,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A stock count: the difference between what was counted and the ledger's stock becomes a
    /// count entry (none when they agree). Returns the difference. Audited.
    pub async fn count_stock(
        &self,
        scope: &Scope,
        item_id: &str,
        counted: i64,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<i64> {
        if counted < 0 {
            return Err(invalid("counted", "number_out_of_range"));
        }
        let item = self.gallery_item(scope, item_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let stock: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS s FROM gallery_ledger \
             WHERE item_id = $1",
        )
        .bind(&item.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("s")?;
        let difference = counted - stock;
        if difference != 0 {
            write_entry(
                &mut tx,
                &self.audit_chain,
                Some(&item.id),
                &item.umkm_id,
                on,
                Movement::Count,
                difference,
                0,
                0,
                None,
                None,
                None,
                actor,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(difference)
    }

    /// An item's ledger, oldest first.
    pub async fn gallery_ledger(&self, scope: &Scope, item_id: &str) -> Result<Vec<LedgerLine>> {
        let item = self.gallery_item(scope, item_id).await?;
        let rows = sqlx::query(
            "SELECT on_day, movement, quantity, unit_price, amount, payment, note, recorded_by \
             FROM gallery_ledger WHERE item_id = $1 ORDER BY on_day, recorded_at, id",
        )
        .bind(&item.id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let on: String = r.try_get("on_day")?;
                let movement: String = r.try_get("movement")?;
                let payment: Option<String> = r.try_get("payment")?;
                Ok(LedgerLine {
                    on: stored_day(&on, "gallery date")?,
                    movement: Movement::parse(&movement)
                        .ok_or_else(|| StorageError::Corrupt("gallery movement".into()))?,
                    quantity: r.try_get("quantity")?,
                    unit_price: r.try_get("unit_price")?,
                    amount: r.try_get("amount")?,
                    payment: payment.as_deref().and_then(Payment::parse),
                    note: r.try_get("note")?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// Each business's statement for a month (its items' ledgers), with any payout recorded.
    pub async fn gallery_statements(
        &self,
        scope: &Scope,
        year: i32,
        month: u32,
    ) -> Result<Vec<BusinessStatement>> {
        let items = self.gallery_items(scope, "").await?;
        let mut entries: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        for chunk in ids.chunks(400) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT item_id, on_day, movement, quantity, unit_price, amount FROM gallery_ledger \
                 WHERE item_id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let on: String = r.try_get("on_day")?;
                let movement: String = r.try_get("movement")?;
                entries
                    .entry(r.try_get("item_id")?)
                    .or_default()
                    .push(Entry {
                        on: stored_day(&on, "gallery date")?,
                        movement: Movement::parse(&movement)
                            .ok_or_else(|| StorageError::Corrupt("gallery movement".into()))?,
                        quantity: r.try_get("quantity")?,
                        unit_price: r.try_get("unit_price")?,
                        amount: r.try_get("amount")?,
                    });
            }
        }
        let period = format!("{year:04}-{month:02}");
        let mut out: Vec<BusinessStatement> = Vec::new();
        for item in &items {
            let s = item_statement(
                entries.get(&item.id).map_or(&[][..], |v| v.as_slice()),
                item.terms,
                year,
                month,
            );
            match out.iter_mut().find(|b| b.umkm_id == item.umkm_id) {
                Some(b) => b.statement.add(&s),
                None => out.push(BusinessStatement {
                    umkm_id: item.umkm_id.clone(),
                    umkm_name: item.umkm_name.clone(),
                    statement: s,
                    paid: None,
                }),
            }
        }
        for b in &mut out {
            if let Some(r) = sqlx::query(
                "SELECT amount, on_day FROM gallery_ledger WHERE umkm_id = $1 AND period = $2 \
                 AND movement = 'payout'",
            )
            .bind(&b.umkm_id)
            .bind(&period)
            .fetch_optional(&self.pool)
            .await?
            {
                let on: String = r.try_get("on_day")?;
                b.paid = Some((r.try_get("amount")?, stored_day(&on, "gallery date")?));
            }
        }
        Ok(out)
    }

    /// Marks a business's month paid: a payout entry of what its statement owes (once).
    pub async fn pay_out(
        &self,
        scope: &Scope,
        umkm_id: &str,
        year: i32,
        month: u32,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<i64> {
        let statements = self.gallery_statements(scope, year, month).await?;
        let Some(b) = statements.iter().find(|b| b.umkm_id == umkm_id) else {
            return Err(StorageError::NotFound);
        };
        if b.paid.is_some() {
            return Err(invalid("period", "already_paid"));
        }
        if b.statement.owed <= 0 {
            return Err(invalid("period", "nothing_owed"));
        }
        let period = format!("{year:04}-{month:02}");
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        write_entry(
            &mut tx,
            &self.audit_chain,
            None,
            umkm_id,
            on,
            Movement::Payout,
            0,
            0,
            b.statement.owed,
            None,
            Some(&period),
            None,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(b.statement.owed)
    }
}
