//! Produk unggulan daerah (`/unggulan`, issue 10): the selection rounds of the caller's area and
//! a new round. A round's setup is in `setup`, its participants and moves in `participants`,
//! its results and the workbook for audit in `report`.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::region::RegionCode;
use sentra_storage::{RoundStatus, RoundSummary};

use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;
use crate::ui::worded;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadDashboards);
    let manage = Access::Role(Permission::ManageFlagship);
    Routes::new("")
        .get("/unggulan", read, rounds_page)
        .post("/unggulan", manage, create_round)
}

pub(super) fn status_label(lang: Lang, s: RoundStatus) -> String {
    lang.t(&format!("flagship.status_{}", s.as_str()))
        .into_owned()
}

pub struct RoundLine {
    pub id: String,
    pub title: String,
    pub year: i32,
    pub region: String,
    pub status: String,
    pub participants: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "flagship/flagship_rounds.html")]
pub struct RoundsPage {
    pub c: Chrome,
    pub l: Lang,
    pub rounds: Vec<RoundLine>,
    pub can_manage: bool,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub errors: Vec<(String, String, String)>,
    pub typed: (String, String, String),
}

impl RoundsPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

fn round_line(ctx: &PageCtx, r: &RoundSummary) -> RoundLine {
    let lang = ctx.lang;
    RoundLine {
        id: r.id.clone(),
        title: r.title.clone(),
        year: r.year,
        region: ctx.state.region_name(&r.region_code),
        status: status_label(lang, r.status),
        participants: lang.tf(
            "flagship.answered_of",
            &[
                ("n", &r.submitted.to_string()),
                ("of", &r.participants.to_string()),
            ],
        ),
    }
}

/// The list of rounds with the new-round form (as typed, with its problems when refused).
async fn show_rounds(
    ctx: &PageCtx,
    typed: (String, String, String),
    errors: &FieldErrors,
) -> PageResult {
    let scope = ctx.scope();
    let rounds = ctx.db().rounds(&scope).await?;
    let mut res = RoundsPage {
        c: ctx.chrome(ctx.lang.t("flagship.title")),
        l: ctx.lang,
        rounds: rounds.iter().map(|r| round_line(ctx, r)).collect(),
        can_manage: ctx.caller.can(Permission::ManageFlagship),
        regions: area_choices(&ctx.state, scope.region_code()),
        year: chrono::Utc::now().year(),
        errors: worded(ctx.lang, errors, "flagship.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn rounds_page(ctx: PageCtx) -> PageResult {
    let typed = (String::new(), String::new(), String::new());
    show_rounds(&ctx, typed, &FieldErrors::new()).await
}

pub(super) fn title_of(text: &str) -> Result<String, &'static str> {
    match sentra_domain::umkm::clean_text(text, 150) {
        Ok(Some(t)) if t.chars().count() >= 3 => Ok(t),
        Ok(_) => Err("text_too_short"),
        Err(sentra_domain::Invalid(c)) => Err(c),
    }
}

async fn create_round(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let typed = (
        form_value(&f, "region").to_string(),
        form_value(&f, "year").to_string(),
        form_value(&f, "title").to_string(),
    );
    let scope = ctx.scope();
    let mut e = FieldErrors::new();
    let region = RegionCode::parse(&typed.0)
        .ok()
        .filter(|r| scope.contains(r));
    if region.is_none() {
        e.push("region", "choice_invalid");
    }
    let year = e.check("year", sentra_domain::targets::parse_year(&typed.1));
    let title = match title_of(&typed.2) {
        Ok(t) => Some(t),
        Err(code) => {
            e.push("title", code);
            None
        }
    };
    let (Some(region), Some(year), Some(title)) = (region, year, title) else {
        return show_rounds(&ctx, typed, &e).await;
    };
    let id = ctx
        .db()
        .create_round(&scope, &region, year, &title, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/unggulan/{id}?done=created")).into_response())
}
