use crate::helpers::*;
use doithoai_auth::Role;
use doithoai_testkit::token;
use serde_json::{Value, json};

fn phone_call() -> Value {
    let mut v = valid_body();
    v["channel"] = json!("phone");
    v["received_at"] = json!("2026-11-20T09:30:00+07:00");
    v
}

#[tokio::test]
async fn clerk_records_a_phone_call_with_its_real_time_of_receipt() {
    let app = spawn_app().await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let res = app.staff_post(&clerk, &phone_call()).await;
    assert_eq!(res.status().as_u16(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["channel"], "phone");
    assert_eq!(receipt["received_at"], "2026-11-20T02:30:00.000Z");
    let full: Value = app
        .staff_get(
            &clerk,
            &format!(
                "/api/v1/staff/petitions/{}",
                receipt["tracking_code"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["recorded_by"], "clerk@phuong-lang");
    assert_eq!(full["submitter"]["name"], "Nguyễn Văn An");
    let events = app.events(1).await;
    let envelope: Value = serde_json::from_slice(&events[0].payload).unwrap();
    assert_eq!(envelope["data"]["channel"], "phone");
    assert_eq!(envelope["data"]["received_at"], "2026-11-20T02:30:00Z");
}

#[tokio::test]
async fn staff_entry_in_the_future_or_by_web_channel_is_refused() {
    let app = spawn_app().await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let mut future = phone_call();
    future["received_at"] = json!("2099-01-01T00:00:00+07:00");
    assert_problem(app.staff_post(&clerk, &future).await, 422, "received_at").await;
    let mut web = phone_call();
    web["channel"] = json!("web");
    assert_problem(app.staff_post(&clerk, &web).await, 422, "channel").await;
    let mut bad_time = phone_call();
    bad_time["received_at"] = json!("20/11/2026 9:30");
    assert_problem(app.staff_post(&clerk, &bad_time).await, 422, "received_at").await;
    assert_eq!(app.petition_count().await, 0);
}

#[tokio::test]
async fn officer_and_auditor_cannot_record_submissions() {
    let app = spawn_app().await;
    for t in [
        token(Role::Officer, "phuong-lang"),
        token(Role::Auditor, "hanoi"),
    ] {
        let res = app.staff_post(&t, &phone_call()).await;
        assert_eq!(res.status().as_u16(), 403);
    }
    assert_eq!(app.petition_count().await, 0);
}

#[tokio::test]
async fn a_unit_cannot_read_another_units_petition_and_cannot_tell_it_exists() {
    let app = spawn_app().await;
    let receipt: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap();
    let other = token(Role::Leader, "phuong-ba-dinh");
    let theirs = app
        .staff_get(&other, &format!("/api/v1/staff/petitions/{code}"))
        .await;
    let missing = app
        .staff_get(&other, "/api/v1/staff/petitions/0000-0000-000")
        .await;
    assert_eq!(theirs.status().as_u16(), 404);
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(theirs.text().await.unwrap(), missing.text().await.unwrap());
    // Their receipt book does not list it either, and naming phuong-lang is "unknown unit".
    let book: Value = app
        .staff_get(&other, "/api/v1/staff/petitions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(book["items"].as_array().unwrap().len(), 0);
    let named = app
        .staff_get(&other, "/api/v1/staff/petitions?unit=phuong-lang")
        .await;
    let unknown = app
        .staff_get(&other, "/api/v1/staff/petitions?unit=phuong-atlantis")
        .await;
    assert_eq!(named.status().as_u16(), 422);
    assert_eq!(named.text().await.unwrap(), unknown.text().await.unwrap());
    // The city's auditor reads it.
    let auditor = token(Role::Auditor, "hanoi");
    assert_eq!(
        app.staff_get(&auditor, &format!("/api/v1/staff/petitions/{code}"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_unit_cannot_record_for_another_unit_and_is_told_only_that_the_unit_is_unknown() {
    let app = spawn_app().await;
    let other = token(Role::Clerk, "phuong-ba-dinh");
    let theirs = app.staff_post(&other, &phone_call()).await;
    let mut nowhere = phone_call();
    nowhere["unit"] = json!("phuong-atlantis");
    let unknown = app.staff_post(&other, &nowhere).await;
    assert_eq!(theirs.status().as_u16(), 422);
    let (a, b): (Value, Value) = (theirs.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(a, b);
    assert_eq!(app.petition_count().await, 0);
}

#[tokio::test]
async fn receipt_book_lists_the_units_submissions_newest_first_with_paging() {
    let app = spawn_app().await;
    let clerk = token(Role::Clerk, "phuong-lang");
    // Two share their time of receipt: paging must neither skip nor repeat them.
    for hour in ["08", "10", "10"] {
        let mut v = phone_call();
        v["received_at"] = json!(format!("2026-11-20T{hour}:00:00+07:00"));
        assert_eq!(app.staff_post(&clerk, &v).await.status().as_u16(), 201);
    }
    let page: Value = app
        .staff_get(&clerk, "/api/v1/staff/petitions?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["received_at"], "2026-11-20T03:00:00.000Z");
    let next = page["next_before"].as_str().unwrap();
    let page2: Value = app
        .staff_get(
            &clerk,
            &format!(
                "/api/v1/staff/petitions?limit=2&before={}",
                next.replace('+', "%2B")
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    let page2 = page2["items"].as_array().unwrap();
    assert_eq!(page2.len(), 1);
    assert_eq!(page2[0]["received_at"], "2026-11-20T01:00:00.000Z");
    let mut seen: Vec<&Value> = items
        .iter()
        .chain(page2.iter())
        .map(|i| &i["petition_id"])
        .collect();
    seen.dedup();
    assert_eq!(seen.len(), 3, "every row once");
    assert_problem(
        app.staff_get(&clerk, "/api/v1/staff/petitions?limit=0")
            .await,
        422,
        "limit",
    )
    .await;
    assert_problem(
        app.staff_get(&clerk, "/api/v1/staff/petitions?limit=abc")
            .await,
        400,
        "query",
    )
    .await;
}

/// Reading a submitter's data leaves a trace: who, as what, which record; a refused read
/// (another unit's petition) leaves none, and the trail cannot be edited.
#[tokio::test]
async fn staff_reads_of_personal_data_are_audited_and_the_trail_is_append_only() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use doithoai_bus::schema::personal_data_reads as reads;
    let app = spawn_app().await;
    let receipt: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap();
    let clerk = token(Role::Clerk, "phuong-lang");
    let other = token(Role::Clerk, "phuong-ba-dinh");
    let path = format!("/api/v1/staff/petitions/{code}");
    assert_eq!(app.staff_get(&clerk, &path).await.status().as_u16(), 200);
    assert_eq!(app.staff_get(&other, &path).await.status().as_u16(), 404);
    assert_eq!(
        app.staff_get(&clerk, "/api/v1/staff/petitions")
            .await
            .status()
            .as_u16(),
        200
    );
    let mut conn = app.core.pool.get().await.unwrap();
    let rows: Vec<(String, String, String, String)> = reads::table
        .select((reads::staff, reads::role, reads::what, reads::record))
        .order(reads::id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "clerk@phuong-lang");
    assert_eq!(rows[0].1, "clerk");
    assert_eq!(rows[0].2, "petition");
    assert_eq!(rows[1].2, "receipt_book");
    let edited = diesel::update(reads::table)
        .set(reads::staff.eq("someone else"))
        .execute(&mut conn)
        .await;
    assert!(edited.is_err(), "the trail is append-only");
}

/// The other-unit column of the authorization matrix on a real petition of phuong-lang.
#[tokio::test]
async fn another_units_staff_find_no_petition_of_this_unit() {
    let app = spawn_app().await;
    let receipt: Value = app.post(&valid_body()).await.json().await.unwrap();
    let code = receipt["tracking_code"].as_str().unwrap();
    app.assert_record_scope_matrix(&[("tracking_code", code)])
        .await;
}

/// Decree 20, Art. 7 at the desk: a letter with only a mailing address is recorded; one that
/// names no sender is recorded as not accepted, with the reason.
#[tokio::test]
async fn a_clerk_records_an_address_only_letter_and_an_anonymous_one() {
    let app = spawn_app().await;
    let clerk = token(Role::Clerk, "phuong-lang");
    let mut letter = phone_call();
    letter["channel"] = json!("post");
    letter["submitter"] = json!({"name": "Trần Thị Bình", "address": "Số 5 ngõ 12 phố Láng"});
    let res = app.staff_post(&clerk, &letter).await;
    assert_eq!(res.status().as_u16(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "received", "{receipt}");
    letter["submitter"] = json!({"address": "Tổ 5"});
    let res = app.staff_post(&clerk, &letter).await;
    assert_eq!(res.status().as_u16(), 201);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(receipt["status"], "not_accepted", "{receipt}");
    assert!(
        receipt.to_string().contains("nặc danh"),
        "the reason is given: {receipt}"
    );
}
