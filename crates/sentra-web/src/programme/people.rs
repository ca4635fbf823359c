//! Programmes, seen from the people in them: the phone check-in page at the door
//! (`/kegiatan/{activity}/hadir`), invitations by WhatsApp (a pre-filled message to the owner's
//! number; the number is personal data, so each one sent is a reveal in the audit trail) and as
//! a printed list, and on a UMKM's page its programme history, what changed for it since, and
//! the coming activities it can join (owners register their own business there).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::local;
use sentra_domain::programme::outcomes::Outcome;
use sentra_domain::programme::participants::ParticipantState;
use sentra_storage::{ActivityRecord, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::programme::activities::{organised_by, reach_history, sector_label, when};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("")
        .get("/kegiatan/{activity}/hadir", plan, check_in)
        .get("/kegiatan/{activity}/undangan", plan, invitation_list)
        .post(
            "/kegiatan/{activity}/undang",
            Access::Role(Permission::RevealPersonalData),
            invite_by_whatsapp,
        )
        .post(
            "/umkm/{id}/kegiatan",
            Access::Role(Permission::WriteRegistry),
            join,
        )
}

fn invalid(lang: Lang, uri: &Uri, field: &str, code: &'static str) -> Response {
    let mut e = FieldErrors::new();
    e.push(field, code);
    error_page(lang, uri, ApiError::Validation(e))
}

pub struct CheckInRow {
    pub umkm_id: String,
    pub name: String,
    pub state_label: String,
    pub present: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_check_in.html")]
pub struct CheckInPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub when: String,
    /// "12 dari 30 hadir".
    pub summary: String,
    pub q: String,
    pub rows: Vec<CheckInRow>,
}

