//! Public search: what a query asks for, as PostgreSQL full-text search runs it, and the
//! matched words of a published text marked for the reader.
//!
//! Published texts are indexed folded (lower case, no diacritics, `đ` as `d`) as a `simple`
//! tsvector: Vietnamese words are syllables, so no stemming applies and "lang" finds "Láng".
//! Every word of a query must match; the last may be the start of a word (people type
//! "khai si…"), so partial words at the end of a query still find.

use doithoai_web::text::fold;
use serde::Serialize;

/// Words of a query at most.
pub const MAX_WORDS: usize = 8;

/// The folded words of a query: letters and digits only, at most [`MAX_WORDS`].
///
/// ```
/// use answering::domain::search::words;
/// assert_eq!(words("Khai sinh, Phường LÁNG!"), ["khai", "sinh", "phuong", "lang"]);
/// assert!(words(" -- ").is_empty());
/// ```
pub fn words(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_owned)
        .collect()
}

/// The `to_tsquery('simple', …)` text of `words`: every word, the last also as a prefix.
/// Words are letters and digits only, so nothing in them is tsquery syntax.
///
/// ```
/// use answering::domain::search::tsquery;
/// assert_eq!(tsquery(&["khai".into(), "si".into()]), "khai & si:*");
/// ```
pub fn tsquery(words: &[String]) -> String {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i + 1 == words.len() {
                format!("{w}:*")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// A piece of a text, and whether it is a matched word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Whether `token` (folded) is one of `words`, or starts with the last one.
fn matches(token: &str, words: &[String]) -> bool {
    words
        .iter()
        .enumerate()
        .any(|(i, w)| token == w || (i + 1 == words.len() && token.starts_with(w.as_str())))
}

/// `text` cut into segments, the words the query matched marked (compared folded, shown as
/// written), at most about `window` characters around the first match (with "…" where cut).
///
/// ```
/// use answering::domain::search::{marked, words};
/// let s = marked("Thủ tục khai sinh tại Phường Láng", &words("khai lang"), 200);
/// let hits: Vec<_> = s.iter().filter(|x| x.hit).map(|x| x.text.as_str()).collect();
/// assert_eq!(hits, ["khai", "Láng"]);
/// assert_eq!(s.iter().map(|x| x.text.as_str()).collect::<String>(), "Thủ tục khai sinh tại Phường Láng");
/// ```
pub fn marked(text: &str, words: &[String], window: usize) -> Vec<Segment> {
    // Tokens: runs of letters and digits (a word), and runs of anything else.
    let mut tokens: Vec<(String, bool)> = Vec::new();
    for c in text.chars() {
        let word = c.is_alphanumeric();
        match tokens.last_mut() {
            Some((t, w)) if *w == word => t.push(c),
            _ => tokens.push((c.to_string(), word)),
        }
    }
    let hits: Vec<bool> = tokens
        .iter()
        .map(|(t, word)| *word && matches(&fold(t), words))
        .collect();
    // The window: from a little before the first hit, about `window` characters.
    let first = hits.iter().position(|h| *h).unwrap_or(0);
    let mut start = first;
    let mut before = 0;
    while start > 0 && before < window / 4 {
        start -= 1;
        before += tokens[start].0.chars().count();
    }
    let mut out: Vec<Segment> = Vec::new();
    if start > 0 {
        out.push(Segment {
            text: "…".into(),
            hit: false,
        });
    }
    let mut len = 0;
    let mut end = start;
    while end < tokens.len() && len < window {
        len += tokens[end].0.chars().count();
        let (t, _) = &tokens[end];
        match out.last_mut() {
            Some(last) if !last.hit && !hits[end] => last.text.push_str(t),
            _ => out.push(Segment {
                text: t.clone(),
                hit: hits[end],
            }),
        }
        end += 1;
    }
    if end < tokens.len() {
        out.push(Segment {
            text: "…".into(),
            hit: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_around_its_first_match() {
        let text = format!(
            "{} đất đai {}",
            "mở đầu ".repeat(100),
            "kết thúc ".repeat(100)
        );
        let s = marked(&text, &words("dat dai"), 120);
        assert!(s.first().is_some_and(|x| x.text.starts_with('…')), "{s:?}");
        assert!(s.last().is_some_and(|x| x.text.ends_with('…')), "{s:?}");
        assert_eq!(s.iter().filter(|x| x.hit).count(), 2);
        let shown: usize = s.iter().map(|x| x.text.chars().count()).sum();
        assert!(shown < 200, "{shown}");
    }

    #[test]
    fn only_the_last_word_matches_as_a_prefix() {
        let w = words("kha sinh");
        let s = marked("khai sinh", &w, 100);
        assert_eq!(
            s.iter()
                .filter(|x| x.hit)
                .map(|x| x.text.as_str())
                .collect::<Vec<_>>(),
            ["sinh"]
        );
        let s = marked("khai sinh", &words("sinh kha"), 100);
        assert_eq!(
            s.iter()
                .filter(|x| x.hit)
                .map(|x| x.text.as_str())
                .collect::<Vec<_>>(),
            ["khai", "sinh"]
        );
    }
}
