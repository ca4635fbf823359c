//! An FGD participant's form (`/fgd/{secret}`, no account: the personal link is the key), made
//! for a phone without scripts: one section at a time — the criteria compared pairwise on
//! Saaty's 1–9 scale, then the candidates under each criterion (pairwise or rated 1–9). Each
//! saved section shows its consistency ratio; above 0.10 the judgements that make it
//! inconsistent are named with the value that would fit the others, to take with one button.
//! Missing comparisons are allowed and counted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::flagship::ahp::{
    PairwiseMatrix, SCALE, judgement_text, parse_judgement, priorities, suggestions,
};
use sentra_domain::flagship::round::{CandidateMode, Hierarchy, Response as Answers};
use sentra_storage::{ParticipantRow, RoundRecord, RoundStatus};
use serde::Deserialize;

use crate::AppState;
use crate::extract::PageQuery;
use crate::flagship::results::decimal;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    Routes::new("")
        .get("/fgd/{secret}", Access::Public, form_page)
        .post("/fgd/{secret}/kirim", Access::Public, submit)
        .post("/fgd/{secret}/{section}", Access::Public, save_section)
}

/// A section of the form: a node compared pairwise, or a leaf whose candidates are rated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    Pairwise(String),
    Rating(String),
}

fn sections(round: &RoundRecord, h: &Hierarchy) -> Vec<Section> {
    let setup = round.setup(h);
    let mut out: Vec<Section> = setup
        .pairwise_nodes()
        .into_iter()
        .map(Section::Pairwise)
        .collect();
    if round.settings.mode == CandidateMode::Rating {
        out.extend(h.leaves().iter().map(|l| Section::Rating(l.code.clone())));
    }
    out
}

/// A node's name for people: the main criteria, a criterion's sub-criteria, the candidates
/// under a criterion.
pub(crate) fn node_label(lang: Lang, round: &RoundRecord, h: &Hierarchy, node: &str) -> String {
    let name = |code: &str| {
        round
            .criteria
            .iter()
            .find(|c| c.code == code)
            .map_or(code.to_string(), |c| c.name.clone())
    };
    let _ = h;
    if node.is_empty() {
        lang.t("flagship.node_goal").into_owned()
    } else if let Some(leaf) = node.strip_prefix("alt:") {
        lang.tf("flagship.node_candidates", &[("criterion", &name(leaf))])
    } else {
        lang.tf("flagship.node_sub", &[("criterion", &name(node))])
    }
}

fn elements(round: &RoundRecord, h: &Hierarchy, node: &str) -> Vec<String> {
    if node.starts_with("alt:") {
        round.candidates.iter().map(|c| c.name.clone()).collect()
    } else {
        h.children(Some(node).filter(|n| !n.is_empty()))
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }
}

pub struct PairView {
    pub field: String,
    pub a: String,
    pub b: String,
    /// (value, label, selected)
    pub options: Vec<(String, String, bool)>,
    pub flagged: bool,
}

pub struct RatingView {
    pub field: String,
    pub name: String,
    pub options: Vec<(String, String, bool)>,
}

pub struct SuggestionView {
    pub text: String,
    /// `i_j_value` for the form's "take this value" button.
    pub apply: String,
}

pub struct SectionView {
    pub index: usize,
    pub label: String,
    pub hint: String,
    pub pairs: Vec<PairView>,
    pub ratings: Vec<RatingView>,
    /// "0,043", when computable.
    pub cr: Option<String>,
    pub consistent: bool,
    pub missing: usize,
    pub suggestions: Vec<SuggestionView>,
    pub next: Option<usize>,
}

pub struct SectionLink {
    pub index: usize,
    pub label: String,
    pub state: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "flagship/flagship_fgd.html")]
pub struct FgdPage {
    pub c: Chrome,
    pub l: Lang,
    pub secret: String,
    pub title: String,
    pub purpose: String,
    pub region: String,
    pub participant: String,
    pub open: bool,
    pub submitted: bool,
    pub sections: Vec<SectionLink>,
    pub current: Option<SectionView>,
    pub saved: bool,
    pub sent: bool,
}

