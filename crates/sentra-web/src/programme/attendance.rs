//! Attendance: the phone check-in page at the door (`/kegiatan/{activity}/hadir`: a name
//! search and one large button each to mark someone present, or undo it) and the attendance
//! sheet to print (`/kegiatan/{activity}/daftar-hadir`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::IntoResponse;
use sentra_domain::account::Permission;
use sentra_domain::programme::participants::ParticipantState;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{PageCtx, PageQuery};
use crate::lang::Lang;
use crate::programme::activities::{organised_by, when};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("")
        .get("/kegiatan/{activity}/hadir", plan, check_in)
        .get("/kegiatan/{activity}/daftar-hadir", plan, sheet)
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

/// `?q=…`: a name searched for.
#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// At the door, on a phone: everyone registered or waiting, a name search, and one large button
/// each to mark them present (or undo it).
async fn check_in(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(search): PageQuery<SearchQuery>,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let a = ctx.db().get_activity(&scope, &id).await?;
    let people = ctx.db().participants(&scope, &id).await?;
    let q = search.q.trim().to_string();
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
    Ok(CheckInPage {
        c: ctx.chrome(lang.tf("activity.check_in_title", &[("title", &a.data.title)])),
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
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_sheet.html")]
pub struct SheetPage {
    pub c: Chrome,
    pub l: Lang,
    pub title: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    /// (number, business, kelurahan) of those registered, attended or completed.
    pub rows: Vec<(usize, String, String)>,
    /// Empty lines for walk-ins.
    pub blank: Vec<usize>,
}

/// The attendance sheet (daftar hadir) to print: the registered participants with a column to
/// sign, and empty lines for walk-ins.
async fn sheet(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let a = ctx.db().get_activity(&scope, &id).await?;
    let people = ctx.db().participant_places(&scope, &id).await?;
    let d = &a.data;
    let place = d
        .venue
        .clone()
        .or_else(|| d.online_link.clone())
        .unwrap_or_default();
    let rows: Vec<(usize, String, String)> = people
        .into_iter()
        .enumerate()
        .map(|(i, (name, village))| (i + 1, name, state.region_name(&village)))
        .collect();
    let first_blank = rows.len() + 1;
    Ok(SheetPage {
        c: ctx.chrome(lang.tf("activity.sheet_title", &[("title", &d.title)])),
        l: lang,
        title: d.title.clone(),
        when: when(lang, d),
        place,
        organiser: organised_by(state, lang, d),
        rows,
        blank: (first_blank..first_blank + 5).collect(),
    }
    .into_response())
}
