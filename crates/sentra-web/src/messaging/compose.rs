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
    let to = Addressee {
        umkm_id: Some(r.umkm_id.clone()),
        name: &r.business,
        values: vec![("owner", r.owner.clone()), ("business", r.business.clone())],
        region: &r.village,
        phone: r.phone.as_deref(),
        email: r.email.as_deref(),
        consented: &r.consented,
    };
    write(state, to, draft).await
}

/// A person who is not a business (an FGD participant): her name, the region of what she is
/// asked about, and the contact she gave the organiser for it.
pub(crate) struct Person {
    pub name: String,
    pub region: RegionCode,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The message for a person: `{owner}` is her name. She gave her number or address to be
/// sent this, so both count as consented; she can still stop it.
pub(crate) async fn compose_for_person(
    state: &AppState,
    p: &Person,
    draft: Draft<'_>,
) -> Result<Option<NewMessage>, StorageError> {
    let mut consented = Vec::new();
    if p.phone.is_some() {
        consented.extend([Channel::Whatsapp, Channel::Sms]);
    }
    if p.email.is_some() {
        consented.push(Channel::Email);
    }
    let to = Addressee {
        umkm_id: None,
        name: &p.name,
        values: vec![("owner", p.name.clone())],
        region: &p.region,
        phone: p.phone.as_deref(),
        email: p.email.as_deref(),
        consented: &consented,
    };
    write(state, to, draft).await
}

/// Whom a message goes to, business or person.
struct Addressee<'a> {
    umkm_id: Option<String>,
    name: &'a str,
    values: Vec<(&'static str, String)>,
    region: &'a RegionCode,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    consented: &'a [Channel],
}

async fn write(
    state: &AppState,
    to: Addressee<'_>,
    draft: Draft<'_>,
) -> Result<Option<NewMessage>, StorageError> {
    let configured = state.messaging().channels();
    let Some(channel) = pick_channel(
        &configured,
        to.consented,
        to.phone.is_some(),
        to.email.is_some(),
    ) else {
        return Ok(None);
    };
    let lang = Lang::Id;
    let text = state
        .db()
        .message_template(draft.purpose, lang.code())
        .await?;
    let mut values: Vec<(&str, &str)> = to.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
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
        Channel::Email => to.email,
        _ => to.phone,
    }
    .unwrap_or_default()
    .to_string();
    let due_at = match channel {
        // Her own phone, her own hours.
        Channel::Phone => draft.not_before,
        _ => state
            .messaging()
            .hours
            .next(draft.not_before, Zone::of_region(to.region.as_str())),
    };
    Ok(Some(NewMessage {
        dedup_key: draft.key,
        umkm_id: to.umkm_id,
        recipient_name: to.name.to_string(),
        village_code: to.region.clone(),
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
