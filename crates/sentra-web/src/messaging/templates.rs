//! `/admin/pesan`: the texts messages are sent with, per purpose and language, edited by an
//! admin; each shows the variables it may use, and a text naming another is refused with the
//! name, the text kept as typed. In force at once on every server (read when a message is
//! written).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::messaging::{Purpose, TemplateProblem, check_template};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub(super) fn routes() -> Routes {
    let manage = Access::HomeWide(Permission::ManageMessages);
    Routes::new("")
        .get("/admin/pesan", manage, templates)
        .post("/admin/pesan", manage, save)
}

/// One text to edit.
pub struct TextBox {
    pub purpose: &'static str,
    pub lang: &'static str,
    pub lang_label: String,
    pub text: String,
    pub error: Option<String>,
}

pub struct PurposeBlock {
    pub code: &'static str,
    pub label: String,
    pub variables: String,
    pub texts: Vec<TextBox>,
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/templates.html")]
pub struct TemplatesPage {
    pub c: Chrome,
    pub l: Lang,
    pub saved: bool,
    pub blocks: Vec<PurposeBlock>,
}

#[derive(Deserialize, Default)]
struct TemplatesQuery {
    #[serde(default)]
    done: String,
}

const LANGS: [&str; 2] = ["id", "en"];

/// The page, with `typed` (purpose, language, text, problem) in place of its stored text.
async fn page(
    ctx: &PageCtx,
    saved: bool,
    typed: Option<(Purpose, &str, &str, String)>,
) -> PageResult<TemplatesPage> {
    let lang = ctx.lang;
    let mut blocks = Vec::new();
    for p in Purpose::ALL {
        let mut texts = Vec::new();
        for code in LANGS {
            let (text, error) = match &typed {
                Some((tp, tl, text, problem)) if *tp == p && *tl == code => {
                    (text.to_string(), Some(problem.clone()))
                }
                _ => (ctx.db().message_template(p, code).await?, None),
            };
            texts.push(TextBox {
                purpose: p.as_str(),
                lang: code,
                lang_label: lang.t(&format!("message.language_{code}")).into_owned(),
                text,
                error,
            });
        }
        blocks.push(PurposeBlock {
            code: p.as_str(),
            label: lang
                .t(&format!("message.purpose_{}", p.as_str()))
                .into_owned(),
            variables: p
                .variables()
                .iter()
                .map(|v| format!("{{{v}}}"))
                .collect::<Vec<_>>()
                .join(" "),
            texts,
        });
    }
    Ok(TemplatesPage {
        c: ctx.chrome(lang.t("message.templates_title")),
        l: lang,
        saved,
        blocks,
    })
}

async fn templates(ctx: PageCtx, PageQuery(q): PageQuery<TemplatesQuery>) -> PageResult {
    Ok(page(&ctx, q.done == "1", None).await?.into_response())
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    text: String,
}

async fn save(ctx: PageCtx, PageForm(f): PageForm<SaveForm>) -> PageResult {
    let lang = ctx.lang;
    let (Some(purpose), Some(code)) = (
        Purpose::parse(&f.purpose),
        LANGS.into_iter().find(|l| *l == f.lang),
    ) else {
        let mut e = sentra_domain::FieldErrors::new();
        e.push("purpose", "choice_invalid");
        return Err(e.into());
    };
    // Line ends as browsers send them (CRLF) are kept as one.
    let text = f.text.replace("\r\n", "\n");
    if let Err(problem) = check_template(purpose, &text) {
        let said = match &problem {
            TemplateProblem::UnknownVariable(name) => lang.tf(
                "message.template_unknown_variable",
                &[
                    ("name", &format!("{{{name}}}")),
                    (
                        "allowed",
                        &purpose
                            .variables()
                            .iter()
                            .map(|v| format!("{{{v}}}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                ],
            ),
            TemplateProblem::TooLong => lang.tf(
                "message.template_too_long",
                &[("max", &sentra_domain::messaging::MAX_TEXT.to_string())],
            ),
            other => lang
                .t(&format!("message.template_{}", other.code()))
                .into_owned(),
        };
        let page = page(&ctx, false, Some((purpose, code, &text, said))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    ctx.db()
        .save_message_template(purpose, code, &text, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/admin/pesan?done=1#{}-{code}", purpose.as_str())).into_response())
}
