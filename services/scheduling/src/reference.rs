//! Who organises dialogues, compiled in from the project's `data/` (the same files routing
//! loads): the 126 wards and communes, and the city bodies (`data/city-bodies.csv`) — the city's
//! departments and the city People's Committee, which hold dialogues of their own (seed 000).
//! For the compliance view, the reminder timer and the public pages.

use crate::domain::compliance::Rule;

const UNITS_CSV: &str = include_str!("../../../data/hanoi-units.csv");
const BODIES_CSV: &str = include_str!("../../../data/city-bodies.csv");

/// The body that is the city itself.
pub const CITY: &str = "ubnd-thanh-pho";

/// What an organiser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ward or commune.
    Unit,
    /// A department or agency of the city (sở, ban, ngành).
    Department,
    /// The city People's Committee.
    City,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Unit => "unit",
            Kind::Department => "department",
            Kind::City => "city",
        }
    }

    /// How often it must hold a dialogue (seed 000).
    pub fn rule(self) -> Rule {
        match self {
            Kind::City => Rule::TwiceAYear,
            Kind::Unit | Kind::Department => Rule::EverySixMonths,
        }
    }
}

/// An organiser: (code, Vietnamese name, kind).
pub struct Organiser {
    pub code: String,
    pub name: String,
    pub kind: Kind,
}

pub struct Organisers(Vec<Organiser>);

fn rows(csv_text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let mut v = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        v.push((
            rec.get(0).unwrap_or_default().to_owned(),
            rec.get(1).unwrap_or_default().to_owned(),
        ));
    }
    Ok(v)
}

impl Organisers {
    pub fn load() -> anyhow::Result<Organisers> {
        let units = rows(UNITS_CSV)?;
        anyhow::ensure!(
            units.len() == 126,
            "expected 126 units, found {}",
            units.len()
        );
        let bodies = rows(BODIES_CSV)?;
        let all = units
            .into_iter()
            .map(|(code, name)| (code, name, Kind::Unit))
            .chain(bodies.into_iter().map(|(code, name)| {
                let kind = if code == CITY {
                    Kind::City
                } else {
                    Kind::Department
                };
                (code, name, kind)
            }))
            .map(|(code, name, kind)| Organiser { code, name, kind })
            .collect();
        Ok(Organisers(all))
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|o| o.code == code)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.name.as_str())
    }

    /// Every organiser: the wards and communes, then the city bodies.
    pub fn all(&self) -> impl Iterator<Item = &Organiser> {
        self.0.iter()
    }
}
