//! Curated exhibitions: their products, what sold there, and the published pages.

use sentra_domain::FieldErrors;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;

use super::in_scope;
use crate::accounts::audit::{self, Actor};
use crate::sql::{day_text, stored_day};
use crate::{Database, Result, StorageError, now_text};

/// What one product did at an exhibition: its id, items shown, items sold, sales.
pub type ExhibitResult = (String, Option<i64>, Option<i64>, Option<i64>);

/// An exhibition with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhibitionRecord {
    pub id: String,
    pub region_code: String,
    pub slug: String,
    pub exhibition: sentra_domain::partnership::Exhibition,
    pub published: bool,
    pub visitors: Option<i64>,
}

/// A product shown at an exhibition, with the curator's note and what it sold there.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExhibitItem {
    pub product_id: String,
    pub product_name: String,
    pub product_slug: String,
    pub umkm_id: String,
    pub umkm_name: String,
    pub curator_note: Option<String>,
    pub shown: Option<i64>,
    pub sold: Option<i64>,
    pub sales_value: Option<i64>,
}

fn exhibition_from_row(r: &sqlx::any::AnyRow) -> Result<ExhibitionRecord> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let starts: String = r.try_get("starts_on")?;
    let ends: String = r.try_get("ends_on")?;
    Ok(ExhibitionRecord {
        id: r.try_get("id")?,
        region_code: r.try_get("region_code")?,
        slug: r.try_get("slug")?,
        exhibition: sentra_domain::partnership::Exhibition {
            title: r.try_get("title")?,
            theme: r.try_get("theme")?,
            online: kind == "online",
            venue: r.try_get("venue")?,
            starts_on: stored_day(&starts, "partnership date")?,
            ends_on: stored_day(&ends, "partnership date")?,
            description: r.try_get("description")?,
        },
        published: status == "published",
        visitors: r.try_get("visitors")?,
    })
}

/// `Pameran Tenun Nusantara` → `pameran-tenun-nusantara-3f9a`.
fn slug_of(title: &str, id: &str) -> String {
    let mut s = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let tail: String = id
        .chars()
        .rev()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(4)
        .collect();
    format!("{}-{tail}", s.trim_end_matches('-'))
}

