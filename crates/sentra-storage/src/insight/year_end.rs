//! A past year's open-data figures, counted once and kept (migration 0039): the registry as it
//! stood at the end of the year is a scan of every business and its documents (seconds at a
//! province's scale), and a closed year's published file should not change under the portals
//! that harvested it.

use sentra_domain::region::RegionCode;
use sqlx::Row;

use crate::insight::dashboard::RegionStats;
use crate::{Database, Result, now_text};

impl Database {
    /// The kept figures per kelurahan of `region` at the end of `year`; `None` when the year
    /// has not been counted yet.
    pub async fn kept_year_end(
        &self,
        region: &RegionCode,
        year: i32,
    ) -> Result<Option<Vec<RegionStats>>> {
        let Some(_) = sqlx::query(
            "SELECT counted_at FROM year_end_counted WHERE region_code = $1 AND year = $2",
        )
        .bind(region.as_str())
        .bind(i64::from(year))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT village_code, total, mikro, kecil, menengah, besar, unknown_size, with_nib, \
             with_halal FROM year_end_figures WHERE region_code = $1 AND year = $2 \
             ORDER BY village_code",
        )
        .bind(region.as_str())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        let stats = rows
            .iter()
            .map(|r| {
                Ok(RegionStats {
                    region: r.try_get("village_code")?,
                    total: r.try_get("total")?,
                    sizes: [
                        r.try_get("mikro")?,
                        r.try_get("kecil")?,
                        r.try_get("menengah")?,
                        r.try_get("besar")?,
                        r.try_get("unknown_size")?,
                    ],
                    with_nib: r.try_get("with_nib")?,
                    with_halal: r.try_get("with_halal")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(stats))
    }

    /// Keeps `villages` (per kelurahan, as [`Database::region_statistics`] counts them at the
    /// end of `year`) as the year's figures for `region`, unless another server kept them
    /// first (the first count stands).
    pub async fn keep_year_end(
        &self,
        region: &RegionCode,
        year: i32,
        villages: &[RegionStats],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = now_text();
        let marked = sqlx::query(
            "INSERT INTO year_end_counted (region_code, year, counted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (region_code, year) DO NOTHING",
        )
        .bind(region.as_str())
        .bind(i64::from(year))
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Ok(tx.rollback().await?);
        }
        for v in villages {
            sqlx::query(
                "INSERT INTO year_end_figures (region_code, year, village_code, total, mikro, \
                 kecil, menengah, besar, unknown_size, with_nib, with_halal) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(region.as_str())
            .bind(i64::from(year))
            .bind(&v.region)
            .bind(v.total)
            .bind(v.sizes[0])
            .bind(v.sizes[1])
            .bind(v.sizes[2])
            .bind(v.sizes[3])
            .bind(v.sizes[4])
            .bind(v.with_nib)
            .bind(v.with_halal)
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }
}
