//! One error type at the HTTP edge. Policy: log the cause, never send internals; map to the right
//! status (404, 409, 422 with field errors); every error carries a stable snake_case code that
//! the client shows in Indonesian or English.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sentra_domain::FieldErrors;
use sentra_storage::StorageError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::lang::Lang;

#[derive(Debug, Clone)]
pub enum ApiError {
    /// No valid session or token.
    Unauthorized,
    /// Signed in, but the role may not do this (or the form's CSRF token is wrong).
    Forbidden(&'static str),
    NotFound,
    /// It existed but is kept no longer (an import's uploaded file after its retention).
    Gone(&'static str),
    Conflict,
    /// `If-Match` named a version the record no longer has (412).
    PreconditionFailed,
    Validation(FieldErrors),
    /// A body that is not the JSON the endpoint takes; `field` is the JSON path when known.
    BadBody {
        field: Option<String>,
        code: &'static str,
    },
    /// The database's disk is full: nothing was saved (507, so that clients and monitoring
    /// tell it from a bug).
    StorageFull,
    /// The database cannot be reached now (a restart or a failover): 503 with Retry-After.
    Unavailable,
    Internal(String),
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Conflict => ApiError::Conflict,
            StorageError::Invalid(fields) => ApiError::Validation(fields),
            full if full.is_storage_full() => {
                tracing::error!(cause = %full, "the database's storage is full");
                ApiError::StorageFull
            }
            down if down.is_unavailable() => {
                tracing::warn!(cause = %down, "the database cannot be reached");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Validation(e)
    }
}

/// The error body of the JSON API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `not_found`, `validation_failed`.
    pub code: String,
    /// The code's sentence in the request's language.
    pub message: String,
    /// Problems by field, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Conflict => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Validation(_) | ApiError::BadBody { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self, lang: Lang) -> ErrorBody {
        let (code, fields) = match self {
            ApiError::Unauthorized => ("unauthorized", Vec::new()),
            ApiError::Forbidden(code) => (*code, Vec::new()),
            ApiError::NotFound => ("not_found", Vec::new()),
            ApiError::Gone(code) => (*code, Vec::new()),
            ApiError::Conflict => ("conflict", Vec::new()),
            ApiError::PreconditionFailed => ("precondition_failed", Vec::new()),
            ApiError::Validation(errors) => ("validation_failed", field_bodies(errors, lang)),
            ApiError::BadBody { field, code } => (
                "invalid_body",
                field
                    .iter()
                    .map(|f| FieldErrorBody {
                        field: f.clone(),
                        code: (*code).to_string(),
                        message: lang.error(code).into_owned(),
                    })
                    .collect(),
            ),
            ApiError::StorageFull => ("storage_full", Vec::new()),
            ApiError::Unavailable => ("database_unavailable", Vec::new()),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ("internal", Vec::new())
            }
        };
        ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message: lang.error(code).into_owned(),
                fields,
            },
        }
    }

    pub fn into_response_in(self, lang: Lang) -> Response {
        let response = (self.status(), Json(self.body(lang))).into_response();
        with_retry_after(response)
    }
}

/// A 503 tells clients when to try again (RFC 9110 §10.2.3): a restart or failover takes seconds.
pub fn with_retry_after(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("2"),
        );
    }
    response
}

pub fn field_bodies(errors: &FieldErrors, lang: Lang) -> Vec<FieldErrorBody> {
    errors
        .iter()
        .map(|e| FieldErrorBody {
            field: e.field.clone(),
            code: e.code.to_string(),
            message: lang.error(e.code).into_owned(),
        })
        .collect()
}

/// An API error with the language it is answered in.
pub struct LangError(pub Lang, pub ApiError);

impl IntoResponse for LangError {
    fn into_response(self) -> Response {
        self.1.into_response_in(self.0)
    }
}

/// Last line of defence: a panic becomes a plain 500 without details, and is logged.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        "Terjadi kesalahan pada server. / Internal server error.",
    )
        .into_response()
}

/// A page handler's error, returned with `?`. It carries no page itself: the route's guard
/// (`routes::guard`), which knows the caller, the language and the address, draws it — the HTML
/// error page with the caller's menu on pages, the JSON error body for the API and scripts.
#[derive(Debug)]
pub enum PageError {
    Error(ApiError),
    /// A response made already (a redirect, a form shown again with its problems).
    Ready(Response),
}

/// What a page handler returns.
pub type PageResult<T = Response> = Result<T, PageError>;

/// The error a [`PageError`] leaves on its response for the guard to draw.
#[derive(Debug, Clone)]
pub struct PendingError(pub ApiError);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Ready(r) => r,
            PageError::Error(e) => {
                let mut r = e.status().into_response();
                r.extensions_mut().insert(PendingError(e));
                r
            }
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Error(e)
    }
}

impl From<StorageError> for PageError {
    fn from(e: StorageError) -> Self {
        PageError::Error(e.into())
    }
}

impl From<FieldErrors> for PageError {
    fn from(e: FieldErrors) -> Self {
        PageError::Error(ApiError::Validation(e))
    }
}

impl From<Box<Response>> for PageError {
    fn from(r: Box<Response>) -> Self {
        PageError::Ready(*r)
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError::Ready(r)
    }
}
