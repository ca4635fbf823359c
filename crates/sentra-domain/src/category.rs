//! The catalogue's category tree as admins and curators edit it: names in Indonesian and
//! English, whether the category is processed food (which decides the legal requirements of its
//! products), up to three levels. Codes are made from the Indonesian name once and never change,
//! since products, search facets and shared links hold them.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{FieldErrors, Invalid};
use crate::product::{Category, slugify};

/// Levels of the tree: `makanan` › `makanan.keripik` › `makanan.keripik.singkong`.
pub const MAX_DEPTH: usize = 3;
/// Characters of a category's name.
pub const MAX_NAME: usize = 60;

/// A category as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CategoryInput {
    /// The parent's code; empty for the top level.
    #[serde(default)]
    pub parent: String,
    pub name_id: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub food: bool,
}

pub fn depth(code: &str) -> usize {
    code.split('.').count()
}

/// The names checked: Indonesian required, English defaulting to it, both at most
/// [`MAX_NAME`] characters, and no sibling (other than `own_code`) of the same name.
pub fn check_names(
    e: &mut FieldErrors,
    input: &CategoryInput,
    parent: Option<&str>,
    own_code: Option<&str>,
    tree: &[Category],
) -> Option<(String, String)> {
    let name = |s: &str| -> Result<String, Invalid> {
        // Invisible direction and zero-width characters dropped, as for every name (clean_text).
        let s = crate::umkm::strip_invisible(s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if s.chars().count() > MAX_NAME {
            Err(Invalid("text_too_long"))
        } else {
            Ok(s)
        }
    };
    let name_id = e
        .check("name_id", name(&input.name_id))
        .and_then(|n| match n.is_empty() {
            true => {
                e.push("name_id", "required");
                None
            }
            false => Some(n),
        });
    let name_en = e.check("name_en", name(&input.name_en));
    let name_id = name_id?;
    let taken = tree.iter().any(|c| {
        c.parent.as_deref() == parent
            && Some(c.code.as_str()) != own_code
            && c.name_id.to_lowercase() == name_id.to_lowercase()
    });
    if taken {
        e.push("name_id", "category_name_taken");
        return None;
    }
    let name_en = name_en.filter(|n| !n.is_empty()).unwrap_or(name_id.clone());
    Some((name_id, name_en))
}

/// A new category checked against the tree in force (`tree`) and every code ever used
/// (`codes`, retired categories included): its code is its parent's and its Indonesian name's
/// words (`makanan.dodol_wajik`), made unique with a number.
pub fn new_category(
    input: &CategoryInput,
    tree: &[Category],
    codes: &[String],
) -> Result<Category, FieldErrors> {
    let mut e = FieldErrors::new();
    let parent = input.parent.trim();
    let parent = if parent.is_empty() {
        None
    } else {
        match tree.iter().find(|c| c.code == parent) {
            None => {
                e.push("parent", "category_unknown");
                None
            }
            Some(p) if depth(&p.code) >= MAX_DEPTH => {
                e.push("parent", "category_too_deep");
                None
            }
            Some(p) => Some(p.code.clone()),
        }
    };
    let names = check_names(&mut e, input, parent.as_deref(), None, tree);
    e.clone().into_result()?;
    let Some((name_id, name_en)) = names else {
        return Err(e);
    };
    let word: String = slugify(&name_id)
        .replace('-', "_")
        .chars()
        .take(30)
        .collect::<String>()
        .trim_end_matches('_')
        .to_string();
    let base = match &parent {
        Some(p) => format!("{p}.{word}"),
        None => word,
    };
    let mut code = base.clone();
    let mut n = 2;
    while codes.contains(&code) {
        code = format!("{base}_{n}");
        n += 1;
    }
    Ok(Category {
        code,
        parent,
        name_id,
        name_en,
        food: input.food,
    })
}

/// The categories parents first, each followed by its children, siblings in their `position`
/// order (then by code).
pub fn in_tree_order(mut items: Vec<(Category, i64)>) -> Vec<Category> {
    items.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.code.cmp(&b.0.code)));
    let mut children: HashMap<Option<String>, Vec<Category>> = HashMap::new();
    let known: Vec<String> = items.iter().map(|(c, _)| c.code.clone()).collect();
    for (c, _) in items {
        // A child whose parent is missing shows at the top rather than not at all.
        let parent = c.parent.clone().filter(|p| known.contains(p));
        children.entry(parent).or_default().push(c);
    }
    let mut out = Vec::with_capacity(known.len());
    let mut stack: Vec<Category> = children.remove(&None).unwrap_or_default();
    stack.reverse();
    while let Some(c) = stack.pop() {
        if let Some(mut kids) = children.remove(&Some(c.code.clone())) {
            kids.reverse();
            stack.extend(kids);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::default_categories;

    fn input(parent: &str, name_id: &str, name_en: &str) -> CategoryInput {
        CategoryInput {
            parent: parent.into(),
            name_id: name_id.into(),
            name_en: name_en.into(),
            food: true,
        }
    }

    fn codes(tree: &[Category]) -> Vec<String> {
        tree.iter().map(|c| c.code.clone()).collect()
    }

    #[test]
    fn a_new_category_gets_a_code_from_its_name_under_its_parent() {
        let tree = default_categories();
        let Ok(c) = new_category(
            &input("makanan", "  Dodol &  Wajik ", ""),
            &tree,
            &codes(&tree),
        ) else {
            panic!("valid");
        };
        assert_eq!(c.code, "makanan.dodol_wajik");
        assert_eq!(c.parent.as_deref(), Some("makanan"));
        assert_eq!(
            (c.name_id.as_str(), c.name_en.as_str()),
            ("Dodol & Wajik", "Dodol & Wajik")
        );
        // A retired category's code is not used again.
        let mut used = codes(&tree);
        used.push("makanan.dodol_wajik".into());
        let Ok(again) = new_category(&input("makanan", "Dodol Wajik", "Dodol"), &tree, &used)
        else {
            panic!("valid");
        };
        assert_eq!(again.code, "makanan.dodol_wajik_2");
    }

    #[test]
    fn bad_input_names_the_field() {
        let tree = default_categories();
        let problems = |i: CategoryInput| match new_category(&i, &tree, &codes(&tree)) {
            Ok(c) => panic!("{c:?}"),
            Err(e) => e
                .iter()
                .map(|e| (e.field.clone(), e.code))
                .collect::<Vec<_>>(),
        };
        assert_eq!(
            problems(input("", " ", "")),
            [("name_id".into(), "required")]
        );
        assert_eq!(
            problems(input("makanan", "keripik & camilan", "")),
            [("name_id".into(), "category_name_taken")]
        );
        assert_eq!(
            problems(input("sayur", "Bayam", "")),
            [("parent".into(), "category_unknown")]
        );
        let long = "x".repeat(MAX_NAME + 1);
        assert_eq!(
            problems(input("", "Ok", &long)),
            [("name_en".into(), "text_too_long")]
        );
        let mut deep = tree.clone();
        deep.push(Category {
            code: "makanan.keripik.singkong".into(),
            parent: Some("makanan.keripik".into()),
            name_id: "Singkong".into(),
            name_en: "Cassava".into(),
            food: true,
        });
        let Err(e) = new_category(
            &input("makanan.keripik.singkong", "Balado", ""),
            &deep,
            &codes(&deep),
        ) else {
            panic!("too deep");
        };
        assert_eq!(e.0[0].code, "category_too_deep");
    }

    #[test]
    fn the_tree_lists_children_under_their_parent_in_position_order() {
        let cat = |code: &str| Category {
            code: code.into(),
            parent: code.rsplit_once('.').map(|(p, _)| p.to_string()),
            ..Category::default()
        };
        let items = vec![
            (cat("minuman"), 20),
            (cat("makanan.dodol"), 500),
            (cat("makanan"), 10),
            (cat("makanan.keripik"), 30),
            (cat("minuman.kopi"), 5),
            (cat("makanan.keripik.singkong"), 1),
        ];
        let order: Vec<String> = in_tree_order(items).into_iter().map(|c| c.code).collect();
        assert_eq!(
            order,
            [
                "makanan",
                "makanan.keripik",
                "makanan.keripik.singkong",
                "makanan.dodol",
                "minuman",
                "minuman.kopi"
            ]
        );
    }
}
