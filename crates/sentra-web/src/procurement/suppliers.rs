//! What government buying means for UMKM (`/pengadaan/umkm`, issue 9): which e-katalog lokal
//! products sell to government units and which listed products never do (so the catalogue is
//! about transactions, not listings), and payments owed to micro and small suppliers and
//! cooperatives after their delivery was accepted — late payment hurts them most. A business's
//! own page shows what it sold to government units and its delivery record.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use chrono::Datelike;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{DeliveryRecord, days_awaiting_payment};
use sentra_storage::{PurchaseFilter, UmkmRecord};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::lang::Lang;
use crate::procurement::figures::chosen_year;
use crate::procurement::share::{PurchaseView, purchase_view, record_text};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;
use crate::view::day_words;

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

/// `/pengadaan/umkm?wilayah=…&tahun=…`.
#[derive(Deserialize)]
struct UmkmQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
}

/// Payments to small suppliers per unit: (unit id, unit, record, longest wait in days),
/// longest waits first.
fn payments_per_unit(
    small: &[sentra_storage::PurchaseRow],
    today: chrono::NaiveDate,
) -> Vec<(String, String, DeliveryRecord, i64)> {
    let mut per_unit: Vec<(String, String, DeliveryRecord, i64)> = Vec::new();
    for p in small {
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
    per_unit.sort_by_key(|u| std::cmp::Reverse(u.3));
    per_unit
}

fn unit_payments(
    lang: Lang,
    year: i32,
    per_unit: &[(String, String, DeliveryRecord, i64)],
) -> Vec<UnitPayments> {
    per_unit
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
        .collect()
}

async fn umkm_page(ctx: PageCtx, PageQuery(q): PageQuery<UmkmQuery>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let asked = sentra_domain::region::RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let today = crate::clock::today();
    let year = chosen_year(q.year, today);
    let db = ctx.db();
    let products = db.ekatalog_sales(&scope, &region, year).await?;
    let filter = PurchaseFilter {
        region: Some(region.clone()),
        year: Some(year),
        small: Some(true),
        ..PurchaseFilter::default()
    };
    let small = db.purchases(&scope, &filter).await?;
    let reads_registry = ctx.caller.can(Permission::ReadRegistry);
    let line = |p: &sentra_storage::ProductSales| ProductLine {
        name: p.name.clone(),
        href: format!("/p/{}", p.slug),
        business: p.umkm_name.clone(),
        business_href: reads_registry.then(|| format!("/umkm/{}", p.umkm_id)),
        packages: p.packages,
        value: format_rupiah(p.value),
        listed: crate::view::date_text(lang, &p.listed_at),
    };
    let per_unit = payments_per_unit(&small, today);
    let mut awaiting: Vec<&sentra_storage::PurchaseRow> = small
        .iter()
        .filter(|p| days_awaiting_payment(&p.purchase, today).is_some())
        .collect();
    awaiting.sort_by_key(|p| p.purchase.accepted_on);
    Ok(UmkmPage {
        c: ctx.chrome(lang.t("procurement.for_umkm_title")),
        l: lang,
        regions: area_choices(state, scope.region_code()),
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
        units: unit_payments(lang, year, &per_unit),
    }
    .into_response())
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
    let today = crate::clock::today();
    let mut r = DeliveryRecord::default();
    for p in &list {
        r.add(&p.purchase);
    }
    Some(GovernmentSales {
        total: format_rupiah(r.value),
        record: record_text(lang, &r),
        since: list
            .last()
            .map_or(String::new(), |p| day_words(lang, p.purchase.ordered_on)),
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
