use std::collections::HashMap;

use sentra_domain::FieldErrors;

use crate::lang::Lang;

/// (field, label, message) of a refused form.
pub type Errors = Vec<(String, String, String)>;

/// A refused form's problems worded for the page: the label is `{prefix}{field}` translated;
/// a line of a list (`candidates.3`) without a label of its own is named by its list and line
/// ("Kandidat, baris 3") and reported under the list's field.
pub(crate) fn worded(lang: Lang, e: &FieldErrors, prefix: &str) -> Errors {
    e.iter()
        .map(|x| {
            let whole = format!("{prefix}{}", x.field);
            let message = lang.error(x.code).into_owned();
            if lang.has(&whole) {
                return (x.field.clone(), lang.t(&whole).into_owned(), message);
            }
            let Some((list, line)) = x
                .field
                .split_once('.')
                .filter(|(_, line)| line.bytes().all(|b| b.is_ascii_digit()))
            else {
                return (x.field.clone(), x.field.clone(), message);
            };
            let key = format!("{prefix}{list}");
            let name = if lang.has(&key) {
                lang.t(&key).into_owned()
            } else {
                list.to_string()
            };
            let label = format!("{name}, {} {line}", lang.t("import.row"));
            (list.to_string(), label, message)
        })
        .collect()
}

/// A form page's typed values and its problems (field, label, message), for the templates'
/// `val`, `err` and `invalid`.
pub trait FormFields {
    fn values(&self) -> &HashMap<String, String>;
    fn errors(&self) -> &[(String, String, String)];

    fn val(&self, field: &str) -> &str {
        self.values().get(field).map_or("", String::as_str)
    }

    fn err(&self, field: &str) -> String {
        self.errors()
            .iter()
            .filter(|(f, _, _)| f == field)
            .map(|(_, _, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn invalid(&self, field: &str) -> bool {
        self.errors().iter().any(|(f, _, _)| f == field)
    }
}

/// `impl FormFields` for a page struct with `values` and `errors` fields.
macro_rules! form_fields {
    ($page:ty) => {
        impl $crate::ui::FormFields for $page {
            fn values(&self) -> &::std::collections::HashMap<String, String> {
                &self.values
            }

            fn errors(&self) -> &[(String, String, String)] {
                &self.errors
            }
        }
    };
}
pub(crate) use form_fields;
