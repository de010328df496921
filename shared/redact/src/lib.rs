//! Removal of personal data from every text Đối Thoại publishes (Decree 13/2023/NĐ-CP; Law
//! 91/2025/QH15): answers and the questions they answer, conference minutes, results notices.
//!
//! Every pattern runs on a *folded* copy of the text — NFC, diacritics removed, `đ` → `d`, case
//! kept — whose every byte maps back to the original, so `Nguyễn Văn An`, `Nguyen Van An` and
//! the same name typed in decomposed Unicode are one name, and `thôn Đông` is `thon Dong`.
//!
//! What is removed:
//! - **names**: the names given (the submitter, their organisation, any the officer marks) in
//!   full, as surname + given name, and as an honorific + given name (`ông An`); anyone else
//!   named after an honorific (`bà Lan`, `anh Nguyễn Minh`) or by a Vietnamese surname and
//!   capitalised words (`Phạm Thị Hoa`), except streets (`phố Lê Duẩn`) and the city's units;
//! - **addresses**: the submitter's address; house numbers with their alley and street;
//!   apartments (`P1203 tòa CT2`); residential groups and hamlets (`tổ 5`, `thôn Đông`);
//! - **numbers that identify**: phones however written (`(024) 3825 3536`, `09 12 34 56 78`,
//!   `(+84) 912…`, `0912/345/678`), ID card, tax and account numbers (any run of 9 or more
//!   digits that is not an amount or a date), passports (`B1234567`), licence plates;
//! - **emails**, also written as `an [at] gmail [dot] com` or `an @ gmail . com`.
//!
//! Consent to publish one's identity keeps the submitter's own name and address, never contact
//! details or other people's names.
//!
//! `cargo run --release -p doithoai-redact --bin redact-corpus` measures all of this on a
//! generated corpus and prints misses and over-redactions.

pub mod corpus;

use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// What a removed piece was; its placeholder says so to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Name,
    Address,
    Phone,
    Email,
    IdNumber,
    TaxNumber,
    Plate,
}

impl Kind {
    /// The placeholder the public reads (Vietnamese: the public text is Vietnamese).
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Name => "[họ tên đã được ẩn]",
            Kind::Address => "[địa chỉ đã được ẩn]",
            Kind::Phone => "[số điện thoại đã được ẩn]",
            Kind::Email => "[email đã được ẩn]",
            Kind::IdNumber => "[số giấy tờ đã được ẩn]",
            Kind::TaxNumber => "[mã số thuế đã được ẩn]",
            Kind::Plate => "[biển số xe đã được ẩn]",
        }
    }
}

/// The people and places a text is redacted for.
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// The submitter's name and organisation: kept when they consented.
    pub own_names: Vec<String>,
    /// The submitter's address: kept when they consented.
    pub own_addresses: Vec<String>,
    /// Other names the officer marks as private: always removed.
    pub other_names: Vec<String>,
}

/// The text with personal data replaced by placeholders, and how many pieces were replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub removed: usize,
}

/// Removes personal data from `text`. `consented`: the submitter agreed to publish who they are.
///
/// ```
/// use doithoai_redact::{redact, Known};
/// let known = Known { own_names: vec!["Nguyễn Văn An".into()], ..Known::default() };
/// let out = redact("Tôi là Nguyen Van An, ĐT (+84) 912 345 678; ông An ở tổ 5.", &known, false);
/// assert!(!out.text.contains("Van An") && !out.text.contains("345") && !out.text.contains("ông An"));
/// assert!(!out.text.contains("tổ 5"));
/// ```
pub fn redact(text: &str, known: &Known, consented: bool) -> Redacted {
    let original: String = text.nfc().collect();
    let folded = Folded::new(&original);
    let mut spans: Vec<Span> = Vec::new();
    let mut kept: Vec<(usize, usize)> = Vec::new();

    for name in &known.own_names {
        let found = known_name_spans(&folded, name);
        if consented {
            kept.extend(found.iter().map(|s| (s.start, s.end)));
        } else {
            spans.extend(found);
        }
    }
    for name in &known.other_names {
        spans.extend(known_name_spans(&folded, name));
    }
    for address in &known.own_addresses {
        let found = known_address_spans(&folded, address);
        if consented {
            kept.extend(found.iter().map(|s| (s.start, s.end)));
        } else {
            spans.extend(found);
        }
    }
    spans.extend(pattern_spans(&folded, &original));
    if consented {
        spans.retain(|s| {
            !(matches!(s.kind, Kind::Name | Kind::Address)
                && kept.iter().any(|&(a, b)| s.start < b && a < s.end))
        });
    }
    splice(&original, spans)
}

