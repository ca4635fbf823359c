//! A round's results for the office, the public page without names, and the judgements as a
//! workbook for audit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use sentra_domain::account::Permission;
use sentra_domain::flagship::ahp::judgement_text;
use sentra_domain::flagship::round::{Hierarchy, candidates_node};
use sentra_sheets::{Cell, ReportSheet, write_report};
use sentra_storage::{ParticipantRow, RoundRecord, RoundStatus};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, PageResult};
use crate::extract::PageCtx;
use crate::flagship::results::{Results, results};
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/unggulan/{round}/hasil",
            Access::Role(Permission::ReadDashboards),
            results_page,
        )
        .get(
            "/unggulan/{round}/penilaian.xlsx",
            Access::Role(Permission::ManageFlagship),
            judgements_xlsx,
        )
        .get("/unggulan/{round}/publik", Access::Public, public_page)
}

#[derive(Template, WebTemplate)]
#[template(path = "flagship/flagship_results.html")]
pub struct ResultsPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub title: String,
    pub region: String,
    pub year: i32,
    pub purpose: String,
    pub method: String,
    pub r: Results,
    /// The public version: no participant names; the method explained.
    pub public: bool,
    pub can_manage: bool,
    pub published: bool,
}

async fn results_view(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    round: RoundRecord,
    public: bool,
    caller: Option<&Caller>,
) -> PageResult {
    let db = state.db();
    let people = db.round_participants(&round.id).await?;
    let answers = db.responses(&round).await?;
    let r = results(state, lang, &round, &people, &answers).await;
    let chrome = Chrome::new(lang, round.settings.title.clone(), uri);
    Ok(ResultsPage {
        c: match caller {
            Some(c) => chrome.signed_in(c),
            None => chrome,
        },
        l: lang,
        id: round.id.clone(),
        title: round.settings.title.clone(),
        region: state.region_name(&round.region_code),
        year: round.settings.year,
        purpose: round.settings.purpose.clone().unwrap_or_default(),
        method: lang
            .t(&format!(
                "flagship.method_{}",
                round.settings.method.as_str()
            ))
            .into_owned(),
        r,
        public,
        can_manage: caller.is_some_and(|c| c.can(Permission::ManageFlagship)),
        published: round.status == RoundStatus::Published,
    }
    .into_response())
}

async fn results_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let round = ctx.db().round(&ctx.scope(), &id).await?;
    results_view(
        &ctx.state,
        ctx.lang,
        &ctx.uri,
        round,
        false,
        Some(&ctx.caller),
    )
    .await
}

async fn public_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path(id): Path<String>,
) -> PageResult {
    let round = state.db().published_round(&id).await?;
    results_view(&state, lang, &uri, round, true, None).await
}

/// The rows of the workbook's three sheets: judgements, ratings, consistency.
#[derive(Default)]
struct AuditRows {
    judgements: Vec<Vec<Cell>>,
    ratings: Vec<Vec<Cell>>,
    consistency: Vec<Vec<Cell>>,
}

/// The name of a node's `i`-th element: a candidate, or a criterion under the node.
fn element(round: &RoundRecord, hierarchy: &Hierarchy, node: &str, i: usize) -> String {
    if node.starts_with("alt:") {
        round
            .candidates
            .get(i)
            .map_or(String::new(), |c| c.name.clone())
    } else {
        hierarchy
            .children(Some(node).filter(|n| !n.is_empty()))
            .get(i)
            .map_or(String::new(), |c| c.name.clone())
    }
}

