//! The caller's scope as SQL over `umkm u`: every list or count of registry records goes
//! through [`scope_condition`] or [`filter_where`], so none can forget it.

use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;

use super::Args;
use crate::{LegalityFilter, UmkmFilter};

pub(crate) fn region_column(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "u.province_code",
        RegionLevel::Regency => "u.regency_code",
        RegionLevel::District => "u.district_code",
        RegionLevel::Village => "u.village_code",
    }
}

/// `col = $n` for the region the caller may see, and for owners `owner_user_id = $m`. With
/// `by_province` (a partitioned `umkm`) a region inside a province also names the province:
/// PostgreSQL then reads that province's partition only.
pub(crate) fn scope_condition(
    region: &RegionCode,
    owner: Option<&str>,
    by_province: bool,
    args: &mut Args,
) -> String {
    let mut cond = format!(
        "{} = {}",
        region_column(region.level()),
        args.text(region.as_str())
    );
    if by_province
        && region.level() != RegionLevel::Province
        && let Some(province) = region.at_level(RegionLevel::Province)
    {
        cond.push_str(&format!(
            " AND u.province_code = {}",
            args.text(province.as_str())
        ));
    }
    if let Some(owner) = owner {
        cond.push_str(&format!(" AND u.owner_user_id = {}", args.text(owner)));
    }
    cond
}

/// The scope's rule checked on a record already read: its kelurahan inside the scope's region,
/// and for an owner's scope, the owner's own. (Used where a scope condition in SQL would lead
/// the planner away from a key index.)
pub(crate) fn scope_admits(scope: &Scope, village_code: &str, owner: Option<&str>) -> bool {
    RegionCode::parse(village_code).is_ok_and(|c| scope.contains(&c))
        && scope.owner().is_none_or(|o| owner == Some(o))
}

/// The WHERE clause (over `umkm u`) of a scope and a filter, with its arguments; `None` when
/// the filter's region lies outside the scope.
pub(crate) fn filter_where(
    scope: &Scope,
    filter: &UmkmFilter,
    by_province: bool,
) -> Option<(String, Args)> {
    filter_where_as(scope, filter, by_province, false)
}

/// [`filter_where`], with a growth mark tested per row when `marks_per_row`
/// ([`crate::GrowthFilter::condition_as`]).
pub(crate) fn filter_where_as(
    scope: &Scope,
    filter: &UmkmFilter,
    by_province: bool,
    marks_per_row: bool,
) -> Option<(String, Args)> {
    let region = scope.narrow(filter.region.as_ref())?;
    let mut args = Args::default();
    // Records merged into another are not the registry's any more.
    let mut conds = vec![
        scope_condition(&region, scope.owner(), by_province, &mut args),
        "u.merged_into IS NULL".to_string(),
    ];
    if let Some(sector) = &filter.sector {
        conds.push(format!("u.sector_code = {}", args.text(sector.as_str())));
    }
    if let Some(size) = filter.size {
        conds.push(format!("u.size_class = {}", args.text(size.as_str())));
    }
    if let Some(status) = filter.status {
        conds.push(format!("u.status = {}", args.text(status.as_str())));
    }
    if let Some(legality) = filter.legality {
        let (not, kind) = match legality {
            LegalityFilter::Has(k) => ("", k),
            LegalityFilter::Lacks(k) => ("NOT ", k),
        };
        // Holding a document means holding one valid today (docs/counting-rules.md): an
        // expired P-IRT is one to renew, not one held — as the dashboard's coverage counts.
        let kind = args.text(kind.as_str());
        // Today where the region is (WIB, WITA or WIT), not in UTC.
        let zone = sentra_domain::programme::activity::Zone::of_region(region.as_str());
        let today = args.text(
            zone.date_at(chrono::Utc::now().timestamp())
                .format("%Y-%m-%d")
                .to_string(),
        );
        conds.push(format!(
            "{not}EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id AND d.kind = {kind} \
             AND (d.expires_on IS NULL OR d.expires_on = '' OR d.expires_on >= {today}))"
        ));
    }
    if let Some(growth) = filter.growth {
        conds.push(growth.condition_as(&mut args, marks_per_row));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let p = args.text(escape_like(text));
        conds.push(format!(
            "(lower(u.name) LIKE {p} ESCAPE '\\' OR lower(COALESCE(u.brand, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(ids) = &filter.ids {
        if ids.is_empty() {
            conds.push("1 = 0".to_string());
        } else {
            let list: Vec<String> = ids.iter().map(|id| args.text(id.clone())).collect();
            conds.push(format!("u.id IN ({})", list.join(", ")));
        }
    }
    Some((conds.join(" AND "), args))
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(region: &str, by_province: bool) -> (String, usize) {
        let mut args = Args::default();
        let cond = scope_condition(
            &RegionCode::parse(region).unwrap(),
            None,
            by_province,
            &mut args,
        );
        (cond, args.len())
    }

    #[test]
    fn a_scope_inside_a_province_names_it_on_a_partitioned_table() {
        assert_eq!(
            condition("53.02.03", true),
            ("u.district_code = $1 AND u.province_code = $2".into(), 2)
        );
        // A province scope prunes by itself; an unpartitioned table needs nothing more.
        assert_eq!(condition("53", true), ("u.province_code = $1".into(), 1));
        assert_eq!(condition("53.02", false), ("u.regency_code = $1".into(), 1));
    }
}
