//! The product category tree, edited by admins and curators (`/admin/kategori`): add a
//! category under another, rename it, say whether it is processed food, move it among its
//! siblings, retire it. Every change is audited; the public pages see it within a minute on
//! every server (at once on this one).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::category::{CategoryInput, MAX_DEPTH, MAX_NAME, depth};
use sentra_storage::{CategoryRow, StorageError};
use serde::Deserialize;

use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields};

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

crate::ui::form_fields!(CategoriesPage);

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

/// Where a new category may go: (code, label), the top level first, each indented by depth.
fn parent_choices(lang: Lang, rows: &[CategoryRow]) -> Vec<(String, String)> {
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
    parents
}

fn error_rows(lang: Lang, errors: &FieldErrors) -> Vec<(String, String, String)> {
    errors
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                lang.t(&format!("category.field_{}", e.field)).into_owned(),
                lang.error(e.code).into_owned(),
            )
        })
        .collect()
}

/// The tree with the add form, or one category's page (`editing`), with the form's values and
/// problems.
async fn render(
    ctx: &PageCtx,
    status: StatusCode,
    editing: Option<&str>,
    values: HashMap<String, String>,
    errors: &FieldErrors,
    notice: Option<String>,
) -> PageResult {
    let lang = ctx.lang;
    let rows = ctx.db().category_rows().await?;
    let editing = match editing {
        None => None,
        Some(code) => Some(
            rows.iter()
                .find(|r| r.category.code == code)
                .map(view)
                .ok_or(ApiError::NotFound)?,
        ),
    };
    let in_use = editing.as_ref().map_or(String::new(), |r| {
        lang.tf("category.in_use", &[("n", &r.products.to_string())])
    });
    let title = match &editing {
        Some(r) => lang.tf("category.edit_title", &[("name", &r.name_id)]),
        None => lang.t("category.title").into_owned(),
    };
    let mut res = CategoriesPage {
        c: ctx.chrome(title),
        l: lang,
        rows: rows.iter().map(view).collect(),
        parents: parent_choices(lang, &rows),
        editing,
        in_use,
        values,
        errors: error_rows(lang, errors),
        notice,
        max_name: MAX_NAME,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

/// `/admin/kategori?done=…`, the notice after a change.
#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn list(ctx: PageCtx, PageQuery(q): PageQuery<DoneQuery>) -> PageResult {
    let notice = match q.done.as_str() {
        "added" => Some(ctx.lang.t("category.added").into_owned()),
        "saved" => Some(ctx.lang.t("category.saved").into_owned()),
        _ => None,
    };
    let values = values_of(&CategoryInput::default(), true);
    render(
        &ctx,
        StatusCode::OK,
        None,
        values,
        &FieldErrors::new(),
        notice,
    )
    .await
}

// The tree is global: the route is `HomeWide`, so only a scope covering the home region gets
// here.
async fn add(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let input = input_from(&pairs);
    match ctx.db().add_category(&input, &ctx.caller.actor).await {
        Ok(_) => {
            ctx.state.forget_categories();
            Ok(Redirect::to("/admin/kategori?done=added").into_response())
        }
        Err(StorageError::Invalid(errors)) => {
            let values = values_of(&input, true);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&ctx, status, None, values, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit(ctx: PageCtx, Path(code): Path<String>) -> PageResult {
    let rows = ctx.db().category_rows().await?;
    let row = rows
        .iter()
        .find(|r| r.category.code == code)
        .ok_or(ApiError::NotFound)?;
    let input = CategoryInput {
        parent: row.category.parent.clone().unwrap_or_default(),
        name_id: row.category.name_id.clone(),
        name_en: row.category.name_en.clone(),
        food: row.category.food,
    };
    let values = values_of(&input, row.active);
    let none = FieldErrors::new();
    render(&ctx, StatusCode::OK, Some(&code), values, &none, None).await
}

async fn save(ctx: PageCtx, Path(code): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    let input = input_from(&pairs);
    let active = form_value(&pairs, "active") == "1";
    let saved = ctx
        .db()
        .update_category(&code, &input, active, &ctx.caller.actor)
        .await;
    match saved {
        Ok(()) => {
            ctx.state.forget_categories();
            Ok(Redirect::to("/admin/kategori?done=saved").into_response())
        }
        Err(StorageError::Invalid(errors)) => {
            let values = values_of(&input, active);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&ctx, status, Some(&code), values, &errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn move_by(ctx: PageCtx, code: String, up: bool) -> PageResult {
    ctx.db().move_category(&code, up, &ctx.caller.actor).await?;
    ctx.state.forget_categories();
    Ok(Redirect::to(&format!("/admin/kategori#c-{code}")).into_response())
}

async fn move_up(ctx: PageCtx, Path(code): Path<String>, _: FormPairs) -> PageResult {
    move_by(ctx, code, true).await
}

async fn move_down(ctx: PageCtx, Path(code): Path<String>, _: FormPairs) -> PageResult {
    move_by(ctx, code, false).await
}
