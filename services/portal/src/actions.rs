//! The forms staff act with, described once: each [`Action`] names its fields, the service and
//! path it calls, and the roles that see it. One template macro (`action.html`) draws any of
//! them (labels, inputs, the service's messages beside the fields it names, what was typed
//! kept); one handler ([`crate::work::act`]) turns a posted form into the service's JSON body
//! ([`Action::body`]) and calls it with the signed-in account's token.

use doithoai_auth::Role;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Which service an action calls (the portal's own accounts are `Portal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Svc {
    Intake,
    Routing,
    Answering,
    Scheduling,
    Notification,
    Portal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Post,
    Put,
    Delete,
}

/// One option of a choice.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub vi: String,
    pub en: String,
}

impl Choice {
    pub fn new(value: &str, vi: &str, en: &str) -> Self {
        Choice {
            value: value.to_owned(),
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// How a field is typed in and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One line of text.
    Line,
    /// Several lines.
    Text,
    /// One of `choices`.
    Choice,
    /// A date and time (`datetime-local`, read as Hanoi time).
    Time,
    /// A date (`YYYY-MM-DD`), sent as text.
    Date,
    /// A whole number.
    Number,
    /// A checkbox: `true` when ticked.
    Flag,
    /// Several one-line texts, one per line: a list.
    List,
    /// A password (never shown again).
    Password,
    /// A value the page fills in (a row's id).
    Hidden,
}

/// A field of an action's form. Its `name` is the service's JSON field (dotted for a nested
/// object: `submitter.name`), so the service's field errors land beside it.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub max: usize,
    pub choices: Vec<Choice>,
}

fn field(name: &'static str, vi: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        name,
        vi,
        en,
        kind,
        required: false,
        max: 0,
        choices: Vec::new(),
    }
}

pub fn line(name: &'static str, vi: &'static str, en: &'static str, max: usize) -> Field {
    Field {
        max,
        ..field(name, vi, en, Kind::Line)
    }
}

pub fn text(name: &'static str, vi: &'static str, en: &'static str, max: usize) -> Field {
    Field {
        max,
        ..field(name, vi, en, Kind::Text)
    }
}

pub fn choice(
    name: &'static str,
    vi: &'static str,
    en: &'static str,
    choices: Vec<Choice>,
) -> Field {
    Field {
        choices,
        ..field(name, vi, en, Kind::Choice)
    }
}

pub fn time(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    field(name, vi, en, Kind::Time)
}

pub fn date(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    field(name, vi, en, Kind::Date)
}

pub fn number(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    field(name, vi, en, Kind::Number)
}

pub fn flag(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    field(name, vi, en, Kind::Flag)
}

pub fn list(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    field(name, vi, en, Kind::List)
}

pub fn password(name: &'static str, vi: &'static str, en: &'static str) -> Field {
    Field {
        max: 256,
        ..field(name, vi, en, Kind::Password)
    }
}

pub fn hidden(name: &'static str) -> Field {
    field(name, "", "", Kind::Hidden)
}

impl Field {
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A staff action: a form, and the call it makes.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub id: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    #[serde(skip)]
    pub svc: Svc,
    #[serde(skip)]
    pub verb: Verb,
    /// The service path; `{name}` is filled from the page's record (`{id}`) or a form field
    /// (which then leaves the body).
    #[serde(skip)]
    pub path: &'static str,
    #[serde(skip)]
    pub roles: &'static [Role],
    pub fields: Vec<Field>,
    /// Drawn as a warning (refuse, cancel, withhold).
    pub danger: bool,
    /// Sent with the form's Idempotency-Key (creates a client may retry).
    pub idempotent: bool,
    /// The body names the account's own unit (`unit`): a clerk records for their unit.
    #[serde(skip)]
    pub own_unit: bool,
}

pub fn action(
    id: &'static str,
    (vi, en): (&'static str, &'static str),
    svc: Svc,
    verb: Verb,
    path: &'static str,
    roles: &'static [Role],
    fields: Vec<Field>,
) -> Action {
    Action {
        id,
        vi,
        en,
        svc,
        verb,
        path,
        roles,
        fields,
        danger: false,
        idempotent: false,
        own_unit: false,
    }
}

impl Action {
    pub fn danger(mut self) -> Self {
        self.danger = true;
        self
    }

    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    pub fn own_unit(mut self) -> Self {
        self.own_unit = true;
        self
    }

