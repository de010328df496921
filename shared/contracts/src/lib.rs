//! Event contracts: the payloads that cross service boundaries on NATS.
//!
//! Serde types only — no diesel, no actix. Every payload carries a version in its type name
//! (`PetitionReceivedV1`); a breaking change is a new type and a new subject suffix, never an
//! edit. `docs/EVENTS.md` is the catalogue of subjects and payloads and is kept in step with
//! this crate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod subjects;

/// The envelope every event travels in. `id` is also the `Nats-Msg-Id` header, so JetStream
/// drops a republished duplicate within the stream's duplicate window.
///
/// ```
/// use doithoai_contracts::Envelope;
/// let e = Envelope::new("petition.received", "phuong-lang", serde_json::json!({"a": 1}));
/// assert_eq!(e.unit, "phuong-lang");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope<T> {
    pub id: Uuid,
    /// The event's name without namespace or unit, e.g. `petition.received`.
    pub event: String,
    pub version: u16,
    pub unit: String,
    pub occurred_at: DateTime<Utc>,
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn new(event: &str, unit: &str, data: T) -> Self {
        Self {
            id: Uuid::now_v7(),
            event: event.to_owned(),
            version: 1,
            unit: unit.to_owned(),
            occurred_at: Utc::now(),
            data,
        }
    }
}

impl Envelope<serde_json::Value> {
    /// The same envelope with its payload decoded as `T`: how a consumer that follows several
    /// events reads the one it was given, after dispatching on [`Envelope::event`].
    ///
    /// ```
    /// use doithoai_contracts::Envelope;
    /// let e = Envelope::new("x.y", "phuong-lang", serde_json::json!(7));
    /// let t: Envelope<u8> = e.into_typed().unwrap();
    /// assert_eq!(t.data, 7);
    /// ```
    pub fn into_typed<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<Envelope<T>, serde_json::Error> {
        Ok(Envelope {
            data: serde_json::from_value(self.data)?,
            id: self.id,
            event: self.event,
            version: self.version,
            unit: self.unit,
            occurred_at: self.occurred_at,
        })
    }
}

/// How a submission reached the platform.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public web form or app.
    Web,
    /// Hotline or phone call, recorded by a clerk.
    Phone,
    /// At the reception desk (bộ phận tiếp nhận).
    InPerson,
    /// By post.
    Post,
    /// By email, recorded by a clerk.
    Email,
    /// Asked from the floor at a dialogue conference.
    DialogueFloor,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Web,
        Channel::Phone,
        Channel::InPerson,
        Channel::Post,
        Channel::Email,
        Channel::DialogueFloor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::InPerson => "in_person",
            Channel::Post => "post",
            Channel::Email => "email",
            Channel::DialogueFloor => "dialogue_floor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a submission is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PetitionKind {
    /// Phản ánh: a difficulty with a rule or with how staff applied it.
    Feedback,
    /// Kiến nghị: feedback with a proposed solution or a new rule.
    Recommendation,
    /// A question registered for a dialogue conference.
    DialogueQuestion,
}

impl PetitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PetitionKind::Feedback => "feedback",
            PetitionKind::Recommendation => "recommendation",
            PetitionKind::DialogueQuestion => "dialogue_question",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "feedback" => Some(Self::Feedback),
            "recommendation" => Some(Self::Recommendation),
            "dialogue_question" => Some(Self::DialogueQuestion),
            _ => None,
        }
    }
}

/// `petition.received`: intake accepted a submission. Carries the submitter's contact because
/// notification must reach them; consumers that publish anything must redact it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionReceivedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub kind: PetitionKind,
    pub field: String,
    pub procedure_code: Option<String>,
    pub content_type: Option<i16>,
    pub title: Option<String>,
    pub content: String,
    pub submitter: SubmitterV1,
    pub consent_to_publish_identity: bool,
    pub channel: Channel,
    /// When the unit received it; deadlines count from here.
    pub received_at: DateTime<Utc>,
    pub conference_id: Option<Uuid>,
    /// When the conference a registered question is for starts: its answer is due then.
    #[serde(default)]
    pub conference_starts_at: Option<DateTime<Utc>>,
    /// About an official's conduct (Decree 20, Art. 9): routing sends it to the department
    /// that manages the unit's officials.
    #[serde(default)]
    pub official_conduct: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmitterV1 {
    /// `individual` or `organization`.
    pub kind: String,
    pub name: String,
    pub organization: Option<String>,
    pub address: String,
    /// E.164, e.g. `+84912345678`.
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl SubmitterV1 {
    /// Nothing of the submitter but their kind: what routing keeps (it forwards their name and
    /// address once, with the first assignment, and stores none of it). Events built from it
    /// carry an empty name; answering keeps the one it received first, and letters then open
    /// with "Kính gửi ông/bà,".
    pub fn withheld(&self) -> Self {
        SubmitterV1 {
            kind: self.kind.clone(),
            name: String::new(),
            organization: None,
            address: String::new(),
            phone: None,
            email: None,
        }
    }

    /// The submitter without phone and email: what a service that never contacts them may
    /// keep and pass on (their name and address serve the letters' salutation and the
    /// redaction of public texts). Only `petition.received` carries the contacts, to
    /// notification, which keeps them.
    pub fn without_contact(&self) -> Self {
        SubmitterV1 {
            phone: None,
            email: None,
            ..self.clone()
        }
    }
}

/// `petition.not_accepted`: intake recorded a submission it may not take as a PAKN (a complaint
/// or a denunciation, Decree 20 and seed 002 "Lưu ý"), with the reason and where to file it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionNotAcceptedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    /// `complaint` or `denunciation`.
    pub reason_code: String,
    pub reason_vi: String,
    pub where_to_file_vi: String,
    pub submitter: SubmitterV1,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
}

