//! Procurement spreadsheets (issue 9): the budgets of government units (`Kode OPD`, `Nama
//! OPD`, `Tahun`, `Pagu Belanja Barang/Jasa`) or their purchases (`Kode OPD`, `No. Paket`,
//! `Nilai Paket`, `Tanggal Pesanan`, `Metode`, `Jenis Pemasok`, `NIB Pemasok`, …) as offices
//! keep them: headers in any case and spacing, found below title rows; the kind of sheet told
//! by its headers; values read as typed (`Rp 1.500.000`, `24/09/2025`, `E-Purchasing`).

use chrono::Datelike;

use crate::import::{clean_cell, normalize_header};
use crate::procurement::{Purchase, validate_unit};
use crate::procurement::{PurchaseInput, validate_budget, validate_purchase};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    UnitCode,
    UnitName,
    Year,
    Budget,
    Package,
    Value,
    OrderedOn,
    DueOn,
    Method,
    SupplierType,
    SupplierNib,
    SupplierName,
    DeliveredOn,
    AcceptedOn,
    PaidOn,
}

impl Column {
    pub const ALL: [Column; 15] = [
        Self::UnitCode,
        Self::UnitName,
        Self::Year,
        Self::Budget,
        Self::Package,
        Self::Value,
        Self::OrderedOn,
        Self::DueOn,
        Self::Method,
        Self::SupplierType,
        Self::SupplierNib,
        Self::SupplierName,
        Self::DeliveredOn,
        Self::AcceptedOn,
        Self::PaidOn,
    ];

    /// The field name validation errors use (the purchase form's).
    pub fn field(self) -> &'static str {
        match self {
            Self::UnitCode => "code",
            Self::UnitName => "name",
            Self::Year => "year",
            Self::Budget => "amount",
            Self::Package => "package",
            Self::Value => "value",
            Self::OrderedOn => "ordered_on",
            Self::DueOn => "due_on",
            Self::Method => "method",
            Self::SupplierType => "supplier_type",
            Self::SupplierNib => "supplier_nib",
            Self::SupplierName => "supplier_name",
            Self::DeliveredOn => "delivered_on",
            Self::AcceptedOn => "accepted_on",
            Self::PaidOn => "paid_on",
        }
    }

    /// The header the template writes (and the report names a column by when the file has
    /// none).
    pub fn header(self) -> &'static str {
        match self {
            Self::UnitCode => "Kode OPD",
            Self::UnitName => "Nama OPD",
            Self::Year => "Tahun",
            Self::Budget => "Pagu Belanja Barang/Jasa",
            Self::Package => "No. Paket",
            Self::Value => "Nilai Paket",
            Self::OrderedOn => "Tanggal Pesanan",
            Self::DueOn => "Batas Pengiriman",
            Self::Method => "Metode",
            Self::SupplierType => "Jenis Pemasok",
            Self::SupplierNib => "NIB Pemasok",
            Self::SupplierName => "Nama Pemasok",
            Self::DeliveredOn => "Tanggal Barang Diterima",
            Self::AcceptedOn => "Tanggal Serah Terima",
            Self::PaidOn => "Tanggal Bayar",
        }
    }
}

