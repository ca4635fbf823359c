//! Formatting for pages: rupiah, dates, names of codes, in the page's language.

use sentra_domain::money::format_rupiah;
use sentra_i18n::Lang;

pub fn rupiah(v: Option<i64>) -> String {
    v.map(format_rupiah).unwrap_or_else(|| "—".to_string())
}

/// `2025-09-24` or `2025-09-24T10:00:00.000Z` → `24 September 2025`.
pub fn date_text(lang: Lang, s: &str) -> String {
    let day = s.get(..10).unwrap_or(s);
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => {
            use chrono::Datelike;
            lang.date(d.year(), d.month(), d.day())
        }
        Err(_) => s.to_string(),
    }
}

/// A day in words: `1 Juni 2026` / `1 June 2026`.
pub fn day_words(lang: Lang, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    lang.date(d.year(), d.month(), d.day())
}

pub fn opt(v: &Option<String>) -> String {
    v.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_string())
}

/// Builds a query string from pairs, leaving out empty values.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// A field's label for messages: `documents.nib.number` → "NIB — Nomor", `links.shopee` → "Shopee".
pub fn field_label(lang: Lang, field: &str) -> String {
    let parts: Vec<&str> = field.split('.').collect();
    match parts.as_slice() {
        ["documents", kind, part] => format!(
            "{} — {}",
            lang.t(&format!("doc.{kind}")),
            lang.t(&format!("field.{part}"))
        ),
        ["links", kind] => lang.t(&format!("link.{kind}")).into_owned(),
        _ => {
            let key = format!("field.{field}");
            if lang.has(&key) {
                lang.t(&key).into_owned()
            } else {
                field.to_string()
            }
        }
    }
}

/// `3674••••••••••••`: what is shown until the NIK is revealed (see `Nik::masked`).
pub fn mask_nik(nik: &str) -> String {
    sentra_domain::ids::parse_nik(nik)
        .map(|n| n.masked())
        .unwrap_or_else(|_| "••••".into())
}

/// `+62812•••••890`.
pub fn mask_phone(phone: &str) -> String {
    sentra_domain::phone::parse_phone(phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "••••".into())
}

/// `s•••@contoh.id`: an e-mail address with all but its first letter hidden (the domain is
/// kept: a mailbox provider says little about its holder).
pub fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((user, host)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}•••@{host}")
        }
        None => "••••".into(),
    }
}

/// JSON inside a `<script>` element: `<`, `>` and `&` as JSON escapes, so neither `</script>`
/// nor `<!--` (which makes the HTML parser swallow the rest of the page) can appear in it.
pub fn script_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// A birth date as a role sees it beside the masked NIK: in full for roles that may reveal
/// personal data (the mask hides the serial, so date, sex and kecamatan do not give the NIK
/// back), the year alone for the others — a birth date is itself personal data (UU 27/2022).
pub fn birth_date_seen(lang: crate::Lang, date: Option<chrono::NaiveDate>, full: bool) -> String {
    match date {
        None => "—".into(),
        Some(d) if full => date_text(lang, &d.format("%Y-%m-%d").to_string()),
        Some(d) => chrono::Datelike::year(&d).to_string(),
    }
}

/// A business's link as a page or the API shows it. The WhatsApp link carries the owner's
/// phone number in full, so it is masked like the phone unless the storefront shows it to
/// everyone anyway (a verified business) or the personal data was revealed.
pub fn link_seen(
    kind: sentra_domain::umkm::LinkKind,
    url: &str,
    public: bool,
    revealed: bool,
) -> String {
    if kind != sentra_domain::umkm::LinkKind::Whatsapp || public || revealed {
        return url.to_string();
    }
    let digits: String = url
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match sentra_domain::phone::parse_phone(&format!("+{digits}")) {
        Ok(p) => format!("https://wa.me/{}", p.masked().trim_start_matches('+')),
        Err(_) => "https://wa.me/••••".into(),
    }
}

/// A WhatsApp link's number written as Indonesians read it: `wa.me/6281234567890` →
/// `0812-3456-7890`.
pub fn whatsapp_number(url: &str) -> Option<String> {
    let digits = url.rsplit('/').next()?.split('?').next()?;
    phone_local(digits)
}

/// A number in international form (`+6281234567890`, `6281234567890`) as written at home:
/// `0812-3456-7890`; none for fewer than 9 digits.
pub fn phone_local(international: &str) -> Option<String> {
    let digits: String = international.chars().filter(char::is_ascii_digit).collect();
    let local = match digits.strip_prefix("62") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    if local.len() < 9 {
        return None;
    }
    let (a, rest) = local.split_at(4);
    let (b, c) = rest.split_at(4.min(rest.len()));
    Some(format!("{a}-{b}-{c}"))
}

#[cfg(test)]
mod whatsapp_tests {
    use super::whatsapp_number;

    #[test]
    fn whatsapp_numbers_read_as_written_in_indonesia() {
        assert_eq!(
            whatsapp_number("https://wa.me/6281234567890").as_deref(),
            Some("0812-3456-7890")
        );
        assert_eq!(
            whatsapp_number("https://wa.me/628123456789?text=Halo").as_deref(),
            Some("0812-3456-789")
        );
        assert_eq!(whatsapp_number("https://wa.me/62812"), None);
    }
}
