//! The legality path on a business's page (each step's need and status, the next step in plain
//! words, the clinics that help), marking a step as being applied for
//! (`POST /umkm/{id}/legalitas`), and the documents of the area that expire soon
//! (`/legalitas/kedaluwarsa`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::legality::{PathItem, PathStatus, next_step};
use sentra_domain::region::RegionCode;
use sentra_storage::{PageRequest, UmkmRecord};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;
use crate::view::day_words;

pub fn routes() -> Routes {
    Routes::new("")
        .post(
            "/umkm/{id}/legalitas",
            Access::Role(Permission::WriteRegistry),
            mark_progress,
        )
        .get(
            "/legalitas/kedaluwarsa",
            Access::Role(Permission::ReadRegistry),
            expiring,
        )
}

/// Days ahead the expiry list looks by default.
const EXPIRY_DAYS: i64 = 90;

/// One step as the page shows it.
pub struct StepRow {
    pub item: String,
    pub label: String,
    pub need: String,
    pub status: String,
    /// `missing`, `in_progress`, … for the badge's style.
    pub status_code: &'static str,
    /// "No. 9120301234567, berlaku s.d. 01/02/2029".
    pub document: String,
    pub how: String,
    /// "Wajib sebelum 17/10/2026".
    pub due: Option<String>,
    /// The public agenda narrowed to the topic of the clinics that help.
    pub clinics: String,
    /// Can be marked (or unmarked) as being applied for.
    pub markable: bool,
    pub in_progress: bool,
}

pub struct LegalitySection {
    pub steps: Vec<StepRow>,
    /// "Langkah berikutnya: …".
    pub next: Option<String>,
    pub can_mark: bool,
}

/// The legality part of a business's page.
pub(crate) async fn legality_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<LegalitySection> {
    let today = crate::clock::today();
    let (steps, progress) = state.db().legality_of(record, today).await.ok()?;
    let next = next_step(&steps).map(|s| {
        lang.tf(
            "legal.next",
            &[
                ("item", &lang.t(&format!("legal.item_{}", s.item.as_str()))),
                ("how", &lang.t(&format!("legal.how_{}", s.item.as_str()))),
            ],
        )
    });
    let rows = steps
        .iter()
        .map(|s| {
            let since = progress.iter().find(|p| p.0 == s.item).map(|p| p.1.clone());
            let document = match (&s.document, &since) {
                (Some(d), _) => match d.expires_on {
                    Some(end) => lang.tf(
                        "legal.document_until",
                        &[("number", &d.number), ("until", &day_words(lang, end))],
                    ),
                    None => lang.tf("legal.document", &[("number", &d.number)]),
                },
                (None, Some(since)) => lang.tf(
                    "legal.applied_since",
                    &[("since", &crate::view::date_text(lang, since))],
                ),
                (None, None) => String::new(),
            };
            StepRow {
                item: s.item.as_str().to_string(),
                label: lang
                    .t(&format!("legal.item_{}", s.item.as_str()))
                    .into_owned(),
                need: lang
                    .t(&format!("legal.need_{}", s.need.as_str()))
                    .into_owned(),
                status: lang
                    .t(&format!("legal.status_{}", s.status.as_str()))
                    .into_owned(),
                status_code: s.status.as_str(),
                document,
                how: lang
                    .t(&format!("legal.how_{}", s.item.as_str()))
                    .into_owned(),
                due: s.due.filter(|_| !s.status.done()).map(|d| {
                    // After the deadline the duty stands and is late, not "due before".
                    let key = if d < today {
                        "legal.overdue"
                    } else {
                        "legal.due"
                    };
                    lang.tf(key, &[("date", &day_words(lang, d))])
                }),
                clinics: format!("/agenda?topik={}", s.item.topic()),
                markable: matches!(
                    s.status,
                    PathStatus::Missing | PathStatus::Expired | PathStatus::InProgress
                ),
                in_progress: s.status == PathStatus::InProgress,
            }
        })
        .collect();
    Some(LegalitySection {
        steps: rows,
        next,
        can_mark: caller.can(Permission::WriteRegistry),
    })
}

/// Marks a step as being applied for from today (`item`, `on=1`), or clears it.
async fn mark_progress(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageForm(form): PageForm<MarkForm>,
) -> PageResult {
    let scope = ctx.scope();
    // The business first: not found outside the caller's reach, whatever the form says.
    ctx.db().get_umkm(&scope, &id).await?;
    let Some(item) = PathItem::parse(&form.item) else {
        let mut e = FieldErrors::new();
        e.push("item", "choice_invalid");
        return Err(e.into());
    };
    let on = (form.on == "1").then(crate::clock::today);
    ctx.db()
        .set_legality_progress(&scope, &id, item, on, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/umkm/{id}#legality")).into_response())
}

#[derive(Deserialize)]
struct MarkForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    on: String,
}

