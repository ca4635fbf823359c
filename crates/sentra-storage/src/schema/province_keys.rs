//! The province in every key (migration 0026, issue 13; docs/national-scale.md): each row that
//! belongs to a business carries the business's `province_code`, kept by triggers on both
//! engines whatever code path writes (the storage layer, imports, the rollup functions). On
//! PostgreSQL those rows refer to `umkm (province_code, id)` by composite foreign keys with
//! `ON UPDATE CASCADE`, so a business moved to another province takes its rows along, and
//! `sentra partition` can turn `umkm` into a table partitioned by province: PostgreSQL requires
//! the partition key in every unique key, and a Citus cluster requires its distribution column
//! in every foreign key. `umkm_directory` answers "which province holds this id" for links and
//! the API, and keeps shop names unique across the country.

use std::time::Instant;

use sqlx::{Any, Row, Transaction};

use crate::connect::Backend;
use crate::{Database, Result, StorageError};

/// A reference from a table to a business: (table, business column, its province column,
/// whether removing the business removes the row).
pub(crate) const BUSINESS_REFERENCES: &[(&str, &str, &str, bool)] = &[
    ("umkm_documents", "umkm_id", "province_code", true),
    ("change_requests", "umkm_id", "province_code", true),
    ("duplicate_pairs", "a_id", "a_province_code", true),
    ("duplicate_pairs", "b_id", "b_province_code", true),
    ("products", "umkm_id", "province_code", false),
    ("activity_participants", "umkm_id", "province_code", false),
    ("legality_progress", "umkm_id", "province_code", false),
    ("growth_reports", "umkm_id", "province_code", false),
    ("size_class_events", "umkm_id", "province_code", false),
    ("growth_milestones", "umkm_id", "province_code", false),
    ("purchases", "umkm_id", "province_code", false),
    ("request_candidates", "umkm_id", "province_code", false),
    ("exhibition_items", "umkm_id", "province_code", false),
    ("gallery_items", "umkm_id", "province_code", false),
    ("gallery_ledger", "umkm_id", "province_code", false),
    ("umkm_photos", "umkm_id", "province_code", false),
    ("umkm_field_notes", "umkm_id", "province_code", false),
];

/// The name of the trigger (SQLite) or function suffix for one reference.
fn ref_name(table: &str, column: &str) -> String {
    format!("{table}_{column}")
}

fn sqlite_sql() -> String {
    let mut sql = String::new();
    let lookup =
        |c: &str| format!("(SELECT d.province_code FROM umkm_directory d WHERE d.id = {c})");
    for (table, col, prov, _) in BUSINESS_REFERENCES {
        let name = ref_name(table, col);
        // SQLite cannot change NEW: the row is completed after it is written, only when the
        // writer did not bind the province itself.
        sql += &format!(
            "CREATE TRIGGER IF NOT EXISTS province_{name} AFTER INSERT ON {table} \
             WHEN NEW.{prov} IS NULL AND NEW.{col} IS NOT NULL BEGIN \
             UPDATE {table} SET {prov} = {l} WHERE rowid = NEW.rowid; END;\n\
             CREATE TRIGGER IF NOT EXISTS province_{name}_moved AFTER UPDATE OF {col} ON {table} \
             WHEN NEW.{col} IS NOT OLD.{col} BEGIN \
             UPDATE {table} SET {prov} = {l} WHERE rowid = NEW.rowid; END;\n",
            l = lookup(&format!("NEW.{col}")),
        );
    }
    let follow: String = BUSINESS_REFERENCES
        .iter()
        .map(|(table, col, prov, _)| {
            format!(
                "UPDATE {table} SET {prov} = NEW.province_code WHERE {col} = NEW.id \
                 AND {prov} IS NOT NEW.province_code;\n"
            )
        })
        .collect();
    sql += &format!(
        "CREATE TRIGGER IF NOT EXISTS province_directory_insert AFTER INSERT ON umkm BEGIN \
         INSERT INTO umkm_directory (id, province_code, store_slug) \
         VALUES (NEW.id, NEW.province_code, NEW.store_slug); END;\n\
         CREATE TRIGGER IF NOT EXISTS province_directory_update AFTER UPDATE ON umkm \
         WHEN NEW.province_code IS NOT OLD.province_code OR NEW.store_slug IS NOT OLD.store_slug \
         BEGIN \
         UPDATE umkm_directory SET province_code = NEW.province_code, store_slug = NEW.store_slug \
         WHERE id = NEW.id;\n{follow} END;\n\
         CREATE TRIGGER IF NOT EXISTS province_directory_delete AFTER DELETE ON umkm BEGIN \
         DELETE FROM umkm_directory WHERE id = OLD.id; END;\n"
    );
    sql
}

