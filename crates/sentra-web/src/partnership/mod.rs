//! Partnerships and matchmaking (`/mitra`, issue 11): the region's partners (brands, retailers,
//! hotels and restaurants, marketplaces, BUMN/BUMD, Smesco) and their requests; for a request,
//! the catalogue's products ranked with the reasons each fits and what it lacks, the curator's
//! shortlist with a WhatsApp link to each business, and where each stands (contacted, sample
//! sent, accepted, ordered with its value, delivered) so the partnership's effect on sales is
//! seen per partner and on each business's page. A `partner` account sees its own partner's
//! requests and shortlist, and records new requests.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::{Permission, Role};
use sentra_domain::money::{format_rupiah, sum_rupiah};
use sentra_domain::partnership::{
    Gap, Outcome, PartnerKind, Reason, RequestInput, shortlist, validate_request,
};
use sentra_domain::region::RegionCode;
use sentra_domain::umkm::{LegalKind, clean_text};
use sentra_storage::{CandidateRecord, NewPartner, RequestRecord, StorageError, UmkmRecord};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadPartnerships);
    let manage = Access::Role(Permission::ManagePartnerships);
    Routes::new("")
        .get("/mitra", read, partners_page)
        .post("/mitra", manage, create_partner)
        .get("/mitra/{partner}", read, partner_page)
        .post("/mitra/{partner}/permintaan", read, create_request)
        .get("/mitra/permintaan/{request}", read, request_page)
        .post("/mitra/permintaan/{request}/pilih", manage, pick)
        .post("/mitra/permintaan/{request}/hasil", manage, outcome)
        .post("/mitra/permintaan/{request}/status", manage, set_status)
}

/// A `partner` account sees only the partner it speaks for.
fn own_login(caller: &Caller) -> Option<&str> {
    (caller.user.role == Role::Partner).then_some(caller.user.login.as_str())
}

fn kind_label(lang: Lang, k: PartnerKind) -> String {
    lang.t(&format!("partner.kind_{}", k.as_str())).into_owned()
}

fn outcome_label(lang: Lang, o: Outcome) -> String {
    lang.t(&format!("partner.outcome_{}", o.as_str()))
        .into_owned()
}

pub struct PartnerLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partnership/partners.html")]
pub struct PartnersPage {
    pub c: Chrome,
    pub l: Lang,
    pub partners: Vec<PartnerLine>,
    pub can_manage: bool,
    pub regions: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub errors: Errors,
    /// The new partner as typed: region, name, kind, contact, phone, e-mail, login.
    pub typed: Vec<String>,
}

impl PartnersPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }

    /// The `i`-th typed value is `v` (a select's option to keep chosen).
    pub fn chosen(&self, i: usize, v: &str) -> bool {
        self.typed.get(i).is_some_and(|t| t == v)
    }
}

async fn show_partners(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    typed: Vec<String>,
    errors: &FieldErrors,
) -> Response {
    let scope = caller.scope();
    let partners = match state.db().partners(&scope, own_login(caller)).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let mut res = PartnersPage {
        c: Chrome::new(lang, lang.t("partner.title").into_owned(), uri).signed_in(caller),
        l: lang,
        partners: partners
            .iter()
            .map(|p| PartnerLine {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: kind_label(lang, p.kind),
                region: state.region_name(&p.region_code),
            })
            .collect(),
        can_manage: caller.can(Permission::ManagePartnerships),
        regions: area_choices(state, scope.region_code()),
        kinds: PartnerKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), kind_label(lang, *k)))
            .collect(),
        errors: worded(lang, errors, "partner.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn partners_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadPartnerships) {
        return *r;
    }
    show_partners(
        &state,
        lang,
        &caller,
        &uri,
        vec![String::new(); 7],
        &FieldErrors::new(),
    )
    .await
}