pub struct ExpiringRow {
    pub umkm_id: String,
    pub name: String,
    pub place: String,
    pub document: String,
    pub number: String,
    /// "01/02/2027 (dalam 12 hari)".
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "legality/legality_expiring.html")]
pub struct ExpiringPage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub days: i64,
    pub summary: String,
    pub rows: Vec<ExpiringRow>,
    /// "Sudah kedaluwarsa": lapsed documents, the most recent first.
    pub expired_summary: String,
    pub expired: Vec<ExpiringRow>,
    /// Each list's pages: "halaman 2 dari 40" and the links either side.
    pub pager: Pager,
    pub expired_pager: Pager,
}

/// Where a paged list stands and its neighbours.
pub struct Pager {
    pub label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// Rows per page of each list: a province's expired P-IRTs run to tens of thousands.
const EXPIRY_PAGE: u32 = 100;

impl Pager {
    /// `href(page)` is the page's address.
    fn of<T>(lang: Lang, page: &sentra_storage::Page<T>, href: impl Fn(u32) -> String) -> Self {
        let pages = page.pages().max(1);
        Self {
            label: if pages > 1 {
                lang.tf(
                    "pager.page_of",
                    &[
                        ("page", &page.page.to_string()),
                        ("pages", &pages.to_string()),
                    ],
                )
            } else {
                String::new()
            },
            prev_href: (page.page > 1).then(|| href(page.page - 1)),
            next_href: (page.page < pages).then(|| href(page.page + 1)),
        }
    }
}

/// Documents that expire within `hari` days (90 by default) in the caller's area or a part of
/// it (`wilayah`), soonest first: the renewal reminders an office works through; and those
/// already expired, the most recently lapsed first (no longer counted as held:
/// docs/counting-rules.md).
async fn expiring(ctx: PageCtx, PageQuery(q): PageQuery<ExpiringQuery>) -> PageResult {
    let PageCtx { state, lang, .. } = &ctx;
    let lang = *lang;
    let scope = ctx.scope();
    let asked = RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let days = q.days.unwrap_or(EXPIRY_DAYS).clamp(1, 730);
    let today = crate::clock::today();
    let (page, expired_page) = (
        q.page.unwrap_or(1).max(1),
        q.expired_page.unwrap_or(1).max(1),
    );
    // The expiring and the lapsed side by side (see `Database::documents_ending`).
    let db = ctx.db();
    let (found, lapsed) = futures_util::future::try_join(
        db.expiring_documents(
            &scope,
            Some(&region),
            today,
            days,
            PageRequest::new(page, EXPIRY_PAGE),
        ),
        db.expired_documents(
            &scope,
            Some(&region),
            today,
            PageRequest::new(expired_page, EXPIRY_PAGE),
        ),
    )
    .await?;
    let href = |page: u32, expired_page: u32, anchor: &str| {
        format!(
            "/legalitas/kedaluwarsa?wilayah={}&hari={days}&hal={page}&hal_lewat={expired_page}#{anchor}",
            region.as_str()
        )
    };
    let pager = Pager::of(lang, &found, |p| href(p, expired_page, "expiring-summary"));
    let expired_pager = Pager::of(lang, &lapsed, |p| href(page, p, "expired-title"));
    let regions = area_choices(state, scope.region_code());
    let row = |d: sentra_storage::ExpiringDocument, key: &str, n: i64| ExpiringRow {
        place: state.region_name(&d.village_code),
        document: lang.t(&format!("doc.{}", d.kind.as_str())).into_owned(),
        expires: lang.tf(
            key,
            &[
                ("date", &day_words(lang, d.expires_on)),
                ("n", &n.to_string()),
            ],
        ),
        number: d.number,
        umkm_id: d.umkm_id,
        name: d.name,
    };
    Ok(ExpiringPage {
        c: ctx.chrome(lang.tf(
            "legal.expiring_title",
            &[("region", &state.region_name(region.as_str()))],
        )),
        l: lang,
        summary: lang.tf(
            "legal.expiring_summary",
            &[
                ("n", &sentra_domain::money::format_thousands(found.total)),
                ("days", &days.to_string()),
            ],
        ),
        expired_summary: lang.tf(
            "rules.expired_summary",
            &[("n", &sentra_domain::money::format_thousands(lapsed.total))],
        ),
        rows: found
            .items
            .into_iter()
            .map(|d| {
                let n = (d.expires_on - today).num_days();
                row(d, "legal.expires_in", n)
            })
            .collect(),
        expired: lapsed
            .items
            .into_iter()
            .map(|d| {
                let n = (today - d.expires_on).num_days();
                row(d, "rules.expired_ago", n)
            })
            .collect(),
        region: region.as_str().to_string(),
        regions,
        days,
        pager,
        expired_pager,
    }
    .into_response())
}

/// `/legalitas/kedaluwarsa?wilayah=…&hari=…`.
#[derive(Deserialize)]
struct ExpiringQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(
        default,
        rename = "hari",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    days: Option<i64>,
    /// The page of each list.
    #[serde(
        default,
        rename = "hal",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    page: Option<u32>,
    #[serde(
        default,
        rename = "hal_lewat",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    expired_page: Option<u32>,
}