impl Database {
    /// A new (draft) exhibition of a region in the caller's scope. Audited.
    pub async fn create_exhibition(
        &self,
        scope: &Scope,
        region: &RegionCode,
        x: &sentra_domain::partnership::Exhibition,
        actor: &Actor,
    ) -> Result<String> {
        if !in_scope(scope, region.as_str()) {
            return Err(StorageError::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO exhibitions (id, region_code, slug, title, theme, kind, venue, starts_on, \
             ends_on, description, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12)",
        )
        .bind(&id)
        .bind(region.as_str())
        .bind(slug_of(&x.title, &id))
        .bind(&x.title)
        .bind(&x.theme)
        .bind(if x.online { "online" } else { "offline" })
        .bind(&x.venue)
        .bind(day_text(x.starts_on))
        .bind(day_text(x.ends_on))
        .bind(&x.description)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "title": x.title, "starts_on": day_text(x.starts_on) });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "exhibition",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The exhibitions of the caller's area, the latest first.
    pub async fn exhibitions(&self, scope: &Scope) -> Result<Vec<ExhibitionRecord>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let rows = sqlx::query(
            "SELECT * FROM exhibitions WHERE region_code = $1 OR region_code LIKE $2 \
             ORDER BY starts_on DESC, id",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exhibition_from_row).collect()
    }

    /// Published exhibitions, for the public (the latest first).
    pub async fn published_exhibitions(&self) -> Result<Vec<ExhibitionRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM exhibitions WHERE status = 'published' ORDER BY starts_on DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exhibition_from_row).collect()
    }

    /// An exhibition in the caller's scope.
    pub async fn exhibition(&self, scope: &Scope, id: &str) -> Result<ExhibitionRecord> {
        let r = sqlx::query("SELECT * FROM exhibitions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let x = exhibition_from_row(&r)?;
        if !in_scope(scope, &x.region_code) {
            return Err(StorageError::NotFound);
        }
        Ok(x)
    }

    /// A published exhibition by its address.
    pub async fn exhibition_by_slug(&self, slug: &str) -> Result<ExhibitionRecord> {
        let r = sqlx::query("SELECT * FROM exhibitions WHERE slug = $1 AND status = 'published'")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        exhibition_from_row(&r)
    }

    /// The products of an exhibition, in order.
    pub async fn exhibit_items(&self, exhibition_id: &str) -> Result<Vec<ExhibitItem>> {
        Ok(sqlx::query_as(
            "SELECT i.product_id, p.name AS product_name, p.slug AS product_slug, i.umkm_id, \
             u.name AS umkm_name, i.curator_note, i.shown, i.sold, i.sales_value \
             FROM exhibition_items i JOIN products p ON p.id = i.product_id \
             JOIN umkm u ON u.province_code = i.province_code AND u.id = i.umkm_id WHERE i.exhibition_id = $1 ORDER BY i.position",
        )
        .bind(exhibition_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Curates a public product of a business in scope into an exhibition, with a note
    /// (again: the note changes). Audited.
    pub async fn curate_into(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        product_id: &str,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        // A public exhibition shows only what the catalogue shows (DESIGN.md, "Public means
        // verified").
        let r = sqlx::query(&format!(
            "SELECT p.umkm_id, u.village_code FROM products p JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.id = $1 AND p.status = 'published' AND {}",
            crate::catalogue::catalog::PUBLIC_UMKM
        ))
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.push("product", "product_not_published");
            StorageError::Invalid(e)
        })?;
        let village: String = r.try_get("village_code")?;
        if !in_scope(scope, &village) {
            return Err(StorageError::NotFound);
        }
        let umkm: String = r.try_get("umkm_id")?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let position: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) AS p FROM exhibition_items \
             WHERE exhibition_id = $1",
        )
        .bind(exhibition_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("p")?;
        sqlx::query(
            "INSERT INTO exhibition_items (exhibition_id, product_id, umkm_id, position, \
             curator_note) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (exhibition_id, product_id) DO UPDATE SET curator_note = $5",
        )
        .bind(exhibition_id)
        .bind(product_id)
        .bind(&umkm)
        .bind(position)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "product": product_id, "note": note });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "curate",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a product out of an exhibition. Audited.
    pub async fn uncurate(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        product_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("DELETE FROM exhibition_items WHERE exhibition_id = $1 AND product_id = $2")
            .bind(exhibition_id)
            .bind(product_id)
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({ "product": product_id });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "uncurate",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes (or withdraws) an exhibition and records what happened there: visitors and,
    /// per product, items shown, sold and the sales. Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_exhibition(
        &self,
        scope: &Scope,
        exhibition_id: &str,
        published: bool,
        visitors: Option<i64>,
        results: &[ExhibitResult],
        actor: &Actor,
    ) -> Result<()> {
        self.exhibition(scope, exhibition_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE exhibitions SET status = $1, visitors = $2 WHERE id = $3")
            .bind(if published { "published" } else { "draft" })
            .bind(visitors)
            .bind(exhibition_id)
            .execute(&mut *tx)
            .await?;
        for (product, shown, sold, value) in results {
            sqlx::query(
                "UPDATE exhibition_items SET shown = $1, sold = $2, sales_value = $3 \
                 WHERE exhibition_id = $4 AND product_id = $5",
            )
            .bind(*shown)
            .bind(*sold)
            .bind(*value)
            .bind(exhibition_id)
            .bind(product)
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({ "published": published, "visitors": visitors, "items": results.len() });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "results",
            "exhibition",
            Some(exhibition_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Database {
    /// Public products (published, of a verified business) in the caller's scope whose name
    /// holds `q`: (id, name, business), to curate into an exhibition.
    pub async fn find_published_products(
        &self,
        scope: &Scope,
        q: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let q = q.trim().to_lowercase();
        if q.chars().count() < 2 || scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows = sqlx::query(&format!(
            "SELECT p.id, p.name, u.name AS umkm_name FROM products p \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id WHERE p.status = 'published' \
             AND {} AND (u.village_code = $1 OR u.village_code LIKE $2) \
             AND (LOWER(p.name) LIKE $3 ESCAPE '\\' OR LOWER(u.name) LIKE $3 ESCAPE '\\') \
             ORDER BY p.name, p.id LIMIT $4",
            crate::catalogue::catalog::PUBLIC_UMKM
        ))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(format!("%{escaped}%"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("umkm_name")?,
                ))
            })
            .collect()
    }
}