/// One piece to remove, as byte offsets into the original (NFC) text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

/// The folded text and, for each of its bytes, where that byte's character starts in the
/// original; one more entry for the end.
struct Folded {
    text: String,
    origin: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        for (at, c) in original.char_indices() {
            let f = fold_char(c);
            for _ in 0..f.len_utf8() {
                origin.push(at);
            }
            text.push(f);
        }
        origin.push(original.len());
        Folded { text, origin }
    }

    /// The original byte range of a folded byte range.
    fn span(&self, start: usize, end: usize, kind: Kind) -> Span {
        Span {
            start: self.origin[start],
            end: self.origin[end],
            kind,
        }
    }
}

/// One character without its diacritics (`ễ` → `e`, `Đ` → `D`), case kept; spaces of every
/// kind become a plain space.
fn fold_char(c: char) -> char {
    match c {
        'đ' => 'd',
        'Đ' => 'D',
        c if c.is_whitespace() => ' ',
        c if c.is_ascii() => c,
        c => c
            .to_string()
            .nfd()
            .find(|d| !('\u{300}'..='\u{36f}').contains(d))
            .unwrap_or(c),
    }
}

/// A whole string folded (the same folding as the text, then lowercase and single spaces), for
/// building patterns of known names and addresses.
fn fold(s: &str) -> String {
    let f: String = s.nfc().map(fold_char).collect();
    f.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Honorifics and ways of referring to a person, folded. A folded honorific is accepted only
/// when the original word is the honorific itself or was typed without diacritics: `có` folds
/// to `co` like `cô`, and must not be read as one.
const HONORIFICS: &[&str] = &[
    "ông",
    "bà",
    "anh",
    "chị",
    "cô",
    "chú",
    "bác",
    "cụ",
    "em",
    "cháu",
    "dì",
    "thím",
    "mợ",
    "cậu",
    "bạn",
    "công dân",
    "người dân",
    "gia đình",
    "hộ ông",
    "hộ bà",
    "hộ gia đình",
];

/// Capitalised words, as typed, that begin titles, bodies and legal instruments, never a given
/// name (`ông Chủ tịch`, `bà Phó Giám đốc`). Compared with diacritics: `Thu` is a given name,
/// `Thủ` begins `Thủ trưởng`.
const NOT_A_NAME: &[&str] = &[
    "Nghị",
    "Quyết",
    "Thông",
    "Luật",
    "Điều",
    "Khoản",
    "Chủ",
    "Phó",
    "Trưởng",
    "Giám",
    "Bí",
    "Cán",
    "Thủ",
    "Ủy",
    "Uỷ",
    "Đại",
    "Tổng",
    "Cục",
    "Vụ",
    "Ban",
    "Sở",
    "Tổ",
    "Phòng",
    "Hội",
    "Đoàn",
    "Chính",
    "Nhà",
    "Bộ",
    "UBND",
    "HĐND",
    "Mặt",
    "Tòa",
    "Toà",
    "Viện",
    "Ngân",
    "Kho",
    "Hợp",
    "Đội",
    "Phường",
    "Xã",
    "Quận",
    "Huyện",
    "Tỉnh",
    "Trưởng",
    "Kế",
    "Văn",
    "Chánh",
];

/// Vietnamese surnames, folded: a surname followed by capitalised words is a name.
const SURNAMES: &[&str] = &[
    "Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do",
    "Ho", "Ngo", "Duong", "Ly", "Dinh", "Trinh", "Mai", "Truong", "Lam", "Doan", "Luong", "Cao",
    "Kieu", "Quach", "Ha", "Thai", "Lai", "Luu", "Khuat", "Nghiem", "Giang", "Trieu", "Chu", "Ta",
    "Tong", "Vuong", "Diep", "Luc", "Mac", "Tang", "Thach", "Ung", "Bach",
];

/// Words before a capitalised name that make it a place, not a person: `phố Lê Duẩn`.
const PLACE_WORDS: &[&str] = &[
    "pho",
    "duong",
    "ngo",
    "ngach",
    "quan",
    "phuong",
    "xa",
    "huyen",
    "tinh",
    "thanh pho",
    "truong",
    "benh vien",
    "cau",
    "ho",
    "cong vien",
    "khu do thi",
    "cho",
    "lang",
    "thon",
    "xom",
    "to",
    "tuyen",
    "nut giao",
    "khu",
    "toa",
    "so",
    "tram",
    "ben",
    "bo",
];

#[allow(clippy::expect_used)] // fixed data compiled into the crate, checked by the tests below
static UNIT_NAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let csv = include_str!("../../../data/hanoi-units.csv");
    let mut names: HashSet<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .map(|n| {
            fold(
                n.trim_start_matches("Phường ")
                    .trim_start_matches("Xã ")
                    .trim_start_matches("Phường")
                    .trim(),
            )
        })
        .collect();
    for n in [
        "ha noi",
        "ho chi minh",
        "ha dong",
        "hoang mai",
        "ho guom",
        "ho tay",
        "ho hoan kiem",
        "viet nam",
    ] {
        names.insert(n.to_owned());
    }
    names
});

