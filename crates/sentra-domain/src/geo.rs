//! Coordinates of a business, in decimal degrees (WGS 84, as phones and maps give them).

use std::fmt;

use serde::Serialize;

use crate::error::Invalid;

/// Indonesia's extent with a margin: Pulau Rondo (≈6.1° N), Pulau Ndana (≈11.0° S), Sabang
/// (≈95.0° E), Merauke (≈141.0° E). A point outside is most often latitude and longitude swapped
/// or a sign dropped.
pub const LAT_MIN: f64 = -11.5;
pub const LAT_MAX: f64 = 6.5;
pub const LON_MIN: f64 = 94.5;
pub const LON_MAX: f64 = 141.5;

/// A point inside Indonesia's bounding box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    /// Checks that the point is a number inside Indonesia's bounding box.
    pub fn new(lat: f64, lon: f64) -> Result<Coordinates, Invalid> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(Invalid("coordinates_invalid"));
        }
        if !(LAT_MIN..=LAT_MAX).contains(&lat) || !(LON_MIN..=LON_MAX).contains(&lon) {
            return Err(Invalid("coordinates_outside_indonesia"));
        }
        Ok(Coordinates { lat, lon })
    }
}

/// `-6.2884, 106.7172`, which [`parse_coordinate_pair`] reads back.
impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.lat, self.lon)
    }
}

/// Parses latitude and longitude from two form fields, with `.` or `,` as decimal separator.
pub fn parse_coordinates(lat: &str, lon: &str) -> Result<Coordinates, Invalid> {
    if lat.trim().is_empty() || lon.trim().is_empty() {
        return Err(Invalid("coordinates_incomplete"));
    }
    Coordinates::new(parse_degrees(lat)?, parse_degrees(lon)?)
}

/// Like [`parse_coordinates`], for optional fields: both empty is `None`, one empty is an error.
pub fn parse_optional_coordinates(lat: &str, lon: &str) -> Result<Option<Coordinates>, Invalid> {
    if lat.trim().is_empty() && lon.trim().is_empty() {
        return Ok(None);
    }
    parse_coordinates(lat, lon).map(Some)
}

/// Parses a pair as copied from a map: `-6.2884, 106.7172`, `-6.2884 106.7172`,
/// `-6.2884;106.7172`, or with decimal commas `-6,2884 106,7172`.
pub fn parse_coordinate_pair(s: &str) -> Result<Coordinates, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid("coordinates_incomplete"));
    }
    let (lat, lon) = split_pair(s)?;
    parse_coordinates(lat, lon)
}

fn split_pair(s: &str) -> Result<(&str, &str), Invalid> {
    if let Some(pair) = s.split_once(';') {
        return Ok(pair);
    }
    // With whitespace between the numbers, a comma next to it is punctuation, not a decimal.
    let tokens: Vec<&str> = s
        .split(char::is_whitespace)
        .map(|t| t.trim_matches(','))
        .filter(|t| !t.is_empty())
        .collect();
    match tokens.as_slice() {
        [lat, lon] => Ok((lat, lon)),
        [single] => split_at_comma(single),
        _ => Err(Invalid("coordinates_invalid")),
    }
}

/// `-6.2884,106.7172` has one comma; with decimal commas, `-6,2884,106,7172` has three and the
/// middle one separates the numbers. No comma means only one number was given.
fn split_at_comma(s: &str) -> Result<(&str, &str), Invalid> {
    let commas: Vec<usize> = s.match_indices(',').map(|(i, _)| i).collect();
    match commas.as_slice() {
        [] => Err(Invalid("coordinates_incomplete")),
        [i] | [_, i, _] => Ok((&s[..*i], &s[i + 1..])),
        _ => Err(Invalid("coordinates_invalid")),
    }
}

