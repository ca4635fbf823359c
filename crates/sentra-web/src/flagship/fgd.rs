//! An FGD participant's form (`/fgd/{secret}`, no account: the personal link is the key), made
//! for a phone without scripts: one section at a time (a cluster of at most nine criteria, or
//! the candidates under one criterion), each pair one row of taps on Saaty's scale — 9 steps
//! towards either side and "equal" — and progress over the whole form. A saved section shows
//! its consistency in plain words; when it is off, one suggestion at a time, with the two
//! judgements it contradicts, to take with one button or to keep; when one change cannot fix
//! it, the offer to answer the section again (the previous answers shown and kept where no new
//! one is given). Missing comparisons are allowed and counted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::flagship::ahp::{
    CR_LIMIT, PairwiseMatrix, guidance, judgement_text, nearest_scale, parse_judgement, priorities,
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

/// One step of a pair's (or a rating's) scale: a radio button drawn as a numbered box.
pub struct ScaleStep {
    pub id: String,
    pub value: String,
    /// What the box shows: "7", "=", or the rating.
    pub short: String,
    /// Where the box sits in the grid: `sa s7` (towards A), `eq`, `sb s7`, `rt s7`, `clear`.
    pub class: String,
    /// What a screen reader says: "Teknologi — sangat lebih penting (7)".
    pub label: String,
    pub checked: bool,
}

pub struct PairView {
    pub field: String,
    pub a: String,
    pub b: String,
    /// The rows' captions: "Modal lebih penting".
    pub side_a: String,
    pub side_b: String,
    pub steps: Vec<ScaleStep>,
    /// The current answer in words ("" when none).
    pub chosen: String,
    /// When answering again: the previous answer in words.
    pub previous: Option<String>,
    pub flagged: bool,
}

pub struct RatingView {
    pub field: String,
    pub name: String,
    pub steps: Vec<ScaleStep>,
    pub chosen: String,
    pub previous: Option<String>,
}

/// The one suggestion shown for an inconsistent section.
pub struct Advice {
    /// The two judgements the pair contradicts, and what they imply, in a sentence.
    pub conflict: Option<String>,
    pub text: String,
    /// `i_j_value` for the form's "take this value" button.
    pub apply: String,
}

pub struct SectionView {
    pub index: usize,
    pub label: String,
    pub hint: String,
    /// The scale's words for this section's kind, one line.
    pub key: String,
    pub pairs: Vec<PairView>,
    pub ratings: Vec<RatingView>,
    /// "0,043", when computable.
    pub cr: Option<String>,
    pub consistent: bool,
    pub missing: usize,
    pub advice: Option<Advice>,
    /// No single change makes the section consistent: offer to answer it again.
    pub far_off: bool,
    /// Answering again: the previous answers shown beside each pair, kept where left blank.
    pub redo: bool,
    /// The participant chose to keep their inconsistent answers.
    pub kept: bool,
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
    /// Answers given and asked over the whole form, and that in words.
    pub answered: usize,
    pub questions: usize,
    pub progress: String,
    pub saved: bool,
    pub sent: bool,
}

/// A pair's judgement as a sentence: "Teknologi sangat lebih penting (7) daripada Modal", or
/// "Teknologi dan Modal sama penting (1)".
fn judgement_sentence(lang: Lang, kind: &str, a: &str, b: &str, v: f64) -> String {
    let v = nearest_scale(v);
    let n = if v >= 1.0 { v } else { 1.0 / v }.round() as i64;
    let words = lang.t(&format!("flagship.scale_{kind}_{n}"));
    if n == 1 {
        lang.tf(
            "flagship.pair_equal",
            &[("x", a), ("y", b), ("words", &words)],
        )
    } else {
        let (x, y) = if v > 1.0 { (a, b) } else { (b, a) };
        lang.tf(
            "flagship.pair_more",
            &[("x", x), ("y", y), ("words", &words), ("n", &n.to_string())],
        )
    }
}