async fn create_partner(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let keys = [
        "region",
        "name",
        "kind",
        "contact_name",
        "contact_phone",
        "contact_email",
        "user_login",
    ];
    let typed: Vec<String> = keys.iter().map(|k| form_value(&f, k).to_string()).collect();
    let scope = caller.scope();
    let mut e = FieldErrors::new();
    let region = RegionCode::parse(&typed[0])
        .ok()
        .filter(|r| scope.contains(r));
    if region.is_none() {
        e.push("region", "choice_invalid");
    }
    let text = |field: &str, v: &str, max: usize, e: &mut FieldErrors| match clean_text(v, max) {
        Ok(t) => t,
        Err(sentra_domain::Invalid(c)) => {
            e.push(field, c);
            None
        }
    };
    let name = text("name", &typed[1], 150, &mut e);
    if name.is_none() && e.for_field("name").next().is_none() {
        e.push("name", "required");
    }
    let kind = e.check(
        "kind",
        PartnerKind::parse(&typed[2]).ok_or(sentra_domain::Invalid("choice_invalid")),
    );
    let contact_name = text("contact_name", &typed[3], 120, &mut e);
    let contact_phone = match typed[4].trim() {
        "" => None,
        p => e.check(
            "contact_phone",
            sentra_domain::phone::parse_phone(p).map(|p| p.as_str().to_string()),
        ),
    };
    let contact_email = text("contact_email", &typed[5], 150, &mut e);
    if contact_email.as_ref().is_some_and(|m| !m.contains('@')) {
        e.push("contact_email", "email_invalid");
    }
    let user_login = text("user_login", &typed[6], 150, &mut e);
    let (Some(region), Some(name), Some(kind)) = (region, name, kind) else {
        return show_partners(&state, lang, &caller, &uri, typed, &e).await;
    };
    if !e.is_empty() {
        return show_partners(&state, lang, &caller, &uri, typed, &e).await;
    }
    let p = NewPartner {
        region,
        name,
        kind,
        contact_name,
        contact_phone,
        contact_email,
        notes: None,
        user_login,
    };
    match state.db().create_partner(&scope, &p, &caller.actor).await {
        Ok(id) => Redirect::to(&format!("/mitra/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct RequestLine {
    pub id: String,
    pub title: String,
    pub quantity: i64,
    pub deliver_by: String,
    pub open: bool,
}

pub struct OutcomeLine {
    pub request: String,
    pub business: String,
    pub business_href: Option<String>,
    pub product: String,
    pub product_href: String,
    pub outcome: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partnership/partner.html")]
pub struct PartnerPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub contact: Vec<(String, String)>,
    pub requests: Vec<RequestLine>,
    pub outcomes: Vec<OutcomeLine>,
    pub orders: usize,
    pub order_value: String,
    pub categories: Vec<(String, String)>,
    pub certificates: Vec<(String, String)>,
    /// Regions a supplier may be asked to be in (empty: anywhere in the area).
    pub regions: Vec<(String, String)>,
    pub errors: Errors,
    pub typed: RequestInput,
}

impl PartnerPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.typed.certificates.iter().any(|c| c == kind)
    }
}

fn outcome_lines(lang: Lang, caller: &Caller, list: &[CandidateRecord]) -> Vec<OutcomeLine> {
    list.iter()
        .map(|c| OutcomeLine {
            request: c.request_title.clone(),
            business: c.umkm_name.clone(),
            business_href: caller
                .can(Permission::ReadRegistry)
                .then(|| format!("/umkm/{}", c.umkm_id)),
            product: c.product_name.clone(),
            product_href: format!("/p/{}", c.product_slug),
            outcome: outcome_label(lang, c.outcome),
            value: c.order_value.map_or("–".into(), format_rupiah),
        })
        .collect()
}

async fn show_partner(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    typed: RequestInput,
    errors: &FieldErrors,
) -> Response {
    let scope = caller.scope();
    let db = state.db();
    let p = match db.partner(&scope, id, own_login(caller)).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let (requests, outcomes) = match (
        db.requests_of(&p.id).await,
        db.candidates_of_partner(&p.id).await,
    ) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) | (_, Err(e)) => return error_page(lang, uri, e.into()),
    };
    let ordered: Vec<&CandidateRecord> = outcomes.iter().filter(|c| c.outcome.ordered()).collect();
    let categories = state.categories().await;
    let mut contact = Vec::new();
    for (key, v) in [
        ("partner.field_contact_name", &p.contact_name),
        ("partner.field_contact_phone", &p.contact_phone),
        ("partner.field_contact_email", &p.contact_email),
        ("partner.field_user_login", &p.user_login),
    ] {
        if let Some(v) = v {
            contact.push((lang.t(key).into_owned(), v.clone()));
        }
    }
    let mut res = PartnerPage {
        c: Chrome::new(lang, p.name.clone(), uri).signed_in(caller),
        l: lang,
        id: p.id.clone(),
        name: p.name.clone(),
        kind: kind_label(lang, p.kind),
        contact,
        requests: requests
            .iter()
            .map(|r| RequestLine {
                id: r.id.clone(),
                title: r.request.title.clone(),
                quantity: r.request.quantity,
                deliver_by: crate::procurement::share::day_text(lang, r.request.deliver_by),
                open: r.open,
            })
            .collect(),
        orders: ordered.len(),
        order_value: format_rupiah(sum_rupiah(ordered.iter().filter_map(|c| c.order_value))),
        outcomes: outcome_lines(lang, caller, &outcomes),
        categories: categories
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    lang.pick(&c.name_id, &c.name_en).to_string(),
                )
            })
            .collect(),
        regions: {
            let mut r = vec![(String::new(), lang.t("partner.anywhere").into_owned())];
            r.extend(area_choices(state, scope.region_code()));
            r
        },
        certificates: [
            LegalKind::Halal,
            LegalKind::Pirt,
            LegalKind::Bpom,
            LegalKind::Sni,
        ]
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                lang.t(&format!("doc.{}", k.as_str())).into_owned(),
            )
        })
        .collect(),
        errors: worded(lang, errors, "partner.field_"),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn partner_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadPartnerships) {
        return *r;
    }
    show_partner(
        &state,
        lang,
        &caller,
        &uri,
        &id,
        RequestInput::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn create_request(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ReadPartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    // The partner first: not found outside the caller's reach, whatever the form says.
    if let Err(e) = state.db().partner(&scope, &id, own_login(&caller)).await {
        return error_page(lang, &uri, e.into());
    }
    let v = |k: &str| form_value(&f, k).to_string();
    let input = RequestInput {
        title: v("title"),
        category: v("category"),
        keywords: v("keywords"),
        quantity: v("quantity"),
        deliver_by: v("deliver_by"),
        price_min: v("price_min"),
        price_max: v("price_max"),
        certificates: f
            .iter()
            .filter(|(k, _)| k == "certificates")
            .map(|(_, v)| v.clone())
            .collect(),
        packaging: v("packaging"),
        max_weight_grams: v("max_weight_grams"),
        max_side_cm: v("max_side_cm"),
        region: v("region"),
        notes: v("notes"),
    };
    let today = chrono::Utc::now().date_naive();
    let mut request = match validate_request(&input, today) {
        Ok(r) => r,
        Err(e) => return show_partner(&state, lang, &caller, &uri, &id, input, &e).await,
    };
    if let Some(c) = &request.category {
        let known = state
            .categories()
            .await
            .iter()
            .any(|k| &k.code == c || k.code.starts_with(&format!("{c}.")));
        if !known {
            let mut e = FieldErrors::new();
            e.push("category", "choice_invalid");
            return show_partner(&state, lang, &caller, &uri, &id, input, &e).await;
        }
    }
    // A region preference inside the caller's scope only.
    if let Some(r) = &request.region
        && !RegionCode::parse(r).is_ok_and(|c| scope.contains(&c))
    {
        request.region = None;
    }
    match state
        .db()
        .create_request(&scope, &id, &request, own_login(&caller), &caller.actor)
        .await
    {
        Ok(rid) => Redirect::to(&format!("/mitra/permintaan/{rid}")).into_response(),
        Err(StorageError::Invalid(e)) => {
            show_partner(&state, lang, &caller, &uri, &id, input, &e).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
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

fn reason_text(lang: Lang, r: &Reason) -> String {
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

fn gap_text(lang: Lang, g: &Gap, quantity: i64) -> String {
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
const SHOWN_MATCHES: usize = 30;

async fn show_request(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let scope = caller.scope();
    let db = state.db();
    let r: RequestRecord = match db.partner_request(&scope, id, own_login(caller)).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let list = match db.candidates_of(&r.id).await {
        Ok(l) => l,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let can_manage = caller.can(Permission::ManagePartnerships);
    let reads_registry = caller.can(Permission::ReadRegistry);
    let q = &r.request;
    let today = chrono::Utc::now().date_naive();
    let mut matches = Vec::new();
    let mut whatsapp = std::collections::HashMap::new();
    if can_manage {
        let region =
            RegionCode::parse(&r.region_code).unwrap_or_else(|_| scope.region_code().clone());
        let offers = match db.offers(&scope, &region).await {
            Ok(o) => o,
            Err(e) => return error_page(lang, uri, e.into()),
        };
        for o in &offers {
            if let Some(w) = &o.whatsapp {
                whatsapp.insert(o.umkm_id.clone(), w.clone());
            }
        }
        let plain: Vec<sentra_domain::partnership::Offer> =
            offers.iter().map(|o| o.offer.clone()).collect();
        matches = shortlist(q, &plain, today, None)
            .into_iter()
            .take(SHOWN_MATCHES)
            .map(|m| {
                let o = &offers[m.offer];
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
            })
            .collect();
    }
    let mut facts = vec![
        (
            lang.t("partner.field_quantity").into_owned(),
            q.quantity.to_string(),
        ),
        (
            lang.t("partner.field_deliver_by").into_owned(),
            crate::procurement::share::day_text(lang, q.deliver_by),
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
    let mut res = RequestPage {
        c: Chrome::new(lang, q.title.clone(), uri).signed_in(caller),
        l: lang,
        id: r.id.clone(),
        partner_id: r.partner_id.clone(),
        partner: r.partner_name.clone(),
        title: q.title.clone(),
        facts,
        open: r.open,
        can_manage,
        matches,
        shortlist: list
            .iter()
            .map(|c| ShortLine {
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
            })
            .collect(),
        errors: worded(lang, errors, "partner.field_"),
    }
    .into_response();
    *res.status_mut() = status;
    res
}

async fn request_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadPartnerships) {
        return *r;
    }
    show_request(
        &state,
        lang,
        &caller,
        &uri,
        &id,
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

async fn pick(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    if let Err(e) = state.db().partner_request(&scope, &id, None).await {
        return error_page(lang, &uri, e.into());
    }
    let product = form_value(&f, "product");
    if product.is_empty() {
        let mut e = FieldErrors::new();
        e.push("product", "required");
        return show_request(
            &state,
            lang,
            &caller,
            &uri,
            &id,
            &e,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .db()
        .shortlist_product(&scope, &id, product, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/mitra/permintaan/{id}#shortlist")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn outcome(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    if let Err(e) = state.db().partner_request(&scope, &id, None).await {
        return error_page(lang, &uri, e.into());
    }
    let mut e = FieldErrors::new();
    let outcome = e.check(
        "outcome",
        Outcome::parse(form_value(&f, "outcome")).ok_or(sentra_domain::Invalid("choice_invalid")),
    );
    let value = match form_value(&f, "order_value").trim() {
        "" => None,
        v => e.check(
            "order_value",
            sentra_domain::money::parse_positive_rupiah(v),
        ),
    };
    let note = match clean_text(form_value(&f, "note"), 500) {
        Ok(n) => n,
        Err(sentra_domain::Invalid(c)) => {
            e.push("note", c);
            None
        }
    };
    let Some(outcome) = outcome.filter(|_| e.is_empty()) else {
        return show_request(
            &state,
            lang,
            &caller,
            &uri,
            &id,
            &e,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .db()
        .set_outcome(
            &scope,
            &id,
            form_value(&f, "product"),
            outcome,
            value,
            note.as_deref(),
            &caller.actor,
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/mitra/permintaan/{id}#shortlist")).into_response(),
        Err(StorageError::Invalid(e)) => {
            show_request(
                &state,
                lang,
                &caller,
                &uri,
                &id,
                &e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn set_status(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let open = form_value(&f, "open") == "1";
    match state
        .db()
        .set_request_open(&caller.scope(), &id, open, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/mitra/permintaan/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

/// A business's partnerships, for its page.
pub struct PartnershipSection {
    pub lines: Vec<OutcomeLine>,
    pub total: String,
}

pub(crate) async fn partnership_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<PartnershipSection> {
    let list = state
        .db()
        .partnerships_of(&caller.scope(), &record.id)
        .await
        .ok()?;
    if list.is_empty() {
        return None;
    }
    let total = sum_rupiah(
        list.iter()
            .filter(|c| c.outcome.ordered())
            .filter_map(|c| c.order_value),
    );
    let mut lines = outcome_lines(lang, caller, &list);
    for (line, c) in lines.iter_mut().zip(&list) {
        line.request = format!("{} · {}", c.partner_name, c.request_title);
    }
    Some(PartnershipSection {
        lines,
        total: format_rupiah(total),
    })
}
