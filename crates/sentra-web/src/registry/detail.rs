//! A business's page (`/umkm/{id}`): its data (personal numbers masked unless revealed, which
//! is audited), its history, and the sections the other capabilities add (programmes,
//! legality, naik kelas, government sales, partnerships, field photos).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use sentra_domain::account::Permission;
use sentra_domain::region::RegionCode;
use sentra_domain::umkm::UmkmStatus;
use sentra_storage::UmkmRecord;

use super::list::status_class;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::lang::Lang;
use crate::ui::Chrome;
use crate::view::{date_text, field_label, mask_nik, mask_phone, opt, rupiah};

pub struct Item {
    pub label: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/umkm_detail.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_class: &'static str,
    pub business: Vec<Item>,
    pub owner: Vec<Item>,
    pub place: Vec<Item>,
    pub documents: Vec<Vec<String>>,
    pub links: Vec<(String, String)>,
    pub record: Vec<Item>,
    pub next_statuses: Vec<(String, String)>,
    pub map_href: Option<String>,
    pub history: Vec<HistoryRow>,
    pub can_reveal: bool,
    pub can_edit: bool,
    pub can_products: bool,
    pub can_hand_over: bool,
    pub notice: Option<String>,
    /// Pending owner changes: id, who, when, what.
    pub pending: Vec<(String, String, String, String)>,
    /// Open duplicate pairs of this record: the pair's page and the other record's id.
    pub duplicates: Vec<(String, String)>,
    /// The record it was merged into: its page and name.
    pub merged_into: Option<(String, String)>,
    /// The NIK's first six digits name no kecamatan in the region data (a warning, not a
    /// refusal: the owner's KTP may carry a code from before a region was split).
    pub nik_warning: Option<String>,
    /// Programmes it took part in, what changed since, and what it can join.
    pub programme: Option<crate::programme::people::ProgrammeSection>,
    /// Its legality path.
    pub legality: Option<crate::legality::LegalitySection>,
    /// Its naik-kelas reports, size class changes and milestones.
    pub growth: Option<crate::registry::growth::GrowthSection>,
    /// What government units bought from it, and its delivery record.
    pub government: Option<crate::procurement::suppliers::GovernmentSales>,
    /// What partnerships brought it.
    pub partnerships: Option<crate::partnership::PartnershipSection>,
    /// Photos and notes from the field app.
    pub field: Option<crate::field::FieldSection>,
    /// Its contact consents and the messages sent to it.
    pub messages: Option<crate::messaging::MessagesSection>,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: String,
}

/// What the history needs to put a stored value in words: the language, the region names and
/// the sectors' labels.
pub(crate) struct HistoryWords<'a> {
    pub lang: Lang,
    pub regions: &'a sentra_domain::region::RegionTree,
    pub sectors: &'a [sentra_storage::Sector],
}