/// One participant's judgements, ratings and consistency, added to the rows.
fn audit_participant(
    lang: Lang,
    round: &RoundRecord,
    hierarchy: &Hierarchy,
    p: &ParticipantRow,
    resp: &sentra_domain::flagship::round::Response,
    rows: &mut AuditRows,
) {
    let group = lang
        .t(&format!("flagship.group_{}", p.group.as_str()))
        .into_owned();
    let setup = round.setup(hierarchy);
    let in_result = lang
        .t(if crate::flagship::results::counted(round, p, resp) {
            "flagship.counted"
        } else {
            "flagship.left_out"
        })
        .into_owned();
    for node in setup.pairwise_nodes() {
        let label = crate::flagship::fgd::node_label(lang, round, hierarchy, &node);
        let Some(m) = resp.matrices.get(&node) else {
            continue;
        };
        for i in 0..m.size() {
            for j in i + 1..m.size() {
                if let Some(v) = m.get(i, j) {
                    rows.judgements.push(vec![
                        Cell::Text(p.name.clone()),
                        Cell::Text(group.clone()),
                        Cell::Text(label.clone()),
                        Cell::Text(element(round, hierarchy, &node, i)),
                        Cell::Text(element(round, hierarchy, &node, j)),
                        Cell::Text(judgement_text(v)),
                    ]);
                }
            }
        }
        if let Ok(pr) = sentra_domain::flagship::ahp::priorities(m, round.settings.method) {
            rows.consistency.push(vec![
                Cell::Text(p.name.clone()),
                Cell::Text(label.clone()),
                Cell::Decimal(pr.cr, 3),
                Cell::Count(pr.missing as i64),
                Cell::Text(in_result.clone()),
            ]);
        }
    }
    for leaf in hierarchy.leaves() {
        let Some(list) = resp.ratings.get(&leaf.code) else {
            continue;
        };
        for (a, v) in list.iter().enumerate() {
            if let Some(v) = v {
                rows.ratings.push(vec![
                    Cell::Text(p.name.clone()),
                    Cell::Text(group.clone()),
                    Cell::Text(leaf.name.clone()),
                    Cell::Text(element(round, hierarchy, &candidates_node(&leaf.code), a)),
                    Cell::Count(*v as i64),
                ]);
            }
        }
    }
}

/// The three sheets, each with the round's title and notes.
fn audit_sheets(
    state: &AppState,
    lang: Lang,
    round: &RoundRecord,
    rows: AuditRows,
) -> Vec<ReportSheet> {
    let t = |k: &str| lang.t(k).into_owned();
    let notes = vec![
        format!(
            "{} · {} {}",
            state.region_name(&round.region_code),
            t("activity.year"),
            round.settings.year
        ),
        t("flagship.xlsx_note"),
    ];
    let sheet = |name: &str, headers: Vec<String>, rows: Vec<Vec<Cell>>| ReportSheet {
        name: t(name),
        title: round.settings.title.clone(),
        notes: notes.clone(),
        headers,
        rows,
        total: None,
    };
    vec![
        sheet(
            "flagship.sheet_judgements",
            vec![
                t("flagship.participant"),
                t("flagship.field_group"),
                t("flagship.section"),
                "A".into(),
                "B".into(),
                t("flagship.judgement"),
            ],
            rows.judgements,
        ),
        sheet(
            "flagship.sheet_ratings",
            vec![
                t("flagship.participant"),
                t("flagship.field_group"),
                t("flagship.criterion"),
                t("flagship.candidate"),
                t("flagship.rating"),
            ],
            rows.ratings,
        ),
        sheet(
            "flagship.sheet_consistency",
            vec![
                t("flagship.participant"),
                t("flagship.section"),
                "CR".into(),
                t("flagship.missing"),
                t("flagship.in_result"),
            ],
            rows.consistency,
        ),
    ]
}

/// Every judgement and rating of the round, and each participant's consistency per section,
/// for audit.
async fn judgements_xlsx(ctx: PageCtx, Path(id): Path<String>) -> PageResult<Response> {
    let db = ctx.db();
    let round = db.round(&ctx.scope(), &id).await?;
    let people = db.round_participants(&id).await?;
    let answers = db.responses(&round).await?;
    let hierarchy = round.hierarchy().map_err(|_| ApiError::NotFound)?;
    let mut rows = AuditRows::default();
    for p in &people {
        if let Some(resp) = answers.get(&p.id) {
            audit_participant(ctx.lang, &round, &hierarchy, p, resp, &mut rows);
        }
    }
    let sheets = audit_sheets(&ctx.state, ctx.lang, &round, rows);
    let bytes = write_report(&sheets).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(crate::registry::export::xlsx_response(
        "penilaian-produk-unggulan.xlsx",
        bytes,
    ))
}
