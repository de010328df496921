//! The public version of a question and its answer: personal data removed (names, phone
//! numbers, emails, ID numbers, street addresses — Decree 13/2023/NĐ-CP; Law 91/2025/QH15)
//! unless the submitter consented to publish their identity. Phone numbers, emails and ID
//! numbers are removed even then: consent covers who asked, not how to reach them.

use doithoai_contracts::SubmitterV1;
use regex::Regex;
use std::sync::LazyLock;

const HIDDEN_NAME: &str = "[họ tên đã được ẩn]";
const HIDDEN_ADDRESS: &str = "[địa chỉ đã được ẩn]";
const HIDDEN_PHONE: &str = "[số điện thoại đã được ẩn]";
const HIDDEN_EMAIL: &str = "[email đã được ẩn]";
const HIDDEN_ID: &str = "[số giấy tờ đã được ẩn]";

#[allow(clippy::expect_used)] // fixed patterns, checked by the tests below
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}").expect("email pattern")
});
#[allow(clippy::expect_used)]
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+84|\b0084|\b84|\b0)[\s.\-]?(?:\(0\)[\s.\-]?)?\d{2,3}(?:[\s.\-]?\d){6,8}\b")
        .expect("phone pattern")
});
#[allow(clippy::expect_used)]
static ID_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d{12}|\d{9})\b").expect("id pattern"));
/// A house number with its alley (ngõ, ngách, hẻm, kiệt) and street, or a house number with
/// its street: "số 5 ngõ 12 phố Láng", "nhà 14, đường Nguyễn Trãi". A document number
/// ("quyết định số 15/QĐ-UBND") has no street and is kept.
#[allow(clippy::expect_used)]
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    let num = r"\d+[a-zA-Z]?(?:/\d+)*";
    let street = r"(?:[\s,]+(?i:phố|đường)\s+\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*)*)";
    let house = format!(r"\b(?i:số nhà|số|nhà)\s+{num}");
    let alley = format!(r"\b(?i:ngõ|ngách|hẻm|kiệt)\s+{num}");
    Regex::new(&format!(
        r"(?:{house}[\s,]+)?{alley}(?:[\s,]+{alley})*{street}?|{house}{street}"
    ))
    .expect("street pattern")
});

fn replace_ci(text: &str, needle: &str, with: &str) -> String {
    let needle = needle.trim();
    if needle.chars().count() < 3 {
        return text.to_owned();
    }
    let pattern = format!("(?i){}", regex::escape(needle));
    match Regex::new(&pattern) {
        Ok(re) => re.replace_all(text, with).into_owned(),
        Err(_) => text.to_owned(),
    }
}

/// The text with the submitter's personal data and any contact or ID details removed.
///
/// ```
/// use doithoai_contracts::SubmitterV1;
/// let s = SubmitterV1 { kind: "individual".into(), name: "Nguyễn Văn An".into(), organization: None,
///     address: "12 phố Láng".into(), phone: Some("+84912345678".into()), email: None };
/// let out = answering::domain::redact::redact("Tôi là Nguyễn Văn An, ĐT 0912 345 678", &s, false);
/// assert!(!out.contains("Nguyễn Văn An") && !out.contains("345"));
/// ```
pub fn redact(text: &str, submitter: &SubmitterV1, consented: bool) -> String {
    let mut out = text.to_owned();
    if !consented {
        out = replace_ci(&out, &submitter.name, HIDDEN_NAME);
        if let Some(org) = &submitter.organization {
            out = replace_ci(&out, org, HIDDEN_NAME);
        }
        out = replace_ci(&out, &submitter.address, HIDDEN_ADDRESS);
        out = STREET.replace_all(&out, HIDDEN_ADDRESS).into_owned();
    }
    out = EMAIL.replace_all(&out, HIDDEN_EMAIL).into_owned();
    out = PHONE.replace_all(&out, HIDDEN_PHONE).into_owned();
    out = ID_NUMBER.replace_all(&out, HIDDEN_ID).into_owned();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitter() -> SubmitterV1 {
        SubmitterV1 {
            kind: "individual".into(),
            name: "Trần Thị Bình".into(),
            organization: None,
            address: "Số 5 ngõ 12 phố Láng".into(),
            phone: Some("+84987654321".into()),
            email: Some("binh.tran@example.vn".into()),
        }
    }

    #[test]
    fn names_phones_emails_ids_and_addresses_are_removed() {
        let text = "Tôi là trần thị bình, ở Số 5 ngõ 12 phố Láng. Gọi 0987.654.321 hoặc +84 912 345 678, \
                    email binh.tran@example.vn, CCCD 001203004567. Hàng xóm ở nhà 14 ngõ 7 phố Chùa Láng, gặp khó khăn.";
        let out = redact(text, &submitter(), false);
        for leaked in [
            "trần thị bình",
            "Số 5 ngõ 12",
            "987",
            "912 345",
            "binh.tran",
            "001203004567",
            "nhà 14",
        ] {
            assert!(
                !out.to_lowercase().contains(&leaked.to_lowercase()),
                "{leaked} leaked: {out}"
            );
        }
        assert!(out.contains("gặp khó khăn"));
    }

    #[test]
    fn consent_keeps_the_name_but_never_contact_details() {
        let out = redact("Trần Thị Bình, 0987654321", &submitter(), true);
        assert!(out.contains("Trần Thị Bình"));
        assert!(!out.contains("0987654321"));
    }

    #[test]
    fn ordinary_numbers_are_kept() {
        let out = redact(
            "Theo Nghị định 20/2008/NĐ-CP, trong 15 ngày làm việc, phí 50000 đồng",
            &submitter(),
            false,
        );
        assert!(out.contains("20/2008") && out.contains("15 ngày") && out.contains("50000"));
    }
}