/// Headers as written in OPD and UKPBJ spreadsheets, after [`normalize_header`].
const HEADERS: &[(Column, &[&str])] = &[
    (
        Column::UnitCode,
        &[
            "kode opd",
            "kode unit",
            "kode skpd",
            "kode satker",
            "kode perangkat daerah",
        ],
    ),
    (
        Column::UnitName,
        &[
            "nama opd",
            "opd",
            "nama unit",
            "skpd",
            "nama skpd",
            "satker",
            "nama satker",
            "perangkat daerah",
            "nama perangkat daerah",
        ],
    ),
    (
        Column::Year,
        &["tahun", "tahun anggaran", "ta", "tahun pagu"],
    ),
    (
        Column::Budget,
        &[
            "pagu",
            "pagu belanja barang jasa",
            "pagu barang jasa",
            "anggaran belanja barang jasa",
            "belanja barang jasa",
            "pagu anggaran",
            "anggaran",
        ],
    ),
    (
        Column::Package,
        &[
            "paket",
            "no paket",
            "nomor paket",
            "kode paket",
            "id paket",
            "kode rup",
            "nomor pesanan",
            "no pesanan",
        ],
    ),
    (
        Column::Value,
        &[
            "nilai",
            "nilai paket",
            "nilai kontrak",
            "nilai pesanan",
            "total",
            "total harga",
            "nilai realisasi",
        ],
    ),
    (
        Column::OrderedOn,
        &[
            "tanggal pesanan",
            "tgl pesanan",
            "tanggal pesan",
            "tanggal order",
            "tanggal kontrak",
            "tgl kontrak",
            "tanggal",
        ],
    ),
    (
        Column::DueOn,
        &[
            "batas pengiriman",
            "batas kirim",
            "tanggal jatuh tempo",
            "jatuh tempo",
            "batas waktu",
            "tanggal batas pengiriman",
        ],
    ),
    (
        Column::Method,
        &[
            "metode",
            "metode pengadaan",
            "cara pengadaan",
            "jenis pengadaan",
        ],
    ),
    (
        Column::SupplierType,
        &[
            "jenis pemasok",
            "kualifikasi",
            "kualifikasi usaha",
            "jenis penyedia",
            "kualifikasi penyedia",
            "skala usaha",
        ],
    ),
    (Column::SupplierNib, &["nib", "nib pemasok", "nib penyedia"]),
    (
        Column::SupplierName,
        &[
            "pemasok",
            "nama pemasok",
            "penyedia",
            "nama penyedia",
            "nama usaha",
        ],
    ),
    (
        Column::DeliveredOn,
        &[
            "tanggal barang diterima",
            "tanggal diterima",
            "tgl diterima",
            "tanggal pengiriman",
            "tanggal kirim",
        ],
    ),
    (
        Column::AcceptedOn,
        &[
            "tanggal serah terima",
            "tanggal bast",
            "tgl bast",
            "bast",
            "serah terima",
        ],
    ),
    (
        Column::PaidOn,
        &[
            "tanggal bayar",
            "tgl bayar",
            "tanggal pembayaran",
            "dibayar",
            "tanggal sp2d",
        ],
    ),
];

fn column_of_header(header: &str) -> Option<Column> {
    let h = normalize_header(header);
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(c, _)| *c)
}

/// Budgets or purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Budgets,
    Purchases,
}

impl SheetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Budgets => "budgets",
            Self::Purchases => "purchases",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "budgets" => Some(Self::Budgets),
            "purchases" => Some(Self::Purchases),
            _ => None,
        }
    }

    /// The template's columns, in order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Self::Budgets => &[
                Column::UnitCode,
                Column::UnitName,
                Column::Year,
                Column::Budget,
            ],
            Self::Purchases => &[
                Column::UnitCode,
                Column::Package,
                Column::Value,
                Column::OrderedOn,
                Column::DueOn,
                Column::Method,
                Column::SupplierType,
                Column::SupplierNib,
                Column::SupplierName,
                Column::DeliveredOn,
                Column::AcceptedOn,
                Column::PaidOn,
            ],
        }
    }
}

/// Where the header is and what each column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub kind: SheetKind,
    /// Index of the header row among the rows given to [`find_layout`].
    pub header_row: usize,
    pub headers: Vec<String>,
    pub columns: Vec<Option<Column>>,
}

