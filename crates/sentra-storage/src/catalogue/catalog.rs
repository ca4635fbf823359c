//! What the public catalogue and its search index read: published products with their
//! business's public face (name, kecamatan, sector, certificates, storefront), and the feed of
//! changes (the audit trail) an index follows. No scope: this is what anyone may see, and the
//! personal data of owners is not part of it.

use sentra_domain::scope::Scope;
use sentra_domain::umkm::{LegalDocument, LegalKind, Link, UmkmStatus};
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::catalogue::products::{COLUMNS, product_from_row};
use crate::sql::{Args, parse_day_opt, scope_admits};
use crate::{Database, ProductRecord, Result, StorageError, now_text};

/// A product with what the catalogue shows of its business.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub product: ProductRecord,
    pub umkm_name: String,
    pub umkm_status: UmkmStatus,
    /// The business no longer stands alone (merged into another record).
    pub umkm_merged: bool,
    pub store_slug: Option<String>,
    pub village_code: String,
    pub district_code: String,
    pub sector: String,
    pub documents: Vec<LegalDocument>,
    pub umkm_links: Vec<Link>,
    /// The object-store key of the first photo.
    pub photo: Option<String>,
    pub photos: usize,
}

/// Which businesses anyone may see (DESIGN.md, "Public means verified"): verified (so active)
/// and still standing alone. Every public read (catalogue, storefronts, sitemap, open data)
/// puts this condition on its `umkm u`; [`CatalogEntry::is_public`] is the same rule for the
/// search index.
pub(crate) const PUBLIC_UMKM: &str = "u.status = 'verified' AND u.merged_into IS NULL";

impl CatalogEntry {
    /// Shown in the public catalogue: published, by a verified business still in the registry
    /// (the rule of [`PUBLIC_UMKM`]).
    pub fn is_public(&self) -> bool {
        self.product.data.status == sentra_domain::product::ProductStatus::Published
            && self.umkm_status == UmkmStatus::Verified
            && !self.umkm_merged
    }
}

/// Longest opening-hours text a storefront shows.
pub const MAX_OPENING_HOURS: usize = 300;

/// A business's public storefront: what anyone may see of it, and its published products.
#[derive(Debug, Clone)]
pub struct Store {
    pub slug: String,
    pub name: String,
    pub village_code: String,
    pub district_code: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub links: Vec<Link>,
    pub opening_hours: Option<String>,
    pub documents: Vec<LegalDocument>,
    pub verified: bool,
    /// Public stores are verified; a preview shows what its people see before.
    pub status: UmkmStatus,
    /// Published products, each with the object-store key of its main photo.
    pub products: Vec<(ProductRecord, Option<String>)>,
}

/// What happened since an index last looked: products to read again, and where the feed now
/// stands.
#[derive(Debug, Clone, Default)]
pub struct CatalogChanges {
    pub product_ids: Vec<String>,
    pub last_seq: i64,
}

