//! An owner's start (`/usaha`, "Usaha saya"): each of her businesses with where it stands and
//! the next things to do — the legality step due, the first product, the storefront and its
//! QR sign — instead of an office's registry list with filters and exports.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use sentra_domain::legality::{Need, PathStatus};
use sentra_domain::product::ProductStatus;
use sentra_domain::umkm::UmkmStatus;
use sentra_storage::{PageRequest, SortDirection, UmkmFilter, UmkmSort};

use crate::error::PageResult;
use crate::extract::PageCtx;
use crate::lang::Lang;
use crate::ui::Chrome;

/// One thing to do next: what, and where it is done.
pub struct NextStep {
    pub text: String,
    pub href: String,
    /// The step waits on her (a missing required document, no product yet).
    pub urgent: bool,
}

pub struct MyBusiness {
    pub name: String,
    pub href: String,
    pub status_code: &'static str,
    pub status: String,
    pub status_line: String,
    pub steps: Vec<NextStep>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/mine.html")]
pub struct MinePage {
    pub c: Chrome,
    pub l: Lang,
    pub businesses: Vec<MyBusiness>,
}

/// An owner holds a handful of businesses; more are listed on the registry page.
const SHOWN: u32 = 10;

pub async fn mine(ctx: PageCtx) -> PageResult {
    // Staff have their own start; this page is an owner's own businesses.
    if ctx.caller.user.role != sentra_domain::account::Role::Owner {
        let start = crate::auth::start_page(ctx.caller.user.role);
        return Ok(axum::response::Redirect::to(start).into_response());
    }
    let lang = ctx.lang;
    let scope = ctx.scope();
    let db = ctx.db();
    let today = crate::clock::today();
    let listed = db
        .list_umkm(
            &scope,
            &UmkmFilter::default(),
            UmkmSort::Name,
            SortDirection::Asc,
            PageRequest {
                page: 1,
                per_page: SHOWN,
            },
        )
        .await?;
    let mut businesses = Vec::new();
    for summary in &listed.items {
        let id = summary.id.as_str();
        let record = db.get_umkm(&scope, id).await?;
        let (path, _) = db.legality_of(&record, today).await?;
        let products = db.products_of(&scope, id).await?;
        let (store_slug, _) = db.store_details(&scope, id).await?;
        let mut steps = Vec::new();
        // The first legality step that needs her: lapsed or missing where it is required.
        if let Some(s) = path.iter().find(|s| {
            matches!(s.status, PathStatus::Expired | PathStatus::Expiring)
                || (s.need == Need::Required && s.status == PathStatus::Missing)
        }) {
            let item = lang.t(&format!("legal.item_{}", s.item.as_str()));
            let key = match s.status {
                PathStatus::Expired | PathStatus::Expiring => "mine.renew",
                _ => "mine.get_document",
            };
            steps.push(NextStep {
                text: lang.tf(key, &[("item", &item)]),
                href: format!("/umkm/{id}#legal-{}", s.item.as_str()),
                urgent: true,
            });
        }
        let published = products
            .iter()
            .filter(|p| p.data.status == ProductStatus::Published)
            .count();
        steps.push(if products.is_empty() {
            NextStep {
                text: lang.t("mine.first_product").into_owned(),
                href: format!("/umkm/{id}/produk/baru"),
                urgent: true,
            }
        } else {
            NextStep {
                text: lang.tf(
                    "mine.products",
                    &[
                        ("n", &products.len().to_string()),
                        ("k", &published.to_string()),
                    ],
                ),
                href: format!("/umkm/{id}/produk"),
                urgent: false,
            }
        });
        if let Some(slug) = store_slug.filter(|_| record.status == UmkmStatus::Verified) {
            steps.push(NextStep {
                text: lang.t("mine.store").into_owned(),
                href: format!("/toko/{slug}"),
                urgent: false,
            });
            steps.push(NextStep {
                text: lang.t("mine.qr").into_owned(),
                href: format!("/toko/{slug}/cetak"),
                urgent: false,
            });
        }
        steps.push(NextStep {
            text: lang.t("mine.edit").into_owned(),
            href: format!("/umkm/{id}/edit"),
            urgent: false,
        });
        let status_code = record.status.as_str();
        businesses.push(MyBusiness {
            name: record.name.clone(),
            href: format!("/umkm/{id}"),
            status_code,
            status: lang.t(&format!("status.{status_code}")).into_owned(),
            status_line: lang.t(&format!("mine.status_{status_code}")).into_owned(),
            steps,
        });
    }
    let page = MinePage {
        c: ctx.chrome(lang.t("mine.title").into_owned()),
        l: lang,
        businesses,
    };
    Ok(page.into_response())
}