/// A capitalised word, folded: an upper-case letter and lower-case letters.
const CAP: &str = r"[A-Z][a-z]*";

/// The honorifics as one pattern alternation, folded, longest first.
static HONORIFIC_ALTERNATION: LazyLock<String> = LazyLock::new(|| {
    let mut honorifics: Vec<String> = HONORIFICS.iter().map(|h| fold(h)).collect();
    honorifics.sort_by_key(|h| std::cmp::Reverse(h.len()));
    honorifics
        .iter()
        .map(|h| h.replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
});

#[allow(clippy::expect_used)]
static HONORIFIC_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives = HONORIFIC_ALTERNATION.as_str();
    Regex::new(&format!(
        r"\b(?i:{alternatives})\s+({CAP}(?:\s+{CAP}){{0,3}})\b"
    ))
    .expect("honorific pattern")
});

#[allow(clippy::expect_used)]
static SURNAME_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:{})(?:\s+{CAP}){{1,3}}\b",
        SURNAMES.join("|")
    ))
    .expect("surname pattern")
});

#[allow(clippy::expect_used)]
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let at = r"(?:\s*@\s*|\s*[\[\(\{<]\s*(?:at|@|a cong)\s*[\]\)\}>]\s*|\s+(?:at|a cong)\s+)";
    let dot = r"(?:\.|\s*[\[\(\{<]\s*(?:dot|cham|\.)\s*[\]\)\}>]\s*|\s+(?:dot|cham)\s+|\s+\.\s+)";
    Regex::new(&format!(
        r"(?i)[a-z0-9._%+\-]+{at}[a-z0-9\-]+(?:{dot}[a-z0-9\-]+)*{dot}[a-z]{{2,}}\b"
    ))
    .expect("email pattern")
});

/// A run of digits with the separators people type inside phone and ID numbers.
#[allow(clippy::expect_used)]
static NUMBER_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\(\s?\+?\d{2,4}\s?\)\s?|\+\s?)?\d(?:(?:[ .\-/]|\)\s?|\s?\(|\s?-\s?)?\d)*")
        .expect("number pattern")
});

#[allow(clippy::expect_used)]
static MONEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[1-9]\d{0,2}(?:[.,]\d{3})+$").expect("money pattern"));

#[allow(clippy::expect_used)]
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\b").expect("date pattern"));

#[allow(clippy::expect_used)]
static PASSPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]\s?\d{7,8}\b").expect("passport pattern"));

#[allow(clippy::expect_used)]
static PLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{2}\s?-?\s?[A-Z]{1,2}\d?(?:\s?-\s?|\s)?\d{3}(?:\.?\d{2}|\d)\b")
        .expect("plate pattern")
});

