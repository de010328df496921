//! The Vietnamese texts citizens and staff receive. One function per kind of message; each
//! returns (subject, body). Dates are shown in Hanoi time.

use chrono::{DateTime, Utc};
use doithoai_contracts::{
    CaseDeadlineV1, PetitionAnsweredV1, PetitionNotAcceptedV1, PetitionPublishedV1,
    PetitionReceivedV1, PetitionRefusedV1, PetitionRoutedV1, PetitionTransferredV1,
};

fn date(t: DateTime<Utc>) -> String {
    t.with_timezone(&doithoai_web::text::hanoi())
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

const SIGNATURE: &str = "\n\n—\nHệ thống tiếp nhận phản ánh, kiến nghị Đối Thoại – Thành phố Hà Nội.\nThư này được gửi tự động, xin không trả lời.";

pub fn acknowledgement(p: &PetitionReceivedV1) -> (String, String) {
    (
        format!(
            "Đã tiếp nhận phản ánh, kiến nghị – mã tra cứu {}",
            p.tracking_code
        ),
        format!(
            "Kính gửi ông/bà {},\n\nỦy ban nhân dân đã tiếp nhận phản ánh, kiến nghị của ông/bà lúc {}.\nMã tra cứu: {}\nÔng/bà có thể tra cứu tình trạng xử lý bằng mã này.{SIGNATURE}",
            p.submitter.name,
            date(p.received_at),
            p.tracking_code
        ),
    )
}

pub fn not_accepted(p: &PetitionNotAcceptedV1) -> (String, String) {
    (
        format!(
            "Không tiếp nhận là phản ánh, kiến nghị – mã {}",
            p.tracking_code
        ),
        format!(
            "Kính gửi ông/bà {},\n\n{}\n\nNơi gửi đơn: {}{SIGNATURE}",
            p.submitter.name, p.reason_vi, p.where_to_file_vi
        ),
    )
}

pub fn assignment(r: &PetitionRoutedV1) -> (String, String) {
    (
        format!("Phản ánh {} đã được giao xử lý", r.tracking_code),
        format!(
            "Kính gửi ông/bà {},\n\nPhản ánh, kiến nghị mã {} đã được giao cho {} – {} xử lý.\nHạn trả lời: {}.{SIGNATURE}",
            r.petition.submitter.name,
            r.tracking_code,
            r.department_name,
            r.unit_name,
            date(r.due_at)
        ),
    )
}

pub fn transfer(t: &PetitionTransferredV1) -> (String, String) {
    (
        format!(
            "Phản ánh {} đã được chuyển đến {}",
            t.tracking_code, t.to_unit_name
        ),
        format!(
            "Kính gửi ông/bà {},\n\nNội dung phản ánh, kiến nghị mã {} không thuộc thẩm quyền giải quyết của đơn vị đã tiếp nhận và đã được chuyển đến {}.\nLý do: {}{SIGNATURE}",
            t.submitter.name, t.tracking_code, t.to_unit_name, t.reason
        ),
    )
}

pub fn refusal(r: &PetitionRefusedV1) -> (String, String) {
    (
        format!("Không tiếp nhận phản ánh, kiến nghị {}", r.tracking_code),
        format!(
            "Kính gửi ông/bà {},\n\n{} không tiếp nhận phản ánh, kiến nghị mã {}.\nLý do: {}{SIGNATURE}",
            r.submitter.name, r.unit_name, r.tracking_code, r.reason
        ),
    )
}

pub fn answer(a: &PetitionAnsweredV1) -> (String, String) {
    (
        format!(
            "Trả lời phản ánh, kiến nghị {} – văn bản số {}",
            a.tracking_code, a.official_number
        ),
        format!(
            "Kính gửi ông/bà {},\n\n{} trả lời phản ánh, kiến nghị mã {} (văn bản số {}, ký ngày {}):\n\n{}{SIGNATURE}",
            a.submitter.name,
            a.unit_name,
            a.tracking_code,
            a.official_number,
            date(a.answered_at),
            a.answer
        ),
    )
}

pub fn rating_invitation(p: &PetitionPublishedV1) -> (String, String) {
    (
        format!(
            "Mời ông/bà đánh giá mức độ hài lòng – mã {}",
            p.tracking_code
        ),
        format!(
            "Kính gửi ông/bà {},\n\nKết quả giải quyết phản ánh, kiến nghị mã {} đã được công khai tại {}.\nXin ông/bà cho biết mức độ hài lòng (từ 1 đến 5) bằng cách gửi đánh giá kèm mã tra cứu và số điện thoại hoặc email đã dùng khi gửi phản ánh.{SIGNATURE}",
            p.submitter.name, p.tracking_code, p.public_path
        ),
    )
}

pub fn deadline(c: &CaseDeadlineV1, overdue: bool) -> (String, String) {
    if overdue {
        (
            format!("QUÁ HẠN: phản ánh {} chưa được trả lời", c.tracking_code),
            format!(
                "Phản ánh, kiến nghị mã {} giao {} đã quá hạn trả lời ({}).{SIGNATURE}",
                c.tracking_code,
                c.department,
                date(c.due_at)
            ),
        )
    } else {
        (
            format!("Sắp đến hạn: phản ánh {}", c.tracking_code),
            format!(
                "Phản ánh, kiến nghị mã {} giao {} sắp đến hạn trả lời ({}).{SIGNATURE}",
                c.tracking_code,
                c.department,
                date(c.due_at)
            ),
        )
    }
}

pub fn conference_outcome(o: &doithoai_contracts::ConferenceOutcomeV1) -> (String, String) {
    let what = match o.outcome.as_str() {
        "answered" => format!(
            "Câu hỏi đã được trả lời tại hội nghị:\n\n{}",
            o.answer.as_deref().unwrap_or("")
        ),
        "written" => format!(
            "Câu hỏi sẽ được trả lời bằng văn bản{}{}.",
            o.department
                .as_deref()
                .map(|d| format!(" bởi {d}"))
                .unwrap_or_default(),
            o.due_at
                .map(|d| format!(", hạn {}", date(d)))
                .unwrap_or_default()
        ),
        _ => format!(
            "Câu hỏi không thuộc thẩm quyền của phường, xã và đã được chuyển đến {} để giải quyết.",
            o.forwarded_to.as_deref().unwrap_or("cơ quan có thẩm quyền")
        ),
    };
    (
        format!(
            "Kết quả câu hỏi {} tại hội nghị đối thoại",
            o.registrant.tracking_code
        ),
        format!(
            "Kính gửi ông/bà {},\n\nHội nghị \"{}\": {what}{SIGNATURE}",
            o.registrant.submitter.name, o.title
        ),
    )
}

pub fn registration_cancelled(c: &doithoai_contracts::RegistrationCancelledV1) -> (String, String) {
    (
        format!("Hủy hội nghị đối thoại: {}", c.title),
        format!(
            "Kính gửi ông/bà {},\n\nHội nghị \"{}\" không thể tổ chức: {}.\nCâu hỏi ông/bà đã đăng ký sẽ được trả lời bằng văn bản chậm nhất {}.{SIGNATURE}",
            c.registrant.submitter.name,
            c.title,
            c.reason,
            date(c.written_answers_due_at)
        ),
    )
}

pub fn conference_reminder(r: &doithoai_contracts::ConferenceReminderV1) -> (String, String) {
    (
        format!("Nhắc lịch hội nghị đối thoại: {}", r.title),
        format!(
            "Kính gửi ông/bà {},\n\nHội nghị \"{}\" sẽ diễn ra lúc {} tại {}. Câu hỏi mã {} của ông/bà sẽ được trả lời tại hội nghị.{SIGNATURE}",
            r.registrant.submitter.name,
            r.title,
            date(r.starts_at),
            r.venue,
            r.registrant.tracking_code
        ),
    )
}

pub fn compliance_reminder(c: &doithoai_contracts::ComplianceReminderV1) -> (String, String) {
    let why = match c.reason.as_str() {
        "results_notice_overdue" => {
            "Thông báo kết quả hội nghị đối thoại đã quá 10 ngày mà chưa được đăng.".to_owned()
        }
        _ => format!(
            "Đơn vị cần tổ chức hội nghị đối thoại với người dân và doanh nghiệp (ít nhất 6 tháng một lần); hội nghị gần nhất: {}. Chưa có hội nghị nào được lên lịch.",
            c.last_conference
                .map(date)
                .unwrap_or_else(|| "chưa có".to_owned())
        ),
    };
    (
        format!("Nhắc việc đối thoại: {}", c.unit_name),
        format!("Kính gửi lãnh đạo {},\n\n{why}{SIGNATURE}", c.unit_name),
    )
}
