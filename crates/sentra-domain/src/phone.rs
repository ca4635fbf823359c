//! Indonesian phone numbers, mobile and landline, normalised to E.164 (`+62…`).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Invalid;

/// An Indonesian phone number in E.164 form, e.g. `+6281234567890` or `+62215551234`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

/// Masked, so a `{:?}` in a log line never carries the full number (UU 27/2022, PDP).
impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Mobile prefixes in use, after the trunk 0 (operators' allocations in the national numbering
/// plan): Telkomsel 811–813, 821–823, 851–853; Indosat 814–816, 855–858; XL 817–819, 859,
/// 877–878; Axis 831–833, 838; Smartfren 881–889; Tri 895–899.
pub(crate) const MOBILE_PREFIXES: [&str; 40] = [
    "811", "812", "813", "814", "815", "816", "817", "818", "819", "821", "822", "823", "831",
    "832", "833", "838", "851", "852", "853", "855", "856", "857", "858", "859", "877", "878",
    "881", "882", "883", "884", "885", "886", "887", "888", "889", "895", "896", "897", "898",
    "899",
];

/// Parses a number as people write it: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`,
/// `(021) 555-1234`, `+62-21-5551234`.
pub fn parse_phone(input: &str) -> Result<Phone, Invalid> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Invalid("phone_required"));
    }
    let mut plus = false;
    let mut digits = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // A single leading plus, possibly inside parentheses as in "(+62) 812…".
            '+' if digits.is_empty() && !plus => plus = true,
            '-' | '.' | '(' | ')' => {}
            c if c.is_whitespace() => {}
            _ => return Err(Invalid("phone_invalid_chars")),
        }
    }
    if digits.is_empty() {
        return Err(Invalid("phone_required"));
    }

    // The national significant number follows the country code 62 (with "+" or the international
    // prefix 00) or the trunk prefix 0 (ITU-T E.164).
    let after_country_code = if plus {
        Some(
            digits
                .strip_prefix("62")
                .ok_or(Invalid("phone_not_indonesian"))?,
        )
    } else if let Some(rest) = digits.strip_prefix("00") {
        Some(
            rest.strip_prefix("62")
                .ok_or(Invalid("phone_not_indonesian"))?,
        )
    } else {
        digits.strip_prefix("62")
    };
    let national = match after_country_code {
        // "+62 0812…" keeps the trunk 0 by mistake; it is never part of the number.
        Some(rest) => rest.strip_prefix('0').unwrap_or(rest),
        None => digits.strip_prefix('0').unwrap_or(&digits),
    };
    // Indonesian national numbers start with 1–9; a further 0 is a foreign or mistyped prefix.
    if national.starts_with('0') {
        return Err(Invalid("phone_not_indonesian"));
    }
    // A mobile number's prefix must be one an operator uses (0840, 0820 are no one's).
    if national.starts_with('8') && !MOBILE_PREFIXES.iter().any(|p| national.starts_with(p)) {
        return Err(Invalid("phone_prefix_unknown"));
    }
    // Mobile numbers (08…) have 9–12 national digits, landlines (area code + subscriber) 7–12.
    let lengths = if national.starts_with('8') {
        9..=12
    } else {
        7..=12
    };
    if !lengths.contains(&national.len()) {
        return Err(Invalid("phone_length"));
    }
    Ok(Phone(format!("+62{national}")))
}

impl Phone {
    /// E.164, e.g. `+6281234567890`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national significant number, without `+62` or `0`.
    fn significant(&self) -> &str {
        &self.0[3..]
    }

    /// Mobile numbers are those starting 08 (national 8…).
    pub fn is_mobile(&self) -> bool {
        self.significant().starts_with('8')
    }

    /// A click-to-chat link; wa.me wants the international number without the plus.
    pub fn whatsapp_link(&self) -> String {
        format!("https://wa.me/{}", &self.0[1..])
    }

    /// The number as dialled inside Indonesia, e.g. `081234567890`.
    pub fn national(&self) -> String {
        format!("0{}", self.significant())
    }

