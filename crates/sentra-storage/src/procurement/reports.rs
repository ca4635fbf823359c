//! What the procurement reports read: each unit's share, spending by month, e-katalog sales.

use chrono::NaiveDate;
use sentra_domain::procurement::Share;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use super::{ProductSales, UnitShare, small_list, unit_from_row};
use crate::sql::{get_wide_sum, wide_sum};
use crate::{Database, Result};

impl Database {
    /// Each unit of `region` (in scope) with its spending of `year` up to `until` (inclusive),
    /// the part that went to micro and small enterprises and cooperatives, its latest budget,
    /// and its reserved packages awarded elsewhere.
    pub async fn unit_shares(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
        until: NaiveDate,
    ) -> Result<Vec<UnitShare>> {
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        let small = small_list();
        let reserved = sentra_domain::procurement::RESERVED_PACKAGE_MAX;
        let sql = format!(
            "SELECT g.id, g.region_code, g.code, g.name, g.active, {}, {}, \
             CAST(COALESCE(SUM(CASE WHEN p.value_rupiah <= {reserved} \
                  AND p.supplier_type NOT IN ({small}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS breaches, \
             (SELECT b.amount_rupiah FROM unit_budgets b WHERE b.unit_id = g.id AND b.year = $3 \
              ORDER BY b.revision DESC LIMIT 1) AS budget \
             FROM government_units g LEFT JOIN purchases p ON p.unit_id = g.id AND p.year = $3 \
                  AND p.ordered_on <= $4 \
             WHERE g.region_code = $1 OR g.region_code LIKE $2 \
             GROUP BY g.id, g.region_code, g.code, g.name, g.active ORDER BY g.code",
            // Summed wide: a year's purchases may pass i64 (see `wide_sum`).
            wide_sum("p.value_rupiah", "total"),
            wide_sum(
                &format!("CASE WHEN p.supplier_type IN ({small}) THEN p.value_rupiah ELSE 0 END"),
                "small"
            ),
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .bind(until.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitShare {
                    unit: unit_from_row(r)?,
                    share: Share {
                        total: get_wide_sum(r, "total")?,
                        small: get_wide_sum(r, "small")?,
                        budget: r.try_get("budget")?,
                    },
                    reserved_breaches: r.try_get("breaches")?,
                })
            })
            .collect()
    }
}

impl Database {
    /// Month by month of `year` (ordered on or before `until`): what the units of `region`
    /// spent and what went to small suppliers.
    pub async fn monthly_spending(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
        until: NaiveDate,
    ) -> Result<[(i128, i128); 12]> {
        let mut out = [(0, 0); 12];
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(out);
        };
        let small = small_list();
        let sql = format!(
            "SELECT SUBSTR(p.ordered_on, 6, 2) AS month, {}, {} \
             FROM purchases p JOIN government_units g ON g.id = p.unit_id \
             WHERE (g.region_code = $1 OR g.region_code LIKE $2) AND p.year = $3 \
             AND p.ordered_on <= $4 GROUP BY SUBSTR(p.ordered_on, 6, 2)",
            wide_sum("p.value_rupiah", "total"),
            wide_sum(
                &format!("CASE WHEN p.supplier_type IN ({small}) THEN p.value_rupiah ELSE 0 END"),
                "small"
            ),
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .bind(until.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let month: String = r.try_get("month")?;
            if let Some(m) = month.parse::<usize>().ok().filter(|m| (1..=12).contains(m)) {
                out[m - 1] = (get_wide_sum(&r, "total")?, get_wide_sum(&r, "small")?);
            }
        }
        Ok(out)
    }

    /// The products listed in the e-katalog lokal by businesses in the caller's scope (and
    /// `region`), with what government units bought of each in `year`: those sold first (by
    /// value), then those never bought, oldest listing first.
    pub async fn ekatalog_sales(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<ProductSales>> {
        let Some(region) = scope
            .narrow(Some(region))
            .filter(|_| scope.owner().is_none())
        else {
            return Ok(Vec::new());
        };
        // The value summed wide (see `wide_sum`), and ordered by as a float, which cannot
        // overflow and orders as well.
        let sql = format!(
            "SELECT pr.id, pr.name, pr.slug, pr.umkm_id, u.name AS umkm_name, \
             pr.ekatalog_listed_at, \
             CAST(COUNT(p.id) AS BIGINT) AS packages, {}, \
             (SELECT COUNT(*) FROM purchases a WHERE a.product_id = pr.id) AS ever \
             FROM products pr JOIN umkm u ON u.province_code = pr.province_code AND u.id = pr.umkm_id \
             LEFT JOIN purchases p ON p.product_id = pr.id AND p.year = $3 \
             WHERE pr.ekatalog_listed_at IS NOT NULL AND pr.status <> 'archived' \
             AND u.merged_into IS NULL \
             AND (u.village_code = $1 OR u.village_code LIKE $2) \
             GROUP BY pr.id, pr.name, pr.slug, pr.umkm_id, u.name, pr.ekatalog_listed_at \
             ORDER BY COALESCE(SUM(CAST(p.value_rupiah AS DOUBLE PRECISION)), 0) DESC, \
             pr.ekatalog_listed_at, pr.id",
            wide_sum("p.value_rupiah", "value")
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(i64::from(year))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ProductSales {
                    product_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    slug: r.try_get("slug")?,
                    umkm_id: r.try_get("umkm_id")?,
                    umkm_name: r.try_get("umkm_name")?,
                    listed_at: r.try_get("ekatalog_listed_at")?,
                    packages: r.try_get("packages")?,
                    value: get_wide_sum(r, "value")?,
                    ever: r.try_get("ever")?,
                })
            })
            .collect()
    }
}
