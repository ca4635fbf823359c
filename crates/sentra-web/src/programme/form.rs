//! The activity form (`/kegiatan/baru`, `/kegiatan/{activity}`): it shows every conflict with
//! its reason before saving (saving anyway needs a note); a new activity may repeat, its
//! sessions planned and checked together.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::{
    ActivityContext, ActivityData, ActivityInput, ActivityKind, ActivityStatus, Organiser, Repeat,
    local, sessions, validate_activity, validate_repeat,
};
use sentra_domain::programme::conflicts::Rules;
use sentra_domain::region::RegionLevel;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::LegalKind;
use sentra_storage::{ActivityConflict, ActivityRecord, StorageError};

use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::programme::activities::{checked, choices, conflict_text, rules, when};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields};

pub fn routes() -> Routes {
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("")
        .get("/kegiatan/baru", plan, new_form)
        .post("/kegiatan", plan, create)
        .get("/kegiatan/{activity}", plan, edit_form)
        .post("/kegiatan/{activity}", plan, update)
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub l: Lang,
    pub action: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String, String)>,
    pub kinds: Vec<(String, String)>,
    pub organisers: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub regions: Vec<(String, String)>,
    pub topics: Vec<(String, String, bool)>,
    pub sectors: Vec<(String, String, bool)>,
    pub sizes: Vec<(String, String, bool)>,
    pub gaps: Vec<(String, String, bool)>,
    /// The kecamatan and kelurahan the audience can be narrowed to.
    pub target_regions: Vec<(String, String, bool)>,
    /// How a new activity can repeat (none when editing one session).
    pub repeats: Vec<(String, String)>,
    /// Conflicts found when saving (shown before anything is saved).
    pub conflicts: Vec<String>,
    pub version: Option<i64>,
}

crate::ui::form_fields!(FormPage);

impl FormPage {
    pub fn label(&self, field: &str) -> String {
        self.l.t(&format!("activity.field_{field}")).into_owned()
    }
}

fn input_from(pairs: &[(String, String)]) -> ActivityInput {
    let v = |k: &str| form_value(pairs, k).to_string();
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    ActivityInput {
        kind: v("kind"),
        title: v("title"),
        topics: all("topics"),
        organiser: v("organiser"),
        region: v("region"),
        venue: v("venue"),
        online_link: v("online_link"),
        start_date: v("start_date"),
        start_time: v("start_time"),
        end_date: v("end_date"),
        end_time: v("end_time"),
        zone: v("zone"),
        capacity: v("capacity"),
        sectors: all("sectors"),
        sizes: all("sizes"),
        gaps: all("gaps"),
        target_regions: all("target_regions"),
        first_timers: v("first_timers"),
        funding: v("funding"),
        budget: v("budget"),
        status: v("status"),
        status_reason: v("status_reason"),
        repeat: v("repeat"),
        sessions: v("sessions"),
    }
}

fn input_of(d: &ActivityData) -> ActivityInput {
    let (s, e) = (local(d.start, d.zone), local(d.end, d.zone));
    ActivityInput {
        kind: d.kind.as_str().into(),
        title: d.title.clone(),
        topics: d.topics.clone(),
        organiser: d.organiser.as_str().into(),
        region: d.region.as_str().into(),
        venue: d.venue.clone().unwrap_or_default(),
        online_link: d.online_link.clone().unwrap_or_default(),
        start_date: s.format("%Y-%m-%d").to_string(),
        start_time: s.format("%H:%M").to_string(),
        end_date: e.format("%Y-%m-%d").to_string(),
        end_time: e.format("%H:%M").to_string(),
        zone: d.zone.as_str().into(),
        capacity: d.capacity.to_string(),
        sectors: d.sectors.clone(),
        sizes: d.sizes.clone(),
        gaps: d.gaps.clone(),
        target_regions: d
            .target_regions
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        first_timers: if d.first_timers { "1" } else { "" }.into(),
        funding: d.funding.clone().unwrap_or_default(),
        budget: d.budget.map(|b| b.to_string()).unwrap_or_default(),
        status: d.status.as_str().into(),
        status_reason: d.status_reason.clone().unwrap_or_default(),
        repeat: String::new(),
        sessions: String::new(),
    }
}

