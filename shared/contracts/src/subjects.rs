//! NATS subject and stream names.
//!
//! Subjects read as sentences and end with the unit, so a consumer can take one ward or all:
//! `{ns}.intake.petition.received.{unit}`. `ns` is the deployment's namespace (`dt` by
//! default); tests use a fresh one each so they never see each other's messages.

/// Subject for an event published by `service`, e.g.
/// `subject("dt", "intake", "petition.received", "phuong-lang")`.
///
/// ```
/// assert_eq!(
///     doithoai_contracts::subjects::subject("dt", "intake", "petition.received", "phuong-lang"),
///     "dt.intake.petition.received.phuong-lang"
/// );
/// ```
pub fn subject(ns: &str, service: &str, event: &str, unit: &str) -> String {
    format!("{ns}.{service}.{event}.{unit}")
}

/// Wildcard covering every subject a service publishes.
pub fn service_wildcard(ns: &str, service: &str) -> String {
    format!("{ns}.{service}.>")
}

/// The JetStream stream a service owns, e.g. `DT_INTAKE`.
pub fn stream_name(ns: &str, service: &str) -> String {
    format!("{}_{}", ns, service)
        .to_uppercase()
        .replace(['.', '-'], "_")
}

pub const INTAKE: &str = "intake";
/// The stream of the submitter's contact details (`{ns}.contacts.>`, stream `{NS}_CONTACTS`):
/// intake writes `petition.received` and `petition.not_accepted` there with phone and email,
/// and only notification — the one service that contacts the submitter — may read it. The
/// same events on intake's own stream carry no phone or email.
pub const CONTACTS: &str = "contacts";
pub const PETITION_RECEIVED: &str = "petition.received";
pub const PETITION_NOT_ACCEPTED: &str = "petition.not_accepted";
pub const ROUTING: &str = "routing";
pub const PETITION_ROUTED: &str = "petition.routed";
pub const PETITION_TRANSFERRED: &str = "petition.transferred";
pub const PETITION_REFUSED: &str = "petition.refused";
pub const TRIAGE_DUE_SOON: &str = "petition.triage_due_soon";
pub const TRIAGE_OVERDUE: &str = "petition.triage_overdue";
pub const ANSWERING: &str = "answering";
pub const PETITION_ANSWERED: &str = "petition.answered";
pub const PETITION_PUBLISHED: &str = "petition.published";
pub const PETITION_RATED: &str = "petition.rated";
pub const CASE_DUE_SOON: &str = "case.due_soon";
pub const CASE_OVERDUE: &str = "case.overdue";

/// Wildcard for one event of a service, every unit: `{ns}.{service}.{event}.*`.
pub fn event_wildcard(ns: &str, service: &str, event: &str) -> String {
    format!("{ns}.{service}.{event}.*")
}

/// Request/reply: routing answers with the holidays of its calendar (`HolidaysV1`). Under
/// `{ns}.rpc.`, outside every stream's subjects, so requests are never stored in JetStream.
pub fn holidays_request(ns: &str) -> String {
    format!("{ns}.rpc.routing.holidays")
}

pub const SCHEDULING: &str = "scheduling";
pub const CONFERENCE_NOTICED: &str = "conference.noticed";
pub const CONFERENCE_CANCELLED: &str = "conference.cancelled";
pub const REGISTRATION_CANCELLED: &str = "conference.registration_cancelled";
pub const CONFERENCE_OUTCOME: &str = "conference.outcome_recorded";
pub const CONFERENCE_RECORDED: &str = "conference.recorded";
pub const CONFERENCE_REMINDER: &str = "conference.reminder";
pub const CONFERENCE_RESCHEDULED: &str = "conference.rescheduled";
pub const GROUP_NOTICE: &str = "conference.group_notice";
pub const NOTIFICATION: &str = "notification";
pub const NOTICE_DUE_SOON: &str = "citizen_notice.due_soon";
pub const NOTICE_OVERDUE: &str = "citizen_notice.overdue";
pub const COMPLIANCE_REMINDER: &str = "conference.compliance_reminder";
pub const DRAFT_PREPARED: &str = "case.draft_prepared";
