//! The HTTP edge of Sentra: server-rendered pages (Indonesian first, working without
//! JavaScript) and the JSON API under `/api/v1/` with its OpenAPI document. Handlers are thin:
//! they parse, call the domain and storage, and render.

mod admin;
mod api;
mod assets;
mod auth;
pub mod catalogue;
mod client;
mod clock;
mod error;
mod extract;
mod field;
mod flagship;
mod forms;
mod gallery;
mod home;
mod insight;
mod lang;
mod legality;
mod media;
mod messaging;
mod metrics;
mod params;
mod partnership;
mod procurement;
mod programme;
mod registry;
mod routes;
mod ui;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use sentra_domain::product::Category;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_storage::Database;

use crate::error::ApiError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi_json;
pub use client::ProxyRange;
pub use lang::Lang;
pub use messaging::notices::queue_expiry_notices;
pub use messaging::{
    DEFAULT_BROADCAST_LIMIT, DEFAULT_LEASE_SECONDS, MIN_LEASE_SECONDS, MessagingConfig, SmsConfig,
    WhatsappConfig,
};
pub use registry::export::ExportLayout;
pub use routes::{Access, RouteRule};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    secure_cookies: bool,
    regions: &'static RegionTree,
    home: RegionCode,
    /// Workbooks with more rows than this are made by an export job.
    xlsx_inline_max: i64,
    /// Wake this server's import and export workers when a job is started here.
    import_wake: Arc<tokio::sync::Notify>,
    export_wake: Arc<tokio::sync::Notify>,
    /// This server's catalogue search index and the follower that keeps it up to date.
    search: Arc<sentra_search::SearchIndex>,
    search_wake: Arc<tokio::sync::Notify>,
    synonyms: catalogue::index::SharedSynonyms,
    /// Where product photos are kept (in memory unless [`AppState::with_media`]).
    media: sentra_media::MediaStore,
    /// `https://umkm.example.go.id`: the address of canonical and shared links, whatever host
    /// name a request came by (unset: the request's `Host`).
    public_url: Option<String>,
    /// The e-mail address the open-data catalogue names as its contact point
    /// (`serve --data-contact`).
    data_contact: Option<String>,
    /// The export profiles offered (issue 33): the shipped ones and a deployment's own
    /// (`serve --export-profiles`).
    export_profiles: Arc<Vec<sentra_domain::export_profile::Profile>>,
    /// The category tree for the public pages, read again after [`CATEGORIES_FRESH`].
    categories: std::sync::RwLock<Option<(std::time::Instant, Arc<Vec<Category>>)>>,
    /// The public home's figures, counted again after [`home::FIGURES_FRESH`].
    home_figures: std::sync::RwLock<Option<(std::time::Instant, Arc<home::Figures>)>>,
    metrics: metrics::Metrics,
    /// A read-only replica for the dashboards, reports, open data and the public catalogue
    /// (`serve --read-database`); the primary when unset.
    read_db: Option<Database>,
    /// A scraper from another machine shows this as a bearer token (`SENTRA_METRICS_TOKEN`).
    metrics_token: Option<String>,
    /// Reverse proxies whose forwarding headers name the real client (`serve --trusted-proxy`).
    trusted_proxies: Vec<client::ProxyRange>,
    /// `Host` values links may be built from when no public URL is set (lower case).
    allowed_hosts: Vec<String>,
    /// The message channels of the deployment (`serve --smtp-url …`), and the wake of this
    /// server's sender when messages are queued here.
    messaging: Arc<messaging::MessagingConfig>,
    sender_wake: Arc<tokio::sync::Notify>,
    bulk_wake: Arc<tokio::sync::Notify>,
}

/// A deployment's public address as given (`https://umkm.example.go.id/`): without the trailing
/// slash; `None` when it is not an `http(s)://` URL with a host and nothing after the path.
pub fn parse_public_url(input: &str) -> Option<String> {
    let s = input.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    let ok = !host.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:/[]_~%".contains(c));
    ok.then(|| s.to_string())
}

/// How long the public pages use the category tree they read (it changes only when an admin
/// edits it; a minute's delay on the catalogue is acceptable).
const CATEGORIES_FRESH: std::time::Duration = std::time::Duration::from_secs(60);
/// Searches whose results an app server keeps until the catalogue changes (`serve --search-cache`).
pub const DEFAULT_KEPT_SEARCHES: usize = 2000;

