//! A partner's request: what it asks, the catalogue's products ranked with the reasons each
//! fits and what it lacks (for curators), and the shortlist with where each stands.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::partnership::{Gap, Match, Outcome, Reason, Request, shortlist};
use sentra_domain::region::RegionCode;
use sentra_storage::{CandidateRecord, OfferRecord, RequestRecord};

use super::{outcome_label, own_login};
use crate::error::PageResult;
use crate::extract::PageCtx;
use crate::lang::Lang;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("").get(
        "/mitra/permintaan/{request}",
        Access::Role(Permission::ReadPartnerships),
        request_page,
    )
}

pub struct MatchLine {
    pub product_id: String,
    pub product: String,
    pub product_href: String,
    pub business: String,
    pub business_href: Option<String>,
    pub price: String,
    pub score: String,
    pub reasons: Vec<String>,
    pub gaps: Vec<String>,
    pub shortlisted: bool,
}

pub struct ShortLine {
    pub product_id: String,
    pub product: String,
    pub product_href: String,
    pub business: String,
    pub business_href: Option<String>,
    pub whatsapp: Option<String>,
    pub outcome: String,
    pub outcomes: Vec<(String, String, bool)>,
    pub value: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partnership/partner_request.html")]
pub struct RequestPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub partner_id: String,
    pub partner: String,
    pub title: String,
    pub facts: Vec<(String, String)>,
    pub open: bool,
    pub can_manage: bool,
    pub matches: Vec<MatchLine>,
    pub shortlist: Vec<ShortLine>,
    pub errors: Errors,
}

pub(crate) fn reason_text(lang: Lang, r: &Reason) -> String {
    match r {
        Reason::Category => lang.t("partner.reason_category").into_owned(),
        Reason::Keywords(n) => lang.tf("partner.reason_keywords", &[("n", &n.to_string())]),
        Reason::Capacity(n) => lang.tf("partner.reason_capacity", &[("n", &n.to_string())]),
        Reason::Price(p) => lang.tf("partner.reason_price", &[("price", &format_rupiah(*p))]),
        Reason::Certificate(k) => lang.tf(
            "partner.reason_certificate",
            &[("doc", &lang.t(&format!("doc.{}", k.as_str())))],
        ),
        Reason::Packaging => lang.t("partner.reason_packaging").into_owned(),
        Reason::Size => lang.t("partner.reason_size").into_owned(),
        Reason::InRegion => lang.t("partner.reason_region").into_owned(),
        Reason::Near(km) => lang.tf("partner.reason_near", &[("km", &format!("{km:.0}"))]),
        Reason::OnTime(n, of) => lang.tf(
            "partner.reason_on_time",
            &[("n", &n.to_string()), ("of", &of.to_string())],
        ),
        Reason::Topic(_) => lang.t("partner.reason_packaging_clinic").into_owned(),
    }
}

pub(crate) fn gap_text(lang: Lang, g: &Gap, quantity: i64) -> String {
    match g {
        Gap::Capacity(Some(n)) => lang.tf(
            "partner.gap_capacity",
            &[("n", &n.to_string()), ("need", &quantity.to_string())],
        ),
        Gap::Capacity(None) => lang.t("partner.gap_capacity_unknown").into_owned(),
        Gap::NoPrice => lang.t("partner.gap_no_price").into_owned(),
        Gap::PriceAbove(p) => lang.tf("partner.gap_price_above", &[("price", &format_rupiah(*p))]),
        Gap::PriceBelow(p) => lang.tf("partner.gap_price_below", &[("price", &format_rupiah(*p))]),
        Gap::Certificate(k) => lang.tf(
            "partner.gap_certificate",
            &[("doc", &lang.t(&format!("doc.{}", k.as_str())))],
        ),
        Gap::Packaging => lang.t("partner.gap_packaging").into_owned(),
        Gap::TooHeavy => lang.t("partner.gap_heavy").into_owned(),
        Gap::TooLarge => lang.t("partner.gap_large").into_owned(),
        Gap::OutsideRegion => lang.t("partner.gap_region").into_owned(),
    }
}

/// The most candidates a request page lists.
pub(crate) const SHOWN_MATCHES: usize = 30;

fn match_line(
    lang: Lang,
    q: &Request,
    m: &Match,
    o: &OfferRecord,
    list: &[CandidateRecord],
    reads_registry: bool,
) -> MatchLine {
    MatchLine {
        product_id: o.product_id.clone(),
        product: o.offer.name.clone(),
        product_href: format!("/p/{}", o.product_slug),
        business: o.umkm_name.clone(),
        business_href: reads_registry.then(|| format!("/umkm/{}", o.umkm_id)),
        price: o.offer.price.map_or("–".into(), format_rupiah),
        score: format!("{:.0}", m.score),
        reasons: m.reasons.iter().map(|x| reason_text(lang, x)).collect(),
        gaps: m
            .gaps
            .iter()
            .map(|x| gap_text(lang, x, q.quantity))
            .collect(),
        shortlisted: list.iter().any(|c| c.product_id == o.product_id),
    }
}

