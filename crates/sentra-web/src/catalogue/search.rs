//! The public catalogue's search (`/katalog`, no sign-in): facets and sorting, as links that
//! work without JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::Uri;
use axum::response::IntoResponse;
use sentra_domain::money::format_rupiah;
use sentra_domain::product::Category;
use sentra_search::{Facets, Hit, SearchQuery, Sort};

use super::public::{ResultCard, category_label};
use crate::AppState;
use crate::error::PageResult;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

const PER_PAGE: usize = 24;

pub fn routes() -> Routes {
    Routes::new("").get("/katalog", Access::Public, search)
}

/// One value of a facet, as a link that adds (or removes) it from the search.
pub struct FacetLink {
    pub label: String,
    /// Products with this value among the results; none for a chosen value the facet does not
    /// count (a parent category, whose products are counted under its sub-categories).
    pub count: Option<u64>,
    pub href: String,
    pub chosen: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub links: Vec<FacetLink>,
}

/// A filter in force, shown above the results with the link that removes it.
pub struct Chip {
    pub label: String,
    pub remove_href: String,
    /// "Remove filter …", for a screen reader.
    pub remove_label: String,
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
    /// The filters in force, each removable on its own.
    pub chips: Vec<Chip>,
    /// How many facets are chosen (the words apart), on the Filter button.
    pub filters_on: usize,
    /// The search with no filter (the words kept).
    pub clear_href: String,
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

/// The facets, each value a link that adds it to the search (or removes it when chosen).
fn facet_groups(
    state: &AppState,
    lang: Lang,
    categories: &[Category],
    sectors: &[sentra_storage::Sector],
    pairs: &[(String, String)],
    facets: &Facets,
) -> Vec<FacetGroup> {
    let group =
        |title: &str, key: &str, counts: &[(String, u64)], label: &dyn Fn(&str) -> String| {
            let chosen = form_value(pairs, key).trim();
            let mut links: Vec<FacetLink> = counts
                .iter()
                .map(|(value, n)| FacetLink {
                    label: label(value),
                    count: Some(*n),
                    chosen: chosen == value,
                    href: href_with(pairs, key, (chosen != value).then_some(value.as_str())),
                })
                .collect();
            // A chosen value that found nothing still shows, by its label, to be taken off.
            if !chosen.is_empty() && !links.iter().any(|f| f.chosen) {
                links.push(FacetLink {
                    label: label(chosen),
                    count: None,
                    chosen: true,
                    href: href_with(pairs, key, None),
                });
            }
            FacetGroup {
                title: lang.t(title).into_owned(),
                links,
            }
        };
    vec![
        group(
            "catalog.facet_category",
            "kategori",
            &facets.category,
            &|code: &str| category_label(categories, code, lang),
        ),
        group(
            "catalog.facet_district",
            "kecamatan",
            &facets.district,
            &|code: &str| state.region_name(code),
        ),
        group(
            "catalog.facet_cert",
            "sertifikat",
            &facets.cert,
            &|c: &str| lang.t(&format!("doc.{c}")).into_owned(),
        ),
        group(
            "catalog.facet_price",
            "harga",
            &facets.price_band,
            &|b: &str| lang.t(&format!("catalog.band_{b}")).into_owned(),
        ),
        group(
            "catalog.facet_sector",
            "sektor",
            &facets.sector,
            &|s: &str| crate::programme::activities::sector_label(lang, sectors, s),
        ),
    ]
}

/// The filters in force as chips: the facet's title and the value's label (as the facet shows
/// it), the e-katalog toggle, and the words searched for.
fn active_chips(lang: Lang, pairs: &[(String, String)], groups: &[FacetGroup]) -> Vec<Chip> {
    let mut chips = Vec::new();
    let text = form_value(pairs, "q").trim().to_string();
    if !text.is_empty() {
        chips.push(Chip {
            label: format!("\u{201c}{text}\u{201d}"),
            remove_href: href_with(pairs, "q", None),
            remove_label: String::new(),
        });
    }
    if form_value(pairs, "ekatalog") == "1" {
        chips.push(Chip {
            label: lang.t("catalog.ekatalog").into_owned(),
            remove_href: href_with(pairs, "ekatalog", None),
            remove_label: String::new(),
        });
    }
    // FACET_PARAMS and the groups are in the same order, the e-katalog toggle apart.
    for (key, group) in FACET_PARAMS
        .iter()
        .filter(|k| **k != "ekatalog")
        .zip(groups)
    {
        let Some(shown) = group.links.iter().find(|f| f.chosen) else {
            continue;
        };
        let shown = &shown.label;
        chips.push(Chip {
            label: format!("{}: {shown}", group.title),
            remove_href: href_with(pairs, key, None),
            remove_label: String::new(),
        });
    }
    for chip in &mut chips {
        chip.remove_label = lang.tf("catalog.remove_filter", &[("f", &chip.label)]);
    }
    chips
}

fn result_card(lang: Lang, categories: &[Category], h: Hit) -> ResultCard {
    ResultCard {
        href: format!("/p/{}", h.slug),
        thumb: h.photo.as_deref().map(|k| media_url(k, "sm")),
        price: h
            .price
            .and_then(|p| i64::try_from(p).ok())
            .map(|p| format!("{} / {}", format_rupiah(p), h.unit))
            .unwrap_or_else(|| lang.t("catalog.price_ask").into_owned()),
        category: category_label(categories, &h.category, lang),
        name: h.name,
        seller: h.umkm_name,
        ekatalog: h.ekatalog,
    }
}

/// Page `n` of the same search.
fn page_href(pairs: &[(String, String)], n: usize) -> String {
    let mut p = pairs.to_vec();
    p.retain(|(k, _)| k != "hal" && k != "lang");
    p.push(("hal".into(), n.to_string()));
    format!(
        "/katalog?{}",
        serde_urlencoded::to_string(&p).unwrap_or_default()
    )
}

// The query stays as pairs: the facet, sort and page links rebuild it with the visitor's own
// parameters in their order, and the API reads the same parameters through `catalogue_query`.
async fn search(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<crate::auth::Caller, axum::response::Response>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let (q, page_no) = catalogue_query(&pairs);
    let (text, sort) = (q.text.clone(), q.sort);
    let found = state.search_catalogue(q.clone()).await.inspect_err(|e| {
        tracing::error!(error = ?e, "catalogue search failed");
    })?;
    let categories = state.categories().await;
    let sectors = if found.facets.sector.is_empty() {
        Vec::new()
    } else {
        state.db().sectors().await.unwrap_or_default()
    };
    let facets = facet_groups(&state, lang, &categories, &sectors, &pairs, &found.facets);
    let chips = active_chips(lang, &pairs, &facets);
    let filters_on = chips.len() - usize::from(!text.trim().is_empty());
    let clear_href = href_with(&[], "q", Some(text.as_str()).filter(|t| !t.is_empty()));
    let pages = found.total.div_ceil(PER_PAGE);
    let title = if text.trim().is_empty() {
        lang.t("catalog.title").into_owned()
    } else {
        lang.tf("catalog.title_for", &[("q", text.trim())])
    };
    let page = SearchPage {
        c: Chrome::new(lang, title, &uri).for_visitor(&visitor),
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
            .map(|h| result_card(lang, &categories, h))
            .collect(),
        facets,
        filters_on,
        chips,
        clear_href,
        ekatalog_href: href_with(&pairs, "ekatalog", (!q.ekatalog_only).then_some("1")),
        ekatalog_only: q.ekatalog_only,
        prev_href: (page_no > 1).then(|| page_href(&pairs, page_no - 1)),
        next_href: (page_no < pages).then(|| page_href(&pairs, page_no + 1)),
    };
    Ok(page.into_response())
}
