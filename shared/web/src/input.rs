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
    read_text(body, key, max, required, true, lang, errors)
}

/// [`text`], on one line when not `multiline`: a line break is then a `control_character`
/// too (a title, a name, a code or a link that reaches an iCalendar feed, a header or a
/// subject cannot carry one).
fn read_text(
    body: &Value,
    key: &'static str,
    max: usize,
    required: bool,
    multiline: bool,
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
        Some(Value::String(s)) => match crate::text::clean(s, max, multiline) {
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
                    if multiline {
                        lang.pick(
                            "Chứa ký tự điều khiển không được phép",
                            "Contains a control character that is not allowed",
                        )
                    } else {
                        lang.pick(
                            "Viết trên một dòng, không có ký tự điều khiển",
                            "One line, without control characters",
                        )
                    },
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

/// A request body parsed into a typed command. Handlers name the command they take
/// (`body: Body<Refuse>`); the body is read as JSON as the request arrives (too large, not
/// JSON or malformed: 413, 415, 400), and parsed into its command — every field error at
/// once — when the handler calls [`Body::valid`] (or [`Body::valid_in`] for a command read
/// against what the service knows), after its own checks of who may act on what, so a
/// stranger's request still gets the 404 it would get with a good body.
pub struct Body<T> {
    value: Value,
    lang: Lang,
    command: std::marker::PhantomData<fn() -> T>,
}

impl<T> Body<T> {
    /// A body as a handler would receive it (for tests and for commands built in code).
    pub fn new(value: Value, lang: Lang) -> Self {
        Body {
            value,
            lang,
            command: std::marker::PhantomData,
        }
    }

    /// The command read against `ctx` (reference data, the caller's scope, the clock), or a
    /// 422 naming every field at fault.
    pub fn valid_in<C: ?Sized>(self, ctx: &C) -> Result<T, crate::ApiError>
    where
        T: CommandIn<C>,
    {
        Fields::run_in::<T, C>(&self.value, self.lang, ctx).map_err(crate::ApiError::Invalid)
    }
}

impl<T: Command> Body<T> {
    /// The command, or a 422 naming every field at fault.
    pub fn valid(self) -> Result<T, crate::ApiError> {
        self.valid_with(Vec::new())
    }

    /// [`Body::valid`], with the errors the handler found elsewhere (its path, its query)
    /// answered first, in the same 422.
    pub fn valid_with(self, mut found: Vec<FieldError>) -> Result<T, crate::ApiError> {
        match Fields::run::<T>(&self.value, self.lang) {
            Ok(t) if found.is_empty() => Ok(t),
            Ok(_) => Err(crate::ApiError::Invalid(found)),
            Err(e) => {
                found.extend(e);
                Err(crate::ApiError::Invalid(found))
            }
        }
    }
}

/// A typed command read from a JSON object by [`Fields`]. `parse` reads every field before it
/// gives up, so one answer names every field at fault:
///
/// ```
/// use doithoai_web::input::{Command, Fields};
/// struct Refuse { reason: String, note: Option<String> }
/// impl Command for Refuse {
///     fn parse(f: &mut Fields<'_>) -> Option<Self> {
///         let reason = f.text("reason", 2000, true);
///         let note = f.text("note", 2000, false);
///         Some(Refuse { reason: reason?, note })
///     }
/// }
/// let errs = Fields::run::<Refuse>(&serde_json::json!({"note": 5}), doithoai_web::Lang::En).err().unwrap();
/// assert_eq!(errs.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["required", "wrong_type"]);
/// ```
pub trait Command: Sized {
    fn parse(f: &mut Fields<'_>) -> Option<Self>;
}

/// A typed command whose reading needs what the service knows besides the body: its
/// reference data, the caller's scope, the clock (intake's submissions). Read with
/// [`Fields::run_in`] or [`Body::valid_in`]; like [`Command`], every field error at once.
///
/// ```
/// use doithoai_web::input::{CommandIn, Fields};
/// struct Pick { unit: String }
/// impl CommandIn<[&str]> for Pick {
///     fn parse(f: &mut Fields<'_>, units: &[&str]) -> Option<Self> {
///         let unit = f.line("unit", 64, true)?;
///         if !units.contains(&unit.as_str()) {
///             f.error("unit", "unknown_unit", "Không có", "No such unit");
///             return None;
///         }
///         Some(Pick { unit })
///     }
/// }
/// let units: &[&str] = &["phuong-lang"];
/// let body = serde_json::json!({"unit": "phuong-x"});
/// let errs = Fields::run_in::<Pick, _>(&body, doithoai_web::Lang::En, units).err().unwrap();
/// assert_eq!(errs[0].code, "unknown_unit");
/// ```
pub trait CommandIn<C: ?Sized>: Sized {
    fn parse(f: &mut Fields<'_>, ctx: &C) -> Option<Self>;
}

/// The fields of a JSON body being read, and the errors found so far.
pub struct Fields<'a> {
    body: &'a Value,
    lang: Lang,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Parses `body` as `T`: the command, or every field error.
    pub fn run<T: Command>(body: &'a Value, lang: Lang) -> Result<T, Vec<FieldError>> {
        Fields::read_with(body, lang, T::parse)
    }

    /// Parses `body` as `T` read against `ctx`: the command, or every field error.
    pub fn run_in<T: CommandIn<C>, C: ?Sized>(
        body: &'a Value,
        lang: Lang,
        ctx: &C,
    ) -> Result<T, Vec<FieldError>> {
        Fields::read_with(body, lang, |f| T::parse(f, ctx))
    }

    /// Reads `body` with a closure instead of a [`Command`] (one-off readers, tests).
    pub fn read_with<T>(
        body: &'a Value,
        lang: Lang,
        parse: impl FnOnce(&mut Fields<'a>) -> Option<T>,
    ) -> Result<T, Vec<FieldError>> {
        let mut f = Fields {
            body,
            lang,
            errors: Vec::new(),
        };
        if !body.is_object() {
            f.error(
                "body",
                "wrong_type",
                "Nội dung phải là một đối tượng JSON",
                "The body must be a JSON object",
            );
            return Err(f.errors);
        }
        match parse(&mut f) {
            Some(t) if f.errors.is_empty() => Ok(t),
            _ if f.errors.is_empty() => Err(vec![FieldError::new(
                "body",
                "invalid",
                lang.pick("Dữ liệu không hợp lệ", "The body is not valid"),
            )]),
            _ => Err(f.errors),
        }
    }

    /// Whether the body names `key` (with any value, `null` included).
    pub fn has(&self, key: &str) -> bool {
        self.body.get(key).is_some()
    }

    /// The raw value at `key`, for a rule a typed reader does not cover.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.body.get(key)
    }

    /// Refuses every key of the object that is not in `allowed` (`unknown_field`): a
    /// misspelt optional field is said, not silently dropped.
    pub fn refuse_unknown(&mut self, allowed: &[&str]) {
        let unknown: Vec<String> = self
            .body
            .as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| !allowed.contains(&k.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for k in unknown {
            self.error(
                &k,
                "unknown_field",
                "Trường không được hỗ trợ",
                "Unknown field",
            );
        }
    }

    /// A nested object at `key`, read by `read` with its own fields; their errors are named
    /// `key.field`. Absent or `null` is `None` (a `required` one is an error); not an object
    /// is `wrong_type`.
    ///
    /// ```
    /// use doithoai_web::input::Fields;
    /// let body = serde_json::json!({"submitter": {"name": 5}});
    /// let errs = Fields::read_with(&body, doithoai_web::Lang::En, |f| {
    ///     f.object("submitter", true, |s| s.line("name", 100, true))
    /// }).err().unwrap();
    /// assert_eq!((errs[0].field.as_str(), errs[0].code.as_str()), ("submitter.name", "wrong_type"));
    /// ```
    pub fn object<T>(
        &mut self,
        key: &'static str,
        required: bool,
        read: impl FnOnce(&mut Fields<'a>) -> Option<T>,
    ) -> Option<T> {
        match self.body.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.missing(key);
                }
                None
            }
            Some(v @ Value::Object(_)) => {
                let mut inner = Fields {
                    body: v,
                    lang: self.lang,
                    errors: Vec::new(),
                };
                let t = read(&mut inner);
                self.errors.extend(inner.errors.into_iter().map(|mut e| {
                    e.field = format!("{key}.{}", e.field);
                    e
                }));
                t
            }
            Some(_) => {
                self.error(
                    key,
                    "wrong_type",
                    "Sai kiểu dữ liệu: cần một đối tượng",
                    "Wrong type: expected an object",
                );
                None
            }
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The errors `T` finds in `body`, as `field:code` (empty when it is valid): what a
    /// command's unit tests compare.
    pub fn codes<T: Command>(body: &'a Value) -> Vec<String> {
        Fields::run::<T>(body, Lang::En)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect()
    }

    /// Whether any field was at fault so far (for rules across fields that only make sense
    /// once each field is right).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Records that a required `key` is missing.
    fn missing(&mut self, key: &str) {
        self.error(
            key,
            "required",
            "Bắt buộc phải có",
            "This field is required",
        );
    }

    /// Records an error on `key`, in the reader's language.
    pub fn error(&mut self, key: &str, code: &str, vi: &str, en: &str) {
        self.errors
            .push(FieldError::new(key, code, self.lang.pick(vi, en)));
    }

    /// A text field by the platform's text rules ([`text`]).
    pub fn text(&mut self, key: &'static str, max: usize, required: bool) -> Option<String> {
        text(self.body, key, max, required, self.lang, &mut self.errors)
    }

    /// A one-line text field (titles, names, codes, links): [`Fields::text`] with line breaks
    /// refused as well.
    pub fn line(&mut self, key: &'static str, max: usize, required: bool) -> Option<String> {
        read_text(
            self.body,
            key,
            max,
            required,
            false,
            self.lang,
            &mut self.errors,
        )
    }

    /// An `https://` link without credentials, on one line.
    pub fn link(&mut self, key: &'static str, max: usize, required: bool) -> Option<String> {
        let link = self.line(key, max, required)?;
        let rest = link.strip_prefix("https://").unwrap_or("");
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() || authority.contains('@') || link.contains(char::is_whitespace) {
            self.error(
                key,
                "invalid_url",
                "Đường dẫn https://, không kèm tên đăng nhập hay mật khẩu",
                "An https:// link, without a user name or password",
            );
            return None;
        }
        Some(link)
    }

    /// A time field in RFC 3339 with its offset ([`time`]).
    pub fn time(
        &mut self,
        key: &'static str,
        required: bool,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        time(self.body, key, required, self.lang, &mut self.errors)
    }

    /// A whole number in `range`; absent is `None` (a `required` one is an error). Not a
    /// number is `wrong_type`; a fraction or a number outside `range` is `out_of_range`.
    pub fn integer(
        &mut self,
        key: &'static str,
        range: std::ops::RangeInclusive<i64>,
        required: bool,
    ) -> Option<i64> {
        match self.body.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.missing(key);
                }
                None
            }
            Some(v) if !v.is_number() => {
                self.error(
                    key,
                    "wrong_type",
                    "Sai kiểu dữ liệu: cần số nguyên",
                    "Wrong type: expected a whole number",
                );
                None
            }
            Some(v) => match v.as_i64() {
                Some(n) if range.contains(&n) => Some(n),
                _ => {
                    let msg = match self.lang {
                        Lang::Vi => format!("Số nguyên từ {} đến {}", range.start(), range.end()),
                        Lang::En => {
                            format!("A whole number from {} to {}", range.start(), range.end())
                        }
                    };
                    self.errors.push(FieldError::new(key, "out_of_range", msg));
                    None
                }
            },
        }
    }

    /// `true` or `false`, or absent (`None`).
    pub fn boolean(&mut self, key: &'static str) -> Option<bool> {
        match self.body.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.error(key, "wrong_type", "true hoặc false", "true or false");
                None
            }
        }
    }

    /// One of the `choices` (by their JSON spelling); another string is `unknown_value`.
    pub fn choice<T: Copy>(
        &mut self,
        key: &'static str,
        choices: &[(&str, T)],
        required: bool,
    ) -> Option<T> {
        let s = self.text(key, 64, required)?;
        let found = choices.iter().find(|(name, _)| *name == s).map(|(_, t)| *t);
        if found.is_none() {
            let names = choices
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ");
            let msg = match self.lang {
                Lang::Vi => format!("Một trong: {names}"),
                Lang::En => format!("One of: {names}"),
            };
            self.errors.push(FieldError::new(key, "unknown_value", msg));
        }
        found
    }

    /// A list of at most `max_items` one-line texts of at most `max` characters each, by the
    /// text rules; absent is empty. Any item at fault makes the whole field `wrong_type`.
    pub fn strings(&mut self, key: &'static str, max_items: usize, max: usize) -> Vec<String> {
        match self.body.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) if a.len() <= max_items => {
                let items: Option<Vec<String>> = a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .and_then(|s| crate::text::clean(s, max, false).ok())
                    })
                    .collect();
                match items {
                    Some(items) => items,
                    None => {
                        self.strings_error(key, max_items);
                        Vec::new()
                    }
                }
            }
            Some(_) => {
                self.strings_error(key, max_items);
                Vec::new()
            }
        }
    }

    fn strings_error(&mut self, key: &'static str, max_items: usize) {
        let msg = match self.lang {
            Lang::Vi => format!("Danh sách chuỗi ký tự (tối đa {max_items})"),
            Lang::En => format!("A list of strings (at most {max_items})"),
        };
        self.errors.push(FieldError::new(key, "wrong_type", msg));
    }
}

