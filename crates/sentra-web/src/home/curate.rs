//! A curator's start (`/kurasi`): the products ready to list in the e-katalog lokal (every item
//! of the checklist met, not yet listed), each leading to its page where she lists it, and the
//! day's other work: exhibitions, partners' requests, the catalogue.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;

use crate::error::PageResult;
use crate::extract::PageCtx;
use crate::lang::Lang;
use crate::ui::Chrome;

/// The ready products listed on the page.
const READY_LISTED: usize = 20;

pub struct Ready {
    pub href: String,
    pub name: String,
    pub business: String,
    pub price: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/curate.html")]
pub struct CuratePage {
    pub c: Chrome,
    pub l: Lang,
    pub area: String,
    pub ready: Vec<Ready>,
    /// The other work the caller may open: (address, label).
    pub actions: Vec<(&'static str, String)>,
}

pub async fn curate(ctx: PageCtx) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let ready = ctx
        .db()
        .products_ready_to_list(&scope, READY_LISTED)
        .await?
        .into_iter()
        .map(|(p, business)| Ready {
            href: format!("/produk/{}#readiness", p.id),
            name: p.data.name.clone(),
            business,
            price: p.data.price.map(format_rupiah).unwrap_or_default(),
        })
        .collect();
    let mut actions = Vec::new();
    for (href, key, p) in [
        (
            "/kurasi/pameran",
            "curate.exhibitions",
            Permission::CurateEkatalog,
        ),
        ("/mitra", "nav.partners", Permission::ReadPartnerships),
        ("/katalog", "nav.catalog", Permission::ReadRegistry),
    ] {
        if ctx.caller.can(p) {
            actions.push((href, lang.t(key).into_owned()));
        }
    }
    Ok(CuratePage {
        c: ctx.chrome(lang.t("curate.title").into_owned()),
        l: lang,
        area: ctx.state.region_name(scope.region_code().as_str()),
        ready,
        actions,
    }
    .into_response())
}
