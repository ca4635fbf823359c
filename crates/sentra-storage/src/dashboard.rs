//! Aggregates for the dashboards, computed with the registry list's own filter (the same scope
//! and the same records), so every figure equals the count of the list it links to.

use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use crate::umkm::{UmkmFilter, filter_where};
use crate::{Database, Result};

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
