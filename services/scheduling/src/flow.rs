//! Scheduling's work: conferences planned, noticed (at least 7 days ahead, with the
//! registration cutoff from the working-day calendar), held, cancelled; registered questions
//! taken from intake's events; outcomes; reminders; compliance.

use crate::domain::status::{ConferenceStatus, OutcomeKind};
use crate::store::schema::{conferences, registrations};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_contracts::{
    Envelope, PetitionReceivedV1, PetitionRoutedV1, RegistrantV1, SubmitterV1,
};
use doithoai_web::{ConsumeError, Core};
use uuid::Uuid;

/// Days between the notice and the conference, at least (seed 001).
pub const NOTICE_DAYS: i64 = 7;
pub use crate::domain::compliance::RESULTS_DAYS;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = conferences)]
pub struct Conference {
    pub id: Uuid,
    pub unit_code: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub venue: String,
    pub online_link: Option<String>,
    pub chair: String,
    pub co_organisers: Vec<String>,
    pub fields: Vec<String>,
    pub status: ConferenceStatus,
    pub notice_published_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub attendance: Option<i32>,
    pub minutes: Option<String>,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub results_notice: Option<String>,
    pub results_published_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub written_answers_due_at: Option<DateTime<Utc>>,
    pub format: crate::domain::status::ConferenceFormat,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = registrations)]
pub struct Registration {
    pub petition_id: Uuid,
    pub conference_id: Uuid,
    pub unit_code: String,
    pub tracking_code: String,
    pub field_code: String,
    pub question: String,
    #[serde(skip)]
    pub submitter: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub outcome: Option<OutcomeKind>,
    pub outcome_answer: Option<String>,
    pub outcome_department: Option<String>,
    pub outcome_due_at: Option<DateTime<Utc>>,
    pub forwarded_to: Option<String>,
    pub reminded: bool,
    pub registered_at: DateTime<Utc>,
    pub prepared_answer: Option<String>,
}

impl Registration {
    pub fn registrant(&self) -> RegistrantV1 {
        RegistrantV1 {
            petition_id: self.petition_id,
            tracking_code: self.tracking_code.clone(),
            submitter: serde_json::from_str::<SubmitterV1>(&self.submitter).unwrap_or(
                SubmitterV1 {
                    kind: "individual".into(),
                    name: String::new(),
                    organization: None,
                    address: String::new(),
                    phone: None,
                    email: None,
                },
            ),
        }
    }
}

/// The calendar, with holidays from routing (request/reply), refreshed every minute.
pub use doithoai_calendar::SharedCalendar;

pub async fn load(core: &Core, id: Uuid) -> anyhow::Result<Option<Conference>> {
    load_from(&core.pool, id).await
}

/// A conference from `pool` (the public pool for anonymous reads).
pub async fn load_from(pool: &doithoai_db::PgPool, id: Uuid) -> anyhow::Result<Option<Conference>> {
    let mut conn = pool.get().await?;
    Ok(conferences::table
        .find(id)
        .select(Conference::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

pub async fn registrations_of(core: &Core, id: Uuid) -> anyhow::Result<Vec<Registration>> {
    let mut conn = core.pool.get().await?;
    Ok(registrations::table
        .filter(registrations::conference_id.eq(id))
        .order((
            registrations::field_code,
            registrations::department,
            registrations::registered_at,
        ))
        .select(Registration::as_select())
        .load(&mut conn)
        .await?)
}

/// The event `name` of `unit` on scheduling's stream, carrying the current trace.
pub fn event<T: serde::Serialize>(
    core: &Core,
    name: &str,
    unit: &str,
    data: T,
) -> anyhow::Result<doithoai_bus::outbox::NewMessage> {
    Ok(core.event(name, unit, data)?)
}

/// Consumer of `petition.received`: a dialogue question naming a conference becomes a
/// registration (intake already checked the window).
pub async fn on_received(
    conn: &mut AsyncPgConnection,
    env: Envelope<PetitionReceivedV1>,
) -> Result<(), ConsumeError> {
    let p = env.data;
    let Some(conference_id) = p.conference_id else {
        return Ok(());
    };
    // Scheduling never contacts a registrant itself (notification does): no phone or email.
    let submitter = serde_json::to_string(&p.submitter.without_contact())
        .map_err(|e| ConsumeError::Poison(e.to_string()))?;
    {
        let known: i64 = conferences::table
            .find(conference_id)
            .count()
            .get_result(conn)
            .await?;
        if known == 0 {
            return Err(ConsumeError::Poison(format!(
                "unknown conference {conference_id}"
            )));
        }
        diesel::insert_into(registrations::table)
            .values((
                registrations::petition_id.eq(p.petition_id),
                registrations::conference_id.eq(conference_id),
                registrations::unit_code.eq(&p.unit),
                registrations::tracking_code.eq(&p.tracking_code),
                registrations::field_code.eq(&p.field),
                registrations::question.eq(&p.content),
                registrations::submitter.eq(&submitter),
                registrations::registered_at.eq(p.received_at),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// Consumer of `petition.routed`: the department preparing a registered question's answer.
/// The registration comes from another stream; if it has not arrived yet, the event is retried.
pub async fn on_routed(
    conn: &mut AsyncPgConnection,
    env: Envelope<PetitionRoutedV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    if d.petition.conference_id.is_none() {
        return Ok(());
    }
    let n = diesel::update(registrations::table.find(d.petition_id))
        .set((
            registrations::department.eq(&d.department),
            registrations::department_name.eq(&d.department_name),
        ))
        .execute(conn)
        .await?;
    if n == 0 {
        return Err(ConsumeError::Transient(anyhow::anyhow!(
            "registration {} not recorded yet",
            d.tracking_code
        )));
    }
    Ok(())
}

/// Consumer of `case.draft_prepared`: the department's prepared answer, for the agenda.
pub async fn on_draft_prepared(
    conn: &mut AsyncPgConnection,
    env: Envelope<doithoai_contracts::DraftPreparedV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    diesel::update(registrations::table.find(d.petition_id))
        .set(registrations::prepared_answer.eq(&d.draft))
        .execute(conn)
        .await?;
    Ok(())
}

/// Where organiser `o` stands with its conferences among `all` (not cancelled) at `now`, by the
/// rule that binds it (seed 000).
pub fn standing(
    all: &[Conference],
    o: &crate::reference::Organiser,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::domain::compliance::Standing {
    let mine: Vec<crate::domain::compliance::Dialogue> = all
        .iter()
        .filter(|c| c.unit_code == o.code)
        .map(|c| crate::domain::compliance::Dialogue {
            starts_at: c.starts_at,
            notice_published_at: c.notice_published_at,
            minutes_published_at: c.minutes_published_at,
            results_published_at: c.results_published_at,
        })
        .collect();
    crate::domain::compliance::assess(&mine, now, o.kind.rule())
}
