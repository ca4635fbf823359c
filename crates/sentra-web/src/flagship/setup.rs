//! A round's page and its setup (`/unggulan/{round}`): candidates with their sectors,
//! Permendagri 9/2014's criteria edited into a hierarchy, how candidates are scored, the
//! location quotients' measure and reference, group weights.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::flagship::ahp::Method;
use sentra_domain::flagship::lq::Measure;
use sentra_domain::flagship::round::{CandidateMode, Criterion, Group, MAX_COMPARED};
use sentra_domain::flagship::text::{
    criteria_text, parse_candidates, parse_criteria, parse_reference,
};
use sentra_domain::import::SectorName;
use sentra_domain::region::RegionCode;
use sentra_storage::{
    CandidateRow, ParticipantRow, RoundRecord, RoundSettings, RoundStatus, StorageError,
};
use serde::Deserialize;

use super::rounds::{status_label, title_of};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::flagship::results::decimal;
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::worded;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/unggulan/{round}",
            Access::Role(Permission::ReadDashboards),
            round_page,
        )
        .post(
            "/unggulan/{round}",
            Access::Role(Permission::ManageFlagship),
            save_round,
        )
}

pub struct ParticipantLine {
    pub id: String,
    pub name: String,
    pub group: String,
    pub organisation: String,
    pub progress: String,
    pub submitted: bool,
}

/// The setup form as typed (or as stored).
#[derive(Default)]
pub struct SetupTyped {
    pub title: String,
    pub purpose: String,
    pub year: String,
    pub mode: String,
    pub method: String,
    pub measure: String,
    pub reference_region: String,
    pub candidates: String,
    pub criteria: String,
    pub reference: String,
    pub weights: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "flagship/flagship_round.html")]
pub struct RoundPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub title: String,
    pub region: String,
    pub status: String,
    pub status_code: &'static str,
    pub draft: bool,
    pub can_manage: bool,
    pub version: i64,
    pub typed: SetupTyped,
    pub references: Vec<(String, String)>,
    pub measures: Vec<(String, String)>,
    pub participants: Vec<ParticipantLine>,
    pub groups: Vec<(String, String)>,
    /// Moves the round can make now: (status, label).
    pub moves: Vec<(String, String)>,
    /// A participant just added: their name, link and a WhatsApp message.
    pub new_link: Option<NewLink>,
    /// The participant form as typed, when it was refused.
    pub person: PersonTyped,
    pub errors: Vec<(String, String, String)>,
    pub notice: Option<String>,
    pub nodes: usize,
    /// What would make the form easier on participants: clusters for a matrix too large, the
    /// rating mode for many candidates.
    pub advice: Vec<String>,
}

impl RoundPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

