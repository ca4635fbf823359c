//! A round's results as the results page, the public page and the workbook show them: the
//! group's ranking and weights, each group's own ranking, each participant's consistency, the
//! location quotients of the candidates' sectors with the LQ × AHP quadrant, and how far each
//! criterion's weight can move before the top candidate changes (drawn on the server as SVG).

use std::collections::BTreeMap;

use sentra_domain::flagship::ahp::{CR_LIMIT, priorities};
use sentra_domain::flagship::lq::{LqRow, Quadrant, quotients};
use sentra_domain::flagship::round::{
    Evaluation, Group, Response, combine, evaluate, participant_weights, ranking, sensitivity,
};
use sentra_storage::{ParticipantRow, RoundRecord, Sector};

use crate::AppState;
use crate::lang::Lang;
use crate::programme::activities::sector_label;

/// Decimal comma for Indonesian, point for English.
pub(crate) fn decimal(lang: Lang, v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    match lang {
        Lang::Id => s.replace('.', ","),
        Lang::En => s,
    }
}

pub struct CandidateResult {
    pub rank: usize,
    pub name: String,
    pub sector: String,
    pub score: String,
    pub lq: String,
    pub quadrant: String,
    pub quadrant_code: &'static str,
}

pub struct CriterionResult {
    pub name: String,
    pub sub: bool,
    pub local: String,
    pub global: String,
}

pub struct GroupView {
    pub group: String,
    pub participants: usize,
    /// Candidates from best to worst with their scores.
    pub ranking: Vec<(String, String)>,
}

pub struct ParticipantConsistency {
    pub id: String,
    pub name: String,
    pub group: String,
    pub submitted: bool,
    /// The highest CR of their sections ("–" before any).
    pub max_cr: String,
    pub consistent: bool,
    pub missing: usize,
    pub answered: bool,
    /// In the group's result: consistent, or counted anyway by the facilitator.
    pub counted: bool,
    /// "Counted by <facilitator>": an inconsistent participant counted anyway.
    pub counted_by: Option<String>,
}

pub struct LqLine {
    pub sector: String,
    pub local: String,
    pub reference: String,
    pub lq: String,
    pub basis: bool,
}

pub struct SensitivityView {
    pub criterion: String,
    pub weight: String,
    pub range: String,
    /// SVG polylines (points in a 300×150 box), one per candidate.
    pub lines: Vec<String>,
    /// The current weight's x in the chart, and the stable range's x from and width.
    pub at: u32,
    pub band: (u32, u32),
}

pub struct QuadrantPoint {
    pub x: u32,
    pub y: u32,
    pub label: String,
}

/// Everything the results pages show; `error` when the answers do not allow a computation yet.
pub struct Results {
    pub candidates: Vec<CandidateResult>,
    pub criteria: Vec<CriterionResult>,
    pub groups: Vec<GroupView>,
    pub participants: Vec<ParticipantConsistency>,
    pub consistent_count: usize,
    pub answered: usize,
    /// Participants who answered and are in the group's result.
    pub counted: usize,
    pub lq: Vec<LqLine>,
    pub lq_note: String,
    pub quadrant: Vec<QuadrantPoint>,
    /// Where LQ = 1 and the average score are, in the quadrant chart.
    pub quadrant_axes: (u32, u32),
    pub sensitivity: Vec<SensitivityView>,
    pub legend: Vec<String>,
    pub error: Option<String>,
}

/// Evaluates a set of responses with their weights.
fn evaluate_all(round: &RoundRecord, responses: &[(&Response, f64)]) -> Result<Evaluation, String> {
    let hierarchy = round.hierarchy().map_err(|e| e.to_string())?;
    let setup = round.setup(&hierarchy);
    let combined = combine(&setup, responses);
    evaluate(&setup, &combined).map_err(|e| e.to_string())
}

/// The group's evaluation (participants weighted by their group's weight) over the answers
/// counted in the result.
fn group_evaluation(
    round: &RoundRecord,
    people: &[ParticipantRow],
    counted: &BTreeMap<&str, &Response>,
) -> Result<Evaluation, String> {
    let answered: Vec<(&ParticipantRow, &Response)> = people
        .iter()
        .filter_map(|p| counted.get(p.id.as_str()).map(|r| (p, *r)))
        .collect();
    let groups: Vec<Group> = answered.iter().map(|(p, _)| p.group).collect();
    let weights = participant_weights(&groups, round.settings.group_weights.as_ref());
    let weighted: Vec<(&Response, f64)> = answered
        .iter()
        .zip(weights)
        .map(|((_, r), w)| (*r, w))
        .collect();
    evaluate_all(round, &weighted)
}

