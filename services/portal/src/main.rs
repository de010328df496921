//! portal: `cargo run -p portal` serves the pages (settings in the README). Two commands for
//! city IT:
//!
//! - `portal keygen <file>` writes a new Ed25519 signing key (PKCS#8 PEM, readable by its
//!   owner only) for `PORTAL_SIGNING_KEY_FILE`;
//! - `portal jwks <file>...` prints the public key set of one or more keys (the services'
//!   `AUTH_JWKS_FILE` or `AUTH_JWKS`; during a rotation, the old and the new key);
//! - `portal create-admin <username> <display name>` creates the first city-admin account in
//!   the portal's database (`PORTAL_DATABASE_URL`), with the password read from
//!   `PORTAL_ADMIN_PASSWORD` or the first line of standard input.

use std::io::BufRead;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keygen") => keygen(args.get(1)),
        Some("jwks") => jwks(&args[1..]),
        Some("create-admin") => create_admin(&args[1..]).await,
        Some(other) => anyhow::bail!(
            "unknown command {other}: `portal`, `portal keygen <file>`, `portal jwks <file>...` or `portal create-admin <username> <display name>`"
        ),
        None => doithoai_web::run_service(portal::SERVICE, portal::build).await,
    }
}

fn keygen(path: Option<&String>) -> anyhow::Result<()> {
    let path = path.ok_or_else(|| anyhow::anyhow!("usage: portal keygen <file>"))?;
    anyhow::ensure!(
        !std::path::Path::new(path).exists(),
        "{path} exists already: a new key would sign tokens the services do not know yet"
    );
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(portal::keys::generate_pem().as_bytes())?;
    eprintln!("wrote a new Ed25519 signing key to {path}");
    Ok(())
}

fn jwks(files: &[String]) -> anyhow::Result<()> {
    anyhow::ensure!(!files.is_empty(), "usage: portal jwks <key file>...");
    let mut keys = Vec::new();
    for f in files {
        // Issuer and audience are not part of a key set.
        let key = portal::keys::SigningKey::from_file(f, "", "")?;
        keys.extend(key.jwks()["keys"].as_array().cloned().unwrap_or_default());
    }
    println!("{}", serde_json::json!({ "keys": keys }));
    Ok(())
}

async fn create_admin(args: &[String]) -> anyhow::Result<()> {
    let (Some(username), Some(display)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: portal create-admin <username> <display name>");
    };
    let password = match std::env::var("PORTAL_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (one line):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let refused = portal::identity::check_account(
        username,
        Some(doithoai_auth::Role::CityAdmin),
        doithoai_auth::CITY_SCOPE,
        None,
        Some(&password),
    );
    if let Some((field, _, _, en)) = refused.first() {
        anyhow::bail!("{field}: {en}");
    }
    let settings = doithoai_web::Settings::load(portal::SERVICE)?;
    let url = settings.string(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/doithoai_portal",
    );
    doithoai_db::ensure_database(&url).await?;
    doithoai_db::run_migrations(&url, portal::MIGRATIONS).await?;
    let pool = doithoai_db::pool(&url, 1)?;
    let mut conn = pool.get().await?;
    let created = portal::identity::create_account(
        &mut conn,
        username,
        display,
        &password,
        doithoai_auth::Role::CityAdmin,
        doithoai_auth::CITY_SCOPE,
        None,
    )
    .await?;
    anyhow::ensure!(
        created.is_some(),
        "an account named {username} exists already"
    );
    portal::identity::record(
        &mut conn,
        "cli",
        "account_created",
        Some(username),
        None,
        Some("city_admin"),
    )
    .await?;
    eprintln!("created city admin {username}");
    Ok(())
}
