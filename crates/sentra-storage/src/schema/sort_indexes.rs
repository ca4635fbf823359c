//! The registry list sorted by sales or modal, largest first, on PostgreSQL (issue 30). The list
//! puts unknown amounts last (`DESC NULLS LAST`, `registry::umkm::read`). SQLite holds NULL as the
//! smallest value, so migration 0040's ascending indexes serve that order read backwards; a
//! PostgreSQL index keeps NULLs last when ascending and so first when read backwards, and the
//! province's kuliner by sales sorted every business of the province instead (397 ms for a
//! province of 1,000,000, 351 ms for a kabupaten). These indexes hold the descending order with
//! NULLs last; the ascending order keeps migration 0040's. PostgreSQL syntax only, hence here
//! rather than in `migrations/`. `sentra partition` carries them over with the other indexes.

use crate::connect::Backend;
use crate::{Database, Result};

/// (index, region column, amount column).
const DESCENDING: [(&str, &str, &str); 4] = [
    (
        "umkm_province_sales_desc",
        "province_code",
        "annual_sales_rupiah",
    ),
    ("umkm_province_modal_desc", "province_code", "modal_rupiah"),
    (
        "umkm_regency_sales_desc",
        "regency_code",
        "annual_sales_rupiah",
    ),
    ("umkm_regency_modal_desc", "regency_code", "modal_rupiah"),
];

impl Database {
    /// Creates the descending sort indexes where they are missing (PostgreSQL only).
    pub(crate) async fn install_sort_indexes(&self) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        for (name, region, amount) in DESCENDING {
            sqlx::query(&format!(
                "CREATE INDEX IF NOT EXISTS {name} ON umkm ({region}, {amount} DESC NULLS LAST, id DESC)"
            ))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}
