//! Recording a purchase (`/pengadaan/pembelian`, issue 9): a procurement officer picks the
//! supplier — a registered UMKM found by name, or a product from the e-katalog lokal (the
//! product page links here), or another supplier typed in and classified by the officer — then
//! the package, its value, dates and method, and later its life (delivered, accepted, paid).
//! A registered supplier's type comes from the registry (PP 7/2021 Pasal 35 size class). A
//! purchase that takes the unit over its budget is saved only once the officer confirms it.
//! The checks themselves are in `procurement::rules`, shared with the JSON API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::procurement::{Method, SupplierType};
use sentra_storage::{PurchaseRow, StorageError, SupplierCandidate};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::procurement::rules::{Typed, budget_warning, check};
use crate::procurement::share::{method_label, supplier_type_label};
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProcurement);
    let record = Access::Role(Permission::RecordProcurement);
    Routes::new("")
        .get("/pengadaan/pembelian/baru", record, new_page)
        .post("/pengadaan/pembelian", record, create)
        .get("/pengadaan/pembelian/{purchase}", read, purchase_page)
        .post("/pengadaan/pembelian/{purchase}", record, update)
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

/// `/pengadaan/pembelian/baru?opd=…&produk=…` and the supplier search and switch links
/// (`umkm`, `lain=1`, `cari`), on either page; `done` after a save.
#[derive(Deserialize, Default)]
struct PurchaseQuery {
    /// The unit to record for.
    #[serde(default, rename = "opd")]
    unit: String,
    /// A product of the e-katalog: it chooses its business.
    #[serde(default, rename = "produk")]
    product: String,
    /// A registered supplier chosen.
    #[serde(default)]
    umkm: String,
    /// `1`: another supplier, typed in.
    #[serde(default, rename = "lain")]
    other: String,
    /// A supplier's name searched for.
    #[serde(default, rename = "cari")]
    search: String,
    #[serde(default)]
    done: String,
}

/// What the page is for: a new purchase or an existing one.
enum Target {
    New,
    Existing(Box<PurchaseRow>),
}

/// What the page says besides the form: its problems, the budget warning, a notice.
struct Said {
    errors: FieldErrors,
    over_budget: Option<String>,
    notice: Option<String>,
    status: StatusCode,
}

impl Said {
    fn nothing() -> Self {
        Said {
            errors: FieldErrors::new(),
            over_budget: None,
            notice: None,
            status: StatusCode::OK,
        }
    }

    fn refused(errors: FieldErrors, status: StatusCode) -> Self {
        Said {
            errors,
            status,
            ..Said::nothing()
        }
    }

    fn warned(warning: String) -> Self {
        Said {
            over_budget: Some(warning),
            ..Said::nothing()
        }
    }
}

