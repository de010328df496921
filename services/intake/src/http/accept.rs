//! Accepting a checked submission: build its row, event and idempotency record,
//! hand them to the batching writer, and answer with what was stored.

use crate::config::IntakeConfig;
use crate::domain::reference::Reference;
use crate::domain::status::PetitionStatus;
use crate::domain::submission::{Classified, Submission};
use crate::domain::tracking_code::TrackingCode;
use crate::store::petitions::{NewIdempotencyKey, NewPetition};
use crate::store::writer::{PendingWrite, WriteResult, Writer};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use doithoai_contracts::subjects::{PETITION_NOT_ACCEPTED, PETITION_RECEIVED};
use doithoai_contracts::{Channel, PetitionNotAcceptedV1, PetitionReceivedV1, SubmitterV1};
use doithoai_web::{ApiError, Core, FieldError, Lang, Problem};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// Intake's handler state.
#[derive(Clone)]
pub struct IntakeState {
    pub config: IntakeConfig,
    pub reference: Arc<Reference>,
    pub writer: Writer,
}

/// The `Idempotency-Key` header: absent, or 1–128 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest, lang: Lang) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().ok().map(str::trim).unwrap_or("");
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(Problem::bad_request(
            lang,
            "Idempotency-Key",
            "invalid_idempotency_key",
            lang.pick(
                "Idempotency-Key gồm 1 đến 128 ký tự ASCII nhìn thấy được",
                "Idempotency-Key must be 1 to 128 visible ASCII characters",
            )
            .to_owned(),
        )
        .into());
    }
    Ok(Some(key.to_owned()))
}

/// Stable hash of a request body (keys sorted), to tell a retry from a different request.
pub fn request_hash(origin: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(origin.as_bytes());
    h.update(b"\n");
    h.update(canonical(body).as_bytes());
    hex::encode(h.finalize())
}

fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Who recorded a submission and how it may be retried.
pub struct Entry<'a> {
    pub recorded_by: Option<String>,
    pub idempotency: Option<(String, String)>,
    pub trace_id: Option<String>,
    pub lang: Lang,
    pub core: &'a Core,
}

/// A dialogue question must name a conference of its unit whose registration is open: from
/// the notice until the end of office hours of the last working day at least 7 days before
/// (computed by scheduling). A late one is refused with the reason, and the submitter is offered
/// to send it as an ordinary feedback instead. A clerk recording a question from the floor
/// (channel `dialogue_floor`) links it to the conference after the cutoff. Returns the
/// conference's start.
async fn check_registration(
    sub: &Submission,
    core: &Core,
    lang: Lang,
) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
    use crate::store::schema::conferences as c;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    if sub.class != Classified::Pakn(doithoai_contracts::PetitionKind::DialogueQuestion) {
        return Ok(None);
    }
    let Some(id) = sub.conference_id else {
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "conference_id",
                "required",
                lang.pick(
                    "Câu hỏi đối thoại phải ghi hội nghị (conference_id)",
                    "A dialogue question names its conference (conference_id)",
                ),
            )],
        )
        .into());
    };
    let mut conn = core.pool.get().await?;
    let found: Option<(String, chrono::DateTime<Utc>, chrono::DateTime<Utc>, bool)> = c::table
        .find(id)
        .select((
            c::unit_code,
            c::starts_at,
            c::registration_closes_at,
            c::cancelled,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((_, starts, closes, cancelled)) = found.filter(|f| f.0 == sub.unit) else {
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "conference_id",
                "unknown_conference",
                lang.pick(
                    "Không có hội nghị đối thoại đang nhận đăng ký với mã này ở phường, xã đã chọn",
                    "No dialogue conference open for registration has this id in the chosen unit",
                ),
            )],
        )
        .into());
    };
    // A question from the floor is asked at the conference itself: no registration cutoff.
    let from_floor = sub.channel == doithoai_contracts::Channel::DialogueFloor;
    if cancelled || (sub.received_at > closes && !from_floor) {
        let local = closes.with_timezone(&doithoai_web::text::hanoi());
        let (vi, en) = if cancelled {
            (
                "Hội nghị đã bị hủy".to_owned(),
                "The conference was cancelled".to_owned(),
            )
        } else {
            (
                format!(
                    "Đã hết hạn đăng ký câu hỏi (hạn chót {})",
                    local.format("%H:%M ngày %d/%m/%Y")
                ),
                format!(
                    "Registration closed at {} Hanoi time",
                    local.format("%Y-%m-%d %H:%M")
                ),
            )
        };
        let offer_vi = "Ông/bà có thể gửi nội dung này như một phản ánh, kiến nghị thông thường: gửi lại với \"kind\": \"feedback\" và bỏ \"conference_id\".";
        let offer_en = "You may send it as ordinary feedback instead: send it again with \"kind\": \"feedback\" and no \"conference_id\".";
        let code = if cancelled {
            "conference_cancelled"
        } else {
            "registration_closed"
        };
        return Err(Problem::validation(
            lang,
            vec![FieldError::new(
                "conference_id",
                code,
                format!("{}. {}", lang.pick(&vi, &en), lang.pick(offer_vi, offer_en)),
            )],
        )
        .with_detail(lang.pick(offer_vi, offer_en))
        .into());
    }
    Ok(Some(starts))
}

