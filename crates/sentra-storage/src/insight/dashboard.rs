//! Aggregates for the dashboards, computed with the registry list's own filter (the same scope
//! and the same records), so every figure equals the count of the list it links to.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sentra_domain::crosstab::{Axis, Measure};
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use sentra_domain::targets::{Indicator, TargetValue};

use crate::accounts::audit::{self, Actor};
use crate::insight::rollup::{Grain, RollupRow, child_of};
use crate::sql::{get_wide_sum, wide_sum};
use crate::{Database, Result, StorageError, now_text};

/// One region's UMKM and how many of them hold a document kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub region: String,
    pub total: i64,
    pub with: i64,
}

impl Database {
    /// Per region one level under `region` (within the caller's scope), by the counting rules
    /// (docs/counting-rules.md): the verified UMKM and those of them holding a document of
    /// `kind` valid on `today`, from the rollups (exact: kept by triggers). Only regions with a
    /// verified business are listed (the page adds the others as zeros). Empty when `region`
    /// is outside scope; dashboards are not for owners.
    pub async fn coverage_by_child(
        &self,
        scope: &Scope,
        region: &RegionCode,
        kind: LegalKind,
        today: NaiveDate,
    ) -> Result<Vec<Coverage>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let mut by_child: BTreeMap<String, Coverage> = BTreeMap::new();
        for r in self
            .rollup_sums(&region, &[], Grain::Children, Some(COUNTED))
            .await?
        {
            if let Some(child) = child_of(&r.village, &region) {
                let c = by_child.entry(child.clone()).or_insert_with(|| Coverage {
                    region: child,
                    total: 0,
                    with: 0,
                });
                c.total += r.n;
            }
        }
        for (village, n) in self
            .valid_holders(&region, kind.as_str(), today, Grain::Children)
            .await?
        {
            if let Some(c) = child_of(&village, &region).and_then(|k| by_child.get_mut(&k)) {
                c.with += n;
            }
        }
        Ok(by_child.into_values().filter(|c| c.total > 0).collect())
    }

    /// The verified UMKM of `region` (within scope) per value of a column: `sector_code` or
    /// `size_class` (empty when unknown); most first. [`Dimension::Status`] counts every
    /// status: the drafts and inactive records shown beside the totals, never in them.
    pub async fn counts_by(
        &self,
        scope: &Scope,
        region: &RegionCode,
        dimension: Dimension,
    ) -> Result<Vec<(String, i64)>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let only = (dimension != Dimension::Status).then_some(COUNTED);
        let mut out: Vec<(String, i64)> = self
            .rollup_sums(&region, &[dimension.column()], Grain::Whole, only)
            .await?
            .into_iter()
            .map(|r| (r.keys.into_iter().next().unwrap_or_default(), r.n))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The records of `region` (within scope) outside the official figures: drafts and
    /// inactive ones, `(drafts, inactive)`.
    pub async fn uncounted(&self, scope: &Scope, region: &RegionCode) -> Result<(i64, i64)> {
        let by_status = self.counts_by(scope, region, Dimension::Status).await?;
        let of = |s: &str| {
            by_status
                .iter()
                .find(|(k, _)| k == s)
                .map_or(0, |(_, n)| *n)
        };
        Ok((of("draft"), of("inactive")))
    }
}

/// The rollup rows the official figures count: verified businesses (a verified record is an
/// active one: inactive is a status of its own). docs/counting-rules.md.
pub(crate) const COUNTED: &str = "status = 'verified'";

/// The region a dashboard of the caller may show: inside the scope, and not an owner's.
pub(crate) fn dashboard_region(scope: &Scope, region: &RegionCode) -> Option<RegionCode> {
    if scope.owner().is_some() {
        return None;
    }
    scope.narrow(Some(region))
}

/// What the registry is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Sector,
    Size,
    Status,
}

impl Dimension {
    /// Its column in the rollup.
    fn column(self) -> &'static str {
        match self {
            Self::Sector => "sector_code",
            Self::Size => "size_class",
            Self::Status => "status",
        }
    }
}

