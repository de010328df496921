//! From events to messages (exactly one per event, recipient and channel), and their delivery
//! with retries and backoff until sent or failed for good (visible to staff).

use crate::delivery::Channels;
use crate::domain::status::MessageStatus;
use crate::store::schema::{contacts, messages};
use crate::templates;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use doithoai_contracts::{
    CaseDeadlineV1, PetitionAnsweredV1, PetitionNotAcceptedV1, PetitionPublishedV1,
    PetitionReceivedV1, PetitionRefusedV1, PetitionRoutedV1, PetitionTransferredV1, SubmitterV1,
};
use doithoai_db::{Prepared, column};
use doithoai_web::{ConsumeError, Core};
use std::sync::Arc;
use uuid::Uuid;

/// A message to owe.
pub struct Outgoing {
    pub kind: &'static str,
    pub unit: String,
    pub tracking_code: Option<String>,
    pub recipients: Vec<(&'static str, String)>,
    /// The citizen of this petition too, by the contacts kept from `petition.received`
    /// (events after it carry no phone or email).
    pub citizen_of: Option<Uuid>,
    /// Contacts to keep for this petition's later messages (from `petition.received`): email,
    /// phone, and the postal address when it is the only way to reach the citizen.
    pub remember: Option<Kept>,
    pub subject: String,
    pub body: String,
}

/// A citizen's kept contacts: petition, email, phone, postal address.
pub type Kept = (Uuid, Option<String>, Option<String>, Option<String>);

impl Outgoing {
    fn new(
        kind: &'static str,
        unit: &str,
        tracking_code: Option<&str>,
        (subject, body): (String, String),
    ) -> Self {
        Outgoing {
            kind,
            unit: unit.to_owned(),
            tracking_code: tracking_code.map(str::to_owned),
            recipients: Vec::new(),
            citizen_of: None,
            remember: None,
            subject,
            body,
        }
    }

