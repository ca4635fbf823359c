//! The records of product photos: which product, in what order, under which object-store key.
//! The pictures themselves are in the object store (`sentra-media`); the original upload is not
//! kept (it may carry EXIF and a GPS position).

use sentra_domain::FieldErrors;
use sentra_domain::product::MAX_PHOTOS;
use sentra_domain::scope::Scope;
use serde::Serialize;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::catalogue::products::fetch_product;
use crate::{Database, Result, StorageError, now_text};

// Plain values under their column names (`PHOTO_COLUMNS`), nothing to parse: the derived
// mapping replaces a hand-written one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PhotoRecord {
    pub id: String,
    pub product_id: String,
    pub position: i64,
    /// `produk/{product}/{photo}`; each size is stored under it with `-sm.jpg`, `-md.jpg`, ….
    pub object_key: String,
    /// Of the largest size kept.
    pub width: i64,
    pub height: i64,
}

const PHOTO_COLUMNS: &str = "id, product_id, position, object_key, width, height";

/// A photo about to be stored: its id and key are chosen before its sizes are written to the
/// object store, and the record is written after.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub id: String,
    pub object_key: String,
    pub width: u32,
    pub height: u32,
}

impl NewPhoto {
    pub fn for_product(product_id: &str, width: u32, height: u32) -> Self {
        let id = uuid::Uuid::now_v7().to_string();
        Self {
            object_key: format!("produk/{product_id}/{id}"),
            id,
            width,
            height,
        }
    }
}

impl Database {
    /// A product's photos, the main one first. Not scoped: photos of a public product are
    /// public; callers check the product first.
    pub async fn product_photos(&self, product_id: &str) -> Result<Vec<PhotoRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PHOTO_COLUMNS} FROM product_photos WHERE product_id = $1 \
             ORDER BY position, id"
        ))
        .bind(product_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a photo (its sizes already in the object store) as the product's last; refused
    /// when the product has [`MAX_PHOTOS`]. Audited on the product.
    pub async fn add_product_photo(
        &self,
        scope: &Scope,
        product_id: &str,
        photo: &NewPhoto,
        actor: &Actor,
    ) -> Result<PhotoRecord> {
        let product = self.get_product(scope, product_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(position), 0) AS last FROM product_photos \
             WHERE product_id = $1",
        )
        .bind(&product.id)
        .fetch_one(&mut *tx)
        .await?;
        let (count, last): (i64, i64) = (row.try_get("n")?, row.try_get("last")?);
        if count >= MAX_PHOTOS as i64 {
            let mut e = FieldErrors::new();
            e.push("photo", "photos_too_many");
            return Err(StorageError::Invalid(e));
        }
        sqlx::query(
            "INSERT INTO product_photos (id, product_id, position, object_key, width, height, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&photo.id)
        .bind(&product.id)
        .bind(last + 1)
        .bind(&photo.object_key)
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let summary = serde_json::json!({ "photo": photo.id, "key": photo.object_key });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "photo_add",
            "product",
            Some(&product.id),
            &summary,
        )
        .await?;
        tx.commit().await?;
        self.product_photos(&product.id)
            .await?
            .into_iter()
            .find(|p| p.id == photo.id)
            .ok_or(StorageError::NotFound)
    }

    /// Removes a photo's record (the caller then removes its sizes from the object store); a
    /// listed product left without a photo leaves the e-katalog. Audited on the product.
    pub async fn remove_product_photo(
        &self,
        scope: &Scope,
        product_id: &str,
        photo_id: &str,
        actor: &Actor,
    ) -> Result<PhotoRecord> {
        let product = self.get_product(scope, product_id).await?;
        let photo = self
            .product_photos(&product.id)
            .await?
            .into_iter()
            .find(|p| p.id == photo_id)
            .ok_or(StorageError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("DELETE FROM product_photos WHERE id = $1")
            .bind(&photo.id)
            .execute(&mut *tx)
            .await?;
        let after = fetch_product(&mut tx, &product.id).await?;
        let after = self.unlist_if_unready(&mut tx, after).await?;
        let mut summary = serde_json::json!({ "photo": photo.id, "key": photo.object_key });
        if product.listed() && !after.listed() {
            summary["ekatalog_listed_at"] = serde_json::json!([product.ekatalog_listed_at, null]);
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "photo_remove",
            "product",
            Some(&product.id),
            &summary,
        )
        .await?;
        tx.commit().await?;
        Ok(photo)
    }

    /// Makes a photo the product's main one (shown in results and link previews). Audited.
    pub async fn make_photo_main(
        &self,
        scope: &Scope,
        product_id: &str,
        photo_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        let product = self.get_product(scope, product_id).await?;
        let photos = self.product_photos(&product.id).await?;
        if !photos.iter().any(|p| p.id == photo_id) {
            return Err(StorageError::NotFound);
        }
        let first = photos.first().map_or(0, |p| p.position);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE product_photos SET position = $1 WHERE id = $2")
            .bind(first - 1)
            .bind(photo_id)
            .execute(&mut *tx)
            .await?;
        let summary = serde_json::json!({ "photo": photo_id });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "photo_main",
            "product",
            Some(&product.id),
            &summary,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
