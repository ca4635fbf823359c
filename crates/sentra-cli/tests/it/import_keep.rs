//! Imports must not erase (issue 29, item 2), in the browser: a blank cell keeps the stored
//! value; clearing is an explicit choice counted in the dry run; "fill empty fields only"; the
//! dry run lists every change (old → new) and offers it as a download; a written import is
//! undone, audited, and the undo refused when a record changed since or when asked from
//! another region. SQLite, and PostgreSQL when `SENTRA_TEST_POSTGRES_URL` is set.

use crate::common::{self, TestApp};
use crate::import_web::{post_form, proposed_mapping, settled, upload};

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{JobState, UmkmRecord};

const HEADER: &str =
    "Nama Usaha;Nama Pemilik;NIK;Kecamatan;Kelurahan;Omzet/Tahun;Modal;Jenis Usaha;NIB\n";
const RINA: &str =
    "Keripik Tempe Bu Rina;Rina Marlina;3674035506900002;Pondok Aren;Jurangmangu Barat";
const MARIA: &str = "Tenun Ikat;Maria;3674034107900004;Pondok Aren;Parigi Baru";

fn csv(rows: &[String]) -> Vec<u8> {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

/// The two businesses with their omzet and modal cells (empty: blank).
fn file(rina: (&str, &str), maria: (&str, &str)) -> Vec<u8> {
    csv(&[
        format!("{RINA};{};{};kuliner;1234567890123", rina.0, rina.1),
        format!("{MARIA};{};{};kriya;9120000000001", maria.0, maria.1),
    ])
}

fn home() -> Scope {
    Scope::region(RegionCode::parse(common::HOME).unwrap())
}

/// Uploads, maps as proposed with the given extra fields (the options), and waits for the
/// dry run; returns the job id.
async fn dry_run(app: &TestApp, name: &str, bytes: Vec<u8>, options: &[(&str, &str)]) -> String {
    let id = upload(&app.client, &app.base, &app.csrf, name, bytes).await;
    let mut fields = proposed_mapping(&app.db, &id, &app.csrf).await;
    fields.extend(options.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/check")),
        &fields,
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(settled(&app.db, &id).await, JobState::Checked);
    id
}

async fn commit(app: &TestApp, id: &str) {
    let fields = vec![
        ("_csrf".to_string(), app.csrf.clone()),
        ("mode".to_string(), "valid".to_string()),
    ];
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/commit")),
        &fields,
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(settled(&app.db, id).await, JobState::Done);
}

async fn import(app: &TestApp, name: &str, bytes: Vec<u8>, options: &[(&str, &str)]) -> String {
    let id = dry_run(app, name, bytes, options).await;
    commit(app, &id).await;
    id
}

/// The record of the home region with this name.
async fn record(app: &TestApp, name: &str) -> Option<UmkmRecord> {
    let list = app
        .db
        .list_umkm(
            &home(),
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap()
        .items;
    let id = list.into_iter().find(|s| s.name == name)?.id;
    Some(app.db.get_umkm(&home(), &id).await.unwrap())
}

async fn page(app: &TestApp, id: &str) -> String {
    app.get(&format!("/umkm/import/{id}"))
        .await
        .text()
        .await
        .unwrap()
}

/// The count the report shows beside `label`.
fn shown_count(page: &str, label: &str) -> String {
    let at = page
        .find(&format!("<th scope=\"row\">{label}</th>"))
        .unwrap_or_else(|| panic!("{label} not in {page}"));
    let rest = &page[at..];
    let cell = rest.find("<td>").unwrap() + 4;
    rest[cell..cell + rest[cell..].find("</td>").unwrap()].to_string()
}

#[tokio::test]
async fn a_blank_cell_keeps_the_stored_value_and_clearing_is_an_explicit_choice_counted_first() {
    let app = common::spawn_app().await;
    import(
        &app,
        "awal.csv",
        file(("150000000", "25000000"), ("60000000", "")),
        &[],
    )
    .await;
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(150_000_000));

    // The office's new file has Rina's omzet and modal blank and Maria's modal filled in.
    let again = file(("", ""), ("60000000", "10000000"));
    let id = dry_run(&app, "bulan-ini.csv", again.clone(), &[]).await;
    let report = page(&app, &id).await;
    assert!(
        report.contains("sel kosong mempertahankan nilai tersimpan"),
        "{report}"
    );
    assert_eq!(shown_count(&report, "Isian yang akan dikosongkan"), "0");
    assert_eq!(shown_count(&report, "Isian UMKM yang berubah"), "1");
    // Every change listed with the field's label, old and new.
    assert!(
        report.contains(">Modal usaha (di luar tanah dan bangunan)</td>"),
        "{report}"
    );
    assert!(report.contains("Tenun Ikat</a>"), "{report}");
    assert!(report.contains("(kosong)</td>"), "{report}");
    assert!(report.contains(">10000000</td>"), "{report}");
    assert!(!report.contains(">150000000</td>"), "{report}");
    commit(&app, &id).await;
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(150_000_000), "a blank cell kept it");
    assert_eq!(rina.modal, Some(25_000_000));
    let maria = record(&app, "Tenun Ikat").await.unwrap();
    assert_eq!(maria.modal, Some(10_000_000));

    // Clearing chosen: the dry run counts the fields to be cleared and lists them.
    let id = dry_run(&app, "kosongkan.csv", again, &[("clear_blank", "1")]).await;
    let report = page(&app, &id).await;
    assert!(
        report.contains("sel kosong mengosongkan nilai tersimpan"),
        "{report}"
    );
    assert_eq!(shown_count(&report, "Isian yang akan dikosongkan"), "2");
    assert!(report.contains(">150000000</td>"), "{report}");
    let counts = app
        .db
        .import_job(&id)
        .await
        .unwrap()
        .unwrap()
        .counts
        .unwrap();
    assert_eq!((counts.cleared_fields, counts.changed_fields), (2, 2));

    // The download: every change with the field's label, old and new.
    let res = app.get(&format!("/umkm/import/{id}/changes.xlsx")).await;
    assert_eq!(res.status(), 200);
    let table = sentra_sheets::read_table("c.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| r.cells.clone()).collect();
    assert_eq!(rows[0][0], "Baris asal", "{rows:?}");
    assert_eq!(rows[0][4], "Lama", "{rows:?}");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().any(|r| r[1] == "Keripik Tempe Bu Rina"
            && r[3] == "Omzet tahunan"
            && r[4] == "150000000"
            && r.get(5).is_none_or(|c| c.is_empty())),
        "{rows:?}"
    );
    commit(&app, &id).await;
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!((rina.annual_sales, rina.modal), (None, None));
}

#[tokio::test]
async fn fill_empty_fields_only_replaces_nothing_stored() {
    let app = common::spawn_app().await;
    import(
        &app,
        "awal.csv",
        file(("150000000", ""), ("60000000", "")),
        &[],
    )
    .await;
    let id = import(
        &app,
        "lengkapi.csv",
        file(("999000000", "25000000"), ("", "10000000")),
        &[("update_mode", "fill_empty"), ("clear_blank", "1")],
    )
    .await;
    let job = app.db.import_job(&id).await.unwrap().unwrap();
    assert!(!job.options.clear_blank, "no clearing when only filling");
    let counts = job.counts.unwrap();
    assert_eq!((counts.changed_fields, counts.cleared_fields), (2, 0));
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(150_000_000), "stored, not replaced");
    assert_eq!(rina.modal, Some(25_000_000), "empty, filled");
    let maria = record(&app, "Tenun Ikat").await.unwrap();
    assert_eq!(maria.annual_sales, Some(60_000_000));
    assert_eq!(maria.modal, Some(10_000_000));
}

