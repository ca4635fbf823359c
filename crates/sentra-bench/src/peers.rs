//! The peers, queried the way an application on them would: the words must all match (the last
//! one as a prefix, for search as you type), best first, ten results; when nothing matches,
//! any of the words (FTS5) or the nearest names by trigram similarity (PostgreSQL, pg_trgm: its
//! answer to typos). They compute no facet counts and no total: less work than Sentra does.

use std::path::Path;

use sqlx::Row;

use crate::Top10;
use crate::queries::{Query, words};

/// The facet filters as conditions on parameters numbered from 2 (both engines read `$n`).
fn filters(q: &Query) -> String {
    let mut sql = String::new();
    let mut n = 1;
    if q.category.is_some() {
        n += 1;
        sql.push_str(&format!(" AND category LIKE ${n} || '%'"));
    }
    if q.district.is_some() {
        n += 1;
        sql.push_str(&format!(" AND district = ${n}"));
    }
    sql
}

fn bind_filters<'q, DB: sqlx::Database>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    q: &'q Query,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for value in [&q.category, &q.district].into_iter().flatten() {
        query = query.bind(value.as_str());
    }
    query
}

/// SQLite FTS5 (`unicode61` tokenizer: no stemming, no typo tolerance) over a table
/// `fts(name, description, category UNINDEXED, district UNINDEXED)`.
pub struct Fts5 {
    pool: sqlx::SqlitePool,
}

impl Fts5 {
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub async fn search(&self, q: &Query) -> anyhow::Result<Top10> {
        let w = words(&q.text);
        if w.is_empty() {
            return Ok(Vec::new());
        }
        let quoted: Vec<String> = w.iter().map(|x| format!("\"{x}\"")).collect();
        let all = format!("{}*", quoted.join(" "));
        let found = self.run(&all, q).await?;
        if !found.is_empty() || w.len() == 1 {
            return Ok(found);
        }
        self.run(&format!("{}*", quoted.join(" OR ")), q).await
    }

    async fn run(&self, expr: &str, q: &Query) -> anyhow::Result<Top10> {
        let sql = format!(
            "SELECT name FROM fts WHERE fts MATCH $1{} ORDER BY bm25(fts, 3.0, 1.0) LIMIT 10",
            filters(q)
        );
        let rows = bind_filters(sqlx::query(&sql).bind(expr), q)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().filter_map(|r| r.try_get(0).ok()).collect())
    }
}

/// PostgreSQL: a weighted `tsvector` of name and description in the `indonesian` text search
/// configuration (Snowball stemmer) with a GIN index, and a pg_trgm GIN index on the name, over
/// a table `peer(name, description, category, district, tsv)`.
pub struct Postgres {
    pool: sqlx::PgPool,
}

impl Postgres {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    pub async fn search(&self, q: &Query) -> anyhow::Result<Top10> {
        let w = words(&q.text);
        if w.is_empty() {
            return Ok(Vec::new());
        }
        let tsquery = format!("{}:*", w.join(" & "));
        let sql = format!(
            "SELECT name FROM peer WHERE tsv @@ to_tsquery('indonesian', $1){} \
             ORDER BY ts_rank(tsv, to_tsquery('indonesian', $1)) DESC LIMIT 10",
            filters(q)
        );
        let found = self.fetch(&sql, &tsquery, q).await?;
        if !found.is_empty() {
            return Ok(found);
        }
        let sql = format!(
            "SELECT name FROM peer WHERE name % $1{} ORDER BY similarity(name, $1) DESC LIMIT 10",
            filters(q)
        );
        self.fetch(&sql, &q.text, q).await
    }

    async fn fetch(&self, sql: &str, first: &str, q: &Query) -> anyhow::Result<Top10> {
        let rows = bind_filters(sqlx::query(sql).bind(first), q)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().filter_map(|r| r.try_get(0).ok()).collect())
    }
}