impl AppState {
    /// `home` is the deployment's home region (e.g. `36.74`); the UI is scoped to it.
    /// The search index starts in memory (filled from the database by the follower); a server
    /// keeps it on disk with [`AppState::with_search_index`].
    pub fn new(db: Database, home: RegionCode) -> Self {
        clock::set_home(home.as_str());
        let search = match sentra_search::SearchIndex::open(None) {
            Ok(ix) => ix.keep_results(DEFAULT_KEPT_SEARCHES),
            // An in-memory index needs no files; failing to make one is a bug.
            Err(e) => panic!("in-memory search index: {e}"),
        };
        Self {
            inner: Arc::new(Inner {
                db,
                secure_cookies: true,
                regions: RegionTree::embedded(),
                home,
                xlsx_inline_max: registry::export::XLSX_INLINE_MAX,
                import_wake: Arc::new(tokio::sync::Notify::new()),
                export_wake: Arc::new(tokio::sync::Notify::new()),
                search: Arc::new(search),
                search_wake: Arc::new(tokio::sync::Notify::new()),
                synonyms: Arc::new(std::sync::RwLock::new(Arc::new(
                    sentra_search::Synonyms::defaults(),
                ))),
                media: sentra_media::MediaStore::memory(),
                public_url: None,
                data_contact: None,
                export_profiles: Arc::new(
                    sentra_domain::export_profile::shipped()
                        .into_iter()
                        .filter_map(|(_, p)| p.ok())
                        .collect(),
                ),
                categories: std::sync::RwLock::new(None),
                home_figures: std::sync::RwLock::new(None),
                metrics: metrics::Metrics::new(),
                read_db: None,
                metrics_token: None,
                trusted_proxies: Vec::new(),
                allowed_hosts: Vec::new(),
                messaging: Arc::new(messaging::MessagingConfig::default()),
                sender_wake: Arc::new(tokio::sync::Notify::new()),
                bulk_wake: Arc::new(tokio::sync::Notify::new()),
            }),
        }
    }