fn typed_of(r: &RoundRecord) -> SetupTyped {
    let s = &r.settings;
    SetupTyped {
        title: s.title.clone(),
        purpose: s.purpose.clone().unwrap_or_default(),
        year: s.year.to_string(),
        mode: s.mode.as_str().into(),
        method: s.method.as_str().into(),
        measure: s.measure.as_str().into(),
        reference_region: s
            .reference_region
            .as_ref()
            .map_or(String::new(), |r| r.as_str().to_string()),
        candidates: r
            .candidates
            .iter()
            .map(|c| match &c.sector {
                Some(s) => format!("{} ; {s}", c.name),
                None => c.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        criteria: criteria_text(&r.criteria),
        reference: r
            .reference
            .iter()
            .map(|(s, v)| format!("{s} ; {}", *v as i64))
            .collect::<Vec<_>>()
            .join("\n"),
        weights: Vec::new(),
    }
}

/// What a refused form adds to the round's page.
pub(super) struct Extra {
    pub(super) typed: Option<SetupTyped>,
    pub(super) errors: FieldErrors,
    pub(super) new_link: Option<NewLink>,
    pub(super) person: PersonTyped,
    pub(super) status: StatusCode,
}

/// A participant just added: her name, her personal link, a WhatsApp link carrying the
/// invitation, and what became of the message sent to the contact the organiser gave.
pub struct NewLink {
    pub name: String,
    pub link: String,
    pub wa: String,
    /// `Some`: where the message went (or why it could not); `None`: no contact was given.
    pub sent: Option<String>,
}

/// The participant form's fields as typed.
#[derive(Default)]
pub struct PersonTyped {
    pub name: String,
    pub group: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
}

impl Extra {
    pub(super) fn none() -> Self {
        Extra {
            typed: None,
            errors: FieldErrors::new(),
            new_link: None,
            person: PersonTyped::default(),
            status: StatusCode::OK,
        }
    }

    /// The page again with the form's problems (422).
    pub(super) fn refused(errors: FieldErrors) -> Self {
        Extra {
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Extra::none()
        }
    }
}

/// How many answers a participant gives in all: the pairs of every compared node, and each
/// candidate under each criterion when candidates are rated.
fn question_count(r: &RoundRecord) -> usize {
    r.hierarchy()
        .map(|h| {
            let s = r.setup(&h);
            s.pairwise_nodes()
                .iter()
                .map(|n| {
                    let k = s.node_size(n);
                    k * k.saturating_sub(1) / 2
                })
                .sum::<usize>()
                + if r.settings.mode == CandidateMode::Rating {
                    h.leaves().len() * r.candidates.len()
                } else {
                    0
                }
        })
        .unwrap_or(0)
}

/// Advice for a round whose form is heavy: a matrix beyond Saaty's nine elements (rounds made
/// before the limit), or many candidates compared pairwise where rating them is far shorter.
fn setup_advice(lang: Lang, r: &RoundRecord) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(h) = r.hierarchy() else {
        return out;
    };
    if !h.oversized().is_empty() {
        out.push(lang.t("flagship.advice_clusters").into_owned());
    }
    let n = r.candidates.len();
    if r.settings.mode == CandidateMode::Pairwise && n >= RATING_ADVISED_FROM {
        let leaves = h.leaves().len();
        out.push(lang.tf(
            "flagship.advice_rating",
            &[
                ("n", &n.to_string()),
                ("pairwise", &(leaves * n * (n - 1) / 2).to_string()),
                ("rating", &(leaves * n).to_string()),
            ],
        ));
    }
    out
}

/// From five candidates, comparing them pairwise under every criterion takes twice as many
/// answers as rating them (10 pairs against 5 ratings), and it grows with the square.
const RATING_ADVISED_FROM: usize = 5;

fn group_name(lang: Lang, g: Group) -> String {
    lang.t(&format!("flagship.group_{}", g.as_str()))
        .into_owned()
}

/// (group, name, weight as stored) for the weights' fields.
fn stored_weights(lang: Lang, r: &RoundRecord) -> Vec<(String, String, String)> {
    Group::ALL
        .iter()
        .map(|g| {
            (
                g.as_str().to_string(),
                group_name(lang, *g),
                r.settings
                    .group_weights
                    .as_ref()
                    .and_then(|w| w.get(g))
                    .map_or(String::new(), |v| decimal(lang, *v, 2)),
            )
        })
        .collect()
}

/// Quotients against a region holding this one, or totals the office enters.
fn reference_choices(state: &AppState, lang: Lang, r: &RoundRecord) -> Vec<(String, String)> {
    let mut references = vec![(
        String::new(),
        lang.t("flagship.reference_entered").into_owned(),
    )];
    if let Ok(code) = RegionCode::parse(&r.region_code) {
        let mut up = code.parent();
        while let Some(p) = up {
            references.push((p.as_str().to_string(), state.region_name(p.as_str())));
            up = p.parent();
        }
    }
    references
}

fn round_moves(lang: Lang, r: &RoundRecord) -> Vec<(String, String)> {
    [
        RoundStatus::Open,
        RoundStatus::Closed,
        RoundStatus::Published,
    ]
    .into_iter()
    .filter(|to| r.status.can_become(*to))
    .map(|to| {
        let key = match (r.status, to) {
            (RoundStatus::Closed, RoundStatus::Open) => "flagship.move_reopen".to_string(),
            (RoundStatus::Published, RoundStatus::Closed) => "flagship.move_withdraw".to_string(),
            _ => format!("flagship.move_{}", to.as_str()),
        };
        (to.as_str().to_string(), lang.t(&key).into_owned())
    })
    .collect()
}

fn measure_choices(lang: Lang) -> Vec<(String, String)> {
    Measure::ALL
        .iter()
        .map(|m| {
            (
                m.as_str().to_string(),
                lang.t(&format!("flagship.measure_{}", m.as_str()))
                    .into_owned(),
            )
        })
        .collect()
}

fn participant_line(lang: Lang, p: &ParticipantRow, nodes: usize) -> ParticipantLine {
    ParticipantLine {
        id: p.id.clone(),
        name: p.name.clone(),
        group: group_name(lang, p.group),
        organisation: p.organisation.clone().unwrap_or_default(),
        progress: lang.tf(
            "flagship.progress",
            &[("n", &p.answers.to_string()), ("of", &nodes.to_string())],
        ),
        submitted: p.submitted_at.is_some(),
    }
}

/// The round's page: its setup (as stored, or as typed when refused), participants and moves.
pub(super) async fn show_round(
    ctx: &PageCtx,
    id: &str,
    notice: Option<String>,
    extra: Extra,
) -> PageResult {
    let lang = ctx.lang;
    let r = ctx.db().round(&ctx.scope(), id).await?;
    let people = ctx.db().round_participants(&r.id).await?;
    let nodes = question_count(&r);
    let mut typed = extra.typed.unwrap_or_else(|| typed_of(&r));
    if typed.weights.is_empty() {
        typed.weights = stored_weights(lang, &r);
    }
    let mut res = RoundPage {
        c: ctx.chrome(r.settings.title.clone()),
        l: lang,
        id: r.id.clone(),
        title: r.settings.title.clone(),
        region: ctx.state.region_name(&r.region_code),
        status: status_label(lang, r.status),
        status_code: r.status.as_str(),
        draft: r.status == RoundStatus::Draft,
        can_manage: ctx.caller.can(Permission::ManageFlagship),
        version: r.version,
        typed,
        references: reference_choices(&ctx.state, lang, &r),
        measures: measure_choices(lang),
        participants: people
            .iter()
            .map(|p| participant_line(lang, p, nodes))
            .collect(),
        groups: Group::ALL
            .iter()
            .map(|g| (g.as_str().to_string(), group_name(lang, *g)))
            .collect(),
        moves: round_moves(lang, &r),
        new_link: extra.new_link,
        person: extra.person,
        errors: worded(lang, &extra.errors, "flagship.field_"),
        notice,
        nodes,
        advice: setup_advice(lang, &r),
    }
    .into_response();
    *res.status_mut() = extra.status;
    Ok(res)
}

/// `/unggulan/{round}?done=…`, the notice after a change.
#[derive(Deserialize)]
struct RoundQuery {
    #[serde(default)]
    done: String,
}

async fn round_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<RoundQuery>,
) -> PageResult {
    let notice = match q.done.as_str() {
        d @ ("created" | "saved" | "status" | "removed") => {
            Some(ctx.lang.t(&format!("flagship.done_{d}")).into_owned())
        }
        _ => None,
    };
    show_round(&ctx, &id, notice, Extra::none()).await
}