/// Decimal degrees with an optional sign, `.` or `,` as decimal separator and an optional `°`.
fn parse_degrees(s: &str) -> Result<f64, Invalid> {
    let s = s.trim();
    let s = s.strip_suffix('°').unwrap_or(s).trim_end();
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    // Checked by hand because `f64::from_str` also takes "inf", "NaN" and "1e2".
    let digits = unsigned.bytes().filter(u8::is_ascii_digit).count();
    let separators = unsigned
        .bytes()
        .filter(|b| matches!(b, b'.' | b','))
        .count();
    if digits == 0 || separators > 1 || digits + separators != unsigned.len() {
        return Err(Invalid("coordinates_invalid"));
    }
    s.replace(',', ".")
        .parse()
        .map_err(|_| Invalid("coordinates_invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code<T: std::fmt::Debug>(r: Result<T, Invalid>) -> &'static str {
        r.unwrap_err().0
    }

    const SERPONG: Coordinates = Coordinates {
        lat: -6.2884,
        lon: 106.7172,
    };

    #[test]
    fn two_fields() {
        assert_eq!(parse_coordinates("-6.2884", "106.7172"), Ok(SERPONG));
        assert_eq!(parse_coordinates(" -6,2884 ", "106,7172"), Ok(SERPONG));
        assert_eq!(parse_coordinates("-6.2884°", "+106.7172 °"), Ok(SERPONG));
        // Kupang and Merauke.
        assert!(parse_coordinates("-10.1772", "123.6070").is_ok());
        assert!(parse_coordinates("-8.4932", "140.4018").is_ok());
        // The box edges are inside.
        assert!(parse_coordinates("-11.5", "94.5").is_ok());
        assert!(parse_coordinates("6.5", "141.5").is_ok());
    }

    #[test]
    fn pairs() {
        for input in [
            "-6.2884, 106.7172",
            "-6.2884,106.7172",
            "-6.2884 106.7172",
            "-6.2884 , 106.7172",
            "-6.2884;106.7172",
            "-6,2884; 106,7172",
            "-6,2884 106,7172",
            "-6,2884, 106,7172",
            "-6,2884,106,7172",
            "  -6.2884,\t106.7172\n",
        ] {
            assert_eq!(parse_coordinate_pair(input), Ok(SERPONG), "{input:?}");
        }
        assert_eq!(SERPONG.to_string(), "-6.2884, 106.7172");
    }

    #[test]
    fn rejections() {
        assert_eq!(
            code(parse_coordinates("", "106.7172")),
            "coordinates_incomplete"
        );
        assert_eq!(
            code(parse_coordinates("-6.2884", " ")),
            "coordinates_incomplete"
        );
        assert_eq!(code(parse_coordinates("", "")), "coordinates_incomplete");
        assert_eq!(
            code(parse_coordinates("NaN", "106.7")),
            "coordinates_invalid"
        );
        assert_eq!(
            code(parse_coordinates("-6.2", "inf")),
            "coordinates_invalid"
        );
        assert_eq!(
            code(parse_coordinates("-6e0", "106.7")),
            "coordinates_invalid"
        );
        assert_eq!(
            code(parse_coordinates("-6.2.1", "106.7")),
            "coordinates_invalid"
        );
        assert_eq!(
            code(parse_coordinates("6°17'S", "106.7")),
            "coordinates_invalid"
        );
        assert_eq!(code(parse_coordinates("-", "106.7")), "coordinates_invalid");
        assert_eq!(
            code(parse_coordinates("--6.2", "106.7")),
            "coordinates_invalid"
        );
        // Latitude and longitude swapped; Jakarta with its minus dropped is north of Rondo.
        assert_eq!(
            code(parse_coordinates("106.7172", "-6.2884")),
            "coordinates_outside_indonesia"
        );
        assert_eq!(
            code(parse_coordinates("6.9", "106.7")),
            "coordinates_outside_indonesia"
        );
        assert_eq!(
            code(parse_coordinates("-6.2", "-106.7")),
            "coordinates_outside_indonesia"
        );
        assert_eq!(
            code(Coordinates::new(f64::NAN, 106.7)),
            "coordinates_invalid"
        );
        assert_eq!(code(parse_coordinate_pair("")), "coordinates_incomplete");
        assert_eq!(
            code(parse_coordinate_pair("-6.2884")),
            "coordinates_incomplete"
        );
        assert_eq!(
            code(parse_coordinate_pair("-6.2884,")),
            "coordinates_incomplete"
        );
        assert_eq!(
            code(parse_coordinate_pair("-6.2884;")),
            "coordinates_incomplete"
        );
        assert_eq!(
            code(parse_coordinate_pair("-6.2884 106.7172 12")),
            "coordinates_invalid"
        );
        assert_eq!(
            code(parse_coordinate_pair("-6,2884,106")),
            "coordinates_invalid"
        );
    }

    #[test]
    fn optional_fields() {
        assert_eq!(parse_optional_coordinates(" ", ""), Ok(None));
        assert_eq!(
            parse_optional_coordinates("-6.2884", "106.7172"),
            Ok(Some(SERPONG))
        );
        assert_eq!(
            code(parse_optional_coordinates("-6.2884", "")),
            "coordinates_incomplete"
        );
    }

    proptest! {
        #[test]
        fn displayed_coordinates_round_trip(lat in LAT_MIN..=LAT_MAX, lon in LON_MIN..=LON_MAX) {
            let c = Coordinates::new(lat, lon).unwrap();
            prop_assert_eq!(parse_coordinate_pair(&c.to_string()), Ok(c));
            prop_assert_eq!(parse_coordinates(&lat.to_string(), &lon.to_string().replace('.', ",")), Ok(c));
        }

        #[test]
        fn never_panics_on_strings(a in any::<String>(), b in any::<String>()) {
            let _ = parse_coordinates(&a, &b);
            let _ = parse_coordinate_pair(&a);
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let s = String::from_utf8_lossy(&bytes);
            let _ = parse_coordinate_pair(&s);
            let _ = parse_coordinates(&s, &s);
        }

        #[test]
        fn never_panics_on_number_like_input(s in "[-+0-9.,;° ]{0,24}") {
            let _ = parse_coordinate_pair(&s);
        }
    }
}
