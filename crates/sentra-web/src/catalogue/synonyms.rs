//! The catalogue's search synonyms, edited by admins and curators (`keripik`/`kripik`,
//! `batik`/`wastra`): one group per line. A saved text takes effect at once on this server and
//! within a second on the others (their search followers reload it); no reindex is needed,
//! since synonyms are applied when a query is read.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_search::Synonyms;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

/// The catalogue setting holding the synonyms.
pub const SYNONYMS_KEY: &str = "synonyms";

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageCatalog);
    let change = Access::HomeWide(Permission::ManageCatalog);
    Routes::new("")
        .get("/admin/sinonim", manage, page)
        .post("/admin/sinonim", change, save)
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/synonyms.html")]
pub struct SynonymsPage {
    pub c: Chrome,
    pub l: Lang,
    pub text: String,
    pub errors: Vec<String>,
    pub notice: Option<String>,
}

/// The synonyms in force: the saved text, or the built-in groups.
pub async fn current_text(state: &AppState) -> Result<String, ApiError> {
    Ok(state
        .db()
        .catalog_setting(SYNONYMS_KEY)
        .await?
        .unwrap_or_else(Synonyms::default_text))
}

fn render(ctx: &PageCtx, text: String, errors: Vec<String>, notice: Option<String>) -> Response {
    SynonymsPage {
        c: ctx.chrome(ctx.lang.t("synonyms.title")),
        l: ctx.lang,
        text,
        errors,
        notice,
    }
    .into_response()
}

/// `/admin/sinonim?done=saved`.
#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn page(ctx: PageCtx, PageQuery(q): PageQuery<DoneQuery>) -> PageResult {
    let text = current_text(&ctx.state).await?;
    let notice = (q.done == "saved").then(|| ctx.lang.t("synonyms.saved").into_owned());
    Ok(render(&ctx, text, Vec::new(), notice))
}

// Synonyms apply to every search: the route is `HomeWide`, so only a scope covering the home
// region gets here.
async fn save(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let lang = ctx.lang;
    // Kept as typed, trailing spaces and blank lines aside.
    let text = form_value(&pairs, "synonyms")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let problems = Synonyms::problems(&text);
    if !problems.is_empty() {
        let errors = problems
            .iter()
            .map(|&line| match line {
                0 => lang.error("synonyms_too_many").into_owned(),
                n => lang.tf("synonyms.line_one_word", &[("n", &n.to_string())]),
            })
            .collect();
        let mut res = render(&ctx, text, errors, None);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    ctx.db()
        .set_catalog_setting(SYNONYMS_KEY, &text, &ctx.caller.actor)
        .await?;
    ctx.state.set_synonyms(Synonyms::parse(&text));
    Ok(Redirect::to("/admin/sinonim?done=saved").into_response())
}
