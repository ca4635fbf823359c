//! Government units (`/pengadaan/opd`, issue 9): the managed list of a region's OPD with their
//! own codes, each unit's page with its goods/services budget of a year (every revision kept)
//! and its purchases of the year, filterable to the flagged packages (Perpres 12/2021 Pasal 65
//! ayat (4)) or those awaiting payment. Procurement officers and admins add, rename and retire
//! units and set budgets; the dashboard roles read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{DeliveryRecord, Share, validate_budget, validate_unit};
use sentra_domain::region::RegionCode;
use sentra_storage::{PurchaseFilter, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::procurement::share::{PurchaseView, chosen_year, purchase_view, record_text};
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProcurement);
    let record = Access::Role(Permission::RecordProcurement);
    Routes::new("")
        .get("/pengadaan/opd", read, units_page)
        .post("/pengadaan/opd", record, create_unit)
        .get("/pengadaan/opd/{unit}", read, unit_page)
        .post("/pengadaan/opd/{unit}", record, update_unit)
        .post("/pengadaan/opd/{unit}/pagu", record, set_budget)
}

/// (field, label, message) of a refused form.
pub type Errors = Vec<(String, String, String)>;

pub(crate) fn worded(lang: Lang, e: &FieldErrors, prefix: &str) -> Errors {
    e.iter()
        .map(|x| {
            let key = format!("{prefix}{}", x.field);
            let label = if lang.has(&key) {
                lang.t(&key).into_owned()
            } else {
                x.field.clone()
            };
            (x.field.clone(), label, lang.error(x.code).into_owned())
        })
        .collect()
}

pub struct UnitLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub region: String,
    pub active: bool,
    pub budget: String,
    pub spent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement_units.html")]
pub struct UnitsPage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub years: Vec<i32>,
    pub units: Vec<UnitLine>,
    /// "Pagu 2026".
    pub budget_heading: String,
    pub can_record: bool,
    pub errors: Errors,
    /// The new unit as typed: region, code, name.
    pub typed: (String, String, String),
}

impl UnitsPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

