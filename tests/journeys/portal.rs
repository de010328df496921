//! The portal in front of the five real services: what a citizen does in a browser, done with
//! the HTML forms the pages carry (plain form posts, no script), read back from the pages.

use crate::platform::Platform;
use chrono::{Duration as CDuration, Utc};
use doithoai_auth::Role;
use doithoai_journeys::{Service, platform_env};
use doithoai_testkit::token;
use serde_json::json;
use std::time::Duration;

/// The portal binary, pointed at `p`'s services, with a signing key of its own.
async fn portal(p: &Platform, ns: &str) -> Service {
    let key_file = std::env::temp_dir().join(format!("{ns}-portal-key.pem"));
    std::fs::write(&key_file, doithoai_auth::keys::generate_pem()).unwrap();
    let env = platform_env(ns, "portal", &p.smtp.url())
        .set("PORTAL_SIGNING_KEY_FILE", &key_file.to_string_lossy())
        .set("PORTAL_INTAKE_URL", &p.services["intake"].base())
        .set("PORTAL_ROUTING_URL", &p.services["routing"].base())
        .set("PORTAL_ANSWERING_URL", &p.services["answering"].base())
        .set("PORTAL_SCHEDULING_URL", &p.services["scheduling"].base())
        .set("PORTAL_REPORTING_URL", &p.services["reporting"].base())
        .set("HTTP_WORKERS", "1")
        .set("DB_POOL_SIZE", "2");
    let s = Service::start("portal", env).unwrap();
    s.ready(Duration::from_secs(60)).await.unwrap();
    s
}

/// A page: status and HTML.
async fn page(req: reqwest::RequestBuilder) -> (u16, String, reqwest::header::HeaderMap) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

/// The text between `<p class="code">` and `</p>`: the receipt's tracking code.
fn receipt_code(html: &str) -> String {
    let start = html.find("<p class=\"code\">").expect("a receipt") + "<p class=\"code\">".len();
    html[start..][..html[start..].find("</p>").unwrap()].to_owned()
}

/// `s` as an auto-escaped template prints it.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('/', "&#x2f;")
}

/// The value of the hidden `idempotency_key` input of a form page.
fn form_key(html: &str) -> String {
    let at = html
        .find("name=\"idempotency_key\" value=\"")
        .expect("a form key")
        + "name=\"idempotency_key\" value=\"".len();
    html[at..][..html[at..].find('"').unwrap()].to_owned()
}

