//! A business's public storefront (`/toko/{slug}`, no sign-in): its products, contact, map
//! link, opening hours, a printable QR code of its short link; `LocalBusiness` JSON-LD.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use sentra_domain::money::format_rupiah;
use sentra_domain::product::Category;
use sentra_storage::{StorageError, Store};

use super::public::{
    ResultCard, category_label, cert_lines, link_lines, not_public_notice, previewer, site_base,
};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::lang::{Lang, ReqLang};
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get("/toko/{slug}", Access::Public, store)
        .get("/toko/{slug}/qr.svg", Access::Public, store_qr)
        .get("/toko/{slug}/cetak", Access::Public, store_sheet)
}

/// The storefront's sign for the counter or the stall: its name, the QR code, the short link
/// and its WhatsApp number, on an A6 card or an A4 sheet (`?ukuran=a4`), ready to print.
#[derive(Template, WebTemplate)]
#[template(path = "catalogue/store_sheet.html")]
pub struct StoreSheet {
    pub c: Chrome,
    pub l: Lang,
    pub name: String,
    pub qr_href: String,
    /// The short link as people type it: no `https://`.
    pub short_link: String,
    pub whatsapp: Option<String>,
    /// `a6` or `a4`: the page size printed, and the other size's address.
    pub size: &'static str,
    pub other_href: String,
    pub store_href: String,
}

async fn store_sheet(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SheetQuery>,
) -> PageResult {
    let (s, _, viewer) = visible_store(&state, caller, &slug).await?;
    let base = site_base(&state, &headers);
    let short_link = format!("{base}/toko/{}", s.slug)
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_string();
    let size = if q.ukuran.as_deref() == Some("a4") {
        "a4"
    } else {
        "a6"
    };
    let whatsapp = s
        .links
        .iter()
        .find(|l| l.kind == sentra_domain::umkm::LinkKind::Whatsapp)
        .and_then(|l| crate::view::whatsapp_number(&l.url));
    let chrome = Chrome::new(
        lang,
        lang.tf("store.sheet_title", &[("name", &s.name)]),
        &uri,
    );
    let page = StoreSheet {
        c: chrome.for_viewer(viewer.as_ref()),
        l: lang,
        qr_href: format!("/toko/{}/qr.svg", s.slug),
        other_href: format!(
            "/toko/{}/cetak?ukuran={}",
            s.slug,
            if size == "a4" { "a6" } else { "a4" }
        ),
        store_href: format!("/toko/{}", s.slug),
        name: s.name,
        short_link,
        whatsapp,
        size,
    };
    Ok(page.into_response())
}

#[derive(serde::Deserialize)]
struct SheetQuery {
    ukuran: Option<String>,
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
    /// The printable sign with the QR code.
    pub sheet_href: String,
    pub map_href: Option<String>,
    pub opening_hours: Option<String>,
    pub contacts: Vec<(String, String)>,
    pub certs: Vec<(String, String)>,
    pub products: Vec<ResultCard>,
    /// A product photo for link previews (large, absolute).
    pub og_image: Option<String>,
}

