//! The forms of the staff pages: what each action asks and which service it calls (drawn by
//! `action.html`, sent by [`super::act`]).

use super::{CITY, DESK, DRAFTERS, HEADS, LEADERS, choices, departments};
use crate::actions::*;
use crate::reference::{CONTENT_TYPES, FIELDS};
use serde_json::Value;

pub(super) fn record_action() -> Action {
    let channels = vec![
        Choice::new("phone", "Điện thoại", "Phone"),
        Choice::new("in_person", "Trực tiếp", "In person"),
        Choice::new("post", "Bưu chính", "Post"),
        Choice::new("email", "Thư điện tử", "Email"),
        Choice::new(
            "dialogue_floor",
            "Tại hội nghị đối thoại",
            "At a dialogue conference",
        ),
    ];
    let kinds = vec![
        Choice::new("feedback", "Phản ánh", "Feedback"),
        Choice::new("recommendation", "Kiến nghị", "Recommendation"),
        Choice::new(
            "dialogue_question",
            "Câu hỏi đối thoại",
            "Dialogue question",
        ),
    ];
    action(
        "record",
        ("Ghi nhận phản ánh, kiến nghị", "Record a petition"),
        Svc::Intake,
        Verb::Post,
        "/api/v1/staff/petitions",
        DESK,
        vec![
            choice("channel", "Kênh tiếp nhận", "Channel", channels).required(),
            time("received_at", "Thời điểm tiếp nhận", "Received at").required(),
            choice("kind", "Loại", "Kind", kinds).required(),
            choice("field", "Lĩnh vực", "Field", choices(&FIELDS)).required(),
            choice(
                "content_type",
                "Nội dung thuộc loại",
                "Content type",
                choices(&CONTENT_TYPES),
            ),
            line("title", "Tiêu đề", "Title", 250),
            text("content", "Nội dung", "Content", 10_000).required(),
            line("submitter.name", "Họ tên người gửi", "Sender's name", 150).required(),
            line("submitter.address", "Địa chỉ", "Address", 500).required(),
            line("submitter.phone", "Số điện thoại", "Phone", 32),
            line("submitter.email", "Email", "Email", 254),
            line(
                "conference_id",
                "Mã hội nghị (câu hỏi đối thoại)",
                "Conference id (dialogue question)",
                64,
            ),
        ],
    )
    .idempotent()
    .own_unit()
}

pub(super) fn triage_action() -> Action {
    let classes = vec![
        Choice::new("feedback", "Phản ánh", "Feedback"),
        Choice::new("recommendation", "Kiến nghị", "Recommendation"),
        Choice::new(
            "official_conduct",
            "Về hành vi của cán bộ",
            "About an official's conduct",
        ),
        Choice::new(
            "complaint",
            "Khiếu nại (không tiếp nhận)",
            "Complaint (not accepted)",
        ),
        Choice::new(
            "denunciation",
            "Tố cáo (không tiếp nhận)",
            "Denunciation (not accepted)",
        ),
    ];
    action(
        "triage",
        ("Phân loại", "Triage"),
        Svc::Intake,
        Verb::Post,
        "/api/v1/staff/petitions/{id}/triage",
        DESK,
        vec![
            choice("class", "Thuộc loại", "Class", classes).required(),
            text("note", "Ghi chú", "Note", 2000),
        ],
    )
}

