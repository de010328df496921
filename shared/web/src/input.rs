//! Reading fields of a JSON body one by one, so every violation names its field and all of them
//! come back together (used by the staff endpoints of every service).

use crate::text::TextError;
use crate::{FieldError, Lang};
use serde_json::Value;

/// A text field, by the platform's one set of text rules ([`crate::text::clean`], the rules
/// citizen text gets in intake): NFC, trimmed, `\r\n` folded; `required` ones may not be
/// missing or blank; at most `max` characters; no control characters other than line breaks
/// and tabs, no bidirectional overrides.
///
/// ```
/// use doithoai_web::{Lang, input};
/// let body = serde_json::json!({"reason": "  Ngoài thẩm quyền ", "note": 5, "x": "a\u{202e}b"});
/// let mut errors = Vec::new();
/// assert_eq!(input::text(&body, "reason", 100, true, Lang::Vi, &mut errors).as_deref(), Some("Ngoài thẩm quyền"));
/// assert_eq!(input::text(&body, "note", 100, false, Lang::Vi, &mut errors), None);
/// assert_eq!(errors[0].code, "wrong_type");
/// assert_eq!(input::text(&body, "x", 100, false, Lang::Vi, &mut errors), None);
/// assert_eq!(errors[1].code, "control_character");
/// ```
pub fn text(
    body: &Value,
    key: &'static str,
    max: usize,
    required: bool,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::new(
                    key,
                    "required",
                    lang.pick("Bắt buộc phải có", "This field is required"),
                ));
            }
            None
        }
        Some(Value::String(s)) => match crate::text::clean(s, max, true) {
            Ok(t) => Some(t),
            Err(TextError::Empty) => {
                if required {
                    errors.push(FieldError::new(
                        key,
                        "required",
                        lang.pick("Không được để trống", "Must not be empty"),
                    ));
                }
                None
            }
            Err(TextError::TooLong { max }) => {
                let msg = match lang {
                    Lang::Vi => format!("Tối đa {max} ký tự"),
                    Lang::En => format!("At most {max} characters"),
                };
                errors.push(FieldError::new(key, "too_long", msg));
                None
            }
            Err(TextError::ControlCharacter) => {
                errors.push(FieldError::new(
                    key,
                    "control_character",
                    lang.pick(
                        "Chứa ký tự điều khiển không được phép",
                        "Contains a control character that is not allowed",
                    ),
                ));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                key,
                "wrong_type",
                lang.pick(
                    "Sai kiểu dữ liệu: cần chuỗi ký tự",
                    "Wrong type: expected a string",
                ),
            ));
            None
        }
    }
}

/// A time field in RFC 3339 with its offset.
pub fn time(
    body: &Value,
    key: &'static str,
    required: bool,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let s = text(body, key, 64, required, lang, errors)?;
    match chrono::DateTime::parse_from_rfc3339(&s) {
        Ok(t) => Some(t.with_timezone(&chrono::Utc)),
        Err(_) => {
            errors.push(FieldError::new(
                key,
                "invalid_time",
                lang.pick(
                    "Thời điểm theo RFC 3339, có múi giờ (ví dụ 2026-12-01T08:00:00+07:00)",
                    "An RFC 3339 time with its offset (e.g. 2026-12-01T08:00:00+07:00)",
                ),
            ));
            None
        }
    }
}

/// A tracking code as people type it (`ab12 cd34 ef5`, `AB12-CD34-EF5`) in its stored form
/// `AB12-CD34-EF5`.
///
/// ```
/// assert_eq!(doithoai_web::input::tracking_code("ab12cd34 ef5"), "AB12-CD34-EF5");
/// ```
pub fn tracking_code(key: &str) -> String {
    let code: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    if code.len() == 11 {
        format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..])
    } else {
        code
    }
}
