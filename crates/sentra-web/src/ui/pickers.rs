//! Choices shown in forms and filters: option lists, the region drill-down, the area filter.

use sentra_domain::region::{RegionCode, RegionLevel, RegionTree};
use sentra_storage::Sector;

use crate::AppState;
use crate::lang::Lang;

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts<T: Copy>(
    items: &[T],
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
    current: &str,
) -> Vec<Opt> {
    items
        .iter()
        .map(|&i| {
            let v = value(i);
            Opt {
                selected: v == current,
                label: label(i),
                value: v,
            }
        })
        .collect()
}

pub(crate) fn sector_opts(sectors: &[Sector], lang: Lang, current: &str) -> Vec<Opt> {
    sectors
        .iter()
        .map(|s| Opt {
            selected: s.code == current,
            label: if lang == Lang::En {
                s.name_en.clone()
            } else {
                s.name_id.clone()
            },
            value: s.code.clone(),
        })
        .collect()
}

/// One select of a region drill-down.
pub struct Picker {
    pub name: String,
    pub label: String,
    pub options: Vec<Opt>,
}

fn level_key(level: RegionLevel) -> &'static str {
    level.as_str()
}

/// The drill-down selects below `home`: one per level, each listing the children of the choice
/// above it. `chosen` is the currently selected deepest region. Only the regions of the
/// caller's area `within` are offered (a kecamatan operator is not shown the other six), and a
/// level with a single choice has it chosen, so the next level opens at once.
pub(crate) fn pickers(
    tree: &RegionTree,
    home: &RegionCode,
    chosen: Option<&RegionCode>,
    lang: Lang,
    last_name: Option<&str>,
    within: &RegionCode,
) -> Vec<Picker> {
    let mut out = Vec::new();
    let mut parent = home.clone();
    while let Some(level) = parent.level().child() {
        let regions: Vec<_> = tree
            .children(&parent)
            .into_iter()
            .filter(|r| r.code.is_within(within) || within.is_within(&r.code))
            .collect();
        let current = chosen
            .and_then(|c| c.at_level(level))
            .or_else(|| match regions[..] {
                [only] => Some(only.code.clone()),
                _ => None,
            });
        let name = match (level, last_name) {
            (RegionLevel::Village, Some(n)) => n.to_string(),
            _ => level_key(level).to_string(),
        };
        let options = regions
            .iter()
            .map(|r| Opt {
                selected: current.as_ref() == Some(&r.code),
                label: r.name.clone(),
                value: r.code.as_str().to_string(),
            })
            .collect();
        out.push(Picker {
            name,
            label: lang.t(&format!("level.{}", level.as_str())).into_owned(),
            options,
        });
        match current {
            Some(c) => parent = c,
            None => break,
        }
    }
    out
}

pub(crate) fn region_name(tree: &RegionTree, code: &str) -> String {
    tree.get_str(code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The caller's area and the regions just under it, as choices of a region filter.
pub(crate) fn area_choices(state: &AppState, home: &RegionCode) -> Vec<(String, String)> {
    let mut regions = vec![(home.as_str().to_string(), state.region_name(home.as_str()))];
    regions.extend(
        state
            .regions()
            .children(home)
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), format!("— {}", r.name))),
    );
    regions
}