/// Stores `sub` and answers 201 (or the first answer again for a retried Idempotency-Key).
pub async fn accept(
    state: &IntakeState,
    sub: Submission,
    entry: Entry<'_>,
) -> Result<HttpResponse, ApiError> {
    let lang = entry.lang;
    let conference_starts_at = check_registration(&sub, entry.core, lang).await?;
    for _attempt in 0..3 {
        let write = build(state, &sub, &entry, conference_starts_at)?;
        let response = write
            .idempotency
            .as_ref()
            .map(|k| k.response.clone())
            .unwrap_or_else(|| response_body(state, &sub, &write.petition, lang).to_string());
        let code = write.petition.tracking_code.clone();
        let petition_id = write.petition.id;
        let result = state.writer.submit(write).await?;
        return match result {
            WriteResult::Created => {
                // No tracking code in the logs: with it anyone could read the petition.
                tracing::info!(petition = %petition_id, unit = %sub.unit, kind = sub.class.kind_str(),
                    channel = sub.channel.as_str(), "accepted submission {petition_id} for {}", sub.unit);
                Ok(created(&code, response))
            }
            WriteResult::Replayed { status, response } => {
                let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::CREATED);
                let code = serde_json::from_str::<Value>(&response)
                    .ok()
                    .and_then(|v| v["tracking_code"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let mut res = created(&code, response);
                *res.status_mut() = status;
                res.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static("idempotent-replayed"),
                    actix_web::http::header::HeaderValue::from_static("true"),
                );
                Ok(res)
            }
            WriteResult::KeyReused => Err(Problem::validation(
                lang,
                vec![FieldError::new(
                    "Idempotency-Key",
                    "idempotency_key_reused",
                    lang.pick(
                        "Idempotency-Key này đã được dùng cho một yêu cầu khác",
                        "This Idempotency-Key was already used for a different request",
                    ),
                )],
            )
            .into()),
            WriteResult::CodeCollision => {
                tracing::warn!("tracking code collision, drawing another");
                continue;
            }
        };
    }
    Err(ApiError::failure(anyhow::anyhow!(
        "three tracking-code collisions in a row"
    )))
}

fn created(code: &str, body: String) -> HttpResponse {
    let display = TrackingCode::from_raw(code.replace('-', "")).to_string();
    HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/petitions/{display}")))
        .content_type("application/json")
        .body(body)
}