/// A target as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub indicator: Indicator,
    pub region: RegionCode,
    pub year: i32,
    pub basis_points: u32,
}

impl Database {
    /// Sets (or replaces) a target for a region in the caller's scope; audited.
    pub async fn set_target(
        &self,
        scope: &Scope,
        region: &RegionCode,
        value: &TargetValue,
        actor: &Actor,
    ) -> Result<()> {
        if !scope.contains(region) {
            return Err(StorageError::NotFound);
        }
        let indicator = value.indicator.code();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let before: Option<i64> = sqlx::query(
            "SELECT basis_points FROM targets WHERE indicator = $1 AND region_code = $2 \
             AND year = $3",
        )
        .bind(&indicator)
        .bind(region.as_str())
        .bind(i64::from(value.year))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("basis_points"))
        .transpose()?;
        sqlx::query("DELETE FROM targets WHERE indicator = $1 AND region_code = $2 AND year = $3")
            .bind(&indicator)
            .bind(region.as_str())
            .bind(i64::from(value.year))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO targets (indicator, region_code, year, basis_points, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&indicator)
        .bind(region.as_str())
        .bind(i64::from(value.year))
        .bind(i64::from(value.basis_points))
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let id = format!("{indicator}/{}/{}", region.as_str(), value.year);
        let changes = serde_json::json!({ "basis_points": [before, value.basis_points] });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "set",
            "target",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The targets of a year for `region` and the regions under it, in the caller's scope.
    pub async fn targets(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<Target>> {
        if scope.narrow(Some(region)).is_none() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT indicator, region_code, basis_points FROM targets WHERE year = $1 \
             AND (region_code = $2 OR region_code LIKE $3) ORDER BY region_code, indicator",
        )
        .bind(i64::from(year))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let indicator: String = r.try_get("indicator")?;
            let code: String = r.try_get("region_code")?;
            let (Some(indicator), Ok(region)) =
                (Indicator::parse(&indicator), RegionCode::parse(&code))
            else {
                continue;
            };
            if !scope.contains(&region) {
                continue;
            }
            out.push(Target {
                indicator,
                region,
                year,
                basis_points: u32::try_from(r.try_get::<i64, _>("basis_points")?).unwrap_or(0),
            });
        }
        Ok(out)
    }
}

/// One region's published counts (before suppression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionStats {
    pub region: String,
    pub total: i64,
    /// Mikro, kecil, menengah, besar, not yet known.
    pub sizes: [i64; 5],
    pub with_nib: i64,
    pub with_halal: i64,
}

