//! Reading the rollups the schema's triggers keep (see `schema::rollup`): sums per group and
//! document holders, for dashboards, reports and the flagship figures.

use chrono::{Datelike, NaiveDate};
use sentra_domain::region::{RegionCode, RegionLevel};
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

/// How the rollup's sums are grouped by place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    /// Not by place.
    Whole,
    /// By the places one level under the region, or coarser: [`RollupRow::village`] holds a
    /// kelurahan or, read from the kecamatan rollup, a kecamatan code; for [`child_of`] and
    /// other mappings to a level above the kelurahan.
    Children,
    /// By kelurahan.
    Villages,
}

/// The dimensions the kecamatan rollup (migration 0035) keeps.
const DISTRICT_KEYS: [&str; 3] = ["sector_code", "size_class", "status"];

impl Database {
    /// The rollup of `region` summed per group of `keys` (SQL over the rollup, cast to text),
    /// and per place as `grain` asks; groups without a business left out. `only` narrows the
    /// rows (a condition without parameters, on the status). Read from the kecamatan rollup
    /// when it holds the keys and the places asked for (a province's totals: thousands of rows
    /// instead of half a million), else from the kelurahan rollup.
    pub(crate) async fn rollup_sums(
        &self,
        region: &RegionCode,
        keys: &[&str],
        grain: Grain,
        only: Option<&str>,
    ) -> Result<Vec<RollupRow>> {
        let coarse_region = match grain {
            Grain::Whole => region.level() != RegionLevel::Village,
            Grain::Children => {
                matches!(region.level(), RegionLevel::Province | RegionLevel::Regency)
            }
            Grain::Villages => false,
        };
        let (table, place) = if coarse_region
            && keys.iter().all(|k| DISTRICT_KEYS.contains(k))
            && only.is_none_or(|c| c.starts_with("status"))
        {
            ("umkm_district_rollup", "district_code")
        } else {
            ("umkm_rollup", "village_code")
        };
        let by_village = grain != Grain::Whole;
        let mut group: Vec<String> = keys.iter().map(|k| format!("CAST({k} AS TEXT)")).collect();
        if by_village {
            group.insert(0, place.into());
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
             FROM {table} WHERE ({place} = $1 OR {place} LIKE $2){} {group_by} \
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

/// What the registry list filters on that the rollups also keep: the region and the equality
/// filters on sector, size class and status.
pub(crate) struct RollupFilter<'a> {
    pub region: &'a RegionCode,
    pub sector: Option<&'a str>,
    pub size: Option<&'a str>,
    pub status: Option<&'a str>,
}

impl Database {
    /// How many unmerged businesses match `f`, from the rollups the triggers keep in the same
    /// transaction as every write (equal to a recount: the dashboard tests check it): a
    /// province's total from a few thousand kecamatan rows instead of a count over a million
    /// records. A kelurahan reads its own rows of the kelurahan rollup.
    pub(crate) async fn rollup_count(&self, f: &RollupFilter<'_>) -> Result<i64> {
        let (table, place) = if f.region.level() == RegionLevel::Village {
            ("umkm_rollup", "village_code")
        } else {
            ("umkm_district_rollup", "district_code")
        };
        let mut conds = vec![format!("({place} = $1 OR {place} LIKE $2)")];
        let mut values = Vec::new();
        for (column, value) in [
            ("sector_code", f.sector),
            ("size_class", f.size),
            ("status", f.status),
        ] {
            if let Some(v) = value {
                values.push(v);
                conds.push(format!("{column} = ${}", values.len() + 2));
            }
        }
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM {table} WHERE {}",
            conds.join(" AND ")
        );
        let mut query = sqlx::query(&sql)
            .bind(f.region.as_str())
            .bind(format!("{}.%", f.region.as_str()));
        for v in values {
            query = query.bind(v);
        }
        Ok(query.fetch_one(&self.pool).await?.try_get("n")?)
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