fn build(
    state: &IntakeState,
    sub: &Submission,
    entry: &Entry<'_>,
    conference_starts_at: Option<chrono::DateTime<Utc>>,
) -> Result<PendingWrite, ApiError> {
    let id = Uuid::now_v7();
    let code = TrackingCode::generate();
    let unit_name = state
        .reference
        .units
        .get(&sub.unit)
        .map(|u| u.name_vi.clone())
        .unwrap_or_else(|| sub.unit.clone());
    let (status, reason) = match sub.class {
        Classified::Pakn(_) if sub.held_for_triage.is_some() => {
            (PetitionStatus::AwaitingTriage, None)
        }
        Classified::Pakn(_) => (PetitionStatus::Received, None),
        Classified::NotAccepted(n) => (PetitionStatus::NotAccepted, Some(n.code().to_owned())),
    };
    let petition = NewPetition {
        id,
        tracking_code: code.as_raw().to_owned(),
        unit_code: sub.unit.clone(),
        kind: sub.class.kind_str().to_owned(),
        field_code: sub.field.clone(),
        procedure_code: sub.procedure_code.clone(),
        content_type: sub.content_type,
        title: sub.title.clone(),
        content: sub.content.clone(),
        submitter_kind: sub.submitter.kind.clone(),
        submitter_name: sub.submitter.name.clone(),
        submitter_organization: sub.submitter.organization.clone(),
        submitter_address: sub.submitter.address.clone(),
        submitter_phone: sub.submitter.phone.as_ref().map(|p| p.as_str().to_owned()),
        submitter_email: sub.submitter.email.as_ref().map(|e| e.as_str().to_owned()),
        consent_to_publish_identity: sub.consent_to_publish_identity,
        conference_id: sub.conference_id,
        channel: sub.channel.as_str().to_owned(),
        received_at: sub.received_at,
        recorded_by: entry.recorded_by.clone(),
        status,
        not_accepted_reason: reason,
        holder_code: sub.unit.clone(),
        holder_name: format!("Bộ phận tiếp nhận – {unit_name}"),
        due_at: None,
        trace_id: entry.trace_id.clone(),
        triage_suspect: sub.held_for_triage.map(|s| s.code().to_owned()),
        official_conduct: sub.official_conduct,
    };
    // Held for a clerk: no event until the clerk decides what it is.
    let events = if sub.held_for_triage.is_some() {
        Vec::new()
    } else {
        events_of(entry.core, &petition, sub.class, conference_starts_at)?
    };
    let idempotency = entry.idempotency.as_ref().map(|(scope, key)| {
        let hash = request_hash(scope, &submission_fingerprint(sub));
        NewIdempotencyKey {
            scope: scope.clone(),
            key: key.clone(),
            request_hash: hash,
            petition_id: id,
            status_code: 201,
            response: response_body(state, sub, &petition, entry.lang).to_string(),
        }
    });
    Ok(PendingWrite {
        petition,
        events,
        idempotency,
    })
}

/// The events of a recorded petition `p`, as `class`: `petition.received` or
/// `petition.not_accepted`, each twice — on intake's stream without the submitter's phone and
/// email (routing, scheduling and any later reader need none), and whole on the contacts
/// stream, which only notification may read. Used on receipt and when a clerk triages.
pub fn events_of(
    core: &Core,
    p: &NewPetition,
    class: Classified,
    conference_starts_at: Option<chrono::DateTime<Utc>>,
) -> Result<Vec<doithoai_bus::outbox::NewMessage>, serde_json::Error> {
    let submitter = SubmitterV1 {
        kind: p.submitter_kind.clone(),
        name: p.submitter_name.clone(),
        organization: p.submitter_organization.clone(),
        address: p.submitter_address.clone(),
        phone: p.submitter_phone.clone(),
        email: p.submitter_email.clone(),
    };
    let channel = Channel::parse(&p.channel).unwrap_or(Channel::Web);
    match class {
        Classified::Pakn(kind) => {
            let whole = PetitionReceivedV1 {
                petition_id: p.id,
                tracking_code: TrackingCode::from_raw(p.tracking_code.clone()).to_string(),
                unit: p.unit_code.clone(),
                kind,
                field: p.field_code.clone(),
                procedure_code: p.procedure_code.clone(),
                content_type: p.content_type,
                title: p.title.clone(),
                content: p.content.clone(),
                submitter,
                consent_to_publish_identity: p.consent_to_publish_identity,
                channel,
                received_at: p.received_at,
                conference_id: p.conference_id,
                conference_starts_at,
                official_conduct: p.official_conduct,
            };
            let public = PetitionReceivedV1 {
                submitter: whole.submitter.without_contact(),
                ..whole.clone()
            };
            twice(core, PETITION_RECEIVED, &p.unit_code, public, whole)
        }
        Classified::NotAccepted(n) => {
            let whole = PetitionNotAcceptedV1 {
                petition_id: p.id,
                tracking_code: TrackingCode::from_raw(p.tracking_code.clone()).to_string(),
                unit: p.unit_code.clone(),
                reason_code: n.code().to_owned(),
                reason_vi: n.reason_vi().to_owned(),
                where_to_file_vi: n.where_to_file_vi().to_owned(),
                submitter,
                channel,
                received_at: p.received_at,
            };
            let public = PetitionNotAcceptedV1 {
                submitter: whole.submitter.without_contact(),
                ..whole.clone()
            };
            twice(core, PETITION_NOT_ACCEPTED, &p.unit_code, public, whole)
        }
    }
}

