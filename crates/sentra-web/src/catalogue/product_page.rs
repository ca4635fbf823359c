//! A product's public page (`/p/{slug}`, no sign-in) with what a buyer needs (price,
//! certificates, the seller, a WhatsApp order link, the marketplaces) and what a shared link
//! needs to preview (canonical URL, OpenGraph tags, schema.org `Product` JSON-LD).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use sentra_domain::money::{format_rupiah, format_thousands};
use sentra_domain::phone::parse_phone;
use sentra_domain::product::{ProductData, ProductStatus, whatsapp_order_link};
use sentra_domain::umkm::LinkKind;
use sentra_storage::{CatalogEntry, StorageError};

use super::public::{
    category_label, cert_lines, link_lines, not_public_notice, previewer, site_base,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::lang::{Lang, ReqLang};
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("").get("/p/{slug}", Access::Public, product)
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/product_public.html")]
pub struct ProductPage {
    pub c: Chrome,
    pub l: Lang,
    /// Not public yet: why, above the page its own people preview.
    pub preview: Option<String>,
    pub canonical: String,
    /// The first 300 characters, for previews.
    pub description: String,
    pub body: String,
    pub json_ld: String,
    pub name: String,
    pub price: String,
    pub min_order: String,
    pub category: String,
    pub seller: String,
    pub place: String,
    pub facts: Vec<(String, String)>,
    pub certs: Vec<(String, String)>,
    pub order_href: Option<String>,
    pub links: Vec<(String, String)>,
    pub ekatalog: bool,
    /// Recording a purchase of it (procurement officers; the form asks them to sign in).
    pub purchase_href: String,
    pub store_href: Option<String>,
    /// The photos' sizes: (small, medium, large) addresses; the first is the main one.
    pub photos: Vec<(String, String, String)>,
    /// The main photo's large size, absolute, for link previews.
    pub og_image: Option<String>,
}

/// The product as this caller may see it: public (a published product of a verified
/// business, DESIGN.md "Public means verified"), else a preview for its own people with why
/// it is not public, else not found; and the signed-in visitor, for the page's header.
async fn visible_product(
    state: &AppState,
    lang: Lang,
    caller: Result<Caller, Response>,
    slug: &str,
) -> PageResult<(CatalogEntry, Option<String>, Option<Caller>)> {
    match state.read_db().public_product(slug).await {
        // A public product: a signed-in visitor still sees their own header.
        Ok(e) => Ok((e, None, caller.ok())),
        Err(StorageError::NotFound) => {
            let viewer = previewer(caller).ok_or(ApiError::NotFound)?;
            let e = state.db().product_preview(&viewer.scope(), slug).await?;
            let published = e.product.data.status == ProductStatus::Published;
            let notice = not_public_notice(lang, e.umkm_status, published);
            Ok((e, Some(notice), Some(viewer)))
        }
        Err(e) => Err(e.into()),
    }
}

fn price_text(lang: Lang, p: &ProductData, unit: &str) -> String {
    match (p.price, p.price_max) {
        (Some(lo), Some(hi)) if hi > lo => {
            format!("{} – {} / {unit}", format_rupiah(lo), format_rupiah(hi))
        }
        (Some(lo), _) => format!("{} / {unit}", format_rupiah(lo)),
        _ => lang.t("catalog.price_ask").into_owned(),
    }
}

/// (label, value) of what the seller gave: capacity, stock, weight, size, packaging, shelf life.
fn product_facts(lang: Lang, p: &ProductData, unit: &str) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    let mut fact = |key: &str, v: Option<String>| {
        if let Some(v) = v {
            facts.push((lang.t(key).into_owned(), v));
        }
    };
    fact(
        "catalog.capacity",
        p.capacity_per_month.map(|c| {
            format!(
                "{} {unit} / {}",
                format_thousands(c),
                lang.t("catalog.month")
            )
        }),
    );
    fact(
        "catalog.stock",
        p.stock.map(|s| format!("{} {unit}", format_thousands(s))),
    );
    fact(
        "catalog.weight",
        p.weight_grams.map(|w| format!("{} g", format_thousands(w))),
    );
    fact(
        "catalog.dimensions",
        p.dimensions_mm.map(|[l, w, h]| {
            let cm = |mm: i64| format!("{}", mm as f64 / 10.0);
            format!("{} × {} × {} cm", cm(l), cm(w), cm(h))
        }),
    );
    fact("catalog.packaging", p.packaging.clone());
    fact(
        "catalog.shelf_life",
        p.shelf_life_days
            .map(|d| format!("{d} {}", lang.t("catalog.days"))),
    );
    facts
}

