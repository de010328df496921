//! Revokes a staff token on every service within seconds:
//!
//! ```text
//! doithoai-revoke <token>        # the token itself, verified as the services verify it
//!                                # (AUTH_JWKS_URL, AUTH_JWKS_FILE or AUTH_JWKS; JWT_SECRET in tests)
//! doithoai-revoke --jti <id>     # by its id (the `jti` claim, as logged when it was refused)
//! ```
//!
//! It publishes to the `{NS}_AUTH` stream (`NATS_URL`, `NATS_NAMESPACE`, `NATS_CA_FILE`, and an
//! operator's `NATS_USER` / `NATS_PASSWORD`: services' own users may not publish there).

use doithoai_bus::BusConfig;
use doithoai_bus::revocation::{KEEP, Revoked, revoke};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: doithoai-revoke <token> | doithoai-revoke --jti <id>";
    let revoked = match args.as_slice() {
        [flag, id] if flag == "--jti" && !id.trim().is_empty() => Revoked {
            jti: id.trim().to_owned(),
            exp: chrono::Utc::now().timestamp() + i64::try_from(KEEP.as_secs()).unwrap_or(0),
        },
        [token] => {
            let settings = doithoai_web::Settings::load("doithoai")?;
            let keys = doithoai_web::staff_keys::StaffKeys::from_settings(
                &settings,
                settings.raw("JWT_SECRET"),
            )?;
            keys.reload().await?;
            let claims = keys.verifier.verify(token.trim()).map_err(|e| {
                anyhow::anyhow!("{e}: an expired or foreign token needs no revoking")
            })?;
            Revoked {
                jti: claims.jti,
                exp: claims.exp,
            }
        }
        _ => anyhow::bail!("{usage}"),
    };
    let cfg = BusConfig::from_env()?;
    let client = doithoai_bus::connect(&cfg, "doithoai-revoke").await?;
    let js = async_nats::jetstream::new(client);
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        revoke(&js, &cfg, &revoked),
    )
    .await
    .map_err(|_| anyhow::anyhow!("NATS did not store the revocation within 10 s"))??;
    println!("revoked {} (until {})", revoked.jti, revoked.exp);
    Ok(())
}
