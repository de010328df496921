//! A petition's status as the citizen follows it, its rank in the lifecycle and its label (the
//! database's `petitions_status_known` and `petition_timeline_status_known` CHECKs hold the same
//! list).

use doithoai_web::Lang;

doithoai_db::text_enum! {
    /// Where a petition stands, as intake learns it from the other services.
    pub enum PetitionStatus {
        /// Recorded by intake.
        Received = "received",
        /// Recorded, and held until a clerk triages it: it reads like a complaint, a
        /// denunciation or a text about an official, without certainty.
        AwaitingTriage = "awaiting_triage",
        /// Assigned to a department of the unit.
        Routed = "routed",
        /// Sent to the competent body.
        Transferred = "transferred",
        /// Answered in writing.
        Answered = "answered",
        /// Not accepted (a complaint or denunciation, or refused on triage).
        NotAccepted = "not_accepted",
        /// The answer is public.
        Published = "published",
    }
}

impl PetitionStatus {
    /// The rank in the lifecycle: a late event never moves a petition backwards.
    pub fn rank(self) -> u8 {
        match self {
            PetitionStatus::AwaitingTriage | PetitionStatus::Received => 0,
            PetitionStatus::Routed | PetitionStatus::Transferred => 1,
            PetitionStatus::Answered | PetitionStatus::NotAccepted => 2,
            PetitionStatus::Published => 3,
        }
    }

    /// What a reader is told.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PetitionStatus::Received => lang.pick("Đã tiếp nhận", "Received"),
            PetitionStatus::AwaitingTriage => {
                lang.pick("Đã tiếp nhận, đang phân loại", "Received, being classified")
            }
            PetitionStatus::NotAccepted => lang.pick("Không tiếp nhận", "Not accepted"),
            PetitionStatus::Routed => lang.pick(
                "Đã chuyển phòng chuyên môn xử lý",
                "Assigned to a department",
            ),
            PetitionStatus::Transferred => lang.pick(
                "Đã chuyển cơ quan có thẩm quyền",
                "Transferred to the competent body",
            ),
            PetitionStatus::Answered => lang.pick("Đã có văn bản trả lời", "Answered"),
            PetitionStatus::Published => lang.pick("Đã công khai kết quả", "Result published"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PetitionStatus as S;

    #[test]
    fn a_petition_only_moves_forwards_and_every_status_has_a_label() {
        for st in S::ALL {
            assert_eq!(S::parse(st.as_str()), Some(*st));
            assert!(!st.label(doithoai_web::Lang::Vi).is_empty());
        }
        assert!(S::Received.rank() < S::Routed.rank());
        assert_eq!(S::Routed.rank(), S::Transferred.rank());
        assert!(S::Answered.rank() < S::Published.rank());
    }
}
