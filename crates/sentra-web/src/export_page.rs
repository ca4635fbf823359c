//! `/umkm/export.csv` and `/umkm/export.xlsx`: the registry list with its current filters,
//! inside the caller's scope, streamed. NIK and phone are masked unless the role may see them
//! and asked for them (`personal=1`); the export is audited either way.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sentra_domain::account::Permission;
use sentra_storage::EXPORT_HEADERS;
use tokio::sync::mpsc;

use crate::AppState;
use crate::auth::{Caller, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::ReqLang;
use crate::params::parse_list_params;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/umkm/export.csv",
            Access::Role(Permission::ReadRegistry),
            csv,
        )
        .get(
            "/umkm/export.xlsx",
            Access::Role(Permission::ReadRegistry),
            xlsx,
        )
}

/// Starts the export task; the rows arrive on the returned channel.
fn start(
    state: &AppState,
    caller: &Caller,
    query: Option<&str>,
) -> Result<mpsc::Receiver<Vec<String>>, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    let params = parse_list_params(&pairs, state.regions()).map_err(ApiError::Validation)?;
    let reveal = form_value(&pairs, "personal") == "1"
        && caller.user.role.can(Permission::RevealPersonalData);
    let (tx, rx) = mpsc::channel(1024);
    let db = state.db().clone();
    let scope = caller.scope();
    let actor = caller.actor.clone();
    tokio::spawn(async move {
        if let Err(e) = db
            .export_umkm(&scope, &params.filter, reveal, &actor, tx)
            .await
        {
            tracing::error!(error = %e, "export failed");
        }
    });
    Ok(rx)
}

fn file_name(ext: &str) -> String {
    format!(
        "attachment; filename=\"umkm-{}.{ext}\"",
        chrono::Local::now().format("%Y%m%d-%H%M")
    )
}

async fn csv(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadRegistry) {
        return *r;
    }
    let rx = match start(&state, &caller, query.as_deref()) {
        Ok(rx) => rx,
        Err(e) => return e.into_response_in(lang),
    };
    let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    let first = match csv_line(&headers) {
        Ok(mut line) => {
            // Excel reads a UTF-8 CSV correctly only with the byte-order mark.
            line.splice(0..0, *b"\xEF\xBB\xBF");
            line
        }
        Err(e) => return e.into_response_in(lang),
    };
    let rows = futures_util::stream::unfold((Some(first), rx), |(first, mut rx)| async move {
        if let Some(f) = first {
            return Some((Ok::<_, std::io::Error>(f), (None, rx)));
        }
        let row = rx.recv().await?;
        let line = csv_line(&row).unwrap_or_default();
        Some((Ok(line), (None, rx)))
    })
    // The compression layer polls once more after the end; an unfused stream would panic.
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file_name("csv")),
        ],
        Body::from_stream(rows),
    )
        .into_response()
}

fn csv_line(cells: &[String]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The workbook is written in constant memory to a temporary file, then sent.
async fn xlsx(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadRegistry) {
        return *r;
    }
    let mut rx = match start(&state, &caller, query.as_deref()) {
        Ok(rx) => rx,
        Err(e) => return e.into_response_in(lang),
    };
    let path = std::env::temp_dir().join(format!("sentra-export-{}.xlsx", uuid::Uuid::now_v7()));
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
            let mut w = sentra_sheets::XlsxWriter::new("UMKM", &headers)?;
            while let Some(row) = rx.blocking_recv() {
                w.push(&row)?;
            }
            w.finish_to(&path)
        })
        .await
    };
    let bytes = match written {
        Ok(Ok(())) => tokio::fs::read(&path).await,
        Ok(Err(e)) => Err(std::io::Error::other(e.to_string())),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    let _ = tokio::fs::remove_file(&path).await;
    match bytes {
        Ok(b) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, file_name("xlsx")),
            ],
            b,
        )
            .into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response_in(lang),
    }
}