impl HistoryWords<'_> {
    /// A stored value as a person reads it: labels for codes, rupiah for amounts, dates in
    /// words; never a record's id (`merged_from`: "another record").
    fn value(&self, field: &str, v: &serde_json::Value) -> String {
        use serde_json::Value;
        let lang = self.lang;
        match (field, v) {
            (_, Value::Null) => "—".into(),
            (_, Value::Bool(b)) => lang
                .t(if *b { "history.yes" } else { "history.no" })
                .into_owned(),
            ("merged_from" | "into", _) => lang.t("history.another_record").into_owned(),
            ("modal" | "annual_sales" | "sales", Value::Number(n)) => n
                .as_i64()
                .map_or_else(|| n.to_string(), sentra_domain::money::format_rupiah),
            // A registry record's status, or a flagship round's (draft, open, closed, …).
            ("status", Value::String(s)) if self.lang.has(&format!("status.{s}")) => {
                self.key_or(&format!("status.{s}"), s)
            }
            ("status", Value::String(s)) => self.key_or(&format!("flagship.status_{s}"), s),
            ("candidate_mode", Value::String(s)) => self.key_or(&format!("flagship.mode_{s}"), s),
            ("weighting", Value::String(s)) => self.key_or(&format!("flagship.method_{s}"), s),
            ("group", Value::String(s)) => self.key_or(&format!("flagship.group_{s}"), s),
            ("size_class", Value::String(s)) => self.key_or(&format!("size.{s}"), s),
            ("size_basis", Value::String(s)) => self.key_or(&format!("size.basis_{s}"), s),
            ("owner_sex", Value::String(s)) => self.key_or(&format!("sex.{s}"), s),
            ("sector", Value::String(s)) => {
                crate::programme::activities::sector_label(lang, self.sectors, s)
            }
            (
                "village_code" | "district_code" | "regency_code" | "province_code",
                Value::String(s),
            ) => sentra_domain::region::RegionCode::parse(s)
                .ok()
                .and_then(|c| self.regions.get(&c).map(|r| r.name.clone()))
                .unwrap_or_else(|| s.clone()),
            ("verified_at" | "owner_birth_date" | "in_progress_since", Value::String(s)) => {
                date_text(lang, s)
            }
            (f, Value::String(s)) if f.ends_with("issued_on") || f.ends_with("expires_on") => {
                date_text(lang, s)
            }
            ("item", Value::String(s)) => self.key_or(&format!("legal.item_{s}"), s),
            ("documents", Value::Array(items)) => self.list(items, |d| {
                let kind = d["kind"].as_str().unwrap_or_default();
                format!(
                    "{} {}",
                    self.key_or(&format!("doc.{kind}"), kind),
                    d["number"].as_str().unwrap_or_default()
                )
            }),
            ("links", Value::Array(items)) => self.list(items, |k| {
                let kind = k["kind"].as_str().unwrap_or_default();
                format!(
                    "{} {}",
                    self.key_or(&format!("link.{kind}"), kind),
                    k["value"]
                        .as_str()
                        .or(k["url"].as_str())
                        .unwrap_or_default()
                )
            }),
            (_, Value::String(s)) if s.is_empty() => "—".into(),
            (_, Value::String(s)) => s.clone(),
            // Names as listed (a round's candidates and criteria).
            (_, Value::Array(items)) if items.iter().all(Value::is_string) => {
                self.list(items, |v| v.as_str().unwrap_or_default().to_string())
            }
            (_, other) => other.to_string(),
        }
    }

    fn key_or(&self, key: &str, raw: &str) -> String {
        if self.lang.has(key) {
            self.lang.t(key).into_owned()
        } else {
            raw.to_string()
        }
    }

    fn list(
        &self,
        items: &[serde_json::Value],
        each: impl Fn(&serde_json::Value) -> String,
    ) -> String {
        if items.is_empty() {
            return "—".into();
        }
        items.iter().map(each).collect::<Vec<_>>().join(", ")
    }

    /// `Nama usaha: A → B; …` from a `{"field": [before, after]}` JSON text; ids of the
    /// request, photo or participant an action is about are left out (the action, or the name
    /// beside it, says which).
    pub(crate) fn diff_text(&self, json: &str) -> String {
        let lang = self.lang;
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(m)) => m
                .iter()
                .filter(|(field, _)| {
                    !matches!(
                        field.as_str(),
                        "request" | "photo" | "owner_user_id" | "participant"
                    )
                })
                // "Skala usaha: Mikro → Mikro" says nothing: a value that stayed is left out.
                .filter(|(_, v)| !matches!(v, serde_json::Value::Array(p) if p.len() == 2 && p[0] == p[1]))
                .map(|(field, v)| match v {
                    serde_json::Value::Array(pair)
                        if pair.len() == 2 && field != "documents" && field != "links" =>
                    {
                        format!(
                            "{}: {} → {}",
                            field_label(lang, field),
                            self.value(field, &pair[0]),
                            self.value(field, &pair[1])
                        )
                    }
                    serde_json::Value::Array(pair)
                        if pair.len() == 2 && pair.iter().all(serde_json::Value::is_array) =>
                    {
                        format!(
                            "{}: {} → {}",
                            field_label(lang, field),
                            self.value(field, &pair[0]),
                            self.value(field, &pair[1])
                        )
                    }
                    other => format!("{}: {}", field_label(lang, field), self.value(field, other)),
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::new(),
        }
    }
}

pub(crate) fn history_words<'a>(
    ctx: &PageCtx,
    sectors: &'a [sentra_storage::Sector],
) -> HistoryWords<'a> {
    HistoryWords {
        lang: ctx.lang,
        regions: ctx.state.regions(),
        sectors,
    }
}

