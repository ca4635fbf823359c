//! The legality path on a business's page (each step's need and status, the next step in plain
//! words, the clinics that help), marking a step as being applied for
//! (`POST /umkm/{id}/legalitas`), and the documents of the area that expire soon
//! (`/legalitas/kedaluwarsa`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::legality::{PathItem, PathStatus, next_step};
use sentra_domain::region::RegionCode;
use sentra_storage::UmkmRecord;

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::programme::activities::area_choices;
use crate::registry::umkm::{Chrome, error_page};
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("")
        .post(
            "/umkm/{id}/legalitas",
            Access::Role(Permission::WriteRegistry),
            mark_progress,
        )
        .get(
            "/legalitas/kedaluwarsa",
            Access::Role(Permission::ReadRegistry),
            expiring,
        )
}

/// Days ahead the expiry list looks by default.
const EXPIRY_DAYS: i64 = 90;

fn day_text(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Id => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// One step as the page shows it.
pub struct StepRow {
    pub item: String,
    pub label: String,
    pub need: String,
    pub status: String,
    /// `missing`, `in_progress`, … for the badge's style.
    pub status_code: &'static str,
    /// "No. 9120301234567, berlaku s.d. 01/02/2029".
    pub document: String,
    pub how: String,
    /// "Wajib sebelum 17/10/2026".
    pub due: Option<String>,
    /// The public agenda narrowed to the topic of the clinics that help.
    pub clinics: String,
    /// Can be marked (or unmarked) as being applied for.
    pub markable: bool,
    pub in_progress: bool,
}

pub struct LegalitySection {
    pub steps: Vec<StepRow>,
    /// "Langkah berikutnya: …".
    pub next: Option<String>,
    pub can_mark: bool,
}

/// The legality part of a business's page.
pub(crate) async fn legality_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<LegalitySection> {
    let today = chrono::Utc::now().date_naive();
    let (steps, progress) = state.db().legality_of(record, today).await.ok()?;
    let next = next_step(&steps).map(|s| {
        lang.tf(
            "legal.next",
            &[
                ("item", &lang.t(&format!("legal.item_{}", s.item.as_str()))),
                ("how", &lang.t(&format!("legal.how_{}", s.item.as_str()))),
            ],
        )
    });
    let rows = steps
        .iter()
        .map(|s| {
            let since = progress.iter().find(|p| p.0 == s.item).map(|p| p.1.clone());
            let document = match (&s.document, &since) {
                (Some(d), _) => match d.expires_on {
                    Some(end) => lang.tf(
                        "legal.document_until",
                        &[("number", &d.number), ("until", &day_text(lang, end))],
                    ),
                    None => lang.tf("legal.document", &[("number", &d.number)]),
                },
                (None, Some(since)) => lang.tf("legal.applied_since", &[("since", since)]),
                (None, None) => String::new(),
            };
            StepRow {
                item: s.item.as_str().to_string(),
                label: lang
                    .t(&format!("legal.item_{}", s.item.as_str()))
                    .into_owned(),
                need: lang
                    .t(&format!("legal.need_{}", s.need.as_str()))
                    .into_owned(),
                status: lang
                    .t(&format!("legal.status_{}", s.status.as_str()))
                    .into_owned(),
                status_code: s.status.as_str(),
                document,
                how: lang
                    .t(&format!("legal.how_{}", s.item.as_str()))
                    .into_owned(),
                due: s
                    .due
                    .filter(|_| !s.status.done())
                    .map(|d| lang.tf("legal.due", &[("date", &day_text(lang, d))])),
                clinics: format!("/agenda?topik={}", s.item.topic()),
                markable: matches!(
                    s.status,
                    PathStatus::Missing | PathStatus::Expired | PathStatus::InProgress
                ),
                in_progress: s.status == PathStatus::InProgress,
            }
        })
        .collect();
    Some(LegalitySection {
        steps: rows,
        next,
        can_mark: caller.can(Permission::WriteRegistry),
    })
}

/// Marks a step as being applied for from today (`item`, `on=1`), or clears it.
async fn mark_progress(
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
    let scope = caller.scope();
    // The business first: not found outside the caller's reach, whatever the form says.
    if let Err(e) = state.db().get_umkm(&scope, &id).await {
        return error_page(lang, &uri, e.into());
    }
    let Some(item) = PathItem::parse(form_value(&pairs, "item")) else {
        let mut e = FieldErrors::new();
        e.push("item", "choice_invalid");
        return error_page(lang, &uri, ApiError::Validation(e));
    };
    let on = (form_value(&pairs, "on") == "1").then(|| chrono::Utc::now().date_naive());
    match state
        .db()
        .set_legality_progress(&scope, &id, item, on, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/umkm/{id}#legality")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct ExpiringRow {
    pub umkm_id: String,
    pub name: String,
    pub place: String,
    pub document: String,
    pub number: String,
    /// "01/02/2027 (dalam 12 hari)".
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "legality/legality_expiring.html")]
pub struct ExpiringPage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub days: i64,
    pub summary: String,
    pub rows: Vec<ExpiringRow>,
}

/// Documents that expire within `hari` days (90 by default) in the caller's area or a part of
/// it (`wilayah`), soonest first: the renewal reminders an office works through.
async fn expiring(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadRegistry) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let scope = caller.scope();
    let asked = RegionCode::parse(form_value(&q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let days = form_value(&q, "hari")
        .parse::<i64>()
        .unwrap_or(EXPIRY_DAYS)
        .clamp(1, 730);
    let today = chrono::Utc::now().date_naive();
    let found = match state
        .db()
        .expiring_documents(&scope, Some(&region), today, days)
        .await
    {
        Ok(f) => f,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let regions = area_choices(&state, scope.region_code());
    ExpiringPage {
        c: Chrome::new(
            lang,
            lang.tf(
                "legal.expiring_title",
                &[("region", &state.region_name(region.as_str()))],
            ),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        summary: lang.tf(
            "legal.expiring_summary",
            &[("n", &found.len().to_string()), ("days", &days.to_string())],
        ),
        rows: found
            .into_iter()
            .map(|d| ExpiringRow {
                place: state.region_name(&d.village_code),
                document: lang.t(&format!("doc.{}", d.kind.as_str())).into_owned(),
                expires: lang.tf(
                    "legal.expires_in",
                    &[
                        ("date", &day_text(lang, d.expires_on)),
                        ("n", &(d.expires_on - today).num_days().to_string()),
                    ],
                ),
                number: d.number,
                umkm_id: d.umkm_id,
                name: d.name,
            })
            .collect(),
        region: region.as_str().to_string(),
        regions,
        days,
    }
    .into_response()
}
