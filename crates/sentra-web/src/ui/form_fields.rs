use std::collections::HashMap;

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
