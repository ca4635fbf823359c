//! Each business's consent to be contacted, per channel: given (when, how, by whom) and
//! withdrawn (when, how). Withdrawing cancels what is still waiting on that channel in the same
//! transaction, so a stop is honoured at once, on every server.

use sentra_domain::messaging::Channel;
use sentra_domain::scope::Scope;
use sqlx::{AnyConnection, Row};

use crate::accounts::audit::{Actor, append, begin_write};
use crate::{Database, Result, StorageError, now_text};

/// A business's consent on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub channel: Channel,
    /// The e-mail address consented with (phones come from the record).
    pub address: Option<String>,
    pub given_at: Option<String>,
    pub given_how: Option<String>,
    pub given_by: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdrawn_how: Option<String>,
}

impl Consent {
    /// Given and not withdrawn since.
    pub fn active(&self) -> bool {
        self.given_at.is_some() && self.withdrawn_at.is_none()
    }
}

/// The message channels a consent covers (the operator's phone sends on WhatsApp's).
fn covered(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp | Channel::Phone => "('whatsapp', 'phone')",
        Channel::Sms => "('sms')",
        Channel::Email => "('email')",
    }
}

/// Withdraws a consent and cancels the waiting messages it covered; returns how many.
pub(super) async fn withdraw(
    conn: &mut AnyConnection,
    umkm_id: &str,
    channel: Channel,
    how: &str,
) -> Result<u64> {
    let now = now_text();
    sqlx::query(
        "UPDATE contact_consents SET withdrawn_at = $1, withdrawn_how = $2 \
         WHERE umkm_id = $3 AND channel = $4 AND withdrawn_at IS NULL",
    )
    .bind(&now)
    .bind(how)
    .bind(umkm_id)
    .bind(channel.consent().as_str())
    .execute(&mut *conn)
    .await?;
    let cancelled = sqlx::query(&format!(
        "UPDATE messages SET state = 'cancelled', error = 'stopped', lease_until = NULL, \
         updated_at = $1 WHERE umkm_id = $2 AND channel IN {} AND state = 'queued'",
        covered(channel.consent())
    ))
    .bind(&now)
    .bind(umkm_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(cancelled)
}

/// A person who is not a business (an FGD participant) has no consent record: her stop cancels
/// what still waits for her address on the channel. Returns how many.
async fn stop_person(conn: &mut AnyConnection, address: &str, channel: Channel) -> Result<u64> {
    Ok(sqlx::query(&format!(
        "UPDATE messages SET state = 'cancelled', error = 'stopped', lease_until = NULL, \
         updated_at = $1 WHERE umkm_id IS NULL AND address = $2 AND channel IN {} \
         AND state = 'queued'",
        covered(channel.consent())
    ))
    .bind(now_text())
    .bind(address)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

impl Database {
    /// A broadcast's audience: how many businesses the registry list as filtered holds, and
    /// the first `limit` of them (by id) that consented to be contacted on some channel.
    pub async fn broadcast_audience(
        &self,
        scope: &Scope,
        filter: &crate::UmkmFilter,
        limit: i64,
    ) -> Result<(i64, Vec<String>)> {
        let Some((cond, args)) = crate::sql::filter_where(scope, filter, self.prunes_by_province())
        else {
            return Ok((0, Vec::new()));
        };
        let total: i64 = args
            .clone()
            .bind(sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM umkm u WHERE {cond}"
            )))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let consented = "EXISTS (SELECT 1 FROM contact_consents c WHERE c.umkm_id = u.id \
             AND c.given_at IS NOT NULL AND c.withdrawn_at IS NULL)";
        let ids = args
            .bind(sqlx::query(&format!(
                "SELECT u.id FROM umkm u WHERE {cond} AND {consented} ORDER BY u.id LIMIT {}",
                limit.max(0)
            )))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        Ok((total, ids))
    }

    /// Broadcast messages queued since `since` (stored time) to businesses of `region`: what
    /// a day's limit counts.
    pub async fn broadcasts_since(
        &self,
        region: &sentra_domain::region::RegionCode,
        since: &str,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM messages WHERE purpose = 'broadcast' AND created_at >= $1 \
             AND (village_code = $2 OR village_code LIKE $3)",
        )
        .bind(since)
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The consents recorded for a business in the caller's scope.
    pub async fn consents_of(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<Consent>> {
        self.umkm_village(scope, umkm_id).await?;
        self.consents_unscoped(umkm_id).await
    }

    /// The consents of a business already read in the caller's scope (its record is the
    /// proof): one query, where [`Self::consents_of`] checks the scope again.
    pub async fn consents_of_record(&self, record: &crate::UmkmRecord) -> Result<Vec<Consent>> {
        self.consents_unscoped(&record.id).await
    }

    pub(crate) async fn consents_unscoped(&self, umkm_id: &str) -> Result<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT channel, address, given_at, given_how, given_by, withdrawn_at, \
             withdrawn_how FROM contact_consents WHERE umkm_id = $1 ORDER BY channel",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                Ok(Consent {
                    channel: Channel::parse(&channel).ok_or_else(|| {
                        StorageError::Corrupt(format!("consent channel {channel:?}"))
                    })?,
                    address: r.try_get("address")?,
                    given_at: r.try_get("given_at")?,
                    given_how: r.try_get("given_how")?,
                    given_by: r.try_get("given_by")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_how: r.try_get("withdrawn_how")?,
                })
            })
            .collect()
    }

    /// Records a consent given (again), with how it was given; audited on the business.
    pub async fn give_consent(
        &self,
        scope: &Scope,
        umkm_id: &str,
        channel: Channel,
        address: Option<&str>,
        how: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.umkm_village(scope, umkm_id).await?;
        let channel = channel.consent();
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO contact_consents (umkm_id, channel, address, given_at, given_how, \
             given_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (umkm_id, channel) DO UPDATE \
             SET address = excluded.address, given_at = excluded.given_at, \
             given_how = excluded.given_how, given_by = excluded.given_by, \
             withdrawn_at = NULL, withdrawn_how = NULL",
        )
        .bind(umkm_id)
        .bind(channel.as_str())
        .bind(address)
        .bind(now_text())
        .bind(how)
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &self.audit_chain,
            actor,
            "consent_given",
            "umkm",
            Some(umkm_id),
            &serde_json::json!({ "channel": channel.as_str(), "consent_how": how }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a consent withdrawn by staff (at the owner's word); returns the waiting messages
    /// cancelled.
    pub async fn withdraw_consent(
        &self,
        scope: &Scope,
        umkm_id: &str,
        channel: Channel,
        how: &str,
        actor: &Actor,
    ) -> Result<u64> {
        self.umkm_village(scope, umkm_id).await?;
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        let cancelled = withdraw(&mut tx, umkm_id, channel, how).await?;
        append(
            &mut tx,
            &self.audit_chain,
            actor,
            "consent_withdrawn",
            "umkm",
            Some(umkm_id),
            &serde_json::json!({ "channel": channel.consent().as_str(), "consent_how": how }),
        )
        .await?;
        tx.commit().await?;
        Ok(cancelled)
    }

    /// A reply `STOP` from `phone` (+62…) on `channel` (WhatsApp or SMS): that channel's consent
    /// of every business messages went to at that number is withdrawn and what waits
    /// cancelled. Returns how many businesses.
    pub async fn stop_by_address(&self, phone: &str, channel: Channel, how: &str) -> Result<u64> {
        // The operator's phone sends on the WhatsApp consent: a STOP on WhatsApp covers it.
        let channels = match channel {
            Channel::Sms => "('sms')",
            _ => "('whatsapp', 'phone')",
        };
        let consent = channel.consent();
        let ids: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT DISTINCT umkm_id FROM messages WHERE address = $1 AND channel IN {channels} \
             AND umkm_id IS NOT NULL"
        ))
        .bind(phone)
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        stop_person(&mut tx, phone, consent).await?;
        for (umkm,) in &ids {
            withdraw(&mut tx, umkm, consent, how).await?;
            append(
                &mut tx,
                &self.audit_chain,
                &Actor::new("owner", Some(how.to_string())),
                "consent_withdrawn",
                "umkm",
                Some(umkm),
                &serde_json::json!({ "channel": consent.as_str(), "consent_how": how }),
            )
            .await?;
        }
        tx.commit().await?;
        self.hide_links_of_ended_messages().await?;
        Ok(ids.len() as u64)
    }

    /// The owner's stop, from the link in a message (or a reply naming it): the consent of that
    /// message's channel is withdrawn and what waits on it cancelled. Returns the business's
    /// name and the channel; `None` for a token no message carries. Stopping twice is harmless.
    pub async fn stop_by_token(&self, token: &str, how: &str) -> Result<Option<(String, Channel)>> {
        let Some(row) = sqlx::query(
            "SELECT m.id, m.umkm_id, m.channel, m.address, COALESCE(u.name, m.recipient_name) \
             AS name FROM messages m LEFT JOIN umkm u ON u.id = m.umkm_id WHERE m.stop_token = $1",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let umkm: Option<String> = row.try_get("umkm_id")?;
        let name: String = row.try_get("name")?;
        let address: String = row.try_get("address")?;
        let channel: String = row.try_get("channel")?;
        let channel = Channel::parse(&channel)
            .ok_or_else(|| StorageError::Corrupt(format!("message channel {channel:?}")))?;
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        let (kind, target) = match &umkm {
            Some(umkm) => {
                withdraw(&mut tx, umkm, channel, how).await?;
                ("umkm", umkm.as_str())
            }
            None => {
                stop_person(&mut tx, &address, channel).await?;
                ("message", id.as_str())
            }
        };
        append(
            &mut tx,
            &self.audit_chain,
            &Actor::new("owner", Some(how.to_string())),
            "consent_withdrawn",
            kind,
            Some(target),
            &serde_json::json!({ "channel": channel.consent().as_str(), "consent_how": how }),
        )
        .await?;
        tx.commit().await?;
        if umkm.is_none() {
            self.hide_links_of_ended_messages().await?;
        }
        Ok(Some((name, channel.consent())))
    }
}
