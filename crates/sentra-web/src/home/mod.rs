//! The front door (`/`): a signed-in person goes to the start of her role's work; a visitor
//! sees what Sentra is for the region, with the ways in (catalogue, agenda, open data,
//! exhibitions, signing up a business).

use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::money::format_thousands;
use sentra_domain::programme::activity::ActivityStatus;
use sentra_domain::scope::Scope;
use sentra_storage::Dimension;

use crate::AppState;
use crate::auth::{Caller, start_page};
use crate::error::PageResult;
use crate::lang::{Lang, ReqLang};
use crate::ui::Chrome;

mod curate;
mod mine;
mod work;
pub use curate::curate;
pub use mine::mine;
pub use work::work;

/// The front page's figures are counted again after this long (they are public totals; a
/// minute late is fine, a count per visit is not).
pub(crate) const FIGURES_FRESH: Duration = Duration::from_secs(60);

/// Days ahead the front page looks for the next activities.
const NEXT_DAYS: i64 = 30;

/// What the front page counts, in the region as a whole.
pub(crate) struct Figures {
    verified: i64,
    products: u64,
    /// Activities open to sign-up in the next [`NEXT_DAYS`] days, soonest first.
    next: Vec<sentra_storage::ActivityRecord>,
    next_total: usize,
}

pub struct NextActivity {
    pub title: String,
    pub when: String,
    pub place: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/public.html")]
pub struct PublicHome {
    pub c: Chrome,
    pub l: Lang,
    /// "UMKM figures of …", for a screen reader.
    pub figures_label: String,
    pub verified: String,
    pub products: String,
    pub activities: String,
    pub next: Vec<NextActivity>,
}

/// `/`: a person's own start, or the public front page.
pub async fn home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    caller: Result<Caller, Response>,
) -> PageResult {
    if let Ok(c) = &caller {
        return Ok(Redirect::to(start_page(c.user.role)).into_response());
    }
    let figures = figures(&state).await?;
    let region = state.region_name(state.home().as_str());
    let page = PublicHome {
        c: Chrome::new(lang, lang.tf("home.title", &[("region", &region)]), &uri),
        l: lang,
        verified: format_thousands(figures.verified),
        products: format_thousands(figures.products),
        activities: format_thousands(figures.next_total as u64),
        next: figures
            .next
            .iter()
            .take(3)
            .map(|a| NextActivity {
                title: a.data.title.clone(),
                when: crate::programme::activities::when(lang, &a.data),
                place: a
                    .data
                    .venue
                    .clone()
                    .unwrap_or_else(|| lang.t("activity.online").into_owned()),
            })
            .collect(),
        figures_label: lang.tf("home.figures", &[("region", &region)]),
    };
    Ok(page.into_response())
}

/// The region's public totals: verified businesses (the counting rules, from the rollup),
/// products in the catalogue, activities coming; kept for [`FIGURES_FRESH`].
async fn figures(state: &AppState) -> Result<Arc<Figures>, crate::error::ApiError> {
    if let Ok(cached) = state.inner.home_figures.read()
        && let Some((at, f)) = cached.as_ref()
        && at.elapsed() < FIGURES_FRESH
    {
        return Ok(f.clone());
    }
    let home = state.home().clone();
    let db = state.read_db();
    let verified = db
        .counts_by(&Scope::region(home.clone()), &home, Dimension::Sector)
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    let products = state
        .search_catalogue(sentra_search::SearchQuery {
            limit: 0,
            ..Default::default()
        })
        .await?
        .total as u64;
    let now = chrono::Utc::now().timestamp();
    let mut next: Vec<_> = db
        .activities_between(&home, now, now + NEXT_DAYS * 86_400)
        .await?
        .into_iter()
        .filter(|a| {
            matches!(
                a.data.status,
                ActivityStatus::Planned | ActivityStatus::Confirmed
            ) && a.data.start >= now
        })
        .collect();
    next.sort_by_key(|a| a.data.start);
    let f = Arc::new(Figures {
        verified,
        products,
        next_total: next.len(),
        next: next.into_iter().take(3).collect(),
    });
    if let Ok(mut cached) = state.inner.home_figures.write() {
        *cached = Some((Instant::now(), f.clone()));
    }
    Ok(f)
}