/// House number with alley and street, or house number with street; apartments; groups and
/// hamlets. A document number (`quyết định số 15/QĐ-UBND`) has no street and is kept.
#[allow(clippy::expect_used)]
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    let num = r"\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*";
    let street = format!(r"(?:[\s,]+(?:(?i:pho|duong)\s+)?{CAP}(?:\s+{CAP})*)");
    let named_street = format!(r"(?:[\s,]+(?i:pho|duong)\s+{CAP}(?:\s+{CAP})*)");
    let house = format!(r"\b(?i:so nha|so|nha|can nha)\s+{num}");
    let alley = format!(r"\b(?i:ngo|ngach|hem|kiet)\s+{num}");
    let apartment = r"(?:\b(?i:can ho|phong)\s+\d{2,5}[A-Z]?|\bP\.?\s?\d{3,5}[A-Z]?)(?:[\s,\-]+(?i:toa nha|toa|nha|block|khu)\s+[A-Z0-9][A-Za-z0-9.\-]*)";
    let flat = r"\b(?:(?i:can ho)\s+\d{2,5}[A-Z]?|P\.?\s?\d{3,5}[A-Z]?)\b";
    let group = format!(
        r"\b(?:(?i:to dan pho|tdp|thon|xom|khu tap the|ktt)\s+(?:\d+[A-Za-z]?|{CAP}(?:\s+{CAP}){{0,2}})|(?i:to)\s+\d+[A-Za-z]?\b)"
    );
    Regex::new(&format!(
        r"(?:{house}[\s,]+)?{alley}(?:[\s,]+{alley})*{street}?|{house}{named_street}|{apartment}|{flat}|{group}"
    ))
    .expect("address pattern")
});

#[allow(clippy::expect_used)]
static TAX_CUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:\bmst|ma so thue|tax)\W{0,3}$").expect("tax cue"));

#[allow(clippy::expect_used)]
static AMOUNT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s?(?i:dong|d\b|vnd|ty|trieu|nghin|m2|m\b|km|%)").expect("amount cue")
});

/// Every span the generic patterns find.
fn pattern_spans(folded: &Folded, original: &str) -> Vec<Span> {
    let f = folded.text.as_str();
    let mut spans = Vec::new();
    for m in EMAIL.find_iter(f) {
        spans.push(folded.span(m.start(), m.end(), Kind::Email));
    }
    for m in PLATE.find_iter(f) {
        spans.push(folded.span(m.start(), m.end(), Kind::Plate));
    }
    for m in PASSPORT.find_iter(f) {
        spans.push(folded.span(m.start(), m.end(), Kind::IdNumber));
    }
    for m in NUMBER_RUN.find_iter(f) {
        if let Some(kind) = classify_number(f, m.start(), m.end()) {
            spans.push(folded.span(m.start(), m.end(), kind));
        }
    }
    for m in ADDRESS.find_iter(f) {
        // An office's address (`trụ sở số 1 phố Tây Sơn`) is public.
        if after_word(f, m.start(), &["tru so", "tru so tai", "tru so o"]) {
            continue;
        }
        spans.push(folded.span(m.start(), m.end(), Kind::Address));
    }
    for c in HONORIFIC_NAME.captures_iter(f) {
        let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let honorific = &original[folded.origin[all.start()]..folded.origin[name.start()]];
        if !is_honorific(honorific) {
            continue;
        }
        let typed = &original[folded.origin[name.start()]..folded.origin[name.end()]];
        if typed.split_whitespace().all(|w| NOT_A_NAME.contains(&w))
            || UNIT_NAMES.contains(&fold(name.as_str()))
        {
            continue;
        }
        spans.push(folded.span(all.start(), all.end(), Kind::Name));
    }
    for m in SURNAME_NAME.find_iter(f) {
        let name = fold(m.as_str());
        if UNIT_NAMES.contains(&name) || after_word(f, m.start(), PLACE_WORDS) {
            continue;
        }
        spans.push(folded.span(m.start(), m.end(), Kind::Name));
    }
    spans
}

/// Whether the original words before a capitalised name are an honorific (as typed, or typed
/// without diacritics).
fn is_honorific(original: &str) -> bool {
    let typed = original
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    HONORIFICS.iter().any(|h| *h == typed || fold(h) == typed)
}

