//! A read-only CKAN Action API over the open datasets (`/api/3/action/{name}`, also at
//! `/api/action/{name}`), so that a Satu Data portal's CKAN harvester — or any `ckanapi` client
//! — lists, shows and searches them as it would another CKAN's. Answers follow CKAN 2.10's
//! shapes: `{"help", "success", "result"}`, errors as `{"success": false, "error": {"__type",
//! "message"}}` with CKAN's statuses (400 unknown action, 404 not found, 409 validation or
//! search error). Parameters come from the query string (GET) or a JSON or form body (POST,
//! as `ckanapi` sends them). Decision 0041.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::LICENCE;
use super::catalog::{Catalogue, Dataset, LICENCE_ID, LICENCE_TITLE, Resource, catalogue};
use crate::AppState;
use crate::catalogue::public::site_base;

/// The Action API version whose answers these follow (clients may branch on it).
const CKAN_VERSION: &str = "2.10.0";
/// `package_search`'s default and largest page (CKAN's `ckan.search.rows_max`).
const ROWS_DEFAULT: usize = 10;
const ROWS_MAX: usize = 1000;

/// The API's version document (`GET /api/3`).
pub(super) async fn version() -> Response {
    axum::Json(json!({ "version": 3 })).into_response()
}

pub(super) async fn action(
    State(state): State<AppState>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let cat = catalogue(&state, &site_base(&state, &headers));
    let help = format!("{}/api/3/action/help_show?name={name}", cat.base);
    let params = match params(&method, &headers, &uri, &body) {
        Ok(p) => p,
        Err(e) => return e.respond(&help),
    };
    let answer = match name.as_str() {
        "status_show" => Ok(status_show(&cat)),
        "package_list" => package_list(&cat, &params),
        "package_show" => package_show(&cat, &params),
        "package_search" => package_search(&cat, &params),
        "organization_list" => organization_list(&cat, &params),
        "organization_show" => organization_show(&cat, &params),
        "resource_show" => resource_show(&cat, &params),
        "license_list" => Ok(json!([licence()])),
        _ => Err(Failure::unknown_action(&name)),
    };
    match answer {
        Ok(result) => (
            [(header::CACHE_CONTROL, "public, max-age=300")],
            axum::Json(json!({ "help": help, "success": true, "result": result })),
        )
            .into_response(),
        Err(e) => e.respond(&help),
    }
}

/// A refused call, as CKAN words it.
struct Failure {
    status: StatusCode,
    error: Value,
}

impl Failure {
    fn not_found(what: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error: json!({ "__type": "Not Found Error", "message": format!("Not found: {what}") }),
        }
    }

    /// A parameter missing or of the wrong kind: `{"field": ["message"]}` as CKAN sends it.
    fn invalid(field: &str, message: &str) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            error: json!({ "__type": "Validation Error", field: [message] }),
        }
    }

    fn search(message: String) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            error: json!({ "__type": "Search Query Error", "message": format!("Search error: {message}") }),
        }
    }

    fn unknown_action(name: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: json!({
                "__type": "Bad request",
                "message": format!("Bad request - Action name not known: {name}"),
            }),
        }
    }

    fn respond(self, help: &str) -> Response {
        (
            self.status,
            axum::Json(json!({ "help": help, "success": false, "error": self.error })),
        )
            .into_response()
    }
}