async fn show_units(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    q: &[(String, String)],
    typed: (String, String, String),
    errors: &FieldErrors,
) -> Response {
    let scope = caller.scope();
    let asked = RegionCode::parse(form_value(q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, uri, crate::error::ApiError::NotFound);
    };
    let today = chrono::Utc::now().date_naive();
    let year = chosen_year(q, today);
    let shares = match state.db().unit_shares(&scope, &region, year, today).await {
        Ok(s) => s,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let mut res = UnitsPage {
        c: Chrome::new(lang, lang.t("procurement.units_title").into_owned(), uri).signed_in(caller),
        l: lang,
        regions: area_choices(state, scope.region_code()),
        region: region.as_str().to_string(),
        year,
        years: (today.year() - 4..=today.year() + 1).rev().collect(),
        units: shares
            .iter()
            .map(|s| UnitLine {
                id: s.unit.id.clone(),
                code: s.unit.code.clone(),
                name: s.unit.name.clone(),
                region: state.region_name(&s.unit.region_code),
                active: s.unit.active,
                budget: s.share.budget.map_or("–".into(), format_rupiah),
                spent: format_rupiah(s.share.total),
            })
            .collect(),
        budget_heading: lang.tf("procurement.budget_of", &[("year", &year.to_string())]),
        can_record: caller.can(Permission::RecordProcurement),
        errors: worded(lang, errors, "procurement.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn units_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProcurement) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let typed = (
        form_value(&q, "wilayah").to_string(),
        String::new(),
        String::new(),
    );
    show_units(&state, lang, &caller, &uri, &q, typed, &FieldErrors::new()).await
}

async fn create_unit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let typed = (
        form_value(&f, "region").to_string(),
        form_value(&f, "code").to_string(),
        form_value(&f, "name").to_string(),
    );
    let scope = caller.scope();
    let mut errors = FieldErrors::new();
    let region = RegionCode::parse(&typed.0)
        .ok()
        .filter(|r| scope.contains(r));
    if region.is_none() {
        errors.push("region", "choice_invalid");
    }
    let checked = validate_unit(&typed.1, &typed.2);
    if let Err(e) = &checked {
        errors.0.extend(e.0.iter().cloned());
    }
    let q = vec![("wilayah".to_string(), typed.0.clone())];
    let (Some(region), Ok((code, name))) = (region, checked) else {
        return show_units(&state, lang, &caller, &uri, &q, typed, &errors).await;
    };
    match state
        .db()
        .create_unit(&scope, &region, &code, &name, &caller.actor)
        .await
    {
        Ok(unit) => {
            Redirect::to(&format!("/pengadaan/opd/{}?done=created", unit.id)).into_response()
        }
        Err(StorageError::Invalid(e)) => {
            show_units(&state, lang, &caller, &uri, &q, typed, &e).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct RevisionLine {
    pub revision: i64,
    pub amount: String,
    pub set_by: String,
    pub set_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement_unit.html")]
pub struct UnitPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub code: String,
    pub name: String,
    pub region: String,
    pub active: bool,
    pub year: i32,
    pub years: Vec<i32>,
    pub budget_heading: String,
    pub purchases_heading: String,
    pub budget: String,
    pub spent: String,
    pub small: String,
    pub share: String,
    pub met: bool,
    pub record: String,
    pub revisions: Vec<RevisionLine>,
    pub purchases: Vec<PurchaseView>,
    pub flagged_only: bool,
    pub awaiting_only: bool,
    pub can_record: bool,
    pub notice: Option<String>,
    pub errors: Errors,
    /// The edit form as typed: code, name; and the budget form: year, amount.
    pub typed: (String, String, String, String),
}

impl UnitPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

struct UnitForm {
    typed: Option<(String, String, String, String)>,
    errors: FieldErrors,
    status: StatusCode,
}

async fn show_unit(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    q: &[(String, String)],
    form: UnitForm,
) -> Response {
    let scope = caller.scope();
    let db = state.db();
    let unit = match db.unit(&scope, id).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let today = chrono::Utc::now().date_naive();
    let year = chosen_year(q, today);
    let flagged_only = form_value(q, "tanda") == "1";
    let awaiting_only = form_value(q, "bayar") == "1";
    let all = db
        .purchases(
            &scope,
            &PurchaseFilter {
                unit_id: Some(unit.id.clone()),
                year: Some(year),
                ..PurchaseFilter::default()
            },
        )
        .await;
    let revisions = db.budget_revisions(&scope, &unit.id, year).await;
    let (all, revisions) = match (all, revisions) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(e), _) | (_, Err(e)) => return error_page(lang, uri, e.into()),
    };
    let mut share = Share {
        budget: revisions.first().map(|r| r.amount),
        ..Share::default()
    };
    let mut record = DeliveryRecord::default();
    for p in &all {
        share.add(p.purchase.value, p.purchase.supplier_type);
        record.add(&p.purchase);
    }
    let reads_registry = caller.can(Permission::ReadRegistry);
    let purchases = all
        .iter()
        .filter(|p| !flagged_only || p.purchase.reserved_package_breached())
        .filter(|p| {
            !awaiting_only || (p.purchase.accepted_on.is_some() && p.purchase.paid_on.is_none())
        })
        .map(|p| purchase_view(lang, p, reads_registry, today))
        .collect();
    let notice = match form_value(q, "done") {
        d @ ("created" | "saved" | "budget") => {
            Some(lang.t(&format!("procurement.done_{d}")).into_owned())
        }
        _ => None,
    };
    let typed = form.typed.unwrap_or_else(|| {
        (
            unit.code.clone(),
            unit.name.clone(),
            year.to_string(),
            String::new(),
        )
    });
    let title = format!("{} {}", unit.code, unit.name);
    let mut res = UnitPage {
        c: Chrome::new(lang, title, uri).signed_in(caller),
        l: lang,
        id: unit.id.clone(),
        code: unit.code.clone(),
        name: unit.name.clone(),
        region: state.region_name(&unit.region_code),
        active: unit.active,
        year,
        years: (today.year() - 4..=today.year() + 1).rev().collect(),
        budget_heading: lang.tf("procurement.budget_of", &[("year", &year.to_string())]),
        purchases_heading: lang.tf("procurement.purchases_of", &[("year", &year.to_string())]),
        budget: share.budget.map_or("–".into(), format_rupiah),
        spent: format_rupiah(share.total),
        small: format_rupiah(share.small),
        share: crate::procurement::share::bp_text(lang, share.of_spending_bp()),
        met: share.meets_minimum(),
        record: record_text(lang, &record),
        revisions: revisions
            .iter()
            .map(|r| RevisionLine {
                revision: r.revision,
                amount: format_rupiah(r.amount),
                set_by: r.set_by.clone(),
                set_at: crate::view::date_text(lang, &r.set_at),
            })
            .collect(),
        purchases,
        flagged_only,
        awaiting_only,
        can_record: caller.can(Permission::RecordProcurement),
        notice,
        errors: worded(lang, &form.errors, "procurement.field_"),
        typed,
    }
    .into_response();
    *res.status_mut() = form.status;
    res
}

async fn unit_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProcurement) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let form = UnitForm {
        typed: None,
        errors: FieldErrors::new(),
        status: StatusCode::OK,
    };
    show_unit(&state, lang, &caller, &uri, &id, &q, form).await
}

async fn update_unit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    // The unit first: not found outside the caller's scope, whatever the form says.
    if let Err(e) = state.db().unit(&scope, &id).await {
        return error_page(lang, &uri, e.into());
    }
    let typed = (
        form_value(&f, "code").to_string(),
        form_value(&f, "name").to_string(),
        String::new(),
        String::new(),
    );
    let refused = |errors: FieldErrors| UnitForm {
        typed: Some(typed.clone()),
        errors,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (code, name) = match validate_unit(&typed.0, &typed.1) {
        Ok(v) => v,
        Err(e) => return show_unit(&state, lang, &caller, &uri, &id, &[], refused(e)).await,
    };
    let active = form_value(&f, "active") == "1";
    match state
        .db()
        .update_unit(&scope, &id, &code, &name, active, &caller.actor)
        .await
    {
        Ok(_) => Redirect::to(&format!("/pengadaan/opd/{id}?done=saved")).into_response(),
        Err(StorageError::Invalid(e)) => {
            show_unit(&state, lang, &caller, &uri, &id, &[], refused(e)).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn set_budget(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let unit = match state.db().unit(&scope, &id).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let (year, amount) = (form_value(&f, "year"), form_value(&f, "amount"));
    let q = vec![("tahun".to_string(), year.to_string())];
    match validate_budget(year, amount) {
        Ok((year, amount)) => {
            match state
                .db()
                .set_budget(&scope, &unit.id, year, amount, &caller.actor)
                .await
            {
                Ok(_) => Redirect::to(&format!("/pengadaan/opd/{id}?tahun={year}&done=budget"))
                    .into_response(),
                Err(e) => error_page(lang, &uri, e.into()),
            }
        }
        Err(e) => {
            let form = UnitForm {
                typed: Some((
                    unit.code.clone(),
                    unit.name.clone(),
                    year.to_string(),
                    amount.to_string(),
                )),
                errors: e,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_unit(&state, lang, &caller, &uri, &id, &q, form).await
        }
    }
}
