//! Adding, ordering and removing a product's photos from its edit page. Each upload is checked
//! and converted off the async runtime (type sniffed, size and pixels limited, EXIF and GPS
//! dropped, three sizes), its sizes written to the object store, then its record to the
//! database; a refused or failed upload leaves nothing behind and says which file and why.

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_media::photo::{self, PhotoError};
use sentra_storage::{NewPhoto, ProductRecord};

use crate::AppState;
use crate::auth::check_csrf;
use crate::catalogue::products::{Shown, values_of};
use crate::error::{ApiError, PageError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::lang::Lang;
use crate::routes::{Access, Routes};

/// A request may carry up to the product's photo allowance at the largest size each.
pub(crate) const UPLOAD_LIMIT: usize =
    photo::MAX_BYTES * sentra_domain::product::MAX_PHOTOS + 64 * 1024;

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageProducts);
    Routes::new("")
        .post(
            "/produk/{pid}/foto",
            manage,
            upload.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .post("/produk/{pid}/foto/{photo}/hapus", manage, remove)
        .post("/produk/{pid}/foto/{photo}/utama", manage, make_main)
}

/// The edit page again, with an upload's problem above the photos.
async fn refused(ctx: &PageCtx, p: &ProductRecord, message: String) -> Response {
    Shown::editing(ctx, p)
        .page_with_photo_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            values_of(&p.data.to_input()),
            Vec::new(),
            Some(p),
            None,
            Some(message),
        )
        .await
}

fn photo_message(lang: Lang, file: &str, e: &PhotoError) -> String {
    format!("{}: {}", file, lang.error(e.code()))
}

/// The files sent as `photo` (name, bytes; empty ones left out) and the other fields. `Err` is
/// the problem to show: nothing readable, or a file over the limit.
async fn read_upload(
    ctx: &PageCtx,
    request: Request,
) -> Result<(Vec<(String, Vec<u8>)>, Vec<(String, String)>), String> {
    let mut files = Vec::new();
    let mut pairs = Vec::new();
    read_parts(ctx, request, &mut files, &mut pairs).await?;
    Ok((files, pairs))
}

/// A form that may carry photos: `multipart/form-data` (the fields and the `photo` files) or a
/// plain form (no files). The fields read before a part over the limit are kept, so the form
/// can be shown again with what was typed and the problem (`Some`).
pub(crate) async fn read_form_with_photos(
    ctx: &PageCtx,
    request: Request,
) -> PageResult<PhotoForm> {
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut form = PhotoForm::default();
    if multipart {
        let read = read_parts(ctx, request, &mut form.files, &mut form.pairs).await;
        form.problem = read.err();
    } else {
        let bytes = axum::body::Bytes::from_request(request, &ctx.state)
            .await
            .map_err(|rejection| PageError::Ready(rejection.into_response()))?;
        form.pairs = serde_urlencoded::from_bytes(&bytes).map_err(|_| ApiError::BadBody {
            field: None,
            code: "invalid_body",
        })?;
    }
    check_csrf(&ctx.caller, &form.pairs)?;
    Ok(form)
}

/// A posted form's fields, its photos, and a problem met while reading them.
#[derive(Default)]
pub(crate) struct PhotoForm {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
    pub problem: Option<String>,
}

async fn read_parts(
    ctx: &PageCtx,
    request: Request,
    files: &mut Vec<(String, Vec<u8>)>,
    pairs: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let lang = ctx.lang;
    let too_large = || photo_message(lang, "foto", &PhotoError::TooLarge);
    let mut multipart = Multipart::from_request(request, &ctx.state)
        .await
        .map_err(|_| lang.error("photo_missing").into_owned())?;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| too_large())?;
        if name == "photo" {
            if !bytes.is_empty() {
                files.push((file_name, bytes.to_vec()));
            }
        } else {
            pairs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(())
}

/// Converts every file before any is kept: one bad file among several keeps none. `Ok(Err)` is
/// the refused file's problem.
pub(crate) async fn convert_all(
    lang: Lang,
    files: Vec<(String, Vec<u8>)>,
) -> PageResult<Result<Vec<Vec<sentra_media::Rendition>>, String>> {
    let mut converted = Vec::with_capacity(files.len());
    for (file_name, bytes) in files {
        let done = tokio::task::spawn_blocking(move || photo::process(&bytes))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        match done {
            Ok(sizes) => converted.push(sizes),
            Err(e) => return Ok(Err(photo_message(lang, &file_name, &e))),
        }
    }
    Ok(Ok(converted))
}

