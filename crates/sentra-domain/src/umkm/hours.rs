//! Opening hours as owners write them ("Senin–Sabtu 08.00–17.00 WIB", "Setiap hari 07.00-21.00",
//! "Senin-Jumat 08.00-16.00; Sabtu 08.00-12.00") read into days and times, for the
//! storefront's schema.org `openingHoursSpecification`. What cannot be read with certainty is
//! not guessed: the owner's text is shown as written either way.

use chrono::{NaiveTime, Weekday};

/// One line of opening hours: these days, from `opens` to `closes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningSpan {
    pub days: Vec<Weekday>,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn day(word: &str) -> Option<Weekday> {
    let w: String = word
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    Some(match w.as_str() {
        "senin" | "sen" | "monday" | "mon" => Weekday::Mon,
        "selasa" | "sel" | "tuesday" | "tue" => Weekday::Tue,
        "rabu" | "rab" | "wednesday" | "wed" => Weekday::Wed,
        "kamis" | "kam" | "thursday" | "thu" => Weekday::Thu,
        "jumat" | "jum" | "friday" | "fri" => Weekday::Fri,
        "sabtu" | "sab" | "saturday" | "sat" => Weekday::Sat,
        "minggu" | "ahad" | "min" | "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// `08.00`, `8:00`, `08`, `24.00` (as the end of the day).
fn time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    let (h, m) = match t.split_once(['.', ':']) {
        Some((h, m)) => (h, m),
        None => (t, "0"),
    };
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return NaiveTime::from_hms_opt(23, 59, 0);
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// Days as written: `Senin–Sabtu`, `Senin s.d. Jumat`, `Senin, Rabu, Jumat`, `setiap hari`.
fn days(text: &str) -> Option<Vec<Weekday>> {
    let t = text.to_lowercase();
    let t = t.trim().trim_end_matches(':').trim();
    if [
        "setiap hari",
        "tiap hari",
        "buka setiap hari",
        "every day",
        "daily",
        "senin-minggu",
    ]
    .contains(&t)
    {
        return Some(WEEK.to_vec());
    }
    let t = t
        .replace(" s.d. ", "-")
        .replace(" s/d ", "-")
        .replace(" sampai ", "-")
        .replace(" hingga ", "-")
        .replace(['–', '—'], "-");
    let mut out = Vec::new();
    for part in t.split([',', '&']).flat_map(|p| p.split(" dan ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let (from, to) = (a.num_days_from_monday(), b.num_days_from_monday());
                if from > to {
                    return None;
                }
                out.extend(WEEK[from as usize..=to as usize].iter().copied());
            }
            None => out.push(day(part)?),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// One segment: days, then a time range (`08.00–17.00`, `08.00 - 17.00 WIB`, `24 jam`).
fn span(text: &str) -> Option<OpeningSpan> {
    let lower = text.to_lowercase();
    let lower = lower
        .trim()
        .trim_end_matches("wib")
        .trim_end_matches("wita")
        .trim_end_matches("wit")
        .trim();
    let lower = lower.strip_prefix("buka ").unwrap_or(lower);
    if let Some(d) = lower.strip_suffix("24 jam") {
        return Some(OpeningSpan {
            days: days(d)?,
            opens: NaiveTime::MIN,
            closes: NaiveTime::from_hms_opt(23, 59, 0)?,
        });
    }
    // The time range is the part from the first digit on.
    let at = lower.find(|c: char| c.is_ascii_digit())?;
    let (d, range) = lower.split_at(at);
    let range = range
        .replace(['–', '—'], "-")
        .replace(" s.d. ", "-")
        .replace(" sampai ", "-");
    let (opens, closes) = range.split_once('-')?;
    let (opens, closes) = (time(opens)?, time(closes)?);
    if closes <= opens {
        return None;
    }
    Some(OpeningSpan {
        days: days(d)?,
        opens,
        closes,
    })
}

/// The spans of an opening-hours text, or none when any part of it cannot be read.
pub fn parse_opening_hours(text: &str) -> Option<Vec<OpeningSpan>> {
    let spans: Option<Vec<OpeningSpan>> = text
        .split([';', '\n', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(span)
        .collect();
    spans.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
    }

    #[test]
    fn reads_what_owners_write() {
        let s = parse_opening_hours("Senin–Sabtu 08.00–17.00 WIB").unwrap_or_default();
        assert_eq!(
            s,
            vec![OpeningSpan {
                days: WEEK[..6].to_vec(),
                opens: t(8, 0),
                closes: t(17, 0)
            }]
        );
        let s =
            parse_opening_hours("Senin-Jumat 08.00-16.00; Sabtu 08:00 - 12:00").unwrap_or_default();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].days, vec![Weekday::Sat]);
        assert_eq!(s[1].closes, t(12, 0));
        let s = parse_opening_hours("Setiap hari 07.00-21.00").unwrap_or_default();
        assert_eq!(s[0].days.len(), 7);
        let s = parse_opening_hours("Senin, Rabu dan Jumat 9-15").unwrap_or_default();
        assert_eq!(s[0].days, vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]);
        let s = parse_opening_hours("Setiap hari 24 jam").unwrap_or_default();
        assert_eq!((s[0].opens, s[0].closes), (t(0, 0), t(23, 59)));
        let s = parse_opening_hours("Senin s.d. Kamis 10.00 sampai 22.00").unwrap_or_default();
        assert_eq!(s[0].days.len(), 4);
    }

    #[test]
    fn does_not_guess() {
        for text in [
            "",
            "Hubungi dulu lewat WA",
            "Senin–Sabtu",
            "Sabtu–Senin 08.00–17.00",
            "Senin 17.00–08.00",
            "Senin 25.00–26.00",
            "Senin–Sabtu 08.00–17.00; kadang tutup",
        ] {
            assert_eq!(parse_opening_hours(text), None, "{text}");
        }
    }
}
