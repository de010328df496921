//! A submission as the API receives it, checked against Decree 20 Art. 7 and our limits, and
//! turned into a [`Submission`] or a list of [`FieldError`]s — never half of both.
//!
//! The body is a typed command read against the service's reference data and the caller's
//! scope ([`CommandIn`]) by the platform's one field reader ([`Fields`]: its text rules,
//! types and times), so every violation names its field (`submitter.phone`), including wrong
//! types, and all of them come back at once.
//!
//! Limits (also in the README and the OpenAPI document): title 250 characters, content 10,000,
//! name 150, organization 250, address 500, email 254, procedure code 64, phone 32.

use super::complaint::{NotPakn, Suspect, Verdict, classify};
use super::email::EmailAddress;
use super::phone::PhoneNumber;
use super::reference::Reference;
use chrono::{DateTime, Utc};
use doithoai_contracts::{Channel, PetitionKind};
use doithoai_web::input::{CommandIn, Fields};
use doithoai_web::{FieldError, Lang};
use serde_json::Value;
use uuid::Uuid;

pub const MAX_TITLE: usize = 250;
pub const MAX_CONTENT: usize = 10_000;
pub const MAX_NAME: usize = 150;
pub const MAX_ORGANIZATION: usize = 250;
pub const MAX_ADDRESS: usize = 500;
pub const MAX_EMAIL: usize = 254;
pub const MAX_PROCEDURE_CODE: usize = 64;
pub const MAX_PHONE: usize = 32;
/// How far back a clerk may date a submission received by another channel.
pub const MAX_BACKDATE_DAYS: i64 = 366;

/// What the submission is, once classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classified {
    Pakn(PetitionKind),
    NotAccepted(NotPakn),
}

impl Classified {
    pub fn kind_str(self) -> &'static str {
        match self {
            Classified::Pakn(k) => k.as_str(),
            Classified::NotAccepted(n) => n.code(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Submitter {
    /// `individual` or `organization`.
    pub kind: String,
    pub name: String,
    pub organization: Option<String>,
    pub address: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
}

/// A valid submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub unit: String,
    pub class: Classified,
    pub field: String,
    pub procedure_code: Option<String>,
    pub content_type: Option<i16>,
    pub title: Option<String>,
    pub content: String,
    pub submitter: Submitter,
    pub consent_to_publish_identity: bool,
    pub conference_id: Option<Uuid>,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    /// About an official's conduct (Decree 20, Art. 9): routed to the body managing them.
    pub official_conduct: bool,
    /// Reads like a complaint, a denunciation or a text about an official, without certainty:
    /// recorded, and held (no event) until a clerk triages it.
    pub held_for_triage: Option<Suspect>,
}

/// The note on the first step of a petition's timeline: how it was received.
pub fn receipt_note(channel: &str) -> &'static str {
    match Channel::parse(channel) {
        Some(Channel::Web) => "Tiếp nhận qua cổng trực tuyến",
        Some(Channel::Phone) => "Tiếp nhận qua điện thoại",
        Some(Channel::InPerson) => "Tiếp nhận trực tiếp tại bộ phận tiếp nhận",
        Some(Channel::Post) => "Tiếp nhận qua đường bưu chính",
        Some(Channel::Email) => "Tiếp nhận qua thư điện tử",
        Some(Channel::DialogueFloor) => "Tiếp nhận tại hội nghị đối thoại",
        None => "Đã tiếp nhận",
    }
}

/// Whether the submission came through the public form or a clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Public,
    /// A clerk recording what arrived by phone, in person, by post or email: `channel` and the
    /// real `received_at` are required.
    Staff,
}

/// What a submission is read against besides its body.
pub struct Context<'a> {
    pub origin: Origin,
    pub reference: &'a Reference,
    /// The one unit that may be named (a ward clerk's own): any other is answered exactly as
    /// a unit that does not exist, so a token cannot learn which units exist.
    pub unit_scope: Option<&'a str>,
    /// The server's clock: the receipt time of a public submission.
    pub now: DateTime<Utc>,
}

const TOP_FIELDS: &[&str] = &[
    "unit",
    "kind",
    "field",
    "procedure_code",
    "content_type",
    "title",
    "content",
    "submitter",
    "consent_to_publish_identity",
    "conference_id",
    "channel",
    "received_at",
];
const SUBMITTER_FIELDS: &[&str] = &["kind", "name", "organization", "address", "phone", "email"];