    /// To the citizen: at the contacts the event carries (events from before contacts were
    /// kept here), else at those kept for `petition_id`.
    fn for_citizen(mut self, s: &SubmitterV1, petition_id: Uuid) -> Self {
        if s.email.is_some() || s.phone.is_some() {
            self.recipients = citizen(s, self.kind);
        } else {
            self.citizen_of = Some(petition_id);
        }
        self
    }
}

/// What goes by post to a citizen reachable no other way (Decree 20, Art. 7 accepts a mailing
/// address as the only contact): the notices owed on the petition itself — acknowledgement,
/// non-acceptance, transfer, refusal, the answer — and what changes a registered question.
/// Reminders and rating invitations do not.
pub const BY_POST: &[&str] = &[
    "acknowledgement",
    "not_accepted",
    "transfer",
    "refusal",
    "answer",
    "conference_outcome",
    "registration_cancelled",
    "conference_rescheduled",
];

/// The citizen's contacts for a message of `kind`: email when given, SMS when the phone given
/// is a mobile one (a fixed line cannot take SMS); by post when neither, the kind goes by post
/// and there is an address.
fn citizen(s: &SubmitterV1, kind: &str) -> Vec<(&'static str, String)> {
    reach(
        kind,
        s.email.as_deref(),
        s.phone.as_deref(),
        postal(s).as_deref(),
    )
}

fn reach(
    kind: &str,
    email: Option<&str>,
    phone: Option<&str>,
    postal: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut r = Vec::new();
    if let Some(e) = email {
        r.push(("email", e.to_owned()));
    }
    if let Some(p) = phone.filter(|p| is_mobile(p)) {
        r.push(("sms", p.to_owned()));
    }
    if let Some(p) = postal.filter(|_| r.is_empty() && BY_POST.contains(&kind)) {
        r.push(("post", p.to_owned()));
    }
    r
}

/// The envelope's lines: name, organisation, address (`None` without an address).
///
/// ```
/// use doithoai_contracts::SubmitterV1;
/// let s = SubmitterV1 {
///     kind: "individual".into(),
///     name: "Nguyễn Văn An".into(),
///     organization: None,
///     address: "12 Láng, Đống Đa".into(),
///     phone: None,
///     email: None,
/// };
/// assert_eq!(notification::flow::postal(&s).unwrap(), "Nguyễn Văn An\n12 Láng, Đống Đa");
/// ```
pub fn postal(s: &SubmitterV1) -> Option<String> {
    let address = s.address.trim();
    if address.is_empty() {
        return None;
    }
    let mut lines = vec![s.name.trim()];
    lines.extend(s.organization.as_deref().map(str::trim));
    lines.push(address);
    Some(
        lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Whether a number (E.164, as intake stores it) is a mobile one, by libphonenumber's
/// metadata.
///
/// ```
/// assert!(notification::flow::is_mobile("+84912345678"));
/// assert!(!notification::flow::is_mobile("+842438253536")); // a Hà Nội fixed line
/// ```
pub fn is_mobile(e164: &str) -> bool {
    phonenumber::parse(None, e164)
        .is_ok_and(|n| n.number_type(&phonenumber::metadata::DATABASE) == phonenumber::Type::Mobile)
}

/// Records the messages a batch of events owes (`None`: nothing to tell), in one statement,
/// once: the consumer's inbox and a unique key per event, recipient and channel mean a
/// redelivered event sends nothing twice. The messages to send (every channel but post) are
/// recorded already claimed, their lease running, and handed to this replica's sender once
/// the batch commits ([`Handoff`]).
pub async fn owe(
    conn: &mut AsyncPgConnection,
    mut owed: Vec<(Uuid, Option<Outgoing>)>,
    handoff: &Handoff,
) -> Result<(), ConsumeError> {
    let remember: Vec<_> = owed
        .iter()
        .filter_map(|(_, out)| out.as_ref()?.remember.clone())
        .map(|(petition_id, email, phone, postal)| {
            (
                contacts::petition_id.eq(petition_id),
                contacts::email.eq(email),
                contacts::phone.eq(phone),
                contacts::postal.eq(postal),
            )
        })
        .collect();
    if !remember.is_empty() {
        diesel::insert_into(contacts::table)
            .values(remember)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    let wanted: Vec<Uuid> = owed
        .iter()
        .filter_map(|(_, out)| out.as_ref()?.citizen_of)
        .collect();
    if !wanted.is_empty() {
        let known: Vec<Kept> = contacts::table
            .filter(contacts::petition_id.eq_any(&wanted))
            .select((
                contacts::petition_id,
                contacts::email,
                contacts::phone,
                contacts::postal,
            ))
            .load(conn)
            .await?;
        for (_, out) in owed.iter_mut() {
            let Some(out) = out.as_mut() else { continue };
            let Some(id) = out.citizen_of else { continue };
            // The received event (a consumer of its own) may not be recorded yet: try again.
            let Some((_, email, phone, postal)) = known.iter().find(|k| k.0 == id) else {
                return Err(ConsumeError::Transient(anyhow::anyhow!(
                    "no contacts kept yet for petition {id}"
                )));
            };
            out.recipients.extend(reach(
                out.kind,
                email.as_deref(),
                phone.as_deref(),
                postal.as_deref(),
            ));
        }
    }
    let now = Utc::now();
    let lease_ends = now + handoff.lease;
    /// One message to record, as the columns of the insert.
    struct Row<'a> {
        event_id: Uuid,
        out: &'a Outgoing,
        channel: &'static str,
        recipient: &'a str,
    }
    let rows: Vec<Row> = owed
        .iter()
        .filter_map(|(event_id, out)| Some((*event_id, out.as_ref()?)))
        .flat_map(|(event_id, out)| {
            out.recipients.iter().map(move |(channel, recipient)| Row {
                event_id,
                out,
                channel,
                recipient,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    // Letters stay pending (staff print them); the others are recorded already claimed, their
    // lease running.
    use diesel::sql_types::{Array, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    // One statement for the whole batch, binding each column as an array (one text for every
    // batch size, kept prepared); unique per (event, recipient, channel): a message recorded
    // before is neither recorded nor handed over again.
    let recorded: Vec<Claimed> = Prepared(
        diesel::sql_query(
            "INSERT INTO messages (id, event_id, unit_code, tracking_code, kind, channel, \
                 recipient, subject, body, status, attempts, next_attempt_at) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], \
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int4[], \
                 $12::timestamptz[]) \
             ON CONFLICT DO NOTHING \
             RETURNING id, channel, recipient, subject, body, attempts",
        )
        .bind::<Array<SqlUuid>, _>(column(&rows, |_| Uuid::now_v7()))
        .bind::<Array<SqlUuid>, _>(column(&rows, |r| r.event_id))
        .bind::<Array<Text>, _>(column(&rows, |r| r.out.unit.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.out.tracking_code.as_deref()))
        .bind::<Array<Text>, _>(column(&rows, |r| r.out.kind))
        .bind::<Array<Text>, _>(column(&rows, |r| r.channel))
        .bind::<Array<Text>, _>(column(&rows, |r| r.recipient))
        .bind::<Array<Text>, _>(column(&rows, |r| r.out.subject.as_str()))
        .bind::<Array<Text>, _>(column(&rows, |r| r.out.body.as_str()))
        .bind::<Array<Text>, _>(column(&rows, |r| {
            if sent_here(r.channel) {
                MessageStatus::Sending.as_str()
            } else {
                MessageStatus::Pending.as_str()
            }
        }))
        .bind::<Array<Int4>, _>(column(&rows, |r| i32::from(sent_here(r.channel))))
        .bind::<Array<Timestamptz>, _>(column(&rows, |r| {
            if sent_here(r.channel) {
                lease_ends
            } else {
                now
            }
        })),
    )
    .load(conn)
    .await?;
    let claimed: Vec<Claimed> = recorded
        .into_iter()
        .filter(|m| sent_here(&m.channel))
        .collect();
    if !claimed.is_empty() {
        let handoff = handoff.clone();
        doithoai_web::after_commit(move || handoff.offer(claimed));
    }
    Ok(())
}

/// Messages owed by this replica's consumers, handed to its sender once their batch has
/// committed. They are recorded already claimed (`sending`, the lease running from their
/// recording), so the sender starts them at once: no claiming statement, no wait for a poll.
/// Another replica cannot take them while the lease runs; one this sender did not start in
/// time (half of what the lease leaves beyond a send) is taken by a later claim when its
/// lease ends. When the queue is full (the sender saturated), the messages are released to
/// the claims at once instead of waiting in memory.
#[derive(Clone)]
pub struct Handoff {
    queue: tokio::sync::mpsc::Sender<(Claimed, std::time::Instant)>,
    lease: chrono::Duration,
    pool: doithoai_db::PgPool,
}

/// Messages waiting to be started by the sender, at most.
const HANDOFF_QUEUE: usize = 2 * SEND_CONCURRENCY;

/// What the sender takes handed-off messages from.
pub struct Handed(tokio::sync::mpsc::Receiver<(Claimed, std::time::Instant)>);

impl Handoff {
    pub fn new(pool: doithoai_db::PgPool, retry: &Retry) -> (Handoff, Handed) {
        let (queue, handed) = tokio::sync::mpsc::channel(HANDOFF_QUEUE);
        let handoff = Handoff {
            queue,
            lease: retry.lease,
            pool,
        };
        (handoff, Handed(handed))
    }

    fn offer(&self, claimed: Vec<Claimed>) {
        let at = std::time::Instant::now();
        let mut released = Vec::new();
        for m in claimed {
            if let Err(e) = self.queue.try_send((m, at)) {
                released.push(e.into_inner().0.id);
            }
        }
        if !released.is_empty() {
            let pool = self.pool.clone();
            tokio::spawn(async move {
                if let Err(e) = release(&pool, &released).await {
                    // Their lease runs out and a claim takes them then.
                    tracing::warn!(error = %format!("{e:#}"), "releasing {} messages to the claims failed: {e:#}", released.len());
                }
            });
        }
    }
}

/// Ends the lease of messages recorded as claimed that the sender could not take: the next
/// claim (of any replica) takes them.
async fn release(pool: &doithoai_db::PgPool, ids: &[Uuid]) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    Prepared(
        diesel::update(
            messages::table
                .filter(messages::id.eq_any(ids))
                .filter(messages::status.eq(MessageStatus::Sending)),
        )
        .set((
            messages::next_attempt_at.eq(Utc::now()),
            messages::attempts.eq(messages::attempts - 1),
        )),
    )
    .execute(&mut conn)
    .await?;
    Ok(())
}

pub fn on_received(e: &PetitionReceivedV1) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new(
        "acknowledgement",
        &e.unit,
        Some(&e.tracking_code),
        templates::acknowledgement(e)?,
    );
    out.recipients = citizen(&e.submitter, out.kind);
    // The address is kept only for a citizen who can be reached by nothing else.
    let by_post = out.recipients.iter().any(|(channel, _)| *channel == "post");
    out.remember = Some((
        e.petition_id,
        e.submitter.email.clone(),
        e.submitter.phone.clone(),
        by_post.then(|| postal(&e.submitter)).flatten(),
    ));
    Ok(Some(out))
}

pub fn on_not_accepted(e: &PetitionNotAcceptedV1) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new(
        "not_accepted",
        &e.unit,
        Some(&e.tracking_code),
        templates::not_accepted(e)?,
    );
    out.recipients = citizen(&e.submitter, out.kind);
    Ok(Some(out))
}

/// The first assignment and a re-route tell the citizen; the routing that follows a transfer
/// is told by the transfer message itself.
pub fn on_routed(e: &PetitionRoutedV1) -> anyhow::Result<Option<Outgoing>> {
    if e.reason_code == "transfer" {
        return Ok(None);
    }
    Ok(Some(
        Outgoing::new(
            "assignment",
            &e.unit,
            Some(&e.tracking_code),
            templates::assignment(e)?,
        )
        .for_citizen(&e.petition.submitter, e.petition_id),
    ))
}

pub fn on_transferred(e: &PetitionTransferredV1) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "transfer",
            &e.from_unit,
            Some(&e.tracking_code),
            templates::transfer(e)?,
        )
        .for_citizen(&e.submitter, e.petition_id),
    ))
}

pub fn on_refused(e: &PetitionRefusedV1) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "refusal",
            &e.unit,
            Some(&e.tracking_code),
            templates::refusal(e)?,
        )
        .for_citizen(&e.submitter, e.petition_id),
    ))
}

