//! The product category tree, edited by admins and curators (`/admin/kategori`): add a
//! category under another, rename it, say whether it is processed food, move it among its
//! siblings, retire it. Every change is audited; the public pages see it within a minute on
//! every server (at once on this one).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::category::{CategoryInput, MAX_DEPTH, MAX_NAME, depth};
use sentra_storage::{CategoryRow, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require, require_home_wide};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields, error_page};

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageCatalog);
    let change = Access::HomeWide(Permission::ManageCatalog);
    Routes::new("")
        .get("/admin/kategori", manage, list)
        .post("/admin/kategori", change, add)
        .get("/admin/kategori/{category}", manage, edit)
        .post("/admin/kategori/{category}", change, save)
        .post("/admin/kategori/{category}/naik", change, move_up)
        .post("/admin/kategori/{category}/turun", change, move_down)
}

pub struct RowView {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    /// Indentation: 0 for the top level.
    pub level: usize,
    pub food: bool,
    pub active: bool,
    pub products: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/categories.html")]
pub struct CategoriesPage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<RowView>,
    /// Where a new category may go: (code, label), the top level first.
    pub parents: Vec<(String, String)>,
    /// The category being edited (its own page), else the list and the add form.
    pub editing: Option<RowView>,
    /// How many products the edited category has, as a sentence.
    pub in_use: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String, String)>,
    pub notice: Option<String>,
    pub max_name: usize,
}

impl FormFields for CategoriesPage {
    fn values(&self) -> &HashMap<String, String> {
        &self.values
    }

    fn errors(&self) -> &[(String, String, String)] {
        &self.errors
    }
}

impl CategoriesPage {
    pub fn label(&self, field: &str) -> String {
        self.l.t(&format!("category.field_{field}")).into_owned()
    }

    pub fn checked(&self, field: &str) -> bool {
        self.val(field) == "1"
    }
}

fn view(r: &CategoryRow) -> RowView {
    RowView {
        code: r.category.code.clone(),
        name_id: r.category.name_id.clone(),
        name_en: r.category.name_en.clone(),
        level: depth(&r.category.code) - 1,
        food: r.category.food,
        active: r.active,
        products: r.products,
    }
}

fn input_from(pairs: &[(String, String)]) -> CategoryInput {
    CategoryInput {
        parent: form_value(pairs, "parent").to_string(),
        name_id: form_value(pairs, "name_id").to_string(),
        name_en: form_value(pairs, "name_en").to_string(),
        food: form_value(pairs, "food") == "1",
    }
}

