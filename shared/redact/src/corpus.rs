//! A generated corpus of public texts — questions, answers, minutes — with personal data in the
//! spellings people use and, beside it, text that must survive (laws, dates, amounts, units,
//! streets, hotlines). `measure` redacts each text and counts:
//! - a **miss**: a significant piece of the personal data (a word of a name, a group of three
//!   or more digits, an email's user) that is not in the template itself survives;
//! - an **over-redaction**: a piece of text that must survive does not.

use crate::{Known, redact};
use unicode_normalization::UnicodeNormalization;

/// A small deterministic generator (xorshift64*): the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        &items[i]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + u8::try_from(self.next() % 10).unwrap_or(0)))
            .collect()
    }
}

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
];
const MIDDLES: &[&str] = &["Văn", "Thị", "Minh", "Đức", "Thu", "Quang", "Ngọc"];
const GIVENS: &[&str] = &[
    "Bình", "Cường", "Dũng", "Hoa", "Lan", "Tuấn", "Hương", "Khánh", "Phúc", "Yến", "Thảo", "Hiếu",
];
const HONORIFICS: &[&str] = &["ông", "bà", "anh", "chị", "cô", "chú", "bác", "Ông", "Bà"];

const LAWS: &[&str] = &[
    "Nghị định 20/2008/NĐ-CP",
    "Thông tư 01/2024/TT-BTP",
    "Luật Đất đai 2024",
    "Quyết định số 15/QĐ-UBND",
    "Điều 12 Luật Hộ tịch",
    "Nghị quyết 190/2025/QH15",
];
const DATES: &[&str] = &[
    "15/11/2026",
    "ngày 3 tháng 2 năm 2026",
    "01/12/2026",
    "20-10-2026",
];
const MONEY: &[&str] = &[
    "50.000 đồng",
    "1.500.000 đồng",
    "200000 đồng",
    "2.000.000.000 đồng",
    "15 triệu đồng",
];
const DAYS: &[&str] = &["15 ngày làm việc", "05 ngày", "03 ngày làm việc", "30 ngày"];
const UNITS: &[&str] = &[
    "phường Hoàn Kiếm",
    "xã Bát Tràng",
    "phường Hoàng Mai",
    "phường Hà Đông",
    "phường Đống Đa",
    "xã Trần Phú",
];
const PLACES: &[&str] = &[
    "đường Lê Văn Lương",
    "phố Lê Duẩn",
    "trường Nguyễn Trãi",
    "Bệnh viện Bạch Mai",
    "đường Trần Phú",
    "Thành phố Hà Nội",
    "Thành phố Hồ Chí Minh",
    "cầu Long Biên",
];
const HOTLINES: &[&str] = &["1022", "1900 1234", "số 112"];
const OFFICES: &[&str] = &[
    "Bộ phận Một cửa",
    "Hội trường UBND phường",
    "Phòng Kinh tế, Hạ tầng và Đô thị",
    // An office's own street address is public, but reads like a home address: counted as an
    // over-redaction when removed.
    "trụ sở số 1 phố Tây Sơn",
];

/// One generated text, what must go and what must stay.
pub struct Case {
    pub text: String,
    pub known: Known,
    pub private: Vec<String>,
    pub public: Vec<String>,
}

/// What `measure` found.
pub struct Report {
    pub texts: usize,
    pub pieces: usize,
    pub misses: Vec<(String, String)>,
    pub over: Vec<(String, String)>,
}

fn full_name(r: &mut Rng) -> (String, String) {
    let given = (*r.pick(GIVENS)).to_owned();
    (
        format!("{} {} {given}", r.pick(SURNAMES), r.pick(MIDDLES)),
        given,
    )
}

fn without_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// The submitter's name as it appears in text, in one of the ways people write it.
fn name_form(r: &mut Rng, name: &str, given: &str) -> String {
    match r.next() % 6 {
        0 => name.to_owned(),
        1 => without_diacritics(name),
        2 => name.nfd().collect(),
        3 => format!("{} {given}", r.pick(HONORIFICS)),
        4 => format!("{} {name}", r.pick(HONORIFICS)),
        _ => name.to_uppercase(),
    }
}

/// Someone else: after an honorific, or by full name.
fn other_name(r: &mut Rng) -> String {
    let (name, given) = full_name(r);
    match r.next() % 4 {
        0 => format!("{} {name}", r.pick(HONORIFICS)),
        1 => format!("{} {given}", r.pick(HONORIFICS)),
        2 => name,
        _ => without_diacritics(&name),
    }
}

