//! Answering's work: cases arrive from routing; officers draft, heads review, leaders approve
//! and sign; the approved answer gets its official number and is published without personal
//! data; deadlines are watched. Each change is stored with its history row and its events in
//! one transaction.

use crate::domain::redact::{known, redact};
use crate::domain::status::CaseStatus;
use crate::store::schema::{answer_numbers, case_history, cases, drafts};
use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use doithoai_bus::outbox::{self, NewMessage};
use doithoai_contracts::subjects::{self, ANSWERING};
use doithoai_contracts::{
    CaseDeadlineV1, Envelope, PetitionAnsweredV1, PetitionPublishedV1, PetitionRefusedV1,
    PetitionRoutedV1, SubmitterV1,
};
use doithoai_web::{ConsumeError, Core, typed};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = cases)]
pub struct Case {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit_code: String,
    pub unit_name: String,
    pub department_code: String,
    pub department_name: String,
    pub due_at: DateTime<Utc>,
    pub review_required: bool,
    pub status: CaseStatus,
    pub kind: String,
    pub field_code: String,
    pub title: Option<String>,
    pub question: String,
    #[serde(skip)]
    pub submitter: String,
    pub consent_to_publish_identity: bool,
    pub received_at: DateTime<Utc>,
    pub official_number: Option<String>,
    pub answer: Option<String>,
    pub signed_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub conference_id: Option<Uuid>,
}

