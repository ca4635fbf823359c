//! A session's participants (`/kegiatan/{activity}/peserta`): who is registered, waiting,
//! attended or completed, with a follow-up note each; registering the most deserving invitees;
//! and a participant's state changed (also from the check-in page at the door).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::{ActivityData, Zone};
use sentra_domain::programme::participants::{Candidate, ParticipantState};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::programme::activities::{choices, reach_history, sector_label, when};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use sentra_storage::ActivityRecord;

pub fn routes() -> Routes {
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("")
        .get("/kegiatan/{activity}/peserta", plan, participants_page)
        .post("/kegiatan/{activity}/peserta", plan, register)
        .post("/kegiatan/{activity}/peserta/{umkm}", plan, set_state)
}

pub struct InviteeRow {
    pub umkm_id: String,
    pub name: String,
    pub place: String,
    pub sector: String,
    pub sector_match: bool,
    /// "never", or how many times and when last.
    pub history: String,
    /// A WhatsApp invitation can be sent (a phone is on record).
    pub has_phone: bool,
}

pub struct ParticipantRow {
    pub umkm_id: String,
    pub name: String,
    pub state: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_participants.html")]
pub struct ParticipantsPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub summary: String,
    pub participants: Vec<ParticipantRow>,
    pub states: Vec<(String, String)>,
    pub invitees: Vec<InviteeRow>,
    /// The caller may send WhatsApp invitations (each reveals a phone number, audited).
    pub can_whatsapp: bool,
    /// The places left, filled at one tap from the top of the ranked list (0: full).
    pub first_n: usize,
    pub first_label: String,
    /// "Sektor: Kuliner · Belum memiliki: NIB": who the activity is for.
    pub target: String,
    pub notice: Option<String>,
}

/// Invitees shown at once (the most deserving first).
const INVITEES_SHOWN: usize = 100;

/// Who an activity is for, from its target criteria, in one line.
fn target_text(
    state: &AppState,
    lang: Lang,
    d: &ActivityData,
    sectors: &[sentra_storage::Sector],
) -> String {
    let list = |key: &str, items: Vec<String>| {
        (!items.is_empty()).then(|| format!("{}: {}", lang.t(key), items.join(", ")))
    };
    let parts: Vec<String> = [
        list(
            "activity.field_sectors",
            d.sectors
                .iter()
                .map(|c| sector_label(lang, sectors, c))
                .collect(),
        ),
        list(
            "activity.field_sizes",
            d.sizes
                .iter()
                .map(|c| lang.t(&format!("size.{c}")).into_owned())
                .collect(),
        ),
        list(
            "activity.field_gaps",
            d.gaps
                .iter()
                .map(|c| lang.t(&format!("doc.{c}")).into_owned())
                .collect(),
        ),
        list(
            "activity.field_target_regions",
            d.target_regions
                .iter()
                .map(|r| state.region_name(r.as_str()))
                .collect(),
        ),
        d.first_timers
            .then(|| lang.t("activity.field_first_timers").into_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        lang.tf(
            "activity.target_everyone",
            &[("region", &state.region_name(d.region.as_str()))],
        )
    } else {
        parts.join(" · ")
    }
}

/// `?done=registered|state` after a change.
#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn participant_rows(people: Vec<sentra_storage::Participant>) -> Vec<ParticipantRow> {
    people
        .into_iter()
        .map(|p| ParticipantRow {
            state: p.state.as_str().to_string(),
            note: p.note.unwrap_or_default(),
            umkm_id: p.umkm_id,
            name: p.name,
        })
        .collect()
}

fn invitee_rows(
    state: &AppState,
    lang: Lang,
    sectors: &[sentra_storage::Sector],
    invitees: Vec<Candidate>,
    zone: Zone,
) -> Vec<InviteeRow> {
    invitees
        .into_iter()
        .map(|c| InviteeRow {
            place: state.region_name(&c.village_code),
            sector: sector_label(lang, sectors, &c.sector),
            sector_match: c.sector_match,
            history: reach_history(lang, &c, zone),
            has_phone: c.has_phone,
            umkm_id: c.umkm_id,
            name: c.name,
        })
        .collect()
}

/// How many of the top invitees fill the places left (none when the session is full).
fn first_n(a: &ActivityRecord, taking: usize, shown: usize) -> usize {
    usize::try_from(a.data.capacity)
        .unwrap_or(0)
        .saturating_sub(taking)
        .min(shown)
}

