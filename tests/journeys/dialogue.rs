//! A ward's dialogue conference through the real binaries: plan, notice, registration,
//! routing before the day, agenda, outcomes, a floor question, minutes and results, every
//! registrant told; the city's compliance view; the iCalendar feed.

use crate::platform::Platform;
use chrono::{Duration as CDuration, Utc};
use doithoai_auth::Role;
use doithoai_testkit::token;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_holds_its_dialogue_from_notice_to_published_results() {
    let p = Platform::start().await;
    let leader = token(Role::Leader, "phuong-lang");
    let starts = Utc::now() + CDuration::days(12);

    let (s, too_soon) = p
        .post(
            "scheduling",
            "/api/v1/staff/conferences",
            Some(&leader),
            json!({
        "title": "Đối thoại gấp", "starts_at": (Utc::now() + CDuration::days(3)).to_rfc3339(),
        "venue": "Hội trường", "chair": "Chủ tịch UBND phường"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, b) = p
        .post(
            "scheduling",
            &format!(
                "/api/v1/staff/conferences/{}/notice",
                too_soon["id"].as_str().unwrap()
            ),
            Some(&leader),
            json!({}),
        )
        .await;
    assert_eq!(s, 422, "a notice less than 7 days ahead is refused: {b}");

    let (s, bad) = p
        .post(
            "scheduling",
            "/api/v1/staff/conferences",
            Some(&leader),
            json!({"title": "", "starts_at": "tomorrow", "venue": 3}),
        )
        .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"title")
            && fields.contains(&"starts_at")
            && fields.contains(&"venue")
            && fields.contains(&"chair"),
        "{bad}"
    );

    let (s, conf) = p
        .post(
            "scheduling",
            "/api/v1/staff/conferences",
            Some(&leader),
            json!({
        "title": "Hội nghị đối thoại với người dân và doanh nghiệp phường Láng, quý IV",
        "starts_at": starts.to_rfc3339(), "venue": "Hội trường UBND phường Láng, 01 Láng",
        "online_link": "https://hop.hanoi.gov.vn/phuong-lang", "chair": "Chủ tịch UBND phường Láng",
        "co_organisers": ["Ủy ban MTTQ phường Láng"], "fields": ["ho-tich", "dat-dai"]}),
        )
        .await;
    assert_eq!(s, 201, "{conf}");
    let id = conf["id"].as_str().unwrap().to_owned();
    let (s, noticed) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/notice"),
            Some(&leader),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{noticed}");
    let closes =
        chrono::DateTime::parse_from_rfc3339(noticed["registration_closes_at"].as_str().unwrap())
            .unwrap();
    // "Up to 7 days before", by Hanoi dates: the last day is at least 7 days before the
    // conference's day (whatever the hour of either).
    let hanoi = doithoai_web::text::hanoi();
    assert!(
        closes.with_timezone(&hanoi).date_naive()
            <= starts.with_timezone(&hanoi).date_naive() - CDuration::days(7)
    );
    assert_eq!(
        closes
            .with_timezone(&doithoai_web::text::hanoi())
            .format("%H:%M")
            .to_string(),
        "17:00"
    );

    // Citizens register questions (once intake has the notice).
    let mut codes = Vec::new();
    for n in [31, 32] {
        let body = json!({
            "unit": "phuong-lang", "kind": "dialogue_question", "field": "ho-tich", "conference_id": id,
            "content": format!("Câu hỏi {n}: vì sao phải nộp bản sao giấy khai sinh?"),
            "submitter": {"name": format!("Người dân {n}"), "address": "Phường Láng", "email": format!("an{n}@example.vn")}
        });
        let mut code = None;
        for _ in 0..100 {
            let (s, b) = p
                .post("intake", "/api/v1/petitions", None, body.clone())
                .await;
            if s == 201 {
                code = Some(b["tracking_code"].as_str().unwrap().to_owned());
                break;
            }
            assert_eq!(b["errors"][0]["code"], "unknown_conference", "{b}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        codes.push(code.expect("registration accepted"));
    }
    // Routed before the day, due no later than the conference.
    for c in &codes {
        let v = p.until_status(c, "routed").await;
        let due = chrono::DateTime::parse_from_rfc3339(v["due_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
        assert!(due <= starts, "{c} due {due} after the conference");
    }
    // The department prepares an answer before the day; the agenda shows it.
    let officer = token(Role::Officer, "phuong-lang");
    let first = p.petition_id(&codes[0]).await;
    for _ in 0..100 {
        let path = format!("/api/v1/staff/cases/{first}/drafts");
        let (s, _) = p
            .post(
                "answering",
                &path,
                Some(&officer),
                json!({"answer": "Dự kiến: bỏ yêu cầu bản sao."}),
            )
            .await;
        if s == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for _ in 0..100 {
        let a = p
            .get(
                "scheduling",
                &format!("/api/v1/staff/conferences/{id}/agenda"),
                Some(&leader),
            )
            .await;
        if a.to_string().contains("Dự kiến: bỏ yêu cầu bản sao.") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The agenda groups them by field and department.
    let mut agenda = Value::Null;
    for _ in 0..100 {
        agenda = p
            .get(
                "scheduling",
                &format!("/api/v1/staff/conferences/{id}/agenda"),
                Some(&leader),
            )
            .await;
        let n: usize = agenda["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .map(|g| g["questions"].as_array().unwrap().len())
                    .sum()
            })
            .unwrap_or(0);
        let departed = agenda["groups"]
            .as_array()
            .is_some_and(|g| g.iter().all(|g| g["department"] != "Chưa giao phòng"));
        if n == 2 && departed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(agenda["groups"][0]["field"], "ho-tich", "{agenda}");
    assert_eq!(agenda["groups"][0]["department"], "Văn phòng HĐND và UBND");
    let html = p
        .client
        .get(p.url(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/agenda?format=html"),
        ))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Chương trình hội nghị đối thoại") && html.contains("Câu hỏi 31"));
    assert!(
        html.contains("Dự kiến: bỏ yêu cầu bản sao."),
        "the prepared answer is on the printable agenda"
    );

    // The iCalendar feed parses in a calendar library.
    let ics = p
        .client
        .get(p.url("scheduling", "/api/v1/units/phuong-lang/calendar.ics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed: icalendar::Calendar = ics.parse().expect("valid iCalendar");
    use icalendar::{Component, EventLike};
    let event = parsed.events().next().expect("one event");
    assert_eq!(
        event.get_summary(),
        Some("Hội nghị đối thoại với người dân và doanh nghiệp phường Láng, quý IV")
    );
    assert_eq!(
        event.get_location(),
        Some("Hội trường UBND phường Láng, 01 Láng")
    );
    assert!(event.get_uid().unwrap().starts_with(&id));

    // Before the day, nothing of it can be recorded.
    let (s, b) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/outcomes"),
            Some(&leader),
            json!({"petition": codes[1], "outcome": "written", "department": "van-phong",
                   "due_at": (starts + CDuration::days(10)).to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["errors"][0]["code"], "not_started", "{b}");
    p.conference_begins(&id).await;

    // At the conference.
    assert_eq!(
        p.post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/minutes"),
            Some(&leader),
            json!({"text": "x"})
        )
        .await
        .0,
        409,
        "no minutes before it is held"
    );
    let (s, _) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/outcomes"),
            Some(&leader),
            json!({
        "petition": codes[0], "outcome": "answered", "answer": "Từ 1/12 không phải nộp bản sao."}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = p.post("scheduling", &format!("/api/v1/staff/conferences/{id}/outcomes"), Some(&leader), json!({
        "petition": codes[1], "outcome": "written", "department": "van-phong", "due_at": (starts + CDuration::days(10)).to_rfc3339()})).await;
    assert_eq!(s, 200);
    let (s, b) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/outcomes"),
            Some(&leader),
            json!({"petition": codes[1], "outcome": "lost"}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let clerk = token(Role::Clerk, "phuong-lang");
    let (s, floor) = p
        .post(
            "intake",
            "/api/v1/staff/petitions",
            Some(&clerk),
            json!({
        "unit": "phuong-lang", "kind": "dialogue_question", "conference_id": id, "field": "dat-dai", "channel": "dialogue_floor",
        "received_at": Utc::now().to_rfc3339(), "content": "Câu hỏi tại hội nghị về cấp sổ đỏ",
        "submitter": {"name": "Người dự", "address": "Phường Láng", "phone": "0987 654 321"}}),
        )
        .await;
    assert_eq!(s, 201, "a floor question becomes a submission: {floor}");
    // It joins the conference's agenda, under its own field.
    let mut on_agenda = false;
    for _ in 0..100 {
        let a = p
            .get(
                "scheduling",
                &format!("/api/v1/staff/conferences/{id}/agenda"),
                Some(&leader),
            )
            .await;
        if a.to_string().contains("cấp sổ đỏ") {
            on_agenda = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(on_agenda, "the floor question is on the agenda");
    // Outside the ward's competence: forwarded up at the conference, and tracked as a transfer.
    let floor_code = floor["tracking_code"].as_str().unwrap().to_owned();
    let (s, b) = p.post("scheduling", &format!("/api/v1/staff/conferences/{id}/outcomes"), Some(&leader), json!({
        "petition": floor_code, "outcome": "forwarded", "forwarded_to": "so-nong-nghiep-va-moi-truong"})).await;
    assert_eq!(s, 200, "{b}");
    let forwarded = p.until_status(&floor_code, "transferred").await;
    assert!(
        forwarded["holder"]["name"]
            .as_str()
            .unwrap()
            .contains("Sở Nông nghiệp và Môi trường"),
        "{forwarded}"
    );
    assert_eq!(
        p.post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/attendance"),
            Some(&leader),
            json!({"count": 87})
        )
        .await
        .0,
        200
    );
    let (s, b) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/results"),
            Some(&leader),
            json!({"text": "Thông báo kết quả hội nghị …"}),
        )
        .await;
    assert_eq!(s, 409, "results before minutes: {b}");
    assert_eq!(b["errors"][0]["code"], "no_minutes", "{b}");
    let (s, m) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/minutes"),
            Some(&leader),
            json!({"text": "Biên bản hội nghị … Ý kiến của bà Phạm Thị Hoa (ĐT 0912 345 678, tổ 5).", "private_names": []}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["removed"], 3, "name, phone and residential group: {m}");
    let (s, r) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/results"),
            Some(&leader),
            json!({"text": "Thông báo kết quả hội nghị …"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["on_time"], true);

    // Every registrant is told the outcome of their question.
    p.wait_mail("an31@example.vn", "không phải nộp bản sao")
        .await;
    p.wait_mail("an32@example.vn", "bằng văn bản").await;

    // The loop closes: the answer given at the conference is signed and published (the ward's
    // policy needs no review), and the citizen gets it; the written one is now the office's,
    // due ten days after the conference, and not overdue.
    p.until_status(&codes[0], "published").await;
    let published = p
        .get("answering", &format!("/api/v1/answers/{}", codes[0]), None)
        .await;
    assert_eq!(
        published["answer"], "Từ 1/12 không phải nộp bản sao.",
        "{published}"
    );
    p.wait_mail("an31@example.vn", "văn bản số").await;
    let officer = token(Role::Officer, "phuong-lang");
    let written_id = p.petition_id(&codes[1]).await;
    let mut moved = Value::Null;
    for _ in 0..100 {
        moved = p
            .get(
                "answering",
                &format!("/api/v1/staff/cases/{written_id}"),
                Some(&officer),
            )
            .await;
        if moved["department"] == "van-phong" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(moved["department"], "van-phong", "{moved}");
    assert_eq!(moved["overdue"], false, "{moved}");
    let public = p
        .get("scheduling", &format!("/api/v1/conferences/{id}"), None)
        .await;
    assert_eq!(public["results_notice"], "Thông báo kết quả hội nghị …");
    let minutes = public["minutes"].as_str().unwrap();
    for leak in ["Hoa", "345", "tổ 5"] {
        assert!(
            !minutes.contains(leak),
            "published minutes leak {leak}: {minutes}"
        );
    }

    // The city sees which units are off track; another ward with no conference is flagged.
    let admin = token(Role::CityAdmin, "hanoi");
    let c = p
        .get("scheduling", "/api/v1/staff/compliance", Some(&admin))
        .await;
    let ba_dinh = c["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "phuong-ba-dinh")
        .unwrap();
    assert_eq!(ba_dinh["on_track"], false);
    assert!(
        ba_dinh["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "no_conference_in_6_months")
    );
    assert!(
        c["off_track"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "phuong-ba-dinh")
    );
    let ward_clerk = p
        .client
        .get(p.url("scheduling", "/api/v1/staff/compliance"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(ward_clerk.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_conference_turns_every_question_into_a_written_answer_and_tells_registrants() {
    let p = Platform::start().await;
    let leader = token(Role::Leader, "phuong-lang");
    let starts = Utc::now() + CDuration::days(15);
    let (_, conf) = p.post("scheduling", "/api/v1/staff/conferences", Some(&leader), json!({
        "title": "Đối thoại quý I", "starts_at": starts.to_rfc3339(), "venue": "Hội trường", "chair": "Chủ tịch"})).await;
    let id = conf["id"].as_str().unwrap().to_owned();
    assert_eq!(
        p.post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/notice"),
            Some(&leader),
            json!({})
        )
        .await
        .0,
        200
    );
    let body = json!({"unit": "phuong-lang", "kind": "dialogue_question", "field": "ho-tich", "conference_id": id,
        "content": "Câu hỏi", "submitter": {"name": "Người dân 41", "address": "Phường Láng", "email": "an41@example.vn"}});
    for _ in 0..100 {
        if p.post("intake", "/api/v1/petitions", None, body.clone())
            .await
            .0
            == 201
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Wait until scheduling has the registration.
    for _ in 0..100 {
        let a = p
            .get(
                "scheduling",
                &format!("/api/v1/staff/conferences/{id}/agenda"),
                Some(&leader),
            )
            .await;
        if a["groups"].as_array().is_some_and(|g| !g.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (s, b) = p.post("scheduling", &format!("/api/v1/staff/conferences/{id}/cancel"), Some(&leader), json!({
        "reason": "Bão số 3", "written_answers_due_at": (starts + CDuration::days(5)).to_rfc3339()})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["registrants"], 1);
    p.wait_mail("an41@example.vn", "Bão số 3").await;
    let ics = p
        .client
        .get(p.url("scheduling", &format!("/api/v1/conferences/{id}.ics")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ics.contains("STATUS:CANCELLED"));
    let (s, _) = p.post("intake", "/api/v1/petitions", None, body).await;
    assert_eq!(s, 422, "no registration for a cancelled conference");
}
