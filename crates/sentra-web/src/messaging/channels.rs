//! The channels a deployment configures, and sending one message on each: e-mail over SMTP
//! (lettre), WhatsApp through the Business Cloud API's message endpoint, SMS through an HTTP
//! gateway whose address and parameters come from configuration (Indonesian gateways differ).
//! With none configured, messages wait on the operator's list for her own phone.

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sentra_domain::messaging::Channel;
use sentra_storage::StoredMessage;

/// How long one send may take before it counts as failed (and is tried again), at most.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// WhatsApp Business Cloud API: `POST {base}/{phone_number_id}/messages` with a bearer token.
#[derive(Clone, Debug)]
pub struct WhatsappConfig {
    /// `https://graph.facebook.com/v21.0` in production.
    pub base_url: String,
    pub phone_number_id: String,
    pub token: String,
    /// The app secret the webhook's notifications are signed with (statuses, STOP replies).
    pub app_secret: Option<String>,
    /// The token Meta shows when it checks the webhook's subscription.
    pub verify_token: Option<String>,
}

/// An SMS gateway: `url` with `{to}` and `{text}` in it (filled URL-encoded), called with
/// POST, and a bearer token when given.
#[derive(Clone, Debug)]
pub struct SmsConfig {
    pub url: String,
    pub token: Option<String>,
    /// The secret in the address the gateway posts replies to (`/webhook/sms/{secret}`).
    pub inbound_secret: Option<String>,
}

/// The channels of a deployment (`serve --smtp-url …`); none by default.
#[derive(Clone, Debug)]
pub struct MessagingConfig {
    /// `smtp://host:587?tls=required`, `smtps://user:pass@host`, `smtp://127.0.0.1:2525`.
    pub smtp_url: Option<String>,
    /// The sender, e.g. `Dinas KUKM <noreply@umkm.example.go.id>`.
    pub mail_from: Option<String>,
    pub whatsapp: Option<WhatsappConfig>,
    pub sms: Option<SmsConfig>,
    /// When messages may go, where the owner lives.
    pub hours: sentra_domain::messaging::SendingHours,
    /// Broadcast messages an area may send in a day (its staff together).
    pub broadcast_daily_limit: i64,
    /// Messages a second each server sends per channel.
    pub rates: sentra_domain::messaging::ChannelRates,
    /// Seconds a server holds a message it sends: past it, another server takes the send as
    /// interrupted (e-mail again, WhatsApp and SMS failed for staff to check). Longer than a
    /// send may take.
    pub lease_seconds: i64,
    /// The connections kept between messages.
    pub clients: Clients,
}

impl Default for MessagingConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: None,
            whatsapp: None,
            sms: None,
            hours: Default::default(),
            broadcast_daily_limit: DEFAULT_BROADCAST_LIMIT,
            rates: Default::default(),
            lease_seconds: DEFAULT_LEASE_SECONDS,
            clients: Clients::default(),
        }
    }
}

/// A sender's hold on a message unless the deployment sets its own: twice the send timeout.
pub const DEFAULT_LEASE_SECONDS: i64 = 60;
/// The shortest hold allowed: a send's own timeout must end well inside it.
pub const MIN_LEASE_SECONDS: i64 = 5;

/// Broadcast messages per area and day unless the deployment sets its own.
pub const DEFAULT_BROADCAST_LIMIT: i64 = 1000;

impl MessagingConfig {
    /// The channels that send by themselves.
    pub fn channels(&self) -> Vec<Channel> {
        let mut out = Vec::new();
        if self.whatsapp.is_some() {
            out.push(Channel::Whatsapp);
        }
        if self.sms.is_some() {
            out.push(Channel::Sms);
        }
        if self.smtp_url.is_some() && self.mail_from.is_some() {
            out.push(Channel::Email);
        }
        out
    }

    /// A problem with the configuration, named for the start-up error.
    pub fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("--smtp-url {url}: {e}"))?;
            let from = self
                .mail_from
                .as_deref()
                .ok_or("--smtp-url needs --mail-from (the sender's address)")?;
            from.parse::<Mailbox>()
                .map_err(|e| format!("--mail-from {from}: {e}"))?;
        }
        if let Some(s) = &self.sms
            && !(s.url.contains("{to}") && s.url.contains("{text}"))
        {
            return Err(format!(
                "--sms-url {} must hold {{to}} and {{text}}, e.g. https://gateway/send?to={{to}}&msg={{text}}",
                s.url
            ));
        }
        Ok(())
    }
}

impl MessagingConfig {
    /// Whether one-time codes can be sent (WhatsApp or SMS).
    pub fn sends_codes(&self) -> bool {
        self.whatsapp.is_some() || self.sms.is_some()
    }
}

/// Sends a one-time code's text to `phone` now, not through the outbox (a code is wanted at
/// once, and a late one is no use): WhatsApp when configured, else SMS.
pub async fn send_code(config: &MessagingConfig, phone: &str, text: &str) -> Sent {
    let sending = async {
        if config.whatsapp.is_some() {
            whatsapp_text(config, phone, text, "code").await
        } else {
            sms_text(config, phone, text).await
        }
    };
    tokio::time::timeout(SEND_TIMEOUT, sending)
        .await
        .unwrap_or_else(|_| failed("timeout", true))
}

/// What sending one message came to.
pub enum Sent {
    /// Taken by the channel, with its id there when it gives one.
    Taken(Option<String>),
    /// Refused or unreachable: the reason, and whether trying again may help.
    Failed { reason: String, again: bool },
}

