//! scheduling boots for real: its own database (created and migrated), NATS, health, readiness,
//! metrics; and stops on request.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use doithoai_testkit::{TestApp, TestEnv};

#[tokio::test]
async fn boots_with_its_own_database_and_serves_health_readiness_and_metrics() {
    TestApp::assert_boots("scheduling", TestEnv::new(), scheduling::build).await;
}

/// Registrants are reminded 48 hours before, once each — also with two replicas whose timers
/// both find the registration due.
#[tokio::test]
async fn registrants_are_reminded_48_hours_before_once_even_by_two_replicas() {
    use diesel_async::RunQueryDsl;
    let env = TestEnv::new().set("SCHEDULING_TIMER_SECONDS", "1");
    let app = TestApp::spawn(env, scheduling::build).await;
    // A second replica: same database, same namespace.
    let _replica = TestApp::spawn(
        TestEnv::with_name(&app.env.name).set("SCHEDULING_TIMER_SECONDS", "1"),
        scheduling::build,
    )
    .await;
    // A conference noticed earlier that starts in 30 hours, with one registered question.
    let mut conn = app.core.pool.get().await.unwrap();
    let id = uuid::Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO conferences (id, unit_code, title, starts_at, venue, chair, status, notice_published_at, registration_closes_at, created_by) \
         VALUES ($1, 'phuong-lang', 'Đối thoại', now() + interval '30 hours', 'Hội trường', 'Chủ tịch', 'noticed', now() - interval '10 days', now() - interval '3 days', 'test')",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO registrations (petition_id, conference_id, unit_code, tracking_code, field_code, question, submitter, registered_at) \
         VALUES ($1, $2, 'phuong-lang', 'AB12-CD34-EF5', 'ho-tich', 'Câu hỏi', '{\"kind\":\"individual\",\"name\":\"An\",\"organization\":null,\"address\":\"Láng\",\"phone\":null,\"email\":\"an@example.vn\"}', now())",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::now_v7())
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let msgs = doithoai_testkit::stream_messages(
        &app.env.namespace,
        "scheduling",
        &format!("{}.scheduling.conference.reminder.*", app.env.namespace),
        2,
        std::time::Duration::from_secs(3),
    )
    .await
    .unwrap();
    assert_eq!(msgs.len(), 1, "one reminder, not one per timer round");
    let v: serde_json::Value = serde_json::from_slice(&msgs[0].payload).unwrap();
    assert_eq!(
        v["data"]["registrant"]["submitter"]["email"],
        "an@example.vn"
    );
}

/// The same cancellation sent 20 times at once, with a notice among them: one cancellation
/// applies, every other request is told the conference is already called off (or noticed
/// before it was), and the cancellation is announced once, never followed by a notice.
#[tokio::test]
async fn twenty_simultaneous_cancellations_apply_once() {
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let id = plan(&app, &leader).await;
    let due = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let cancel = json!({"reason": "Bão số 3", "written_answers_due_at": due});
    let path = format!("/api/v1/staff/conferences/{id}/cancel");
    let notice = format!("/api/v1/staff/conferences/{id}/notice");
    let empty = json!({});
    let cancels = (0..20).map(|_| app.post_as(&leader, &path, &cancel));
    let (statuses, noticed) = tokio::join!(
        futures_util::future::join_all(cancels),
        app.post_as(&leader, &notice, &empty)
    );
    let statuses: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!([200, 409].contains(&noticed.status().as_u16()));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let events = app.stream("scheduling", 1).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "conference.cancelled")
            .count(),
        1,
        "one cancellation announced: {kinds:?}"
    );
    let cancelled_at = kinds.iter().position(|k| *k == "conference.cancelled");
    let noticed_at = kinds.iter().position(|k| *k == "conference.noticed");
    if let (Some(c), Some(n)) = (cancelled_at, noticed_at) {
        assert!(n < c, "a notice after the cancellation: {kinds:?}");
    }
}

/// The other-unit column of the authorization matrix on a real conference of phuong-lang.
#[tokio::test]
async fn another_units_staff_find_no_conference_of_this_unit() {
    use doithoai_auth::Role;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let id = plan(&app, &leader).await;
    app.assert_record_scope_matrix(&[("id", &id)]).await;
}