/// The page's address parts: (action, here, editing, version, unit label, history).
async fn target_parts(
    ctx: &PageCtx,
    target: &Target,
) -> (String, String, bool, i64, String, Vec<String>) {
    let lang = ctx.lang;
    match target {
        Target::New => (
            "/pengadaan/pembelian".to_string(),
            "/pengadaan/pembelian/baru".to_string(),
            false,
            0,
            String::new(),
            Vec::new(),
        ),
        Target::Existing(p) => {
            let history = ctx
                .db()
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
    }
}

/// The supplier search's results as links that choose one (keeping the unit of a new
/// purchase): (link, name, "kelurahan · type").
fn candidate_links(
    ctx: &PageCtx,
    found: &[SupplierCandidate],
    here: &str,
    unit: &str,
) -> Vec<(String, String, String)> {
    let lang = ctx.lang;
    found
        .iter()
        .map(|c| {
            let mut link = vec![("umkm", c.id.clone())];
            if !unit.is_empty() {
                link.push(("opd", unit.to_string()));
            }
            (
                format!("{here}?{}", crate::view::query_string(&link)),
                c.name.clone(),
                format!(
                    "{} · {}",
                    ctx.state.region_name(&c.village_code),
                    c.size_class.map_or_else(
                        || lang.t("activity.size_unknown").into_owned(),
                        |s| supplier_type_label(lang, SupplierType::of_size(s))
                    )
                ),
            )
        })
        .collect()
}

/// The supplier shown: asked for in the query (a search result or a product), else the one
/// typed or stored; and the search's candidates when none is chosen.
async fn supplier_choice(
    ctx: &PageCtx,
    typed: &Typed,
    q: &PurchaseQuery,
) -> (Option<Chosen>, Vec<SupplierCandidate>) {
    let scope = ctx.scope();
    let umkm = match q.umkm.as_str() {
        "" if q.other == "1" => String::new(),
        "" => typed.umkm.clone(),
        id => id.to_string(),
    };
    let chosen = match umkm.as_str() {
        "" => None,
        id => match ctx.db().supplier(&scope, id).await {
            Ok(s) => Some(chosen_view(ctx, &s).await),
            Err(_) => None,
        },
    };
    let search = q.search.trim();
    let candidates = if chosen.is_none() && !search.is_empty() {
        ctx.db()
            .find_suppliers(&scope, search, 20)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    (chosen, candidates)
}

/// The purchase form (new or stored), with what it has to say.
async fn page(
    ctx: &PageCtx,
    target: &Target,
    mut typed: Typed,
    q: &PurchaseQuery,
    said: Said,
) -> PageResult {
    let (lang, caller) = (ctx.lang, &ctx.caller);
    let scope = ctx.scope();
    let today = crate::clock::today();
    let units = ctx
        .db()
        .unit_shares(&scope, scope.region_code(), today.year(), today)
        .await?;
    let (chosen, found) = supplier_choice(ctx, &typed, q).await;
    let (action, here, editing, version, unit_label, history) = target_parts(ctx, target).await;
    let unit_of_link = if editing { "" } else { typed.unit.as_str() };
    let candidates = candidate_links(ctx, &found, &here, unit_of_link);
    typed.umkm = chosen.as_ref().map_or(String::new(), |c| c.id.clone());
    let title = if editing {
        lang.tf("procurement.purchase_title", &[("package", &typed.package)])
    } else {
        lang.t("procurement.record_purchase").into_owned()
    };
    let search = q.search.trim().to_string();
    let mut res = PurchasePage {
        c: ctx.chrome(title),
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
        errors: worded(lang, &said.errors, "procurement.field_"),
        over_budget: said.over_budget,
        notice: said.notice,
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
    *res.status_mut() = said.status;
    Ok(res)
}

async fn chosen_view(ctx: &PageCtx, s: &SupplierCandidate) -> Chosen {
    let products = ctx
        .db()
        .products_of(&ctx.scope(), &s.id)
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
            .map(|c| supplier_type_label(ctx.lang, SupplierType::of_size(c))),
        products,
    }
}

async fn new_page(ctx: PageCtx, PageQuery(mut q): PageQuery<PurchaseQuery>) -> PageResult {
    let today = crate::clock::today();
    let mut typed = Typed {
        year: today.year().to_string(),
        unit: q.unit.clone(),
        method: Method::EPurchasing.as_str().into(),
        ordered_on: today.to_string(),
        ..Typed::default()
    };
    // From the e-katalog: a product chooses its business.
    if !q.product.is_empty() {
        let p = ctx.db().get_product(&ctx.scope(), &q.product).await?;
        typed.product = p.id.clone();
        q.umkm = p.umkm_id;
    }
    page(&ctx, &Target::New, typed, &q, Said::nothing()).await
}

async fn purchase_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PurchaseQuery>,
) -> PageResult {
    let p = ctx.db().purchase(&ctx.scope(), &id).await?;
    let said = Said {
        notice: (q.done == "saved")
            .then(|| ctx.lang.t("procurement.done_purchase_saved").into_owned()),
        ..Said::nothing()
    };
    let typed = Typed::from_stored(&p);
    page(&ctx, &Target::Existing(Box::new(p)), typed, &q, said).await
}

/// The form shown again: its problems (`status`), or the budget warning to confirm.
async fn again(ctx: &PageCtx, target: &Target, typed: Typed, said: Said) -> PageResult<Response> {
    page(ctx, target, typed, &PurchaseQuery::default(), said).await
}

async fn create(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let typed = Typed::from_form(&f);
    let scope = ctx.scope();
    let unit_id = typed.unit.trim().to_string();
    let (purchase, supplier) = match check(ctx.db(), &scope, &typed, &unit_id, true).await {
        Ok(v) => v,
        Err(e) => {
            let said = Said::refused(e, StatusCode::UNPROCESSABLE_ENTITY);
            return again(&ctx, &Target::New, typed, said).await;
        }
    };
    if form_value(&f, "over_budget_ok") != "1"
        && let Some(w) = budget_warning(ctx.db(), ctx.lang, &unit_id, &purchase, None).await?
    {
        return again(&ctx, &Target::New, typed, Said::warned(w)).await;
    }
    let recorded = ctx
        .db()
        .record_purchase(
            &scope,
            &unit_id,
            &purchase,
            &supplier,
            typed.note(),
            &ctx.caller.actor,
        )
        .await;
    match recorded {
        Ok(_) => Ok(Redirect::to(&format!(
            "/pengadaan/opd/{unit_id}?tahun={}&done=purchase",
            purchase.ordered_on.year()
        ))
        .into_response()),
        Err(StorageError::Invalid(e)) => {
            let said = Said::refused(e, StatusCode::UNPROCESSABLE_ENTITY);
            again(&ctx, &Target::New, typed, said).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn update(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    // The purchase first: not found outside the caller's scope, whatever the form says.
    let old = ctx.db().purchase(&scope, &id).await?;
    let mut typed = Typed::from_form(&f);
    typed.unit = old.unit_id.clone();
    let version = form_value(&f, "version").parse::<i64>().unwrap_or(-1);
    let target = Target::Existing(Box::new(old.clone()));
    let (purchase, supplier) = match check(ctx.db(), &scope, &typed, &old.unit_id, false).await {
        Ok(v) => v,
        Err(e) => {
            let said = Said::refused(e, StatusCode::UNPROCESSABLE_ENTITY);
            return again(&ctx, &target, typed, said).await;
        }
    };
    if form_value(&f, "over_budget_ok") != "1"
        && purchase.value > old.purchase.value
        && let Some(w) =
            budget_warning(ctx.db(), ctx.lang, &old.unit_id, &purchase, Some(&id)).await?
    {
        return again(&ctx, &target, typed, Said::warned(w)).await;
    }
    let saved = ctx
        .db()
        .update_purchase(
            &scope,
            &id,
            version,
            &purchase,
            &supplier,
            typed.note(),
            &ctx.caller.actor,
        )
        .await;
    match saved {
        Ok(()) => {
            Ok(Redirect::to(&format!("/pengadaan/pembelian/{id}?done=saved")).into_response())
        }
        Err(StorageError::Invalid(e)) => {
            let said = Said::refused(e, StatusCode::UNPROCESSABLE_ENTITY);
            again(&ctx, &target, typed, said).await
        }
        Err(StorageError::Conflict) => {
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            again(&ctx, &target, typed, Said::refused(e, StatusCode::CONFLICT)).await
        }
        Err(e) => Err(e.into()),
    }
}
