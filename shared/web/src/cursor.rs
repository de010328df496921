//! Keyset paging: a list ordered by (time, id) hands out the last row's pair as the cursor of
//! the next page, `<RFC 3339 time>_<uuid>`, and the next page starts strictly after it, so rows
//! sharing a time are neither skipped nor repeated and a deep page costs what the first does.

use crate::{FieldError, Lang};
use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// The position after which (in the list's order) the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(at: DateTime<Utc>, id: Uuid) -> Self {
        Self { at, id }
    }

    /// Parses a cursor this service handed out; a field error naming `field` otherwise.
    ///
    /// ```
    /// use doithoai_web::cursor::Cursor;
    /// let c = Cursor::new(chrono::Utc::now(), uuid::Uuid::now_v7());
    /// assert_eq!(Cursor::parse(&c.to_string(), "after", doithoai_web::Lang::Vi).unwrap(), c);
    /// assert!(Cursor::parse("yesterday", "after", doithoai_web::Lang::Vi).is_err());
    /// ```
    pub fn parse(s: &str, field: &'static str, lang: Lang) -> Result<Self, FieldError> {
        s.split_once('_')
            .and_then(|(t, id)| {
                let at = DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc);
                Some(Cursor::new(at, Uuid::parse_str(id).ok()?))
            })
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid_cursor",
                    lang.pick(
                        "Con trỏ trang không hợp lệ: dùng giá trị trang trước trả về",
                        "Not a page cursor: use the value the previous page returned",
                    ),
                )
            })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}_{}",
            self.at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            self.id
        )
    }
}

/// A list request's page: `limit` (1 to `max`, `default` when absent) and the cursor under
/// `field` as [`Cursor::parse`] reads it. Each fault is pushed onto `errors`, naming its field,
/// so the handler reports them with its own.
pub struct Page {
    pub limit: i64,
    pub cursor: Option<Cursor>,
}

impl Page {
    pub fn read(
        limit: Option<i64>,
        (default, max): (i64, i64),
        (field, cursor): (&'static str, Option<&str>),
        lang: Lang,
        errors: &mut Vec<FieldError>,
    ) -> Page {
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                match lang {
                    Lang::Vi => format!("Từ 1 đến {max}"),
                    Lang::En => format!("From 1 to {max}"),
                },
            ));
        }
        let cursor = cursor
            .map(|c| Cursor::parse(c, field, lang))
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        Page { limit, cursor }
    }
}

/// The cursor of the page after `rows` when the page is full (`limit` rows), else none.
pub fn next<T>(rows: &[T], limit: i64, key: impl Fn(&T) -> Cursor) -> Option<String> {
    if i64::try_from(rows.len()).ok()? < limit {
        return None;
    }
    rows.last().map(|r| key(r).to_string())
}