/// Scheduling keeps an append-only history of who did what, and a correction of the minutes is
/// a new version, not an overwrite.
#[tokio::test]
async fn every_step_is_in_the_history_and_minutes_are_versioned() {
    use diesel_async::RunQueryDsl;
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let clerk = doithoai_testkit::token(Role::Clerk, "phuong-lang");
    let id = plan(&app, &leader).await;
    let path = |what: &str| format!("/api/v1/staff/conferences/{id}/{what}");
    assert_eq!(
        app.post_as(&clerk, &path("notice"), &json!({}))
            .await
            .status()
            .as_u16(),
        200
    );
    // The day comes.
    let mut conn = app.core.pool.get().await.unwrap();
    the_day_comes(&mut conn).await;
    for (who, what, body) in [
        (&leader, "attendance", json!({"count": 40})),
        (&clerk, "minutes", json!({"text": "Biên bản lần 1"})),
        (&clerk, "minutes", json!({"text": "Biên bản đã sửa"})),
        (&leader, "results", json!({"text": "Thông báo kết quả"})),
    ] {
        let res = app.post_as(who, &path(what), &body).await;
        assert_eq!(res.status().as_u16(), 200, "{what}");
    }
    let h = doithoai_testkit::body(app.get_as(&leader, &path("history")).await).await;
    let actions: Vec<&str> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "planned",
            "noticed",
            "attendance_recorded",
            "minutes_published",
            "minutes_published",
            "results_published"
        ]
    );
    assert_eq!(h["history"][1]["actor"], "clerk@phuong-lang");
    let minutes: Vec<(&str, i64)> = h["publications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "minutes")
        .map(|p| (p["text"].as_str().unwrap(), p["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(minutes, [("Biên bản lần 1", 1), ("Biên bản đã sửa", 2)]);
    let other = doithoai_testkit::token(Role::Leader, "phuong-ba-dinh");
    assert_eq!(
        app.get_as(&other, &path("history")).await.status().as_u16(),
        404
    );
    let edited = diesel::sql_query("UPDATE conference_history SET actor = 'someone else'")
        .execute(&mut conn)
        .await;
    assert!(edited.is_err(), "the history is append-only");
}

/// A dialogue takes one of the forms Decision 5087/QĐ-UBND names: hội nghị (the default), tọa
/// đàm or gặp gỡ; the public page says which.
#[tokio::test]
async fn a_dialogue_is_a_conference_a_seminar_or_a_meeting() {
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let starts = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let plan = |format: &str| {
        json!({"title": "Tọa đàm về thủ tục đất đai", "starts_at": starts, "venue": "Hội trường",
               "chair": "Chủ tịch UBND phường", "format": format})
    };
    let bad = app
        .post_as(&leader, "/api/v1/staff/conferences", &plan("hop_bao"))
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let bad = doithoai_testkit::body(bad).await;
    assert_eq!(bad["errors"][0]["field"], "format", "{bad}");
    let planned = doithoai_testkit::body(
        app.post_as(&leader, "/api/v1/staff/conferences", &plan("toa_dam"))
            .await,
    )
    .await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let notice = app
        .post_as(
            &leader,
            &format!("/api/v1/staff/conferences/{id}/notice"),
            &json!({}),
        )
        .await;
    assert_eq!(notice.status().as_u16(), 200);
    let public = doithoai_testkit::body(app.get(&format!("/api/v1/conferences/{id}")).await).await;
    assert_eq!(public["format"], "toa_dam", "{public}");
    assert_eq!(public["format_label"], "Tọa đàm");
}

/// Plans a conference of phuong-lang ten days ahead as `leader`; its id.
async fn plan(app: &TestApp, leader: &str) -> String {
    let starts = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let planned = doithoai_testkit::body(
        app.post_as(
            leader,
            "/api/v1/staff/conferences",
            &serde_json::json!({"title": "Đối thoại quý IV", "starts_at": starts, "venue": "Hội trường",
                    "chair": "Chủ tịch UBND phường"}),
        )
        .await,
    )
    .await;
    planned["id"].as_str().unwrap().to_owned()
}

/// Seed 001: a conference may move, with a new notice at least 7 days ahead. A noticed
/// conference moves with a new notice (registration closes by the new date), each registrant
/// is told, reminders are re-armed, and the move is in the history; one that has started
/// cannot move.
#[tokio::test]
async fn a_noticed_conference_moves_with_a_new_notice_and_its_registrants_are_told() {
    use diesel_async::RunQueryDsl;
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let id = plan(&app, &leader).await;
    let path = |what: &str| format!("/api/v1/staff/conferences/{id}/{what}");
    let noticed = app.post_as(&leader, &path("notice"), &json!({})).await;
    assert_eq!(noticed.status().as_u16(), 200);
    let mut conn = app.core.pool.get().await.unwrap();
    diesel::sql_query(
        "INSERT INTO registrations (petition_id, conference_id, unit_code, tracking_code, field_code, question, submitter, registered_at, reminded) \
         VALUES ($1, $2, 'phuong-lang', 'AB12-CD34-EF5', 'ho-tich', 'Câu hỏi', '{\"kind\":\"individual\",\"name\":\"An\",\"organization\":null,\"address\":\"Láng\",\"phone\":null,\"email\":null}', now(), true)",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::now_v7())
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&id).unwrap())
    .execute(&mut conn)
    .await
    .unwrap();

    let soon = (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339();
    let too_soon = app
        .post_as(
            &leader,
            &path("reschedule"),
            &json!({"starts_at": soon, "reason": "Trùng lịch"}),
        )
        .await;
    assert_eq!(too_soon.status().as_u16(), 422, "a new notice needs 7 days");
    let no_reason = app
        .post_as(&leader, &path("reschedule"), &json!({"starts_at": soon}))
        .await;
    assert_eq!(no_reason.status().as_u16(), 422);

    let later = chrono::Utc::now() + chrono::Duration::days(20);
    let moved = app
        .post_as(
            &leader,
            &path("reschedule"),
            &json!({"starts_at": later.to_rfc3339(), "venue": "Nhà văn hóa tổ 5", "reason": "Trùng lịch bầu cử"}),
        )
        .await;
    assert_eq!(moved.status().as_u16(), 200);
    let c: serde_json::Value = moved.json().await.unwrap();
    assert_eq!(c["venue"], "Nhà văn hóa tổ 5");
    let starts: chrono::DateTime<chrono::Utc> = c["starts_at"].as_str().unwrap().parse().unwrap();
    assert!((starts - later).num_seconds().abs() < 1);

    // (The unit's compliance reminders share the stream; each change also records the
    // conference's whole state for the reports, the last of them its new time.)
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let all = loop {
        let all = app.stream("scheduling", 6).await;
        let seen = |kind: &str| all.iter().filter(|e| e["event"] == kind).count();
        if (seen("conference.recorded") >= 3 && seen("conference.rescheduled") >= 1)
            || tokio::time::Instant::now() >= deadline
        {
            break all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let records: Vec<&serde_json::Value> = all
        .iter()
        .filter(|e| e["event"] == "conference.recorded")
        .collect();
    assert_eq!(records.len(), 3, "planned, noticed, rescheduled: {all:#?}");
    let last = &records[2]["data"];
    assert_eq!(last["status"], "noticed");
    let recorded: chrono::DateTime<chrono::Utc> =
        last["starts_at"].as_str().unwrap().parse().unwrap();
    assert!((recorded - later).num_seconds().abs() < 1);
    let events: Vec<serde_json::Value> = all
        .into_iter()
        .filter(|e| e["event"] != "conference.compliance_reminder")
        .filter(|e| e["event"] != "conference.recorded")
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "conference.noticed",
            "conference.noticed",
            "conference.rescheduled"
        ]
    );
    let renotice = &events[1]["data"];
    let closes: chrono::DateTime<chrono::Utc> = renotice["registration_closes_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // The close of office hours of the last working day 7 days before the new date.
    let cutoff_day = (later - chrono::Duration::days(7))
        .with_timezone(&doithoai_calendar::vietnam())
        .date_naive();
    let closes_day = closes
        .with_timezone(&doithoai_calendar::vietnam())
        .date_naive();
    assert!(
        closes_day <= cutoff_day && closes > chrono::Utc::now(),
        "{closes}"
    );
    assert_eq!(
        events[2]["data"]["registrant"]["tracking_code"],
        "AB12-CD34-EF5"
    );
    let reminded: Vec<bool> = {
        use diesel::QueryDsl;
        use scheduling::store::schema::registrations as r;
        r::table.select(r::reminded).load(&mut conn).await.unwrap()
    };
    assert_eq!(reminded, [false], "reminded again before the new date");
    let history = app.json_as(&leader, &path("history")).await;
    assert!(history.to_string().contains("rescheduled"), "{history}");

    // Once it has started, it stays where it is.
    diesel::sql_query("UPDATE conferences SET starts_at = now() - interval '1 minute'")
        .execute(&mut conn)
        .await
        .unwrap();
    let started = app
        .post_as(
            &leader,
            &path("reschedule"),
            &json!({"starts_at": later.to_rfc3339(), "reason": "x"}),
        )
        .await;
    assert_eq!(started.status().as_u16(), 409);
}

/// Seed 000: the city's departments hold dialogues of their own (at least every 6 months) and
/// so does the city (at least twice a year); each has its row in the city's compliance view.
#[tokio::test]
async fn the_citys_departments_and_the_city_are_organisers_with_their_own_rows() {
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let leader = doithoai_testkit::token(Role::Leader, "so-xay-dung");
    let id = plan(&app, &leader).await;
    let noticed = app
        .post_as(
            &leader,
            &format!("/api/v1/staff/conferences/{id}/notice"),
            &json!({}),
        )
        .await;
    assert_eq!(noticed.status().as_u16(), 200);
    let public = app
        .get("/api/v1/units/so-xay-dung/conferences")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(public["conferences"].as_array().unwrap().len(), 1);

    let admin = doithoai_testkit::token(Role::CityAdmin, "hanoi");
    let view = app.json_as(&admin, "/api/v1/staff/compliance").await;
    let row = |code: &str| {
        view["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {code}"))
    };
    let department = row("so-xay-dung");
    assert_eq!(department["organiser"], "department");
    assert_eq!(department["rule"], "every_6_months");
    assert!(department["next"].is_string(), "{department}");
    let city = row("ubnd-thanh-pho");
    assert_eq!(city["organiser"], "city");
    assert_eq!(city["rule"], "twice_a_year");
    assert!(
        !city["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "no_conference_in_6_months"),
        "{city}"
    );
    assert_eq!(row("phuong-lang")["organiser"], "unit");
    assert_eq!(view["units"].as_array().unwrap().len(), 126 + 11);
}

/// Seeds 000, 001: the unit keeps its residential groups; the notice of a dialogue and its
/// results notice go to each group's head (one event per group a notice can reach). The public
/// sees the groups' names, never their heads' contacts.
#[tokio::test]
async fn the_notice_and_the_results_go_to_the_heads_of_the_units_residential_groups() {
    use doithoai_auth::Role;
    use serde_json::json;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let clerk = doithoai_testkit::token(Role::Clerk, "phuong-lang");
    let put = |code: &str, body: serde_json::Value| {
        let path = format!("/api/v1/staff/residential-groups/{code}");
        let clerk = clerk.clone();
        let app = &app;
        async move {
            app.request_as(reqwest::Method::PUT, &clerk, &path)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    for (code, body) in [
        ("Tổ 5", json!({"name_vi": "Tổ dân phố số 5"})),
        (
            "to-5",
            json!({"name_vi": "Tổ dân phố số 5", "head_phone": "123"}),
        ),
        (
            "to-5",
            json!({"name_vi": "Tổ dân phố số 5", "head_email": "not an email"}),
        ),
        ("to-5", json!({})),
    ] {
        assert_eq!(put(code, body).await.status().as_u16(), 422);
    }
    let officer = doithoai_testkit::token(Role::Officer, "phuong-lang");
    let denied = app
        .request_as(
            reqwest::Method::PUT,
            &officer,
            "/api/v1/staff/residential-groups/to-5",
        )
        .json(&json!({"name_vi": "Tổ 5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 403);
    let saved = put(
        "to-5",
        json!({"name_vi": "Tổ dân phố số 5", "head_name": "Trần Thị Bình", "head_phone": "0912 345 678", "head_email": "binh.to5@example.vn"}),
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);
    let saved: serde_json::Value = saved.json().await.unwrap();
    assert_eq!(saved["head_phone"], "+84912345678");
    // A group whose head has no contact yet: listed, not reachable.
    assert_eq!(
        put("to-6", json!({"name_vi": "Tổ dân phố số 6"}))
            .await
            .status()
            .as_u16(),
        200
    );

    let public = doithoai_testkit::body(
        app.get("/api/v1/units/phuong-lang/residential-groups")
            .await,
    )
    .await;
    assert_eq!(
        public["groups"],
        json!([{"code": "to-5", "name": "Tổ dân phố số 5"}, {"code": "to-6", "name": "Tổ dân phố số 6"}])
    );
    assert!(!public.to_string().contains("912"), "{public}");
    let staff = app
        .json_as(&clerk, "/api/v1/staff/residential-groups")
        .await;
    assert_eq!(staff["groups"][0]["head_email"], "binh.to5@example.vn");

    let leader = doithoai_testkit::token(Role::Leader, "phuong-lang");
    let id = plan(&app, &leader).await;
    let path = |what: &str| format!("/api/v1/staff/conferences/{id}/{what}");
    assert_eq!(
        app.post_as(&clerk, &path("notice"), &json!({}))
            .await
            .status()
            .as_u16(),
        200
    );
    let mut conn = app.core.pool.get().await.unwrap();
    the_day_comes(&mut conn).await;
    for (what, body) in [
        ("attendance", json!({"count": 40})),
        ("minutes", json!({"text": "Biên bản"})),
        ("results", json!({"text": "Đã trả lời 12 câu hỏi."})),
    ] {
        assert_eq!(
            app.post_as(&leader, &path(what), &body)
                .await
                .status()
                .as_u16(),
            200,
            "{what}"
        );
    }
    // (Compliance reminders share the stream: wait for the group notices themselves.)
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let sent = loop {
        let sent: Vec<serde_json::Value> = app
            .stream("scheduling", 1)
            .await
            .into_iter()
            .filter(|e| e["event"] == "conference.group_notice")
            .collect();
        if sent.len() >= 2 || tokio::time::Instant::now() >= deadline {
            break sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        sent.len(),
        2,
        "one notice and one results notice, to to-5 only: {sent:?}"
    );
    assert_eq!(sent[0]["data"]["what"], "notice");
    assert_eq!(sent[0]["data"]["head"]["phone"], "+84912345678");
    assert_eq!(sent[1]["data"]["what"], "results");
    assert_eq!(sent[1]["data"]["text"], "Đã trả lời 12 câu hỏi.");
}

/// The noticed conferences' day comes: everything moves 10 days into the past, so the notice
/// was out 10 days ahead and the conference has just started.
async fn the_day_comes(conn: &mut diesel_async::AsyncPgConnection) {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "UPDATE conferences SET notice_published_at = notice_published_at - interval '10 days', \
         registration_closes_at = registration_closes_at - interval '10 days', \
         starts_at = starts_at - interval '10 days' - interval '1 minute'",
    )
    .execute(conn)
    .await
    .unwrap();
}

/// Scheduling follows every received petition for the few registered for a conference: one
/// registered is recorded (with its inbox row), one that is not is acknowledged without a
/// transaction, leaving no inbox row, and neither waits in the consumer.
#[tokio::test]
async fn a_petition_not_registered_for_a_conference_is_acknowledged_without_a_transaction() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn(TestEnv::new(), scheduling::build).await;
    let mut conn = app.core.pool.get().await.unwrap();
    let conference = uuid::Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO conferences (id, unit_code, title, starts_at, venue, chair, status, notice_published_at, registration_closes_at, created_by) \
         VALUES ($1, 'phuong-lang', 'Đối thoại', now() + interval '10 days', 'Hội trường', 'Chủ tịch', 'noticed', now(), now() + interval '7 days', 'test')",
    )
    .bind::<diesel::sql_types::Uuid, _>(conference)
    .execute(&mut conn)
    .await
    .unwrap();
    let received = |code: &str, conference_id: Option<uuid::Uuid>| {
        serde_json::json!({
            "petition_id": uuid::Uuid::now_v7(), "tracking_code": code, "unit": "phuong-lang",
            "kind": "feedback", "field": "ho-tich", "procedure_code": null, "content_type": null,
            "title": null, "content": "Câu hỏi cho hội nghị",
            "submitter": {"kind": "individual", "name": "An", "organization": null,
                          "address": "Láng", "phone": null, "email": "an@example.vn"},
            "consent_to_publish_identity": false, "channel": "web",
            "received_at": "2026-12-01T02:00:00Z", "conference_id": conference_id,
            "conference_starts_at": null, "official_conduct": false
        })
    };
    let plain = app
        .publish(
            "intake",
            "petition.received",
            "phuong-lang",
            received("AB12-CD34-EF1", None),
        )
        .await;
    let registered = app
        .publish(
            "intake",
            "petition.received",
            "phuong-lang",
            received("AB12-CD34-EF2", Some(conference)),
        )
        .await;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        event_id: uuid::Uuid,
    }
    let mut inbox: Vec<uuid::Uuid> = Vec::new();
    for _ in 0..100 {
        inbox =
            diesel::sql_query("SELECT event_id FROM inbox WHERE consumer = 'scheduling-received'")
                .load::<Id>(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.event_id)
                .collect();
        if !inbox.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        inbox,
        vec![registered.id],
        "only the registered petition's event is in the inbox"
    );
    assert_ne!(registered.id, plain.id);
    let stream = app
        .js
        .get_stream(
            format!("{}_intake", app.env.namespace)
                .to_uppercase()
                .replace(['.', '-'], "_"),
        )
        .await
        .unwrap();
    let mut waiting = u64::MAX;
    for _ in 0..50 {
        let info = stream.consumer_info("scheduling-received").await.unwrap();
        waiting = info.num_pending + info.num_ack_pending as u64;
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(waiting, 0, "both events acknowledged");
}
