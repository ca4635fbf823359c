//! Every user-facing string of Sentra, Indonesian first and English second. Keys live in
//! `locales/id.yml` and `locales/en.yml`; a test keeps the two files in step.

rust_i18n::i18n!("locales", fallback = "id");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "id-id" | "in" => Some(Lang::Id),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, in the order the client gave.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| {
                let primary = tag.trim().split('-').next().unwrap_or("");
                Lang::parse(primary)
            })
            .next()
    }

    /// The translation of `key`, or the key itself when it is missing (a test forbids that).
    pub fn t(self, key: &str) -> Cow<'static, str> {
        match _rust_i18n_try_translate(self.code(), key) {
            Some(Cow::Borrowed(s)) => Cow::Borrowed(s),
            Some(Cow::Owned(s)) => Cow::Owned(s),
            None => Cow::Owned(key.to_string()),
        }
    }

    /// Of a name kept in both languages (a category's, a sector's), the one to show.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The translation with `%{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).into_owned();
        for (name, value) in args {
            s = s.replace(&format!("%{{{name}}}"), value);
        }
        s
    }

    /// A percentage with one decimal as the language writes it: `72,5%` in Indonesian
    /// (a decimal comma), `72.5%` in English.
    pub fn percent(self, value: f64) -> String {
        let text = format!("{value:.1}%");
        match self {
            Lang::Id => text.replace('.', ","),
            Lang::En => text,
        }
    }

    /// `part` of `whole` as a percentage, or a dash when there is no whole.
    pub fn share(self, part: i64, whole: i64) -> String {
        if whole == 0 {
            "–".into()
        } else {
            self.percent(part as f64 * 100.0 / whole as f64)
        }
    }

    pub fn has(self, key: &str) -> bool {
        _rust_i18n_try_translate(self.code(), key).is_some()
    }

    /// The sentence for a validation or API error code (`error.<code>`).
    pub fn error(self, code: &str) -> Cow<'static, str> {
        let key = format!("error.{code}");
        if self.has(&key) {
            self.t(&key)
        } else {
            self.t("error.invalid")
        }
    }

    /// `24 September 2025` with the month named in this language.
    pub fn date(self, year: i32, month: u32, day: u32) -> String {
        format!("{day} {} {year}", self.t(&format!("month.m{month}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        let text =
            std::fs::read_to_string(format!("{}/locales/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let mut stack: Vec<(usize, String)> = Vec::new();
        let mut out = BTreeSet::new();
        for line in text.lines() {
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            let Some((k, v)) = line.trim().split_once(':') else {
                continue;
            };
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            let full: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).chain([k]).collect();
            if v.trim().is_empty() {
                stack.push((indent, k.to_string()));
            } else {
                out.insert(full.join("."));
            }
        }
        out
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let id = keys("id.yml");
        let en = keys("en.yml");
        assert!(id.len() > 50, "{}", id.len());
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(
            only_id.is_empty() && only_en.is_empty(),
            "only id: {only_id:?}; only en: {only_en:?}"
        );
        for k in &id {
            assert!(Lang::Id.has(k), "runtime lookup misses {k}");
            assert!(Lang::En.has(k), "runtime lookup misses {k}");
        }
    }

    /// Every file of the crates that show text: their sources and templates.
    fn sources() -> Vec<std::path::PathBuf> {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut stack = vec![crates];
        let mut out = Vec::new();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "rs" || x == "html") {
                    out.push(path);
                }
            }
        }
        out
    }

    /// The literal keys a file asks for: `t("a.b")`, `tf("a.b", …)` and `error("code")`
    /// (`error.code`); keys built at run time (`format!`) are not literal and not checked.
    fn literal_keys(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (call, prefix) in [("t(\"", ""), ("tf(\"", ""), ("error(\"", "error.")] {
            for (at, _) in text.match_indices(call) {
                // `t(` only as a whole name: not `set(` or `assert(`.
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &text[at + call.len()..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                let keyish = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c));
                if keyish && (prefix == "error." || key.contains('.')) {
                    out.push(format!("{prefix}{key}"));
                }
            }
        }
        out
    }

    #[test]
    fn every_literal_key_in_the_code_exists_in_both_languages() {
        let mut missing = BTreeSet::new();
        let mut seen = 0;
        for path in sources() {
            // This file names the patterns it looks for.
            if path.ends_with("sentra-i18n/src/lib.rs") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for key in literal_keys(&text) {
                seen += 1;
                for lang in Lang::ALL {
                    if !lang.has(&key) {
                        missing.insert(format!("{} {key} ({})", lang.code(), path.display()));
                    }
                }
            }
        }
        assert!(
            seen > 500,
            "only {seen} keys found: is the scan still right?"
        );
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn indonesian_is_the_default_and_english_translates() {
        assert_eq!(Lang::default(), Lang::Id);
        assert_eq!(Lang::Id.error("nik_length"), "NIK harus 16 digit.");
        assert_eq!(Lang::En.error("nik_length"), "NIK must be 16 digits.");
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,id;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), None);
    }
}
