//! Every route is registered together with its access rule, so the rules can be listed
//! (`route_rules`) and a test can try each route as each role: a route without a rule cannot
//! be added. The rule is enforced here, once, by a guard around the handler ([`guard`]), which
//! also draws the errors that page handlers return ([`crate::error::PageError`]).

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Request};
use axum::handler::Handler;
use axum::http::Uri;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use axum::routing::{MethodFilter, on};
use sentra_domain::account::Permission;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PendingError};
use crate::lang::Lang;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health checks, region reference data).
    Public,
    /// Any signed-in user (sign out).
    SignedIn,
    /// Signed-in users whose role has this permission; records outside their scope are 404.
    Role(Permission),
    /// As `Role`, for a change to what holds across the whole deployment (programme rules,
    /// category tree, search synonyms): only a scope covering the home region; narrower
    /// scopes get 403 (enforced by [`guard`]).
    HomeWide(Permission),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    pub method: &'static str,
    /// The full path, with `{id}` (a UMKM record), `{job}` (an import job), `{export}` (an
    /// export job, its requester's only), `{pair}` (two records, `a~b`), `{code}` (a region),
    /// `{unit}` (a government unit), `{purchase}` (one of its purchases) or `{upload}` (a
    /// procurement file, its uploader's only) placeholders.
    pub path: String,
    pub access: Access,
}

pub(crate) struct Routes {
    prefix: &'static str,
    pub(crate) router: Router<AppState>,
    pub(crate) rules: Vec<RouteRule>,
}

impl Routes {
    pub(crate) fn new(prefix: &'static str) -> Self {
        Routes {
            prefix,
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    fn add<H, T>(
        mut self,
        method: &'static str,
        filter: MethodFilter,
        path: &str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let guarded = on(filter, handler).layer(from_fn(move |req, next| guard(access, req, next)));
        self.router = self.router.route(path, guarded);
        self.rules.push(RouteRule {
            method,
            path: format!("{}{path}", self.prefix),
            access,
        });
        self
    }

    pub(crate) fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("GET", MethodFilter::GET, path, access, h)
    }

    pub(crate) fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("POST", MethodFilter::POST, path, access, h)
    }

    pub(crate) fn put<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Self {
        self.add("PUT", MethodFilter::PUT, path, access, h)
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.rules.extend(other.rules);
        self.router = self.router.merge(other.router);
        self
    }
}

/// Enforces a route's [`Access`] before its handler runs, and draws a [`PageError`] the handler
/// returned: the HTML error page with the caller's menu on pages, JSON for the API and the
/// field app's script. The caller found here is kept for the handler's own extractors (one
/// session lookup a request).
///
/// [`PageError`]: crate::error::PageError
async fn guard(access: Access, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let lang = crate::lang::negotiate(&parts);
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |u| u.0.clone());
    let Some(state) = parts.extensions.get::<AppState>().cloned() else {
        return ApiError::Internal("the guard runs without the state".into())
            .into_response_in(lang);
    };
    let caller = match access {
        Access::Public => None,
        Access::SignedIn | Access::Role(_) | Access::HomeWide(_) => {
            match Caller::from_request_parts(&mut parts, &state).await {
                Ok(caller) => Some(caller),
                Err(refusal) => return draw(refusal, None, lang, &uri),
            }
        }
    };
    if let Some(caller) = &caller {
        let refusal = match access {
            Access::Role(p) | Access::HomeWide(p) if !caller.can(p) => Some("forbidden"),
            // A setting kept once for the deployment (programme rules, categories, synonyms):
            // a scope narrower than the home region would change what every other area lives by.
            Access::HomeWide(_) if !caller.scope().covers(state.home()) => Some("settings_scope"),
            _ => None,
        };
        if let Some(code) = refusal {
            let refused = caller.refuse(ApiError::Forbidden(code));
            return draw(refused, Some(caller), lang, &uri);
        }
        parts.extensions.insert(caller.clone());
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    draw(response, caller.as_ref(), lang, &uri)
}

/// Draws the error a response carries ([`PendingError`]), if any: the HTML error page (with the
/// caller's menu when signed in), or JSON for the API and the field app's script.
fn draw(response: Response, caller: Option<&Caller>, lang: Lang, uri: &Uri) -> Response {
    let Some(PendingError(error)) = response.extensions().get::<PendingError>().cloned() else {
        return response;
    };
    match caller {
        Some(caller) if caller.json => error.into_response_in(caller.lang),
        Some(caller) => crate::ui::error_page_for(caller, uri, error),
        None if uri.path().starts_with("/api/") => error.into_response_in(lang),
        None => crate::ui::error_page(lang, uri, error),
    }
}
