//! A partner's page: its contact, its requests and what came of them, and a new request.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::{format_rupiah, sum_rupiah};
use sentra_domain::partnership::{RequestInput, validate_request};
use sentra_domain::region::RegionCode;
use sentra_domain::umkm::LegalKind;
use sentra_storage::{CandidateRecord, PartnerRecord, RequestRecord, StorageError};

use super::{OutcomeLine, kind_label, outcome_lines, own_login};
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadPartnerships);
    Routes::new("")
        .get("/mitra/{partner}", read, partner_page)
        .post("/mitra/{partner}/permintaan", read, create_request)
}

pub struct RequestLine {
    pub id: String,
    pub title: String,
    pub quantity: i64,
    pub deliver_by: String,
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "partnership/partner.html")]
pub struct PartnerPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub contact: Vec<(String, String)>,
    pub requests: Vec<RequestLine>,
    pub outcomes: Vec<OutcomeLine>,
    pub orders: usize,
    pub order_value: String,
    pub categories: Vec<(String, String)>,
    pub certificates: Vec<(String, String)>,
    /// Regions a supplier may be asked to be in (empty: anywhere in the area).
    pub regions: Vec<(String, String)>,
    pub errors: Errors,
    pub typed: RequestInput,
}

impl PartnerPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.typed.certificates.iter().any(|c| c == kind)
    }
}

/// (label, value) of the contact details the partner has.
fn contact_lines(lang: Lang, p: &PartnerRecord) -> Vec<(String, String)> {
    let mut contact = Vec::new();
    for (key, v) in [
        ("partner.field_contact_name", &p.contact_name),
        ("partner.field_contact_phone", &p.contact_phone),
        ("partner.field_contact_email", &p.contact_email),
        ("partner.field_user_login", &p.user_login),
    ] {
        if let Some(v) = v {
            contact.push((lang.t(key).into_owned(), v.clone()));
        }
    }
    contact
}

fn request_line(lang: Lang, r: &RequestRecord) -> RequestLine {
    RequestLine {
        id: r.id.clone(),
        title: r.request.title.clone(),
        quantity: r.request.quantity,
        deliver_by: crate::view::day_words(lang, r.request.deliver_by),
        open: r.open,
    }
}

fn certificate_choices(lang: Lang) -> Vec<(String, String)> {
    [
        LegalKind::Halal,
        LegalKind::Pirt,
        LegalKind::Bpom,
        LegalKind::Sni,
    ]
    .iter()
    .map(|k| {
        (
            k.as_str().to_string(),
            lang.t(&format!("doc.{}", k.as_str())).into_owned(),
        )
    })
    .collect()
}

/// The partner's page with the new-request form (as typed, with its problems when refused).
async fn show_partner(
    ctx: &PageCtx,
    id: &str,
    typed: RequestInput,
    errors: &FieldErrors,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let db = ctx.db();
    let p = db.partner(&scope, id, own_login(&ctx.caller)).await?;
    let requests = db.requests_of(&p.id).await?;
    let outcomes = db.candidates_of_partner(&p.id).await?;
    let ordered: Vec<&CandidateRecord> = outcomes.iter().filter(|c| c.outcome.ordered()).collect();
    let categories = ctx.state.categories().await;
    let mut regions = vec![(String::new(), lang.t("partner.anywhere").into_owned())];
    regions.extend(area_choices(&ctx.state, scope.region_code()));
    let mut res = PartnerPage {
        c: ctx.chrome(p.name.clone()),
        l: lang,
        id: p.id.clone(),
        name: p.name.clone(),
        kind: kind_label(lang, p.kind),
        contact: contact_lines(lang, &p),
        requests: requests.iter().map(|r| request_line(lang, r)).collect(),
        orders: ordered.len(),
        order_value: format_rupiah(sum_rupiah(ordered.iter().filter_map(|c| c.order_value))),
        outcomes: outcome_lines(lang, &ctx.caller, &outcomes),
        categories: categories
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    lang.pick(&c.name_id, &c.name_en).to_string(),
                )
            })
            .collect(),
        regions,
        certificates: certificate_choices(lang),
        errors: worded(lang, errors, "partner.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn partner_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    show_partner(&ctx, &id, RequestInput::default(), &FieldErrors::new()).await
}

/// The request form as typed; `certificates` may repeat (a check box each).
fn request_input(f: &[(String, String)]) -> RequestInput {
    let v = |k: &str| form_value(f, k).to_string();
    RequestInput {
        title: v("title"),
        category: v("category"),
        keywords: v("keywords"),
        quantity: v("quantity"),
        deliver_by: v("deliver_by"),
        price_min: v("price_min"),
        price_max: v("price_max"),
        certificates: f
            .iter()
            .filter(|(k, _)| k == "certificates")
            .map(|(_, v)| v.clone())
            .collect(),
        packaging: v("packaging"),
        max_weight_grams: v("max_weight_grams"),
        max_side_cm: v("max_side_cm"),
        region: v("region"),
        notes: v("notes"),
    }
}

async fn create_request(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    let scope = ctx.scope();
    // The partner first: not found outside the caller's reach, whatever the form says.
    ctx.db()
        .partner(&scope, &id, own_login(&ctx.caller))
        .await?;
    let input = request_input(&f);
    let today = crate::clock::today();
    let mut request = match validate_request(&input, today) {
        Ok(r) => r,
        Err(e) => return show_partner(&ctx, &id, input, &e).await,
    };
    if let Some(c) = &request.category {
        let known = ctx
            .state
            .categories()
            .await
            .iter()
            .any(|k| &k.code == c || k.code.starts_with(&format!("{c}.")));
        if !known {
            let mut e = FieldErrors::new();
            e.push("category", "choice_invalid");
            return show_partner(&ctx, &id, input, &e).await;
        }
    }
    // A region preference inside the caller's scope only.
    if let Some(r) = &request.region
        && !RegionCode::parse(r).is_ok_and(|c| scope.contains(&c))
    {
        request.region = None;
    }
    let created = ctx
        .db()
        .create_request(
            &scope,
            &id,
            &request,
            own_login(&ctx.caller),
            &ctx.caller.actor,
        )
        .await;
    match created {
        Ok(rid) => Ok(Redirect::to(&format!("/mitra/permintaan/{rid}")).into_response()),
        Err(StorageError::Invalid(e)) => show_partner(&ctx, &id, input, &e).await,
        Err(e) => Err(e.into()),
    }
}
