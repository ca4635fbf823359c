//! Recording a purchase (`/pengadaan/pembelian`, issue 9): a procurement officer picks the
//! supplier — a registered UMKM found by name, or a product from the e-katalog lokal (the
//! product page links here), or another supplier typed in and classified by the officer — then
//! the package, its value, dates and method, and later its life (delivered, accepted, paid).
//! A registered supplier's type comes from the registry (PP 7/2021 Pasal 35 size class). A
//! purchase that takes the unit over its budget is saved only once the officer confirms it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{
    Method, Purchase, PurchaseInput, SupplierType, over_budget, validate_purchase,
};
use sentra_domain::umkm::{MAX_NAME, clean_text, parse_date};
use sentra_storage::{PurchaseRow, StorageError, Supplier, SupplierCandidate};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::procurement::share::{method_label, supplier_type_label};
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProcurement);
    let record = Access::Role(Permission::RecordProcurement);
    Routes::new("")
        .get("/pengadaan/pembelian/baru", record, new_page)
        .post("/pengadaan/pembelian", record, create)
        .get("/pengadaan/pembelian/{purchase}", read, purchase_page)
        .post("/pengadaan/pembelian/{purchase}", record, update)
}

/// The form's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// The fiscal year the purchase is recorded under (the order date must fall in it).
    pub year: String,
    pub unit: String,
    pub package: String,
    pub value: String,
    pub ordered_on: String,
    pub due_on: String,
    pub method: String,
    pub umkm: String,
    pub product: String,
    pub supplier_name: String,
    pub supplier_type: String,
    pub delivered_on: String,
    pub accepted_on: String,
    pub paid_on: String,
    pub note: String,
}

impl Typed {
    fn from_form(f: &[(String, String)]) -> Self {
        let v = |k: &str| form_value(f, k).to_string();
        Typed {
            year: v("year"),
            unit: v("unit"),
            package: v("package"),
            value: v("value"),
            ordered_on: v("ordered_on"),
            due_on: v("due_on"),
            method: v("method"),
            umkm: v("umkm"),
            product: v("product"),
            supplier_name: v("supplier_name"),
            supplier_type: v("supplier_type"),
            delivered_on: v("delivered_on"),
            accepted_on: v("accepted_on"),
            paid_on: v("paid_on"),
            note: v("note"),
        }
    }

    fn from_stored(p: &PurchaseRow) -> Self {
        let d = |d: Option<chrono::NaiveDate>| d.map_or(String::new(), |d| d.to_string());
        let b = &p.purchase;
        Typed {
            year: b.ordered_on.year().to_string(),
            unit: p.unit_id.clone(),
            package: b.package.clone(),
            value: b.value.to_string(),
            ordered_on: b.ordered_on.to_string(),
            due_on: d(b.due_on),
            method: b.method.as_str().into(),
            umkm: p.umkm_id.clone().unwrap_or_default(),
            product: p.product_id.clone().unwrap_or_default(),
            supplier_name: p.supplier_name.clone().unwrap_or_default(),
            supplier_type: b.supplier_type.as_str().into(),
            delivered_on: d(b.delivered_on),
            accepted_on: d(b.accepted_on),
            paid_on: d(b.paid_on),
            note: p.note.clone().unwrap_or_default(),
        }
    }

    fn input(&self) -> PurchaseInput<'_> {
        PurchaseInput {
            package: &self.package,
            value: &self.value,
            ordered_on: &self.ordered_on,
            due_on: &self.due_on,
            method: &self.method,
            supplier_type: &self.supplier_type,
            delivered_on: &self.delivered_on,
            accepted_on: &self.accepted_on,
            paid_on: &self.paid_on,
        }
    }
}