impl Database {
    /// Counts per region of level `by` inside `within` (the deployment's home region, for open
    /// data): verified (so active), not merged businesses by size class — public figures count
    /// only what is public (DESIGN.md, "Public means verified"; docs/counting-rules.md) — and
    /// those holding an NIB and a halal certificate valid on `today`. No personal data is read.
    ///
    /// With `year`, the registry as it stood at the end of that year: businesses entered by
    /// then, documents issued by then and not expired by its last day (a document without an
    /// issue date cannot be placed in time and counts only in the current figures). Size
    /// classes and statuses are the current ones.
    pub async fn region_statistics(
        &self,
        within: &RegionCode,
        by: RegionLevel,
        year: Option<i32>,
        today: NaiveDate,
    ) -> Result<Vec<RegionStats>> {
        if year.is_none() {
            return self.current_region_statistics(within, by, today).await;
        }
        let column = match by {
            RegionLevel::Province => "u.province_code",
            RegionLevel::Regency => "u.regency_code",
            RegionLevel::District => "u.district_code",
            RegionLevel::Village => "u.village_code",
        };
        let code = within.as_str();
        // The first instant after the period, as text that sorts like the stored timestamps.
        let end = year.map(|y| format!("{}-01-01", y + 1));
        // Held at the end of the year: issued by then, and not expired by its last day.
        let (entered, issued) = if end.is_some() {
            (
                " AND u.created_at < $3",
                " AND d.issued_on IS NOT NULL AND d.issued_on < $3 \
                 AND (d.expires_on IS NULL OR d.expires_on = '' OR d.expires_on >= $4)",
            )
        } else {
            ("", "")
        };
        let holds = |kind: &str| {
            format!(
                "SUM(CASE WHEN EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id \
                 AND d.kind = '{kind}'{issued}) THEN 1 ELSE 0 END)"
            )
        };
        let size =
            |class: &str| format!("SUM(CASE WHEN u.size_class = '{class}' THEN 1 ELSE 0 END)");
        let sql = format!(
            "SELECT {column} AS k, COUNT(*) AS total, {} AS mikro, {} AS kecil, {} AS menengah, \
             {} AS besar, {} AS nib, {} AS halal FROM umkm u \
             WHERE (u.village_code = $1 OR u.village_code LIKE $2) AND u.merged_into IS NULL \
             AND u.status = 'verified'{entered} GROUP BY {column} ORDER BY {column}",
            size("mikro"),
            size("kecil"),
            size("menengah"),
            size("besar"),
            holds("nib"),
            holds("halal"),
        );
        let mut query = sqlx::query(&sql).bind(code).bind(format!("{code}.%"));
        if let (Some(end), Some(y)) = (end, year) {
            query = query.bind(end).bind(format!("{y}-12-31"));
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let n =
                    |c: &str| -> Result<i64> { Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0)) };
                let total: i64 = r.try_get("total")?;
                let known = [n("mikro")?, n("kecil")?, n("menengah")?, n("besar")?];
                Ok(RegionStats {
                    region: r.try_get("k")?,
                    total,
                    sizes: [
                        known[0],
                        known[1],
                        known[2],
                        known[3],
                        total - known.iter().sum::<i64>(),
                    ],
                    with_nib: n("nib")?,
                    with_halal: n("halal")?,
                })
            })
            .collect()
    }
}

/// One region's line of the standard summary report (rekapitulasi per wilayah).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionReportRow {
    pub region: String,
    pub total: i64,
    /// Mikro, kecil, menengah, besar, not yet known.
    pub sizes: [i64; 5],
    pub with_nib: i64,
    pub with_halal: i64,
    pub employees: i64,
    /// Totals of rupiah: `i128`, as a region's may pass `i64` (see `money::MAX_RUPIAH`).
    pub modal: i128,
    pub sales: i128,
}