/// Whether the folded words just before `at` are one of `words` (`phố`, `đường`, `trường`…).
fn after_word(folded: &str, at: usize, words: &[&str]) -> bool {
    let before = folded[..at].trim_end().to_lowercase();
    words.iter().any(|w| {
        before.ends_with(w)
            && before[..before.len() - w.len()]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

/// What a run of digits identifies, if anything: phones, ID, tax and account numbers are kept
/// out; amounts, dates, years and short numbers stay.
fn classify_number(f: &str, start: usize, end: usize) -> Option<Kind> {
    let run = &f[start..end];
    let before = f[..start].chars().next_back();
    let after = f[end..].chars().next();
    if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric) {
        return None;
    }
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 9 {
        return None;
    }
    // An amount: followed by its unit, or grouped by thousands and round (an ID number grouped
    // the same way is not round).
    if !digits.starts_with('0')
        && (AMOUNT_AFTER.is_match(&f[end..]) || MONEY.is_match(run) && digits.ends_with("000"))
    {
        return None;
    }
    if DATE.is_match(run) && run.chars().filter(|c| *c == '/' || *c == '.').count() >= 2 {
        let undated = DATE.replace_all(run, "");
        if undated.chars().filter(char::is_ascii_digit).count() < 9 {
            return None;
        }
    }
    let international = run.starts_with('+') || run.starts_with("(+");
    let cue_start = start.saturating_sub(24);
    let cue_start = (0..=cue_start)
        .rev()
        .find(|i| f.is_char_boundary(*i))
        .unwrap_or(0);
    if TAX_CUE.is_match(&f[cue_start..start]) {
        return Some(Kind::TaxNumber);
    }
    let phone = international
        || (digits.starts_with('0') && (10..=11).contains(&digits.len()))
        || (digits.starts_with("84") && digits.len() == 11);
    Some(if phone { Kind::Phone } else { Kind::IdNumber })
}

/// A known name as a pattern: the full name, surname + given name, and an honorific with the
/// given name (or its last words).
fn known_name_spans(folded: &Folded, name: &str) -> Vec<Span> {
    let words: Vec<String> = fold(name).split(' ').map(regex::escape).collect();
    if words.iter().map(String::len).sum::<usize>() < 2 {
        return Vec::new();
    }
    let mut patterns = vec![format!(r"(?i)\b{}\b", words.join(r"\s+"))];
    if words.len() >= 2 {
        let given = &words[words.len() - 1];
        let cap_given = capitalised(given);
        patterns.push(format!(r"(?i:\b{})\s+{}\b", words[0], cap_given));
        let honorifics = HONORIFIC_ALTERNATION.as_str();
        for from in 1..words.len() {
            let mut tail: Vec<String> = words[from..].iter().map(|w| capitalised(w)).collect();
            let last = tail.len() - 1;
            tail[last] = cap_given.clone();
            patterns.push(format!(r"\b(?i:{honorifics})\s+{}\b", tail.join(r"\s+")));
        }
    }
    let mut spans = Vec::new();
    for p in patterns {
        if let Ok(re) = Regex::new(&p) {
            for m in re.find_iter(&folded.text) {
                spans.push(folded.span(m.start(), m.end(), Kind::Name));
            }
        }
    }
    spans
}

/// A folded word as a pattern that wants it capitalised: `an` → `[Aa]n` would also take the
/// verb; `An` is a name.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The submitter's address: in full, and its first part (house, alley, street) when that part
/// holds a number.
fn known_address_spans(folded: &Folded, address: &str) -> Vec<Span> {
    let mut needles = vec![fold(address)];
    if let Some(first) = address.split(',').next()
        && first.chars().any(|c| c.is_ascii_digit())
        && first.split_whitespace().count() >= 2
    {
        needles.push(fold(first));
    }
    let mut spans = Vec::new();
    for needle in needles {
        if needle.chars().count() < 4 {
            continue;
        }
        let words: Vec<String> = needle.split(' ').map(regex::escape).collect();
        if let Ok(re) = Regex::new(&format!(r"(?i)\b{}\b", words.join(r"[\s,]+"))) {
            for m in re.find_iter(&folded.text) {
                spans.push(folded.span(m.start(), m.end(), Kind::Address));
            }
        }
    }
    spans
}

/// The original with the spans replaced; overlapping spans merge into the first one's kind.
fn splice(original: &str, mut spans: Vec<Span>) -> Redacted {
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        if s.start == s.end {
            continue;
        }
        match merged.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    let mut text = String::with_capacity(original.len());
    let mut at = 0;
    for s in &merged {
        text.push_str(&original[at..s.start]);
        text.push_str(s.kind.placeholder());
        at = s.end;
    }
    text.push_str(&original[at..]);
    Redacted {
        text,
        removed: merged.len(),
    }
}

#[cfg(test)]
mod tests;
