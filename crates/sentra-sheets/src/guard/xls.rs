//! Old Excel files (.xls: BIFF records in a compound file) checked before calamine opens them.
//!
//! calamine reads the whole compound file's allocation tables and the `Workbook` stream, then
//! every sheet at once: each sheet's cells into a dense grid as large as their bounding box
//! (two cells at A1 and IV65536 make 16.7 million), its formulas into a second one, text of
//! shared strings copied into every cell that uses them, and room reserved for whatever size a
//! sheet's DIMENSIONS record claims. The compound file itself can be made to loop (a sector
//! chain that comes back on itself is followed until the claimed length, or for ever).
//!
//! So the file is walked here the way calamine walks it — the same header fields, sector chains
//! and record iteration — counting instead of building, and refused past [`Limit::DenseCells`]
//! or [`Limit::Text`]. Anything calamine would loop on, index out of bounds on, or read
//! differently from this walk is refused as unreadable.

use std::collections::HashSet;

use crate::SheetError;
use crate::limits::Limit;

const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

fn unreadable(what: &str) -> SheetError {
    SheetError::Unreadable(format!("xls: {what}"))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Checks `bytes` when they are a compound file; other files pass untouched (calamine's
/// compound-file reader refuses them on the same signature test).
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    if bytes.len() < 512 || &bytes[..8] != SIGNATURE {
        return Ok(());
    }
    let cfb = Cfb::new(bytes)?;
    // calamine falls back to `Book` when there is no `Workbook`. (It also does when reading
    // `Workbook` fails; here such a `Workbook` is refused instead, since a chain calamine
    // would follow round and round is such a failure here but not there.)
    let stream = match cfb.stream("Workbook")? {
        Some(s) => Some(s),
        None => cfb.stream("Book")?,
    };
    match stream {
        Some(s) => check_workbook(&s),
        None => Ok(()),
    }
}

/// The compound file as calamine's reader sees it.
struct Cfb<'a> {
    /// The file after its header: sector `n` starts at `n * sector_size`.
    data: &'a [u8],
    sector_size: usize,
    maxid: u32,
    fats: Vec<u32>,
    dirs: Vec<Directory>,
    ministream: Vec<u8>,
    mini_fats: Vec<u32>,
}

struct Directory {
    name: String,
    start: u32,
    len: u64,
}

