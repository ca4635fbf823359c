//! Partnerships and matchmaking (`/mitra`, issue 11): the region's partners (brands, retailers,
//! hotels and restaurants, marketplaces, BUMN/BUMD, Smesco) and their requests; for a request,
//! the catalogue's products ranked with the reasons each fits and what it lacks, the curator's
//! shortlist with a WhatsApp link to each business, and where each stands (contacted, sample
//! sent, accepted, ordered with its value, delivered) so the partnership's effect on sales is
//! seen per partner and on each business's page. A `partner` account sees its own partner's
//! requests and shortlist, and records new requests.

mod partner;
mod partners;
pub(crate) mod request;
mod shortlist;

use sentra_domain::account::{Permission, Role};
use sentra_domain::money::{format_rupiah, sum_rupiah};
use sentra_domain::partnership::{Outcome, PartnerKind};
use sentra_storage::{CandidateRecord, UmkmRecord};

use crate::AppState;
use crate::auth::Caller;
use crate::lang::Lang;
use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    partners::routes()
        .merge(partner::routes())
        .merge(request::routes())
        .merge(shortlist::routes())
}

/// A `partner` account sees only the partner it speaks for.
pub(crate) fn own_login(caller: &Caller) -> Option<&str> {
    (caller.user.role == Role::Partner).then_some(caller.user.login.as_str())
}

fn kind_label(lang: Lang, k: PartnerKind) -> String {
    lang.t(&format!("partner.kind_{}", k.as_str())).into_owned()
}

fn outcome_label(lang: Lang, o: Outcome) -> String {
    lang.t(&format!("partner.outcome_{}", o.as_str()))
        .into_owned()
}

pub struct OutcomeLine {
    pub request: String,
    pub business: String,
    pub business_href: Option<String>,
    pub product: String,
    pub product_href: String,
    pub outcome: String,
    pub value: String,
}

fn outcome_lines(lang: Lang, caller: &Caller, list: &[CandidateRecord]) -> Vec<OutcomeLine> {
    list.iter()
        .map(|c| OutcomeLine {
            request: c.request_title.clone(),
            business: c.umkm_name.clone(),
            business_href: caller
                .can(Permission::ReadRegistry)
                .then(|| format!("/umkm/{}", c.umkm_id)),
            product: c.product_name.clone(),
            product_href: format!("/p/{}", c.product_slug),
            outcome: outcome_label(lang, c.outcome),
            value: c.order_value.map_or("–".into(), format_rupiah),
        })
        .collect()
}

/// A business's partnerships, for its page.
pub struct PartnershipSection {
    pub lines: Vec<OutcomeLine>,
    pub total: String,
}

pub(crate) async fn partnership_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    record: &UmkmRecord,
) -> Option<PartnershipSection> {
    let list = state
        .db()
        .partnerships_of(&caller.scope(), &record.id)
        .await
        .ok()?;
    if list.is_empty() {
        return None;
    }
    let total = sum_rupiah(
        list.iter()
            .filter(|c| c.outcome.ordered())
            .filter_map(|c| c.order_value),
    );
    let mut lines = outcome_lines(lang, caller, &list);
    for (line, c) in lines.iter_mut().zip(&list) {
        line.request = format!("{} · {}", c.partner_name, c.request_title);
    }
    Some(PartnershipSection {
        lines,
        total: format_rupiah(total),
    })
}
