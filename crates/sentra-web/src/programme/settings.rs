//! The programme's managed lists and rules (`/kegiatan/pengaturan`, admins): the topics
//! activities are tagged with (add, rename, retire, restore; codes never reused), and the
//! harmonisation settings — the window within which the same topic for the same audience is a
//! conflict, and the weeks at the budget year's end when planned activities are flagged.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::error::Invalid;
use sentra_domain::programme::activity::validate_topic;
use sentra_domain::programme::conflicts::{DAY, Rules};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageProgrammes);
    let change = Access::HomeWide(Permission::ManageProgrammes);
    Routes::new("")
        .get("/kegiatan/pengaturan", manage, settings_page)
        .post("/kegiatan/pengaturan", change, save_rules)
        .post("/kegiatan/topik", change, save_topic)
}

/// Longest harmonisation window: a year.
const MAX_WINDOW_DAYS: i64 = 365;
/// Most weeks flagged at the budget year's end: a quarter.
const MAX_YEAR_END_WEEKS: i64 = 13;

pub struct TopicRow {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/programme_settings.html")]
pub struct SettingsPage {
    pub c: Chrome,
    pub l: Lang,
    pub window_days: String,
    pub year_end_weeks: String,
    pub topics: Vec<TopicRow>,
    /// (field, label, message) of the form that failed.
    pub errors: Vec<(String, String, String)>,
    /// The new topic's names as typed (kept when they were refused).
    pub new_topic: (String, String),
    pub notice: Option<String>,
}

impl SettingsPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

/// What the page shows besides the stored lists: the rules as typed, the new topic as typed,
/// the problems of the form that failed, a notice.
struct Shown {
    status: StatusCode,
    rules: Option<(String, String)>,
    new_topic: (String, String),
    errors: FieldErrors,
    notice: Option<String>,
}

impl Shown {
    fn refused(errors: FieldErrors) -> Self {
        Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            rules: None,
            new_topic: Default::default(),
            errors,
            notice: None,
        }
    }
}

async fn page(ctx: &PageCtx, shown: Shown) -> PageResult {
    let lang = ctx.lang;
    let (window_days, year_end_weeks) = match shown.rules {
        Some(typed) => typed,
        None => {
            let r = ctx.db().programme_rules().await.unwrap_or_default();
            (
                (r.topic_window / DAY).to_string(),
                r.year_end_weeks.to_string(),
            )
        }
    };
    let topics = ctx.db().activity_topics().await?;
    let mut res = SettingsPage {
        c: ctx.chrome(lang.t("programme.settings_title")),
        l: lang,
        window_days,
        year_end_weeks,
        topics: topics
            .into_iter()
            .map(|t| TopicRow {
                code: t.code,
                name_id: t.name_id,
                name_en: t.name_en,
                active: t.active,
            })
            .collect(),
        errors: shown
            .errors
            .iter()
            .map(|e| {
                (
                    e.field.clone(),
                    lang.t(&format!("programme.field_{}", e.field)).into_owned(),
                    lang.error(e.code).into_owned(),
                )
            })
            .collect(),
        new_topic: shown.new_topic,
        notice: shown.notice,
    }
    .into_response();
    *res.status_mut() = shown.status;
    Ok(res)
}

/// `?done=…` after a change.
#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn settings_page(ctx: PageCtx, PageQuery(q): PageQuery<DoneQuery>) -> PageResult {
    let notice = match q.done.as_str() {
        done @ ("rules" | "topic_added" | "topic_saved") => {
            Some(ctx.lang.t(&format!("programme.done_{done}")).into_owned())
        }
        _ => None,
    };
    let shown = Shown {
        status: StatusCode::OK,
        notice,
        ..Shown::refused(FieldErrors::new())
    };
    page(&ctx, shown).await
}

fn whole_number(s: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, Invalid> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or(Invalid("number_out_of_range"))
}

#[derive(Deserialize)]
struct RulesForm {
    #[serde(default)]
    window_days: String,
    #[serde(default)]
    year_end_weeks: String,
}

/// The harmonisation rules. They hold city-wide: the route takes a scope covering the home
/// region (`Access::HomeWide`).
async fn save_rules(ctx: PageCtx, PageForm(f): PageForm<RulesForm>) -> PageResult {
    let mut e = FieldErrors::new();
    let days = e.check(
        "window_days",
        whole_number(&f.window_days, 1..=MAX_WINDOW_DAYS),
    );
    let weeks = e.check(
        "year_end_weeks",
        whole_number(&f.year_end_weeks, 0..=MAX_YEAR_END_WEEKS),
    );
    let (Some(days), Some(weeks)) = (days, weeks) else {
        let shown = Shown {
            rules: Some((f.window_days, f.year_end_weeks)),
            ..Shown::refused(e)
        };
        return page(&ctx, shown).await;
    };
    let rules = Rules {
        topic_window: days * DAY,
        year_end_weeks: weeks,
    };
    ctx.db()
        .set_programme_rules(&rules, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to("/kegiatan/pengaturan?done=rules").into_response())
}

#[derive(Deserialize)]
struct TopicForm {
    /// Empty for a new topic.
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_id: String,
    #[serde(default)]
    name_en: String,
    /// `1` keeps it offered; absent retires it.
    #[serde(default)]
    active: String,
}

/// Adds a topic (no `code`), or renames, retires (`active` absent) or restores one. Topics
/// hold city-wide, like the rules.
async fn save_topic(ctx: PageCtx, PageForm(f): PageForm<TopicForm>) -> PageResult {
    let code = f.code.trim();
    let names = match validate_topic(&f.name_id, &f.name_en) {
        Ok(n) => n,
        Err(e) => {
            let shown = Shown {
                // A new topic's names stay as typed; a listed one shows as stored.
                new_topic: if code.is_empty() {
                    (f.name_id, f.name_en)
                } else {
                    Default::default()
                },
                ..Shown::refused(e)
            };
            return page(&ctx, shown).await;
        }
    };
    let actor = &ctx.caller.actor;
    let done = if code.is_empty() {
        ctx.db().create_activity_topic(&names, actor).await?;
        "topic_added"
    } else {
        let active = f.active == "1";
        ctx.db()
            .update_activity_topic(code, &names, active, actor)
            .await?;
        "topic_saved"
    };
    Ok(Redirect::to(&format!("/kegiatan/pengaturan?done={done}")).into_response())
}
