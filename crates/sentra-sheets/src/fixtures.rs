//! Workbooks for tests, ordinary and hostile (issue 27): xlsx, ods and xls files written byte by
//! byte so that a test can build exactly the file an attacker would send. Large parts are
//! written as a stream, so a test never holds what a bomb inflates to.

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true)
}

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

type Zip = ZipWriter<Cursor<Vec<u8>>>;

/// Writes a part's content into the zip, the part already started.
type WritePart<'a> = &'a mut dyn FnMut(&mut Zip) -> std::io::Result<()>;

fn part(zip: &mut Zip, name: &str, text: &str) -> Result<(), zip::result::ZipError> {
    zip.start_file(name, deflated())?;
    zip.write_all(text.as_bytes())?;
    Ok(())
}

/// The parts every xlsx needs, with `sheet` as its one worksheet; `shared` writes
/// `xl/sharedStrings.xml` when given.
fn xlsx(sheet: &str, shared: Option<WritePart<'_>>) -> Vec<u8> {
    let build = || -> Result<Vec<u8>, zip::result::ZipError> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        part(
            &mut zip,
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        )?;
        part(
            &mut zip,
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        )?;
        part(
            &mut zip,
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="UMKM" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        )?;
        part(
            &mut zip,
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        )?;
        part(
            &mut zip,
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>"#
            ),
        )?;
        if let Some(shared) = shared {
            zip.start_file("xl/sharedStrings.xml", deflated())?;
            shared(&mut zip)?;
        }
        Ok(zip.finish()?.into_inner())
    };
    build().unwrap_or_default()
}

/// An xlsx whose shared-string table inflates to about `inflated` bytes: the same short string
/// over and over, which deflate packs about a thousand to one. One cell uses string 0.
pub fn xlsx_shared_strings_bomb(inflated: u64) -> Vec<u8> {
    let mut write = |zip: &mut Zip| -> std::io::Result<()> {
        zip.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">")?;
        let one = format!("<si><t>{}</t></si>", "a".repeat(1000));
        let chunk = one.repeat(1024);
        let mut written = 0u64;
        while written < inflated {
            zip.write_all(chunk.as_bytes())?;
            written += chunk.len() as u64;
        }
        zip.write_all(b"</sst>")
    };
    xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Some(&mut write),
    )
}

/// An xlsx with one shared string of `len` bytes used by `cells` cells: small on disk and in
/// calamine, large once every cell has its copy.
pub fn xlsx_repeated_shared_string(len: usize, cells: usize) -> Vec<u8> {
    let mut write = |zip: &mut Zip| -> std::io::Result<()> {
        zip.write_all(b"<sst><si><t>")?;
        let chunk = "b".repeat(64 * 1024);
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            zip.write_all(&chunk.as_bytes()[..n])?;
            left -= n;
        }
        zip.write_all(b"</t></si></sst>")
    };
    let rows: String = (1..=cells)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    xlsx(&rows, Some(&mut write))
}

/// An xlsx declaring `count` shared strings it does not have (calamine reserves room for them).
pub fn xlsx_declared_shared_strings(count: u64) -> Vec<u8> {
    let mut write = |zip: &mut Zip| -> std::io::Result<()> {
        write!(
            zip,
            r#"<sst uniqueCount="{count}"><si><t>Nama Usaha</t></si></sst>"#
        )
    };
    xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Some(&mut write),
    )
}

/// An xlsx with a header row and a cell in column `column` (1-based letters, e.g. `XFD`).
pub fn xlsx_cell_in_column(column: &str) -> Vec<u8> {
    xlsx(
        &format!(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Nama Usaha</t></is></c><c r="{column}1" t="inlineStr"><is><t>x</t></is></c></row>"#
        ),
        None,
    )
}