/// What the form shows besides the activity as typed.
struct Shown {
    status: StatusCode,
    action: String,
    /// Fields outside the activity: accepting conflicts and the note.
    extra: Vec<(&'static str, String)>,
    errors: FieldErrors,
    /// Conflicts found when saving (shown before anything is saved).
    conflicts: Vec<String>,
    /// The version of the activity being edited (none: a new one).
    version: Option<i64>,
}

impl Shown {
    fn fresh(action: String, version: Option<i64>) -> Self {
        Shown {
            status: StatusCode::OK,
            action,
            extra: Vec::new(),
            errors: FieldErrors::new(),
            conflicts: Vec::new(),
            version,
        }
    }
}

/// The regions an activity can be for: the caller's area, its parts and (under a kecamatan)
/// their kelurahan, indented.
fn region_choices(ctx: &PageCtx) -> Vec<(String, String)> {
    let scope = ctx.scope();
    let home = scope.region_code();
    let tree = ctx.state.regions();
    let mut regions = Vec::new();
    if let Some(r) = tree.get(home) {
        regions.push((r.code.as_str().to_string(), r.name.clone()));
        for k in tree.children(home) {
            regions.push((k.code.as_str().to_string(), format!("— {}", k.name)));
            if k.level == RegionLevel::District {
                for v in tree.children(&k.code) {
                    regions.push((v.code.as_str().to_string(), format!("— — {}", v.name)));
                }
            }
        }
    }
    regions
}

/// The single-valued fields as typed, and the extra ones.
fn form_values(input: &ActivityInput, extra: &[(&str, String)]) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = [
        ("kind", &input.kind),
        ("title", &input.title),
        ("organiser", &input.organiser),
        ("region", &input.region),
        ("venue", &input.venue),
        ("online_link", &input.online_link),
        ("start_date", &input.start_date),
        ("start_time", &input.start_time),
        ("end_date", &input.end_date),
        ("end_time", &input.end_time),
        ("zone", &input.zone),
        ("capacity", &input.capacity),
        ("funding", &input.funding),
        ("budget", &input.budget),
        ("status", &input.status),
        ("status_reason", &input.status_reason),
        ("first_timers", &input.first_timers),
        ("repeat", &input.repeat),
        ("sessions", &input.sessions),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    for (k, v) in extra {
        values.insert((*k).to_string(), v.clone());
    }
    values
}

/// Topics to tag with: the active ones, and a retired one the activity already has.
fn topic_options(
    lang: Lang,
    topics: Vec<sentra_storage::Topic>,
    chosen: &[String],
) -> Vec<(String, String, bool)> {
    topics
        .into_iter()
        .filter(|t| t.active || chosen.contains(&t.code))
        .map(|t| {
            let on = chosen.contains(&t.code);
            let name = lang.pick(&t.name_id, &t.name_en).to_string();
            (t.code, name, on)
        })
        .collect()
}

fn sector_options(
    lang: Lang,
    sectors: Vec<sentra_storage::Sector>,
    chosen: &[String],
) -> Vec<(String, String, bool)> {
    sectors
        .into_iter()
        .map(|s| {
            let on = chosen.contains(&s.code);
            let name = lang.pick(&s.name_id, &s.name_en).to_string();
            (s.code, name, on)
        })
        .collect()
}

/// The activity form, as typed, with what it has to say.
async fn form(ctx: &PageCtx, input: &ActivityInput, shown: Shown) -> Response {
    let lang = ctx.lang;
    let topics = ctx.db().activity_topics().await.unwrap_or_default();
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let regions = region_choices(ctx);
    let errors = shown
        .errors
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                lang.t(&format!("activity.field_{}", e.field)).into_owned(),
                lang.error(e.code).into_owned(),
            )
        })
        .collect();
    let editing = shown.version.is_some();
    let title = lang.t(if editing {
        "activity.edit_title"
    } else {
        "activity.new_title"
    });
    let mut res = FormPage {
        c: ctx.chrome(title),
        l: lang,
        action: shown.action,
        values: form_values(input, &shown.extra),
        errors,
        kinds: choices(
            lang,
            "activity.kind_",
            ActivityKind::ALL.iter().map(|k| k.as_str()),
        ),
        organisers: choices(
            lang,
            "activity.organiser_",
            Organiser::ALL.iter().map(|k| k.as_str()),
        ),
        statuses: choices(
            lang,
            "activity.status_",
            ActivityStatus::ALL.iter().map(|k| k.as_str()),
        ),
        topics: topic_options(lang, topics, &input.topics),
        sectors: sector_options(lang, sectors, &input.sectors),
        sizes: checked(
            lang,
            "size.",
            SizeClass::ALL.iter().map(|c| c.as_str()),
            &input.sizes,
        ),
        gaps: checked(
            lang,
            "doc.",
            LegalKind::ALL.iter().map(|k| k.as_str()),
            &input.gaps,
        ),
        target_regions: regions
            .iter()
            .skip(1)
            .map(|(code, name)| {
                (
                    code.clone(),
                    name.clone(),
                    input.target_regions.contains(code),
                )
            })
            .collect(),
        regions,
        // One session being edited does not repeat.
        repeats: if editing {
            Vec::new()
        } else {
            choices(
                lang,
                "activity.repeat_",
                Repeat::ALL.iter().map(|r| r.as_str()),
            )
        },
        conflicts: shown.conflicts,
        version: shown.version,
    }
    .into_response();
    *res.status_mut() = shown.status;
    res
}