fn sector_names(sectors: &[sentra_storage::Sector]) -> Vec<SectorName> {
    sectors
        .iter()
        .map(|s| SectorName {
            code: s.code.clone(),
            name_id: s.name_id.clone(),
            name_en: s.name_en.clone(),
        })
        .collect()
}

/// The setup form's fields as typed.
fn typed_from_form(lang: Lang, f: &[(String, String)]) -> SetupTyped {
    let v = |k: &str| form_value(f, k).to_string();
    SetupTyped {
        title: v("title"),
        purpose: v("purpose"),
        year: v("year"),
        mode: v("mode"),
        method: v("method"),
        measure: v("measure"),
        reference_region: v("reference_region"),
        candidates: v("candidates"),
        criteria: v("criteria"),
        reference: v("reference"),
        weights: Group::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_string(),
                    group_name(lang, *g),
                    form_value(f, &format!("weight_{}", g.as_str())).to_string(),
                )
            })
            .collect(),
    }
}

/// A setup that passed the form's checks.
struct Setup {
    settings: RoundSettings,
    candidates: Vec<CandidateRow>,
    criteria: Vec<Criterion>,
    reference: Vec<(String, f64)>,
}

/// The reference region must hold the round's region (and not be it); blank is "entered".
fn reference_region_of(typed: &str, old: &RoundRecord, e: &mut FieldErrors) -> Option<RegionCode> {
    match typed.trim() {
        "" => None,
        code => match RegionCode::parse(code).ok().filter(|c| {
            RegionCode::parse(&old.region_code).is_ok_and(|r| r.is_within(c) && r != *c)
        }) {
            Some(c) => Some(c),
            None => {
                e.push("reference_region", "choice_invalid");
                None
            }
        },
    }
}

/// The group weights given (blank ones left out), each 0–100 and not all zero.
fn weights_of(typed: &SetupTyped, e: &mut FieldErrors) -> Option<BTreeMap<Group, f64>> {
    let mut weights = BTreeMap::new();
    for (g, _, text) in &typed.weights {
        if text.trim().is_empty() {
            continue;
        }
        match text.trim().replace(',', ".").parse::<f64>() {
            Ok(w) if w.is_finite() && (0.0..=100.0).contains(&w) => {
                if let Some(group) = Group::parse(g) {
                    weights.insert(group, w);
                }
            }
            _ => e.push("weights", "number_invalid"),
        }
    }
    let group_weights = (!weights.is_empty()).then_some(weights);
    if group_weights
        .as_ref()
        .is_some_and(|w| w.values().all(|v| *v <= 0.0))
    {
        e.push("weights", "number_out_of_range");
    }
    group_weights
}

