//! Messages to owners (the outbox): which channel reaches a business, the texts that are sent
//! and the variables they may use, when a message may go (no messages at night where the owner
//! lives), how often a failed one is tried again, and what an owner's reply to stop means.
//! Pure rules; the outbox itself is storage, the channels are the web crate's.

#[cfg(test)]
mod tests;

use crate::programme::activity::Zone;

/// How a message reaches an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail over the deployment's SMTP server, to the address the owner consented with.
    Email,
    /// WhatsApp through the deployment's WhatsApp Business Cloud API account.
    Whatsapp,
    /// SMS through the deployment's HTTP gateway.
    Sms,
    /// WhatsApp from the operator's own phone: a `wa.me` link with the text filled in, marked
    /// sent as she taps it. What offices do today, and the channel when none is configured.
    Phone,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Self::Whatsapp, Self::Sms, Self::Email, Self::Phone];
    /// The channels an owner consents to (the operator's phone sends on WhatsApp consent).
    pub const CONSENTED: [Channel; 3] = [Self::Whatsapp, Self::Sms, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
            Self::Sms => "sms",
            Self::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The consent a message on this channel needs.
    pub fn consent(self) -> Channel {
        match self {
            Self::Phone => Self::Whatsapp,
            other => other,
        }
    }
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Waiting for its time (or, on the operator's phone, for her tap).
    Queued,
    /// Claimed by one server's sender, under a lease.
    Sending,
    /// Handed to the channel.
    Sent,
    /// The channel reported it delivered (WhatsApp's status webhook).
    Delivered,
    /// Given up, with the reason kept.
    Failed,
    /// Withdrawn before it went: by staff, or because the owner asked to stop.
    Cancelled,
}

impl MessageState {
    pub const ALL: [MessageState; 6] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MessageState> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Still to be sent: the only states a stop or a cancel changes.
    pub fn pending(self) -> bool {
        matches!(self, Self::Queued | Self::Sending)
    }
}

/// What a message is for; each has a text per language and the variables it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Invitation to an activity, with the link to confirm.
    Invitation,
    /// The day before an activity the owner was invited to.
    Reminder,
    /// A legality document expires (90, 30 and 7 days before, and on the day).
    Expiry,
    /// The business was verified.
    Verified,
    /// A message written by staff to a list of businesses.
    Broadcast,
    /// An owner's proposed change to her record was approved or rejected.
    ChangeDecided,
    /// A partner's request moved on for the owner's product (accepted, ordered, declined…).
    PartnerOutcome,
    /// The gallery's statement of a month for a consignor.
    GalleryStatement,
    /// An FGD participant's personal link to answer a flagship round (a person, not a
    /// business: `{owner}` is the participant).
    FgdInvitation,
}

