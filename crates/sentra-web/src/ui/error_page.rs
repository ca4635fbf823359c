//! The HTML error page: the message in the caller's language, the problems by field, and the
//! signed-in user's menu so that a refusal leaves somewhere to go.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::lang::{Lang, ReqLang};
use crate::ui::Chrome;
use crate::view::field_label;

#[derive(Template, WebTemplate)]
#[template(path = "ui/error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub l: Lang,
    pub message: String,
    pub details: Vec<String>,
}

/// The error page with the signed-out frame.
pub(crate) fn error_page(lang: Lang, uri: &Uri, e: ApiError) -> Response {
    drawn(lang, uri, None, e)
}

/// [`error_page`] with the signed-in caller's menu: a refusal on an HTML route leaves the user
/// somewhere to go.
pub(crate) fn error_page_for(caller: &Caller, uri: &Uri, e: ApiError) -> Response {
    drawn(caller.lang, uri, Some(caller), e)
}

fn drawn(lang: Lang, uri: &Uri, caller: Option<&Caller>, e: ApiError) -> Response {
    let status = e.status();
    let body = e.body(lang);
    let frame = Chrome::new(lang, body.error.message.clone(), uri);
    let page = ErrorPage {
        c: match caller {
            Some(caller) => frame.signed_in(caller),
            None => frame,
        },
        l: lang,
        message: body.error.message,
        details: body
            .error
            .fields
            .into_iter()
            .map(|f| format!("{}: {}", field_label(lang, &f.field), f.message))
            .collect(),
    };
    crate::error::with_retry_after((status, page).into_response())
}

pub async fn not_found(ReqLang(lang): ReqLang, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::NotFound.into_response_in(lang);
    }
    error_page(lang, &uri, ApiError::NotFound)
}