/// `petition.routed`: routing assigned a submission to a department of a unit, with the due
/// date the calendar gives. Carries the submission itself, so answering and notification need
/// no other event to act on it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionRoutedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    /// The unit that holds it now (the receiving body after a transfer).
    pub unit: String,
    pub unit_name: String,
    pub department: String,
    pub department_name: String,
    pub due_at: DateTime<Utc>,
    /// `initial`, `reroute` (within the unit) or `transfer` (to another body).
    pub reason_code: String,
    pub reason: Option<String>,
    pub actor: Option<String>,
    /// Whether the unit's policy has a department head review drafts before approval.
    #[serde(default)]
    pub review_required: bool,
    pub petition: PetitionReceivedV1,
}

/// `petition.transferred`: outside the unit's competence, sent to another body on the
/// platform (Decree 20, Art. 9: within 5 working days of receipt).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionTransferredV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub from_unit: String,
    pub to_unit: String,
    pub to_unit_name: String,
    pub reason: String,
    pub actor: String,
    pub transfer_due_at: DateTime<Utc>,
    /// Made after `transfer_due_at` (allowed, recorded and counted).
    #[serde(default)]
    pub late: bool,
    pub submitter: SubmitterV1,
}

/// `petition.refused`: on triage the unit decided it is not a PAKN it can accept (Decree 20,
/// Art. 9), with the reason; the submitter is told (by default within 3 working days).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionRefusedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub unit_name: String,
    pub reason: String,
    pub actor: String,
    pub refused_at: DateTime<Utc>,
    pub submitter: SubmitterV1,
}

/// `petition.answered`: the unit leader approved and signed the answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionAnsweredV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub unit_name: String,
    pub department: String,
    /// Official number, per unit and year, e.g. `12/2026/TL-PAKN`.
    pub official_number: String,
    pub answer: String,
    pub signed_by: String,
    pub answered_at: DateTime<Utc>,
    /// The full answer goes to the submitter only, unredacted.
    pub submitter: SubmitterV1,
}

/// `petition.published`: the public version (personal data removed unless consented) is online.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionPublishedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub published_at: DateTime<Utc>,
    pub public_path: String,
    pub submitter: SubmitterV1,
    /// The one-time token with which the submitter rates the answer (only its hash is kept).
    #[serde(default)]
    pub rating_token: Option<String>,
}

/// `petition.rated`: the submitter rated the answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PetitionRatedV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    /// 1 to 5; 4 and 5 count as satisfied (the satisfaction index).
    pub score: i16,
    pub rated_at: DateTime<Utc>,
}

/// `case.due_soon` / `case.overdue`: a deadline nears or passed; the department head and the
/// unit leader are told.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseDeadlineV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub department: String,
    pub due_at: DateTime<Utc>,
}

/// Reply to the holidays request: the working-day calendar as city IT keeps it in routing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HolidaysV1 {
    /// The days the calendar skips.
    pub days: Vec<chrono::NaiveDate>,
    /// Make-up working days: weekend days worked in exchange for a bridge day off.
    #[serde(default)]
    pub working_days: Vec<chrono::NaiveDate>,
    /// The city's office hours, e.g. `08:00-12:00,13:00-17:00`.
    #[serde(default)]
    pub office_hours: Option<String>,
    /// The office hours of units that keep their own, by unit code.
    #[serde(default)]
    pub unit_office_hours: std::collections::BTreeMap<String, String>,
    /// Deadline lengths by unit (`*` for the city's default) and class (`acknowledgement`,
    /// `refusal`, …): `8h` working hours or `3d` working days.
    #[serde(default)]
    pub deadlines: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// `conference.noticed`: a unit published the notice of a dialogue conference; questions may be
/// registered from now until `registration_closes_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceNoticedV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub venue: String,
    pub online_link: Option<String>,
    pub fields: Vec<String>,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
}

/// `conference.cancelled`: force majeure; every registered question gets a written answer by
/// `written_answers_due_at`. Each registrant is told by a `conference.registration_cancelled`
/// event of their own, so this one stays small whatever the number of registrants:
/// `registrants` is always empty now (kept, defaulted, for readers of the first version).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceCancelledV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub reason: String,
    pub written_answers_due_at: DateTime<Utc>,
    #[serde(default)]
    pub registrants: Vec<RegistrantV1>,
}

