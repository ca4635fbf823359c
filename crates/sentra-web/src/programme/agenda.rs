//! The public agenda (`/agenda`, no sign-in): the activities planned or confirmed in the
//! deployment's region (or a part of it) for the coming three months, with the places left.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Uri;
use axum::response::IntoResponse;
use sentra_domain::programme::activity::ActivityStatus;
use sentra_domain::region::RegionCode;
use sentra_storage::ActivityRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageResult;
use crate::extract::PageQuery;
use crate::lang::{Lang, ReqLang};
use crate::programme::activities::{organised_by, topic_label, when};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("").get("/agenda", Access::Public, agenda)
}

pub struct AgendaRow {
    /// `kegiatan-{id}`: the calendar feed's events link back to it.
    pub anchor: String,
    pub title: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    pub topics: String,
    pub places_left: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_agenda.html")]
pub struct AgendaPage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<AgendaRow>,
    pub ics: String,
}

/// Days ahead the public agenda lists.
const AGENDA_DAYS: i64 = 90;

/// `/agenda?wilayah=…&topik=…`.
#[derive(Deserialize)]
struct AgendaQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    /// Narrows it to a topic (the legality path links to the clinics of a step's topic).
    #[serde(default, rename = "topik")]
    topic: String,
}

fn agenda_row(
    state: &AppState,
    lang: Lang,
    topics: &[sentra_storage::Topic],
    a: &ActivityRecord,
    taken: i64,
) -> AgendaRow {
    let d = &a.data;
    let left = i64::from(d.capacity) - taken;
    AgendaRow {
        anchor: format!("kegiatan-{}", a.id),
        title: d.title.clone(),
        when: when(lang, d),
        place: d
            .venue
            .clone()
            .unwrap_or_else(|| lang.t("activity.online").into_owned()),
        organiser: organised_by(state, lang, d),
        topics: d
            .topics
            .iter()
            .map(|t| topic_label(lang, topics, t))
            .collect::<Vec<_>>()
            .join(", "),
        places_left: if left > 0 {
            lang.tf("activity.places_left", &[("n", &left.to_string())])
        } else {
            lang.t("activity.full").into_owned()
        },
    }
}

/// The public agenda (no sign-in): activities planned or confirmed in the deployment's region
/// (or `wilayah` inside it) for the coming three months, with the places left.
async fn agenda(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<crate::auth::Caller, axum::response::Response>,
    PageQuery(q): PageQuery<AgendaQuery>,
) -> PageResult {
    let home = state.home().clone();
    let region = RegionCode::parse(&q.region)
        .ok()
        .filter(|r| r.is_within(&home))
        .unwrap_or(home);
    let now = chrono::Utc::now().timestamp();
    let found = state
        .db()
        .activities_between(&region, now, now + AGENDA_DAYS * 86_400)
        .await?;
    let topics = state.db().activity_topics().await.unwrap_or_default();
    let open: Vec<&ActivityRecord> = found
        .iter()
        .filter(|a| {
            matches!(
                a.data.status,
                ActivityStatus::Planned | ActivityStatus::Confirmed
            ) && (q.topic.is_empty() || a.data.topics.contains(&q.topic))
        })
        .collect();
    // The places held in all of them, in one query.
    let ids: Vec<&str> = open.iter().map(|a| a.id.as_str()).collect();
    let mut held: HashMap<String, i64> = HashMap::new();
    for (activity, _) in state.db().places_taken(&ids).await.unwrap_or_default() {
        *held.entry(activity).or_default() += 1;
    }
    let rows = open
        .into_iter()
        .map(|a| {
            let taken = held.get(&a.id).copied().unwrap_or(0);
            agenda_row(&state, lang, &topics, a, taken)
        })
        .collect();
    let title = lang.tf(
        "activity.agenda_title",
        &[("region", &state.region_name(region.as_str()))],
    );
    Ok(AgendaPage {
        // Signed out: the public frame, without a menu.
        c: Chrome::new(lang, title, &uri).for_visitor(&visitor),
        l: lang,
        rows,
        ics: format!("/kegiatan/kalender.ics?wilayah={}", region.as_str()),
    }
    .into_response())
}
