//! What government buying means for UMKM (`/pengadaan/umkm`, issue 9): which e-katalog lokal
//! products sell to government units and which listed products never do (so the catalogue is
//! about transactions, not listings), and payments owed to micro and small suppliers and
//! cooperatives after their delivery was accepted — late payment hurts them most. A business's
//! own page shows what it sold to government units and its delivery record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{DeliveryRecord, days_awaiting_payment};
use sentra_storage::{PurchaseFilter, UmkmRecord};

use crate::AppState;
use crate::auth::{Caller, require};
use crate::error::ApiError;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::procurement::share::{PurchaseView, chosen_year, day_text, purchase_view, record_text};
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    Routes::new("").get(
        "/pengadaan/umkm",
        Access::Role(Permission::ReadProcurement),
        umkm_page,
    )
}

pub struct ProductLine {
    pub name: String,
    pub href: String,
    pub business: String,
    pub business_href: Option<String>,
    pub packages: i64,
    pub value: String,
    pub listed: String,
}

pub struct UnitPayments {
    pub unit: String,
    pub href: String,
    pub paid: i64,
    pub average: String,
    pub awaiting: i64,
    pub longest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement_umkm.html")]
pub struct UmkmPage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub years: Vec<i32>,
    pub sold: Vec<ProductLine>,
    pub never: Vec<ProductLine>,
    pub awaiting: Vec<PurchaseView>,
    pub units: Vec<UnitPayments>,
}

async fn umkm_page(
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
    let scope = caller.scope();
    let asked =
        sentra_domain::region::RegionCode::parse(crate::forms::form_value(&q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let today = chrono::Utc::now().date_naive();
    let year = chosen_year(&q, today);
    let db = state.db();
    let products = db.ekatalog_sales(&scope, &region, year).await;
    let small = db
        .purchases(
            &scope,
            &PurchaseFilter {
                region: Some(region.clone()),
                year: Some(year),
                small: Some(true),
                ..PurchaseFilter::default()
            },
        )
        .await;
    let (products, small) = match (products, small) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => return error_page(lang, &uri, e.into()),
    };
    let reads_registry = caller.can(Permission::ReadRegistry);
    let line = |p: &sentra_storage::ProductSales| ProductLine {
        name: p.name.clone(),
        href: format!("/p/{}", p.slug),
        business: p.umkm_name.clone(),
        business_href: reads_registry.then(|| format!("/umkm/{}", p.umkm_id)),
        packages: p.packages,
        value: format_rupiah(p.value),
        listed: crate::view::date_text(lang, &p.listed_at),
    };
    // Payments to small suppliers per unit: paid after how long, and still owed.
    let mut per_unit: Vec<(String, String, DeliveryRecord, i64)> = Vec::new();
    for p in &small {
        let at = match per_unit.iter().position(|u| u.0 == p.unit_id) {
            Some(i) => i,
            None => {
                per_unit.push((
                    p.unit_id.clone(),
                    format!("{} {}", p.unit_code, p.unit_name),
                    DeliveryRecord::default(),
                    0,
                ));
                per_unit.len() - 1
            }
        };
        per_unit[at].2.add(&p.purchase);
        let waiting = days_awaiting_payment(&p.purchase, today).unwrap_or(0);
        per_unit[at].3 = per_unit[at].3.max(waiting);
    }
    // Longest waits first.
    per_unit.sort_by_key(|u| std::cmp::Reverse(u.3));
    let mut awaiting: Vec<&sentra_storage::PurchaseRow> = small
        .iter()
        .filter(|p| days_awaiting_payment(&p.purchase, today).is_some())
        .collect();
    awaiting.sort_by_key(|p| p.purchase.accepted_on);
    UmkmPage {
        c: Chrome::new(
            lang,
            lang.t("procurement.for_umkm_title").into_owned(),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        regions: area_choices(&state, scope.region_code()),
        region: region.as_str().to_string(),
        year,
        years: (today.year() - 4..=today.year()).rev().collect(),
        sold: products
            .iter()
            .filter(|p| p.packages > 0)
            .map(line)
            .collect(),
        never: products.iter().filter(|p| p.ever == 0).map(line).collect(),
        awaiting: awaiting
            .iter()
            .map(|p| purchase_view(lang, p, reads_registry, today))
            .collect(),
        units: per_unit
            .iter()
            .map(|(id, name, r, longest)| UnitPayments {
                unit: name.clone(),
                href: format!("/pengadaan/opd/{id}?tahun={year}&bayar=1"),
                paid: r.paid,
                average: r.average_days_to_pay().map_or("–".into(), |d| {
                    lang.tf("procurement.n_days", &[("n", &d.to_string())])
                }),
                awaiting: r.awaiting_payment,
                longest: if *longest > 0 {
                    lang.tf("procurement.n_days", &[("n", &longest.to_string())])
                } else {
                    "–".into()
                },
            })
            .collect(),
    }
    .into_response()
}

/// A business's sales to government units, for its page.
pub struct GovernmentSales {
    pub purchases: Vec<PurchaseView>,
    pub total: String,
    pub record: String,
    /// Since when (the first order), for the summary line.
    pub since: String,
}

pub(crate) async fn government_sales(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<GovernmentSales> {
    let list = state
        .db()
        .purchases_from(&caller.scope(), &record.id)
        .await
        .ok()?;
    let today = chrono::Utc::now().date_naive();
    let mut r = DeliveryRecord::default();
    for p in &list {
        r.add(&p.purchase);
    }
    Some(GovernmentSales {
        total: format_rupiah(r.value),
        record: record_text(lang, &r),
        since: list
            .last()
            .map_or(String::new(), |p| day_text(lang, p.purchase.ordered_on)),
        purchases: list
            .iter()
            .map(|p| {
                let mut v = purchase_view(lang, p, false, today);
                // Only procurement readers open a purchase's page.
                if !caller.can(Permission::ReadProcurement) {
                    v.id.clear();
                }
                v
            })
            .collect(),
    })
}
