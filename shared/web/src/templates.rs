//! Templates for what people read: HTML pages and emails, written as Jinja templates
//! (minijinja) and compiled into the binary. A template named `*.html` escapes every value it
//! prints (auto-escaping by extension); `*.txt` (emails, SMS) prints values as they are.

use serde::Serialize;

/// A service's templates, checked when the service starts.
pub struct Templates(minijinja::Environment<'static>);

impl Templates {
    /// Loads `(name, source)` pairs, usually `include_str!`ed; a template that does not parse
    /// stops the service from starting.
    pub fn new(sources: &[(&'static str, &'static str)]) -> anyhow::Result<Self> {
        Self::with_undefined(sources, minijinja::UndefinedBehavior::Strict)
    }

    /// [`Templates::new`] for pages that draw what other services answer, whose optional
    /// fields may be absent: a missing attribute (`case.draft.body`) is empty instead of an
    /// error (minijinja's chainable undefined); everything else as `new`.
    pub fn lenient(sources: &[(&'static str, &'static str)]) -> anyhow::Result<Self> {
        Self::with_undefined(sources, minijinja::UndefinedBehavior::Chainable)
    }

    fn with_undefined(
        sources: &[(&'static str, &'static str)],
        undefined: minijinja::UndefinedBehavior,
    ) -> anyhow::Result<Self> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(undefined);
        env.add_filter("hanoi_time", hanoi_time);
        env.add_filter("hanoi_date", hanoi_date);
        env.add_function("tr", tr);
        env.add_filter("label", label);
        for (name, source) in sources {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
        }
        Ok(Templates(env))
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> anyhow::Result<String> {
        let t = self
            .0
            .get_template(name)
            .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
        t.render(minijinja::Value::from(minijinja::value::Serde(context)))
            .map_err(|e| anyhow::anyhow!("rendering {name}: {e:#}"))
    }
}

/// `{{ tr("Gửi", "Send") }}`: the Vietnamese text, or the English one when the context's
/// `lang` is `en` (pages carry both, side by side, so neither can go missing).
fn tr(state: &minijinja::State, vi: String, en: String) -> String {
    if english(state) { en } else { vi }
}

/// Whether the page is in English (its context's `lang`).
fn english(state: &minijinja::State) -> bool {
    state
        .lookup("lang")
        .is_some_and(|l| l.as_str() == Some("en"))
}

/// The platform's codes as people read them: Vietnamese, and English.
const LABELS: &[(&str, &str, &str)] = &[
    // Cases (answering).
    ("assigned", "Đang xử lý", "Being handled"),
    ("drafted", "Đã có dự thảo", "Drafted"),
    (
        "reviewed",
        "Đã duyệt, chờ lãnh đạo ký",
        "Reviewed, awaiting signature",
    ),
    ("approved", "Đã ký, đã trả lời", "Signed and answered"),
    ("refused", "Từ chối", "Refused"),
    // Conferences (scheduling).
    ("planned", "Đã lên kế hoạch", "Planned"),
    ("noticed", "Đã thông báo", "Noticed"),
    ("held", "Đã tổ chức", "Held"),
    ("cancelled", "Đã hủy", "Cancelled"),
    // Channels.
    ("web", "Cổng trực tuyến", "Web"),
    ("phone", "Điện thoại", "Phone"),
    ("in_person", "Trực tiếp", "In person"),
    ("post", "Bưu chính", "Post"),
    ("email", "Thư điện tử", "Email"),
    ("sms", "Tin nhắn", "SMS"),
    (
        "dialogue_floor",
        "Tại hội nghị đối thoại",
        "At a dialogue conference",
    ),
    // Why a unit is off track with its dialogues (doithoai_calendar::dialogue).
    (
        "no_conference_in_6_months",
        "Không tổ chức hội nghị trong 6 tháng",
        "No conference in 6 months",
    ),
    (
        "next_more_than_6_months_after_last",
        "Hội nghị kế tiếp cách hội nghị trước hơn 6 tháng",
        "Next conference more than 6 months after the last",
    ),
    ("none_planned", "Chưa lên kế hoạch hội nghị", "None planned"),
    (
        "fewer_than_2_this_year",
        "Dưới 2 hội nghị trong năm",
        "Fewer than 2 this year",
    ),
    (
        "results_notice_overdue",
        "Chậm thông báo kết quả (quá 10 ngày)",
        "Results notice overdue (over 10 days)",
    ),
    // Roles.
    ("clerk", "Văn thư, tiếp nhận", "Clerk"),
    ("officer", "Chuyên viên", "Officer"),
    ("head", "Trưởng phòng", "Head of department"),
    ("leader", "Lãnh đạo UBND", "Unit leader"),
    ("city_admin", "Quản trị Thành phố", "City administrator"),
    ("auditor", "Thanh tra, kiểm tra", "Auditor"),
];

/// `{{ c.status|label }}`: a code of the platform (a case's or conference's status, a channel,
/// a role) as people read it, in the page's language; an unknown code shows as it is.
fn label(state: &minijinja::State, code: String) -> String {
    match label_of(&code) {
        Some((vi, en)) => (if english(state) { en } else { vi }).to_owned(),
        None => code,
    }
}

/// The Vietnamese and English labels of a platform code (a status, a channel, a role), as the
/// `label` filter shows them; for forms that offer the codes as choices.
///
/// ```
/// assert_eq!(doithoai_web::templates::label_of("head"), Some(("Trưởng phòng", "Head of department")));
/// ```
pub fn label_of(code: &str) -> Option<(&'static str, &'static str)> {
    LABELS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, vi, en)| (*vi, *en))
}

