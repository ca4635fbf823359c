use super::*;

const SMALL: &str = r#"
id = "contoh"
subject = "umkm"
sheet = "Data"
title = { id = "Contoh", en = "Example" }
[[sources]]
title = "PP 7/2021 Pasal 35"
[[columns]]
header = "NAMA USAHA"
field = "name"
required = true
[[columns]]
header = "SKALA"
field = "size_class"
codes = "skala"
[[columns]]
header = "MULAI"
field = "registered_on"
date_format = "%d/%m/%Y"
type = "text"
[[columns]]
header = "OMZET"
field = "annual_sales"
[[columns]]
header = "SUMBER"
value = "Sentra"
[codes.skala]
mikro = "1"
kecil = "2"
menengah = "3"
besar = "4"
"" = "9"
"#;

fn record() -> Record {
    let mut r = Record::new();
    r.insert("name", Value::text("Keripik Bu Sri"));
    r.insert("size_class", Value::text("kecil"));
    r.insert("registered_on", Value::date(Some("2026-03-09T01:00:00Z")));
    r.insert("annual_sales", Value::Rupiah(2_500_000_000));
    r
}

#[test]
fn a_profile_renders_a_row_in_its_columns_codes_and_formats() {
    let p = Profile::parse(SMALL).unwrap();
    assert_eq!(
        p.headers(),
        ["NAMA USAHA", "SKALA", "MULAI", "OMZET", "SUMBER"]
    );
    assert_eq!(
        p.render(&record()),
        [
            Cell::Text("Keripik Bu Sri".into()),
            Cell::Text("2".into()),
            Cell::Text("09/03/2026".into()),
            Cell::Rupiah(2_500_000_000),
            Cell::Text("Sentra".into()),
        ]
    );
    // An unknown size class has its own code; a missing name stays empty.
    let mut r = Record::new();
    r.insert("size_class", Value::Empty);
    let cells = p.render(&r);
    assert_eq!(cells[0], Cell::Empty);
    assert_eq!(cells[1], Cell::Text("9".into()));
    assert!(!p.has_personal_fields());
}

fn with(extra: &str) -> String {
    SMALL.replace("[codes.skala]", &format!("{extra}\n[codes.skala]"))
}

#[test]
fn a_bad_profile_is_refused_naming_the_column_and_the_problem() {
    let cases: &[(String, &str)] = &[
        (
            with("[[columns]]\nheader = \"X\"\nfield = \"nama\""),
            "columns[6] \"X\": no field \"nama\" for umkm",
        ),
        (
            with("[[columns]]\nheader = \"NAMA USAHA\"\nfield = \"name\""),
            "columns[6] \"NAMA USAHA\": header given twice",
        ),
        (
            with("[[columns]]\nheader = \"Y\""),
            "columns[6] \"Y\": either field or value",
        ),
        (
            with("[[columns]]\nheader = \"Z\"\nfield = \"owner_sex\"\ncodes = \"skala\""),
            "columns[6] \"Z\": code list \"skala\" has no entry for \"male\"",
        ),
        (
            with("[[columns]]\nheader = \"W\"\nfield = \"name\"\ndate_format = \"%d\""),
            "columns[6] \"W\": date_format on a column that is no date",
        ),
        (
            with("[codes.unused]\na = \"b\""),
            "codes.unused: no column uses it",
        ),
        (
            SMALL.replace("id = \"contoh\"", "id = \"Contoh!\""),
            "id: lower-case letters, digits and hyphens only",
        ),
        (
            SMALL.replace("sheet = \"Data\"", "sheet = \"a/b\""),
            "sheet: 1–31 characters, none of [ ] : * ? / \\",
        ),
        (
            SMALL.replace("subject = \"umkm\"", "subject = \"products\""),
            "columns[1] \"NAMA USAHA\": no field \"name\" for products",
        ),
    ];
    for (text, expected) in cases {
        let err = Profile::parse(text).unwrap_err();
        assert_eq!(err.to_string(), *expected);
    }
    // TOML's own errors and unknown keys are refused too.
    assert!(Profile::parse("id = ").is_err());
    assert!(Profile::parse(&SMALL.replace("required = true", "requierd = true")).is_err());
}

#[test]
fn the_shipped_profiles_are_valid_and_cite_their_sources() {
    let shipped = shipped();
    assert!(shipped.len() >= 2, "{shipped:?}");
    let mut ids = HashSet::new();
    for (file, profile) in shipped {
        let p = profile.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(ids.insert(p.id.clone()), "{file}: id {} twice", p.id);
        assert_eq!(format!("{}.toml", p.id), file);
        assert!(
            p.sources.iter().all(|s| s.url.starts_with("https://")),
            "{file}"
        );
        assert!(
            !p.title.en.is_empty() && !p.description.id.is_empty(),
            "{file}"
        );
    }
}

#[test]
fn a_specification_reads_like_a_catalogue_entry() {
    let mut r = Record::new();
    r.insert("weight_grams", Value::Integer(250));
    r.insert("length_cm", Value::Decimal(12.5));
    r.insert("width_cm", Value::Decimal(5.0));
    r.insert("height_cm", Value::Decimal(3.0));
    r.insert("packaging", Value::text("standing pouch"));
    r.insert("shelf_life_days", Value::Integer(90));
    assert_eq!(
        specification(&r),
        "Berat 250 g; Ukuran 12,5 × 5 × 3 cm; Kemasan: standing pouch; Masa simpan 90 hari"
    );
    r.remove("height_cm");
    assert_eq!(
        specification(&r),
        "Berat 250 g; Kemasan: standing pouch; Masa simpan 90 hari"
    );
    assert_eq!(specification(&Record::new()), "");
}
