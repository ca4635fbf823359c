//! Operations on the database as a whole: what `/metrics` reports (pool, jobs), the census of
//! every table (row counts and an order-independent checksum that reads the same on SQLite and
//! PostgreSQL, for backups, restores and moving a deployment), and SQLite's online snapshot.

mod repairs;
pub(crate) mod transfer;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Database, Result, StorageError};

/// Connections of this server's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
    /// For a multi-host PostgreSQL URL: how often the pool moved to another host (failovers).
    pub host_changes: Option<u64>,
}

/// Jobs of one kind in one state, over the whole deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    pub kind: &'static str,
    pub state: String,
    pub count: i64,
}

/// A column's kind as both engines store it (the migrations use only these four types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Real,
    Bytes,
    Text,
}

impl ColumnKind {
    fn of_declared(declared: &str) -> Self {
        let t = declared.to_ascii_uppercase();
        if t.contains("INT") {
            Self::Integer
        } else if t.contains("DOUBLE") || t.contains("REAL") || t.contains("FLOAT") {
            Self::Real
        } else if t.contains("BYTEA") || t.contains("BLOB") {
            Self::Bytes
        } else {
            Self::Text
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// One value read without knowing the table, as both engines give it back.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Bytes(Vec<u8>),
    Text(String),
}

impl Value {
    /// The bytes a checksum takes: a kind tag, then the value in one spelling for both engines.
    fn feed(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update([0u8]),
            Value::Integer(i) => {
                h.update([1u8]);
                h.update(i.to_le_bytes());
            }
            Value::Real(f) => {
                h.update([2u8]);
                h.update(f.to_bits().to_le_bytes());
            }
            Value::Bytes(b) => {
                h.update([3u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
            Value::Text(s) => {
                h.update([4u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
        }
    }
}

/// A table's row count and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCensus {
    pub table: String,
    pub rows: i64,
    /// Sum (mod 2⁶⁴) of each row's SHA-256 prefix: the same whatever order rows are read in.
    pub checksum: u64,
}

impl Database {
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
            host_changes: self.host_changes(),
        }
    }

    /// Import, export and procurement-upload jobs by state, for `/metrics`.
    pub async fn job_counts(&self) -> Result<Vec<JobCount>> {
        let mut out = Vec::new();
        for (kind, table) in [("import", "import_jobs"), ("export", "export_jobs")] {
            let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
                "SELECT state, COUNT(*) FROM {table} GROUP BY state ORDER BY state"
            ))
            .fetch_all(&self.pool)
            .await?;
            out.extend(
                rows.into_iter()
                    .map(|(state, count)| JobCount { kind, state, count }),
            );
        }
        Ok(out)
    }

    /// The deployment's own tables (not the migration ledger, not a copy's bookkeeping),
    /// sorted by name.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        Ok(self
            .all_table_names()
            .await?
            .into_iter()
            .filter(|n| !n.starts_with("_sentra"))
            .collect())
    }

