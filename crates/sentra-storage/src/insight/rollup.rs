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

impl Grain {
    /// Whether rows per kecamatan serve `region` at this grain: its whole, or the places one
    /// level under a province or kabupaten/kota.
    fn coarse(self, region: &RegionCode) -> bool {
        match self {
            Grain::Whole => region.level() != RegionLevel::Village,
            Grain::Children => {
                matches!(region.level(), RegionLevel::Province | RegionLevel::Regency)
            }
            Grain::Villages => false,
        }
    }
}

/// A rollup narrower than `umkm_rollup`: its table, its place column and the other keys it
/// keeps. Tried in this order; the first that holds what is asked serves.
struct Narrow {
    table: &'static str,
    place: &'static str,
    keys: &'static [&'static str],
}

const NARROW: [Narrow; 3] = [
    // Migration 0035.
    Narrow {
        table: "umkm_district_rollup",
        place: "district_code",
        keys: &["sector_code", "size_class", "status"],
    },
    // Migration 0038.
    Narrow {
        table: "umkm_year_rollup",
        place: "district_code",
        keys: &["status", "entered_year"],
    },
    Narrow {
        table: "umkm_village_rollup",
        place: "village_code",
        keys: &["size_class", "status"],
    },
];

/// The table and place column that serve `keys` for `region` at `grain`, narrowed by `only`:
/// a narrow rollup when one holds the keys (a province's totals: thousands of rows instead
/// of half a million), else the kelurahan rollup. A key `village_code` (the place, grouped)
/// is served by a kecamatan's rows only where the places wanted are kecamatan or above.
fn source(
    region: &RegionCode,
    keys: &[&str],
    grain: Grain,
    only: Option<&str>,
) -> (&'static str, &'static str) {
    let coarse = grain.coarse(region);
    // Grouped by place, kecamatan rows serve where the places are those under the region.
    let by_district_ok = Grain::Children.coarse(region);
    if only.is_none_or(|c| c.starts_with("status")) {
        for n in &NARROW {
            let per_district = n.place == "district_code";
            if per_district && !coarse {
                continue;
            }
            let holds = keys.iter().all(|k| {
                n.keys.contains(k) || (*k == "village_code" && (!per_district || by_district_ok))
            });
            if holds {
                return (n.table, n.place);
            }
        }
    }
    ("umkm_rollup", "village_code")
}

impl Database {
    /// The rollup of `region` summed per group of `keys` (SQL over the rollup, cast to text;
    /// `village_code` groups by place), and per place as `grain` asks; groups without a
    /// business left out. `only` narrows the rows (a condition without parameters, on the
    /// status). Read from the narrowest rollup that holds the keys and places asked for (see
    /// [`source`]): [`RollupRow::village`] and a `village_code` key then hold a kecamatan code
    /// where a kecamatan's rows serve.
    pub(crate) async fn rollup_sums(
        &self,
        region: &RegionCode,
        keys: &[&str],
        grain: Grain,
        only: Option<&str>,
    ) -> Result<Vec<RollupRow>> {
        let (table, place) = source(region, keys, grain, only);
        let keys: Vec<&str> = keys
            .iter()
            .map(|k| if *k == "village_code" { place } else { k })
            .collect();
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

    /// The businesses of `region` per place (as `grain` asks) by size class, counted in the
    /// statement: (place, total, [mikro, kecil, menengah, besar]); the rest of the total has
    /// no size class yet. One row a place instead of one a place and class: rows cost more
    /// crossing to the server than summing them in SQL does (issue 30: a province's kelurahan
    /// file read 6,279 rows of eight columns in ~270 ms for 1,552 lines).
    pub(crate) async fn size_counts(
        &self,
        region: &RegionCode,
        grain: Grain,
        only: Option<&str>,
    ) -> Result<Vec<(String, i64, [i64; 4])>> {
        let (table, place) = source(region, &["size_class"], grain, only);
        let class = |c: &str| {
            format!("CAST(SUM(CASE WHEN size_class = '{c}' THEN n ELSE 0 END) AS BIGINT) AS {c}")
        };
        let sql = format!(
            "SELECT {place} AS place, CAST(SUM(n) AS BIGINT) AS n, {}, {}, {}, {} \
             FROM {table} WHERE ({place} = $1 OR {place} LIKE $2){} GROUP BY {place} \
             HAVING SUM(n) <> 0",
            class("mikro"),
            class("kecil"),
            class("menengah"),
            class("besar"),
            only.map(|c| format!(" AND {c}")).unwrap_or_default()
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("place")?,
                    r.try_get("n")?,
                    [
                        r.try_get("mikro")?,
                        r.try_get("kecil")?,
                        r.try_get("menengah")?,
                        r.try_get("besar")?,
                    ],
                ))
            })
            .collect()
    }

    /// Verified businesses of `region` holding a document of `kind` (valid or not): (place,
    /// year of issue or 0, count); the place is a kelurahan, or a kecamatan where `grain`
    /// allows ([`Grain::coarse`]). For "issued in the year" figures.
    pub(crate) async fn doc_holders(
        &self,
        region: &RegionCode,
        kind: &str,
        grain: Grain,
    ) -> Result<Vec<(String, i64, i64)>> {
        let (table, place) = doc_source(region, grain);
        let rows = sqlx::query(&format!(
            "SELECT {place} AS village_code, issued_year, CAST(SUM(n) AS BIGINT) AS n \
             FROM {table} WHERE kind = $1 AND ({place} = $2 OR {place} LIKE $3) \
             AND status = 'verified' GROUP BY {place}, issued_year HAVING SUM(n) <> 0",
        ))
        .bind(kind)
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        holder_rows(&rows)
    }

    /// Verified businesses of `region` holding a document of `kind` valid on `today` (no expiry,
    /// or expiring today or later): (place, count), the place as in [`Database::doc_holders`]
    /// (this month's by kelurahan). The rollup gives those whose document runs past this month;
    /// this month's are counted one by one (a month's worth of one kind, by the index of
    /// migration 0031). Summed per place in the statement: the rollup's year-of-issue rows
    /// (nine to a kelurahan) are not sent on to be added up here (issue 30: a province's
    /// kelurahan file read 14,000 rows a kind for 1,552 figures).
    pub(crate) async fn valid_holders(
        &self,
        region: &RegionCode,
        kind: &str,
        today: NaiveDate,
        grain: Grain,
    ) -> Result<Vec<(String, i64)>> {
        let month = today.format("%Y-%m").to_string();
        let next = month_after(today).format("%Y-%m-%d").to_string();
        let like = format!("{}.%", region.as_str());
        let (table, place) = doc_source(region, grain);
        let later = sqlx::query(&format!(
            "SELECT {place} AS village_code, CAST(SUM(n) AS BIGINT) AS n \
             FROM {table} WHERE kind = $1 AND ({place} = $2 OR {place} LIKE $3) \
             AND status = 'verified' AND (expires_month = '' OR expires_month > $4) \
             GROUP BY {place} HAVING SUM(n) <> 0",
        ))
        .bind(kind)
        .bind(region.as_str())
        .bind(&like)
        .bind(&month)
        .fetch_all(&self.pool)
        .await?;
        let this_month = sqlx::query(
            "SELECT u.village_code AS village_code, COUNT(*) AS n FROM umkm_documents d \
             JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
             WHERE d.kind = $1 AND d.expires_on >= $4 AND d.expires_on < $5 \
             AND (u.village_code = $2 OR u.village_code LIKE $3) AND u.merged_into IS NULL \
             AND u.status = 'verified' GROUP BY u.village_code",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(&like)
        .bind(today.format("%Y-%m-%d").to_string())
        .bind(next)
        .fetch_all(&self.pool)
        .await?;
        later
            .iter()
            .chain(&this_month)
            .map(|r| Ok((r.try_get("village_code")?, r.try_get("n")?)))
            .collect()
    }
}

