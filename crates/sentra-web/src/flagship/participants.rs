//! A round's FGD participants, each with a personal link to send, and its moves (open, close,
//! publish).

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::flagship::round::Group;
use sentra_storage::{ParticipantRow, RoundStatus, StorageError};

use super::setup::{Extra, show_round};
use crate::catalogue::public::site_base;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
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
    match (name, group) {
        (Some(name), Some(group)) => Ok(NewParticipant {
            name,
            group,
            organisation,
        }),
        _ => Err(e),
    }
}

/// The participant's name, personal link and a WhatsApp link carrying the invitation.
fn invitation(
    ctx: &PageCtx,
    headers: &HeaderMap,
    p: ParticipantRow,
    secret: &str,
) -> (String, String, String) {
    let link = format!("{}/fgd/{secret}", site_base(&ctx.state, headers));
    let message = ctx.lang.tf(
        "flagship.invite_message",
        &[("name", &p.name), ("link", &link)],
    );
    let wa = format!(
        "https://wa.me/?text={}",
        serde_urlencoded::to_string([("", message.as_str())])
            .unwrap_or_default()
            .trim_start_matches('=')
    );
    (p.name, link, wa)
}

async fn add_participant(
    ctx: PageCtx,
    headers: HeaderMap,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    let scope = ctx.scope();
    ctx.db().round(&scope, &id).await?;
    let new = match new_participant(&f) {
        Ok(n) => n,
        Err(e) => return show_round(&ctx, &id, None, Extra::refused(e)).await,
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
    match added {
        Ok((p, secret)) => {
            let x = Extra {
                new_link: Some(invitation(&ctx, &headers, p, &secret)),
                ..Extra::none()
            };
            show_round(&ctx, &id, None, x).await
        }
        Err(StorageError::Invalid(e)) => show_round(&ctx, &id, None, Extra::refused(e)).await,
        Err(e) => Err(e.into()),
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
