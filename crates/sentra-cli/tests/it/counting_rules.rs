//! The counting rules (issue 29, items 5 and 8; docs/counting-rules.md) through the pages and
//! files a user opens, on SQLite and PostgreSQL: official totals count verified businesses only,
//! with drafts and inactive ones beside them; legality coverage counts documents valid today;
//! the expiry page lists the expired ones too; a kabupaten's dashboard and summary list every
//! kecamatan, those without UMKM as 0; each page links to the rules, which it serves.

use crate::common;

use std::collections::BTreeMap;

use common::spawn_app;
use sentra_domain::region::{RegionCode, RegionTree};
use sqlx::{AnyConnection, Connection, Row};

fn day(offset: i64) -> String {
    (common::today() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

async fn ids(conn: &mut AnyConnection, sql: &str) -> Vec<String> {
    sqlx::query(sql)
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect()
}

async fn exec(conn: &mut AnyConnection, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(conn).await.unwrap();
}

/// Per kecamatan: (verified, of them holding a P-IRT valid today), counted from scratch.
async fn expected_pirt(conn: &mut AnyConnection) -> BTreeMap<String, (i64, i64)> {
    sqlx::query(
        "SELECT district_code, COUNT(*) AS total, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'pirt' \
             AND (expires_on IS NULL OR expires_on = '' OR expires_on >= $1)) \
             THEN 1 ELSE 0 END) AS pirt \
         FROM umkm WHERE merged_into IS NULL AND status = 'verified' GROUP BY district_code",
    )
    .bind(day(0))
    .fetch_all(conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("district_code").unwrap(),
            (
                r.try_get("total").unwrap(),
                r.try_get::<Option<i64>, _>("pirt").unwrap().unwrap_or(0),
            ),
        )
    })
    .collect()
}

async fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query(sql)
        .bind(day(0))
        .fetch_one(conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn official_figures_count_verified_businesses_and_valid_documents_in_every_kecamatan() {
    let app = spawn_app().await;
    app.seed(140, 29).await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(app.test_db.direct()).await.unwrap();
    let city = RegionCode::parse("36.74").unwrap();
    let kecamatan: Vec<String> = RegionTree::embedded()
        .children(&city)
        .iter()
        .map(|r| r.code.as_str().to_string())
        .collect();
    assert!(kecamatan.len() >= 7, "{kecamatan:?}");
    // A kecamatan with no UMKM yet: its businesses removed.
    let empty = kecamatan.last().unwrap().clone();
    exec(
        &mut conn,
        "DELETE FROM umkm WHERE district_code = $1",
        &[&empty],
    )
    .await;
    // Drafts and inactive records, whatever the seed made.
    let verified = ids(
        &mut conn,
        "SELECT id FROM umkm WHERE status = 'verified' ORDER BY id",
    )
    .await;
    assert!(verified.len() > 20);
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'draft' WHERE id = $1 OR id = $2",
        &[&verified[0], &verified[1]],
    )
    .await;
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'inactive' WHERE id = $1",
        &[&verified[2]],
    )
    .await;
    // P-IRTs with every kind of validity: lapsed yesterday and a year ago (not held), ending
    // today (held: this month's part is counted one by one), next year (held: from the
    // rollup), none (held); and a draft's valid one (not counted).
    exec(
        &mut conn,
        "DELETE FROM umkm_documents WHERE kind = 'pirt'",
        &[],
    )
    .await;
    let pirt = [
        (&verified[3], Some(day(-1))),
        (&verified[4], Some(day(-400))),
        (&verified[5], Some(day(0))),
        (&verified[6], Some(day(365))),
        (&verified[7], None),
        (&verified[0], Some(day(365))),
    ];
    for (id, expires) in &pirt {
        let mut q = sqlx::query(
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) \
             VALUES ($1, 'pirt', $2, '2022-01-10', $3)",
        )
        .bind(id.as_str())
        .bind(format!("20636740101{}", id.len()));
        q = q.bind(expires.clone());
        q.execute(&mut conn).await.unwrap();
    }
    // Every verified business's halal certificate lapsed: none is held any more.
    let halal_before = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id \
         WHERE d.kind = 'halal' AND u.status = 'verified' AND $1 <> ''",
    )
    .await;
    assert!(halal_before > 0, "the seed has verified halal holders");
    exec(
        &mut conn,
        "UPDATE umkm_documents SET expires_on = $1 WHERE kind = 'halal' AND umkm_id IN \
         (SELECT id FROM umkm WHERE status = 'verified')",
        &[&day(-3)],
    )
    .await;

    let expected = expected_pirt(&mut conn).await;
    assert!(!expected.contains_key(&empty));
    let (all, held): (i64, i64) = expected
        .values()
        .fold((0, 0), |(a, b), (t, p)| (a + t, b + p));
    assert_eq!(held, 3, "today's, next year's and the one without expiry");
    let drafts = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM umkm WHERE merged_into IS NULL AND status = 'draft' \
         AND $1 <> ''",
    )
    .await;
    let inactive = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM umkm WHERE merged_into IS NULL AND status = 'inactive' \
         AND $1 <> ''",
    )
    .await;
    assert!(drafts >= 2 && inactive >= 1);

    // The dashboard: every kecamatan, the empty one as 0; the figures as counted above; the
    // drafts and inactive beside them; the rules linked.
    let html = app.page("/dasbor?dokumen=pirt").await;
    for d in &kecamatan {
        let (total, with) = expected.get(d).copied().unwrap_or((0, 0));
        let list = format!("/umkm?district={d}");
        for (href, n) in [
            (format!("{list}&status=verified"), total),
            (format!("{list}&legality=has_pirt&status=verified"), with),
            (
                format!("{list}&legality=no_pirt&status=verified"),
                total - with,
            ),
        ] {
            assert!(
                html.contains(&format!("href=\"{href}\">{n}</a>")),
                "{href} → {n} in {html}"
            );
        }
    }
    assert!(
        html.contains(&format!(
            ">{held}</a> / <a href=\"/umkm?regency=36.74&status=verified\">{all}</a>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "Draf: <a href=\"/umkm?regency=36.74&status=draft\">{drafts}</a> · Tidak aktif: \
             <a href=\"/umkm?regency=36.74&status=inactive\">{inactive}</a>"
        )),
        "{html}"
    );
    assert!(html.contains("href=\"/aturan-hitung\""));
    let halal = app.page("/dasbor?dokumen=halal").await;
    assert!(
        halal.contains(&format!(
            ">0</a> / <a href=\"/umkm?regency=36.74&status=verified\">{all}</a>"
        )),
        "{halal}"
    );
    // The list behind "holding a P-IRT" gives the same number.
    let list = app
        .page("/umkm?regency=36.74&legality=has_pirt&status=verified")
        .await;
    assert!(list.contains(&format!(">{held} UMKM<")), "{list}");

    // The summary report: every kecamatan (the empty one as zeros), the verified total, the
    // records left out named in its notes; the same in its workbook.
    let html = app.page("/laporan?wilayah=36.74&jenis=wilayah").await;
    assert_eq!(
        html.matches("<tr><th scope=\"row\">36.74.").count(),
        kecamatan.len(),
        "{html}"
    );
    assert!(html.contains(&format!("<tr><th scope=\"row\">{empty}</th>")));
    let foot = &html[html.find("<tfoot>").expect("a total row")..];
    let dots = sentra_domain::money::format_thousands;
    assert!(foot.contains(&format!(">{}</td>", dots(all))), "{foot}");
    let note = format!(
        "Tidak termasuk dalam jumlah: draf {}, tidak aktif {}.",
        dots(drafts),
        dots(inactive)
    );
    assert!(html.contains(&note), "{html}");
    assert!(html.contains("href=\"/aturan-hitung\""));
    let bytes = app
        .get("/laporan/laporan.xlsx?wilayah=36.74&jenis=wilayah")
        .await
        .bytes()
        .await
        .unwrap();
    let table = sentra_sheets::read_table("laporan.xlsx", bytes.to_vec()).unwrap();
    let total_row = table
        .rows
        .iter()
        .find(|r| r.cells.get(1).is_some_and(|c| c == "Jumlah"))
        .unwrap();
    assert_eq!(
        total_row.cells[2].trim_start_matches('\u{1}'),
        all.to_string()
    );
    let cells: Vec<&String> = table.rows.iter().flat_map(|r| r.cells.iter()).collect();
    assert!(cells.iter().any(|c| c.contains(&note)), "{cells:?}");
    assert!(
        cells
            .iter()
            .any(|c| *c == &empty || c.trim_start_matches('\u{1}') == empty),
        "the empty kecamatan's line"
    );

    // Open data: verified businesses, and halal certificates valid today.
    let csv = reqwest::get(app.url("/data/umkm-per-wilayah.csv?tingkat=kecamatan"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let published: BTreeMap<String, (String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), (r[2].to_string(), r[9].to_string()))
        })
        .collect();
    let halal: BTreeMap<String, i64> = sqlx::query(
        "SELECT u.district_code AS d, COUNT(*) AS n FROM umkm u JOIN umkm_documents x \
         ON x.umkm_id = u.id WHERE x.kind = 'halal' AND u.status = 'verified' \
         AND u.merged_into IS NULL AND (x.expires_on IS NULL OR x.expires_on = '' \
         OR x.expires_on >= $1) GROUP BY u.district_code",
    )
    .bind(day(0))
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get("d").unwrap(), r.try_get("n").unwrap()))
    .collect();
    let mut compared = 0;
    for (d, (total, with_halal)) in &published {
        if !total.is_empty() {
            assert_eq!(total, &expected[d].0.to_string(), "{d} in {csv}");
            compared += 1;
        }
        // Every halal certificate of a verified business lapsed: none is held.
        assert!(!halal.contains_key(d));
        assert!(
            with_halal.is_empty() || with_halal == "0",
            "{d}: {with_halal}"
        );
    }
    assert!(compared > 0, "{csv}");
}

