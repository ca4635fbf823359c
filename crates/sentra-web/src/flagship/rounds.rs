//! Produk unggulan daerah (`/unggulan`, issue 10): the selection rounds of the caller's area; a
//! round's setup (candidates with their sectors, Permendagri 9/2014's criteria edited into a
//! hierarchy, how candidates are scored, the location quotients' measure and reference, group
//! weights), its FGD participants each with a personal link, its moves (open, close, publish),
//! the results for the office, the judgements as a workbook for audit, and the public page
//! without names.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::flagship::ahp::{Method, judgement_text};
use sentra_domain::flagship::lq::Measure;
use sentra_domain::flagship::round::{CandidateMode, Group, candidates_node};
use sentra_domain::flagship::text::{
    criteria_text, parse_candidates, parse_criteria, parse_reference,
};
use sentra_domain::import::SectorName;
use sentra_domain::region::RegionCode;
use sentra_sheets::{Cell, ReportSheet, write_report};
use sentra_storage::{CandidateRow, RoundRecord, RoundSettings, RoundStatus, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::catalogue::public::site_base;
use crate::error::ApiError;
use crate::flagship::results::{Results, decimal, results};
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadDashboards);
    let manage = Access::Role(Permission::ManageFlagship);
    Routes::new("")
        .get("/unggulan", read, rounds_page)
        .post("/unggulan", manage, create_round)
        .get("/unggulan/{round}", read, round_page)
        .post("/unggulan/{round}", manage, save_round)
        .post("/unggulan/{round}/peserta", manage, add_participant)
        .post(
            "/unggulan/{round}/peserta/hapus",
            manage,
            remove_participant,
        )
        .post("/unggulan/{round}/status", manage, move_round)
        .get("/unggulan/{round}/hasil", read, results_page)
        .get("/unggulan/{round}/penilaian.xlsx", manage, judgements_xlsx)
        .get("/unggulan/{round}/publik", Access::Public, public_page)
}

/// (field, label, message) of a refused form, with list lines named: "Kandidat, baris 3".
fn worded(lang: Lang, e: &FieldErrors) -> Vec<(String, String, String)> {
    e.iter()
        .map(|x| {
            let (field, line) = match x.field.split_once('.') {
                Some((f, l)) => (f, Some(l)),
                None => (x.field.as_str(), None),
            };
            let key = format!("flagship.field_{field}");
            let mut label = if lang.has(&key) {
                lang.t(&key).into_owned()
            } else {
                field.to_string()
            };
            if let Some(l) = line {
                label = format!("{label}, {} {l}", lang.t("import.row"));
            }
            (field.to_string(), label, lang.error(x.code).into_owned())
        })
        .collect()
}

fn status_label(lang: Lang, s: RoundStatus) -> String {
    lang.t(&format!("flagship.status_{}", s.as_str()))
        .into_owned()
}

pub struct RoundLine {
    pub id: String,
    pub title: String,
    pub year: i32,
    pub region: String,
    pub status: String,
    pub participants: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "flagship/flagship_rounds.html")]
pub struct RoundsPage {
    pub c: Chrome,
    pub l: Lang,
    pub rounds: Vec<RoundLine>,
    pub can_manage: bool,
    pub regions: Vec<(String, String)>,
    pub year: i32,
    pub errors: Vec<(String, String, String)>,
    pub typed: (String, String, String),
}

impl RoundsPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

async fn show_rounds(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    typed: (String, String, String),
    errors: &FieldErrors,
) -> Response {
    let scope = caller.scope();
    let rounds = match state.db().rounds(&scope).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let mut res = RoundsPage {
        c: Chrome::new(lang, lang.t("flagship.title").into_owned(), uri).signed_in(caller),
        l: lang,
        rounds: rounds
            .iter()
            .map(|r| RoundLine {
                id: r.id.clone(),
                title: r.title.clone(),
                year: r.year,
                region: state.region_name(&r.region_code),
                status: status_label(lang, r.status),
                participants: lang.tf(
                    "flagship.answered_of",
                    &[
                        ("n", &r.submitted.to_string()),
                        ("of", &r.participants.to_string()),
                    ],
                ),
            })
            .collect(),
        can_manage: caller.can(Permission::ManageFlagship),
        regions: area_choices(state, scope.region_code()),
        year: chrono::Utc::now().year(),
        errors: worded(lang, errors),
        typed,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn rounds_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadDashboards) {
        return *r;
    }
    let typed = (String::new(), String::new(), String::new());
    show_rounds(&state, lang, &caller, &uri, typed, &FieldErrors::new()).await
}