impl Database {
    /// The standard summary per region one level under `region` (in the caller's scope), by
    /// the counting rules: verified UMKM by size class, those holding an NIB and a halal
    /// certificate valid on `today`, their employees, modal and sales.
    pub async fn region_report(
        &self,
        scope: &Scope,
        region: &RegionCode,
        today: NaiveDate,
    ) -> Result<Vec<RegionReportRow>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let rows = self
            .rollup_sums(&region, &["size_class"], Grain::Children, Some(COUNTED))
            .await?;
        let mut by_child: BTreeMap<String, RegionReportRow> = BTreeMap::new();
        for r in rows {
            let Some(child) = child_of(&r.village, &region) else {
                continue;
            };
            let line = by_child
                .entry(child.clone())
                .or_insert_with(|| RegionReportRow {
                    region: child,
                    ..RegionReportRow::default()
                });
            let size = size_slot(&r.keys[0]);
            line.total += r.n;
            line.sizes[size] += r.n;
            line.employees += r.employees;
            line.modal += r.modal;
            line.sales += r.sales;
        }
        for kind in ["nib", "halal"] {
            for (village, n) in self
                .valid_holders(&region, kind, today, Grain::Children)
                .await?
            {
                if let Some(line) = child_of(&village, &region).and_then(|k| by_child.get_mut(&k)) {
                    if kind == "nib" {
                        line.with_nib += n;
                    } else {
                        line.with_halal += n;
                    }
                }
            }
        }
        Ok(by_child.into_values().filter(|r| r.total > 0).collect())
    }

    /// A cross-tabulation of the registry in `region` (and scope): `(row, column, value)` per
    /// pair found. Keys are codes (region, sector, size class, status, sex), `has`/`no` for a
    /// document (held and valid on `today`, by the counting rules), a year for the
    /// registration year.
    pub async fn crosstab(
        &self,
        scope: &Scope,
        region: &RegionCode,
        (rows, columns): (Axis, Axis),
        measure: Measure,
        today: NaiveDate,
    ) -> Result<Vec<(String, String, i128)>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let column = |a: Axis| match a {
            // Grouped by kelurahan, then summed up to the level under the region.
            Axis::Region => "village_code",
            Axis::Sector => "sector_code",
            Axis::Size => "size_class",
            Axis::Status => "status",
            Axis::Sex => "owner_sex",
            Axis::Nib => "has_nib",
            Axis::Halal => "has_halal",
            Axis::Registered => "entered_year",
        };
        let key = |a: Axis, raw: &str| -> Option<String> {
            match a {
                Axis::Region => child_of(raw, &region),
                Axis::Nib | Axis::Halal => Some(if raw == "1" { "has" } else { "no" }.into()),
                _ => Some(raw.to_string()),
            }
        };
        // Verified businesses only, unless the table is split by status: then each status is a
        // row or column of its own, drafts and inactive beside the verified, not in them.
        let only = (rows != Axis::Status && columns != Axis::Status).then_some(COUNTED);
        let found = self
            .rollup_sums(
                &region,
                &[column(rows), column(columns)],
                Grain::Whole,
                only,
            )
            .await?;
        let value = |r: &RollupRow| match measure {
            Measure::Count => i128::from(r.n),
            Measure::Employees => i128::from(r.employees),
            Measure::Modal => r.modal,
            Measure::Sales => r.sales,
        };
        let mut cells: BTreeMap<(String, String), i128> = BTreeMap::new();
        for r in &found {
            let (Some(a), Some(b)) = (key(rows, &r.keys[0]), key(columns, &r.keys[1])) else {
                continue;
            };
            *cells.entry((a, b)).or_default() += value(r);
        }
        // The rollup's document bit says "holds one", whatever its expiry: the holders whose
        // every document of the kind has lapsed move from "has" to "no".
        if [rows, columns]
            .iter()
            .any(|a| matches!(a, Axis::Nib | Axis::Halal))
        {
            for (held, valid) in self
                .lapsed_holders(&region, (rows, columns), only, today)
                .await?
            {
                let v = value(&held);
                if let (Some(a), Some(b)) = (key(rows, &held.keys[0]), key(columns, &held.keys[1]))
                {
                    *cells.entry((a, b)).or_default() -= v;
                }
                if let (Some(a), Some(b)) =
                    (key(rows, &valid.keys[0]), key(columns, &valid.keys[1]))
                {
                    *cells.entry((a, b)).or_default() += v;
                }
            }
        }
        Ok(cells
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|((a, b), v)| (a, b, v))
            .collect())
    }

    /// The businesses of `region` (narrowed by `only`) that the rollup counts as holding an NIB
    /// or halal certificate but whose every such document expired before `today`, grouped by
    /// the two axes as the rollup has them and as they are on the day: (held, valid) pairs with
    /// the group's sums in `held`. Read through the expiry index: a set of lapsed documents,
    /// not the registry.
    async fn lapsed_holders(
        &self,
        region: &RegionCode,
        (rows, columns): (Axis, Axis),
        only: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<(RollupRow, RollupRow)>> {
        let valid = |kind: &str| {
            format!(
                "EXISTS (SELECT 1 FROM umkm_documents v WHERE v.umkm_id = u.id AND v.kind = '{kind}' \
                 AND (v.expires_on IS NULL OR v.expires_on = '' OR v.expires_on >= $3))"
            )
        };
        // The axis as the rollup keeps it, and as it is valid on the day.
        let expr = |a: Axis| -> (String, String) {
            let doc = |bit: i64, kind: &str| {
                (
                    format!("CASE WHEN (u.doc_mask & {bit}) <> 0 THEN 1 ELSE 0 END"),
                    format!(
                        "CASE WHEN (u.doc_mask & {bit}) <> 0 AND {} THEN 1 ELSE 0 END",
                        valid(kind)
                    ),
                )
            };
            let same = |e: &str| (e.to_string(), e.to_string());
            match a {
                Axis::Region => same("u.village_code"),
                Axis::Sector => same("u.sector_code"),
                Axis::Size => same("COALESCE(u.size_class, '')"),
                Axis::Status => same("u.status"),
                Axis::Sex => same("u.owner_sex"),
                Axis::Registered => same("CAST(substr(u.created_at, 1, 4) AS BIGINT)"),
                Axis::Nib => doc(1, "nib"),
                Axis::Halal => doc(2, "halal"),
            }
        };
        let (r_held, r_valid) = expr(rows);
        let (c_held, c_valid) = expr(columns);
        let kinds = [rows, columns]
            .iter()
            .filter_map(|a| match a {
                Axis::Nib => Some("'nib'"),
                Axis::Halal => Some("'halal'"),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT CAST({r_held} AS TEXT) AS h0, CAST({c_held} AS TEXT) AS h1, \
             CAST({r_valid} AS TEXT) AS v0, CAST({c_valid} AS TEXT) AS v1, \
             COUNT(*) AS n, CAST(COALESCE(SUM(COALESCE(u.employees_male, 0) \
             + COALESCE(u.employees_female, 0)), 0) AS BIGINT) AS e, {}, {} \
             FROM umkm u WHERE u.merged_into IS NULL \
             AND (u.village_code = $1 OR u.village_code LIKE $2){} \
             AND u.id IN (SELECT d.umkm_id FROM umkm_documents d WHERE d.kind IN ({kinds}) \
                          AND d.expires_on <> '' AND d.expires_on < $3) \
             GROUP BY 1, 2, 3, 4",
            wide_sum("COALESCE(u.modal_rupiah, 0)", "m"),
            wide_sum("COALESCE(u.annual_sales_rupiah, 0)", "s"),
            only.map(|c| format!(" AND u.{c}")).unwrap_or_default()
        );
        let found = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(today.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for r in &found {
            let text = |c: &str| r.try_get::<String, _>(c);
            let (h0, h1, v0, v1) = (text("h0")?, text("h1")?, text("v0")?, text("v1")?);
            if (&h0, &h1) == (&v0, &v1) {
                continue;
            }
            let held = RollupRow {
                village: String::new(),
                keys: vec![h0, h1],
                n: r.try_get("n")?,
                employees: r.try_get("e")?,
                modal: get_wide_sum(r, "m")?,
                sales: get_wide_sum(r, "s")?,
            };
            let valid = RollupRow {
                keys: vec![v0, v1],
                ..RollupRow::default()
            };
            out.push((held, valid));
        }
        Ok(out)
    }
}

impl Database {
    /// The current figures of [`Database::region_statistics`], from the rollup.
    async fn current_region_statistics(
        &self,
        within: &RegionCode,
        by: RegionLevel,
        today: NaiveDate,
    ) -> Result<Vec<RegionStats>> {
        // Per kelurahan only when the file is per kelurahan; else the kecamatan rollup serves.
        let grain = if by == RegionLevel::Village {
            Grain::Villages
        } else {
            Grain::Children
        };
        // Three reads side by side (each on its own connection of the pool).
        let (rows, nib, halal) = futures_util::future::try_join3(
            self.size_counts(within, grain, Some(COUNTED)),
            self.valid_holders(within, "nib", today, grain),
            self.valid_holders(within, "halal", today, grain),
        )
        .await?;
        let mut out: BTreeMap<String, RegionStats> = BTreeMap::new();
        for (place, total, known) in rows {
            let Some(region) = ancestor_at(&place, by) else {
                continue;
            };
            let line = out.entry(region.clone()).or_insert_with(|| RegionStats {
                region,
                total: 0,
                sizes: [0; 5],
                with_nib: 0,
                with_halal: 0,
            });
            line.total += total;
            for (slot, n) in known.iter().enumerate() {
                line.sizes[slot] += n;
            }
            line.sizes[4] += total - known.iter().sum::<i64>();
        }
        for (kind, holders) in [("nib", nib), ("halal", halal)] {
            for (village, n) in holders {
                if let Some(line) = ancestor_at(&village, by).and_then(|k| out.get_mut(&k)) {
                    if kind == "nib" {
                        line.with_nib += n;
                    } else {
                        line.with_halal += n;
                    }
                }
            }
        }
        Ok(out.into_values().filter(|r| r.total > 0).collect())
    }
}

/// The region of `level` that holds the kelurahan `village`.
fn ancestor_at(village: &str, level: RegionLevel) -> Option<String> {
    let mut at = RegionCode::parse(village).ok()?;
    while at.level() != level {
        at = at.parent()?;
    }
    Some(at.as_str().to_string())
}

/// The slot of a size class in `[mikro, kecil, menengah, besar, unknown]`.
fn size_slot(class: &str) -> usize {
    ["mikro", "kecil", "menengah", "besar"]
        .iter()
        .position(|c| *c == class)
        .unwrap_or(4)
}

/// One region's line of the year's progress report: how many businesses the programmes
/// reached and how many moved on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressReportRow {
    pub region: String,
    /// Businesses not inactive (what reach is a share of; docs/counting-rules.md).
    pub active: i64,
    pub reached: i64,
    pub reported: i64,
    pub nib_issued: i64,
    pub first_online: i64,
    pub first_ekatalog: i64,
    pub financing: i64,
    pub employees_added: i64,
    pub class_up: i64,
}

impl Database {
    /// The year's progress per region one level under `region` (in scope), from the rollups:
    /// programme reach, businesses that reported, NIBs issued and the naik-kelas milestones —
    /// the same counts as the dashboard's, region by region.
    pub async fn progress_report(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<ProgressReportRow>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let mut out: BTreeMap<String, ProgressReportRow> = BTreeMap::new();
        let mut add = |village: &str, f: &dyn Fn(&mut ProgressReportRow)| {
            if let Some(child) = child_of(village, &region) {
                let row = out
                    .entry(child.clone())
                    .or_insert_with(|| ProgressReportRow {
                        region: child,
                        ..ProgressReportRow::default()
                    });
                f(row);
            }
        };
        for r in self
            // Verified businesses, as the reach and growth marks count them.
            .rollup_sums(&region, &[], Grain::Children, Some(COUNTED))
            .await?
        {
            add(&r.village, &|row| row.active += r.n);
        }
        for (village, issued, n) in self.doc_holders(&region, "nib", Grain::Children).await? {
            if issued == i64::from(year) {
                add(&village, &|row| row.nib_issued += n);
            }
        }
        let like = format!("{}.%", region.as_str());
        let reach = sqlx::query(
            "SELECT village_code, CAST(SUM(n) AS BIGINT) AS n FROM reach_village \
             WHERE year = $3 AND (village_code = $1 OR village_code LIKE $2) GROUP BY village_code",
        )
        .bind(region.as_str())
        .bind(&like)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        for r in &reach {
            let n: i64 = r.try_get("n")?;
            add(&r.try_get::<String, _>("village_code")?, &|row| {
                row.reached += n;
            });
        }
        let marks = sqlx::query(
            "SELECT village_code, milestone, CAST(SUM(n) AS BIGINT) AS n FROM growth_village \
             WHERE year = $3 AND status = 'verified' \
             AND (village_code = $1 OR village_code LIKE $2) GROUP BY village_code, milestone",
        )
        .bind(region.as_str())
        .bind(&like)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        for r in &marks {
            let n: i64 = r.try_get("n")?;
            let milestone: String = r.try_get("milestone")?;
            add(
                &r.try_get::<String, _>("village_code")?,
                &|row| match milestone.as_str() {
                    "reported" => row.reported += n,
                    "first_online" => row.first_online += n,
                    "first_ekatalog" => row.first_ekatalog += n,
                    "financing" => row.financing += n,
                    "employees_added" => row.employees_added += n,
                    "class_up" => row.class_up += n,
                    _ => {}
                },
            );
        }
        Ok(out.into_values().collect())
    }
}