/// Sends `m` on its channel; `stop_link` goes into e-mail's List-Unsubscribe headers.
pub async fn send(config: &MessagingConfig, m: &StoredMessage, stop_link: &str) -> Sent {
    let sending = async {
        match m.channel {
            Channel::Email => send_email(config, m, stop_link).await,
            Channel::Whatsapp => send_whatsapp(config, m).await,
            Channel::Sms => send_sms(config, m).await,
            Channel::Phone => Sent::Failed {
                reason: "phone_channel_is_manual".into(),
                again: false,
            },
        }
    };
    // Half the lease at most: a send still going when another server may take it over would
    // be sent twice.
    let limit = SEND_TIMEOUT.min(Duration::from_secs((config.lease_seconds / 2).max(1) as u64));
    match tokio::time::timeout(limit, sending).await {
        Ok(sent) => sent,
        Err(_) => Sent::Failed {
            reason: "timeout".into(),
            again: true,
        },
    }
}

fn failed(reason: impl std::fmt::Display, again: bool) -> Sent {
    Sent::Failed {
        reason: reason.to_string(),
        again,
    }
}

async fn send_email(config: &MessagingConfig, m: &StoredMessage, stop_link: &str) -> Sent {
    let (Some(url), Some(from)) = (&config.smtp_url, &config.mail_from) else {
        return failed("email_not_configured", false);
    };
    let Ok(from) = from.parse::<Mailbox>() else {
        return failed("mail_from_invalid", false);
    };
    let Ok(to) = m.address.parse::<Mailbox>() else {
        return failed("address_invalid", false);
    };
    let domain = from.email.domain().to_string();
    // The message's own id: the same message sent again after an interruption carries the same
    // Message-ID, which mail systems keep once.
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .message_id(Some(format!("<{}@{domain}>", m.id)))
        .subject(m.subject.clone().unwrap_or_default())
        .header(header::ContentType::TEXT_PLAIN);
    builder = builder.raw_header(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe"),
        format!("<{stop_link}>"),
    ));
    builder = builder.raw_header(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click".to_string(),
    ));
    let email = match builder.body(m.body.clone()) {
        Ok(e) => e,
        Err(e) => return failed(format!("email_build: {e}"), false),
    };
    let transport = match config.clients.smtp(url) {
        Ok(t) => t,
        Err(e) => return failed(format!("smtp_url: {e}"), false),
    };
    match transport.send(email).await {
        Ok(_) => Sent::Taken(None),
        // 5xx is the server's final word on this message; the rest may pass later.
        Err(e) => failed(format!("smtp: {e}"), !e.is_permanent()),
    }
}

/// The connections a deployment's sender keeps between messages: one HTTP client (its pool
/// keeps the connection and TLS session to the provider open, where a client per message would
/// shake hands each time) and the SMTP transport (its pool keeps the mail server's connection
/// open and signed in). Made with the configuration, so each server (and each test's server)
/// has its own, on its own runtime.
#[derive(Clone, Default)]
pub struct Clients {
    http: reqwest::Client,
    smtp: std::sync::Arc<std::sync::OnceLock<Result<AsyncSmtpTransport<Tokio1Executor>, String>>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clients")
    }
}

impl Clients {
    fn smtp(&self, url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        self.smtp
            .get_or_init(|| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|t| t.timeout(Some(SEND_TIMEOUT)).build())
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

async fn send_whatsapp(config: &MessagingConfig, m: &StoredMessage) -> Sent {
    whatsapp_text(config, &m.address, &m.body, &m.id).await
}

/// A text on WhatsApp to `phone`, with `reference` for the status webhook.
async fn whatsapp_text(config: &MessagingConfig, phone: &str, text: &str, reference: &str) -> Sent {
    let Some(wa) = &config.whatsapp else {
        return failed("whatsapp_not_configured", false);
    };
    let to: String = phone.chars().filter(char::is_ascii_digit).collect();
    // A text message (inside the customer service window) with the message's key for the
    // status webhook; template messages are the deployment's approved copies of the same texts.
    let body = serde_json::json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": { "preview_url": true, "body": text },
        "biz_opaque_callback_data": reference,
    });
    let url = format!(
        "{}/{}/messages",
        wa.base_url.trim_end_matches('/'),
        wa.phone_number_id
    );
    let res = match config
        .clients
        .http
        .post(&url)
        .bearer_auth(&wa.token)
        .json(&body)
        .send()
        .await
    {
        Ok(r) => r,
        // Without the URL: the gateway's carries the text and the number.
        Err(e) => return failed(format!("whatsapp: {}", e.without_url()), true),
    };
    let status = res.status();
    let json: serde_json::Value = res.json().await.unwrap_or_default();
    if status.is_success() {
        let id = json
            .pointer("/messages/0/id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        return Sent::Taken(id);
    }
    let reason = json
        .pointer("/error/message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    failed(
        format!("whatsapp {}: {reason}", status.as_u16()),
        status.is_server_error() || status.as_u16() == 429,
    )
}

async fn send_sms(config: &MessagingConfig, m: &StoredMessage) -> Sent {
    sms_text(config, &m.address, &m.body).await
}

async fn sms_text(config: &MessagingConfig, phone: &str, text: &str) -> Sent {
    let Some(sms) = &config.sms else {
        return failed("sms_not_configured", false);
    };
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let url = sms
        .url
        .replace("{to}", &enc(phone))
        .replace("{text}", &enc(text));
    let mut req = config.clients.http.post(&url);
    if let Some(t) = &sms.token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Sent::Taken(None),
        Ok(r) => failed(
            format!("sms {}", r.status().as_u16()),
            r.status().is_server_error() || r.status().as_u16() == 429,
        ),
        // Without the URL: the gateway's carries the text (a personal link) and the number.
        Err(e) => failed(format!("sms: {}", e.without_url()), true),
    }
}
