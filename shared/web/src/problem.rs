//! `application/problem+json` (RFC 9457) errors. Every 4xx names the field at fault; a 5xx
//! says nothing of the cause to the client and logs it with the trace id.

use crate::Lang;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

/// One thing wrong with a request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// A JSON path such as `submitter.phone`, a header name, or `body`.
    pub field: String,
    /// A stable machine code such as `required` or `invalid_phone`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An error response (`application/problem+json`, RFC 9457).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    pub www_authenticate: bool,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.title)
    }
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str) -> Self {
        Self {
            kind: format!("urn:doithoai:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            www_authenticate: false,
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_error(mut self, e: FieldError) -> Self {
        self.errors.push(e);
        self
    }

    /// 422: the request was understood but its content breaks a rule.
    pub fn validation(lang: Lang, errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            lang.pick(
                "Dữ liệu gửi lên không hợp lệ",
                "The submitted data is not valid",
            ),
        );
        p.errors = errors;
        p
    }

    /// 400: the request could not be read at all.
    pub fn bad_request(lang: Lang, field: &str, code: &str, message: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            lang.pick("Yêu cầu không đọc được", "The request could not be read"),
        )
        .with_error(FieldError::new(field, code, message))
    }

    /// 404, also given for what exists but belongs to another unit.
    pub fn not_found(lang: Lang) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            lang.pick("Không tìm thấy", "Not found"),
        )
    }

    /// 401 with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(lang: Lang) -> Self {
        let mut p = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lang.pick(
                "Cần đăng nhập bằng mã truy cập hợp lệ",
                "A valid access token is required",
            ),
        )
        .with_error(FieldError::new(
            "Authorization",
            "invalid_token",
            lang.pick(
                "Thiếu mã truy cập, hoặc mã sai chữ ký, sai thuật toán, sai đối tượng hoặc đã hết hạn",
                "The bearer token is missing, badly signed, of another algorithm or audience, or expired",
            ),
        ));
        p.www_authenticate = true;
        p
    }

    /// 403: the role may not do this at all (scope failures are 404s instead).
    pub fn forbidden(lang: Lang) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick(
                "Vai trò của bạn không được thực hiện thao tác này",
                "Your role may not do this",
            ),
        )
    }

    /// 409: the record is not (or no longer) in a state that allows this; `title` and
    /// `message` are (Vietnamese, English) pairs, the error names `field` and `code`.
    pub fn conflict(
        lang: Lang,
        title: (&str, &str),
        field: &str,
        code: &str,
        message: (&str, &str),
    ) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conflict",
            lang.pick(title.0, title.1),
        )
        .with_error(FieldError::new(
            field,
            code,
            lang.pick(message.0, message.1),
        ))
    }

    /// 500 without the cause; the caller logs it.
    pub fn internal(lang: Lang) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            lang.pick(
                "Lỗi hệ thống, xin vui lòng thử lại sau",
                "Internal error, please try again later",
            ),
        )
    }

    /// 503: a dependency is away.
    pub fn unavailable(lang: Lang, detail: &str) -> Self {
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            lang.pick(
                "Dịch vụ tạm thời chưa sẵn sàng",
                "Service temporarily unavailable",
            ),
        )
        .with_detail(detail);
        p.retry_after = Some(5);
        p
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(lang: Lang, retry_after: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            lang.pick(
                "Gửi quá nhiều yêu cầu, xin vui lòng thử lại sau",
                "Too many requests, please try again later",
            ),
        )
        .with_error(FieldError::new(
            "client",
            "rate_limited",
            lang.pick("Vượt giới hạn tần suất gửi", "Request rate limit exceeded"),
        ));
        p.retry_after = Some(retry_after);
        p
    }

    /// The response, for handlers that build one directly.
    pub fn response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status_code());
        b.content_type("application/problem+json");
        if self.www_authenticate {
            b.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Some(s) = self.retry_after {
            b.insert_header(("Retry-After", s.to_string()));
        }
        b.json(self)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}

/// Error handler for `web::JsonConfig`: body too large (413), not JSON (415) or unreadable
/// (400), each naming `body` or `Content-Type`.
pub fn json_error(err: actix_web::error::JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let lang = Lang::of(req);
    let p = match &err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => too_large(lang, *limit),
        E::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            lang.pick("Chỉ nhận dữ liệu JSON", "Only JSON is accepted"),
        )
        .with_error(FieldError::new(
            "Content-Type",
            "not_json",
            lang.pick(
                "Content-Type phải là application/json",
                "Content-Type must be application/json",
            ),
        )),
        E::Deserialize(e) => Problem::bad_request(
            lang,
            "body",
            "malformed_json",
            format!("{}: {e}", lang.pick("JSON không hợp lệ", "Malformed JSON")),
        ),
        _ => Problem::bad_request(
            lang,
            "body",
            "unreadable_body",
            lang.pick(
                "Không đọc được nội dung yêu cầu",
                "The request body could not be read",
            )
            .to_owned(),
        ),
    };
    p.into()
}

/// 413 naming `body` and the limit.
pub fn too_large(lang: Lang, limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        lang.pick("Dữ liệu gửi lên quá lớn", "The request body is too large"),
    )
    .with_error(FieldError::new(
        "body",
        "too_large",
        match lang {
            Lang::Vi => format!("Tối đa {limit} byte"),
            Lang::En => format!("At most {limit} bytes"),
        },
    ))
}

/// Error handler for `web::PathConfig` and `web::QueryConfig`.
pub fn param_error(
    field: &'static str,
) -> impl Fn(String, &HttpRequest) -> actix_web::Error + Clone {
    move |msg, req| Problem::bad_request(Lang::of(req), field, "invalid", msg).into()
}
