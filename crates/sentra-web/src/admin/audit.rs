//! The audit trail for administrators: browse with filters, and export as CSV (the export is
//! itself recorded).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use sentra_domain::account::Permission;
use sentra_storage::{AuditEntry, AuditFilter};
use serde::Deserialize;

use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::lang::Lang;
use crate::registry::detail::{HistoryRow, history_rows, history_words};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::view::query_string;

pub(crate) fn routes() -> Routes {
    Routes::new("")
        .get("/audit", Access::Role(Permission::ReadAudit), page)
        .get("/audit.csv", Access::Role(Permission::ReadAudit), export)
}

const PER_PAGE: u32 = 50;

/// `/audit?actor=…&entity=…&from=…&to=…&page=…` (and the same for the CSV).
#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "crate::extract::blank_as_none")]
    page: Option<u32>,
}

/// The filter from the query: text trimmed and bounded, an unknown entity or a date that is
/// not `YYYY-MM-DD` left out.
fn filter(q: &AuditQuery) -> AuditFilter {
    let text =
        |v: &str| Some(v.trim().chars().take(254).collect::<String>()).filter(|s| !s.is_empty());
    let day =
        |v: &str| text(v).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
    AuditFilter {
        actor: text(&q.actor).map(|a| a.to_lowercase()),
        entity: text(&q.entity)
            .filter(|e| ["umkm", "user", "flagship_round"].contains(&e.as_str())),
        from: day(&q.from),
        to: day(&q.to),
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

async fn page(ctx: PageCtx, PageQuery(q): PageQuery<AuditQuery>) -> PageResult {
    let lang = ctx.lang;
    let f = filter(&q);
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let (entries, total) = ctx
        .db()
        .audit_entries(&ctx.scope(), &f, PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.entity.clone(), e.entity_id.clone().unwrap_or_default()))
        .collect();
    let rows = keys
        .into_iter()
        .zip(history_rows(&history_words(&ctx, &sectors), entries))
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
    Ok(AuditPage {
        c: ctx.chrome(lang.t("audit.title")),
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
    .into_response())
}

/// The trail's entries as CSV, every cell made safe for spreadsheets.
fn audit_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, ApiError> {
    let failed = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "seq",
        "at",
        "actor",
        "origin",
        "action",
        "entity",
        "entity_id",
        "changes",
    ])
    .map_err(failed)?;
    for e in entries {
        let seq = e.seq.to_string();
        w.write_record(
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
        .map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

async fn export(ctx: PageCtx, PageQuery(q): PageQuery<AuditQuery>) -> PageResult {
    let f = filter(&q);
    let (entries, _) = ctx.db().audit_entries(&ctx.scope(), &f, 1000, 0).await?;
    let body = audit_csv(&entries)?;
    ctx.db()
        .audit_export(&ctx.caller.actor, "audit", entries.len())
        .await?;
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
    Ok(res)
}