#[tokio::test]
async fn an_import_is_undone_audited_and_refused_after_a_later_edit_or_from_another_region() {
    let app = common::spawn_app().await;
    let first = import(
        &app,
        "awal.csv",
        file(("150000000", "25000000"), ("60000000", "")),
        &[],
    )
    .await;
    let second = import(
        &app,
        "revisi.csv",
        file(("200000000", ""), ("60000000", "10000000")),
        &[],
    )
    .await;
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(200_000_000));
    let report = page(&app, &second).await;
    assert!(report.contains("Batalkan impor"), "{report}");
    assert!(
        report.contains("mengembalikan nilai lama 2 UMKM"),
        "{report}"
    );

    // An admin of another kecamatan: the job does not exist for them; nothing changes.
    let (serpong, _, serpong_csrf) = app.as_user("admin", "36.74.01").await;
    let res = serpong
        .post(app.url(&format!("/umkm/import/{second}/undo")))
        .form(&[("_csrf", serpong_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(200_000_000));
    // A viewer may not import, so may not undo.
    let (viewer, _, viewer_csrf) = app.as_user("viewer", common::HOME).await;
    let res = viewer
        .post(app.url(&format!("/umkm/import/{second}/undo")))
        .form(&[("_csrf", viewer_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Undone: the old values are back, audited.
    let res = app
        .post_form(&format!("/umkm/import/{second}/undo"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let rina = record(&app, "Keripik Tempe Bu Rina").await.unwrap();
    assert_eq!(rina.annual_sales, Some(150_000_000));
    assert_eq!(rina.modal, Some(25_000_000));
    let maria = record(&app, "Tenun Ikat").await.unwrap();
    assert_eq!(maria.modal, None);
    let audit = app.db.audit_for("umkm", &rina.id).await.unwrap();
    assert_eq!(audit[0].action, "import_undo", "{audit:?}");
    assert_eq!(audit[0].actor, "admin@test.id");
    assert!(audit[0].changes.contains("200000000"), "{audit:?}");
    let report = page(&app, &second).await;
    assert!(report.contains("dibatalkan oleh admin@test.id"), "{report}");
    // Once only.
    let res = app
        .post_form(&format!("/umkm/import/{second}/undo"), &[])
        .await;
    assert_eq!(res.status(), 409);

    // A later edit of one record: the first import's undo is refused as a whole, naming it.
    let mut maria_input = sentra_storage::record_input(&maria);
    maria_input.address = "Jl. Dahlia 7".into();
    let sectors: Vec<String> = app
        .db
        .sectors()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.code)
        .collect();
    let city = home();
    let vctx = sentra_domain::umkm::ValidationContext {
        regions: sentra_domain::region::RegionTree::embedded(),
        sectors: &sectors,
        scope: city.region_code(),
        today: chrono::Local::now().date_naive(),
    };
    let data = sentra_domain::umkm::validate_umkm(&maria_input, &vctx).unwrap();
    app.db
        .update_umkm(
            &home(),
            &maria.id,
            maria.version,
            &data,
            &sentra_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    let res = app
        .post_form(&format!("/umkm/import/{first}/undo"), &[])
        .await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(body.contains("Impor tidak dibatalkan"), "{body}");
    assert!(body.contains("Tenun Ikat</a>: diubah"), "{body}");
    assert_eq!(app.count().await, 2, "nothing removed");

    // An import that created a record is undone by removing the draft, audited.
    let third = import(
        &app,
        "baru.csv",
        csv(&["Kopi Kenangan Ibu;Dewi Lestari;3674036505850003;Pondok Aren;Pondok Kacang Timur;;;kuliner;".to_string()]),
        &[],
    )
    .await;
    let kopi = record(&app, "Kopi Kenangan Ibu").await.unwrap();
    assert_eq!(app.count().await, 3);
    let res = app
        .post_form(&format!("/umkm/import/{third}/undo"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count().await, 2);
    assert!(record(&app, "Kopi Kenangan Ibu").await.is_none());
    let audit = app.db.audit_for("umkm", &kopi.id).await.unwrap();
    assert_eq!(audit[0].action, "import_undo_remove", "{audit:?}");
    assert!(!audit[0].changes.contains("3674036505850003"), "NIK masked");
    let (verdict, _) = app.db.audit_head().await.unwrap();
    assert!(
        matches!(verdict, sentra_storage::AuditVerdict::Intact { .. }),
        "{verdict:?}"
    );
}
