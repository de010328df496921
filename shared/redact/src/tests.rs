use super::*;

fn known() -> Known {
    Known {
        own_names: vec!["Trần Thị Bình".into()],
        own_addresses: vec!["Số 5 ngõ 12 phố Láng".into()],
        other_names: vec![],
    }
}

fn out(text: &str) -> String {
    redact(text, &known(), false).text
}

#[track_caller]
fn gone(text: &str, pieces: &[&str]) {
    let o = out(text);
    for p in pieces {
        assert!(!o.contains(p), "{p:?} survived: {o}");
    }
}

#[test]
fn phones_in_every_usual_spelling_are_removed() {
    for phone in [
        "(024) 3825 3536",
        "09 12 34 56 78",
        "(+84) 912 345 678",
        "0912/345/678",
        "0912.345.678",
        "+84912345678",
        "84 912 345 678",
    ] {
        let o = out(&format!("Liên hệ {phone} giờ hành chính"));
        assert!(o.contains("[số điện thoại đã được ẩn]"), "{phone}: {o}");
        assert!(!o.chars().any(|c| c.is_ascii_digit()), "{phone}: {o}");
    }
}

#[test]
fn id_passport_tax_and_plate_numbers_are_removed_whole() {
    gone(
        "CCCD 001 203 004 567, hộ chiếu B1234567, MST 0101234567-001, xe 29A-123.45",
        &["567", "1234567", "0101234567", "123.45"],
    );
}

#[test]
fn obfuscated_emails_are_removed() {
    for email in [
        "an [at] gmail.com",
        "an(at)gmail(dot)com",
        "an @ gmail . com",
        "an.nguyen [a còng] yahoo [chấm] vn",
        "an@gmail.com",
    ] {
        let o = out(&format!("Email: {email}."));
        assert!(o.contains("[email đã được ẩn]"), "{email}: {o}");
        assert!(!o.contains("gmail") && !o.contains("yahoo"), "{email}: {o}");
    }
}

#[test]
fn names_without_diacritics_decomposed_or_by_given_name_are_removed() {
    let decomposed: String = "Trần Thị Bình".nfd().collect();
    gone(
        &format!("Tran Thi Binh và {decomposed}; bà Bình nói. TRẦN THỊ BÌNH ký."),
        &["Binh", "Bình", "BÌNH"],
    );
}

#[test]
fn other_people_are_removed_by_honorific_or_surname() {
    gone(
        "Hàng xóm là ông Nguyễn Văn An và chị Hoa; Pham Thi Lan cũng biết.",
        &["An ", "Hoa", "Lan"],
    );
}

#[test]
fn names_the_officer_marks_are_removed() {
    let k = Known {
        other_names: vec!["Lò Văn Páo".into()],
        ..known()
    };
    let o = redact("Ý kiến của Lò Văn Páo và anh Páo", &k, false).text;
    assert!(!o.contains("Páo"), "{o}");
}

#[test]
fn addresses_apartments_groups_and_hamlets_are_removed() {
    gone(
        "Tôi ở P1203 tòa CT2, trước ở tổ 5, quê thôn Đông; nhà 14, đường Nguyễn Trãi; so 5 ngo 12 pho Lang",
        &["1203", "CT2", "tổ 5", "Đông", "nhà 14", "ngo 12"],
    );
}

#[test]
fn laws_dates_amounts_units_and_streets_are_kept() {
    let text = "Theo Nghị định 20/2008/NĐ-CP và Quyết định số 15/QĐ-UBND, trong 15 ngày làm việc \
                từ 15/11/2026, phí 2.000.000.000 đồng; UBND phường Hoàng Mai, phường Hà Đông, \
                phố Lê Duẩn, Thành phố Hà Nội. Ông Chủ tịch UBND đã chỉ đạo. Có Quyết định mới.";
    let o = out(text);
    assert_eq!(o, text);
}

#[test]
fn consent_keeps_the_submitters_name_but_not_contacts_or_others() {
    let o = redact(
        "Trần Thị Bình, 0987654321, hàng xóm bà Phạm Thị Hoa",
        &known(),
        true,
    )
    .text;
    assert!(o.contains("Trần Thị Bình"), "{o}");
    assert!(!o.contains("0987654321") && !o.contains("Hoa"), "{o}");
}

#[test]
fn the_verb_after_an_honorific_like_word_is_not_a_name() {
    let o = out("Chị an tâm; có Quyết định; cô giáo; ba Nghị định");
    assert_eq!(o, "Chị an tâm; có Quyết định; cô giáo; ba Nghị định");
}

#[test]
fn a_thousand_generated_texts_leak_nothing() {
    let report = corpus::measure(&corpus::generate(1200));
    assert!(report.texts >= 1000);
    assert!(
        report.misses.is_empty(),
        "{} misses, e.g. {:?}",
        report.misses.len(),
        report.misses.iter().take(5).collect::<Vec<_>>()
    );
}