    /// `+62` with the first 3 and last 3 national digits, for roles that may not see the whole
    /// number (UU 27/2022 PDP), e.g. `+62812•••••890`.
    pub fn masked(&self) -> String {
        let n = self.significant();
        let hidden = n.len().saturating_sub(6);
        format!("+62{}{}{}", &n[..3], "•".repeat(hidden), &n[n.len() - 3..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        parse_phone(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(input: &str) -> String {
        parse_phone(input).unwrap().as_str().to_owned()
    }

    fn code(input: &str) -> &'static str {
        parse_phone(input).unwrap_err().0
    }

    #[test]
    fn mobile_numbers_in_every_usual_form() {
        for input in [
            "0812-3456-7890",
            "0812 3456 7890",
            "081234567890",
            "62812 3456 7890",
            "6281234567890",
            "+62 812-3456-7890",
            "+6281234567890",
            "(+62) 812 3456 7890",
            "+62 0812 3456 7890",
            "0062 812 3456 7890",
            "0812.3456.7890",
            "  0812 3456 7890\t",
            "812-3456-7890",
        ] {
            assert_eq!(e164(input), "+6281234567890", "{input:?}");
        }
    }

    #[test]
    fn landlines() {
        assert_eq!(e164("(021) 555-1234"), "+62215551234");
        assert_eq!(e164("+62-21-5551234"), "+62215551234");
        assert_eq!(e164("021 5551234"), "+62215551234");
        // Kupang, 4-digit area code.
        assert_eq!(e164("(0380) 821 234"), "+62380821234");
        // 062x area codes (North Sumatra) are not mistaken for the country code after a 0.
        assert_eq!(e164("0622 21234"), "+6262221234");
        assert!(!parse_phone("(021) 555-1234").unwrap().is_mobile());
    }

    #[test]
    fn accessors() {
        let p = parse_phone("0812-3456-7890").unwrap();
        assert!(p.is_mobile());
        assert_eq!(p.as_str(), "+6281234567890");
        assert_eq!(p.to_string(), "+6281234567890");
        assert_eq!(p.national(), "081234567890");
        assert_eq!(p.whatsapp_link(), "https://wa.me/6281234567890");
        assert_eq!(p.masked(), "+62812•••••890");
        assert_eq!("0812-3456-7890".parse::<Phone>(), Ok(p));
        // The shortest landline still hides one digit.
        assert_eq!(parse_phone("0361 2345").unwrap().masked(), "+62361•345");
    }

    #[test]
    fn a_mobile_prefix_no_operator_uses_is_refused() {
        for input in [
            "0840 1234 5678",
            "0820-1234-5678",
            "+62 800 1234 5678",
            "0870 123 4567",
        ] {
            assert_eq!(code(input), "phone_prefix_unknown", "{input}");
        }
        for input in [
            "0811 234 5678",
            "0838 1234 5678",
            "0896 1234 5678",
            "0859 1234 5678",
        ] {
            assert!(parse_phone(input).is_ok(), "{input}");
        }
    }

    #[test]
    fn rejections() {
        assert_eq!(code(""), "phone_required");
        assert_eq!(code("   "), "phone_required");
        assert_eq!(code("( ) -"), "phone_required");
        assert_eq!(code("0812-3456-789O"), "phone_invalid_chars");
        assert_eq!(code("0812 3456 7890 ext 12"), "phone_invalid_chars");
        assert_eq!(code("0812/3456/7890"), "phone_invalid_chars");
        assert_eq!(code("0812+34567890"), "phone_invalid_chars");
        assert_eq!(code("++6281234567890"), "phone_invalid_chars");
        assert_eq!(code("+60 12-345 6789"), "phone_not_indonesian");
        assert_eq!(code("+1 555 123 4567"), "phone_not_indonesian");
        assert_eq!(code("0060 12 345 6789"), "phone_not_indonesian");
        assert_eq!(code("+"), "phone_required");
        assert_eq!(code("+62 00 812 3456"), "phone_not_indonesian");
        assert_eq!(code("0812 3456"), "phone_length"); // mobile, 7 national digits
        assert_eq!(code("0812 3456 7890 123"), "phone_length");
        assert_eq!(code("021 5551"), "phone_length");
        assert_eq!(code("+62"), "phone_length");
        assert_eq!(code("0"), "phone_length");
    }

    fn typed_numbers() -> impl Strategy<Value = String> {
        let prefix = prop_oneof![
            Just(""),
            Just("0"),
            Just("62"),
            Just("+62"),
            Just("+62 "),
            Just("(+62) "),
            Just("0062"),
        ];
        let national = "[1-9][0-9]{5,12}";
        let seps =
            proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just(".")], 13);
        (prefix, national, seps).prop_map(|(prefix, national, seps)| {
            let body: String = national
                .chars()
                .zip(seps.iter().chain(std::iter::repeat(&"")))
                .flat_map(|(c, s)| [c.to_string(), s.to_string()])
                .collect();
            format!("{prefix}{body}")
        })
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(input in typed_numbers()) {
            if let Ok(p) = parse_phone(&input) {
                prop_assert_eq!(parse_phone(p.as_str()), Ok(p.clone()));
                prop_assert_eq!(parse_phone(&p.national()), Ok(p.clone()));
                prop_assert!(p.as_str().starts_with("+62"));
                prop_assert_eq!(p.masked().chars().count(), p.as_str().chars().count());
            }
        }

        #[test]
        fn valid_lengths_are_accepted(national in "[1-79][0-9]{6,11}|8(1[1-9]|2[1-3]|5[5-9]|9[5-9])[0-9]{6,9}") {
            let p = parse_phone(&format!("0{national}")).unwrap();
            prop_assert_eq!(p.as_str(), format!("+62{national}"));
            prop_assert_eq!(p.is_mobile(), national.starts_with('8'));
        }

        #[test]
        fn never_panics_on_strings(s in any::<String>()) {
            if let Ok(p) = parse_phone(&s) {
                let _ = (p.masked(), p.national(), p.whatsapp_link());
            }
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            if let Ok(p) = parse_phone(&String::from_utf8_lossy(&bytes)) {
                let _ = (p.masked(), p.national(), p.whatsapp_link());
            }
        }
    }
}