async fn new_form(ctx: PageCtx) -> PageResult {
    let input = ActivityInput {
        region: ctx.scope().region_code().as_str().to_string(),
        status: "planned".into(),
        capacity: "30".into(),
        ..ActivityInput::default()
    };
    Ok(form(&ctx, &input, Shown::fresh("/kegiatan".into(), None)).await)
}

/// The activity checked, and its sessions planned: one when editing, or as many as a new
/// one repeats (checked together). The pages and the API plan the same way.
pub(crate) async fn planned(
    state: &crate::AppState,
    scope: &sentra_domain::scope::Scope,
    input: &ActivityInput,
    existing: Option<&ActivityRecord>,
) -> Result<Vec<ActivityData>, FieldErrors> {
    // The topics offered, and a retired one the activity being moved already has.
    let mut topics: Vec<String> = state.db().active_topic_codes().await.unwrap_or_default();
    topics.extend(existing.iter().flat_map(|a| a.data.topics.iter().cloned()));
    let sectors: Vec<String> = state
        .db()
        .sectors()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.code)
        .collect();
    let context = ActivityContext {
        tree: state.regions(),
        topics: &topics,
        sectors: &sectors,
    };
    let d = validate_activity(input, &context)?;
    if !scope.contains(&d.region) {
        let mut errors = FieldErrors::new();
        errors.push("region", "region_outside_scope");
        return Err(errors);
    }
    if existing.is_some() {
        return Ok(vec![d]);
    }
    let (repeat, n) = validate_repeat(input, &d)?;
    Ok(sessions(&d, repeat, n))
}

/// The conflicts found, as sentences (naming the session when there are several).
pub(crate) fn conflict_texts(
    state: &crate::AppState,
    lang: Lang,
    rules: &Rules,
    live: &[ActivityData],
    found: &[(usize, ActivityConflict)],
) -> Vec<String> {
    found
        .iter()
        .map(|(at, c)| {
            let text = conflict_text(state, lang, rules, c);
            match live.get(*at).filter(|_| live.len() > 1) {
                Some(session) => lang.tf(
                    "activity.session_conflict",
                    &[
                        ("n", &(at + 1).to_string()),
                        ("when", &when(lang, session)),
                        ("conflict", &text),
                    ],
                ),
                None => text,
            }
        })
        .collect()
}

