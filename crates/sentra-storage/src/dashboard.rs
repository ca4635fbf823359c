//! Aggregates for the dashboards, computed with the registry list's own filter (the same scope
//! and the same records), so every figure equals the count of the list it links to.

use sentra_domain::crosstab::{Axis, Measure};
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use sentra_domain::targets::{Indicator, TargetValue};

use crate::audit::{self, Actor};
use crate::umkm::{UmkmFilter, filter_where};
use crate::{Database, Result, StorageError, now_text};

/// One region's UMKM and how many of them hold a document kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub region: String,
    pub total: i64,
    pub with: i64,
}

/// The column of `umkm` holding the region one level under `level`.
fn child_column(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "u.regency_code",
        RegionLevel::Regency => "u.district_code",
        RegionLevel::District | RegionLevel::Village => "u.village_code",
    }
}

impl Database {
    /// Per region one level under `region` (within the caller's scope): the UMKM of the
    /// registry and those holding a document of `kind`. Empty when `region` is outside scope.
    pub async fn coverage_by_child(
        &self,
        scope: &Scope,
        region: &RegionCode,
        kind: LegalKind,
    ) -> Result<Vec<Coverage>> {
        let filter = UmkmFilter {
            region: Some(region.clone()),
            ..UmkmFilter::default()
        };
        let Some((cond, mut args)) = filter_where(scope, &filter) else {
            return Ok(Vec::new());
        };
        let kind = args.text(kind.as_str());
        let column = child_column(region.level());
        let sql = format!(
            "SELECT {column} AS k, COUNT(*) AS total, \
             SUM(CASE WHEN EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id \
                 AND d.kind = {kind}) THEN 1 ELSE 0 END) AS holding \
             FROM umkm u WHERE {cond} GROUP BY {column} ORDER BY {column}"
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Coverage {
                    region: r.try_get("k")?,
                    total: r.try_get("total")?,
                    with: r.try_get::<Option<i64>, _>("holding")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The UMKM of `region` (within scope) per value of a column: `sector_code`, `size_class`
    /// (empty when unknown) or `status`.
    pub async fn counts_by(
        &self,
        scope: &Scope,
        region: &RegionCode,
        dimension: Dimension,
    ) -> Result<Vec<(String, i64)>> {
        let filter = UmkmFilter {
            region: Some(region.clone()),
            ..UmkmFilter::default()
        };
        let Some((cond, args)) = filter_where(scope, &filter) else {
            return Ok(Vec::new());
        };
        let column = dimension.column();
        let sql = format!(
            "SELECT COALESCE({column}, '') AS k, COUNT(*) AS n FROM umkm u WHERE {cond} \
             GROUP BY COALESCE({column}, '') ORDER BY n DESC, k"
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("k")?, r.try_get("n")?)))
            .collect()
    }
}

/// What the registry is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Sector,
    Size,
    Status,
}