fn score_text(lang: Lang, v: f64) -> String {
    decimal(lang, v, 3)
}

/// A participant's worst consistency ratio over their sections (`None` before any computable
/// one) and the comparisons they left out.
fn worst_cr(round: &RoundRecord, response: Option<&Response>) -> (Option<f64>, usize) {
    let mut max_cr: Option<f64> = None;
    let mut missing = 0;
    if let Ok(h) = round.hierarchy() {
        let setup = round.setup(&h);
        for node in setup.pairwise_nodes() {
            let size = setup.node_size(&node);
            match response.and_then(|r| r.matrices.get(&node)) {
                Some(m) => {
                    missing += m.missing().len();
                    if let Ok(pr) = priorities(m, round.settings.method) {
                        max_cr = Some(max_cr.map_or(pr.cr, |c: f64| c.max(pr.cr)));
                    }
                }
                None => missing += size * size.saturating_sub(1) / 2,
            }
        }
    }
    (max_cr, missing)
}

/// Whether a participant's answers are in the group's result: every section consistent (CR
/// below Saaty's 0.10; a participant who only rated has no ratio and counts), or counted
/// anyway by the facilitator (issue 31: inconsistent judges are left out by default).
pub(crate) fn counted(round: &RoundRecord, p: &ParticipantRow, response: &Response) -> bool {
    counts(p, worst_cr(round, Some(response)).0)
}

/// [`counted`] from the participant's worst ratio, already read.
fn counts(p: &ParticipantRow, worst: Option<f64>) -> bool {
    p.counted_anyway_by.is_some() || worst.is_none_or(|c| c < CR_LIMIT)
}

/// Each participant's consistency (the worst ratio of their sections, the comparisons left
/// out), and how many who answered are consistent.
fn consistency(
    lang: Lang,
    round: &RoundRecord,
    people: &[ParticipantRow],
    answers: &BTreeMap<String, Response>,
) -> (Vec<ParticipantConsistency>, usize) {
    let mut participants = Vec::new();
    let mut consistent_count = 0;
    for p in people {
        let response = answers.get(&p.id);
        let (max_cr, missing) = worst_cr(round, response);
        let consistent = max_cr.is_some_and(|c| c < CR_LIMIT);
        consistent_count += usize::from(consistent && response.is_some());
        participants.push(ParticipantConsistency {
            id: p.id.clone(),
            name: p.name.clone(),
            group: lang
                .t(&format!("flagship.group_{}", p.group.as_str()))
                .into_owned(),
            submitted: p.submitted_at.is_some(),
            max_cr: max_cr.map_or("–".into(), |c| decimal(lang, c, 3)),
            consistent,
            missing,
            answered: response.is_some(),
            counted: response.is_some() && counts(p, max_cr),
            counted_by: p
                .counted_anyway_by
                .as_deref()
                .filter(|_| !consistent && max_cr.is_some())
                .map(|by| lang.tf("flagship.counted_by", &[("by", by)])),
        });
    }
    (participants, consistent_count)
}