/// The body fields the checker reads (a staff submission's; the public one has neither
/// `channel` nor `received_at`), and the submitter's.
pub fn fields() -> (&'static [&'static str], &'static [&'static str]) {
    (TOP_FIELDS, SUBMITTER_FIELDS)
}

/// Checks a request body (as [`Body::valid_in`](doithoai_web::input::Body::valid_in) does in
/// the handlers): the submission, or every field error at once.
pub fn parse(
    body: &Value,
    origin: Origin,
    reference: &Reference,
    unit_scope: Option<&str>,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Submission, Vec<FieldError>> {
    let ctx = Context {
        origin,
        reference,
        unit_scope,
        now,
    };
    Fields::run_in::<Submission, _>(body, lang, &ctx)
}

impl<'a> CommandIn<Context<'a>> for Submission {
    fn parse(f: &mut Fields<'_>, ctx: &Context<'a>) -> Option<Self> {
        f.refuse_unknown(TOP_FIELDS);
        let reference = ctx.reference;

        let unit = f.line("unit", 64, true).and_then(|u| {
            if reference.units.contains_key(&u) && ctx.unit_scope.is_none_or(|scope| scope == u) {
                Some(u)
            } else {
                f.error(
                    "unit",
                    "unknown_unit",
                    "Không có phường, xã nào với mã này",
                    "No ward or commune has this code",
                );
                None
            }
        });

        let class = f.line("kind", 64, true).and_then(|k| {
            if let Some(kind) = PetitionKind::parse(&k) {
                Some(Classified::Pakn(kind))
            } else if let Some(n) = NotPakn::from_kind(&k).filter(|n| *n != NotPakn::Anonymous) {
                Some(Classified::NotAccepted(n))
            } else {
                f.error("kind", "unknown_value", "Phải là feedback (phản ánh), recommendation (kiến nghị) hoặc dialogue_question (câu hỏi đối thoại)", "Must be feedback, recommendation or dialogue_question");
                None
            }
        });

        let field = f.line("field", 64, true).and_then(|code| {
            if reference.fields.contains_key(&code) {
                Some(code)
            } else {
                f.error(
                    "field",
                    "unknown_field_code",
                    "Không có lĩnh vực nào với mã này",
                    "No procedure field has this code",
                );
                None
            }
        });

        let procedure_code = f
            .line("procedure_code", MAX_PROCEDURE_CODE, false)
            .and_then(|p| {
                if p.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'))
                {
                    Some(p)
                } else {
                    f.error(
                        "procedure_code",
                        "invalid_format",
                        "Mã thủ tục chỉ gồm chữ, số, dấu chấm, gạch ngang",
                        "A procedure code holds only letters, digits, dots and dashes",
                    );
                    None
                }
            });

        // The eight content types of Decree 20, Art. 5.
        let content_type = f
            .integer("content_type", 1..=8, false)
            .and_then(|v| i16::try_from(v).ok());
        let title = f.line("title", MAX_TITLE, false);
        let content = f.text("content", MAX_CONTENT, true);
        let (channel, received_at) = match ctx.origin {
            Origin::Public => {
                for k in ["channel", "received_at"] {
                    if f.has(k) {
                        f.error(
                            k,
                            "not_allowed",
                            "Chỉ cán bộ tiếp nhận mới ghi trường này",
                            "Only staff entries carry this field",
                        );
                    }
                }
                (Some(Channel::Web), Some(ctx.now))
            }
            Origin::Staff => (parse_channel(f), parse_received_at(f, ctx.now)),
        };
        // A letter by post or handed in may give only a mailing address as the contact (Decree
        // 20, Art. 7); one without its sender's name is recorded as not accepted (anonymous).
        let by_letter = matches!(channel, Some(Channel::Post | Channel::InPerson));
        let (submitter, anonymous) = read_submitter(f, by_letter);

        let consent = f.boolean("consent_to_publish_identity").unwrap_or(false);

        let conference_id = f
            .line("conference_id", 64, false)
            .and_then(|s| match Uuid::parse_str(&s) {
                Ok(u) => Some(u),
                Err(_) => {
                    f.error(
                        "conference_id",
                        "invalid_format",
                        "Mã hội nghị không hợp lệ",
                        "Not a valid conference id",
                    );
                    None
                }
            });
        if conference_id.is_some()
            && class.is_some_and(|c| c != Classified::Pakn(PetitionKind::DialogueQuestion))
        {
            f.error(
                "conference_id",
                "not_allowed",
                "Chỉ câu hỏi đối thoại (dialogue_question) mới gắn với hội nghị",
                "Only a dialogue_question names a conference",
            );
        }

        // A complaint or denunciation that arrived labelled as feedback is still one; what
        // reads like one without certainty waits for a clerk (Decree 20, Art. 9: triage).
        let verdict = match (class, content.as_deref()) {
            (Some(Classified::Pakn(_)), Some(ct)) if !anonymous => classify(title.as_deref(), ct),
            _ => Verdict::Pakn,
        };
        let class = class.map(|k| match (k, verdict) {
            _ if anonymous => Classified::NotAccepted(NotPakn::Anonymous),
            (Classified::Pakn(_), Verdict::Sure(Suspect::Complaint)) => {
                Classified::NotAccepted(NotPakn::Complaint)
            }
            (Classified::Pakn(_), Verdict::Sure(Suspect::Denunciation)) => {
                Classified::NotAccepted(NotPakn::Denunciation)
            }
            (other, _) => other,
        });
        let official_conduct = verdict == Verdict::Sure(Suspect::OfficialConduct);
        // A dialogue question is not held: it is answered at its conference, whose agenda a
        // clerk prepares anyway.
        let held_for_triage = match (class, verdict) {
            (Some(Classified::Pakn(kind)), Verdict::Unsure(s))
                if kind != PetitionKind::DialogueQuestion =>
            {
                Some(s)
            }
            _ => None,
        };

        Some(Submission {
            unit: unit?,
            class: class?,
            field: field?,
            procedure_code,
            content_type,
            title,
            content: content?,
            submitter: submitter?,
            consent_to_publish_identity: consent,
            conference_id,
            channel: channel?,
            received_at: received_at?,
            official_conduct,
            held_for_triage,
        })
    }
}

/// The submitter, and whether a letter (`by_letter`: post or in person) is anonymous. A letter
/// may give a mailing address as its only contact; one that names no sender is anonymous.
fn read_submitter(f: &mut Fields<'_>, by_letter: bool) -> (Option<Submitter>, bool) {
    let anonymous = |address: String| Submitter {
        kind: "individual".to_owned(),
        name: String::new(),
        organization: None,
        address,
        phone: None,
        email: None,
    };
    match f.raw("submitter") {
        None | Some(Value::Null) if by_letter => return (Some(anonymous(String::new())), true),
        None | Some(Value::Null) => {
            f.error("submitter", "required", "Cần họ tên, địa chỉ và số điện thoại hoặc email của người gửi (Nghị định 20, Điều 7)", "The submitter's name, address and a phone or email are required (Decree 20, Art. 7)");
            return (None, false);
        }
        Some(Value::Object(s))
            if by_letter
                && s.get("name").is_none_or(|n| {
                    n.is_null() || n.as_str().is_some_and(|n| n.trim().is_empty())
                }) =>
        {
            let address = s
                .get("address")
                .and_then(Value::as_str)
                .map(|a| a.trim().chars().take(MAX_ADDRESS).collect())
                .unwrap_or_default();
            return (Some(anonymous(address)), true);
        }
        _ => {}
    }
    let submitter = f.object("submitter", true, |s| read_named_submitter(s, by_letter));
    (submitter, false)
}

fn read_named_submitter(s: &mut Fields<'_>, by_letter: bool) -> Option<Submitter> {
    s.refuse_unknown(SUBMITTER_FIELDS);
    let kind = s
        .line("kind", 32, false)
        .unwrap_or_else(|| "individual".to_owned());
    let kind_ok = matches!(kind.as_str(), "individual" | "organization");
    if !kind_ok {
        s.error(
            "kind",
            "unknown_value",
            "Phải là individual (cá nhân) hoặc organization (tổ chức)",
            "Must be individual or organization",
        );
    }
    let name = s.line("name", MAX_NAME, true);
    let organization = s.line("organization", MAX_ORGANIZATION, kind == "organization");
    let address = s.line("address", MAX_ADDRESS, true);

    let phone_raw = s.line("phone", MAX_PHONE, false);
    let phone = phone_raw.as_deref().and_then(|p| {
        let parsed = PhoneNumber::parse(p);
        if parsed.is_none() {
            s.error(
                "phone",
                "invalid_phone",
                "Số điện thoại Việt Nam không hợp lệ (ví dụ 0912 345 678 hoặc +84 912 345 678)",
                "Not a valid Vietnamese phone number (e.g. 0912 345 678 or +84 912 345 678)",
            );
        }
        parsed
    });
    let email_raw = s.line("email", MAX_EMAIL, false);
    let email = email_raw.as_deref().and_then(|e| {
        let parsed = EmailAddress::parse(e);
        if parsed.is_none() {
            s.error(
                "email",
                "invalid_email",
                "Địa chỉ email không hợp lệ",
                "Not a valid email address",
            );
        }
        parsed
    });
    if phone_raw.is_none() && email_raw.is_none() && !by_letter {
        s.error(
            "phone",
            "contact_required",
            "Cần ít nhất số điện thoại hoặc email để liên hệ (Nghị định 20, Điều 7)",
            "At least a phone number or an email is required (Decree 20, Art. 7)",
        );
    }
    if !kind_ok || phone.is_none() && email.is_none() && !by_letter {
        return None;
    }
    Some(Submitter {
        kind,
        name: name?,
        organization,
        address: address?,
        phone,
        email,
    })
}

fn parse_channel(f: &mut Fields<'_>) -> Option<Channel> {
    let raw = f.line("channel", 32, true)?;
    match Channel::parse(&raw) {
        Some(Channel::Web) | None => {
            f.error(
                "channel",
                "unknown_value",
                "Phải là phone, in_person, post, email hoặc dialogue_floor",
                "Must be phone, in_person, post, email or dialogue_floor",
            );
            None
        }
        Some(ch) => Some(ch),
    }
}

fn parse_received_at(f: &mut Fields<'_>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let t = f.time("received_at", true)?;
    if t > now + chrono::Duration::minutes(5) {
        f.error(
            "received_at",
            "in_future",
            "Thời điểm tiếp nhận không được ở tương lai",
            "The time of receipt cannot be in the future",
        );
        return None;
    }
    if t < now - chrono::Duration::days(MAX_BACKDATE_DAYS) {
        f.error(
            "received_at",
            "too_old",
            "Thời điểm tiếp nhận quá một năm trước",
            "The time of receipt is more than a year ago",
        );
        return None;
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference() -> Reference {
        Reference::load().unwrap()
    }

    fn valid() -> Value {
        json!({
            "unit": "phuong-lang",
            "kind": "feedback",
            "field": "ho-tich",
            "content": "Thủ tục đăng ký khai sinh phải nộp giấy tờ trùng lặp.",
            "submitter": {"name": "Nguyễn Văn An", "address": "12 Láng, Đống Đa", "phone": "0912 345 678"}
        })
    }

    fn codes(v: Value, origin: Origin) -> Vec<(String, String)> {
        match parse(&v, origin, &reference(), None, Lang::Vi, Utc::now()) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    fn letter(submitter: Value) -> Value {
        let mut v = valid();
        v["channel"] = json!("post");
        v["received_at"] = json!((Utc::now() - chrono::Duration::hours(2)).to_rfc3339());
        v["submitter"] = submitter;
        v
    }

    /// Decree 20/2008/NĐ-CP, Art. 7: a letter by post (or handed in) may give its mailing
    /// address as the only contact; a phone call or the web form still needs a phone or email.
    #[test]
    fn decree_20_art_7_a_letter_may_give_only_its_mailing_address() {
        let v = letter(json!({"name": "Trần Thị Bình", "address": "Số 5 ngõ 12 phố Láng"}));
        let s = parse(&v, Origin::Staff, &reference(), None, Lang::Vi, Utc::now()).unwrap();
        assert_eq!(s.class, Classified::Pakn(PetitionKind::Feedback));
        assert!(s.submitter.phone.is_none() && s.submitter.email.is_none());
        let mut call = v.clone();
        call["channel"] = json!("phone");
        assert!(
            codes(call, Origin::Staff)
                .contains(&("submitter.phone".into(), "contact_required".into()))
        );
        let mut nameless_address = letter(json!({"name": "Trần Thị Bình"}));
        nameless_address["channel"] = json!("in_person");
        assert!(
            codes(nameless_address, Origin::Staff)
                .contains(&("submitter.address".into(), "required".into())),
            "a named letter still needs its address"
        );
    }

    /// Decree 20/2008/NĐ-CP, Art. 7: a letter that names no sender is recorded as not accepted
    /// (anonymous), with the reason, instead of being refused or processed.
    #[test]
    fn decree_20_art_7_an_anonymous_letter_is_recorded_as_not_accepted() {
        for submitter in [
            json!(null),
            json!({"address": "Tổ 5"}),
            json!({"name": "  "}),
        ] {
            let s = parse(
                &letter(submitter.clone()),
                Origin::Staff,
                &reference(),
                None,
                Lang::Vi,
                Utc::now(),
            )
            .unwrap_or_else(|e| panic!("{submitter}: {e:?}"));
            assert_eq!(
                s.class,
                Classified::NotAccepted(NotPakn::Anonymous),
                "{submitter}"
            );
        }
        // Not from the web form: an unsigned web submission is refused, naming what is missing.
        let mut web = valid();
        web["submitter"] = json!(null);
        assert!(codes(web, Origin::Public).contains(&("submitter".into(), "required".into())));
        let mut kind = valid();
        kind["kind"] = json!("anonymous");
        assert!(codes(kind, Origin::Public).contains(&("kind".into(), "unknown_value".into())));
    }

    #[test]
    fn valid_submission_is_accepted_with_normalised_phone() {
        let s = parse(
            &valid(),
            Origin::Public,
            &reference(),
            None,
            Lang::Vi,
            Utc::now(),
        )
        .unwrap();
        assert_eq!(s.submitter.phone.unwrap().as_str(), "+84912345678");
        assert_eq!(s.channel, Channel::Web);
        assert_eq!(s.class, Classified::Pakn(PetitionKind::Feedback));
    }

    #[test]
    fn anonymous_submission_is_refused_naming_each_missing_field() {
        let mut v = valid();
        v["submitter"] = json!({"name": " ", "address": ""});
        let got = codes(v, Origin::Public);
        assert!(got.contains(&("submitter.name".into(), "required".into())));
        assert!(got.contains(&("submitter.address".into(), "required".into())));
        assert!(got.contains(&("submitter.phone".into(), "contact_required".into())));
    }

    #[test]
    fn wrong_types_name_their_field() {
        let mut v = valid();
        v["content"] = json!(42);
        v["content_type"] = json!("2");
        v["submitter"]["phone"] = json!(912345678);
        let got = codes(v, Origin::Public);
        assert!(got.contains(&("content".into(), "wrong_type".into())));
        assert!(got.contains(&("content_type".into(), "wrong_type".into())));
        assert!(got.contains(&("submitter.phone".into(), "wrong_type".into())));
    }

    #[test]
    fn unknown_unit_and_field_are_refused() {
        let mut v = valid();
        v["unit"] = json!("phuong-khong-co");
        v["field"] = json!("khong-co");
        let got = codes(v, Origin::Public);
        assert!(got.contains(&("unit".into(), "unknown_unit".into())));
        assert!(got.contains(&("field".into(), "unknown_field_code".into())));
    }

    #[test]
    fn public_submission_cannot_set_its_own_receipt_time() {
        let mut v = valid();
        v["received_at"] = json!("2026-01-01T00:00:00Z");
        assert!(codes(v, Origin::Public).contains(&("received_at".into(), "not_allowed".into())));
    }

    #[test]
    fn staff_entry_needs_channel_and_real_receipt_time() {
        let got = codes(valid(), Origin::Staff);
        assert!(got.contains(&("channel".into(), "required".into())));
        assert!(got.contains(&("received_at".into(), "required".into())));
        let mut v = valid();
        v["channel"] = json!("phone");
        v["received_at"] = json!("2026-11-20T08:15:00+07:00");
        assert_eq!(codes(v, Origin::Staff), vec![]);
    }

    #[test]
    fn complaint_labelled_as_feedback_is_classified_as_not_accepted() {
        let mut v = valid();
        v["content"] = json!("Đơn khiếu nại quyết định thu hồi đất số 15/QĐ-UBND");
        let s = parse(&v, Origin::Public, &reference(), None, Lang::Vi, Utc::now()).unwrap();
        assert_eq!(s.class, Classified::NotAccepted(NotPakn::Complaint));
    }

    #[test]
    fn unit_outside_the_scope_is_answered_as_unknown() {
        let mut v = valid();
        v["unit"] = json!("phuong-ba-dinh");
        let scoped = parse(
            &v,
            Origin::Public,
            &reference(),
            Some("phuong-lang"),
            Lang::Vi,
            Utc::now(),
        )
        .unwrap_err();
        v["unit"] = json!("phuong-khong-co");
        let unknown = parse(
            &v,
            Origin::Public,
            &reference(),
            Some("phuong-lang"),
            Lang::Vi,
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(scoped, unknown);
    }

    #[test]
    fn content_type_outside_one_to_eight_is_refused() {
        let mut v = valid();
        v["content_type"] = json!(9);
        assert!(codes(v, Origin::Public).contains(&("content_type".into(), "out_of_range".into())));
    }

    #[test]
    fn body_that_is_not_an_object_is_refused() {
        assert_eq!(
            codes(json!([1, 2]), Origin::Public),
            vec![("body".into(), "wrong_type".into())]
        );
    }
}