/// A pair's 17 steps, in the order of the paper form: A's side from 9 down to 2, equal, B's
/// side from 2 up to 9; and a box to clear an answer given. `kind` is `criteria` or
/// `candidates` (the words differ).
fn pair_steps(
    lang: Lang,
    field: &str,
    (a, b): (&str, &str),
    kind: &str,
    current: Option<f64>,
) -> Vec<ScaleStep> {
    let is = |v: f64| current.is_some_and(|c| (c - v).abs() < 1e-9);
    let step = |side: &str, n: i64, v: f64, name: &str| {
        let words = lang.t(&format!("flagship.scale_{kind}_{n}"));
        ScaleStep {
            id: format!("{field}-{side}{n}"),
            value: judgement_text(v),
            short: n.to_string(),
            class: format!("s{side} s{n}"),
            label: format!("{name} — {words} ({n})"),
            checked: is(v),
        }
    };
    let mut out: Vec<ScaleStep> = (2..=9).rev().map(|n| step("a", n, n as f64, a)).collect();
    out.push(ScaleStep {
        id: format!("{field}-eq"),
        value: "1".into(),
        short: "=".into(),
        class: "eq".into(),
        label: lang.t(&format!("flagship.scale_{kind}_1")).into_owned(),
        checked: is(1.0),
    });
    out.extend((2..=9).map(|n| step("b", n, 1.0 / n as f64, b)));
    if current.is_some() {
        out.push(clear_step(lang, field));
    }
    out
}

/// The box that takes an answer back (shown once there is one).
fn clear_step(lang: Lang, field: &str) -> ScaleStep {
    ScaleStep {
        id: format!("{field}-x"),
        value: String::new(),
        short: lang.t("flagship.clear").into_owned(),
        class: "clear".into(),
        label: lang.t("flagship.clear_pair").into_owned(),
        checked: false,
    }
}

/// A candidate's rating 1–9 as nine boxes, and a box to clear it.
fn rating_steps(lang: Lang, field: &str, current: Option<f64>) -> Vec<ScaleStep> {
    let mut out: Vec<ScaleStep> = (1..=9)
        .map(|n| {
            let key = format!("flagship.rating_{n}");
            ScaleStep {
                id: format!("{field}-{n}"),
                value: n.to_string(),
                short: n.to_string(),
                class: format!("rt s{n}"),
                label: if lang.has(&key) {
                    format!("{n} — {}", lang.t(&key))
                } else {
                    n.to_string()
                },
                checked: current == Some(n as f64),
            }
        })
        .collect();
    if current.is_some() {
        out.push(clear_step(lang, field));
    }
    out
}

