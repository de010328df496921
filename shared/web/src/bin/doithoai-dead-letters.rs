//! Lists and replays a service's dead letters: events its consumers set aside (undecodable,
//! poison, or failed on every delivery).
//!
//! ```text
//! doithoai-dead-letters <service> list [--all]     # waiting ones (or every one), as JSON lines
//! doithoai-dead-letters <service> replay [<id>]    # back through the outbox, fresh Nats-Msg-Id
//! ```
//!
//! It reads the service's settings the way the service does (`DOITHOAI_CONFIG`, then the
//! environment, `<SERVICE>_DATABASE_URL` before `DATABASE_URL`). A replayed event reaches the
//! stream again once the service's relay runs; consumers that processed it already skip it.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use doithoai_web::Settings;

const USAGE: &str = "usage: doithoai-dead-letters <intake|routing|answering|scheduling|notification> list [--all] | replay [<id>]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(service), Some(command)) = (args.first(), args.get(1)) else {
        anyhow::bail!(USAGE);
    };
    anyhow::ensure!(
        [
            "intake",
            "routing",
            "answering",
            "scheduling",
            "notification"
        ]
        .contains(&service.as_str()),
        "unknown service {service}\n{USAGE}"
    );
    let settings = Settings::load(service)?;
    let url = settings.string(
        "DATABASE_URL",
        &format!("postgres://postgres@127.0.0.1:5432/doithoai_{service}"),
    );
    let mut conn = AsyncPgConnection::establish(&url).await?;
    match command.as_str() {
        "list" => {
            let all = args.get(2).map(String::as_str) == Some("--all");
            let letters = doithoai_bus::dead_letter::list(&mut conn, all).await?;
            for l in &letters {
                println!("{}", serde_json::to_string(l)?);
            }
            eprintln!("{} dead letter(s)", letters.len());
        }
        "replay" => {
            let id = match args.get(2) {
                Some(v) => Some(
                    v.parse::<i64>()
                        .map_err(|_| anyhow::anyhow!("id must be a number\n{USAGE}"))?,
                ),
                None => None,
            };
            let n = doithoai_bus::dead_letter::replay(&mut conn, id).await?;
            println!("replayed {n} dead letter(s)");
        }
        _ => anyhow::bail!(USAGE),
    }
    Ok(())
}