// The product is checked (the guard has checked the role) before the body is read; the CSRF
// token is in the multipart body, so it is checked here rather than by `FormPairs`.
async fn upload(ctx: PageCtx, Path(pid): Path<String>, request: Request) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let product = ctx.db().get_product(&scope, &pid).await?;
    let (files, pairs) = match read_upload(&ctx, request).await {
        Ok(x) => x,
        Err(msg) => return Ok(refused(&ctx, &product, msg).await),
    };
    check_csrf(&ctx.caller, &pairs)?;
    if files.is_empty() {
        let msg = lang.error("photo_missing").into_owned();
        return Ok(refused(&ctx, &product, msg).await);
    }
    let room = sentra_domain::product::MAX_PHOTOS
        .saturating_sub(ctx.db().product_photos(&pid).await.map_or(0, |v| v.len()));
    if files.len() > room {
        let msg = lang.error("photos_too_many").into_owned();
        return Ok(refused(&ctx, &product, msg).await);
    }
    let converted = match convert_all(lang, files).await? {
        Ok(c) => c,
        Err(msg) => return Ok(refused(&ctx, &product, msg).await),
    };
    if let Err(e) = keep_photos(&ctx, &pid, converted).await {
        return match e {
            ApiError::Validation(_) => {
                let msg = lang.error("photos_too_many").into_owned();
                Ok(refused(&ctx, &product, msg).await)
            }
            other => Err(other.into()),
        };
    }
    ctx.state.wake_search();
    Ok(Redirect::to(&format!("/produk/{pid}?done=photo_added#foto")).into_response())
}

/// Stores converted photos and records them on the product, in order; a photo whose record
/// cannot be added (the product is full) is removed again.
pub(crate) async fn keep_photos(
    ctx: &PageCtx,
    pid: &str,
    converted: Vec<Vec<sentra_media::Rendition>>,
) -> Result<(), ApiError> {
    for sizes in converted {
        let largest = sizes.last().map_or((0, 0), |r| (r.width, r.height));
        let new = NewPhoto::for_product(pid, largest.0, largest.1);
        store(&ctx.state, &new, sizes).await?;
        let added = ctx
            .db()
            .add_product_photo(&ctx.scope(), pid, &new, &ctx.caller.actor)
            .await;
        if let Err(e) = added {
            forget(&ctx.state, &new.object_key).await;
            return Err(ApiError::from(e));
        }
    }
    Ok(())
}

/// Writes every size of a photo; on a failure, removes what was written.
async fn store(
    state: &AppState,
    new: &NewPhoto,
    sizes: Vec<sentra_media::Rendition>,
) -> Result<(), ApiError> {
    for r in sizes {
        let key = sentra_media::photo_key(&new.object_key, r.size);
        if let Err(e) = state.media().put(&key, r.jpeg).await {
            forget(state, &new.object_key).await;
            return Err(ApiError::Internal(e.to_string()));
        }
    }
    Ok(())
}

/// Removes every size of a photo from the object store (logged, not fatal: an orphaned object
/// is wasted space, not lost data).
async fn forget(state: &AppState, base: &str) {
    for (size, _) in photo::SIZES {
        if let Err(e) = state
            .media()
            .delete(&sentra_media::photo_key(base, size))
            .await
        {
            tracing::warn!(error = %e, base, "could not remove a photo size");
        }
    }
}

async fn remove(
    ctx: PageCtx,
    Path((pid, photo_id)): Path<(String, String)>,
    FormPairs(_): FormPairs,
) -> PageResult {
    let removed = ctx
        .db()
        .remove_product_photo(&ctx.scope(), &pid, &photo_id, &ctx.caller.actor)
        .await?;
    forget(&ctx.state, &removed.object_key).await;
    ctx.state.wake_search();
    Ok(Redirect::to(&format!("/produk/{pid}?done=photo_removed#foto")).into_response())
}

async fn make_main(
    ctx: PageCtx,
    Path((pid, photo_id)): Path<(String, String)>,
    FormPairs(_): FormPairs,
) -> PageResult {
    ctx.db()
        .make_photo_main(&ctx.scope(), &pid, &photo_id, &ctx.caller.actor)
        .await?;
    ctx.state.wake_search();
    Ok(Redirect::to(&format!("/produk/{pid}?done=photo_main#foto")).into_response())
}