impl Layout {
    fn cell<'a>(&self, cells: &'a [String], column: Column) -> &'a str {
        self.columns
            .iter()
            .position(|c| *c == Some(column))
            .and_then(|i| cells.get(i))
            .map_or("", |s| s.as_str())
    }

    /// The header a column has in the file (its template name when the file lacks it).
    pub fn header_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .zip(&self.headers)
            .find(|(c, _)| c.is_some_and(|c| c.field() == field))
            .map_or_else(
                || {
                    self.kind
                        .columns()
                        .iter()
                        .find(|c| c.field() == field)
                        .map_or(field.to_string(), |c| c.header().to_string())
                },
                |(_, h)| h.clone(),
            )
    }
}

/// Finds the header among the first 15 rows: the first with a unit code column and either a
/// package and a value (purchases) or a year and a budget (budgets). A column named twice keeps
/// its first place.
pub fn find_layout(first_rows: &[Vec<String>]) -> Option<Layout> {
    for (i, row) in first_rows.iter().enumerate().take(15) {
        let mut seen = Vec::new();
        let columns: Vec<Option<Column>> = row
            .iter()
            .map(|h| {
                let c = column_of_header(&clean_cell(h))?;
                if seen.contains(&c) {
                    return None;
                }
                seen.push(c);
                Some(c)
            })
            .collect();
        let has = |c: Column| seen.contains(&c);
        let kind = if !has(Column::UnitCode) {
            continue;
        } else if has(Column::Package) && has(Column::Value) {
            SheetKind::Purchases
        } else if has(Column::Year) && has(Column::Budget) {
            SheetKind::Budgets
        } else {
            continue;
        };
        return Some(Layout {
            kind,
            header_row: i,
            headers: row.iter().map(|h| clean_cell(h)).collect(),
            columns,
        });
    }
    None
}

/// One budget line: a unit (created when its code is new, with this name) and its budget of a
/// year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub unit_code: String,
    pub unit_name: Option<String>,
    pub year: i32,
    pub amount: i64,
}

/// One purchase line: the unit by code, the purchase checked as the form checks it, and the
/// supplier: a registered UMKM by NIB (its type then comes from the registry; the file's type
/// is used when the NIB is not in the registry) or another supplier by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseLine {
    pub unit_code: String,
    pub supplier_nib: Option<String>,
    pub supplier_name: Option<String>,
    /// The purchase, checked with the type written in the file; `None` when only that type is
    /// missing (it may come from the registry).
    pub purchase: Option<Purchase>,
    pub input: OwnedPurchaseInput,
}

/// A purchase's cells as text, kept so that it can be checked again with the registry's type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedPurchaseInput {
    /// The fiscal year when the file has a `Tahun` column; else the order date's year.
    pub year: String,
    pub package: String,
    pub value: String,
    pub ordered_on: String,
    pub due_on: String,
    pub method: String,
    pub supplier_type: String,
    pub delivered_on: String,
    pub accepted_on: String,
    pub paid_on: String,
}

impl OwnedPurchaseInput {
    pub fn as_input(&self) -> PurchaseInput<'_> {
        PurchaseInput {
            package: &self.package,
            value: &self.value,
            ordered_on: &self.ordered_on,
            due_on: &self.due_on,
            method: &self.method,
            supplier_type: &self.supplier_type,
            delivered_on: &self.delivered_on,
            accepted_on: &self.accepted_on,
            paid_on: &self.paid_on,
        }
    }

    /// Checks the purchase in its fiscal year (the `Tahun` column, or the order date's year).
    pub fn check(
        &self,
        registry_type: Option<crate::procurement::SupplierType>,
        today: chrono::NaiveDate,
    ) -> Result<Purchase, crate::FieldErrors> {
        let year = match self.year.trim() {
            "" => crate::umkm::parse_date(&self.ordered_on).map_or(today.year(), |d| d.year()),
            y => match crate::targets::parse_year(y) {
                Ok(y) => y,
                Err(crate::Invalid(code)) => {
                    let mut e = crate::FieldErrors::new();
                    e.push("year", code);
                    return Err(e);
                }
            },
        };
        validate_purchase(&self.as_input(), year, registry_type, today)
    }
}

/// A row's problems: (field, code).
pub type RowErrors = Vec<(&'static str, &'static str)>;

