//! Workbooks that add up (issue 29): the registry export as an office opens it — in
//! LibreOffice a SUM over the Modal column is the registry's total, the last change is a date
//! in local time, sectors and statuses are named in the reader's language with their codes in
//! columns of their own — and the cell types as a reading library sees them.

use crate::common;

use std::io::{Read, Write};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use sqlx::{Connection, Row};

/// The first sheet as LibreOffice shows it (the CSV filter's "as shown"), after it has
/// calculated the formulas.
pub(crate) fn rendered_rows(bytes: &[u8], dir: &Path) -> Option<Vec<Vec<String>>> {
    // The same conversion as the report tests: formulas calculated, values as shown.
    let text = crate::reports::rendered_csv(bytes, dir)?;
    Some(
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect(),
    )
}

/// A copy of the workbook with `=SUM(col2:colN)` in the row under the data, as an office
/// would add it: the formula goes into the first sheet's XML.
pub(crate) fn with_sum_row(bytes: &[u8], col: usize, data_rows: usize) -> Vec<u8> {
    // A, …, Z, AA, AB, …: the column's name in A1 notation.
    let letter = if col < 26 {
        ((b'A' + col as u8) as char).to_string()
    } else {
        format!(
            "{}{}",
            (b'A' + (col / 26 - 1) as u8) as char,
            (b'A' + (col % 26) as u8) as char
        )
    };
    let last = data_rows + 1;
    let at = last + 1;
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(content).unwrap();
            let row = format!(
                "<row r=\"{at}\"><c r=\"{letter}{at}\"><f>SUM({letter}2:{letter}{last})</f></c></row></sheetData>"
            );
            content = xml.replacen("</sheetData>", &row, 1).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The first sheet's cells as calamine reads them.
pub(crate) fn cells(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    book.worksheet_range_at(0).unwrap().unwrap()
}

pub(crate) fn column(range: &calamine::Range<Data>, header: &str) -> usize {
    (0..range.width())
        .find(|c| range.get((0, *c)) == Some(&Data::String(header.into())))
        .unwrap_or_else(|| panic!("no column {header}: {:?}", range.rows().next()))
}

/// `Rp 1.234.567` → 1234567.
pub(crate) fn digits(shown: &str) -> i64 {
    shown
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("not an amount: {shown}"))
}