/// The case page's forms; `bodies` are the city bodies routing serves (whom to transfer to).
pub(super) fn case_actions(data: &Value) -> Vec<Action> {
    let reason = || text("reason", "Lý do", "Reason", 2000).required();
    let bodies = data["bodies"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|x| {
                    let name = x["name"].as_str().unwrap_or_default();
                    Choice::new(x["code"].as_str().unwrap_or_default(), name, name)
                })
                .collect()
        })
        .unwrap_or_default();
    vec![
        action(
            "draft",
            ("Soạn dự thảo trả lời", "Draft the answer"),
            Svc::Answering,
            Verb::Post,
            "/api/v1/staff/cases/{id}/drafts",
            DRAFTERS,
            vec![
                text("answer", "Nội dung trả lời", "Answer", 20_000).required(),
                list(
                    "private_names",
                    "Tên cần che khi công khai (mỗi dòng một tên)",
                    "Names to hide when published (one per line)",
                ),
            ],
        ),
        action(
            "review",
            ("Duyệt dự thảo", "Review the draft"),
            Svc::Answering,
            Verb::Post,
            "/api/v1/staff/cases/{id}/review",
            HEADS,
            vec![
                choice(
                    "decision",
                    "Ý kiến",
                    "Decision",
                    vec![
                        Choice::new(
                            "approve",
                            "Đồng ý, trình lãnh đạo",
                            "Approve, to the leader",
                        ),
                        Choice::new("request_changes", "Yêu cầu sửa", "Request changes"),
                    ],
                )
                .required(),
                text("note", "Ghi chú", "Note", 2000),
            ],
        ),
        action(
            "approve",
            ("Ký duyệt và công khai", "Sign and publish"),
            Svc::Answering,
            Verb::Post,
            "/api/v1/staff/cases/{id}/approve",
            LEADERS,
            vec![
                line(
                    "public_title",
                    "Tiêu đề công khai (để trống: như bản xem trước)",
                    "Public title (empty: as previewed)",
                    250,
                ),
                text(
                    "public_question",
                    "Câu hỏi công khai (để trống: như bản xem trước)",
                    "Public question (empty: as previewed)",
                    10_000,
                ),
                text(
                    "public_answer",
                    "Trả lời công khai (để trống: như bản xem trước)",
                    "Public answer (empty: as previewed)",
                    20_000,
                ),
                text(
                    "withhold_reason",
                    "Không công khai, vì (người gửi vẫn nhận trả lời)",
                    "Do not publish, because (the sender still gets the answer)",
                    2000,
                ),
            ],
        ),
        action(
            "accept",
            (
                "Thuộc thẩm quyền, giữ phân công",
                "Within our competence, as assigned",
            ),
            Svc::Routing,
            Verb::Post,
            "/api/v1/staff/routing/{id}/accept",
            DESK,
            vec![text("note", "Ghi chú", "Note", 2000)],
        ),
        action(
            "reroute",
            ("Chuyển phòng khác", "Re-route to another department"),
            Svc::Routing,
            Verb::Post,
            "/api/v1/staff/routing/{id}/reroute",
            DESK,
            vec![
                choice("department", "Phòng", "Department", departments()).required(),
                reason(),
            ],
        ),
        action(
            "transfer",
            (
                "Chuyển cơ quan có thẩm quyền",
                "Transfer to the competent body",
            ),
            Svc::Routing,
            Verb::Post,
            "/api/v1/staff/routing/{id}/transfer",
            DESK,
            vec![choice("to", "Cơ quan", "Body", bodies).required(), reason()],
        ),
        action(
            "urgent",
            ("Xử lý khẩn", "Handle urgently"),
            Svc::Routing,
            Verb::Post,
            "/api/v1/staff/routing/{id}/urgent",
            DESK,
            vec![reason()],
        ),
        action(
            "refuse",
            ("Từ chối tiếp nhận", "Refuse"),
            Svc::Routing,
            Verb::Post,
            "/api/v1/staff/routing/{id}/refuse",
            DESK,
            vec![reason()],
        )
        .danger(),
    ]
}