fn rating_words(lang: Lang, v: f64) -> String {
    let n = v.round() as i64;
    let key = format!("flagship.rating_{n}");
    if lang.has(&key) {
        format!("{n} — {}", lang.t(&key))
    } else {
        n.to_string()
    }
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
    /// `ulang=1`: answer the section again.
    #[serde(default, rename = "ulang")]
    redo: String,
    /// `tetap=1`: the participant keeps their inconsistent answers.
    #[serde(default, rename = "tetap")]
    kept: String,
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

/// How many answers a section asks for and how many are given.
fn section_counts(f: &Found, response: &Answers, s: &Section) -> (usize, usize) {
    match s {
        Section::Pairwise(node) => {
            let k = f.round.setup(&f.hierarchy).node_size(node);
            let asked = k * k.saturating_sub(1) / 2;
            let given = response
                .matrices
                .get(node)
                .map_or(0, |m| asked - m.missing().len().min(asked));
            (given, asked)
        }
        Section::Rating(leaf) => {
            let asked = f.round.candidates.len();
            let given = response
                .ratings
                .get(leaf)
                .map_or(0, |r| r.iter().take(asked).filter(|v| v.is_some()).count());
            (given, asked)
        }
    }
}

/// A section compared pairwise whose consistency is off (to mark it in the list).
fn section_off(f: &Found, response: &Answers, s: &Section) -> bool {
    match s {
        Section::Pairwise(node) => response
            .matrices
            .get(node)
            .and_then(|m| priorities(m, f.round.settings.method).ok())
            .is_some_and(|p| p.cr >= CR_LIMIT),
        Section::Rating(_) => false,
    }
}

/// A node compared pairwise: its pairs, its consistency and the one change that helps most.
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
    view.key = lang.t(&format!("flagship.key_{kind}")).into_owned();
    let g = response
        .matrices
        .contains_key(node)
        .then(|| guidance(&m, method))
        .flatten();
    if let Some(g) = &g {
        view.cr = Some(decimal(lang, g.cr, 3));
        view.consistent = g.consistent;
        view.far_off = g.far_off;
    }
    let suggestion = g.as_ref().and_then(|g| g.suggestion.clone());
    view.missing = m.missing().len();
    for i in 0..size {
        for j in i + 1..size {
            let (a, b) = (names[i].as_str(), names[j].as_str());
            let field = format!("p{i}_{j}");
            let given = m.get(i, j);
            let words = |v: f64| judgement_sentence(lang, kind, a, b, v);
            view.pairs.push(PairView {
                steps: pair_steps(lang, &field, (a, b), kind, given.filter(|_| !view.redo)),
                chosen: given.filter(|_| !view.redo).map(words).unwrap_or_default(),
                previous: given.filter(|_| view.redo).map(words),
                flagged: suggestion.as_ref().is_some_and(|x| x.i == i && x.j == j),
                field,
                side_a: lang.tf(&format!("flagship.side_{kind}"), &[("x", a)]),
                side_b: lang.tf(&format!("flagship.side_{kind}"), &[("x", b)]),
                a: a.to_string(),
                b: b.to_string(),
            });
        }
    }
    view.advice = suggestion.map(|x| {
        let (a, b) = (&names[x.i], &names[x.j]);
        let sentence =
            |p: usize, q: usize, v: f64| judgement_sentence(lang, kind, &names[p], &names[q], v);
        let conflict = g.as_ref().and_then(|g| g.via).and_then(|k| {
            let (ik, kj) = (m.get(x.i, k)?, m.get(k, x.j)?);
            Some(lang.tf(
                "flagship.conflict",
                &[
                    ("first", &sentence(x.i, k, ik)),
                    ("second", &sentence(k, x.j, kj)),
                    ("implied", &sentence(x.i, x.j, ik * kj)),
                    ("given", &sentence(x.i, x.j, x.current)),
                ],
            ))
        });
        Advice {
            conflict,
            text: lang.tf(
                "flagship.suggestion",
                &[
                    (
                        "suggested",
                        &judgement_sentence(lang, kind, a, b, x.suggested),
                    ),
                    ("cr", &decimal(lang, x.cr_after, 3)),
                ],
            ),
            apply: format!("{}_{}_{}", x.i, x.j, judgement_text(x.suggested)),
        }
    });
}

/// A criterion whose candidates are rated 1–9.
fn rating_view(lang: Lang, f: &Found, response: &Answers, leaf: &str, view: &mut SectionView) {
    view.hint = lang.t("flagship.hint_rating").into_owned();
    view.key = lang.t("flagship.key_rating").into_owned();
    let given = response.ratings.get(leaf);
    for (a, c) in f.round.candidates.iter().enumerate() {
        let v = given.and_then(|r| r.get(a).copied().flatten());
        if v.is_none() {
            view.missing += 1;
        }
        let field = format!("r{a}");
        view.ratings.push(RatingView {
            steps: rating_steps(lang, &field, v.filter(|_| !view.redo)),
            chosen: v
                .filter(|_| !view.redo)
                .map(|v| rating_words(lang, v))
                .unwrap_or_default(),
            previous: v.filter(|_| view.redo).map(|v| rating_words(lang, v)),
            field,
            name: c.name.clone(),
        });
    }
}

struct Shown {
    redo: bool,
    kept: bool,
}

