//! Prints a signed staff token for local use and tests.
//!
//! `cargo run -q -p doithoai-auth --bin doithoai-token -- <role> <unit>[/<department>] [hours]
//! [subject]` signs with the Ed25519 key in `SIGNING_KEY_FILE` (the portal's key, as
//! `deploy/local/up` makes it: the services verify with its public key set), or else, for the
//! test suites, with `JWT_SECRET`; `JWT_ISSUER` and `JWT_AUDIENCE` as the services. An officer
//! or head names their department: `officer phuong-lang/van-phong`.

use doithoai_auth::keys::SigningKey;
use doithoai_auth::{AuthConfig, Role};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: doithoai-token <clerk|officer|head|leader|city_admin|auditor> <unit-code|hanoi>[/<department>] [hours=8] [subject]\n       (an officer or head names their department: officer phuong-lang/van-phong)";
    let (Some(role), Some(scope)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Some(role) = Role::parse(role) else {
        eprintln!("unknown role {role:?}\n{usage}");
        std::process::exit(2);
    };
    let hours: i64 = match args.get(2).map(|h| h.parse()) {
        None => 8,
        Some(Ok(h)) if h > 0 && h * 3600 <= doithoai_auth::MAX_TOKEN_SECONDS => h,
        Some(_) => {
            eprintln!(
                "hours must be a whole number from 1 to 8 (a token lives at most a working day)\n{usage}"
            );
            std::process::exit(2);
        }
    };
    let (unit, department) = match scope.split_once('/') {
        Some((u, d)) => (u, Some(d)),
        None => (scope.as_str(), None),
    };
    match (role.is_department_scoped(), department) {
        (true, Some(d)) if doithoai_auth::is_department(d) => {}
        (true, _) => {
            eprintln!(
                "{} works in a department: <unit>/<department>, one of data/departments.csv\n{usage}",
                role.as_str()
            );
            std::process::exit(2);
        }
        (false, Some(_)) => {
            eprintln!(
                "{} acts unit-wide: name no department\n{usage}",
                role.as_str()
            );
            std::process::exit(2);
        }
        (false, None) => {}
    }
    if !doithoai_auth::scope_allowed(role, unit) {
        eprintln!(
            "{} may not hold unit {unit:?}: a ward, commune or city body code, or `hanoi` for the city-wide roles\n{usage}",
            role.as_str()
        );
        std::process::exit(2);
    }
    let subject = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("{}@{}", role.as_str(), unit));
    let result = match std::env::var("SIGNING_KEY_FILE") {
        Ok(file) => {
            let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
            SigningKey::from_file(
                &file,
                &var("JWT_ISSUER", "doithoai"),
                &var("JWT_AUDIENCE", "doithoai-api"),
            )
            .and_then(|key| {
                key.mint(&subject, role, unit, department, hours * 3600)
                    .map_err(anyhow::Error::from)
            })
        }
        Err(_) => AuthConfig::from_env().and_then(|cfg| {
            cfg.sign_in(&subject, role, unit, department, hours * 3600)
                .map_err(anyhow::Error::from)
        }),
    };
    match result {
        Ok(token) => println!("{token}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