/// The location quotients of the sectors (against the reference region's totals or those
/// entered), with the sentence saying which.
async fn location_quotients(
    state: &AppState,
    lang: Lang,
    round: &RoundRecord,
) -> (Vec<LqRow>, String) {
    let region = sentra_domain::region::RegionCode::parse(&round.region_code).ok();
    let local = match &region {
        Some(r) => state
            .db()
            .sector_totals(r, round.settings.measure)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let (reference, note) = match &round.settings.reference_region {
        Some(r) => (
            state
                .db()
                .sector_totals(r, round.settings.measure)
                .await
                .unwrap_or_default(),
            lang.tf(
                "flagship.lq_against_region",
                &[("region", &state.region_name(r.as_str()))],
            ),
        ),
        None => (
            round.reference.clone(),
            lang.t("flagship.lq_against_entered").into_owned(),
        ),
    };
    (quotients(&local, &reference), note)
}

/// The quotients of the candidates' sectors, as the page shows them.
fn lq_lines(lang: Lang, sectors: &[Sector], round: &RoundRecord, rows: &[LqRow]) -> Vec<LqLine> {
    let wanted: Vec<&String> = round
        .candidates
        .iter()
        .filter_map(|c| c.sector.as_ref())
        .collect();
    rows.iter()
        .filter(|r| wanted.contains(&&r.sector))
        .map(|r| LqLine {
            sector: sector_label(lang, sectors, &r.sector),
            local: decimal(lang, r.local, 0),
            reference: decimal(lang, r.reference, 0),
            lq: r.lq.map_or("–".into(), |q| decimal(lang, q, 2)),
            basis: r.basis(),
        })
        .collect()
}

/// A sector's quotient, when it has one.
fn lq_of(rows: &[LqRow], sector: &Option<String>) -> Option<f64> {
    sector
        .as_ref()
        .and_then(|s| rows.iter().find(|r| &r.sector == s))
        .and_then(|r| r.lq)
}

/// The candidates in the group's order, each with its quotient and LQ × AHP quadrant.
fn candidate_results(
    lang: Lang,
    sectors: &[Sector],
    round: &RoundRecord,
    e: &Evaluation,
    rows: &[LqRow],
) -> Vec<CandidateResult> {
    let average = 1.0 / round.candidates.len().max(1) as f64;
    ranking(&e.scores)
        .iter()
        .enumerate()
        .map(|(rank, &a)| {
            let c = &round.candidates[a];
            let lq = lq_of(rows, &c.sector);
            let q = Quadrant::of(lq, e.scores[a], average);
            CandidateResult {
                rank: rank + 1,
                name: c.name.clone(),
                sector: c
                    .sector
                    .as_deref()
                    .map_or_else(|| "–".to_string(), |code| sector_label(lang, sectors, code)),
                score: score_text(lang, e.scores[a]),
                lq: lq.map_or("–".into(), |v| decimal(lang, v, 2)),
                quadrant: lang
                    .t(&format!("flagship.quadrant_{}", q.as_str()))
                    .into_owned(),
                quadrant_code: q.as_str(),
            }
        })
        .collect()
}

fn criterion_results(lang: Lang, round: &RoundRecord, e: &Evaluation) -> Vec<CriterionResult> {
    round
        .criteria
        .iter()
        .filter_map(|c| {
            let w = e.weights.iter().find(|w| w.0 == c.code)?;
            Some(CriterionResult {
                name: c.name.clone(),
                sub: c.parent.is_some(),
                local: decimal(lang, w.1, 3),
                global: decimal(lang, w.2, 3),
            })
        })
        .collect()
}

/// Each group's own view, everyone in it counting the same.
fn group_views(
    lang: Lang,
    round: &RoundRecord,
    people: &[ParticipantRow],
    counted: &BTreeMap<&str, &Response>,
) -> Vec<GroupView> {
    let mut out = Vec::new();
    for g in Group::ALL {
        let members: Vec<(&Response, f64)> = people
            .iter()
            .filter(|p| p.group == g)
            .filter_map(|p| counted.get(p.id.as_str()).map(|r| (*r, 1.0)))
            .collect();
        if members.is_empty() {
            continue;
        }
        if let Ok(ge) = evaluate_all(round, &members) {
            out.push(GroupView {
                group: lang
                    .t(&format!("flagship.group_{}", g.as_str()))
                    .into_owned(),
                participants: members.len(),
                ranking: ranking(&ge.scores)
                    .iter()
                    .map(|&a| {
                        (
                            round.candidates[a].name.clone(),
                            score_text(lang, ge.scores[a]),
                        )
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The quadrant: LQ across (0 to at least 2), score up (0 to the best + a fifth); its axes'
/// crossing and a point per candidate with a quotient.
fn quadrant(
    round: &RoundRecord,
    e: &Evaluation,
    rows: &[LqRow],
) -> ((u32, u32), Vec<QuadrantPoint>) {
    let average = 1.0 / round.candidates.len().max(1) as f64;
    let lq_max = round
        .candidates
        .iter()
        .filter_map(|c| lq_of(rows, &c.sector))
        .fold(2.0f64, f64::max);
    let score_max = e.scores.iter().copied().fold(average, f64::max) * 1.2;
    let x = |lq: f64| (20.0 + lq / lq_max * 260.0).round() as u32;
    let y = |s: f64| (180.0 - s / score_max * 160.0).round() as u32;
    let points = round
        .candidates
        .iter()
        .enumerate()
        .filter_map(|(a, c)| {
            let lq = lq_of(rows, &c.sector)?;
            Some(QuadrantPoint {
                x: x(lq),
                y: y(e.scores[a]),
                label: c.name.clone(),
            })
        })
        .collect();
    ((x(1.0), y(average)), points)
}

/// Sensitivity of each top-level criterion: each candidate's score as its weight moves.
fn sensitivity_views(lang: Lang, round: &RoundRecord, e: &Evaluation) -> Vec<SensitivityView> {
    let n = round.candidates.len();
    let average = 1.0 / n.max(1) as f64;
    let tops: Vec<&str> = round
        .criteria
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| c.name.as_str())
        .collect();
    let curve_max = e.scores.iter().copied().fold(0.0, f64::max).max(average) * 1.6;
    let px = |t: f64| (t * 300.0).round() as u32;
    let py = |v: f64| (150.0 - (v / curve_max).min(1.0) * 140.0).round() as u32;
    sensitivity(e)
        .iter()
        .zip(tops)
        .map(|(s, name)| SensitivityView {
            criterion: name.to_string(),
            weight: decimal(lang, s.weight, 3),
            range: format!("{} – {}", decimal(lang, s.low, 3), decimal(lang, s.high, 3)),
            lines: (0..n)
                .map(|a| {
                    s.curve
                        .iter()
                        .enumerate()
                        .map(|(k, scores)| format!("{},{}", px(k as f64 / 20.0), py(scores[a])))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
            at: px(s.weight),
            band: (px(s.low), px(s.high).saturating_sub(px(s.low))),
        })
        .collect()
}

/// The answers in the group's result, as the consistency read them.
fn counted_answers<'a>(
    participants: &[ParticipantConsistency],
    answers: &'a BTreeMap<String, Response>,
) -> BTreeMap<&'a str, &'a Response> {
    participants
        .iter()
        .filter(|p| p.counted)
        .filter_map(|p| answers.get_key_value(&p.id))
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The group's result as numbers, for the API: the evaluation over the answers counted, how
/// many answered and how many are counted; `None` when it cannot be computed yet.
pub(crate) fn evaluation(
    round: &RoundRecord,
    people: &[ParticipantRow],
    answers: &BTreeMap<String, Response>,
) -> (Option<Evaluation>, usize, usize) {
    let (participants, _) = consistency(Lang::Id, round, people, answers);
    let counted = counted_answers(&participants, answers);
    let answered = participants.iter().filter(|p| p.answered).count();
    let n = counted.len();
    (group_evaluation(round, people, &counted).ok(), answered, n)
}

pub(crate) async fn results(
    state: &AppState,
    lang: Lang,
    round: &RoundRecord,
    people: &[ParticipantRow],
    answers: &BTreeMap<String, Response>,
) -> Results {
    let sectors = state.db().sectors().await.unwrap_or_default();
    let (participants, consistent_count) = consistency(lang, round, people, answers);
    let counted = counted_answers(&participants, answers);
    let (rows, lq_note) = location_quotients(state, lang, round).await;
    let mut out = Results {
        candidates: Vec::new(),
        criteria: Vec::new(),
        groups: Vec::new(),
        answered: people
            .iter()
            .filter(|p| answers.contains_key(&p.id))
            .count(),
        counted: participants.iter().filter(|p| p.counted).count(),
        participants,
        consistent_count,
        lq: lq_lines(lang, &sectors, round, &rows),
        lq_note,
        quadrant: Vec::new(),
        quadrant_axes: (0, 0),
        sensitivity: Vec::new(),
        legend: round.candidates.iter().map(|c| c.name.clone()).collect(),
        error: None,
    };
    let Ok(e) = group_evaluation(round, people, &counted) else {
        out.error = Some(lang.t("flagship.not_computable").into_owned());
        return out;
    };
    out.candidates = candidate_results(lang, &sectors, round, &e, &rows);
    out.criteria = criterion_results(lang, round, &e);
    out.groups = group_views(lang, round, people, &counted);
    (out.quadrant_axes, out.quadrant) = quadrant(round, &e, &rows);
    out.sensitivity = sensitivity_views(lang, round, &e);
    out
}