#[tokio::test]
async fn the_expiry_page_lists_expired_documents_most_recent_first() {
    let app = spawn_app().await;
    app.seed(60, 31).await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(app.test_db.direct()).await.unwrap();
    exec(
        &mut conn,
        "DELETE FROM umkm_documents WHERE kind = 'pirt'",
        &[],
    )
    .await;
    let active = ids(
        &mut conn,
        "SELECT id FROM umkm WHERE status <> 'inactive' ORDER BY id",
    )
    .await;
    let lapsed = ids(
        &mut conn,
        "SELECT id FROM umkm WHERE status = 'inactive' ORDER BY id",
    )
    .await;
    let add = |id: String, expires: String| {
        sqlx::query(
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) \
             VALUES ($1, 'pirt', '206367401012329', '2020-01-10', $2)",
        )
        .bind(id)
        .bind(expires)
    };
    add(active[0].clone(), day(-400))
        .execute(&mut conn)
        .await
        .unwrap();
    add(active[1].clone(), day(-2))
        .execute(&mut conn)
        .await
        .unwrap();
    add(active[2].clone(), day(20))
        .execute(&mut conn)
        .await
        .unwrap();
    if let Some(gone) = lapsed.first() {
        // An inactive business's expired document is no renewal to chase.
        add(gone.clone(), day(-5)).execute(&mut conn).await.unwrap();
    }
    let expired = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id \
         WHERE d.expires_on < $1 AND d.expires_on <> '' AND u.status <> 'inactive' \
         AND u.merged_into IS NULL",
    )
    .await;
    assert!(expired >= 2);

    let page = app.page("/legalitas/kedaluwarsa").await;
    assert!(page.contains("Sudah kedaluwarsa"), "{page}");
    assert!(
        page.contains(&format!(
            "{expired} dokumen sudah kedaluwarsa (tidak dihitung sebagai dimiliki)."
        )),
        "{page}"
    );
    let section = &page[page.find("id=\"expired\"").expect("the expired table")..];
    let at = |id: &str| section.find(&format!("/umkm/{id}#legality")).expect(id);
    // Most recently lapsed first; the one still to come is in the list above, not here.
    assert!(at(&active[1]) < at(&active[0]), "{section}");
    assert!(section.contains("(2 hari lalu)"), "{section}");
    assert!(!section.contains(&format!("/umkm/{}#legality", active[2])));
    if let Some(gone) = lapsed.first() {
        assert!(!section.contains(&format!("/umkm/{gone}#legality")));
    }
    let upcoming = &page[..page.find("id=\"expired\"").unwrap()];
    assert!(upcoming.contains(&format!("/umkm/{}#legality", active[2])));
    assert!(page.contains("href=\"/aturan-hitung\""));
}