/// A list's problems join the form's; the list is empty then.
fn listed<T>(parsed: Result<Vec<T>, FieldErrors>, e: &mut FieldErrors) -> Vec<T> {
    parsed.unwrap_or_else(|x| {
        e.0.extend(x.0);
        Vec::new()
    })
}

/// Checks the whole setup form, naming every problem at once.
fn checked_setup(
    typed: &SetupTyped,
    old: &RoundRecord,
    sectors: &[SectorName],
) -> Result<Setup, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = title_of(&typed.title)
        .map_err(|code| e.push("title", code))
        .ok();
    let purpose = match sentra_domain::umkm::clean_text(&typed.purpose, 1000) {
        Ok(p) => p,
        Err(sentra_domain::Invalid(code)) => {
            e.push("purpose", code);
            None
        }
    };
    let year = e.check("year", sentra_domain::targets::parse_year(&typed.year));
    let choice = sentra_domain::Invalid("choice_invalid");
    let mode = e.check("mode", CandidateMode::parse(&typed.mode).ok_or(choice));
    let method = e.check("method", Method::parse(&typed.method).ok_or(choice));
    let measure = e.check("measure", Measure::parse(&typed.measure).ok_or(choice));
    let reference_region = reference_region_of(&typed.reference_region, old, &mut e);
    let group_weights = weights_of(typed, &mut e);
    let candidates = listed(parse_candidates(&typed.candidates, sectors), &mut e);
    let criteria = listed(parse_criteria(&typed.criteria, &old.criteria), &mut e);
    if e.is_empty() {
        match sentra_domain::flagship::round::Hierarchy::new(criteria.clone()) {
            Err(x) => e.0.extend(x.0),
            // Saaty: no matrix over nine elements; the form says how to cluster.
            Ok(h) if !h.oversized().is_empty() => e.push("criteria", "criteria_cluster_too_big"),
            Ok(_) => {}
        }
    }
    if mode == Some(CandidateMode::Pairwise) && candidates.len() > MAX_COMPARED {
        e.push("mode", "pairwise_too_many_candidates");
    }
    let reference = listed(parse_reference(&typed.reference, sectors), &mut e);
    let (Some(title), Some(year), Some(mode), Some(method), Some(measure)) =
        (title, year, mode, method, measure)
    else {
        return Err(e);
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(Setup {
        settings: RoundSettings {
            title,
            purpose,
            year,
            mode,
            method,
            measure,
            reference_region,
            group_weights,
        },
        candidates: candidates
            .into_iter()
            .map(|(name, sector)| CandidateRow { name, sector })
            .collect(),
        criteria,
        reference,
    })
}

async fn save_round(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    let db = ctx.db();
    let old = db.round(&scope, &id).await?;
    let typed = typed_from_form(ctx.lang, &f);
    let sectors = sector_names(&db.sectors().await.unwrap_or_default());
    let refused = |errors: FieldErrors, typed: SetupTyped, status: StatusCode| Extra {
        typed: Some(typed),
        errors,
        status,
        ..Extra::none()
    };
    let setup = match checked_setup(&typed, &old, &sectors) {
        Ok(s) => s,
        Err(e) => {
            let x = refused(e, typed, StatusCode::UNPROCESSABLE_ENTITY);
            return show_round(&ctx, &id, None, x).await;
        }
    };
    let version = form_value(&f, "version").parse::<i64>().unwrap_or(-1);
    let saved = db
        .update_round(
            &scope,
            &id,
            version,
            &setup.settings,
            &setup.candidates,
            &setup.criteria,
            &setup.reference,
            &ctx.caller.actor,
        )
        .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/unggulan/{id}?done=saved")).into_response()),
        Err(StorageError::Invalid(e)) => {
            let x = refused(e, typed, StatusCode::UNPROCESSABLE_ENTITY);
            show_round(&ctx, &id, None, x).await
        }
        Err(StorageError::Conflict) => {
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            let x = refused(e, typed, StatusCode::CONFLICT);
            show_round(&ctx, &id, None, x).await
        }
        Err(e) => Err(e.into()),
    }
}