/// A registered supplier chosen for the form.
pub struct Chosen {
    pub id: String,
    pub name: String,
    /// Its type from the registry (`None`: size class unknown, the officer says).
    pub kind: Option<String>,
    /// Its products: (id, name, listed in the e-katalog).
    pub products: Vec<(String, String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement_purchase.html")]
pub struct PurchasePage {
    pub c: Chrome,
    pub l: Lang,
    /// Where the form posts.
    pub action: String,
    /// The page itself, for the supplier search and switch links.
    pub here: String,
    pub editing: bool,
    pub version: i64,
    pub can_record: bool,
    pub units: Vec<(String, String)>,
    /// The unit of a purchase being edited (fixed).
    pub unit_label: String,
    pub chosen: Option<Chosen>,
    pub search: String,
    pub candidates: Vec<(String, String, String)>,
    pub searched: bool,
    pub methods: Vec<(String, String)>,
    pub types: Vec<(String, String)>,
    /// Fiscal years a purchase can be recorded under: this one and the last.
    pub years: Vec<String>,
    pub typed: Typed,
    pub errors: Errors,
    /// The unit's budget would be exceeded: the warning, and the box to confirm.
    pub over_budget: Option<String>,
    pub notice: Option<String>,
    pub history: Vec<String>,
    /// A stored purchase as its lists show it (read-only for those who do not record).
    pub view: Option<crate::procurement::share::PurchaseView>,
}

impl PurchasePage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

/// What the page is for: a new purchase or an existing one.
enum Target {
    New,
    Existing(Box<PurchaseRow>),
}

struct Shown<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
}

impl Shown<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn page(
        &self,
        target: &Target,
        typed: Typed,
        q: &[(String, String)],
        errors: &FieldErrors,
        over_budget: Option<String>,
        notice: Option<String>,
        status: StatusCode,
    ) -> Response {
        let (lang, state, caller) = (self.lang, self.state, self.caller);
        let scope = caller.scope();
        let db = state.db();
        let today = chrono::Utc::now().date_naive();
        let units = match db
            .unit_shares(&scope, scope.region_code(), today.year(), today)
            .await
        {
            Ok(u) => u,
            Err(e) => return error_page(lang, self.uri, e.into()),
        };
        // The supplier shown: asked for in the query (a search result or a product), else the
        // one typed or stored.
        let other = form_value(q, "lain") == "1";
        let umkm = match form_value(q, "umkm") {
            "" if other => String::new(),
            "" => typed.umkm.clone(),
            id => id.to_string(),
        };
        let chosen = match umkm.as_str() {
            "" => None,
            id => match db.supplier(&scope, id).await {
                Ok(s) => Some(chosen_view(state, caller, lang, &s).await),
                Err(_) => None,
            },
        };
        let search = form_value(q, "cari").trim().to_string();
        let candidates = if chosen.is_none() && !search.is_empty() {
            db.find_suppliers(&scope, &search, 20)
                .await
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let (action, here, editing, version, unit_label, history) = match target {
            Target::New => (
                "/pengadaan/pembelian".to_string(),
                "/pengadaan/pembelian/baru".to_string(),
                false,
                0,
                String::new(),
                Vec::new(),
            ),
            Target::Existing(p) => {
                let history = db
                    .audit_for("purchase", &p.id)
                    .await
                    .unwrap_or_default()
                    .iter()
                    .map(|e| {
                        format!(
                            "{} · {} · {}",
                            crate::view::date_text(lang, &e.at),
                            e.actor,
                            lang.t(&format!("procurement.action_{}", e.action))
                        )
                    })
                    .collect();
                (
                    format!("/pengadaan/pembelian/{}", p.id),
                    format!("/pengadaan/pembelian/{}", p.id),
                    true,
                    p.version,
                    format!("{} {}", p.unit_code, p.unit_name),
                    history,
                )
            }
        };
        let unit_of_link = if editing {
            String::new()
        } else {
            typed.unit.clone()
        };
        let candidates = candidates
            .iter()
            .map(|c: &SupplierCandidate| {
                let mut link = vec![("umkm", c.id.clone())];
                if !unit_of_link.is_empty() {
                    link.push(("opd", unit_of_link.clone()));
                }
                (
                    format!("{here}?{}", crate::view::query_string(&link)),
                    c.name.clone(),
                    format!(
                        "{} · {}",
                        state.region_name(&c.village_code),
                        c.size_class.map_or_else(
                            || lang.t("activity.size_unknown").into_owned(),
                            |s| supplier_type_label(lang, SupplierType::of_size(s))
                        )
                    ),
                )
            })
            .collect();
        let mut typed = typed;
        typed.umkm = chosen.as_ref().map_or(String::new(), |c| c.id.clone());
        let title = if editing {
            lang.tf("procurement.purchase_title", &[("package", &typed.package)])
        } else {
            lang.t("procurement.record_purchase").into_owned()
        };
        let mut res = PurchasePage {
            c: Chrome::new(lang, title, self.uri).signed_in(caller),
            l: lang,
            action,
            here,
            editing,
            version,
            can_record: caller.can(Permission::RecordProcurement),
            units: units
                .iter()
                .filter(|u| u.unit.active)
                .map(|u| {
                    (
                        u.unit.id.clone(),
                        format!("{} {}", u.unit.code, u.unit.name),
                    )
                })
                .collect(),
            unit_label,
            chosen,
            searched: !search.is_empty(),
            search,
            candidates,
            methods: Method::ALL
                .iter()
                .map(|m| (m.as_str().to_string(), method_label(lang, *m)))
                .collect(),
            years: (today.year() - 1..=today.year())
                .rev()
                .map(|y| y.to_string())
                .collect(),
            types: SupplierType::ALL
                .iter()
                .map(|t| (t.as_str().to_string(), supplier_type_label(lang, *t)))
                .collect(),
            typed,
            errors: worded(lang, errors, "procurement.field_"),
            over_budget,
            notice,
            history,
            view: match target {
                Target::New => None,
                Target::Existing(p) => Some(crate::procurement::share::purchase_view(
                    lang,
                    p,
                    caller.can(Permission::ReadRegistry),
                    today,
                )),
            },
        }
        .into_response();
        *res.status_mut() = status;
        res
    }
}

async fn chosen_view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    s: &SupplierCandidate,
) -> Chosen {
    let products = state
        .db()
        .products_of(&caller.scope(), &s.id)
        .await
        .unwrap_or_default();
    let mut products: Vec<(String, String, bool)> = products
        .into_iter()
        .filter(|p| p.data.status != sentra_domain::product::ProductStatus::Archived)
        .map(|p| {
            let listed = p.listed();
            (p.id, p.data.name, listed)
        })
        .collect();
    // The e-katalog's products first.
    products.sort_by_key(|p| !p.2);
    Chosen {
        id: s.id.clone(),
        name: s.name.clone(),
        kind: s
            .size_class
            .map(|c| supplier_type_label(lang, SupplierType::of_size(c))),
        products,
    }
}