pub fn on_answered(e: &PetitionAnsweredV1) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "answer",
            &e.unit,
            Some(&e.tracking_code),
            templates::answer(e)?,
        )
        .for_citizen(&e.submitter, e.petition_id),
    ))
}

pub fn on_published(e: &PetitionPublishedV1) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "rating_invitation",
            &e.unit,
            Some(&e.tracking_code),
            templates::rating_invitation(e)?,
        )
        .for_citizen(&e.submitter, e.petition_id),
    ))
}

/// The department head and the unit leader, at the addresses city IT gives them:
/// `truong-phong.<department>.<unit>@<domain>` and `lanh-dao.<unit>@<domain>`.
pub fn on_deadline(
    e: &CaseDeadlineV1,
    overdue: bool,
    domain: &str,
) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new(
        if overdue { "overdue" } else { "due_soon" },
        &e.unit,
        Some(&e.tracking_code),
        templates::deadline(e, overdue)?,
    );
    out.recipients = vec![
        (
            "email",
            format!("truong-phong.{}.{}@{domain}", e.department, e.unit),
        ),
        ("email", format!("lanh-dao.{}@{domain}", e.unit)),
    ];
    Ok(Some(out))
}

pub fn on_conference_outcome(
    e: &doithoai_contracts::ConferenceOutcomeV1,
) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "conference_outcome",
            &e.unit,
            Some(&e.registrant.tracking_code),
            templates::conference_outcome(e)?,
        )
        .for_citizen(&e.registrant.submitter, e.registrant.petition_id),
    ))
}