/// `{{ t|hanoi_date }}`: the day of an RFC 3339 time in Hà Nội, `02/03/2026`.
fn hanoi_date(value: String) -> Result<String, minijinja::Error> {
    hanoi_time(value).map(|t| t.rsplit(' ').next().unwrap_or_default().to_owned())
}

/// `{{ t|hanoi_time }}`: an RFC 3339 time as people in Hà Nội read it, `08:30 ngày 02/03/2026`.
fn hanoi_time(value: String) -> Result<String, minijinja::Error> {
    // Nothing to show (an absent optional time, in a lenient page) shows nothing.
    if value.is_empty() {
        return Ok(String::new());
    }
    chrono::DateTime::parse_from_rfc3339(&value)
        .map(|t| {
            t.with_timezone(&crate::text::hanoi())
                .format("%H:%M ngày %d/%m/%Y")
                .to_string()
        })
        .map_err(|e| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("not an RFC 3339 time: {value}: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_labelled_in_the_pages_language_and_unknown_ones_shown_as_they_are() {
        let t = Templates::new(&[("p.html", "{{ a|label }} {{ b|label }}")]).unwrap();
        let vi = t
            .render(
                "p.html",
                serde_json::json!({"lang": "vi", "a": "leader", "b": "x_y"}),
            )
            .unwrap();
        assert_eq!(vi, "Lãnh đạo UBND x_y");
        let en = t
            .render(
                "p.html",
                serde_json::json!({"lang": "en", "a": "assigned", "b": "x"}),
            )
            .unwrap();
        assert_eq!(en, "Being handled x");
    }

    #[test]
    fn html_templates_escape_and_text_templates_do_not() {
        let t = Templates::new(&[
            ("page.html", "<p>{{ name }}</p>"),
            ("mail.txt", "Kính gửi {{ name }}"),
        ])
        .unwrap();
        let ctx = serde_json::json!({"name": "<script>An & Bình</script>"});
        assert_eq!(
            t.render("page.html", &ctx).unwrap(),
            "<p>&lt;script&gt;An &amp; Bình&lt;&#x2f;script&gt;</p>"
        );
        assert_eq!(
            t.render("mail.txt", &ctx).unwrap(),
            "Kính gửi <script>An & Bình</script>"
        );
    }

    #[test]
    fn a_page_speaks_the_language_of_its_context() {
        let t = Templates::new(&[("p.html", r#"{{ tr("Gửi", "Send") }}"#)]).unwrap();
        assert_eq!(
            t.render("p.html", serde_json::json!({"lang": "vi"}))
                .unwrap(),
            "Gửi"
        );
        assert_eq!(
            t.render("p.html", serde_json::json!({"lang": "en"}))
                .unwrap(),
            "Send"
        );
    }

    #[test]
    fn times_read_in_hanoi() {
        let t = Templates::new(&[("t.txt", "{{ at|hanoi_time }}")]).unwrap();
        let at = serde_json::json!({"at": "2026-03-02T01:30:00Z"});
        assert_eq!(t.render("t.txt", at).unwrap(), "08:30 ngày 02/03/2026");
    }

    #[test]
    fn a_missing_value_is_an_error_not_an_empty_string() {
        let t = Templates::new(&[("mail.txt", "Mã {{ code }}")]).unwrap();
        assert!(t.render("mail.txt", serde_json::json!({})).is_err());
        assert!(Templates::new(&[("bad.html", "{% if %}")]).is_err());
    }
}
