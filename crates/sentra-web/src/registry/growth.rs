//! Naik kelas on a business's page: its reports (sales, modal, employees, channels, financing
//! per year or quarter), the size class changes they made (PP 7/2021 Pasal 35) and the
//! milestones reached; the form to add a report (`POST /umkm/{id}/naik-kelas`, operators and
//! the owner). The dashboard counts the same per region and year.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::growth::{
    GrowthReport, Milestone, ReportInput, SizeEvent, milestones, validate_report,
};
use sentra_domain::money::format_rupiah;
use sentra_domain::size::SizeClass;
use sentra_storage::{GrowthFilter, LatestFigures, RegistryFigures, UmkmRecord};

use crate::AppState;
use crate::auth::Caller;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("").post(
        "/umkm/{id}/naik-kelas",
        Access::Role(Permission::WriteRegistry),
        add_report,
    )
}

pub fn milestone_label(lang: Lang, m: Milestone) -> String {
    lang.t(&format!("growth.m_{}", m.as_str())).into_owned()
}

fn size_label(lang: Lang, c: Option<SizeClass>) -> String {
    match c {
        Some(c) => lang.t(&format!("size.{}", c.as_str())).into_owned(),
        None => lang.t("activity.size_unknown").into_owned(),
    }
}

/// What a registry list narrowed by growth shows: "Naik kelas pada 2025".
pub fn filter_label(lang: Lang, f: GrowthFilter) -> String {
    let (what, year) = match f {
        GrowthFilter::Registered(y) => (lang.t("growth.registered").into_owned(), y),
        GrowthFilter::ProgrammeReached(y) => (lang.t("growth.reached").into_owned(), y),
        GrowthFilter::NotReached(y) => (lang.t("growth.not_reached").into_owned(), y),
        GrowthFilter::Reported(y) => (lang.t("growth.reported").into_owned(), y),
        GrowthFilter::ClassDown(y) => (lang.t("growth.class_down").into_owned(), y),
        GrowthFilter::Reached(m, y) => (milestone_label(lang, m), y),
    };
    lang.tf(
        "growth.filter",
        &[("what", &what), ("year", &year.to_string())],
    )
}

pub struct ReportRow {
    pub period: String,
    pub sales: String,
    pub modal: String,
    pub employees: String,
    pub channels: String,
    pub size: String,
}

pub struct GrowthSection {
    pub reports: Vec<ReportRow>,
    /// "2025: Mikro → Kecil (modal)".
    pub events: Vec<String>,
    /// "2025: Pertama jual online".
    pub milestones: Vec<String>,
    pub can_report: bool,
    /// The last full year, the form's default.
    pub last_year: i32,
}

fn amount(v: Option<i64>) -> String {
    v.map(format_rupiah).unwrap_or_else(|| "—".into())
}

/// The naik-kelas part of a business's page.
pub(crate) async fn growth_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<GrowthSection> {
    let reports = state.db().growth_reports(&record.id).await.ok()?;
    let events = state.db().size_events_of(&record.id).await.ok()?;
    let nib_year = record
        .documents
        .iter()
        .find(|d| d.kind == sentra_domain::umkm::LegalKind::Nib)
        .and_then(|d| d.issued_on)
        .map(|d| chrono::Datelike::year(&d));
    let start = events.first().and_then(|e| e.from).or(record.size_class);
    let reached = milestones(start, &reports, nib_year);
    Some(GrowthSection {
        reports: reports.iter().rev().map(|r| report_row(lang, r)).collect(),
        events: events.iter().map(|e| event_text(lang, e)).collect(),
        milestones: reached
            .iter()
            .map(|(m, y)| format!("{y}: {}", milestone_label(lang, *m)))
            .collect(),
        can_report: caller.can(Permission::WriteRegistry),
        last_year: chrono::Datelike::year(&chrono::Utc::now()) - 1,
    })
}