impl Case {
    pub fn submitter(&self) -> Option<SubmitterV1> {
        serde_json::from_str(&self.submitter).ok()
    }
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
    actor: &str,
    action: &str,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(case_history::table)
        .values((
            case_history::petition_id.eq(petition_id),
            case_history::actor.eq(actor),
            case_history::action.eq(action),
            case_history::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Consumer of `petition.routed`: opens the case in the department's inbox, or moves it
/// (re-route, transfer) to the new holder.
async fn on_routed(
    conn: &mut AsyncPgConnection,
    env: Envelope<PetitionRoutedV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    let p = &d.petition;
    let submitter =
        serde_json::to_string(&p.submitter).map_err(|e| ConsumeError::Poison(e.to_string()))?;
    // One statement: the case opened, or moved to the new holder while it is open, and its
    // history line written only then. A case answered or refused already is left as it is (a
    // refusal is final, so a routed event seen after it never reopens the case).
    doithoai_db::Prepared(
        diesel::sql_query(
            "WITH moved AS ( \
             INSERT INTO cases (petition_id, tracking_code, unit_code, unit_name, \
                 department_code, department_name, due_at, review_required, status, kind, \
                 field_code, title, question, submitter, consent_to_publish_identity, \
                 received_at, conference_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
             ON CONFLICT (petition_id) DO UPDATE SET unit_code = excluded.unit_code, \
                 unit_name = excluded.unit_name, department_code = excluded.department_code, \
                 department_name = excluded.department_name, due_at = excluded.due_at, \
                 review_required = excluded.review_required, status = excluded.status, \
                 due_soon_notified = false, overdue_notified = false, updated_at = now() \
             WHERE cases.status <> ALL ($18) \
             RETURNING petition_id) \
         INSERT INTO case_history (petition_id, actor, action, note) \
         SELECT petition_id, $19, $20, $21 FROM moved",
        )
        .bind::<SqlUuid, _>(d.petition_id)
        .bind::<Text, _>(&d.tracking_code)
        .bind::<Text, _>(&d.unit)
        .bind::<Text, _>(&d.unit_name)
        .bind::<Text, _>(&d.department)
        .bind::<Text, _>(&d.department_name)
        .bind::<Timestamptz, _>(d.due_at)
        .bind::<Bool, _>(d.review_required)
        .bind::<Text, _>(CaseStatus::Assigned)
        .bind::<Text, _>(p.kind.as_str())
        .bind::<Text, _>(&p.field)
        .bind::<Nullable<Text>, _>(&p.title)
        .bind::<Text, _>(&p.content)
        .bind::<Text, _>(&submitter)
        .bind::<Bool, _>(p.consent_to_publish_identity)
        .bind::<Timestamptz, _>(p.received_at)
        .bind::<Nullable<SqlUuid>, _>(p.conference_id)
        .bind::<Array<Text>, _>(CaseStatus::CLOSED.map(CaseStatus::as_str).to_vec())
        .bind::<Text, _>(d.actor.as_deref().unwrap_or("system"))
        .bind::<Text, _>(format!("assigned:{}", d.reason_code))
        .bind::<Nullable<Text>, _>(d.reason.as_deref()),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Consumer of routing's steps (`petition.routed`, `petition.refused`), in the order routing
/// published them, inside the consumer's batch transaction.
pub async fn on_routing_step(
    conn: &mut AsyncPgConnection,
    env: Envelope<serde_json::Value>,
) -> Result<(), ConsumeError> {
    match env.event.as_str() {
        doithoai_contracts::subjects::PETITION_ROUTED => on_routed(conn, typed(env)?).await,
        doithoai_contracts::subjects::PETITION_REFUSED => on_refused(conn, typed(env)?).await,
        other => Err(ConsumeError::Poison(format!("unexpected event {other}"))),
    }
}

/// `petition.refused`: the case leaves the inbox.
async fn on_refused(
    conn: &mut AsyncPgConnection,
    env: Envelope<PetitionRefusedV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    {
        let n = diesel::update(
            cases::table
                .find(d.petition_id)
                .filter(cases::status.ne(CaseStatus::Approved)),
        )
        .set((
            cases::status.eq(CaseStatus::Refused),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
        if n > 0 {
            history(conn, d.petition_id, &d.actor, "refused", Some(&d.reason)).await?;
        }
        Ok(())
    }
}

/// Consumer of `conference.registration_cancelled`: the question of a called-off conference is
/// answered in writing by the date given.
pub async fn on_registration_cancelled(
    conn: &mut AsyncPgConnection,
    env: Envelope<doithoai_contracts::RegistrationCancelledV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    let due = DueMove {
        petition_id: d.registrant.petition_id,
        only_if_due_at: None,
        to: d.written_answers_due_at,
    };
    move_due(conn, due, "conference_cancelled", &d.reason).await
}

/// Consumer of `conference.rescheduled`: a registered question whose answer was due at the
/// conference's old time is due at its new one (and may be flagged again); one due sooner
/// anyway keeps its date.
pub async fn on_conference_rescheduled(
    conn: &mut AsyncPgConnection,
    env: Envelope<doithoai_contracts::ConferenceRescheduledV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    let due = DueMove {
        petition_id: d.registrant.petition_id,
        only_if_due_at: Some(d.previous_starts_at),
        to: d.starts_at,
    };
    move_due(conn, due, "conference_rescheduled", &d.reason).await
}

/// A registered question's new due date.
struct DueMove {
    petition_id: Uuid,
    /// Only a case due exactly then moves.
    only_if_due_at: Option<DateTime<Utc>>,
    to: DateTime<Utc>,
}

/// Moves an open case's due date (its due-soon and overdue flags cleared, so the watch may flag
/// it again by the new date), with the history row `action`.
async fn move_due(
    conn: &mut AsyncPgConnection,
    m: DueMove,
    action: &str,
    reason: &str,
) -> Result<(), ConsumeError> {
    let mut q = diesel::update(cases::table)
        .filter(cases::petition_id.eq(m.petition_id))
        .filter(cases::status.ne_all(CaseStatus::CLOSED))
        .into_boxed();
    if let Some(at) = m.only_if_due_at {
        q = q.filter(cases::due_at.eq(at));
    }
    let n = q
        .set((
            cases::due_at.eq(m.to),
            cases::due_soon_notified.eq(false),
            cases::overdue_notified.eq(false),
        ))
        .execute(conn)
        .await?;
    if n > 0 {
        history(conn, m.petition_id, "system", action, Some(reason)).await?;
    }
    Ok(())
}

/// How long after a dialogue conference an answer given there may take to be reviewed, signed
/// and published, where the unit's policy has a head review drafts (the results notice is due
/// within 10 days: Decision 1080/QĐ-UBND on dialogues).
pub const CONFERENCE_PUBLICATION_DAYS: i64 = 10;

/// Consumer of `conference.outcome_recorded`: a registered question's outcome closes the
/// dialogue loop on its case.
/// - `answered`: the answer given at the conference becomes the case's draft; where the unit's
///   policy needs no review it is signed and published at once (official number, answered and
///   published events), else it goes through review and approval, due within
///   [`CONFERENCE_PUBLICATION_DAYS`];
/// - `written`: the case moves to the named department with the new due date;
/// - `forwarded`: routing transfers it (its routed event reaches this service as any other).
pub async fn on_conference_outcome(
    conn: &mut AsyncPgConnection,
    ns: &str,
    env: Envelope<doithoai_contracts::ConferenceOutcomeV1>,
) -> Result<(), ConsumeError> {
    let d = env.data;
    let id = d.registrant.petition_id;
    let Some(case) = cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        // Its routed event has not arrived yet: try again.
        return Err(ConsumeError::Transient(anyhow::anyhow!(
            "no case yet for the outcome of petition {id}"
        )));
    };
    if !case.status.is_open() {
        return Ok(());
    }
    let now = Utc::now();
    let actor = format!("conference:{}", d.conference_id);
    match d.outcome.as_str() {
        "answered" => {
            let Some(answer) = d.answer.filter(|a| !a.trim().is_empty()) else {
                return Err(ConsumeError::Poison(
                    "an answered outcome without its answer".into(),
                ));
            };
            if !add_draft(conn, id, &answer, &[], &actor, None).await? {
                return Ok(());
            }
            history(conn, id, &actor, "answered_at_conference", None).await?;
            let mut drafted = case.clone();
            drafted.status = CaseStatus::Drafted;
            if case.review_required {
                diesel::update(cases::table.find(id))
                    .set((
                        cases::due_at.eq(now + chrono::Duration::days(CONFERENCE_PUBLICATION_DAYS)),
                        cases::due_soon_notified.eq(false),
                        cases::overdue_notified.eq(false),
                    ))
                    .execute(conn)
                    .await?;
            } else {
                let draft = LatestDraft {
                    body: answer,
                    author: actor.clone(),
                    created_at: now,
                    private_names: Vec::new(),
                };
                approve_in(
                    conn,
                    ns,
                    &drafted,
                    &draft,
                    &actor,
                    &PublicChoice::default(),
                    now,
                )
                .await?;
            }
        }
        "written" => {
            let department = d.department.unwrap_or_else(|| case.department_code.clone());
            let due_at = d.due_at.unwrap_or(case.due_at);
            let name = if department == case.department_code {
                case.department_name.clone()
            } else {
                department.clone()
            };
            diesel::update(cases::table.find(id))
                .set((
                    cases::department_code.eq(&department),
                    cases::department_name.eq(&name),
                    cases::due_at.eq(due_at),
                    cases::due_soon_notified.eq(false),
                    cases::overdue_notified.eq(false),
                    cases::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            history(
                conn,
                id,
                &actor,
                "to_be_answered_in_writing",
                Some(&department),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

pub async fn load(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Option<Case>> {
    if let Ok(id) = Uuid::parse_str(key) {
        return cases::table
            .find(id)
            .select(Case::as_select())
            .first(conn)
            .await
            .optional();
    }
    let formatted = doithoai_web::input::tracking_code(key);
    cases::table
        .filter(cases::tracking_code.eq(formatted))
        .select(Case::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn latest_draft(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
) -> QueryResult<Option<LatestDraft>> {
    drafts::table
        .filter(drafts::petition_id.eq(petition_id))
        .order(drafts::id.desc())
        .select(LatestDraft::as_select())
        .first(conn)
        .await
        .optional()
}

/// A case's latest draft.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = drafts)]
pub struct LatestDraft {
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub private_names: Vec<String>,
}

/// Stores a draft of a case still open; for a question registered for a dialogue conference,
/// also the `case.draft_prepared` event that puts it on the agenda. `false` when the case
/// closed meanwhile (nothing is written).
pub async fn add_draft(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
    body: &str,
    private_names: &[String],
    author: &str,
    prepared: Option<NewMessage>,
) -> QueryResult<bool> {
    conn.transaction::<bool, diesel::result::Error, _>(async |conn| {
        let open = diesel::update(
            cases::table
                .find(petition_id)
                .filter(cases::status.ne_all(CaseStatus::CLOSED)),
        )
        .set((
            cases::status.eq(CaseStatus::Drafted),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
        if open == 0 {
            return Ok(false);
        }
        if let Some(event) = &prepared {
            outbox::enqueue(conn, std::slice::from_ref(event)).await?;
        }
        diesel::insert_into(drafts::table)
            .values((
                drafts::petition_id.eq(petition_id),
                drafts::body.eq(body),
                drafts::author.eq(author),
                drafts::private_names.eq(private_names),
            ))
            .execute(conn)
            .await?;
        history(conn, petition_id, author, "drafted", None).await?;
        Ok(true)
    })
    .await
}

/// A head's decision on the draft of a drafted case; `false` when it is no longer drafted.
pub async fn review(
    conn: &mut AsyncPgConnection,
    petition_id: Uuid,
    approve: bool,
    note: Option<&str>,
    reviewer: &str,
) -> QueryResult<bool> {
    conn.transaction::<bool, diesel::result::Error, _>(async |conn| {
        let n = diesel::update(
            cases::table
                .find(petition_id)
                .filter(cases::status.eq(CaseStatus::Drafted)),
        )
        .set((
            cases::status.eq(if approve {
                CaseStatus::Reviewed
            } else {
                CaseStatus::Assigned
            }),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
        if n == 0 {
            return Ok(false);
        }
        history(
            conn,
            petition_id,
            reviewer,
            if approve {
                "reviewed"
            } else {
                "changes_requested"
            },
            note,
        )
        .await?;
        Ok(true)
    })
    .await
}

/// Approves and signs the latest draft: official number (per unit and year), the answered and
/// published events, the public version without personal data. `None` when the case is no
/// longer ready (another approval won, or it closed): the first statement takes the case only
/// from a status that may be approved, so two approvals at once give one number and one pair
/// of events.
pub async fn approve(
    core: &Core,
    case: &Case,
    answer: &LatestDraft,
    leader: &str,
    choice: &PublicChoice,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let mut conn = core.pool.get().await?;
    let number = conn
        .transaction::<Option<String>, anyhow::Error, _>(async |conn| {
            approve_in(conn, &core.bus.namespace, case, answer, leader, choice, now).await
        })
        .await?;
    core.relay.wake();
    Ok(number)
}

/// What the leader decided about the public version when approving: texts edited after the
/// preview (redacted again all the same), or a reason to withhold it (the submitter still gets
/// the answer; nothing is published).
#[derive(Debug, Default, Clone)]
pub struct PublicChoice {
    pub title: Option<String>,
    pub question: Option<String>,
    pub answer: Option<String>,
    pub withhold: Option<String>,
}

/// The public version of a case with its draft, as it would be published: (title, question,
/// answer) without personal data.
pub fn public_version(
    case: &Case,
    draft: &LatestDraft,
    choice: &PublicChoice,
) -> anyhow::Result<(Option<String>, String, String)> {
    let submitter = case
        .submitter()
        .ok_or_else(|| anyhow::anyhow!("case {} has no readable submitter", case.petition_id))?;
    let consented = case.consent_to_publish_identity;
    let known = known(&submitter, &draft.private_names);
    let title = choice.title.as_deref().or(case.title.as_deref());
    Ok((
        title.map(|t| redact(t, &known, consented)),
        redact(
            choice.question.as_deref().unwrap_or(&case.question),
            &known,
            consented,
        ),
        redact(
            choice.answer.as_deref().unwrap_or(&draft.body),
            &known,
            consented,
        ),
    ))
}

/// [`approve`]'s writes on `conn`, inside the caller's transaction (a consumer's, for an answer
/// given at a dialogue conference).
pub async fn approve_in(
    conn: &mut AsyncPgConnection,
    ns: &str,
    case: &Case,
    answer: &LatestDraft,
    leader: &str,
    choice: &PublicChoice,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let submitter = case
        .submitter()
        .ok_or_else(|| anyhow::anyhow!("case {} has no readable submitter", case.petition_id))?;
    let withheld = choice.withhold.as_deref();
    // What the public gets (nothing when withheld), and the submitter's one-time rating token:
    // 122 random bits, sent only to them (in the published event, which notification turns
    // into the invitation to rate).
    let public = match withheld {
        Some(_) => None,
        None => {
            let (title, question, answer) = public_version(case, answer, choice)?;
            let folded = doithoai_web::text::fold(&format!(
                "{} {question} {answer}",
                title.as_deref().unwrap_or("")
            ));
            let token = Uuid::new_v4().simple().to_string();
            Some((title, question, answer, folded, token))
        }
    };
    let answer = answer.body.as_str();
    let ready: Vec<CaseStatus> = CaseStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.can_approve(case.review_required))
        .collect();
    let taken = diesel::update(
        cases::table
            .find(case.petition_id)
            .filter(cases::status.eq_any(&ready)),
    )
    .set(cases::status.eq(CaseStatus::Approved))
    .execute(conn)
    .await?;
    if taken == 0 {
        return Ok(None);
    }
    let year = now.with_timezone(&doithoai_web::text::hanoi()).year();
    let n: i32 = diesel::insert_into(answer_numbers::table)
        .values((
            answer_numbers::unit_code.eq(&case.unit_code),
            answer_numbers::year.eq(year),
            answer_numbers::last.eq(1),
        ))
        .on_conflict((answer_numbers::unit_code, answer_numbers::year))
        .do_update()
        .set(answer_numbers::last.eq(answer_numbers::last + 1))
        .returning(answer_numbers::last)
        .get_result(conn)
        .await?;
    let number = format!("{n}/{year}/TL-PAKN");
    diesel::update(cases::table.find(case.petition_id))
        .set((
            cases::official_number.eq(&number),
            cases::answer.eq(answer),
            cases::signed_by.eq(leader),
            cases::answered_at.eq(now),
            cases::public_title.eq(public.as_ref().and_then(|p| p.0.as_deref())),
            cases::public_question.eq(public.as_ref().map(|p| p.1.as_str())),
            cases::public_answer.eq(public.as_ref().map(|p| p.2.as_str())),
            cases::search_folded.eq(public.as_ref().map(|p| p.3.as_str())),
            cases::published_at.eq(public.as_ref().map(|_| now)),
            cases::rating_token_hash.eq(public.as_ref().map(|p| crate::http::token_hash(&p.4))),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    history(conn, case.petition_id, leader, "approved", Some(&number)).await?;
    let answered = outbox::event(
        ns,
        ANSWERING,
        subjects::PETITION_ANSWERED,
        &case.unit_code,
        PetitionAnsweredV1 {
            petition_id: case.petition_id,
            tracking_code: case.tracking_code.clone(),
            unit: case.unit_code.clone(),
            unit_name: case.unit_name.clone(),
            department: case.department_code.clone(),
            official_number: number.clone(),
            answer: answer.to_owned(),
            signed_by: leader.to_owned(),
            answered_at: now,
            submitter: submitter.clone(),
        },
    )?;
    let Some((.., rating_token)) = public else {
        history(conn, case.petition_id, leader, "withheld", withheld).await?;
        outbox::enqueue(conn, &[answered]).await?;
        return Ok(Some(number));
    };
    let published = outbox::event(
        ns,
        ANSWERING,
        subjects::PETITION_PUBLISHED,
        &case.unit_code,
        PetitionPublishedV1 {
            petition_id: case.petition_id,
            tracking_code: case.tracking_code.clone(),
            unit: case.unit_code.clone(),
            published_at: now,
            public_path: format!("/api/v1/answers/{}", case.tracking_code),
            submitter: submitter.clone(),
            rating_token: Some(rating_token),
        },
    );
    let events = [answered, published?];
    outbox::enqueue(conn, &events).await?;
    Ok(Some(number))
}

/// Flags cases whose deadline is within `soon` or past, once each, with an event that tells
/// the department head and the unit leader.
pub async fn watch_deadlines(
    core: &Core,
    now: DateTime<Utc>,
    soon: chrono::Duration,
) -> anyhow::Result<usize> {
    let ns = core.bus.namespace.clone();
    let mut conn = core.pool.get().await?;
    let n = conn
        .transaction::<usize, anyhow::Error, _>(async |conn| {
            let mut events = Vec::new();
            let due_soon: Vec<Case> = cases::table
                .filter(cases::status.ne_all(CaseStatus::CLOSED))
                .filter(cases::due_soon_notified.eq(false))
                .filter(cases::due_at.le(now + soon))
                .filter(cases::due_at.gt(now))
                .select(Case::as_select())
                .for_update()
                .skip_locked()
                .load(conn)
                .await?;
            let overdue: Vec<Case> = cases::table
                .filter(cases::status.ne_all(CaseStatus::CLOSED))
                .filter(cases::overdue_notified.eq(false))
                .filter(cases::due_at.le(now))
                .select(Case::as_select())
                .for_update()
                .skip_locked()
                .load(conn)
                .await?;
            for (list, event, flag) in [
                (&due_soon, subjects::CASE_DUE_SOON, 0),
                (&overdue, subjects::CASE_OVERDUE, 1),
            ] {
                for c in list {
                    events.push(outbox::event(
                        &ns,
                        ANSWERING,
                        event,
                        &c.unit_code,
                        CaseDeadlineV1 {
                            petition_id: c.petition_id,
                            tracking_code: c.tracking_code.clone(),
                            unit: c.unit_code.clone(),
                            department: c.department_code.clone(),
                            due_at: c.due_at,
                        },
                    )?);
                    let target = cases::table.find(c.petition_id);
                    if flag == 0 {
                        diesel::update(target)
                            .set(cases::due_soon_notified.eq(true))
                            .execute(conn)
                            .await?;
                    } else {
                        diesel::update(target)
                            .set((
                                cases::overdue_notified.eq(true),
                                cases::due_soon_notified.eq(true),
                            ))
                            .execute(conn)
                            .await?;
                    }
                    history(conn, c.petition_id, "system", event, None).await?;
                }
            }
            outbox::enqueue(conn, &events).await?;
            Ok(events.len())
        })
        .await?;
    if n > 0 {
        core.relay.wake();
    }
    Ok(n)
}

/// Open cases past their due date, per unit: the `answering_overdue_cases` gauge.
pub async fn overdue_counts(core: &Core, now: DateTime<Utc>) -> anyhow::Result<Vec<(String, i64)>> {
    let mut conn = core.pool.get().await?;
    Ok(cases::table
        .filter(cases::status.ne_all(CaseStatus::CLOSED))
        .filter(cases::due_at.lt(now))
        .group_by(cases::unit_code)
        .select((cases::unit_code, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?)
}