/// A session's participants with their states, and the most deserving invitees not yet in.
async fn participants_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let a = ctx.db().get_activity(&scope, &id).await?;
    let people = ctx.db().participants(&scope, &id).await?;
    let invitees = ctx.db().invitees(&scope, &a, INVITEES_SHOWN).await?;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let taking = people.iter().filter(|p| p.state.takes_place()).count();
    let notice = match q.done.as_str() {
        "registered" => Some(lang.t("activity.done_registered").into_owned()),
        "state" => Some(lang.t("activity.done_state").into_owned()),
        _ => None,
    };
    Ok(ParticipantsPage {
        c: ctx.chrome(lang.tf("activity.participants_title", &[("title", &a.data.title)])),
        l: lang,
        summary: lang.tf(
            "activity.participants_summary",
            &[
                ("n", &taking.to_string()),
                ("cap", &a.data.capacity.to_string()),
                ("when", &when(lang, &a.data)),
            ],
        ),
        id: a.id.clone(),
        participants: participant_rows(people),
        states: choices(
            lang,
            "activity.state_",
            ParticipantState::ALL.iter().map(|s| s.as_str()),
        ),
        invitees: invitee_rows(state, lang, &sectors, invitees, a.data.zone),
        can_whatsapp: ctx.caller.can(Permission::RevealPersonalData),
        first_n: first_n(&a, taking, INVITEES_SHOWN),
        first_label: lang.tf(
            "activity.register_first",
            &[("n", &first_n(&a, taking, INVITEES_SHOWN).to_string())],
        ),
        target: target_text(state, lang, &a.data, &sectors),
        notice,
    }
    .into_response())
}

/// Registers the businesses ticked (`umkm`, repeated); a full session puts them on the
/// waiting list.
async fn register(ctx: PageCtx, Path(id): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    // "Invite the first N": the top of the ranked list as the page showed it, up to the
    // places left; otherwise the businesses ticked.
    let first: usize = crate::forms::form_value(&pairs, "first")
        .parse()
        .unwrap_or(0);
    let chosen: Vec<String> = if first > 0 {
        let scope = ctx.scope();
        let a = ctx.db().get_activity(&scope, &id).await?;
        let taking = ctx
            .db()
            .participants(&scope, &id)
            .await?
            .iter()
            .filter(|p| p.state.takes_place())
            .count();
        let n = first.min(first_n(&a, taking, INVITEES_SHOWN));
        ctx.db()
            .invitees(&scope, &a, n)
            .await?
            .into_iter()
            .map(|c| c.umkm_id)
            .collect()
    } else {
        pairs
            .iter()
            .filter(|(k, _)| k == "umkm")
            .map(|(_, v)| v.clone())
            .collect()
    };
    ctx.db()
        .register_participants(&ctx.scope(), &id, &chosen, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/kegiatan/{id}/peserta?done=registered")).into_response())
}

/// A participant's new state; `note` (the follow-up) only from the participants page, `back`
/// and `q` to return to the check-in page's search.
#[derive(Deserialize)]
struct StateForm {
    #[serde(default)]
    state: String,
    note: Option<String>,
    #[serde(default)]
    back: String,
    #[serde(default)]
    q: String,
}

async fn set_state(
    ctx: PageCtx,
    Path((id, umkm)): Path<(String, String)>,
    PageForm(f): PageForm<StateForm>,
) -> PageResult {
    let scope = ctx.scope();
    // Outside the caller's area: not found, before the form is looked at.
    ctx.db().get_activity(&scope, &id).await?;
    let Some(to) = ParticipantState::parse(&f.state) else {
        let mut e = FieldErrors::new();
        e.push("state", "choice_invalid");
        return Err(e.into());
    };
    // The check-in page sends the state alone: the follow-up note stays as it was.
    let note: String = match &f.note {
        Some(note) => note.trim().chars().take(500).collect(),
        None => ctx
            .db()
            .participants(&scope, &id)
            .await?
            .into_iter()
            .find(|p| p.umkm_id == umkm)
            .and_then(|p| p.note)
            .unwrap_or_default(),
    };
    let note = Some(note.as_str()).filter(|n| !n.is_empty());
    ctx.db()
        .set_participant_state(&scope, &id, &umkm, to, note, &ctx.caller.actor)
        .await?;
    if f.back == "hadir" {
        let q = serde_urlencoded::to_string([("q", f.q.as_str())]).unwrap_or_default();
        return Ok(Redirect::to(&format!("/kegiatan/{id}/hadir?{q}#p-{umkm}")).into_response());
    }
    Ok(Redirect::to(&format!("/kegiatan/{id}/peserta?done=state")).into_response())
}