pub(crate) fn history_rows(
    words: &HistoryWords<'_>,
    entries: Vec<sentra_storage::AuditEntry>,
) -> Vec<HistoryRow> {
    let lang = words.lang;
    entries
        .into_iter()
        .map(|e| {
            let changes = if e.action == "create" {
                String::new()
            } else {
                words.diff_text(&e.changes)
            };
            HistoryRow {
                when: format!(
                    "{} {}",
                    date_text(lang, &e.at),
                    e.at.get(11..16).unwrap_or("")
                ),
                who: match e.origin {
                    Some(o) => format!("{} ({o})", e.actor),
                    None => e.actor,
                },
                action: lang.t(&format!("audit.{}", e.action)).into_owned(),
                changes,
            }
        })
        .collect()
}

/// `/umkm/{id}?done=…`: what was just done, after the redirect from a save.
#[derive(Deserialize)]
pub(super) struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub(super) async fn detail(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DetailQuery>,
) -> PageResult {
    let r = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    // After a redirect from a save, say that it worked (the Post/Redirect/Get pattern).
    let done = match q.done.as_str() {
        v @ ("created" | "saved" | "status" | "merged" | "joined" | "waitlisted" | "reported"
        | "proposed") => Some(ctx.lang.t(&format!("umkm.done_{v}")).into_owned()),
        _ => None,
    };
    Ok(render_detail(&ctx, r, false, done).await)
}

/// Shows the NIK and phone in full to roles that need them; the reveal is audited.
pub(super) async fn reveal(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(_): FormPairs,
) -> PageResult {
    let r = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    ctx.db()
        .audit_reveal(
            &ctx.caller.actor,
            "umkm",
            &id,
            &["owner_nik", "owner_phone"],
        )
        .await?;
    Ok(no_store(render_detail(&ctx, r, true, None).await))
}

/// A page showing personal data or a password is not kept by the browser.
pub(super) fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// What the business is: brand, sector, KBLI, year, money, size class, employees.
async fn business_items(ctx: &PageCtx, r: &UmkmRecord) -> Vec<Item> {
    let lang = ctx.lang;
    let t = |k: &str| lang.t(k).into_owned();
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let sector = sectors
        .iter()
        .find(|s| s.code == r.sector)
        .map_or(r.sector.clone(), |s| {
            lang.pick(&s.name_id, &s.name_en).to_string()
        });
    let size = match (r.size_class, r.size_basis) {
        (Some(c), Some(b)) => lang.tf(
            "size.decided",
            &[
                ("class", &t(&format!("size.{}", c.as_str()))),
                ("basis", &t(&format!("size.basis_{}", b.as_str()))),
            ],
        ),
        _ => t("size.unknown"),
    };
    let employees = match (r.employees_male, r.employees_female) {
        (None, None) => "—".to_string(),
        (m, f) => lang.tf(
            "umkm.employees_value",
            &[
                ("m", &m.unwrap_or(0).to_string()),
                ("f", &f.unwrap_or(0).to_string()),
            ],
        ),
    };
    let kbli = r.kbli_code.as_ref().map_or("—".into(), |k| {
        format!("{k} (KBLI {})", r.kbli_version.clone().unwrap_or_default())
    });
    vec![
        item(lang, "brand", opt(&r.brand)),
        item(lang, "sector", sector),
        item(lang, "kbli_code", kbli),
        item(
            lang,
            "year_started",
            r.year_started.map_or("—".into(), |y| y.to_string()),
        ),
        item(lang, "modal", rupiah(r.modal)),
        item(lang, "annual_sales", rupiah(r.annual_sales)),
        item(lang, "size_class", size),
        item(lang, "employees", employees),
    ]
}

fn item(lang: Lang, key: &str, value: String) -> Item {
    Item {
        label: lang.t(&format!("field.{key}")).into_owned(),
        value,
    }
}

/// The owner, the NIK and phone masked unless `revealed`.
fn owner_items(ctx: &PageCtx, r: &UmkmRecord, revealed: bool) -> Vec<Item> {
    let lang = ctx.lang;
    let nik = if revealed {
        r.owner_nik.clone()
    } else {
        mask_nik(&r.owner_nik)
    };
    let phone = match (&r.owner_phone, revealed) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => mask_phone(p),
        (None, _) => "—".into(),
    };
    let birth = crate::view::birth_date_seen(
        lang,
        r.owner_birth_date,
        ctx.caller.can(Permission::RevealPersonalData),
    );
    vec![
        item(lang, "owner_name", r.owner_name.clone()),
        item(lang, "nik", nik),
        item(
            lang,
            "owner_sex",
            lang.t(&format!("sex.{}", r.owner_sex)).into_owned(),
        ),
        item(lang, "owner_birth_date", birth),
        item(lang, "phone", phone),
    ]
}