/// The 17 choices of a pair, A's side first: "A — mutlak lebih penting (9)" … "sama penting"
/// … "B — mutlak lebih penting (9)". `kind` is `criteria` or `candidates` (the words differ).
fn pair_options(
    lang: Lang,
    a: &str,
    b: &str,
    kind: &str,
    current: Option<f64>,
) -> Vec<(String, String, bool)> {
    let mut out = vec![(
        String::new(),
        lang.t("flagship.not_judged").into_owned(),
        current.is_none(),
    )];
    for v in SCALE.iter().rev() {
        let value = judgement_text(*v);
        let strength = if *v >= 1.0 { *v } else { 1.0 / v };
        let n = strength.round() as i64;
        let words = lang.t(&format!("flagship.scale_{kind}_{n}")).into_owned();
        let label = if n == 1 {
            words
        } else if *v > 1.0 {
            format!("{a} — {words} ({n})")
        } else {
            format!("{b} — {words} ({n})")
        };
        let selected = current.is_some_and(|c| (c - v).abs() < 1e-9);
        out.push((value, label, selected));
    }
    out
}

fn rating_options(lang: Lang, current: Option<f64>) -> Vec<(String, String, bool)> {
    let mut out = vec![(
        String::new(),
        lang.t("flagship.not_judged").into_owned(),
        current.is_none(),
    )];
    for n in 1..=9 {
        let key = format!("flagship.rating_{n}");
        let label = if lang.has(&key) {
            format!("{n} — {}", lang.t(&key))
        } else {
            n.to_string()
        };
        out.push((n.to_string(), label, current == Some(n as f64)));
    }
    out
}

struct Found {
    round: RoundRecord,
    participant: ParticipantRow,
    hierarchy: Hierarchy,
}

async fn find(state: &AppState, secret: &str) -> Option<Found> {
    let (round, participant) = state.db().participant_by_secret(secret).await.ok()?;
    // A draft's participants wait for the round to open; the form shows it is not open.
    let hierarchy = round.hierarchy().ok()?;
    Some(Found {
        round,
        participant,
        hierarchy,
    })
}