async fn new_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RecordProcurement) {
        return *r;
    }
    let mut q = query_pairs(query.as_deref());
    let today = chrono::Utc::now().date_naive();
    let mut typed = Typed {
        year: today.year().to_string(),
        unit: form_value(&q, "opd").to_string(),
        method: Method::EPurchasing.as_str().into(),
        ordered_on: today.to_string(),
        ..Typed::default()
    };
    // From the e-katalog: a product chooses its business.
    let product = form_value(&q, "produk").to_string();
    if !product.is_empty() {
        match state.db().get_product(&caller.scope(), &product).await {
            Ok(p) => {
                typed.product = p.id.clone();
                q.push(("umkm".into(), p.umkm_id.clone()));
            }
            Err(e) => return error_page(lang, &uri, e.into()),
        }
    }
    Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    }
    .page(
        &Target::New,
        typed,
        &q,
        &FieldErrors::new(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

async fn purchase_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProcurement) {
        return *r;
    }
    let p = match state.db().purchase(&caller.scope(), &id).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let q = query_pairs(query.as_deref());
    let notice = (form_value(&q, "done") == "saved")
        .then(|| lang.t("procurement.done_purchase_saved").into_owned());
    let typed = Typed::from_stored(&p);
    Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    }
    .page(
        &Target::Existing(Box::new(p)),
        typed,
        &q,
        &FieldErrors::new(),
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

/// The form checked: the purchase, its supplier and its unit, or every problem named.
pub(crate) async fn check(
    state: &AppState,
    caller: &Caller,
    typed: &Typed,
    unit_id: &str,
    new: bool,
) -> Result<(Purchase, Supplier), FieldErrors> {
    let scope = caller.scope();
    let db = state.db();
    let today = chrono::Utc::now().date_naive();
    let mut e = FieldErrors::new();
    match db.unit(&scope, unit_id).await {
        // A retired unit keeps its purchases (their life is still recorded) but takes no new.
        Ok(u) if new && !u.active => e.push("unit", "unit_retired"),
        Ok(_) => {}
        Err(_) => e.push("unit", "choice_invalid"),
    }
    let (supplier, registry_type) = if typed.umkm.trim().is_empty() {
        match clean_text(&typed.supplier_name, MAX_NAME) {
            Ok(Some(name)) if name.chars().count() >= 2 => (Some(Supplier::Other { name }), None),
            Ok(Some(_)) => {
                e.push("supplier_name", "text_too_short");
                (None, None)
            }
            Ok(None) => {
                e.push("supplier_name", "required");
                (None, None)
            }
            Err(sentra_domain::Invalid(code)) => {
                e.push("supplier_name", code);
                (None, None)
            }
        }
    } else {
        match db.supplier(&scope, typed.umkm.trim()).await {
            Ok(s) => (
                Some(Supplier::Registered {
                    umkm_id: s.id.clone(),
                    product_id: Some(typed.product.trim().to_string()).filter(|p| !p.is_empty()),
                }),
                s.size_class.map(SupplierType::of_size),
            ),
            Err(_) => {
                e.push("umkm", "choice_invalid");
                (None, None)
            }
        }
    };
    // The fiscal year chosen; without one, the order date's.
    let year = match typed.year.trim() {
        "" => parse_date(&typed.ordered_on).map_or(today.year(), |d| d.year()),
        y => match sentra_domain::targets::parse_year(y) {
            Ok(y) => y,
            Err(sentra_domain::Invalid(code)) => {
                e.push("year", code);
                today.year()
            }
        },
    };
    let purchase = match validate_purchase(&typed.input(), year, registry_type, today) {
        Ok(p) => Some(p),
        Err(x) => {
            e.0.extend(x.0);
            None
        }
    };
    match (purchase, supplier) {
        (Some(p), Some(s)) if e.is_empty() => Ok((p, s)),
        _ => Err(e),
    }
}

/// The warning when the purchase takes the unit's spending of the year over its budget.
pub(crate) async fn budget_warning(
    state: &AppState,
    lang: Lang,
    unit_id: &str,
    purchase: &Purchase,
    except: Option<&str>,
) -> Result<Option<String>, StorageError> {
    let year = purchase.ordered_on.year();
    let (budget, spent) = state
        .db()
        .unit_budget_and_spent(unit_id, year, except)
        .await?;
    Ok(budget
        .filter(|b| over_budget(*b, spent, purchase.value))
        .map(|b| {
            lang.tf(
                "procurement.over_budget",
                &[
                    ("budget", &format_rupiah(b)),
                    ("left", &format_rupiah((i128::from(b) - spent).max(0))),
                    ("value", &format_rupiah(purchase.value)),
                ],
            )
        }))
}

async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let typed = Typed::from_form(&f);
    let shown = Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    };
    let unit_id = typed.unit.trim().to_string();
    let (purchase, supplier) = match check(&state, &caller, &typed, &unit_id, true).await {
        Ok(v) => v,
        Err(e) => {
            return shown
                .page(
                    &Target::New,
                    typed,
                    &[],
                    &e,
                    None,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
        }
    };
    if form_value(&f, "over_budget_ok") != "1" {
        match budget_warning(&state, lang, &unit_id, &purchase, None).await {
            Ok(Some(w)) => {
                return shown
                    .page(
                        &Target::New,
                        typed,
                        &[],
                        &FieldErrors::new(),
                        Some(w),
                        None,
                        StatusCode::OK,
                    )
                    .await;
            }
            Ok(None) => {}
            Err(e) => return error_page(lang, &uri, e.into()),
        }
    }
    let note = Some(typed.note.trim()).filter(|n| !n.is_empty());
    match state
        .db()
        .record_purchase(
            &caller.scope(),
            &unit_id,
            &purchase,
            &supplier,
            note,
            &caller.actor,
        )
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/pengadaan/opd/{unit_id}?tahun={}&done=purchase",
            purchase.ordered_on.year()
        ))
        .into_response(),
        Err(StorageError::Invalid(e)) => {
            shown
                .page(
                    &Target::New,
                    typed,
                    &[],
                    &e,
                    None,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
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
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // The purchase first: not found outside the caller's scope, whatever the form says.
    let old = match state.db().purchase(&caller.scope(), &id).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let mut typed = Typed::from_form(&f);
    typed.unit = old.unit_id.clone();
    let version = form_value(&f, "version").parse::<i64>().unwrap_or(-1);
    let shown = Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    };
    let target = Target::Existing(Box::new(old.clone()));
    let (purchase, supplier) = match check(&state, &caller, &typed, &old.unit_id, false).await {
        Ok(v) => v,
        Err(e) => {
            return shown
                .page(
                    &target,
                    typed,
                    &[],
                    &e,
                    None,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
        }
    };
    if form_value(&f, "over_budget_ok") != "1" && purchase.value > old.purchase.value {
        match budget_warning(&state, lang, &old.unit_id, &purchase, Some(&id)).await {
            Ok(Some(w)) => {
                return shown
                    .page(
                        &target,
                        typed,
                        &[],
                        &FieldErrors::new(),
                        Some(w),
                        None,
                        StatusCode::OK,
                    )
                    .await;
            }
            Ok(None) => {}
            Err(e) => return error_page(lang, &uri, e.into()),
        }
    }
    let note = Some(typed.note.trim()).filter(|n| !n.is_empty());
    match state
        .db()
        .update_purchase(
            &caller.scope(),
            &id,
            version,
            &purchase,
            &supplier,
            note,
            &caller.actor,
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/pengadaan/pembelian/{id}?done=saved")).into_response(),
        Err(StorageError::Invalid(e)) => {
            shown
                .page(
                    &target,
                    typed,
                    &[],
                    &e,
                    None,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
        }
        Err(StorageError::Conflict) => {
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            shown
                .page(&target, typed, &[], &e, None, None, StatusCode::CONFLICT)
                .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