/// `conference.registration_cancelled`: one per registered question of a cancelled
/// conference: it will be answered in writing by `written_answers_due_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegistrationCancelledV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub reason: String,
    pub written_answers_due_at: DateTime<Utc>,
    pub registrant: RegistrantV1,
}

/// A registered question's submitter, for telling them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegistrantV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub submitter: SubmitterV1,
}

/// `conference.outcome_recorded`: what became of a registered question at the conference:
/// `answered` (on the spot), `written` (a written answer follows from `department` by
/// `due_at`) or `forwarded` (outside the unit's competence, sent to `forwarded_to`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceOutcomeV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub registrant: RegistrantV1,
    pub outcome: String,
    pub answer: Option<String>,
    pub department: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub forwarded_to: Option<String>,
}

/// `conference.recorded`: a conference's record as it stands after any change (planned,
/// noticed, moved, held, minutes or results published, cancelled) — what the dialogue
/// compliance of its organiser is judged on. Each carries the whole state, so a reader keeps
/// the latest and needs no other event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceRecordV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    /// `planned` | `noticed` | `held` | `cancelled`
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub notice_published_at: Option<DateTime<Utc>>,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub results_published_at: Option<DateTime<Utc>>,
    /// When this state was recorded: a reader keeps the newest.
    pub recorded_at: DateTime<Utc>,
}

/// `conference.reminder`: 48 hours before, to each registrant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceReminderV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub venue: String,
    pub registrant: RegistrantV1,
}

/// `conference.rescheduled`: a noticed conference moved (a new notice is out, at least 7 days
/// ahead), one event per registered question: its registrant is told, and a question whose
/// answer was due at the old time is due at the new one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConferenceRescheduledV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub previous_starts_at: DateTime<Utc>,
    pub venue: String,
    pub reason: String,
    pub registrant: RegistrantV1,
}

/// `conference.group_notice`: the notice of a dialogue, or its results notice, sent to the head
/// of one of the unit's residential groups (seeds 000, 001), one event per group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupNoticeV1 {
    pub conference_id: Uuid,
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    /// `notice` or `results`.
    pub what: String,
    pub starts_at: DateTime<Utc>,
    pub venue: String,
    /// The results notice as published (personal data removed); absent for a notice.
    pub text: Option<String>,
    pub group_name: String,
    /// The group's head: name and where to reach them.
    pub head: SubmitterV1,
}

/// `citizen_notice.due_soon` / `citizen_notice.overdue` (notification's stream): a first notice
/// to the citizen (the acknowledgement within 8 working hours, a non-acceptance or refusal
/// within 3 working days, or the unit's own policy for each) is near its deadline still
/// undelivered, or past it. For city IT's alerts and the reports; the notice watch itself tells
/// the unit's reception. Once each per message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoticeDeadlineV1 {
    pub message_id: Uuid,
    pub unit: String,
    pub tracking_code: Option<String>,
    /// `acknowledgement`, `not_accepted` or `refusal`.
    pub kind: String,
    /// `email`, `sms` or `post` (a letter the reception has not marked posted yet).
    pub channel: String,
    pub due_at: DateTime<Utc>,
}

/// `petition.triage_due_soon` / `petition.triage_overdue` (routing): a petition nobody at its
/// unit has triaged yet (accepted, re-routed, transferred, refused) is near, or past, the
/// Decree 20 Art. 9 deadline for transferring what is outside the unit's competence. Once each.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TriageDeadlineV1 {
    pub petition_id: Uuid,
    pub tracking_code: String,
    pub unit: String,
    pub due_at: DateTime<Utc>,
}

/// `conference.compliance_reminder`: a unit is (or is about to be) off track — no dialogue
/// for nearly 6 months with none planned (`due_within_30_days`), or a results notice more
/// than 10 days late (`results_notice_overdue`). Its leader is reminded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ComplianceReminderV1 {
    pub unit: String,
    pub unit_name: String,
    pub reason: String,
    pub last_conference: Option<DateTime<Utc>>,
}

/// `case.draft_prepared`: a department drafted (or redrafted) the answer to a question
/// registered for a dialogue conference; the agenda shows it as the prepared answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftPreparedV1 {
    pub petition_id: Uuid,
    pub conference_id: Uuid,
    pub unit: String,
    pub draft: String,
    pub author: String,
}

/// The time-ordered id used for events.
pub fn new_event_id() -> Uuid {
    Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_round_trips_through_its_wire_name() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    #[test]
    fn petition_kind_rejects_complaints() {
        assert_eq!(PetitionKind::parse("complaint"), None);
        assert_eq!(
            PetitionKind::parse("feedback"),
            Some(PetitionKind::Feedback)
        );
    }
}