/// A registrant of a cancelled conference: their question will be answered in writing.
pub fn on_registration_cancelled(
    e: &doithoai_contracts::RegistrationCancelledV1,
) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "conference_cancelled",
            &e.unit,
            Some(&e.registrant.tracking_code),
            templates::registration_cancelled(e)?,
        )
        .for_citizen(&e.registrant.submitter, e.registrant.petition_id),
    ))
}

pub fn on_conference_reminder(
    e: &doithoai_contracts::ConferenceReminderV1,
) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "conference_reminder",
            &e.unit,
            Some(&e.registrant.tracking_code),
            templates::conference_reminder(e)?,
        )
        .for_citizen(&e.registrant.submitter, e.registrant.petition_id),
    ))
}

pub fn on_conference_rescheduled(
    e: &doithoai_contracts::ConferenceRescheduledV1,
) -> anyhow::Result<Option<Outgoing>> {
    Ok(Some(
        Outgoing::new(
            "conference_rescheduled",
            &e.unit,
            Some(&e.registrant.tracking_code),
            templates::conference_rescheduled(e)?,
        )
        .for_citizen(&e.registrant.submitter, e.registrant.petition_id),
    ))
}

/// A dialogue's notice or results notice, to the head of a residential group.
pub fn on_group_notice(e: &doithoai_contracts::GroupNoticeV1) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new("group_notice", &e.unit, None, templates::group_notice(e)?);
    out.recipients = citizen(&e.head, out.kind);
    Ok((!out.recipients.is_empty()).then_some(out))
}

