//! The public catalogue (no sign-in): what its pages share — the result card, category names,
//! the site's address for canonical links, who may preview what is not public yet. The pages
//! are the search (`search`), the product page (`product_page`), the storefront (`store`) and
//! the sitemaps (`sitemap`); all work without JavaScript.

use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use sentra_domain::product::{Category, certifications};
use sentra_domain::umkm::{LegalDocument, Link, UmkmStatus};

use crate::AppState;
use crate::auth::Caller;
use crate::lang::Lang;

pub(crate) use super::search::catalogue_query;

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

/// A category's name in the page's language (the code when the category is unknown).
pub(super) fn category_label(categories: &[Category], code: &str, lang: Lang) -> String {
    categories
        .iter()
        .find(|c| c.code == code)
        .map_or(code, |c| lang.pick(&c.name_id, &c.name_en))
        .to_string()
}

/// (certificate, its standing today) of the product certificates among the documents.
pub(super) fn cert_lines(
    lang: Lang,
    documents: &[LegalDocument],
    today: NaiveDate,
) -> Vec<(String, String)> {
    certifications(documents, today)
        .into_iter()
        .map(|(k, s)| {
            (
                lang.t(&format!("doc.{}", k.as_str())).into_owned(),
                lang.t(&format!("catalog.cert_{}", s.as_str())).into_owned(),
            )
        })
        .collect()
}

/// (channel's name, address) of published links.
pub(super) fn link_lines(lang: Lang, links: &[Link]) -> Vec<(String, String)> {
    links
        .iter()
        .map(|l| {
            (
                lang.t(&format!("link.{}", l.kind.as_str())).into_owned(),
                l.url.clone(),
            )
        })
        .collect()
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
pub(super) fn previewer(caller: Result<Caller, Response>) -> Option<Caller> {
    caller
        .ok()
        .filter(|c| c.can(sentra_domain::account::Permission::ManageProducts))
}

/// Why a previewed page is not public (Indonesian first, English second in the locales).
pub(super) fn not_public_notice(lang: Lang, umkm: UmkmStatus, product_published: bool) -> String {
    let key = match umkm {
        UmkmStatus::Draft => "store.preview_waiting",
        UmkmStatus::Inactive => "store.preview_inactive",
        UmkmStatus::Verified if !product_published => "store.preview_product",
        UmkmStatus::Verified => "store.preview_waiting",
    };
    lang.t(key).into_owned()
}