    /// Uses this index (on disk, opened by the caller) for the catalogue.
    pub fn with_search_index(mut self, index: sentra_search::SearchIndex) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.search = Arc::new(index);
        }
        self
    }

    /// Makes canonical and shared links with this address (`https://host[/path]`, checked by
    /// [`parse_public_url`]).
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.public_url = url;
        }
        self
    }

    /// The open data's contact e-mail (`serve --data-contact`), named in the catalogues.
    pub fn with_data_contact(mut self, email: Option<String>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.data_contact = email;
        }
        self
    }

    /// Offers these export profiles (the shipped ones and a deployment's own, read by the
    /// caller), in this order.
    pub fn with_export_profiles(
        mut self,
        profiles: Vec<sentra_domain::export_profile::Profile>,
    ) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.export_profiles = Arc::new(profiles);
        }
        self
    }

    /// Sends messages on these channels (checked by the caller with [`MessagingConfig::check`]).
    pub fn with_messaging(mut self, config: messaging::MessagingConfig) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.messaging = Arc::new(config);
        }
        self
    }

    pub(crate) fn messaging(&self) -> &messaging::MessagingConfig {
        &self.inner.messaging
    }

    /// A bulk job was started here: this server's worker takes it now.
    pub(crate) fn wake_bulk_worker(&self) {
        self.inner.bulk_wake.notify_one();
    }

    /// Messages were queued here: this server's sender looks now rather than at its next poll.
    pub(crate) fn wake_sender(&self) {
        self.inner.sender_wake.notify_one();
    }

    pub(crate) fn export_profiles(&self) -> &[sentra_domain::export_profile::Profile] {
        &self.inner.export_profiles
    }

    pub(crate) fn data_contact(&self) -> Option<&str> {
        self.inner.data_contact.as_deref()
    }

    /// Lets Prometheus scrape `/metrics` from other machines with this bearer token.
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.metrics_token = token.filter(|t| !t.is_empty());
        }
        self
    }

    /// Takes the client's address from `X-Forwarded-For`/`Forwarded` only when the peer is
    /// one of these proxies.
    pub fn with_trusted_proxies(mut self, ranges: Vec<client::ProxyRange>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.trusted_proxies = ranges;
        }
        self
    }

    /// The `Host` values (`umkm.example.go.id`, `127.0.0.1:8080`) that links may be built from
    /// when no public URL is set; the first is used for any other host.
    pub fn with_allowed_hosts(mut self, hosts: Vec<String>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.allowed_hosts = hosts.into_iter().map(|h| h.to_lowercase()).collect();
        }
        self
    }

    pub(crate) fn trusted_proxies(&self) -> &[client::ProxyRange] {
        &self.inner.trusted_proxies
    }

    pub(crate) fn allowed_hosts(&self) -> &[String] {
        &self.inner.allowed_hosts
    }

    /// Served over HTTPS (the public URL says so): browsers are told to keep to it (HSTS).
    pub(crate) fn https(&self) -> bool {
        self.inner
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn metrics_token(&self) -> Option<&str> {
        self.inner.metrics_token.as_deref()
    }

    pub(crate) fn public_url(&self) -> Option<&str> {
        self.inner.public_url.as_deref()
    }

    /// Keeps product photos in this object store.
    pub fn with_media(mut self, media: sentra_media::MediaStore) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.media = media;
        }
        self
    }

    pub(crate) fn media(&self) -> &sentra_media::MediaStore {
        &self.inner.media
    }

    /// Replaces the search synonyms in force on this server.
    pub(crate) fn set_synonyms(&self, synonyms: sentra_search::Synonyms) {
        catalogue::index::replace_synonyms(&self.inner.synonyms, synonyms);
    }

    /// Tells this server's search follower that the catalogue changed here.
    pub(crate) fn wake_search(&self) {
        self.inner.search_wake.notify_one();
    }

    /// A region's name from its code (the code itself when it is not a known region).
    pub(crate) fn region_name(&self, code: &str) -> String {
        RegionCode::parse(code)
            .ok()
            .and_then(|c| self.regions().get(&c).map(|r| r.name.clone()))
            .unwrap_or_else(|| code.to_string())
    }

    /// Searches the catalogue off the async workers (a search is milliseconds of CPU).
    pub(crate) async fn search_catalogue(
        &self,
        q: sentra_search::SearchQuery,
    ) -> Result<sentra_search::SearchResults, ApiError> {
        let index = self.inner.search.clone();
        let synonyms = self.synonyms();
        tokio::task::spawn_blocking(move || index.search(&q, &synonyms))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))
    }

    /// Reads the category tree again at the next page (after an edit on this server; other
    /// servers within a minute).
    pub(crate) fn forget_categories(&self) {
        if let Ok(mut cached) = self.inner.categories.write() {
            *cached = None;
        }
    }

    /// The product category tree for the public pages (read at most once a minute).
    pub(crate) async fn categories(&self) -> Arc<Vec<Category>> {
        if let Ok(cached) = self.inner.categories.read()
            && let Some((at, list)) = cached.as_ref()
            && at.elapsed() < CATEGORIES_FRESH
        {
            return list.clone();
        }
        match self.db().product_categories().await {
            Ok(list) => {
                let list = Arc::new(list);
                if let Ok(mut cached) = self.inner.categories.write() {
                    *cached = Some((std::time::Instant::now(), list.clone()));
                }
                list
            }
            Err(e) => {
                tracing::error!(error = %e, "reading product categories failed");
                Arc::new(Vec::new())
            }
        }
    }

    pub(crate) fn synonyms(&self) -> Arc<sentra_search::Synonyms> {
        match self.inner.synonyms.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    /// Where pages that only read aggregates and published products go: the replica when one
    /// is configured (a few seconds behind the primary at most), otherwise the primary.
    pub fn read_db(&self) -> &Database {
        self.inner.read_db.as_ref().unwrap_or(&self.inner.db)
    }

    /// Reads dashboards, reports, open data and the public catalogue from this replica.
    pub fn with_read_database(mut self, replica: Option<Database>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.read_db = replica;
        }
        self
    }

    pub fn regions(&self) -> &'static RegionTree {
        self.inner.regions
    }

    pub fn home(&self) -> &RegionCode {
        &self.inner.home
    }

    /// Session cookies carry `Secure` unless the deployment serves plain HTTP on a LAN.
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.secure_cookies = secure;
        }
        self
    }

    /// Sets how many rows a workbook may have to be sent at once (larger ones become jobs).
    pub fn with_xlsx_inline_max(mut self, rows: i64) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.xlsx_inline_max = rows;
        }
        self
    }

    pub(crate) fn xlsx_inline_max(&self) -> i64 {
        self.inner.xlsx_inline_max
    }

    pub fn secure_cookies(&self) -> bool {
        self.inner.secure_cookies
    }

    pub(crate) fn wake_import_worker(&self) {
        self.inner.import_wake.notify_one();
    }

    pub(crate) fn wake_export_worker(&self) {
        self.inner.export_wake.notify_one();
    }
}

