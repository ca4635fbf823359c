//! The partners of the caller's area (a `partner` account: its own) and a new partner.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::partnership::PartnerKind;
use sentra_domain::region::RegionCode;
use sentra_domain::umkm::clean_text;
use sentra_storage::NewPartner;

use super::{kind_label, own_login};
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/mitra",
            Access::Role(Permission::ReadPartnerships),
            partners_page,
        )
        .post(
            "/mitra",
            Access::Role(Permission::ManagePartnerships),
            create_partner,
        )
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

async fn show_partners(ctx: &PageCtx, typed: Vec<String>, errors: &FieldErrors) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let partners = ctx.db().partners(&scope, own_login(&ctx.caller)).await?;
    let mut res = PartnersPage {
        c: ctx.chrome(lang.t("partner.title")),
        l: lang,
        partners: partners
            .iter()
            .map(|p| PartnerLine {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: kind_label(lang, p.kind),
                region: ctx.state.region_name(&p.region_code),
            })
            .collect(),
        can_manage: ctx.caller.can(Permission::ManagePartnerships),
        regions: area_choices(&ctx.state, scope.region_code()),
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
    Ok(res)
}

async fn partners_page(ctx: PageCtx) -> PageResult {
    show_partners(&ctx, vec![String::new(); 7], &FieldErrors::new()).await
}

/// The form's fields, in the order of [`PartnersPage::typed`].
const PARTNER_FIELDS: [&str; 7] = [
    "region",
    "name",
    "kind",
    "contact_name",
    "contact_phone",
    "contact_email",
    "user_login",
];

/// Checks the new partner as typed, naming every problem at once.
fn new_partner(ctx: &PageCtx, typed: &[String]) -> Result<NewPartner, FieldErrors> {
    let scope = ctx.scope();
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
    match (region, name, kind) {
        (Some(region), Some(name), Some(kind)) if e.is_empty() => Ok(NewPartner {
            region,
            name,
            kind,
            contact_name,
            contact_phone,
            contact_email,
            notes: None,
            user_login,
        }),
        _ => Err(e),
    }
}

async fn create_partner(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let typed: Vec<String> = PARTNER_FIELDS
        .iter()
        .map(|k| form_value(&f, k).to_string())
        .collect();
    let p = match new_partner(&ctx, &typed) {
        Ok(p) => p,
        Err(e) => return show_partners(&ctx, typed, &e).await,
    };
    let id = ctx
        .db()
        .create_partner(&ctx.scope(), &p, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/mitra/{id}")).into_response())
}