impl Purpose {
    pub const ALL: [Purpose; 9] = [
        Self::Invitation,
        Self::Reminder,
        Self::Expiry,
        Self::Verified,
        Self::Broadcast,
        Self::ChangeDecided,
        Self::PartnerOutcome,
        Self::GalleryStatement,
        Self::FgdInvitation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Reminder => "reminder",
            Self::Expiry => "expiry",
            Self::Verified => "verified",
            Self::Broadcast => "broadcast",
            Self::ChangeDecided => "change_decided",
            Self::PartnerOutcome => "partner_outcome",
            Self::GalleryStatement => "gallery_statement",
            Self::FgdInvitation => "fgd_invitation",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The variables its text may use (`{owner}` and so on); every one is filled when sent.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Self::Invitation | Self::Reminder => &[
                "owner",
                "business",
                "organiser",
                "title",
                "when",
                "place",
                "link",
            ],
            Self::Expiry => &["owner", "business", "document", "date", "next_step", "link"],
            Self::Verified => &["owner", "business", "link"],
            Self::Broadcast => &["owner", "business", "text"],
            Self::ChangeDecided => &["owner", "business", "decision", "link"],
            Self::PartnerOutcome => &[
                "owner", "business", "product", "partner", "request", "outcome", "link",
            ],
            Self::GalleryStatement => &[
                "owner", "business", "gallery", "month", "sold", "owed", "closing", "link",
            ],
            Self::FgdInvitation => &["owner", "organiser", "title", "link"],
        }
    }

    /// The text a deployment starts with, in Indonesian (`id`) or English; admins edit them.
    pub fn default_text(self, lang: &str) -> &'static str {
        let en = lang == "en";
        match (self, en) {
            (Self::Invitation, false) => {
                "Yth. {owner} ({business}), {organiser} mengundang Anda ke {title} pada {when} \
                 di {place}. Mohon konfirmasi kehadiran: {link}"
            }
            (Self::Invitation, true) => {
                "Dear {owner} ({business}), {organiser} invites you to {title} on {when} at \
                 {place}. Please confirm you will come: {link}"
            }
            (Self::Reminder, false) => {
                "Pengingat untuk {owner} ({business}): {title} besok, {when}, di {place}. {link}"
            }
            (Self::Reminder, true) => {
                "A reminder for {owner} ({business}): {title} is tomorrow, {when}, at {place}. \
                 {link}"
            }
            (Self::Expiry, false) => {
                "Yth. {owner}, {document} {business} berlaku sampai {date}. {next_step} {link}"
            }
            (Self::Expiry, true) => {
                "Dear {owner}, the {document} of {business} is valid until {date}. {next_step} \
                 {link}"
            }
            (Self::Verified, false) => {
                "Yth. {owner}, data usaha {business} sudah diverifikasi dan tampil di katalog. \
                 {link}"
            }
            (Self::Verified, true) => {
                "Dear {owner}, the record of {business} is verified and shown in the catalogue. \
                 {link}"
            }
            (Self::Broadcast, _) => "{text}",
            (Self::ChangeDecided, false) => {
                "Yth. {owner}, perubahan data {business} yang Anda ajukan {decision}. {link}"
            }
            (Self::ChangeDecided, true) => {
                "Dear {owner}, the change you proposed to the record of {business} {decision}. \
                 {link}"
            }
            (Self::PartnerOutcome, false) => {
                "Yth. {owner} ({business}), untuk permintaan \"{request}\" dari {partner}, produk \
                 {product}: {outcome}. {link}"
            }
            (Self::PartnerOutcome, true) => {
                "Dear {owner} ({business}), on the request \"{request}\" of {partner}, your \
                 product {product}: {outcome}. {link}"
            }
            (Self::GalleryStatement, false) => {
                "Yth. {owner} ({business}), laporan titip jual {gallery} bulan {month}: terjual \
                 {sold} barang, hak Anda {owed}, sisa di rak {closing} barang. {link}"
            }
            (Self::GalleryStatement, true) => {
                "Dear {owner} ({business}), the consignment statement of {gallery} for {month}: \
                 {sold} items sold, {owed} due to you, {closing} items left on the shelf. {link}"
            }
            (Self::FgdInvitation, false) => {
                "Yth. {owner}, {organiser} mengundang Anda menilai calon produk unggulan dalam \
                 \"{title}\". Tautan pribadi Anda (jangan diteruskan): {link}"
            }
            (Self::FgdInvitation, true) => {
                "Dear {owner}, {organiser} invites you to judge the flagship candidates in \
                 \"{title}\". Your personal link (do not forward it): {link}"
            }
        }
    }
}

/// Where a personal link's secret starts in a message (an FGD participant's `/fgd/{secret}`):
/// whoever holds it answers as the participant.
const SECRET_LINK_MARK: &str = "/fgd/";

/// The text with every personal link's secret replaced by `…`: how staff see a message, and
/// how it is kept once sent, so the outbox never becomes a second way into a participant's
/// answers.
pub fn hide_secret_links(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(SECRET_LINK_MARK) {
        let after = &rest[at + SECRET_LINK_MARK.len()..];
        let secret_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        out.push_str(&rest[..at + SECRET_LINK_MARK.len()]);
        if secret_len > 0 {
            out.push('…');
        }
        rest = &after[secret_len..];
    }
    out.push_str(rest);
    out
}

/// A problem with a template's text, named for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    Empty,
    /// `{name}` is not one of the purpose's variables.
    UnknownVariable(String),
    /// A `{` without its `}`.
    Unclosed,
    TooLong,
}

impl TemplateProblem {
    /// The stable code the pages translate.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::UnknownVariable(_) => "template_unknown_variable",
            Self::Unclosed => "template_unclosed",
            Self::TooLong => "too_long",
        }
    }
}

/// The longest text kept: WhatsApp's template body limit (1,024 characters).
pub const MAX_TEXT: usize = 1024;

