//! The procurement share (`/pengadaan`, issue 9): for a region in the caller's scope and a
//! fiscal year (to date for the current one), each government unit's spending, the part that
//! went to micro and small enterprises and cooperatives against the 40% minimum of Perpres
//! 12/2021 Pasal 65 ayat (3), its budget and the gap to 40% of it, the year-end projection at
//! the current pace, and its packages up to Rp15 M awarded elsewhere (ayat (4)); ranked.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{
    DeliveryRecord, Method, Share, SupplierType, days_awaiting_payment, project_year_end,
};
use sentra_sheets::{Cell, ReportSheet, write_report};
use sentra_storage::{PurchaseFilter, PurchaseRow};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::lang::Lang;
use crate::procurement::figures::{Figures, Period, figures, period};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;
use crate::view::day_words;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProcurement);
    Routes::new("").get("/pengadaan", read, share_page).get(
        "/pengadaan/realisasi.xlsx",
        read,
        realisation_xlsx,
    )
}

/// A purchase as a line of a table.
pub struct PurchaseView {
    pub id: String,
    pub package: String,
    pub ordered_on: String,
    pub unit: String,
    pub unit_id: String,
    pub supplier: String,
    /// The business's page, for those who may read the registry.
    pub supplier_href: Option<String>,
    pub product: Option<(String, String)>,
    pub supplier_type: String,
    pub method: String,
    pub value: String,
    pub status: String,
    /// "tepat waktu", "terlambat 3 hari" or "–".
    pub delivery: String,
    pub late: bool,
    /// "12 hari", "menunggu 30 hari" or "–".
    pub payment: String,
    pub awaiting: bool,
    /// Up to Rp15 M to a medium or large supplier (Pasal 65 ayat (4)).
    pub flagged: bool,
}

pub(crate) fn supplier_type_label(lang: Lang, t: SupplierType) -> String {
    lang.t(&format!("procurement.supplier_{}", t.as_str()))
        .into_owned()
}

pub(crate) fn method_label(lang: Lang, m: Method) -> String {
    lang.t(&format!("procurement.method_{}", m.as_str()))
        .into_owned()
}

pub(crate) fn purchase_view(
    lang: Lang,
    p: &PurchaseRow,
    reads_registry: bool,
    today: NaiveDate,
) -> PurchaseView {
    let b = &p.purchase;
    let status = if b.paid_on.is_some() {
        "paid"
    } else if b.accepted_on.is_some() {
        "accepted"
    } else if b.delivered_on.is_some() {
        "delivered"
    } else {
        "ordered"
    };
    let late = b.days_late();
    let waiting = days_awaiting_payment(b, today);
    PurchaseView {
        id: p.id.clone(),
        package: b.package.clone(),
        ordered_on: day_words(lang, b.ordered_on),
        unit: format!("{} {}", p.unit_code, p.unit_name),
        unit_id: p.unit_id.clone(),
        supplier: p.supplier_label().to_string(),
        supplier_href: p
            .umkm_id
            .as_ref()
            .filter(|_| reads_registry)
            .map(|id| format!("/umkm/{id}")),
        product: p
            .product_name
            .clone()
            .zip(p.product_slug.as_ref().map(|s| format!("/p/{s}"))),
        supplier_type: supplier_type_label(lang, b.supplier_type),
        method: method_label(lang, b.method),
        value: format_rupiah(b.value),
        status: lang.t(&format!("procurement.status_{status}")).into_owned(),
        delivery: match late {
            Some(0) => lang.t("procurement.on_time").into_owned(),
            Some(n) => lang.tf("procurement.days_late", &[("n", &n.to_string())]),
            None => "–".into(),
        },
        late: late.is_some_and(|n| n > 0),
        payment: match (b.days_to_pay(), waiting) {
            (Some(n), _) => lang.tf("procurement.paid_after", &[("n", &n.to_string())]),
            (None, Some(n)) => lang.tf("procurement.waiting", &[("n", &n.to_string())]),
            _ => "–".into(),
        },
        awaiting: waiting.is_some(),
        flagged: b.reserved_package_breached(),
    }
}

/// A supplier's record in one line: "7 dari 8 tepat waktu · rata-rata terlambat 3 hari ·
/// dibayar rata-rata 12 hari setelah serah terima · 2 menunggu pembayaran".
pub(crate) fn record_text(lang: Lang, r: &DeliveryRecord) -> String {
    let mut parts = Vec::new();
    if r.judged > 0 {
        parts.push(lang.tf(
            "procurement.record_on_time",
            &[("n", &r.on_time.to_string()), ("of", &r.judged.to_string())],
        ));
    }
    if let Some(d) = r.average_days_late() {
        parts.push(lang.tf("procurement.record_late", &[("n", &d.to_string())]));
    }
    if let Some(d) = r.average_days_to_pay() {
        parts.push(lang.tf("procurement.record_pay", &[("n", &d.to_string())]));
    }
    if r.awaiting_payment > 0 {
        parts.push(lang.tf(
            "procurement.record_awaiting",
            &[("n", &r.awaiting_payment.to_string())],
        ));
    }
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join(" · ")
    }
}