fn phone(r: &mut Rng) -> String {
    let mobile = format!("9{}", r.digits(8));
    let (a, b, c) = (&mobile[..3], &mobile[3..6], &mobile[6..]);
    let landline = r.digits(8);
    let (l1, l2) = (&landline[..4], &landline[4..]);
    match r.next() % 10 {
        0 => format!("0{mobile}"),
        1 => format!("0{a} {b} {c}"),
        2 => format!("0{a}.{b}.{c}"),
        3 => format!(
            "0{} {} {} {} {}",
            &mobile[..1],
            &mobile[1..3],
            &mobile[3..5],
            &mobile[5..7],
            &mobile[7..]
        ),
        4 => format!("(+84) {a} {b} {c}"),
        5 => format!("+84{mobile}"),
        6 => format!("0{a}/{b}/{c}"),
        7 => format!("(024) {l1} {l2}"),
        8 => format!("024.{l1}.{l2}"),
        _ => format!("0{a}-{b}-{c}"),
    }
}

fn id_number(r: &mut Rng) -> String {
    let d = r.digits(12);
    match r.next() % 5 {
        0 => d,
        1 => format!("{} {} {} {}", &d[..3], &d[3..6], &d[6..9], &d[9..]),
        2 => format!("{}.{}.{}.{}", &d[..3], &d[3..6], &d[6..9], &d[9..]),
        3 => d[..9].to_owned(),
        _ => format!("{} {}", &d[..6], &d[6..]),
    }
}

fn passport(r: &mut Rng) -> String {
    let letter = *r.pick(&["B", "C", "N", "E"]);
    if r.next().is_multiple_of(2) {
        format!("{letter}{}", r.digits(7))
    } else {
        format!("{letter} {}", r.digits(7))
    }
}

fn tax_number(r: &mut Rng) -> String {
    let d = format!("01{}", r.digits(8));
    if r.next().is_multiple_of(2) {
        d
    } else {
        format!("{d}-{}", r.digits(3))
    }
}

fn email(r: &mut Rng, given: &str) -> String {
    let user = format!(
        "{}.{}",
        without_diacritics(given).to_lowercase(),
        r.digits(3)
    );
    let host = *r.pick(&["gmail", "yahoo", "hanoi"]);
    match r.next() % 6 {
        0 => format!("{user}@{host}.com"),
        1 => format!("{user} [at] {host}.com"),
        2 => format!("{user}(at){host}(dot)com"),
        3 => format!("{user} @ {host} . com"),
        4 => format!("{user} [a còng] {host} [chấm] vn"),
        _ => format!("{user}@{host}.com.vn"),
    }
}

fn plate(r: &mut Rng) -> String {
    let d = r.digits(5);
    match r.next() % 4 {
        0 => format!("29A-{}.{}", &d[..3], &d[3..]),
        1 => format!("30E {d}"),
        2 => format!("29B1-{}.{}", &d[..3], &d[3..]),
        _ => format!("51G-{}.{}", &d[..3], &d[3..]),
    }
}

fn address(r: &mut Rng) -> String {
    let n = r.next() % 90 + 2;
    let m = r.next() % 300 + 5;
    match r.next() % 9 {
        0 => format!("số {n} ngõ {m} phố Kim Mã"),
        1 => format!("P{m}0{} tòa CT{}", n % 10, n % 9 + 1),
        2 => format!("tổ {n}"),
        3 => format!("thôn {}", r.pick(&["Đông", "Đoài", "Thượng", "Hạ Lôi"])),
        4 => format!("nhà {n}, đường Nguyễn Trãi"),
        5 => format!("ngách {n}/{m} ngõ {} Cầu Giấy", m + 7),
        6 => format!("xóm {n}"),
        7 => format!("căn hộ {m}0{} tòa A{}", n % 10, n % 5 + 1),
        _ => format!("so {n} ngo {m} pho Hue"),
    }
}

/// The pieces of a private value that must not survive: its words of two or more letters that
/// start with a capital (names, places), every token with a digit, an email's user.
fn pieces(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in value.split(|c: char| !c.is_alphanumeric()) {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push(word.to_owned());
        }
    }
    for word in value.nfc().collect::<String>().split_whitespace() {
        let w = word.trim_matches(|c: char| !c.is_alphanumeric());
        if w.chars().next().is_some_and(char::is_uppercase)
            && w.chars().count() >= 2
            && !w.chars().any(|c| c.is_ascii_digit())
        {
            out.push(w.to_owned());
        }
    }
    if let Some((user, _)) = value.split_once(['@', '[', '(']) {
        out.push(user.trim().to_owned());
    }
    out
}

/// Generates `n` texts from a fixed seed.
pub fn generate(n: usize) -> Vec<Case> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n).map(|i| one(&mut r, i)).collect()
}

