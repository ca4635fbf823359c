//! The programme's managed lists and rules (`/kegiatan/pengaturan`, admins): the topics
//! activities are tagged with (add, rename, retire, restore; codes never reused), and the
//! harmonisation settings — the window within which the same topic for the same audience is a
//! conflict, and the weeks at the budget year's end when planned activities are flagged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::error::Invalid;
use sentra_domain::programme::activity::validate_topic;
use sentra_domain::programme::conflicts::{DAY, Rules};
use sentra_storage::StorageError;

use crate::AppState;
use crate::auth::{Caller, accept_form, require, require_home_wide};
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

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

struct Shown<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
}

impl Shown<'_> {
    async fn page(
        &self,
        status: StatusCode,
        rules: Option<(String, String)>,
        new_topic: (String, String),
        errors: &FieldErrors,
        notice: Option<String>,
    ) -> Response {
        let lang = self.lang;
        let (window_days, year_end_weeks) = match rules {
            Some(typed) => typed,
            None => {
                let r = self.state.db().programme_rules().await.unwrap_or_default();
                (
                    (r.topic_window / DAY).to_string(),
                    r.year_end_weeks.to_string(),
                )
            }
        };
        let topics = match self.state.db().activity_topics().await {
            Ok(t) => t,
            Err(e) => return error_page(lang, self.uri, e.into()),
        };
        let mut res = SettingsPage {
            c: Chrome::new(
                lang,
                lang.t("programme.settings_title").into_owned(),
                self.uri,
            )
            .signed_in(self.caller),
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
            errors: errors
                .iter()
                .map(|e| {
                    (
                        e.field.clone(),
                        lang.t(&format!("programme.field_{}", e.field)).into_owned(),
                        lang.error(e.code).into_owned(),
                    )
                })
                .collect(),
            new_topic,
            notice,
        }
        .into_response();
        *res.status_mut() = status;
        res
    }
}

async fn settings_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageProgrammes) {
        return *r;
    }
    let notice = match form_value(&query_pairs(query.as_deref()), "done") {
        done @ ("rules" | "topic_added" | "topic_saved") => {
            Some(lang.t(&format!("programme.done_{done}")).into_owned())
        }
        _ => None,
    };
    Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    }
    .page(
        StatusCode::OK,
        None,
        Default::default(),
        &FieldErrors::new(),
        notice,
    )
    .await
}

fn whole_number(s: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, Invalid> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or(Invalid("number_out_of_range"))
}

async fn save_rules(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // The rules and topics hold city-wide: see `require_home_wide`.
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
    let typed = (
        form_value(&pairs, "window_days").to_string(),
        form_value(&pairs, "year_end_weeks").to_string(),
    );
    let mut e = FieldErrors::new();
    let days = e.check("window_days", whole_number(&typed.0, 1..=MAX_WINDOW_DAYS));
    let weeks = e.check(
        "year_end_weeks",
        whole_number(&typed.1, 0..=MAX_YEAR_END_WEEKS),
    );
    let (Some(days), Some(weeks)) = (days, weeks) else {
        return Shown {
            state: &state,
            caller: &caller,
            lang,
            uri: &uri,
        }
        .page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(typed),
            Default::default(),
            &e,
            None,
        )
        .await;
    };
    let rules = Rules {
        topic_window: days * DAY,
        year_end_weeks: weeks,
    };
    match state.db().set_programme_rules(&rules, &caller.actor).await {
        Ok(()) => Redirect::to("/kegiatan/pengaturan?done=rules").into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

/// Adds a topic (no `code`), or renames, retires (`active` absent) or restores one.
async fn save_topic(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // The rules and topics hold city-wide: see `require_home_wide`.
    if let Err(r) = require_home_wide(&state, &caller, &uri) {
        return *r;
    }
    let code = form_value(&pairs, "code").trim().to_string();
    let typed = (
        form_value(&pairs, "name_id").to_string(),
        form_value(&pairs, "name_en").to_string(),
    );
    let names = match validate_topic(&typed.0, &typed.1) {
        Ok(n) => n,
        Err(e) => {
            return Shown {
                state: &state,
                caller: &caller,
                lang,
                uri: &uri,
            }
            .page(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                if code.is_empty() {
                    typed
                } else {
                    Default::default()
                },
                &e,
                None,
            )
            .await;
        }
    };
    let done = if code.is_empty() {
        state
            .db()
            .create_activity_topic(&names, &caller.actor)
            .await
            .map(|_| "topic_added")
    } else {
        let active = form_value(&pairs, "active") == "1";
        state
            .db()
            .update_activity_topic(&code, &names, active, &caller.actor)
            .await
            .map(|()| "topic_saved")
    };
    match done {
        Ok(done) => Redirect::to(&format!("/kegiatan/pengaturan?done={done}")).into_response(),
        Err(StorageError::NotFound) => error_page(lang, &uri, crate::error::ApiError::NotFound),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
