//! The OpenAPI document (`/api/openapi.json`), generated from the handlers and finished in
//! one place: security schemes, the statuses every signed-in operation answers, links between
//! operations, closed word lists (decision 0042).

use axum::response::IntoResponse;
use utoipa::OpenApi;

use super::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sentra API",
        description = "Registri UMKM, katalog produk, pengadaan dan data wilayah. / UMKM registry, product catalogue, procurement and region data.",
        version = "1"
    ),
    paths(
        list_umkm,
        create_umkm,
        get_umkm,
        update_umkm,
        set_status,
        reveal,
        search_regions,
        get_region,
        list_sectors,
        crate::api::products::search,
        crate::api::products::list,
        crate::api::products::create,
        crate::api::products::get,
        crate::api::products::update,
        crate::api::procurement::shares,
        crate::api::procurement::list,
        crate::api::procurement::create,
        crate::api::procurement::get,
        crate::api::procurement::update,
        insight::dashboard,
        insight::report,
        insight::expiring,
        programme::list,
        programme::get,
        programme::participants,
        programme::register,
        programme::set_state,
        programme::invitees,
        programme::plan::create,
        programme::plan::update,
        flagship::rounds,
        flagship::results,
        flagship::public_results,
        partnership::partners,
        partnership::requests,
        partnership::request,
        partnership::pick,
        partnership::set_outcome,
        gallery::items,
        gallery::movements,
        gallery::statements,
        gallery::send_statements,
        messaging::list,
        messaging::cancel,
        messaging::consents,
        messaging::set_consent,
        messaging::invite,
        messaging::preview,
        messaging::broadcast,
        messaging::start_job,
        messaging::job
    ),
    components(schemas(
        ErrorBody,
        UmkmBody,
        UmkmList,
        UmkmItem,
        UmkmOut,
        DocumentOut,
        LinkOut,
        RegionOut,
        RegionDetail,
        RegionSearch,
        StatusBody,
        PersonalData,
        SectorOut,
        crate::api::products::ProductBody,
        crate::api::products::ProductOut,
        crate::api::products::ProductList,
        crate::api::products::CatalogueOut,
        crate::api::products::CatalogueHit,
        crate::api::products::CatalogueFacets,
        crate::api::procurement::ShareOut,
        crate::api::procurement::SharesOut,
        crate::api::procurement::PurchaseOut,
        crate::api::procurement::PurchaseList,
        crate::api::procurement::PurchaseBody,
        insight::Count,
        insight::CoverageOut,
        insight::TrendOut,
        insight::DashboardOut,
        insight::ReportColumn,
        insight::ReportOut,
        insight::ExpiringOut,
        insight::ExpiringList,
        programme::ActivityOut,
        programme::ActivityList,
        programme::ParticipantOut,
        programme::ParticipantList,
        programme::RegisterBody,
        programme::Registered,
        programme::StateBody,
        programme::InviteeOut,
        programme::InviteeList,
        programme::plan::ActivityBody,
        programme::plan::ClashesBody,
        programme::plan::ClashesDetail,
        flagship::RoundOut,
        flagship::RoundList,
        flagship::RankedCandidate,
        flagship::WeightOut,
        flagship::ResultsOut,
        partnership::PartnerOut,
        partnership::PartnerList,
        partnership::RequestOut,
        partnership::RequestList,
        partnership::CandidateOut,
        partnership::Point,
        partnership::MatchOut,
        partnership::RequestDetail,
        partnership::PickBody,
        partnership::OutcomeBody,
        gallery::GalleryItemOut,
        gallery::GalleryItemList,
        gallery::MovementOut,
        gallery::MovementList,
        gallery::StatementOut,
        gallery::BusinessStatementOut,
        gallery::StatementsOut,
        messaging::MessageOut,
        messaging::MessageCounts,
        messaging::MessageList,
        messaging::ConsentOut,
        messaging::ConsentList,
        messaging::ConsentBody,
        messaging::QueuedOut,
        messaging::PreviewBody,
        messaging::BroadcastPreviewOut,
        messaging::BroadcastBody,
        messaging::BulkBody,
        messaging::BulkJobOut,
        messaging::RefusedOut
    )),
    modifiers(&Contract)
)]
struct ApiDoc;

