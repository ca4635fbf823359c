//! `/metrics` in the Prometheus text format: requests by route and status, their latencies,
//! requests in flight, the database pool, and jobs by state (over the whole deployment, read at
//! scrape time). Routes are labelled by their pattern (`/umkm/{id}`), never the raw path, so
//! the number of series stays bounded.

use std::sync::atomic::AtomicI64;
use std::time::Instant;

use axum::Extension;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;
use crate::auth::constant_time_eq;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge<i64, AtomicI64>,
    pool: Family<PoolLabels, Gauge<i64, AtomicI64>>,
    jobs: Family<JobLabels, Gauge<i64, AtomicI64>>,
    /// Set when the last scrape could not read the jobs (the database was down).
    database_up: Gauge<i64, AtomicI64>,
    /// Multi-host PostgreSQL URLs: how often the pool moved to another host.
    db_host_changes: Gauge<i64, AtomicI64>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("sentra");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let in_flight = Gauge::<i64, AtomicI64>::default();
        let pool = Family::<PoolLabels, Gauge<i64, AtomicI64>>::default();
        let jobs = Family::<JobLabels, Gauge<i64, AtomicI64>>::default();
        let database_up = Gauge::<i64, AtomicI64>::default();
        let db_host_changes = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route pattern",
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered now",
            in_flight.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections of this server: open, idle, max",
            pool.clone(),
        );
        registry.register(
            "jobs",
            "Import and export jobs of the deployment by state",
            jobs.clone(),
        );
        registry.register(
            "database_up",
            "1 when the last scrape could query the database",
            database_up.clone(),
        );
        registry.register(
            "db_host_changes",
            "Times this server's pool moved to another PostgreSQL host (failovers; multi-host URLs only)",
            db_host_changes.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            in_flight,
            pool,
            jobs,
            database_up,
            db_host_changes,
        }
    }
}

/// Counts and times every request (the outermost layer but the panic catcher, so that
/// timeouts and refusals are counted too).
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let metrics = state.metrics();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().as_str().to_string();
    metrics.in_flight.inc();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.in_flight.dec();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// The scrape. Open to the machine itself (a Prometheus agent beside the server) and to callers
/// bearing `SENTRA_METRICS_TOKEN`; others get 404, as if there were nothing here.
pub(crate) async fn scrape(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    client: Option<Extension<crate::client::RealClient>>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (state.metrics_token(), bearer) {
        (Some(token), Some(given)) => constant_time_eq(token.as_bytes(), given.as_bytes()),
        // The machine itself, not a reverse proxy on it relaying someone from outside.
        _ => {
            peer.ip().is_loopback()
                && !client
                    .is_some_and(|Extension(c): Extension<crate::client::RealClient>| c.proxied)
        }
    };
    if !allowed {
        return StatusCode::NOT_FOUND.into_response();
    }
    let metrics = state.metrics();
    let db = state.db();
    let pool = db.pool_stats();
    for (name, value) in [("open", pool.open), ("idle", pool.idle), ("max", pool.max)] {
        metrics
            .pool
            .get_or_create(&PoolLabels {
                state: name.to_string(),
            })
            .set(i64::from(value));
    }
    if let Some(changes) = pool.host_changes {
        metrics
            .db_host_changes
            .set(i64::try_from(changes).unwrap_or(i64::MAX));
    }
    match db.job_counts().await {
        Ok(counts) => {
            metrics.database_up.set(1);
            // States that emptied since the last scrape read 0, not their old count.
            metrics.jobs.clear();
            for c in counts {
                metrics
                    .jobs
                    .get_or_create(&JobLabels {
                        kind: c.kind.to_string(),
                        state: c.state,
                    })
                    .set(c.count);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: jobs could not be read");
            metrics.database_up.set(0);
        }
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &metrics.registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // A scraper that asks for OpenMetrics gets it; others (the classic text parsers, curl) get
    // the text format 0.0.4 they read (issue 33: a classic parser split the OpenMetrics body
    // into 111 untyped families).
    let wants_openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/openmetrics-text"));
    if wants_openmetrics {
        (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            classic_text(&body),
        )
            .into_response()
    }
}

/// The OpenMetrics text as the Prometheus text format 0.0.4 reads it: a counter's family is
/// named as its samples are (`x_total`), `unknown` is `untyped`, and the lines 0.0.4 does not
/// know (`# UNIT`, `# EOF`, `_created` samples) are left out.
fn classic_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            let name = if counters.contains(name) {
                format!("{name}_total")
            } else {
                name.to_string()
            };
            let tail = if tail == "unknown" { "untyped" } else { tail };
            Some(format!("{prefix}{name} {tail}"))
        });
        match renamed {
            Some(l) => out.push_str(&l),
            None => {
                let name = line.split(['{', ' ']).next().unwrap_or_default();
                if name.ends_with("_created") {
                    continue;
                }
                out.push_str(line);
            }
        }
        out.push('\n');
    }
    out
}
