//! Listing, reading and counting registry records inside the caller's scope.

use sqlx::Row;

use sentra_domain::region::RegionLevel;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::{LegalKind, UmkmStatus};

use super::{Page, PageRequest, SortDirection, UmkmFilter, UmkmRecord, UmkmSort, UmkmSummary};
use crate::insight::rollup::RollupFilter;
use crate::sql::{
    Arg, Args, fetch_record, filter_where, filter_where_as, parse_opt, parse_req, scope_condition,
};
use crate::{Database, Result};

/// The most rows a list may expect to read (in its sort's order, or a small region's all),
/// testing each for a growth mark, before reading the marked set whole is the better plan.
const MARKS_PER_ROW_READ: i64 = 20_000;

impl Database {
    /// Lists the records inside the scope that match the filter, with the total count.
    pub async fn list_umkm(
        &self,
        scope: &Scope,
        filter: &UmkmFilter,
        sort: UmkmSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<UmkmSummary>> {
        let empty = Page {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        };
        let Some((mut where_clause, mut args)) =
            filter_where(scope, filter, self.prunes_by_province())
        else {
            return Ok(empty);
        };

        // A growth mark is a set of businesses read by its index (`u.id IN (…)`): every marked
        // business of the year, looked up. Over a kecamatan or kelurahan it is cheaper to test
        // each of the region's businesses for the mark (a kecamatan's 9,000 against a
        // province's 100,000 class-ups: 0.7 s → tens of ms).
        let region = scope.narrow(filter.region.as_ref());
        let everyone = match (filter.growth.filter(|g| g.is_mark()), &region) {
            (Some(_), Some(region)) => Some(
                self.rollup_count(&RollupFilter {
                    region,
                    sector: None,
                    size: None,
                    status: None,
                })
                .await?,
            ),
            _ => None,
        };
        let small_region = region
            .as_ref()
            .is_some_and(|r| matches!(r.level(), RegionLevel::District | RegionLevel::Village))
            && everyone.is_some_and(|n| n <= MARKS_PER_ROW_READ);
        let marks_per_row =
            || filter_where_as(scope, filter, self.prunes_by_province(), true).unwrap_or_default();
        if small_region {
            (where_clause, args) = marks_per_row();
        }

        let kept = match growth_filter(scope, filter) {
            Some((region, growth)) => {
                self.growth_kept_count(&region, growth, filter.status)
                    .await?
            }
            None => None,
        };
        let total = match (kept, rollup_filter(scope, filter)) {
            (Some(n), _) => n,
            // The rollups hold the count (a province's list: milliseconds, not a scan).
            (None, Some(f)) => self.rollup_count(&f.filter()).await?,
            (None, None) => {
                let count_sql = format!("SELECT COUNT(*) FROM umkm u WHERE {where_clause}");
                args.clone()
                    .bind(sqlx::query(&count_sql))
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?
            }
        };

        if total == 0 {
            return Ok(empty);
        }
        // Many marked businesses of a province or kabupaten/kota: read the region's index in the
        // list's order (every sort has one, migrations 0034 and 0040) and test each business's
        // mark, instead of sorting them all.
        let ordered = match (everyone, &region) {
            (Some(everyone), Some(region)) if !small_region => {
                // The rows read before the page is full, at the marked share of the region.
                let read = (page.offset() + i64::from(page.per_page)).saturating_mul(everyone)
                    / total.max(1);
                matches!(region.level(), RegionLevel::Province | RegionLevel::Regency)
                    && read <= MARKS_PER_ROW_READ
            }
            _ => false,
        };
        if ordered {
            (where_clause, args) = marks_per_row();
        }

        let dir = match direction {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        };
        let col = sort.column();
        let limit = args.push(Arg::Int(Some(i64::from(page.per_page))));
        let offset = args.push(Arg::Int(Some(page.offset())));
        // Empty values last on both engines, written so that an index in the same order can
        // serve the sort (an expression such as `(col IS NULL)` first never can).
        let nulls = if sort.nullable() { " NULLS LAST" } else { "" };
        let list_sql = format!(
            "SELECT u.id, u.name, u.brand, u.owner_name, u.village_code, u.sector_code, u.size_class, \
             u.status, u.modal_rupiah, u.annual_sales_rupiah, u.updated_at FROM umkm u \
             WHERE {where_clause} ORDER BY {col} {dir}{nulls}, u.id {dir} LIMIT {limit} OFFSET {offset}"
        );
        let rows = args
            .bind(sqlx::query(&list_sql))
            .fetch_all(&self.pool)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(UmkmSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                brand: row.try_get("brand")?,
                owner_name: row.try_get("owner_name")?,
                village_code: row.try_get("village_code")?,
                sector: row.try_get("sector_code")?,
                size_class: parse_opt(row, "size_class", SizeClass::parse)?,
                status: parse_req(row, "status", UmkmStatus::parse)?,
                modal: row.try_get("modal_rupiah")?,
                annual_sales: row.try_get("annual_sales_rupiah")?,
                documents: Vec::new(),
                updated_at: row.try_get("updated_at")?,
            });
        }
        if !items.is_empty() {
            let mut doc_args = Args::default();
            let placeholders: Vec<String> =
                items.iter().map(|i| doc_args.text(i.id.clone())).collect();
            let sql = format!(
                "SELECT umkm_id, kind FROM umkm_documents WHERE umkm_id IN ({}) ORDER BY kind",
                placeholders.join(",")
            );
            let docs = doc_args
                .bind(sqlx::query(&sql))
                .fetch_all(&self.pool)
                .await?;
            for d in &docs {
                let id: String = d.try_get("umkm_id")?;
                let kind = parse_req(d, "kind", LegalKind::parse)?;
                if let Some(item) = items.iter_mut().find(|i| i.id == id) {
                    item.documents.push(kind);
                }
            }
        }
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// One record, if it exists inside the scope.
    pub async fn get_umkm(&self, scope: &Scope, id: &str) -> Result<UmkmRecord> {
        let mut conn = self.pool.acquire().await?;
        fetch_record(&mut conn, self, scope, id).await
    }

