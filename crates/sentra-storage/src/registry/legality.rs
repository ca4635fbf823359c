//! The legality path as stored: what an operator marked as being applied for, the facts the
//! path is computed from (documents, food products and their labels), and the documents of a
//! region that expire soon or have expired.

use chrono::NaiveDate;
use sentra_domain::legality::{LegalityFacts, PathItem, Step, legality_path};
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;

use crate::UmkmRecord;
use crate::accounts::audit::{self, Actor};
use crate::{Database, Page, PageRequest, Result, now_text};

/// A document that expires soon, with its business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringDocument {
    pub umkm_id: String,
    pub name: String,
    pub village_code: String,
    pub kind: LegalKind,
    pub number: String,
    pub expires_on: NaiveDate,
}

impl Database {
    /// The steps a business marked as being applied for.
    async fn legality_in_progress(&self, umkm_id: &str) -> Result<Vec<(PathItem, String)>> {
        let rows = sqlx::query(
            "SELECT item, started_on FROM legality_progress WHERE umkm_id = $1 ORDER BY item",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let item: String = r.try_get("item")?;
            if let Some(i) = PathItem::parse(&item) {
                out.push((i, r.try_get("started_on")?));
            }
        }
        Ok(out)
    }

    /// The legality path of a business read in the caller's scope, and since when each step
    /// in progress has been.
    pub async fn legality_of(
        &self,
        record: &UmkmRecord,
        today: NaiveDate,
    ) -> Result<(Vec<Step>, Vec<(PathItem, String)>)> {
        let progress = self.legality_in_progress(&record.id).await?;
        let items: Vec<PathItem> = progress.iter().map(|p| p.0).collect();
        // Its products in food categories, and those with packaging and net weight described.
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, \
             SUM(CASE WHEN p.packaging IS NOT NULL AND p.packaging <> '' \
                 AND p.weight_grams IS NOT NULL AND p.weight_grams > 0 THEN 1 ELSE 0 END) AS labelled \
             FROM products p JOIN product_categories c ON c.code = p.category_code \
             WHERE p.umkm_id = $1 AND c.food = 1 AND p.status <> 'archived'",
        )
        .bind(&record.id)
        .fetch_one(&self.pool)
        .await?;
        let food_products = usize::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
        let labelled = row.try_get::<Option<i64>, _>("labelled")?.unwrap_or(0);
        let facts = LegalityFacts {
            sector: &record.sector,
            documents: &record.documents,
            in_progress: &items,
            food: food_products > 0,
            food_products,
            labelled_food_products: usize::try_from(labelled).unwrap_or(0),
            today,
        };
        Ok((legality_path(&facts), progress))
    }

    /// Marks a step as being applied for (or no longer); audited on the business.
    pub async fn set_legality_progress(
        &self,
        scope: &Scope,
        umkm_id: &str,
        item: PathItem,
        started_on: Option<NaiveDate>,
        actor: &Actor,
    ) -> Result<()> {
        self.umkm_village(scope, umkm_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("DELETE FROM legality_progress WHERE umkm_id = $1 AND item = $2")
            .bind(umkm_id)
            .bind(item.as_str())
            .execute(&mut *tx)
            .await?;
        if let Some(day) = started_on {
            sqlx::query(
                "INSERT INTO legality_progress (umkm_id, item, started_on, updated_by, \
                 updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(umkm_id)
            .bind(item.as_str())
            .bind(day.format("%Y-%m-%d").to_string())
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({
            "item": item.as_str(),
            "in_progress_since": started_on.map(|d| d.format("%Y-%m-%d").to_string()),
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "legality_progress",
            "umkm",
            Some(umkm_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Documents of the businesses in `within` (and the caller's scope) that expire from
    /// `today` to `today + days`, soonest first.
    pub async fn expiring_documents(
        &self,
        scope: &Scope,
        within: Option<&RegionCode>,
        today: NaiveDate,
        days: i64,
        page: PageRequest,
    ) -> Result<Page<ExpiringDocument>> {
        let until = today + chrono::Duration::days(days);
        self.documents_ending(scope, within, Some(today), until, false, page)
            .await
    }

    /// Documents of the businesses in `within` (and scope) that expired before `today`, the
    /// most recently lapsed first: the renewals overdue (a lapsed document is no longer
    /// counted as held: docs/counting-rules.md).
    pub async fn expired_documents(
        &self,
        scope: &Scope,
        within: Option<&RegionCode>,
        today: NaiveDate,
        page: PageRequest,
    ) -> Result<Page<ExpiringDocument>> {
        self.documents_ending(
            scope,
            within,
            None,
            today - chrono::Duration::days(1),
            true,
            page,
        )
        .await
    }

    /// Documents ending from `from` (or any time before) to `until`, both included, one page
    /// of them and how many in all; drafts included (a renewal is worth a reminder before the
    /// record is verified), inactive businesses not.
    async fn documents_ending(
        &self,
        scope: &Scope,
        within: Option<&RegionCode>,
        from: Option<NaiveDate>,
        until: NaiveDate,
        newest_first: bool,
        page: PageRequest,
    ) -> Result<Page<ExpiringDocument>> {
        let mut found = Page {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        };
        let Some(region) = scope.narrow(within) else {
            return Ok(found);
        };
        let code = region.as_str();
        // The region by its own column: the planner may start from the region's businesses (a
        // kecamatan's few thousand) or from the documents by date (a province's), by its
        // statistics; a `LIKE` on the kelurahan hid the first.
        let mut filter = format!(
            "FROM umkm_documents d JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
             WHERE d.expires_on >= $1 AND d.expires_on <= $2 AND d.expires_on <> '' \
             AND {} = $3 AND u.merged_into IS NULL AND u.status <> 'inactive'",
            crate::sql::region_column(region.level())
        );
        if scope.owner().is_some() {
            filter.push_str(" AND u.owner_user_id = $4");
        }
        let order = if newest_first {
            "ORDER BY d.expires_on DESC, u.name, u.id, d.kind"
        } else {
            "ORDER BY d.expires_on, u.name, u.id, d.kind"
        };
        let sql = format!(
            "SELECT u.id, u.name, u.village_code, d.kind, d.number, d.expires_on {filter} \
             {order} LIMIT {} OFFSET {}",
            page.per_page,
            page.offset()
        );
        // Before any date: '0' sorts before every 'YYYY-MM-DD'.
        let from = from.map_or_else(|| "0".to_string(), |d| d.format("%Y-%m-%d").to_string());
        let until = until.format("%Y-%m-%d").to_string();
        let count_sql = format!("SELECT COUNT(*) AS n {filter}");
        let binds = [from, until, code.to_string()];
        let owner = scope.owner().map(str::to_string);
        // Both the count and the page read the region's businesses and their documents at
        // random (issue 30: 130–160 ms each for a kecamatan of 9,000 businesses in a province's
        // file). A kecamatan's or kelurahan's documents in range are a few thousand at most:
        // read once, counted and paged here. A larger region's: the count and the page side by
        // side, each on its own connection.
        let small = matches!(region.level(), RegionLevel::District | RegionLevel::Village);
        let rows = if small {
            let all_sql = format!(
                "SELECT u.id, u.name, u.village_code, d.kind, d.number, d.expires_on {filter} \
                 {order}"
            );
            let all = ending_query(&all_sql, &binds, owner.as_deref())
                .fetch_all(&self.pool)
                .await?;
            found.total = all.len() as i64;
            let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
            all.into_iter()
                .skip(skip)
                .take(page.per_page as usize)
                .collect()
        } else {
            let (count, rows) = futures_util::future::try_join(
                ending_query(&count_sql, &binds, owner.as_deref()).fetch_one(&self.pool),
                ending_query(&sql, &binds, owner.as_deref()).fetch_all(&self.pool),
            )
            .await?;
            found.total = count.try_get("n")?;
            rows
        };
        let out = &mut found.items;
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let expires: String = r.try_get("expires_on")?;
            let (Some(kind), Ok(expires_on)) = (
                LegalKind::parse(&kind),
                NaiveDate::parse_from_str(&expires, "%Y-%m-%d"),
            ) else {
                continue;
            };
            out.push(ExpiringDocument {
                umkm_id: r.try_get("id")?,
                name: r.try_get("name")?,
                village_code: r.try_get("village_code")?,
                kind,
                number: r.try_get("number")?,
                expires_on,
            });
        }
        Ok(found)
    }
}

/// A statement of [`Database::documents_ending`] with its arguments: the dates, the region and
/// its pattern, and the owner when the scope is an owner's.
fn ending_query<'q>(
    sql: &'q str,
    binds: &[String; 3],
    owner: Option<&str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b.clone());
    }
    if let Some(owner) = owner {
        q = q.bind(owner.to_string());
    }
    q
}
