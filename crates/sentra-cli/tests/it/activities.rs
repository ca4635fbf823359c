//! Programmes through the pages, on SQLite and PostgreSQL: a city-level packaging clinic planned
//! on the day Pondok Aren already holds one for the same sector shows the conflict with its
//! reason before anything is saved; saving anyway needs a note; the board shows the three
//! levels with the conflicts marked; the public `.ics` feed parses as iCalendar.

use crate::common;

use common::spawn_app;

/// A weekday about two months ahead (clear of the budget year's last weeks), as `YYYY-MM-DD`.
fn day_ahead() -> String {
    use chrono::Datelike;
    let mut d = common::today() + chrono::Duration::days(60);
    while d.month() == 12 && d.day() >= 4 || d.weekday().number_from_monday() > 5 {
        d += chrono::Duration::days(1);
    }
    d.format("%Y-%m-%d").to_string()
}

/// The topic and sector codes in force, for validating activities.
async fn codes(app: &common::TestApp) -> (Vec<String>, Vec<String>) {
    let topics = app.db.active_topic_codes().await.unwrap();
    let sectors = app.db.sectors().await.unwrap();
    (topics, sectors.into_iter().map(|s| s.code).collect())
}

/// Every activity stored for the city and the regions in it.
async fn in_city(app: &common::TestApp) -> Vec<sentra_storage::ActivityRecord> {
    app.db
        .activities_between(
            &sentra_domain::region::RegionCode::parse("36.74").unwrap(),
            0,
            i64::MAX,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clashing_clinic_is_shown_before_saving_and_the_board_and_feed_follow() {
    let app = spawn_app().await;
    let day = day_ahead();
    let sector = app.db.sectors().await.unwrap()[0].code.clone();
    let post = |path: &str, fields: Vec<(&str, String)>| {
        let mut form = vec![("_csrf", app.csrf.clone())];
        form.extend(fields);
        let req = app.client.post(app.url(path)).form(&form);
        async move { req.send().await.unwrap() }
    };
    let clinic = |title: &str, region: &str, organiser: &str, from: &str, to: &str| {
        vec![
            ("kind", "klinik".to_string()),
            ("title", title.to_string()),
            ("topics", "pengemasan".to_string()),
            ("organiser", organiser.to_string()),
            ("region", region.to_string()),
            ("venue", format!("Aula {title}")),
            ("start_date", day.clone()),
            ("start_time", from.to_string()),
            ("end_time", to.to_string()),
            ("sectors", sector.clone()),
            ("status", "planned".to_string()),
        ]
    };
    let count = || async { in_city(&app).await.len() };

    // Bad input: each field named, nothing saved.
    let mut bad = clinic("Klinik Kemasan", "36.74.03", "kecamatan", "12:00", "09:00");
    bad.retain(|(k, _)| *k != "topics");
    let res = post("/kegiatan", bad).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Jam selesai: Selesai harus sesudah mulai."),
        "{body}"
    );
    assert!(body.contains("Topik: Wajib diisi."), "{body}");
    assert_eq!(count().await, 0);

    let kecamatan = clinic(
        "Klinik Kemasan Pondok Aren",
        "36.74.03",
        "kecamatan",
        "09:00",
        "12:00",
    );
    assert_eq!(post("/kegiatan", kecamatan).await.status(), 303);

    // The city's clinic the same morning, for the same sector: shown, not saved.
    let city = clinic("Klinik Kemasan Kota", "36.74", "dinas", "10:00", "13:00");
    let res = post("/kegiatan", city.clone()).await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Waktunya bersamaan di wilayah yang sama atau yang mencakupnya"),
        "{body}"
    );
    assert!(
        body.contains("Topik yang sama untuk sasaran yang sama"),
        "{body}"
    );
    assert!(
        body.contains("Klinik Kemasan Pondok Aren (Kecamatan, Pondok Aren"),
        "{body}"
    );
    assert_eq!(count().await, 1);

    // Accepting needs a note.
    let mut accepted = city.clone();
    accepted.push(("accept", "1".into()));
    let res = post("/kegiatan", accepted.clone()).await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Tulis catatan mengapa bentrokan diterima.")
    );
    accepted.push((
        "conflicts_note",
        "Sasaran berbeda: UMKM yang belum pernah ikut".into(),
    ));
    assert_eq!(post("/kegiatan", accepted).await.status(), 303);

    // A kelurahan's training that afternoon, online, on another topic: no conflict.
    let mut kelurahan = clinic(
        "Pelatihan Foto Produk Pondok Kacang",
        "36.74.03.1003",
        "kelurahan",
        "14:00",
        "16:00",
    );
    for (k, v) in kelurahan.iter_mut() {
        match *k {
            "topics" => *v = "fotografi_produk".into(),
            "kind" => *v = "pelatihan".into(),
            "venue" => v.clear(),
            _ => {}
        }
    }
    kelurahan.push(("online_link", "https://meet.example.id/foto".into()));
    assert_eq!(post("/kegiatan", kelurahan).await.status(), 303);
    assert_eq!(count().await, 3);

    // The board: three levels, the conflicts marked on both clinics, the note shown.
    let month = &day[..7];
    let board = app
        .get(&format!("/kegiatan?bulan={month}"))
        .await
        .text()
        .await
        .unwrap();
    for s in [
        "Kab/Kota",
        "Kecamatan",
        "Kelurahan/Desa",
        "3 kegiatan bulan ini; 2 bentrok.",
        "Sasaran berbeda: UMKM yang belum pernah ikut",
    ] {
        assert!(board.contains(s), "{s} in {board}");
    }
    assert_eq!(board.matches("⚠").count(), 2, "{board}");
    // Narrowed to kelurahan activities: one listed.
    let villages = app
        .get(&format!("/kegiatan?bulan={month}&tingkat=village"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        villages.contains("1 kegiatan bulan ini; 0 bentrok."),
        "{villages}"
    );
    assert!(villages.contains("Pelatihan Foto Produk Pondok Kacang"));
    assert!(!villages.contains("Klinik Kemasan Kota</a>"));
    // The next and previous months keep the filter.
    assert!(
        villages.contains("tingkat=village&amp;bulan=")
            || villages.contains("tingkat=village&#38;bulan="),
        "{villages}"
    );

    // The month's grid: the day holds the three, the two clashing marked; the week view shows
    // the seven days of that week with the same three.
    let grid = app
        .get(&format!("/kegiatan?bulan={month}&tampilan=bulan"))
        .await
        .text()
        .await
        .unwrap();
    let date = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap();
    let cell_start = grid
        .find(&format!("data-label=\"{}", {
            use chrono::Datelike;
            let wd = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
                [date.weekday().num_days_from_monday() as usize];
            let month = [
                "Januari",
                "Februari",
                "Maret",
                "April",
                "Mei",
                "Juni",
                "Juli",
                "Agustus",
                "September",
                "Oktober",
                "November",
                "Desember",
            ][date.month0() as usize];
            // The cell's heading in words, as a phone shows it: "Sen, 1 Juni".
            format!("{wd}, {} {month}", date.day())
        }))
        .expect("the day's cell");
    let cell = &grid[cell_start..cell_start + grid[cell_start..].find("</td>").unwrap()];
    assert_eq!(cell.matches("<li").count(), 3, "{cell}");
    assert_eq!(cell.matches("class=\"clash\"").count(), 2, "{cell}");
    assert!(cell.contains("09.00 Klinik Kemasan Pondok Aren"), "{cell}");
    let week = app
        .get(&format!("/kegiatan?tampilan=minggu&tanggal={day}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(week.contains("3 kegiatan minggu ini; 2 bentrok."), "{week}");
    assert_eq!(week.matches("<h2>").count(), 7, "{week}");
    assert!(week.contains("Tidak ada kegiatan."));

    // The public agenda (no sign-in) lists them with the places left.
    let agenda = reqwest::get(app.url("/agenda"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for s in [
        "Klinik Kemasan Pondok Aren",
        "Klinik Kemasan Kota",
        "Pelatihan Foto Produk Pondok Kacang",
        "Sisa 30 tempat",
        "Daring",
    ] {
        assert!(agenda.contains(s), "{s} in {agenda}");
    }
    // Narrowed to a topic (the legality path links to its clinics so).
    let packaging = reqwest::get(app.url("/agenda?topik=pengemasan"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(packaging.contains("Klinik Kemasan Kota"));
    assert!(!packaging.contains("Pelatihan Foto Produk Pondok Kacang"));

    // The public feed (no sign-in) parses as iCalendar with the three planned activities.
    let ics = reqwest::get(app.url("/kegiatan/kalender.ics?wilayah=36.74"))
        .await
        .unwrap();
    assert!(
        ics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = ics.text().await.unwrap();
    // Local times in the region's zone, with the zone defined once (RFC 5545 §3.6.5).
    assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1, "{text}");
    assert!(text.contains("TZID:Asia/Jakarta\r\n") && text.contains("TZOFFSETTO:+0700"));
    assert!(text.find("BEGIN:VTIMEZONE") < text.find("BEGIN:VEVENT"));
    let starts: Vec<&str> = text.lines().filter(|l| l.starts_with("DTSTART")).collect();
    assert!(
        starts
            .iter()
            .filter(|l| !l.starts_with("DTSTART:1970"))
            .all(|l| l.starts_with("DTSTART;TZID=Asia/Jakarta:") && !l.ends_with('Z')),
        "{starts:?}"
    );
    let cal: icalendar::Calendar = text.parse().unwrap();
    use icalendar::Component;
    let mut titles: Vec<String> = cal
        .components
        .iter()
        .filter_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => e.get_summary().map(str::to_string),
            _ => None,
        })
        .collect();
    titles.sort();
    // Each event links back to its place on the public agenda, which has it.
    let agenda = reqwest::get(app.url("/agenda?wilayah=36.74"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for c in &cal.components {
        if let icalendar::CalendarComponent::Event(e) = c {
            let url = e.get_url().unwrap_or_default();
            let anchor = url
                .split_once("/agenda#")
                .map(|(_, a)| a)
                .unwrap_or_default();
            assert!(anchor.starts_with("kegiatan-"), "{url}");
            assert!(agenda.contains(&format!("id=\"{anchor}\"")), "{anchor}");
        }
    }
    assert_eq!(
        titles,
        [
            "Klinik Kemasan Kota",
            "Klinik Kemasan Pondok Aren",
            "Pelatihan Foto Produk Pondok Kacang"
        ]
    );
    let by_topic =
        reqwest::get(app.url("/kegiatan/kalender.ics?wilayah=36.74&topik=fotografi_produk"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert_eq!(by_topic.matches("BEGIN:VEVENT").count(), 1, "{by_topic}");

    // A crowded morning: seven more clinics accepted beside the kecamatan's. Its line on the
    // board writes out five conflicts and counts the rest, instead of every sentence.
    for n in 1..=7 {
        let mut more = city.clone();
        for (k, v) in more.iter_mut() {
            if *k == "title" {
                *v = format!("Klinik Kemasan Tambahan {n}");
            }
        }
        more.push(("accept", "1".into()));
        more.push(("conflicts_note", "Sasaran berbeda".into()));
        assert_eq!(post("/kegiatan", more).await.status(), 303);
    }
    let board = app
        .get(&format!("/kegiatan?bulan={month}"))
        .await
        .text()
        .await
        .unwrap();
    let start = board
        .find("Klinik Kemasan Pondok Aren</a>")
        .expect("the kecamatan's clinic on the board");
    let line = &board[start..start + board[start..].find("</tr>").unwrap()];
    let total: usize = line
        .split("<strong>⚠ ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the count of its conflicts");
    assert!(total > 6, "{line}");
    assert_eq!(line.matches("<li>").count(), 6, "{line}");
    assert!(
        line.contains(&format!("… dan {} bentrok lainnya", total - 5)),
        "{line}"
    );
}

#[tokio::test]
async fn the_invitee_list_puts_the_never_trained_of_the_sector_first() {
    use sentra_domain::programme::activity::{ActivityContext, ActivityInput, validate_activity};
    use sentra_domain::programme::participants::ParticipantState;
    use sentra_storage::Actor;

    let app = spawn_app().await;
    app.seed(60, 21).await;
    let city = common::city();
    let system = Actor::system("test");
    let (topics, sectors) = codes(&app).await;
    let ctx = ActivityContext {
        tree: sentra_domain::region::RegionTree::embedded(),
        topics: &topics,
        sectors: &sectors,
    };
    // The most common sector among the seeded businesses.
    let everyone = app
        .db
        .invitees(
            &city,
            &{
                let input = ActivityInput {
                    kind: "pelatihan".into(),
                    title: "Semua".into(),
                    topics: vec!["pembukuan".into()],
                    organiser: "dinas".into(),
                    region: "36.74".into(),
                    online_link: "https://meet.example.id/a".into(),
                    start_date: "2026-05-05".into(),
                    start_time: "09:00".into(),
                    end_time: "12:00".into(),
                    ..ActivityInput::default()
                };
                let data = validate_activity(&input, &ctx).unwrap();
                app.db
                    .create_activity(&city, &data, None, &system)
                    .await
                    .unwrap()
            },
            1000,
        )
        .await
        .unwrap();
    let mut by_sector: std::collections::HashMap<&str, usize> = Default::default();
    for c in &everyone {
        *by_sector.entry(c.sector.as_str()).or_default() += 1;
    }
    let (sector, n) = by_sector
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, n)| (s.to_string(), *n))
        .unwrap();
    assert!(n >= 4, "{by_sector:?}");
    let of_sector: Vec<String> = everyone
        .iter()
        .filter(|c| c.sector == sector)
        .map(|c| c.umkm_id.clone())
        .collect();

    // A past clinic that three of them attended.
    let past = {
        let input = ActivityInput {
            kind: "klinik".into(),
            title: "Klinik Pembukuan".into(),
            topics: vec!["pembukuan".into()],
            organiser: "dinas".into(),
            region: "36.74".into(),
            venue: "Aula Dinas".into(),
            start_date: "2026-06-02".into(),
            start_time: "09:00".into(),
            end_time: "12:00".into(),
            status: "done".into(),
            ..ActivityInput::default()
        };
        let data = validate_activity(&input, &ctx).unwrap();
        app.db
            .create_activity(&city, &data, None, &system)
            .await
            .unwrap()
    };
    let trained = &of_sector[..3];
    app.db
        .register_participants(&city, &past.id, trained, &system)
        .await
        .unwrap();
    for id in trained {
        app.db
            .set_participant_state(
                &city,
                &past.id,
                id,
                ParticipantState::Attended,
                Some("dapat NIB"),
                &system,
            )
            .await
            .unwrap();
    }

    // A new training for that sector, two places.
    let new = {
        let input = ActivityInput {
            kind: "pelatihan".into(),
            title: "Pelatihan Pembukuan Digital".into(),
            topics: vec!["pembukuan".into()],
            organiser: "dinas".into(),
            region: "36.74".into(),
            venue: "Aula Dinas".into(),
            start_date: "2026-09-01".into(),
            start_time: "09:00".into(),
            end_time: "15:00".into(),
            capacity: "2".into(),
            sectors: vec![sector.clone()],
            ..ActivityInput::default()
        };
        let data = validate_activity(&input, &ctx).unwrap();
        app.db
            .create_activity(&city, &data, None, &system)
            .await
            .unwrap()
    };
    let ranked = app.db.invitees(&city, &new, 1000).await.unwrap();
    let first_others = ranked
        .iter()
        .position(|c| c.sector != sector)
        .unwrap_or(ranked.len());
    assert_eq!(
        first_others,
        of_sector.len(),
        "the sector's businesses first"
    );
    let never = of_sector.len() - 3;
    assert!(
        ranked[..never].iter().all(|c| c.reached == 0),
        "the never trained first: {:?}",
        &ranked[..of_sector.len()]
    );
    assert!(
        ranked[never..of_sector.len()]
            .iter()
            .all(|c| c.reached == 1)
    );

    // The page says so, and registering three for two places waitlists one.
    let page = app
        .get(&format!("/kegiatan/{}/peserta", new.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Belum pernah"), "{page}");
    assert!(page.contains("Sasaran:</strong> Sektor sasaran:"), "{page}");
    assert!(page.contains("1 kali, terakhir 2 Juni 2026"), "{page}");
    let mut form = vec![("_csrf".to_string(), app.csrf.clone())];
    for c in &ranked[..3] {
        form.push(("umkm".into(), c.umkm_id.clone()));
    }
    let res = app
        .client
        .post(app.url(&format!("/kegiatan/{}/peserta", new.id)))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let people = app.db.participants(&city, &new.id).await.unwrap();
    let states: Vec<ParticipantState> = people.iter().map(|p| p.state).collect();
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == ParticipantState::Registered)
            .count(),
        2
    );
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == ParticipantState::Waitlisted)
            .count(),
        1
    );
    assert_eq!(
        app.db.audit_for("activity", &new.id).await.unwrap().len(),
        2,
        "created, participants"
    );

    // A bazaar on the training's day that one of the clinic's participants registered for:
    // moving the clinic onto that day books that business twice.
    let bazaar = {
        let input = ActivityInput {
            kind: "pameran".into(),
            title: "Bazar UMKM".into(),
            topics: vec!["pemasaran_digital".into()],
            organiser: "dekranasda".into(),
            region: "36.71".into(),
            venue: "Alun-alun Tangerang".into(),
            start_date: "2026-09-01".into(),
            start_time: "08:00".into(),
            end_time: "16:00".into(),
            ..ActivityInput::default()
        };
        let data = validate_activity(&input, &ctx).unwrap();
        let banten = sentra_domain::scope::Scope::region(
            sentra_domain::region::RegionCode::parse("36").unwrap(),
        );
        app.db
            .create_activity(&banten, &data, None, &system)
            .await
            .unwrap()
    };
    let banten = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36").unwrap(),
    );
    app.db
        .register_participants(&banten, &bazaar.id, &trained[..1], &system)
        .await
        .unwrap();
    let mut moved = past.data.clone();
    moved.start = new.data.start;
    moved.end = new.data.end;
    let clashes = app
        .db
        .activity_conflicts(
            std::slice::from_ref(&moved),
            Some(&past),
            &sentra_domain::programme::conflicts::Rules::default(),
        )
        .await
        .unwrap();
    let twice: Vec<(u32, &str)> = clashes
        .iter()
        .map(|(_, c)| c)
        .filter_map(|c| match c.reason {
            sentra_domain::programme::conflicts::Reason::ParticipantsDoubleBooked { shared } => {
                Some((
                    shared,
                    c.with.as_ref().map_or("", |a| a.data.title.as_str()),
                ))
            }
            _ => None,
        })
        .collect();
    assert_eq!(twice, [(1, "Bazar UMKM")], "{clashes:?}");

    // The attendance sheet lists the two holding places, and lines for walk-ins.
    let sheet = app
        .get(&format!("/kegiatan/{}/daftar-hadir", new.id))
        .await
        .text()
        .await
        .unwrap();
    for p in people
        .iter()
        .filter(|p| p.state == ParticipantState::Registered)
    {
        assert!(
            sheet.contains(&p.name.replace('&', "&#38;")),
            "{} in {sheet}",
            p.name
        );
    }
    assert!(sheet.contains("Tanda tangan"));
    assert_eq!(sheet.matches("<tr><td>").count(), 2 + 5, "{sheet}");

    // Reach over 2026: the three who attended, out of every verified business of the city
    // (the seed's drafts verified first).
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.test_db.direct())
        .await
        .unwrap();
    let drafts: Vec<String> = sqlx::query("SELECT id FROM umkm WHERE status = 'draft'")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get(r, "id").unwrap())
        .collect();
    app.verify(&drafts.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    let home = sentra_domain::region::RegionCode::parse("36.74").unwrap();
    let reach = app
        .db
        .reach(
            &home,
            sentra_storage::ReachPeriod::Year {
                year: 2026,
                from: 1_767_200_400,
                to: 1_798_736_400,
            },
            0,
        )
        .await
        .unwrap();
    assert_eq!(reach.reached, 3);
    assert_eq!(reach.total, everyone.len() as i64);
    assert_eq!(reach.repeated, [("pembukuan".to_string(), 3)]);
    // The year read from the rollups is the year counted from the participations.
    let counted = app
        .db
        .reach(
            &home,
            sentra_storage::ReachPeriod::Range {
                from: 1_767_200_400,
                to: 1_798_736_400,
            },
            0,
        )
        .await
        .unwrap();
    assert_eq!(reach, counted);
    let page = app
        .get("/kegiatan/jangkauan?tahun=2026&kali=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("3 dari {} UMKM terjangkau", reach.total)),
        "{page}"
    );
    assert!(
        page.contains("Tidak ada UMKM yang mengikuti topik yang sama berulang kali."),
        "{page}"
    );
    // Each figure of the tables leads to the list it counts (reached, or never reached to
    // invite), and the list counts as many.
    let links: Vec<(String, String)> = page
        .split("<a href=\"/umkm?")
        .skip(1)
        .filter_map(|rest| {
            let (query, after) = rest.split_once("\">")?;
            let (figure, _) = after.split_once("</a>")?;
            Some((
                query.replace("&#38;", "&").replace("&amp;", "&"),
                figure.to_string(),
            ))
        })
        .collect();
    assert!(
        links
            .iter()
            .filter(|(q, _)| q.contains("not_reached:2026"))
            .count()
            >= 2,
        "{links:?}"
    );
    for (query, figure) in &links {
        if figure.contains('→') {
            assert!(query.ends_with("&naik_kelas=not_reached:2026"), "{query}");
            continue;
        }
        let list = app
            .get(&format!("/umkm?{query}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            list.contains(&format!(">{figure} UMKM<")),
            "{query} should list {figure}: {list}"
        );
    }
    let never = app
        .get("/umkm?region=36.74&status=verified&naik_kelas=not_reached:2026")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        never.contains(&format!(">{} UMKM<", reach.total - 3)),
        "{never}"
    );
    assert!(never.contains("id=\"invite\""), "{never}");
    // A period of dates: June holds the clinic, July does not.
    let june = app
        .get("/kegiatan/jangkauan?dari=2026-06-01&sampai=2026-06-30")
        .await
        .text()
        .await
        .unwrap();
    assert!(june.contains("1 Juni 2026–30 Juni 2026"), "{june}");
    assert!(june.contains(&format!("3 dari {} UMKM terjangkau", reach.total)));
    let july = app
        .get("/kegiatan/jangkauan?dari=2026-07-01&sampai=2026-07-31")
        .await
        .text()
        .await
        .unwrap();
    assert!(july.contains(&format!("0 dari {} UMKM terjangkau", reach.total)));
}

#[tokio::test]
async fn a_weekly_course_is_one_series_and_clashes_are_named_by_session() {
    let app = spawn_app().await;
    let day = day_ahead();
    let post = |fields: Vec<(&str, String)>| {
        let mut form = vec![("_csrf", app.csrf.clone())];
        form.extend(fields);
        let req = app.client.post(app.url("/kegiatan")).form(&form);
        async move { req.send().await.unwrap() }
    };
    let course = |title: &str, start: &str| {
        vec![
            ("kind", "pelatihan".to_string()),
            ("title", title.to_string()),
            ("topics", "pembukuan".to_string()),
            ("organiser", "kecamatan".to_string()),
            ("region", "36.74.03".to_string()),
            ("venue", "Aula Kecamatan".to_string()),
            ("start_date", start.to_string()),
            ("start_time", "13:00".to_string()),
            ("end_time", "15:00".to_string()),
        ]
    };

    // Too many sessions: named, nothing saved.
    let mut weekly = course("Kelas Pembukuan Pondok Aren", &day);
    weekly.push(("repeat", "mingguan".into()));
    let mut too_many = weekly.clone();
    too_many.push(("sessions", "40".into()));
    let res = post(too_many).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Jumlah sesi: Jumlah sesi harus 2 sampai 26.")
    );
    assert!(in_city(&app).await.is_empty());

    // Four weekly sessions on one topic: one programme, no conflict among them.
    weekly.push(("sessions", "4".into()));
    assert_eq!(post(weekly).await.status(), 303);
    let all = in_city(&app).await;
    assert_eq!(all.len(), 4);
    let series = all[0].series.clone().unwrap();
    assert_eq!(series.0, all[0].id);
    let numbers: Vec<u32> = all
        .iter()
        .map(|a| {
            assert_eq!(a.series.as_ref().map(|s| &s.0), Some(&series.0));
            a.series.as_ref().unwrap().1
        })
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert!(
        all.windows(2)
            .all(|w| w[1].data.start - w[0].data.start == 7 * 86_400)
    );
    let month = chrono::DateTime::from_timestamp(all[1].data.start, 0)
        .unwrap()
        .format("%Y-%m");
    let board = app
        .get(&format!("/kegiatan?bulan={month}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(board.contains("Sesi 2 dari rangkaian"), "{board}");
    assert!(!board.contains("Topik yang sama"), "{board}");

    // Another bookkeeping training in Pondok Aren, planned monthly from the week before: its
    // second session falls three weeks after the course's start, within the 60 days.
    let before = (chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap()
        - chrono::Duration::days(7))
    .format("%Y-%m-%d")
    .to_string();
    let mut monthly = course("Pelatihan Pembukuan Kelurahan", &before);
    monthly[4] = ("region", "36.74.03.1001".into());
    monthly[3] = ("organiser", "kelurahan".into());
    monthly[5] = ("venue", "Kantor Kelurahan".into());
    monthly.push(("repeat", "bulanan".into()));
    monthly.push(("sessions", "2".into()));
    let res = post(monthly).await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(body.contains("Sesi 1 ("), "{body}");
    assert!(body.contains("Sesi 2 ("), "{body}");
    assert!(
        body.contains("Topik yang sama untuk sasaran yang sama dalam 60 hari"),
        "{body}"
    );
    assert_eq!(in_city(&app).await.len(), 4);

    // Moving one session of the course keeps it clear of its own series.
    let third = &all[2];
    let form = app
        .get(&format!("/kegiatan/{}", third.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !form.contains("name=\"repeat\""),
        "one session is edited alone"
    );
    let mut moved = course("Kelas Pembukuan Pondok Aren", &day);
    let later = chrono::DateTime::from_timestamp(third.data.start + 86_400 + 7 * 3600, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    moved[6] = ("start_date", later);
    moved.push(("version", third.version.to_string()));
    moved.push(("_csrf", app.csrf.clone()));
    let res = app
        .client
        .post(app.url(&format!("/kegiatan/{}", third.id)))
        .form(&moved)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn the_target_criteria_decide_who_is_eligible() {
    use sentra_domain::programme::activity::{ActivityContext, ActivityInput, validate_activity};
    use sentra_domain::programme::participants::ParticipantState;
    use sentra_domain::size::SizeClass;
    use sentra_domain::umkm::LegalKind;
    use sentra_storage::Actor;

    let app = spawn_app().await;
    app.seed(80, 7).await;
    let city = common::city();
    let system = Actor::system("test");
    let (topics, sectors) = codes(&app).await;
    let ctx = ActivityContext {
        tree: sentra_domain::region::RegionTree::embedded(),
        topics: &topics,
        sectors: &sectors,
    };
    let plan = |change: &dyn Fn(&mut ActivityInput)| {
        let mut input = ActivityInput {
            kind: "klinik".into(),
            title: "Klinik Legalitas".into(),
            topics: vec!["legalitas".into()],
            organiser: "dinas".into(),
            region: "36.74".into(),
            venue: "Mal Pelayanan Publik".into(),
            start_date: "2026-08-04".into(),
            start_time: "09:00".into(),
            end_time: "12:00".into(),
            ..ActivityInput::default()
        };
        change(&mut input);
        let data = validate_activity(&input, &ctx).unwrap();
        let db = app.db.clone();
        let city = city.clone();
        let system = system.clone();
        async move {
            db.create_activity(&city, &data, None, &system)
                .await
                .unwrap()
        }
    };
    let everyone = app
        .db
        .invitees(&city, &plan(&|_| {}).await, 1000)
        .await
        .unwrap();
    // The inactive ones aside.
    assert!(everyone.len() > 60, "{}", everyone.len());
    let mut records = std::collections::HashMap::new();
    for c in &everyone {
        records.insert(
            c.umkm_id.clone(),
            app.db.get_umkm(&city, &c.umkm_id).await.unwrap(),
        );
    }
    let ids = |list: &[sentra_domain::programme::participants::Candidate]| {
        let mut v: Vec<String> = list.iter().map(|c| c.umkm_id.clone()).collect();
        v.sort();
        v
    };
    let expect = |keep: &dyn Fn(&sentra_storage::UmkmRecord) -> bool| {
        let mut v: Vec<String> = records
            .iter()
            .filter(|(_, r)| keep(r))
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    };

    // An NIB clinic for micro businesses: those without an NIB, micro ones only.
    let nib_clinic = plan(&|i| {
        i.gaps = vec!["nib".into()];
        i.sizes = vec!["mikro".into()];
    })
    .await;
    let got = app.db.invitees(&city, &nib_clinic, 1000).await.unwrap();
    let want = expect(&|r| {
        r.size_class == Some(SizeClass::Mikro)
            && !r.documents.iter().any(|d| d.kind == LegalKind::Nib)
    });
    assert!(
        !want.is_empty() && want.len() < everyone.len(),
        "{}",
        want.len()
    );
    assert_eq!(ids(&got), want);

    // For the UMKM of one kecamatan.
    let district = everyone[0].village_code[..8].to_string();
    let local = plan(&|i| i.target_regions = vec![district.clone()]).await;
    let got = app.db.invitees(&city, &local, 1000).await.unwrap();
    assert_eq!(
        ids(&got),
        expect(&|r| r.village_code.starts_with(&format!("{district}.")))
    );

    // First-timers only: one who attended a clinic is left out.
    let first = &everyone[0].umkm_id;
    app.db
        .register_participants(&city, &nib_clinic.id, std::slice::from_ref(first), &system)
        .await
        .unwrap();
    app.db
        .set_participant_state(
            &city,
            &nib_clinic.id,
            first,
            ParticipantState::Attended,
            None,
            &system,
        )
        .await
        .unwrap();
    let fresh = plan(&|i| i.first_timers = "1".into()).await;
    let got = app.db.invitees(&city, &fresh, 1000).await.unwrap();
    assert_eq!(got.len(), everyone.len() - 1);
    assert!(got.iter().all(|c| &c.umkm_id != first));
}

#[tokio::test]
async fn at_the_door_by_whatsapp_and_on_the_business_page() {
    use reqwest::Method;
    use sentra_domain::programme::activity::{ActivityContext, ActivityInput, validate_activity};
    use sentra_domain::programme::participants::ParticipantState;
    use sentra_storage::Actor;

    let app = spawn_app().await;
    let city = common::city();
    let system = Actor::system("test");
    // Sri's business, registered by its owner: no NIB, no halal certificate yet.
    let (owner, owner_csrf) = app.sign_up_owner("Sri Lestari", "0812-3456-7890").await;
    let res = owner
        .post(app.url("/umkm"))
        .form(&[
            ("_csrf", owner_csrf.as_str()),
            ("name", "Keripik Sri"),
            ("owner_name", "Sri Lestari"),
            ("nik", "3674034506900012"),
            ("phone", "0812-3456-7890"),
            ("village_code", "36.74.03.1005"),
            ("sector", "kuliner"),
            ("modal", "Rp 50 juta"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sri = res.headers()["location"].to_str().unwrap()[6..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // A neighbour without a phone number on record.
    let mut body = common::valid_body();
    body["name"] = "Tenun Bu Ani".into();
    body["nik"] = "3674034506900029".into();
    body["phone"] = "".into();
    body["documents"] = serde_json::json!([]);
    let (status, made) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{made}");
    let ani = made["id"].as_str().unwrap().to_string();
    // Both verified: reach counts verified businesses (docs/counting-rules.md).
    app.verify(&[&sri, &ani]).await;

    let (topics, sectors) = codes(&app).await;
    let ctx = ActivityContext {
        tree: sentra_domain::region::RegionTree::embedded(),
        topics: &topics,
        sectors: &sectors,
    };
    let plan = |title: &str, start: String, gaps: &[&str], status: &str| {
        let input = ActivityInput {
            kind: "klinik".into(),
            title: title.into(),
            topics: vec!["legalitas".into()],
            organiser: "dinas".into(),
            region: "36.74".into(),
            venue: "Mal Pelayanan Publik".into(),
            start_date: start,
            start_time: "09:00".into(),
            end_time: "12:00".into(),
            gaps: gaps.iter().map(|g| g.to_string()).collect(),
            status: status.into(),
            ..ActivityInput::default()
        };
        let data = validate_activity(&input, &ctx).unwrap();
        let (db, city, system) = (app.db.clone(), city.clone(), system.clone());
        async move {
            db.create_activity(&city, &data, None, &system)
                .await
                .unwrap()
        }
    };
    let past = (chrono::Utc::now() - chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let clinic = plan("Klinik NIB Kota", past, &["nib"], "done").await;
    app.db
        .register_participants(&city, &clinic.id, &[sri.clone(), ani.clone()], &system)
        .await
        .unwrap();
    app.db
        .set_participant_state(
            &city,
            &clinic.id,
            &ani,
            ParticipantState::Registered,
            Some("bawa KTP"),
            &system,
        )
        .await
        .unwrap();

    // At the door: two expected, none present; marking Ani present keeps her note.
    let door = app
        .get(&format!("/kegiatan/{}/hadir", clinic.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(door.contains("0 dari 2 hadir"), "{door}");
    let res = app
        .client
        .post(app.url(&format!("/kegiatan/{}/peserta/{ani}", clinic.id)))
        .form(&[
            ("_csrf", app.csrf.as_str()),
            ("state", "attended"),
            ("back", "hadir"),
            ("q", "tenun"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/kegiatan/{}/hadir?q=tenun#p-{ani}", clinic.id).as_str()
    );
    let door = app
        .get(&format!("/kegiatan/{}/hadir?q=tenun", clinic.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(door.contains("1 dari 2 hadir"), "{door}");
    assert!(door.contains("Tenun Bu Ani") && !door.contains("Keripik Sri"));
    assert!(door.contains("Batal hadir"));
    let people = app.db.participants(&city, &clinic.id).await.unwrap();
    let ani_now = people.iter().find(|p| p.umkm_id == ani).unwrap();
    assert_eq!(ani_now.state, ParticipantState::Attended);
    assert_eq!(ani_now.note.as_deref(), Some("bawa KTP"));
    app.db
        .set_participant_state(
            &city,
            &clinic.id,
            &sri,
            ParticipantState::Completed,
            None,
            &system,
        )
        .await
        .unwrap();

    // A coming halal clinic: invitations by WhatsApp open a message to the owner, and the
    // number opened is in the audit trail; without a number, the field is named.
    let soon = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let halal = plan("Klinik Halal Kota", soon.clone(), &["halal"], "planned").await;
    let invite = |who: &str| {
        let req = app
            .client
            .post(app.url(&format!("/kegiatan/{}/undang", halal.id)))
            .form(&[("_csrf", app.csrf.as_str()), ("wa", who)]);
        async move { req.send().await.unwrap() }
    };
    let res = invite(&sri).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("https://wa.me/6281234567890?text="), "{to}");
    let text: Vec<(String, String)> = reqwest::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(
        text[0]
            .1
            .contains("Yth. Bapak/Ibu Sri Lestari (Keripik Sri)"),
        "{text:?}"
    );
    assert!(text[0].1.contains("Klinik Halal Kota"), "{text:?}");
    let trail = app.db.audit_for("umkm", &sri).await.unwrap();
    assert!(
        trail.iter().any(|e| e.action == "reveal_personal_data"),
        "{trail:?}"
    );
    let res = invite(&ani).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Belum ada nomor HP pemilik.")
    );
    let list = app
        .get(&format!("/kegiatan/{}/undangan", halal.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Keripik Sri") && list.contains("Tenun Bu Ani"),
        "{list}"
    );

    // Sri gets her NIB and grows; her page shows the clinic, then what changed since.
    let (_, current) = app.get_json(&format!("/api/v1/umkm/{sri}")).await;
    let record = serde_json::json!({
        "name": "Keripik Sri",
        "owner_name": "Sri Lestari",
        "village_code": "36.74.03.1005",
        "sector": "kuliner",
        "modal": "Rp 2 miliar",
        "documents": [{"kind": "nib", "number": "9120301234567"}],
        "version": current["version"],
    });
    let (status, out) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{sri}"), &record)
        .await;
    assert_eq!(status, 200, "{out}");
    let page = owner
        .get(app.url(&format!("/umkm/{sri}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for s in [
        "Program yang diikuti",
        "Klinik NIB Kota",
        "Lulus/selesai",
        "NIB diperoleh",
        "Skala usaha berubah: Mikro → Kecil",
        "Kegiatan yang bisa diikuti",
        "Klinik Halal Kota",
    ] {
        assert!(page.contains(s), "{s} in {page}");
    }
    // Over the clinic's period: two reached, one got an NIB and moved up a class.
    let home = sentra_domain::region::RegionCode::parse("36.74").unwrap();
    let reach = app
        .db
        .reach(
            &home,
            sentra_storage::ReachPeriod::Range {
                from: clinic.data.start - 1,
                to: clinic.data.end + 1,
            },
            0,
        )
        .await
        .unwrap();
    assert_eq!(reach.reached, 2);
    assert_eq!(
        reach.outcomes,
        sentra_storage::ReachOutcomes {
            documents: 1,
            nib: 1,
            moved_up: 1,
            products: 0
        }
    );
    // She lists a product: an outcome too. The year's figures, read from the changes since
    // the year began, equal those found business by business over the same bounds.
    let (status, out) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{sri}/products"),
            &serde_json::json!({"name": "Keripik Pisang", "category": "makanan.keripik",
                "price": 15000, "unit": "pcs", "status": "draft"}),
        )
        .await;
    assert_eq!(status, 201, "{out}");
    let year = chrono::DateTime::from_timestamp(clinic.data.start, 0)
        .unwrap()
        .format("%Y");
    let y: i32 = year.to_string().parse().unwrap();
    let zone = sentra_domain::programme::activity::Zone::Wib;
    let (from, to) = (
        sentra_domain::programme::activity::year_start(y, zone),
        sentra_domain::programme::activity::year_start(y + 1, zone),
    );
    let of_year = app
        .db
        .reach(
            &home,
            sentra_storage::ReachPeriod::Year { year: y, from, to },
            0,
        )
        .await
        .unwrap();
    let scanned = app
        .db
        .reach(&home, sentra_storage::ReachPeriod::Range { from, to }, 0)
        .await
        .unwrap();
    assert_eq!(
        of_year.outcomes,
        sentra_storage::ReachOutcomes {
            documents: 1,
            nib: 1,
            moved_up: 1,
            products: 1
        }
    );
    assert_eq!(of_year, scanned);
    let reach_page = app
        .get(&format!("/kegiatan/jangkauan?tahun={year}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(reach_page.contains("Memperoleh NIB"), "{reach_page}");
    assert!(reach_page.contains("50,0%"), "{reach_page}");
    // Another NIB clinic is not for her any more.
    let nib_again = plan("Klinik NIB Lagi", soon, &["nib"], "planned").await;
    let page = owner
        .get(app.url(&format!("/umkm/{sri}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Klinik Halal Kota") && !page.contains("Klinik NIB Lagi"));
    let join = |activity: &str| {
        let req = owner
            .post(app.url(&format!("/umkm/{sri}/kegiatan")))
            .form(&[("_csrf", owner_csrf.as_str()), ("activity", activity)]);
        async move { req.send().await.unwrap() }
    };
    let res = join(&nib_again.id).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Kegiatan ini tidak terbuka")
    );
    // The owner registers her business for the halal clinic herself.
    let res = join(&halal.id).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/umkm/{sri}?done=joined#programme").as_str()
    );
    let people = app.db.participants(&city, &halal.id).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].state, ParticipantState::Registered);
    // Not her business: not found.
    let res = owner
        .post(app.url(&format!("/umkm/{ani}/kegiatan")))
        .form(&[
            ("_csrf", owner_csrf.as_str()),
            ("activity", halal.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn admins_set_the_window_and_manage_the_topics() {
    let app = spawn_app().await;
    let post = |path: &str, fields: Vec<(&str, &str)>| {
        let mut form = vec![("_csrf", app.csrf.as_str())];
        form.extend(fields);
        let req = app.client.post(app.url(path)).form(&form);
        async move { req.send().await.unwrap() }
    };
    let page = app.get("/kegiatan/pengaturan").await.text().await.unwrap();
    assert!(page.contains("value=\"60\""), "the default window: {page}");

    // Out of range: named, nothing changed.
    let res = post(
        "/kegiatan/pengaturan",
        vec![("window_days", "0"), ("year_end_weeks", "40")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Jendela topik yang sama (hari): Angka di luar rentang"),
        "{body}"
    );
    assert!(body.contains("Minggu terakhir tahun anggaran (minggu): Angka di luar rentang"));
    let rules = app.db.programme_rules().await.unwrap();
    assert_eq!(rules.topic_window, 60 * 86_400);

    // Two bookkeeping trainings in Pondok Aren 45 days apart clash under 60 days…
    let first = day_ahead();
    let later = (chrono::NaiveDate::parse_from_str(&first, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(45))
    .format("%Y-%m-%d")
    .to_string();
    let training = |title: &'static str, day: String| {
        vec![
            ("kind", "pelatihan".to_string()),
            ("title", title.to_string()),
            ("topics", "pembukuan".to_string()),
            ("organiser", "kecamatan".to_string()),
            ("region", "36.74.03".to_string()),
            ("venue", format!("Aula {title}")),
            ("start_date", day),
            ("start_time", "09:00".to_string()),
            ("end_time", "12:00".to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("_csrf", app.csrf.clone())];
        form.extend(fields);
        let req = app.client.post(app.url("/kegiatan")).form(&form);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(send(training("Pembukuan I", first)).await.status(), 303);
    let res = send(training("Pembukuan II", later.clone())).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("dalam 60 hari"));
    // …and not under 30.
    let res = post(
        "/kegiatan/pengaturan",
        vec![("window_days", "30"), ("year_end_weeks", "2")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.db.programme_rules().await.unwrap(),
        sentra_domain::programme::conflicts::Rules {
            topic_window: 30 * 86_400,
            year_end_weeks: 2
        }
    );
    assert_eq!(send(training("Pembukuan II", later)).await.status(), 303);

    // A topic added, renamed, retired: no longer offered, still on its activity.
    let res = post(
        "/kegiatan/topik",
        vec![("name_id", ""), ("name_en", "Eco packaging")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Nama (Indonesia): Wajib diisi.")
    );
    let res = post(
        "/kegiatan/topik",
        vec![
            ("name_id", "Kemasan Ramah Lingkungan"),
            ("name_en", "Eco packaging"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let code = "kemasan_ramah_lingkungan";
    assert!(
        app.db
            .active_topic_codes()
            .await
            .unwrap()
            .contains(&code.to_string())
    );
    let mut eco = training("Klinik Kemasan Hijau", day_ahead());
    eco[2] = ("topics", code.to_string());
    eco[4] = ("region", "36.74.01".to_string());
    assert_eq!(send(eco).await.status(), 303);
    let res = post(
        "/kegiatan/topik",
        vec![
            ("code", code),
            ("name_id", "Kemasan Hijau"),
            ("name_en", "Green packaging"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let form = app.get("/kegiatan/baru").await.text().await.unwrap();
    assert!(!form.contains(code), "a retired topic is not offered");
    let month = &day_ahead()[..7];
    let board = app
        .get(&format!("/kegiatan?bulan={month}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(board.contains("Kemasan Hijau"), "{board}");
    let trail = app.db.audit_for("activity_topic", code).await.unwrap();
    assert_eq!(trail.len(), 2, "{trail:?}");
    assert!(
        trail[0].changes.contains("\"active\":[true,false]")
            || trail[1].changes.contains("\"active\":[true,false]")
    );
    // Viewers do not manage programmes.
    let (viewer, _, _) = app.as_user("viewer", "36.74").await;
    let res = viewer
        .get(app.url("/kegiatan/pengaturan"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// Plans a city clinic through the form: `title` on `day` (YYYY-MM-DD), 09:00–12:00, for the
/// first sector, with `capacity` places.
pub(crate) async fn plan_city_activity(
    app: &common::TestApp,
    title: &str,
    day: &str,
    capacity: u32,
) -> reqwest::Response {
    let sector = app.db.sectors().await.unwrap()[0].code.clone();
    let form = [
        ("_csrf", app.csrf.clone()),
        ("kind", "klinik".to_string()),
        ("title", title.to_string()),
        ("topics", "pengemasan".to_string()),
        ("organiser", "dinas".to_string()),
        ("region", "36.74".to_string()),
        ("venue", "Aula Dinas".to_string()),
        ("start_date", day.to_string()),
        ("start_time", "09:00".to_string()),
        ("end_time", "12:00".to_string()),
        ("capacity", capacity.to_string()),
        ("sectors", sector),
        ("status", "planned".to_string()),
    ];
    app.client
        .post(app.url("/kegiatan"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// December's last weeks are a notice on the board (activities then are often cancelled), not
/// a clash: nothing to accept on saving, not counted among the clashes (issue 31: 15 of 17
/// December activities were marked "bentrok" by this rule alone).
#[tokio::test]
async fn the_budget_year_end_is_a_notice_not_a_clash() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let year = chrono::Utc::now().year() + 1;
    let res = plan_city_activity(&app, "Klinik Akhir Tahun", &format!("{year}-12-15"), 30).await;
    assert_eq!(res.status(), 303, "saved without a note to accept");
    let board = app
        .get(&format!("/kegiatan?bulan={year}-12"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("1 kegiatan bulan ini; 0 bentrok."),
        "{board}"
    );
    assert!(
        board.contains(
            "<p class=\"soft-notice\">Direncanakan di minggu-minggu terakhir tahun anggaran"
        ),
        "{board}"
    );
    assert!(!board.contains("class=\"conflicts\""), "{board}");
    assert!(board.contains(&format!("Desember {year}")), "{board}");
}

/// "Register the top N" fills the places left with the first businesses of the ranked list, as
/// the page shows them; ties are drawn per activity, not taken in alphabetical order.
#[tokio::test]
async fn the_places_left_fill_from_the_top_of_the_list_at_one_tap() {
    use chrono::Datelike;
    let app = spawn_app().await;
    app.seed(40, 5).await;
    let day = format!("{}-03-10", chrono::Utc::now().year() + 1);
    let res = plan_city_activity(&app, "Pelatihan Foto Produk", &day, 3).await;
    assert_eq!(res.status(), 303);
    let id = in_city(&app)
        .await
        .into_iter()
        .find(|a| a.data.title == "Pelatihan Foto Produk")
        .unwrap()
        .id;
    let page = app
        .get(&format!("/kegiatan/{id}/peserta"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"first\" value=\"3\" class=\"secondary\">Daftarkan 3 teratas"),
        "{page}"
    );
    let shown: Vec<String> = page
        .split("name=\"umkm\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    assert!(shown.len() > 3, "{page}");
    // Not the alphabet: the names of the list are not in order.
    let names: Vec<String> = page
        .split("<label for=\"i-")
        .skip(1)
        .map(|rest| {
            rest.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_ne!(names, sorted, "ties drawn by lot, not by name");
    let res = app
        .client
        .post(app.url(&format!("/kegiatan/{id}/peserta")))
        .form(&[("_csrf", app.csrf.as_str()), ("first", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mut registered: Vec<String> = app
        .db
        .participants(&common::city(), &id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.umkm_id)
        .collect();
    registered.sort();
    let mut top = shown[..3].to_vec();
    top.sort();
    assert_eq!(registered, top);
    let full = app
        .get(&format!("/kegiatan/{id}/peserta"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!full.contains("name=\"first\""), "no places left: {full}");
}

/// Programmes through the API (issue 33): the activities of an area at local time, one
/// activity with its ETag, registering businesses, the participants, marking attendance —
/// the reach rollup following — and another kecamatan's operator kept out.
#[tokio::test]
async fn programmes_through_the_api() {
    use reqwest::Method;
    let app = spawn_app().await;
    app.seed(30, 8).await;
    let day = day_ahead();
    let res = plan_city_activity(&app, "Klinik Kemasan API", &day, 2).await;
    assert_eq!(res.status(), 303);
    let (status, list) = app
        .get_json(&format!("/api/v1/activities?dari={day}&sampai={day}"))
        .await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let a = &items[0];
    assert_eq!(a["title"], "Klinik Kemasan API");
    assert_eq!(a["starts_at"], format!("{day}T09:00:00+07:00"));
    assert_eq!(a["zone"], "WIB");
    let id = a["id"].as_str().unwrap().to_string();
    let one = app
        .client
        .get(app.url(&format!("/api/v1/activities/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(one.headers()["etag"], "W/\"1\"");
    // Whom to invite: the page's list, in its order, as many as asked.
    let page = app.page(&format!("/kegiatan/{id}/undangan")).await;
    let (status, invitees) = app
        .get_json(&format!("/api/v1/activities/{id}/invitees?n=5"))
        .await;
    assert_eq!(status, 200, "{invitees}");
    let names: Vec<&str> = invitees["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(!names.is_empty() && names.len() <= 5, "{names:?}");
    let positions: Vec<usize> = names
        .iter()
        .map(|n| page.find(&n.replace('&', "&#38;")).unwrap_or(usize::MAX))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the printed list's order: {names:?} {positions:?}"
    );
    let (status, err) = app
        .get_json(&format!("/api/v1/activities/{id}/invitees?n=0"))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("n"))
    );

    let verified: Vec<String> = app
        .db
        .list_umkm(
            &common::city(),
            &sentra_storage::UmkmFilter {
                status: Some(sentra_domain::umkm::UmkmStatus::Verified),
                ..Default::default()
            },
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest::new(1, 3),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(verified.len(), 3);
    let participants = format!("/api/v1/activities/{id}/participants");
    let (status, reg) = app
        .send_json(
            Method::POST,
            &participants,
            &serde_json::json!({ "umkm_ids": verified }),
        )
        .await;
    assert_eq!(status, 200, "{reg}");
    assert_eq!(
        (reg["registered"].as_u64(), reg["waitlisted"].as_u64()),
        (Some(2), Some(1))
    );
    let (_, people) = app.get_json(&participants).await;
    assert_eq!(people["items"].as_array().unwrap().len(), 3);
    let first = &people["items"][0]["umkm_id"].as_str().unwrap().to_string();
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("{participants}/{first}"),
            &serde_json::json!({ "state": "attended", "note": "Datang dengan contoh kemasan" }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, people) = app.get_json(&participants).await;
    let marked = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["umkm_id"] == first.as_str())
        .unwrap()
        .clone();
    assert_eq!(marked["state"], "attended");
    assert_eq!(marked["note"], "Datang dengan contoh kemasan");
    // Bad input is named and changes nothing.
    let (status, err) = app
        .send_json(
            Method::PUT,
            &format!("{participants}/{first}"),
            &serde_json::json!({ "state": "hadir" }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("state"))
    );
    let (status, err) = app
        .get_json(&format!("/api/v1/activities?dari={day}&sampai=2000-01-01"))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("sampai"))
    );
    let (status, _) = app
        .send_json(
            Method::POST,
            &participants,
            &serde_json::json!({ "umkm_ids": ["tidak-ada"] }),
        )
        .await;
    assert_eq!(status, 404);
    // Another kecamatan's operator: the city's activity is not hers to manage.
    let (_, operator, _) = app.as_user("operator", "36.74.01").await;
    let res = operator.get(app.url(&participants)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

/// Planning through the API (issue 33): a kecamatan's clinic planned, the city's clinic the same
/// morning held back with the clashes named until a note accepts them, a weekly series, the
/// GET body sent back to the PUT to move and then cancel a session (with a reason), stale and
/// read-only fields refused, bad times named, another kecamatan's operator kept out.
#[tokio::test]
async fn activities_are_planned_moved_and_cancelled_through_the_api() {
    use reqwest::Method;
    let app = spawn_app().await;
    let day = day_ahead();
    let sector = app.db.sectors().await.unwrap()[0].code.clone();
    let clinic = |title: &str, region: &str, organiser: &str, from: &str, to: &str| {
        serde_json::json!({
            "kind": "klinik",
            "title": title,
            "topics": ["pengemasan"],
            "organiser": organiser,
            "region": region,
            "venue": format!("Aula {title}"),
            "starts_at": format!("{day}T{from}:00+07:00"),
            "ends_at": format!("{day}T{to}:00+07:00"),
            "capacity": 25,
            "sectors": [sector],
        })
    };
    let count = || async { in_city(&app).await.len() };

    // Bad input is named and saves nothing: an offset outside Indonesia, an end before the
    // start, a missing topic.
    let mut bad = clinic("Klinik Kemasan", "36.74.03", "kecamatan", "09:00", "12:00");
    bad["starts_at"] = format!("{day}T09:00:00+00:00").into();
    let (status, err) = app
        .send_json(Method::POST, "/api/v1/activities", &bad)
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("starts_at")),
        "{err}"
    );
    assert_eq!(
        err["error"]["fields"][0]["message"],
        "Gunakan zona waktu Indonesia: +07:00 (WIB), +08:00 (WITA) atau +09:00 (WIT)."
    );
    let mut bad = clinic("Klinik Kemasan", "36.74.03", "kecamatan", "12:00", "09:00");
    bad["topics"] = serde_json::json!([]);
    let (status, err) = app
        .send_json(Method::POST, "/api/v1/activities", &bad)
        .await;
    assert_eq!(status, 422, "{err}");
    let named: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        named.contains(&"topics") && named.contains(&"end_time"),
        "{named:?}"
    );
    assert_eq!(count().await, 0);

    let (status, made) = app
        .send_json(
            Method::POST,
            "/api/v1/activities",
            &clinic(
                "Klinik Kemasan Pondok Aren",
                "36.74.03",
                "kecamatan",
                "09:00",
                "12:00",
            ),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["items"][0]["starts_at"],
        format!("{day}T09:00:00+07:00")
    );

    // The city's clinic the same morning for the same sector: held back, the clash named.
    let city = clinic("Klinik Kemasan Kota", "36.74", "dinas", "10:00", "13:00");
    let (status, clash) = app
        .send_json(Method::POST, "/api/v1/activities", &city)
        .await;
    assert_eq!(status, 409, "{clash}");
    assert_eq!(clash["error"]["code"], "schedule_conflicts");
    let texts = clash["error"]["conflicts"].as_array().unwrap();
    assert!(
        texts
            .iter()
            .any(|t| t.as_str().unwrap().contains("Klinik Kemasan Pondok Aren")),
        "{clash}"
    );
    assert_eq!(count().await, 1);
    let mut accepted = city.clone();
    accepted["conflicts_note"] = "Sasaran berbeda: pelaku usaha tingkat kota".into();
    let (status, kept) = app
        .send_json(Method::POST, "/api/v1/activities", &accepted)
        .await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(
        kept["items"][0]["conflicts_note"],
        "Sasaran berbeda: pelaku usaha tingkat kota"
    );

    // A weekly series of four, planned once.
    let mut weekly = clinic(
        "Pelatihan Foto Produk",
        "36.74.01",
        "kecamatan",
        "13:00",
        "15:00",
    );
    weekly["kind"] = "pelatihan".into();
    weekly["topics"] = serde_json::json!(["pemasaran_digital"]);
    weekly["repeat"] = "mingguan".into();
    weekly["sessions"] = 4.into();
    let (status, series) = app
        .send_json(Method::POST, "/api/v1/activities", &weekly)
        .await;
    assert_eq!(status, 201, "{series}");
    let sessions = series["items"].as_array().unwrap();
    assert_eq!(sessions.len(), 4);
    assert_eq!(sessions[3]["session"], 4);
    assert_eq!(count().await, 6);

    // The second session's GET body goes back to its PUT, moved two hours later.
    let id = sessions[1]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/activities/{id}");
    let (status, mut read) = app.get_json(&path).await;
    assert_eq!(status, 200);
    let moved_day = read["starts_at"].as_str().unwrap()[..10].to_string();
    read["starts_at"] = format!("{moved_day}T15:00:00+07:00").into();
    read["ends_at"] = format!("{moved_day}T17:00:00+07:00").into();
    let (status, moved) = app.send_json(Method::PUT, &path, &read).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["starts_at"], format!("{moved_day}T15:00:00+07:00"));
    assert_eq!(moved["version"], 2);
    assert_eq!(moved["session"], 2, "still the series' second session");
    // The same body again is stale; a changed series is refused by name.
    let (status, _) = app.send_json(Method::PUT, &path, &read).await;
    assert_eq!(status, 409);
    let mut wrong = moved.clone();
    wrong["session"] = 9.into();
    let (status, err) = app.send_json(Method::PUT, &path, &wrong).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("session"))
    );
    // Cancelled: a reason is needed.
    let mut cancel = moved.clone();
    cancel["status"] = "cancelled".into();
    let (status, err) = app.send_json(Method::PUT, &path, &cancel).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("status_reason")),
        "{err}"
    );
    cancel["status_reason"] = "Narasumber berhalangan".into();
    let (status, cancelled) = app.send_json(Method::PUT, &path, &cancel).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");

    // Another kecamatan's operator can neither see nor change it, nor plan in Serpong.
    let (_, operator, _) = app.as_user("operator", "36.74.03").await;
    let res = operator
        .put(app.url(&path))
        .json(&cancelled)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = operator
        .post(app.url("/api/v1/activities"))
        .json(&weekly)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "a region outside her scope is named");
}

/// A province's month holds a thousand activities: the board lists them a hundred at a time,
/// and the month's grid writes four a day with a link to the rest of that day's week.
#[tokio::test]
async fn a_crowded_month_is_listed_a_page_at_a_time() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let first = chrono::NaiveDate::parse_from_str(&day_ahead(), "%Y-%m-%d")
        .unwrap()
        .with_day(1)
        .unwrap();
    let month = first.format("%Y-%m").to_string();
    let day = first.with_day(10).unwrap().format("%Y-%m-%d").to_string();
    let res = plan_city_activity(&app, "Klinik 0", &day, 20).await;
    assert!(
        res.status().is_redirection(),
        "{}",
        res.text().await.unwrap()
    );
    let planned = in_city(&app).await.remove(0);
    let city = common::city();
    let actor = sentra_storage::Actor::system("test");
    for i in 1..130_i64 {
        let mut d = planned.data.clone();
        d.title = format!("Klinik {i}");
        // Ten a day from the 10th: the 10th itself holds ten.
        let shift = (i / 10) * 86_400 + (i % 10) * 600;
        d.start += shift;
        d.end += shift;
        app.db
            .create_activity(&city, &d, Some("uji"), &actor)
            .await
            .unwrap();
    }
    let one = app.page(&format!("/kegiatan?bulan={month}")).await;
    assert!(one.contains("130 kegiatan"), "{one}");
    assert_eq!(one.matches("<tr id=\"a-").count(), 100);
    assert!(one.contains("halaman 1 dari 2"), "{one}");
    let pager = &one[one.find("<nav class=\"pager\">").unwrap()..];
    let at = pager.find("rel=\"next\"").unwrap();
    let next = pager[..at]
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let next = next.replace("&amp;", "&").replace("&#38;", "&");
    assert!(next.contains("hal=2"), "{next}");
    let two = app.page(&next).await;
    assert_eq!(two.matches("<tr id=\"a-").count(), 30);
    assert!(two.contains("halaman 2 dari 2"), "{two}");
    assert!(two.contains("Klinik 129"));
    assert!(!two.contains(">Klinik 5<"));
    // Out of range is the last page, not an error.
    let far = app.page(&format!("/kegiatan?bulan={month}&hal=99")).await;
    assert_eq!(far.matches("<tr id=\"a-").count(), 30);

    let grid = app
        .page(&format!("/kegiatan?bulan={month}&tampilan=bulan"))
        .await;
    assert!(grid.contains("+6 kegiatan lain"), "{grid}");
    assert!(grid.contains("tampilan=minggu"), "{grid}");
    // A day whose activities are listed on the second page links there.
    assert!(
        grid.contains("hal=2#a-") || grid.contains("hal=2&#35;a-"),
        "{grid}"
    );
}
