//! Every route is registered together with its access rule, so the rules can be listed
//! (`route_rules`) and a test can try each route as each role: a route without a rule cannot
//! be added.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use sentra_domain::account::Permission;

use crate::AppState;

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
    /// scopes get 403 (`auth::require_home_wide`).
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
        self.router = self.router.route(path, on(filter, handler));
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