fn values_of(input: &CategoryInput, active: bool) -> HashMap<String, String> {
    [
        ("parent", input.parent.clone()),
        ("name_id", input.name_id.clone()),
        ("name_en", input.name_en.clone()),
        ("food", if input.food { "1" } else { "" }.to_string()),
        ("active", if active { "1" } else { "" }.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

struct Ctx<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
}

impl<'a> Ctx<'a> {
    fn new(state: &'a AppState, caller: &'a Caller, lang: Lang, uri: &'a Uri) -> Self {
        Self {
            state,
            caller,
            lang,
            uri,
        }
    }

    async fn render(
        &self,
        status: StatusCode,
        editing: Option<&str>,
        values: HashMap<String, String>,
        errors: &FieldErrors,
        notice: Option<String>,
    ) -> Response {
        let lang = self.lang;
        let rows = match self.state.db().category_rows().await {
            Ok(rows) => rows,
            Err(e) => return error_page(lang, self.uri, e.into()),
        };
        let editing = match editing {
            None => None,
            Some(code) => match rows.iter().find(|r| r.category.code == code) {
                Some(r) => Some(view(r)),
                None => return error_page(lang, self.uri, ApiError::NotFound),
            },
        };
        let mut parents = vec![(String::new(), lang.t("category.top_level").into_owned())];
        parents.extend(
            rows.iter()
                .filter(|r| r.active && depth(&r.category.code) < MAX_DEPTH)
                .map(|r| {
                    let indent = "— ".repeat(depth(&r.category.code) - 1);
                    let name = lang.pick(&r.category.name_id, &r.category.name_en);
                    (r.category.code.clone(), format!("{indent}{name}"))
                }),
        );
        let errors = errors
            .iter()
            .map(|e| {
                (
                    e.field.clone(),
                    lang.t(&format!("category.field_{}", e.field)).into_owned(),
                    lang.error(e.code).into_owned(),
                )
            })
            .collect();
        let in_use = editing.as_ref().map_or(String::new(), |r| {
            lang.tf("category.in_use", &[("n", &r.products.to_string())])
        });
        let title = match &editing {
            Some(r) => lang.tf("category.edit_title", &[("name", &r.name_id)]),
            None => lang.t("category.title").into_owned(),
        };
        let mut res = CategoriesPage {
            c: Chrome::new(lang, title, self.uri).signed_in(self.caller),
            l: lang,
            rows: rows.iter().map(view).collect(),
            parents,
            editing,
            in_use,
            values,
            errors,
            notice,
            max_name: MAX_NAME,
        }
        .into_response();
        *res.status_mut() = status;
        res
    }
}

async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageCatalog) {
        return *r;
    }
    let notice = match query.as_deref() {
        Some("done=added") => Some(lang.t("category.added").into_owned()),
        Some("done=saved") => Some(lang.t("category.saved").into_owned()),
        _ => None,
    };
    let ctx = Ctx::new(&state, &caller, lang, &uri);
    let values = values_of(&CategoryInput::default(), true);
    ctx.render(StatusCode::OK, None, values, &FieldErrors::new(), notice)
        .await
}

async fn add(
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
    // The tree is global: see `require_home_wide`.
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
    let input = input_from(&pairs);
    match state.db().add_category(&input, &caller.actor).await {
        Ok(_) => {
            state.forget_categories();
            Redirect::to("/admin/kategori?done=added").into_response()
        }
        Err(StorageError::Invalid(errors)) => {
            let ctx = Ctx::new(&state, &caller, lang, &uri);
            let values = values_of(&input, true);
            ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                values,
                &errors,
                None,
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn edit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageCatalog) {
        return *r;
    }
    let rows = match state.db().category_rows().await {
        Ok(rows) => rows,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let Some(row) = rows.iter().find(|r| r.category.code == code) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let input = CategoryInput {
        parent: row.category.parent.clone().unwrap_or_default(),
        name_id: row.category.name_id.clone(),
        name_en: row.category.name_en.clone(),
        food: row.category.food,
    };
    let ctx = Ctx::new(&state, &caller, lang, &uri);
    let values = values_of(&input, row.active);
    ctx.render(
        StatusCode::OK,
        Some(&code),
        values,
        &FieldErrors::new(),
        None,
    )
    .await
}

async fn save(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(code): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageCatalog, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // The tree is global: see `require_home_wide`.
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
    let input = input_from(&pairs);
    let active = form_value(&pairs, "active") == "1";
    match state
        .db()
        .update_category(&code, &input, active, &caller.actor)
        .await
    {
        Ok(()) => {
            state.forget_categories();
            Redirect::to("/admin/kategori?done=saved").into_response()
        }
        Err(StorageError::Invalid(errors)) => {
            let ctx = Ctx::new(&state, &caller, lang, &uri);
            let values = values_of(&input, active);
            ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&code),
                values,
                &errors,
                None,
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn move_by(
    state: AppState,
    lang: Lang,
    caller: Caller,
    uri: Uri,
    code: String,
    form: &[u8],
    up: bool,
) -> Response {
    if let Err(r) = accept_form(&caller, Permission::ManageCatalog, form) {
        return *r;
    }
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
    match state.db().move_category(&code, up, &caller.actor).await {
        Ok(()) => {
            state.forget_categories();
            Redirect::to(&format!("/admin/kategori#c-{code}")).into_response()
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn move_up(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(code): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    move_by(state, lang, caller, uri, code, &form, true).await
}

async fn move_down(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(code): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    move_by(state, lang, caller, uri, code, &form, false).await
}