fn one(r: &mut Rng, i: usize) -> Case {
    let (name, given) = full_name(r);
    let own_address = address(r);
    let known = Known {
        own_names: vec![name.clone()],
        own_addresses: vec![own_address.clone()],
        other_names: Vec::new(),
    };
    let mut private = Vec::new();
    let mut public = Vec::new();
    let mut p = |v: String| {
        private.push(v.clone());
        v
    };
    let text = match i % 6 {
        0 => {
            let (n1, a, ph) = (name_form(r, &name, &given), own_address.clone(), phone(r));
            let (proc_date, law) = (*r.pick(DATES), *r.pick(LAWS));
            public.extend([proc_date.to_owned(), law.to_owned()]);
            format!(
                "Tôi là {}, ở {}, số điện thoại {}. Tôi nộp hồ sơ đăng ký khai sinh từ {proc_date} theo {law} nhưng chưa nhận được kết quả.",
                p(n1),
                p(a),
                p(ph)
            )
        }
        1 => {
            let (unit, law, other, addr) =
                (*r.pick(UNITS), *r.pick(LAWS), other_name(r), address(r));
            let mail = email(r, &given);
            public.extend([unit.to_owned(), law.to_owned()]);
            format!(
                "Kính gửi UBND {unit}: gia đình {} ở {} phản ánh việc cấp giấy chứng nhận chậm so với {law}. Liên hệ qua {}.",
                p(other),
                p(addr),
                p(mail)
            )
        }
        2 => {
            let (law, days, money, office) = (
                *r.pick(LAWS),
                *r.pick(DAYS),
                *r.pick(MONEY),
                *r.pick(OFFICES),
            );
            let hon = format!("{} {given}", r.pick(HONORIFICS));
            let id = id_number(r);
            public.extend([
                law.to_owned(),
                days.to_owned(),
                money.to_owned(),
                office.to_owned(),
            ]);
            format!(
                "Trả lời: theo {law}, thời hạn giải quyết là {days}; lệ phí {money}. Đề nghị {} mang căn cước số {} đến {office} để được hướng dẫn.",
                p(hon),
                p(id)
            )
        }
        3 => {
            let (pl, other, pass, tax) = (plate(r), other_name(r), passport(r), tax_number(r));
            let hotline = *r.pick(HOTLINES);
            public.push(hotline.to_owned());
            format!(
                "Xe biển kiểm soát {} của {} bị giữ quá hạn; hộ chiếu {}, mã số thuế {}. Đường dây nóng {hotline} không trả lời.",
                p(pl),
                p(other),
                p(pass),
                p(tax)
            )
        }
        4 => {
            let (other, hon, addr) = (
                other_name(r),
                format!("{} {given}", r.pick(HONORIFICS)),
                address(r),
            );
            let (topic, date, office) = (*r.pick(PLACES), *r.pick(DATES), *r.pick(OFFICES));
            public.extend([topic.to_owned(), date.to_owned(), office.to_owned()]);
            format!(
                "Biên bản hội nghị: {} phát biểu về tình trạng ngập úng ở {topic}; ý kiến của {} ({}) đã được ghi nhận. Hội nghị họp ngày {date} tại {office}.",
                p(other),
                p(hon),
                p(addr)
            )
        }
        _ => {
            let (ph, id) = (phone(r), id_number(r));
            let (money, unit, place) = (*r.pick(MONEY), *r.pick(UNITS), *r.pick(PLACES));
            public.extend([money.to_owned(), unit.to_owned(), place.to_owned()]);
            format!(
                "Thông báo kết quả: UBND {unit} đã xử lý phản ánh về {place}, chi phí {money}. Người phản ánh (ĐT {}, CMND/CCCD {}) đã được trả lời.",
                p(ph),
                p(id)
            )
        }
    };
    Case {
        text,
        known,
        private,
        public,
    }
}

/// Redacts every case and counts misses and over-redactions.
pub fn measure(cases: &[Case]) -> Report {
    let mut report = Report {
        texts: cases.len(),
        pieces: 0,
        misses: Vec::new(),
        over: Vec::new(),
    };
    for case in cases {
        let out = redact(&case.text, &case.known, false).text;
        let out_nfc: String = out.nfc().collect();
        let template: String = {
            let mut t: String = case.text.nfc().collect();
            for v in &case.private {
                t = t.replacen(&v.nfc().collect::<String>(), " ", 1);
            }
            t
        };
        for value in &case.private {
            report.pieces += 1;
            for piece in pieces(value) {
                let piece_nfc: String = piece.nfc().collect();
                if contains_word(&out_nfc, &piece_nfc) && !contains_word(&template, &piece_nfc) {
                    report.misses.push((out.clone(), piece.clone()));
                    break;
                }
            }
        }
        for value in &case.public {
            report.pieces += 1;
            if !out_nfc.contains(value.as_str()) {
                report.over.push((out.clone(), value.clone()));
            }
        }
    }
    report
}

/// Whether `word` appears in `text` as a whole word (case-insensitive for letters).
fn contains_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.to_lowercase();
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}
