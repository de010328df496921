//! Text helpers shared by services: folding Vietnamese for diacritic-insensitive matching.

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

/// Asia/Ho_Chi_Minh: UTC+7 all year (Vietnam keeps no daylight saving time).
pub fn hanoi() -> chrono::FixedOffset {
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(tz) => tz,
        None => chrono::Offset::fix(&chrono::Utc),
    }
}
