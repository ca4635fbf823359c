//! The field app (`/lapangan/`, issue 12): an installable web app (manifest, service worker)
//! for operators registering UMKM door to door where there is no signal. Once opened online it
//! keeps its page, the region lists and the records of the operator's area (or the part they
//! choose) on the phone; new registrations, edits and photos are saved on the phone (IndexedDB)
//! and sent when a connection returns. Every change carries a key the phone made, so a retry
//! never applies it twice; a record changed on the server since it was downloaded comes back
//! as a conflict for the operator to settle field by field.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::umkm::{LegalDocumentInput, LegalKind, UmkmInput};
use sentra_storage::{Applied, FromPhone, StorageError, UmkmPhoto, UmkmRecord, record_input};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::forms::keep_personal_data;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let field = Access::Role(Permission::WorkInField);
    Routes::new("")
        .get("/lapangan", field, to_app)
        .get("/lapangan/", field, app_page)
        .get("/lapangan/data", field, data)
        .post("/lapangan/sync", field, sync)
        .post(
            "/lapangan/foto",
            field,
            photo.layer(DefaultBodyLimit::max(PHOTO_LIMIT)),
        )
        .get("/lapangan/sw.js", Access::Public, service_worker)
        .get("/lapangan/manifest.webmanifest", Access::Public, manifest)
        .get("/lapangan/ikon.svg", Access::Public, icon)
        .get(
            "/umkm/{id}/foto-lapangan/{file}",
            Access::Role(Permission::ReadRegistry),
            field_photo,
        )
}

/// The largest field photo a request may carry (the body is the JPEG alone). The app shrinks
/// a photo below this before it queues it (it is told the figure in the page); a 1600 px
/// JPEG of a busy scene is rarely over 1 MiB, so this leaves room without letting a phone
/// spend metered data on camera originals. Every other route keeps the global 256 KiB.
pub const PHOTO_LIMIT: usize = 2 * 1024 * 1024;

/// The script's sentences (`fieldjs.*`), put in the page so they work offline.
const SCRIPT_TEXTS: &[&str] = &[
    "online",
    "offline",
    "waiting",
    "all_sent",
    "saved",
    "sending",
    "state_waiting",
    "state_done",
    "state_rejected",
    "state_conflict",
    "state_blocked",
    "kind_create",
    "kind_update",
    "kind_photo",
    "duplicates",
    "signed_out",
    "sign_in",
    "signout_unsent",
    "signout_offline",
    "no_data",
    "downloaded",
    "shown",
    "more_than_kept",
    "gps_wait",
    "gps_fail",
    "gps_ok",
    "retry_in",
    "photo_count",
    "fix",
    "resolve",
    "draft_restored",
    "downloading",
    "download_failed",
    "new_record",
    "remove",
    "photo_failed",
    "server_error",
    "send_again",
    "held",
];

/// The fields the phone edits, with their labels (`field.*` or `fieldapp.*`).
const FIELD_LABELS: &[(&str, &str)] = &[
    ("name", "field.name"),
    ("owner_name", "field.owner_name"),
    ("nik", "field.nik"),
    ("phone", "field.phone"),
    ("address", "field.address"),
    ("village_code", "field.village_code"),
    ("sector", "field.sector"),
    ("modal", "field.modal"),
    ("annual_sales", "field.annual_sales"),
    ("nib", "fieldapp.nib"),
    ("latitude", "field.latitude"),
    ("longitude", "field.longitude"),
    ("note", "fieldapp.note"),
    ("photo", "fieldapp.photos"),
];

