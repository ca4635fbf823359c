//! Registering a business and editing it (`/umkm/new`, `/umkm/{id}/edit`): one form, shown
//! again with what was typed and its problems; an owner's edit of a verified business waits
//! as a change request for an operator.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use sentra_domain::FieldErrors;
use sentra_domain::region::RegionCode;
use sentra_domain::umkm::{LegalKind, LinkKind, UmkmData};
use sentra_storage::UmkmRecord;

use crate::api::validated;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::{form_value, input_from_form};
use crate::lang::Lang;
use crate::ui::{Chrome, FormFields, Opt, Picker, opts, pickers, sector_opts};
use crate::view::field_label;

/// A field's label, message and value for the form.
#[derive(Template, WebTemplate)]
#[template(path = "registry/umkm_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub l: Lang,
    pub action: String,
    pub cancel_href: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String, String)>,
    pub pickers: Vec<Picker>,
    pub sectors: Vec<Opt>,
    pub kbli_versions: Vec<Opt>,
    pub doc_kinds: Vec<(String, String)>,
    /// Each link's code, label and an example of how it may be written.
    pub link_kinds: Vec<(String, String, &'static str)>,
    pub version: String,
    /// The owner's short form: what may wait is folded away, a section opened when it holds
    /// a value or a problem.
    pub fold: bool,
    /// Registered businesses that may be the one typed, shown before it is saved.
    pub likely: Vec<LikelyRow>,
}

/// A registered business like the one typed: by name and place, why, and side by side.
pub struct LikelyRow {
    pub href: String,
    pub name: String,
    pub place: String,
    pub score: i64,
    pub reasons: String,
    /// Label, as typed, as registered.
    pub rows: Vec<(String, String, String)>,
}

crate::ui::form_fields!(FormPage);

impl FormPage {
    pub fn doc_field(&self, kind: &str, part: &str) -> String {
        format!("documents.{kind}.{part}")
    }

    /// Whether a folded section starts open: never folded for staff, who fill the whole paper
    /// form; for an owner, when a field starting with one of `prefixes` holds a value or a problem.
    pub fn opened(&self, prefixes: &[&str]) -> bool {
        let ours = |k: &str| prefixes.iter().any(|p| k.starts_with(p));
        !self.fold
            || self.errors.iter().any(|e| ours(&e.0))
            || self
                .values
                .iter()
                .any(|(k, v)| ours(k) && !v.trim().is_empty() && !is_default(k, v))
    }
}

/// Values every form posts back untouched: not something the owner filled in.
fn is_default(key: &str, value: &str) -> bool {
    key == "kbli_version" && value == "2020"
}

/// Fields of the owner's sign-up carried into her first business: her name and phone.
fn from_signup(ctx: &PageCtx) -> HashMap<String, String> {
    let user = &ctx.caller.user;
    if user.role != sentra_domain::account::Role::Owner {
        return HashMap::new();
    }
    let mut values = HashMap::from([("owner_name".to_string(), user.name.clone())]);
    // Owners sign in with their phone in E.164 (+62…); shown as they write it (0812-…).
    if let Some(local) = user
        .login
        .starts_with("+62")
        .then(|| crate::view::phone_local(&user.login))
        .flatten()
    {
        values.insert("phone".into(), local);
    }
    values
}

/// Where a create or edit form is shown: everything but what the user typed.
struct FormView<'a> {
    ctx: &'a PageCtx,
    title: String,
    /// Where the form posts; also where "cancel" leads.
    action: String,
}