/// At the door, on a phone: everyone registered or waiting, a name search, and one large button
/// each to mark them present (or undo it).
async fn check_in(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let scope = caller.scope();
    let run = async {
        let a = state.db().get_activity(&scope, &id).await?;
        let people = state.db().participants(&scope, &id).await?;
        Ok::<_, StorageError>((a, people))
    };
    let (a, people) = match run.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let q = form_value(&query_pairs(query.as_deref()), "q")
        .trim()
        .to_string();
    let wanted = q.to_lowercase();
    let present = people.iter().filter(|p| p.state.reached()).count();
    let expected = people
        .iter()
        .filter(|p| p.state != ParticipantState::Waitlisted)
        .count();
    let rows = people
        .into_iter()
        .filter(|p| wanted.is_empty() || p.name.to_lowercase().contains(&wanted))
        .map(|p| CheckInRow {
            present: p.state.reached(),
            state_label: lang
                .t(&format!("activity.state_{}", p.state.as_str()))
                .into_owned(),
            umkm_id: p.umkm_id,
            name: p.name,
        })
        .collect();
    CheckInPage {
        c: Chrome::new(
            lang,
            lang.tf("activity.check_in_title", &[("title", &a.data.title)]),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        when: when(lang, &a.data),
        summary: lang.tf(
            "activity.check_in_summary",
            &[("n", &present.to_string()), ("of", &expected.to_string())],
        ),
        id: a.id,
        q,
        rows,
    }
    .into_response()
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
}

/// Invitations to print: the eligible UMKM in invitation order, twice the places (some will
/// not come), for the kelurahan staff who go door to door.
async fn invitation_list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let scope = caller.scope();
    let run = async {
        let a = state.db().get_activity(&scope, &id).await?;
        let shown = (a.data.capacity as usize * 2).clamp(10, 400);
        let invitees = state.db().invitees(&scope, &a, shown).await?;
        Ok::<_, StorageError>((a, invitees))
    };
    let (a, invitees) = match run.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let sectors = state.db().sectors().await.unwrap_or_default();
    let d = &a.data;
    InvitationPage {
        c: Chrome::new(
            lang,
            lang.tf("activity.invitations_title", &[("title", &d.title)]),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        title: d.title.clone(),
        when: when(lang, d),
        place: d
            .venue
            .clone()
            .unwrap_or_else(|| lang.t("activity.online").into_owned()),
        organiser: organised_by(&state, lang, d),
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
    .into_response()
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

/// Opens WhatsApp with the invitation to one invitee's owner (`wa` in the form: the UMKM). The
/// number is revealed to the sender's phone, so the reveal is audited first.
async fn invite_by_whatsapp(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::RevealPersonalData, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let a = match state.db().get_activity(&scope, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let umkm = form_value(&pairs, "wa").trim();
    if umkm.is_empty() {
        return invalid(lang, &uri, "wa", "required");
    }
    let record = match state.db().get_umkm(&scope, umkm).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let Some(phone) = record.owner_phone.as_deref().filter(|p| !p.is_empty()) else {
        return invalid(lang, &uri, "owner_phone", "phone_missing");
    };
    if let Err(e) = state
        .db()
        .audit_reveal(&caller.actor, "umkm", &record.id, &["owner_phone"])
        .await
    {
        return error_page(lang, &uri, e.into());
    }
    // wa.me takes the number in international form without the plus (+62812… → 62812…).
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let text = invitation_text(&state, &record.owner_name, &record.name, &a);
    let query = serde_urlencoded::to_string([("text", text.as_str())]).unwrap_or_default();
    Redirect::to(&format!("https://wa.me/{digits}?{query}")).into_response()
}

/// A UMKM's programme section on its page.
pub struct ProgrammeSection {
    /// (activity title, when, organiser, state, follow-up note).
    pub history: Vec<(String, String, String, String, String)>,
    /// "12/05/2026: NIB diperoleh".
    pub outcomes: Vec<String>,
    /// Coming activities it can join: (id, title, when, place).
    pub open: Vec<(String, String, String, String)>,
    pub can_join: bool,
    pub since: Option<String>,
}

/// Days ahead the joinable activities are listed.
const OPEN_DAYS: i64 = 90;

fn outcome_text(lang: Lang, o: &Outcome) -> String {
    match o {
        Outcome::Document(kind) => lang.tf(
            "activity.outcome_document",
            &[("doc", &lang.t(&format!("doc.{}", kind.as_str())))],
        ),
        Outcome::SizeMoved { from, to } => lang.tf(
            "activity.outcome_size",
            &[
                (
                    "from",
                    &from.map_or_else(
                        || lang.t("activity.size_unknown").into_owned(),
                        |f| lang.t(&format!("size.{}", f.as_str())).into_owned(),
                    ),
                ),
                ("to", &lang.t(&format!("size.{}", to.as_str()))),
            ],
        ),
        Outcome::Products(n) => lang.tf("activity.outcome_products", &[("n", &n.to_string())]),
    }
}

/// The programme part of a UMKM's page: its history, the outcomes since a programme first
/// reached it, and the coming activities it can join. Nothing when it cannot be read.
pub(crate) async fn programme_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    umkm_id: &str,
) -> Option<ProgrammeSection> {
    let scope = caller.scope();
    let history = state.db().programme_history(&scope, umkm_id).await.ok()?;
    let now = chrono::Utc::now().timestamp();
    let can_join = caller.can(Permission::WriteRegistry);
    let open = if can_join {
        state
            .db()
            .open_activities_for(&scope, umkm_id, now, now + OPEN_DAYS * 86_400)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let day = |t: i64, zone| match lang {
        Lang::Id => local(t, zone).format("%d/%m/%Y").to_string(),
        Lang::En => local(t, zone).format("%Y-%m-%d").to_string(),
    };
    let zone =
        sentra_domain::programme::activity::Zone::of_region(caller.scope().region_code().as_str());
    Some(ProgrammeSection {
        history: history
            .taken
            .iter()
            .map(|t| {
                let d = &t.activity.data;
                (
                    d.title.clone(),
                    when(lang, d),
                    organised_by(state, lang, d),
                    lang.t(&format!("activity.state_{}", t.state.as_str()))
                        .into_owned(),
                    t.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
        outcomes: history
            .outcomes
            .iter()
            .map(|(at, o)| format!("{}: {}", day(*at, zone), outcome_text(lang, o)))
            .collect(),
        since: history.first_reached.map(|t| day(t, zone)),
        open: open
            .iter()
            .map(|a| {
                let d = &a.data;
                (
                    a.id.clone(),
                    d.title.clone(),
                    when(lang, d),
                    d.venue
                        .clone()
                        .unwrap_or_else(|| lang.t("activity.online").into_owned()),
                )
            })
            .collect(),
        can_join,
    })
}

/// Registers a business for a coming activity it is eligible for (`activity` in the form): an
/// owner for their own business, an operator for one in their area. A full activity puts it on
/// the waiting list.
async fn join(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::WriteRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    // The business first (what it can join; not one's own or outside the area: not found),
    // whatever the form says.
    let now = chrono::Utc::now().timestamp();
    let open = match state
        .db()
        .open_activities_for(&scope, &id, now, now + OPEN_DAYS * 86_400)
        .await
    {
        Ok(open) => open,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let activity = form_value(&pairs, "activity").trim().to_string();
    if activity.is_empty() {
        return invalid(lang, &uri, "activity", "required");
    }
    if !open.iter().any(|a| a.id == activity) {
        return invalid(lang, &uri, "activity", "activity_not_open");
    }
    // The owner's scope admits their business; the activity's area is the deployment's.
    let everywhere = sentra_domain::scope::Scope::region(state.home().clone());
    let registered = if scope.owner().is_some() {
        state
            .db()
            .register_participants(
                &everywhere,
                &activity,
                std::slice::from_ref(&id),
                &caller.actor,
            )
            .await
    } else {
        state
            .db()
            .register_participants(&scope, &activity, std::slice::from_ref(&id), &caller.actor)
            .await
    };
    match registered {
        Ok((_, waiting)) => {
            let done = if waiting > 0 { "waitlisted" } else { "joined" };
            Redirect::to(&format!("/umkm/{id}?done={done}#programme")).into_response()
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
