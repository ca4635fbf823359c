//! Account administration for admins: list the accounts in their region, add one, disable or
//! re-enable one. Nobody can grant a scope wider than their own.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::{Permission, Role, validate_account};
use sentra_storage::StorageError;

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
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

async fn render(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    uri: &Uri,
    form: &[(String, String)],
    errors: &FieldErrors,
    created: Option<(String, String)>,
) -> Response {
    let users = match state.db().list_users(Some(&caller.scope())).await {
        Ok(u) => u,
        Err(e) => return caller.refuse(ApiError::from(e)),
    };
    let role_now = form_value(form, "role");
    UsersPage {
        c: Chrome::new(lang, lang.t("users.title").into_owned(), uri).signed_in(caller),
        l: lang,
        users: users
            .into_iter()
            .map(|u| UserRow {
                role: lang.t(&format!("role.{}", u.role.as_str())).into_owned(),
                scope: state
                    .regions()
                    .get(&u.scope)
                    .map_or(u.scope.to_string(), |r| format!("{} ({})", r.name, r.code)),
                login: u.login,
                name: u.name,
                disabled: u.disabled,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Opt {
                value: r.as_str().into(),
                label: lang.t(&format!("role.{}", r.as_str())).into_owned(),
                selected: r.as_str() == role_now,
            })
            .collect(),
        name: form_value(form, "name").into(),
        login: form_value(form, "login").into(),
        scope: if created.is_none() && !form_value(form, "scope").is_empty() {
            form_value(form, "scope").into()
        } else {
            caller.user.scope.to_string()
        },
        errors: errors
            .iter()
            .map(|e| format!("{}: {}", field_label(lang, &e.field), lang.error(e.code)))
            .collect(),
        created,
    }
    .into_response()
}

async fn page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageUsers) {
        return *r;
    }
    render(&state, &caller, lang, &uri, &[], &FieldErrors::new(), None).await
}

async fn add(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageUsers, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let typed = form_value(&pairs, "password");
    // A blank password is generated and shown once, to hand to the user.
    let password = if typed.is_empty() {
        sentra_storage::new_secret()[..16].to_string()
    } else {
        typed.to_string()
    };
    let scope = caller.scope();
    let result = match validate_account(
        form_value(&pairs, "name"),
        form_value(&pairs, "login"),
        form_value(&pairs, "role"),
        form_value(&pairs, "scope"),
        &password,
        state.regions(),
        Some(scope.region_code()),
    ) {
        Ok(account) => state
            .db()
            .create_user(&account, &password, &caller.actor)
            .await
            .map_err(|e| match e {
                StorageError::Invalid(f) => f,
                other => {
                    tracing::error!(error = %other, "creating a user failed");
                    let mut f = FieldErrors::new();
                    f.push("login", "internal");
                    f
                }
            }),
        Err(e) => Err(e),
    };
    match result {
        Ok(user) => {
            let shown = if typed.is_empty() {
                password
            } else {
                String::new()
            };
            render(
                &state,
                &caller,
                lang,
                &uri,
                &pairs,
                &FieldErrors::new(),
                Some((user.login, shown)),
            )
            .await
        }
        Err(errors) => {
            let mut res = render(&state, &caller, lang, &uri, &pairs, &errors, None).await;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            res
        }
    }
}

async fn set_disabled(state: AppState, caller: Caller, form: &[u8], disabled: bool) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageUsers, form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let login = form_value(&pairs, "login");
    if login.is_empty() {
        let mut e = FieldErrors::new();
        e.push("login", "required");
        return caller.refuse(ApiError::Validation(e));
    }
    if login == caller.user.login && disabled {
        return caller.refuse(ApiError::Forbidden("forbidden"));
    }
    match state
        .db()
        .set_user_disabled(Some(&caller.scope()), login, disabled, &caller.actor)
        .await
    {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(e) => caller.refuse(ApiError::from(e)),
    }
}

async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    RawForm(form): RawForm,
) -> Response {
    set_disabled(state, caller, &form, true).await
}

async fn enable(State(state): State<AppState>, caller: Caller, RawForm(form): RawForm) -> Response {
    set_disabled(state, caller, &form, false).await
}

/// Sets a generated password (shown once, to hand over) and ends the account's sessions.
async fn reset_password(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageUsers, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let login = form_value(&pairs, "login");
    if login.is_empty() {
        let mut e = FieldErrors::new();
        e.push("login", "required");
        return caller.refuse(ApiError::Validation(e));
    }
    let password = sentra_storage::new_secret()[..16].to_string();
    match state
        .db()
        .reset_password(Some(&caller.scope()), login, &password, &caller.actor)
        .await
    {
        Ok(user) => {
            render(
                &state,
                &caller,
                lang,
                &uri,
                &[],
                &FieldErrors::new(),
                Some((user.login, password)),
            )
            .await
        }
        Err(e) => caller.refuse(ApiError::from(e)),
    }
}
