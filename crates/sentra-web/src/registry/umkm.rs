//! Server-rendered pages. They work without JavaScript: region pickers reload the page with the
//! next level's choices; a small script only submits them on change.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use sentra_domain::FieldErrors;
use sentra_domain::region::RegionCode;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::{LegalKind, LinkKind, UmkmStatus};
use sentra_storage::{SortDirection, UmkmRecord, UmkmSort};

use crate::AppState;
use crate::api::validated;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::{form_value, input_from_form};
use crate::lang::{Lang, ReqLang};
use crate::params::{legality_str, parse_list_params};
use crate::routes::{Access, Routes};
use crate::ui::{
    Chrome, FormFields, Opt, Picker, error_page, opts, pickers, region_name, sector_opts,
};
use crate::view::{date_text, field_label, mask_nik, mask_phone, opt, query_string, rupiah};
use sentra_domain::account::Permission;

pub(crate) fn routes() -> Routes {
    use Permission::*;
    Routes::new("")
        .get("/umkm", Access::Role(ReadRegistry), list)
        .post("/umkm", Access::Role(WriteRegistry), create)
        .get("/umkm/new", Access::Role(WriteRegistry), new_form)
        .get("/umkm/{id}", Access::Role(ReadRegistry), detail)
        .post("/umkm/{id}", Access::Role(WriteRegistry), update)
        .get("/umkm/{id}/edit", Access::Role(WriteRegistry), edit_form)
        .post(
            "/umkm/{id}/status",
            Access::Role(VerifyRegistry),
            set_status,
        )
        .post(
            "/umkm/{id}/reveal",
            Access::Role(RevealPersonalData),
            reveal,
        )
        .post(
            "/umkm/{id}/owner",
            Access::Role(VerifyRegistry),
            hand_to_owner,
        )
        .post(
            "/umkm/{id}/changes",
            Access::Role(VerifyRegistry),
            decide_change,
        )
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub owner: String,
    pub place: String,
    pub sector: String,
    pub size: String,
    pub status: String,
    pub status_class: &'static str,
    pub modal: String,
    pub documents: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/umkm_list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub l: Lang,
    pub pickers: Vec<Picker>,
    pub sectors: Vec<Opt>,
    pub sizes: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub legality: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub dirs: Vec<Opt>,
    pub q: String,
    pub rows: Vec<Row>,
    pub total_text: String,
    pub page_text: String,
    pub prev_href: Option<String>,
    /// `?…` with the list's filters (not its page), for the export links.
    pub export_query: String,
    pub next_href: Option<String>,
    pub errors: Vec<String>,
    pub scope_name: String,
    /// The naik-kelas filter when one is on (it has no select: dashboards link to it): its
    /// value, what it means, and the list without it.
    pub growth: Option<(String, String, String)>,
}

fn status_class(s: UmkmStatus) -> &'static str {
    match s {
        UmkmStatus::Draft => "badge draft",
        UmkmStatus::Verified => "badge verified",
        UmkmStatus::Inactive => "badge inactive",
    }
}

