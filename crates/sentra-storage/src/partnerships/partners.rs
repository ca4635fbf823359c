//! Partners of a region and the requests they post.

use sentra_domain::partnership::Request;
use sentra_domain::scope::Scope;

use super::{
    NewPartner, PartnerRecord, REQUEST_COLUMNS, RequestRecord, in_scope, partner_from_row,
    request_from_row,
};
use crate::accounts::audit::{self, Actor};
use crate::sql::day_text;
use crate::{Database, Result, StorageError, now_text};

impl Database {
    /// Adds a partner of a region in the caller's scope. Audited.
    pub async fn create_partner(
        &self,
        scope: &Scope,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<String> {
        if !in_scope(scope, p.region.as_str()) {
            return Err(StorageError::NotFound);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO partners (id, region_code, name, kind, contact_name, contact_phone, \
             contact_email, notes, user_login, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(p.region.as_str())
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(&p.contact_name)
        .bind(&p.contact_phone)
        .bind(&p.contact_email)
        .bind(&p.notes)
        .bind(&p.user_login)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "name": p.name, "kind": p.kind.as_str(), "region": p.region.as_str() });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "partner",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The partners of the caller's area; a `partner` account sees only the one it speaks for.
    pub async fn partners(&self, scope: &Scope, login: Option<&str>) -> Result<Vec<PartnerRecord>> {
        if scope.owner().is_some() {
            return Ok(Vec::new());
        }
        let region = scope.region_code();
        let rows = sqlx::query(
            "SELECT * FROM partners WHERE (region_code = $1 OR region_code LIKE $2) \
             AND ($3 = '' OR user_login = $3) ORDER BY name, id",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(login.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(partner_from_row).collect()
    }

    /// A partner in the caller's scope (for a `partner` account, only its own).
    pub async fn partner(
        &self,
        scope: &Scope,
        id: &str,
        login: Option<&str>,
    ) -> Result<PartnerRecord> {
        let r = sqlx::query("SELECT * FROM partners WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let p = partner_from_row(&r)?;
        let mine = login.is_none_or(|l| p.user_login.as_deref() == Some(l));
        if !in_scope(scope, &p.region_code) || !mine {
            return Err(StorageError::NotFound);
        }
        Ok(p)
    }

    /// Records a partner's request. Audited.
    pub async fn create_request(
        &self,
        scope: &Scope,
        partner_id: &str,
        request: &Request,
        login: Option<&str>,
        actor: &Actor,
    ) -> Result<String> {
        self.partner(scope, partner_id, login).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let certificates: Vec<&str> = request.certificates.iter().map(|k| k.as_str()).collect();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO partner_requests (id, partner_id, title, category, keywords, quantity, \
             deliver_by, price_min, price_max, certificates, packaging, max_weight_grams, \
             max_side_mm, region_filter, notes, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'open', \
             $16, $17)",
        )
        .bind(&id)
        .bind(partner_id)
        .bind(&request.title)
        .bind(&request.category)
        .bind(request.keywords.join(" "))
        .bind(request.quantity)
        .bind(day_text(request.deliver_by))
        .bind(request.price_min)
        .bind(request.price_max)
        .bind(serde_json::json!(certificates).to_string())
        .bind(request.packaging.join(" "))
        .bind(request.max_weight_grams)
        .bind(request.max_side_mm)
        .bind(&request.region)
        .bind(&request.notes)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({
            "partner": partner_id, "title": request.title, "quantity": request.quantity,
            "deliver_by": day_text(request.deliver_by),
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "partner_request",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A partner's requests, newest first.
    pub async fn requests_of(&self, partner_id: &str) -> Result<Vec<RequestRecord>> {
        let sql =
            format!("SELECT {REQUEST_COLUMNS} WHERE r.partner_id = $1 ORDER BY r.created_at DESC");
        let rows = sqlx::query(&sql)
            .bind(partner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// A request the caller may see.
    pub async fn partner_request(
        &self,
        scope: &Scope,
        id: &str,
        login: Option<&str>,
    ) -> Result<RequestRecord> {
        let sql = format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1");
        let r = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let rec = request_from_row(&r)?;
        self.partner(scope, &rec.partner_id, login).await?;
        Ok(rec)
    }

    /// Closes or reopens a request. Audited.
    pub async fn set_request_open(
        &self,
        scope: &Scope,
        id: &str,
        open: bool,
        actor: &Actor,
    ) -> Result<()> {
        self.partner_request(scope, id, None).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE partner_requests SET status = $1 WHERE id = $2")
            .bind(if open { "open" } else { "closed" })
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({ "open": open });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "partner_request",
            Some(id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