/// The call's parameters: the query string's, then a POST body's (JSON object or form).
fn params(
    method: &Method,
    headers: &HeaderMap,
    uri: &Uri,
    body: &Bytes,
) -> Result<Map<String, Value>, Failure> {
    let mut out = Map::new();
    if let Some(q) = uri.query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            out.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    if *method == Method::POST && !body.is_empty() {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if form {
            for (k, v) in form_urlencoded::parse(body) {
                out.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => out.extend(m),
                _ => {
                    return Err(Failure {
                        status: StatusCode::BAD_REQUEST,
                        error: json!({
                            "__type": "Bad request",
                            "message": "Bad request - JSON Error: Request data JSON decoded to \
                                        something other than a dict",
                        }),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn text_param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str).map(str::trim)
}

/// A required `id` (CKAN also takes `name_or_id` in some actions).
fn id_param(params: &Map<String, Value>) -> Result<&str, Failure> {
    text_param(params, "id")
        .or_else(|| text_param(params, "name_or_id"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Failure::invalid("id", "Missing value"))
}

/// A whole number ≥ 0, given as a number or as text; `None` when absent.
fn count_param(params: &Map<String, Value>, name: &str) -> Result<Option<usize>, Failure> {
    let invalid = || Failure::invalid(name, "Invalid integer");
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(invalid),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

fn bool_param(params: &Map<String, Value>, name: &str) -> bool {
    match params.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_lowercase().as_str(), "true" | "1" | "yes"),
        _ => false,
    }
}

/// CKAN keeps times without a zone, in UTC.
fn timestamp(day: &str) -> String {
    format!("{day}T00:00:00")
}

fn licence() -> Value {
    json!({
        "id": LICENCE_ID,
        "title": LICENCE_TITLE,
        "url": LICENCE,
        "od_conformance": "approved",
        "osd_conformance": "not reviewed",
        "status": "active",
        "maintainer": "Creative Commons",
        "domain_content": true,
        "domain_data": true,
        "domain_software": false,
        "family": "",
        "is_generic": false,
    })
}

fn status_show(cat: &Catalogue) -> Value {
    json!({
        "site_title": cat.title,
        "site_description": cat.description,
        "site_url": cat.base,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": null,
        "locale_default": "id",
        "extensions": [],
    })
}

fn organization(cat: &Catalogue, with_datasets: bool) -> Value {
    let mut org = json!({
        "id": cat.organisation,
        "name": cat.organisation,
        "title": cat.publisher,
        "display_name": cat.publisher,
        "description": format!("Pemerintah daerah {} (kode wilayah {}).", cat.publisher, cat.region_code),
        "image_url": "",
        "image_display_url": "",
        "created": timestamp(&cat.modified),
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "package_count": cat.datasets.len(),
        "num_followers": 0,
        "extras": [{ "key": "kode_wilayah", "value": cat.region_code }],
        "tags": [],
        "groups": [],
        "users": [],
    });
    if with_datasets {
        org["packages"] = cat.datasets.iter().map(|d| package(cat, d)).collect();
    }
    org
}

fn resource(cat: &Catalogue, d: &Dataset, position: usize, r: &Resource) -> Value {
    json!({
        "id": r.id,
        "package_id": d.name,
        "name": r.title,
        "description": format!("{} — {}", d.title, r.title),
        "url": r.url,
        "format": r.format,
        "mimetype": r.media_type,
        "position": position,
        "state": "active",
        "url_type": null,
        "resource_type": null,
        "size": null,
        "hash": "",
        "created": timestamp(&d.start),
        "last_modified": timestamp(&d.modified),
        "metadata_modified": timestamp(&cat.modified),
        "cache_url": null,
        "datastore_active": false,
    })
}

fn package(cat: &Catalogue, d: &Dataset) -> Value {
    let tags: Vec<Value> = d
        .keywords
        .iter()
        .map(|k| json!({ "id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": null }))
        .collect();
    let resources: Vec<Value> = d
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| resource(cat, d, i, r))
        .collect();
    let mut extras = vec![
        json!({ "key": "kode_wilayah", "value": cat.region_code }),
        json!({ "key": "temporal_start", "value": d.start }),
        json!({ "key": "temporal_end", "value": d.end }),
        json!({ "key": "uri", "value": d.uri(&cat.base) }),
        json!({ "key": "identifier", "value": d.identifier }),
    ];
    if let Some(standard) = d.conforms_to {
        extras.push(json!({ "key": "conforms_to", "value": standard }));
    }
    json!({
        "id": d.name,
        "name": d.name,
        "title": d.title,
        "notes": d.description,
        "type": "dataset",
        "state": "active",
        "private": false,
        "isopen": true,
        "license_id": LICENCE_ID,
        "license_title": LICENCE_TITLE,
        "license_url": LICENCE,
        "url": d.landing_page(&cat.base),
        "version": null,
        "author": cat.publisher,
        "author_email": null,
        "maintainer": cat.publisher,
        "maintainer_email": cat.contact_email,
        "metadata_created": timestamp(&d.start),
        "metadata_modified": timestamp(&d.modified),
        "owner_org": cat.organisation,
        "organization": organization(cat, false),
        "tags": tags,
        "num_tags": d.keywords.len(),
        "resources": resources,
        "num_resources": d.resources.len(),
        "extras": extras,
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

fn package_list(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    let offset = count_param(params, "offset")?.unwrap_or(0);
    let limit = count_param(params, "limit")?.unwrap_or(usize::MAX);
    let mut names: Vec<&str> = cat.datasets.iter().map(|d| d.name).collect();
    names.sort_unstable();
    Ok(names.into_iter().skip(offset).take(limit).collect())
}

fn package_show(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    let id = id_param(params)?;
    cat.dataset(id)
        .map(|d| package(cat, d))
        .ok_or_else(|| Failure::not_found("Dataset"))
}

fn resource_show(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    let id = id_param(params)?;
    cat.datasets
        .iter()
        .find_map(|d| {
            let (i, r) = d.resources.iter().enumerate().find(|(_, r)| r.id == id)?;
            Some(resource(cat, d, i, r))
        })
        .ok_or_else(|| Failure::not_found("Resource"))
}

fn organization_list(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    Ok(if bool_param(params, "all_fields") {
        json!([organization(cat, false)])
    } else {
        json!([cat.organisation])
    })
}

fn organization_show(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    let id = id_param(params)?;
    if id != cat.organisation {
        return Err(Failure::not_found("Organization"));
    }
    // CKAN includes the datasets unless told not to.
    let include =
        !params.contains_key("include_datasets") || bool_param(params, "include_datasets");
    Ok(organization(cat, include))
}

/// One clause of a Solr query as CKAN's harvesters write them: `field:value`,
/// `field:"two words"`, `field:[from TO to]`, negated by a leading `-`; or a bare word.
#[derive(Debug, PartialEq)]
enum Clause {
    Field {
        negated: bool,
        field: String,
        value: Match,
    },
    Word(String),
}

#[derive(Debug, PartialEq)]
enum Match {
    Exact(String),
    /// Inclusive bounds; `None` for `*`.
    Range(Option<String>, Option<String>),
}

/// Splits a query into clauses; `*:*` and `AND` join nothing.
fn clauses(query: &str) -> Result<Vec<Clause>, Failure> {
    let mut out = Vec::new();
    let mut rest = query.trim();
    while !rest.is_empty() {
        let (token, after) = next_token(rest);
        rest = after.trim_start();
        if token == "*:*" || token == "AND" || token == "+" || token.is_empty() {
            continue;
        }
        let (negated, token) = match token.strip_prefix('-') {
            Some(t) => (true, t),
            None => (false, token.strip_prefix('+').unwrap_or(token)),
        };
        match token.split_once(':') {
            Some((field, value)) => {
                let value = if let Some(inner) =
                    value.strip_prefix('[').and_then(|v| v.strip_suffix(']'))
                {
                    let (from, to) = inner
                        .split_once(" TO ")
                        .ok_or_else(|| Failure::search(format!("cannot read range {value}")))?;
                    let bound = |b: &str| (b.trim() != "*").then(|| b.trim().to_string());
                    Match::Range(bound(from), bound(to))
                } else {
                    Match::Exact(value.trim_matches('"').to_string())
                };
                out.push(Clause::Field {
                    negated,
                    field: field.to_string(),
                    value,
                });
            }
            None => out.push(Clause::Word(token.trim_matches('"').to_lowercase())),
        }
    }
    Ok(out)
}

/// The next whitespace-separated token, keeping `"…"` and `[… TO …]` whole.
fn next_token(s: &str) -> (&str, &str) {
    let mut depth_quote = false;
    let mut depth_range = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => depth_quote = !depth_quote,
            '[' if !depth_quote => depth_range = true,
            ']' if !depth_quote => depth_range = false,
            c if c.is_whitespace() && !depth_quote && !depth_range => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

/// `2026-01-01T00:00:00Z` or `2026-01-01T00:00:00.000Z` as CKAN's stored form, for comparing.
fn solr_time(t: &str) -> String {
    let t = t.trim_end_matches('Z');
    let t = t.split('.').next().unwrap_or(t);
    if t.len() == 10 {
        timestamp(t)
    } else {
        t.to_string()
    }
}

fn matches(cat: &Catalogue, d: &Dataset, clause: &Clause) -> Result<bool, Failure> {
    let lower = |s: &str| s.to_lowercase();
    match clause {
        Clause::Word(w) => {
            let text = lower(&format!(
                "{} {} {} {}",
                d.name,
                d.title,
                d.description,
                d.keywords.join(" ")
            ));
            Ok(text.contains(w.as_str()))
        }
        Clause::Field {
            negated,
            field,
            value,
        } => {
            let values: Vec<String> = match field.as_str() {
                "name" | "id" => vec![d.name.to_string()],
                "organization" | "owner_org" => vec![cat.organisation.clone()],
                "tags" => d.keywords.clone(),
                "res_format" => d.resources.iter().map(|r| r.format.to_string()).collect(),
                "license_id" => vec![LICENCE_ID.to_string()],
                "metadata_modified" | "metadata_created" => {
                    vec![timestamp(if field == "metadata_modified" {
                        &d.modified
                    } else {
                        &d.start
                    })]
                }
                "dataset_type" | "type" => vec!["dataset".to_string()],
                "state" => vec!["active".to_string()],
                "title" | "text" => vec![d.title.clone(), d.description.clone()],
                other => return Err(Failure::search(format!("undefined field {other}"))),
            };
            let hit = match value {
                Match::Exact(v) if v == "*" => !values.is_empty(),
                Match::Exact(v) if field == "title" || field == "text" => {
                    values.iter().any(|x| lower(x).contains(&lower(v)))
                }
                Match::Exact(v) => values.iter().any(|x| lower(x) == lower(v)),
                Match::Range(from, to) => values.iter().any(|x| {
                    from.as_deref()
                        .is_none_or(|f| x.as_str() >= solr_time(f).as_str())
                        && to
                            .as_deref()
                            .is_none_or(|t| x.as_str() <= solr_time(t).as_str())
                }),
            };
            Ok(hit != *negated)
        }
    }
}

fn package_search(cat: &Catalogue, params: &Map<String, Value>) -> Result<Value, Failure> {
    let rows = count_param(params, "rows")?.unwrap_or(ROWS_DEFAULT);
    if rows > ROWS_MAX {
        return Err(Failure::invalid(
            "rows",
            &format!("Must be less than or equal to {ROWS_MAX}"),
        ));
    }
    let start = count_param(params, "start")?.unwrap_or(0);
    let mut all = clauses(text_param(params, "q").unwrap_or(""))?;
    all.extend(clauses(text_param(params, "fq").unwrap_or(""))?);
    let mut found: Vec<&Dataset> = Vec::new();
    for d in &cat.datasets {
        let mut ok = true;
        for c in &all {
            ok &= matches(cat, d, c)?;
        }
        if ok {
            found.push(d);
        }
    }
    let sort = text_param(params, "sort").unwrap_or("score desc, metadata_modified desc");
    let first = sort.split(',').next().unwrap_or("").trim();
    match first.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["name" | "title_string", dir] => {
            found.sort_by(|a, b| {
                if *dir == "desc" {
                    b.name.cmp(a.name)
                } else {
                    a.name.cmp(b.name)
                }
            });
        }
        // Every dataset has the same score and changes daily: by name, for a stable paging.
        _ => found.sort_by(|a, b| a.name.cmp(b.name)),
    }
    let facets = facet_fields(params);
    let mut search_facets = Map::new();
    let mut plain_facets = Map::new();
    for field in &facets {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for d in &found {
            let values: Vec<String> = match field.as_str() {
                "organization" => vec![cat.organisation.clone()],
                "tags" => d.keywords.clone(),
                "res_format" => {
                    let mut f: Vec<String> =
                        d.resources.iter().map(|r| r.format.to_string()).collect();
                    // A dataset counts once per format, as Solr counts documents.
                    f.sort_unstable();
                    f.dedup();
                    f
                }
                "license_id" => vec![LICENCE_ID.to_string()],
                _ => Vec::new(),
            };
            for v in values {
                *counts.entry(v).or_default() += 1;
            }
        }
        let items: Vec<Value> = counts
            .iter()
            .map(|(k, n)| {
                let display = if field == "organization" {
                    cat.publisher.clone()
                } else {
                    k.clone()
                };
                json!({ "name": k, "display_name": display, "count": n })
            })
            .collect();
        plain_facets.insert(field.clone(), json!(counts));
        search_facets.insert(field.clone(), json!({ "title": field, "items": items }));
    }
    Ok(json!({
        "count": found.len(),
        "sort": sort,
        "results": found.iter().skip(start).take(rows).map(|d| package(cat, d)).collect::<Vec<_>>(),
        "facets": plain_facets,
        "search_facets": search_facets,
    }))
}

/// `facet.field` as CKAN takes it: a JSON list as text (`["tags","res_format"]`) or a list.
fn facet_fields(params: &Map<String, Value>) -> Vec<String> {
    let list = match params.get("facet.field") {
        Some(Value::String(s)) => serde_json::from_str::<Vec<String>>(s).unwrap_or_default(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .filter(|f| ["organization", "tags", "res_format", "license_id"].contains(&f.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harvester_queries_split_into_clauses() {
        let c = clauses("*:* -organization:x metadata_modified:[2026-01-01T00:00:00Z TO *] tags:\"skala usaha\"")
            .unwrap_or_default();
        assert_eq!(
            c,
            vec![
                Clause::Field {
                    negated: true,
                    field: "organization".into(),
                    value: Match::Exact("x".into())
                },
                Clause::Field {
                    negated: false,
                    field: "metadata_modified".into(),
                    value: Match::Range(Some("2026-01-01T00:00:00Z".into()), None),
                },
                Clause::Field {
                    negated: false,
                    field: "tags".into(),
                    value: Match::Exact("skala usaha".into())
                },
            ]
        );
        assert_eq!(solr_time("2026-01-01T00:00:00.000Z"), "2026-01-01T00:00:00");
        assert_eq!(solr_time("2026-01-01"), "2026-01-01T00:00:00");
    }
}
