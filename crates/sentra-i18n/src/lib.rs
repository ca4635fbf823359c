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

    /// `part` of `whole` as a percentage with one decimal, cut rather than rounded so that a
    /// share is never shown above what it is (39,96% reads 39,9%, not a 40,0% that looks like
    /// a target met); a dash when there is no whole.
    pub fn share(self, part: i64, whole: i64) -> String {
        if whole == 0 {
            return "–".into();
        }
        let tenths = i128::from(part) * 1000 / i128::from(whole);
        let sign = if tenths < 0 { "-" } else { "" };
        let (units, tenth) = (tenths.abs() / 10, tenths.abs() % 10);
        let mark = match self {
            Lang::Id => ',',
            Lang::En => '.',
        };
        format!("{sign}{units}{mark}{tenth}%")
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

    /// `Desember 2026` / `December 2026`.
    pub fn month_year(self, year: i32, month: u32) -> String {
        format!("{} {year}", self.t(&format!("month.m{month}")))
    }

    /// A time of day as written in this language: `09.00` in Indonesian (KBBI, PUEBI), `09:00`
    /// in English.
    pub fn time(self, hour: u32, minute: u32) -> String {
        match self {
            Lang::Id => format!("{hour:02}.{minute:02}"),
            Lang::En => format!("{hour:02}:{minute:02}"),
        }
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

    /// The string literals inside `expr` (`"verify"`, `if x { "a" } else { "b" }`).
    fn literals(expr: &str) -> Vec<String> {
        expr.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// The actions the storage writes to the audit trail: the fourth argument of every
    /// `audit::append(…)`, or the literals of the `let action = …;` it names.
    fn audit_actions(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (at, call) in text.match_indices("audit::append(") {
            let rest = &text[at + call.len()..];
            let (mut depth, mut args, mut start) = (0, Vec::new(), 0);
            for (i, c) in rest.char_indices() {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => {
                        args.push(&rest[start..i]);
                        break;
                    }
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        args.push(&rest[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            let Some(action) = args.get(3).map(|a| a.trim()) else {
                continue;
            };
            if action.contains('"') {
                out.extend(literals(action));
            } else if let Some(def) = text[..at].rfind(&format!("let {action} =")) {
                let end = text[def..].find(';').map_or(text.len(), |e| def + e);
                out.extend(literals(&text[def..end]));
            }
        }
        out
    }

    /// The history and the audit page show each action by its label (`audit.merge`), never
    /// the key: every action the storage writes has one in both languages.
    #[test]
    fn every_audited_action_has_a_label() {
        let mut missing = BTreeSet::new();
        let mut seen = 0;
        for path in sources() {
            if !path.to_string_lossy().contains("sentra-storage") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for action in audit_actions(&text) {
                seen += 1;
                for lang in Lang::ALL {
                    if !lang.has(&format!("audit.{action}")) {
                        missing.insert(format!(
                            "{} audit.{action} ({})",
                            lang.code(),
                            path.display()
                        ));
                    }
                }
            }
        }
        assert!(
            seen > 50,
            "only {seen} actions found: is the scan still right?"
        );
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn a_share_is_cut_to_one_decimal_in_the_language() {
        assert_eq!(Lang::Id.share(49, 1000), "4,9%");
        assert_eq!(Lang::En.share(546, 1000), "54.6%");
        assert_eq!(
            Lang::Id.share(3996, 10_000),
            "39,9%",
            "never shown as 40,0%"
        );
        assert_eq!(Lang::Id.share(1, 1), "100,0%");
        assert_eq!(Lang::Id.share(0, 7), "0,0%");
        assert_eq!(Lang::Id.share(3, 0), "–");
        assert_eq!(Lang::Id.share(i64::MAX, i64::MAX), "100,0%");
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
