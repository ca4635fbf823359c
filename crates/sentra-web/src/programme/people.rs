//! Programmes seen from a business: on a UMKM's page its programme history, what changed for
//! it since, and the coming activities it can join (owners register their own business there,
//! `POST /umkm/{id}/kegiatan`).

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::local;
use sentra_domain::programme::outcomes::Outcome;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm};
use crate::lang::Lang;
use crate::programme::activities::{organised_by, when};
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("").post(
        "/umkm/{id}/kegiatan",
        Access::Role(Permission::WriteRegistry),
        join,
    )
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
    let day = |t: i64, zone| {
        use chrono::Datelike;
        let d = local(t, zone).date();
        lang.date(d.year(), d.month(), d.day())
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

/// `activity`: the one to join.
#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    activity: String,
}

fn invalid(field: &str, code: &'static str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.push(field, code);
    e
}

/// Registers a business for a coming activity it is eligible for (`activity` in the form): an
/// owner for their own business, an operator for one in their area. A full activity puts it on
/// the waiting list.
async fn join(ctx: PageCtx, Path(id): Path<String>, PageForm(f): PageForm<JoinForm>) -> PageResult {
    let scope = ctx.scope();
    // The business first (what it can join; not one's own or outside the area: not found),
    // whatever the form says.
    let now = chrono::Utc::now().timestamp();
    let open = ctx
        .db()
        .open_activities_for(&scope, &id, now, now + OPEN_DAYS * 86_400)
        .await?;
    let activity = f.activity.trim();
    if activity.is_empty() {
        return Err(invalid("activity", "required").into());
    }
    if !open.iter().any(|a| a.id == activity) {
        return Err(invalid("activity", "activity_not_open").into());
    }
    // The owner's scope admits their business; the activity's area is the deployment's.
    let everywhere = sentra_domain::scope::Scope::region(ctx.state.home().clone());
    let within = if scope.owner().is_some() {
        &everywhere
    } else {
        &scope
    };
    let (_, waiting) = ctx
        .db()
        .register_participants(
            within,
            activity,
            std::slice::from_ref(&id),
            &ctx.caller.actor,
        )
        .await?;
    let done = if waiting > 0 { "waitlisted" } else { "joined" };
    Ok(Redirect::to(&format!("/umkm/{id}?done={done}#programme")).into_response())
}
