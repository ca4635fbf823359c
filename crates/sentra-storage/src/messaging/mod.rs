//! The outbox (issue 32): messages to owners as records, claimed by one server's sender under a
//! lease and marked as they go; each business's contact consent per channel; the texts admins
//! edit. What is sent is decided in the web crate; what may be sent, and when, in the domain.

mod consent;
mod outbox;

pub use consent::Consent;
pub use outbox::{NewMessage, OutboxCounts, StoredMessage};

use sentra_domain::messaging::Purpose;
use sqlx::Row;

use crate::accounts::audit::{Actor, append, begin_write};
use crate::{Database, Result, now_text};

impl Database {
    /// The text of a purpose in a language: the one an admin saved, else the default.
    pub async fn message_template(&self, purpose: Purpose, lang: &str) -> Result<String> {
        let row =
            sqlx::query("SELECT body FROM message_templates WHERE purpose = $1 AND lang = $2")
                .bind(purpose.as_str())
                .bind(lang)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => r.try_get("body")?,
            None => purpose.default_text(lang).to_string(),
        })
    }

    /// Saves an edited text (checked by the caller against the purpose's variables), audited.
    pub async fn save_message_template(
        &self,
        purpose: Purpose,
        lang: &str,
        body: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO message_templates (purpose, lang, body, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (purpose, lang) DO UPDATE SET \
             body = excluded.body, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(purpose.as_str())
        .bind(lang)
        .bind(body)
        .bind(now_text())
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "message_template",
            Some(&format!("{}:{lang}", purpose.as_str())),
            &serde_json::json!({ "body": body }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
