//! Planning activities through the API (issue 33): a new activity (with its repeated sessions)
//! and an activity changed, moved or cancelled — checked by the same rules as the form
//! (`/kegiatan/baru`), held back by the same clashes with what the city, kecamatan and
//! kelurahan have planned unless the planner accepts them with a note, audited. What a GET
//! returns goes back to the PUT with one change.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::programme::activity::{ActivityData, ActivityInput, Zone};
use sentra_storage::ActivityRecord;

use super::{ActivityList, ActivityOut};
use crate::AppState;
use crate::api::{ApiResult, parse_body, tagged, version_to_replace};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::lang::{Lang, ReqLang};
use crate::programme::form::{clashes, conflict_texts, planned};

/// An activity as a client writes it: the fields of its GET, times as RFC 3339 with the
/// offset of one of Indonesia's zones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    /// `pelatihan`, `bimtek`, `pembinaan`, `pameran`, `kurasi`, `klinik`, `kunjungan`, `fgd`, …
    pub kind: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub topics: Vec<String>,
    /// `dinas`, `dekranasda`, `kecamatan`, `kelurahan`, `kementerian` or `mitra`.
    pub organiser: String,
    /// The region it is held for, inside the caller's area.
    pub region: String,
    #[serde(default)]
    pub venue: Option<String>,
    #[serde(default)]
    pub online_link: Option<String>,
    /// RFC 3339 with the offset of WIB (+07:00), WITA (+08:00) or WIT (+09:00), e.g.
    /// `2026-12-10T09:00:00+07:00`.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// The same offset as `starts_at`.
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// `WIB`, `WITA` or `WIT`; when given, the zone of the times' offset.
    #[serde(default)]
    pub zone: Option<String>,
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: u32,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub sizes: Vec<String>,
    #[serde(default)]
    pub gaps: Vec<String>,
    #[serde(default)]
    pub target_regions: Vec<String>,
    #[serde(default)]
    pub first_timers: bool,
    #[serde(default)]
    pub funding: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub budget: Option<i64>,
    /// `draft`, `planned` (default), `confirmed`, `done` or `cancelled` (with a reason).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Saves despite clashes with other activities, giving the reason (the clashes are
    /// answered with 409 otherwise).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub conflicts_note: Option<String>,
    /// A new activity's repetition: `sekali` (default), `mingguan`, `dua_mingguan` or
    /// `bulanan`.
    #[serde(default)]
    pub repeat: Option<String>,
    /// How many sessions when it repeats.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 52)]
    pub sessions: Option<u32>,
    /// The version the change is made against (or `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
    /// Read-only: accepted when unchanged.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub series_id: Option<String>,
    #[serde(default)]
    pub session: Option<u32>,
}

/// The activity's clashes with others, each as a sentence: saved only with `conflicts_note`.
#[derive(Serialize, ToSchema)]
pub struct ClashesBody {
    pub error: ClashesDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ClashesDetail {
    /// `schedule_conflicts`.
    pub code: String,
    pub message: String,
    pub conflicts: Vec<String>,
}

/// A time as sent: the instant, and the zone its offset is.
fn time_of(
    text: &str,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<(DateTime<FixedOffset>, Zone)> {
    let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) else {
        e.push(field, "date_invalid");
        return None;
    };
    let zone = [Zone::Wib, Zone::Wita, Zone::Wit]
        .into_iter()
        .find(|z| z.offset_hours() * 3600 == i64::from(t.offset().local_minus_utc()));
    match zone {
        Some(z) => Some((t, z)),
        None => {
            e.push(field, "offset_not_indonesian");
            None
        }
    }
}

/// The body as the form's input (the form's checks then apply as they are).
fn input_of(b: &ActivityBody) -> Result<ActivityInput, ApiError> {
    let mut e = FieldErrors::new();
    let start = time_of(&b.starts_at, "starts_at", &mut e);
    let end = time_of(&b.ends_at, "ends_at", &mut e);
    if let (Some((_, zs)), Some((_, ze))) = (&start, &end)
        && zs != ze
    {
        e.push("ends_at", "offset_differs");
    }
    if let (Some(given), Some((_, z))) = (b.zone.as_deref(), &start)
        && Zone::parse(given) != Some(*z)
    {
        e.push("zone", "offset_differs");
    }
    let (Some((s, zone)), Some((t, _))) = (start, end) else {
        return Err(ApiError::Validation(e));
    };
    e.into_result()?;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    Ok(ActivityInput {
        kind: b.kind.clone(),
        title: b.title.clone(),
        topics: b.topics.clone(),
        organiser: b.organiser.clone(),
        region: b.region.clone(),
        venue: text(&b.venue),
        online_link: text(&b.online_link),
        start_date: s.format("%Y-%m-%d").to_string(),
        start_time: s.format("%H:%M").to_string(),
        end_date: t.format("%Y-%m-%d").to_string(),
        end_time: t.format("%H:%M").to_string(),
        zone: zone.as_str().to_string(),
        capacity: b.capacity.to_string(),
        sectors: b.sectors.clone(),
        sizes: b.sizes.clone(),
        gaps: b.gaps.clone(),
        target_regions: b.target_regions.clone(),
        first_timers: if b.first_timers { "1" } else { "" }.into(),
        funding: text(&b.funding),
        budget: b.budget.map(|n| n.to_string()).unwrap_or_default(),
        status: b.status.clone().unwrap_or_else(|| "planned".into()),
        status_reason: text(&b.status_reason),
        repeat: text(&b.repeat),
        sessions: b.sessions.map(|n| n.to_string()).unwrap_or_default(),
    })
}

/// The sessions checked and their clashes: `Ok(note)` to save with (the note when there are
/// clashes), or the 409 listing them.
async fn cleared(
    state: &AppState,
    lang: Lang,
    planned: &[ActivityData],
    existing: Option<&ActivityRecord>,
    note: Option<&str>,
) -> Result<Result<Option<String>, Response>, ApiError> {
    let (live, rules, found) = clashes(state, planned, existing).await?;
    if found.is_empty() {
        return Ok(Ok(None));
    }
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Ok(Ok(Some(n.chars().take(1000).collect()))),
        None => Ok(Err((
            StatusCode::CONFLICT,
            Json(ClashesBody {
                error: ClashesDetail {
                    code: "schedule_conflicts".into(),
                    message: lang.error("schedule_conflicts").into_owned(),
                    conflicts: conflict_texts(state, lang, &rules, &live, &found),
                },
            }),
        )
            .into_response())),
    }
}

