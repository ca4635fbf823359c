//! A round's FGD participants, each with a personal link to send, and its moves (open, close,
//! publish).

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::flagship::round::Group;
use sentra_storage::{ParticipantRow, RoundStatus, StorageError};

use sentra_domain::messaging::Channel;
use sentra_domain::phone::parse_phone;
use sentra_domain::region::RegionCode;

use super::setup::{Extra, NewLink, PersonTyped, show_round};
use crate::catalogue::public::site_base;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::messaging::compose::Person;
use crate::messaging::outcomes::{LinkMessage, send_fgd_link};
use crate::messaging::service::checked_email;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageFlagship);
    Routes::new("")
        .post("/unggulan/{round}/peserta", manage, add_participant)
        .post(
            "/unggulan/{round}/peserta/hapus",
            manage,
            remove_participant,
        )
        .post(
            "/unggulan/{round}/peserta/hitung",
            manage,
            count_participant,
        )
        .post("/unggulan/{round}/status", manage, move_round)
}

/// A new participant as the form gives them.
struct NewParticipant {
    name: String,
    group: Group,
    organisation: Option<String>,
    /// The contact she gave for the FGD: her link is sent there.
    phone: Option<String>,
    email: Option<String>,
}

fn new_participant(f: &[(String, String)]) -> Result<NewParticipant, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = match sentra_domain::umkm::clean_text(form_value(f, "name"), 120) {
        Ok(Some(n)) if n.chars().count() >= 2 => Some(n),
        Ok(_) => {
            e.push("name", "required");
            None
        }
        Err(sentra_domain::Invalid(code)) => {
            e.push("name", code);
            None
        }
    };
    let group = e.check(
        "group",
        Group::parse(form_value(f, "group")).ok_or(sentra_domain::Invalid("choice_invalid")),
    );
    let organisation = match sentra_domain::umkm::clean_text(form_value(f, "organisation"), 150) {
        Ok(o) => o,
        Err(sentra_domain::Invalid(code)) => {
            e.push("organisation", code);
            None
        }
    };
    let phone = match form_value(f, "phone").trim() {
        "" => None,
        typed => match parse_phone(typed) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(sentra_domain::Invalid(code)) => {
                e.push("phone", code);
                None
            }
        },
    };
    let email = match form_value(f, "email").trim() {
        "" => None,
        typed => match checked_email(typed) {
            Ok(m) => Some(m.to_string()),
            Err(code) => {
                e.push("email", code);
                None
            }
        },
    };
    match (name, group) {
        (Some(name), Some(group)) if e.is_empty() => Ok(NewParticipant {
            name,
            group,
            organisation,
            phone,
            email,
        }),
        _ => Err(e),
    }
}

/// The form as typed, to show again with its problems.
fn typed(f: &[(String, String)]) -> PersonTyped {
    PersonTyped {
        name: form_value(f, "name").to_string(),
        group: form_value(f, "group").to_string(),
        organisation: form_value(f, "organisation").to_string(),
        phone: form_value(f, "phone").to_string(),
        email: form_value(f, "email").to_string(),
    }
}

/// The participant's name, personal link and a WhatsApp link carrying the invitation (to her
/// number when the organiser gave it).
fn invitation(ctx: &PageCtx, p: &ParticipantRow, link: &str, phone: Option<&str>) -> NewLink {
    let message = ctx.lang.tf(
        "flagship.invite_message",
        &[("name", &p.name), ("link", link)],
    );
    let digits: String = phone
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let wa = format!(
        "https://wa.me/{digits}?text={}",
        serde_urlencoded::to_string([("", message.as_str())])
            .unwrap_or_default()
            .trim_start_matches('=')
    );
    NewLink {
        name: p.name.clone(),
        link: link.to_string(),
        wa,
        sent: None,
    }
}

async fn add_participant(
    ctx: PageCtx,
    headers: HeaderMap,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    let scope = ctx.scope();
    let round = ctx.db().round(&scope, &id).await?;
    let refused = |e| Extra {
        person: typed(&f),
        ..Extra::refused(e)
    };
    let new = match new_participant(&f) {
        Ok(n) => n,
        Err(e) => return show_round(&ctx, &id, None, refused(e)).await,
    };
    let added = ctx
        .db()
        .add_participant(
            &scope,
            &id,
            &new.name,
            new.group,
            new.organisation.as_deref(),
            &ctx.caller.actor,
        )
        .await;
    let (p, secret) = match added {
        Ok(added) => added,
        Err(StorageError::Invalid(e)) => return show_round(&ctx, &id, None, refused(e)).await,
        Err(e) => return Err(e.into()),
    };
    let link = format!("{}/fgd/{secret}", site_base(&ctx.state, &headers));
    let mut shown = invitation(&ctx, &p, &link, new.phone.as_deref());
    if new.phone.is_some() || new.email.is_some() {
        shown.sent = Some(link_message(&ctx, &round, &p, new, &link).await);
    }
    let x = Extra {
        new_link: Some(shown),
        ..Extra::none()
    };
    show_round(&ctx, &id, None, x).await
}