impl<'a> Cfb<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, SheetError> {
        let header = &bytes[..512];
        let version = u16_at(header, 26).unwrap_or(0);
        let sector_size = match u16_at(header, 30) {
            Some(0x0009) => 512,
            Some(0x000C) => 4096,
            _ => return Err(unreadable("sector size")),
        };
        if u16_at(header, 32) != Some(0x0006) {
            return Err(unreadable("mini sector size"));
        }
        if bytes.len() < sector_size {
            return Err(unreadable("short header"));
        }
        let field = |at| u32_at(header, at).unwrap_or(0);
        let (dir_start, mini_fat_start, mini_fat_len, difat_start) =
            (field(48), field(60), field(64), field(68));
        let maxid = (bytes.len() / sector_size) as u32;
        let mut cfb = Cfb {
            data: &bytes[sector_size..],
            sector_size,
            maxid,
            fats: Vec::new(),
            dirs: Vec::new(),
            ministream: Vec::new(),
            mini_fats: Vec::new(),
        };

        let mut difat: Vec<u32> = header[76..512]
            .chunks_exact(4)
            .filter_map(|c| u32_at(c, 0))
            .collect();
        let mut sector_id = difat_start;
        let mut difat_sectors = 0usize;
        while sector_id < RESERVED_SECTORS {
            difat_sectors += 1;
            if difat_sectors > maxid as usize + 1 {
                return Err(unreadable("DIFAT chain"));
            }
            difat.extend(to_u32(cfb.sector(sector_id)?));
            sector_id = difat.pop().ok_or_else(|| unreadable("DIFAT chain"))?;
        }
        // calamine appends one sector per entry, repeats included: an entry list naming one
        // sector a million times makes a table a million sectors long. A real file has no
        // more FAT sectors than sectors.
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if fat_sectors.len() > maxid as usize + 1 {
            return Err(unreadable("more FAT sectors than the file has"));
        }
        let mut fats = Vec::new();
        for id in fat_sectors {
            fats.extend(to_u32(cfb.sector(id)?));
        }
        cfb.fats = fats;

        let dirs = cfb.chain(dir_start, u64::MAX, false)?;
        cfb.dirs = dirs
            .chunks(128)
            .filter(|c| c.len() == 128)
            .map(|c| Directory::from_slice(c, sector_size))
            .collect();
        match cfb.dirs.first() {
            None => return Err(unreadable("no root directory")),
            Some(root) if version != 3 && root.start == ENDOFCHAIN => {
                return Err(unreadable("no root directory"));
            }
            Some(_) => {}
        }
        if mini_fat_len > 0 {
            let (root_start, root_len) = (cfb.dirs[0].start, cfb.dirs[0].len);
            cfb.ministream = cfb.chain(root_start, root_len, false)?;
            let minifat = cfb.chain(
                mini_fat_start,
                u64::from(mini_fat_len) * sector_size as u64,
                false,
            )?;
            cfb.mini_fats = to_u32(&minifat).collect();
        }
        Ok(cfb)
    }

    /// Sector `id` as calamine reads it: beyond the last whole sector, what is left.
    fn sector(&self, id: u32) -> Result<&[u8], SheetError> {
        if id > self.maxid {
            return Err(unreadable("sector beyond the end"));
        }
        let start = id as usize * self.sector_size;
        if start > self.data.len() {
            return Err(unreadable("sector beyond the end"));
        }
        let end = (start + self.sector_size).min(self.data.len());
        Ok(&self.data[start..end])
    }

    fn mini_sector(&self, id: u32) -> Result<&[u8], SheetError> {
        let start = id as usize * 64;
        // calamine would read past the mini stream from wherever the file reader stands.
        self.ministream
            .get(start..start + 64)
            .ok_or_else(|| unreadable("mini sector beyond the mini stream"))
    }

    /// A chain of (mini) sectors up to `len` bytes. calamine follows a chain until it reaches
    /// the length it was told; a chain that comes back on itself never ends: refused.
    fn chain(&self, start: u32, len: u64, mini: bool) -> Result<Vec<u8>, SheetError> {
        let fats = if mini { &self.mini_fats } else { &self.fats };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut id = start;
        while id != ENDOFCHAIN {
            if !seen.insert(id) {
                return Err(unreadable("a sector chain loops"));
            }
            let sector = if mini {
                self.mini_sector(id)?
            } else {
                self.sector(id)?
            };
            let remaining = len.saturating_sub(out.len() as u64);
            let take = (sector.len() as u64).min(remaining) as usize;
            out.extend_from_slice(&sector[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *fats
                .get(id as usize)
                .ok_or_else(|| unreadable("sector beyond the allocation table"))?;
        }
        Ok(out)
    }

    /// The first stream named `name` (ASCII case ignored), as calamine finds it.
    fn stream(&self, name: &str) -> Result<Option<Vec<u8>>, SheetError> {
        let Some(d) = self
            .dirs
            .iter()
            .find(|d| d.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
        else {
            return Ok(None);
        };
        let mini = d.len < 4096;
        self.chain(d.start, d.len, mini).map(Some)
    }
}

impl Directory {
    fn from_slice(buf: &[u8], sector_size: usize) -> Directory {
        let (name, _, _) = encoding_rs::UTF_16LE.decode(&buf[..64]);
        let mut name = name.into_owned();
        if let Some(l) = name.as_bytes().iter().position(|b| *b == 0) {
            name.truncate(l);
        }
        let start = u32_at(buf, 116).unwrap_or(ENDOFCHAIN);
        let len = if sector_size == 512 {
            u64::from(u32_at(buf, 120).unwrap_or(0))
        } else {
            u64_at(buf, 120).unwrap_or(0)
        };
        Directory { name, start, len }
    }
}

fn to_u32(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4).filter_map(|c| u32_at(c, 0))
}

/// One BIFF record with the CONTINUE records after it, as calamine's record iterator joins them.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.len() < 4 {
            return if self.stream.is_empty() {
                None
            } else {
                Some(Err(()))
            };
        }
        let typ = u16_at(self.stream, 0)?;
        let len = u16_at(self.stream, 2)? as usize;
        if self.stream.len() < len + 4 {
            return Some(Err(()));
        }
        let (record, next) = self.stream.split_at(len + 4);
        self.stream = next;
        let mut cont = Vec::new();
        if next.len() > 4 && u16_at(next, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let len = u16_at(self.stream, 2)? as usize;
                if self.stream.len() < len + 4 {
                    return Some(Err(()));
                }
                let (c, rest) = self.stream.split_at(len + 4);
                cont.push(&c[4..]);
                self.stream = rest;
            }
        }
        Some(Ok(Record {
            typ,
            data: &record[4..],
            cont,
        }))
    }
}

