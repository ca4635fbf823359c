//! The catalogue's search synonyms, edited by admins and curators (`keripik`/`kripik`,
//! `batik`/`wastra`): one group per line. A saved text takes effect at once on this server and
//! within a second on the others (their search followers reload it); no reindex is needed,
//! since synonyms are applied when a query is read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_search::Synonyms;

use crate::AppState;
use crate::auth::{Caller, accept_form, require, require_home_wide};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

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

fn render(
    caller: &Caller,
    lang: Lang,
    uri: &Uri,
    text: String,
    errors: Vec<String>,
    notice: Option<String>,
) -> Response {
    SynonymsPage {
        c: Chrome::new(lang, lang.t("synonyms.title").into_owned(), uri).signed_in(caller),
        l: lang,
        text,
        errors,
        notice,
    }
    .into_response()
}

async fn page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageCatalog) {
        return *r;
    }
    let text = match current_text(&state).await {
        Ok(t) => t,
        Err(e) => return error_page(lang, &uri, e),
    };
    let saved = query.as_deref() == Some("done=saved");
    let notice = saved.then(|| lang.t("synonyms.saved").into_owned());
    render(&caller, lang, &uri, text, Vec::new(), notice)
}

async fn save(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageCatalog, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // Synonyms apply to every search: see `require_home_wide`.
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
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
        let mut res = render(&caller, lang, &uri, text, errors, None);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return res;
    }
    if let Err(e) = state
        .db()
        .set_catalog_setting(SYNONYMS_KEY, &text, &caller.actor)
        .await
    {
        return error_page(lang, &uri, e.into());
    }
    state.set_synonyms(Synonyms::parse(&text));
    Redirect::to("/admin/sinonim?done=saved").into_response()
}
