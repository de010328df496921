//! Complaints (khiếu nại) and denunciations (tố cáo) are a different legal procedure (Law on
//! Complaints 2011, Law on Denunciations 2018): never handled as a PAKN nor in a dialogue
//! conference (Decree 20; seed 002, "Lưu ý"). Intake records them as not accepted, with the
//! reason and where to file them.

use super::text::fold;

/// Which procedure a submission belongs to instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotPakn {
    Complaint,
    Denunciation,
    /// A letter that names no sender (Decree 20/2008/NĐ-CP, Art. 7: a PAKN carries the name
    /// and address of whoever sends it): recorded, not processed.
    Anonymous,
}

impl NotPakn {
    pub fn code(self) -> &'static str {
        match self {
            NotPakn::Complaint => "complaint",
            NotPakn::Denunciation => "denunciation",
            NotPakn::Anonymous => "anonymous",
        }
    }

    pub fn reason_vi(self) -> &'static str {
        match self {
            NotPakn::Complaint => {
                "Nội dung là khiếu nại, được giải quyết theo Luật Khiếu nại, không thuộc phạm vi tiếp nhận phản ánh, kiến nghị về quy định hành chính (Nghị định 20/2008/NĐ-CP)."
            }
            NotPakn::Denunciation => {
                "Nội dung là tố cáo, được giải quyết theo Luật Tố cáo, không thuộc phạm vi tiếp nhận phản ánh, kiến nghị về quy định hành chính (Nghị định 20/2008/NĐ-CP)."
            }
            NotPakn::Anonymous => {
                "Đơn không ghi họ tên người gửi (đơn nặc danh): phản ánh, kiến nghị phải ghi rõ họ tên, địa chỉ của cá nhân, tổ chức gửi (Nghị định 20/2008/NĐ-CP, Điều 7), nên không được xử lý."
            }
        }
    }

    pub fn reason_en(self) -> &'static str {
        match self {
            NotPakn::Complaint => {
                "This is a complaint, handled under the Law on Complaints, not as feedback or a recommendation on administrative rules (Decree 20/2008/ND-CP)."
            }
            NotPakn::Denunciation => {
                "This is a denunciation, handled under the Law on Denunciations, not as feedback or a recommendation on administrative rules (Decree 20/2008/ND-CP)."
            }
            NotPakn::Anonymous => {
                "The letter names no sender: feedback and recommendations must carry the name and address of whoever sends them (Decree 20/2008/ND-CP, Art. 7), so it is not processed."
            }
        }
    }

    pub fn where_to_file_vi(self) -> &'static str {
        match self {
            NotPakn::Complaint => {
                "Gửi đơn khiếu nại đến cơ quan, người đã ban hành quyết định hành chính hoặc có hành vi hành chính bị khiếu nại, hoặc đến Ban Tiếp công dân của Ủy ban nhân dân phường, xã."
            }
            NotPakn::Denunciation => {
                "Gửi đơn tố cáo đến cơ quan, tổ chức có thẩm quyền quản lý người bị tố cáo, hoặc đến Ban Tiếp công dân của Ủy ban nhân dân phường, xã."
            }
            NotPakn::Anonymous => {
                "Gửi lại phản ánh, kiến nghị có ghi rõ họ tên và địa chỉ của người gửi."
            }
        }
    }

    pub fn where_to_file_en(self) -> &'static str {
        match self {
            NotPakn::Complaint => {
                "File the complaint with the body or person that made the administrative decision or act complained of, or at the citizen reception office of the ward or commune People's Committee."
            }
            NotPakn::Denunciation => {
                "File the denunciation with the body that manages the person denounced, or at the citizen reception office of the ward or commune People's Committee."
            }
            NotPakn::Anonymous => "Send it again with the sender's name and address.",
        }
    }

    /// From an explicit `kind` of `complaint` or `denunciation`.
    pub fn from_kind(kind: &str) -> Option<NotPakn> {
        match kind {
            "complaint" => Some(NotPakn::Complaint),
            "denunciation" => Some(NotPakn::Denunciation),
            "anonymous" => Some(NotPakn::Anonymous),
            _ => None,
        }
    }

    /// A submission whose title or content opens as a complaint or denunciation
    /// ("Đơn khiếu nại …", "Tố cáo ông …", "Tôi xin khiếu nại …"), however it was accented.
    /// Mentions further in (a feedback about how complaints are handled) do not count.
    pub fn detect(title: Option<&str>, content: &str) -> Option<NotPakn> {
        let opens = |text: &str| -> Option<NotPakn> {
            let folded = fold(text);
            let words: Vec<&str> = folded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .take(6)
                .collect();
            let mut rest: &[&str] = &words;
            for lead in [
                &["don"][..],
                &["toi", "xin"],
                &["toi"],
                &["chung", "toi", "xin"],
                &["chung", "toi"],
                &["xin"],
            ] {
                if rest.starts_with(lead) {
                    rest = &rest[lead.len()..];
                    break;
                }
            }
            match rest {
                ["khieu", "nai", ..] => Some(NotPakn::Complaint),
                ["to", "cao", ..] => Some(NotPakn::Denunciation),
                _ => None,
            }
        };
        title.and_then(opens).or_else(|| opens(content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaint_letter_is_detected_from_its_opening() {
        assert_eq!(
            NotPakn::detect(Some("Đơn khiếu nại"), "…"),
            Some(NotPakn::Complaint)
        );
        assert_eq!(
            NotPakn::detect(None, "Tôi xin khiếu nại quyết định số 12"),
            Some(NotPakn::Complaint)
        );
        assert_eq!(
            NotPakn::detect(None, "TỐ CÁO cán bộ địa chính"),
            Some(NotPakn::Denunciation)
        );
        assert_eq!(
            NotPakn::detect(None, "to cao can bo"),
            Some(NotPakn::Denunciation)
        );
    }

    #[test]
    fn feedback_that_mentions_complaints_later_is_not_a_complaint() {
        assert_eq!(
            NotPakn::detect(
                Some("Thủ tục chậm"),
                "Việc giải quyết đơn khiếu nại quá chậm"
            ),
            None
        );
    }
}