/// Basis points as a percentage with one decimal, cut (not rounded) so that 39,99% never
/// shows as 40,0%.
pub(crate) fn bp_text(lang: Lang, bp: Option<i64>) -> String {
    bp.map_or_else(|| "–".into(), |b| lang.percent((b / 10) as f64 / 10.0))
}

pub struct UnitRow {
    pub code: String,
    pub name: String,
    /// The unit's page for the year (empty for totals).
    pub href: String,
    pub budget: String,
    pub spent: String,
    pub small: String,
    /// Share of spending: progress, not the judgement.
    pub share: String,
    /// Pasal 65 ayat (3), judged on the budget; `None` without one.
    pub met: Option<bool>,
    pub of_budget: String,
    pub gap: String,
    pub projection: String,
    pub breaches: i64,
}

/// A month of the year to date: cumulative spending and share, and the bar of the chart.
pub struct MonthRow {
    pub month: String,
    /// The chart's label: the month's first three letters.
    pub short: String,
    pub spent: String,
    pub small: String,
    pub share: String,
    pub met: bool,
    /// Bar height in the chart (share of spending, 120 = 100%).
    pub bar: u32,
    pub x: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement.html")]
pub struct SharePage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub years: Vec<i32>,
    /// The month chosen (0: the whole year, or to date).
    pub month: u32,
    pub months: Vec<(u32, String)>,
    /// "s.d. 24 November 2026" when counted to a day before the year's end.
    pub as_of: String,
    pub rows: Vec<UnitRow>,
    /// Per region under the chosen one (shown when the units are in more than one).
    pub region_rows: Vec<UnitRow>,
    pub overall: UnitRow,
    pub trend: Vec<MonthRow>,
    pub can_record: bool,
    /// The query of this view (region, year, month), for the report links.
    pub query: String,
}

#[allow(clippy::too_many_arguments)]
fn row(
    lang: Lang,
    code: String,
    name: String,
    href: String,
    s: &Share,
    breaches: i64,
    year: i32,
    until: NaiveDate,
) -> UnitRow {
    let money = |v: Option<i64>| v.map_or_else(|| "–".into(), format_rupiah);
    UnitRow {
        code,
        name,
        href,
        budget: money(s.budget),
        spent: format_rupiah(s.total),
        small: format_rupiah(s.small),
        share: bp_text(lang, s.of_spending_bp()),
        met: s.meets_minimum(),
        of_budget: bp_text(lang, s.of_budget_bp()),
        gap: s.budget_gap().map_or_else(|| "–".into(), format_rupiah),
        projection: project_year_end(s, year, until).map_or_else(
            || "–".into(),
            |(v, bp)| format!("{} ({})", format_rupiah(v), bp_text(lang, Some(bp))),
        ),
        breaches,
    }
}

fn month_name(lang: Lang, m: u32) -> String {
    lang.t(&format!("month.m{m}")).into_owned()
}

/// `/pengadaan?wilayah=…&tahun=…&bulan=…` (and the report's same query).
#[derive(Deserialize)]
struct ShareQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
    #[serde(
        default,
        rename = "bulan",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    month: Option<u32>,
}

impl ShareQuery {
    fn period(&self, scope: &sentra_domain::scope::Scope) -> Result<Period, ApiError> {
        period(scope, &self.region, self.year, self.month).ok_or(ApiError::NotFound)
    }
}

/// The months of the year to date, for the chart and its table.
fn trend_rows(lang: Lang, f: &Figures, p: &Period) -> Vec<MonthRow> {
    let last_month = if p.until.year() == p.year {
        p.until.month()
    } else {
        0
    };
    f.months
        .iter()
        .enumerate()
        .take(last_month as usize)
        .map(|(i, s)| {
            let bp = s.of_spending_bp();
            let month = month_name(lang, i as u32 + 1);
            MonthRow {
                short: month.chars().take(3).collect(),
                month,
                spent: format_rupiah(s.total),
                small: format_rupiah(s.small),
                share: bp_text(lang, bp),
                met: s.spending_on_pace(),
                bar: bp.map_or(0, |b| (b.clamp(0, 10_000) * 120 / 10_000) as u32),
                x: i as u32 * 50,
            }
        })
        .collect()
}