#[tokio::test]
async fn the_counting_rules_are_served_in_both_languages() {
    let app = spawn_app().await;
    // Public: open data users read them too.
    let id = reqwest::get(app.url("/aturan-hitung")).await.unwrap();
    assert_eq!(id.status(), 200);
    let id = id.text().await.unwrap();
    assert!(id.contains("<h1>Aturan hitung</h1>"), "{id}");
    assert!(id.contains("yang berlaku pada hari itu"), "{id}");
    assert!(id.contains("Draf: 1.049 · Tidak aktif: 154"), "{id}");
    let en = reqwest::get(app.url("/aturan-hitung?lang=en"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<h1>Counting rules</h1>"), "{en}");
    assert!(en.contains("valid on the day"), "{en}");
    // The open data page and its files name them.
    let data = app.page("/data").await;
    assert!(data.contains("href=\"/aturan-hitung\""), "{data}");
    let (_, json) = app
        .get_json("/data/umkm-per-wilayah.json?tingkat=kecamatan")
        .await;
    assert!(
        json["metadata"]["counting_rules"]
            .as_str()
            .unwrap()
            .ends_with("/aturan-hitung"),
        "{json}"
    );
}

/// The sums of the "Jumlah" row of a report workbook, by header.
async fn workbook_totals(app: &common::TestApp, url: &str) -> BTreeMap<String, String> {
    let res = app.get(url).await;
    assert_eq!(res.status(), 200, "{url}");
    let table = sentra_sheets::read_table("r.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    let total = table
        .rows
        .iter()
        .find(|r| r.cells.iter().take(2).any(|c| c == "Jumlah"))
        .unwrap_or_else(|| panic!("a total row in {url}: {:?}", table.rows));
    // The headers: the first row as wide as the totals (the title and notes are one cell).
    let headers = table
        .rows
        .iter()
        .find(|r| r.cells.len() == total.cells.len())
        .unwrap();
    headers
        .cells
        .iter()
        .cloned()
        .zip(
            total
                .cells
                .iter()
                .map(|c| c.trim_start_matches('\u{1}').to_string()),
        )
        .collect()
}

#[tokio::test]
async fn crosstab_reach_and_naik_kelas_count_verified_businesses_and_valid_documents() {
    let app = spawn_app().await;
    app.seed(40, 31).await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(app.test_db.direct()).await.unwrap();
    exec(&mut conn, "UPDATE umkm SET status = 'verified'", &[]).await;
    exec(
        &mut conn,
        "DELETE FROM umkm_documents WHERE kind = 'nib'",
        &[],
    )
    .await;
    let all = ids(&mut conn, "SELECT id FROM umkm ORDER BY id").await;
    // NIBs: lapsed yesterday and a month ago (not held), without expiry, ending today and
    // valid next year (held).
    for (i, (id, expires)) in [
        (&all[0], Some(day(-1))),
        (&all[1], None),
        (&all[2], Some(day(365))),
        (&all[3], Some(day(-30))),
        (&all[4], Some(day(0))),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on, \
             province_code) VALUES ($1, 'nib', $2, '2024-01-01', $3, '36')",
        )
        .bind(id.as_str())
        .bind(format!("91200{i:08}"))
        .bind(expires)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let nib_totals = |app| {
        workbook_totals(
            app,
            "/laporan/laporan.xlsx?jenis=silang&wilayah=36.74&baris=size&kolom=nib&ukuran=count",
        )
    };
    let totals = nib_totals(&app).await;
    assert_eq!(
        totals.get("Punya").map(String::as_str),
        Some("3"),
        "{totals:?}"
    );
    assert_eq!(
        totals.get("Belum punya").map(String::as_str),
        Some((all.len() - 3).to_string().as_str()),
        "{totals:?}"
    );

    // A year of programmes and naik kelas: two businesses attend, three report; then one of
    // each goes back to draft and one becomes inactive.
    sqlx::query(
        "INSERT INTO activities (id, kind, title, topics, organiser, region_code, starts_at, \
         ends_at, zone, capacity, sectors, status, created_by, created_at, updated_at, version) \
         VALUES ('a1', 'pelatihan', 'Kelas', 'halal', 'dinas', '36.74', 1772694000, 1772701200, \
         'WIB', 50, '', 'planned', 't', 't', 't', 1)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    for id in [&all[5], &all[6]] {
        exec(
            &mut conn,
            "INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, \
             updated_at) VALUES ('a1', $1, 'attended', 't', 't')",
            &[id],
        )
        .await;
    }
    for id in [&all[5], &all[7], &all[8]] {
        exec(
            &mut conn,
            "INSERT INTO growth_milestones (umkm_id, milestone, year) VALUES ($1, 'class_up', 2026)",
            &[id],
        )
        .await;
    }
    let progress = "/laporan/laporan.xlsx?jenis=kemajuan&wilayah=36.74&tahun=2026";
    let before = workbook_totals(&app, progress).await;
    let n = |t: &BTreeMap<String, String>, k: &str| -> i64 {
        t.iter()
            .find(|(h, _)| h.contains(k))
            .unwrap_or_else(|| panic!("{k} in {t:?}"))
            .1
            .parse()
            .unwrap()
    };
    assert_eq!(
        n(&before, "UMKM terverifikasi"),
        all.len() as i64,
        "{before:?}"
    );
    assert_eq!(n(&before, "Ikut kegiatan program"), 2, "{before:?}");
    assert_eq!(n(&before, "Naik kelas usaha"), 3, "{before:?}");
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'draft' WHERE id = $1",
        &[&all[5]],
    )
    .await;
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'inactive' WHERE id = $1",
        &[&all[7]],
    )
    .await;
    let after = workbook_totals(&app, progress).await;
    assert_eq!(
        n(&after, "UMKM terverifikasi"),
        all.len() as i64 - 2,
        "{after:?}"
    );
    assert_eq!(n(&after, "Ikut kegiatan program"), 1, "{after:?}");
    assert_eq!(n(&after, "Naik kelas usaha"), 1, "{after:?}");
    // Verified again, it counts again; and the NIB holders exclude the draft now.
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'verified' WHERE id = $1",
        &[&all[5]],
    )
    .await;
    let again = workbook_totals(&app, progress).await;
    assert_eq!(n(&again, "Ikut kegiatan program"), 2, "{again:?}");
    assert_eq!(n(&again, "Naik kelas usaha"), 2, "{again:?}");
    exec(
        &mut conn,
        "UPDATE umkm SET status = 'draft' WHERE id = $1",
        &[&all[1]],
    )
    .await;
    let totals = nib_totals(&app).await;
    assert_eq!(
        totals.get("Punya").map(String::as_str),
        Some("2"),
        "{totals:?}"
    );
}

