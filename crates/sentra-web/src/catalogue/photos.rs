//! Adding, ordering and removing a product's photos from its edit page. Each upload is checked
//! and converted off the async runtime (type sniffed, size and pixels limited, EXIF and GPS
//! dropped, three sizes), its sizes written to the object store, then its record to the
//! database; a refused or failed upload leaves nothing behind and says which file and why.

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawForm, Request, State};
use axum::handler::Handler;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_media::photo::{self, PhotoError};
use sentra_storage::{NewPhoto, ProductRecord};

use crate::AppState;
use crate::auth::{Caller, accept_form, check_csrf, require};
use crate::catalogue::products::{Shown, values_of};
use crate::error::ApiError;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::error_page;

/// A request may carry up to the product's photo allowance at the largest size each.
const UPLOAD_LIMIT: usize = photo::MAX_BYTES * sentra_domain::product::MAX_PHOTOS + 64 * 1024;

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
async fn refused(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    uri: &Uri,
    p: &ProductRecord,
    message: String,
) -> Response {
    Shown::editing(state, caller, lang, uri, p)
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

async fn upload(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pid): Path<String>,
    request: Request,
) -> Response {
    // The role and the product are checked before the body is read.
    if let Err(r) = require(&caller, Permission::ManageProducts) {
        return *r;
    }
    let scope = caller.scope();
    let product = match state.db().get_product(&scope, &pid).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let too_large = || photo_message(lang, "foto", &PhotoError::TooLarge);
    let mut multipart = match Multipart::from_request(request, &state).await {
        Ok(m) => m,
        Err(_) => {
            let msg = lang.error("photo_missing").into_owned();
            return refused(&state, &caller, lang, &uri, &product, msg).await;
        }
    };
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) if name == "photo" => {
                        if !bytes.is_empty() {
                            files.push((file_name, bytes.to_vec()));
                        }
                    }
                    Ok(bytes) => pairs.push((name, String::from_utf8_lossy(&bytes).into_owned())),
                    Err(_) => {
                        return refused(&state, &caller, lang, &uri, &product, too_large()).await;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return refused(&state, &caller, lang, &uri, &product, too_large()).await,
        }
    }
    if let Err(r) = check_csrf(&caller, &pairs) {
        return *r;
    }
    if files.is_empty() {
        let msg = lang.error("photo_missing").into_owned();
        return refused(&state, &caller, lang, &uri, &product, msg).await;
    }
    let room = sentra_domain::product::MAX_PHOTOS
        .saturating_sub(state.db().product_photos(&pid).await.map_or(0, |v| v.len()));
    if files.len() > room {
        let msg = lang.error("photos_too_many").into_owned();
        return refused(&state, &caller, lang, &uri, &product, msg).await;
    }
    // Every file is checked before any is kept: one bad file among several keeps none.
    let mut converted = Vec::with_capacity(files.len());
    for (file_name, bytes) in files {
        let done = tokio::task::spawn_blocking(move || photo::process(&bytes)).await;
        match done {
            Ok(Ok(sizes)) => converted.push(sizes),
            Ok(Err(e)) => {
                let msg = photo_message(lang, &file_name, &e);
                return refused(&state, &caller, lang, &uri, &product, msg).await;
            }
            Err(e) => return error_page(lang, &uri, ApiError::Internal(e.to_string())),
        }
    }
    for sizes in converted {
        let largest = sizes.last().map_or((0, 0), |r| (r.width, r.height));
        let new = NewPhoto::for_product(&pid, largest.0, largest.1);
        if let Err(e) = store(&state, &new, sizes).await {
            return error_page(lang, &uri, e);
        }
        if let Err(e) = state
            .db()
            .add_product_photo(&scope, &pid, &new, &caller.actor)
            .await
        {
            forget(&state, &new.object_key).await;
            return match ApiError::from(e) {
                ApiError::Validation(_) => {
                    let msg = lang.error("photos_too_many").into_owned();
                    refused(&state, &caller, lang, &uri, &product, msg).await
                }
                other => error_page(lang, &uri, other),
            };
        }
    }
    state.wake_search();
    Redirect::to(&format!("/produk/{pid}?done=photo_added#foto")).into_response()
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
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path((pid, photo_id)): Path<(String, String)>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_form(&caller, Permission::ManageProducts, &form) {
        return *r;
    }
    match state
        .db()
        .remove_product_photo(&caller.scope(), &pid, &photo_id, &caller.actor)
        .await
    {
        Ok(removed) => {
            forget(&state, &removed.object_key).await;
            state.wake_search();
            Redirect::to(&format!("/produk/{pid}?done=photo_removed#foto")).into_response()
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn make_main(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path((pid, photo_id)): Path<(String, String)>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_form(&caller, Permission::ManageProducts, &form) {
        return *r;
    }
    match state
        .db()
        .make_photo_main(&caller.scope(), &pid, &photo_id, &caller.actor)
        .await
    {
        Ok(()) => {
            state.wake_search();
            Redirect::to(&format!("/produk/{pid}?done=photo_main#foto")).into_response()
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