pub(super) fn plan_action() -> Action {
    let formats = vec![
        Choice::new("hoi_nghi", "Hội nghị", "Conference"),
        Choice::new("toa_dam", "Tọa đàm", "Round table"),
        Choice::new("gap_go", "Gặp gỡ", "Meeting"),
    ];
    action(
        "plan",
        ("Lên kế hoạch hội nghị", "Plan a conference"),
        Svc::Scheduling,
        Verb::Post,
        "/api/v1/staff/conferences",
        DESK,
        vec![
            line("title", "Tên hội nghị", "Title", 250).required(),
            time("starts_at", "Bắt đầu lúc", "Starts at").required(),
            line("venue", "Địa điểm", "Venue", 500).required(),
            line("chair", "Chủ trì", "Chair", 150).required(),
            choice("format", "Hình thức", "Format", formats),
            line(
                "online_link",
                "Đường dẫn trực tuyến (https://)",
                "Online link (https://)",
                500,
            ),
            list(
                "co_organisers",
                "Phối hợp (mỗi dòng một đơn vị)",
                "Co-organisers (one per line)",
            ),
        ],
    )
}

pub(super) fn conference_actions() -> Vec<Action> {
    let outcomes = vec![
        Choice::new(
            "answered",
            "Đã trả lời tại hội nghị",
            "Answered at the conference",
        ),
        Choice::new(
            "written",
            "Trả lời bằng văn bản sau",
            "To be answered in writing",
        ),
        Choice::new("forwarded", "Chuyển cấp trên", "Forwarded up"),
    ];
    let path = |p: &'static str| p;
    vec![
        action(
            "notice",
            ("Phát hành thông báo", "Publish the notice"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/notice"),
            DESK,
            vec![],
        ),
        action(
            "reschedule",
            ("Đổi lịch", "Reschedule"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/reschedule"),
            DESK,
            vec![
                time("starts_at", "Thời gian mới", "New time").required(),
                line(
                    "venue",
                    "Địa điểm mới (nếu đổi)",
                    "New venue (if it changes)",
                    500,
                ),
                text("reason", "Lý do", "Reason", 2000).required(),
            ],
        ),
        action(
            "outcomes",
            ("Ghi kết quả một câu hỏi", "Record a question's outcome"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/outcomes"),
            DESK,
            vec![
                line(
                    "petition",
                    "Mã phản ánh, câu hỏi",
                    "Petition or question code",
                    64,
                )
                .required(),
                choice("outcome", "Kết quả", "Outcome", outcomes).required(),
                text(
                    "answer",
                    "Nội dung trả lời (nếu đã trả lời)",
                    "The answer (if answered)",
                    20_000,
                ),
                choice(
                    "department",
                    "Phòng trả lời bằng văn bản",
                    "Department answering in writing",
                    departments(),
                ),
                time("due_at", "Hạn trả lời bằng văn bản", "Written answer due"),
                line("forwarded_to", "Chuyển đến", "Forwarded to", 250),
            ],
        ),
        action(
            "attendance",
            ("Số người dự", "Attendance"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/attendance"),
            DESK,
            vec![number("count", "Số người dự", "People attending").required()],
        ),
        action(
            "minutes",
            ("Biên bản", "Minutes"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/minutes"),
            DESK,
            vec![
                text("text", "Biên bản", "Minutes", 50_000).required(),
                list(
                    "private_names",
                    "Tên cần che (mỗi dòng một tên)",
                    "Names to hide (one per line)",
                ),
            ],
        ),
        action(
            "results",
            ("Thông báo kết quả", "Results notice"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/results"),
            DESK,
            vec![
                text("text", "Thông báo kết quả", "Results notice", 50_000).required(),
                list(
                    "private_names",
                    "Tên cần che (mỗi dòng một tên)",
                    "Names to hide (one per line)",
                ),
            ],
        ),
        action(
            "cancel",
            ("Hủy hội nghị", "Cancel the conference"),
            Svc::Scheduling,
            Verb::Post,
            path("/api/v1/staff/conferences/{id}/cancel"),
            DESK,
            vec![
                text("reason", "Lý do", "Reason", 2000).required(),
                time(
                    "written_answers_due_at",
                    "Hạn trả lời bằng văn bản các câu hỏi đã đăng ký",
                    "Registered questions answered in writing by",
                )
                .required(),
            ],
        )
        .danger(),
    ]
}

pub(super) fn settings_actions() -> Vec<Action> {
    let classes = vec![
        Choice::new("acknowledgement", "Xác nhận tiếp nhận", "Acknowledgement"),
        Choice::new("transfer", "Chuyển cơ quan có thẩm quyền", "Transfer"),
        Choice::new("answer", "Trả lời", "Answer"),
        Choice::new("refusal", "Thông báo từ chối", "Refusal notice"),
        Choice::new("urgent", "Khẩn", "Urgent"),
    ];
    let kinds = vec![
        Choice::new("holiday", "Ngày nghỉ", "Holiday"),
        Choice::new(
            "working_day",
            "Ngày làm bù (thứ Bảy, Chủ nhật)",
            "Make-up working day (weekend)",
        ),
    ];
    vec![
        action(
            "holiday",
            ("Thêm hoặc sửa ngày nghỉ", "Add or change a holiday"),
            Svc::Routing,
            Verb::Put,
            "/api/v1/staff/holidays/{date}",
            CITY,
            vec![
                date("date", "Ngày", "Date").required(),
                line("name_vi", "Tên (tiếng Việt)", "Name (Vietnamese)", 200).required(),
                line("name_en", "Tên (tiếng Anh)", "Name (English)", 200),
                choice("kind", "Loại", "Kind", kinds),
                flag("provisional", "Chưa chính thức", "Provisional"),
            ],
        ),
        action(
            "holiday_delete",
            ("Xóa ngày nghỉ", "Remove a holiday"),
            Svc::Routing,
            Verb::Delete,
            "/api/v1/staff/holidays/{date}",
            CITY,
            vec![date("date", "Ngày", "Date").required()],
        )
        .danger(),
        action(
            "office_hours",
            ("Giờ làm việc", "Office hours"),
            Svc::Routing,
            Verb::Put,
            "/api/v1/staff/office-hours/{unit}",
            CITY,
            vec![
                line(
                    "unit",
                    "Đơn vị (mã, hoặc default cho toàn Thành phố)",
                    "Unit (code, or default for the city)",
                    64,
                )
                .required(),
                line(
                    "sessions",
                    "Các buổi (ví dụ 07:30-11:30,13:30-17:00)",
                    "Sessions (e.g. 07:30-11:30,13:30-17:00)",
                    200,
                )
                .required(),
            ],
        ),
        action(
            "policy",
            ("Thời hạn xử lý", "Deadline policy"),
            Svc::Routing,
            Verb::Put,
            "/api/v1/staff/policies/{unit}/{class}",
            CITY,
            vec![
                line(
                    "unit",
                    "Đơn vị (mã, hoặc default)",
                    "Unit (code, or default)",
                    64,
                )
                .required(),
                choice("class", "Loại thời hạn", "Deadline", classes).required(),
                number("working_days", "Số ngày làm việc", "Working days"),
                number("working_hours", "Hoặc số giờ làm việc", "Or working hours"),
                flag(
                    "review_required",
                    "Trả lời cần trưởng phòng duyệt",
                    "Answers need a head's review",
                ),
            ],
        ),
        action(
            "rule",
            ("Quy tắc phân công", "Routing rule"),
            Svc::Routing,
            Verb::Put,
            "/api/v1/staff/rules",
            CITY,
            vec![
                line(
                    "unit",
                    "Đơn vị (để trống: toàn Thành phố)",
                    "Unit (empty: the whole city)",
                    64,
                ),
                choice("field", "Lĩnh vực", "Field", choices(&FIELDS)).required(),
                choice(
                    "content_type",
                    "Loại nội dung",
                    "Content type",
                    choices(&CONTENT_TYPES),
                ),
                choice("department", "Phòng xử lý", "Department", departments()).required(),
            ],
        ),
    ]
}