impl FormView<'_> {
    fn new_record(ctx: &PageCtx) -> FormView<'_> {
        FormView {
            ctx,
            title: ctx.lang.t("umkm.new_title").into_owned(),
            action: "/umkm".into(),
        }
    }

    fn edit<'a>(ctx: &'a PageCtx, r: &UmkmRecord) -> FormView<'a> {
        FormView {
            ctx,
            title: ctx.lang.tf("umkm.edit_title", &[("name", &r.name)]),
            action: format!("/umkm/{}", r.id),
        }
    }

    async fn show(
        &self,
        status: StatusCode,
        values: HashMap<String, String>,
        errors: &FieldErrors,
        version: String,
    ) -> Response {
        self.show_with_likely(status, values, errors, version, Vec::new())
            .await
    }

    async fn show_with_likely(
        &self,
        status: StatusCode,
        values: HashMap<String, String>,
        errors: &FieldErrors,
        version: String,
        likely: Vec<LikelyRow>,
    ) -> Response {
        let mut res = form_page(self, values, errors, version, likely).await;
        *res.status_mut() = status;
        res
    }
}

/// The deepest consistent region chosen so far, walking down: a village left over from a
/// kecamatan the user has since changed is dropped, so the pickers follow the new kecamatan.
/// With none, a kecamatan or kelurahan operator starts at their own region.
fn chosen_region(ctx: &PageCtx, values: &HashMap<String, String>) -> Option<RegionCode> {
    let tree = ctx.state.regions();
    let home = ctx.state.home();
    let mut chosen: Option<RegionCode> = None;
    for key in ["province", "regency", "district", "village_code"] {
        let Some(code) = values.get(key).and_then(|v| RegionCode::parse(v).ok()) else {
            continue;
        };
        let fits = code.is_within(home)
            && tree.get(&code).is_some()
            && chosen.as_ref().is_none_or(|c| code.is_within(c));
        if fits {
            chosen = Some(code);
        }
    }
    if chosen.is_none() {
        let own = ctx.scope().region_code().clone();
        if own.is_within(home) && tree.get(&own).is_some() {
            chosen = Some(own);
        }
    }
    chosen
}

/// The legal documents', or the links', kinds with their labels.
fn kinds(
    lang: Lang,
    prefix: &str,
    codes: impl Iterator<Item = &'static str>,
) -> Vec<(String, String)> {
    codes
        .map(|k| (k.to_string(), lang.t(&format!("{prefix}.{k}")).into_owned()))
        .collect()
}

/// How a link may be written: the form takes numbers, handles and addresses without `https://`.
fn link_example(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Whatsapp => "0812-3456-7890",
        LinkKind::Website => "www.usahaanda.id",
        LinkKind::Instagram => "@usahaanda",
        LinkKind::Facebook => "facebook.com/usahaanda",
        LinkKind::Tiktok => "@usahaanda",
        LinkKind::Tokopedia => "tokopedia.com/usahaanda",
        LinkKind::Shopee => "shopee.co.id/usahaanda",
        LinkKind::Lazada => "lazada.co.id/shop/usahaanda",
        LinkKind::Gofood => "gofood.co.id/...",
        LinkKind::Grabfood => "food.grab.com/...",
    }
}

async fn form_page(
    view: &FormView<'_>,
    values: HashMap<String, String>,
    errors: &FieldErrors,
    version: String,
    likely: Vec<LikelyRow>,
) -> Response {
    let ctx = view.ctx;
    let lang = ctx.lang;
    let home = ctx.state.home().clone();
    let chosen = chosen_region(ctx, &values);
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let errors = errors
        .iter()
        .map(|e| {
            let label = field_label(lang, &e.field);
            (e.field.clone(), label, lang.error(e.code).into_owned())
        })
        .collect();
    let kbli = values.get("kbli_version").cloned().unwrap_or_default();
    FormPage {
        c: ctx.chrome(view.title.clone()),
        l: lang,
        action: view.action.clone(),
        cancel_href: view.action.clone(),
        pickers: pickers(
            ctx.state.regions(),
            &home,
            chosen.as_ref(),
            lang,
            Some("village_code"),
            ctx.scope().region_code(),
        ),
        sectors: sector_opts(
            &sectors,
            lang,
            values.get("sector").map_or("", String::as_str),
        ),
        kbli_versions: opts(
            &["2020", "2025"],
            |v| v.to_string(),
            |v| format!("KBLI {v}"),
            if kbli.is_empty() { "2020" } else { &kbli },
        ),
        doc_kinds: kinds(lang, "doc", LegalKind::ALL.iter().map(|k| k.as_str())),
        link_kinds: LinkKind::ALL
            .iter()
            .map(|k| {
                let label = lang.t(&format!("link.{}", k.as_str())).into_owned();
                (k.as_str().to_string(), label, link_example(*k))
            })
            .collect(),
        fold: ctx.caller.user.role == sentra_domain::account::Role::Owner,
        likely,
        values,
        errors,
        version,
    }
    .into_response()
}