/// What calamine takes from the workbook globals for building the sheets.
struct Globals {
    /// Where each sheet's records start, one entry per BoundSheet record (two may share one).
    sheets: Vec<usize>,
    /// Upper bound, in UTF-8 bytes, of each shared string.
    strings: Vec<u64>,
    /// The longest sheet or defined name in UTF-8 bytes (formulas write them out).
    longest_name: u64,
}

fn check_workbook(stream: &[u8]) -> Result<(), SheetError> {
    let Some(globals) = read_globals(stream)? else {
        return Ok(());
    };
    let mut held = Held::default();
    for &pos in &globals.sheets {
        let Some(records) = stream.get(pos..) else {
            // calamine slices the stream at the position and panics.
            return Err(unreadable("a sheet starts past the stream"));
        };
        let (sheet, complete) = scan_sheet(records, &globals, &held)?;
        held.add(&sheet)?;
        // calamine stops reading the workbook at a broken record.
        if !complete {
            break;
        }
    }
    Ok(())
}

/// The globals substream: sheet positions, shared strings, names. `None` when calamine stops
/// before reading any sheet (a password, a broken record).
fn read_globals(stream: &[u8]) -> Result<Option<Globals>, SheetError> {
    let mut g = Globals {
        sheets: Vec::new(),
        strings: Vec::new(),
        longest_name: 5,
    };
    // Codepage 1200 (UTF-16) is calamine's default; only UTF-16 honours the high-byte flag.
    let mut utf16 = true;
    for record in (Records { stream }) {
        let Ok(r) = record else {
            return Ok(None);
        };
        match r.typ {
            0x002F if u16_at(r.data, 0).is_some_and(|v| v != 0) => return Ok(None),
            0x0042 => {
                if let Some(cp) = u16_at(r.data, 0) {
                    utf16 = cp == 1200 || cp == 1201;
                }
            }
            0x0085 => {
                let pos = u32_at(r.data, 0).ok_or_else(|| unreadable("BoundSheet"))?;
                g.sheets.push(pos as usize);
                let cch = u64::from(r.data.get(6).copied().unwrap_or(0));
                g.longest_name = g.longest_name.max(3 * cch);
            }
            0x0018 => {
                let cch = u64::from(r.data.get(3).copied().unwrap_or(0));
                g.longest_name = g.longest_name.max(3 * cch);
            }
            0x00FC => g.strings = shared_strings(r, utf16)?,
            0x000A => break,
            _ => {}
        }
    }
    Ok(Some(g))
}

