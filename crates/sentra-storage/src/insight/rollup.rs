//! Reading the rollups the schema's triggers keep (see `schema::rollup`): sums per group and
//! document holders, for dashboards, reports and the flagship figures.

use chrono::{Datelike, NaiveDate};
use sentra_domain::region::RegionCode;
use sqlx::Row;

use crate::sql::{get_wide_sum, wide_sum};
use crate::{Database, Result};

/// Sums of the rollup for one group; money as `i128` (see [`wide_sum`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RollupRow {
    /// The kelurahan, when grouped by it.
    pub village: String,
    /// The group's keys, as text, in the order asked.
    pub keys: Vec<String>,
    pub n: i64,
    pub employees: i64,
    pub modal: i128,
    pub sales: i128,
}

/// The region one level under `region` that holds `village` (the kelurahan itself when
/// `region` is a kecamatan, or is that kelurahan).
pub(crate) fn child_of(village: &str, region: &RegionCode) -> Option<String> {
    let mut at = RegionCode::parse(village).ok()?;
    if &at == region {
        return Some(at.as_str().to_string());
    }
    loop {
        let parent = at.parent()?;
        if &parent == region {
            return Some(at.as_str().to_string());
        }
        at = parent;
    }
}

impl Database {
    /// The rollup of `region` summed per group of `keys` (SQL over `umkm_rollup`, cast to
    /// text), and per kelurahan when `by_village`; groups without a business left out. `only`
    /// narrows the rows (a condition without parameters).
    pub(crate) async fn rollup_sums(
        &self,
        region: &RegionCode,
        keys: &[&str],
        by_village: bool,
        only: Option<&str>,
    ) -> Result<Vec<RollupRow>> {
        let mut group: Vec<String> = keys.iter().map(|k| format!("CAST({k} AS TEXT)")).collect();
        if by_village {
            group.insert(0, "village_code".into());
        }
        let select = if group.is_empty() {
            String::new()
        } else {
            group
                .iter()
                .enumerate()
                .map(|(i, g)| format!("{g} AS k{i}, "))
                .collect::<String>()
        };
        let group_by = if group.is_empty() {
            String::new()
        } else {
            format!("GROUP BY {}", group.join(", "))
        };
        let sql = format!(
            "SELECT {select}CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(employees) AS BIGINT) AS e, \
             {}, {} \
             FROM umkm_rollup WHERE (village_code = $1 OR village_code LIKE $2){} {group_by} \
             HAVING SUM(n) <> 0",
            wide_sum("modal", "m"),
            wide_sum("sales", "s"),
            only.map(|c| format!(" AND {c}")).unwrap_or_default()
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut texts = Vec::with_capacity(group.len());
            for i in 0..group.len() {
                texts.push(r.try_get::<String, _>(format!("k{i}").as_str())?);
            }
            let village = if by_village {
                texts.remove(0)
            } else {
                String::new()
            };
            out.push(RollupRow {
                village,
                keys: texts,
                n: r.try_get("n")?,
                employees: r.try_get("e")?,
                modal: get_wide_sum(r, "m")?,
                sales: get_wide_sum(r, "s")?,
            });
        }
        Ok(out)
    }

    /// Verified businesses of `region` holding a document of `kind` (valid or not): (kelurahan,
    /// year of issue or 0, count). For "issued in the year" figures.
    pub(crate) async fn doc_holders(
        &self,
        region: &RegionCode,
        kind: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT village_code, issued_year, CAST(SUM(n) AS BIGINT) AS n FROM umkm_doc_rollup \
             WHERE kind = $1 AND (village_code = $2 OR village_code LIKE $3) \
             AND status = 'verified' GROUP BY village_code, issued_year HAVING SUM(n) <> 0",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        holder_rows(&rows)
    }

    /// Verified businesses of `region` holding a document of `kind` valid on `today` (no expiry,
    /// or expiring today or later): (kelurahan, year of issue or 0, count). The rollup gives
    /// those whose document runs past this month; this month's are counted one by one (a
    /// month's worth of one kind, by the index of migration 0031).
    pub(crate) async fn valid_holders(
        &self,
        region: &RegionCode,
        kind: &str,
        today: NaiveDate,
    ) -> Result<Vec<(String, i64, i64)>> {
        let month = today.format("%Y-%m").to_string();
        let next = month_after(today).format("%Y-%m-%d").to_string();
        let like = format!("{}.%", region.as_str());
        let later = sqlx::query(
            "SELECT village_code, issued_year, CAST(SUM(n) AS BIGINT) AS n FROM umkm_doc_rollup \
             WHERE kind = $1 AND (village_code = $2 OR village_code LIKE $3) \
             AND status = 'verified' AND (expires_month = '' OR expires_month > $4) \
             GROUP BY village_code, issued_year HAVING SUM(n) <> 0",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(&like)
        .bind(&month)
        .fetch_all(&self.pool)
        .await?;
        let this_month = sqlx::query(
            "SELECT u.village_code AS village_code, CASE WHEN d.issued_on IS NULL \
             OR d.issued_on = '' THEN 0 ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END \
             AS issued_year, COUNT(*) AS n FROM umkm_documents d \
             JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
             WHERE d.kind = $1 AND d.expires_on >= $4 AND d.expires_on < $5 \
             AND (u.village_code = $2 OR u.village_code LIKE $3) AND u.merged_into IS NULL \
             AND u.status = 'verified' GROUP BY u.village_code, 2",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(&like)
        .bind(today.format("%Y-%m-%d").to_string())
        .bind(next)
        .fetch_all(&self.pool)
        .await?;
        let mut out = holder_rows(&later)?;
        out.extend(holder_rows(&this_month)?);
        Ok(out)
    }
}

/// The first day of the month after `day`'s.
fn month_after(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

fn holder_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, i64, i64)>> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("village_code")?,
                r.try_get("issued_year")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_after_wraps_the_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(month_after(d(2026, 12, 31)), d(2027, 1, 1));
        assert_eq!(month_after(d(2026, 1, 31)), d(2026, 2, 1));
    }
}
