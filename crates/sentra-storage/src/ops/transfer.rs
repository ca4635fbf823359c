//! Moving a whole deployment between databases (`sentra migrate-data`, e.g. SQLite to
//! PostgreSQL): the target gets the schema only, then every table is copied in foreign-key
//! order, each table in one transaction that also records it as done, so that a stopped copy
//! resumes with the next table. The rollup triggers are installed after the copy (they would
//! count every copied row a second time). Checked afterwards with [`Database::census`].

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;

use crate::ops::{Column, ColumnKind, Value, decode_row, quote};
use crate::{Backend, Database, Result, StorageError};

/// The target's own record of tables already copied (not part of the census).
const PROGRESS_TABLE: &str = "_sentra_transfer";

/// A copied table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    pub table: String,
    pub rows: u64,
    /// Copied by an earlier, stopped run.
    pub resumed: bool,
}

impl Database {
    /// Only the migrations: tables without the region data, seeds and triggers that
    /// [`Database::migrate`] adds.
    pub async fn migrate_schema(&self) -> Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(|e| StorageError::Migrate(e.to_string()))
    }

    /// Tables this one refers to, by foreign key (its own name included when it refers to
    /// itself), with the referring column and the referred one.
    async fn foreign_keys(&self, table: &str) -> Result<Vec<(String, String, String)>> {
        let rows: Vec<(String, String, String)> = match self.backend() {
            Backend::Sqlite => {
                sqlx::query_as(
                    "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1)",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT CAST(ccu.table_name AS TEXT), CAST(kcu.column_name AS TEXT), \
                     CAST(ccu.column_name AS TEXT) \
                     FROM information_schema.table_constraints tc \
                     JOIN information_schema.key_column_usage kcu \
                       ON tc.constraint_name = kcu.constraint_name \
                      AND tc.table_schema = kcu.table_schema \
                     JOIN information_schema.constraint_column_usage ccu \
                       ON ccu.constraint_name = tc.constraint_name \
                      AND ccu.table_schema = tc.table_schema \
                     WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = $1 \
                       AND tc.table_schema = current_schema()",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// Every table, parents before the tables that refer to them.
    pub async fn tables_in_key_order(&self) -> Result<Vec<String>> {
        let names = self.table_names().await?;
        let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for t in &names {
            let parents = self
                .foreign_keys(t)
                .await?
                .into_iter()
                .map(|(parent, _, _)| parent)
                .filter(|p| p != t && names.contains(p))
                .collect();
            needs.insert(t.clone(), parents);
        }
        let mut order = Vec::with_capacity(names.len());
        let mut placed = BTreeSet::new();
        while order.len() < names.len() {
            let ready: Vec<String> = needs
                .iter()
                .filter(|(t, parents)| !placed.contains(*t) && parents.is_subset(&placed))
                .map(|(t, _)| t.clone())
                .collect();
            if ready.is_empty() {
                return Err(StorageError::Corrupt(
                    "foreign keys form a cycle between tables".into(),
                ));
            }
            for t in ready {
                placed.insert(t.clone());
                order.push(t);
            }
        }
        Ok(order)
    }

    async fn copied_tables(&self) -> Result<BTreeSet<String>> {
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} \
             (table_name TEXT PRIMARY KEY, rows_copied BIGINT NOT NULL)"
        ))
        .execute(&self.pool)
        .await?;
        let rows: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT table_name FROM {PROGRESS_TABLE}"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Copies every table of `self` into `target` (which must have no data of its own yet, or
    /// be a stopped copy of this one). `progress(table, rows copied of it, its rows)`.
    pub async fn copy_into(
        &self,
        target: &Database,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> Result<Vec<CopiedTable>> {
        target.migrate_schema().await?;
        let done = target.copied_tables().await?;
        let mut out = Vec::new();
        for table in self.tables_in_key_order().await? {
            if done.contains(&table) {
                out.push(CopiedTable {
                    table,
                    rows: 0,
                    resumed: true,
                });
                continue;
            }
            let rows = self.copy_table(target, &table, &mut progress).await?;
            out.push(CopiedTable {
                table,
                rows,
                resumed: false,
            });
        }
        // Now the region data check, the seeds (already there: copied) and the triggers.
        target.migrate().await?;
        sqlx::query(&format!("DROP TABLE {PROGRESS_TABLE}"))
            .execute(&target.pool)
            .await?;
        Ok(out)
    }

    async fn copy_table(
        &self,
        target: &Database,
        table: &str,
        progress: &mut impl FnMut(&str, u64, u64),
    ) -> Result<u64> {
        let columns = self.columns(table).await?;
        let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&self.pool)
            .await?;
        let total = u64::try_from(total).unwrap_or(0);
        let self_keys: Vec<(String, String)> = self
            .foreign_keys(table)
            .await?
            .into_iter()
            .filter(|(parent, _, _)| parent == table)
            .map(|(_, from, to)| (from, to))
            .collect();
        let per_statement = (target.params_per_statement() / columns.len().max(1)).max(1);
        let select = format!(
            "SELECT {} FROM {}",
            self.select_list(&columns),
            quote(table)
        );
        let mut tx = target.pool.begin().await?;
        // Rows the target's migrations put in (e.g. the sector list) are replaced by the source's.
        sqlx::query(&format!("DELETE FROM {}", quote(table)))
            .execute(&mut *tx)
            .await?;
        let mut copied = 0u64;
        if self_keys.is_empty() {
            let mut stream = sqlx::query(&select).fetch(&self.pool);
            let mut batch = Vec::with_capacity(per_statement);
            while let Some(row) = stream.try_next().await? {
                batch.push(decode_row(&row, &columns)?);
                if batch.len() == per_statement {
                    insert_rows(&mut tx, table, &columns, &batch).await?;
                    copied += batch.len() as u64;
                    batch.clear();
                    progress(table, copied, total);
                }
            }
            if !batch.is_empty() {
                insert_rows(&mut tx, table, &columns, &batch).await?;
                copied += batch.len() as u64;
            }
        } else {
            // A table referring to itself (the category tree) is small: parents first.
            let rows = sqlx::query(&select).fetch_all(&self.pool).await?;
            let mut rows: Vec<Vec<Value>> = rows
                .iter()
                .map(|r| decode_row(r, &columns))
                .collect::<Result<_>>()?;
            for level in parents_first(&columns, &self_keys, &mut rows)? {
                for chunk in level.chunks(per_statement) {
                    insert_rows(&mut tx, table, &columns, chunk).await?;
                    copied += chunk.len() as u64;
                }
            }
        }
        let copied_i64 = i64::try_from(copied).unwrap_or(i64::MAX);
        sqlx::query(&format!(
            "INSERT INTO {PROGRESS_TABLE} (table_name, rows_copied) VALUES ($1, $2)"
        ))
        .bind(table)
        .bind(copied_i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        progress(table, copied, total);
        Ok(copied)
    }
}

/// Rows in waves: those whose self-reference is empty or already placed, then the next.
fn parents_first(
    columns: &[Column],
    self_keys: &[(String, String)],
    rows: &mut Vec<Vec<Value>>,
) -> Result<Vec<Vec<Vec<Value>>>> {
    let index = |name: &str| columns.iter().position(|c| c.name == name);
    let pairs: Vec<(usize, usize)> = self_keys
        .iter()
        .filter_map(|(from, to)| Some((index(from)?, index(to)?)))
        .collect();
    let mut placed: BTreeSet<(usize, String)> = BTreeSet::new();
    let key = |v: &Value| format!("{v:?}");
    let mut waves = Vec::new();
    while !rows.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = std::mem::take(rows).into_iter().partition(|r| {
            pairs.iter().all(|(from, to)| {
                matches!(r[*from], Value::Null) || placed.contains(&(*to, key(&r[*from])))
            })
        });
        if ready.is_empty() {
            return Err(StorageError::Corrupt(
                "rows refer to parents that are missing".into(),
            ));
        }
        for r in &ready {
            for (_, to) in &pairs {
                placed.insert((*to, key(&r[*to])));
            }
        }
        waves.push(ready);
        *rows = rest;
    }
    Ok(waves)
}

async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<()> {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let mut n = 0;
    let tuples: Vec<String> = rows
        .iter()
        .map(|_| {
            let marks: Vec<String> = columns
                .iter()
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote(table),
        names.join(", "),
        tuples.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for row in rows {
        for (v, c) in row.iter().zip(columns) {
            q = match (v, c.kind) {
                (Value::Null, ColumnKind::Integer) => q.bind(None::<i64>),
                (Value::Null, ColumnKind::Real) => q.bind(None::<f64>),
                (Value::Null, ColumnKind::Bytes) => q.bind(None::<Vec<u8>>),
                (Value::Null, ColumnKind::Text) => q.bind(None::<String>),
                (Value::Integer(i), _) => q.bind(*i),
                (Value::Real(f), _) => q.bind(*f),
                (Value::Bytes(b), _) => q.bind(b.clone()),
                (Value::Text(s), _) => q.bind(s.clone()),
            };
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

impl Database {
    /// A copy into this database was started and has not finished.
    pub async fn copy_in_progress(&self) -> Result<bool> {
        Ok(self
            .all_table_names()
            .await?
            .iter()
            .any(|t| t == PROGRESS_TABLE))
    }

    pub async fn count_rows(&self, table: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
