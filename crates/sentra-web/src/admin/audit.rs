//! The audit trail for administrators: browse with filters, and export as CSV (the export is
//! itself recorded).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use sentra_domain::account::Permission;
use sentra_storage::{AuditEntry, AuditFilter};

use crate::AppState;
use crate::auth::{Caller, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::registry::umkm::{HistoryRow, history_rows};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::view::query_string;

pub(crate) fn routes() -> Routes {
    Routes::new("")
        .get("/audit", Access::Role(Permission::ReadAudit), page)
        .get("/audit.csv", Access::Role(Permission::ReadAudit), export)
}

const PER_PAGE: u32 = 50;

fn filter(pairs: &[(String, String)]) -> AuditFilter {
    let text = |k: &str| {
        Some(
            form_value(pairs, k)
                .trim()
                .chars()
                .take(254)
                .collect::<String>(),
        )
        .filter(|s| !s.is_empty())
    };
    let day =
        |k: &str| text(k).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
    AuditFilter {
        actor: text("actor").map(|a| a.to_lowercase()),
        entity: text("entity").filter(|e| ["umkm", "user"].contains(&e.as_str())),
        from: day("from"),
        to: day("to"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<(String, String, HistoryRow)>,
    pub actor: String,
    pub entity: String,
    pub from: String,
    pub to: String,
    pub total_text: String,
    pub csv_href: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadAudit) {
        return *r;
    }
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let f = filter(&pairs);
    let page_no: u32 = form_value(&pairs, "page")
        .parse()
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (entries, total) = match state
        .db()
        .audit_entries(&caller.scope(), &f, PER_PAGE, (page_no - 1) * PER_PAGE)
        .await
    {
        Ok(x) => x,
        Err(e) => return caller.refuse(ApiError::from(e)),
    };
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.entity.clone(), e.entity_id.clone().unwrap_or_default()))
        .collect();
    let rows = keys
        .into_iter()
        .zip(history_rows(lang, entries))
        .map(|((a, b), r)| (a, b, r))
        .collect();
    let kept = |p: u32| {
        query_string(&[
            ("actor", f.actor.clone().unwrap_or_default()),
            ("entity", f.entity.clone().unwrap_or_default()),
            ("from", f.from.clone().unwrap_or_default()),
            ("to", f.to.clone().unwrap_or_default()),
            ("page", if p > 1 { p.to_string() } else { String::new() }),
        ])
    };
    let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    AuditPage {
        c: Chrome::new(lang, lang.t("audit.title").into_owned(), &uri).signed_in(&caller),
        l: lang,
        rows,
        actor: f.actor.clone().unwrap_or_default(),
        entity: f.entity.clone().unwrap_or_default(),
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        total_text: lang.tf(
            "audit.total",
            &[("n", &sentra_domain::money::format_thousands(total))],
        ),
        csv_href: format!("/audit.csv?{}", kept(1)),
        prev_href: (page_no > 1).then(|| format!("/audit?{}", kept(page_no - 1))),
        next_href: (page_no < pages).then(|| format!("/audit?{}", kept(page_no + 1))),
    }
    .into_response()
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadAudit) {
        return *r;
    }
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let f = filter(&pairs);
    let entries: Vec<AuditEntry> =
        match state.db().audit_entries(&caller.scope(), &f, 1000, 0).await {
            Ok((e, _)) => e,
            Err(e) => return caller.refuse(ApiError::from(e)),
        };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut ok = w
        .write_record([
            "seq",
            "at",
            "actor",
            "origin",
            "action",
            "entity",
            "entity_id",
            "changes",
        ])
        .is_ok();
    for e in &entries {
        let seq = e.seq.to_string();
        ok &= w
            .write_record(
                [
                    seq.as_str(),
                    &e.at,
                    &e.actor,
                    e.origin.as_deref().unwrap_or(""),
                    &e.action,
                    &e.entity,
                    e.entity_id.as_deref().unwrap_or(""),
                    &e.changes,
                ]
                .map(|c| sentra_sheets::csv_safe(c).into_owned()),
            )
            .is_ok();
    }
    let body = match (ok, w.into_inner()) {
        (true, Ok(b)) => b,
        _ => return caller.refuse(ApiError::Internal("csv".into())),
    };
    if let Err(e) = state
        .db()
        .audit_export(&caller.actor, "audit", entries.len())
        .await
    {
        return caller.refuse(ApiError::from(e));
    }
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"sentra-audit.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
