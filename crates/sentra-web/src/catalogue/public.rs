//! The public catalogue (no sign-in): search with facets and sorting, and each product's page
//! with what a buyer needs (price, certificates, the seller, a WhatsApp order link, the
//! marketplaces) and what a shared link needs to preview (canonical URL, OpenGraph tags,
//! schema.org `Product` JSON-LD). Works without JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use sentra_domain::money::{format_rupiah, format_thousands};
use sentra_domain::phone::parse_phone;
use sentra_domain::product::ProductStatus;
use sentra_domain::product::{certifications, whatsapp_order_link};
use sentra_domain::umkm::{LinkKind, UmkmStatus};
use sentra_search::{SearchQuery, Sort};
use sentra_storage::StorageError;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

const PER_PAGE: usize = 24;

pub fn routes() -> Routes {
    Routes::new("")
        .get("/katalog", Access::Public, search)
        .get("/p/{slug}", Access::Public, product)
        .get("/toko/{slug}", Access::Public, store)
        .get("/toko/{slug}/qr.svg", Access::Public, store_qr)
        .get("/sitemap.xml", Access::Public, sitemap_index)
        .get("/sitemap/{part}", Access::Public, sitemap_part)
        .get("/robots.txt", Access::Public, robots)
}

/// URLs per sitemap file (the sitemaps.org limit).
const SITEMAP_URLS: u32 = 50_000;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml_response(body: String) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/xml; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The sitemap index: the storefronts' part and one part per 50,000 products.
async fn sitemap_index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    let products = state
        .read_db()
        .count_published_products()
        .await
        .unwrap_or(0);
    let parts = u64::try_from(products)
        .unwrap_or(0)
        .div_ceil(u64::from(SITEMAP_URLS));
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut add = |loc: String| {
        xml.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            xml_escape(&loc)
        ));
    };
    add(format!("{base}/sitemap/toko.xml"));
    for n in 1..=parts {
        add(format!("{base}/sitemap/produk-{n}.xml"));
    }
    xml.push_str("</sitemapindex>\n");
    xml_response(xml)
}

/// One part: `toko.xml` (the catalogue and the storefronts) or `produk-N.xml`.
async fn sitemap_part(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    Path(part): Path<String>,
) -> Response {
    let base = site_base(&state, &headers);
    let mut urls: Vec<(String, Option<String>)> = Vec::new();
    let found = if part == "toko.xml" {
        urls.push((format!("{base}/katalog"), None));
        state.read_db().store_slugs().await.map(|slugs| {
            urls.extend(
                slugs
                    .into_iter()
                    .map(|s| (format!("{base}/toko/{s}"), None)),
            );
        })
    } else {
        let n: Option<u64> = part
            .strip_prefix("produk-")
            .and_then(|p| p.strip_suffix(".xml"))
            .and_then(|n| n.parse().ok())
            .filter(|n| *n >= 1);
        let Some(n) = n else {
            return error_page(lang, &uri, ApiError::NotFound);
        };
        let offset = (n - 1) * u64::from(SITEMAP_URLS);
        state
            .db()
            .published_product_slugs(offset, SITEMAP_URLS)
            .await
            .map(|rows| {
                urls.extend(rows.into_iter().map(|(slug, at)| {
                    (format!("{base}/p/{slug}"), at.get(..10).map(str::to_string))
                }));
            })
    };
    if let Err(e) = found {
        return error_page(lang, &uri, e.into());
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in urls {
        xml.push_str(&format!("<url><loc>{}</loc>", xml_escape(&loc)));
        if let Some(d) = lastmod {
            xml.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml_response(xml)
}

/// Search engines may read the public catalogue; the registry behind sign-in is not for them.
async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nAllow: /katalog\nAllow: /p/\nAllow: /toko/\nDisallow: /\n\nSitemap: {base}/sitemap.xml\n"
        ),
    )
        .into_response()
}

/// One value of a facet, as a link that adds (or removes) it from the search.
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub chosen: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub links: Vec<FacetLink>,
}