/// Saves the sessions (a new activity) or the one changed; the board opens at the first.
async fn save(
    ctx: &PageCtx,
    pairs: &[(String, String)],
    planned: &[ActivityData],
    note: Option<&str>,
    existing: Option<&ActivityRecord>,
) -> PageResult {
    let scope = ctx.scope();
    let actor = &ctx.caller.actor;
    let saved = match existing {
        None => ctx
            .db()
            .create_activities(&scope, planned, note, actor)
            .await
            .and_then(|mut all| {
                all.truncate(1);
                all.pop().ok_or(StorageError::NotFound)
            })?,
        Some(a) => {
            let expected = form_value(pairs, "version").parse().unwrap_or(-1);
            let data = planned.first().ok_or(ApiError::NotFound)?;
            ctx.db()
                .update_activity(&scope, &a.id, expected, data, note, actor)
                .await?
        }
    };
    let month = local(saved.data.start, saved.data.zone)
        .format("%Y-%m")
        .to_string();
    Ok(Redirect::to(&format!(
        "/kegiatan?bulan={month}&done=saved#a-{}",
        saved.id
    ))
    .into_response())
}

/// The sessions that will take place, the harmonisation rules, and their clashes with what is
/// planned already (by session), the most severe first. Clashes hold the save until the
/// planner accepts them with a note; the budget year's end is a notice the board shows, not a
/// clash.
pub(crate) async fn clashes(
    state: &crate::AppState,
    planned: &[ActivityData],
    existing: Option<&ActivityRecord>,
) -> Result<(Vec<ActivityData>, Rules, Vec<(usize, ActivityConflict)>), StorageError> {
    let live: Vec<ActivityData> = planned
        .iter()
        .filter(|d| d.status != ActivityStatus::Cancelled)
        .cloned()
        .collect();
    let rules = rules(state).await;
    let mut found: Vec<(usize, ActivityConflict)> = state
        .db()
        .activity_conflicts(&live, existing, &rules)
        .await?
        .into_iter()
        .filter(|(_, c)| !c.reason.is_notice())
        .collect();
    found.sort_by_key(|(at, c)| (std::cmp::Reverse(c.reason.severity()), *at));
    Ok((live, rules, found))
}

/// Checks, finds the conflicts, and saves only when there are none or the planner accepts them
/// with a note.
async fn check_and_save(
    ctx: &PageCtx,
    pairs: &[(String, String)],
    existing: Option<&ActivityRecord>,
) -> PageResult {
    let input = input_from(pairs);
    let accept = form_value(pairs, "accept") == "1";
    let note = form_value(pairs, "conflicts_note").trim().to_string();
    let mut shown = Shown {
        extra: vec![
            ("accept", if accept { "1" } else { "" }.to_string()),
            ("conflicts_note", note.clone()),
        ],
        ..Shown::fresh(
            existing.map_or("/kegiatan".to_string(), |a| format!("/kegiatan/{}", a.id)),
            existing.map(|a| a.version),
        )
    };
    let planned = match planned(&ctx.state, &ctx.scope(), &input, existing).await {
        Ok(p) => p,
        Err(errors) => {
            shown.status = StatusCode::UNPROCESSABLE_ENTITY;
            shown.errors = errors;
            return Ok(form(ctx, &input, shown).await);
        }
    };
    let (live, rules, found) = clashes(&ctx.state, &planned, existing).await?;
    if !found.is_empty() && (!accept || note.is_empty()) {
        if accept {
            shown
                .errors
                .push("conflicts_note", "conflicts_note_required");
        }
        shown.status = StatusCode::CONFLICT;
        shown.conflicts = conflict_texts(&ctx.state, ctx.lang, &rules, &live, &found);
        return Ok(form(ctx, &input, shown).await);
    }
    let note = (!found.is_empty()).then_some(note.as_str());
    save(ctx, pairs, &planned, note, existing).await
}

async fn create(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    check_and_save(&ctx, &pairs, None).await
}

async fn edit_form(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let a = ctx.db().get_activity(&ctx.scope(), &id).await?;
    let shown = Shown {
        extra: vec![(
            "conflicts_note",
            a.conflicts_note.clone().unwrap_or_default(),
        )],
        ..Shown::fresh(format!("/kegiatan/{id}"), Some(a.version))
    };
    Ok(form(&ctx, &input_of(&a.data), shown).await)
}

async fn update(ctx: PageCtx, Path(id): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    let a = ctx.db().get_activity(&ctx.scope(), &id).await?;
    check_and_save(&ctx, &pairs, Some(&a)).await
}
