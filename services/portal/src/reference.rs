//! The reference data the forms offer, from the same files the services load (`data/`): the
//! 126 wards and communes, the procedure fields and the content types of Decree 20.

use doithoai_web::text::fold;

pub use doithoai_web::reference::{CONTENT_TYPES, DEPARTMENTS, FIELDS, Named, UNITS, Unit, unit};

/// The units whose name holds every word of `query`, diacritics and case ignored ("lang"
/// finds Phường Láng; "cau giay" Phường Cầu Giấy).
///
/// ```
/// let found = portal::reference::search("LANG");
/// assert!(found.iter().any(|u| u.code == "phuong-lang"));
/// let found = portal::reference::search("cầu giấy");
/// assert_eq!(found[0].code, "phuong-cau-giay");
/// assert_eq!(portal::reference::search("").len(), 126);
/// ```
pub fn search(query: &str) -> Vec<&'static Unit> {
    let words: Vec<String> = fold(query).split_whitespace().map(str::to_owned).collect();
    UNITS
        .iter()
        .filter(|u| {
            let name = fold(&u.name);
            let name_words: Vec<&str> = name.split_whitespace().collect();
            words
                .iter()
                .all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())))
        })
        .collect()
}