fn report_row(lang: Lang, r: &GrowthReport) -> ReportRow {
    let channels: Vec<String> = [
        (r.online, "growth.online"),
        (r.ekatalog, "growth.ekatalog"),
        (r.export, "growth.export"),
        (r.financing, "growth.financing"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| lang.t(k).into_owned())
    .collect();
    ReportRow {
        period: r.period.label(),
        sales: amount(r.sales),
        modal: amount(r.modal),
        employees: r.employees.map_or("—".into(), |n| n.to_string()),
        channels: if channels.is_empty() {
            "—".into()
        } else {
            channels.join(", ")
        },
        size: r
            .size()
            .map_or("—".into(), |d| size_label(lang, Some(d.class))),
    }
}

/// "2025: Mikro → Kecil (modal) · naik kelas".
fn event_text(lang: Lang, e: &SizeEvent) -> String {
    let up = if e.is_up() {
        format!(" · {}", lang.t("growth.up"))
    } else {
        String::new()
    };
    format!(
        "{}: {} → {} ({}){up}",
        e.period.label(),
        size_label(lang, e.from),
        size_label(lang, Some(e.to)),
        lang.t(&format!("size.basis_{}", e.basis.as_str())),
    )
}

/// Adds (or replaces) the report of a period. An operator's report updates the record's
/// figures at once; an owner's report on a verified record is kept as reported and its figures
/// go to an operator as a change request, as the owner's edits do (the registry's class decides
/// a supplier's type in procurement, so no one raises it by their own word).
async fn add_report(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let scope = ctx.scope();
    // The business first: not found outside the caller's reach, whatever the form says.
    let current = ctx.db().get_umkm(&scope, &id).await?;
    let on = |k: &str| form_value(&pairs, k) == "1";
    let input = ReportInput {
        year: form_value(&pairs, "year"),
        quarter: form_value(&pairs, "quarter"),
        sales: form_value(&pairs, "sales"),
        modal: form_value(&pairs, "modal"),
        employees: form_value(&pairs, "employees"),
        online: on("online"),
        ekatalog: on("ekatalog"),
        export: on("export"),
        financing: on("financing"),
    };
    let report = validate_report(&input, crate::clock::today())?;
    let propose = crate::auth::owner_locked(&ctx.caller, current.status);
    let registry = if propose {
        RegistryFigures::Propose
    } else {
        RegistryFigures::Apply
    };
    let saved = ctx
        .db()
        .save_growth_report(&scope, &id, &report, registry, &ctx.caller.actor)
        .await?;
    let done = if propose && propose_figures(&ctx, &current, saved.latest).await? {
        "proposed"
    } else {
        "reported"
    };
    Ok(Redirect::to(&format!("/umkm/{id}?done={done}#growth")).into_response())
}

/// Puts the reported figures to an operator as a change of the record (the edit form with the
/// new modal and sales; the class follows from them when it is approved). False when they
/// change nothing.
async fn propose_figures(
    ctx: &PageCtx,
    current: &UmkmRecord,
    latest: LatestFigures,
) -> PageResult<bool> {
    if latest.modal.is_none() && latest.sales.is_none() {
        return Ok(false);
    }
    let mut pairs: Vec<(String, String)> = super::form::record_values(current)
        .into_iter()
        .filter(|(k, _)| k != "modal" && k != "annual_sales")
        .collect();
    pairs.sort();
    let amount = |v: Option<i64>| v.map(sentra_domain::money::format_thousands);
    for (k, v) in [
        (
            "modal",
            amount(latest.modal).or(current.modal.map(sentra_domain::money::format_thousands)),
        ),
        (
            "annual_sales",
            amount(latest.sales).or(current
                .annual_sales
                .map(sentra_domain::money::format_thousands)),
        ),
    ] {
        if let Some(v) = v {
            pairs.push((k.to_string(), v));
        }
    }
    let mut input = crate::forms::input_from_form(&pairs);
    crate::forms::keep_personal_data(&mut input, current);
    let scope = ctx.scope();
    let data = crate::api::validated(&ctx.state, &scope, &input).await?;
    let form = serde_json::json!(pairs);
    let request = ctx
        .db()
        .request_change(
            &scope,
            &current.id,
            current.version,
            &data,
            &form,
            &ctx.caller.actor,
        )
        .await?;
    Ok(request.is_some())
}
