//! The product category tree as stored: added, renamed, reordered and retired by admins and
//! curators, every change audited (entity `product_category`). A category is never deleted:
//! products and shared links hold its code, so a retired one only stops being offered.

use sentra_domain::FieldErrors;
use sentra_domain::category::{CategoryInput, check_names, in_tree_order, new_category};
use sentra_domain::product::Category;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::audit::{self, Actor};
use crate::error::invalid;
use crate::{Database, Result, StorageError};

/// A category as its admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub category: Category,
    pub active: bool,
    /// Draft and published products in it (archived ones aside).
    pub products: i64,
}

fn category_from_row(r: &AnyRow) -> Result<(Category, i64)> {
    Ok((
        Category {
            code: r.try_get("code")?,
            parent: r.try_get("parent_code")?,
            name_id: r.try_get("name_id")?,
            name_en: r.try_get("name_en")?,
            food: r.try_get::<i64, _>("food")? != 0,
        },
        r.try_get("position")?,
    ))
}

const SELECT: &str =
    "SELECT code, parent_code, name_id, name_en, food, position, active FROM product_categories";

/// Every category, retired ones too, with whether it is active.
async fn all(conn: &mut AnyConnection) -> Result<Vec<(Category, i64, bool)>> {
    let rows = sqlx::query(SELECT).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let (c, position) = category_from_row(r)?;
            Ok((c, position, r.try_get::<i64, _>("active")? != 0))
        })
        .collect()
}

async fn products_in(conn: &mut AnyConnection, code: &str) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM products WHERE category_code = $1 \
         AND status IN ('draft', 'published')",
    )
    .bind(code)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?)
}

impl Database {
    /// The active categories, parents before their children, siblings in their order.
    pub async fn product_categories(&self) -> Result<Vec<Category>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE active = 1"))
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(category_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(in_tree_order(items))
    }