fn title_of(text: &str) -> Result<String, &'static str> {
    match sentra_domain::umkm::clean_text(text, 150) {
        Ok(Some(t)) if t.chars().count() >= 3 => Ok(t),
        Ok(_) => Err("text_too_short"),
        Err(sentra_domain::Invalid(c)) => Err(c),
    }
}

async fn create_round(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManageFlagship, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let typed = (
        form_value(&f, "region").to_string(),
        form_value(&f, "year").to_string(),
        form_value(&f, "title").to_string(),
    );
    let scope = caller.scope();
    let mut e = FieldErrors::new();
    let region = RegionCode::parse(&typed.0)
        .ok()
        .filter(|r| scope.contains(r));
    if region.is_none() {
        e.push("region", "choice_invalid");
    }
    let year = e.check("year", sentra_domain::targets::parse_year(&typed.1));
    let title = match title_of(&typed.2) {
        Ok(t) => Some(t),
        Err(code) => {
            e.push("title", code);
            None
        }
    };
    let (Some(region), Some(year), Some(title)) = (region, year, title) else {
        return show_rounds(&state, lang, &caller, &uri, typed, &e).await;
    };
    match state
        .db()
        .create_round(&scope, &region, year, &title, &caller.actor)
        .await
    {
        Ok(id) => Redirect::to(&format!("/unggulan/{id}?done=created")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
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
    pub new_link: Option<(String, String, String)>,
    pub errors: Vec<(String, String, String)>,
    pub notice: Option<String>,
    pub nodes: usize,
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

struct Extra {
    typed: Option<SetupTyped>,
    errors: FieldErrors,
    new_link: Option<(String, String, String)>,
    status: StatusCode,
}

impl Extra {
    fn none() -> Self {
        Extra {
            typed: None,
            errors: FieldErrors::new(),
            new_link: None,
            status: StatusCode::OK,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_round(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    notice: Option<String>,
    extra: Extra,
) -> Response {
    let db = state.db();
    let r = match db.round(&caller.scope(), id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let people = match db.round_participants(&r.id).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let nodes = r
        .hierarchy()
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
        .unwrap_or(0);
    let mut typed = extra.typed.unwrap_or_else(|| typed_of(&r));
    if typed.weights.is_empty() {
        typed.weights = Group::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_string(),
                    lang.t(&format!("flagship.group_{}", g.as_str()))
                        .into_owned(),
                    r.settings
                        .group_weights
                        .as_ref()
                        .and_then(|w| w.get(g))
                        .map_or(String::new(), |v| decimal(lang, *v, 2)),
                )
            })
            .collect();
    }
    // Quotients against a region holding this one, or totals the office enters.
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
    let moves = [
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
    .collect();
    let mut res = RoundPage {
        c: Chrome::new(lang, r.settings.title.clone(), uri).signed_in(caller),
        l: lang,
        id: r.id.clone(),
        title: r.settings.title.clone(),
        region: state.region_name(&r.region_code),
        status: status_label(lang, r.status),
        status_code: r.status.as_str(),
        draft: r.status == RoundStatus::Draft,
        can_manage: caller.can(Permission::ManageFlagship),
        version: r.version,
        typed,
        references,
        measures: Measure::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str().to_string(),
                    lang.t(&format!("flagship.measure_{}", m.as_str()))
                        .into_owned(),
                )
            })
            .collect(),
        participants: people
            .iter()
            .map(|p| ParticipantLine {
                id: p.id.clone(),
                name: p.name.clone(),
                group: lang
                    .t(&format!("flagship.group_{}", p.group.as_str()))
                    .into_owned(),
                organisation: p.organisation.clone().unwrap_or_default(),
                progress: lang.tf(
                    "flagship.progress",
                    &[("n", &p.answers.to_string()), ("of", &nodes.to_string())],
                ),
                submitted: p.submitted_at.is_some(),
            })
            .collect(),
        groups: Group::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_string(),
                    lang.t(&format!("flagship.group_{}", g.as_str()))
                        .into_owned(),
                )
            })
            .collect(),
        moves,
        new_link: extra.new_link,
        errors: worded(lang, &extra.errors),
        notice,
        nodes,
    }
    .into_response();
    *res.status_mut() = extra.status;
    res
}

