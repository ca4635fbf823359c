//! Messages as records. Queued once (a unique key per message), claimed by one sender at a time
//! under a lease, marked sent, failed (with the reason, and a next try while tries remain) or
//! cancelled. A sender that died mid-send leaves its message `sending` with a lapsed lease: an
//! e-mail is sent again under the same Message-ID (mail systems keep one), a WhatsApp or SMS is
//! marked failed as interrupted for staff to look at, never sent twice (decision 0044).

use sentra_domain::messaging::{Channel, MessageState, Purpose, hide_secret_links};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::audit::{Actor, append, begin_write};
use crate::{Database, Result, StorageError, now_text};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The same key is the same message: an invitation is `invitation:{activity}:{umkm}`.
    pub dedup_key: String,
    /// The business it is for; `None` for a person who is not one (an FGD participant).
    pub umkm_id: Option<String>,
    /// Whom it is addressed to: the business's name, or the person's.
    pub recipient_name: String,
    /// Whose staff see it: the business's kelurahan, or the region of what it is about.
    pub village_code: RegionCode,
    pub channel: Channel,
    /// E-mail address or phone number (+62…).
    pub address: String,
    pub purpose: Purpose,
    pub lang: String,
    pub subject: Option<String>,
    pub body: String,
    /// Not before (Unix seconds): inside the sending hours, or the day before an activity.
    pub due_at: i64,
    /// The token of the stop link the body carries.
    pub stop_token: String,
}

/// A message as stored, with its recipient's name (the business's as it is now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: String,
    pub dedup_key: String,
    /// `None`: a person who is not a business (an FGD participant).
    pub umkm_id: Option<String>,
    pub recipient_name: String,
    pub village_code: String,
    pub channel: Channel,
    pub address: String,
    pub purpose: Purpose,
    pub lang: String,
    pub subject: Option<String>,
    pub body: String,
    pub state: MessageState,
    pub attempts: i64,
    pub due_at: i64,
    pub error: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub sent_at: Option<String>,
    /// The token of the stop link in its text.
    pub stop_token: String,
}

/// Messages per state in a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub per_state: Vec<(MessageState, i64)>,
}

impl OutboxCounts {
    pub fn of(&self, state: MessageState) -> i64 {
        self.per_state
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    }
}

/// Read `FROM messages m` [`JOINED`].
const COLUMNS: &str = "m.id, m.dedup_key, m.umkm_id, \
    COALESCE(u.name, m.recipient_name) AS recipient_name, m.village_code, \
    m.channel, m.address, m.purpose, m.lang, m.subject, m.body, m.state, m.attempts, m.due_at, \
    m.error, m.created_at, m.created_by, m.sent_at, m.stop_token";

/// A message's business, when it is for one.
const JOINED: &str = "messages m LEFT JOIN umkm u ON u.id = m.umkm_id";

fn corrupt(what: &str, value: &str) -> StorageError {
    StorageError::Corrupt(format!("message {what} {value:?}"))
}

fn message_from(r: &AnyRow) -> Result<StoredMessage> {
    let channel: String = r.try_get("channel")?;
    let purpose: String = r.try_get("purpose")?;
    let state: String = r.try_get("state")?;
    Ok(StoredMessage {
        id: r.try_get("id")?,
        dedup_key: r.try_get("dedup_key")?,
        umkm_id: r.try_get("umkm_id")?,
        recipient_name: r.try_get("recipient_name")?,
        village_code: r.try_get("village_code")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        address: r.try_get("address")?,
        purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("purpose", &purpose))?,
        lang: r.try_get("lang")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        state: MessageState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        attempts: r.try_get("attempts")?,
        due_at: r.try_get("due_at")?,
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        sent_at: r.try_get("sent_at")?,
        stop_token: r.try_get("stop_token")?,
    })
}

/// The messages of the caller's scope: their kelurahan in its region, and for an owner her own
/// businesses' (never a message to someone who is not a business). Binds `$1` (the region) and `$2` (its children's prefix), `$3` the owner.
fn scope_sql(scope: &Scope) -> String {
    let mut cond = "(m.village_code = $1 OR m.village_code LIKE $2)".to_string();
    if scope.owner().is_some() {
        cond.push_str(" AND u.owner_user_id = $3");
    }
    cond
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds what [`scope_sql`] names.
fn bind_scope<'q>(q: AnyQuery<'q>, scope: &Scope) -> AnyQuery<'q> {
    let region = scope.region_code().as_str();
    let q = q.bind(region.to_string()).bind(format!("{region}.%"));
    match scope.owner() {
        Some(owner) => q.bind(owner.to_string()),
        None => q,
    }
}

