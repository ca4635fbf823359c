//! Programmes in the JSON API (issue 33): the activities of an area, one activity with its
//! sessions' series, its participants, registering businesses and marking attendance — with
//! the checks, scope and audit of the pages (`/kegiatan`, `/kegiatan/{id}/peserta`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::{Zone, local};
use sentra_domain::programme::participants::ParticipantState;
use sentra_storage::ActivityRecord;

use crate::AppState;
use crate::api::{ApiResult, parse_body, tagged};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::query_pairs;
use crate::lang::ReqLang;
use crate::routes::{Access, Routes};

pub(crate) mod plan;

pub(crate) fn routes() -> Routes {
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("/api")
        .post("/v1/activities", plan, plan::create)
        .put("/v1/activities/{activity}", plan, plan::update)
        .get(
            "/v1/activities",
            Access::Role(Permission::ReadProgrammes),
            list,
        )
        .get(
            "/v1/activities/{activity}",
            Access::Role(Permission::ReadProgrammes),
            get,
        )
        .get("/v1/activities/{activity}/participants", plan, participants)
        .get("/v1/activities/{activity}/invitees", plan, invitees)
        .post("/v1/activities/{activity}/participants", plan, register)
        .put(
            "/v1/activities/{activity}/participants/{umkm}",
            plan,
            set_state,
        )
}

/// An activity as the API shows it: times at the local time people were told, with the
/// zone's offset.
#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: String,
    /// `pelatihan`, `klinik`, `kurasi`, `pameran`, `kunjungan`, `fgd`, …
    pub kind: String,
    pub title: String,
    pub topics: Vec<String>,
    /// `dinas`, `dekranasda`, `kecamatan`, `kelurahan`, `kementerian` or `mitra`.
    pub organiser: String,
    /// The region it is held for.
    pub region: String,
    pub venue: Option<String>,
    pub online_link: Option<String>,
    /// RFC 3339 with the zone's offset, e.g. `2026-12-10T09:00:00+07:00`.
    pub starts_at: String,
    pub ends_at: String,
    /// `WIB`, `WITA` or `WIT`.
    pub zone: String,
    pub capacity: u32,
    /// Sectors of the businesses it is for (none: every sector).
    pub sectors: Vec<String>,
    /// Size classes it is for (none: every size).
    pub sizes: Vec<String>,
    /// Documents its audience lacks (a legality clinic's): `nib`, `halal`, …
    pub gaps: Vec<String>,
    /// Regions its audience comes from, inside its region (none: all of it).
    pub target_regions: Vec<String>,
    /// Only businesses no programme has reached yet.
    pub first_timers: bool,
    pub funding: Option<String>,
    /// In rupiah.
    pub budget: Option<i64>,
    /// `draft`, `planned`, `confirmed`, `done` or `cancelled`.
    pub status: String,
    /// Why it was cancelled (required then).
    pub status_reason: Option<String>,
    /// The note a planner gave when saving despite clashes with other activities.
    pub conflicts_note: Option<String>,
    /// The series of a repeating activity: its first session's id and this one's number.
    pub series_id: Option<String>,
    pub session: Option<u32>,
    pub version: i64,
}

