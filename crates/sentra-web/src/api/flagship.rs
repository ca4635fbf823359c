//! Flagship product rounds in the JSON API (issue 33): the rounds of the caller's area, a
//! round's result as numbers (ranking, weights, who counted), and a published round's result
//! for anyone — the same computation as `/unggulan/{round}/hasil` and `/publik`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use sentra_domain::account::Permission;
use sentra_storage::RoundRecord;

use crate::AppState;
use crate::api::ApiResult;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::flagship::results::evaluation;
use crate::lang::ReqLang;
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let read = Access::Role(Permission::ReadDashboards);
    Routes::new("/api")
        .get("/v1/flagship/rounds", read, rounds)
        .get("/v1/flagship/rounds/{round}/results", read, results)
        .get(
            "/v1/flagship/rounds/{round}/public",
            Access::Public,
            public_results,
        )
}

#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    pub id: String,
    pub region: String,
    pub year: i32,
    pub title: String,
    /// `draft`, `open`, `closed` or `published`.
    pub status: String,
    pub participants: i64,
    pub submitted: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RoundList {
    pub items: Vec<RoundOut>,
}

/// The rounds of the caller's area, newest year first.
#[utoipa::path(operation_id = "list_flagship_rounds", get, path = "/api/v1/flagship/rounds", tag = "flagship",
    responses((status = 200, body = RoundList)))]
async fn rounds(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
) -> ApiResult<Json<RoundList>> {
    let found = state
        .db()
        .rounds(&caller.scope())
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(RoundList {
        items: found
            .into_iter()
            .map(|r| RoundOut {
                id: r.id,
                region: r.region_code,
                year: r.year,
                title: r.title,
                status: r.status.as_str().to_string(),
                participants: r.participants,
                submitted: r.submitted,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RankedCandidate {
    pub rank: usize,
    pub name: String,
    pub sector: Option<String>,
    /// Its share of the whole (the scores sum to 1).
    pub score: f64,
}

#[derive(Serialize, ToSchema)]
pub struct WeightOut {
    /// The criterion's code in the round.
    pub criterion: String,
    pub name: String,
    /// Within its parent, and of the whole.
    pub local: f64,
    pub global: f64,
}

/// A round's result: computed over the participants counted (consistent, or counted by the
/// facilitator); empty lists while it cannot be computed yet.
#[derive(Serialize, ToSchema)]
pub struct ResultsOut {
    pub id: String,
    pub title: String,
    pub region: String,
    pub year: i32,
    pub status: String,
    /// `pairwise` or `rating`.
    pub method: String,
    pub answered: usize,
    pub counted: usize,
    pub ranking: Vec<RankedCandidate>,
    pub weights: Vec<WeightOut>,
}

async fn results_of(state: &AppState, round: RoundRecord) -> Result<ResultsOut, ApiError> {
    let db = state.db();
    let people = db.round_participants(&round.id).await?;
    let answers = db.responses(&round).await?;
    let (found, answered, counted) = evaluation(&round, &people, &answers);
    let mut ranking = Vec::new();
    let mut weights = Vec::new();
    if let Some(e) = found {
        let mut order: Vec<(usize, f64)> = e.scores.iter().copied().enumerate().collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (rank, (i, score)) in order.into_iter().enumerate() {
            if let Some(c) = round.candidates.get(i) {
                ranking.push(RankedCandidate {
                    rank: rank + 1,
                    name: c.name.clone(),
                    sector: c.sector.clone(),
                    score,
                });
            }
        }
        for c in &round.criteria {
            if let Some(w) = e.weights.iter().find(|w| w.0 == c.code) {
                weights.push(WeightOut {
                    criterion: c.code.clone(),
                    name: c.name.clone(),
                    local: w.1,
                    global: w.2,
                });
            }
        }
    }
    Ok(ResultsOut {
        id: round.id,
        title: round.settings.title,
        region: round.region_code,
        year: round.settings.year,
        status: round.status.as_str().to_string(),
        method: round.settings.method.as_str().to_string(),
        answered,
        counted,
        ranking,
        weights,
    })
}

/// A round's result, for the people of its area.
#[utoipa::path(operation_id = "get_flagship_results", get, path = "/api/v1/flagship/rounds/{round}/results", tag = "flagship",
    params(("round" = String, Path, description = "Round id")),
    responses((status = 200, body = ResultsOut), (status = 404, body = ErrorBody)))]
async fn results(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ResultsOut>> {
    let run = async {
        let round = state.db().round(&caller.scope(), &id).await?;
        Ok::<_, ApiError>(Json(results_of(&state, round).await?))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// A published round's result, for anyone (no participant is named).
#[utoipa::path(operation_id = "get_flagship_public_results", get, path = "/api/v1/flagship/rounds/{round}/public", tag = "flagship",
    params(("round" = String, Path, description = "Round id")),
    responses((status = 200, body = ResultsOut), (status = 404, body = ErrorBody)))]
async fn public_results(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> ApiResult<Json<ResultsOut>> {
    let run = async {
        let round = state.db().published_round(&id).await?;
        Ok::<_, ApiError>(Json(results_of(&state, round).await?))
    };
    run.await.map_err(|e| LangError(lang, e))
}