/// The SST walked as calamine walks it, keeping each string's length bound (3 bytes of UTF-8 a
/// character at most). The walk refuses wherever calamine's would not go the same way.
fn shared_strings<'a>(mut r: Record<'a>, utf16: bool) -> Result<Vec<u64>, SheetError> {
    let bad = || unreadable("shared strings");
    if r.data.len() < 8 {
        return Err(bad());
    }
    r.data = &r.data[8..];
    let mut cont = r.cont.into_iter();
    let mut data: &'a [u8] = r.data;
    let mut next = |data: &mut &'a [u8]| match cont.next() {
        Some(c) => {
            *data = c;
            true
        }
        None => false,
    };
    let mut out = Vec::new();
    while !data.is_empty() || next(&mut data) {
        if out.len() as u64 >= Limit::SharedStrings.value() {
            return Err(Limit::SharedStrings.exceeded());
        }
        if data.is_empty() {
            out.push(0);
            continue;
        }
        if data.len() < 3 {
            return Err(bad());
        }
        let cch = u16_at(data, 0).ok_or_else(bad)? as usize;
        let flags = data[2];
        data = &data[3..];
        let mut high_byte = flags & 0x1 != 0;
        let mut c_run = 0usize;
        let mut cb_ext_rst = 0usize;
        if flags & 0x8 != 0 {
            c_run = u16_at(data, 0).ok_or_else(bad)? as usize;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            cb_ext_rst = u32_at(data, 0).ok_or_else(bad)? as i32 as usize;
            data = &data[4..];
        }
        // The characters, maybe running on into CONTINUE records (each starts with a flag).
        let mut left = cch;
        while left > 0 {
            let wide = utf16 && high_byte;
            let (chars, bytes) = if wide {
                let l = (data.len() / 2).min(left);
                (l, 2 * l)
            } else {
                let l = data.len().min(left);
                (l, l)
            };
            data = &data[bytes..];
            left -= chars;
            if left > 0 {
                if !next(&mut data) || data.is_empty() {
                    return Err(bad());
                }
                high_byte = data[0] & 0x1 != 0;
                data = &data[1..];
            }
        }
        // Formatting runs and phonetic data are skipped, across CONTINUE records too.
        let mut skip = c_run.saturating_mul(4).saturating_add(cb_ext_rst);
        if cb_ext_rst > u32::MAX as usize {
            return Err(bad());
        }
        while skip > 0 {
            if data.is_empty() && !next(&mut data) {
                return Err(bad());
            }
            let l = skip.min(data.len());
            data = &data[l..];
            skip -= l;
        }
        out.push(3 * cch as u64);
    }
    Ok(out)
}

/// What calamine holds for the sheets read so far.
#[derive(Debug, Default)]
struct Held {
    cells: u64,
    text: u64,
}

impl Held {
    fn over(&self, sheet: &Sheet) -> Option<Limit> {
        if self.cells.saturating_add(sheet.cells()) > Limit::DenseCells.value() {
            Some(Limit::DenseCells)
        } else if self.text.saturating_add(sheet.text) > Limit::Text.value() {
            Some(Limit::Text)
        } else {
            None
        }
    }

    fn add(&mut self, sheet: &Sheet) -> Result<(), SheetError> {
        if let Some(limit) = self.over(sheet) {
            return Err(limit.exceeded());
        }
        self.cells = self.cells.saturating_add(sheet.cells());
        self.text = self.text.saturating_add(sheet.text);
        Ok(())
    }
}

/// The bounding box of a set of cells.
#[derive(Debug, Default, Clone, Copy)]
struct BoundingBox(Option<(u32, u32, u32, u32)>);

impl BoundingBox {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn cells(&self) -> u64 {
        match self.0 {
            None => 0,
            Some((r0, r1, c0, c1)) => u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1)),
        }
    }
}

/// One sheet: its cells as calamine collects them (reserved room included) and its two grids.
#[derive(Debug, Default)]
struct Sheet {
    values: u64,
    reserved: u64,
    value_box: BoundingBox,
    formulas: u64,
    formula_box: BoundingBox,
    text: u64,
}

impl Sheet {
    fn cells(&self) -> u64 {
        self.values
            .max(self.reserved)
            .saturating_add(self.value_box.cells())
            .saturating_add(self.formulas)
            .saturating_add(self.formula_box.cells())
    }

