//! Configuration: defaults, then `sentra.toml`, then `SENTRA_*` environment variables, then
//! flags. clap reads the environment and the flags (flags win); the file fills what both left
//! empty; the defaults fill the rest.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite://sentra-data/sentra.db";
pub const DEFAULT_CONFIG: &str = "sentra.toml";

/// The keys of `sentra.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub home_region: Option<String>,
    pub key_file: Option<String>,
    pub public_url: Option<String>,
    pub data_contact: Option<String>,
    pub export_profiles: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub whatsapp_url: Option<String>,
    pub whatsapp_phone_id: Option<String>,
    pub whatsapp_token: Option<String>,
    pub whatsapp_app_secret: Option<String>,
    pub whatsapp_verify_token: Option<String>,
    pub sms_url: Option<String>,
    pub sms_token: Option<String>,
    pub sms_inbound_secret: Option<String>,
    pub sending_hours: Option<String>,
    pub broadcast_limit: Option<i64>,
    pub message_rates: Option<String>,
}

impl FileConfig {
    /// Reads the file if it exists; an explicitly named file must exist.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG), false),
        };
        if !path.exists() {
            if explicit {
                bail!("configuration file {} does not exist", path.display());
            }
            return Ok(FileConfig::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration in {}", path.display()))
    }
}

/// The first value given, by precedence.
pub fn pick(flag_or_env: Option<String>, file: Option<String>, default: &str) -> String {
    flag_or_env.or(file).unwrap_or_else(|| default.to_string())
}