impl Dimension {
    fn column(self) -> &'static str {
        match self {
            Self::Sector => "u.sector_code",
            Self::Size => "u.size_class",
            Self::Status => "u.status",
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
        audit::append(&mut tx, actor, "set", "target", Some(&id), &changes).await?;
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
    /// data): active, not merged businesses by size class, and those holding an NIB and a halal
    /// certificate. No personal data is read.
    ///
    /// With `year`, the registry as it stood at the end of that year: businesses entered by
    /// then, documents issued by then (a document without an issue date cannot be placed in
    /// time and counts only in the current figures). Size classes are the current ones.
    pub async fn region_statistics(
        &self,
        within: &RegionCode,
        by: RegionLevel,
        year: Option<i32>,
    ) -> Result<Vec<RegionStats>> {
        let column = match by {
            RegionLevel::Province => "u.province_code",
            RegionLevel::Regency => "u.regency_code",
            RegionLevel::District => "u.district_code",
            RegionLevel::Village => "u.village_code",
        };
        let code = within.as_str();
        // The first instant after the period, as text that sorts like the stored timestamps.
        let end = year.map(|y| format!("{}-01-01", y + 1));
        let (entered, issued) = if end.is_some() {
            (
                " AND u.created_at < $3",
                " AND d.issued_on IS NOT NULL AND d.issued_on < $3",
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
             AND u.status <> 'inactive'{entered} GROUP BY {column} ORDER BY {column}",
            size("mikro"),
            size("kecil"),
            size("menengah"),
            size("besar"),
            holds("nib"),
            holds("halal"),
        );
        let mut query = sqlx::query(&sql).bind(code).bind(format!("{code}.%"));
        if let Some(end) = end {
            query = query.bind(end);
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
    pub modal: i64,
    pub sales: i64,
}

/// `SUM` as a 64-bit integer on both engines (PostgreSQL sums BIGINT into NUMERIC).
fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

fn holds(kind: &str) -> String {
    format!("EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id AND d.kind = '{kind}')")
}

const EMPLOYEES: &str = "COALESCE(u.employees_male, 0) + COALESCE(u.employees_female, 0)";

impl Database {
    /// The standard summary per region one level under `region` (in the caller's scope): UMKM
    /// by size class, NIB and halal holders, employees, modal and sales.
    pub async fn region_report(
        &self,
        scope: &Scope,
        region: &RegionCode,
    ) -> Result<Vec<RegionReportRow>> {
        let filter = UmkmFilter {
            region: Some(region.clone()),
            ..UmkmFilter::default()
        };
        let Some((cond, args)) = filter_where(scope, &filter) else {
            return Ok(Vec::new());
        };
        let column = child_column(region.level());
        let size = |class: &str| {
            sum(&format!(
                "CASE WHEN u.size_class = '{class}' THEN 1 ELSE 0 END"
            ))
        };
        let sql = format!(
            "SELECT {column} AS k, COUNT(*) AS total, {} AS mikro, {} AS kecil, {} AS menengah, \
             {} AS besar, {} AS nib, {} AS halal, {} AS employees, {} AS modal, {} AS sales \
             FROM umkm u WHERE {cond} GROUP BY {column} ORDER BY {column}",
            size("mikro"),
            size("kecil"),
            size("menengah"),
            size("besar"),
            sum(&format!("CASE WHEN {} THEN 1 ELSE 0 END", holds("nib"))),
            sum(&format!("CASE WHEN {} THEN 1 ELSE 0 END", holds("halal"))),
            sum(EMPLOYEES),
            sum("COALESCE(u.modal_rupiah, 0)"),
            sum("COALESCE(u.annual_sales_rupiah, 0)"),
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let total: i64 = r.try_get("total")?;
                let known: [i64; 4] = [
                    r.try_get("mikro")?,
                    r.try_get("kecil")?,
                    r.try_get("menengah")?,
                    r.try_get("besar")?,
                ];
                Ok(RegionReportRow {
                    region: r.try_get("k")?,
                    total,
                    sizes: [
                        known[0],
                        known[1],
                        known[2],
                        known[3],
                        total - known.iter().sum::<i64>(),
                    ],
                    with_nib: r.try_get("nib")?,
                    with_halal: r.try_get("halal")?,
                    employees: r.try_get("employees")?,
                    modal: r.try_get("modal")?,
                    sales: r.try_get("sales")?,
                })
            })
            .collect()
    }

    /// A cross-tabulation of the registry in `region` (and scope): `(row, column, value)` per
    /// pair found. Keys are codes (region, sector, size class, status, sex), `has`/`no` for a
    /// document, a year for the registration year.
    pub async fn crosstab(
        &self,
        scope: &Scope,
        region: &RegionCode,
        rows: Axis,
        columns: Axis,
        measure: Measure,
    ) -> Result<Vec<(String, String, i64)>> {
        let filter = UmkmFilter {
            region: Some(region.clone()),
            ..UmkmFilter::default()
        };
        let Some((cond, args)) = filter_where(scope, &filter) else {
            return Ok(Vec::new());
        };
        let axis = |a: Axis| -> String {
            match a {
                Axis::Region => child_column(region.level()).to_string(),
                Axis::Sector => "u.sector_code".into(),
                Axis::Size => "COALESCE(u.size_class, '')".into(),
                Axis::Status => "u.status".into(),
                Axis::Sex => "u.owner_sex".into(),
                Axis::Nib => format!("CASE WHEN {} THEN 'has' ELSE 'no' END", holds("nib")),
                Axis::Halal => format!("CASE WHEN {} THEN 'has' ELSE 'no' END", holds("halal")),
                Axis::Registered => "substr(u.created_at, 1, 4)".into(),
            }
        };
        let value = match measure {
            Measure::Count => "COUNT(*)".to_string(),
            Measure::Employees => sum(EMPLOYEES),
            Measure::Modal => sum("COALESCE(u.modal_rupiah, 0)"),
            Measure::Sales => sum("COALESCE(u.annual_sales_rupiah, 0)"),
        };
        let (r, c) = (axis(rows), axis(columns));
        let sql = format!(
            "SELECT {r} AS r, {c} AS c, {value} AS v FROM umkm u WHERE {cond} GROUP BY {r}, {c}"
        );
        let found = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        found
            .iter()
            .map(|x| Ok((x.try_get("r")?, x.try_get("c")?, x.try_get("v")?)))
            .collect()
    }
}