fn private(mut res: Response) -> Response {
    // The link is the key: never sent on to another site, never cached.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `/fgd/{secret}?bagian=…&tersimpan=1&terkirim=1`. Read leniently: a section number that is
/// not one shows the first unanswered section, as before.
#[derive(Deserialize)]
struct FormQuery {
    #[serde(default, rename = "bagian")]
    section: String,
    #[serde(default, rename = "tersimpan")]
    saved: String,
    #[serde(default, rename = "terkirim")]
    sent: String,
}

/// A section is done when every pair (or candidate) has an answer.
fn section_done(round: &RoundRecord, response: &Answers, s: &Section) -> bool {
    match s {
        Section::Pairwise(node) => response
            .matrices
            .get(node)
            .is_some_and(|m| m.missing().is_empty()),
        Section::Rating(leaf) => response
            .ratings
            .get(leaf)
            .is_some_and(|r| r.len() == round.candidates.len() && r.iter().all(Option::is_some)),
    }
}

fn section_label(lang: Lang, f: &Found, s: &Section) -> String {
    match s {
        Section::Pairwise(node) => node_label(lang, &f.round, &f.hierarchy, node),
        Section::Rating(leaf) => lang.tf(
            "flagship.node_rating",
            &[(
                "criterion",
                &f.round
                    .criteria
                    .iter()
                    .find(|c| &c.code == leaf)
                    .map_or(leaf.clone(), |c| c.name.clone()),
            )],
        ),
    }
}

/// A judgement in words: "Kopi sangat lebih penting (7)".
fn judgement_words(lang: Lang, kind: &str, a: &str, b: &str, v: f64) -> String {
    let n = if v >= 1.0 { v } else { 1.0 / v }.round() as i64;
    let who = if n == 1 {
        String::new()
    } else if v > 1.0 {
        format!("{a} ")
    } else {
        format!("{b} ")
    };
    format!(
        "{who}{} ({})",
        lang.t(&format!("flagship.scale_{kind}_{n}")),
        judgement_text(v)
    )
}

/// A node compared pairwise: its pairs, its consistency and what would make it consistent.
fn pairwise_view(lang: Lang, f: &Found, response: &Answers, node: &str, view: &mut SectionView) {
    let method = f.round.settings.method;
    let names = elements(&f.round, &f.hierarchy, node);
    let size = f.round.setup(&f.hierarchy).node_size(node);
    let m = response
        .matrices
        .get(node)
        .cloned()
        .unwrap_or_else(|| PairwiseMatrix::new(size));
    let kind = if node.starts_with("alt:") {
        "candidates"
    } else {
        "criteria"
    };
    view.hint = lang.t(&format!("flagship.hint_{kind}")).into_owned();
    let found = suggestions(&m, method, 3);
    if let Ok(p) = priorities(&m, method)
        && response.matrices.contains_key(node)
    {
        view.cr = Some(decimal(lang, p.cr, 3));
        view.consistent = p.consistent();
    }
    view.missing = m.missing().len();
    for i in 0..size {
        for j in i + 1..size {
            let (a, b) = (names[i].clone(), names[j].clone());
            view.pairs.push(PairView {
                field: format!("p{i}_{j}"),
                options: pair_options(lang, &a, &b, kind, m.get(i, j)),
                flagged: found.iter().any(|x| x.i == i && x.j == j),
                a,
                b,
            });
        }
    }
    view.suggestions = found
        .iter()
        .map(|x| {
            let (a, b) = (&names[x.i], &names[x.j]);
            SuggestionView {
                text: lang.tf(
                    "flagship.suggestion",
                    &[
                        ("a", a),
                        ("b", b),
                        ("current", &judgement_words(lang, kind, a, b, x.current)),
                        ("suggested", &judgement_words(lang, kind, a, b, x.suggested)),
                        ("cr", &decimal(lang, x.cr_after, 3)),
                    ],
                ),
                apply: format!("{}_{}_{}", x.i, x.j, judgement_text(x.suggested)),
            }
        })
        .collect();
}

/// A criterion whose candidates are rated 1–9.
fn rating_view(lang: Lang, f: &Found, response: &Answers, leaf: &str, view: &mut SectionView) {
    view.hint = lang.t("flagship.hint_rating").into_owned();
    let given = response.ratings.get(leaf);
    for (a, c) in f.round.candidates.iter().enumerate() {
        let v = given.and_then(|r| r.get(a).copied().flatten());
        if v.is_none() {
            view.missing += 1;
        }
        view.ratings.push(RatingView {
            field: format!("r{a}"),
            name: c.name.clone(),
            options: rating_options(lang, v),
        });
    }
}

fn section_view(
    lang: Lang,
    f: &Found,
    response: &Answers,
    s: &Section,
    index: usize,
    count: usize,
) -> SectionView {
    let mut view = SectionView {
        index,
        label: section_label(lang, f, s),
        hint: String::new(),
        pairs: Vec::new(),
        ratings: Vec::new(),
        cr: None,
        consistent: true,
        missing: 0,
        suggestions: Vec::new(),
        next: (index + 1 < count).then_some(index + 1),
    };
    match s {
        Section::Pairwise(node) => pairwise_view(lang, f, response, node, &mut view),
        Section::Rating(leaf) => rating_view(lang, f, response, leaf, &mut view),
    }
    view
}

// Public and keyed by the link: its errors are drawn here, with the headers that keep the link
// private, rather than left to the guard.
async fn form_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path(secret): Path<String>,
    PageQuery(q): PageQuery<FormQuery>,
) -> Response {
    let Some(f) = find(&state, &secret).await else {
        return private(error_page(lang, &uri, crate::error::ApiError::NotFound));
    };
    let response = match state.db().response_of(&f.round, &f.participant.id).await {
        Ok(r) => r,
        Err(e) => return private(error_page(lang, &uri, e.into())),
    };
    let list = sections(&f.round, &f.hierarchy);
    let done = |s: &Section| section_done(&f.round, &response, s);
    let first_open = list.iter().position(|s| !done(s)).unwrap_or(0);
    let current_index = q
        .section
        .parse::<usize>()
        .ok()
        .filter(|k| *k < list.len())
        .unwrap_or(first_open);
    let current = list
        .get(current_index)
        .map(|s| section_view(lang, &f, &response, s, current_index, list.len()));
    let sections = list
        .iter()
        .enumerate()
        .map(|(k, s)| SectionLink {
            index: k,
            label: section_label(lang, &f, s),
            state: if done(s) {
                lang.t("flagship.section_done").into_owned()
            } else {
                lang.t("flagship.section_todo").into_owned()
            },
            current: k == current_index,
        })
        .collect();
    let r = &f.round;
    private(
        FgdPage {
            c: Chrome::new(lang, r.settings.title.clone(), &uri),
            l: lang,
            secret: secret.clone(),
            title: r.settings.title.clone(),
            purpose: r.settings.purpose.clone().unwrap_or_default(),
            region: state.region_name(&r.region_code),
            participant: f.participant.name.clone(),
            open: r.status == RoundStatus::Open,
            submitted: f.participant.submitted_at.is_some(),
            sections,
            current,
            saved: q.saved == "1",
            sent: q.sent == "1",
        }
        .into_response(),
    )
}

