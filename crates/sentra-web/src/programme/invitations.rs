//! Invitations: the list to print for the kelurahan staff who go door to door
//! (`/kegiatan/{activity}/undangan`), and one sent by WhatsApp (a pre-filled message to the
//! owner's number; the number is personal data, so each one sent is a reveal in the audit
//! trail).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_storage::ActivityRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm};
use crate::lang::Lang;
use crate::programme::activities::{organised_by, reach_history, sector_label, when};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/kegiatan/{activity}/undangan",
            Access::Role(Permission::PlanProgrammes),
            invitation_list,
        )
        .post(
            "/kegiatan/{activity}/undang",
            Access::Role(Permission::RevealPersonalData),
            invite_by_whatsapp,
        )
}

pub struct InvitationRow {
    pub no: usize,
    pub name: String,
    pub place: String,
    pub sector: String,
    pub history: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_invitations.html")]
pub struct InvitationPage {
    pub c: Chrome,
    pub l: Lang,
    pub title: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    pub rows: Vec<InvitationRow>,
    pub id: String,
    /// May queue the invitations as messages.
    pub can_message: bool,
}

/// Invitations to print: the eligible UMKM in invitation order, twice the places (some will
/// not come), for the kelurahan staff who go door to door.
async fn invitation_list(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let a = ctx.db().get_activity(&scope, &id).await?;
    let shown = (a.data.capacity as usize * 2).clamp(10, 400);
    let invitees = ctx.db().invitees(&scope, &a, shown).await?;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let d = &a.data;
    Ok(InvitationPage {
        c: ctx.chrome(lang.tf("activity.invitations_title", &[("title", &d.title)])),
        l: lang,
        title: d.title.clone(),
        when: when(lang, d),
        place: d
            .venue
            .clone()
            .unwrap_or_else(|| lang.t("activity.online").into_owned()),
        organiser: organised_by(state, lang, d),
        id: a.id.clone(),
        can_message: ctx.caller.can(Permission::SendMessages),
        rows: invitees
            .into_iter()
            .enumerate()
            .map(|(i, c)| InvitationRow {
                no: i + 1,
                place: state.region_name(&c.village_code),
                sector: sector_label(lang, &sectors, &c.sector),
                history: reach_history(lang, &c, d.zone),
                name: c.name,
            })
            .collect(),
    }
    .into_response())
}

/// The invitation as the owner reads it on WhatsApp: in Indonesian, whatever the sender's
/// page language, since it goes to the owner.
fn invitation_text(state: &AppState, owner: &str, business: &str, a: &ActivityRecord) -> String {
    let d = &a.data;
    let id = Lang::Id;
    let place = d
        .venue
        .clone()
        .or_else(|| d.online_link.clone())
        .unwrap_or_default();
    id.tf(
        "activity.whatsapp_text",
        &[
            ("owner", owner),
            ("business", business),
            ("organiser", &organised_by(state, id, d)),
            ("kind", &id.t(&format!("activity.kind_{}", d.kind.as_str()))),
            ("title", &d.title),
            ("when", &when(id, d)),
            ("place", &place),
        ],
    )
}

/// `wa`: the UMKM whose owner is invited.
#[derive(Deserialize)]
struct WhatsAppForm {
    #[serde(default)]
    wa: String,
}

fn invalid(field: &str, code: &'static str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.push(field, code);
    e
}

/// Opens WhatsApp with the invitation to one invitee's owner (`wa` in the form: the UMKM). The
/// number is revealed to the sender's phone, so the reveal is audited first.
async fn invite_by_whatsapp(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageForm(f): PageForm<WhatsAppForm>,
) -> PageResult {
    let scope = ctx.scope();
    let a = ctx.db().get_activity(&scope, &id).await?;
    let umkm = f.wa.trim();
    if umkm.is_empty() {
        return Err(invalid("wa", "required").into());
    }
    let record = ctx.db().get_umkm(&scope, umkm).await?;
    let phone = record
        .owner_phone
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| invalid("owner_phone", "phone_missing"))?;
    ctx.db()
        .audit_reveal(&ctx.caller.actor, "umkm", &record.id, &["owner_phone"])
        .await?;
    // wa.me takes the number in international form without the plus (+62812… → 62812…).
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let text = invitation_text(&ctx.state, &record.owner_name, &record.name, &a);
    let query = serde_urlencoded::to_string([("text", text.as_str())]).unwrap_or_default();
    Ok(Redirect::to(&format!("https://wa.me/{digits}?{query}")).into_response())
}