/// The units' lines, ranked, each linking to the unit's page of the year.
fn unit_rows(lang: Lang, f: &Figures, p: &Period) -> Vec<UnitRow> {
    f.units
        .iter()
        .map(|s| {
            row(
                lang,
                s.unit.code.clone(),
                s.unit.name.clone(),
                format!("/pengadaan/opd/{}?tahun={}", s.unit.id, p.year),
                &s.share,
                s.reserved_breaches,
                p.year,
                p.until,
            )
        })
        .collect()
}

/// The lines per region under the chosen one (none when the units are all in one).
fn region_rows(lang: Lang, f: &Figures, p: &Period) -> Vec<UnitRow> {
    if f.regions.len() <= 1 {
        return Vec::new();
    }
    f.regions
        .iter()
        .map(|(code, name, share, breaches)| {
            let href = format!("/pengadaan?wilayah={code}&tahun={}", p.year);
            row(
                lang,
                code.clone(),
                name.clone(),
                href,
                share,
                *breaches,
                p.year,
                p.until,
            )
        })
        .collect()
}

async fn share_page(ctx: PageCtx, PageQuery(q): PageQuery<ShareQuery>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let p = q.period(&scope)?;
    let f = figures(state, &scope, &p).await?;
    let today = crate::clock::today();
    let (year, until) = (p.year, p.until);
    let query = crate::view::query_string(&[
        ("wilayah", p.region.as_str().to_string()),
        ("tahun", year.to_string()),
        (
            "bulan",
            if p.month == 0 {
                String::new()
            } else {
                p.month.to_string()
            },
        ),
    ]);
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(until);
    Ok(SharePage {
        c: ctx.chrome(lang.t("procurement.title")),
        l: lang,
        regions: area_choices(state, scope.region_code()),
        region: p.region.as_str().to_string(),
        year,
        years: (today.year() - 4..=today.year()).rev().collect(),
        month: p.month,
        months: (1..=12).map(|m| (m, month_name(lang, m))).collect(),
        as_of: if until < year_end {
            lang.tf("procurement.as_of", &[("date", &day_words(lang, until))])
        } else {
            String::new()
        },
        rows: unit_rows(lang, &f, &p),
        region_rows: region_rows(lang, &f, &p),
        overall: row(
            lang,
            String::new(),
            lang.t("report.total").into_owned(),
            String::new(),
            &f.overall.0,
            f.overall.1,
            year,
            until,
        ),
        trend: trend_rows(lang, &f, &p),
        can_record: ctx.caller.can(Permission::RecordProcurement),
        query,
    }
    .into_response())
}

/// The realisation report (`/pengadaan/realisasi.xlsx`): the units' shares, the months to
/// date and every purchase of the period, with Indonesian number formats.
async fn realisation_xlsx(ctx: PageCtx, PageQuery(q): PageQuery<ShareQuery>) -> PageResult {
    let scope = ctx.scope();
    let p = q.period(&scope)?;
    let f = figures(&ctx.state, &scope, &p).await?;
    let filter = PurchaseFilter {
        region: Some(p.region.clone()),
        year: Some(p.year),
        until: Some(p.until),
        ..PurchaseFilter::default()
    };
    let purchases = ctx.db().purchases(&scope, &filter).await?;
    let sheets = realisation_sheets(&ctx.state, ctx.lang, &p, &f, &purchases);
    let bytes = write_report(&sheets).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(crate::registry::export::xlsx_response(
        &format!("realisasi-pengadaan-{}-{}.xlsx", p.region.as_str(), p.year),
        bytes,
    ))
}

fn percent_of(bp: Option<i64>) -> Cell {
    // Cut to a tenth of a percent like the page, so 39,99% is never written as 40,0%.
    Cell::Percent(bp.map(|b| (b / 10) as f64 / 1000.0))
}

fn realisation_sheets(
    state: &AppState,
    lang: Lang,
    p: &Period,
    f: &Figures,
    purchases: &[PurchaseRow],
) -> Vec<ReportSheet> {
    let notes = vec![
        lang.tf(
            "report.note_region",
            &[
                ("name", &state.region_name(p.region.as_str())),
                ("code", p.region.as_str()),
            ],
        ),
        lang.tf(
            "procurement.note_period",
            &[
                ("year", &p.year.to_string()),
                ("date", &day_words(lang, p.until)),
            ],
        ),
        lang.t("procurement.rules").into_owned(),
    ];
    vec![
        units_sheet(lang, p, f, notes.clone()),
        months_sheet(lang, p, f, notes.clone()),
        purchases_sheet(lang, purchases, notes),
    ]
}

/// A share's figures as cells: budget, spent, small, shares, gap, flagged packages.
fn share_cells(s: &Share, breaches: i64) -> Vec<Cell> {
    vec![
        s.budget
            .map_or(Cell::Text("–".into()), |b| Cell::Rupiah(b.into())),
        Cell::Rupiah(s.total),
        Cell::Rupiah(s.small),
        percent_of(s.of_spending_bp()),
        percent_of(s.of_budget_bp()),
        s.budget_gap().map_or(Cell::Text("–".into()), Cell::Rupiah),
        Cell::Count(breaches),
    ]
}

