//! What a page handler takes: [`PageCtx`] (state, caller, language, address), a form whose
//! CSRF token was checked ([`FormPairs`], [`PageForm`]) and typed queries ([`PageQuery`]).
//! Their refusals are [`PageError`]s, drawn by the route's guard like any other.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use sentra_domain::FieldErrors;
use sentra_domain::scope::Scope;
use sentra_storage::Database;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{Caller, check_csrf};
use crate::error::{ApiError, PageError};
use crate::lang::Lang;
use crate::ui::Chrome;

/// Everything a signed-in page needs besides its own input.
pub struct PageCtx {
    pub state: AppState,
    pub caller: Caller,
    pub lang: Lang,
    /// The address asked, for the language switch and the menu.
    pub uri: Uri,
}

impl PageCtx {
    pub fn db(&self) -> &Database {
        self.state.db()
    }

    pub fn scope(&self) -> Scope {
        self.caller.scope()
    }

    /// The page frame with this caller's menu.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        Chrome::new(self.lang, title.into(), &self.uri).signed_in(&self.caller)
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let State(state) = State::<AppState>::from_request_parts(parts, state)
            .await
            .map_err(|never| match never {})?;
        let caller = Caller::from_request_parts(parts, &state).await?;
        Ok(PageCtx {
            lang: caller.lang,
            uri: caller.uri.clone(),
            state,
            caller,
        })
    }
}

/// A posted form's fields, after its `_csrf` field was checked against the session's token.
pub struct FormPairs(pub Vec<(String, String)>);

impl FromRequest<AppState> for FormPairs {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (pairs, _) = checked_form(req, state).await?;
        Ok(FormPairs(pairs))
    }
}

/// The body of a posted form and its fields, once its `_csrf` field matched the session's token.
async fn checked_form(
    req: Request,
    state: &AppState,
) -> Result<(Vec<(String, String)>, Bytes), PageError> {
    let (mut parts, body) = req.into_parts();
    let caller = Caller::from_request_parts(&mut parts, state).await?;
    // A body over the limit keeps its 413 (the server then closes the connection).
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|rejection| PageError::Ready(rejection.into_response()))?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| ApiError::BadBody {
            field: None,
            code: "invalid_body",
        })?;
    check_csrf(&caller, &pairs)?;
    Ok((pairs, bytes))
}

/// A posted form read into `T` (its CSRF token checked); a value `T` cannot take is a 422 that
/// names the field.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (_, body) = checked_form(req, state).await?;
        Ok(PageForm(typed(&body)?))
    }
}

/// The query string read into `T` (`#[serde(rename = "kecamatan")]` for the Indonesian names);
/// a value `T` cannot take is a 422 that names the parameter, never a panic.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageQuery(typed(
            parts.uri.query().unwrap_or("").as_bytes(),
        )?))
    }
}

/// `a=1&b=x` into `T`, with the path of the field that failed.
fn typed<T: DeserializeOwned>(encoded: &[u8]) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let mut errors = FieldErrors::new();
        errors.push(
            if field == "." {
                "query"
            } else {
                field.as_str()
            },
            "invalid_type",
        );
        ApiError::Validation(errors)
    })
}

/// An optional number where an empty field (`hari=`, as a form sends it) means "not given".
pub fn blank_as_none<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = serde::Deserialize::deserialize(de)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}
