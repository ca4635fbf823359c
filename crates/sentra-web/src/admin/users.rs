//! Account administration for admins: list the accounts in their region, add one, disable or
//! re-enable one. Nobody can grant a scope wider than their own.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::{Permission, Role, validate_account};
use sentra_storage::{StorageError, User};

use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, Opt};
use crate::view::field_label;

pub(crate) fn routes() -> Routes {
    use Permission::ManageUsers;
    Routes::new("")
        .get("/admin/users", Access::Role(ManageUsers), page)
        .post("/admin/users", Access::Role(ManageUsers), add)
        .post("/admin/users/disable", Access::Role(ManageUsers), disable)
        .post("/admin/users/enable", Access::Role(ManageUsers), enable)
        .post(
            "/admin/users/reset-password",
            Access::Role(ManageUsers),
            reset_password,
        )
}

pub struct UserRow {
    pub login: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub disabled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub c: Chrome,
    pub l: Lang,
    pub users: Vec<UserRow>,
    pub roles: Vec<Opt>,
    pub name: String,
    pub login: String,
    pub scope: String,
    pub errors: Vec<String>,
    pub created: Option<(String, String)>,
}

/// The accounts of the caller's region and the form to add one (with what was typed, its
/// problems, or the account just made and its password, shown once).
async fn render(
    ctx: &PageCtx,
    form: &[(String, String)],
    errors: &FieldErrors,
    created: Option<(String, String)>,
) -> PageResult {
    let lang = ctx.lang;
    let users = ctx.db().list_users(Some(&ctx.scope())).await?;
    let typed = |k: &str| form_value(form, k).to_string();
    Ok(UsersPage {
        c: ctx.chrome(lang.t("users.title")),
        l: lang,
        users: users.into_iter().map(|u| user_row(ctx, u)).collect(),
        roles: role_opts(lang, form_value(form, "role")),
        name: typed("name"),
        login: typed("login"),
        scope: if created.is_none() && !typed("scope").is_empty() {
            typed("scope")
        } else {
            ctx.caller.user.scope.to_string()
        },
        errors: errors
            .iter()
            .map(|e| format!("{}: {}", field_label(lang, &e.field), lang.error(e.code)))
            .collect(),
        created,
    }
    .into_response())
}

fn user_row(ctx: &PageCtx, u: User) -> UserRow {
    UserRow {
        role: ctx
            .lang
            .t(&format!("role.{}", u.role.as_str()))
            .into_owned(),
        scope: ctx
            .state
            .regions()
            .get(&u.scope)
            .map_or(u.scope.to_string(), |r| format!("{} ({})", r.name, r.code)),
        login: u.login,
        name: u.name,
        disabled: u.disabled,
    }
}

fn role_opts(lang: Lang, current: &str) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt {
            value: r.as_str().into(),
            label: lang.t(&format!("role.{}", r.as_str())).into_owned(),
            selected: r.as_str() == current,
        })
        .collect()
}

async fn page(ctx: PageCtx) -> PageResult {
    render(&ctx, &[], &FieldErrors::new(), None).await
}

/// The account from the form, made; its problems by field otherwise.
async fn create_account(
    ctx: &PageCtx,
    pairs: &[(String, String)],
    password: &str,
) -> Result<User, FieldErrors> {
    let scope = ctx.scope();
    let account = validate_account(
        form_value(pairs, "name"),
        form_value(pairs, "login"),
        form_value(pairs, "role"),
        form_value(pairs, "scope"),
        password,
        ctx.state.regions(),
        Some(scope.region_code()),
    )?;
    ctx.db()
        .create_user(&account, password, &ctx.caller.actor)
        .await
        .map_err(|e| match e {
            StorageError::Invalid(f) => f,
            other => {
                tracing::error!(error = %other, "creating a user failed");
                let mut f = FieldErrors::new();
                f.push("login", "internal");
                f
            }
        })
}

async fn add(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let typed = form_value(&pairs, "password");
    // A blank password is generated and shown once, to hand to the user.
    let password = if typed.is_empty() {
        sentra_storage::new_secret()[..16].to_string()
    } else {
        typed.to_string()
    };
    match create_account(&ctx, &pairs, &password).await {
        Ok(user) => {
            let shown = if typed.is_empty() {
                password
            } else {
                String::new()
            };
            let created = Some((user.login, shown));
            render(&ctx, &pairs, &FieldErrors::new(), created).await
        }
        Err(errors) => {
            let mut res = render(&ctx, &pairs, &errors, None).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

/// The account the form names (`login`), required.
fn named_login(pairs: &[(String, String)]) -> Result<&str, FieldErrors> {
    let login = form_value(pairs, "login");
    if login.is_empty() {
        let mut e = FieldErrors::new();
        e.push("login", "required");
        return Err(e);
    }
    Ok(login)
}

async fn set_disabled(ctx: PageCtx, pairs: &[(String, String)], disabled: bool) -> PageResult {
    let login = named_login(pairs)?;
    // Nobody locks themselves out.
    if login == ctx.caller.user.login && disabled {
        return Err(ApiError::Forbidden("forbidden").into());
    }
    ctx.db()
        .set_user_disabled(Some(&ctx.scope()), login, disabled, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

async fn disable(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    set_disabled(ctx, &pairs, true).await
}

async fn enable(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    set_disabled(ctx, &pairs, false).await
}

/// Sets a generated password (shown once, to hand over) and ends the account's sessions.
async fn reset_password(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let login = named_login(&pairs)?;
    let password = sentra_storage::new_secret()[..16].to_string();
    let user = ctx
        .db()
        .reset_password(Some(&ctx.scope()), login, &password, &ctx.caller.actor)
        .await?;
    render(&ctx, &[], &FieldErrors::new(), Some((user.login, password))).await
}