/// What the path macros cannot say once for all operations: how a caller signs in (a bearer
/// token from `sentra user token`, or the pages' session cookie), the 401 and 403 every
/// signed-in operation can answer, and the links from a created record to the operations on
/// it (so that stateful testers and client generators can follow them).
struct Contract;

/// Operations anyone may call.
const PUBLIC_PATHS: [&str; 5] = [
    "/api/v1/flagship/rounds/{round}/public",
    "/api/v1/regions",
    "/api/v1/regions/{code}",
    "/api/v1/sectors",
    "/api/v1/katalog",
];

/// (operation, status, link name, target operation, its parameter, where the value is).
const LINKS: [(&str, &str, &str, &str, &str, &str); 12] = [
    (
        "create_activity",
        "201",
        "GetActivity",
        "get_activity",
        "activity",
        "$response.body#/items/0/id",
    ),
    (
        "create_activity",
        "201",
        "UpdateActivity",
        "update_activity",
        "activity",
        "$response.body#/items/0/id",
    ),
    (
        "create_activity",
        "201",
        "ListParticipants",
        "list_participants",
        "activity",
        "$response.body#/items/0/id",
    ),
    (
        "create_umkm",
        "201",
        "GetUmkm",
        "get_umkm",
        "id",
        "$response.body#/id",
    ),
    (
        "create_umkm",
        "201",
        "UpdateUmkm",
        "update_umkm",
        "id",
        "$response.body#/id",
    ),
    (
        "create_umkm",
        "201",
        "SetStatus",
        "set_status",
        "id",
        "$response.body#/id",
    ),
    (
        "create_umkm",
        "201",
        "ListProducts",
        "list_products",
        "id",
        "$response.body#/id",
    ),
    (
        "create_umkm",
        "201",
        "CreateProduct",
        "create_product",
        "id",
        "$response.body#/id",
    ),
    (
        "create_product",
        "201",
        "GetProduct",
        "get_product",
        "pid",
        "$response.body#/id",
    ),
    (
        "create_product",
        "201",
        "UpdateProduct",
        "update_product",
        "pid",
        "$response.body#/id",
    ),
    (
        "create_purchase",
        "201",
        "GetPurchase",
        "get_purchase",
        "purchase",
        "$response.body#/id",
    ),
    (
        "create_purchase",
        "201",
        "UpdatePurchase",
        "update_purchase",
        "purchase",
        "$response.body#/id",
    ),
];

