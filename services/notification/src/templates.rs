//! The Vietnamese texts citizens and staff receive, as templates in `templates/` (one per kind
//! of message: its first line is the subject, the rest after a blank line the body). Dates are
//! shown in Hanoi time. Each function renders one kind from its event.

use doithoai_contracts::{
    CaseDeadlineV1, ComplianceReminderV1, ConferenceOutcomeV1, ConferenceReminderV1,
    ConferenceRescheduledV1, GroupNoticeV1, NoticeDeadlineV1, PetitionAnsweredV1,
    PetitionNotAcceptedV1, PetitionPublishedV1, PetitionReceivedV1, PetitionRefusedV1,
    PetitionRoutedV1, PetitionTransferredV1, RegistrationCancelledV1, TriageDeadlineV1,
};
use doithoai_web::Templates;
use serde::Serialize;
use std::sync::LazyLock;

macro_rules! sources {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

const SOURCES: &[(&str, &str)] = sources!(
    "signature.txt",
    "acknowledgement.txt",
    "not_accepted.txt",
    "assignment.txt",
    "transfer.txt",
    "refusal.txt",
    "answer.txt",
    "rating_invitation.txt",
    "due_soon.txt",
    "overdue.txt",
    "conference_outcome.txt",
    "registration_cancelled.txt",
    "conference_reminder.txt",
    "conference_rescheduled.txt",
    "group_notice.txt",
    "triage_deadline.txt",
    "compliance_reminder.txt",
    "notice_deadline.txt",
);

static TEXTS: LazyLock<Result<Templates, String>> =
    LazyLock::new(|| Templates::new(SOURCES).map_err(|e| format!("{e:#}")));

/// Loads the templates: a template that does not parse stops the service from starting.
pub fn check() -> anyhow::Result<()> {
    TEXTS
        .as_ref()
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A message: (subject, body).
pub type Text = anyhow::Result<(String, String)>;

fn render(name: &str, event: impl Serialize) -> Text {
    let texts = TEXTS.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = texts.render(name, event)?;
    let (subject, body) = text
        .split_once("\n\n")
        .ok_or_else(|| anyhow::anyhow!("template {name}: no blank line after the subject"))?;
    // The subject is a header: one line whatever a value held, so no value can add a header.
    let subject = subject
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok((subject, body.trim_end().to_owned()))
}

pub fn acknowledgement(p: &PetitionReceivedV1) -> Text {
    render("acknowledgement.txt", p)
}

pub fn not_accepted(p: &PetitionNotAcceptedV1) -> Text {
    render("not_accepted.txt", p)
}

pub fn assignment(r: &PetitionRoutedV1) -> Text {
    render("assignment.txt", r)
}

pub fn transfer(t: &PetitionTransferredV1) -> Text {
    render("transfer.txt", t)
}

pub fn refusal(r: &PetitionRefusedV1) -> Text {
    render("refusal.txt", r)
}

pub fn answer(a: &PetitionAnsweredV1) -> Text {
    render("answer.txt", a)
}

pub fn rating_invitation(p: &PetitionPublishedV1) -> Text {
    render("rating_invitation.txt", p)
}

pub fn deadline(c: &CaseDeadlineV1, overdue: bool) -> Text {
    render(
        if overdue {
            "overdue.txt"
        } else {
            "due_soon.txt"
        },
        c,
    )
}

pub fn conference_outcome(o: &ConferenceOutcomeV1) -> Text {
    render("conference_outcome.txt", o)
}

pub fn registration_cancelled(c: &RegistrationCancelledV1) -> Text {
    render("registration_cancelled.txt", c)
}

pub fn conference_reminder(r: &ConferenceReminderV1) -> Text {
    render("conference_reminder.txt", r)
}

pub fn conference_rescheduled(r: &ConferenceRescheduledV1) -> Text {
    render("conference_rescheduled.txt", r)
}

pub fn group_notice(g: &GroupNoticeV1) -> Text {
    render("group_notice.txt", g)
}

/// The reception's reminder of a triage deadline (`overdue`: past it).
pub fn triage_deadline(t: &TriageDeadlineV1, overdue: bool) -> Text {
    #[derive(Serialize)]
    struct View<'a> {
        #[serde(flatten)]
        t: &'a TriageDeadlineV1,
        overdue: bool,
    }
    render("triage_deadline.txt", &View { t, overdue })
}

pub fn compliance_reminder(c: &ComplianceReminderV1) -> Text {
    render("compliance_reminder.txt", c)
}

/// To the unit's reception: a first notice to a citizen is near or past its deadline.
pub fn notice_deadline(n: &NoticeDeadlineV1, overdue: bool) -> Text {
    #[derive(Serialize)]
    struct View<'a> {
        #[serde(flatten)]
        n: &'a NoticeDeadlineV1,
        overdue: bool,
    }
    render("notice_deadline.txt", &View { n, overdue })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use doithoai_contracts::{RegistrantV1, SubmitterV1};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn outcome(kind: &str) -> ConferenceOutcomeV1 {
        ConferenceOutcomeV1 {
            conference_id: uuid::Uuid::nil(),
            unit: "phuong-lang".into(),
            title: "Đối thoại quý IV".into(),
            registrant: RegistrantV1 {
                petition_id: uuid::Uuid::nil(),
                tracking_code: "AB12-CD34-EF5".into(),
                submitter: SubmitterV1 {
                    kind: "individual".into(),
                    name: "Nguyễn Văn An".into(),
                    organization: None,
                    address: "12 Láng".into(),
                    phone: None,
                    email: Some("an@example.vn".into()),
                },
            },
            outcome: kind.into(),
            answer: Some("Đã sửa quy trình.".into()),
            department: Some("Văn phòng".into()),
            due_at: Some(at("2026-12-01T03:00:00Z")),
            forwarded_to: None,
        }
    }

    /// A moved conference tells the registrant both times, in Hanoi time, the new venue and why.
    #[test]
    fn a_moved_conference_reads_with_both_times_and_the_reason() {
        let o = outcome("answered");
        let (subject, body) = conference_rescheduled(&ConferenceRescheduledV1 {
            conference_id: o.conference_id,
            unit: o.unit,
            title: o.title,
            starts_at: at("2026-12-10T01:00:00Z"),
            previous_starts_at: at("2026-12-03T01:00:00Z"),
            venue: "Nhà văn hóa tổ 5".into(),
            reason: "Trùng lịch bầu cử".into(),
            registrant: o.registrant,
        })
        .unwrap();
        assert!(subject.contains("dời lịch"), "{subject}");
        for part in [
            "08:00 ngày 03/12/2026",
            "08:00 ngày 10/12/2026",
            "Nhà văn hóa tổ 5",
            "Trùng lịch bầu cử",
            "AB12-CD34-EF5",
        ] {
            assert!(body.contains(part), "{part} in {body}");
        }
    }

    /// The reception is reminded of a triage deadline, and told when it has passed.
    #[test]
    fn the_reception_reads_the_triage_deadline() {
        let t = TriageDeadlineV1 {
            petition_id: uuid::Uuid::nil(),
            tracking_code: "AB12-CD34-EF5".into(),
            unit: "phuong-lang".into(),
            due_at: at("2026-12-10T10:00:00Z"),
        };
        let (subject, body) = triage_deadline(&t, true).unwrap();
        assert!(subject.starts_with("Quá hạn phân loại"), "{subject}");
        assert!(
            body.contains("17:00 ngày 10/12/2026") && body.contains("đã quá"),
            "{body}"
        );
        let (subject, _) = triage_deadline(&t, false).unwrap();
        assert!(subject.starts_with("Sắp đến hạn"), "{subject}");
    }

    /// A residential group's head gets the notice, and later the results notice with its text.
    #[test]
    fn a_group_head_reads_the_notice_and_the_results() {
        let o = outcome("answered");
        let mut g = GroupNoticeV1 {
            conference_id: o.conference_id,
            unit: o.unit,
            unit_name: "Phường Láng".into(),
            title: o.title,
            what: "notice".into(),
            starts_at: at("2026-12-10T01:00:00Z"),
            venue: "Hội trường UBND phường".into(),
            text: None,
            group_name: "Tổ dân phố số 5".into(),
            head: o.registrant.submitter,
        };
        let (subject, body) = group_notice(&g).unwrap();
        assert!(
            subject.starts_with("Thông báo hội nghị đối thoại"),
            "{subject}"
        );
        for part in [
            "Tổ trưởng Tổ dân phố số 5",
            "08:00 ngày 10/12/2026",
            "Hội trường UBND phường",
        ] {
            assert!(body.contains(part), "{part} in {body}");
        }
        g.what = "results".into();
        g.text = Some("Đã trả lời 12 câu hỏi; 3 câu trả lời bằng văn bản.".into());
        let (subject, body) = group_notice(&g).unwrap();
        assert!(subject.starts_with("Thông báo kết quả"), "{subject}");
        assert!(body.contains("Đã trả lời 12 câu hỏi"), "{body}");
    }

    /// Hostile values (stored before the input rules, or from another service) cannot add a
    /// header to an email: the subject stays one line, and the message lettre builds from it has
    /// one Subject and no injected header.
    #[test]
    fn hostile_values_cannot_inject_a_header() {
        let mut o = outcome("answered");
        o.registrant.tracking_code = "AB12\r\nBcc: evil@example.com\r\nX-Evil: 1".into();
        o.title = "<b>Đối thoại</b>\r\n\r\nX-Evil: 2".into();
        let (subject, body) = conference_outcome(&o).unwrap();
        assert!(!subject.contains(['\r', '\n']), "{subject:?}");
        let message = lettre::Message::builder()
            .from("a@example.vn".parse().unwrap())
            .to("b@example.vn".parse().unwrap())
            .subject(subject)
            .body(body)
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let (headers, _) = raw.split_once("\r\n\r\n").unwrap();
        let names: Vec<&str> = headers
            .split("\r\n")
            .filter(|l| !l.starts_with([' ', '\t']))
            .filter_map(|l| l.split_once(':').map(|(n, _)| n))
            .collect();
        assert_eq!(
            names.iter().filter(|n| **n == "Subject").count(),
            1,
            "{headers}"
        );
        assert!(
            !names
                .iter()
                .any(|n| n.eq_ignore_ascii_case("bcc") || n.starts_with("X-Evil")),
            "{headers}"
        );
    }

    #[test]
    fn every_template_loads() {
        check().unwrap();
    }

    #[test]
    fn each_outcome_reads_as_a_sentence_and_ends_with_the_signature() {
        let (subject, body) = conference_outcome(&outcome("answered")).unwrap();
        assert_eq!(
            subject,
            "Kết quả câu hỏi AB12-CD34-EF5 tại hội nghị đối thoại"
        );
        assert!(body.starts_with("Kính gửi ông/bà Nguyễn Văn An,\n\nHội nghị \"Đối thoại quý IV\": Câu hỏi đã được trả lời tại hội nghị:\n\nĐã sửa quy trình.\n\n—\n"), "{body}");
        assert!(body.ends_with("Thư này được gửi tự động, xin không trả lời."));
        let (_, body) = conference_outcome(&outcome("written")).unwrap();
        assert!(body.contains(": Câu hỏi sẽ được trả lời bằng văn bản bởi Văn phòng, hạn 10:00 ngày 01/12/2026.\n\n—"), "{body}");
        let (_, body) = conference_outcome(&outcome("forwarded")).unwrap();
        assert!(
            body.contains("đã được chuyển đến cơ quan có thẩm quyền để giải quyết."),
            "{body}"
        );
    }

    #[test]
    fn a_compliance_reminder_says_why_and_when_the_last_one_was() {
        let mut c = ComplianceReminderV1 {
            unit: "phuong-lang".into(),
            unit_name: "Phường Láng".into(),
            reason: "due_within_30_days".into(),
            last_conference: None,
        };
        let (subject, body) = compliance_reminder(&c).unwrap();
        assert_eq!(subject, "Nhắc việc đối thoại: Phường Láng");
        assert!(
            body.contains("hội nghị gần nhất: chưa có. Chưa có hội nghị"),
            "{body}"
        );
        c.last_conference = Some(at("2026-03-10T01:00:00Z"));
        assert!(
            compliance_reminder(&c)
                .unwrap()
                .1
                .contains("gần nhất: 08:00 ngày 10/03/2026.")
        );
        c.reason = "results_notice_overdue".into();
        let (_, body) = compliance_reminder(&c).unwrap();
        assert!(body.starts_with("Kính gửi lãnh đạo Phường Láng,\n\nThông báo kết quả hội nghị đối thoại đã quá 10 ngày mà chưa được đăng.\n\n—"), "{body}");
    }

    #[test]
    fn deadlines_tell_due_soon_from_overdue() {
        let c = CaseDeadlineV1 {
            petition_id: uuid::Uuid::nil(),
            tracking_code: "AB12-CD34-EF5".into(),
            unit: "phuong-lang".into(),
            department: "van-phong".into(),
            due_at: at("2026-12-01T03:00:00Z"),
        };
        assert!(deadline(&c, true).unwrap().0.starts_with("QUÁ HẠN"));
        assert!(
            deadline(&c, false)
                .unwrap()
                .1
                .contains("sắp đến hạn trả lời (10:00 ngày 01/12/2026).")
        );
    }
}