async fn round_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadDashboards) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let notice = match form_value(&q, "done") {
        d @ ("created" | "saved" | "status" | "removed") => {
            Some(lang.t(&format!("flagship.done_{d}")).into_owned())
        }
        _ => None,
    };
    show_round(&state, lang, &caller, &uri, &id, notice, Extra::none()).await
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

async fn save_round(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManageFlagship, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let db = state.db();
    let old = match db.round(&scope, &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let v = |k: &str| form_value(&f, k).to_string();
    let mut typed = SetupTyped {
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
        weights: Vec::new(),
    };
    typed.weights = Group::ALL
        .iter()
        .map(|g| {
            (
                g.as_str().to_string(),
                lang.t(&format!("flagship.group_{}", g.as_str()))
                    .into_owned(),
                form_value(&f, &format!("weight_{}", g.as_str())).to_string(),
            )
        })
        .collect();
    let sectors = sector_names(&db.sectors().await.unwrap_or_default());
    let mut e = FieldErrors::new();
    let title = match title_of(&typed.title) {
        Ok(t) => Some(t),
        Err(code) => {
            e.push("title", code);
            None
        }
    };
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
    let reference_region = match typed.reference_region.trim() {
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
    };
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
    let candidates = match parse_candidates(&typed.candidates, &sectors) {
        Ok(c) => c,
        Err(x) => {
            e.0.extend(x.0);
            Vec::new()
        }
    };
    let criteria = match parse_criteria(&typed.criteria, &old.criteria) {
        Ok(c) => c,
        Err(x) => {
            e.0.extend(x.0);
            Vec::new()
        }
    };
    if e.is_empty()
        && let Err(x) = sentra_domain::flagship::round::Hierarchy::new(criteria.clone())
    {
        e.0.extend(x.0);
    }
    let reference = match parse_reference(&typed.reference, &sectors) {
        Ok(r) => r,
        Err(x) => {
            e.0.extend(x.0);
            Vec::new()
        }
    };
    let refused = |e: FieldErrors, typed: SetupTyped, status: StatusCode| Extra {
        typed: Some(typed),
        errors: e,
        new_link: None,
        status,
    };
    let (Some(title), Some(year), Some(mode), Some(method), Some(measure)) =
        (title, year, mode, method, measure)
    else {
        let x = refused(e, typed, StatusCode::UNPROCESSABLE_ENTITY);
        return show_round(&state, lang, &caller, &uri, &id, None, x).await;
    };
    if !e.is_empty() {
        let x = refused(e, typed, StatusCode::UNPROCESSABLE_ENTITY);
        return show_round(&state, lang, &caller, &uri, &id, None, x).await;
    }
    let settings = RoundSettings {
        title,
        purpose,
        year,
        mode,
        method,
        measure,
        reference_region,
        group_weights,
    };
    let candidates: Vec<CandidateRow> = candidates
        .into_iter()
        .map(|(name, sector)| CandidateRow { name, sector })
        .collect();
    let version = form_value(&f, "version").parse::<i64>().unwrap_or(-1);
    match db
        .update_round(
            &scope,
            &id,
            version,
            &settings,
            &candidates,
            &criteria,
            &reference,
            &caller.actor,
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/unggulan/{id}?done=saved")).into_response(),
        Err(StorageError::Invalid(e)) => {
            let x = refused(e, typed, StatusCode::UNPROCESSABLE_ENTITY);
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(StorageError::Conflict) => {
            let mut e = FieldErrors::new();
            e.push("version", "conflict");
            let x = refused(e, typed, StatusCode::CONFLICT);
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn add_participant(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManageFlagship, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    if let Err(e) = state.db().round(&scope, &id).await {
        return error_page(lang, &uri, e.into());
    }
    let mut e = FieldErrors::new();
    let name = match sentra_domain::umkm::clean_text(form_value(&f, "name"), 120) {
        Ok(Some(n)) if n.chars().count() >= 2 => Some(n),
        Ok(_) => {
            e.push("name", "required");
            None
        }
        Err(sentra_domain::Invalid(code)) => {
            e.push("name", code);
            None
        }
    };
    let group = e.check(
        "group",
        Group::parse(form_value(&f, "group")).ok_or(sentra_domain::Invalid("choice_invalid")),
    );
    let organisation = match sentra_domain::umkm::clean_text(form_value(&f, "organisation"), 150) {
        Ok(o) => o,
        Err(sentra_domain::Invalid(code)) => {
            e.push("organisation", code);
            None
        }
    };
    let (Some(name), Some(group)) = (name, group) else {
        let x = Extra {
            errors: e,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Extra::none()
        };
        return show_round(&state, lang, &caller, &uri, &id, None, x).await;
    };
    match state
        .db()
        .add_participant(
            &scope,
            &id,
            &name,
            group,
            organisation.as_deref(),
            &caller.actor,
        )
        .await
    {
        Ok((p, secret)) => {
            let link = format!("{}/fgd/{secret}", site_base(&state, &headers));
            let message = lang.tf(
                "flagship.invite_message",
                &[("name", &p.name), ("link", &link)],
            );
            let wa = format!(
                "https://wa.me/?text={}",
                serde_urlencoded::to_string([("", message.as_str())])
                    .unwrap_or_default()
                    .trim_start_matches('=')
            );
            let x = Extra {
                new_link: Some((p.name, link, wa)),
                ..Extra::none()
            };
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(StorageError::Invalid(e)) => {
            let x = Extra {
                errors: e,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Extra::none()
            };
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn remove_participant(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManageFlagship, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let participant = form_value(&f, "participant");
    if participant.is_empty() {
        // The round first: not found outside the caller's scope.
        if let Err(e) = state.db().round(&caller.scope(), &id).await {
            return error_page(lang, &uri, e.into());
        }
        let mut e = FieldErrors::new();
        e.push("participants", "required");
        let x = Extra {
            errors: e,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Extra::none()
        };
        return show_round(&state, lang, &caller, &uri, &id, None, x).await;
    }
    match state
        .db()
        .remove_participant(&caller.scope(), &id, participant, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/unggulan/{id}?done=removed")).into_response(),
        Err(StorageError::Invalid(e)) => {
            let x = Extra {
                errors: e,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Extra::none()
            };
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn move_round(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManageFlagship, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // The round first: not found outside the caller's scope, whatever the form says.
    if let Err(e) = state.db().round(&caller.scope(), &id).await {
        return error_page(lang, &uri, e.into());
    }
    let Some(to) = RoundStatus::parse(form_value(&f, "to")) else {
        let mut e = FieldErrors::new();
        e.push("status", "choice_invalid");
        let x = Extra {
            errors: e,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Extra::none()
        };
        return show_round(&state, lang, &caller, &uri, &id, None, x).await;
    };
    match state
        .db()
        .set_round_status(&caller.scope(), &id, to, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/unggulan/{id}?done=status")).into_response(),
        Err(StorageError::Invalid(e)) => {
            let x = Extra {
                errors: e,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Extra::none()
            };
            show_round(&state, lang, &caller, &uri, &id, None, x).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
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
) -> Response {
    let db = state.db();
    let people = db.round_participants(&round.id).await;
    let answers = db.responses(&round).await;
    let (people, answers) = match (people, answers) {
        (Ok(p), Ok(a)) => (p, a),
        (Err(e), _) | (_, Err(e)) => return error_page(lang, uri, e.into()),
    };
    let r = results(state, lang, &round, &people, &answers).await;
    let chrome = Chrome::new(lang, round.settings.title.clone(), uri);
    ResultsPage {
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
    .into_response()
}

async fn results_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadDashboards) {
        return *r;
    }
    match state.db().round(&caller.scope(), &id).await {
        Ok(round) => results_view(&state, lang, &uri, round, false, Some(&caller)).await,
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn public_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    match state.db().published_round(&id).await {
        Ok(round) => results_view(&state, lang, &uri, round, true, None).await,
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

/// Every judgement and rating of the round, and each participant's consistency per section,
/// for audit.
async fn judgements_xlsx(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageFlagship) {
        return *r;
    }
    let db = state.db();
    let round = match db.round(&caller.scope(), &id).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let (people, answers) = match (db.round_participants(&id).await, db.responses(&round).await) {
        (Ok(p), Ok(a)) => (p, a),
        (Err(e), _) | (_, Err(e)) => return error_page(lang, &uri, e.into()),
    };
    let Ok(hierarchy) = round.hierarchy() else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let setup = round.setup(&hierarchy);
    let t = |k: &str| lang.t(k).into_owned();
    let element = |node: &str, i: usize| -> String {
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
    };
    let mut judgements = Vec::new();
    let mut consistency = Vec::new();
    let mut ratings = Vec::new();
    for p in &people {
        let group = t(&format!("flagship.group_{}", p.group.as_str()));
        let Some(resp) = answers.get(&p.id) else {
            continue;
        };
        for node in setup.pairwise_nodes() {
            let label = crate::flagship::fgd::node_label(lang, &round, &hierarchy, &node);
            let Some(m) = resp.matrices.get(&node) else {
                continue;
            };
            for i in 0..m.size() {
                for j in i + 1..m.size() {
                    if let Some(v) = m.get(i, j) {
                        judgements.push(vec![
                            Cell::Text(p.name.clone()),
                            Cell::Text(group.clone()),
                            Cell::Text(label.clone()),
                            Cell::Text(element(&node, i)),
                            Cell::Text(element(&node, j)),
                            Cell::Text(judgement_text(v)),
                        ]);
                    }
                }
            }
            if let Ok(pr) = sentra_domain::flagship::ahp::priorities(m, round.settings.method) {
                consistency.push(vec![
                    Cell::Text(p.name.clone()),
                    Cell::Text(label.clone()),
                    Cell::Text(decimal(lang, pr.cr, 3)),
                    Cell::Count(pr.missing as i64),
                ]);
            }
        }
        for leaf in hierarchy.leaves() {
            if let Some(list) = resp.ratings.get(&leaf.code) {
                for (a, v) in list.iter().enumerate() {
                    if let Some(v) = v {
                        ratings.push(vec![
                            Cell::Text(p.name.clone()),
                            Cell::Text(group.clone()),
                            Cell::Text(leaf.name.clone()),
                            Cell::Text(element(&candidates_node(&leaf.code), a)),
                            Cell::Count(*v as i64),
                        ]);
                    }
                }
            }
        }
    }
    let notes = vec![
        format!(
            "{} · {} {}",
            state.region_name(&round.region_code),
            t("activity.year"),
            round.settings.year
        ),
        t("flagship.xlsx_note"),
    ];
    let sheets = vec![
        ReportSheet {
            name: t("flagship.sheet_judgements"),
            title: round.settings.title.clone(),
            notes: notes.clone(),
            headers: vec![
                t("flagship.participant"),
                t("flagship.field_group"),
                t("flagship.section"),
                "A".into(),
                "B".into(),
                t("flagship.judgement"),
            ],
            rows: judgements,
            total: None,
        },
        ReportSheet {
            name: t("flagship.sheet_ratings"),
            title: round.settings.title.clone(),
            notes: notes.clone(),
            headers: vec![
                t("flagship.participant"),
                t("flagship.field_group"),
                t("flagship.criterion"),
                t("flagship.candidate"),
                t("flagship.rating"),
            ],
            rows: ratings,
            total: None,
        },
        ReportSheet {
            name: t("flagship.sheet_consistency"),
            title: round.settings.title.clone(),
            notes,
            headers: vec![
                t("flagship.participant"),
                t("flagship.section"),
                "CR".into(),
                t("flagship.missing"),
            ],
            rows: consistency,
            total: None,
        },
    ];
    match write_report(&sheets) {
        Ok(bytes) => {
            crate::registry::export::xlsx_response("penilaian-produk-unggulan.xlsx", bytes)
        }
        Err(e) => error_page(lang, &uri, ApiError::Internal(e.to_string())),
    }
}
