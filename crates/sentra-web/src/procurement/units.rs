//! Government units (`/pengadaan/opd`, issue 9): the managed list of a region's OPD with their
//! own codes, each unit's page with its goods/services budget of a year (every revision kept)
//! and its purchases of the year, filterable to the flagged packages (Perpres 12/2021 Pasal 65
//! ayat (4)) or those awaiting payment. Procurement officers and admins add, rename and retire
//! units and set budgets; the dashboard roles read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{DeliveryRecord, Share, validate_budget, validate_unit};
use sentra_domain::region::RegionCode;
use sentra_storage::{PurchaseFilter, StorageError};
use serde::Deserialize;

use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::procurement::figures::{chosen_year, lenient};
use crate::procurement::share::{PurchaseView, purchase_view, record_text};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

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

pub(crate) use crate::ui::{Errors, worded};

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

/// `/pengadaan/opd?wilayah=…&tahun=…`.
#[derive(Deserialize)]
struct UnitsQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
}

/// The units of `q.region` (a region inside the caller's scope) with their budgets and
/// spending of the year; the new-unit form as typed, with its problems (422) if any.
async fn show_units(
    ctx: &PageCtx,
    q: &UnitsQuery,
    typed: (String, String, String),
    errors: &FieldErrors,
) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let asked = RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let today = crate::clock::today();
    let year = chosen_year(q.year, today);
    let shares = ctx.db().unit_shares(&scope, &region, year, today).await?;
    let mut res = UnitsPage {
        c: ctx.chrome(lang.t("procurement.units_title")),
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
        can_record: ctx.caller.can(Permission::RecordProcurement),
        errors: worded(lang, errors, "procurement.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn units_page(ctx: PageCtx, PageQuery(q): PageQuery<UnitsQuery>) -> PageResult {
    let typed = (q.region.clone(), String::new(), String::new());
    show_units(&ctx, &q, typed, &FieldErrors::new()).await
}

#[derive(Deserialize)]
struct NewUnit {
    #[serde(default)]
    region: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

async fn create_unit(ctx: PageCtx, PageForm(f): PageForm<NewUnit>) -> PageResult {
    let typed = (f.region, f.code, f.name);
    let scope = ctx.scope();
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
    let q = UnitsQuery {
        region: typed.0.clone(),
        year: None,
    };
    let (Some(region), Ok((code, name))) = (region, checked) else {
        return show_units(&ctx, &q, typed, &errors).await;
    };
    match ctx
        .db()
        .create_unit(&scope, &region, &code, &name, &ctx.caller.actor)
        .await
    {
        Ok(unit) => {
            Ok(Redirect::to(&format!("/pengadaan/opd/{}?done=created", unit.id)).into_response())
        }
        Err(StorageError::Invalid(e)) => show_units(&ctx, &q, typed, &e).await,
        Err(e) => Err(e.into()),
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
    /// Share of spending (progress).
    pub share: String,
    /// Share of the budget, judged against Pasal 65 ayat (3) (`None` without a budget).
    pub of_budget: String,
    pub met: Option<bool>,
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

/// `/pengadaan/opd/{unit}?tahun=…&tanda=1&bayar=1&done=…`.
#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
    /// Only the flagged packages.
    #[serde(default, rename = "tanda")]
    flagged: String,
    /// Only those awaiting payment.
    #[serde(default, rename = "bayar")]
    awaiting: String,
    #[serde(default)]
    done: String,
}

/// The unit's budget and share of the year, and its purchases as lines (filtered).
struct UnitYear {
    share: Share,
    record: DeliveryRecord,
    revisions: Vec<RevisionLine>,
    purchases: Vec<PurchaseView>,
}

async fn unit_year(
    ctx: &PageCtx,
    unit_id: &str,
    year: i32,
    flagged_only: bool,
    awaiting_only: bool,
) -> PageResult<UnitYear> {
    let (scope, lang) = (ctx.scope(), ctx.lang);
    let db = ctx.db();
    let filter = PurchaseFilter {
        unit_id: Some(unit_id.to_string()),
        year: Some(year),
        ..PurchaseFilter::default()
    };
    let all = db.purchases(&scope, &filter).await?;
    let revisions = db.budget_revisions(&scope, unit_id, year).await?;
    let mut share = Share {
        budget: revisions.first().map(|r| r.amount),
        ..Share::default()
    };
    let mut record = DeliveryRecord::default();
    for p in &all {
        share.add(p.purchase.value, p.purchase.supplier_type);
        record.add(&p.purchase);
    }
    let reads_registry = ctx.caller.can(Permission::ReadRegistry);
    let today = crate::clock::today();
    let purchases = all
        .iter()
        .filter(|p| !flagged_only || p.purchase.reserved_package_breached())
        .filter(|p| {
            !awaiting_only || (p.purchase.accepted_on.is_some() && p.purchase.paid_on.is_none())
        })
        .map(|p| purchase_view(lang, p, reads_registry, today))
        .collect();
    let revisions = revisions
        .iter()
        .map(|r| RevisionLine {
            revision: r.revision,
            amount: format_rupiah(r.amount),
            set_by: r.set_by.clone(),
            set_at: crate::view::date_text(lang, &r.set_at),
        })
        .collect();
    Ok(UnitYear {
        share,
        record,
        revisions,
        purchases,
    })
}

async fn show_unit(ctx: &PageCtx, id: &str, q: &UnitQuery, form: UnitForm) -> PageResult {
    let lang = ctx.lang;
    let unit = ctx.db().unit(&ctx.scope(), id).await?;
    let today = crate::clock::today();
    let year = chosen_year(q.year, today);
    let (flagged_only, awaiting_only) = (q.flagged == "1", q.awaiting == "1");
    let y = unit_year(ctx, &unit.id, year, flagged_only, awaiting_only).await?;
    let notice = match q.done.as_str() {
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
    let mut res = UnitPage {
        c: ctx.chrome(format!("{} {}", unit.code, unit.name)),
        l: lang,
        region: ctx.state.region_name(&unit.region_code),
        active: unit.active,
        year,
        years: (today.year() - 4..=today.year() + 1).rev().collect(),
        budget_heading: lang.tf("procurement.budget_of", &[("year", &year.to_string())]),
        purchases_heading: lang.tf("procurement.purchases_of", &[("year", &year.to_string())]),
        budget: y.share.budget.map_or("–".into(), format_rupiah),
        spent: format_rupiah(y.share.total),
        small: format_rupiah(y.share.small),
        share: crate::procurement::share::bp_text(lang, y.share.of_spending_bp()),
        of_budget: crate::procurement::share::bp_text(lang, y.share.of_budget_bp()),
        met: y.share.meets_minimum(),
        record: record_text(lang, &y.record),
        revisions: y.revisions,
        purchases: y.purchases,
        flagged_only,
        awaiting_only,
        can_record: ctx.caller.can(Permission::RecordProcurement),
        notice,
        errors: worded(lang, &form.errors, "procurement.field_"),
        typed,
        id: unit.id,
        code: unit.code,
        name: unit.name,
    }
    .into_response();
    *res.status_mut() = form.status;
    Ok(res)
}

async fn unit_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<UnitQuery>,
) -> PageResult {
    let form = UnitForm {
        typed: None,
        errors: FieldErrors::new(),
        status: StatusCode::OK,
    };
    show_unit(&ctx, &id, &q, form).await
}

#[derive(Deserialize)]
struct UnitEdit {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    active: String,
}

async fn update_unit(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageForm(f): PageForm<UnitEdit>,
) -> PageResult {
    let scope = ctx.scope();
    // The unit first: not found outside the caller's scope, whatever the form says.
    ctx.db().unit(&scope, &id).await?;
    let typed = (f.code, f.name, String::new(), String::new());
    let refused = |errors: FieldErrors| UnitForm {
        typed: Some(typed.clone()),
        errors,
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let q = UnitQuery::default();
    let (code, name) = match validate_unit(&typed.0, &typed.1) {
        Ok(v) => v,
        Err(e) => return show_unit(&ctx, &id, &q, refused(e)).await,
    };
    let active = f.active == "1";
    match ctx
        .db()
        .update_unit(&scope, &id, &code, &name, active, &ctx.caller.actor)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/pengadaan/opd/{id}?done=saved")).into_response()),
        Err(StorageError::Invalid(e)) => show_unit(&ctx, &id, &q, refused(e)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct BudgetForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
}

async fn set_budget(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageForm(f): PageForm<BudgetForm>,
) -> PageResult {
    let scope = ctx.scope();
    let unit = ctx.db().unit(&scope, &id).await?;
    match validate_budget(&f.year, &f.amount) {
        Ok((year, amount)) => {
            ctx.db()
                .set_budget(&scope, &unit.id, year, amount, &ctx.caller.actor)
                .await?;
            Ok(
                Redirect::to(&format!("/pengadaan/opd/{id}?tahun={year}&done=budget"))
                    .into_response(),
            )
        }
        Err(e) => {
            // The page shows the year typed (or this one, when it is not a year).
            let q = UnitQuery {
                year: lenient(&f.year),
                ..UnitQuery::default()
            };
            let form = UnitForm {
                typed: Some((unit.code.clone(), unit.name.clone(), f.year, f.amount)),
                errors: e,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_unit(&ctx, &id, &q, form).await
        }
    }
}
