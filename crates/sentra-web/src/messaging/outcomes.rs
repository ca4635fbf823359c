//! Messages that tell an owner what staff decided about her: a proposed change approved or
//! rejected, a partner's request moving on for her product, the gallery's statement of a month;
//! and an FGD participant's personal link, sent to the contact the organiser entered.
//! Each is keyed by what it reports, so a second tap or a second server sends nothing twice;
//! one that cannot be written is logged, never a reason to undo the decision.

use sentra_domain::gallery::Statement;
use sentra_domain::messaging::{Channel, Purpose};
use sentra_domain::money::{format_rupiah, format_thousands};
use sentra_domain::partnership::Outcome;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, StorageError};

use super::compose::{Draft, Person, compose, compose_for_person, recipient};
use super::service::{Queued, queue};
use super::worker::now;
use crate::AppState;
use crate::catalogue::public::site_base;
use crate::lang::Lang;

fn base(state: &AppState) -> String {
    site_base(state, &axum::http::HeaderMap::new())
}

/// Queues one message for `umkm`; whether it was (no channel reaches her: nothing).
async fn queue_one(
    state: &AppState,
    scope: &Scope,
    umkm: &str,
    draft: Draft<'_>,
    actor: &Actor,
) -> Result<Queued, StorageError> {
    let r = recipient(state, scope, umkm).await?;
    match compose(state, &r, draft).await? {
        Some(m) => queue(state, &[m], 0, actor).await,
        None => Ok(Queued {
            unreachable: 1,
            ..Queued::default()
        }),
    }
}

/// After an operator decided an owner's proposed change (`request` is its id).
pub(crate) async fn after_change_decided(
    state: &AppState,
    scope: &Scope,
    umkm: &str,
    request: &str,
    approved: bool,
    actor: &Actor,
) {
    let lang = Lang::Id;
    let decision = if approved {
        "message.change_approved"
    } else {
        "message.change_rejected"
    };
    let draft = Draft {
        purpose: Purpose::ChangeDecided,
        key: format!("change:{request}"),
        values: vec![
            ("decision", lang.t(decision).into_owned()),
            ("link", format!("{}/usaha", base(state))),
        ],
        not_before: now(),
        subject: lang.t("message.subject_change").into_owned(),
    };
    if let Err(e) = queue_one(state, scope, umkm, draft, actor).await {
        tracing::warn!(umkm, error = %e, "cannot write the change decision message");
    }
}

/// The outcomes an owner hears of: the partner took her product on, ordered it, or did not
/// go on. (Contacting her and her sample are her own doing; "delivered" is hers to tell.)
pub(crate) fn owner_hears_of(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Accepted | Outcome::Ordered | Outcome::Declined
    )
}

/// After a shortlisted product's outcome was set on a partner's request.
pub(crate) async fn after_partner_outcome(
    state: &AppState,
    scope: &Scope,
    request: &str,
    product: &str,
    outcome: Outcome,
    actor: &Actor,
) {
    if !owner_hears_of(outcome) {
        return;
    }
    let written = async {
        let Some(c) = state
            .db()
            .candidates_of(request)
            .await?
            .into_iter()
            .find(|c| c.product_id == product)
        else {
            return Ok(Queued::default());
        };
        let lang = Lang::Id;
        let draft = Draft {
            purpose: Purpose::PartnerOutcome,
            key: format!("partner:{request}:{product}:{}", outcome.as_str()),
            values: vec![
                ("product", c.product_name.clone()),
                ("partner", c.partner_name.clone()),
                ("request", c.request_title.clone()),
                (
                    "outcome",
                    lang.t(&format!("partner.outcome_{}", outcome.as_str()))
                        .into_owned(),
                ),
                ("link", format!("{}/p/{}", base(state), c.product_slug)),
            ],
            not_before: now(),
            subject: lang.tf("message.subject_partner", &[("partner", &c.partner_name)]),
        };
        queue_one(state, scope, &c.umkm_id, draft, actor).await
    };
    if let Err(e) = written.await {
        tracing::warn!(request, product, error = %e, "cannot write the partner outcome message");
    }
}

/// The month's statement to every consignor of the caller's gallery who had anything on the
/// shelf or sold; once per business and month, however often staff send it.
pub(crate) async fn send_statements(
    state: &AppState,
    scope: &Scope,
    (year, month): (i32, u32),
    actor: &Actor,
) -> Result<Queued, StorageError> {
    let lang = Lang::Id;
    let list = state.db().gallery_statements(scope, year, month).await?;
    let month_label = format!("{} {year}", lang.t(&format!("month.m{month}")));
    let region = scope.region_code().as_str().to_string();
    let (mut messages, mut unreachable) = (Vec::new(), 0);
    for b in list {
        let s: &Statement = &b.statement;
        if s.opening == 0 && s.received == 0 && s.sold == 0 && s.closing == 0 {
            continue;
        }
        let r = recipient(state, scope, &b.umkm_id).await?;
        let draft = Draft {
            purpose: Purpose::GalleryStatement,
            key: format!("statement:{region}:{year:04}-{month:02}:{}", b.umkm_id),
            values: vec![
                ("gallery", lang.t("message.gallery_name").into_owned()),
                ("month", month_label.clone()),
                ("sold", format_thousands(s.sold.max(0) as u64)),
                ("owed", format_rupiah(s.owed)),
                ("closing", format_thousands(s.closing.max(0) as u64)),
                ("link", format!("{}/usaha", base(state))),
            ],
            not_before: now(),
            subject: lang.tf("message.subject_statement", &[("month", &month_label)]),
        };
        match compose(state, &r, draft).await? {
            Some(m) => messages.push(m),
            None => unreachable += 1,
        }
    }
    queue(state, &messages, unreachable, actor).await
}

/// What became of an FGD participant's link sent as a message.
pub(crate) enum LinkMessage {
    /// Queued (or queued before) on this channel.
    Queued(Channel),
    /// No WhatsApp or SMS provider here: the organiser, who has the number, sends it from her
    /// own phone at once (a sending list would hand it to other staff).
    FromOwnPhone,
    /// No channel configured here reaches the contact given (an e-mail without an SMTP server).
    NoChannel(Channel),
}

/// Queues the personal `link` of FGD participant `participant` of round `title` (in `region`)
/// to the contact `person` gave; keyed by the participant, so it goes once.
pub(crate) async fn send_fgd_link(
    state: &AppState,
    person: &Person,
    participant: &str,
    title: &str,
    link: &str,
    actor: &Actor,
) -> Result<LinkMessage, StorageError> {
    let lang = Lang::Id;
    let draft = Draft {
        purpose: Purpose::FgdInvitation,
        key: format!("fgd:{participant}"),
        values: vec![
            (
                "organiser",
                lang.tf(
                    "flagship.organiser",
                    &[("region", &state.region_name(person.region.as_str()))],
                ),
            ),
            ("title", title.to_string()),
            ("link", link.to_string()),
        ],
        not_before: now(),
        subject: lang.t("message.subject_fgd").into_owned(),
    };
    match compose_for_person(state, person, draft).await? {
        Some(m) if m.channel == Channel::Phone => Ok(LinkMessage::FromOwnPhone),
        Some(m) => {
            let channel = m.channel;
            queue(state, &[m], 0, actor).await?;
            Ok(LinkMessage::Queued(channel))
        }
        None => Ok(LinkMessage::NoChannel(if person.email.is_some() {
            Channel::Email
        } else {
            Channel::Whatsapp
        })),
    }
}