/// A field name as the columns name it (`row` for anything else).
pub fn column_field(field: &str) -> &'static str {
    Column::ALL
        .iter()
        .map(|c| c.field())
        .find(|f| *f == field)
        .unwrap_or("row")
}

fn errors_of(e: &crate::FieldErrors) -> RowErrors {
    e.iter().map(|x| (column_field(&x.field), x.code)).collect()
}

fn unit_code(layout: &Layout, cells: &[String], errors: &mut RowErrors) -> String {
    let code = clean_cell(layout.cell(cells, Column::UnitCode));
    // Checked with a placeholder name: only the code's problems are this column's.
    if let Err(e) = validate_unit(&code, "nama") {
        errors.extend(errors_of(&e));
    }
    code
}

/// Reads a budget row.
pub fn read_budget(layout: &Layout, cells: &[String]) -> Result<BudgetLine, RowErrors> {
    let mut errors = RowErrors::new();
    let code = unit_code(layout, cells, &mut errors);
    let name = clean_cell(layout.cell(cells, Column::UnitName));
    let unit_name = if name.is_empty() {
        None
    } else {
        match validate_unit("x", &name) {
            Ok((_, n)) => Some(n),
            Err(e) => {
                errors.extend(errors_of(&e));
                None
            }
        }
    };
    let year = clean_cell(layout.cell(cells, Column::Year));
    let amount = clean_cell(layout.cell(cells, Column::Budget));
    match validate_budget(&year, &amount) {
        Ok((year, amount)) if errors.is_empty() => Ok(BudgetLine {
            unit_code: code,
            unit_name,
            year,
            amount,
        }),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(errors_of(&e));
            Err(errors)
        }
    }
}

