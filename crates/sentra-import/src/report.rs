//! The dry run's findings in words, and the rejected rows as a workbook the office fixes and
//! imports again.

use std::collections::HashMap;

use sentra_domain::import::{Mapping, RowProblem, clean_cell};
use sentra_i18n::Lang;
use sentra_sheets::Cell;

/// `A`, `B`, …, `Z`, `AA`: columns as the spreadsheet names them.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// The label of an import target (`nik` → `NIK`, `documents.nib.number` → `NIB (Nomor)`).
pub fn target_label(l: Lang, target: &str) -> String {
    if let Some(kind) = target
        .strip_prefix("documents.")
        .and_then(|r| r.strip_suffix(".number"))
    {
        return format!("{} ({})", l.t(&format!("doc.{kind}")), l.t("field.number"));
    }
    if let Some(kind) = target.strip_prefix("links.") {
        return l.t(&format!("link.{kind}")).into_owned();
    }
    l.t(&format!("field.{target}")).into_owned()
}

/// `kolom B "NIK": NIK harus 16 digit.`
pub fn reason(l: Lang, p: &RowProblem, headers: &[String], mapping: &Mapping) -> String {
    let column = mapping.column_of(&p.field).or_else(|| {
        (p.field == "village")
            .then(|| mapping.column_of("district"))
            .flatten()
    });
    let place = match column {
        Some(c) => format!(
            "{} {} \"{}\"",
            l.t("import.column"),
            column_letter(c),
            headers.get(c).map_or("", |h| h.trim())
        ),
        None => target_label(l, &p.field),
    };
    let mut text = format!("{place}: {}", l.error(&p.code));
    if let Some(h) = &p.hint {
        if p.code == "duplicate_in_file" {
            text.push_str(&format!(" ({} {h})", l.t("import.row")));
        } else if p.code == "sector_unknown" {
            text.push_str(&format!(" {}: {h}", l.t("import.choices")));
        } else {
            text.push_str(&format!(" {}: {h}", l.t("import.maybe")));
        }
    }
    text
}

/// The rejected rows with their original cells, their row number (`Baris asal`) and the reasons
/// (`Alasan`), in file order, so that the office fixes them there and imports this file again.
pub fn rejected_xlsx(
    l: Lang,
    invalid: &HashMap<usize, Vec<RowProblem>>,
    data: &[crate::file::DataRow],
    headers: &[String],
    mapping: &Mapping,
) -> Result<Vec<u8>, sentra_sheets::SheetError> {
    let mut out_headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    out_headers.push(l.t("import.source_row").into_owned());
    out_headers.push(l.t("import.reason").into_owned());
    // The office's own cells go back as they came (text: a NIK stays sixteen digits); the row
    // number is a number.
    let mut columns = sentra_sheets::Column::texts(&out_headers);
    if let Some(c) = columns.get_mut(headers.len()) {
        c.kind = sentra_sheets::Kind::Integer;
    }
    let mut w = sentra_sheets::XlsxWriter::new(&l.t("import.rejected_sheet"), &columns)?;
    for row in data {
        let Some(problems) = invalid.get(&row.line) else {
            continue;
        };
        let mut out: Vec<Cell> = (0..headers.len())
            .map(|i| Cell::text(clean_cell(row.cell(i))))
            .collect();
        out.push(Cell::Integer(row.line as i64));
        out.push(Cell::Text(
            problems
                .iter()
                .map(|p| reason(l, p, headers, mapping))
                .collect::<Vec<_>>()
                .join("; "),
        ));
        w.push(&out)?;
    }
    w.finish()
}

/// The changes of a dry run, one row per field, as listed and downloaded.
pub fn change_rows(records: &[sentra_storage::RecordChanges]) -> Vec<sentra_storage::ChangeRow> {
    records
        .iter()
        .flat_map(|r| {
            r.changes.iter().map(|c| sentra_storage::ChangeRow {
                line: r.line,
                umkm_id: r.umkm_id.clone(),
                name: r.name.clone(),
                change: c.clone(),
            })
        })
        .collect()
}

/// A value as the report shows it: `(kosong)` for none.
pub fn shown_value(l: Lang, v: &str) -> String {
    if v.is_empty() {
        format!("({})", l.t("reimport.empty_value"))
    } else {
        v.to_string()
    }
}

/// `Omzet per tahun: 150000000 → (kosong)`, the field by its label.
pub fn change_text(l: Lang, c: &sentra_storage::FieldChange) -> String {
    format!(
        "{}: {} → {}",
        target_label(l, &c.field),
        shown_value(l, &c.old),
        shown_value(l, &c.new)
    )
}

/// Every change of a dry run as a workbook: row, business, field (its label), old, new.
pub fn changes_xlsx(
    l: Lang,
    rows: &[sentra_storage::ChangeRow],
) -> Result<Vec<u8>, sentra_sheets::SheetError> {
    use sentra_sheets::{Cell, Column, Kind};
    let header = |k: &str| l.t(k).into_owned();
    // The row is a number; the values stay as the office wrote them (any field's text).
    let columns = [
        Column::new(header("import.source_row"), Kind::Integer),
        Column::new(header("reimport.change_record"), Kind::Text),
        Column::new(header("reimport.change_record_id"), Kind::Text),
        Column::new(header("import.field"), Kind::Text),
        Column::new(header("reimport.change_old"), Kind::Text),
        Column::new(header("reimport.change_new"), Kind::Text),
    ];
    let mut w = sentra_sheets::XlsxWriter::new(&l.t("reimport.changes_sheet"), &columns)?;
    for r in rows {
        w.push(&[
            Cell::Integer(i64::try_from(r.line).unwrap_or(i64::MAX)),
            Cell::text(r.name.clone()),
            Cell::text(r.umkm_id.clone()),
            Cell::text(target_label(l, &r.change.field)),
            Cell::text(r.change.old.clone()),
            Cell::text(r.change.new.clone()),
        ])?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn reason_names_the_column_and_the_problem() {
        let headers = vec!["Nama Usaha".to_string(), "NIK".to_string()];
        let mapping = Mapping::guess(&headers);
        let p = RowProblem {
            field: "nik".into(),
            code: "nik_length".into(),
            hint: None,
            value: None,
        };
        let id = reason(Lang::Id, &p, &headers, &mapping);
        assert!(id.starts_with("kolom B \"NIK\": "), "{id}");
        assert!(id.contains("16"), "{id}");
        let en = reason(Lang::En, &p, &headers, &mapping);
        assert!(en.starts_with("column B \"NIK\": "), "{en}");
    }
}