/// PostgreSQL: BEFORE triggers complete the row as it is written. A row whose business changes
/// (a merge) takes the new business's province; the cascade of a business that moved province
/// changes both columns and is left as it is.
fn postgres_sql() -> String {
    let mut sql = String::new();
    for (table, col, prov, _) in BUSINESS_REFERENCES {
        let name = ref_name(table, col);
        sql += &format!(
            "CREATE OR REPLACE FUNCTION sentra_province_{name}() RETURNS trigger \
             LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.{col} IS NULL THEN
    NEW.{prov} := NULL;
  ELSIF (TG_OP = 'INSERT' AND NEW.{prov} IS NULL)
     OR (TG_OP = 'UPDATE' AND NEW.{col} IS DISTINCT FROM OLD.{col}) THEN
    NEW.{prov} := (SELECT d.province_code FROM umkm_directory d WHERE d.id = NEW.{col});
  END IF;
  RETURN NEW;
END $fn$;
DROP TRIGGER IF EXISTS province_{name} ON {table};
CREATE TRIGGER province_{name} BEFORE INSERT OR UPDATE ON {table}
  FOR EACH ROW EXECUTE FUNCTION sentra_province_{name}();
"
        );
    }
    // A move between partitions fires DELETE then INSERT (no UPDATE): both kept right here.
    sql += "CREATE OR REPLACE FUNCTION sentra_umkm_directory() RETURNS trigger \
            LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO umkm_directory (id, province_code, store_slug)
    VALUES (NEW.id, NEW.province_code, NEW.store_slug);
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW.province_code IS DISTINCT FROM OLD.province_code
       OR NEW.store_slug IS DISTINCT FROM OLD.store_slug THEN
      UPDATE umkm_directory SET province_code = NEW.province_code, store_slug = NEW.store_slug
      WHERE id = NEW.id;
    END IF;
  ELSE
    DELETE FROM umkm_directory WHERE id = OLD.id;
  END IF;
  RETURN NULL;
END $fn$;
DROP TRIGGER IF EXISTS province_directory ON umkm;
CREATE TRIGGER province_directory AFTER INSERT OR UPDATE OR DELETE ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_umkm_directory();
";
    sql
}

/// The PostgreSQL triggers with their version mark, and the mark.
fn postgres_sql_marked() -> (String, String) {
    crate::schema::marked(postgres_sql(), "sentra_umkm_directory")
}

fn fk_name(table: &str, column: &str) -> String {
    format!("{}_province_fk", ref_name(table, column))
}

