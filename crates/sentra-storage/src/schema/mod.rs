//! Schema written in code rather than in `migrations/`: triggers and functions generated per
//! engine, installed by `Database::migrate` after the sqlx migrations.

pub(crate) mod province_keys;
pub(crate) mod rollup;
pub(crate) mod sort_indexes;

use crate::{Database, Result};

/// PostgreSQL trigger text that marks its version on `function` (restored with it by pg_dump),
/// and the mark.
pub(crate) fn marked(sql: String, function: &str) -> (String, String) {
    let mark = format!(
        "sentra:{}",
        &crate::accounts::users::secret_hash(&sql)[..16]
    );
    let sql = format!("{sql}\nCOMMENT ON FUNCTION {function}() IS '{mark}';\n");
    (sql, mark)
}

impl Database {
    /// The version mark on `function`, when its trigger `trigger` is on the current `umkm`.
    pub(crate) async fn installed_mark(
        &self,
        function: &str,
        trigger: &str,
    ) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p WHERE p.proname = $1 \
             AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'umkm'::regclass \
             AND t.tgname = $2)",
        )
        .bind(function)
        .bind(trigger)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(d,)| d))
    }
}
