//! The procurement share (`/pengadaan`, issue 9): for a region in the caller's scope and a
//! fiscal year (to date for the current one), each government unit's spending, the part that
//! went to micro and small enterprises and cooperatives against the 40% minimum of Perpres
//! 12/2021 Pasal 65 ayat (3), its budget and the gap to 40% of it, the year-end projection at
//! the current pace, and its packages up to Rp15 M awarded elsewhere (ayat (4)); ranked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{
    DeliveryRecord, Method, Share, SupplierType, days_awaiting_payment, project_year_end,
};
use sentra_domain::region::RegionCode;
use sentra_storage::PurchaseRow;

use crate::AppState;
use crate::activities_page::{area_choices, pairs};
use crate::auth::{Caller, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::pages::{Chrome, error_page};
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("").get(
        "/pengadaan",
        Access::Role(Permission::ReadProcurement),
        share_page,
    )
}

/// The fiscal year asked for (`tahun`), the current one by default.
pub(crate) fn chosen_year(q: &[(String, String)], today: NaiveDate) -> i32 {
    form_value(q, "tahun")
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=today.year() + 1).contains(y))
        .unwrap_or(today.year())
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

pub(crate) fn day_text(lang: Lang, d: NaiveDate) -> String {
    lang.date(d.year(), d.month(), d.day())
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
        ordered_on: day_text(lang, b.ordered_on),
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

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub budget: String,
    pub spent: String,
    pub small: String,
    pub share: String,
    pub met: bool,
    pub of_budget: String,
    pub gap: String,
    pub projection: String,
    pub breaches: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement.html")]
pub struct SharePage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub years: Vec<i32>,
    /// "s.d. 24/11/2026" for the current year.
    pub as_of: String,
    pub rows: Vec<UnitRow>,
    pub overall: UnitRow,
}

/// Basis points as a percentage with one decimal, cut (not rounded) so that 39,99% never
/// shows as 40,0%.
pub(crate) fn bp_text(lang: Lang, bp: Option<i64>) -> String {
    bp.map_or_else(|| "–".into(), |b| lang.percent((b / 10) as f64 / 10.0))
}

fn row(
    lang: Lang,
    code: String,
    name: String,
    s: &Share,
    breaches: i64,
    year: i32,
    until: NaiveDate,
) -> UnitRow {
    let money = |v: Option<i64>| v.map_or_else(|| "–".into(), format_rupiah);
    UnitRow {
        code,
        name,
        budget: money(s.budget),
        spent: format_rupiah(s.total),
        small: format_rupiah(s.small),
        share: bp_text(lang, s.of_spending_bp()),
        met: s.meets_minimum(),
        of_budget: bp_text(lang, s.of_budget_bp()),
        gap: money(s.budget_gap()),
        projection: project_year_end(s, year, until).map_or_else(
            || "–".into(),
            |(v, bp)| format!("{} ({})", format_rupiah(v), bp_text(lang, Some(bp))),
        ),
        breaches,
    }
}

async fn share_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProcurement) {
        return *r;
    }
    let q = pairs(query.as_deref());
    let scope = caller.scope();
    let asked = RegionCode::parse(form_value(&q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let today = chrono::Utc::now().date_naive();
    let year = form_value(&q, "tahun")
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=today.year()).contains(y))
        .unwrap_or(today.year());
    // A past year is counted whole; the current one to date.
    let until = NaiveDate::from_ymd_opt(year, 12, 31).map_or(today, |end| end.min(today));
    let shares = match state.db().unit_shares(&scope, &region, year, until).await {
        Ok(s) => s,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let mut overall = Share::default();
    let mut budgets = 0;
    let mut breaches = 0;
    for s in &shares {
        overall.total += s.share.total;
        overall.small += s.share.small;
        budgets += s.share.budget.unwrap_or(0);
        breaches += s.reserved_breaches;
    }
    overall.budget = (budgets > 0).then_some(budgets);
    let mut ranked: Vec<&sentra_storage::UnitShare> = shares.iter().collect();
    // The ranking: highest share of spending first, units without spending last.
    ranked.sort_by_key(|s| std::cmp::Reverse(s.share.of_spending_bp().unwrap_or(-1)));
    SharePage {
        c: Chrome::new(lang, lang.t("procurement.title").into_owned(), &uri).signed_in(&caller),
        l: lang,
        regions: area_choices(&state, scope.region_code()),
        region: region.as_str().to_string(),
        year,
        years: (today.year() - 4..=today.year()).rev().collect(),
        as_of: if until < NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(until) {
            lang.tf(
                "procurement.as_of",
                &[("date", &until.format("%d/%m/%Y").to_string())],
            )
        } else {
            String::new()
        },
        rows: ranked
            .iter()
            .map(|s| {
                row(
                    lang,
                    s.unit.code.clone(),
                    s.unit.name.clone(),
                    &s.share,
                    s.reserved_breaches,
                    year,
                    until,
                )
            })
            .collect(),
        overall: row(
            lang,
            String::new(),
            lang.t("report.total").into_owned(),
            &overall,
            breaches,
            year,
            until,
        ),
    }
    .into_response()
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
