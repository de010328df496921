//! One handler per lifecycle event.

use crate::domain::status::PetitionStatus;
use crate::store::petitions::{NewTimelineEntry, StepRecord, record_steps};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use doithoai_contracts::{
    Envelope, PetitionAnsweredV1, PetitionPublishedV1, PetitionRefusedV1, PetitionRoutedV1,
    PetitionTransferredV1,
};
use doithoai_web::ConsumeError;
use uuid::Uuid;

/// Hanoi time for notes people read.
fn local_date(t: DateTime<Utc>) -> String {
    local(t, "%d/%m/%Y")
}

fn local(t: DateTime<Utc>, format: &str) -> String {
    let tz = chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(unreachable_tz);
    t.with_timezone(&tz).format(format).to_string()
}

#[cold]
fn unreachable_tz() -> chrono::FixedOffset {
    chrono::Offset::fix(&Utc)
}

struct Step {
    event_id: Uuid,
    petition_id: Uuid,
    at: DateTime<Utc>,
    status: PetitionStatus,
    actor: Option<String>,
    note: String,
    holder: Option<(String, String)>,
    due_at: Option<DateTime<Utc>>,
}

impl Step {
    fn record(self) -> StepRecord {
        StepRecord {
            entry: NewTimelineEntry {
                petition_id: self.petition_id,
                at: self.at,
                status: self.status,
                actor: self.actor,
                note: Some(self.note),
                event_id: Some(self.event_id),
            },
            holder: self.holder,
            due_at: self.due_at,
        }
    }
}

fn on_routed(env: Envelope<PetitionRoutedV1>) -> Step {
    let d = env.data;
    let holder = format!("{} – {}", d.department_name, d.unit_name);
    let note = match d.reason_code.as_str() {
        "transfer" => format!(
            "{} tiếp nhận, giao {} xử lý; hạn trả lời {}",
            d.unit_name,
            d.department_name,
            local_date(d.due_at)
        ),
        "reroute" => format!(
            "Chuyển lại cho {}; hạn trả lời {}",
            d.department_name,
            local_date(d.due_at)
        ),
        "urgent" => format!(
            "Xử lý khẩn: {} trả lời trước {}",
            d.department_name,
            local(d.due_at, "%H:%M ngày %d/%m/%Y")
        ),
        _ => format!(
            "Giao {} xử lý; hạn trả lời {}",
            d.department_name,
            local_date(d.due_at)
        ),
    };
    Step {
        event_id: env.id,
        petition_id: d.petition_id,
        at: env.occurred_at,
        status: if d.reason_code == "transfer" {
            PetitionStatus::Transferred
        } else {
            PetitionStatus::Routed
        },
        actor: d.actor,
        note,
        holder: Some((format!("{}:{}", d.unit, d.department), holder)),
        due_at: Some(d.due_at),
    }
}

fn on_transferred(env: Envelope<PetitionTransferredV1>) -> Step {
    let d = env.data;
    Step {
        event_id: env.id,
        petition_id: d.petition_id,
        at: env.occurred_at,
        status: PetitionStatus::Transferred,
        actor: Some(d.actor),
        // The timeline is public to whoever holds the tracking code: the staff's reason stays
        // out of it (the submitter is told it by email; routing's history keeps it for staff).
        note: format!("Chuyển đến {} (ngoài thẩm quyền)", d.to_unit_name),
        holder: Some((d.to_unit.clone(), d.to_unit_name)),
        due_at: None,
    }
}

fn on_answered(env: Envelope<PetitionAnsweredV1>) -> Step {
    let d = env.data;
    Step {
        event_id: env.id,
        petition_id: d.petition_id,
        at: d.answered_at,
        status: PetitionStatus::Answered,
        actor: Some(d.signed_by),
        note: format!("Đã có văn bản trả lời số {}", d.official_number),
        holder: Some((d.unit.clone(), d.unit_name)),
        due_at: None,
    }
}

