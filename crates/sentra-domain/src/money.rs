//! Rupiah amounts as integer rupiah (`i64`): parsing what people type and formatting `Rp1.250.000`.
//!
//! Indonesian writes `.` between thousands and `,` before decimals. Amounts are also typed with
//! unit words: `500 rb`, `1,5 juta`, `2 M` (miliar), `1 T` (triliun).
//!
//! One amount fits `i64`; a total of many does not have to: totals are `i128` ([`sum_rupiah`]).

use crate::error::Invalid;

/// The largest accepted amount of one record (a business's modal or sales, a price, a purchase,
/// a unit's budget), Rp10 triliun: 200 times the top of usaha menengah (sales of at most Rp50
/// miliar, PP 7/2021 Pasal 35) and above a whole kota's yearly budget, so a bigger one is a
/// typing mistake. A national registry at this maximum (10^8 records × 10^13 = 10^21) passes
/// `i64::MAX` (9,2 × 10^18): totals are summed as `i128`, which 10^21 leaves far below its limit.
pub const MAX_RUPIAH: i64 = 10_000_000_000_000;

/// [`MAX_RUPIAH`] as the unsigned type the parser accumulates in.
const MAX: u64 = MAX_RUPIAH.unsigned_abs();

/// Parses an amount as typed: `Rp1.500.000`, `Rp 1.500.000,00`, `1500000`, `1,5 juta`,
/// `1.5 juta`, `750rb`, `2 M`, `2,25 milyar`, `1 T`, `Rp 2jt`. Case and spaces do not matter.
/// A fraction of a rupiah is rejected unless it is zero (`,00`, `,-`).
pub fn parse_rupiah(input: &str) -> Result<i64, Invalid> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if compact.is_empty() {
        return Err(Invalid("rupiah_required"));
    }

    let mut s = compact.as_str();
    // The sign may come before or after the currency: "-Rp5.000" and "Rp -5.000".
    let mut negative = false;
    if let Some(rest) = strip_minus(s) {
        negative = true;
        s = rest;
    }
    s = strip_any_prefix(s, &["rp.", "rp", "idr"]);
    if !negative && let Some(rest) = strip_minus(s) {
        negative = true;
        s = rest;
    }
    s = strip_any_suffix(s, &["rupiah", "rp", "idr"]);
    // "Rp 1.000,-" is the customary way to say "no cents".
    s = strip_any_suffix(s, &[",-", ".-"]);

    let number_len = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(number_len);
    let exponent = unit_exponent(unit).ok_or(Invalid("rupiah_invalid"))?;
    let amount = parse_number(number, exponent)?;
    if negative {
        return Err(Invalid("rupiah_negative"));
    }
    i64::try_from(amount).map_err(|_| Invalid("rupiah_too_large"))
}

fn strip_minus(s: &str) -> Option<&str> {
    // U+2212 MINUS SIGN arrives from word processors and spreadsheets.
    s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}'))
}

fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    prefixes.iter().find_map(|p| s.strip_prefix(p)).unwrap_or(s)
}

fn strip_any_suffix<'a>(s: &'a str, suffixes: &[&str]) -> &'a str {
    suffixes.iter().find_map(|p| s.strip_suffix(p)).unwrap_or(s)
}

/// The power of ten of a unit word; `M` is miliar (10^9), as in Indonesian usage, not million.
fn unit_exponent(unit: &str) -> Option<u32> {
    // An abbreviation may end with a full stop: "2 jt.".
    let unit = unit.strip_suffix('.').unwrap_or(unit);
    match unit {
        "" => Some(0),
        "rb" | "ribu" | "k" => Some(3),
        "jt" | "juta" => Some(6),
        "m" | "miliar" | "milyar" => Some(9),
        "t" | "triliun" | "trilyun" => Some(12),
        _ => None,
    }
}

/// The value of `number` (digits, `.` and `,`) times 10^`exponent`, in whole rupiah.
fn parse_number(number: &str, exponent: u32) -> Result<u64, Invalid> {
    let (integer, fraction) = split_decimal(number)?;
    let integer = parse_grouped(integer)?;
    // Trailing zeros of a fraction carry no value: "1.000,00" is whole, "1,50 juta" is 1,5 juta.
    let fraction = fraction.trim_end_matches('0');
    let exponent_len = exponent as usize;
    if fraction.len() > exponent_len {
        return Err(Invalid("rupiah_fraction"));
    }
    let scale = 10u64.pow(exponent);
    // At most 12 digits here (the largest exponent), so this fits in u64.
    let fraction_value = fraction
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
        * 10u64.pow((exponent_len - fraction.len()) as u32);
    integer
        .checked_mul(scale)
        .and_then(|v| v.checked_add(fraction_value))
        .filter(|v| *v <= MAX)
        .ok_or(Invalid("rupiah_too_large"))
}

