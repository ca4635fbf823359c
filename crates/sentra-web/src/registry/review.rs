//! What a verifier does on a business's page: set its status, hand it to its owner (an owner
//! account, made or linked), approve or reject an owner's change.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};

use sentra_domain::FieldErrors;
use sentra_domain::account::{NewAccount, Role, parse_login};
use sentra_domain::umkm::{UmkmData, UmkmStatus};
use sentra_storage::{UmkmRecord, User};

use super::detail::{no_store, render_detail};
use crate::api::validated;
use crate::error::{PageError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::{form_value, input_from_form};
use crate::lang::Lang;
use crate::ui::Chrome;

/// A problem with one field of a form posted from the record's page.
fn invalid(field: &str, code: &'static str) -> PageError {
    let mut e = FieldErrors::new();
    e.push(field, code);
    e.into()
}

pub(super) async fn set_status(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    // A record outside the scope is "not found" whatever the form says.
    let before = ctx.db().get_umkm(&ctx.scope(), &id).await?.status;
    let Some(status) = UmkmStatus::parse(form_value(&pairs, "status")) else {
        return Err(invalid("status", "status_unknown"));
    };
    let r = ctx
        .db()
        .set_umkm_status(&ctx.scope(), &id, status, &ctx.caller.actor)
        .await?;
    crate::messaging::notices::after_status_change(
        &ctx.state,
        &ctx.scope(),
        before,
        &r,
        &ctx.caller.actor,
    )
    .await;
    Ok(Redirect::to(&format!("/umkm/{}?done=status", r.id)).into_response())
}

/// Asks the operator to confirm, before a self-made owner account is linked to a business,
/// that she met the account's holder and checked who she is.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "registry/owner_confirm.html")]
struct OwnerConfirmPage {
    c: Chrome,
    l: Lang,
    id: String,
    business: String,
    login: String,
    name: String,
}

/// Gives the owner an account for a business an operator registered: a new owner account for
/// the phone number (password generated and shown once), or the existing owner account.
pub(super) async fn hand_to_owner(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let record = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    let typed = form_value(&pairs, "phone").trim().to_string();
    let phone = if typed.is_empty() {
        record.owner_phone.clone().unwrap_or_default()
    } else {
        typed
    };
    let Ok(login) = parse_login(&phone) else {
        return Err(invalid("phone", "login_invalid"));
    };
    let (user, password) = match ctx.db().user_by_login(&login).await? {
        Some(u) if u.role == Role::Owner => {
            let checked = form_value(&pairs, "holder_checked") == "1";
            confirm_holder(&ctx, &record, &u, checked).await?;
            (u, None)
        }
        Some(_) => return Err(invalid("phone", "login_taken")),
        None => new_owner(&ctx, &record, login).await?,
    };
    ctx.db()
        .assign_owner(&ctx.scope(), &id, &user.id, &ctx.caller.actor)
        .await?;
    let lang = ctx.lang;
    let notice = match password {
        Some(p) => lang.tf(
            "umkm.owner_created",
            &[("login", &user.login), ("password", &p)],
        ),
        None => lang.tf("umkm.owner_linked", &[("login", &user.login)]),
    };
    Ok(no_store(
        render_detail(&ctx, record, false, Some(notice)).await,
    ))
}

/// Anyone can sign up with an owner's phone number: an account whose holder nobody has met is
/// linked only once the operator confirms she met her (`holder_checked`); until then, the
/// page that asks is the answer.
async fn confirm_holder(
    ctx: &PageCtx,
    record: &UmkmRecord,
    u: &User,
    checked: bool,
) -> PageResult<()> {
    if ctx.db().account_holder_confirmed(&u.id).await? {
        return Ok(());
    }
    if checked {
        ctx.db()
            .confirm_account_holder(&u.id, &ctx.caller.actor)
            .await?;
        return Ok(());
    }
    let ask = OwnerConfirmPage {
        c: ctx.chrome(ctx.lang.t("umkm.holder_title")),
        l: ctx.lang,
        id: record.id.clone(),
        business: record.name.clone(),
        login: u.login.clone(),
        name: u.name.clone(),
    };
    Err(ask.into_response().into())
}

/// A new owner account for the phone number, with its generated password.
async fn new_owner(
    ctx: &PageCtx,
    record: &UmkmRecord,
    login: String,
) -> PageResult<(User, Option<String>)> {
    let password = sentra_storage::new_secret()[..16].to_string();
    let account = NewAccount {
        name: record.owner_name.clone(),
        login,
        role: Role::Owner,
        scope: ctx.state.home().clone(),
    };
    let actor = &ctx.caller.actor;
    let u = ctx.db().create_user(&account, &password, actor).await?;
    // The operator hands the password over in person.
    ctx.db().confirm_account_holder(&u.id, actor).await?;
    Ok((u, Some(password)))
}

/// An operator approves (the change is re-validated and applied) or rejects an owner's change.
pub(super) async fn decide_change(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let scope = ctx.scope();
    let pending = ctx.db().pending_changes(&scope, &id).await?;
    let Some(request) = pending
        .into_iter()
        .find(|c| c.id == form_value(&pairs, "request"))
    else {
        return Err(invalid("request", "required"));
    };
    let data = if form_value(&pairs, "decision") == "approve" {
        Some(proposed_data(&ctx, &id, &request.form).await?)
    } else {
        None
    };
    ctx.db()
        .decide_change(&scope, &id, &request, data.as_ref(), &ctx.caller.actor)
        .await?;
    crate::messaging::outcomes::after_change_decided(
        &ctx.state,
        &scope,
        &id,
        &request.id,
        data.is_some(),
        &ctx.caller.actor,
    )
    .await;
    Ok(Redirect::to(&format!("/umkm/{id}")).into_response())
}

/// The owner's proposed form over the record as it is now, validated again.
async fn proposed_data(ctx: &PageCtx, id: &str, form: &str) -> PageResult<UmkmData> {
    let scope = ctx.scope();
    let current = ctx.db().get_umkm(&scope, id).await?;
    let proposed: Vec<(String, String)> = serde_json::from_str(form).unwrap_or_default();
    let mut input = input_from_form(&proposed);
    crate::forms::keep_personal_data(&mut input, &current);
    Ok(validated(&ctx.state, &scope, &input).await?)
}