fn on_published(env: Envelope<PetitionPublishedV1>) -> Step {
    let d = env.data;
    Step {
        event_id: env.id,
        petition_id: d.petition_id,
        at: d.published_at,
        status: PetitionStatus::Published,
        actor: None,
        note: format!("Công khai kết quả tại {}", d.public_path),
        holder: None,
        due_at: None,
    }
}

fn on_refused(env: Envelope<PetitionRefusedV1>) -> Step {
    let d = env.data;
    Step {
        event_id: env.id,
        petition_id: d.petition_id,
        at: d.refused_at,
        status: PetitionStatus::NotAccepted,
        actor: Some(d.actor),
        note: "Không tiếp nhận; lý do đã được gửi tới người gửi phản ánh".to_owned(),
        holder: Some((d.unit.clone(), d.unit_name)),
        due_at: None,
    }
}

/// Consumer of scheduling's `conference.noticed` and `conference.cancelled`, in the order they
/// were published: intake's copy of each conference's registration window.
pub async fn on_conference(
    conn: &mut AsyncPgConnection,
    env: Envelope<serde_json::Value>,
) -> Result<(), ConsumeError> {
    use crate::store::schema::conferences as c;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use doithoai_contracts::subjects as s;
    match env.event.as_str() {
        s::CONFERENCE_NOTICED => {
            let d = retype::<doithoai_contracts::ConferenceNoticedV1>(env)?.data;
            diesel::insert_into(c::table)
                .values((
                    c::id.eq(d.conference_id),
                    c::unit_code.eq(&d.unit),
                    c::title.eq(&d.title),
                    c::starts_at.eq(d.starts_at),
                    c::registration_closes_at.eq(d.registration_closes_at),
                ))
                .on_conflict(c::id)
                .do_update()
                .set((
                    c::starts_at.eq(d.starts_at),
                    c::registration_closes_at.eq(d.registration_closes_at),
                ))
                .execute(conn)
                .await?;
        }
        s::CONFERENCE_CANCELLED => {
            let d = retype::<doithoai_contracts::ConferenceCancelledV1>(env)?.data;
            diesel::update(c::table.find(d.conference_id))
                .set(c::cancelled.eq(true))
                .execute(conn)
                .await?;
        }
        other => {
            return Err(ConsumeError::Poison(format!(
                "intake does not follow {other}"
            )));
        }
    }
    Ok(())
}

/// The envelope with its payload decoded as `T` (an undecodable one is poison).
fn retype<T: serde::de::DeserializeOwned>(
    env: Envelope<serde_json::Value>,
) -> Result<Envelope<T>, ConsumeError> {
    let event = env.event.clone();
    env.into_typed()
        .map_err(|e| ConsumeError::Poison(format!("{event}: {e}")))
}

/// Dispatches a lifecycle event to its handler by its name.
pub async fn on_steps(
    conn: &mut AsyncPgConnection,
    batch: Vec<Envelope<serde_json::Value>>,
) -> Result<(), ConsumeError> {
    use doithoai_contracts::subjects as s;
    let mut steps = Vec::with_capacity(batch.len());
    for env in batch {
        let step = match env.event.as_str() {
            s::PETITION_ROUTED => on_routed(retype(env)?),
            s::PETITION_TRANSFERRED => on_transferred(retype(env)?),
            s::PETITION_REFUSED => on_refused(retype(env)?),
            s::PETITION_ANSWERED => on_answered(retype(env)?),
            s::PETITION_PUBLISHED => on_published(retype(env)?),
            other => {
                return Err(ConsumeError::Poison(format!(
                    "intake does not track {other}"
                )));
            }
        };
        steps.push(step.record());
    }
    let unknown = record_steps(conn, steps).await?;
    if let Some(id) = unknown.first() {
        // Intake's own row comes first (its event is published after its commit), so an
        // unknown petition means the event is not ours to track.
        return Err(ConsumeError::Poison(format!("unknown petition {id}")));
    }
    Ok(())
}