    fn value(&mut self, row: u32, col: u32, text: u64) {
        self.values += 1;
        self.value_box.add(row, col);
        self.text = self.text.saturating_add(text);
    }
}

/// A sheet's records from its BOF to its EOF, nested substreams (charts) skipped, as calamine
/// reads them; whether the records ran to the end without a broken one.
fn scan_sheet(records: &[u8], globals: &Globals, held: &Held) -> Result<(Sheet, bool), SheetError> {
    let mut sheet = Sheet::default();
    let mut formula_at = (0u32, 0u32);
    let mut seen_bof = false;
    let mut depth = 0usize;
    for record in (Records { stream: records }) {
        let Ok(r) = record else {
            return Ok((sheet, false));
        };
        if depth > 0 {
            match r.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let d = r.data;
        let at = |d: &[u8]| Some((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?)));
        match r.typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x0200 => {
                if let Some(n) = dimensions(d) {
                    sheet.reserved = sheet.reserved.max(sheet.values.saturating_add(n));
                }
            }
            0x0203 | 0x0205 | 0x027E => {
                if let Some((row, col)) = at(d) {
                    sheet.value(row, col, 0);
                }
            }
            // LABEL, RSTRING: calamine makes room for the length the record states (whatever
            // follows), then decodes at most 3 bytes of UTF-8 a byte.
            0x0204 | 0x00D6 => {
                if let Some((row, col)) = at(d) {
                    sheet.value(row, col, stated_text(d.get(6..).unwrap_or_default()));
                }
            }
            // STRING, a formula's text result, at the formula's cell.
            0x0207 => sheet.value(formula_at.0, formula_at.1, stated_text(d)),
            // LABELSST: a copy of the shared string, however long, for every cell.
            0x00FD => {
                if let (Some((row, col)), Some(i)) = (at(d), u32_at(d, 6))
                    && let Some(len) = globals.strings.get(i as usize)
                {
                    sheet.value(row, col, *len);
                }
            }
            0x00BD => {
                if d.len() >= 6
                    && let (Some(row), Some(first), Some(last)) =
                        (u16_at(d, 0), u16_at(d, 2), u16_at(d, d.len() - 2))
                {
                    let n = last.wrapping_sub(first).wrapping_add(1) as usize;
                    if d.len() == 6 + 6 * n {
                        for col in (u32::from(first)..).take(n) {
                            sheet.value(u32::from(row), col, 0);
                        }
                    }
                }
            }
            0x0006 => {
                if d.len() >= 20
                    && let Some((row, col)) = at(d)
                {
                    formula_at = (row, col);
                    sheet.value(row, col, 0);
                    sheet.formulas += 1;
                    sheet.formula_box.add(row, col);
                    sheet.text = sheet
                        .text
                        .saturating_add(formula_text(&d[20..], globals.longest_name));
                }
            }
            0x000A => break,
            _ => {}
        }
        if let Some(limit) = held.over(&sheet) {
            return Err(limit.exceeded());
        }
    }
    Ok((sheet, true))
}

/// The text of an XLUnicodeString: the room reserved for the stated length plus what decoding
/// the rest of the record can add.
fn stated_text(d: &[u8]) -> u64 {
    u64::from(u16_at(d, 0).unwrap_or(0)) + 3 * d.len() as u64
}

