//! The registry counted ahead for dashboards (migration 0018): triggers keep `umkm_rollup` and
//! `umkm_doc_rollup` exact in the transaction of every write to `umkm` and `umkm_documents`,
//! whatever code path writes. Each change is an upsert that adds a record's contribution (+1,
//! its employees, modal and sales) to its bucket or takes it away (−1), so an update is "take
//! away the old, add the new". Whether a business holds an NIB or a halal certificate is kept
//! on its row (`doc_mask`, set by the document triggers), so that the move between buckets is
//! read from the row's old and new values — exact even where PostgreSQL fires the row
//! triggers of a many-row INSERT only after all its rows. The trigger text is generated here
//! for each engine (SQLite triggers, PostgreSQL PL/pgSQL functions) from the same pieces:
//! `counts` (0018), `reach` (0019) and `growth` (0020).
//!
//! Migration 0018's comment says "see sql/rollup_*.sql": it means this module. The comment is
//! left as it is because sqlx checksums the whole migration file, comments included, and a
//! changed checksum stops every database that already ran it from starting.

mod counts;
mod growth;
mod reach;

use crate::connect::Backend;
use crate::schema::marked;
use crate::{Database, Result};

/// Where the record's documents count moved: merged, unmerged or another kelurahan.
const DOCUMENTS_MOVE: &str = "(OLD.village_code IS NOT NEW.village_code \
    OR (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL))";

/// The events a trigger on `umkm` fires on, and the branch that counts a business in on INSERT:
/// on a partitioned `umkm` a business moved to another province leaves its partition (BEFORE
/// DELETE takes it out) and enters the other (AFTER INSERT; no AFTER UPDATE fires for the move).
fn counted_in_on_insert(partitioned: bool, count_in: &str) -> (&'static str, String) {
    if partitioned {
        (
            "INSERT OR UPDATE",
            format!("IF TG_OP = 'INSERT' THEN\n    {count_in}\n    RETURN NULL;\n  END IF;"),
        )
    } else {
        ("UPDATE", String::new())
    }
}

/// The PostgreSQL trigger functions and triggers of every rollup, and their mark.
pub(crate) fn postgres_rollup_sql(partitioned: bool) -> (String, String) {
    marked(
        counts::postgres_triggers()
            + &reach::postgres_reach_triggers(partitioned)
            + &growth::postgres_growth_triggers(partitioned),
        "sentra_rollup_umkm",
    )
}

impl Database {
    /// Installs (or replaces) the triggers that keep the rollups exact.
    pub(crate) async fn install_rollup_triggers(&self) -> Result<()> {
        match self.backend() {
            // `CREATE TRIGGER IF NOT EXISTS`: nothing happens when they are there.
            Backend::Sqlite => {
                let dropped: String = counts::SQLITE_REPLACED
                    .iter()
                    .chain(&counts::SQLITE_TRIGGERS)
                    .chain(&reach::SQLITE_TRIGGERS)
                    .chain(&growth::SQLITE_TRIGGERS)
                    .map(|t| format!("DROP TRIGGER IF EXISTS {t};\n"))
                    .collect();
                let sql = dropped
                    + &counts::sqlite_triggers()
                    + &reach::sqlite_reach_triggers()
                    + &growth::sqlite_growth_triggers();
                // One transaction: no write of another process lands between a replaced
                // trigger's drop and its successor.
                let mut tx = self.pool.begin().await?;
                sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Backend::Postgres => {
                let (sql, mark) = postgres_rollup_sql(self.prunes_by_province());
                // Every server start and CLI command migrates; replacing the triggers takes an
                // ACCESS EXCLUSIVE lock on `umkm`, which would stall a serving database behind
                // its longest transaction. The same version on the same `umkm` (absent after
                // `migrate-data`, which copies rows only; `sentra partition` makes a new
                // `umkm`) is left alone.
                if self
                    .installed_mark("sentra_rollup_umkm", "rollup_umkm")
                    .await?
                    != Some(mark)
                {
                    // One simple query: PostgreSQL runs it as one transaction.
                    sqlx::raw_sql(&sql).execute(&self.pool).await?;
                }
            }
        }
        self.fill_reach_rollup().await
    }
}
