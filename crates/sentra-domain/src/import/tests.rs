use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn headers_people_write_are_recognised() {
    for (header, target) in [
        ("Nama Usaha", "name"),
        ("  NAMA   USAHA ", "name"),
        ("Nama Pemilik", "owner_name"),
        ("NIK", "nik"),
        ("No. HP/WA", "phone"),
        ("No HP / WA", "phone"),
        ("Alamat", "address"),
        ("Kelurahan", "village"),
        ("Desa/Kelurahan", "village"),
        ("Kecamatan", "district"),
        ("Omzet/Tahun", "annual_sales"),
        ("Omzet per Tahun (Rp)", "annual_sales"),
        ("Modal (Rp)", "modal"),
        ("Jenis Usaha", "sector"),
        ("NIB", "documents.nib.number"),
        ("No. P-IRT", "documents.pirt.number"),
        ("Tenaga Kerja L", "employees_male"),
    ] {
        assert_eq!(guess_target(header), Some(target), "{header}");
    }
    assert_eq!(guess_target("Keterangan"), None);
    assert_eq!(guess_target(""), None);
}

#[test]
fn the_header_row_is_found_below_titles_and_merged_headers_are_combined() {
    let rows = vec![
        s(&["DATA UMKM KECAMATAN PONDOK AREN 2025"]),
        s(&[]),
        s(&[
            "No",
            "Nama Usaha",
            "Nama Pemilik",
            "Tenaga Kerja",
            "",
            "Kelurahan",
        ]),
        s(&["", "", "", "L", "P", ""]),
        s(&["1", "Keripik", "Bu Ani", "2", "3", "Pondok Jaya"]),
    ];
    let (start, headers, height) = find_header(&rows).unwrap();
    assert_eq!((start, height), (2, 2));
    let m = Mapping::guess(&headers);
    assert_eq!(m.column_of("employees_male"), Some(3));
    assert_eq!(m.column_of("employees_female"), Some(4));
    assert_eq!(m.column_of("village"), Some(5));
    assert_eq!(m.column_of("name"), Some(1));
}

#[test]
fn a_mapping_needs_name_owner_and_place() {
    let m = Mapping::guess(&s(&["Nama Usaha", "NIK"]));
    assert_eq!(
        m.check().unwrap_err(),
        vec!["mapping_needs_owner", "mapping_needs_village"]
    );
}

#[test]
fn sectors_by_name_code_or_common_word() {
    let sectors = vec![
        SectorName {
            code: "kuliner".into(),
            name_id: "Kuliner".into(),
            name_en: "Culinary".into(),
        },
        SectorName {
            code: "kriya".into(),
            name_id: "Kriya".into(),
            name_en: "Crafts".into(),
        },
    ];
    assert_eq!(
        match_sector("KULINER", &sectors).as_deref(),
        Some("kuliner")
    );
    assert_eq!(match_sector("Crafts", &sectors).as_deref(), Some("kriya"));
    assert_eq!(
        match_sector("Makanan & Minuman", &sectors).as_deref(),
        Some("kuliner")
    );
    assert_eq!(
        match_sector("Kerajinan", &sectors).as_deref(),
        Some("kriya")
    );
    assert_eq!(match_sector("Bengkel", &sectors), None, "not in this list");
    // Everyday words of an office's list (issue 31).
    assert_eq!(match_sector("Kue", &sectors).as_deref(), Some("kuliner"));
    assert_eq!(
        match_sector("Kue Kering", &sectors).as_deref(),
        Some("kuliner")
    );
    assert_eq!(match_sector("Tenun", &sectors).as_deref(), Some("kriya"));
}

