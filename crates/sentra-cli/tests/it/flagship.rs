//! Choosing flagship products through the pages, on SQLite and PostgreSQL: a round with three
//! candidates, six criteria and five participants answering through their personal links on
//! the phone form — one guided from an inconsistent section (CR above 0.10) to a consistent one
//! by the suggested value — then closed, ranked with the LQ quadrant from the registry, and
//! published on a public page that names nobody.

use crate::common;

use common::{post, spawn_app};

/// A participant's section as a phone sends it: every pair's select.
fn section_form(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("<select id=\"p") {
        let tail = &rest[at + 12..];
        let field = tail.split('"').next().unwrap().to_string();
        let end = tail.find("</select>").unwrap();
        let select = &tail[..end];
        let chosen = select
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.contains(" selected>"))
            .map(|o| o.split('"').next().unwrap().to_string())
            .unwrap_or_default();
        out.push((field, chosen));
        rest = &tail[end..];
    }
    out
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
    let id = location
        .trim_start_matches("/unggulan/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
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
    assert!(body.contains("kurang konsisten"), "{body}");
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