impl utoipa::Modify for Contract {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        use utoipa::openapi::{RefOr, ResponseBuilder, link::LinkBuilder};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token dari `sentra user token EMAIL` / a token issued by `sentra user token EMAIL`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Sesi halaman; perubahan memerlukan X-CSRF-Token / the pages' session; changes need X-CSRF-Token",
            ))),
        );
        let error = |text: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(text)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = PUBLIC_PATHS.contains(&path.as_str()) || !path.starts_with("/api/v1/");
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                if !public {
                    op.security = Some(vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("session", Vec::<String>::new()),
                    ]);
                    let r = &mut op.responses.responses;
                    r.entry("401".into())
                        .or_insert_with(|| error("Belum masuk / not signed in"));
                    r.entry("403".into()).or_insert_with(|| {
                        error("Peran atau cakupan wilayah tidak mengizinkan / not allowed for this role or region")
                    });
                }
                let id = op.operation_id.clone().unwrap_or_default();
                for (from, status, name, target, param, value) in LINKS {
                    if from != id {
                        continue;
                    }
                    if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
                        response.links.insert(
                            name.to_string(),
                            RefOr::T(
                                LinkBuilder::new()
                                    .operation_id(target)
                                    .parameter(param, value)
                                    .build(),
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The OpenAPI document, generated from the code.
pub fn openapi_json() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    camel_case_links(&mut doc);
    closed_choices(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string())
}

/// Query parameters that take one of a fixed list of words (empty: no filter, as the server
/// reads it), and their list.
const CHOICES: [(&str, &str, &[&str]); 10] = [
    (
        "/api/v1/reports",
        "jenis",
        &["wilayah", "kemajuan", "silang"],
    ),
    ("/api/v1/reports", "baris", AXES),
    ("/api/v1/reports", "kolom", AXES),
    (
        "/api/v1/reports",
        "ukuran",
        &["", "count", "employees", "modal", "sales"],
    ),
    (
        "/api/v1/dashboard",
        "dokumen",
        &[
            "", "nib", "npwp", "nitku", "pirt", "bpom", "halal", "sni", "hki",
        ],
    ),
    (
        "/api/v1/umkm",
        "size",
        &["", "mikro", "kecil", "menengah", "besar"],
    ),
    (
        "/api/v1/umkm",
        "status",
        &["", "draft", "verified", "inactive"],
    ),
    (
        "/api/v1/umkm",
        "sort",
        &["", "name", "created", "updated", "modal", "sales"],
    ),
    ("/api/v1/umkm", "dir", &["", "asc", "desc"]),
    (
        "/api/v1/regions",
        "level",
        &["", "province", "regency", "district", "village"],
    ),
];

/// Refuses a word outside its list (422 naming the parameter) for the closed parameters of
/// `path`, whether or not the request's other parameters make the server read it: what the
/// document says is refused is refused.
pub(crate) fn check_choices(path: &str, pairs: &[(String, String)]) -> Result<(), ApiError> {
    let mut e = sentra_domain::FieldErrors::new();
    for (p, name, words) in CHOICES {
        if p != path {
            continue;
        }
        for (_, v) in pairs.iter().filter(|(k, _)| k == name) {
            if !words.contains(&v.as_str()) {
                e.push(name, "choice_invalid");
            }
        }
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(e))
    }
}

/// A cross-tab's dimensions (`sentra_domain::crosstab::Axis`), or none.
const AXES: &[&str] = &[
    "",
    "region",
    "sector",
    "size",
    "status",
    "sex",
    "nib",
    "halal",
    "registered",
];

/// Writes [`CHOICES`] into the parameters' schemas (the path macro's tuple form has no enum).
fn closed_choices(doc: &mut serde_json::Value) {
    for (path, name, words) in CHOICES {
        let params = doc
            .pointer_mut(&format!(
                "/paths/{}/get/parameters",
                path.replace('/', "~1")
            ))
            .and_then(|p| p.as_array_mut());
        for param in params.into_iter().flatten() {
            if param["name"] == name {
                param["schema"] = serde_json::json!({ "type": "string", "enum": words });
            }
        }
    }
}

/// utoipa 5.5 writes a link's `operationId` and `requestBody` in snake case, which OpenAPI
/// does not know (validators refuse the document); renamed here.
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
                    continue;
                };
                for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
                    for (from, to) in [
                        ("operation_id", "operationId"),
                        ("request_body", "requestBody"),
                    ] {
                        if let Some(v) = link.remove(from) {
                            link.insert(to.to_string(), v);
                        }
                    }
                }
            }
        }
    }
}

pub(super) async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentra_domain::crosstab::{Axis, Measure};

    #[test]
    fn the_reports_word_lists_are_the_domains() {
        let axes: Vec<&str> = std::iter::once("")
            .chain(Axis::ALL.iter().map(|a| a.as_str()))
            .collect();
        assert_eq!(AXES, axes.as_slice());
        let measures: Vec<&str> = std::iter::once("")
            .chain(Measure::ALL.iter().map(|m| m.as_str()))
            .collect();
        let listed = CHOICES
            .iter()
            .find(|(p, n, _)| *p == "/api/v1/reports" && *n == "ukuran")
            .map(|(_, _, w)| *w);
        assert_eq!(listed, Some(measures.as_slice()));
    }
}
