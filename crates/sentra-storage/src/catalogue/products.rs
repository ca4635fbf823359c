//! Products of UMKM: kept by their owners (and by operators and curators within their scope),
//! shown in the public catalogue when published, listed in the e-katalog lokal by a curator
//! once the readiness checklist is met. Every change is audited (entity `product`); the audit
//! trail is also the change feed the search index follows.

use sentra_domain::FieldErrors;
use sentra_domain::product::{
    PriceUnit, ProductData, ProductStatus, ReadinessFacts, ReadinessItem, default_categories,
    readiness, slugify,
};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalDocument;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::audit::{self, Actor};
use crate::catalogue::catalog::PUBLIC_UMKM;
use crate::sql::{Args, parse_day_opt, scope_admits, scope_condition};
use crate::{Database, Result, StorageError, now_text};

/// A product as stored: its data, and what the registry keeps about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductRecord {
    pub id: String,
    pub umkm_id: String,
    pub slug: String,
    #[serde(flatten)]
    pub data: ProductData,
    pub ekatalog_listed_at: Option<String>,
    pub ekatalog_listed_by: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl ProductRecord {
    pub fn listed(&self) -> bool {
        self.ekatalog_listed_at.is_some()
    }
}

pub(crate) const COLUMNS: &str = "p.id, p.umkm_id, p.slug, p.name, p.description, p.category_code, \
     p.price_rupiah, p.price_max_rupiah, p.unit, p.min_order, p.capacity_per_month, p.stock, \
     p.weight_grams, p.length_mm, p.width_mm, p.height_mm, p.packaging, p.shelf_life_days, \
     p.status, p.links, p.ekatalog_listed_at, p.ekatalog_listed_by, p.created_by, p.created_at, \
     p.updated_at, p.version";