/// Splits into integer and fraction digits. `,` always starts a fraction; a single `.` followed
/// by 1–2 digits does too, since thousands groups always have 3 digits (`1.5 juta`, `1500.00`).
fn split_decimal(number: &str) -> Result<(&str, &str), Invalid> {
    if let Some((integer, fraction)) = number.split_once(',') {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid("rupiah_invalid"));
        }
        return Ok((integer, fraction));
    }
    match number.split_once('.') {
        Some((integer, fraction))
            if (1..=2).contains(&fraction.len())
                && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok((integer, fraction))
        }
        _ => Ok((number, "")),
    }
}

/// Digits, optionally grouped by `.` in threes after a first group of 1–3 (`1.500.000`).
fn parse_grouped(integer: &str) -> Result<u64, Invalid> {
    if integer.is_empty() {
        return Err(Invalid("rupiah_invalid"));
    }
    let grouped = integer.contains('.');
    let mut value: u64 = 0;
    for (i, group) in integer.split('.').enumerate() {
        let well_formed = match (grouped, i) {
            (false, _) => true,
            (true, 0) => (1..=3).contains(&group.len()),
            (true, _) => group.len() == 3,
        };
        if !well_formed || !group.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid("rupiah_invalid"));
        }
        for b in group.bytes() {
            // Stops as soon as the value passes MAX, so it never overflows u64.
            value = value * 10 + u64::from(b - b'0');
            if value > MAX {
                return Err(Invalid("rupiah_too_large"));
            }
        }
    }
    Ok(value)
}

/// An amount that must be more than zero (a package value, a budget).
pub fn parse_positive_rupiah(input: &str) -> Result<i64, Invalid> {
    let v = parse_rupiah(input)?;
    if v > 0 {
        Ok(v)
    } else {
        Err(Invalid("number_out_of_range"))
    }
}

/// The exact total of amounts: `i128` cannot overflow for fewer than 10^19 amounts of `i64`.
pub fn sum_rupiah(amounts: impl IntoIterator<Item = i64>) -> i128 {
    amounts.into_iter().map(i128::from).sum()
}

/// `Rp1.250.000`; negative amounts as `-Rp1.250.000`. Takes a total (`i128`) as well as one
/// amount.
pub fn format_rupiah(amount: impl Into<i128>) -> String {
    let amount = amount.into();
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp{}", group_thousands(amount.unsigned_abs()))
}

/// `1.250.000`; negative numbers as `-1.250.000`.
pub fn format_thousands(n: impl Into<i128>) -> String {
    let n = n.into();
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(n.unsigned_abs()))
}

fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(input: &str) -> &'static str {
        parse_rupiah(input).unwrap_err().0
    }

    #[test]
    fn amounts_as_typed() {
        let cases: &[(&str, i64)] = &[
            ("Rp1.500.000", 1_500_000),
            ("Rp 1.500.000,00", 1_500_000),
            ("Rp. 1.500.000,-", 1_500_000),
            ("rp1.500.000.-", 1_500_000),
            ("IDR 1.500.000", 1_500_000),
            ("1.500.000 rupiah", 1_500_000),
            ("1.500.000", 1_500_000),
            ("1500000", 1_500_000),
            ("1 500 000", 1_500_000),
            ("1\u{a0}500\u{a0}000", 1_500_000),
            ("1500.00", 1_500),
            ("0", 0),
            ("Rp0", 0),
            ("1,5 juta", 1_500_000),
            ("1.5 juta", 1_500_000),
            ("1,50 juta", 1_500_000),
            ("1.500 juta", 1_500_000_000),
            ("1,25 jt", 1_250_000),
            ("Rp 2jt", 2_000_000),
            ("3 jt", 3_000_000),
            ("3 JT.", 3_000_000),
            ("500 rb", 500_000),
            ("500 ribu", 500_000),
            ("500 ribu rupiah", 500_000),
            ("750rb", 750_000),
            ("12,5rb", 12_500),
            ("10k", 10_000),
            ("10K", 10_000),
            ("2 M", 2_000_000_000),
            ("2m", 2_000_000_000),
            ("2 miliar", 2_000_000_000),
            ("2,25 milyar", 2_250_000_000),
            ("Rp 1,234567891 M", 1_234_567_891),
            ("1 T", 1_000_000_000_000),
            ("1 triliun", 1_000_000_000_000),
            ("10 T", MAX_RUPIAH),
            ("Rp10.000.000.000.000", MAX_RUPIAH),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_rupiah(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn rejections() {
        assert_eq!(code(""), "rupiah_required");
        assert_eq!(code("  "), "rupiah_required");
        assert_eq!(code("Rp"), "rupiah_invalid");
        assert_eq!(code("juta"), "rupiah_invalid");
        assert_eq!(code("satu juta"), "rupiah_invalid");
        assert_eq!(code("1.5000.000"), "rupiah_invalid");
        assert_eq!(code("15.00.000"), "rupiah_invalid");
        assert_eq!(code("1,500,000"), "rupiah_invalid");
        assert_eq!(code("1.000,"), "rupiah_invalid");
        assert_eq!(code("1.000,5,0"), "rupiah_invalid");
        assert_eq!(code(".5 juta"), "rupiah_invalid");
        assert_eq!(code("2 jutaan"), "rupiah_invalid");
        assert_eq!(code("5 USD"), "rupiah_invalid");
        assert_eq!(code("1e6"), "rupiah_invalid");
        assert_eq!(code("Rp 1.000,50"), "rupiah_fraction");
        assert_eq!(code("1,5"), "rupiah_fraction");
        assert_eq!(code("1.5"), "rupiah_fraction");
        assert_eq!(code("1,2345 rb"), "rupiah_fraction");
        assert_eq!(code("-5.000"), "rupiah_negative");
        assert_eq!(code("-Rp5.000"), "rupiah_negative");
        assert_eq!(code("Rp -5.000"), "rupiah_negative");
        assert_eq!(code("\u{2212}2 jt"), "rupiah_negative");
        assert_eq!(code("-abc"), "rupiah_invalid");
        assert_eq!(code("1.000.000.000.000.001"), "rupiah_too_large");
        assert_eq!(code("1001 T"), "rupiah_too_large");
        // One rupiah over Rp10 triliun, and the old maximum of Rp1.000 triliun.
        assert_eq!(code("10.000.000.000.001"), "rupiah_too_large");
        assert_eq!(code("10,5 T"), "rupiah_too_large");
        assert_eq!(code("1000 T"), "rupiah_too_large");
        assert_eq!(code("99999999999999999999999999999"), "rupiah_too_large");
        assert_eq!(code("9999999999999 T"), "rupiah_too_large");
    }

    #[test]
    fn formatting() {
        assert_eq!(format_rupiah(1_250_000), "Rp1.250.000");
        assert_eq!(format_rupiah(-1_250_000), "-Rp1.250.000");
        assert_eq!(format_rupiah(0), "Rp0");
        assert_eq!(format_rupiah(999), "Rp999");
        assert_eq!(format_rupiah(1_000), "Rp1.000");
        assert_eq!(format_thousands(1_250_000), "1.250.000");
        assert_eq!(format_thousands(-12_345), "-12.345");
        assert_eq!(format_thousands(100_000), "100.000");
        assert_eq!(format_thousands(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(format_thousands(i64::MAX), "9.223.372.036.854.775.807");
        assert_eq!(
            format_thousands(i128::MAX),
            "170.141.183.460.469.231.731.687.303.715.884.105.727"
        );
        assert_eq!(
            format_rupiah(i128::MIN),
            "-Rp170.141.183.460.469.231.731.687.303.715.884.105.728"
        );
    }

    #[test]
    fn totals_pass_i64_without_overflowing() {
        // The report: 9,400 records at the old maximum summed to a negative i64.
        let total = sum_rupiah(std::iter::repeat_n(1_000_000_000_000_000, 9_400));
        assert_eq!(format_rupiah(total), "Rp9.400.000.000.000.000.000");
        // A national registry of 10^8 records, each at the maximum.
        let national = i128::from(MAX_RUPIAH) * 100_000_000;
        assert_eq!(format_thousands(national), "1.000.000.000.000.000.000.000");
    }

    proptest! {
        #[test]
        fn formatted_amounts_round_trip(n in 0i64..=MAX_RUPIAH) {
            prop_assert_eq!(parse_rupiah(&format_rupiah(n)), Ok(n));
            prop_assert_eq!(parse_rupiah(&format_thousands(n)), Ok(n));
            prop_assert_eq!(parse_rupiah(&n.to_string()), Ok(n));
            prop_assert_eq!(parse_rupiah(&format!("Rp {},00", format_thousands(n))), Ok(n));
        }

        #[test]
        fn negative_amounts_are_refused(n in 1i64..10_000_000_000_000) {
            prop_assert_eq!(parse_rupiah(&format_rupiah(-n)), Err(Invalid("rupiah_negative")));
        }

        #[test]
        fn unit_words_multiply(n in 0i64..1_000_000, tenths in 0i64..10) {
            prop_assert_eq!(parse_rupiah(&format!("{n} rb")), Ok(n * 1_000));
            prop_assert_eq!(parse_rupiah(&format!("{n},{tenths} juta")), Ok(n * 1_000_000 + tenths * 100_000));
            let m = n % 10_000;
            prop_assert_eq!(parse_rupiah(&format!("{m}.{tenths} M")), Ok(m * 1_000_000_000 + tenths * 100_000_000));
        }

        #[test]
        fn never_panics_on_strings(s in any::<String>()) {
            let _ = parse_rupiah(&s);
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = parse_rupiah(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn never_panics_on_amount_like_input(s in "-?(Rp|IDR)?[0-9.,]{0,24}(rb|jt|juta|M|T|,-)?") {
            let _ = parse_rupiah(&s);
        }
    }
}
