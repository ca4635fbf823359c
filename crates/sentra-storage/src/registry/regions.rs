//! Loading the region reference data into the database, where reports can join on it.

use sentra_domain::region::{DATA_SOURCE, DECREE, RegionTree};

use crate::{Database, Result, now_text};

const DATASET: &str = "kemendagri";

impl Database {
    /// Loads (or refreshes) the region table from `tree` unless the same decree with the same
    /// number of rows is already there. One transaction: a crash leaves the old data intact.
    pub async fn load_regions(&self, tree: &RegionTree) -> Result<bool> {
        let current: Option<(String, i64)> =
            sqlx::query_as("SELECT decree, row_count FROM region_datasets WHERE dataset = $1")
                .bind(DATASET)
                .fetch_optional(&self.pool)
                .await?;
        if current == Some((DECREE.to_string(), tree.len() as i64)) {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        for chunk in tree.all().chunks(self.params_per_statement() / 5) {
            let mut sql =
                String::from("INSERT INTO regions (code, parent_code, level, kind, name) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 5;
                sql.push_str(&format!(
                    "(${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            sql.push_str(
                " ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, \
                 level = excluded.level, kind = excluded.kind, name = excluded.name",
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.code.as_str().to_string())
                    .bind(r.code.parent().map(|p| p.as_str().to_string()))
                    .bind(r.level.as_str())
                    .bind(r.kind.as_str())
                    .bind(r.name.clone());
            }
            q.execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO region_datasets (dataset, decree, source, row_count, loaded_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dataset) DO UPDATE SET \
             decree = excluded.decree, source = excluded.source, row_count = excluded.row_count, \
             loaded_at = excluded.loaded_at",
        )
        .bind(DATASET)
        .bind(DECREE)
        .bind(DATA_SOURCE)
        .bind(tree.len() as i64)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The decree and row count of the loaded region data, if any.
    pub async fn region_dataset(&self) -> Result<Option<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT decree, row_count FROM region_datasets WHERE dataset = $1")
                .bind(DATASET)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
