//! Settings: compiled-in defaults, then an optional file named by `DOITHOAI_CONFIG`
//! (`KEY=VALUE` lines, `#` comments), then the environment. A service-prefixed variable
//! (`INTAKE_PORT`) wins over the plain one (`PORT`), so one shell can start every service.
//! Invalid values fail at start with a message naming the setting; secrets are never logged.

use std::collections::HashMap;
use std::str::FromStr;

/// Settings for one service.
#[derive(Debug, Clone)]
pub struct Settings {
    prefix: String,
    file: HashMap<String, String>,
    overrides: HashMap<String, String>,
}

impl Settings {
    /// Reads `DOITHOAI_CONFIG` if set. `service` is the prefix (`intake` → `INTAKE_`).
    pub fn load(service: &str) -> anyhow::Result<Self> {
        let mut file = HashMap::new();
        if let Ok(path) = std::env::var("DOITHOAI_CONFIG") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("DOITHOAI_CONFIG={path}: {e}"))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (k, v) = line.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("DOITHOAI_CONFIG={path}: line {} is not KEY=VALUE", n + 1)
                })?;
                file.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
            }
        }
        Ok(Self {
            prefix: format!("{}_", service.to_ascii_uppercase()),
            file,
            overrides: HashMap::new(),
        })
    }

    /// Values that win over everything else: how tests give each app its own database and
    /// NATS namespace without touching the process environment.
    pub fn with_overrides(mut self, overrides: HashMap<String, String>) -> Self {
        self.overrides = overrides;
        self
    }

    /// The raw value of `key`: `<SERVICE>_<KEY>` or `<KEY>` from the environment, then the file.
    pub fn raw(&self, key: &str) -> Option<String> {
        let prefixed = format!("{}{key}", self.prefix);
        if let Some(v) = self
            .overrides
            .get(&prefixed)
            .or_else(|| self.overrides.get(key))
        {
            // An empty value reads as unset, as it does from the environment.
            return Some(v.clone()).filter(|v| !v.is_empty());
        }
        std::env::var(&prefixed)
            .ok()
            .or_else(|| std::env::var(key).ok())
            .or_else(|| self.file.get(&prefixed).cloned())
            .or_else(|| self.file.get(key).cloned())
            .filter(|v| !v.is_empty())
    }

    pub fn string(&self, key: &str, default: &str) -> String {
        self.raw(key).unwrap_or_else(|| default.to_owned())
    }

    /// A parsed value; a value that does not parse is an error naming `key`.
    pub fn parse<T: FromStr>(&self, key: &str, default: T) -> anyhow::Result<T> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("setting {key} has an invalid value {v:?}")),
        }
    }
}