/// Checks an edited text against its purpose's variables.
pub fn check_template(purpose: Purpose, text: &str) -> Result<(), TemplateProblem> {
    if text.trim().is_empty() {
        return Err(TemplateProblem::Empty);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(TemplateProblem::TooLong);
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(TemplateProblem::Unclosed)?;
        let name = &after[..close];
        if !purpose.variables().contains(&name) {
            return Err(TemplateProblem::UnknownVariable(name.to_string()));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// The text with each `{name}` replaced by its value; a value is put in as it is (a value
/// holding `{x}` is never read as a variable again).
pub fn render(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The hours (local, where the owner lives) messages may go: owners are not woken by their
/// Dinas. 07:00–21:00 unless the deployment sets its own; staff on their own phone choose their
/// own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendingHours {
    /// The first hour a message may go (0–23).
    pub from: u32,
    /// The hour from which none goes (1–24, after `from`).
    pub until: u32,
}

impl Default for SendingHours {
    fn default() -> Self {
        Self { from: 7, until: 21 }
    }
}

impl SendingHours {
    /// `7-21` (hours, local time); `0-24` for any time.
    pub fn parse(text: &str) -> Option<SendingHours> {
        let (a, b) = text.trim().split_once('-')?;
        let (from, until) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        (from < until && until <= 24).then_some(SendingHours { from, until })
    }

    /// The earliest moment at or after `at` (Unix seconds) inside the hours in `zone`.
    pub fn next(self, at: i64, zone: Zone) -> i64 {
        let offset = zone.offset_hours() * 3600;
        let local = at + offset;
        let day_start = local.div_euclid(86_400) * 86_400;
        let hour = (local - day_start) / 3600;
        let (from, until) = (i64::from(self.from), i64::from(self.until));
        let next = if hour < from {
            day_start + from * 3600
        } else if hour >= until {
            day_start + 86_400 + from * 3600
        } else {
            local
        };
        next - offset
    }
}

/// Messages a second each server sends on a channel: providers throttle (WhatsApp's Cloud API
/// by the number's tier, gateways by contract, SMTP servers by their own rules), and a
/// broadcast should not be what trips them. `0` is no limit of Sentra's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelRates {
    pub whatsapp: f64,
    pub sms: f64,
    pub email: f64,
}

impl Default for ChannelRates {
    fn default() -> Self {
        Self {
            whatsapp: 20.0,
            sms: 5.0,
            email: 10.0,
        }
    }
}

impl ChannelRates {
    /// `whatsapp=20,sms=5,email=10` (any of them; the others keep their default).
    pub fn parse(text: &str) -> Option<ChannelRates> {
        let mut out = ChannelRates::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=')?;
            let value: f64 = value.trim().parse().ok()?;
            if !(0.0..=10_000.0).contains(&value) {
                return None;
            }
            match Channel::parse(name)? {
                Channel::Whatsapp => out.whatsapp = value,
                Channel::Sms => out.sms = value,
                Channel::Email => out.email = value,
                Channel::Phone => return None,
            }
        }
        Some(out)
    }

    /// The least time between two messages on `channel`, in microseconds (0: none).
    pub fn gap_micros(self, channel: Channel) -> u64 {
        let rate = match channel {
            Channel::Whatsapp => self.whatsapp,
            Channel::Sms => self.sms,
            Channel::Email => self.email,
            Channel::Phone => 0.0,
        };
        if rate <= 0.0 {
            0
        } else {
            (1_000_000.0 / rate) as u64
        }
    }
}

/// [`SendingHours::next`] with the default hours.
pub fn within_sending_hours(at: i64, zone: Zone) -> i64 {
    SendingHours::default().next(at, zone)
}

/// How many times a message is tried before it fails for good.
pub const MAX_ATTEMPTS: u32 = 5;

/// When a message whose `attempts`-th try failed is tried again (1, 5, 30 and 120 minutes
/// after), or `None` when it has had its tries.
pub fn retry_after(attempts: u32) -> Option<i64> {
    const WAIT: [i64; 4] = [60, 300, 1_800, 7_200];
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let i = (attempts.max(1) - 1) as usize;
    Some(WAIT[i.min(WAIT.len() - 1)])
}

/// Whether an owner's reply asks to stop the messages: `STOP`, `BERHENTI`, `UNSUBSCRIBE` or
/// `STOP ALL`, in any case, alone (a reply that only mentions stopping is not one).
pub fn is_stop_reply(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    match words.as_slice() {
        [one] => matches!(
            one.as_str(),
            "STOP" | "BERHENTI" | "UNSUBSCRIBE" | "STOPALL"
        ),
        [a, b] => a == "STOP" && matches!(b.as_str(), "ALL" | "SEMUA"),
        _ => false,
    }
}

/// The channel a message to a business goes by: the first of WhatsApp, SMS and e-mail that the
/// deployment has and the owner consented to; otherwise the operator's own phone, when the
/// owner consented to WhatsApp and has a number; otherwise none.
pub fn pick_channel(
    configured: &[Channel],
    consented: &[Channel],
    has_phone: bool,
    has_email: bool,
) -> Option<Channel> {
    let usable = |c: Channel| match c {
        Channel::Email => has_email,
        _ => has_phone,
    };
    Channel::CONSENTED
        .into_iter()
        .find(|c| configured.contains(c) && consented.contains(c) && usable(*c))
        .or_else(|| (consented.contains(&Channel::Whatsapp) && has_phone).then_some(Channel::Phone))
}
