//! The counting rules (`/aturan-hitung`, public): docs/counting-rules.md, written once and
//! compiled in, shown in the reader's language (the part before `<!-- en -->` is Indonesian,
//! the part after English). Every page with official figures links here from its footnote.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

const RULES: &str = include_str!("../../../../docs/counting-rules.md");
const ENGLISH: &str = "<!-- en -->";

pub fn routes() -> Routes {
    Routes::new("").get("/aturan-hitung", Access::Public, rules_page)
}

/// A block of the document: the small part of Markdown it is written in.
pub enum Block {
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
}

/// The language's part of the document as blocks (the first heading is the page's title).
fn blocks(lang: Lang) -> (String, Vec<Block>) {
    let (id, en) = RULES.split_once(ENGLISH).unwrap_or((RULES, RULES));
    let text = match lang {
        Lang::Id => id,
        Lang::En => en,
    };
    let mut title = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix("# ") {
            title = h.to_string();
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push(Block::Heading(h.to_string()));
        } else if let Some(item) = line.strip_prefix("- ") {
            match out.last_mut() {
                Some(Block::List(items)) => items.push(item.to_string()),
                _ => out.push(Block::List(vec![item.to_string()])),
            }
        } else {
            out.push(Block::Paragraph(line.to_string()));
        }
    }
    (title, out)
}

#[derive(Template, WebTemplate)]
#[template(path = "insight/rules.html")]
pub struct RulesPage {
    pub c: Chrome,
    pub l: Lang,
    pub blocks: Vec<Block>,
}

async fn rules_page(ReqLang(lang): ReqLang, uri: Uri) -> Response {
    let (title, blocks) = blocks(lang);
    RulesPage {
        c: Chrome::new(lang, title, &uri),
        l: lang,
        blocks,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_has_its_part_of_the_rules() {
        let (id, id_blocks) = blocks(Lang::Id);
        let (en, en_blocks) = blocks(Lang::En);
        assert_eq!(id, "Aturan hitung");
        assert_eq!(en, "Counting rules");
        assert_eq!(id_blocks.len(), en_blocks.len(), "the same sections");
    }
}