/// A citizen finds Phường Láng without diacritics, sends feedback (a first attempt with fields
/// missing comes back with the messages beside the fields and what was typed kept), submits
/// twice with the same form (one petition, the same receipt), follows it by its code, and
/// after the answer is published finds it by searching without diacritics and rates it with
/// the token from the invitation. Every page carries the strict security headers; the English
/// switch turns the pages to English.
#[tokio::test]
async fn a_citizen_sends_follows_finds_and_rates_through_the_portal() {
    let p = Platform::start().await;
    let ns = p.services["intake"].env.overrides["NATS_NAMESPACE"].clone();
    let portal = portal(&p, &ns).await;
    let base = portal.base();
    let c = &p.client;

    let (s, home, headers) = page(c.get(format!("{base}/?q=lang"))).await;
    assert_eq!(s, 200);
    assert!(home.contains("href=\"/units/phuong-lang\""), "{home}");
    assert!(
        !home.contains("phuong-hoan-kiem"),
        "only the matching units"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(
        !csp.contains("script-src"),
        "no script allowed at all: {csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    let (_, form, _) = page(c.get(format!("{base}/units/phuong-lang/submit"))).await;
    assert!(!form.contains("<script"), "no script on the form");
    let key = form_key(&form);
    let url = format!("{base}/units/phuong-lang/submit");
    let (s, again, _) = page(c.post(&url).form(&[
        ("idempotency_key", key.as_str()),
        ("kind", "feedback"),
        (
            "content",
            "Bộ phận một cửa yêu cầu nộp lại giấy tờ đã có trong cơ sở dữ liệu.",
        ),
        ("name", "Nguyễn Văn An"),
    ]))
    .await;
    assert_eq!(s, 422);
    assert!(
        again.contains("id=\"field-error\""),
        "the field's message: {again}"
    );
    assert!(again.contains("id=\"address-error\""));
    assert!(again.contains("id=\"phone-error\""), "a contact is needed");
    assert!(
        again.contains("value=\"Nguyễn Văn An\""),
        "what was typed is kept"
    );
    assert!(again.contains("giấy tờ đã có trong cơ sở dữ liệu.</textarea>"));
    let full = [
        ("idempotency_key", key.as_str()),
        ("kind", "recommendation"),
        ("field", "ho-tich"),
        ("content_type", "2"),
        ("title", "Giấy tờ trùng lặp"),
        (
            "content",
            "Bộ phận một cửa yêu cầu nộp lại giấy tờ đã có trong cơ sở dữ liệu.",
        ),
        ("submitter_kind", "individual"),
        ("name", "Nguyễn Văn An"),
        ("address", "số 12 ngõ 5 phố Láng"),
        ("email", "an.portal@example.vn"),
    ];
    let (s, receipt, _) = page(c.post(&url).form(&full)).await;
    assert_eq!(s, 200, "{receipt}");
    let code = receipt_code(&receipt);
    assert_eq!(code.len(), 13, "{code}");
    assert!(receipt.contains("Phường Láng"));
    // The same form sent twice (a double click, a retry): one petition, the same receipt.
    let (_, twice, _) = page(c.post(&url).form(&full)).await;
    assert_eq!(receipt_code(&twice), code);
    let clerk = token(Role::Clerk, "phuong-lang");
    let book = p
        .get(
            "intake",
            "/api/v1/staff/petitions?unit=phuong-lang",
            Some(&clerk),
        )
        .await;
    assert_eq!(
        book["items"].as_array().unwrap().len(),
        1,
        "one petition: {book}"
    );

    p.until_status(&code, "routed").await;
    let (s, tracked, _) = page(
        c.post(format!("{base}/track"))
            .form(&[("code", code.to_lowercase())]),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        tracked.contains("Đã chuyển phòng chuyên môn xử lý"),
        "{tracked}"
    );
    assert!(tracked.contains("Hạn trả lời"));
    let (s, unknown, _) = page(
        c.post(format!("{base}/track"))
            .form(&[("code", "AAAA-BBBB-CCC")]),
    )
    .await;
    assert_eq!(s, 404);
    assert!(unknown.contains("id=\"code-error\""));

    let number = p.answer(&code, "phuong-lang").await;
    let invitation = p.wait_mail("an.portal@example.vn", "đánh giá").await;
    let rating_token = invitation
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && l.chars().all(|ch| ch.is_ascii_hexdigit()))
        .unwrap()
        .to_owned();
    p.until_status(&code, "published").await;
    let (s, found, _) = page(c.get(format!("{base}/answers?q=giay+to+trung+lap"))).await;
    assert_eq!(s, 200);
    assert!(
        found.contains(&format!("href=\"/answers/{code}\"")),
        "{found}"
    );
    let (s, answer, _) = page(c.get(format!("{base}/answers/{code}"))).await;
    assert_eq!(s, 200);
    assert!(
        answer.contains(&esc(&number)),
        "the official number: {answer}"
    );
    assert!(
        !answer.contains("Nguyễn Văn An"),
        "no personal data on the public page"
    );
    let rate = format!("{base}/answers/{code}/rating");
    let (s, wrong, _) = page(c.post(&rate).form(&[("score", "5"), ("token", "0000")])).await;
    assert_eq!(s, 422);
    assert!(wrong.contains("id=\"token-error\""), "{wrong}");
    let (s, thanks, _) = page(c.post(&rate).form(&[
        ("score", "4"),
        ("comment", "Nhanh"),
        ("token", rating_token.as_str()),
    ]))
    .await;
    assert_eq!(s, 200);
    assert!(
        thanks.contains(&esc("Cảm ơn ông/bà đã đánh giá")),
        "{thanks}"
    );

    // English by the visible switch.
    let res = c
        .get(format!("{base}/lang/en?next=/track"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "followed back to the page");
    let en = c
        .get(format!("{base}/track"))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Follow a petition"));
    // The switch goes back only to a page of this site.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirect
        .get(format!("{base}/lang/en?next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

/// A leader notices a conference; the citizen sees it on the unit's page, takes its calendar
/// file, and registers a question through the portal. After the cutoff the same form is
/// refused with the offer to send the text as ordinary feedback, which goes through.
#[tokio::test]
async fn a_citizen_registers_a_question_and_after_the_cutoff_sends_it_as_feedback() {
    let p = Platform::start().await;
    let ns = p.services["intake"].env.overrides["NATS_NAMESPACE"].clone();
    let portal = portal(&p, &ns).await;
    let base = portal.base();
    let c = &p.client;
    let leader = token(Role::Leader, "phuong-lang");
    let starts = Utc::now() + CDuration::days(20);
    let (s, conf) = p
        .post(
            "scheduling",
            "/api/v1/staff/conferences",
            Some(&leader),
            json!({"title": "Đối thoại quý IV phường Láng", "starts_at": starts.to_rfc3339(),
                   "venue": "Hội trường UBND phường Láng", "chair": "Chủ tịch UBND phường Láng",
                   "fields": ["ho-tich"]}),
        )
        .await;
    assert_eq!(s, 201, "{conf}");
    let id = conf["id"].as_str().unwrap().to_owned();
    let (s, _) = p
        .post(
            "scheduling",
            &format!("/api/v1/staff/conferences/{id}/notice"),
            Some(&leader),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);

    let (_, unit, _) = page(c.get(format!("{base}/units/phuong-lang"))).await;
    assert!(
        unit.contains(&format!("href=\"/conferences/{id}\"")),
        "{unit}"
    );
    let ics = c
        .get(format!("{base}/conferences/{id}/calendar.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status().as_u16(), 200);
    assert!(
        ics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(ics.text().await.unwrap().contains("BEGIN:VEVENT"));

    let (_, conf_page, _) = page(c.get(format!("{base}/conferences/{id}"))).await;
    let register = format!("{base}/conferences/{id}/register");
    let question = [
        ("idempotency_key", form_key(&conf_page)),
        ("field", "ho-tich".to_owned()),
        (
            "content",
            "Khi nào phường cho đăng ký khai sinh trực tuyến trọn vẹn?".to_owned(),
        ),
        ("name", "Trần Thị Bình".to_owned()),
        ("address", "số 3 ngõ 7 phố Láng".to_owned()),
        ("email", "binh.portal@example.vn".to_owned()),
    ];
    // Intake learns of the conference from scheduling's event: a moment after the notice.
    let mut receipt = String::new();
    for _ in 0..100 {
        let (s, html, _) = page(c.post(&register).form(&question)).await;
        if s == 200 {
            receipt = html;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let code = receipt_code(&receipt);
    assert_eq!(code.len(), 13);

    // The cutoff passes.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let url = &p.services["intake"].env.overrides["DATABASE_URL"];
        let mut conn = AsyncPgConnection::establish(url).await.unwrap();
        diesel::sql_query(
            "UPDATE conferences SET registration_closes_at = now() - interval '1 minute' WHERE id = $1::uuid",
        )
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let mut late = question.clone();
    late[0].1 = uuid::Uuid::new_v4().to_string();
    late[2].1 = "Một câu hỏi gửi muộn về thủ tục khai sinh.".to_owned();
    let (s, closed, _) = page(c.post(&register).form(&late)).await;
    assert_eq!(s, 422);
    assert!(closed.contains("Đã hết hạn đăng ký câu hỏi"), "{closed}");
    // The offer: a form to the unit's submission with the same text, as feedback.
    assert!(closed.contains("action=\"/units/phuong-lang/submit\""));
    assert!(closed.contains("value=\"Một câu hỏi gửi muộn về thủ tục khai sinh.\""));
    let start = closed.find("action=\"/units/phuong-lang/submit\"").unwrap();
    let offer = &closed[start..closed[start..].find("</form>").unwrap() + start];
    let fields: Vec<(String, String)> = offer
        .split("<input type=\"hidden\" ")
        .skip(1)
        .map(|tag| {
            let attr = |name: &str| {
                let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                tag[at..][..tag[at..].find('"').unwrap()]
                    .replace("&#x2f;", "/")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect();
    assert!(
        fields.iter().any(|(k, v)| k == "kind" && v == "feedback"),
        "{fields:?}"
    );
    let (s, fed, _) = page(
        c.post(format!("{base}/units/phuong-lang/submit"))
            .form(&fields),
    )
    .await;
    assert_eq!(s, 200, "{fed}");
    assert_ne!(receipt_code(&fed), code);
}