/// The room calamine reserves for a DIMENSIONS record, computed as it computes it (32-bit
/// arithmetic that wraps in a release build).
fn dimensions(d: &[u8]) -> Option<u64> {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (
            u32::from(u16_at(d, 0)?),
            u32::from(u16_at(d, 2)?),
            u32::from(u16_at(d, 4)?),
            u32::from(u16_at(d, 6)?),
        ),
        14 | 16 => (
            u32_at(d, 0)?,
            u32_at(d, 4)?,
            u32::from(u16_at(d, 8)?),
            u32::from(u16_at(d, 10)?),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let ((r0, c0), (r1, c1)) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = r1.wrapping_sub(r0).wrapping_add(1) as u64;
    let cols = c1.wrapping_sub(c0).wrapping_add(1) as u64;
    Some(rows.saturating_mul(cols))
}

/// An upper bound of the text calamine writes for a formula's tokens, found without parsing
/// them: at most 8 bytes a token byte for operators, functions, numbers and references; a
/// sheet or defined name for every byte that could start a token naming one; the spaces a
/// space attribute asks for; and room for calamine's message about a formula it cannot read.
fn formula_text(rgce: &[u8], longest_name: u64) -> u64 {
    let named = rgce
        .iter()
        .filter(|b| {
            matches!(
                b,
                0x23 | 0x43 | 0x63 | 0x3A..=0x3D | 0x5A..=0x5D | 0x7A..=0x7D
            )
        })
        .count() as u64;
    let spaces: u64 = rgce
        .windows(4)
        .filter(|w| w[0] == 0x19 && matches!(w[1], 0x40 | 0x41))
        .map(|w| u64::from(w[3]))
        .sum();
    128 + 8 * rgce.len() as u64 + named * (longest_name + 16) + spaces
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal BIFF8 record.
    pub(crate) fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0, 0]);
        d.extend(1.0f64.to_le_bytes());
        record(0x0203, &d)
    }

    /// A workbook stream: globals naming `sheets` sheets that all point at one sheet substream
    /// holding `cells`.
    pub(crate) fn workbook_stream(sheets: usize, cells: &[(u16, u16)]) -> Vec<u8> {
        let bof = record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let eof = record(0x000A, &[]);
        let bound = |pos: u32| {
            let mut d = pos.to_le_bytes().to_vec();
            d.extend([0, 0, 1, 0, b'S']);
            record(0x0085, &d)
        };
        let globals_len = bof.len() + sheets * bound(0).len() + eof.len();
        let mut out = bof.clone();
        for _ in 0..sheets {
            out.extend(bound(globals_len as u32));
        }
        out.extend(&eof);
        out.extend(record(0x0809, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0]));
        for (r, c) in cells {
            out.extend(number(*r, *c));
        }
        out.extend(eof);
        out
    }

    fn refused(r: Result<(), SheetError>) -> Option<Limit> {
        match r {
            Err(SheetError::TooLarge { what, .. }) => Some(what),
            _ => None,
        }
    }

    #[test]
    fn two_far_cells_make_a_grid_of_their_bounding_box() {
        assert!(check_workbook(&workbook_stream(1, &[(0, 0), (999, 9)])).is_ok());
        assert_eq!(
            refused(check_workbook(&workbook_stream(1, &[(0, 0), (65535, 255)]))),
            Some(Limit::DenseCells)
        );
    }

    #[test]
    fn sheets_sharing_one_substream_are_each_counted() {
        // 2,000 × 200 = 400,000 cells a sheet is fine once, not twenty times.
        let cells = [(0, 0), (1999, 199)];
        assert!(check_workbook(&workbook_stream(1, &cells)).is_ok());
        assert_eq!(
            refused(check_workbook(&workbook_stream(20, &cells))),
            Some(Limit::DenseCells)
        );
    }

    #[test]
    fn a_dimensions_record_claiming_a_huge_sheet_is_refused() {
        let mut s = workbook_stream(1, &[]);
        // Before the sheet's EOF: rows 0..0xFFFFFFFF, columns 0..255.
        let mut d = 0u32.to_le_bytes().to_vec();
        d.extend(u32::MAX.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(256u16.to_le_bytes());
        d.extend([0, 0]);
        let at = s.len() - 4;
        s.splice(at..at, record(0x0200, &d));
        assert_eq!(refused(check_workbook(&s)), Some(Limit::DenseCells));
    }

    #[test]
    fn formula_text_counts_names_and_spaces() {
        assert_eq!(formula_text(&[0x03], 31), 136);
        assert_eq!(formula_text(&[0x19, 0x40, 0, 200], 31), 128 + 32 + 200);
        assert_eq!(formula_text(&[0x3A], 765), 128 + 8 + 781);
    }
}
