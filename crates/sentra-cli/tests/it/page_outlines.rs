//! Snapshots of key pages' outline — their elements and classes, nested, without text and
//! with repeated rows folded — so that a change of layout shows in review (`cargo insta review`)
//! while the data the pages show may differ.

use crate::common::{self, spawn_app};

/// Elements that have no closing tag.
const VOID: [&str; 9] = [
    "br", "hr", "img", "input", "meta", "link", "source", "col", "wbr",
];

struct Node {
    label: String,
    children: Vec<Node>,
}

/// The element tree of `html` (script and style bodies skipped), each element as `tag.class…`.
fn tree(html: &str) -> Node {
    let mut stack = vec![Node {
        label: "document".into(),
        children: Vec::new(),
    }];
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            // Close up to the matching element (browsers forgive a missing end tag too).
            if stack[1..]
                .iter()
                .any(|n| n.label.split('.').next() == Some(name.as_str()))
            {
                while let Some(node) = stack.pop() {
                    let done = node.label.split('.').next() == Some(name.as_str());
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                    if done {
                        break;
                    }
                }
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect::<String>()
            .to_ascii_lowercase();
        let classes = attribute(tag, "class")
            .map(|c| {
                c.split_whitespace()
                    .map(|c| format!(".{c}"))
                    .collect::<String>()
            })
            .unwrap_or_default();
        let node = Node {
            label: format!("{name}{classes}"),
            children: Vec::new(),
        };
        if (name == "script" || name == "style")
            && let Some(close) = rest.find(&format!("</{name}"))
        {
            rest = &rest[close..];
        }
        if VOID.contains(&name.as_str()) || tag.ends_with('/') {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(node);
            }
        } else {
            stack.push(node);
        }
    }
    while stack.len() > 1 {
        let node = stack.pop().unwrap();
        stack.last_mut().unwrap().children.push(node);
    }
    stack.pop().unwrap()
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))?;
    let value = &tag[at + name.len() + 3..];
    Some(&value[..value.find('"')?])
}

/// The tree as indented lines; a run of siblings with the same outline is written once, `×n`.
fn outline(node: &Node, depth: usize, out: &mut String) {
    let mut i = 0;
    while i < node.children.len() {
        let mut one = String::new();
        let child = &node.children[i];
        one.push_str(&format!("{}{}", "  ".repeat(depth), child.label));
        let mut inner = String::new();
        outline(child, depth + 1, &mut inner);
        let mut run = 1;
        while let Some(next) = node.children.get(i + run) {
            let mut next_inner = String::new();
            outline(next, depth + 1, &mut next_inner);
            if next.label != child.label || next_inner != inner {
                break;
            }
            run += 1;
        }
        if run > 1 {
            one.push_str(" ×n");
        }
        out.push_str(&one);
        out.push('\n');
        out.push_str(&inner);
        i += run;
    }
}

async fn page_outline(app: &common::TestApp, path: &str) -> String {
    let html = app.page(path).await;
    let root = tree(&html);
    let mut out = String::new();
    outline(&root, 0, &mut out);
    out
}

#[tokio::test]
async fn key_pages_keep_their_layout() {
    let app = spawn_app().await;
    app.seed(30, 7).await;
    for (name, path) in [
        ("registry_list", "/umkm"),
        ("procurement_share", "/pengadaan"),
        ("flagship_rounds", "/unggulan"),
        ("programme_list", "/kegiatan?tampilan=daftar"),
        ("dashboard", "/dasbor"),
    ] {
        insta::assert_snapshot!(name, page_outline(&app, path).await);
    }
}

#[test]
fn an_outline_folds_rows_and_keeps_nesting() {
    let html = r#"<main class="page"><table><tr><td>a</td></tr><tr><td>b</td></tr></table>
        <p>x<br>y</p><script>if (a < b) {}</script></main>"#;
    let mut out = String::new();
    outline(&tree(html), 0, &mut out);
    assert_eq!(
        out,
        "main.page\n  table\n    tr ×n\n      td\n  p\n    br\n  script\n"
    );
}