/// The composite foreign keys (PostgreSQL), replacing the single-column ones of the
/// migrations. `MATCH FULL`: a row with a business must have its province.
async fn postgres_foreign_keys(tx: &mut Transaction<'_, Any>) -> Result<()> {
    // One look at what is there: every start and CLI command comes through here.
    let present: Vec<(String,)> = sqlx::query_as(
        "SELECT conname::text FROM pg_constraint WHERE conname = 'umkm_province_id' \
         OR conname LIKE '%\\_province\\_fk'",
    )
    .fetch_all(&mut **tx)
    .await?;
    let has = |name: &str| present.iter().any(|(n,)| n == name);
    if BUSINESS_REFERENCES
        .iter()
        .all(|(table, col, _, _)| has(&fk_name(table, col)))
    {
        return Ok(());
    }
    let partitioned = relkind(tx, "umkm").await? == "p";
    if !partitioned && !has("umkm_province_id") {
        sqlx::query("ALTER TABLE umkm ADD CONSTRAINT umkm_province_id UNIQUE (province_code, id)")
            .execute(&mut **tx)
            .await?;
    }
    for (table, col, prov, cascade_delete) in BUSINESS_REFERENCES {
        let name = fk_name(table, col);
        if has(&name) {
            continue;
        }
        // The migrations' `col REFERENCES umkm (id)`.
        let old: Vec<(String,)> = sqlx::query_as(
            "SELECT c.conname::text FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.contype = 'f' AND c.conrelid = $1::regclass \
             AND c.confrelid = 'umkm'::regclass AND a.attname = $2 \
             AND array_length(c.conkey, 1) = 1",
        )
        .bind(*table)
        .bind(*col)
        .fetch_all(&mut **tx)
        .await?;
        for (conname,) in old {
            sqlx::query(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT \"{conname}\""
            ))
            .execute(&mut **tx)
            .await?;
        }
        let on_delete = if *cascade_delete {
            " ON DELETE CASCADE"
        } else {
            ""
        };
        sqlx::query(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({prov}, {col}) \
             REFERENCES umkm (province_code, id) MATCH FULL ON UPDATE CASCADE{on_delete}"
        ))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn relkind(tx: &mut Transaction<'_, Any>, table: &str) -> Result<String> {
    let row = sqlx::query("SELECT relkind::text AS k FROM pg_class WHERE oid = $1::regclass")
        .bind(table)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("k")?)
}

/// What `sentra partition` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionReport {
    /// `false`: `umkm` was partitioned already; nothing changed.
    pub changed: bool,
    /// The partitions: one per province of the region data, and one for any other code.
    pub partitions: usize,
    pub rows: u64,
    pub millis: u128,
}

/// The rows of each partition of `umkm` (PostgreSQL, partitioned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRows {
    pub partition: String,
    pub rows: i64,
}

