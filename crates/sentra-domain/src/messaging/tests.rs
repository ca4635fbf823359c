use super::*;

#[test]
fn a_template_names_only_its_purposes_variables() {
    assert_eq!(
        check_template(Purpose::Verified, "Halo {owner}, {link}"),
        Ok(())
    );
    assert_eq!(
        check_template(Purpose::Verified, "Halo {nik}"),
        Err(TemplateProblem::UnknownVariable("nik".into()))
    );
    assert_eq!(
        check_template(Purpose::Verified, "Halo {owner"),
        Err(TemplateProblem::Unclosed)
    );
    assert_eq!(
        check_template(Purpose::Broadcast, "  "),
        Err(TemplateProblem::Empty)
    );
    assert_eq!(
        check_template(Purpose::Broadcast, &"a".repeat(MAX_TEXT + 1)),
        Err(TemplateProblem::TooLong)
    );
    for p in Purpose::ALL {
        for lang in ["id", "en"] {
            assert_eq!(
                check_template(p, p.default_text(lang)),
                Ok(()),
                "{p:?} {lang}"
            );
        }
    }
}

#[test]
fn rendering_fills_each_variable_once_and_never_reads_a_value_as_a_variable() {
    let text = render(
        "Yth. {owner} ({business}) {missing}",
        &[("owner", "Bu {business}"), ("business", "Keripik Sari")],
    );
    assert_eq!(text, "Yth. Bu {business} (Keripik Sari) {missing}");
    assert_eq!(
        render("tanpa tutup {owner", &[("owner", "x")]),
        "tanpa tutup {owner"
    );
}

#[test]
fn no_message_goes_at_night_where_the_owner_lives() {
    // 2026-03-02 22:30 WIB is 15:30 UTC: held until 07:00 WIB the next day (00:00 UTC).
    let night = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(15, 30, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let next = within_sending_hours(night, Zone::Wib);
    assert_eq!(Zone::Wib.date_at(next).to_string(), "2026-03-03");
    assert_eq!((next + 7 * 3600).rem_euclid(86_400), 7 * 3600);
    // 22:30 WIB is 00:30 WIT: also night there, held until 07:00 WIT the same (WIT) day.
    let wit = within_sending_hours(night, Zone::Wit);
    assert_eq!((wit + 9 * 3600).rem_euclid(86_400), 7 * 3600);
    assert!(wit < next);
    // 10:00 WITA is inside the hours: unchanged.
    let morning = night - 8 * 3600 - 1800;
    assert_eq!(within_sending_hours(morning, Zone::Wita), morning);
    // 05:59 WIB waits one minute past an hour.
    let early = next - 3600 - 60;
    assert_eq!(within_sending_hours(early, Zone::Wib), next);
}

#[test]
fn a_failed_message_waits_longer_each_time_then_fails_for_good() {
    let waits: Vec<Option<i64>> = (1..=MAX_ATTEMPTS).map(retry_after).collect();
    assert_eq!(waits, [Some(60), Some(300), Some(1_800), Some(7_200), None]);
}

#[test]
fn a_stop_reply_is_the_word_alone() {
    for yes in [
        "STOP",
        "stop",
        " Berhenti. ",
        "STOP ALL",
        "stop semua",
        "Unsubscribe",
    ] {
        assert!(is_stop_reply(yes), "{yes}");
    }
    for no in ["jangan stop dulu", "STOPKONTAK", "", "terima kasih"] {
        assert!(!is_stop_reply(no), "{no}");
    }
}

#[test]
fn the_channel_is_the_first_configured_and_consented_else_the_operators_phone() {
    use Channel::*;
    assert_eq!(
        pick_channel(&[Email, Whatsapp], &[Whatsapp, Email], true, true),
        Some(Whatsapp)
    );
    assert_eq!(
        pick_channel(&[Email], &[Whatsapp, Email], true, true),
        Some(Email)
    );
    assert_eq!(
        pick_channel(&[Email], &[Whatsapp, Email], true, false),
        Some(Phone)
    );
    assert_eq!(pick_channel(&[], &[Whatsapp], true, false), Some(Phone));
    assert_eq!(pick_channel(&[], &[Whatsapp], false, false), None);
    assert_eq!(pick_channel(&[Sms, Email], &[Sms], true, true), Some(Sms));
    assert_eq!(pick_channel(&[Whatsapp, Sms, Email], &[], true, true), None);
    assert_eq!(Phone.consent(), Whatsapp);
}

#[test]
fn a_deployment_sets_its_own_sending_hours() {
    assert_eq!(
        SendingHours::parse("8-20"),
        Some(SendingHours { from: 8, until: 20 })
    );
    assert_eq!(
        SendingHours::parse(" 0 - 24 "),
        Some(SendingHours { from: 0, until: 24 })
    );
    for bad in ["20-8", "7-25", "7", "a-b", "7-7"] {
        assert_eq!(SendingHours::parse(bad), None, "{bad}");
    }
    let any = SendingHours { from: 0, until: 24 };
    for at in [0, 3_600 * 17 + 5, 1_767_200_400] {
        assert_eq!(any.next(at, Zone::Wit), at);
    }
}

#[test]
fn channel_rates_are_read_per_channel_and_zero_is_no_limit() {
    let r = ChannelRates::parse("whatsapp=80, email=0").unwrap();
    assert_eq!(r.gap_micros(Channel::Whatsapp), 12_500);
    assert_eq!(r.gap_micros(Channel::Email), 0);
    assert_eq!(
        r.gap_micros(Channel::Sms),
        200_000,
        "the default 5 a second"
    );
    assert_eq!(r.gap_micros(Channel::Phone), 0);
    for bad in [
        "whatsapp",
        "fax=3",
        "sms=-1",
        "sms=x",
        "phone=2",
        "email=20000",
    ] {
        assert!(ChannelRates::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(ChannelRates::parse(""), Some(ChannelRates::default()));
}

#[test]
fn a_personal_links_secret_is_hidden_and_nothing_else_changes() {
    let body = "Yth. Bu Sari, tautan: https://sentra.go.id/fgd/AbC-12_x9. Lalu /fgd/ kosong.\n\
                Berhenti: https://sentra.go.id/berhenti/abcd";
    assert_eq!(
        hide_secret_links(body),
        "Yth. Bu Sari, tautan: https://sentra.go.id/fgd/…. Lalu /fgd/ kosong.\n\
         Berhenti: https://sentra.go.id/berhenti/abcd"
    );
    assert_eq!(hide_secret_links("tanpa tautan"), "tanpa tautan");
    assert_eq!(hide_secret_links("/fgd/a /fgd/b"), "/fgd/… /fgd/…");
}