async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadRegistry) {
        return *r;
    }
    let pairs = crate::forms::query_pairs(query.as_deref());
    let tree = state.regions();
    let get = |k: &str| form_value(&pairs, k).to_string();
    let (params, errors) = match parse_list_params(&pairs, tree) {
        Ok(p) => (p, Vec::new()),
        Err(e) => {
            let msgs = e
                .iter()
                .map(|f| format!("{}: {}", field_label(lang, &f.field), lang.error(f.code)))
                .collect();
            // Show the unfiltered list beside the problems rather than an empty page.
            match parse_list_params(&[], tree) {
                Ok(p) => (p, msgs),
                Err(_) => {
                    return ApiError::Internal("default list params".into()).into_response_in(lang);
                }
            }
        }
    };
    let sectors = state.db().sectors().await.unwrap_or_default();
    let page = match state
        .db()
        .list_umkm(
            &caller.scope(),
            &params.filter,
            params.sort,
            params.direction,
            params.page,
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, ApiError::from(e)),
    };
    let sector_name: HashMap<&str, &str> = sectors
        .iter()
        .map(|s| {
            (
                s.code.as_str(),
                if lang == Lang::En {
                    s.name_en.as_str()
                } else {
                    s.name_id.as_str()
                },
            )
        })
        .collect();
    let rows = page
        .items
        .iter()
        .map(|i| {
            let village = tree.get_str(&i.village_code);
            let district = village
                .and_then(|v| v.code.parent())
                .and_then(|d| tree.get(&d).map(|r| r.name.clone()));
            Row {
                id: i.id.clone(),
                name: i.name.clone(),
                brand: i.brand.clone().unwrap_or_default(),
                owner: i.owner_name.clone(),
                place: match (village, district) {
                    (Some(v), Some(d)) => format!("{}, {}", v.name, d),
                    _ => i.village_code.clone(),
                },
                sector: sector_name
                    .get(i.sector.as_str())
                    .map_or(i.sector.clone(), |s| s.to_string()),
                size: i
                    .size_class
                    .map(|s| lang.t(&format!("size.{}", s.as_str())).into_owned())
                    .unwrap_or_else(|| "—".into()),
                status: lang
                    .t(&format!("status.{}", i.status.as_str()))
                    .into_owned(),
                status_class: status_class(i.status),
                modal: rupiah(i.modal),
                documents: i
                    .documents
                    .iter()
                    .map(|d| lang.t(&format!("doc.{}", d.as_str())).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    let pages = page.pages().max(1);
    let link_to = |n: u32| {
        let mut kept: Vec<(&str, String)> = [
            "province",
            "regency",
            "district",
            "village",
            "region",
            "sector",
            "size",
            "status",
            "legality",
            "naik_kelas",
            "q",
            "sort",
            "dir",
            "per_page",
        ]
        .iter()
        .map(|k| (*k, get(k)))
        .collect();
        kept.push(("page", n.to_string()));
        format!("/umkm?{}", query_string(&kept))
    };
    let legality_opts: Vec<Opt> = LegalKind::ALL
        .iter()
        .flat_map(|&k| {
            [
                sentra_storage::LegalityFilter::Has(k),
                sentra_storage::LegalityFilter::Lacks(k),
            ]
        })
        .map(|f| {
            let v = legality_str(f);
            Opt {
                selected: v == get("legality"),
                label: lang.tf(
                    if v.starts_with("has_") {
                        "filter.has_doc"
                    } else {
                        "filter.lacks_doc"
                    },
                    &[(
                        "doc",
                        &lang.t(&format!("doc.{}", v.split_once('_').map_or("", |x| x.1))),
                    )],
                ),
                value: v,
            }
        })
        .collect();
    let chosen = params.filter.region.clone();
    let home = state.home().clone();
    let page_tpl = ListPage {
        c: Chrome::new(lang, lang.t("umkm.list_title").into_owned(), &uri).signed_in(&caller),
        l: lang,
        pickers: pickers(
            tree,
            &home,
            chosen.as_ref().filter(|c| c.is_within(&home)),
            lang,
            None,
        ),
        sectors: sector_opts(&sectors, lang, &get("sector")),
        sizes: opts(
            &SizeClass::ALL,
            |s| s.as_str().into(),
            |s| lang.t(&format!("size.{}", s.as_str())).into_owned(),
            &get("size"),
        ),
        statuses: opts(
            &UmkmStatus::ALL,
            |s| s.as_str().into(),
            |s| lang.t(&format!("status.{}", s.as_str())).into_owned(),
            &get("status"),
        ),
        legality: legality_opts,
        sorts: opts(
            &UmkmSort::ALL,
            |s| s.as_str().into(),
            |s| lang.t(&format!("sort.{}", s.as_str())).into_owned(),
            &get("sort"),
        ),
        dirs: opts(
            &[SortDirection::Asc, SortDirection::Desc],
            |d| {
                if d == SortDirection::Asc {
                    "asc".into()
                } else {
                    "desc".into()
                }
            },
            |d| {
                lang.t(if d == SortDirection::Asc {
                    "sort.asc"
                } else {
                    "sort.desc"
                })
                .into_owned()
            },
            &get("dir"),
        ),
        q: get("q"),
        total_text: lang.tf(
            "umkm.total",
            &[("n", &sentra_domain::money::format_thousands(page.total))],
        ),
        page_text: lang.tf(
            "pager.page_of",
            &[
                ("page", &page.page.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        prev_href: (page.page > 1).then(|| link_to(page.page - 1)),
        export_query: {
            let kept: Vec<&(String, String)> = pairs
                .iter()
                .filter(|(k, v)| {
                    !v.is_empty() && !["page", "sort", "dir", "lang"].contains(&k.as_str())
                })
                .collect();
            if kept.is_empty() {
                String::new()
            } else {
                format!(
                    "?{}",
                    serde_urlencoded::to_string(&kept).unwrap_or_default()
                )
            }
        },
        next_href: (page.page < pages).then(|| link_to(page.page + 1)),
        growth: params.filter.growth.map(|g| {
            let without: Vec<&(String, String)> = pairs
                .iter()
                .filter(|(k, v)| !v.is_empty() && !["page", "naik_kelas"].contains(&k.as_str()))
                .collect();
            (
                g.as_param(),
                crate::registry::growth::filter_label(lang, g),
                format!(
                    "/umkm?{}",
                    serde_urlencoded::to_string(&without).unwrap_or_default()
                ),
            )
        }),
        rows,
        errors,
        scope_name: region_name(tree, home.as_str()),
    };
    page_tpl.into_response()
}

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
    pub link_kinds: Vec<(String, String)>,
    pub version: String,
}

impl FormFields for FormPage {
    fn values(&self) -> &HashMap<String, String> {
        &self.values
    }

    fn errors(&self) -> &[(String, String, String)] {
        &self.errors
    }
}

impl FormPage {
    pub fn doc_field(&self, kind: &str, part: &str) -> String {
        format!("documents.{kind}.{part}")
    }
}

/// Where a create or edit form is shown: everything but what the user typed.
struct FormView<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
    title: String,
    /// Where the form posts; also where "cancel" leads.
    action: String,
}

impl FormView<'_> {
    async fn show(
        &self,
        status: StatusCode,
        values: HashMap<String, String>,
        errors: &FieldErrors,
        version: String,
    ) -> Response {
        let mut res = form_page(self, values, errors, version).await;
        *res.status_mut() = status;
        res
    }
}

async fn form_page(
    view: &FormView<'_>,
    values: HashMap<String, String>,
    errors: &FieldErrors,
    version: String,
) -> Response {
    let FormView {
        state,
        caller,
        lang,
        uri,
        ..
    } = *view;
    let tree = state.regions();
    let home = state.home().clone();
    // The deepest region chosen so far: the village if set, else the district picker.
    // The deepest consistent choice, walking down: a village left over from a kecamatan the
    // user has since changed is dropped, so the pickers follow the new kecamatan.
    let mut chosen: Option<RegionCode> = None;
    for key in ["province", "regency", "district", "village_code"] {
        let Some(code) = values.get(key).and_then(|v| RegionCode::parse(v).ok()) else {
            continue;
        };
        let fits = code.is_within(&home)
            && tree.get(&code).is_some()
            && chosen.as_ref().is_none_or(|c| code.is_within(c));
        if fits {
            chosen = Some(code);
        }
    }
    // A kecamatan or kelurahan operator starts at their own region.
    if chosen.is_none() {
        let scope = caller.scope();
        let own = scope.region_code();
        if own.is_within(&home) && tree.get(own).is_some() {
            chosen = Some(own.clone());
        }
    }
    let sectors = state.db().sectors().await.unwrap_or_default();
    let errors = errors
        .iter()
        .map(|e| {
            let label = field_label(lang, &e.field);
            (e.field.clone(), label, lang.error(e.code).into_owned())
        })
        .collect();
    let kbli = values.get("kbli_version").cloned().unwrap_or_default();
    FormPage {
        c: Chrome::new(lang, view.title.clone(), uri).signed_in(caller),
        l: lang,
        action: view.action.clone(),
        cancel_href: view.action.clone(),
        pickers: pickers(tree, &home, chosen.as_ref(), lang, Some("village_code")),
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
        doc_kinds: LegalKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    lang.t(&format!("doc.{}", k.as_str())).into_owned(),
                )
            })
            .collect(),
        link_kinds: LinkKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    lang.t(&format!("link.{}", k.as_str())).into_owned(),
                )
            })
            .collect(),
        values,
        errors,
        version,
    }
    .into_response()
}

