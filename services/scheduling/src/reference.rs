//! The units, compiled in from the project's `data/` (the same file routing loads), for the
//! compliance view and public unit pages.

const UNITS_CSV: &str = include_str!("../../../data/hanoi-units.csv");

pub struct Units(Vec<(String, String)>);

impl Units {
    pub fn load() -> anyhow::Result<Units> {
        let mut r = csv::Reader::from_reader(UNITS_CSV.as_bytes());
        let mut v = Vec::new();
        for rec in r.records() {
            let rec = rec?;
            v.push((
                rec.get(0).unwrap_or_default().to_owned(),
                rec.get(1).unwrap_or_default().to_owned(),
            ));
        }
        anyhow::ensure!(v.len() == 126, "expected 126 units, found {}", v.len());
        Ok(Units(v))
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|(c, _)| c == code)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.as_str())
    }

    pub fn all(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(c, n)| (c, n))
    }
}