#[tokio::test]
async fn the_registry_workbook_adds_up_in_libreoffice_with_local_dates_and_labels() {
    let app = common::spawn_app().await;
    app.seed(80, 29).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(SUM(modal_rupiah) AS BIGINT) AS modal, \
         CAST(SUM(COALESCE(employees_male, 0)) AS BIGINT) AS men FROM umkm",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let (n, modal, men): (i64, i64, i64) = (
        row.try_get("n").unwrap(),
        row.try_get("modal").unwrap(),
        row.try_get("men").unwrap(),
    );
    assert!(modal > 0 && n == 80, "{n} {modal}");
    let first = sqlx::query("SELECT id, updated_at, sector_code, status FROM umkm ORDER BY id")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let (first_id, first_updated, first_sector, first_status): (String, String, String, String) = (
        first.try_get("id").unwrap(),
        first.try_get("updated_at").unwrap(),
        first.try_get("sector_code").unwrap(),
        first.try_get("status").unwrap(),
    );
    conn.close().await.unwrap();

    let res = app.get("/umkm/export.xlsx").await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();

    // The cell types: numbers, a date-time in WIB (Tangerang Selatan), labels and codes.
    let range = cells(bytes.clone());
    assert_eq!(range.height(), 81);
    let modal_col = column(&range, "Modal");
    let stored: f64 = (1..range.height())
        .filter_map(|r| match range.get((r, modal_col)) {
            Some(Data::Float(v)) => Some(*v),
            Some(Data::Empty) | None => None,
            other => panic!("Modal is a number, not {other:?}"),
        })
        .sum();
    assert_eq!(stored as i64, modal);
    let men_col = column(&range, "Tenaga Kerja L");
    assert!(matches!(
        range.get((1, men_col)),
        Some(Data::Float(_) | Data::Empty)
    ));
    let year_col = column(&range, "Tahun Mulai Usaha");
    assert!(matches!(
        range.get((1, year_col)),
        Some(Data::Float(_) | Data::Empty)
    ));
    let id_col = column(&range, "ID");
    assert_eq!(
        range.get((1, id_col)),
        Some(&Data::String(first_id.clone()))
    );
    let updated_col = column(&range, "Diperbarui (WIB)");
    let Some(Data::DateTime(updated)) = range.get((1, updated_col)) else {
        panic!("a date: {:?}", range.get((1, updated_col)));
    };
    let utc = chrono::DateTime::parse_from_rfc3339(&first_updated).unwrap();
    let wib = utc.naive_utc() + chrono::Duration::hours(7);
    assert_eq!(
        updated
            .as_datetime()
            .unwrap()
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        wib.format("%Y-%m-%d %H:%M").to_string(),
        "the stored UTC time as the clock in Tangerang Selatan shows it"
    );
    let status_col = column(&range, "Status");
    let status_code_col = column(&range, "Kode Status");
    let sector_col = column(&range, "Jenis Usaha");
    let sector_code_col = column(&range, "Kode Jenis Usaha");
    assert_eq!(
        range.get((1, status_code_col)),
        Some(&Data::String(first_status.clone()))
    );
    assert_eq!(
        range.get((1, sector_code_col)),
        Some(&Data::String(first_sector.clone()))
    );
    for r in 1..range.height() {
        let shown = range.get((r, status_col)).unwrap().to_string();
        assert!(
            ["Draf", "Terverifikasi", "Tidak aktif"].contains(&shown.as_str()),
            "a label, not a code: {shown}"
        );
        let sector = range.get((r, sector_col)).unwrap().to_string();
        let code = range.get((r, sector_code_col)).unwrap().to_string();
        assert!(
            !sector.is_empty() && sector != code,
            "{sector} is the label of {code}"
        );
    }

    // In LibreOffice: a SUM under Modal is the registry's total; dates show day first.
    let dir = tempfile::tempdir().unwrap();
    let summed = with_sum_row(&bytes, modal_col, 80);
    if let Some(rows) = rendered_rows(&summed, dir.path()) {
        let header = &rows[0];
        let modal_at = header.iter().position(|h| h == "Modal").unwrap();
        let total = rows[81][modal_at].clone();
        assert!(total.starts_with("Rp "), "{total}");
        assert_eq!(digits(&total), modal, "SUM(Modal) in LibreOffice: {total}");
        let men_at = header.iter().position(|h| h == "Tenaga Kerja L").unwrap();
        let men_shown: i64 = rows[1..81]
            .iter()
            .filter(|r| !r[men_at].is_empty())
            .map(|r| digits(&r[men_at]))
            .sum();
        assert_eq!(men_shown, men);
        let updated_at = header.iter().position(|h| h == "Diperbarui (WIB)").unwrap();
        assert_eq!(
            rows[1][updated_at],
            wib.format("%d/%m/%Y %H:%M").to_string(),
            "{:?}",
            rows[1]
        );
        let status_at = header.iter().position(|h| h == "Status").unwrap();
        assert!(
            rows[1..81].iter().all(|r| r[status_at] != "verified"),
            "labels, not codes"
        );
    } else {
        eprintln!("soffice not installed: the LibreOffice check was skipped");
    }

    // In English: English headers and labels; the importer reads the columns as in Indonesian,
    // so an English export imports back the same way.
    let en = app.get("/umkm/export.xlsx?lang=en").await;
    let range_en = cells(en.bytes().await.unwrap().to_vec());
    let header = |range: &calamine::Range<Data>| -> Vec<String> {
        (0..range.width())
            .map(|c| range.get((0, c)).unwrap().to_string())
            .collect()
    };
    let (id_headers, en_headers) = (header(&range), header(&range_en));
    assert!(
        en_headers.contains(&"Capital".to_string()),
        "{en_headers:?}"
    );
    assert!(en_headers.contains(&"Updated (WIB)".to_string()));
    assert_eq!(
        sentra_domain::import::Mapping::guess(&en_headers),
        sentra_domain::import::Mapping::guess(&id_headers)
    );
    let status_en = range_en.get((1, status_col)).unwrap().to_string();
    assert!(
        ["Draft", "Verified", "Inactive"].contains(&status_en.as_str()),
        "{status_en}"
    );
    // The import layout's headers stay first, as the importer knows them.
    assert_eq!(
        &id_headers[..20],
        &sentra_storage::EXPORT_HEADERS[..20]
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()[..]
    );

    // The CSV stays for programs: plain digits, ISO dates with the offset, the same columns.
    let csv = app.get("/umkm/export.csv").await.bytes().await.unwrap();
    let csv = String::from_utf8_lossy(csv.strip_prefix(b"\xEF\xBB\xBF").unwrap()).to_string();
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0], id_headers);
    let csv_modal: i64 = rows[1..]
        .iter()
        .filter(|r| !r[modal_col].is_empty())
        .map(|r| r[modal_col].parse::<i64>().unwrap())
        .sum();
    assert_eq!(csv_modal, modal);
    assert_eq!(
        rows[1][updated_col],
        format!("{}+07:00", wib.format("%Y-%m-%dT%H:%M:%S"))
    );
}

/// The column `header` of the report sheet `sheet` holds dates (a missing one is `–`), and
/// LibreOffice's reading library sees them as dates, not text.
pub fn dates_are_dates(bytes: &[u8], sheet: &str, header: &str) {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let (head, col) = range
        .cells()
        .find(|(_, _, c)| *c == &Data::String(header.into()))
        .map(|(r, c, _)| (r, c))
        .unwrap_or_else(|| panic!("no {header} in {sheet}"));
    let dates: Vec<&Data> = (head + 1..range.height())
        .filter_map(|r| range.get((r, col)))
        .filter(|c| **c != Data::String("–".into()) && **c != Data::Empty)
        .collect();
    assert!(!dates.is_empty(), "no {header} in {sheet}");
    assert!(
        dates.iter().all(|c| matches!(c, Data::DateTime(_))),
        "{header} holds dates: {dates:?}"
    );
}