/// Where it is: the address, the region from province to village, the coordinates.
fn place_items(ctx: &PageCtx, r: &UmkmRecord) -> Vec<Item> {
    let lang = ctx.lang;
    let code = RegionCode::parse(&r.village_code).unwrap_or_else(|_| ctx.state.home().clone());
    let lineage: Vec<String> = ctx
        .state
        .regions()
        .lineage(&code)
        .iter()
        .map(|x| format!("{} ({})", x.name, x.code))
        .collect();
    let coordinates = match (r.latitude, r.longitude) {
        (Some(a), Some(b)) => format!("{a:.6}, {b:.6}"),
        _ => "—".into(),
    };
    vec![
        item(lang, "address", opt(&r.address)),
        item(
            lang,
            "village_code",
            lineage.into_iter().rev().collect::<Vec<_>>().join(", "),
        ),
        item(lang, "coordinates", coordinates),
    ]
}

/// Each legal document: kind, number, issued, expires.
fn document_rows(lang: Lang, r: &UmkmRecord) -> Vec<Vec<String>> {
    let day = |d: Option<chrono::NaiveDate>| {
        d.map_or("—".to_string(), |d| {
            date_text(lang, &d.format("%Y-%m-%d").to_string())
        })
    };
    r.documents
        .iter()
        .map(|d| {
            vec![
                lang.t(&format!("doc.{}", d.kind.as_str())).into_owned(),
                d.number.clone(),
                day(d.issued_on),
                day(d.expires_on),
            ]
        })
        .collect()
}

/// Each link with its label; a WhatsApp link (the owner's number) masked as the phone is.
fn link_rows(lang: Lang, r: &UmkmRecord, revealed: bool) -> Vec<(String, String)> {
    let verified = r.status == UmkmStatus::Verified;
    r.links
        .iter()
        .map(|l| {
            (
                lang.t(&format!("link.{}", l.kind.as_str())).into_owned(),
                crate::view::link_seen(l.kind, &l.url, verified, revealed),
            )
        })
        .collect()
}

/// Who made, changed and verified the record, when.
fn record_items(lang: Lang, r: &UmkmRecord) -> Vec<Item> {
    let mut record = vec![
        item(
            lang,
            "created_at",
            format!("{} ({})", date_text(lang, &r.created_at), r.created_by),
        ),
        item(lang, "updated_at", date_text(lang, &r.updated_at)),
    ];
    if let (Some(by), Some(at)) = (&r.verified_by, &r.verified_at) {
        record.push(item(
            lang,
            "verified",
            format!("{} — {by}", date_text(lang, at)),
        ));
    }
    record
}

/// The statuses a verifier may move the record to.
fn next_statuses(ctx: &PageCtx, r: &UmkmRecord) -> Vec<(String, String)> {
    UmkmStatus::ALL
        .iter()
        .filter(|_| ctx.caller.can(Permission::VerifyRegistry))
        // A merged record lives on in the one it was merged into: nothing to verify here.
        .filter(|_| r.merged_into.is_none())
        .filter(|s| **s != r.status)
        .map(|s| {
            (
                s.as_str().to_string(),
                ctx.lang
                    .t(&format!("status.action_{}", s.as_str()))
                    .into_owned(),
            )
        })
        .collect()
}

/// Whether the NIK's kecamatan (its first six digits, Permendagri 72/2019 for the codes) is
/// missing from the region data.
fn nik_area_unknown(ctx: &PageCtx, r: &UmkmRecord) -> bool {
    sentra_domain::ids::parse_nik(&r.owner_nik)
        .ok()
        .and_then(|n| sentra_domain::region::RegionCode::parse(&n.district_code()).ok())
        .is_some_and(|code| ctx.state.regions().get(&code).is_none())
}

/// Owners' changes waiting for an operator: id, who, when, what.
async fn pending_rows(
    ctx: &PageCtx,
    r: &UmkmRecord,
    words: &HistoryWords<'_>,
) -> Vec<(String, String, String, String)> {
    let lang = ctx.lang;
    ctx.db()
        .pending_changes(&ctx.scope(), &r.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c.id,
                c.requested_by,
                date_text(lang, &c.created_at),
                words.diff_text(&c.diff),
            )
        })
        .collect()
}

