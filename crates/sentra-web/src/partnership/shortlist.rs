//! A curator's work on a request: a product onto the shortlist, where it stands (with the
//! order's value), the request opened or closed.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::partnership::Outcome;
use sentra_domain::umkm::clean_text;
use sentra_storage::StorageError;

use super::request::show_request;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManagePartnerships);
    Routes::new("")
        .post("/mitra/permintaan/{request}/pilih", manage, pick)
        .post("/mitra/permintaan/{request}/hasil", manage, outcome)
        .post("/mitra/permintaan/{request}/status", manage, set_status)
}

async fn pick(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    ctx.db().partner_request(&scope, &id, None).await?;
    let product = form_value(&f, "product");
    if product.is_empty() {
        let mut e = FieldErrors::new();
        e.push("product", "required");
        return show_request(&ctx, &id, &e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    ctx.db()
        .shortlist_product(&scope, &id, product, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/mitra/permintaan/{id}#shortlist")).into_response())
}

/// Where a shortlisted product stands, as the form gives it.
struct Stand {
    outcome: Outcome,
    value: Option<i64>,
    note: Option<String>,
}

fn stand_of(f: &[(String, String)]) -> Result<Stand, FieldErrors> {
    let mut e = FieldErrors::new();
    let outcome = e.check(
        "outcome",
        Outcome::parse(form_value(f, "outcome")).ok_or(sentra_domain::Invalid("choice_invalid")),
    );
    let value = match form_value(f, "order_value").trim() {
        "" => None,
        v => e.check(
            "order_value",
            sentra_domain::money::parse_positive_rupiah(v),
        ),
    };
    let note = match clean_text(form_value(f, "note"), 500) {
        Ok(n) => n,
        Err(sentra_domain::Invalid(c)) => {
            e.push("note", c);
            None
        }
    };
    match outcome.filter(|_| e.is_empty()) {
        Some(outcome) => Ok(Stand {
            outcome,
            value,
            note,
        }),
        None => Err(e),
    }
}

async fn outcome(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    ctx.db().partner_request(&scope, &id, None).await?;
    let stand = match stand_of(&f) {
        Ok(s) => s,
        Err(e) => return show_request(&ctx, &id, &e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let set = ctx
        .db()
        .set_outcome(
            &scope,
            &id,
            form_value(&f, "product"),
            stand.outcome,
            stand.value,
            stand.note.as_deref(),
            &ctx.caller.actor,
        )
        .await;
    match set {
        Ok(()) => {
            crate::messaging::outcomes::after_partner_outcome(
                &ctx.state,
                &scope,
                &id,
                form_value(&f, "product"),
                stand.outcome,
                &ctx.caller.actor,
            )
            .await;
            Ok(Redirect::to(&format!("/mitra/permintaan/{id}#shortlist")).into_response())
        }
        Err(StorageError::Invalid(e)) => {
            show_request(&ctx, &id, &e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_status(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let open = form_value(&f, "open") == "1";
    ctx.db()
        .set_request_open(&ctx.scope(), &id, open, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/mitra/permintaan/{id}")).into_response())
}