impl Database {
    /// The catalogue entries of these products (any status; missing ids are left out).
    pub async fn catalog_entries(&self, ids: &[String]) -> Result<Vec<CatalogEntry>> {
        let mut out = Vec::with_capacity(ids.len());
        let per = self.params_per_statement().saturating_sub(8).max(1);
        for part in ids.chunks(per) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            let which = format!("p.id IN ({})", list.join(","));
            out.extend(self.catalog_entries_where(&which, args).await?);
        }
        Ok(out)
    }

    /// The catalogue entries of the products `which` selects (a condition on `products p`
    /// with its arguments).
    async fn catalog_entries_where(&self, which: &str, args: Args) -> Result<Vec<CatalogEntry>> {
        let mut out = Vec::new();
        let sql = format!(
            "SELECT {COLUMNS}, u.name AS umkm_name, u.status AS umkm_status, \
             u.merged_into AS umkm_merged, u.store_slug, u.village_code, u.district_code, \
             u.sector_code, u.links AS umkm_links, \
             (SELECT ph.object_key FROM product_photos ph WHERE ph.product_id = p.id \
              ORDER BY ph.position LIMIT 1) AS photo, \
             (SELECT COUNT(*) FROM product_photos ph WHERE ph.product_id = p.id) AS photos \
             FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE {which}"
        );
        let rows = args
            .clone()
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        let docs_sql = format!(
            "SELECT d.umkm_id, d.kind, d.number, d.issued_on, d.expires_on \
             FROM umkm_documents d WHERE d.umkm_id IN \
             (SELECT p.umkm_id FROM products p WHERE {which})"
        );
        let mut docs: std::collections::HashMap<String, Vec<LegalDocument>> =
            std::collections::HashMap::new();
        for r in args
            .bind(sqlx::query(&docs_sql))
            .fetch_all(&self.pool)
            .await?
        {
            let kind: String = r.try_get("kind")?;
            let Some(kind) = LegalKind::parse(&kind) else {
                continue;
            };
            docs.entry(r.try_get("umkm_id")?)
                .or_default()
                .push(LegalDocument {
                    kind,
                    number: r.try_get("number")?,
                    issued_on: parse_day_opt(r.try_get("issued_on")?),
                    expires_on: parse_day_opt(r.try_get("expires_on")?),
                });
        }
        for r in &rows {
            let product = product_from_row(r)?;
            let status: String = r.try_get("umkm_status")?;
            let links: String = r.try_get("umkm_links")?;
            let merged: Option<String> = r.try_get("umkm_merged")?;
            let photos: i64 = r.try_get("photos")?;
            out.push(CatalogEntry {
                documents: docs.get(&product.umkm_id).cloned().unwrap_or_default(),
                product,
                umkm_name: r.try_get("umkm_name")?,
                umkm_status: UmkmStatus::parse(&status)
                    .ok_or_else(|| StorageError::Corrupt(format!("umkm status {status:?}")))?,
                umkm_merged: merged.is_some(),
                store_slug: r.try_get("store_slug")?,
                village_code: r.try_get("village_code")?,
                district_code: r.try_get("district_code")?,
                sector: r.try_get("sector_code")?,
                umkm_links: serde_json::from_str(&links).unwrap_or_default(),
                photo: r.try_get("photo")?,
                photos: usize::try_from(photos).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// The product behind a URL, whatever its or its business's status.
    /// Read by its slug's index at once: a product page is the catalogue's busiest, and a
    /// round trip to find the id first was a quarter of its statements.
    async fn product_by_slug(&self, slug: &str) -> Result<CatalogEntry> {
        let mut args = Args::default();
        let which = format!("p.slug = {}", args.text(slug));
        self.catalog_entries_where(&which, args)
            .await?
            .into_iter()
            .next()
            .ok_or(StorageError::NotFound)
    }

    /// The published product behind a public URL (of a public business).
    pub async fn public_product(&self, slug: &str) -> Result<CatalogEntry> {
        Some(self.product_by_slug(slug).await?)
            .filter(CatalogEntry::is_public)
            .ok_or(StorageError::NotFound)
    }

    /// The product behind a URL as its own business's people preview it before it is public
    /// (a draft or published product of a business in `scope`, not merged away); not found
    /// otherwise: an archived product has no page.
    pub async fn product_preview(&self, scope: &Scope, slug: &str) -> Result<CatalogEntry> {
        let entry = self.product_by_slug(slug).await?;
        if entry.umkm_merged
            || entry.product.data.status == sentra_domain::product::ProductStatus::Archived
        {
            return Err(StorageError::NotFound);
        }
        self.umkm_in_scope(scope, &entry.product.umkm_id).await?;
        Ok(entry)
    }

    /// The storefront behind a public URL (a public business).
    pub async fn public_store(&self, slug: &str) -> Result<Store> {
        self.store_by_slug(slug, None).await
    }

    /// The storefront as its own business's people preview it before it is public (a business
    /// in `scope`, not merged away); not found otherwise.
    pub async fn store_preview(&self, scope: &Scope, slug: &str) -> Result<Store> {
        self.store_by_slug(slug, Some(scope)).await
    }

    /// With a scope: a business of it, whatever its status; without: a public one.
    async fn store_by_slug(&self, slug: &str, preview: Option<&Scope>) -> Result<Store> {
        let public = if preview.is_some() {
            "u.merged_into IS NULL"
        } else {
            PUBLIC_UMKM
        };
        let row = sqlx::query(&format!(
            "SELECT u.id, u.name, u.village_code, u.district_code, u.latitude, u.longitude, \
             u.links, u.opening_hours, u.status, u.store_slug, u.owner_user_id FROM umkm u \
             WHERE u.store_slug = $1 AND {public}"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        if let Some(scope) = preview {
            let village: String = row.try_get("village_code")?;
            let owner: Option<String> = row.try_get("owner_user_id")?;
            if !scope_admits(scope, &village, owner.as_deref()) {
                return Err(StorageError::NotFound);
            }
        }
        let id: String = row.try_get("id")?;
        let links: String = row.try_get("links")?;
        let status: String = row.try_get("status")?;
        let sql = format!(
            "SELECT {COLUMNS}, (SELECT ph.object_key FROM product_photos ph \
             WHERE ph.product_id = p.id ORDER BY ph.position LIMIT 1) AS photo \
             FROM products p WHERE p.umkm_id = $1 AND p.status = 'published' \
             ORDER BY p.name, p.id"
        );
        let products = sqlx::query(&sql)
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((product_from_row(r)?, r.try_get("photo")?)))
            .collect::<Result<Vec<_>>>()?;
        let mut documents = Vec::new();
        for r in sqlx::query(
            "SELECT kind, number, issued_on, expires_on FROM umkm_documents WHERE umkm_id = $1",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        {
            let kind: String = r.try_get("kind")?;
            if let Some(kind) = LegalKind::parse(&kind) {
                documents.push(LegalDocument {
                    kind,
                    number: r.try_get("number")?,
                    issued_on: parse_day_opt(r.try_get("issued_on")?),
                    expires_on: parse_day_opt(r.try_get("expires_on")?),
                });
            }
        }
        Ok(Store {
            slug: row.try_get("store_slug")?,
            name: row.try_get("name")?,
            village_code: row.try_get("village_code")?,
            district_code: row.try_get("district_code")?,
            latitude: row.try_get("latitude")?,
            longitude: row.try_get("longitude")?,
            links: serde_json::from_str(&links).unwrap_or_default(),
            opening_hours: row.try_get("opening_hours")?,
            documents,
            verified: status == "verified",
            status: UmkmStatus::parse(&status)
                .ok_or_else(|| StorageError::Corrupt(format!("umkm status {status:?}")))?,
            products,
        })
    }

    /// Public URLs of published products for a sitemap part: (slug, last change), in id order.
    pub async fn published_product_slugs(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(&format!(
            "SELECT p.slug, p.updated_at FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.status = 'published' AND {PUBLIC_UMKM} ORDER BY p.id \
             LIMIT {limit} OFFSET {offset}"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("slug")?, r.try_get("updated_at")?)))
            .collect()
    }

    pub async fn count_published_products(&self) -> Result<i64> {
        Ok(sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.status = 'published' AND {PUBLIC_UMKM}",
        ))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    /// Storefront slugs of public businesses with a published product.
    pub async fn store_slugs(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(&format!(
            "SELECT u.store_slug FROM umkm u WHERE u.store_slug IS NOT NULL \
             AND {PUBLIC_UMKM} AND EXISTS (SELECT 1 FROM products p \
             WHERE p.umkm_id = u.id AND p.status = 'published') ORDER BY u.store_slug",
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("store_slug")?)).collect()
    }

    /// Product ids in id order after `after`, for rebuilding an index a page at a time.
    pub async fn product_ids_after(&self, after: &str, limit: u32) -> Result<Vec<String>> {
        let rows = sqlx::query(&format!(
            "SELECT id FROM products WHERE id > $1 ORDER BY id LIMIT {limit}"
        ))
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// A business's storefront: its short public name (once it has a product) and opening hours.
    pub async fn store_details(
        &self,
        scope: &Scope,
        umkm_id: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        self.umkm_in_scope(scope, umkm_id).await?;
        let row = sqlx::query("SELECT store_slug, opening_hours FROM umkm WHERE id = $1")
            .bind(umkm_id)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("store_slug")?, row.try_get("opening_hours")?))
    }

    /// Sets the opening hours shown on a business's storefront (free text as owners write them,
    /// at most [`MAX_OPENING_HOURS`] characters); audited on the business.
    pub async fn set_opening_hours(
        &self,
        scope: &Scope,
        umkm_id: &str,
        hours: &str,
        actor: &Actor,
    ) -> Result<()> {
        let hours = hours.trim();
        if hours.chars().count() > MAX_OPENING_HOURS {
            let mut e = sentra_domain::FieldErrors::new();
            e.push("opening_hours", "text_too_long");
            return Err(StorageError::Invalid(e));
        }
        let (_, before) = self.store_details(scope, umkm_id).await?;
        let after = (!hours.is_empty()).then(|| hours.to_string());
        if before == after {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE umkm SET opening_hours = $1 WHERE id = $2")
            .bind(&after)
            .bind(umkm_id)
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({ "opening_hours": [before, after] });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "umkm",
            Some(umkm_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A catalogue setting (`synonyms`), or `None` when never set.
    pub async fn catalog_setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM catalog_settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Sets a catalogue setting; audited with the value before and after.
    pub async fn set_catalog_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()> {
        let before = self.catalog_setting(key).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO catalog_settings (key, value, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(key)
        .bind(value)
        .bind(now_text())
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "value": [before, value] });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "catalog_setting",
            Some(key),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_products(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM products")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// The latest audit sequence number: where a freshly rebuilt index stands.
    pub async fn audit_head_seq(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get("seq")?)
    }

    /// Products changed after `seq` (at most `limit` audit entries read): the products
    /// themselves, and the products of businesses that changed (their name, place or
    /// certificates show in the catalogue).
    pub async fn catalog_changes_since(&self, seq: i64, limit: u32) -> Result<CatalogChanges> {
        // The head first: every entry up to it is committed (the head row is updated in the
        // same transaction as its entry, one writer at a time).
        let head = self.audit_head_seq().await?;
        let rows = sqlx::query(&format!(
            "SELECT seq, entity, entity_id FROM audit_log WHERE seq > $1 AND seq <= $2 \
             AND entity IN ('product', 'umkm') ORDER BY seq LIMIT {limit}"
        ))
        .bind(seq)
        .bind(head)
        .fetch_all(&self.pool)
        .await?;
        let mut changes = CatalogChanges {
            product_ids: Vec::new(),
            last_seq: seq,
        };
        let mut businesses = Vec::new();
        for r in &rows {
            changes.last_seq = r.try_get("seq")?;
            let entity: String = r.try_get("entity")?;
            let Some(id) = r.try_get::<Option<String>, _>("entity_id")? else {
                continue;
            };
            if entity == "product" {
                changes.product_ids.push(id);
            } else {
                businesses.push(id);
            }
        }
        if rows.len() < limit as usize {
            // Caught up: the feed stands at the head (entries of other kinds included).
            changes.last_seq = changes.last_seq.max(head);
        }
        let per = self.params_per_statement().saturating_sub(8).max(1);
        for part in businesses.chunks(per) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            let sql = format!(
                "SELECT id FROM products WHERE umkm_id IN ({})",
                list.join(",")
            );
            for r in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                changes.product_ids.push(r.try_get("id")?);
            }
        }
        changes.product_ids.sort();
        changes.product_ids.dedup();
        Ok(changes)
    }
}