async fn new_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::WriteRegistry) {
        return *r;
    }
    let view = FormView {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
        title: lang.t("umkm.new_title").into_owned(),
        action: "/umkm".into(),
    };
    view.show(
        StatusCode::OK,
        HashMap::new(),
        &FieldErrors::new(),
        String::new(),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::WriteRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let values: HashMap<String, String> = pairs.iter().cloned().collect();
    let view = FormView {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
        title: lang.t("umkm.new_title").into_owned(),
        action: "/umkm".into(),
    };
    if !form_value(&pairs, "_refresh").is_empty() {
        return view
            .show(StatusCode::OK, values, &FieldErrors::new(), String::new())
            .await;
    }
    let input = input_from_form(&pairs);
    let result = match validated(&state, &caller.scope(), &input).await {
        Ok(data) => state
            .db()
            .create_umkm(&caller.scope(), &data, &caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(record) => Redirect::to(&format!("/umkm/{}?done=created", record.id)).into_response(),
        Err(ApiError::Validation(errors)) => {
            view.show(
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                &errors,
                String::new(),
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e),
    }
}

fn record_values(r: &UmkmRecord) -> HashMap<String, String> {
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
        put(&format!("links.{}", l.kind.as_str()), Some(l.url.clone()));
    }
    v
}

async fn edit_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::WriteRegistry) {
        return *r;
    }
    match state.db().get_umkm(&caller.scope(), &id).await {
        Ok(r) => {
            let action = format!("/umkm/{}", r.id);
            let title = lang.tf("umkm.edit_title", &[("name", &r.name)]);
            let view = FormView {
                state: &state,
                caller: &caller,
                lang,
                uri: &uri,
                title,
                action,
            };
            view.show(
                StatusCode::OK,
                record_values(&r),
                &FieldErrors::new(),
                r.version.to_string(),
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::WriteRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let values: HashMap<String, String> = pairs.iter().cloned().collect();
    let scope = caller.scope();
    let current = match state.db().get_umkm(&scope, &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let locked = crate::auth::owner_locked(&caller, current.status);
    let action = format!("/umkm/{}", current.id);
    let title = lang.tf("umkm.edit_title", &[("name", &current.name)]);
    let view = FormView {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
        title,
        action,
    };
    let version = form_value(&pairs, "version").to_string();
    if !form_value(&pairs, "_refresh").is_empty() {
        return view
            .show(StatusCode::OK, values, &FieldErrors::new(), version)
            .await;
    }
    let Ok(expected) = version.trim().parse::<i64>() else {
        let mut e = FieldErrors::new();
        e.push("version", "invalid");
        return view
            .show(
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                &e,
                current.version.to_string(),
            )
            .await;
    };
    let mut input = input_from_form(&pairs);
    // The edit form never shows the NIK or phone; left blank, the stored ones stay.
    crate::forms::keep_personal_data(&mut input, &current);
    let result = match validated(&state, &scope, &input).await {
        // A verified business changes through an operator: the owner's edit waits as a request.
        Ok(data) if locked => {
            let form: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "_csrf").collect();
            state
                .db()
                .request_change(
                    &scope,
                    &id,
                    expected,
                    &data,
                    &serde_json::json!(form),
                    &caller.actor,
                )
                .await
                .map(|_| current.clone())
                .map_err(ApiError::from)
        }
        Ok(data) => state
            .db()
            .update_umkm(&scope, &id, expected, &data, &caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Redirect::to(&format!("/umkm/{}?done=saved", r.id)).into_response(),
        Err(ApiError::Validation(errors)) => {
            view.show(StatusCode::UNPROCESSABLE_ENTITY, values, &errors, version)
                .await
        }
        Err(ApiError::Conflict) => {
            // Keep what the user typed; tell them someone else saved first.
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            view.show(
                StatusCode::CONFLICT,
                values,
                &e,
                current.version.to_string(),
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e),
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
    let pairs = match accept_form(&caller, Permission::VerifyRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // A record outside the scope is "not found" whatever the form says.
    if let Err(e) = state.db().get_umkm(&caller.scope(), &id).await {
        return error_page(lang, &uri, e.into());
    }
    let Some(status) = UmkmStatus::parse(form_value(&pairs, "status")) else {
        let mut e = FieldErrors::new();
        e.push("status", "status_unknown");
        return error_page(lang, &uri, ApiError::Validation(e));
    };
    match state
        .db()
        .set_umkm_status(&caller.scope(), &id, status, &caller.actor)
        .await
    {
        Ok(r) => Redirect::to(&format!("/umkm/{}?done=status", r.id)).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct Item {
    pub label: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/umkm_detail.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_class: &'static str,
    pub business: Vec<Item>,
    pub owner: Vec<Item>,
    pub place: Vec<Item>,
    pub documents: Vec<Vec<String>>,
    pub links: Vec<(String, String)>,
    pub record: Vec<Item>,
    pub next_statuses: Vec<(String, String)>,
    pub map_href: Option<String>,
    pub history: Vec<HistoryRow>,
    pub can_reveal: bool,
    pub can_edit: bool,
    pub can_products: bool,
    pub can_hand_over: bool,
    pub notice: Option<String>,
    /// Pending owner changes: id, who, when, what.
    pub pending: Vec<(String, String, String, String)>,
    /// Open duplicate pairs of this record: the pair's page and the other record's id.
    pub duplicates: Vec<(String, String)>,
    pub merged_into: Option<String>,
    /// Programmes it took part in, what changed since, and what it can join.
    pub programme: Option<crate::programme::people::ProgrammeSection>,
    /// Its legality path.
    pub legality: Option<crate::legality::LegalitySection>,
    /// Its naik-kelas reports, size class changes and milestones.
    pub growth: Option<crate::registry::growth::GrowthSection>,
    /// What government units bought from it, and its delivery record.
    pub government: Option<crate::procurement::suppliers::GovernmentSales>,
    /// What partnerships brought it.
    pub partnerships: Option<crate::partnership::PartnershipSection>,
    /// Photos and notes from the field app.
    pub field: Option<crate::field::FieldSection>,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: String,
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Nama usaha: A → B; …` from a `{"field": [before, after]}` JSON text.
fn diff_text(lang: Lang, json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(field, v)| match v {
                serde_json::Value::Array(pair) if pair.len() == 2 => {
                    format!(
                        "{}: {} → {}",
                        field_label(lang, field),
                        json_text(&pair[0]),
                        json_text(&pair[1])
                    )
                }
                other => format!("{}: {}", field_label(lang, field), json_text(other)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

pub(crate) fn history_rows(
    lang: Lang,
    entries: Vec<sentra_storage::AuditEntry>,
) -> Vec<HistoryRow> {
    entries
        .into_iter()
        .map(|e| {
            let changes = if e.action == "create" {
                String::new()
            } else {
                diff_text(lang, &e.changes)
            };
            HistoryRow {
                when: format!(
                    "{} {}",
                    date_text(lang, &e.at),
                    e.at.get(11..16).unwrap_or("")
                ),
                who: match e.origin {
                    Some(o) => format!("{} ({o})", e.actor),
                    None => e.actor,
                },
                action: lang.t(&format!("audit.{}", e.action)).into_owned(),
                changes,
            }
        })
        .collect()
}

async fn detail(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadRegistry) {
        return *r;
    }
    let r = match state.db().get_umkm(&caller.scope(), &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    // After a redirect from a save, say that it worked (the Post/Redirect/Get pattern).
    let done = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "done"))
        .and_then(|(_, v)| match v.as_str() {
            "created" | "saved" | "status" | "merged" | "joined" | "waitlisted" => {
                Some(lang.t(&format!("umkm.done_{v}")).into_owned())
            }
            _ => None,
        });
    render_detail(&state, &caller, lang, &uri, r, false, done).await
}

/// Shows the NIK and phone in full to roles that need them; the reveal is audited.
async fn reveal(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_form(&caller, Permission::RevealPersonalData, &form) {
        return *r;
    }
    let r = match state.db().get_umkm(&caller.scope(), &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    if let Err(e) = state
        .db()
        .audit_reveal(&caller.actor, "umkm", &id, &["owner_nik", "owner_phone"])
        .await
    {
        return error_page(lang, &uri, e.into());
    }
    let mut res = render_detail(&state, &caller, lang, &uri, r, true, None).await;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// Asks the operator to confirm, before a self-made owner account is linked to a business,
/// that she met the account's holder and checked who she is.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "registry/owner_confirm.html")]
struct OwnerConfirmPage {
    c: Chrome,
    l: Lang,
    id: String,
    business: String,
    login: String,
    name: String,
}

/// Gives the owner an account for a business an operator registered: a new owner account for
/// the phone number (password generated and shown once), or the existing owner account.
async fn hand_to_owner(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::VerifyRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let record = match state.db().get_umkm(&scope, &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let typed = form_value(&pairs, "phone").trim().to_string();
    let phone = if typed.is_empty() {
        record.owner_phone.clone().unwrap_or_default()
    } else {
        typed
    };
    let invalid = |code: &'static str| {
        let mut e = FieldErrors::new();
        e.push("phone", code);
        error_page(lang, &uri, ApiError::Validation(e))
    };
    let Ok(login) = sentra_domain::account::parse_login(&phone) else {
        return invalid("login_invalid");
    };
    let (user, password) = match state.db().user_by_login(&login).await {
        Ok(Some(u)) if u.role == sentra_domain::account::Role::Owner => {
            // Anyone can sign up with an owner's phone number: an account whose holder
            // nobody has met is linked only once the operator confirms she met her.
            match state.db().account_holder_confirmed(&u.id).await {
                Ok(true) => {}
                Ok(false) if form_value(&pairs, "holder_checked") == "1" => {
                    if let Err(e) = state
                        .db()
                        .confirm_account_holder(&u.id, &caller.actor)
                        .await
                    {
                        return error_page(lang, &uri, e.into());
                    }
                }
                Ok(false) => {
                    return OwnerConfirmPage {
                        c: Chrome::new(lang, lang.t("umkm.holder_title").into_owned(), &uri)
                            .signed_in(&caller),
                        l: lang,
                        id: id.clone(),
                        business: record.name.clone(),
                        login: u.login.clone(),
                        name: u.name.clone(),
                    }
                    .into_response();
                }
                Err(e) => return error_page(lang, &uri, e.into()),
            }
            (u, None)
        }
        Ok(Some(_)) => return invalid("login_taken"),
        Ok(None) => {
            let password = sentra_storage::new_secret()[..16].to_string();
            let account = sentra_domain::account::NewAccount {
                name: record.owner_name.clone(),
                login,
                role: sentra_domain::account::Role::Owner,
                scope: state.home().clone(),
            };
            match state
                .db()
                .create_user(&account, &password, &caller.actor)
                .await
            {
                Ok(u) => {
                    // The operator hands the password over in person.
                    if let Err(e) = state
                        .db()
                        .confirm_account_holder(&u.id, &caller.actor)
                        .await
                    {
                        return error_page(lang, &uri, e.into());
                    }
                    (u, Some(password))
                }
                Err(e) => return error_page(lang, &uri, e.into()),
            }
        }
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    if let Err(e) = state
        .db()
        .assign_owner(&scope, &id, &user.id, &caller.actor)
        .await
    {
        return error_page(lang, &uri, e.into());
    }
    let notice = match password {
        Some(p) => lang.tf(
            "umkm.owner_created",
            &[("login", &user.login), ("password", &p)],
        ),
        None => lang.tf("umkm.owner_linked", &[("login", &user.login)]),
    };
    let mut res = render_detail(&state, &caller, lang, &uri, record, false, Some(notice)).await;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// An operator approves (the change is re-validated and applied) or rejects an owner's change.
async fn decide_change(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::VerifyRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let pending = match state.db().pending_changes(&scope, &id).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let Some(request) = pending
        .into_iter()
        .find(|c| c.id == form_value(&pairs, "request"))
    else {
        let mut e = FieldErrors::new();
        e.push("request", "required");
        return error_page(lang, &uri, ApiError::Validation(e));
    };
    let approve = form_value(&pairs, "decision") == "approve";
    let data = if approve {
        let current = match state.db().get_umkm(&scope, &id).await {
            Ok(r) => r,
            Err(e) => return error_page(lang, &uri, e.into()),
        };
        let proposed: Vec<(String, String)> =
            serde_json::from_str(&request.form).unwrap_or_default();
        let mut input = input_from_form(&proposed);
        crate::forms::keep_personal_data(&mut input, &current);
        match validated(&state, &scope, &input).await {
            Ok(d) => Some(d),
            Err(e) => return error_page(lang, &uri, e),
        }
    } else {
        None
    };
    match state
        .db()
        .decide_change(&scope, &id, &request, data.as_ref(), &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/umkm/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn render_detail(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    uri: &Uri,
    r: UmkmRecord,
    revealed: bool,
    notice: Option<String>,
) -> Response {
    let tree = state.regions();
    let sectors = state.db().sectors().await.unwrap_or_default();
    let t = |k: &str| lang.t(k).into_owned();
    let item = |k: &str, v: String| Item {
        label: t(&format!("field.{k}")),
        value: v,
    };
    let sector = sectors
        .iter()
        .find(|s| s.code == r.sector)
        .map_or(r.sector.clone(), |s| {
            if lang == Lang::En {
                s.name_en.clone()
            } else {
                s.name_id.clone()
            }
        });
    let size = match (r.size_class, r.size_basis) {
        (Some(c), Some(b)) => lang.tf(
            "size.decided",
            &[
                ("class", &t(&format!("size.{}", c.as_str()))),
                ("basis", &t(&format!("size.basis_{}", b.as_str()))),
            ],
        ),
        _ => t("size.unknown"),
    };
    let employees = match (r.employees_male, r.employees_female) {
        (None, None) => "—".to_string(),
        (m, f) => lang.tf(
            "umkm.employees_value",
            &[
                ("m", &m.unwrap_or(0).to_string()),
                ("f", &f.unwrap_or(0).to_string()),
            ],
        ),
    };
    let business = vec![
        item("brand", opt(&r.brand)),
        item("sector", sector),
        item(
            "kbli_code",
            r.kbli_code.as_ref().map_or("—".into(), |k| {
                format!("{k} (KBLI {})", r.kbli_version.clone().unwrap_or_default())
            }),
        ),
        item(
            "year_started",
            r.year_started.map_or("—".into(), |y| y.to_string()),
        ),
        item("modal", rupiah(r.modal)),
        item("annual_sales", rupiah(r.annual_sales)),
        item("size_class", size),
        item("employees", employees),
    ];
    let owner = vec![
        item("owner_name", r.owner_name.clone()),
        item(
            "nik",
            if revealed {
                r.owner_nik.clone()
            } else {
                mask_nik(&r.owner_nik)
            },
        ),
        item("owner_sex", t(&format!("sex.{}", r.owner_sex))),
        item(
            "owner_birth_date",
            crate::view::birth_date_seen(
                lang,
                r.owner_birth_date,
                caller.can(Permission::RevealPersonalData),
            ),
        ),
        item(
            "phone",
            match (&r.owner_phone, revealed) {
                (Some(p), true) => p.clone(),
                (Some(p), false) => mask_phone(p),
                (None, _) => "—".into(),
            },
        ),
    ];
    let lineage: Vec<String> = tree
        .lineage(&RegionCode::parse(&r.village_code).unwrap_or_else(|_| state.home().clone()))
        .iter()
        .map(|x| format!("{} ({})", x.name, x.code))
        .collect();
    let place = vec![
        item("address", opt(&r.address)),
        item(
            "village_code",
            lineage.into_iter().rev().collect::<Vec<_>>().join(", "),
        ),
        item(
            "coordinates",
            match (r.latitude, r.longitude) {
                (Some(a), Some(b)) => format!("{a:.6}, {b:.6}"),
                _ => "—".into(),
            },
        ),
    ];
    let day = |d: Option<chrono::NaiveDate>| {
        d.map_or("—".to_string(), |d| {
            date_text(lang, &d.format("%Y-%m-%d").to_string())
        })
    };
    let documents = r
        .documents
        .iter()
        .map(|d| {
            vec![
                t(&format!("doc.{}", d.kind.as_str())),
                d.number.clone(),
                day(d.issued_on),
                day(d.expires_on),
            ]
        })
        .collect();
    let links = r
        .links
        .iter()
        .map(|l| {
            (
                t(&format!("link.{}", l.kind.as_str())),
                crate::view::link_seen(l.kind, &l.url, r.status == UmkmStatus::Verified, revealed),
            )
        })
        .collect();
    let mut record = vec![
        item(
            "created_at",
            format!("{} ({})", date_text(lang, &r.created_at), r.created_by),
        ),
        item("updated_at", date_text(lang, &r.updated_at)),
    ];
    if let (Some(by), Some(at)) = (&r.verified_by, &r.verified_at) {
        record.push(item("verified", format!("{} — {by}", date_text(lang, at))));
    }
    let next_statuses = UmkmStatus::ALL
        .iter()
        .filter(|_| caller.can(Permission::VerifyRegistry))
        .filter(|s| **s != r.status)
        .map(|s| {
            (
                s.as_str().to_string(),
                t(&format!("status.action_{}", s.as_str())),
            )
        })
        .collect();
    let map_href = match (r.latitude, r.longitude) {
        (Some(a), Some(b)) => Some(format!("geo:{a},{b}")),
        _ => None,
    };
    let history = history_rows(
        lang,
        state
            .db()
            .audit_for("umkm", &r.id)
            .await
            .unwrap_or_default(),
    );
    let pending = state
        .db()
        .pending_changes(&caller.scope(), &r.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c.id,
                c.requested_by,
                date_text(lang, &c.created_at),
                diff_text(lang, &c.diff),
            )
        })
        .collect();
    let duplicates = if caller.can(Permission::VerifyRegistry) {
        state
            .db()
            .open_duplicates_of(&caller.scope(), &r.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|other| (crate::registry::duplicates::pair_href(&r.id, &other), other))
            .collect()
    } else {
        Vec::new()
    };
    let programme = if r.merged_into.is_none() {
        crate::programme::people::programme_section(state, caller, lang, &r.id).await
    } else {
        None
    };
    let legality = if r.merged_into.is_none() {
        crate::legality::legality_section(state, caller, lang, &r).await
    } else {
        None
    };
    let growth = if r.merged_into.is_none() {
        crate::registry::growth::growth_section(state, caller, lang, &r).await
    } else {
        None
    };
    let government = crate::procurement::suppliers::government_sales(state, caller, lang, &r).await;
    let partnerships = crate::partnership::partnership_section(state, caller, lang, &r).await;
    let field = crate::field::field_section(state, caller, &r).await;
    DetailPage {
        field,
        growth,
        government,
        partnerships,
        legality,
        programme,
        duplicates,
        merged_into: r.merged_into.clone(),
        history,
        can_reveal: caller.can(Permission::RevealPersonalData) && !revealed,
        can_edit: caller.can(Permission::WriteRegistry),
        can_products: caller.can(Permission::ManageProducts),
        can_hand_over: caller.can(Permission::VerifyRegistry),
        notice,
        pending,
        c: Chrome::new(lang, r.name.clone(), uri).signed_in(caller),
        l: lang,
        id: r.id.clone(),
        name: r.name.clone(),
        status: t(&format!("status.{}", r.status.as_str())),
        status_class: status_class(r.status),
        business,
        owner,
        place,
        documents,
        links,
        record,
        next_statuses,
        map_href,
    }
    .into_response()
}
