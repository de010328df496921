//! Text helpers shared by services: the one set of rules for free text people write (citizens
//! through intake, staff through every staff endpoint), and folding Vietnamese for
//! diacritic-insensitive matching.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases and strips Vietnamese diacritics (đ → d), so "lang" matches "Láng".
///
/// ```
/// assert_eq!(doithoai_web::text::fold("Khiếu Nại"), "khieu nai");
/// assert_eq!(doithoai_web::text::fold("Đơn TỐ CÁO"), "don to cao");
/// ```
pub fn fold(input: &str) -> String {
    input
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// `s` fit for a log line: phones, emails, ID numbers, addresses and names replaced (an SMTP
/// server's refusal names the recipient; a decoding error quotes the payload). Logs carry no
/// personal data.
///
/// ```
/// let line = doithoai_web::text::log_safe("550 5.1.1 <an.nguyen@example.vn>: user unknown (0912 345 678)");
/// assert!(!line.contains("an.nguyen") && !line.contains("345"));
/// ```
pub fn log_safe(s: &str) -> String {
    doithoai_redact::redact(s, &doithoai_redact::Known::default(), false).text
}

/// Asia/Ho_Chi_Minh: UTC+7 all year (Vietnam keeps no daylight saving time).
pub fn hanoi() -> chrono::FixedOffset {
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(tz) => tz,
        None => chrono::Offset::fix(&chrono::Utc),
    }
}

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max: usize },
    ControlCharacter,
}

/// Whether `c` may not appear in submitted text: C0/C1 controls (other than the line breaks
/// and tabs multi-line text may hold), bidirectional overrides that can disguise text, and
/// non-characters.
fn forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' => !multiline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        '\u{fffe}' | '\u{ffff}' => true,
        _ => false,
    }
}

/// Normalises `input` to NFC, folds `\r\n` into `\n`, trims it and checks it: not empty, at
/// most `max` characters, no control characters (line breaks and tabs allowed when
/// `multiline`).
///
/// ```
/// use doithoai_web::text::{clean, TextError};
/// // "Láng" typed with a combining acute accent becomes the precomposed form.
/// assert_eq!(clean("  La\u{301}ng ", 10, false), Ok("Láng".to_owned()));
/// assert_eq!(clean("a\u{0}b", 10, false), Err(TextError::ControlCharacter));
/// ```
pub fn clean(input: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let folded = if input.contains('\r') {
        Cow::Owned(input.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(input)
    };
    let trimmed = folded.trim();
    // Most text arrives composed already: the quick check spares composing it again.
    let text: String = match unicode_normalization::is_nfc_quick(trimmed.chars()) {
        unicode_normalization::IsNormalized::Yes => trimmed.to_owned(),
        _ => trimmed.nfc().collect(),
    };
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().any(|c| forbidden(c, multiline)) {
        return Err(TextError::ControlCharacter);
    }
    let n = text.chars().count();
    if n > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text)
}

/// A time as every API answer writes it: RFC 3339 in UTC with milliseconds
/// (`2026-11-24T09:30:00.000Z`).
///
/// ```
/// let t = chrono::DateTime::parse_from_rfc3339("2026-11-24T16:30:00+07:00").unwrap();
/// assert_eq!(doithoai_web::text::ts(t.to_utc()), "2026-11-24T09:30:00.000Z");
/// ```
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(clean(" \n\t ", 10, true), Err(TextError::Empty));
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let s = "ệ".repeat(10);
        assert!(clean(&s, 10, false).is_ok());
        assert_eq!(
            clean(&format!("{s}a"), 10, false),
            Err(TextError::TooLong { max: 10 })
        );
    }

    #[test]
    fn line_breaks_only_in_multiline_text() {
        assert_eq!(clean("a\r\nb", 10, true), Ok("a\nb".to_owned()));
        assert_eq!(clean("a\nb", 10, false), Err(TextError::ControlCharacter));
    }

    #[test]
    fn bidi_override_is_refused() {
        assert_eq!(
            clean("abc\u{202e}def", 20, true),
            Err(TextError::ControlCharacter)
        );
    }
}