/// An ordinary xlsx of text cells, row by row.
pub fn xlsx_rows(rows: &[&[&str]]) -> Vec<u8> {
    let rows: String = rows
        .iter()
        .enumerate()
        .map(|(r, cells)| {
            let cells: String = cells
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    format!(
                        r#"<c r="{}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        column_name(c),
                        r + 1,
                        xml_escape(v)
                    )
                })
                .collect();
            format!(r#"<row r="{}">{cells}</row>"#, r + 1)
        })
        .collect();
    xlsx(&rows, None)
}

fn column_name(mut c: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An ODS whose `content.xml` is `body` inside one table named `Data`.
fn ods(body: &str) -> Vec<u8> {
    let build = || -> Result<Vec<u8>, zip::result::ZipError> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("mimetype", stored())?;
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
        part(
            &mut zip,
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        )?;
        part(
            &mut zip,
            "content.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Data">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
            ),
        )?;
        Ok(zip.finish()?.into_inner())
    };
    build().unwrap_or_default()
}

fn ods_cell(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(n) if !v.starts_with('0') || v == "0" => format!(
            r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{v}</text:p></table:table-cell>"#
        ),
        _ => format!(
            r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
            xml_escape(v)
        ),
    }
}

/// An ordinary ODS as LibreOffice writes one: the rows, the rest of each row and of the sheet
/// as repeated empty cells and rows.
pub fn ods_rows(rows: &[&[&str]]) -> Vec<u8> {
    let mut body = String::new();
    for cells in rows {
        body.push_str("<table:table-row>");
        for v in *cells {
            body.push_str(&ods_cell(v));
        }
        body.push_str(&format!(
            r#"<table:table-cell table:number-columns-repeated="{}"/></table:table-row>"#,
            1024 - cells.len()
        ));
    }
    body.push_str(r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#);
    ods(&body)
}

/// An ODS of a few hundred bytes that asks calamine for `rows` × `columns` cells: a header,
/// then one row of `columns` numbers repeated `rows` times.
pub fn ods_repeat_bomb(rows: u64, columns: u64) -> Vec<u8> {
    ods(&format!(
        r#"<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="{columns}"/></table:table-row>"#,
        ods_cell("Nama Usaha")
    ))
}

/// A BIFF8 record.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out
}

/// A cell of an xls sheet.
#[derive(Debug, Clone)]
pub enum XlsCell {
    Number(f64),
    Text(String),
}

/// The `Workbook` stream of an xls: one BoundSheet per entry of `sheets`, each naming the
/// substream at the index given (several may name the same one), and the substreams.
fn workbook_stream(sheets: &[(String, usize)], substreams: &[Vec<(u16, u16, XlsCell)>]) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend(dt.to_le_bytes());
        d.extend([0u8; 12]);
        record(0x0809, &d)
    };
    let eof = record(0x000A, &[]);
    let bound = |pos: u32, name: &str| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend([0, 0, name.len() as u8, 0]);
        d.extend(name.as_bytes());
        record(0x0085, &d)
    };
    let codepage = record(0x0042, &1200u16.to_le_bytes());
    let globals_len = bof(5).len()
        + codepage.len()
        + sheets.iter().map(|(n, _)| bound(0, n).len()).sum::<usize>()
        + eof.len();
    let bodies: Vec<Vec<u8>> = substreams
        .iter()
        .map(|cells| {
            let mut s = bof(0x10);
            for (row, col, cell) in cells {
                let mut d = row.to_le_bytes().to_vec();
                d.extend(col.to_le_bytes());
                d.extend(0u16.to_le_bytes());
                match cell {
                    XlsCell::Number(n) => {
                        d.extend(n.to_le_bytes());
                        s.extend(record(0x0203, &d));
                    }
                    XlsCell::Text(t) => {
                        d.extend((t.len() as u16).to_le_bytes());
                        d.push(0);
                        d.extend(t.as_bytes());
                        s.extend(record(0x0204, &d));
                    }
                }
            }
            s.extend(&eof);
            s
        })
        .collect();
    let mut starts = Vec::new();
    let mut at = globals_len;
    for b in &bodies {
        starts.push(at);
        at += b.len();
    }
    let mut out = bof(5);
    out.extend(codepage);
    for (name, i) in sheets {
        out.extend(bound(starts.get(*i).copied().unwrap_or(0) as u32, name));
    }
    out.extend(&eof);
    for b in bodies {
        out.extend(b);
    }
    // Streams under 4,096 bytes live in the mini stream, which this writer does not make.
    if out.len() < 4096 {
        out.resize(4096, 0);
    }
    out
}

