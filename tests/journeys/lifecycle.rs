//! Whole journeys through the five real binaries: submit → acknowledgement email → routed with
//! its working-day due date → draft → approval → answer email → public answer without personal
//! data → rating; a transfer outside competence; and each service killed with -9 mid-journey.

use crate::platform::Platform;
use doithoai_auth::Role;
use doithoai_testkit::token;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_petition_goes_from_submission_to_a_rated_public_answer_and_the_citizen_is_told_each_step()
 {
    let p = Platform::start().await;
    let code = p.submit(1, "dat-dai").await;
    let ack = p.wait_mail("an1@example.vn", "Mã tra cứu").await;
    assert!(
        ack.contains(&code),
        "acknowledgement carries the tracking code"
    );

    let routed = p.until_status(&code, "routed").await;
    assert!(
        routed["holder"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Phòng Kinh tế, Hạ tầng và Đô thị"),
        "{routed}"
    );
    let id = p.petition_id(&code).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let r = p
        .get(
            "routing",
            &format!("/api/v1/staff/routing/{id}"),
            Some(&clerk),
        )
        .await;
    assert_eq!(r["department"], "kinh-te-ha-tang-do-thi");
    assert_eq!(
        routed["due_at"], r["due_at"],
        "the tracking view shows the calendar's due date"
    );
    let assignment = p.wait_mail("an1@example.vn", "Hạn trả lời").await;
    assert!(assignment.contains("Phòng Kinh tế, Hạ tầng và Đô thị"));

    let number = p.answer(&code, "phuong-lang").await;
    let answer_mail = p.wait_mail("an1@example.vn", &number).await;
    assert!(
        answer_mail.contains("bỏ yêu cầu giấy tờ trùng lặp"),
        "the full answer goes to the submitter"
    );
    let invitation = p.wait_mail("an1@example.vn", "đánh giá").await;
    // The one-time rating token: the only line of 32 hexadecimal digits.
    let rating_token = invitation
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no rating token in {invitation}"))
        .to_owned();

    let public = p
        .client
        .get(p.url("answering", &format!("/api/v1/answers/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for leak in [
        "Nguyễn Văn An",
        "0912",
        "345 678",
        "số 12 ngõ 5",
        "an1@example.vn",
    ] {
        assert!(
            !public.contains(leak),
            "public answer leaks {leak}: {public}"
        );
    }
    let (s, _) = p
        .post(
            "answering",
            &format!("/api/v1/answers/{code}/rating"),
            None,
            json!({"score": 5, "token": rating_token}),
        )
        .await;
    assert_eq!(s, 201);

    // Reporting counted the whole journey from the other services' events: received, routed
    // to the department, answered, rated 5 of 5.
    let from = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%d");
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let path = format!("/api/v1/staff/reports?from={from}&to={to}");
    let mut report = serde_json::Value::Null;
    for _ in 0..150 {
        report = p.get("reporting", &path, Some(&clerk)).await;
        if report["totals"]["ratings"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let t = &report["totals"];
    assert_eq!(
        (
            t["received"].as_i64(),
            t["accepted"].as_i64(),
            t["answered"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report:#}"
    );
    assert_eq!(t["answered_on_time"], 1);
    assert_eq!(t["satisfaction_index"], 100.0);
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "kinh-te-ha-tang-do-thi")
        .unwrap_or_else(|| panic!("the department's row: {report:#}"));
    assert_eq!(row["answered"], 1);

    let view = p.until_status(&code, "published").await;
    let steps: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["received", "routed", "answered", "published"]);
    // One message of each kind, none twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        p.mail_to("an1@example.vn").len(),
        4,
        "acknowledgement, assignment, answer, rating invitation"
    );

    // The services logged the whole journey at info, and none of it names the citizen, their
    // phone or email, or the tracking code (which opens their petition's status).
    let logs = p.logs();
    assert!(logs.lines().count() > 10, "the services logged the journey");
    let compact = &code.replace('-', "");
    for secret in [
        "Nguyễn Văn An",
        "Nguyen Van An",
        "0912345678",
        "912345678",
        "912 345 678",
        "an1@example.vn",
        code.as_str(),
        compact.as_str(),
    ] {
        let leaked: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains(secret))
            .take(3)
            .collect();
        assert!(leaked.is_empty(), "the logs carry {secret:?}: {leaked:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_lands_in_the_receiving_bodys_inbox_and_the_citizen_is_told() {
    let p = Platform::start().await;
    let code = p.submit(2, "xay-dung").await;
    p.until_status(&code, "routed").await;
    let id = p.petition_id(&code).await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let (s, b) = p
        .post(
            "routing",
            &format!("/api/v1/staff/routing/{id}/transfer"),
            Some(&clerk),
            json!({"to": "so-xay-dung", "reason": "Công trình do Sở cấp phép"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    p.wait_mail("an2@example.vn", "Sở Xây dựng").await;
    let view = p.until_status(&code, "transferred").await;
    assert!(
        !view.to_string().contains("Công trình do Sở cấp phép"),
        "the staff's reason stays out of the public timeline: {view}"
    );
    assert!(
        view["holder"]["name"]
            .as_str()
            .unwrap()
            .contains("Sở Xây dựng"),
        "{view}"
    );
    let body_clerk = token(Role::Clerk, "so-xay-dung");
    let mut found = false;
    for _ in 0..100 {
        let inbox = p
            .get("answering", "/api/v1/staff/cases", Some(&body_clerk))
            .await;
        if inbox["cases"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["tracking_code"] == code.as_str()))
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(found, "the case is in the receiving body's inbox");
    let ward = p
        .get("answering", "/api/v1/staff/cases", Some(&clerk))
        .await;
    assert!(
        !ward["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["tracking_code"] == code.as_str()),
        "and no longer in the ward's"
    );
    let number = p.answer(&code, "so-xay-dung").await;
    p.wait_mail("an2@example.vn", &number).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_complete_when_each_service_is_killed_in_turn_and_nobody_is_told_twice() {
    let mut p = Platform::start().await;
    let mut codes = Vec::new();
    for (i, victim) in ["routing", "notification", "answering", "intake"]
        .iter()
        .enumerate()
    {
        let n = 10 + i;
        let code = p.submit(n, "ho-tich").await;
        p.services.get_mut(victim).unwrap().kill9();
        tokio::time::sleep(Duration::from_millis(300)).await;
        p.services.get_mut(victim).unwrap().restart().unwrap();
        p.services[victim]
            .ready(Duration::from_secs(60))
            .await
            .unwrap();
        p.until_status(&code, "routed").await;
        codes.push((n, code));
    }
    // Answer them all, killing notification right after each approval.
    for (n, code) in &codes {
        p.answer(code, "phuong-lang").await;
        p.services.get_mut("notification").unwrap().kill9();
        p.services
            .get_mut("notification")
            .unwrap()
            .restart()
            .unwrap();
        p.services["notification"]
            .ready(Duration::from_secs(60))
            .await
            .unwrap();
        p.wait_mail(&format!("an{n}@example.vn"), "đánh giá").await;
        p.until_status(code, "published").await;
    }
    // A message whose sender was killed mid-send goes again when its lease ends (3 s here).
    for (n, _) in &codes {
        let to = format!("an{n}@example.vn");
        for _ in 0..150 {
            if p.mail_to(&to).len() >= 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    for (n, _) in &codes {
        let mails = p.mail_to(&format!("an{n}@example.vn"));
        // A sender killed after the SMTP server took a message and before it recorded so sends
        // it again when its lease ends: the same message, under the same Message-ID, which the
        // citizen's mailbox shows once. What the citizen is told is counted by Message-ID.
        let mut ids: Vec<String> = mails
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                    .map(|l| l.trim().to_owned())
            })
            .collect();
        assert_eq!(ids.len(), mails.len(), "every email has its Message-ID");
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            4,
            "an{n}: acknowledgement, assignment, answer, rating invitation — each once"
        );
        assert!(
            mails.len() <= 5,
            "an{n}: at most the one message in flight at the kill sent again: {}",
            mails.len()
        );
    }
}