/// How long a stopping server lets a running import or export job finish.
const JOB_DRAIN: Duration = Duration::from_secs(20);

/// Largest request body accepted; a registry record is a few kilobytes.
const BODY_LIMIT: usize = 256 * 1024;

/// The routes outside `/api`, with their access rules.
fn site_routes() -> routes::Routes {
    routes::Routes::new("")
        .get("/", Access::Public, home::home)
        .get(
            "/kerja",
            Access::Role(sentra_domain::account::Permission::VerifyRegistry),
            home::work,
        )
        .get(
            "/usaha",
            Access::Role(sentra_domain::account::Permission::ReadRegistry),
            home::mine,
        )
        .get(
            "/kurasi",
            Access::Role(sentra_domain::account::Permission::CurateEkatalog),
            home::curate,
        )
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
        .get("/metrics", Access::Public, metrics::scrape)
        .get("/static/{file}", Access::Public, assets::serve)
        .get("/login", Access::Public, auth::login_form)
        .post("/login", Access::Public, auth::login)
        .post("/logout", Access::SignedIn, auth::logout)
        .get("/signup", Access::Public, auth::signup_form)
        .post("/signup", Access::Public, auth::signup)
        .post("/signup/kode", Access::Public, auth::signup_code)
        .merge(catalogue::routes())
        .merge(media::routes())
        .merge(programme::routes())
        .merge(legality::routes())
        .merge(procurement::routes())
        .merge(flagship::routes())
        .merge(partnership::routes())
        .merge(gallery::routes())
        .merge(field::routes())
        .merge(insight::routes())
        .merge(registry::routes())
        .merge(admin::routes())
        .merge(messaging::routes())
}

/// Every route with its access rule, for the authorization test and for review.
pub fn route_rules() -> Vec<RouteRule> {
    let mut rules = site_routes().rules;
    rules.extend(api::routes().rules);
    rules
}

pub fn router(state: AppState) -> Router {
    let tracked = state.clone();
    let identified = state.clone();
    let guarded = state.clone();
    Router::new()
        .merge(site_routes().router)
        .nest("/api", api::routes().router.fallback(api::api_fallback))
        .fallback(ui::not_found)
        .with_state(state.clone())
        // For the routes' guard, which runs inside each route (`routes::guard`).
        .layer(axum::Extension(state))
        .layer(axum::middleware::from_fn(lang::remember_choice))
        .layer(axum::middleware::from_fn_with_state(
            guarded,
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            identified,
            client::identify,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Phones on metered mobile data: every text response goes out gzip- or brotli-compressed.
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            // No third-party requests from pages.
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            ),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn_with_state(
            tracked,
            metrics::track,
        ))
        // Every request gets an id (or keeps the one a proxy gave it): in the log line's span
        // and in the answer's `x-request-id`, so a user's report leads to the log lines.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(error::panic_response))
}

/// Headers every answer carries (OWASP secure headers): no framing, no referrer to other
/// sites (registry URLs carry ids and filters), HTTPS remembered when served over it, and
/// nothing a signed-in user was shown kept in a cache (UU 27/2022: personal data).
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let personal = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains(auth::SESSION_COOKIE));
    let static_file = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A page that chose a stricter policy (the FGD link carries its secret) keeps it.
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // A handler that chose its caching (public calendars, photos) keeps its choice.
    if personal && !static_file && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body is not read: say the connection ends, so the client does not
        // send its next request into the unread bytes.
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id, method = %req.method(), uri = %req.uri())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.db().ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// How often a server brings the planner's statistics up to date (SQLite's recommended
/// upkeep is hourly for long-lived connections).
const STATISTICS_EVERY: Duration = Duration::from_secs(3600);