/// A triage deadline near or passed: to the unit's reception mailbox.
pub fn on_triage_deadline(
    e: &doithoai_contracts::TriageDeadlineV1,
    overdue: bool,
    domain: &str,
) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new(
        "triage_deadline",
        &e.unit,
        Some(&e.tracking_code),
        templates::triage_deadline(e, overdue)?,
    );
    out.recipients = vec![("email", format!("tiep-nhan.{}@{domain}", e.unit))];
    Ok(Some(out))
}

pub fn on_compliance_reminder(
    e: &doithoai_contracts::ComplianceReminderV1,
    domain: &str,
) -> anyhow::Result<Option<Outgoing>> {
    let mut out = Outgoing::new(
        "compliance_reminder",
        &e.unit,
        None,
        templates::compliance_reminder(e)?,
    );
    out.recipients = vec![("email", format!("lanh-dao.{}@{domain}", e.unit))];
    Ok(Some(out))
}

/// Whether messages on `channel` are sent by this service: all but letters, which staff print.
fn sent_here(channel: &str) -> bool {
    channel != "post"
}

/// A claimed message.
#[derive(Debug, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    channel: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    recipient: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct Retry {
    pub max_attempts: i32,
    /// First retry delay; doubles each attempt (capped at one hour).
    pub base: chrono::Duration,
    /// How long a claimed message is left to its sender before another round may take it
    /// (a crash mid-send). Longer than the send timeouts (20 s SMTP, 15 s SMS).
    pub lease: chrono::Duration,
}

/// Messages sent at once by one sender (and SMTP connections kept open at most).
pub const SEND_CONCURRENCY: usize = 128;
/// The longest one send may take (SMTP or gateway) before it counts as failed, when the lease
/// allows it (see [`Retry::send_timeout`]).
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl Retry {
    /// How long one send may take: [`SEND_TIMEOUT`], or two thirds of a shorter lease, so the
    /// lease always outlasts the send it covers.
    ///
    /// ```
    /// use notification::flow::Retry;
    /// let r = |s| Retry { max_attempts: 1, base: chrono::Duration::seconds(1), lease: chrono::Duration::seconds(s) };
    /// assert_eq!(r(60).send_timeout().as_secs(), 20);
    /// assert_eq!(r(3).send_timeout().as_secs(), 2);
    /// ```
    pub fn send_timeout(&self) -> std::time::Duration {
        let two_thirds = self.lease.to_std().unwrap_or_default() * 2 / 3;
        two_thirds.min(SEND_TIMEOUT)
    }
}