    /// Every category in tree order, retired ones too, with its number of products.
    pub async fn category_rows(&self) -> Result<Vec<CategoryRow>> {
        let mut conn = self.pool.acquire().await?;
        let all = all(&mut conn).await?;
        let counts = sqlx::query(
            "SELECT category_code, COUNT(*) AS n FROM products \
             WHERE status IN ('draft', 'published') GROUP BY category_code",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut per_code = std::collections::HashMap::new();
        for r in &counts {
            per_code.insert(
                r.try_get::<String, _>("category_code")?,
                r.try_get::<i64, _>("n")?,
            );
        }
        let active: std::collections::HashMap<String, bool> =
            all.iter().map(|(c, _, a)| (c.code.clone(), *a)).collect();
        let ordered = in_tree_order(all.into_iter().map(|(c, p, _)| (c, p)).collect());
        Ok(ordered
            .into_iter()
            .map(|category| CategoryRow {
                active: active.get(&category.code).copied().unwrap_or(false),
                products: per_code.get(&category.code).copied().unwrap_or(0),
                category,
            })
            .collect())
    }

    /// Adds a category at the end of its siblings; its code comes from its name.
    pub async fn add_category(&self, input: &CategoryInput, actor: &Actor) -> Result<Category> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let all = all(&mut tx).await?;
        let codes: Vec<String> = all.iter().map(|(c, _, _)| c.code.clone()).collect();
        let tree: Vec<Category> = all
            .iter()
            .filter(|(_, _, active)| *active)
            .map(|(c, _, _)| c.clone())
            .collect();
        let category = new_category(input, &tree, &codes).map_err(StorageError::Invalid)?;
        let position = all
            .iter()
            .filter(|(c, _, _)| c.parent == category.parent)
            .map(|(_, p, _)| *p + 10)
            .max()
            .unwrap_or(0);
        sqlx::query(
            "INSERT INTO product_categories (code, parent_code, name_id, name_en, food, \
             position, active) VALUES ($1, $2, $3, $4, $5, $6, 1)",
        )
        .bind(&category.code)
        .bind(&category.parent)
        .bind(&category.name_id)
        .bind(&category.name_en)
        .bind(i64::from(category.food))
        .bind(position)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({
            "parent": category.parent,
            "name_id": category.name_id,
            "name_en": category.name_en,
            "food": category.food,
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "product_category",
            Some(&category.code),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(category)
    }

    /// Renames a category, changes whether it is food, retires or restores it. Whether it is
    /// food decides what its products need (a food permit, halal, a shelf life), so it only
    /// changes while no product is in it; a category with products or active subcategories
    /// is not retired.
    pub async fn update_category(
        &self,
        code: &str,
        input: &CategoryInput,
        active: bool,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let all = all(&mut tx).await?;
        let Some((before, _, was_active)) = all.iter().find(|(c, _, _)| c.code == code).cloned()
        else {
            return Err(StorageError::NotFound);
        };
        let tree: Vec<Category> = all.iter().map(|(c, _, _)| c.clone()).collect();
        let mut e = FieldErrors::new();
        let names = check_names(&mut e, input, before.parent.as_deref(), Some(code), &tree);
        e.into_result().map_err(StorageError::Invalid)?;
        let Some((name_id, name_en)) = names else {
            return Err(invalid("name_id", "required"));
        };
        let products = products_in(&mut tx, code).await?;
        if input.food != before.food && products > 0 {
            return Err(invalid("food", "category_food_in_use"));
        }
        if !active && was_active {
            let children = all
                .iter()
                .any(|(c, _, a)| *a && c.parent.as_deref() == Some(code));
            if products > 0 || children {
                return Err(invalid("active", "category_in_use"));
            }
        }
        if active && !was_active {
            // A subcategory comes back only under an active parent.
            let parent_retired = before
                .parent
                .as_deref()
                .is_some_and(|p| all.iter().any(|(c, _, a)| c.code == p && !*a));
            if parent_retired {
                return Err(invalid("active", "category_parent_retired"));
            }
        }
        sqlx::query(
            "UPDATE product_categories SET name_id = $1, name_en = $2, food = $3, active = $4 \
             WHERE code = $5",
        )
        .bind(&name_id)
        .bind(&name_en)
        .bind(i64::from(input.food))
        .bind(i64::from(active))
        .bind(code)
        .execute(&mut *tx)
        .await?;
        let mut changes = serde_json::Map::new();
        for (field, old, new) in [
            (
                "name_id",
                serde_json::json!(before.name_id),
                serde_json::json!(name_id),
            ),
            (
                "name_en",
                serde_json::json!(before.name_en),
                serde_json::json!(name_en),
            ),
            (
                "food",
                serde_json::json!(before.food),
                serde_json::json!(input.food),
            ),
            (
                "active",
                serde_json::json!(was_active),
                serde_json::json!(active),
            ),
        ] {
            if old != new {
                changes.insert(field.into(), serde_json::json!([old, new]));
            }
        }
        if !changes.is_empty() {
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "update",
                "product_category",
                Some(code),
                &serde_json::Value::Object(changes),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves a category one place up or down among its siblings.
    pub async fn move_category(&self, code: &str, up: bool, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let all = all(&mut tx).await?;
        let Some((me, _, _)) = all.iter().find(|(c, _, _)| c.code == code).cloned() else {
            return Err(StorageError::NotFound);
        };
        let mut siblings: Vec<(String, i64)> = all
            .iter()
            .filter(|(c, _, _)| c.parent == me.parent)
            .map(|(c, p, _)| (c.code.clone(), *p))
            .collect();
        siblings.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let Some(at) = siblings.iter().position(|(c, _)| c == code) else {
            return Err(StorageError::NotFound);
        };
        let other = if up { at.checked_sub(1) } else { Some(at + 1) };
        let Some(other) = other.filter(|o| *o < siblings.len()) else {
            // Already first (or last): nothing to move.
            return Ok(());
        };
        siblings.swap(at, other);
        // Positions renumbered in steps of ten, so equal positions cannot pin two together.
        for (i, (c, _)) in siblings.iter().enumerate() {
            sqlx::query("UPDATE product_categories SET position = $1 WHERE code = $2")
                .bind(i64::try_from(i).unwrap_or(0) * 10)
                .bind(c)
                .execute(&mut *tx)
                .await?;
        }
        let changes = serde_json::json!({ "move": if up { "up" } else { "down" } });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "product_category",
            Some(code),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