/// Keeps the planner's statistics current while serving; a failure is logged and tried again
/// at the next round.
async fn keep_statistics(db: Database) {
    let mut every = tokio::time::interval(STATISTICS_EVERY);
    // The first tick is at once: `migrate` has just done it.
    every.tick().await;
    loop {
        every.tick().await;
        if let Err(e) = db.keep_statistics().await {
            tracing::warn!(error = %e, "keeping the planner's statistics failed");
        }
    }
}

/// Serves until `shutdown` resolves. Every server also runs an import and an export worker: jobs
/// started in the browser (here or on another server of the deployment) are run by them.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(sentra_import::worker::run_worker(
        state.db().clone(),
        state.inner.import_wake.clone(),
        stopping.clone(),
    ));
    let exporter = tokio::spawn(registry::export_worker::run_export_worker(
        state.clone(),
        state.inner.export_wake.clone(),
        stopping.clone(),
    ));
    let follower = tokio::spawn(catalogue::index::run_follower(
        state.db().clone(),
        state.inner.search.clone(),
        state.inner.search_wake.clone(),
        state.inner.synonyms.clone(),
    ));
    let sender = tokio::spawn(messaging::worker::run_sender(
        state.clone(),
        state.inner.sender_wake.clone(),
        stopping.clone(),
    ));
    let bulk = tokio::spawn(registry::bulk::run_bulk_worker(
        state.clone(),
        state.inner.bulk_wake.clone(),
        stopping,
    ));
    let upkeep = tokio::spawn(keep_statistics(state.db().clone()));
    let served = serve_connections(listener, router(state), shutdown).await;
    upkeep.abort();
    // Requests are answered; jobs under way get a while to finish. One cut off is taken up
    // again by any server once its lease runs out.
    let _ = stop.send(true);
    follower.abort();
    let (worker_abort, exporter_abort) = (worker.abort_handle(), exporter.abort_handle());
    let sender_abort = sender.abort_handle();
    let bulk_abort = bulk.abort_handle();
    let drained = tokio::time::timeout(JOB_DRAIN, async {
        let _ = worker.await;
        let _ = exporter.await;
        // A message being sent is finished and marked; the next is not taken.
        let _ = sender.await;
        let _ = bulk.await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            seconds = JOB_DRAIN.as_secs(),
            "jobs still running at shutdown; another server takes them up when their lease ends"
        );
        worker_abort.abort();
        exporter_abort.abort();
        sender_abort.abort();
        bulk_abort.abort();
    }
    served
}

/// A client has this long to send a request's headers (slowloris: thousands of half-open
/// connections would otherwise be held for as long as their senders like).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long requests under way may finish once the server is told to stop.
const REQUEST_DRAIN: Duration = Duration::from_secs(30);

/// Accepts connections until `shutdown`, each served by hyper with a header-read timeout
/// (`axum::serve` sets none), then lets the requests under way finish.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let app = app.clone();
                async move {
                    use tower::ServiceExt;
                    app.oneshot(req.map(axum::body::Body::new)).await
                }
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that went away or sent garbage: nothing to tell anyone.
            let _ = conn.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(REQUEST_DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = REQUEST_DRAIN.as_secs(),
            "requests still under way at shutdown were cut off"
        );
    }
    Ok(())
}

#[cfg(test)]
mod public_url_tests {
    use super::parse_public_url;

    #[test]
    fn a_public_address_is_an_http_url_with_a_host() {
        assert_eq!(
            parse_public_url(" https://umkm.tangsel.go.id/ ").as_deref(),
            Some("https://umkm.tangsel.go.id")
        );
        assert_eq!(
            parse_public_url("http://10.0.0.5:8080/sentra").as_deref(),
            Some("http://10.0.0.5:8080/sentra")
        );
        for bad in [
            "umkm.tangsel.go.id",
            "https://",
            "ftp://x",
            "https://a b",
            "https://x/\"><",
        ] {
            assert_eq!(parse_public_url(bad), None, "{bad}");
        }
    }
}