#[tokio::test]
async fn the_expiry_lists_come_in_pages_of_a_hundred() {
    let app = spawn_app().await;
    app.seed(150, 33).await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(app.test_db.direct()).await.unwrap();
    exec(&mut conn, "UPDATE umkm SET status = 'verified'", &[]).await;
    exec(&mut conn, "DELETE FROM umkm_documents", &[]).await;
    let all = ids(&mut conn, "SELECT id FROM umkm ORDER BY id").await;
    for (i, id) in all.iter().enumerate() {
        exec(
            &mut conn,
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) \
             VALUES ($1, 'pirt', '206367401012329', '2020-01-10', $2)",
            &[id, &day(-1 - i as i64)],
        )
        .await;
    }
    let rows_in = |page: &str| {
        let table = &page[page.find("id=\"expired\"").expect("the expired table")..];
        let table = &table[..table.find("</table>").unwrap()];
        table.matches("#legality\">").count()
    };
    let first = app.page("/legalitas/kedaluwarsa").await;
    assert!(first.contains("150 dokumen sudah kedaluwarsa"), "{first}");
    assert_eq!(rows_in(&first), 100);
    assert!(first.contains("halaman 1 dari 2"), "{first}");
    let next = "/legalitas/kedaluwarsa?wilayah=36.74&hari=90&hal=1&hal_lewat=2#expired-title";
    assert!(
        first.contains(&format!("href=\"{next}\" rel=\"next\"")),
        "{first}"
    );
    // The most recently lapsed first: yesterday's on page 1, the oldest on page 2.
    assert!(first.contains(&format!("/umkm/{}#legality", all[0])));
    let second = app.page(next).await;
    assert_eq!(rows_in(&second), 50);
    assert!(second.contains(&format!("/umkm/{}#legality", all[149])));
    assert!(!second.contains(&format!("/umkm/{}#legality", all[0])));
    assert!(second.contains("rel=\"prev\""));
}