/// Event `name` of `unit` on intake's stream (`public`, without contacts) and on the contacts
/// stream (`whole`).
fn twice<T: serde::Serialize>(
    core: &Core,
    name: &str,
    unit: &str,
    public: T,
    whole: T,
) -> Result<Vec<doithoai_bus::outbox::NewMessage>, serde_json::Error> {
    Ok(vec![
        core.event(name, unit, public)?,
        doithoai_bus::outbox::event(
            &core.bus.namespace,
            doithoai_contracts::subjects::CONTACTS,
            name,
            unit,
            whole,
        )?,
    ])
}

/// What identifies a request for idempotency: the checked submission, not the receipt time
/// (a retry of a public submission comes later, but is the same request).
fn submission_fingerprint(sub: &Submission) -> Value {
    json!({
        "unit": sub.unit, "kind": sub.class.kind_str(), "field": sub.field,
        "procedure_code": sub.procedure_code, "content_type": sub.content_type,
        "title": sub.title, "content": sub.content,
        "submitter": {
            "kind": sub.submitter.kind, "name": sub.submitter.name,
            "organization": sub.submitter.organization, "address": sub.submitter.address,
            "phone": sub.submitter.phone.as_ref().map(|p| p.as_str().to_owned()),
            "email": sub.submitter.email.as_ref().map(|e| e.as_str().to_owned()),
        },
        "consent": sub.consent_to_publish_identity,
        "conference_id": sub.conference_id,
        "channel": sub.channel.as_str(),
        "received_at": if sub.channel == doithoai_contracts::Channel::Web { None } else { Some(sub.received_at) },
    })
}

fn response_body(state: &IntakeState, sub: &Submission, p: &NewPetition, lang: Lang) -> Value {
    let code = TrackingCode::from_raw(p.tracking_code.clone()).to_string();
    let unit_name = state
        .reference
        .units
        .get(&p.unit_code)
        .map(|u| u.name_vi.clone());
    let mut body = json!({
        "tracking_code": code,
        "status": p.status,
        "status_label": p.status.label(lang),
        "received_at": doithoai_web::text::ts(p.received_at),
        "unit": p.unit_code,
        "unit_name": unit_name,
        "kind": p.kind,
        "field": p.field_code,
        "channel": p.channel,
        "links": {"self": format!("/api/v1/petitions/{code}")},
    });
    match sub.class {
        Classified::Pakn(_) if sub.held_for_triage.is_some() => {
            body["message"] = Value::String(match lang {
                Lang::Vi => format!(
                    "Đã tiếp nhận. Cán bộ tiếp nhận sẽ phân loại nội dung (phản ánh, kiến nghị hay khiếu nại, tố cáo) và ông/bà sẽ được thông báo. Mã tra cứu là {code}."
                ),
                Lang::En => format!(
                    "Received. A clerk will classify it (feedback or a recommendation, or a complaint or denunciation) and you will be told. Your tracking code is {code}."
                ),
            });
        }
        Classified::Pakn(_) => {
            body["message"] = Value::String(match lang {
                Lang::Vi => format!(
                    "Đã tiếp nhận phản ánh, kiến nghị. Mã tra cứu của ông/bà là {code}; xin giữ mã này để theo dõi kết quả."
                ),
                Lang::En => format!(
                    "Your submission was received. Your tracking code is {code}; keep it to follow the result."
                ),
            });
        }
        Classified::NotAccepted(n) => {
            body["message"] = Value::String(
                lang.pick(
                    "Nội dung này không được tiếp nhận là phản ánh, kiến nghị. Xem lý do và nơi gửi đơn dưới đây.",
                    "This was not accepted as feedback or a recommendation. See the reason and where to file it below.",
                )
                .to_owned(),
            );
            body["not_accepted"] = json!({
                "reason_code": n.code(),
                "reason": lang.pick(n.reason_vi(), n.reason_en()),
                "where_to_file": lang.pick(n.where_to_file_vi(), n.where_to_file_en()),
            });
        }
    }
    body
}

/// Current UTC time (one place, so receipt times are taken the same way everywhere).
pub fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}