    pub fn allows(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The service path, with `{id}` the page's record and any other `{name}` a form field;
    /// `None` when a part is missing or is not a plain path segment.
    pub fn path_for(&self, record: &str, form: &HashMap<String, String>) -> Option<String> {
        let mut out = String::new();
        let mut rest = self.path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}')? + open;
            let name = &rest[open + 1..close];
            let value = if name == "id" {
                record.to_owned()
            } else {
                form.get(name)?.trim().to_owned()
            };
            // One plain path segment: letters, digits, `-`, `_` and single dots between them
            // (a date, a code) — never `..`, which would climb to another endpoint.
            if !value.chars().any(char::is_alphanumeric)
                || value.contains("..")
                || !value
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_.".contains(c))
            {
                return None;
            }
            out.push_str(&value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// The JSON body the service takes, from the posted form: empty inputs are left out (the
    /// service says which are required), a time is read as Hanoi time, a number that does not
    /// parse is sent as typed (the service names it), a list is one item per line, dotted
    /// names nest, and fields that fill the path are not sent.
    ///
    /// ```
    /// use portal::actions::*;
    /// use std::collections::HashMap;
    /// let a = action("x", ("", ""), Svc::Intake, Verb::Post, "/p/{date}", &[],
    ///     vec![date("date", "", ""), time("received_at", "", ""), number("count", "", ""),
    ///          list("private_names", "", ""), line("submitter.name", "", "", 10), flag("urgent", "", "")]);
    /// let form: HashMap<String, String> = [("date", "2026-12-24"), ("received_at", "2026-12-01T09:30"),
    ///     ("count", "12"), ("private_names", "An\n\n Bình "), ("submitter.name", " An "), ("urgent", "on")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// assert_eq!(a.body(&form), serde_json::json!({"received_at": "2026-12-01T09:30:00+07:00",
    ///     "count": 12, "private_names": ["An", "Bình"], "submitter": {"name": "An"}, "urgent": true}));
    /// assert_eq!(a.path_for("r", &form).as_deref(), Some("/p/2026-12-24"));
    /// let climb: HashMap<String, String> = [("date".to_owned(), "..".to_owned())].into();
    /// assert_eq!(a.path_for("r", &climb), None);
    /// ```
    pub fn body(&self, form: &HashMap<String, String>) -> Value {
        let mut body = Map::new();
        for f in &self.fields {
            if self.path.contains(&format!("{{{}}}", f.name)) {
                continue;
            }
            let raw = form.get(f.name).map(|v| v.trim()).unwrap_or_default();
            let value = match f.kind {
                Kind::Flag => {
                    if raw.is_empty() {
                        continue;
                    }
                    json!(true)
                }
                _ if raw.is_empty() => continue,
                Kind::Time => json!(hanoi_time(raw)),
                Kind::Number => raw.parse::<i64>().map_or_else(|_| json!(raw), |n| json!(n)),
                Kind::List => json!(
                    raw.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                ),
                Kind::Password => json!(form.get(f.name).cloned().unwrap_or_default()),
                _ => json!(raw),
            };
            insert(&mut body, f.name, value);
        }
        Value::Object(body)
    }
}

/// `2026-12-01T09:30` (as a `datetime-local` input sends it) as RFC 3339 in Hanoi time; text
/// that already carries an offset, or is not such a time, is sent as typed.
fn hanoi_time(raw: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
    {
        Ok(t) => format!("{}+07:00", t.format("%Y-%m-%dT%H:%M:%S")),
        Err(_) => raw.to_owned(),
    }
}

fn insert(body: &mut Map<String, Value>, name: &str, value: Value) {
    match name.split_once('.') {
        Some((head, rest)) => {
            let inner = body.entry(head.to_owned()).or_insert_with(|| json!({}));
            if let Some(map) = inner.as_object_mut() {
                insert(map, rest, value);
            }
        }
        None => {
            body.insert(name.to_owned(), value);
        }
    }
}

/// The roles, for the accounts' forms, labelled as every page labels them.
pub fn role_choices() -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| {
            let (vi, en) =
                doithoai_web::templates::label_of(r.as_str()).unwrap_or((r.as_str(), r.as_str()));
            Choice::new(r.as_str(), vi, en)
        })
        .collect()
}

/// A failed action, to draw again: its id, what was typed, the service's messages by field
/// and those it did not tie to one of the form's fields.
#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub action: String,
    pub values: HashMap<String, String>,
    pub errors: Map<String, Value>,
    pub general: Vec<Value>,
}

impl Failed {
    /// The messages of a service's problem+json answer, placed by `action`'s fields.
    pub fn from_problem(action: &Action, form: &HashMap<String, String>, problem: &Value) -> Self {
        let mut errors = Map::new();
        let mut general = Vec::new();
        let listed = problem["errors"].as_array().cloned().unwrap_or_default();
        for e in &listed {
            let name = e["field"].as_str().unwrap_or_default();
            let message = e["message"].clone();
            if action
                .fields
                .iter()
                .any(|f| f.name == name && f.kind != Kind::Hidden)
                && !errors.contains_key(name)
            {
                errors.insert(name.to_owned(), message);
            } else if name.is_empty() || name == "body" {
                general.push(message);
            } else {
                general.push(json!(format!(
                    "{name}: {}",
                    message.as_str().unwrap_or_default()
                )));
            }
        }
        if listed.is_empty() {
            general.push(
                problem
                    .get("detail")
                    .filter(|d| d.is_string())
                    .unwrap_or(&problem["title"])
                    .clone(),
            );
        }
        let mut values = form.clone();
        for f in &action.fields {
            if f.kind == Kind::Password {
                values.remove(f.name);
            }
        }
        values.remove("csrf");
        Failed {
            action: action.id.to_owned(),
            values,
            errors,
            general,
        }
    }
}
