//! Reading the rollups the schema's triggers keep (see `schema::rollup`): sums per group and
//! document holders, for dashboards, reports and the flagship figures.

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

    /// Holders of a document kind in `region`: (kelurahan, year of issue or 0, count).
    pub(crate) async fn doc_holders(
        &self,
        region: &RegionCode,
        kind: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT village_code, issued_year, CAST(SUM(n) AS BIGINT) AS n FROM umkm_doc_rollup \
             WHERE kind = $1 AND (village_code = $2 OR village_code LIKE $3) \
             GROUP BY village_code, issued_year HAVING SUM(n) <> 0",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
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
}