pub struct ResultCard {
    pub href: String,
    /// The main photo's small size.
    pub thumb: Option<String>,
    pub name: String,
    pub seller: String,
    pub price: String,
    pub category: String,
    pub ekatalog: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/catalog.html")]
pub struct SearchPage {
    pub c: Chrome,
    pub l: Lang,
    pub q: String,
    pub sort: &'static str,
    pub sorts: Vec<(&'static str, String)>,
    pub hidden: Vec<(String, String)>,
    pub total_text: String,
    pub relaxed: bool,
    pub results: Vec<ResultCard>,
    pub facets: Vec<FacetGroup>,
    /// Government buyers narrow to the e-katalog lokal: the toggle's address and state.
    pub ekatalog_href: String,
    pub ekatalog_only: bool,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// The query parameters of a catalogue search (Indonesian names: they show in shared links).
const FACET_PARAMS: [&str; 6] = [
    "kategori",
    "kecamatan",
    "sertifikat",
    "harga",
    "sektor",
    "ekatalog",
];

fn href_with(pairs: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut next: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != key && k != "hal" && k != "lang")
        .cloned()
        .collect();
    if let Some(v) = value {
        next.push((key.to_string(), v.to_string()));
    }
    let qs = serde_urlencoded::to_string(&next).unwrap_or_default();
    if qs.is_empty() {
        "/katalog".into()
    } else {
        format!("/katalog?{qs}")
    }
}

fn some(pairs: &[(String, String)], key: &str) -> Option<String> {
    Some(form_value(pairs, key).trim().to_string()).filter(|v| !v.is_empty())
}

/// A catalogue search from the page's (and the API's) parameters: `q`, `kategori`, `kecamatan`,
/// `sertifikat`, `harga`, `sektor`, `ekatalog=1`, `urut`, `hal` (page, from 1); with the page.
pub(crate) fn catalogue_query(pairs: &[(String, String)]) -> (SearchQuery, usize) {
    let page_no: usize = form_value(pairs, "hal").parse().unwrap_or(1).clamp(1, 400);
    let q = SearchQuery {
        text: form_value(pairs, "q").chars().take(200).collect(),
        category: some(pairs, "kategori"),
        district: some(pairs, "kecamatan"),
        cert: some(pairs, "sertifikat"),
        price_band: some(pairs, "harga"),
        sector: some(pairs, "sektor"),
        ekatalog_only: form_value(pairs, "ekatalog") == "1",
        sort: Sort::parse(form_value(pairs, "urut")),
        offset: (page_no - 1) * PER_PAGE,
        limit: PER_PAGE,
    };
    (q, page_no)
}

async fn search(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let (q, page_no) = catalogue_query(&pairs);
    let (text, sort) = (q.text.clone(), q.sort);
    let found = match state.search_catalogue(q.clone()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = ?e, "catalogue search failed");
            return error_page(lang, &uri, e);
        }
    };
    let categories = state.categories().await;
    let category_name = |code: &str| category_label(&categories, code, lang);
    let place = |code: &str| state.region_name(code);
    let group =
        |title: &str, key: &str, counts: &[(String, u64)], label: &dyn Fn(&str) -> String| {
            let chosen = form_value(&pairs, key);
            FacetGroup {
                title: lang.t(title).into_owned(),
                links: counts
                    .iter()
                    .map(|(value, n)| FacetLink {
                        label: label(value),
                        count: *n,
                        chosen: chosen == value,
                        href: href_with(&pairs, key, (chosen != value).then_some(value.as_str())),
                    })
                    .collect(),
            }
        };
    let facets = vec![
        group(
            "catalog.facet_category",
            "kategori",
            &found.facets.category,
            &category_name,
        ),
        group(
            "catalog.facet_district",
            "kecamatan",
            &found.facets.district,
            &place,
        ),
        group(
            "catalog.facet_cert",
            "sertifikat",
            &found.facets.cert,
            &|c: &str| lang.t(&format!("doc.{c}")).into_owned(),
        ),
        group(
            "catalog.facet_price",
            "harga",
            &found.facets.price_band,
            &|b: &str| lang.t(&format!("catalog.band_{b}")).into_owned(),
        ),
        group(
            "catalog.facet_sector",
            "sektor",
            &found.facets.sector,
            &|s: &str| s.to_string(),
        ),
    ];
    let pages = found.total.div_ceil(PER_PAGE);
    let page_href = |n: usize| {
        let mut p = pairs.clone();
        p.retain(|(k, _)| k != "hal" && k != "lang");
        p.push(("hal".into(), n.to_string()));
        format!(
            "/katalog?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let title = if text.trim().is_empty() {
        lang.t("catalog.title").into_owned()
    } else {
        lang.tf("catalog.title_for", &[("q", text.trim())])
    };
    let page = SearchPage {
        c: Chrome::new(lang, title, &uri),
        l: lang,
        q: text,
        sort: sort.as_str(),
        sorts: ["relevance", "price_asc", "price_desc", "newest"]
            .into_iter()
            .map(|s| (s, lang.t(&format!("catalog.sort_{s}")).into_owned()))
            .collect(),
        hidden: pairs
            .iter()
            .filter(|(k, _)| FACET_PARAMS.contains(&k.as_str()))
            .cloned()
            .collect(),
        total_text: lang.tf("catalog.total", &[("n", &found.total.to_string())]),
        relaxed: found.relaxed,
        results: found
            .hits
            .into_iter()
            .map(|h| ResultCard {
                href: format!("/p/{}", h.slug),
                thumb: h.photo.as_deref().map(|k| media_url(k, "sm")),
                price: h
                    .price
                    .and_then(|p| i64::try_from(p).ok())
                    .map(|p| format!("{} / {}", format_rupiah(p), h.unit))
                    .unwrap_or_else(|| lang.t("catalog.price_ask").into_owned()),
                category: category_name(&h.category),
                name: h.name,
                seller: h.umkm_name,
                ekatalog: h.ekatalog,
            })
            .collect(),
        facets,
        ekatalog_href: href_with(&pairs, "ekatalog", (!q.ekatalog_only).then_some("1")),
        ekatalog_only: q.ekatalog_only,
        prev_href: (page_no > 1).then(|| page_href(page_no - 1)),
        next_href: (page_no < pages).then(|| page_href(page_no + 1)),
    };
    page.into_response()
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

/// A category's name in the page's language (the code when the category is unknown).
fn category_label(
    categories: &[sentra_domain::product::Category],
    code: &str,
    lang: Lang,
) -> String {
    categories
        .iter()
        .find(|c| c.code == code)
        .map_or(code, |c| lang.pick(&c.name_id, &c.name_en))
        .to_string()
}

/// The deployment's public address (`serve --public-url`), else this request's host when it is
/// one of the allowed hosts (`serve --allowed-host`, the listening address), else the first of
/// them: for canonical and shared links.
pub(crate) fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = state.public_url() {
        return url.to_string();
    }
    // Only a host the deployment answers to: a forged `Host: evil.example` must not end up
    // in canonical links, OpenGraph tags or the sitemap that search engines and caches keep.
    let allowed = state.allowed_hosts();
    let host = crate::client::allowed_host(headers, allowed)
        .or(allowed.first().map(String::as_str))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Whoever may preview a business's pages before they are public: a signed-in user whose role
/// manages products (the owner; officers and curators of the region); the storage checks that
/// the business is theirs or in their scope.
fn previewer(caller: Result<Caller, Response>) -> Option<Caller> {
    caller
        .ok()
        .filter(|c| c.can(sentra_domain::account::Permission::ManageProducts))
}

/// Why a previewed page is not public (Indonesian first, English second in the locales).
fn not_public_notice(lang: Lang, umkm: UmkmStatus, product_published: bool) -> String {
    let key = match umkm {
        UmkmStatus::Draft => "store.preview_waiting",
        UmkmStatus::Inactive => "store.preview_inactive",
        UmkmStatus::Verified if !product_published => "store.preview_product",
        UmkmStatus::Verified => "store.preview_waiting",
    };
    lang.t(key).into_owned()
}

async fn product(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
) -> Response {
    // Public: a published product of a verified business (DESIGN.md, "Public means
    // verified"); its own people see a preview; anyone else a 404 page.
    let (entry, preview, viewer) = match state.read_db().public_product(&slug).await {
        Ok(e) => (e, None, None),
        Err(StorageError::NotFound) => {
            let Some(viewer) = previewer(caller) else {
                return error_page(lang, &uri, ApiError::NotFound);
            };
            match state.db().product_preview(&viewer.scope(), &slug).await {
                Ok(e) => {
                    let published = e.product.data.status == ProductStatus::Published;
                    let notice = not_public_notice(lang, e.umkm_status, published);
                    (e, Some(notice), Some(viewer))
                }
                Err(e) => return error_page(lang, &uri, e.into()),
            }
        }
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let p = &entry.product.data;
    let base = site_base(&state, &headers);
    let canonical = format!("{base}/p/{}", entry.product.slug);
    let categories = state.categories().await;
    let category = category_label(&categories, &p.category, lang);
    let place = state.region_name(&entry.district_code);
    let unit = lang
        .t(&format!("catalog.unit_{}", p.unit.as_str()))
        .into_owned();
    let price = match (p.price, p.price_max) {
        (Some(lo), Some(hi)) if hi > lo => {
            format!("{} – {} / {unit}", format_rupiah(lo), format_rupiah(hi))
        }
        (Some(lo), _) => format!("{} / {unit}", format_rupiah(lo)),
        _ => lang.t("catalog.price_ask").into_owned(),
    };
    let today = chrono::Local::now().date_naive();
    let certs = certifications(&entry.documents, today)
        .into_iter()
        .map(|(k, s)| {
            (
                lang.t(&format!("doc.{}", k.as_str())).into_owned(),
                lang.t(&format!("catalog.cert_{}", s.as_str())).into_owned(),
            )
        })
        .collect();
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
    // The order link goes to the business's own WhatsApp (a channel it published), not to the
    // owner's personal number.
    let order_href = entry
        .umkm_links
        .iter()
        .find(|l| l.kind == LinkKind::Whatsapp)
        .and_then(|l| {
            let digits: String = l.url.chars().filter(char::is_ascii_digit).collect();
            parse_phone(&digits).ok()
        })
        .map(|phone| whatsapp_order_link(&phone, &p.name, &canonical));
    let links = p
        .links
        .iter()
        .map(|l| {
            (
                lang.t(&format!("link.{}", l.kind.as_str())).into_owned(),
                l.url.clone(),
            )
        })
        .collect();
    let description = p
        .description
        .clone()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect::<String>();
    let photos: Vec<(String, String, String)> = state
        .db()
        .product_photos(&entry.product.id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|ph| {
            let url = |size| media_url(&ph.object_key, size);
            (url("sm"), url("md"), url("lg"))
        })
        .collect();
    let og_image = photos.first().map(|(_, _, lg)| format!("{base}{lg}"));
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
    if !photos.is_empty() {
        ld["image"] = photos
            .iter()
            .map(|(_, _, lg)| serde_json::Value::String(format!("{base}{lg}")))
            .collect();
    }
    let chrome = Chrome::new(lang, p.name.clone(), &uri);
    let page = ProductPage {
        c: match &viewer {
            Some(v) => chrome.signed_in(v),
            None => chrome,
        },
        preview,
        l: lang,
        canonical,
        description,
        json_ld: crate::view::script_json(&ld),
        body: p.description.clone().unwrap_or_default(),
        name: p.name.clone(),
        price,
        min_order: lang.tf(
            "catalog.min_order",
            &[("n", &p.min_order.to_string()), ("unit", &unit)],
        ),
        category,
        seller: entry.umkm_name.clone(),
        place,
        facts,
        certs,
        order_href,
        links,
        ekatalog: entry.product.listed(),
        purchase_href: format!("/pengadaan/pembelian/baru?produk={}", entry.product.id),
        store_href: entry.store_slug.as_ref().map(|s| format!("/toko/{s}")),
        og_image,
        photos,
    };
    page.into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/store_public.html")]
pub struct StorePage {
    pub c: Chrome,
    pub l: Lang,
    /// Not public yet: why, above the storefront its own people preview.
    pub preview: Option<String>,
    pub canonical: String,
    pub json_ld: String,
    pub name: String,
    pub place: String,
    pub verified: bool,
    pub qr_href: String,
    pub map_href: Option<String>,
    pub opening_hours: Option<String>,
    pub contacts: Vec<(String, String)>,
    pub certs: Vec<(String, String)>,
    pub products: Vec<ResultCard>,
    /// A product photo for link previews (large, absolute).
    pub og_image: Option<String>,
}

/// A storefront as this caller may see it: public (verified, active), else a preview for its
/// own people (with who they are), else not found.
async fn visible_store(
    state: &AppState,
    caller: Result<Caller, Response>,
    slug: &str,
) -> Result<(sentra_storage::Store, Option<Caller>), ApiError> {
    match state.read_db().public_store(slug).await {
        Ok(s) => Ok((s, None)),
        Err(StorageError::NotFound) => {
            let viewer = previewer(caller).ok_or(ApiError::NotFound)?;
            let s = state.db().store_preview(&viewer.scope(), slug).await?;
            Ok((s, Some(viewer)))
        }
        Err(e) => Err(e.into()),
    }
}

/// A business's storefront: its products, contact, map link, opening hours, a printable QR
/// code of its short link; `LocalBusiness` JSON-LD.
async fn store(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
) -> Response {
    let (s, viewer) = match visible_store(&state, caller, &slug).await {
        Ok(found) => found,
        Err(e) => return error_page(lang, &uri, e),
    };
    let preview = viewer
        .as_ref()
        .map(|_| not_public_notice(lang, s.status, true));
    let base = site_base(&state, &headers);
    let canonical = format!("{base}/toko/{}", s.slug);
    let og_image = s
        .products
        .iter()
        .find_map(|(_, photo)| photo.as_deref())
        .map(|k| format!("{base}{}", media_url(k, "lg")));
    let region_name = |code: &str| state.region_name(code);
    let place = format!(
        "{}, {} {}",
        region_name(&s.village_code),
        lang.t("catalog.district"),
        region_name(&s.district_code)
    );
    let map_href = match (s.latitude, s.longitude) {
        (Some(lat), Some(lon)) => Some(format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        )),
        _ => None,
    };
    let today = chrono::Local::now().date_naive();
    let categories = state.categories().await;
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": s.name,
        "url": canonical,
        "address": {"@type": "PostalAddress", "addressLocality": region_name(&s.district_code),
                    "addressCountry": "ID"},
    });
    if let (Some(lat), Some(lon)) = (s.latitude, s.longitude) {
        ld["geo"] =
            serde_json::json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
    }
    let page = StorePage {
        og_image,
        c: match &viewer {
            Some(v) => Chrome::new(lang, s.name.clone(), &uri).signed_in(v),
            None => Chrome::new(lang, s.name.clone(), &uri),
        },
        preview,
        l: lang,
        json_ld: crate::view::script_json(&ld),
        canonical,
        qr_href: format!("/toko/{}/qr.svg", s.slug),
        place,
        verified: s.verified,
        map_href,
        opening_hours: s.opening_hours.clone(),
        contacts: s
            .links
            .iter()
            .map(|l| {
                (
                    lang.t(&format!("link.{}", l.kind.as_str())).into_owned(),
                    l.url.clone(),
                )
            })
            .collect(),
        certs: certifications(&s.documents, today)
            .into_iter()
            .map(|(k, st)| {
                (
                    lang.t(&format!("doc.{}", k.as_str())).into_owned(),
                    lang.t(&format!("catalog.cert_{}", st.as_str()))
                        .into_owned(),
                )
            })
            .collect(),
        products: s
            .products
            .iter()
            .map(|(p, photo)| ResultCard {
                href: format!("/p/{}", p.slug),
                thumb: photo.as_deref().map(|k| media_url(k, "sm")),
                name: p.data.name.clone(),
                seller: s.name.clone(),
                price: p
                    .data
                    .price
                    .map(|x| format!("{} / {}", format_rupiah(x), p.data.unit.as_str()))
                    .unwrap_or_else(|| lang.t("catalog.price_ask").into_owned()),
                category: category_label(&categories, &p.data.category, lang),
                ekatalog: p.listed(),
            })
            .collect(),
        name: s.name,
    };
    page.into_response()
}

/// The storefront's short link as a QR code (SVG: sharp when printed on a stall sign or a
/// label at any size).
async fn store_qr(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
) -> Response {
    let (s, _) = match visible_store(&state, caller, &slug).await {
        Ok(found) => found,
        Err(e) => return error_page(lang, &uri, e),
    };
    let url = format!("{}/toko/{}", site_base(&state, &headers), s.slug);
    let code = match qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
    {
        Ok(c) => c,
        Err(e) => return error_page(lang, &uri, ApiError::Internal(e.to_string())),
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response()
}