/// The validation codes the script checks before saving (the same rules as the server's).
const ERROR_CODES: &[&str] = &[
    "required",
    "text_too_short",
    "text_too_long",
    "text_invalid_chars",
    "nik_required",
    "nik_not_digits",
    "nik_length",
    "nik_region",
    "nik_province",
    "nik_birth_date",
    "nik_serial",
    "phone_required",
    "phone_invalid_chars",
    "phone_not_indonesian",
    "phone_length",
    "phone_prefix_unknown",
    "nib_not_digits",
    "nib_length",
    "rupiah_required",
    "rupiah_invalid",
    "rupiah_fraction",
    "rupiah_negative",
    "rupiah_too_large",
    "coordinates_invalid",
    "coordinates_outside_indonesia",
    "coordinates_incomplete",
    "region_required",
    "region_unknown",
    "region_not_village",
    "region_out_of_scope",
    "sector_unknown",
    "photo_too_small",
    "photo_type",
    "photo_too_large",
];

/// The longest field note (characters).
const MAX_NOTE: usize = 2000;

/// The most records a phone keeps (a kecamatan's; a larger area is narrowed by the operator).
const MAX_RECORDS: u32 = 5000;

async fn to_app() -> Redirect {
    Redirect::permanent("/lapangan/")
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "field/field_app.html")]
pub struct AppPage {
    pub c: Chrome,
    pub l: Lang,
    pub field_js: &'static str,
    /// The script's sentences, field labels and error messages as JSON (`<` escaped).
    pub texts: String,
}

fn script_texts(lang: Lang) -> serde_json::Value {
    let mut texts = serde_json::Map::new();
    for key in SCRIPT_TEXTS {
        texts.insert((*key).into(), lang.t(&format!("fieldjs.{key}")).into());
    }
    let labels: serde_json::Map<String, serde_json::Value> = FIELD_LABELS
        .iter()
        .map(|(f, k)| ((*f).to_string(), lang.t(k).into()))
        .collect();
    let errors: serde_json::Map<String, serde_json::Value> = ERROR_CODES
        .iter()
        .map(|c| ((*c).to_string(), lang.error(c).into()))
        .collect();
    serde_json::json!({
        "t": texts,
        "labels": labels,
        "errors": errors,
        "lang": lang.code(),
        "photo_max": PHOTO_LIMIT,
    })
}

async fn app_page(ctx: PageCtx) -> Response {
    let lang = ctx.lang;
    let mut res = AppPage {
        c: ctx.chrome(lang.t("fieldapp.title")),
        l: lang,
        field_js: &crate::assets::FIELD_JS.href,
        texts: crate::view::script_json(&script_texts(lang)),
    }
    .into_response();
    // The service worker keeps its own copy for offline use; the browser's cache must not
    // serve a signed-out visitor someone else's page.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// A record as the phone keeps it: personal data masked (an unchanged mask keeps the stored
/// value when the phone sends the record back), amounts and coordinates as text.
fn record_json(r: &sentra_storage::UmkmRecord) -> serde_json::Value {
    let text = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let degrees = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    serde_json::json!({
        "id": r.id,
        "version": r.version,
        "status": r.status.as_str(),
        "fields": {
            "name": r.name,
            "owner_name": r.owner_name,
            // The same mask as every page: the serial would give the NIK back beside the
            // birth date an operator sees on the record's page.
            "nik": crate::view::mask_nik(&r.owner_nik),
            "phone": r.owner_phone.as_deref().map(crate::view::mask_phone).unwrap_or_default(),
            "address": r.address.clone().unwrap_or_default(),
            "village_code": r.village_code,
            "sector": r.sector,
            "modal": text(r.modal),
            "annual_sales": text(r.annual_sales),
            "nib": r.documents.iter().find(|d| d.kind == LegalKind::Nib).map(|d| d.number.clone()).unwrap_or_default(),
            "latitude": degrees(r.latitude),
            "longitude": degrees(r.longitude),
        },
    })
}

/// `/lapangan/data?wilayah=…&ringkas=1`.
#[derive(Deserialize)]
struct DataQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(default, rename = "ringkas")]
    brief: String,
}