/// Queues her link to the contact given, and says what became of it. She is added whatever
/// happens here: the link is on the page, shown once, and a message that cannot be written is
/// no reason to lose it.
async fn link_message(
    ctx: &PageCtx,
    round: &sentra_storage::RoundRecord,
    p: &ParticipantRow,
    new: NewParticipant,
    link: &str,
) -> String {
    let lang = ctx.lang;
    let channel_name = |c: Channel| {
        lang.t(&format!("message.channel_{}", c.as_str()))
            .into_owned()
    };
    let Ok(region) = RegionCode::parse(&round.region_code) else {
        return lang.t("flagship.link_not_queued").into_owned();
    };
    let person = Person {
        name: new.name,
        region,
        phone: new.phone,
        email: new.email,
    };
    let sent = send_fgd_link(
        &ctx.state,
        &person,
        &p.id,
        &round.settings.title,
        link,
        &ctx.caller.actor,
    )
    .await;
    match sent {
        Ok(LinkMessage::Queued(c)) => {
            lang.tf("flagship.link_queued", &[("channel", &channel_name(c))])
        }
        Ok(LinkMessage::FromOwnPhone) => lang.t("flagship.link_from_phone").into_owned(),
        Ok(LinkMessage::NoChannel(c)) => {
            lang.tf("flagship.link_not_sent", &[("channel", &channel_name(c))])
        }
        Err(e) => {
            tracing::warn!(error = %e, participant = %p.id, "cannot queue an FGD link");
            lang.t("flagship.link_not_queued").into_owned()
        }
    }
}

async fn remove_participant(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    let participant = form_value(&f, "participant");
    if participant.is_empty() {
        // The round first: not found outside the caller's scope.
        ctx.db().round(&ctx.scope(), &id).await?;
        let mut e = FieldErrors::new();
        e.push("participants", "required");
        return show_round(&ctx, &id, None, Extra::refused(e)).await;
    }
    let removed = ctx
        .db()
        .remove_participant(&ctx.scope(), &id, participant, &ctx.caller.actor)
        .await;
    match removed {
        Ok(()) => Ok(Redirect::to(&format!("/unggulan/{id}?done=removed")).into_response()),
        Err(StorageError::Invalid(e)) => show_round(&ctx, &id, None, Extra::refused(e)).await,
        Err(e) => Err(e.into()),
    }
}

/// The facilitator counts an inconsistent participant in the group's result anyway
/// (`hitung=1`), or leaves them out again (`hitung=0`); recorded with who decided.
async fn count_participant(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    // The round first: not found outside the caller's scope, whatever the form says.
    ctx.db().round(&ctx.scope(), &id).await?;
    let counted = match form_value(&f, "hitung") {
        "1" => true,
        "0" => false,
        _ => {
            let mut e = FieldErrors::new();
            e.push("participants", "choice_invalid");
            return show_round(&ctx, &id, None, Extra::refused(e)).await;
        }
    };
    let participant = form_value(&f, "participant");
    let done = ctx
        .db()
        .count_participant_anyway(&ctx.scope(), &id, participant, counted, &ctx.caller.actor)
        .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/unggulan/{id}/hasil#consistency")).into_response()),
        Err(StorageError::Invalid(e)) => show_round(&ctx, &id, None, Extra::refused(e)).await,
        Err(e) => Err(e.into()),
    }
}

async fn move_round(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    // The round first: not found outside the caller's scope, whatever the form says.
    ctx.db().round(&ctx.scope(), &id).await?;
    let Some(to) = RoundStatus::parse(form_value(&f, "to")) else {
        let mut e = FieldErrors::new();
        e.push("status", "choice_invalid");
        return show_round(&ctx, &id, None, Extra::refused(e)).await;
    };
    let moved = ctx
        .db()
        .set_round_status(&ctx.scope(), &id, to, &ctx.caller.actor)
        .await;
    match moved {
        Ok(()) => Ok(Redirect::to(&format!("/unggulan/{id}?done=status")).into_response()),
        Err(StorageError::Invalid(e)) => show_round(&ctx, &id, None, Extra::refused(e)).await,
        Err(e) => Err(e.into()),
    }
}
