//! Reference data intake validates against: the 126 units, the procedure fields and the eight
//! content types. Compiled in from the project's `data/` (the same files routing loads into its
//! tables), so intake accepts submissions even while routing is away.

use std::collections::HashMap;

const UNITS_CSV: &str = include_str!("../../../../data/hanoi-units.csv");
const FIELDS_CSV: &str = include_str!("../../../../data/procedure-fields.csv");
const CONTENT_TYPES_CSV: &str = include_str!("../../../../data/content-types.csv");

/// A ward (phường) or commune (xã).
#[derive(Debug, Clone)]
pub struct Unit {
    pub code: String,
    pub name_vi: String,
    /// `ward` or `commune`.
    pub kind: String,
}

/// A procedure field (lĩnh vực).
#[derive(Debug, Clone)]
pub struct Field {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// The reference data, indexed by code.
#[derive(Debug, Clone)]
pub struct Reference {
    pub units: HashMap<String, Unit>,
    pub fields: HashMap<String, Field>,
    pub content_types: HashMap<i16, (String, String)>,
}

fn records(csv_text: &str) -> anyhow::Result<Vec<csv::StringRecord>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    reader
        .records()
        .map(|r| r.map_err(anyhow::Error::from))
        .collect()
}

fn get(r: &csv::StringRecord, i: usize) -> anyhow::Result<String> {
    r.get(i)
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("reference data row {:?} has no column {i}", r))
}

impl Reference {
    /// Parses the compiled-in files.
    pub fn load() -> anyhow::Result<Reference> {
        let mut units = HashMap::new();
        for r in records(UNITS_CSV)? {
            let unit = Unit {
                code: get(&r, 0)?,
                name_vi: get(&r, 1)?,
                kind: get(&r, 3)?,
            };
            units.insert(unit.code.clone(), unit);
        }
        let mut fields = HashMap::new();
        for r in records(FIELDS_CSV)? {
            let field = Field {
                code: get(&r, 0)?,
                name_vi: get(&r, 1)?,
                name_en: get(&r, 2)?,
            };
            fields.insert(field.code.clone(), field);
        }
        let mut content_types = HashMap::new();
        for r in records(CONTENT_TYPES_CSV)? {
            let code: i16 = get(&r, 0)?.parse()?;
            content_types.insert(code, (get(&r, 1)?, get(&r, 2)?));
        }
        anyhow::ensure!(
            units.len() == 126,
            "expected 126 units, found {}",
            units.len()
        );
        Ok(Reference {
            units,
            fields,
            content_types,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_data_has_126_units_and_eight_content_types() {
        let r = Reference::load().unwrap();
        assert_eq!(r.units.len(), 126);
        assert_eq!(r.units.values().filter(|u| u.kind == "ward").count(), 51);
        assert_eq!(r.content_types.len(), 8);
        assert!(r.fields.contains_key("ho-tich"));
        assert_eq!(r.units["phuong-lang"].name_vi, "Phường Láng");
    }
}
