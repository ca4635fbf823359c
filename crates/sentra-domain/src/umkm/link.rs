//! A business's or product's links (WhatsApp, shops, social media): the kinds, and an address
//! read as an owner writes it.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Whatsapp,
    Website,
    Instagram,
    Facebook,
    Tiktok,
    Tokopedia,
    Shopee,
    Lazada,
    Gofood,
    Grabfood,
}

impl LinkKind {
    pub const ALL: [LinkKind; 10] = [
        Self::Whatsapp,
        Self::Website,
        Self::Instagram,
        Self::Facebook,
        Self::Tiktok,
        Self::Tokopedia,
        Self::Shopee,
        Self::Lazada,
        Self::Gofood,
        Self::Grabfood,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Website => "website",
            Self::Instagram => "instagram",
            Self::Facebook => "facebook",
            Self::Tiktok => "tiktok",
            Self::Tokopedia => "tokopedia",
            Self::Shopee => "shopee",
            Self::Lazada => "lazada",
            Self::Gofood => "gofood",
            Self::Grabfood => "grabfood",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub url: String,
}

fn parse_url(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    if s.len() > 500 {
        return Err(Invalid("text_too_long"));
    }
    // Owners write `tokopedia.com/tokoku` or `www.tokoku.id` as they see it in the address
    // bar; only a scheme other than the web's is refused (`javascript:`, `ftp:`).
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None if s.contains(':') && !s.contains('.') => return Err(Invalid("url_invalid")),
        None => ("https".to_string(), s),
    };
    if scheme != "https" && scheme != "http" {
        return Err(Invalid("url_invalid"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid("url_invalid"));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// A link of a kind as an owner writes it: for WhatsApp her number (`0812-3456-7890` becomes
/// `https://wa.me/6281234567890`), for Instagram and TikTok a handle (`@tokoku`), otherwise
/// an address with or without `https://`.
pub fn parse_link(kind: LinkKind, input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let looks_like_number = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
    match kind {
        LinkKind::Whatsapp if looks_like_number => {
            let phone = crate::phone::parse_phone(s)?;
            Ok(format!(
                "https://wa.me/{}",
                phone.as_str().trim_start_matches('+')
            ))
        }
        LinkKind::Instagram | LinkKind::Tiktok if is_handle(s) => {
            let handle = s.trim_start_matches('@');
            Ok(match kind {
                LinkKind::Instagram => format!("https://www.instagram.com/{handle}"),
                _ => format!("https://www.tiktok.com/@{handle}"),
            })
        }
        _ => parse_url(s),
    }
}

/// `@tokoku` or `toko.ku_2`: letters, digits, dots and underscores, as both sites allow.
fn is_handle(s: &str) -> bool {
    let h = s.strip_prefix('@').unwrap_or(s);
    (s.starts_with('@') || !h.contains('.'))
        && (1..=30).contains(&h.len())
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn links_are_taken_as_owners_write_them() {
        let ok = |k: LinkKind, s: &str| parse_link(k, s).unwrap();
        assert_eq!(
            ok(LinkKind::Whatsapp, "0812-3456-7890"),
            "https://wa.me/6281234567890"
        );
        assert_eq!(
            ok(LinkKind::Whatsapp, "+62 812 3456 7890"),
            "https://wa.me/6281234567890"
        );
        assert_eq!(
            ok(LinkKind::Whatsapp, "https://wa.me/6281234567890"),
            "https://wa.me/6281234567890"
        );
        assert_eq!(
            ok(LinkKind::Tokopedia, "tokopedia.com/tokoku"),
            "https://tokopedia.com/tokoku"
        );
        assert_eq!(
            ok(LinkKind::Website, "http://www.tokoku.id/"),
            "http://www.tokoku.id/"
        );
        assert_eq!(
            ok(LinkKind::Instagram, "@kue.bu_sri"),
            "https://www.instagram.com/kue.bu_sri"
        );
        assert_eq!(
            ok(LinkKind::Instagram, "instagram.com/kuebusri"),
            "https://instagram.com/kuebusri"
        );
        assert_eq!(
            ok(LinkKind::Tiktok, "kuebusri"),
            "https://www.tiktok.com/@kuebusri"
        );
    }

    #[test]
    fn other_schemes_and_non_addresses_are_refused() {
        for (k, s) in [
            (LinkKind::Website, "javascript:alert(1)"),
            (LinkKind::Website, "javascript:alert(document.domain)"),
            (LinkKind::Website, "JavaScript://x.com%0aalert(1)"),
            (LinkKind::Website, "data:text/html,<b>x</b>"),
            (LinkKind::Website, "ftp://files.example.id"),
            (LinkKind::Website, "tokoku"),
            (LinkKind::Website, "toko ku.id"),
            (LinkKind::Shopee, ".shopee.co.id"),
            (LinkKind::Facebook, "@tokoku"),
        ] {
            assert_eq!(parse_link(k, s), Err(Invalid("url_invalid")), "{s}");
        }
        // A WhatsApp number no operator uses is named as a phone problem, not a bad address.
        assert_eq!(
            parse_link(LinkKind::Whatsapp, "0840-1234-5678"),
            Err(Invalid("phone_prefix_unknown"))
        );
    }
}