#[test]
fn rows_become_inputs_with_region_names_resolved() {
    let tree = RegionTree::embedded();
    let home = RegionCode::parse("36.74").unwrap();
    let sectors = vec![SectorName {
        code: "kuliner".into(),
        name_id: "Kuliner".into(),
        name_en: "Culinary".into(),
    }];
    let ctx = ImportContext {
        regions: tree,
        within: &home,
        sectors: &sectors,
        sector_words: &HashMap::new(),
    };
    let headers = s(&[
        "Nama Usaha",
        "Nama Pemilik",
        "NIK",
        "Kecamatan",
        "Kelurahan",
        "Jenis Usaha",
        "NIB",
    ]);
    let m = Mapping::guess(&headers);
    let row = s(&[
        "  Keripik  Bu Ani ",
        "Ani",
        "\u{1}3674035506900000",
        "pondok aren",
        "Jurangmangu Barat",
        "makanan",
        "1234567890123",
    ]);
    let out = convert_row(&row, &m, &ctx, None, ImportOptions::default());
    assert_eq!(out.input.name, "Keripik Bu Ani");
    assert_eq!(out.input.village_code, "36.74.03.1010");
    assert_eq!(out.input.sector, "kuliner");
    assert_eq!(out.input.documents[0].number, "1234567890123");
    assert_eq!(out.problems[0].code, "nik_number_cell");
    // The same kelurahan name without its kecamatan still resolves inside the city.
    let m2 = Mapping::guess(&s(&["Nama Usaha", "Nama Pemilik", "Kelurahan"]));
    let out = convert_row(
        &s(&["X", "Y", "Pondok Jaya"]),
        &m2,
        &ctx,
        None,
        ImportOptions::default(),
    );
    assert_eq!(out.input.village_code, "36.74.03.1004");
    // "Pondok" fits several kelurahan of the city: the candidates come back as a hint.
    let out = convert_row(
        &s(&["X", "Y", "Pondok"]),
        &m2,
        &ctx,
        None,
        ImportOptions::default(),
    );
    assert_eq!(out.problems[0].code, "region_ambiguous");
    assert!(
        out.problems[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("(Pondok Aren, 36.74.03.")
    );
    let out = convert_row(
        &s(&["X", "Y", "Tidak Ada Namanya"]),
        &m2,
        &ctx,
        None,
        ImportOptions::default(),
    );
    assert_eq!(out.problems[0].code, "region_not_found");
}

#[test]
fn columns_missing_from_the_file_keep_the_record_values() {
    let tree = RegionTree::embedded();
    let home = RegionCode::parse("36.74").unwrap();
    let ctx = ImportContext {
        regions: tree,
        within: &home,
        sectors: &[],
        sector_words: &HashMap::new(),
    };
    let base = UmkmInput {
        name: "Lama".into(),
        phone: "081234".into(),
        ..Default::default()
    };
    let m = Mapping::guess(&s(&["Nama Usaha"]));
    let out = convert_row(
        &s(&["Baru"]),
        &m,
        &ctx,
        Some(&base),
        ImportOptions::default(),
    );
    assert_eq!(out.input.name, "Baru");
    assert_eq!(out.input.phone, "081234");
}

#[test]
fn blank_cells_keep_stored_values_unless_clearing_was_chosen() {
    let tree = RegionTree::embedded();
    let home = RegionCode::parse("36.74").unwrap();
    let ctx = ImportContext {
        regions: tree,
        within: &home,
        sectors: &[],
        sector_words: &HashMap::new(),
    };
    let base = UmkmInput {
        name: "Lama".into(),
        annual_sales: "150000000".into(),
        modal: String::new(),
        phone: "081234".into(),
        documents: vec![LegalDocumentInput {
            kind: "nib".into(),
            number: "1234567890123".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let m = Mapping::guess(&s(&["Nama Usaha", "Omzet", "Modal", "No HP", "NIB"]));
    let row = s(&["Baru", "", "5000000", "", ""]);
    // Update (the default): filled cells replace, blank ones keep.
    let out = convert_row(&row, &m, &ctx, Some(&base), ImportOptions::default());
    assert_eq!(out.input.name, "Baru");
    assert_eq!(out.input.annual_sales, "150000000");
    assert_eq!(out.input.modal, "5000000");
    assert_eq!(out.input.phone, "081234");
    assert_eq!(out.input.documents.len(), 1);
    // Clearing chosen: blank cells clear.
    let clear = ImportOptions {
        mode: UpdateMode::Update,
        clear_blank: true,
    };
    let out = convert_row(&row, &m, &ctx, Some(&base), clear);
    assert_eq!(out.input.annual_sales, "");
    assert_eq!(out.input.phone, "");
    assert!(out.input.documents.is_empty());
    // Fill empty only: the stored name stays, the empty modal is filled.
    let fill = ImportOptions {
        mode: UpdateMode::FillEmpty,
        clear_blank: true,
    };
    let out = convert_row(&row, &m, &ctx, Some(&base), fill);
    assert_eq!(out.input.name, "Lama");
    assert_eq!(out.input.modal, "5000000");
    assert_eq!(out.input.annual_sales, "150000000");
    assert_eq!(out.input.phone, "081234");
    // A new record takes the row as it is.
    let out = convert_row(&row, &m, &ctx, None, ImportOptions::default());
    assert_eq!(out.input.annual_sales, "");
}