/// Open duplicate pairs of the record, for verifiers.
async fn duplicate_links(ctx: &PageCtx, r: &UmkmRecord) -> Vec<(String, String)> {
    if !ctx.caller.can(Permission::VerifyRegistry) {
        return Vec::new();
    }
    let others = ctx
        .db()
        .open_duplicates_of(&ctx.scope(), &r.id)
        .await
        .unwrap_or_default();
    let mut out = Vec::with_capacity(others.len());
    // By name, as people know them; the id only in the link.
    for other in others {
        let name = match ctx.db().get_umkm(&ctx.scope(), &other).await {
            Ok(o) => o.name,
            Err(_) => ctx.lang.t("history.another_record").into_owned(),
        };
        out.push((crate::registry::duplicates::pair_href(&r.id, &other), name));
    }
    out
}

/// The sections the other capabilities add to the page.
struct Sections {
    programme: Option<crate::programme::people::ProgrammeSection>,
    legality: Option<crate::legality::LegalitySection>,
    growth: Option<crate::registry::growth::GrowthSection>,
    government: Option<crate::procurement::suppliers::GovernmentSales>,
    partnerships: Option<crate::partnership::PartnershipSection>,
    field: Option<crate::field::FieldSection>,
    messages: Option<crate::messaging::MessagesSection>,
}

async fn sections(ctx: &PageCtx, r: &UmkmRecord) -> Sections {
    let (state, caller, lang) = (&ctx.state, &ctx.caller, ctx.lang);
    // A record merged into another has its life there.
    let live = r.merged_into.is_none();
    Sections {
        programme: if live {
            crate::programme::people::programme_section(state, caller, lang, &r.id).await
        } else {
            None
        },
        legality: if live {
            crate::legality::legality_section(state, caller, lang, r).await
        } else {
            None
        },
        growth: if live {
            crate::registry::growth::growth_section(state, caller, lang, r).await
        } else {
            None
        },
        government: crate::procurement::suppliers::government_sales(state, caller, lang, r).await,
        partnerships: crate::partnership::partnership_section(state, caller, lang, r).await,
        field: crate::field::field_section(state, caller, r).await,
        messages: crate::messaging::messages_section(state, caller, lang, r).await,
    }
}

pub(super) async fn render_detail(
    ctx: &PageCtx,
    r: UmkmRecord,
    revealed: bool,
    notice: Option<String>,
) -> Response {
    let lang = ctx.lang;
    let can = |p: Permission| ctx.caller.can(p);
    // One sector list for the history and the pending changes.
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let words = history_words(ctx, &sectors);
    let history = history_rows(
        &words,
        ctx.db().audit_for("umkm", &r.id).await.unwrap_or_default(),
    );
    let s = sections(ctx, &r).await;
    DetailPage {
        field: s.field,
        messages: s.messages,
        growth: s.growth,
        government: s.government,
        partnerships: s.partnerships,
        legality: s.legality,
        programme: s.programme,
        duplicates: duplicate_links(ctx, &r).await,
        merged_into: match &r.merged_into {
            Some(m) => Some((
                format!("/umkm/{m}"),
                ctx.db().get_umkm(&ctx.scope(), m).await.map_or_else(
                    |_| lang.t("history.another_record").into_owned(),
                    |k| k.name,
                ),
            )),
            None => None,
        },
        nik_warning: nik_area_unknown(ctx, &r)
            .then(|| lang.t("umkm.nik_area_unknown").into_owned()),
        history,
        can_reveal: can(Permission::RevealPersonalData) && !revealed,
        can_edit: can(Permission::WriteRegistry),
        can_products: can(Permission::ManageProducts),
        can_hand_over: can(Permission::VerifyRegistry),
        notice,
        pending: pending_rows(ctx, &r, &words).await,
        c: ctx.chrome(r.name.clone()),
        l: lang,
        id: r.id.clone(),
        name: r.name.clone(),
        status: lang
            .t(&format!("status.{}", r.status.as_str()))
            .into_owned(),
        status_class: status_class(r.status),
        business: business_items(ctx, &r).await,
        owner: owner_items(ctx, &r, revealed),
        place: place_items(ctx, &r),
        documents: document_rows(lang, &r),
        links: link_rows(lang, &r, revealed),
        record: record_items(lang, &r),
        next_statuses: next_statuses(ctx, &r),
        map_href: match (r.latitude, r.longitude) {
            (Some(a), Some(b)) => Some(format!("geo:{a},{b}")),
            _ => None,
        },
    }
    .into_response()
}