fn section_view(
    lang: Lang,
    f: &Found,
    response: &Answers,
    (s, index, count): (&Section, usize, usize),
    shown: Shown,
) -> SectionView {
    let mut view = SectionView {
        index,
        label: section_label(lang, f, s),
        hint: String::new(),
        key: String::new(),
        pairs: Vec::new(),
        ratings: Vec::new(),
        cr: None,
        consistent: true,
        missing: 0,
        advice: None,
        far_off: false,
        redo: shown.redo,
        kept: shown.kept,
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
    // A section is done when every pair (or candidate) has an answer.
    let done = |s: &Section| {
        let (given, asked) = section_counts(&f, &response, s);
        given == asked
    };
    let first_open = list.iter().position(|s| !done(s)).unwrap_or(0);
    let current_index = q
        .section
        .parse::<usize>()
        .ok()
        .filter(|k| *k < list.len())
        .unwrap_or(first_open);
    let shown = Shown {
        redo: q.redo == "1",
        kept: q.kept == "1",
    };
    let current = list
        .get(current_index)
        .map(|s| section_view(lang, &f, &response, (s, current_index, list.len()), shown));
    let (mut answered, mut questions) = (0, 0);
    for s in &list {
        let (given, asked) = section_counts(&f, &response, s);
        answered += given;
        questions += asked;
    }
    let sections = list
        .iter()
        .enumerate()
        .map(|(k, s)| SectionLink {
            index: k,
            label: section_label(lang, &f, s),
            state: if section_off(&f, &response, s) {
                lang.t("flagship.section_off").into_owned()
            } else if done(s) {
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
            answered,
            questions,
            progress: lang.tf(
                "flagship.answers_progress",
                &[("n", &answered.to_string()), ("of", &questions.to_string())],
            ),
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

/// When answering a section again, the pairs not answered anew (and not cleared on purpose)
/// keep their previous judgement.
fn keep_previous(
    given: &mut Vec<(usize, usize, f64)>,
    old: &PairwiseMatrix,
    fields: &[(String, String)],
) {
    for i in 0..old.size() {
        for j in i + 1..old.size() {
            let field = format!("p{i}_{j}");
            let cleared = fields.iter().any(|(k, v)| k == &field && v.is_empty());
            if !cleared
                && !given.iter().any(|(a, b, _)| (*a, *b) == (i, j))
                && let Some(v) = old.get(i, j)
            {
                given.push((i, j, v));
            }
        }
    }
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
    // Answering again: a pair left blank keeps its previous answer (nothing typed is lost).
    let previous = if form_value(&fields, "ulang") == "1" {
        match state.db().response_of(&f.round, &f.participant.id).await {
            Ok(r) => Some(r),
            Err(e) => return private(error_page(lang, &uri, e.into())),
        }
    } else {
        None
    };
    let saved = match s {
        Section::Pairwise(node) => {
            let size = f.round.setup(&f.hierarchy).node_size(node);
            let mut given = judgements_of(&fields, size);
            if let Some(old) = previous.as_ref().and_then(|r| r.matrices.get(node)) {
                keep_previous(&mut given, old, &fields);
            }
            state
                .db()
                .save_judgements(&f.participant, node, &given)
                .await
        }
        Section::Rating(leaf) => {
            let mut ratings = ratings_of(&fields, f.round.candidates.len());
            if let Some(old) = previous.as_ref().and_then(|r| r.ratings.get(leaf)) {
                for (a, r) in ratings.iter_mut().enumerate() {
                    let cleared = form_value(&fields, &format!("r{a}")).is_empty()
                        && fields.iter().any(|(k, _)| k == &format!("r{a}"));
                    if r.is_none() && !cleared {
                        *r = old.get(a).copied().flatten().map(|v| v.round() as i64);
                    }
                }
            }
            state
                .db()
                .save_ratings(&f.participant, leaf, &ratings)
                .await
        }
    };
    match saved {
        Ok(()) => private(
            Redirect::to(&format!("/fgd/{secret}?bagian={k}&tersimpan=1#consistency"))
                .into_response(),
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