/// Plans an activity — with `repeat` and `sessions`, its series — after the form's checks; a
/// clash with another activity answers 409 naming them, unless `conflicts_note` says why it is
/// held anyway.
#[utoipa::path(operation_id = "create_activity", post, path = "/api/v1/activities", tag = "programmes",
    request_body = ActivityBody,
    responses((status = 201, body = ActivityList, description = "The sessions planned, the first first"), (status = 404, body = ErrorBody), (status = 409, body = ClashesBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let body: ActivityBody = parse_body(&body)?;
        let scope = caller.scope();
        let input = input_of(&body)?;
        let sessions = planned(&state, &scope, &input, None)
            .await
            .map_err(ApiError::Validation)?;
        let note = match cleared(
            &state,
            lang,
            &sessions,
            None,
            body.conflicts_note.as_deref(),
        )
        .await?
        {
            Ok(note) => note,
            Err(clashing) => return Ok(clashing),
        };
        let saved = state
            .db()
            .create_activities(&scope, &sessions, note.as_deref(), &caller.actor)
            .await?;
        Ok::<_, ApiError>(
            (
                StatusCode::CREATED,
                Json(ActivityList {
                    items: saved.iter().map(ActivityOut::from).collect(),
                }),
            )
                .into_response(),
        )
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// Changes, moves or cancels one activity (one session of a series): its GET body with the
/// change, made against its version (`If-Match` or `version`); clashes as for a new one.
#[utoipa::path(operation_id = "update_activity", put, path = "/api/v1/activities/{activity}", tag = "programmes",
    request_body = ActivityBody,
    params(("activity" = String, Path, description = "Activity id")),
    responses((status = 200, body = ActivityOut, headers(("ETag" = String, description = "The activity's new version"))), (status = 404, body = ErrorBody), (status = 409, body = ClashesBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        let before = state.db().get_activity(&scope, &id).await?;
        let body: ActivityBody = parse_body(&body)?;
        let expected = version_to_replace(&headers, body.version, before.version)?;
        let fresh = expected == before.version;
        let mut e = FieldErrors::new();
        let series = before.series.as_ref();
        if fresh {
            if body.id.as_ref().is_some_and(|i| *i != before.id) {
                e.push("id", "read_only");
            }
            if body.series_id.is_some() && body.series_id.as_ref() != series.map(|s| &s.0) {
                e.push("series_id", "read_only");
            }
            if body.session.is_some() && body.session != series.map(|s| s.1) {
                e.push("session", "read_only");
            }
        }
        if body.repeat.as_deref().is_some_and(|r| r != "sekali") || body.sessions.is_some() {
            // One session is changed at a time; a series is planned once.
            e.push("repeat", "read_only");
        }
        e.into_result()?;
        let input = input_of(&body)?;
        let sessions = planned(&state, &scope, &input, Some(&before))
            .await
            .map_err(ApiError::Validation)?;
        let note = match cleared(
            &state,
            lang,
            &sessions,
            Some(&before),
            body.conflicts_note.as_deref(),
        )
        .await?
        {
            Ok(note) => note,
            Err(clashing) => return Ok(clashing),
        };
        let data = sessions.first().ok_or(ApiError::NotFound)?;
        let saved = state
            .db()
            .update_activity(&scope, &id, expected, data, note.as_deref(), &caller.actor)
            .await?;
        Ok::<_, ApiError>(tagged(
            StatusCode::OK,
            saved.version,
            ActivityOut::from(&saved),
        ))
    };
    run.await.map_err(|e| LangError(lang, e))
}
