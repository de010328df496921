//! Writes the NATS accounts of a deployment: `doithoai-nats-config <dir> [namespace]` makes one
//! password per service (and `admin`) in `<dir>/<user>.password` (kept if present, mode 0600)
//! and `<dir>/authorization.conf`, the server's `authorization` block with each service's
//! permissions ([`doithoai_bus::permissions`]), for the server config to `include`.

use doithoai_bus::permissions::{CONSUMES, authorization};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

fn password(dir: &Path, user: &str) -> anyhow::Result<String> {
    let path = dir.join(format!("{user}.password"));
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.trim().is_empty()
    {
        return Ok(existing.trim().to_owned());
    }
    let fresh = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(fresh.as_bytes())?;
    Ok(fresh)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        anyhow::bail!("usage: doithoai-nats-config <dir> [namespace (default dt)]");
    };
    let ns = args.next().unwrap_or_else(|| "dt".to_owned());
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let admin = password(dir, "admin")?;
    let mut passwords = Vec::new();
    for (service, _) in CONSUMES {
        passwords.push((*service, password(dir, service)?));
    }
    let pairs: Vec<(&str, &str)> = passwords.iter().map(|(s, p)| (*s, p.as_str())).collect();
    let conf = dir.join("authorization.conf");
    std::fs::write(&conf, authorization(&ns, &pairs, &admin))?;
    println!("{}", conf.display());
    Ok(())
}