/// What the phone downloads: its CSRF token, the villages and sectors for the forms, and the
/// records of the area (`wilayah` narrows it). `ringkas=1` leaves out the records and lists
/// (a check that the session still holds, and a fresh token, before a sync).
async fn data(ctx: PageCtx, PageQuery(q): PageQuery<DataQuery>) -> PageResult {
    let scope = ctx.scope();
    let asked = RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let mut body = serde_json::json!({
        "csrf": ctx.caller.csrf.clone().unwrap_or_default(),
        "user": ctx.caller.user.name,
        "scope": scope.region_code().as_str(),
        "scope_name": region_label(&ctx, scope.region_code()),
    });
    if q.brief != "1" {
        let extra = area_data(&ctx, &region).await?;
        if let (Some(b), serde_json::Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
    }
    let mut res = Json(body).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

fn region_label(ctx: &PageCtx, code: &RegionCode) -> String {
    ctx.state
        .regions()
        .get(code)
        .map_or_else(String::new, |r| r.name.clone())
}

/// The lists the phone's forms choose from and the records of `region`.
async fn area_data(ctx: &PageCtx, region: &RegionCode) -> PageResult<serde_json::Value> {
    let scope = ctx.scope();
    let db = ctx.db();
    let villages: Vec<serde_json::Value> = ctx
        .state
        .regions()
        .all()
        .iter()
        .filter(|r| r.level == RegionLevel::Village && scope.contains(&r.code))
        .map(|r| {
            let district = r.code.parent();
            serde_json::json!([
                r.code.as_str(),
                r.name,
                district.as_ref().map_or("", RegionCode::as_str),
                district
                    .as_ref()
                    .map(|d| region_label(ctx, d))
                    .unwrap_or_default(),
            ])
        })
        .collect();
    let sectors = db.sectors().await?;
    let (records, total) = db.field_records(&scope, region, MAX_RECORDS).await?;
    let lang = ctx.lang;
    Ok(serde_json::json!({
        "region": region.as_str(),
        "region_name": region_label(ctx, region),
        "downloaded_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "total": total,
        "villages": villages,
        "sectors": sectors.iter().map(|s| serde_json::json!([s.code, lang.pick(&s.name_id, &s.name_en)])).collect::<Vec<_>>(),
        "records": records.iter().map(record_json).collect::<Vec<_>>(),
    }))
}

/// The phone's requests carry the session's CSRF token in a header (a cross-site page cannot
/// set one without the browser asking first). API tokens carry none and need none: no
/// browser sends them by itself.
fn csrf_ok(caller: &Caller, headers: &HeaderMap) -> bool {
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    match &caller.csrf {
        None => true,
        Some(t) => sent.is_some_and(|s| crate::auth::constant_time_eq(s.as_bytes(), t.as_bytes())),
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Change {
    /// Made by the phone, once per change: a retry carries the same one.
    key: String,
    /// `create` or `update`.
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    fields: FieldData,
    #[serde(default)]
    note: String,
}

/// The fields the phone's form edits, as typed (the server's rules check them again).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct FieldData {
    name: String,
    owner_name: String,
    nik: String,
    phone: String,
    address: String,
    village_code: String,
    sector: String,
    modal: String,
    annual_sales: String,
    nib: String,
    latitude: String,
    longitude: String,
}

impl FieldData {
    /// Laid over `base` (the stored record, or an empty one for a registration): the fields the
    /// phone does not edit (brand, KBLI, other documents, links) keep their stored values.
    fn over(self, mut base: UmkmInput) -> UmkmInput {
        base.name = self.name;
        base.owner_name = self.owner_name;
        base.nik = self.nik;
        base.phone = self.phone;
        base.address = self.address;
        base.village_code = self.village_code;
        base.sector = self.sector;
        base.modal = self.modal;
        base.annual_sales = self.annual_sales;
        base.latitude = self.latitude;
        base.longitude = self.longitude;
        let nib = self.nib.trim().to_string();
        match base
            .documents
            .iter_mut()
            .find(|d| d.kind == LegalKind::Nib.as_str())
        {
            Some(d) if nib.is_empty() => d.number.clear(),
            Some(d) => d.number = nib,
            None if nib.is_empty() => {}
            None => base.documents.push(LegalDocumentInput {
                kind: LegalKind::Nib.as_str().into(),
                number: nib,
                ..LegalDocumentInput::default()
            }),
        }
        // A NIB cleared on the phone is dropped (a blank document is skipped by validation).
        base.documents
            .retain(|d| !(d.kind == LegalKind::Nib.as_str() && d.number.is_empty()));
        base
    }
}

fn key_ok(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// One field's problem, for the script.
fn invalid(field: &str, code: &'static str) -> ApiError {
    let mut e = FieldErrors::new();
    e.push(field, code);
    ApiError::Validation(e)
}

/// Applies one change: 200 with the record (created, updated or replayed) and any likely
/// duplicates; 422 with the fields' problems; 409 with the record as the server has it.
async fn sync(ctx: PageCtx, headers: HeaderMap, body: Bytes) -> PageResult {
    if !csrf_ok(&ctx.caller, &headers) {
        return Err(ApiError::Forbidden("csrf").into());
    }
    let change: Change = crate::api::parse_body(&body)?;
    if !key_ok(&change.key) {
        return Err(invalid("key", "choice_invalid").into());
    }
    let note = Some(change.note.as_str()).filter(|n| !n.trim().is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(invalid("note", "text_too_long").into());
    }
    // Hashed with the key: the change re-serialised, so spacing or field order in the
    // request does not make the same change look different.
    let content = serde_json::to_vec(&change).map_err(|e| ApiError::Internal(e.to_string()))?;
    let from = FromPhone {
        key: &change.key,
        account: &ctx.caller.user.id,
        content: &content,
        note,
    };
    let target = (change.kind.as_str(), change.id.as_deref(), change.version);
    match apply(&ctx, target, change.fields, from).await? {
        Ok((record, applied)) => Ok(applied_answer(&ctx, &record, applied).await),
        Err(StorageError::Conflict) => {
            let id = change.id.clone().unwrap_or_default();
            let server = ctx.db().get_umkm(&ctx.scope(), &id).await?;
            Ok(conflict_answer(ctx.lang, &server))
        }
        Err(e) => Err(e.into()),
    }
}

/// The change validated and applied once; a storage refusal (a conflict above all) is left to
/// the caller to answer.
async fn apply(
    ctx: &PageCtx,
    (kind, id, version): (&str, Option<&str>, Option<i64>),
    fields: FieldData,
    from: FromPhone<'_>,
) -> PageResult<Result<(UmkmRecord, Applied), StorageError>> {
    let scope = ctx.scope();
    let db = ctx.db();
    let actor = &ctx.caller.actor;
    match (kind, id, version) {
        ("create", _, _) => {
            let input = fields.over(UmkmInput::default());
            let data = crate::api::validated(&ctx.state, &scope, &input).await?;
            Ok(db.create_umkm_once(&scope, from, &data, actor).await)
        }
        ("update", Some(id), Some(version)) => {
            let current = db.get_umkm(&scope, id).await?;
            let mut input = fields.over(record_input(&current));
            // The phone holds masked personal data: unchanged, the stored values stay.
            keep_personal_data(&mut input, &current);
            let data = crate::api::validated(&ctx.state, &scope, &input).await?;
            Ok(db
                .update_umkm_once(&scope, from, (id, version), &data, actor)
                .await)
        }
        _ => Err(invalid("kind", "choice_invalid").into()),
    }
}

/// 201 or 200 with the record as saved and the likely duplicates by name.
async fn applied_answer(ctx: &PageCtx, record: &UmkmRecord, applied: Applied) -> Response {
    let scope = ctx.scope();
    let db = ctx.db();
    let duplicates = db
        .open_duplicates_of(&scope, &record.id)
        .await
        .unwrap_or_default();
    let mut names = Vec::new();
    for d in &duplicates {
        if let Ok(r) = db.get_umkm(&scope, d).await {
            names.push(serde_json::json!({ "id": r.id, "name": r.name }));
        }
    }
    let status = match applied {
        Applied::Created => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    let body = serde_json::json!({
        "applied": match applied {
            Applied::Created => "created",
            Applied::Updated => "updated",
            Applied::Replayed => "replayed",
        },
        "record": record_json(record),
        "duplicates": names,
    });
    (status, Json(body)).into_response()
}

/// 409 with the record as the server has it, for the operator to settle field by field.
fn conflict_answer(lang: Lang, server: &UmkmRecord) -> Response {
    let body = serde_json::json!({
        "error": { "code": "conflict", "message": lang.error("conflict") },
        "server": record_json(server),
    });
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// `/lapangan/foto?umkm=…&key=…`.
#[derive(Deserialize)]
struct PhotoQuery {
    #[serde(default)]
    umkm: String,
    #[serde(default)]
    key: String,
}

/// A photo of a record (the body is the image the phone compressed), once per key: turned
/// upright, EXIF and GPS dropped, three sizes kept.
async fn photo(
    ctx: PageCtx,
    headers: HeaderMap,
    PageQuery(q): PageQuery<PhotoQuery>,
    body: Bytes,
) -> PageResult {
    if !csrf_ok(&ctx.caller, &headers) {
        return Err(ApiError::Forbidden("csrf").into());
    }
    let mut problems = FieldErrors::new();
    if q.umkm.is_empty() {
        problems.push("umkm", "required");
    }
    if !key_ok(&q.key) {
        problems.push("key", "choice_invalid");
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let scope = ctx.scope();
    ctx.db().get_umkm(&scope, &q.umkm).await?;
    let p = store_sizes(&ctx, &q.umkm, body.to_vec()).await?;
    let from = FromPhone {
        key: &q.key,
        account: &ctx.caller.user.id,
        content: &body,
        note: None,
    };
    let stored = ctx
        .db()
        .add_umkm_photo(&scope, &q.umkm, from, &p, &ctx.caller.actor)
        .await;
    if !matches!(stored, Ok(true)) {
        // Sent before, or refused: the sizes just written are not needed.
        for (size, _) in sentra_media::photo::SIZES {
            let _ = ctx
                .state
                .media()
                .delete(&sentra_media::photo_key(&p.object_key, size))
                .await;
        }
    }
    let answer = if stored? {
        (
            StatusCode::CREATED,
            Json(serde_json::json!({ "photo": p.id })),
        )
    } else {
        (
            StatusCode::OK,
            Json(serde_json::json!({ "replayed": true })),
        )
    };
    Ok(answer.into_response())
}

/// The photo made upright and without its metadata, written in every size under a new key.
async fn store_sizes(ctx: &PageCtx, umkm: &str, bytes: Vec<u8>) -> PageResult<UmkmPhoto> {
    let sizes = tokio::task::spawn_blocking(move || sentra_media::photo::process(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| invalid("photo", e.code()))?;
    let id = uuid::Uuid::now_v7().to_string();
    let object_key = format!("usaha/{umkm}/{id}");
    let largest = sizes.last().map_or((0, 0), |r| (r.width, r.height));
    for r in sizes {
        ctx.state
            .media()
            .put(&sentra_media::photo_key(&object_key, r.size), r.jpeg)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(UmkmPhoto {
        id,
        object_key,
        width: i64::from(largest.0),
        height: i64::from(largest.1),
    })
}

/// The service worker: keeps the app's page, its script and stylesheet, the manifest and icon
/// so the app opens without a connection; the page is fetched fresh when online.
async fn service_worker() -> Response {
    let shell = [
        "/lapangan/",
        crate::assets::CSS.href.as_str(),
        crate::assets::FIELD_JS.href.as_str(),
        "/lapangan/manifest.webmanifest",
        "/lapangan/ikon.svg",
    ];
    let list = serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into());
    let version = crate::assets::FIELD_JS
        .href
        .rsplit('.')
        .nth(1)
        .unwrap_or("1");
    let body = format!(
        "// Sentra lapangan: the app's files kept for offline use.\n\
const CACHE = 'sentra-lapangan-{version}';\n\
const SHELL = {list};\n\
self.addEventListener('install', (e) => {{\n\
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));\n\
}});\n\
self.addEventListener('activate', (e) => {{\n\
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith('sentra-lapangan-') && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));\n\
}});\n\
self.addEventListener('fetch', (e) => {{\n\
  const u = new URL(e.request.url);\n\
  if (e.request.method !== 'GET' || u.origin !== self.location.origin || !SHELL.includes(u.pathname)) return;\n\
  if (u.pathname === '/lapangan/') {{\n\
    e.respondWith(fetch(e.request).then((r) => {{\n\
      if (r.ok && !r.redirected) {{ const copy = r.clone(); caches.open(CACHE).then((c) => c.put('/lapangan/', copy)); }}\n\
      return r;\n\
    }}).catch(() => caches.match('/lapangan/')));\n\
    return;\n\
  }}\n\
  e.respondWith(caches.match(u.pathname).then((hit) => hit || fetch(e.request)));\n\
}});\n"
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn manifest(ReqLang(lang): ReqLang) -> Response {
    let body = serde_json::json!({
        "name": lang.t("fieldapp.app_name"),
        "short_name": "Sentra",
        "start_url": "/lapangan/",
        "scope": "/lapangan/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "lang": lang.code(),
        "icons": [{ "src": "/lapangan/ikon.svg", "sizes": "any", "type": "image/svg+xml" }],
    });
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        body.to_string(),
    )
        .into_response()
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 96\"><rect width=\"96\" height=\"96\" rx=\"18\" fill=\"#0b6e4f\"/><text x=\"48\" y=\"64\" font-size=\"52\" text-anchor=\"middle\" fill=\"#fff\" font-family=\"sans-serif\">S</text></svg>",
    )
        .into_response()
}

/// Field photos and notes on a business's page.
pub struct FieldSection {
    /// Small and large address of each photo.
    pub photos: Vec<(String, String)>,
    /// When, who, what.
    pub notes: Vec<(String, String, String)>,
}

pub async fn field_section(
    state: &AppState,
    caller: &Caller,
    r: &sentra_storage::UmkmRecord,
) -> Option<FieldSection> {
    let scope = caller.scope();
    let db = state.db();
    let photos = db.umkm_photos(&scope, &r.id).await.ok()?;
    let notes = db.umkm_field_notes(&scope, &r.id).await.ok()?;
    if photos.is_empty() && notes.is_empty() {
        return None;
    }
    let href =
        |p: &UmkmPhoto, size: &str| format!("/umkm/{}/foto-lapangan/{}-{size}.jpg", r.id, p.id);
    Some(FieldSection {
        photos: photos
            .iter()
            .map(|p| (href(p, "sm"), href(p, "lg")))
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| {
                (
                    n.created_at
                        .chars()
                        .take(16)
                        .collect::<String>()
                        .replace('T', " "),
                    n.created_by,
                    n.note,
                )
            })
            .collect(),
    })
}

/// One size of a field photo, for those who may read the business (not public: the photos
/// show people's homes). A bare status when there is none: it is an image, not a page.
async fn field_photo(ctx: PageCtx, Path((umkm, file)): Path<(String, String)>) -> Response {
    let Some((photo_id, size)) = file.strip_suffix(".jpg").and_then(|s| s.rsplit_once('-')) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !sentra_media::photo::SIZES.iter().any(|(s, _)| *s == size) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(photos) = ctx.db().umkm_photos(&ctx.scope(), &umkm).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(p) = photos.iter().find(|p| p.id == photo_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match ctx
        .state
        .media()
        .get(&sentra_media::photo_key(&p.object_key, size))
        .await
    {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "field photo read failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