pub(super) async fn new_form(ctx: PageCtx) -> PageResult {
    let view = FormView::new_record(&ctx);
    Ok(view
        .show(
            StatusCode::OK,
            from_signup(&ctx),
            &FieldErrors::new(),
            String::new(),
        )
        .await)
}

pub(super) async fn create(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let values: HashMap<String, String> = pairs.iter().cloned().collect();
    let view = FormView::new_record(&ctx);
    if !form_value(&pairs, "_refresh").is_empty() {
        let none = FieldErrors::new();
        return Ok(view
            .show(StatusCode::OK, values, &none, String::new())
            .await);
    }
    let input = input_from_form(&pairs);
    let scope = ctx.scope();
    let saved = match validated(&ctx.state, &scope, &input).await {
        Ok(data) => {
            // Before saving, not after: a business already registered is shown by name, place
            // and side by side, and saved as a new one only when the person says it is one.
            if form_value(&pairs, "_new_anyway").is_empty() {
                let likely = ctx.db().likely_duplicates_of_new(&scope, &data).await?;
                if !likely.is_empty() {
                    let rows = likely_rows(&ctx, &data, likely);
                    let none = FieldErrors::new();
                    return Ok(view
                        .show_with_likely(StatusCode::OK, values, &none, String::new(), rows)
                        .await);
                }
            }
            ctx.db()
                .create_umkm(&scope, &data, &ctx.caller.actor)
                .await
                .map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(record) => {
            Ok(Redirect::to(&format!("/umkm/{}?done=created", record.id)).into_response())
        }
        Err(ApiError::Validation(errors)) => Ok(view
            .show(
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                &errors,
                String::new(),
            )
            .await),
        Err(e) => Err(e.into()),
    }
}

/// The likely matches as the form shows them: what was typed beside what is registered.
fn likely_rows(
    ctx: &PageCtx,
    typed: &UmkmData,
    likely: Vec<sentra_storage::LikelyDuplicate>,
) -> Vec<LikelyRow> {
    let lang = ctx.lang;
    let place = |code: &str| {
        let village = ctx.state.region_name(code);
        let district = RegionCode::parse(code)
            .ok()
            .and_then(|c| c.parent())
            .map(|d| ctx.state.region_name(d.as_str()))
            .unwrap_or_default();
        format!("{village}, {district}")
    };
    likely
        .into_iter()
        .map(|d| LikelyRow {
            href: format!("/umkm/{}", d.id),
            rows: vec![
                (
                    field_label(lang, "name"),
                    typed.name.clone(),
                    d.name.clone(),
                ),
                (
                    field_label(lang, "owner_name"),
                    typed.owner_name.clone(),
                    d.owner_name.clone(),
                ),
                (
                    field_label(lang, "village_code"),
                    place(typed.village_code.as_str()),
                    place(&d.village_code),
                ),
            ],
            place: place(&d.village_code),
            name: d.name,
            score: d.score,
            reasons: crate::registry::duplicates::reasons_text(lang, &d.reasons),
        })
        .collect()
}

pub(super) fn record_values(r: &UmkmRecord) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let mut put = |k: &str, s: Option<String>| {
        if let Some(s) = s {
            v.insert(k.to_string(), s);
        }
    };
    put("name", Some(r.name.clone()));
    put("brand", r.brand.clone());
    put("owner_name", Some(r.owner_name.clone()));
    put("address", r.address.clone());
    put("village_code", Some(r.village_code.clone()));
    put("latitude", r.latitude.map(|x| x.to_string()));
    put("longitude", r.longitude.map(|x| x.to_string()));
    put("sector", Some(r.sector.clone()));
    put("kbli_code", r.kbli_code.clone());
    put("kbli_version", r.kbli_version.clone());
    put("year_started", r.year_started.map(|x| x.to_string()));
    put("modal", r.modal.map(sentra_domain::money::format_thousands));
    put(
        "annual_sales",
        r.annual_sales.map(sentra_domain::money::format_thousands),
    );
    put("employees_male", r.employees_male.map(|x| x.to_string()));
    put(
        "employees_female",
        r.employees_female.map(|x| x.to_string()),
    );
    for d in &r.documents {
        let k = d.kind.as_str();
        put(&format!("documents.{k}.number"), Some(d.number.clone()));
        put(
            &format!("documents.{k}.issued_on"),
            d.issued_on.map(|x| x.format("%Y-%m-%d").to_string()),
        );
        put(
            &format!("documents.{k}.expires_on"),
            d.expires_on.map(|x| x.format("%Y-%m-%d").to_string()),
        );
    }
    for l in &r.links {
        // WhatsApp as the number it is stored for, the way the form asks for it.
        let shown = match l.kind {
            LinkKind::Whatsapp => crate::view::whatsapp_number(&l.url).unwrap_or(l.url.clone()),
            _ => l.url.clone(),
        };
        put(&format!("links.{}", l.kind.as_str()), Some(shown));
    }
    v
}