/// Each unit's share, and the total.
fn units_sheet(lang: Lang, p: &Period, f: &Figures, notes: Vec<String>) -> ReportSheet {
    let t = |k: &str| lang.t(k).into_owned();
    let headers = [
        "procurement.field_code",
        "procurement.unit",
        "field.amount",
        "procurement.spent",
        "procurement.small",
        "procurement.share",
        "procurement.of_budget",
        "procurement.gap",
        "procurement.breaches",
    ];
    ReportSheet {
        name: t("procurement.sheet_units"),
        title: lang.tf("procurement.report_title", &[("year", &p.year.to_string())]),
        notes,
        headers: headers.iter().map(|k| t(k)).collect(),
        rows: f
            .units
            .iter()
            .map(|u| {
                let mut r = vec![
                    Cell::Text(u.unit.code.clone()),
                    Cell::Text(u.unit.name.clone()),
                ];
                r.extend(share_cells(&u.share, u.reserved_breaches));
                r
            })
            .collect(),
        total: Some({
            let mut r = vec![Cell::Text(String::new()), Cell::Text(t("report.total"))];
            r.extend(share_cells(&f.overall.0, f.overall.1));
            r
        }),
    }
}

/// The months of the year to date, cumulative.
fn months_sheet(lang: Lang, p: &Period, f: &Figures, notes: Vec<String>) -> ReportSheet {
    let t = |k: &str| lang.t(k).into_owned();
    let last_month = if p.until.year() == p.year {
        p.until.month() as usize
    } else {
        0
    };
    ReportSheet {
        name: t("procurement.sheet_months"),
        title: t("procurement.trend_title"),
        notes,
        headers: vec![
            t("procurement.month"),
            t("procurement.spent"),
            t("procurement.small"),
            t("procurement.share"),
        ],
        rows: f
            .months
            .iter()
            .take(last_month)
            .enumerate()
            .map(|(i, s)| {
                vec![
                    Cell::Text(month_name(lang, i as u32 + 1)),
                    Cell::Rupiah(s.total),
                    Cell::Rupiah(s.small),
                    percent_of(s.of_spending_bp()),
                ]
            })
            .collect(),
        total: None,
    }
}

/// Every purchase of the period.
fn purchases_sheet(lang: Lang, purchases: &[PurchaseRow], notes: Vec<String>) -> ReportSheet {
    let t = |k: &str| lang.t(k).into_owned();
    let days = |d: Option<i64>| d.map_or(Cell::Text("–".into()), Cell::Count);
    // Dates as dates (shown dd/mm/yyyy), so that the sheet sorts and filters by them.
    let date = |d: Option<NaiveDate>| d.map_or(Cell::Text("–".into()), Cell::Date);
    let headers = [
        "procurement.unit",
        "procurement.field_package",
        "procurement.field_ordered_on",
        "procurement.supplier",
        "procurement.field_supplier_type",
        "procurement.field_method",
        "procurement.field_value",
        "procurement.field_delivered_on",
        "procurement.days_late_col",
        "procurement.field_paid_on",
        "procurement.days_to_pay_col",
        "procurement.flag",
    ];
    ReportSheet {
        name: t("procurement.sheet_purchases"),
        title: t("procurement.purchases"),
        notes,
        headers: headers.iter().map(|k| t(k)).collect(),
        rows: purchases
            .iter()
            .map(|r| {
                let b = &r.purchase;
                vec![
                    Cell::Text(format!("{} {}", r.unit_code, r.unit_name)),
                    Cell::Text(b.package.clone()),
                    date(Some(b.ordered_on)),
                    Cell::Text(r.supplier_label().to_string()),
                    Cell::Text(supplier_type_label(lang, b.supplier_type)),
                    Cell::Text(method_label(lang, b.method)),
                    Cell::Rupiah(b.value.into()),
                    date(b.delivered_on),
                    days(b.days_late()),
                    date(b.paid_on),
                    days(b.days_to_pay()),
                    Cell::Text(if b.reserved_package_breached() {
                        t("procurement.flag")
                    } else {
                        String::new()
                    }),
                ]
            })
            .collect(),
        total: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_just_under_forty_percent_never_shows_as_forty() {
        assert_eq!(bp_text(Lang::Id, Some(3999)), "39,9%");
        assert_eq!(bp_text(Lang::Id, Some(4000)), "40,0%");
        assert_eq!(bp_text(Lang::En, Some(705)), "7.0%");
        assert_eq!(bp_text(Lang::Id, None), "–");
    }
}