/// A compound file (version 3, 512-byte sectors) holding one stream, `Workbook`.
fn compound_file(stream: &[u8]) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FATSECT: u32 = 0xFFFF_FFFD;
    let stream_sectors = stream.len().div_ceil(512);
    // Sectors: the FAT ones, the directory, then the stream.
    let fat_sectors = (stream_sectors + 2).div_ceil(127);
    let dir = fat_sectors as u32;
    let first = dir + 1;
    let mut fat = vec![FREE; fat_sectors * 128];
    for f in fat.iter_mut().take(fat_sectors) {
        *f = FATSECT;
    }
    fat[dir as usize] = END;
    for i in 0..stream_sectors {
        let id = first as usize + i;
        fat[id] = if i + 1 == stream_sectors {
            END
        } else {
            id as u32 + 1
        };
    }
    let mut header = Vec::with_capacity(512);
    header.extend(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    header.extend([0u8; 16]);
    header.extend(0x003Eu16.to_le_bytes());
    header.extend(3u16.to_le_bytes());
    header.extend(0xFFFEu16.to_le_bytes());
    header.extend(9u16.to_le_bytes());
    header.extend(6u16.to_le_bytes());
    header.extend([0u8; 6]);
    header.extend(0u32.to_le_bytes());
    header.extend((fat_sectors as u32).to_le_bytes());
    header.extend(dir.to_le_bytes());
    header.extend(0u32.to_le_bytes());
    header.extend(4096u32.to_le_bytes());
    header.extend(END.to_le_bytes());
    header.extend(0u32.to_le_bytes());
    header.extend(END.to_le_bytes());
    header.extend(0u32.to_le_bytes());
    for i in 0..109 {
        let v = if i < fat_sectors { i as u32 } else { FREE };
        header.extend(v.to_le_bytes());
    }
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let utf16: Vec<u8> = name
            .encode_utf16()
            .chain(std::iter::once(0))
            .flat_map(u16::to_le_bytes)
            .collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        e[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut out = header;
    for v in fat {
        out.extend(v.to_le_bytes());
    }
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry("Workbook", 2, FREE, first, stream.len() as u32));
    out.extend(vec![0u8; 256]);
    let mut body = stream.to_vec();
    body.resize(stream_sectors * 512, 0);
    out.extend(body);
    out
}

/// An ordinary xls: one sheet of the given rows.
pub fn xls_rows(rows: &[&[&str]]) -> Vec<u8> {
    let cells = rows
        .iter()
        .enumerate()
        .flat_map(|(r, cells)| {
            cells.iter().enumerate().map(move |(c, v)| {
                let cell = match v.parse::<f64>() {
                    Ok(n) => XlsCell::Number(n),
                    Err(_) => XlsCell::Text(v.to_string()),
                };
                (r as u16, c as u16, cell)
            })
        })
        .collect();
    compound_file(&workbook_stream(&[("UMKM".into(), 0)], &[cells]))
}

/// A small xls whose `sheets` sheets all show one substream with a header at A1 and a number
/// at IV65536, the last cell of an xls sheet: calamine builds a 65,536 × 256 grid for each.
pub fn xls_corner_bomb(sheets: usize) -> Vec<u8> {
    let cells = vec![
        (0, 0, XlsCell::Text("Nama Usaha".into())),
        (65535, 255, XlsCell::Number(1.0)),
    ];
    let names: Vec<(String, usize)> = (0..sheets).map(|i| (format!("S{i}"), 0)).collect();
    compound_file(&workbook_stream(&names, &[cells]))
}