/// A kecamatan's expiry lists are read in one pass and paged here; a kabupaten's by a count and
/// a page in SQL. Both give the same documents, in the same order, page by page.
#[tokio::test]
async fn a_kecamatans_expiry_pages_are_the_kabupatens_rows_of_that_kecamatan() {
    use sentra_domain::region::RegionCode;
    use sentra_storage::PageRequest;
    let app = spawn_app().await;
    app.seed(400, 7).await;
    let city = common::city();
    let today = common::today();
    let whole = |page: u32| {
        let db = app.db.clone();
        let city = city.clone();
        async move {
            db.expiring_documents(&city, None, today, 3650, PageRequest::new(page, 500))
                .await
                .unwrap()
        }
    };
    let everyone = whole(1).await;
    let district = everyone
        .items
        .iter()
        .map(|d| d.village_code[..8].to_string())
        .max_by_key(|k| {
            everyone
                .items
                .iter()
                .filter(|d| d.village_code.starts_with(k.as_str()))
                .count()
        })
        .expect("expired documents in the seed");
    let expected: Vec<(String, String)> = everyone
        .items
        .iter()
        .filter(|d| d.village_code.starts_with(&district))
        .map(|d| (d.umkm_id.clone(), d.kind.as_str().to_string()))
        .collect();
    assert!(expected.len() > 3, "{}", expected.len());
    let region = RegionCode::parse(&district).unwrap();
    let mut paged = Vec::new();
    for page in 1..=expected.len().div_ceil(3) as u32 + 1 {
        let p = app
            .db
            .expiring_documents(&city, Some(&region), today, 3650, PageRequest::new(page, 3))
            .await
            .unwrap();
        assert_eq!(p.total, expected.len() as i64);
        paged.extend(
            p.items
                .into_iter()
                .map(|d| (d.umkm_id, d.kind.as_str().to_string())),
        );
    }
    assert_eq!(paged, expected);
}