    /// Number of records inside the scope (merged duplicates not counted).
    pub async fn count_umkm(&self, scope: &Scope) -> Result<i64> {
        if scope.owner().is_none() {
            return self
                .rollup_count(&RollupFilter {
                    region: scope.region_code(),
                    sector: None,
                    size: None,
                    status: None,
                })
                .await;
        }
        let mut args = Args::default();
        let cond = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let sql = format!("SELECT COUNT(*) FROM umkm u WHERE {cond} AND u.merged_into IS NULL");
        Ok(args
            .bind(sqlx::query(&sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

/// The list's filter as the rollups can count it: a region scope (an owner's list counts its
/// own rows) and no filter the rollups do not keep.
struct CountableFilter<'a> {
    region: sentra_domain::region::RegionCode,
    filter: &'a UmkmFilter,
}

impl CountableFilter<'_> {
    fn filter(&self) -> RollupFilter<'_> {
        RollupFilter {
            region: &self.region,
            sector: self.filter.sector.as_deref(),
            size: self.filter.size.map(SizeClass::as_str),
            status: self.filter.status.map(UmkmStatus::as_str),
        }
    }
}

/// A naik-kelas or reach filter over a region, with at most a status beside it (the lists the
/// dashboard's figures link to, and a mark asked alone): the growth marks are kept per status,
/// the reach rollup for verified businesses only (`growth_kept_count` says which it can count).
fn growth_filter(
    scope: &Scope,
    filter: &UmkmFilter,
) -> Option<(sentra_domain::region::RegionCode, crate::GrowthFilter)> {
    let only = scope.owner().is_none()
        && filter.sector.is_none()
        && filter.size.is_none()
        && filter.legality.is_none()
        && filter.ids.is_none()
        && filter.text.as_deref().is_none_or(|t| t.trim().is_empty());
    if !only {
        return None;
    }
    Some((scope.narrow(filter.region.as_ref())?, filter.growth?))
}

fn rollup_filter<'a>(scope: &Scope, filter: &'a UmkmFilter) -> Option<CountableFilter<'a>> {
    let plain = scope.owner().is_none()
        && filter.legality.is_none()
        && filter.growth.is_none()
        && filter.ids.is_none()
        && filter.text.as_deref().is_none_or(|t| t.trim().is_empty());
    if !plain {
        return None;
    }
    Some(CountableFilter {
        region: scope.narrow(filter.region.as_ref())?,
        filter,
    })
}