    /// Every table but the migration ledger, `_sentra_transfer` included.
    pub(crate) async fn all_table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name"
            }
            Backend::Postgres => {
                // Partitioned tables once, without their partitions (`sentra partition`).
                "SELECT CAST(c.relname AS TEXT) FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
                 AND NOT c.relispartition AND c.relname <> '_sqlx_migrations' \
                 ORDER BY c.relname"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A table's columns in their declared order.
    pub async fn columns(&self, table: &str) -> Result<Vec<Column>> {
        let rows: Vec<(String, String)> = match self.backend() {
            Backend::Sqlite => {
                sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     ORDER BY ordinal_position",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        if rows.is_empty() {
            return Err(StorageError::Corrupt(format!("no table {table}")));
        }
        Ok(rows
            .into_iter()
            .map(|(name, declared)| Column {
                kind: ColumnKind::of_declared(&declared),
                name,
            })
            .collect())
    }

    /// The SELECT list that reads `columns` the same way on both engines: bytes as hex text
    /// (the Any driver has no portable byte reader for nulls), everything else as stored.
    pub(crate) fn select_list(&self, columns: &[Column]) -> String {
        columns
            .iter()
            .map(|c| {
                let q = quote(&c.name);
                match (c.kind, self.backend()) {
                    // hex(NULL) is '' in SQLite: keep the NULL a NULL.
                    (ColumnKind::Bytes, Backend::Sqlite) => {
                        format!("CASE WHEN {q} IS NULL THEN NULL ELSE lower(hex({q})) END")
                    }
                    (ColumnKind::Bytes, Backend::Postgres) => format!("encode({q}, 'hex')"),
                    _ => q,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Row count and checksum of every table, read inside one transaction so that the figures
    /// belong to one moment even while the server writes.
    pub async fn census(&self) -> Result<Vec<TableCensus>> {
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let out = self.census_on(&mut tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn census_on(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<TableCensus>> {
        let tables = self.table_names().await?;
        let mut out = Vec::with_capacity(tables.len());
        for table in tables {
            let columns = self.columns(&table).await?;
            let sql = format!(
                "SELECT {} FROM {}",
                self.select_list(&columns),
                quote(&table)
            );
            // Streamed: a million-row table is hashed without being held in memory.
            let mut rows = sqlx::query(&sql).fetch(&mut *conn);
            let (mut count, mut checksum) = (0i64, 0u64);
            while let Some(r) = rows.try_next().await? {
                let mut h = Sha256::new();
                for v in decode_row(&r, &columns)? {
                    v.feed(&mut h);
                }
                let digest = h.finalize();
                let mut first = [0u8; 8];
                first.copy_from_slice(&digest[..8]);
                checksum = checksum.wrapping_add(u64::from_le_bytes(first));
                count += 1;
            }
            out.push(TableCensus {
                table,
                rows: count,
                checksum,
            });
        }
        Ok(out)
    }

    /// Holds one moment of a PostgreSQL database open for `pg_dump --snapshot`, so that the
    /// dump and the census of the backup are of the same moment while the servers write.
    pub async fn pg_snapshot(&self) -> Result<PgSnapshot> {
        if self.backend() != Backend::Postgres {
            return Err(StorageError::Corrupt(
                "an exported snapshot is for PostgreSQL".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let (id,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?;
        Ok(PgSnapshot {
            db: self.clone(),
            tx,
            id,
        })
    }

    /// A consistent copy of a SQLite database taken while it serves (`VACUUM INTO`: one read
    /// transaction, so the copy is one moment of the database, and compact). The file must not
    /// exist.
    pub async fn sqlite_snapshot(&self, to: &std::path::Path) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(StorageError::Corrupt(
                "a file snapshot is for SQLite; PostgreSQL is backed up with pg_dump".into(),
            ));
        }
        // Owner-only, like the database it copies (VACUUM INTO fills an empty file).
        crate::connect::create_private_file(to).map_err(sqlx::Error::Io)?;
        sqlx::query("VACUUM INTO $1")
            .bind(to.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// One moment of a PostgreSQL database, kept while its transaction is open.
pub struct PgSnapshot {
    db: Database,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// For `pg_dump --snapshot`.
    pub id: String,
}

impl PgSnapshot {
    /// The census as of the snapshot.
    pub async fn census(&mut self) -> Result<Vec<TableCensus>> {
        let db = self.db.clone();
        db.census_on(&mut self.tx).await
    }

    pub async fn finish(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// The tables of `expected` that `found` lacks or holds with other rows or checksum, as
/// "table (n rows, expected m)" — empty when the two censuses agree.
pub fn census_differences(expected: &[TableCensus], found: &[TableCensus]) -> Vec<String> {
    expected
        .iter()
        .filter(|e| !found.contains(e))
        .map(|e| match found.iter().find(|f| f.table == e.table) {
            Some(f) if f.rows != e.rows => {
                format!("{} ({} rows, expected {})", e.table, f.rows, e.rows)
            }
            Some(_) => format!("{} (same rows, other values)", e.table),
            None => format!("{} (missing)", e.table),
        })
        .collect()
}

/// A name as an identifier of both engines.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(crate) fn decode_row(row: &AnyRow, columns: &[Column]) -> Result<Vec<Value>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.kind {
                ColumnKind::Integer => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, Value::Integer),
                ColumnKind::Real => row
                    .try_get::<Option<f64>, _>(i)?
                    .map_or(Value::Null, Value::Real),
                ColumnKind::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, Value::Text),
                ColumnKind::Bytes => match row.try_get::<Option<String>, _>(i)? {
                    None => Value::Null,
                    Some(hex) => Value::Bytes(from_hex(&hex).ok_or_else(|| {
                        StorageError::Corrupt(format!("column {} is not hex", c.name))
                    })?),
                },
            })
        })
        .collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_the_four_kinds() {
        assert_eq!(ColumnKind::of_declared("BIGINT"), ColumnKind::Integer);
        assert_eq!(ColumnKind::of_declared("bigint"), ColumnKind::Integer);
        assert_eq!(
            ColumnKind::of_declared("DOUBLE PRECISION"),
            ColumnKind::Real
        );
        assert_eq!(ColumnKind::of_declared("bytea"), ColumnKind::Bytes);
        assert_eq!(ColumnKind::of_declared("TEXT"), ColumnKind::Text);
        assert_eq!(ColumnKind::of_declared("text"), ColumnKind::Text);
    }

    #[test]
    fn hex_reads_back_bytes_and_refuses_junk() {
        assert_eq!(from_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(from_hex(""), Some(vec![]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