/// Reads a purchase row. A missing supplier type is not an error yet: the caller looks the
/// NIB up in the registry and checks again ([`OwnedPurchaseInput::check`]).
pub fn read_purchase(
    layout: &Layout,
    cells: &[String],
    today: chrono::NaiveDate,
) -> Result<PurchaseLine, RowErrors> {
    let mut errors = RowErrors::new();
    let code = unit_code(layout, cells, &mut errors);
    let text = |c: Column| clean_cell(layout.cell(cells, c));
    let input = OwnedPurchaseInput {
        year: text(Column::Year),
        package: text(Column::Package),
        value: text(Column::Value),
        ordered_on: text(Column::OrderedOn),
        due_on: text(Column::DueOn),
        method: text(Column::Method),
        supplier_type: text(Column::SupplierType),
        delivered_on: text(Column::DeliveredOn),
        accepted_on: text(Column::AcceptedOn),
        paid_on: text(Column::PaidOn),
    };
    let nib = text(Column::SupplierNib);
    let supplier_nib = if nib.is_empty() {
        None
    } else {
        match crate::ids::parse_nib(&nib) {
            Ok(n) => Some(n.as_str().to_string()),
            Err(crate::Invalid(c)) => {
                errors.push(("supplier_nib", c));
                None
            }
        }
    };
    let name = text(Column::SupplierName);
    let supplier_name = match crate::umkm::clean_text(&name, crate::umkm::MAX_NAME) {
        Ok(n) => n,
        Err(crate::Invalid(c)) => {
            errors.push(("supplier_name", c));
            None
        }
    };
    if supplier_nib.is_none() && supplier_name.is_none() && errors.is_empty() {
        errors.push(("supplier_name", "required"));
    }
    let purchase = match input.check(None, today) {
        Ok(p) => Some(p),
        Err(e) => {
            let rest: RowErrors = errors_of(&e)
                .into_iter()
                .filter(|(f, _)| *f != "supplier_type" || !input.supplier_type.is_empty())
                .collect();
            errors.extend(rest);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PurchaseLine {
        unit_code: code,
        supplier_nib,
        supplier_name,
        purchase,
        input,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procurement::{Method, SupplierType};

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn the_header_is_found_under_titles_and_tells_the_kind() {
        let rows = vec![
            row(&["REALISASI BELANJA PENGADAAN 2026", "", ""]),
            row(&[]),
            row(&[
                "No.",
                "KODE OPD",
                "No. Paket",
                "Nilai Paket (Rp)",
                "Tgl Pesanan",
                "Metode Pengadaan",
                "Kualifikasi Usaha",
                "NIB Penyedia",
                "Nama Penyedia",
                "Tanggal BAST",
            ]),
        ];
        let l = find_layout(&rows).unwrap();
        assert_eq!(l.kind, SheetKind::Purchases);
        assert_eq!(l.header_row, 2);
        assert_eq!(l.columns[0], None);
        assert_eq!(l.columns[9], Some(Column::AcceptedOn));
        assert_eq!(l.header_of("value"), "Nilai Paket (Rp)");
        assert_eq!(l.header_of("paid_on"), "Tanggal Bayar");
        let budgets =
            find_layout(&[row(&["Kode SKPD", "Nama SKPD", "Tahun Anggaran", "Pagu"])]).unwrap();
        assert_eq!(budgets.kind, SheetKind::Budgets);
        assert!(find_layout(&[row(&["Nama Usaha", "NIK", "Kelurahan"])]).is_none());
    }

    #[test]
    fn a_purchase_row_is_read_as_typed() {
        let layout = find_layout(&[row(&SheetKind::Purchases
            .columns()
            .iter()
            .map(|c| c.header())
            .collect::<Vec<_>>())])
        .unwrap();
        let line = read_purchase(
            &layout,
            &row(&[
                " 1.02.01",
                "PKT-7",
                "Rp 12.500.000",
                "02/03/2026",
                "10 Maret 2026",
                "E-Purchasing",
                "",
                "9120301234567",
                "",
                "2026-03-09",
                "",
                "",
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(line.unit_code, "1.02.01");
        assert_eq!(line.supplier_nib.as_deref(), Some("9120301234567"));
        assert!(line.purchase.is_none(), "its type comes from the registry");
        let p = line
            .input
            .check(Some(SupplierType::Small), today())
            .unwrap();
        assert_eq!((p.value, p.method), (12_500_000, Method::EPurchasing));
        assert_eq!(p.days_late(), Some(0));

        let bad = read_purchase(
            &layout,
            &row(&[
                "1 02",
                "",
                "nol",
                "31/12/2025",
                "",
                "lelang",
                "",
                "123",
                "",
                "",
                "",
                "",
            ]),
            today(),
        )
        .unwrap_err();
        for field in ["code", "package", "value", "method", "supplier_nib"] {
            assert!(bad.iter().any(|(f, _)| *f == field), "{field}: {bad:?}");
        }
        let no_supplier = read_purchase(
            &layout,
            &row(&[
                "1.02.01",
                "P1",
                "1 jt",
                "02/03/2026",
                "",
                "PL",
                "mikro",
                "",
                "",
                "",
                "",
                "",
            ]),
            today(),
        )
        .unwrap_err();
        assert_eq!(no_supplier, vec![("supplier_name", "required")]);
    }

    #[test]
    fn a_budget_row_is_read_as_typed() {
        let layout = find_layout(&[row(&["Kode OPD", "Nama OPD", "Tahun", "Pagu"])]).unwrap();
        assert_eq!(
            read_budget(
                &layout,
                &row(&["1.01", " Dinas  Pendidikan", "2026", "Rp 48 M"])
            )
            .unwrap(),
            BudgetLine {
                unit_code: "1.01".into(),
                unit_name: Some("Dinas Pendidikan".into()),
                year: 2026,
                amount: 48_000_000_000,
            }
        );
        let e = read_budget(&layout, &row(&["", "", "26", "banyak"])).unwrap_err();
        assert_eq!(
            e.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            vec!["code", "year", "amount"]
        );
    }
}