/// A message that carried a personal link (an FGD participant's) keeps it hidden once sent:
/// the participant has it, and nobody reading the outbox later should.
async fn hide_links_once_sent(conn: &mut sqlx::AnyConnection, m: &StoredMessage) -> Result<()> {
    if m.purpose != Purpose::FgdInvitation {
        return Ok(());
    }
    sqlx::query("UPDATE messages SET body = $1 WHERE id = $2")
        .bind(hide_secret_links(&m.body))
        .bind(&m.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn in_list(channels: &[Channel]) -> String {
    let quoted: Vec<String> = channels
        .iter()
        .map(|c| format!("'{}'", c.as_str()))
        .collect();
    format!("({})", quoted.join(", "))
}

impl Database {
    /// Queues messages by `actor`; a message whose key is already queued (now or before) is not
    /// queued again. Returns (queued, already there). One audit entry says what was queued.
    pub async fn queue_messages(
        &self,
        messages: &[NewMessage],
        actor: &Actor,
    ) -> Result<(u64, u64)> {
        if messages.is_empty() {
            return Ok((0, 0));
        }
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        let mut queued = 0;
        for m in messages {
            queued += sqlx::query(
                "INSERT INTO messages (id, dedup_key, umkm_id, village_code, channel, address, \
                 purpose, lang, subject, body, state, attempts, due_at, stop_token, created_at, \
                 created_by, updated_at, recipient_name) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 $8, $9, $10, 'queued', 0, $11, $12, $13, $14, $13, $15) \
                 ON CONFLICT (dedup_key) DO NOTHING",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&m.dedup_key)
            .bind(&m.umkm_id)
            .bind(m.village_code.as_str())
            .bind(m.channel.as_str())
            .bind(&m.address)
            .bind(m.purpose.as_str())
            .bind(&m.lang)
            .bind(&m.subject)
            .bind(&m.body)
            .bind(m.due_at)
            .bind(&m.stop_token)
            .bind(&now)
            .bind(&actor.name)
            .bind(&m.recipient_name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        let already = messages.len() as u64 - queued;
        let mut purposes: Vec<&str> = messages.iter().map(|m| m.purpose.as_str()).collect();
        purposes.dedup();
        append(
            &mut tx,
            &self.audit_chain,
            actor,
            "queue_messages",
            "messages",
            None,
            &serde_json::json!({ "purpose": purposes, "queued": queued, "already": already }),
        )
        .await?;
        tx.commit().await?;
        Ok((queued, already))
    }

    /// Messages whose sender died mid-send (lease lapsed at `now`): e-mail goes back to the
    /// queue, WhatsApp and SMS fail as interrupted. Returns how many of each.
    pub async fn recover_interrupted_messages(&self, now: i64) -> Result<(u64, u64)> {
        let stamp = now_text();
        let requeued = sqlx::query(
            "UPDATE messages SET state = 'queued', lease_until = NULL, updated_at = $1 \
             WHERE state = 'sending' AND lease_until < $2 AND channel = 'email'",
        )
        .bind(&stamp)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let failed = sqlx::query(
            "UPDATE messages SET state = 'failed', error = 'interrupted', lease_until = NULL, \
             updated_at = $1 WHERE state = 'sending' AND lease_until < $2 \
             AND channel IN ('whatsapp', 'sms')",
        )
        .bind(&stamp)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // Only when something ended here: the look runs once a lease period on every server.
        if failed > 0 {
            self.hide_links_of_ended_messages().await?;
        }
        Ok((requeued, failed))
    }

    /// Personal links in messages that will not be sent again (failed, interrupted,
    /// cancelled, or sent by a path that did not hide it) are hidden in the stored text: the
    /// provider may have delivered an interrupted one, and nobody reading the outbox later
    /// should hold the link. Called where a message ends other than by being sent (rare
    /// events: a scan of the FGD messages, not on every pass of the sender); returns how many.
    pub async fn hide_links_of_ended_messages(&self) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT id, body FROM messages WHERE purpose = 'fgd_invitation' \
             AND state IN ('sent', 'delivered', 'failed', 'cancelled')",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut hidden = 0;
        for r in &rows {
            let body: String = r.try_get("body")?;
            let kept = hide_secret_links(&body);
            if kept != body {
                let id: String = r.try_get("id")?;
                hidden += sqlx::query("UPDATE messages SET body = $1 WHERE id = $2")
                    .bind(kept)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
            }
        }
        Ok(hidden)
    }

    /// Claims the next due message on one of `channels` for `lease` seconds (it becomes
    /// `sending`, its attempts counted). Two senders never hold the same message: the update
    /// only succeeds on a message still queued.
    pub async fn claim_message(
        &self,
        channels: &[Channel],
        now: i64,
        lease: i64,
    ) -> Result<Option<StoredMessage>> {
        let sendable: Vec<Channel> = channels
            .iter()
            .copied()
            .filter(|c| *c != Channel::Phone)
            .collect();
        if sendable.is_empty() {
            return Ok(None);
        }
        let candidates: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT id FROM messages WHERE state = 'queued' AND due_at <= $1 \
             AND channel IN {} ORDER BY due_at LIMIT 5",
            in_list(&sendable)
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for (id,) in candidates {
            let claimed = sqlx::query(
                "UPDATE messages SET state = 'sending', lease_until = $1, \
                 attempts = attempts + 1, updated_at = $2 WHERE id = $3 AND state = 'queued'",
            )
            .bind(now + lease)
            .bind(now_text())
            .bind(&id)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if claimed == 1 {
                return self.message_by_id(&id).await.map(Some);
            }
        }
        Ok(None)
    }

    async fn message_by_id(&self, id: &str) -> Result<StoredMessage> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {JOINED} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        message_from(&row)
    }

    /// The channel took message `m` (`provider_ref`: its id there, for delivery reports). A
    /// personal link it carried is kept no longer.
    pub async fn message_sent(&self, m: &StoredMessage, provider_ref: Option<&str>) -> Result<()> {
        let now = now_text();
        let mut conn = self.pool.acquire().await?;
        let n = sqlx::query(
            "UPDATE messages SET state = 'sent', provider_ref = $1, sent_at = $2, error = NULL, \
             lease_until = NULL, updated_at = $2 WHERE id = $3 AND state = 'sending'",
        )
        .bind(provider_ref)
        .bind(&now)
        .bind(&m.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            hide_links_once_sent(&mut conn, m).await?;
        }
        Ok(())
    }

    /// The channel refused or could not be reached: queued again at `retry_at`, or failed for
    /// good without one; the reason is kept either way.
    pub async fn message_failed(&self, id: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
        let (state, due) = match retry_at {
            Some(at) => ("queued", Some(at)),
            None => ("failed", None),
        };
        sqlx::query(
            "UPDATE messages SET state = $1, due_at = COALESCE($2, due_at), error = $3, \
             lease_until = NULL, updated_at = $4 WHERE id = $5 AND state = 'sending'",
        )
        .bind(state)
        .bind(due)
        .bind(error)
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if retry_at.is_none() {
            self.hide_links_of_ended_messages().await?;
        }
        Ok(())
    }

    /// A delivery report from the channel (WhatsApp's status webhook) for the message it took
    /// as `provider_ref`: delivered or read marks it delivered; failed keeps the reason.
    pub async fn message_status_report(
        &self,
        provider_ref: &str,
        delivered: bool,
        error: Option<&str>,
    ) -> Result<bool> {
        let (state, from) = if delivered {
            ("delivered", "('sent')")
        } else {
            ("failed", "('sent', 'delivered')")
        };
        let n = sqlx::query(&format!(
            "UPDATE messages SET state = $1, error = COALESCE($2, error), updated_at = $3 \
             WHERE provider_ref = $4 AND state IN {from}"
        ))
        .bind(state)
        .bind(error)
        .bind(now_text())
        .bind(provider_ref)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// A business's messages, newest first.
    pub async fn messages_of(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<StoredMessage>> {
        self.umkm_village(scope, umkm_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {JOINED} \
             WHERE m.umkm_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 100"
        ))
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from).collect()
    }

    /// The outbox of the caller's scope: the counts per state, and the newest messages in
    /// `state` (any when `None`) on `channel` (any when `None`), at most `limit`.
    pub async fn outbox(
        &self,
        scope: &Scope,
        state: Option<MessageState>,
        channel: Option<Channel>,
        limit: i64,
    ) -> Result<(Vec<StoredMessage>, OutboxCounts)> {
        let cond = scope_sql(scope);
        let counted = format!(
            "SELECT m.state, COUNT(*) AS n FROM {JOINED} \
             WHERE {cond} GROUP BY m.state"
        );
        let mut counts = OutboxCounts::default();
        for r in bind_scope(sqlx::query(&counted), scope)
            .fetch_all(&self.pool)
            .await?
        {
            let s: String = r.try_get("state")?;
            let n: i64 = r.try_get("n")?;
            counts.per_state.push((
                MessageState::parse(&s).ok_or_else(|| corrupt("state", &s))?,
                n,
            ));
        }
        let mut filter = cond.clone();
        if let Some(s) = state {
            filter.push_str(&format!(" AND m.state = '{}'", s.as_str()));
        }
        if let Some(c) = channel {
            filter.push_str(&format!(" AND m.channel = '{}'", c.as_str()));
        }
        let listed = format!(
            "SELECT {COLUMNS} FROM {JOINED} WHERE {filter} \
             ORDER BY m.created_at DESC, m.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows = bind_scope(sqlx::query(&listed), scope)
            .fetch_all(&self.pool)
            .await?;
        Ok((
            rows.iter().map(message_from).collect::<Result<_>>()?,
            counts,
        ))
    }

    /// What waits for the operator's own phone in her scope and is due by `now`, oldest first.
    pub async fn phone_queue(
        &self,
        scope: &Scope,
        now: i64,
        limit: i64,
    ) -> Result<Vec<StoredMessage>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {JOINED} WHERE {} \
             AND m.state = 'queued' AND m.channel = 'phone' AND m.due_at <= {now} \
             ORDER BY m.due_at, m.id LIMIT {}",
            scope_sql(scope),
            limit.clamp(1, 1000)
        );
        let rows = bind_scope(sqlx::query(&sql), scope)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from).collect()
    }

    /// How many messages [`Self::phone_queue`] would list (for a start page's count).
    pub async fn phone_waiting(&self, scope: &Scope, now: i64) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {JOINED} WHERE {} \
             AND m.state = 'queued' AND m.channel = 'phone' AND m.due_at <= {now}",
            scope_sql(scope)
        );
        Ok(bind_scope(sqlx::query(&sql), scope)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// One message of the caller's scope.
    pub async fn message_in_scope(&self, scope: &Scope, id: &str) -> Result<StoredMessage> {
        let m = self.message_by_id(id).await?;
        match &m.umkm_id {
            // The business's own scope rule (kelurahan in the region; an owner's own).
            Some(umkm) => {
                self.umkm_village(scope, umkm).await?;
            }
            // A person who is not a business: staff of the region it is about, never an owner.
            None => {
                let inside = RegionCode::parse(&m.village_code).is_ok_and(|c| scope.contains(&c));
                if !inside || scope.owner().is_some() {
                    return Err(StorageError::NotFound);
                }
            }
        }
        Ok(m)
    }

    /// What an audit entry about message `m` names: its business, or the message itself.
    fn audit_target(m: &StoredMessage) -> (&'static str, &str) {
        match &m.umkm_id {
            Some(umkm) => ("umkm", umkm.as_str()),
            None => ("message", m.id.as_str()),
        }
    }

    /// The operator tapped a message on her list: it is sent from her phone now. Marked sent
    /// (only from queued, so a second tap changes nothing) and the number's reveal audited.
    pub async fn mark_phone_sent(
        &self,
        scope: &Scope,
        id: &str,
        actor: &Actor,
    ) -> Result<StoredMessage> {
        let m = self.message_in_scope(scope, id).await?;
        if m.channel != Channel::Phone {
            return Err(StorageError::NotFound);
        }
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        let n = sqlx::query(
            "UPDATE messages SET state = 'sent', sent_at = $1, updated_at = $1, attempts = 1 \
             WHERE id = $2 AND state = 'queued'",
        )
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let (kind, target) = Self::audit_target(&m);
            append(
                &mut tx,
                &self.audit_chain,
                actor,
                "reveal_personal_data",
                kind,
                Some(target),
                &serde_json::json!({ "fields": ["owner_phone"], "message": id }),
            )
            .await?;
            hide_links_once_sent(&mut tx, &m).await?;
        }
        tx.commit().await?;
        Ok(m)
    }

    /// Staff withdraw a waiting message.
    pub async fn cancel_message(&self, scope: &Scope, id: &str, actor: &Actor) -> Result<bool> {
        let m = self.message_in_scope(scope, id).await?;
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        let n = sqlx::query(
            "UPDATE messages SET state = 'cancelled', error = 'cancelled_by_staff', \
             updated_at = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let (kind, target) = Self::audit_target(&m);
            append(
                &mut tx,
                &self.audit_chain,
                actor,
                "cancel_message",
                kind,
                Some(target),
                &serde_json::json!({ "message": id }),
            )
            .await?;
        }
        tx.commit().await?;
        if n == 1 {
            self.hide_links_of_ended_messages().await?;
        }
        Ok(n == 1)
    }
}