impl Database {
    /// Keeps the province of every business reference (both engines), and on PostgreSQL the
    /// composite keys. Safe to run any number of times.
    pub(crate) async fn install_province_keys(&self) -> Result<()> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::raw_sql(&sqlite_sql()).execute(&self.pool).await?;
            }
            Backend::Postgres => {
                let (sql, mark) = postgres_sql_marked();
                let mut tx = self.pool.begin().await?;
                // As for the rollup triggers: the same version on the same `umkm` is left
                // alone (no lock on `umkm` at every start).
                if self
                    .installed_mark("sentra_umkm_directory", "province_directory")
                    .await?
                    != Some(mark)
                {
                    sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                }
                postgres_foreign_keys(&mut tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Reads whether `umkm` is partitioned, for the queries scoped inside a province.
    pub(crate) async fn note_partitioning(&self) -> Result<()> {
        let partitioned = self.umkm_partitioned().await?;
        self.by_province
            .store(partitioned, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Whether queries scoped inside one province should name it (partition pruning).
    pub(crate) fn prunes_by_province(&self) -> bool {
        self.by_province.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// PostgreSQL: whether `umkm` is partitioned (`sentra partition`). SQLite: never.
    pub async fn umkm_partitioned(&self) -> Result<bool> {
        if self.backend() == Backend::Sqlite {
            return Ok(false);
        }
        let row =
            sqlx::query("SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass('umkm')")
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => r.try_get::<String, _>("k")? == "p",
            None => false,
        })
    }

    /// PostgreSQL: the rows in each partition of `umkm`, largest first.
    pub async fn umkm_partition_rows(&self) -> Result<Vec<PartitionRows>> {
        let rows = sqlx::query(
            "SELECT tableoid::regclass::text AS part, COUNT(*) AS n FROM umkm \
             GROUP BY tableoid ORDER BY n DESC, part",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PartitionRows {
                    partition: r.try_get("part")?,
                    rows: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// PostgreSQL: turns `umkm` into a table partitioned by `province_code` (native LIST
    /// partitioning), one partition per province of the region data and one for any other
    /// code, primary key `(province_code, id)`. One transaction: writers wait while it runs, and
    /// a stopped run leaves the table as it was. Run again: nothing to do.
    pub async fn partition_by_province(&self) -> Result<PartitionReport> {
        if self.backend() == Backend::Sqlite {
            return Err(StorageError::Migrate(
                "partitioning needs PostgreSQL; SQLite keeps one table".into(),
            ));
        }
        let started = Instant::now();
        let provinces: Vec<String> = sentra_domain::region::RegionTree::embedded()
            .provinces()
            .iter()
            .map(|r| r.code.as_str().to_string())
            .collect();
        let mut tx = self.pool.begin().await?;
        if relkind(&mut tx, "umkm").await? == "p" {
            let (partitions,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = 'umkm'::regclass",
            )
            .fetch_one(&mut *tx)
            .await?;
            return Ok(PartitionReport {
                changed: false,
                partitions: usize::try_from(partitions).unwrap_or(0),
                rows: 0,
                millis: started.elapsed().as_millis(),
            });
        }
        // Readers and writers wait from here to the commit.
        sqlx::query("LOCK TABLE umkm IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        // The composite keys first (a database migrated before them gets them here).
        postgres_foreign_keys(&mut tx).await?;
        // Attached again below: only those there were (a schema made for `migrate-data` has
        // none until its rows are copied).
        let triggers: Vec<(String,)> = sqlx::query_as(
            "SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'umkm'::regclass \
             AND NOT tgisinternal",
        )
        .fetch_all(&mut *tx)
        .await?;
        let had = |name: &str| triggers.iter().any(|(t,)| t == name);
        let (had_rollups, had_directory) = (had("rollup_umkm"), had("province_directory"));
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT indexname::text, indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'umkm'",
        )
        .fetch_all(&mut *tx)
        .await?;
        let own_keys: Vec<(String, String)> = sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'umkm'::regclass AND contype = 'f'",
        )
        .fetch_all(&mut *tx)
        .await?;
        let referring: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE confrelid = 'umkm'::regclass AND contype = 'f'",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (table, name, _) in &referring {
            sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "CREATE TABLE umkm_partitioned (LIKE umkm INCLUDING DEFAULTS INCLUDING CONSTRAINTS \
             INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY LIST (province_code)",
        )
        .execute(&mut *tx)
        .await?;
        for p in &provinces {
            sqlx::query(&format!(
                "CREATE TABLE umkm_p{p} PARTITION OF umkm_partitioned FOR VALUES IN ('{p}')"
            ))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("CREATE TABLE umkm_p_other PARTITION OF umkm_partitioned DEFAULT")
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query("INSERT INTO umkm_partitioned SELECT * FROM umkm")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Its triggers go with it; the trigger functions stay and are attached again below.
        sqlx::query("DROP TABLE umkm").execute(&mut *tx).await?;
        sqlx::query("ALTER TABLE umkm_partitioned RENAME TO umkm")
            .execute(&mut *tx)
            .await?;
        sqlx::query("ALTER TABLE umkm ADD CONSTRAINT umkm_pkey PRIMARY KEY (province_code, id)")
            .execute(&mut *tx)
            .await?;
        for (name, def) in &indexes {
            let def = match name.as_str() {
                // The key is (province_code, id) now.
                "umkm_pkey" | "umkm_province_id" => continue,
                // Unique per partition only: unique across the country in umkm_directory.
                "umkm_store_slug" => "CREATE INDEX umkm_store_slug ON umkm (store_slug)".into(),
                _ => def.clone(),
            };
            sqlx::query(&def).execute(&mut *tx).await?;
        }
        // A look-up by id alone visits every partition: each with an index on id.
        sqlx::query("CREATE INDEX umkm_id ON umkm (id)")
            .execute(&mut *tx)
            .await?;
        for (name, def) in &own_keys {
            sqlx::query(&format!("ALTER TABLE umkm ADD CONSTRAINT \"{name}\" {def}"))
                .execute(&mut *tx)
                .await?;
        }
        for (table, name, def) in &referring {
            sqlx::query(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        if had_rollups {
            let (rollups, _) = crate::schema::rollup::postgres_rollup_sql(true);
            sqlx::raw_sql(&rollups).execute(&mut *tx).await?;
        }
        if had_directory {
            sqlx::raw_sql(&postgres_sql_marked().0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("ANALYZE umkm").execute(&mut *tx).await?;
        tx.commit().await?;
        self.note_partitioning().await?;
        Ok(PartitionReport {
            changed: true,
            partitions: provinces.len() + 1,
            rows,
            millis: started.elapsed().as_millis(),
        })
    }
}
