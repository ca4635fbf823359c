//! An operator's start (`/kerja`): what waits in her area today — drafts to verify, possible
//! duplicates, owners' changes to decide, documents about to lapse, this week's activities —
//! each a count that leads to its list, and the day's usual actions.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use sentra_domain::account::Permission;
use sentra_domain::money::format_thousands;
use sentra_domain::programme::activity::{ActivityStatus, Zone, instant};
use sentra_storage::PageRequest;

use crate::error::PageResult;
use crate::extract::PageCtx;
use crate::lang::Lang;
use crate::programme::activities::when;
use crate::ui::Chrome;

/// Days ahead a document counts as about to lapse on the work page.
const EXPIRY_DAYS: i64 = 30;
/// The waiting change requests listed by name (the count says how many more).
const CHANGES_LISTED: u32 = 10;

/// One line of work: how many, what they are, where the list is.
pub struct Task {
    pub count: String,
    pub label: String,
    pub href: &'static str,
    /// Nothing waits: shown quietly.
    pub done: bool,
}

pub struct Waiting {
    pub href: String,
    pub name: String,
    pub place: String,
    pub since: String,
}

pub struct ThisWeek {
    pub href: String,
    pub title: String,
    pub when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/work.html")]
pub struct WorkPage {
    pub c: Chrome,
    pub l: Lang,
    pub area: String,
    pub tasks: Vec<Task>,
    pub changes: Vec<Waiting>,
    /// "And N more": the requests past the listed ones.
    pub more_changes: Option<String>,
    pub week: Vec<ThisWeek>,
    /// The day's usual actions the caller may take: (address, label).
    pub actions: Vec<(&'static str, String)>,
}

fn task(lang: Lang, n: i64, key: &str, href: &'static str) -> Task {
    Task {
        count: format_thousands(n),
        label: lang.t(key).into_owned(),
        href,
        done: n == 0,
    }
}

pub async fn work(ctx: PageCtx) -> PageResult {
    let PageCtx { state, lang, .. } = &ctx;
    let lang = *lang;
    let scope = ctx.scope();
    let area = scope.region_code().clone();
    let db = ctx.db();
    let (drafts, _) = db.uncounted(&scope, &area).await?;
    let (_, duplicates) = db.duplicate_queue(&scope, 0, 0).await?;
    let (waiting, changes_total) = db.pending_changes_in(&scope, CHANGES_LISTED).await?;
    let zone = Zone::of_region(area.as_str());
    let today = crate::clock::today();
    let expiring = db
        .expiring_documents(
            &scope,
            Some(&area),
            today,
            EXPIRY_DAYS,
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?
        .total;
    let monday = today
        - chrono::Duration::days(i64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let from = instant(monday.and_time(chrono::NaiveTime::MIN), zone);
    let activities: Vec<_> = db
        .activities_between(&area, from, from + 7 * 86_400)
        .await?
        .into_iter()
        .filter(|a| a.data.status != ActivityStatus::Cancelled)
        .collect();
    // Messages waiting for the operator's own phone (no WhatsApp or SMS provider here).
    let to_send = if ctx.caller.can(Permission::RevealPersonalData) {
        db.phone_waiting(&scope, chrono::Utc::now().timestamp())
            .await?
    } else {
        0
    };
    let tasks = vec![
        task(lang, drafts, "work.drafts", "/umkm?status=draft"),
        task(lang, to_send, "work.messages", "/pesan/kirim"),
        task(lang, duplicates, "work.duplicates", "/umkm/duplicates"),
        task(lang, changes_total, "work.changes", "#perubahan"),
        task(
            lang,
            expiring,
            "work.expiring",
            "/legalitas/kedaluwarsa?hari=30",
        ),
        task(
            lang,
            activities.len() as i64,
            "work.activities",
            "/kegiatan?tampilan=minggu",
        ),
    ];
    let changes = waiting
        .iter()
        .map(|w| Waiting {
            href: format!("/umkm/{}#perubahan", w.umkm_id),
            name: w.name.clone(),
            place: state.region_name(&w.village_code),
            since: crate::view::date_text(lang, &w.created_at),
        })
        .collect::<Vec<_>>();
    let mut actions = Vec::new();
    for (href, key, p) in [
        ("/umkm/new", "nav.new_umkm", Permission::WriteRegistry),
        ("/lapangan/", "fieldapp.nav", Permission::WorkInField),
        ("/umkm/import", "nav.import", Permission::ImportRegistry),
        ("/umkm", "nav.registry", Permission::ReadRegistry),
        ("/pesan", "nav.messages", Permission::SendMessages),
    ] {
        if ctx.caller.can(p) {
            actions.push((href, lang.t(key).into_owned()));
        }
    }
    let page = WorkPage {
        c: ctx.chrome(lang.t("work.title").into_owned()),
        l: lang,
        area: state.region_name(area.as_str()),
        tasks,
        more_changes: Some(changes_total - changes.len() as i64)
            .filter(|n| *n > 0)
            .map(|n| lang.tf("work.more_changes", &[("n", &format_thousands(n))])),
        changes,
        week: activities
            .iter()
            .map(|a| ThisWeek {
                href: format!("/kegiatan/{}", a.id),
                title: a.data.title.clone(),
                when: when(lang, &a.data),
            })
            .collect(),
        actions,
    };
    Ok(page.into_response())
}
