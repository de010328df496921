//! The reference data every service shares, compiled in from the project's `data/` (the same
//! files routing seeds its tables from): the 126 wards and communes, the procedure fields, the
//! departments (Decree 150/2025) and the content types of Decree 20 — for forms, labels and
//! reports.

use crate::text::fold;
use serde::Serialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    /// `ward` or `commune`.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

fn rows(csv_text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .collect()
}

pub static UNITS: LazyLock<Vec<Unit>> = LazyLock::new(|| {
    let mut units: Vec<Unit> = rows(include_str!("../../../data/hanoi-units.csv"))
        .iter()
        .map(|r| Unit {
            code: r.get(0).unwrap_or_default().to_owned(),
            name: r.get(1).unwrap_or_default().to_owned(),
            kind: r.get(3).unwrap_or_default().to_owned(),
        })
        .collect();
    units.sort_by_key(|u| fold(&u.name));
    units
});

const FIELDS_CSV: &str = include_str!("../../../data/procedure-fields.csv");

pub static FIELDS: LazyLock<Vec<Named>> = LazyLock::new(|| named(FIELDS_CSV));

/// Each field's default department, in a ward and in a commune, in [`FIELDS`] order (the same
/// file's fourth and fifth columns; routing's rules start from these).
pub static FIELD_DEPARTMENTS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    rows(FIELDS_CSV)
        .iter()
        .map(|r| {
            (
                r.get(3).unwrap_or_default().to_owned(),
                r.get(4).unwrap_or_default().to_owned(),
            )
        })
        .collect()
});

/// The departments of wards and communes (Decree 150/2025/NĐ-CP).
pub static DEPARTMENTS: LazyLock<Vec<Named>> =
    LazyLock::new(|| named(include_str!("../../../data/departments.csv")));

pub static CONTENT_TYPES: LazyLock<Vec<Named>> =
    LazyLock::new(|| named(include_str!("../../../data/content-types.csv")));

fn named(csv_text: &str) -> Vec<Named> {
    rows(csv_text)
        .iter()
        .map(|r| Named {
            code: r.get(0).unwrap_or_default().to_owned(),
            name_vi: r.get(1).unwrap_or_default().to_owned(),
            name_en: r.get(2).unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The unit of `code`.
pub fn unit(code: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.code == code)
}

/// The field of `code`.
pub fn field(code: &str) -> Option<&'static Named> {
    FIELDS.iter().find(|f| f.code == code)
}

/// The department of `code`.
pub fn department(code: &str) -> Option<&'static Named> {
    DEPARTMENTS.iter().find(|d| d.code == code)
}