/// Sends owed messages until `stop`: a pipeline of at most [`SEND_CONCURRENCY`] sends. It
/// starts the messages this replica's consumers hand over ([`Handoff`]) first, then claims due
/// messages (retries, messages released or left by a crash or another replica) only for free
/// send slots (one `UPDATE … FOR UPDATE SKIP LOCKED`), so every claimed message starts
/// sending at once and its lease (`NOTIFICATION_SEND_LEASE_SECONDS`) outlasts its whole send
/// ([`Retry::send_timeout`]): no other sender (another replica) can take it meanwhile, and a
/// crash mid-send retries it after the lease.
///
/// Three things run side by side, so none waits for another's database round trip: each send
/// is a task of its own; a recorder task records each ended send as sent, a retry with backoff,
/// or a permanent failure (the sends that ended meanwhile in one statement, on a connection
/// kept for it); and this loop starts handed-over messages and claims for the slots the ended
/// sends freed.
pub async fn deliver(
    core: &Core,
    channels: &Channels,
    retry: &Retry,
    handed: Handed,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Handed(mut handed) = handed;
    let channels = Arc::new(channels.clone());
    let send_timeout = retry.send_timeout();
    // A handed-over message older than this is left to the claims: its lease may end before
    // its send would.
    let fresh_for = (retry
        .lease
        .to_std()
        .unwrap_or_default()
        .saturating_sub(send_timeout))
        / 2;
    let slots = Arc::new(tokio::sync::Semaphore::new(SEND_CONCURRENCY));
    let freed = Arc::new(tokio::sync::Notify::new());
    let (ended_tx, ended_rx) = tokio::sync::mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_ended(core.clone(), retry.clone(), ended_rx));
    let start = |m: Claimed, slot: tokio::sync::OwnedSemaphorePermit| {
        let (channels, ended, freed) = (channels.clone(), ended_tx.clone(), freed.clone());
        tokio::spawn(async move {
            let result = match tokio::time::timeout(
                send_timeout,
                channels.send(m.id, &m.channel, &m.recipient, &m.subject, &m.body),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(anyhow::anyhow!(
                    "no answer within {} ms",
                    send_timeout.as_millis()
                )),
            };
            let outcome = if result.is_ok() { "sent" } else { "error" };
            channels
                .sends
                .with_label_values(&[m.channel.as_str(), outcome])
                .inc();
            let _ = ended.send((m, result));
            drop(slot);
            freed.notify_one();
        });
    };
    let mut backoff = std::time::Duration::from_millis(200);
    while !*stop.borrow() {
        // Handed-over messages first: recorded claimed, their lease running.
        while let Ok(slot) = slots.clone().try_acquire_owned() {
            let Ok((m, at)) = handed.try_recv() else {
                break;
            };
            if at.elapsed() < fresh_for {
                start(m, slot);
            }
        }
        let free = slots.available_permits();
        let mut claimed_none = false;
        // Top up when a quarter of the slots are free (or nothing is in flight).
        if free >= SEND_CONCURRENCY / 4 || free == SEND_CONCURRENCY {
            match claim(core, retry, free as i64).await {
                Ok(claimed) => {
                    claimed_none = claimed.is_empty();
                    backoff = std::time::Duration::from_millis(200);
                    for m in claimed {
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            break; // cannot happen: claimed at most `free`
                        };
                        start(m, slot);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "claiming messages failed: {e:#}");
                    claimed_none = true;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
        let busy = slots.available_permits() < SEND_CONCURRENCY;
        // Woken when a consumer committed new messages or a send ended; polled as a fallback
        // (retries falling due, messages owed by another replica).
        let wait = if claimed_none || busy {
            backoff.max(std::time::Duration::from_millis(500))
        } else {
            std::time::Duration::ZERO
        };
        tokio::select! {
            _ = core.consumed().notified() => {}
            _ = freed.notified(), if busy => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
    // Stopping: let the sends in flight end, then the recorder record them. Messages still
    // handed over are taken by a claim when their lease ends.
    let _ = slots.acquire_many(SEND_CONCURRENCY as u32).await;
    drop(ended_tx);
    let _ = recorder.await;
}

/// Records ended sends as they come: whatever has ended since the last statement, in one.
async fn record_ended(
    core: Core,
    retry: Retry,
    mut ended: tokio::sync::mpsc::UnboundedReceiver<(Claimed, anyhow::Result<()>)>,
) {
    let mut conn: Option<doithoai_db::PooledConn> = None;
    let mut done = Vec::new();
    while ended.recv_many(&mut done, 4096).await > 0 {
        // A connection kept for recording, without a pool checkout in between: the window in
        // which a crash would resend an accepted message stays a single statement.
        if conn.is_none() {
            conn = core.pool.get().await.ok();
        }
        let Some(c) = conn.as_mut() else {
            tracing::warn!("recording sent messages failed: database unavailable");
            done.clear();
            continue;
        };
        if let Err(e) = record(c, &retry, std::mem::take(&mut done)).await {
            conn = None;
            // The lease runs out and the messages are sent again (same Message-ID).
            tracing::warn!(error = %format!("{e:#}"), "recording sent messages failed: {e:#}");
        }
    }
}

/// Claims up to `n` due messages with a lease.
async fn claim(core: &Core, retry: &Retry, n: i64) -> anyhow::Result<Vec<Claimed>> {
    if n <= 0 {
        return Ok(Vec::new());
    }
    let mut conn = core.pool.get().await?;
    Ok(Prepared(diesel::sql_query(
        "UPDATE messages SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + $1 \
         WHERE id IN (SELECT id FROM messages WHERE status IN ('pending', 'sending') AND next_attempt_at <= now() AND channel <> 'post' \
                      ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING id, channel, recipient, subject, body, attempts",
    )
    .bind::<diesel::sql_types::Interval, _>(diesel::data_types::PgInterval::from_microseconds(
        retry.lease.num_microseconds().unwrap_or(60_000_000),
    ))
    .bind::<diesel::sql_types::BigInt, _>(n))
    .load(&mut conn)
    .await?)
}

/// Records how the sends that ended went: sent ones in one statement, retries and failures
/// one by one (rare).
async fn record(
    conn: &mut AsyncPgConnection,
    retry: &Retry,
    done: Vec<(Claimed, anyhow::Result<()>)>,
) -> anyhow::Result<()> {
    let mut sent: Vec<Uuid> = Vec::new();
    for (m, result) in done {
        match result {
            Ok(()) => {
                tracing::debug!(message = %m.id, channel = %m.channel, "sent message {} by {}", m.id, m.channel);
                sent.push(m.id);
            }
            Err(e) if m.attempts >= retry.max_attempts => {
                // A server's refusal often names the recipient: logs get it without.
                let logged = doithoai_web::text::log_safe(&format!("{e:#}"));
                tracing::error!(message = %m.id, error = %logged, "message {} failed for good after {} attempts: {logged}", m.id, m.attempts);
                diesel::update(messages::table.find(m.id))
                    .set((
                        messages::status.eq(MessageStatus::Failed),
                        messages::last_error.eq(format!("{e:#}")),
                    ))
                    .execute(conn)
                    .await?;
            }
            Err(e) => {
                let delay = (retry.base * 2i32.pow((m.attempts - 1).clamp(0, 16) as u32))
                    .min(chrono::Duration::hours(1));
                let logged = doithoai_web::text::log_safe(&format!("{e:#}"));
                tracing::warn!(message = %m.id, error = %logged, attempt = m.attempts, "message {} not sent (attempt {}), retrying: {logged}", m.id, m.attempts);
                diesel::update(messages::table.find(m.id))
                    .set((
                        messages::status.eq(MessageStatus::Pending),
                        messages::next_attempt_at.eq(Utc::now() + delay),
                        messages::last_error.eq(format!("{e:#}")),
                    ))
                    .execute(conn)
                    .await?;
            }
        }
    }
    if !sent.is_empty() {
        Prepared(
            diesel::update(messages::table.filter(messages::id.eq_any(&sent))).set((
                messages::status.eq(MessageStatus::Sent),
                messages::sent_at.eq(Utc::now()),
                messages::last_error.eq(None::<String>),
            )),
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Deletes contacts kept longer than `days` (`NOTIFICATION_CONTACT_RETENTION_DAYS`).
pub async fn purge_contacts(conn: &mut AsyncPgConnection, days: i64) -> QueryResult<usize> {
    let cutoff = Utc::now() - chrono::Duration::days(days);
    diesel::delete(contacts::table.filter(contacts::stored_at.lt(cutoff)))
        .execute(conn)
        .await
}

/// Deletes the messages whose delivery ended (sent or failed) more than `days` ago: their
/// recipients and texts are personal data. Returns how many.
pub async fn purge_messages(conn: &mut AsyncPgConnection, days: i64) -> QueryResult<usize> {
    let cutoff = Utc::now() - chrono::Duration::days(days.max(1));
    diesel::delete(
        messages::table
            .filter(messages::created_at.lt(cutoff))
            .filter(messages::status.eq_any([MessageStatus::Sent, MessageStatus::Failed])),
    )
    .execute(conn)
    .await
}