/// The ranked products (curators only), and each business's WhatsApp link by business.
async fn matches(
    ctx: &PageCtx,
    r: &RequestRecord,
    list: &[CandidateRecord],
) -> PageResult<(Vec<MatchLine>, HashMap<String, String>)> {
    let scope = ctx.scope();
    let region = RegionCode::parse(&r.region_code).unwrap_or_else(|_| scope.region_code().clone());
    let offers = ctx.db().offers(&scope, &region).await?;
    let whatsapp = offers
        .iter()
        .filter_map(|o| Some((o.umkm_id.clone(), o.whatsapp.clone()?)))
        .collect();
    let plain: Vec<sentra_domain::partnership::Offer> =
        offers.iter().map(|o| o.offer.clone()).collect();
    let today = crate::clock::today();
    let reads_registry = ctx.caller.can(Permission::ReadRegistry);
    let lines = shortlist(&r.request, &plain, today, None)
        .into_iter()
        .take(SHOWN_MATCHES)
        .map(|m| {
            let o = &offers[m.offer];
            match_line(ctx.lang, &r.request, &m, o, list, reads_registry)
        })
        .collect();
    Ok((lines, whatsapp))
}

/// What the request asks, as (label, value) lines.
fn request_facts(lang: Lang, q: &Request) -> Vec<(String, String)> {
    let mut facts = vec![
        (
            lang.t("partner.field_quantity").into_owned(),
            q.quantity.to_string(),
        ),
        (
            lang.t("partner.field_deliver_by").into_owned(),
            crate::view::day_words(lang, q.deliver_by),
        ),
    ];
    if let Some(c) = &q.category {
        facts.push((lang.t("partner.field_category").into_owned(), c.clone()));
    }
    if !q.keywords.is_empty() {
        facts.push((
            lang.t("partner.field_keywords").into_owned(),
            q.keywords.join(" "),
        ));
    }
    if q.price_min.is_some() || q.price_max.is_some() {
        facts.push((
            lang.t("partner.price_range").into_owned(),
            format!(
                "{} – {}",
                q.price_min.map_or("…".into(), format_rupiah),
                q.price_max.map_or("…".into(), format_rupiah)
            ),
        ));
    }
    let certs: Vec<String> = q
        .certificates
        .iter()
        .map(|k| lang.t(&format!("doc.{}", k.as_str())).into_owned())
        .collect();
    facts.push((
        lang.t("partner.field_certificates").into_owned(),
        if certs.is_empty() {
            lang.t("partner.none_needed").into_owned()
        } else {
            certs.join(", ")
        },
    ));
    if !q.packaging.is_empty() {
        facts.push((
            lang.t("partner.field_packaging").into_owned(),
            q.packaging.join(" "),
        ));
    }
    if let Some(n) = &q.notes {
        facts.push((lang.t("partner.field_notes").into_owned(), n.clone()));
    }
    facts
}

fn short_line(
    lang: Lang,
    c: &CandidateRecord,
    whatsapp: &HashMap<String, String>,
    reads_registry: bool,
) -> ShortLine {
    ShortLine {
        product_id: c.product_id.clone(),
        product: c.product_name.clone(),
        product_href: format!("/p/{}", c.product_slug),
        business: c.umkm_name.clone(),
        business_href: reads_registry.then(|| format!("/umkm/{}", c.umkm_id)),
        whatsapp: whatsapp.get(&c.umkm_id).cloned(),
        outcome: outcome_label(lang, c.outcome),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str().to_string(),
                    outcome_label(lang, *o),
                    *o == c.outcome,
                )
            })
            .collect(),
        value: c.order_value.map_or(String::new(), |v| v.to_string()),
        note: c.note.clone().unwrap_or_default(),
    }
}

/// The request's page, with a refused form's problems and status.
pub(super) async fn show_request(
    ctx: &PageCtx,
    id: &str,
    errors: &FieldErrors,
    status: StatusCode,
) -> PageResult {
    let lang = ctx.lang;
    let db = ctx.db();
    let r = db
        .partner_request(&ctx.scope(), id, own_login(&ctx.caller))
        .await?;
    let list = db.candidates_of(&r.id).await?;
    let can_manage = ctx.caller.can(Permission::ManagePartnerships);
    let reads_registry = ctx.caller.can(Permission::ReadRegistry);
    let (matches, whatsapp) = if can_manage {
        matches(ctx, &r, &list).await?
    } else {
        (Vec::new(), HashMap::new())
    };
    let mut res = RequestPage {
        c: ctx.chrome(r.request.title.clone()),
        l: lang,
        id: r.id.clone(),
        partner_id: r.partner_id.clone(),
        partner: r.partner_name.clone(),
        title: r.request.title.clone(),
        facts: request_facts(lang, &r.request),
        open: r.open,
        can_manage,
        matches,
        shortlist: list
            .iter()
            .map(|c| short_line(lang, c, &whatsapp, reads_registry))
            .collect(),
        errors: worded(lang, errors, "partner.field_"),
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn request_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    show_request(&ctx, &id, &FieldErrors::new(), StatusCode::OK).await
}