/// The order link goes to the business's own WhatsApp (a channel it published), not to the
/// owner's personal number.
fn order_link(entry: &CatalogEntry, canonical: &str) -> Option<String> {
    entry
        .umkm_links
        .iter()
        .find(|l| l.kind == LinkKind::Whatsapp)
        .and_then(|l| {
            let digits: String = l.url.chars().filter(char::is_ascii_digit).collect();
            parse_phone(&digits).ok()
        })
        .map(|phone| whatsapp_order_link(&phone, &entry.product.data.name, canonical))
}

/// The schema.org `Product` of the page, with its offer and photos.
fn product_json_ld(
    entry: &CatalogEntry,
    description: &str,
    category: &str,
    canonical: &str,
    images: Vec<String>,
) -> serde_json::Value {
    let p = &entry.product.data;
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.name,
        "description": description,
        "category": category,
        "url": canonical,
        "brand": {"@type": "Brand", "name": entry.umkm_name},
    });
    if let Some(price) = p.price {
        ld["offers"] = serde_json::json!({
            "@type": "Offer",
            "priceCurrency": "IDR",
            "price": price,
            "availability": if p.stock == Some(0) {
                "https://schema.org/OutOfStock"
            } else {
                "https://schema.org/InStock"
            },
            "seller": {"@type": "LocalBusiness", "name": entry.umkm_name},
        });
    }
    if !images.is_empty() {
        ld["image"] = images.into_iter().map(serde_json::Value::String).collect();
    }
    ld
}

/// The product's photos, each as its (small, medium, large) addresses.
async fn photo_sizes(state: &AppState, product_id: &str) -> Vec<(String, String, String)> {
    state
        .db()
        .product_photos(product_id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|ph| {
            let url = |size| media_url(&ph.object_key, size);
            (url("sm"), url("md"), url("lg"))
        })
        .collect()
}

async fn product(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
) -> PageResult {
    let (entry, preview, viewer) = visible_product(&state, lang, caller, &slug).await?;
    let p = &entry.product.data;
    let base = site_base(&state, &headers);
    let canonical = format!("{base}/p/{}", entry.product.slug);
    let category = category_label(&state.categories().await, &p.category, lang);
    let unit = lang
        .t(&format!("catalog.unit_{}", p.unit.as_str()))
        .into_owned();
    let today = crate::clock::today();
    let description: String = p
        .description
        .clone()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let photos = photo_sizes(&state, &entry.product.id).await;
    let images: Vec<String> = photos
        .iter()
        .map(|(_, _, lg)| format!("{base}{lg}"))
        .collect();
    let ld = product_json_ld(&entry, &description, &category, &canonical, images.clone());
    let chrome = Chrome::new(lang, p.name.clone(), &uri);
    let page = ProductPage {
        c: chrome.for_viewer(viewer.as_ref()),
        preview,
        l: lang,
        order_href: order_link(&entry, &canonical),
        canonical,
        description,
        json_ld: crate::view::script_json(&ld),
        body: p.description.clone().unwrap_or_default(),
        name: p.name.clone(),
        price: price_text(lang, p, &unit),
        min_order: lang.tf(
            "catalog.min_order",
            &[("n", &p.min_order.to_string()), ("unit", &unit)],
        ),
        category,
        seller: entry.umkm_name.clone(),
        place: state.region_name(&entry.district_code),
        facts: product_facts(lang, p, &unit),
        certs: cert_lines(lang, &entry.documents, today),
        links: link_lines(lang, &p.links),
        ekatalog: entry.product.listed(),
        purchase_href: format!("/pengadaan/pembelian/baru?produk={}", entry.product.id),
        store_href: entry.store_slug.as_ref().map(|s| format!("/toko/{s}")),
        og_image: images.into_iter().next(),
        photos,
    };
    Ok(page.into_response())
}