pub(super) async fn edit_form(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let r = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    let view = FormView::edit(&ctx, &r);
    Ok(view
        .show(
            StatusCode::OK,
            record_values(&r),
            &FieldErrors::new(),
            r.version.to_string(),
        )
        .await)
}

pub(super) async fn update(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let values: HashMap<String, String> = pairs.iter().cloned().collect();
    let current = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    let view = FormView::edit(&ctx, &current);
    let version = form_value(&pairs, "version").to_string();
    if !form_value(&pairs, "_refresh").is_empty() {
        let none = FieldErrors::new();
        return Ok(view.show(StatusCode::OK, values, &none, version).await);
    }
    let Ok(expected) = version.trim().parse::<i64>() else {
        let mut e = FieldErrors::new();
        e.push("version", "invalid");
        let stale = current.version.to_string();
        return Ok(view
            .show(StatusCode::UNPROCESSABLE_ENTITY, values, &e, stale)
            .await);
    };
    match save_edit(&ctx, &id, &current, expected, &pairs).await {
        Ok(r) => Ok(Redirect::to(&format!("/umkm/{}?done=saved", r.id)).into_response()),
        Err(ApiError::Validation(errors)) => Ok(view
            .show(StatusCode::UNPROCESSABLE_ENTITY, values, &errors, version)
            .await),
        Err(ApiError::Conflict) => {
            // Keep what the user typed; tell them someone else saved first.
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            let newer = current.version.to_string();
            Ok(view.show(StatusCode::CONFLICT, values, &e, newer).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// The edit saved, or (an owner's edit of a verified business) kept as a change request for an
/// operator; the record as it is now.
async fn save_edit(
    ctx: &PageCtx,
    id: &str,
    current: &UmkmRecord,
    expected: i64,
    pairs: &[(String, String)],
) -> Result<UmkmRecord, ApiError> {
    let scope = ctx.scope();
    let mut input = input_from_form(pairs);
    // The edit form never shows the NIK or phone; left blank, the stored ones stay.
    crate::forms::keep_personal_data(&mut input, current);
    let data: UmkmData = validated(&ctx.state, &scope, &input).await?;
    let actor = &ctx.caller.actor;
    if crate::auth::owner_locked(&ctx.caller, current.status) {
        let form: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "_csrf").collect();
        let form = serde_json::json!(form);
        ctx.db()
            .request_change(&scope, id, expected, &data, &form, actor)
            .await?;
        return Ok(current.clone());
    }
    Ok(ctx
        .db()
        .update_umkm(&scope, id, expected, &data, actor)
        .await?)
}