pub(crate) fn product_from_row(row: &AnyRow) -> Result<ProductRecord> {
    let status: String = row.try_get("status")?;
    let unit: String = row.try_get("unit")?;
    let links: String = row.try_get("links")?;
    let dims: [Option<i64>; 3] = [
        row.try_get("length_mm")?,
        row.try_get("width_mm")?,
        row.try_get("height_mm")?,
    ];
    let corrupt = |what: &str, v: &str| StorageError::Corrupt(format!("product {what} {v:?}"));
    Ok(ProductRecord {
        id: row.try_get("id")?,
        umkm_id: row.try_get("umkm_id")?,
        slug: row.try_get("slug")?,
        data: ProductData {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            category: row.try_get("category_code")?,
            price: row.try_get("price_rupiah")?,
            price_max: row.try_get("price_max_rupiah")?,
            unit: PriceUnit::parse(&unit).ok_or_else(|| corrupt("unit", &unit))?,
            min_order: row.try_get("min_order")?,
            capacity_per_month: row.try_get("capacity_per_month")?,
            stock: row.try_get("stock")?,
            weight_grams: row.try_get("weight_grams")?,
            dimensions_mm: match dims {
                [Some(l), Some(w), Some(h)] => Some([l, w, h]),
                _ => None,
            },
            packaging: row.try_get("packaging")?,
            shelf_life_days: row.try_get("shelf_life_days")?,
            status: ProductStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
            links: serde_json::from_str(&links)
                .map_err(|e| StorageError::Corrupt(format!("product links: {e}")))?,
        },
        ekatalog_listed_at: row.try_get("ekatalog_listed_at")?,
        ekatalog_listed_by: row.try_get("ekatalog_listed_by")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// The values of a product's data columns, in the order of [`DATA_COLUMNS`].
const DATA_COLUMNS: [&str; 17] = [
    "name",
    "description",
    "category_code",
    "price_rupiah",
    "price_max_rupiah",
    "unit",
    "min_order",
    "capacity_per_month",
    "stock",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "packaging",
    "shelf_life_days",
    "status",
    "links",
];

fn data_args(d: &ProductData, args: &mut Args) -> Vec<String> {
    let dim = |i: usize| d.dimensions_mm.map(|x| x[i]);
    let links = serde_json::to_string(&d.links).unwrap_or_else(|_| "[]".into());
    vec![
        args.text(d.name.as_str()),
        args.opt_text(d.description.clone()),
        args.text(d.category.as_str()),
        args.int(d.price),
        args.int(d.price_max),
        args.text(d.unit.as_str()),
        args.int(Some(d.min_order)),
        args.int(d.capacity_per_month),
        args.int(d.stock),
        args.int(d.weight_grams),
        args.int(dim(0)),
        args.int(dim(1)),
        args.int(dim(2)),
        args.opt_text(d.packaging.clone()),
        args.int(d.shelf_life_days),
        args.text(d.status.as_str()),
        args.text(links),
    ]
}

/// The changes between two versions of a product, for the audit trail.
fn diff(
    before: &ProductRecord,
    after: &ProductRecord,
) -> serde_json::Map<String, serde_json::Value> {
    let (b, a) = (
        serde_json::to_value(before).unwrap_or_default(),
        serde_json::to_value(after).unwrap_or_default(),
    );
    let mut out = serde_json::Map::new();
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (k, av) in a {
            if matches!(k.as_str(), "updated_at" | "version") {
                continue;
            }
            let bv = b.get(k).cloned().unwrap_or_default();
            if &bv != av {
                out.insert(k.clone(), serde_json::json!({"from": bv, "to": av}));
            }
        }
    }
    out
}

impl Database {
    /// Adds the starting category tree when there is none (a new deployment).
    pub(crate) async fn seed_product_categories(&self) -> Result<()> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM product_categories")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if n > 0 {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (i, c) in default_categories().iter().enumerate() {
            sqlx::query(
                "INSERT INTO product_categories (code, parent_code, name_id, name_en, food, \
                 position) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&c.code)
            .bind(&c.parent)
            .bind(&c.name_id)
            .bind(&c.name_en)
            .bind(i64::from(c.food))
            .bind(i64::try_from(i).unwrap_or(0) * 10)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the UMKM lies in the scope (and, for an owner, is theirs) and is still listed.
    pub(crate) async fn umkm_in_scope(&self, scope: &Scope, umkm_id: &str) -> Result<()> {
        let row =
            sqlx::query("SELECT village_code, owner_user_id, merged_into FROM umkm WHERE id = $1")
                .bind(umkm_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StorageError::NotFound)?;
        let village: String = row.try_get("village_code")?;
        let owner: Option<String> = row.try_get("owner_user_id")?;
        let merged: Option<String> = row.try_get("merged_into")?;
        if merged.is_none() && scope_admits(scope, &village, owner.as_deref()) {
            Ok(())
        } else {
            Err(StorageError::NotFound)
        }
    }

    /// Adds a product to a UMKM of the scope; audited.
    pub async fn create_product(
        &self,
        scope: &Scope,
        umkm_id: &str,
        data: &ProductData,
        actor: &Actor,
    ) -> Result<ProductRecord> {
        let mut made = self
            .create_products(scope, &[(umkm_id.to_string(), data.clone())], actor)
            .await?;
        made.pop().ok_or(StorageError::NotFound)
    }

    /// Adds several products (each to its business) in one transaction: all or none. Each is
    /// audited as if added alone.
    pub async fn create_products(
        &self,
        scope: &Scope,
        items: &[(String, ProductData)],
        actor: &Actor,
    ) -> Result<Vec<ProductRecord>> {
        let mut checked = std::collections::HashSet::new();
        for (umkm_id, _) in items {
            if checked.insert(umkm_id.as_str()) {
                self.umkm_in_scope(scope, umkm_id).await?;
            }
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let made = insert_products(
            &mut tx,
            &self.audit_chain,
            items,
            actor,
            self.params_per_statement(),
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Replaces a product's data if it is still at `expected_version`; audited with the fields
    /// that changed. A listed product that no longer meets the readiness checklist leaves the
    /// e-katalog (the curator lists it again).
    pub async fn update_product(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &ProductData,
        actor: &Actor,
    ) -> Result<ProductRecord> {
        let before = self.get_product(scope, id).await?;
        if before.version != expected_version {
            return Err(StorageError::Conflict);
        }
        let mut args = Args::default();
        let values = data_args(data, &mut args);
        let sets: Vec<String> = DATA_COLUMNS
            .iter()
            .zip(values)
            .map(|(c, v)| format!("{c} = {v}"))
            .collect();
        let now = args.text(now_text());
        let id_p = args.text(id);
        let version_p = args.int(Some(expected_version));
        let sql = format!(
            "UPDATE products SET {}, updated_at = {now}, version = version + 1 \
             WHERE id = {id_p} AND version = {version_p}",
            sets.join(", ")
        );
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done = args.bind(sqlx::query(&sql)).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict);
        }
        let after = fetch_product(&mut tx, id).await?;
        let after = self.unlist_if_unready(&mut tx, after).await?;
        let changes = diff(&before, &after);
        if !changes.is_empty() {
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "update",
                "product",
                Some(id),
                &serde_json::Value::Object(changes),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// One product of a UMKM of the scope.
    pub async fn get_product(&self, scope: &Scope, id: &str) -> Result<ProductRecord> {
        let mut conn = self.pool.acquire().await?;
        let p = fetch_product(&mut conn, id).await?;
        self.umkm_in_scope(scope, &p.umkm_id).await?;
        Ok(p)
    }

    /// The products of one UMKM of the scope, newest first.
    pub async fn products_of(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<ProductRecord>> {
        self.umkm_in_scope(scope, umkm_id).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM products p WHERE p.umkm_id = $1 ORDER BY p.created_at DESC, p.id"
        );
        let rows = sqlx::query(&sql)
            .bind(umkm_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(product_from_row).collect()
    }

    /// Products of the scope (for curators and operators), newest change first.
    pub async fn products_in_scope(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<(ProductRecord, String)>, i64)> {
        let mut args = Args::default();
        let cond = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let from = format!(
            "FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE {cond} AND u.merged_into IS NULL"
        );
        let count_args = args.clone();
        let total: i64 = count_args
            .bind(sqlx::query(&format!("SELECT COUNT(*) AS n {from}")))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let sql = format!(
            "SELECT {COLUMNS}, u.name AS umkm_name {from} ORDER BY p.updated_at DESC, p.id \
             LIMIT {limit} OFFSET {offset}"
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| Ok((product_from_row(r)?, r.try_get("umkm_name")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// Products of the scope a curator may list in the e-katalog lokal now (every item of the
    /// checklist met, not yet listed), newest change first, with their business's name. The
    /// candidates are narrowed by what SQL can tell (published, a photo, price, capacity,
    /// packaging, weight, a NIB), then each is judged by the whole checklist.
    pub async fn products_ready_to_list(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<(ProductRecord, String)>> {
        let mut args = Args::default();
        let cond = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let sql = format!(
            "SELECT {COLUMNS}, u.name AS umkm_name FROM products p \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE {cond} AND {PUBLIC_UMKM} AND p.status = 'published' \
             AND p.ekatalog_listed_at IS NULL AND p.price_rupiah IS NOT NULL \
             AND p.capacity_per_month > 0 AND p.packaging IS NOT NULL AND p.weight_grams > 0 \
             AND EXISTS (SELECT 1 FROM product_photos ph WHERE ph.product_id = p.id) \
             AND EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id AND d.kind = 'nib') \
             ORDER BY p.updated_at DESC, p.id LIMIT {}",
            limit.saturating_mul(4)
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        let mut ready = Vec::new();
        for r in &rows {
            let p = product_from_row(r)?;
            let facts = self.readiness_facts(&mut conn, &p).await?;
            if readiness_of(&p, &facts).iter().all(|i| i.met) {
                ready.push((p, r.try_get("umkm_name")?));
                if ready.len() == limit {
                    break;
                }
            }
        }
        Ok(ready)
    }

    /// The e-katalog readiness checklist of a product of the scope.
    pub async fn product_readiness(&self, scope: &Scope, id: &str) -> Result<Vec<ReadinessItem>> {
        let p = self.get_product(scope, id).await?;
        let mut conn = self.pool.acquire().await?;
        let facts = self.readiness_facts(&mut conn, &p).await?;
        Ok(readiness_of(&p, &facts))
    }

    /// Lists a product in the e-katalog lokal (a curator's decision), only when every item of
    /// the readiness checklist is met; or takes it out. Audited.
    pub async fn set_ekatalog_listing(
        &self,
        scope: &Scope,
        id: &str,
        listed: bool,
        actor: &Actor,
    ) -> Result<ProductRecord> {
        let p = self.get_product(scope, id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        if listed {
            let facts = self.readiness_facts(&mut tx, &p).await?;
            let mut missing = FieldErrors::new();
            for item in readiness_of(&p, &facts).into_iter().filter(|i| !i.met) {
                missing.push(item.code, "not_ready");
            }
            if !missing.is_empty() {
                return Err(StorageError::Invalid(missing));
            }
        }
        let now = now_text();
        sqlx::query(
            "UPDATE products SET ekatalog_listed_at = $1, ekatalog_listed_by = $2, \
             version = version + 1, updated_at = $3 WHERE id = $4",
        )
        .bind(listed.then(|| now.clone()))
        .bind(listed.then(|| actor.name.clone()))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let action = if listed {
            "ekatalog_list"
        } else {
            "ekatalog_unlist"
        };
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            action,
            "product",
            Some(id),
            &serde_json::json!({}),
        )
        .await?;
        let after = fetch_product(&mut tx, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Demo data only: lists products in the e-katalog lokal without the curator's readiness
    /// check (the demo's products have no photos), audited like a curator's listing.
    pub async fn demo_list_in_ekatalog(&self, ids: &[String], actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let now = now_text();
        for id in ids {
            sqlx::query(
                "UPDATE products SET ekatalog_listed_at = $1, ekatalog_listed_by = $2 \
                 WHERE id = $3 AND ekatalog_listed_at IS NULL",
            )
            .bind(&now)
            .bind(&actor.name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "ekatalog_list",
                "product",
                Some(id),
                &serde_json::json!({ "demo": true }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// What the readiness checklist needs besides the product: the business's documents, the
    /// number of photos, whether the category is food.
    /// A listed product that no longer meets the readiness checklist leaves the e-katalog (the
    /// curator lists it again); the product as it is after.
    pub(crate) async fn unlist_if_unready(
        &self,
        conn: &mut sqlx::AnyConnection,
        p: ProductRecord,
    ) -> Result<ProductRecord> {
        if !p.listed() {
            return Ok(p);
        }
        let facts = self.readiness_facts(conn, &p).await?;
        if readiness_of(&p, &facts).iter().all(|i| i.met) {
            return Ok(p);
        }
        sqlx::query(
            "UPDATE products SET ekatalog_listed_at = NULL, ekatalog_listed_by = NULL \
             WHERE id = $1",
        )
        .bind(&p.id)
        .execute(&mut *conn)
        .await?;
        fetch_product(conn, &p.id).await
    }

    async fn readiness_facts(
        &self,
        conn: &mut sqlx::AnyConnection,
        p: &ProductRecord,
    ) -> Result<OwnedFacts> {
        let docs = sqlx::query(
            "SELECT kind, number, issued_on, expires_on FROM umkm_documents WHERE umkm_id = $1",
        )
        .bind(&p.umkm_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut business_docs = Vec::new();
        for r in &docs {
            let kind: String = r.try_get("kind")?;
            let Some(kind) = sentra_domain::umkm::LegalKind::parse(&kind) else {
                continue;
            };
            business_docs.push(LegalDocument {
                kind,
                number: r.try_get("number")?,
                issued_on: parse_day_opt(r.try_get("issued_on")?),
                expires_on: parse_day_opt(r.try_get("expires_on")?),
            });
        }
        let photos: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM product_photos WHERE product_id = $1")
                .bind(&p.id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
        let food: i64 = sqlx::query("SELECT food FROM product_categories WHERE code = $1")
            .bind(&p.data.category)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("food"))
            .transpose()?
            .unwrap_or(0);
        // Today where the business is (WIB, WITA or WIT), not on the server's clock: a P-IRT
        // that lapsed yesterday in Jayapura must not count as valid until the server's midnight.
        let province: Option<String> = sqlx::query("SELECT province_code FROM umkm WHERE id = $1")
            .bind(&p.umkm_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("province_code"))
            .transpose()?;
        let zone = province.as_deref().map_or(
            sentra_domain::programme::activity::Zone::Wib,
            sentra_domain::programme::activity::Zone::of_region,
        );
        Ok(OwnedFacts {
            business_docs,
            photos: usize::try_from(photos).unwrap_or(0),
            food: food != 0,
            today: zone.date_at(chrono::Utc::now().timestamp()),
        })
    }
}

struct OwnedFacts {
    business_docs: Vec<LegalDocument>,
    photos: usize,
    food: bool,
    today: chrono::NaiveDate,
}

fn readiness_of(p: &ProductRecord, f: &OwnedFacts) -> Vec<ReadinessItem> {
    readiness(
        &p.data,
        &ReadinessFacts {
            business_docs: &f.business_docs,
            photos: f.photos,
            food: f.food,
            today: f.today,
        },
    )
}

pub(crate) async fn fetch_product(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<ProductRecord> {
    let sql = format!("SELECT {COLUMNS} FROM products p WHERE p.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    product_from_row(&row)
}

/// Adds products inside a write transaction, each with its audit entry, in a few statements
/// per batch (a demo catalogue of 300,000 products, a seller's spreadsheet of them).
async fn insert_products(
    conn: &mut sqlx::AnyConnection,
    chain: &crate::accounts::audit::ChainKey,
    items: &[(String, ProductData)],
    actor: &Actor,
    max_params: usize,
) -> Result<Vec<ProductRecord>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = items
        .iter()
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    // Stable when the product is renamed: shared links keep working.
    let slugs = free_slugs(
        conn,
        "products",
        "slug",
        items
            .iter()
            .zip(&ids)
            .map(|((_, d), id)| (slugify(&d.name), id.as_str()))
            .collect(),
        max_params,
    )
    .await?;
    let now = now_text();
    let per_row = DATA_COLUMNS.len() + 6;
    for chunk in ids
        .iter()
        .zip(items)
        .zip(&slugs)
        .collect::<Vec<_>>()
        .chunks((max_params / per_row).max(1))
    {
        let mut args = Args::default();
        let mut tuples = Vec::with_capacity(chunk.len());
        for ((id, (umkm_id, data)), slug) in chunk {
            let mut values = vec![
                args.text(id.as_str()),
                args.text(umkm_id.as_str()),
                args.text(slug.as_str()),
            ];
            values.extend(data_args(data, &mut args));
            values.extend([
                args.text(actor.name.as_str()),
                args.text(now.as_str()),
                args.text(now.as_str()),
            ]);
            tuples.push(format!("({})", values.join(", ")));
        }
        let sql = format!(
            "INSERT INTO products (id, umkm_id, slug, {}, created_by, created_at, updated_at) \
             VALUES {}",
            DATA_COLUMNS.join(", "),
            tuples.join(", ")
        );
        args.bind(sqlx::query(&sql)).execute(&mut *conn).await?;
    }
    give_store_slugs(conn, items, max_params).await?;
    let made = fetch_products(conn, &ids, max_params).await?;
    let summaries: Vec<String> = made
        .iter()
        .map(|p| serde_json::to_value(p).unwrap_or_default().to_string())
        .collect();
    let entries: Vec<audit::Entry<'_>> = made
        .iter()
        .zip(summaries)
        .map(|(p, changes)| audit::Entry {
            action: "create",
            entity: "product",
            entity_id: Some(p.id.as_str()),
            changes,
        })
        .collect();
    audit::append_many(conn, chain, actor, &entries, max_params).await?;
    Ok(made)
}

/// A business gets its storefront's short name with its first product. Presentation only,
/// so not audited.
async fn give_store_slugs(
    conn: &mut sqlx::AnyConnection,
    items: &[(String, ProductData)],
    max_params: usize,
) -> Result<()> {
    let mut sellers: Vec<&str> = items.iter().map(|(u, _)| u.as_str()).collect();
    sellers.sort_unstable();
    sellers.dedup();
    let mut unnamed = Vec::new();
    for chunk in sellers.chunks(max_params.max(1)) {
        let mut args = Args::default();
        let marks: Vec<String> = chunk.iter().map(|id| args.text(*id)).collect();
        // By the key; `store_slug IS NULL` in SQL would have the planner walk that index's
        // nulls instead (most businesses sell nothing).
        let sql = format!(
            "SELECT id, name, store_slug FROM umkm WHERE id IN ({})",
            marks.join(", ")
        );
        for row in args.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await? {
            if row.try_get::<Option<String>, _>("store_slug")?.is_some() {
                continue;
            }
            let id: String = row.try_get("id")?;
            let name: String = row.try_get("name")?;
            unnamed.push((id, slugify(&name)));
        }
    }
    let slugs = free_slugs(
        conn,
        "umkm",
        "store_slug",
        unnamed
            .iter()
            .map(|(id, words)| (words.clone(), id.as_str()))
            .collect(),
        max_params,
    )
    .await?;
    for ((id, _), slug) in unnamed.iter().zip(slugs) {
        sqlx::query("UPDATE umkm SET store_slug = $1 WHERE id = $2")
            .bind(slug)
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Products by id, in the order of `ids`.
async fn fetch_products(
    conn: &mut sqlx::AnyConnection,
    ids: &[String],
    max_params: usize,
) -> Result<Vec<ProductRecord>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(max_params.max(1)) {
        let mut args = Args::default();
        let marks: Vec<String> = chunk.iter().map(|id| args.text(id.as_str())).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM products p WHERE p.id IN ({})",
            marks.join(", ")
        );
        for row in args.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await? {
            let p = product_from_row(&row)?;
            found.insert(p.id.clone(), p);
        }
    }
    ids.iter()
        .map(|id| found.remove(id).ok_or(StorageError::NotFound))
        .collect()
}

/// Short public names for many records at once ([`free_slug`] each): the first candidates
/// checked in one query, the rare clash (with the table or within the batch) one by one.
async fn free_slugs(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    column: &str,
    wanted: Vec<(String, &str)>,
    max_params: usize,
) -> Result<Vec<String>> {
    let candidates: Vec<String> = wanted
        .iter()
        .map(|(words, id)| format!("{words}-{}", &random_tail(id)[..6]))
        .collect();
    let mut taken = std::collections::HashSet::new();
    for chunk in candidates.chunks(max_params.max(1)) {
        let mut args = Args::default();
        let marks: Vec<String> = chunk.iter().map(|c| args.text(c.as_str())).collect();
        let sql = format!(
            "SELECT {column} AS taken FROM {table} WHERE {column} IN ({})",
            marks.join(", ")
        );
        for row in args.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await? {
            taken.insert(row.try_get::<String, _>("taken")?);
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    let mut chosen = std::collections::HashSet::new();
    for ((words, id), candidate) in wanted.iter().zip(candidates) {
        let slug = if taken.contains(&candidate) || chosen.contains(&candidate) {
            let mut slug = free_slug(conn, table, column, words, id).await?;
            if chosen.contains(&slug) {
                // Taken by another of this batch, not yet written: the whole id is unique.
                slug = format!("{words}-{}", id.replace('-', ""));
            }
            slug
        } else {
            candidate
        };
        chosen.insert(slug.clone());
        out.push(slug);
    }
    Ok(out)
}

/// The random end of a v7 UUID (its last twelve hex digits, reversed) that slugs take their
/// tails from.
fn random_tail(id: &str) -> String {
    let mut tail: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .rev()
        .take(12)
        .collect();
    while tail.len() < 12 {
        tail.push('0');
    }
    tail
}

/// A short public name `{words}-{tail}` not yet taken in `table.column`. The tail is the end of
/// the record's id (random bits of a v7 UUID): six characters, lengthened on the rare clash
/// (a million products share a few thousand names).
async fn free_slug(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    column: &str,
    words: &str,
    id: &str,
) -> Result<String> {
    let random = random_tail(id);
    let sql = format!("SELECT 1 AS taken FROM {table} WHERE {column} = $1");
    for len in [6, 8, 10, 12] {
        let candidate = format!("{words}-{}", &random[..len.min(random.len())]);
        let taken = sqlx::query(&sql)
            .bind(&candidate)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
    // Twelve random hex digits clashing too: the whole id, unique by construction.
    Ok(format!("{words}-{}", id.replace('-', "")))
}