/// A storefront as this caller may see it: public (verified, active), else a preview for its
/// own people, else not found; whether it is a preview, and the signed-in visitor (for the
/// page's header).
async fn visible_store(
    state: &AppState,
    caller: Result<Caller, Response>,
    slug: &str,
) -> Result<(Store, bool, Option<Caller>), ApiError> {
    match state.read_db().public_store(slug).await {
        Ok(s) => Ok((s, false, caller.ok())),
        Err(StorageError::NotFound) => {
            let viewer = previewer(caller).ok_or(ApiError::NotFound)?;
            let s = state.db().store_preview(&viewer.scope(), slug).await?;
            Ok((s, true, Some(viewer)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The schema.org `LocalBusiness` of the storefront: its place (kelurahan and kecamatan, city
/// or regency, province; no street address, which the storefront does not show either), map
/// point, the WhatsApp number it shows as its telephone, its other links as `sameAs`, and the
/// opening hours when the owner's text reads as days and times.
fn store_json_ld(
    state: &AppState,
    s: &Store,
    canonical: &str,
    image: Option<&str>,
) -> serde_json::Value {
    use sentra_domain::region::{RegionCode, RegionLevel};
    use sentra_domain::umkm::LinkKind;
    let above = |level: RegionLevel| {
        RegionCode::parse(&s.village_code)
            .ok()
            .and_then(|c| c.at_level(level))
            .map(|c| state.region_name(c.as_str()))
    };
    let mut address = serde_json::json!({
        "@type": "PostalAddress",
        "addressLocality": format!(
            "{}, {}",
            state.region_name(&s.village_code),
            state.region_name(&s.district_code)
        ),
        "addressCountry": "ID",
    });
    if let (Some(city), Some(province)) =
        (above(RegionLevel::Regency), above(RegionLevel::Province))
    {
        address["addressRegion"] = format!("{city}, {province}").into();
    }
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": format!("{canonical}#usaha"),
        "name": s.name,
        "url": canonical,
        "address": address,
    });
    if let (Some(lat), Some(lon)) = (s.latitude, s.longitude) {
        ld["geo"] =
            serde_json::json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon});
        ld["hasMap"] = format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}").into();
    }
    if let Some(image) = image {
        ld["image"] = image.into();
    }
    let phone = s
        .links
        .iter()
        .find(|l| l.kind == LinkKind::Whatsapp)
        .and_then(|l| crate::view::whatsapp_number(&l.url));
    if let Some(local) = phone {
        // +62 and the number without its leading 0: the international form schema.org asks.
        let digits: String = local.chars().filter(char::is_ascii_digit).collect();
        ld["telephone"] = format!("+62{}", digits.trim_start_matches('0')).into();
    }
    let same_as: Vec<&str> = s
        .links
        .iter()
        .filter(|l| l.kind != LinkKind::Whatsapp)
        .map(|l| l.url.as_str())
        .collect();
    if !same_as.is_empty() {
        ld["sameAs"] = same_as.into();
    }
    if let Some(spans) = s
        .opening_hours
        .as_deref()
        .and_then(sentra_domain::umkm::parse_opening_hours)
    {
        ld["openingHoursSpecification"] = spans
            .iter()
            .map(|sp| {
                serde_json::json!({
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": sp.days.iter().map(|d| format!("https://schema.org/{}", day_name(*d))).collect::<Vec<_>>(),
                    "opens": sp.opens.format("%H:%M").to_string(),
                    "closes": sp.closes.format("%H:%M").to_string(),
                })
            })
            .collect::<Vec<_>>()
            .into();
    }
    ld
}

fn day_name(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday;
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn product_cards(lang: Lang, categories: &[Category], s: &Store) -> Vec<ResultCard> {
    s.products
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
            category: category_label(categories, &p.data.category, lang),
            ekatalog: p.listed(),
        })
        .collect()
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
) -> PageResult {
    let (s, previewing, viewer) = visible_store(&state, caller, &slug).await?;
    let preview = previewing.then(|| not_public_notice(lang, s.status, true));
    let base = site_base(&state, &headers);
    let canonical = format!("{base}/toko/{}", s.slug);
    let og_image = s
        .products
        .iter()
        .find_map(|(_, photo)| photo.as_deref())
        .map(|k| format!("{base}{}", media_url(k, "lg")));
    let place = format!(
        "{}, {} {}",
        state.region_name(&s.village_code),
        lang.t("catalog.district"),
        state.region_name(&s.district_code)
    );
    let map_href = match (s.latitude, s.longitude) {
        (Some(lat), Some(lon)) => Some(format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        )),
        _ => None,
    };
    let today = crate::clock::today();
    let categories = state.categories().await;
    let chrome = Chrome::new(lang, s.name.clone(), &uri);
    let page = StorePage {
        c: chrome.for_viewer(viewer.as_ref()),
        preview,
        l: lang,
        json_ld: crate::view::script_json(&store_json_ld(
            &state,
            &s,
            &canonical,
            og_image.as_deref(),
        )),
        canonical,
        qr_href: format!("/toko/{}/qr.svg", s.slug),
        sheet_href: format!("/toko/{}/cetak", s.slug),
        place,
        verified: s.verified,
        map_href,
        opening_hours: s.opening_hours.clone(),
        contacts: link_lines(lang, &s.links),
        certs: cert_lines(lang, &s.documents, today),
        products: product_cards(lang, &categories, &s),
        name: s.name,
        og_image,
    };
    Ok(page.into_response())
}

/// The storefront's short link as a QR code (SVG: sharp when printed on a stall sign or a
/// label at any size).
async fn store_qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    Path(slug): Path<String>,
) -> PageResult {
    let (s, _, _) = visible_store(&state, caller, &slug).await?;
    let url = format!("{}/toko/{}", site_base(&state, &headers), s.slug);
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}
