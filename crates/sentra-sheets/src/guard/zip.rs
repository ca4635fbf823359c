//! Zip-based workbooks (xlsx, xlsm, xlsb, ods) checked before calamine opens them: every part
//! is inflated into nothing through a counter, because the sizes a zip declares can lie, and
//! the inflating stops the moment a limit is passed.

use std::collections::HashSet;
use std::io::{self, Cursor, Read, Write};

use quick_xml::events::Event;
use zip::ZipArchive;

use crate::SheetError;
use crate::limits::Limit;

/// Checks a zip workbook; other files pass untouched.
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    // calamine opens zips the same way: what this cannot open, calamine cannot either.
    let Ok(mut zip) = ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    if zip.len() as u64 > Limit::Entries.value() {
        return Err(Limit::Entries.exceeded());
    }
    // A name that cannot be decoded is treated as a held part (the stricter limit).
    let names: Vec<String> = (0..zip.len())
        .map(|i| match zip.name_for_index(i) {
            Some(Ok(n)) => normalize(&n),
            _ => "_rels/undecodable.rels".to_string(),
        })
        .collect();

    // The package relationships first: they say where the workbook is, and so which parts
    // calamine keeps whole.
    let mut total = 0u64;
    let mut targets = Vec::new();
    let mut rels_readable = true;
    for (i, name) in names.iter().enumerate() {
        if name == "_rels/.rels" {
            total += inflate(&mut zip, i, Limit::HeldPart, total)?;
            match relationship_targets(&mut zip, i) {
                Some(t) => targets.extend(t),
                None => rels_readable = false,
            }
        }
    }
    let held = held_parts(&targets);
    for (i, name) in names.iter().enumerate() {
        if name == "_rels/.rels" {
            continue;
        }
        // Without the relationships understood, every part is treated as kept whole.
        let cap = if !rels_readable || is_held(name, &held) {
            Limit::HeldPart
        } else {
            Limit::SheetPart
        };
        let size = inflate(&mut zip, i, cap, total)?;
        total += size;
        if name.ends_with("sharedstrings.xml") {
            check_shared_strings(&mut zip, i)?;
        }
        if XLSB_HELD.contains(&name.as_str()) {
            check_xlsb_records(&mut zip, i, size)?;
        }
    }
    // Every part that could be the one calamine takes for the ODS content (it asks for the
    // exact name; names differing in case are scanned too).
    for (i, name) in names.iter().enumerate() {
        if name == "content.xml"
            && let Ok(part) = zip.by_index(i)
        {
            super::ods::check_content(io::BufReader::new(part))?;
        }
    }
    Ok(())
}

