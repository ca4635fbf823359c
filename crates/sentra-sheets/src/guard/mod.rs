//! Checks run on a workbook's bytes before calamine opens it (issue 27): calamine reads a zip
//! part or a whole xls/ods sheet into memory at once, so what it would take is measured first,
//! cheaply and as a stream, and a file past a [`crate::Limit`] never reaches it.

pub(crate) mod ods;
pub(crate) mod xls;
pub(crate) mod zip;

use crate::SheetError;

/// Runs every check that applies to `bytes`: the zip ones when they are a zip, the xls ones when
/// they are a compound file. Both can apply to one file, and calamine tries both.
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    zip::check(bytes)?;
    xls::check(bytes)?;
    Ok(())
}

/// A count written in a file, read generously (a sign, leading zeros, trailing junk) so that
/// whatever a stricter parser makes of it is not more than this; `None` without a digit.
pub(crate) fn generous_count(value: &str) -> Option<u64> {
    let digits = value.trim_start_matches(['+', '-']).trim_start_matches('0');
    let mut n = 0u64;
    let mut any = value.bytes().any(|b| b.is_ascii_digit());
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
        any = true;
    }
    any.then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_generously() {
        assert_eq!(generous_count("12"), Some(12));
        assert_eq!(generous_count("+0007x"), Some(7));
        assert_eq!(generous_count("0"), Some(0));
        assert_eq!(generous_count("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(generous_count("abc"), None);
    }
}
