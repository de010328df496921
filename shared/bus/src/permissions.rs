//! Who may publish and read what on NATS: one user per service, allowed to publish only its own
//! events, to manage only its own stream, to read only the streams it consumes (through its
//! durable consumers: it may not subscribe to event subjects directly), and to receive only on
//! its own inbox prefix (`_INBOX_<service>`), so no service reads another's replies. The
//! submitter's phone and email travel on the contacts stream, which intake writes and only
//! notification reads ([`subjects::CONTACTS`]). The request
//! and reply of the holidays query: routing answers it (with `allow_responses`), scheduling and
//! notification ask.
//!
//! `doithoai-nats-config` renders these as a NATS server `authorization` block; the services
//! connect with `NATS_USER` / `NATS_PASSWORD`.

use doithoai_contracts::subjects::{self, ANSWERING, CONTACTS, INTAKE, ROUTING, SCHEDULING};

/// The services and the streams each consumes (the secure journey starts them all under
/// these permissions and fails on any violation, so this list cannot drift from the code).
pub const CONSUMES: &[(&str, &[&str])] = &[
    (INTAKE, &[ROUTING, ANSWERING, SCHEDULING]),
    (ROUTING, &[INTAKE, ANSWERING, SCHEDULING]),
    (ANSWERING, &[ROUTING, SCHEDULING]),
    (SCHEDULING, &[INTAKE, ROUTING, ANSWERING]),
    ("notification", &[CONTACTS, ROUTING, ANSWERING, SCHEDULING]),
    // The reports' read model: every stream but the contacts (no phone or email there).
    ("reporting", &[INTAKE, ROUTING, ANSWERING, SCHEDULING]),
    // The portal reads no stream: it calls the services' HTTP APIs.
    ("portal", &[]),
];

/// The inbox prefix of a service's connection (replies, JetStream acks, pulled messages).
pub fn inbox_prefix(service: &str) -> String {
    format!("_INBOX_{}", service.replace(['.', '-', '*', '>', ' '], "_"))
}

/// What one user may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
    /// May reply to the requests it receives (routing: the holidays query).
    pub allow_responses: bool,
}

/// The permissions of `service` in namespace `ns`; `None` for an unknown service.
pub fn of(ns: &str, service: &str) -> Option<Permissions> {
    let (_, reads) = CONSUMES.iter().find(|(s, _)| *s == service)?;
    let mut publish = vec!["$JS.API.INFO".to_owned()];
    for written in crate::streams_of(service) {
        let own = subjects::stream_name(ns, written);
        publish.extend([
            subjects::service_wildcard(ns, written),
            format!("$JS.API.STREAM.CREATE.{own}"),
            format!("$JS.API.STREAM.UPDATE.{own}"),
            format!("$JS.API.STREAM.INFO.{own}"),
        ]);
    }
    for source in *reads {
        let stream = subjects::stream_name(ns, source);
        publish.extend([
            format!("$JS.API.STREAM.INFO.{stream}"),
            format!("$JS.API.CONSUMER.CREATE.{stream}.>"),
            format!("$JS.API.CONSUMER.DURABLE.CREATE.{stream}.*"),
            format!("$JS.API.CONSUMER.INFO.{stream}.*"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.*"),
            format!("$JS.ACK.{stream}.>"),
        ]);
        // `reporting replay` deletes reporting's own consumers (and only those) so that they
        // read the streams again from the start.
        if service == "reporting" {
            publish.push(format!(
                "$JS.API.CONSUMER.DELETE.{stream}.reporting-{source}"
            ));
        }
    }
    // Every service follows the revoked staff tokens (published by operators only).
    let auth = subjects::stream_name(ns, crate::revocation::AUTH);
    publish.extend([
        format!("$JS.API.STREAM.CREATE.{auth}"),
        format!("$JS.API.STREAM.UPDATE.{auth}"),
        format!("$JS.API.STREAM.INFO.{auth}"),
        format!("$JS.API.CONSUMER.CREATE.{auth}"),
        format!("$JS.API.CONSUMER.CREATE.{auth}.>"),
        format!("$JS.API.CONSUMER.MSG.NEXT.{auth}.*"),
    ]);
    let mut subscribe = vec![format!("{}.>", inbox_prefix(service))];
    let mut allow_responses = false;
    let holidays = subjects::holidays_request(ns);
    match service {
        ROUTING => {
            subscribe.push(holidays);
            allow_responses = true;
        }
        SCHEDULING | "notification" => publish.push(holidays),
        _ => {}
    }
    Some(Permissions {
        publish,
        subscribe,
        allow_responses,
    })
}

/// A NATS server `authorization` block: one user per service with its permissions and
/// password, and an `admin` user with every right (operators' tools, test cleanup).
///
/// ```
/// let conf = doithoai_bus::permissions::authorization("dt", &[("intake", "pw1")], "root");
/// assert!(conf.contains("user: \"intake\""));
/// assert!(conf.contains("\"dt.intake.>\""));
/// ```
pub fn authorization(ns: &str, passwords: &[(&str, &str)], admin_password: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| quote(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut users = vec![format!(
        "    {{ user: \"admin\", password: {} }}",
        quote(admin_password)
    )];
    for (service, password) in passwords {
        let Some(p) = of(ns, service) else {
            continue;
        };
        users.push(format!(
            "    {{ user: {}, password: {}, permissions: {{ publish: {{ allow: [{}] }}, subscribe: {{ allow: [{}] }}{} }} }}",
            quote(service),
            quote(password),
            list(&p.publish),
            list(&p.subscribe),
            if p.allow_responses {
                ", allow_responses: true"
            } else {
                ""
            }
        ));
    }
    format!(
        "authorization {{\n  users: [\n{}\n  ]\n}}\n",
        users.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_publishes_only_its_own_events_and_reads_only_what_it_consumes() {
        let p = of("dt", "answering").unwrap();
        assert!(p.publish.contains(&"dt.answering.>".to_owned()));
        assert!(!p.publish.iter().any(|s| s.starts_with("dt.routing")));
        assert!(
            p.publish
                .contains(&"$JS.API.CONSUMER.MSG.NEXT.DT_ROUTING.*".to_owned())
        );
        assert!(
            !p.publish.iter().any(|s| s.contains("DT_INTAKE")),
            "answering reads no intake event"
        );
        assert_eq!(p.subscribe, ["_INBOX_answering.>"]);
        assert!(!p.allow_responses);
        assert!(
            of("dt", "routing")
                .unwrap()
                .subscribe
                .contains(&"dt.rpc.routing.holidays".to_owned())
        );
        assert!(of("dt", "stranger").is_none());
    }

    #[test]
    fn only_intake_writes_and_only_notification_reads_the_contacts_stream() {
        for service in [
            "intake",
            "routing",
            "answering",
            "scheduling",
            "notification",
        ] {
            let p = of("dt", service).unwrap();
            assert_eq!(
                p.publish.contains(&"dt.contacts.>".to_owned()),
                service == "intake",
                "{service} writes contacts"
            );
            assert_eq!(
                p.publish
                    .iter()
                    .any(|s| s.starts_with("$JS.API.CONSUMER.") && s.contains("DT_CONTACTS")),
                service == "notification",
                "{service} reads contacts"
            );
        }
        assert!(
            !of("dt", "notification")
                .unwrap()
                .publish
                .iter()
                .any(|s| s.contains("DT_INTAKE")),
            "notification needs nothing else of intake's"
        );
    }
}