/// How calamine looks a part up: slashes, not backslashes, and ASCII case ignored.
fn normalize(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// The parts calamine reads whole when it opens a workbook, normalised: fixed names of xlsb
/// and ods, and for xlsx those next to every document the package relationships name.
fn held_parts(targets: &[String]) -> HashSet<String> {
    let mut held: HashSet<String> = [
        "_rels/.rels",
        "mimetype",
        "meta-inf/manifest.xml",
        "content.xml",
        "meta.xml",
        "xl/_rels/workbook.bin.rels",
        "xl/styles.bin",
        "xl/sharedstrings.bin",
        "xl/workbook.bin",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let defaults = std::iter::once("xl/workbook.xml".to_string());
    for target in defaults.chain(targets.iter().map(|t| normalize(t))) {
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let dir = dir.strip_prefix('/').unwrap_or(dir);
        let name = if name.is_empty() {
            "workbook.xml"
        } else {
            name
        };
        for part in [
            name.to_string(),
            format!("_rels/{name}.rels"),
            "sharedstrings.xml".into(),
            "styles.xml".into(),
            "theme/theme1.xml".into(),
        ] {
            held.insert(format!("{dir}{part}"));
        }
    }
    held
}

fn is_held(name: &str, held: &HashSet<String>) -> bool {
    // Relationship and shared-string parts are held wherever they are.
    held.contains(name) || name.ends_with(".rels") || name.contains("sharedstrings")
}

/// Inflates part `index` into nothing and gives its size, refusing it past `cap`, the whole
/// past the total, or an XML text or tag past [`Limit::XmlRun`]. A part the zip library cannot
/// read (an unknown method, a password) is skipped: calamine, reading through the same
/// library, cannot read it either.
fn inflate<R: Read + io::Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
    cap: Limit,
    before: u64,
) -> Result<u64, SheetError> {
    let Ok(mut part) = zip.by_index(index) else {
        return Ok(0);
    };
    let xml = {
        let n = part.name().map(|n| normalize(&n)).unwrap_or_default();
        n.ends_with(".xml") || n.ends_with(".rels") || n.ends_with(".vml")
    };
    let mut counter = Counter {
        size: 0,
        cap,
        total_before: before,
        xml,
        run: 0,
        exceeded: None,
    };
    match io::copy(&mut part, &mut counter) {
        Ok(_) => Ok(counter.size),
        Err(e) => match counter.exceeded {
            Some(limit) => Err(limit.exceeded()),
            None => Err(SheetError::Unreadable(e.to_string())),
        },
    }
}

/// A sink that counts what is written to it and fails once a limit is passed.
struct Counter {
    size: u64,
    cap: Limit,
    total_before: u64,
    xml: bool,
    /// Bytes since the last `<`.
    run: u64,
    exceeded: Option<Limit>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.size += buf.len() as u64;
        let exceeded = if self.size > self.cap.value() {
            Some(self.cap)
        } else if self.total_before + self.size > Limit::TotalInflated.value() {
            Some(Limit::TotalInflated)
        } else {
            None
        };
        if self.xml && exceeded.is_none() {
            let mut rest = buf;
            while let Some(at) = rest.iter().position(|&b| b == b'<') {
                self.run += at as u64;
                if self.run > Limit::XmlRun.value() {
                    break;
                }
                self.run = 0;
                rest = &rest[at + 1..];
            }
            if self.run <= Limit::XmlRun.value() {
                self.run += rest.len() as u64;
            }
            if self.run > Limit::XmlRun.value() {
                self.exceeded = Some(Limit::XmlRun);
                return Err(io::Error::other("limit"));
            }
        }
        if let Some(limit) = exceeded {
            self.exceeded = Some(limit);
            return Err(io::Error::other("limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The XML reader set up as calamine sets it up.
pub(crate) fn xml_reader<R: io::BufRead>(r: R) -> quick_xml::Reader<R> {
    let mut xml = quick_xml::Reader::from_reader(r);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

/// Every `Target` of the package relationships (part `index`, already checked for size); `None`
/// when the XML cannot be read.
fn relationship_targets<R: Read + io::Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
) -> Option<Vec<String>> {
    let part = zip.by_index(index).ok()?;
    let mut xml = xml_reader(io::BufReader::new(part));
    let mut buf = Vec::new();
    let mut targets = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                for a in e.attributes().with_checks(false).flatten() {
                    if a.key.local_name().as_ref().eq_ignore_ascii_case("target") {
                        // Both the raw and the unescaped value: either may be what is used.
                        if let Ok(v) = quick_xml::escape::unescape(&a.value) {
                            targets.push(v.into_owned());
                        }
                        targets.push(a.value.into_owned());
                    }
                }
            }
            Ok(Event::Eof) => return Some(targets),
            Err(_) => return None,
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// calamine reserves room for the `uniqueCount` an xlsx shared-string table declares before
/// reading it, and keeps every string: both are bounded here.
fn check_shared_strings<R: Read + io::Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
) -> Result<(), SheetError> {
    let Ok(part) = zip.by_index(index) else {
        return Ok(());
    };
    let mut xml = xml_reader(io::BufReader::new(part));
    let mut buf = Vec::new();
    let mut strings = 0u64;
    let limit = Limit::SharedStrings.value();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "sst" => {
                    for a in e.attributes().with_checks(false).flatten() {
                        if a.key.as_ref() == "uniqueCount"
                            && super::generous_count(&a.value).unwrap_or(0) > limit
                        {
                            return Err(Limit::SharedStrings.exceeded());
                        }
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > limit {
                        return Err(Limit::SharedStrings.exceeded());
                    }
                }
                _ => {}
            },
            // calamine stops at the same errors.
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// The binary parts calamine reads whole when it opens an xlsb, by the names it asks for.
const XLSB_HELD: [&str; 3] = ["xl/sharedstrings.bin", "xl/styles.bin", "xl/workbook.bin"];

/// An xlsb part walked record by record (a 1–2 byte type, a 1–4 byte length): calamine sizes its
/// buffer to a record's stated length before reading it, up to 256 MB for a record that is not
/// there, and keeps a string for every shared-string record.
fn check_xlsb_records<R: Read + io::Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
    size: u64,
) -> Result<(), SheetError> {
    let Ok(part) = zip.by_index(index) else {
        return Ok(());
    };
    let mut r = io::BufReader::new(part);
    let (mut read, mut strings) = (0u64, 0u64);
    // The end of the part, or a record cut short: calamine stops there too.
    while let Some((typ, len, header)) = xlsb_record_header(&mut r) {
        read += header;
        if read + len > size {
            return Err(SheetError::Unreadable(
                "xlsb: a record longer than its part".into(),
            ));
        }
        match io::copy(&mut (&mut r).take(len), &mut io::sink()) {
            Ok(n) if n == len => read += len,
            _ => return Ok(()),
        }
        if typ == 0x0013 {
            strings += 1;
            if strings > Limit::SharedStrings.value() {
                return Err(Limit::SharedStrings.exceeded());
            }
        }
    }
    Ok(())
}

/// A record's type, stated length and header size, read as calamine reads them.
fn xlsb_record_header(r: &mut impl Read) -> Option<(u16, u64, u64)> {
    let mut byte = || -> Option<u8> {
        let mut b = [0u8];
        r.read_exact(&mut b).ok().map(|_| b[0])
    };
    let b = byte()?;
    let (typ, mut header) = if b & 0x80 != 0 {
        let b2 = byte()?;
        (u16::from(b & 0x7F) + (u16::from(b2 & 0x7F) << 7), 2)
    } else {
        (u16::from(b), 1)
    };
    let mut b = byte()?;
    header += 1;
    let mut len = u64::from(b & 0x7F);
    for i in 1..4 {
        if b & 0x80 == 0 {
            break;
        }
        b = byte()?;
        header += 1;
        len += u64::from(b & 0x7F) << (7 * i);
    }
    Some((typ, len, header))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            let started = zip.start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            );
            assert!(started.is_ok());
            assert!(zip.write_all(bytes).is_ok());
        }
        zip.finish().map(Cursor::into_inner).unwrap_or_default()
    }

    #[test]
    fn xlsb_records_are_walked_for_lying_lengths_and_string_counts() {
        // A record that says it is 200 MB long, in a part of five bytes.
        let lying = zip_of(&[("xl/workbook.bin", vec![0x83, 0x01, 0x80, 0x80, 0x80, 0x64])]);
        assert!(matches!(check(&lying), Err(SheetError::Unreadable(_))));
        // One more shared-string record than the limit: two bytes each.
        let n = Limit::SharedStrings.value() as usize + 1;
        let strings = zip_of(&[("xl/sharedStrings.bin", [0x13, 0x00].repeat(n))]);
        assert!(matches!(
            check(&strings),
            Err(SheetError::TooLarge {
                what: Limit::SharedStrings,
                ..
            })
        ));
        let fine = zip_of(&[("xl/sharedStrings.bin", [0x13, 0x00].repeat(1000))]);
        assert!(check(&fine).is_ok());
    }

    #[test]
    fn the_parts_next_to_a_moved_workbook_are_held() {
        let held = held_parts(&["/Data/Book.xml".to_string()]);
        assert!(held.contains("data/book.xml"));
        assert!(held.contains("data/sharedstrings.xml"));
        assert!(held.contains("data/_rels/book.xml.rels"));
        assert!(held.contains("xl/workbook.xml"));
        assert!(!is_held("xl/worksheets/sheet1.xml", &held));
        assert!(is_held(
            "xl/worksheets/sharedStrings.xml".to_lowercase().as_str(),
            &held
        ));
    }
}
