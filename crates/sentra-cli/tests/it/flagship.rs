//! Choosing flagship products through the pages, on SQLite and PostgreSQL: a round with three
//! candidates, six criteria and five participants answering through their personal links on
//! the phone form — one guided from an inconsistent section (CR above 0.10) to a consistent one
//! by the suggested value — then closed, ranked with the LQ quadrant from the registry, and
//! published on a public page that names nobody.

use crate::common;

use common::{page_as, post, spawn_app};

/// A participant's section as a phone sends it: every pair's (or rating's) chosen box.
fn section_form(body: &str) -> Vec<(String, String)> {
    let body = body.replace("&#34;", "\"");
    body.split("<input type=\"radio\" ")
        .skip(1)
        .filter_map(|input| {
            let tag = input.split('>').next()?;
            if !tag.ends_with(" checked") {
                return None;
            }
            let attr = |name: &str| {
                let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
                tag[at..].split('"').next().map(str::to_string)
            };
            Some((attr("name")?, attr("value")?))
        })
        .collect()
}

/// The round a `/unggulan/{id}?done=…` redirect leads to.
fn round_of(location: &str) -> String {
    let rest = location.trim_start_matches("/unggulan/");
    rest.split('?').next().unwrap_or(rest).to_string()
}

#[tokio::test]
async fn a_round_runs_end_to_end_with_one_participant_guided_to_consistency() {
    let app = spawn_app().await;
    app.seed(60, 9).await;
    let year = chrono::Datelike::year(&chrono::Utc::now()).to_string();
    let (staff, csrf) = (&app.client, app.csrf.clone());

    // A round of the city; a bad title is named.
    let (status, _, body) = post(
        staff,
        &app,
        "/unggulan",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("year", &year),
            ("title", "X"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Judul:"), "{body}");
    let (status, location, _) = post(
        staff,
        &app,
        "/unggulan",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("year", &year),
            ("title", "Produk unggulan kota"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let id = round_of(&location);
    let page = app.page(&format!("/unggulan/{id}")).await;
    assert!(
        page.contains("Penyerapan tenaga kerja"),
        "the Permendagri 9/2014 template"
    );
    let version = |page: &str| {
        let at = page.find("name=\"version\" value=\"").unwrap() + 22;
        page[at..].split('"').next().unwrap().to_string()
    };

    // Setup: three candidates with sectors, six criteria; a wrong line is named.
    let criteria = "Penyerapan tenaga kerja\nKetersediaan pasar\nBahan baku\nSektor basis ekonomi daerah\nSosial budaya\nTeknologi";
    let setup = |candidates: &'static str, v: String| {
        vec![
            ("_csrf".to_string(), csrf.clone()),
            ("version".into(), v),
            ("title".into(), "Produk unggulan kota".into()),
            ("year".into(), year.clone()),
            ("purpose".into(), "Prioritas pembinaan".into()),
            ("candidates".into(), candidates.into()),
            ("criteria".into(), criteria.into()),
            ("mode".into(), "pairwise".into()),
            ("method".into(), "eigenvector".into()),
            ("measure".into(), "count".into()),
            ("reference_region".into(), String::new()),
            (
                "reference".into(),
                "kuliner ; 420.000\nfesyen ; 95.000\nkriya ; 60.000\njasa ; 120.000\nperdagangan ; 210.000"
                    .into(),
            ),
        ]
    };
    let send = |fields: Vec<(String, String)>, path: String| {
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            post(&app.client, app, &path, &f).await
        }
    };
    let (status, _, body) = send(
        setup("Keripik ; kuliner\nBatik ; tambang", version(&page)),
        format!("/unggulan/{id}"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Kandidat produk, baris 2"), "{body}");
    let (status, _, body) = send(
        setup(
            "Keripik dan olahan pangan ; kuliner\nBatik dan tenun ; fesyen\nKerajinan bambu ; kriya",
            version(&page),
        ),
        format!("/unggulan/{id}"),
    )
    .await;
    assert_eq!(status, 303, "{body}");

    // It cannot open without participants; five are added, each with a link shown once.
    let (status, _, _) = post(
        staff,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "open")],
    )
    .await;
    assert_eq!(status, 422);
    let mut links = Vec::new();
    for (name, group) in [
        ("Dr. Rina Wulandari", "akademisi"),
        ("Komunitas Kreatif", "komunitas"),
        ("Ibu Sari", "pelaku_usaha"),
        ("Bapak Joko", "pelaku_usaha"),
        ("Ibu Dewi Bappeda", "pemerintah"),
    ] {
        let (status, _, body) = post(
            staff,
            &app,
            &format!("/unggulan/{id}/peserta"),
            &[("_csrf", &csrf), ("name", name), ("group", group)],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let at = body.find("/fgd/").expect("the link");
        let secret = body[at + 5..].split('<').next().unwrap().to_string();
        assert!(body.contains("https://wa.me/?text="));
        links.push(secret);
    }
    // Before the round opens, a link shows that it is not open.
    let closed = reqwest::get(app.url(&format!("/fgd/{}", links[0])))
        .await
        .unwrap();
    assert_eq!(closed.headers()["referrer-policy"], "no-referrer");
    assert!(closed.text().await.unwrap().contains("sedang tidak dibuka"));
    let (status, _, _) = post(
        staff,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "open")],
    )
    .await;
    assert_eq!(status, 303);
    // Frozen: the candidates cannot change now.
    let page = app.page(&format!("/unggulan/{id}")).await;
    let (status, _, body) = send(
        setup("Keripik ; kuliner\nBatik ; fesyen", version(&page)),
        format!("/unggulan/{id}"),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Everyone answers: criteria then candidates under each criterion (7 sections), phone
    // clients without cookies. A consistent view: jobs ≻ market ≻ … with candidates led by
    // the first; the last participant contradicts themself in the main criteria.
    let phone = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let weights = [0.30, 0.25, 0.15, 0.12, 0.10, 0.08];
    let candidates = [0.5, 0.3, 0.2];
    let scale = |v: f64| sentra_domain::flagship::ahp::judgement_text(v);
    for (k, secret) in links.iter().enumerate() {
        for section in 0..7 {
            let w: &[f64] = if section == 0 { &weights } else { &candidates };
            let mut fields = vec![];
            for i in 0..w.len() {
                for j in i + 1..w.len() {
                    let mut v = w[i] / w[j];
                    if k == 4 && section == 0 && (i, j) == (0, 5) {
                        v = 1.0 / 7.0;
                    }
                    if k == 4 && section == 0 && (i, j) == (1, 5) {
                        v = 1.0 / 5.0;
                    }
                    fields.push((format!("p{i}_{j}"), scale(v)));
                }
            }
            // The second participant leaves one comparison empty.
            if k == 1 && section == 0 {
                fields.retain(|(f, _)| f != "p2_4");
            }
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let (status, location, _) =
                post(&phone, &app, &format!("/fgd/{secret}/{section}"), &f).await;
            assert_eq!(status, 303, "participant {k} section {section}");
            assert!(location.contains("tersimpan=1"));
        }
    }
    // The last participant's first section is flagged, with the value that fits suggested.
    let guided = &links[4];
    let res = phone
        .get(app.url(&format!("/fgd/{guided}?bagian=0&tersimpan=1")))
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap().replace("&#34;", "\"");
    assert!(body.contains("belum sejalan"), "{body}");
    let cr_of = |body: &str| -> f64 {
        let at = body.find("(CR ").unwrap() + 4;
        body[at..]
            .split(')')
            .next()
            .unwrap()
            .replace(',', ".")
            .parse()
            .unwrap()
    };
    let before = cr_of(&body);
    assert!(before > 0.10, "{before}");
    let at = body
        .find("name=\"ganti\" value=\"")
        .expect("a suggestion to take")
        + 20;
    let take = body[at..].split('"').next().unwrap().to_string();
    let mut fields = section_form(&body);
    fields.push(("ganti".into(), take));
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (status, _, _) = post(&phone, &app, &format!("/fgd/{guided}/0"), &f).await;
    assert_eq!(status, 303);
    let body = phone
        .get(app.url(&format!("/fgd/{guided}?bagian=0&tersimpan=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let middle = cr_of(&body);
    assert!(middle < before, "{before} → {middle}");
    // One more suggestion taken if needed, until consistent.
    let mut body = body;
    let mut after = middle;
    for _ in 0..3 {
        if after < 0.10 {
            break;
        }
        let body_q = body.replace("&#34;", "\"");
        let at = body_q.find("name=\"ganti\" value=\"").unwrap() + 20;
        let take = body_q[at..].split('"').next().unwrap().to_string();
        let mut fields = section_form(&body_q);
        fields.push(("ganti".into(), take));
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        post(&phone, &app, &format!("/fgd/{guided}/0"), &f).await;
        body = phone
            .get(app.url(&format!("/fgd/{guided}?bagian=0&tersimpan=1")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        after = cr_of(&body);
    }
    assert!(after < 0.10, "guided from {before} to {after}");
    assert!(body.contains("konsisten"), "{body}");
    for secret in &links {
        let (status, _, _) = post(&phone, &app, &format!("/fgd/{secret}/kirim"), &[]).await;
        assert_eq!(status, 303);
    }

    // Close; the results rank the candidates, show every participant's consistency and the
    // LQ quadrant from the registry.
    let (status, _, _) = post(
        staff,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "closed")],
    )
    .await;
    assert_eq!(status, 303);
    let results = app.page(&format!("/unggulan/{id}/hasil")).await;
    let first = results.find("Keripik dan olahan pangan").unwrap();
    let second = results.find("Batik dan tenun").unwrap();
    assert!(first < second, "ranked");
    assert!(results.contains("id=\"quadrant\""), "the LQ × AHP quadrant");
    assert!(results.contains("id=\"lq-table\""));
    assert!(
        results.contains("Ibu Dewi Bappeda"),
        "staff see participants"
    );
    assert!(results.contains("id=\"sensitivity-table\""));
    assert!(results.contains("Pelaku usaha"), "each group's view");
    // The judgements for audit.
    let res = app.get(&format!("/unggulan/{id}/penilaian.xlsx")).await;
    assert_eq!(res.status(), 200);
    let book = sentra_sheets::read_table("p.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    assert!(book.rows.len() > 5 * (15 + 6 * 3), "{}", book.rows.len());

    // Not public until published; then public without names.
    assert_eq!(
        reqwest::get(app.url(&format!("/unggulan/{id}/publik")))
            .await
            .unwrap()
            .status(),
        404
    );
    let (status, _, _) = post(
        staff,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "published")],
    )
    .await;
    assert_eq!(status, 303);
    let public = reqwest::get(app.url(&format!("/unggulan/{id}/publik")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(public.contains("Keripik dan olahan pangan"));
    assert!(
        public.contains("Cara penghitungan"),
        "the method in plain words"
    );
    for name in ["Rina", "Komunitas Kreatif", "Ibu Sari", "Joko", "Dewi"] {
        assert!(!public.contains(name), "{name} on the public page");
    }
    // The same result as numbers through the API: for the area's staff, and, once published,
    // for anyone, naming nobody.
    let (status, listed) = app.get_json("/api/v1/flagship/rounds").await;
    assert_eq!(status, 200, "{listed}");
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str())
    );
    let (status, numbers) = app
        .get_json(&format!("/api/v1/flagship/rounds/{id}/results"))
        .await;
    assert_eq!(status, 200, "{numbers}");
    let ranking = numbers["ranking"].as_array().unwrap();
    assert_eq!(ranking[0]["name"], "Keripik dan olahan pangan");
    assert_eq!(ranking[0]["rank"], 1);
    let total: f64 = ranking.iter().map(|c| c["score"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "scores sum to 1: {total}");
    assert!(numbers["counted"].as_u64().unwrap() >= 1);
    let anyone: serde_json::Value =
        reqwest::get(app.url(&format!("/api/v1/flagship/rounds/{id}/public")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(anyone["ranking"], numbers["ranking"]);
    for name in ["Rina", "Komunitas Kreatif", "Ibu Sari", "Joko", "Dewi"] {
        assert!(
            !anyone.to_string().contains(name),
            "{name} in the public result"
        );
    }
    let unsigned = reqwest::get(app.url(&format!("/api/v1/flagship/rounds/{id}/results")))
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    // A closed round's link takes no more answers.
    let (status, _, _) = post(
        &phone,
        &app,
        &format!("/fgd/{}/0", links[0]),
        &[("p0_1", "3")],
    )
    .await;
    assert_eq!(status, 422);
}

/// A round created through the pages with the given setup; its id and the version to save.
async fn round_with(
    app: &common::TestApp,
    criteria: &str,
    candidates: &str,
    mode: &str,
) -> (String, u16, String) {
    let year = chrono::Datelike::year(&chrono::Utc::now()).to_string();
    let csrf = app.csrf.clone();
    let (_, location, _) = post(
        &app.client,
        app,
        "/unggulan",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("year", &year),
            ("title", "Putaran uji"),
        ],
    )
    .await;
    let id = round_of(&location);
    let page = app.page(&format!("/unggulan/{id}")).await;
    let at = page.find("name=\"version\" value=\"").unwrap() + 22;
    let version = page[at..].split('"').next().unwrap().to_string();
    let (status, _, body) = post(
        &app.client,
        app,
        &format!("/unggulan/{id}"),
        &[
            ("_csrf", &csrf),
            ("version", &version),
            ("title", "Putaran uji"),
            ("year", &year),
            ("candidates", candidates),
            ("criteria", criteria),
            ("mode", mode),
            ("method", "eigenvector"),
            ("measure", "count"),
            ("reference_region", ""),
            ("reference", ""),
        ],
    )
    .await;
    (id, status, body)
}

#[tokio::test]
async fn the_setup_keeps_every_matrix_within_nine_and_advises_rating_for_many_candidates() {
    let app = spawn_app().await;
    // A new round's template: Permendagri 9/2014's twelve criteria in four clusters.
    let (id, status, body) =
        round_with(&app, "", "Kopi ; kuliner\nBatik ; kriya", "pairwise").await;
    assert_eq!(status, 422, "criteria are required: {body}");
    let page = app.page(&format!("/unggulan/{id}")).await;
    assert!(
        page.contains("Manfaat ekonomi\n- Penyerapan tenaga kerja"),
        "{page}"
    );
    assert!(page.contains("Sumber daya produksi\n- Bahan baku"));
    // Ten criteria in one matrix are refused, with how to group them.
    let ten = (1..=10)
        .map(|k| format!("Kriteria {k}"))
        .collect::<Vec<_>>()
        .join("\n");
    let (_, status, body) =
        round_with(&app, &ten, "Kopi ; kuliner\nBatik ; kriya", "pairwise").await;
    assert_eq!(status, 422);
    assert!(body.contains("Paling banyak 9 kriteria"), "{body}");
    assert!(body.contains("Kriteria 10"), "what was typed is kept");
    // Ten candidates cannot be compared pairwise; rated, they can.
    let many = (1..=10)
        .map(|k| format!("Produk {k} ; kuliner"))
        .collect::<Vec<_>>()
        .join("\n");
    let (_, status, body) = round_with(&app, "Pasar\nHarga", &many, "pairwise").await;
    assert_eq!(status, 422);
    assert!(body.contains("Lebih dari 9 kandidat"), "{body}");
    let (_, status, body) = round_with(&app, "Pasar\nHarga", &many, "rating").await;
    assert_eq!(status, 303, "{body}");
    // Five candidates compared pairwise: the rating mode is suggested, with both counts.
    let five = (1..=5)
        .map(|k| format!("Produk {k} ; kuliner"))
        .collect::<Vec<_>>()
        .join("\n");
    let (id, status, _) = round_with(&app, "Pasar\nHarga", &five, "pairwise").await;
    assert_eq!(status, 303);
    let page = app.page(&format!("/unggulan/{id}")).await;
    let advice = page.split("id=\"advice\"").nth(1).expect("advice");
    assert!(
        advice.contains("20 perbandingan") && advice.contains("10 nilai"),
        "{advice}"
    );
}

/// One participant's answers: criteria (three, pairwise) then each criterion's two
/// candidates rated; returns the page after the criteria were saved.
async fn answer(
    phone: &reqwest::Client,
    app: &common::TestApp,
    secret: &str,
    criteria: [&str; 3],
    ratings: [&str; 2],
) -> String {
    let f = [
        ("p0_1", criteria[0]),
        ("p0_2", criteria[1]),
        ("p1_2", criteria[2]),
    ];
    let (status, _, _) = post(phone, app, &format!("/fgd/{secret}/0"), &f).await;
    assert_eq!(status, 303);
    for section in 1..=3 {
        let f = [("r0", ratings[0]), ("r1", ratings[1])];
        let (status, _, _) = post(phone, app, &format!("/fgd/{secret}/{section}"), &f).await;
        assert_eq!(status, 303);
    }
    phone
        .get(app.url(&format!("/fgd/{secret}?bagian=0&tersimpan=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The facilitator's decision on an inconsistent participant, as the results page posts it.
async fn count_anyway(
    client: &reqwest::Client,
    app: &common::TestApp,
    round: &str,
    csrf: &str,
    participant: &str,
    counted: &str,
) -> (u16, String, String) {
    post(
        client,
        app,
        &format!("/unggulan/{round}/peserta/hitung"),
        &[
            ("_csrf", csrf),
            ("participant", participant),
            ("hitung", counted),
        ],
    )
    .await
}

#[tokio::test]
async fn an_inconsistent_participant_is_guided_once_and_left_out_unless_the_facilitator_counts_them()
 {
    let app = spawn_app().await;
    let csrf = app.csrf.clone();
    let (id, status, body) = round_with(
        &app,
        "Tenaga kerja\nPasar\nBahan baku",
        "Keripik ; kuliner\nAnyaman ; kriya",
        "rating",
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let mut links = Vec::new();
    for (name, group) in [
        ("Ibu Konsisten", "akademisi"),
        ("Pak Bertentangan", "pemerintah"),
    ] {
        let (_, _, body) = post(
            &app.client,
            &app,
            &format!("/unggulan/{id}/peserta"),
            &[("_csrf", &csrf), ("name", name), ("group", group)],
        )
        .await;
        let at = body.find("/fgd/").expect("the link");
        links.push(body[at + 5..].split('<').next().unwrap().to_string());
    }
    let (status, _, _) = post(
        &app.client,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "open")],
    )
    .await;
    assert_eq!(status, 303);
    let phone = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The form: each pair one row of boxes (17 steps, no dropdown), progress over the form.
    let first = page_as(&phone, &app, &format!("/fgd/{}", links[0])).await;
    assert!(!first.contains("<select"), "no dropdowns");
    let pair = first
        .split("<fieldset class=\"pair\" id=\"p0_1\">")
        .nth(1)
        .unwrap();
    let pair = pair.split("</fieldset>").next().unwrap();
    assert_eq!(pair.matches("type=\"radio\"").count(), 17, "{pair}");
    assert!(
        first.contains("0 dari 9 jawaban terisi"),
        "3 pairs + 3 × 2 ratings"
    );

    // Consistent: jobs 2× market, market 2× materials, jobs 4× materials.
    let page = answer(&phone, &app, &links[0], ["2", "4", "2"], ["7", "3"]).await;
    assert!(page.contains("Tersimpan dan konsisten"), "{page}");
    assert!(page.contains("9 dari 9 jawaban terisi"));
    assert_eq!(
        section_form(&page),
        vec![
            ("p0_1".to_string(), "2".to_string()),
            ("p0_2".into(), "4".into()),
            ("p1_2".into(), "2".into())
        ],
        "the answers are shown as given"
    );
    // Inconsistent: jobs 3× market, market 3× materials, yet materials 5× jobs.
    let page = answer(&phone, &app, &links[1], ["3", "1/5", "3"], ["1", "9"]).await;
    assert!(page.contains("belum sejalan"), "{page}");
    assert_eq!(
        page.matches("name=\"ganti\"").count(),
        1,
        "one suggestion at a time"
    );
    assert!(
        page.contains("Anda menilai Tenaga kerja sedikit lebih penting (3) daripada Pasar"),
        "the contradiction in plain words: {page}"
    );
    assert!(
        !page.contains("id=\"far-off\""),
        "one change fixes a 3×3 section"
    );
    // Keeping the answers is allowed: the page says what it means, and no suggestion loops.
    let kept = page_as(&phone, &app, &format!("/fgd/{}?bagian=0&tetap=1", links[1])).await;
    assert!(kept.contains("id=\"kept\"") && !kept.contains("name=\"ganti\""));
    // Answering again shows the previous answers; a pair not answered again keeps its own.
    let redo = page_as(&phone, &app, &format!("/fgd/{}?bagian=0&ulang=1", links[1])).await;
    assert!(section_form(&redo).is_empty(), "nothing preselected");
    assert!(
        redo.contains("Jawaban sebelumnya: Bahan baku lebih penting (5) daripada Tenaga kerja")
    );
    let (status, _, _) = post(
        &phone,
        &app,
        &format!("/fgd/{}/0", links[1]),
        &[("ulang", "1"), ("p0_1", "5")],
    )
    .await;
    assert_eq!(status, 303);
    let after = page_as(&phone, &app, &format!("/fgd/{}?bagian=0", links[1])).await;
    assert_eq!(
        section_form(&after),
        vec![
            ("p0_1".to_string(), "5".to_string()),
            ("p0_2".into(), "1/5".into()),
            ("p1_2".into(), "3".into())
        ]
    );
    for secret in &links {
        post(&phone, &app, &format!("/fgd/{secret}/kirim"), &[]).await;
    }
    post(
        &app.client,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "closed")],
    )
    .await;

    // The result leaves the inconsistent participant out: the consistent one's favourite
    // (Keripik, rated 7 against 3) leads.
    let results = app.page(&format!("/unggulan/{id}/hasil")).await;
    let ranking = results.split("id=\"candidate-ranking\"").nth(1).unwrap();
    assert!(
        ranking.find("Keripik").unwrap() < ranking.find("Anyaman").unwrap(),
        "{ranking}"
    );
    assert!(results.contains("tidak dihitung (belum konsisten)"));
    assert!(
        results.contains("dihitung dalam hasil bersama: 1"),
        "{results}"
    );
    let pid_of = |page: &str, name: &str| {
        let row = page.split(name).nth(1).unwrap();
        let at = row.find("name=\"participant\" value=\"").unwrap() + 26;
        row[at..].split('"').next().unwrap().to_string()
    };
    let inconsistent = pid_of(&results, "Pak Bertentangan");

    // Another role cannot decide; another region's staff do not find the round.
    let (operator, _, op_csrf) = app.as_user("operator", "36.74.03").await;
    let (status, _, _) = count_anyway(&operator, &app, &id, &op_csrf, &inconsistent, "1").await;
    assert_eq!(status, 403);
    let (other, _, other_csrf) = app.as_user("admin", "36.71").await;
    let (status, _, _) = count_anyway(&other, &app, &id, &other_csrf, &inconsistent, "1").await;
    assert_eq!(status, 404);

    // The facilitator counts them anyway: recorded with the name, and the result changes
    // (Anyaman, rated 9 against 1 by the second, now leads).
    let (status, location, _) =
        count_anyway(&app.client, &app, &id, &csrf, &inconsistent, "1").await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/hasil#consistency"));
    let results = app.page(&format!("/unggulan/{id}/hasil")).await;
    assert!(results.contains("dihitung atas keputusan"), "{results}");
    assert!(results.contains("dihitung dalam hasil bersama: 2"));
    let ranking = results.split("id=\"candidate-ranking\"").nth(1).unwrap();
    assert!(ranking.find("Anyaman").unwrap() < ranking.find("Keripik").unwrap());
    let audit = app
        .get("/audit.csv?entity=flagship_round")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("count_inconsistent_participant"), "{audit}");
    // The admin reads it in words: the decision, whose answers, by whom; no ids.
    let trail = app.page("/audit?entity=flagship_round").await;
    assert!(
        trail.contains("Peserta yang belum konsisten tetap dihitung"),
        "{trail}"
    );
    assert!(
        trail.contains("Dihitung dalam hasil: Ya; Peserta: Pak Bertentangan"),
        "{trail}"
    );
    assert!(!trail.contains(&inconsistent), "no participant id shown");

    // Once published, who is counted is fixed until the result is withdrawn.
    post(
        &app.client,
        &app,
        &format!("/unggulan/{id}/status"),
        &[("_csrf", &csrf), ("to", "published")],
    )
    .await;
    let (status, _, body) = count_anyway(&app.client, &app, &id, &csrf, &inconsistent, "0").await;
    assert_eq!(status, 422);
    assert!(body.contains("sudah diumumkan"), "{body}");
}