impl<T: 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let lang = Lang::of(req);
        let json = actix_web::web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let body = json.await?;
            Ok(Body::new(body.into_inner(), lang))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Decision {
        Approve,
        RequestChanges,
    }

    #[derive(Debug)]
    struct Review {
        decision: Decision,
        days: Option<i64>,
        urgent: Option<bool>,
        tags: Vec<String>,
    }

    impl Command for Review {
        fn parse(f: &mut Fields<'_>) -> Option<Self> {
            let decision = f.choice(
                "decision",
                &[
                    ("approve", Decision::Approve),
                    ("request_changes", Decision::RequestChanges),
                ],
                true,
            );
            let days = f.integer("days", 1..=365, false);
            let urgent = f.boolean("urgent");
            let tags = f.strings("tags", 3, 20);
            Some(Review {
                decision: decision?,
                days,
                urgent,
                tags,
            })
        }
    }

    fn codes(body: Value) -> Vec<(String, String)> {
        Fields::run::<Review>(&body, Lang::En)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_good_body_is_its_command() {
        let r = Fields::run::<Review>(
            &json!({"decision": "request_changes", "days": 5, "urgent": true, "tags": [" a "]}),
            Lang::Vi,
        )
        .unwrap();
        assert_eq!(r.decision, Decision::RequestChanges);
        assert_eq!((r.days, r.urgent), (Some(5), Some(true)));
        assert_eq!(r.tags, ["a"]);
    }

    #[test]
    fn every_field_at_fault_is_named_at_once_and_wrong_types_are_field_errors() {
        let got = codes(json!({"decision": "maybe", "days": "5", "urgent": 1, "tags": [1]}));
        let want = [
            ("decision", "unknown_value"),
            ("days", "wrong_type"),
            ("urgent", "wrong_type"),
            ("tags", "wrong_type"),
        ];
        assert_eq!(
            got,
            want.map(|(f, c)| (f.to_owned(), c.to_owned())).to_vec()
        );
        assert_eq!(codes(json!({"decision": 3}))[0].1, "wrong_type");
        assert_eq!(codes(json!({}))[0], ("decision".into(), "required".into()));
    }

    struct Event {
        title: String,
        link: Option<String>,
    }

    impl Command for Event {
        fn parse(f: &mut Fields<'_>) -> Option<Self> {
            let title = f.line("title", 100, true);
            let link = f.link("link", 200, false);
            Some(Event {
                title: title?,
                link,
            })
        }
    }

    #[test]
    fn one_line_fields_refuse_line_breaks_and_links_are_https_without_credentials() {
        let codes = |v: Value| Fields::codes::<Event>(&v);
        assert_eq!(
            codes(json!({"title": "Hội nghị\r\nX-INJECTED:1", "link": "https://a.vn/x"})),
            ["title:control_character"]
        );
        for bad in [
            "http://a.vn",
            "https://u:p@a.vn/",
            "https:// a.vn",
            "javascript:alert(1)",
            "https://",
        ] {
            assert_eq!(
                codes(json!({"title": "T", "link": bad})),
                ["link:invalid_url"],
                "{bad}"
            );
        }
        let e = Fields::run::<Event>(
            &json!({"title": " T ", "link": "https://hop.hanoi.gov.vn/a?b=1"}),
            Lang::Vi,
        )
        .unwrap();
        assert_eq!(
            (e.title.as_str(), e.link.as_deref()),
            ("T", Some("https://hop.hanoi.gov.vn/a?b=1"))
        );
    }

    #[test]
    fn list_items_get_the_text_rules_and_a_body_must_be_an_object() {
        assert_eq!(
            codes(json!({"decision": "approve", "tags": ["a\u{202e}b"]})),
            [("tags".to_owned(), "wrong_type".to_owned())]
        );
        assert_eq!(
            codes(json!({"decision": "approve", "tags": ["a", "b", "c", "d"]})).len(),
            1
        );
        assert_eq!(
            codes(json!([1])),
            [("body".to_owned(), "wrong_type".to_owned())]
        );
    }
}
