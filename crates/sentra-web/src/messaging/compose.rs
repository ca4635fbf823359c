//! Writing a message for a business: the channel it can be reached on (configured, consented,
//! an address to send to), the purpose's text with its values, the stop line with its link, and
//! the time it may go (inside the sending hours where the owner lives).

use sentra_domain::messaging::{Channel, Purpose, pick_channel, render};
use sentra_domain::programme::activity::Zone;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{NewMessage, StorageError, UmkmRecord};

use crate::AppState;
use crate::catalogue::public::site_base;
use crate::lang::Lang;

/// Hex digits of a stop link's token.
pub(crate) const STOP_TOKEN_LEN: usize = 32;

/// A business as a message's recipient: whom to greet and where to reach her.
pub(crate) struct Recipient {
    pub umkm_id: String,
    pub business: String,
    pub owner: String,
    pub village: RegionCode,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consented: Vec<Channel>,
}

/// The business `umkm_id` of the caller's scope as a recipient.
pub(crate) async fn recipient(
    state: &AppState,
    scope: &Scope,
    umkm_id: &str,
) -> Result<Recipient, StorageError> {
    let r = state.db().get_umkm(scope, umkm_id).await?;
    recipient_of(state, r).await
}

/// A record already read (in the caller's scope) as a recipient.
pub(crate) async fn recipient_of(
    state: &AppState,
    r: UmkmRecord,
) -> Result<Recipient, StorageError> {
    let consents = state.db().consents_of_record(&r).await?;
    let village = RegionCode::parse(&r.village_code)
        .map_err(|_| StorageError::Corrupt(format!("umkm village {:?}", r.village_code)))?;
    Ok(Recipient {
        umkm_id: r.id,
        business: r.name,
        owner: r.owner_name,
        village,
        phone: r.owner_phone.filter(|p| !p.is_empty()),
        email: consents
            .iter()
            .find(|c| c.channel == Channel::Email && c.active())
            .and_then(|c| c.address.clone()),
        consented: consents
            .iter()
            .filter(|c| c.active())
            .map(|c| c.channel)
            .collect(),
    })
}

/// What a message is: its purpose, its key (the same key is never queued twice), its values
/// beside `owner` and `business`, and the earliest it may go (Unix seconds).
pub(crate) struct Draft<'a> {
    pub purpose: Purpose,
    pub key: String,
    pub values: Vec<(&'a str, String)>,
    pub not_before: i64,
    pub subject: String,
}

/// The message for `r`, or `None` when no channel reaches her (no consent, or no address).
/// Texts go in Indonesian: they are read by the owner, whatever the sender's page language.
pub(crate) async fn compose(
    state: &AppState,
    r: &Recipient,
    draft: Draft<'_>,
) -> Result<Option<NewMessage>, StorageError> {
    let configured = state.messaging().channels();
    let Some(channel) = pick_channel(
        &configured,
        &r.consented,
        r.phone.is_some(),
        r.email.is_some(),
    ) else {
        return Ok(None);
    };
    let lang = Lang::Id;
    let text = state
        .db()
        .message_template(draft.purpose, lang.code())
        .await?;
    let mut values: Vec<(&str, &str)> = vec![("owner", &r.owner), ("business", &r.business)];
    values.extend(draft.values.iter().map(|(k, v)| (*k, v.as_str())));
    // 128 bits: as hard to guess as a session, short enough for an SMS.
    let token: String = sentra_storage::new_secret()
        .chars()
        .take(STOP_TOKEN_LEN)
        .collect();
    let stop = format!(
        "{}/berhenti/{token}",
        site_base(state, &axum::http::HeaderMap::new())
    );
    let body = format!(
        "{}\n\n{}",
        render(&text, &values),
        lang.tf("message.stop_line", &[("link", &stop)])
    );
    let address = match channel {
        Channel::Email => r.email.clone(),
        _ => r.phone.clone(),
    }
    .unwrap_or_default();
    let due_at = match channel {
        // Her own phone, her own hours.
        Channel::Phone => draft.not_before,
        _ => state
            .messaging()
            .hours
            .next(draft.not_before, Zone::of_region(r.village.as_str())),
    };
    Ok(Some(NewMessage {
        dedup_key: draft.key,
        umkm_id: r.umkm_id.clone(),
        village_code: r.village.clone(),
        channel,
        address,
        purpose: draft.purpose,
        lang: lang.code().to_string(),
        subject: (channel == Channel::Email).then_some(draft.subject),
        body,
        due_at,
        stop_token: token,
    }))
}