/// The pairs judged in a section's form, `p{i}_{j}` for `i < j < size`.
fn judgements_of(fields: &[(String, String)], size: usize) -> Vec<(usize, usize, f64)> {
    let mut given = Vec::new();
    for i in 0..size {
        for j in i + 1..size {
            if let Some(v) = parse_judgement(form_value(fields, &format!("p{i}_{j}"))) {
                given.push((i, j, v));
            }
        }
    }
    // "Take the value that fits": one pair changed, the rest as they are in the form.
    let take = form_value(fields, "ganti");
    let mut parts = take.splitn(3, '_');
    if let (Some(i), Some(j), Some(v)) = (parts.next(), parts.next(), parts.next())
        && let (Ok(i), Ok(j), Some(v)) =
            (i.parse::<usize>(), j.parse::<usize>(), parse_judgement(v))
        && i < j
        && j < size
    {
        given.retain(|(a, b, _)| (*a, *b) != (i, j));
        given.push((i, j, v));
    }
    given
}

/// Each candidate's rating `r{a}`, 1–9 (anything else is not rated).
fn ratings_of(fields: &[(String, String)], candidates: usize) -> Vec<Option<i64>> {
    (0..candidates)
        .map(|a| {
            form_value(fields, &format!("r{a}"))
                .parse::<i64>()
                .ok()
                .filter(|v| (1..=9).contains(v))
        })
        .collect()
}

async fn save_section(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path((secret, section)): Path<(String, String)>,
    RawForm(form): RawForm,
) -> Response {
    let Some(f) = find(&state, &secret).await else {
        return private(error_page(lang, &uri, crate::error::ApiError::NotFound));
    };
    let list = sections(&f.round, &f.hierarchy);
    let Some((k, s)) = section
        .parse::<usize>()
        .ok()
        .and_then(|k| list.get(k).map(|s| (k, s)))
    else {
        return private(error_page(lang, &uri, crate::error::ApiError::NotFound));
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let saved = match s {
        Section::Pairwise(node) => {
            let size = f.round.setup(&f.hierarchy).node_size(node);
            let given = judgements_of(&fields, size);
            state
                .db()
                .save_judgements(&f.participant, node, &given)
                .await
        }
        Section::Rating(leaf) => {
            let ratings = ratings_of(&fields, f.round.candidates.len());
            state
                .db()
                .save_ratings(&f.participant, leaf, &ratings)
                .await
        }
    };
    match saved {
        Ok(()) => private(
            Redirect::to(&format!("/fgd/{secret}?bagian={k}&tersimpan=1#bagian")).into_response(),
        ),
        Err(e) => private(error_page(lang, &uri, e.into())),
    }
}

async fn submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path(secret): Path<String>,
) -> Response {
    let Some(f) = find(&state, &secret).await else {
        return private(error_page(lang, &uri, crate::error::ApiError::NotFound));
    };
    match state.db().submit_answers(&f.participant).await {
        Ok(()) => private(Redirect::to(&format!("/fgd/{secret}?terkirim=1")).into_response()),
        Err(e) => private(error_page(lang, &uri, e.into())),
    }
}