/// The document holders' rollup that serves `region` at `grain`: per kecamatan (migration
/// 0038) where kecamatan serve, else per kelurahan.
fn doc_source(region: &RegionCode, grain: Grain) -> (&'static str, &'static str) {
    if grain.coarse(region) {
        ("umkm_doc_district_rollup", "district_code")
    } else {
        ("umkm_doc_rollup", "village_code")
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
    fn the_narrowest_rollup_that_holds_the_keys_serves() {
        let at = |c: &str| RegionCode::parse(c).unwrap();
        let (province, district, village) = (at("36"), at("36.74.01"), at("36.74.01.1001"));
        let verified = Some("status = 'verified'");
        // A province's totals and its trend by year of entry: per kecamatan.
        assert_eq!(
            source(&province, &[], Grain::Whole, verified).0,
            "umkm_district_rollup"
        );
        assert_eq!(
            source(&province, &["entered_year"], Grain::Whole, verified).0,
            "umkm_year_rollup"
        );
        // Per kelurahan of a province (open data): the kelurahan's narrow rollup.
        assert_eq!(
            source(&province, &["size_class"], Grain::Villages, verified),
            ("umkm_village_rollup", "village_code")
        );
        // A kecamatan's kelurahan cannot be read from kecamatan rows.
        assert_eq!(
            source(&district, &["size_class"], Grain::Children, verified).0,
            "umkm_village_rollup"
        );
        // A cross-tab by place: kecamatan rows serve a province, not a kecamatan.
        assert_eq!(
            source(
                &province,
                &["village_code", "size_class"],
                Grain::Whole,
                None
            )
            .0,
            "umkm_district_rollup"
        );
        assert_eq!(
            source(
                &district,
                &["village_code", "size_class"],
                Grain::Whole,
                None
            )
            .0,
            "umkm_village_rollup"
        );
        // Keys only the kelurahan rollup keeps, or a condition on something else.
        assert_eq!(
            source(&province, &["owner_sex"], Grain::Whole, verified).0,
            "umkm_rollup"
        );
        assert_eq!(
            source(&village, &[], Grain::Whole, Some("has_nib = 1")).0,
            "umkm_rollup"
        );
        assert_eq!(
            source(&province, &[], Grain::Whole, None).0,
            "umkm_district_rollup"
        );
    }

    #[test]
    fn the_month_after_wraps_the_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(month_after(d(2026, 12, 31)), d(2027, 1, 1));
        assert_eq!(month_after(d(2026, 1, 31)), d(2026, 2, 1));
    }
}