fn at(t: i64, zone: Zone) -> String {
    let offset = chrono::FixedOffset::east_opt((zone.offset_hours() * 3600) as i32);
    offset
        .and_then(|o| o.from_local_datetime(&local(t, zone)).single())
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

impl From<&ActivityRecord> for ActivityOut {
    fn from(a: &ActivityRecord) -> Self {
        let d = &a.data;
        ActivityOut {
            id: a.id.clone(),
            kind: d.kind.as_str().to_string(),
            title: d.title.clone(),
            topics: d.topics.clone(),
            organiser: d.organiser.as_str().to_string(),
            region: d.region.as_str().to_string(),
            venue: d.venue.clone(),
            online_link: d.online_link.clone(),
            starts_at: at(d.start, d.zone),
            ends_at: at(d.end, d.zone),
            zone: d.zone.as_str().to_string(),
            capacity: d.capacity,
            sectors: d.sectors.clone(),
            sizes: d.sizes.clone(),
            gaps: d.gaps.clone(),
            target_regions: d
                .target_regions
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            first_timers: d.first_timers,
            funding: d.funding.clone(),
            budget: d.budget,
            status: d.status.as_str().to_string(),
            status_reason: d.status_reason.clone(),
            conflicts_note: a.conflicts_note.clone(),
            series_id: a.series.as_ref().map(|s| s.0.clone()),
            session: a.series.as_ref().map(|s| s.1),
            version: a.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityOut>,
}

/// `dari` or `sampai` as a date (`YYYY-MM-DD`), refused by name otherwise.
fn date_param(pairs: &[(String, String)], key: &str) -> Result<Option<NaiveDate>, ApiError> {
    let Some(text) = crate::api::request::sent(pairs, key) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .map(Some)
        .ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.push(key, "date_invalid");
            ApiError::Validation(e)
        })
}

/// The activities held for a region of the caller's area or for a region holding it, starting
/// in `[dari, sampai]` (default: a month ago to three months ahead; given one end, four months
/// from it), soonest first; at most a year at a time.
#[utoipa::path(operation_id = "list_activities", get, path = "/api/v1/activities", tag = "programmes",
    params(
        ("wilayah" = Option<String>, Query, pattern = "^$|^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", description = "Region code inside the caller's area"),
        ("dari" = Option<String>, Query, format = Date, description = "First day, YYYY-MM-DD"),
        ("sampai" = Option<String>, Query, format = Date, description = "Last day, YYYY-MM-DD (at most a year after the first)")
    ),
    responses((status = 200, body = ActivityList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ActivityList>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let region = crate::api::region_param(&caller, &pairs, "wilayah")?;
        // The default window, a month back and three ahead, around today or the day given.
        let (back, ahead) = (chrono::Duration::days(31), chrono::Duration::days(92));
        let today = crate::clock::today();
        let (from, to) = match (date_param(&pairs, "dari")?, date_param(&pairs, "sampai")?) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + back + ahead),
            (None, Some(t)) => (t - back - ahead, t),
            (None, None) => (today - back, today + ahead),
        };
        if to < from || (to - from).num_days() > 366 {
            let mut e = FieldErrors::new();
            e.push("sampai", "date_range_invalid");
            return Err(ApiError::Validation(e));
        }
        // Whole days in the earliest zone (WIT, UTC+9) to the latest (WIB, UTC+7).
        let start = from
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp()
            - 9 * 3600;
        let end = to
            .and_hms_opt(23, 59, 59)
            .unwrap_or_default()
            .and_utc()
            .timestamp()
            - 7 * 3600;
        let mut found = state.db().activities_between(&region, start, end).await?;
        found.sort_by_key(|a| a.data.start);
        Ok::<_, ApiError>(Json(ActivityList {
            items: found.iter().map(ActivityOut::from).collect(),
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// One activity.
#[utoipa::path(operation_id = "get_activity", get, path = "/api/v1/activities/{activity}", tag = "programmes",
    params(("activity" = String, Path, description = "Activity id")),
    responses((status = 200, body = ActivityOut, headers(("ETag" = String, description = "The activity's version"))), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let a = state
        .db()
        .get_activity(&caller.scope(), &id)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(tagged(StatusCode::OK, a.version, ActivityOut::from(&a)))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantOut {
    pub umkm_id: String,
    pub name: String,
    /// `registered`, `waitlisted`, `attended`, `completed` or `absent`.
    pub state: String,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantList {
    pub items: Vec<ParticipantOut>,
}

/// The businesses taking part, by name.
#[utoipa::path(operation_id = "list_participants", get, path = "/api/v1/activities/{activity}/participants", tag = "programmes",
    params(("activity" = String, Path, description = "Activity id")),
    responses((status = 200, body = ParticipantList), (status = 404, body = ErrorBody)))]
async fn participants(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ParticipantList>> {
    let rows = state
        .db()
        .participants(&caller.scope(), &id)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(ParticipantList {
        items: rows
            .into_iter()
            .map(|p| ParticipantOut {
                umkm_id: p.umkm_id,
                name: p.name,
                state: p.state.as_str().to_string(),
                note: p.note,
            })
            .collect(),
    }))
}

/// Businesses to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Registry ids (at most 500 at a time).
    #[schema(min_items = 1, max_items = 500)]
    pub umkm_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    /// Given a place.
    pub registered: usize,
    /// Waiting for a place (the activity was full).
    pub waitlisted: usize,
}

/// Registers businesses while places remain (the rest wait for one), skipping those already
/// in it; audited.
#[utoipa::path(operation_id = "register_participants", post, path = "/api/v1/activities/{activity}/participants", tag = "programmes",
    request_body = RegisterBody,
    params(("activity" = String, Path, description = "Activity id")),
    responses((status = 200, body = Registered), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Registered>> {
    let run = async {
        let scope = caller.scope();
        state.db().get_activity(&scope, &id).await?;
        let body: RegisterBody = parse_body(&body)?;
        if body.umkm_ids.is_empty() || body.umkm_ids.len() > 500 {
            let mut e = FieldErrors::new();
            e.push("umkm_ids", "number_out_of_range");
            return Err(ApiError::Validation(e));
        }
        // Each business must be one the caller may see (404 names none outside it).
        for umkm in &body.umkm_ids {
            state.db().get_umkm(&scope, umkm).await?;
        }
        let (registered, waitlisted) = state
            .db()
            .register_participants(&scope, &id, &body.umkm_ids, &caller.actor)
            .await?;
        Ok::<_, ApiError>(Json(Registered {
            registered,
            waitlisted,
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    #[schema(pattern = "^(registered|waitlisted|attended|completed|absent)$")]
    pub state: String,
    /// A follow-up note (kept as it was when left out; empty clears it).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Marks a participant: attended, completed, absent, or back to registered or waitlisted.
#[utoipa::path(operation_id = "set_participant_state", put, path = "/api/v1/activities/{activity}/participants/{umkm}", tag = "programmes",
    request_body = StateBody,
    params(("activity" = String, Path, description = "Activity id"), ("umkm" = String, Path, description = "Registry id")),
    responses((status = 204, description = "Marked"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_state(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path((id, umkm)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        state.db().get_activity(&scope, &id).await?;
        let body: StateBody = parse_body(&body)?;
        let to = ParticipantState::parse(&body.state).ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.push("state", "choice_invalid");
            ApiError::Validation(e)
        })?;
        let note = match &body.note {
            Some(n) if n.chars().count() > 500 => {
                let mut e = FieldErrors::new();
                e.push("note", "text_too_long");
                return Err(ApiError::Validation(e));
            }
            Some(n) => Some(n.trim().to_string()),
            None => state
                .db()
                .participants(&scope, &id)
                .await?
                .into_iter()
                .find(|p| p.umkm_id == umkm)
                .and_then(|p| p.note),
        };
        let note = note.filter(|n| !n.is_empty());
        state
            .db()
            .set_participant_state(&scope, &id, &umkm, to, note.as_deref(), &caller.actor)
            .await?;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT.into_response())
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// A business to invite, in invitation order.
#[derive(Serialize, ToSchema)]
pub struct InviteeOut {
    pub umkm_id: String,
    pub name: String,
    pub sector: String,
    pub village: String,
    /// In one of the activity's target sectors (or it is for every sector).
    pub sector_match: bool,
    /// Activities it attended before.
    pub attended: u32,
    /// When it last attended one (RFC 3339 at the activity's zone).
    pub last_attended: Option<String>,
    /// When it was last put on any activity's list (the rotation).
    pub last_listed: Option<String>,
    /// A phone number is on record: an invitation can go by WhatsApp.
    pub has_phone: bool,
}

#[derive(Serialize, ToSchema)]
pub struct InviteeList {
    pub items: Vec<InviteeOut>,
}

/// Whom to invite: the businesses the activity's audience criteria admit (its regions, size
/// classes, missing documents, first-timers), those of its sectors first and those reached
/// least and longest ago before the others — the list the kelurahan staff print (`n`, default
/// twice the places).
#[utoipa::path(operation_id = "list_invitees", get, path = "/api/v1/activities/{activity}/invitees", tag = "programmes",
    params(
        ("activity" = String, Path, description = "Activity id"),
        ("n" = Option<u32>, Query, minimum = 1, maximum = 400, description = "How many (default twice the places, 10 to 400)")
    ),
    responses((status = 200, body = InviteeList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invitees(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<InviteeList>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let n = crate::api::query_number::<u32>(&pairs, "n", 1..=400)?;
        let scope = caller.scope();
        let a = state.db().get_activity(&scope, &id).await?;
        let n = n.map_or((a.data.capacity as usize * 2).clamp(10, 400), |n| {
            n as usize
        });
        let zone = a.data.zone;
        let found = state.db().invitees(&scope, &a, n).await?;
        Ok::<_, ApiError>(InviteeList {
            items: found
                .into_iter()
                .map(|c| InviteeOut {
                    umkm_id: c.umkm_id,
                    name: c.name,
                    sector: c.sector,
                    village: c.village_code,
                    sector_match: c.sector_match,
                    attended: c.reached,
                    last_attended: c.last_reached.map(|t| at(t, zone)),
                    last_listed: c.last_listed.map(|t| at(t, zone)),
                    has_phone: c.has_phone,
                })
                .collect(),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}
