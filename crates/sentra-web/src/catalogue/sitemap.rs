//! What search engines read: the sitemaps of the public catalogue and `robots.txt`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::public::site_base;
use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("")
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

/// The addresses of one part, with the day each last changed when known.
async fn part_urls(
    state: &AppState,
    base: &str,
    part: &str,
) -> PageResult<Vec<(String, Option<String>)>> {
    if part == "toko.xml" {
        // The open datasets' page (its DCAT catalogue is linked from it).
        let mut urls = vec![
            (format!("{base}/katalog"), None),
            (format!("{base}/data"), None),
        ];
        let slugs = state.read_db().store_slugs().await?;
        urls.extend(
            slugs
                .into_iter()
                .map(|s| (format!("{base}/toko/{s}"), None)),
        );
        return Ok(urls);
    }
    let n = part
        .strip_prefix("produk-")
        .and_then(|p| p.strip_suffix(".xml"))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n >= 1)
        .ok_or(ApiError::NotFound)?;
    let offset = (n - 1) * u64::from(SITEMAP_URLS);
    let rows = state
        .db()
        .published_product_slugs(offset, SITEMAP_URLS)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, at)| (format!("{base}/p/{slug}"), at.get(..10).map(str::to_string)))
        .collect())
}

/// One part: `toko.xml` (the catalogue and the storefronts) or `produk-N.xml`.
async fn sitemap_part(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(part): Path<String>,
) -> PageResult {
    let base = site_base(&state, &headers);
    let urls = part_urls(&state, &base, &part).await?;
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
    Ok(xml_response(xml))
}

/// What search engines and portals may read: the front page, the catalogue and its shops, the
/// open data and its counting rules, the agenda, the exhibitions and a published flagship
/// result (issue 33: open data was disallowed). An FGD participant's link is a key, never to
/// be followed; the rest is behind sign-in. The longest matching rule wins (RFC 9309), so the
/// final `Disallow: /` covers only what is not allowed above.
const ROBOTS_RULES: &str = "User-agent: *\n\
    Allow: /$\n\
    Allow: /katalog\n\
    Allow: /p/\n\
    Allow: /toko/\n\
    Allow: /data\n\
    Allow: /aturan-hitung\n\
    Allow: /agenda\n\
    Allow: /pameran\n\
    Allow: /unggulan/*/publik\n\
    Disallow: /fgd/\n\
    Disallow: /\n";

async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        format!("{ROBOTS_RULES}\nSitemap: {base}/sitemap.xml\n"),
    )
        .into_response()
}
