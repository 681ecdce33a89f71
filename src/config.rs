//! Where koncert-sf keeps its files. `KONCERT_SF_HOME` relocates everything
//! (config in `$KONCERT_SF_HOME/config`, data in `$KONCERT_SF_HOME/data`);
//! otherwise the XDG config and data directories are used (`~/.config` and
//! `~/.local/share` on Linux, the platform's equivalents elsewhere).

use std::path::PathBuf;

use serde::Serialize;

/// Environment variable that moves config and data under one directory.
pub const HOME_ENV: &str = "KONCERT_SF_HOME";

/// The directories and files koncert-sf uses.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
    /// Which rule chose the directories: `KONCERT_SF_HOME` or `platform`.
    pub source: &'static str,
}

/// No usable directory could be found.
#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory for config and data; set {HOME_ENV}")]
pub struct NoHome;

impl Paths {
    /// Resolves the paths from an optional `KONCERT_SF_HOME` value.
    pub fn resolve(home_override: Option<PathBuf>) -> Result<Self, NoHome> {
        let (config_dir, data_dir, source) = match home_override
            .filter(|p| !p.as_os_str().is_empty())
        {
            Some(home) => (home.join("config"), home.join("data"), HOME_ENV),
            None => {
                let dirs = directories::ProjectDirs::from("", "", "koncert-sf").ok_or(NoHome)?;
                (
                    dirs.config_dir().to_path_buf(),
                    dirs.data_dir().to_path_buf(),
                    "platform",
                )
            }
        };
        let config_file = config_dir.join("config.toml");
        Ok(Self {
            config_dir,
            data_dir,
            config_file,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_override_moves_config_and_data() {
        let paths = Paths::resolve(Some(PathBuf::from("/tmp/k"))).unwrap();
        assert_eq!(
            paths.config_file,
            PathBuf::from("/tmp/k/config/config.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/tmp/k/data"));
        assert_eq!(paths.source, HOME_ENV);
    }

    #[test]
    fn empty_override_falls_back_to_the_platform() {
        let paths = Paths::resolve(Some(PathBuf::new())).unwrap();
        assert_eq!(paths.source, "platform");
        assert!(paths.config_dir.ends_with("koncert-sf"));
    }
}

/// User settings from `config.toml`. Every field is optional; command-line
/// flags win over the file.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub login: LoginSettings,
    #[serde(default)]
    pub queue: QueueSettings,
    #[serde(default)]
    pub sync: SyncSettings,
    #[serde(default)]
    pub workflow: crate::calls::workflow::WorkflowSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
}

/// `[retention]`: how long call details and prospects stay on this computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Days after which `purge` deletes call details and prospects (default
    /// [`DEFAULT_RETENTION_DAYS`]). It is also the longest `--older-than`
    /// may ask for: a run can delete sooner, never keep longer.
    pub retention_days: Option<u32>,
}

/// Koncert's promise: call details are kept 180 days, then purged.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

impl RetentionSettings {
    /// The configured retention in days, or the default.
    pub fn days(&self) -> u32 {
        self.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS)
    }
}

/// `[sync]`: how `push` spends the org's API allowance and retries.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Stop pushing once the org's daily API usage reaches this percentage
    /// (default 90), leaving the rest of the allowance to other tools.
    pub api_reserve_percent: Option<u8>,
    /// Retries of a batch after a transient failure (default 4).
    pub retries: Option<u32>,
    /// First retry delay in milliseconds, doubled on each retry (default 500).
    pub retry_delay_ms: Option<u64>,
}

/// `[queue]`: how reports become call queues.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    /// ISO country code for phone numbers written without a country prefix
    /// (default `US`).
    pub default_country: Option<String>,
}

/// `[login]`: how `koncert-sf login` reaches the org.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginSettings {
    /// Consumer key of the org's External Client App.
    pub client_id: Option<String>,
    /// Login host, e.g. `https://mycompany.my.salesforce.com`.
    pub login_url: Option<String>,
    /// OAuth scopes to request.
    pub scopes: Option<Vec<String>>,
    /// Loopback port for the browser redirect.
    pub port: Option<u16>,
}

/// `config.toml` could not be read or understood.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not valid: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Settings {
    /// Reads the config file; a missing file means all defaults.
    pub fn load(path: &std::path::Path) -> Result<Self, SettingsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| SettingsError::Parse {
                path: path.into(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(SettingsError::Read {
                path: path.into(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn settings_parse_and_reject_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());

        std::fs::write(&path, "[login]\nclient_id = \"3MVG9x\"\nport = 5555\n").unwrap();
        let settings = Settings::load(&path).unwrap();
        assert_eq!(settings.login.client_id.as_deref(), Some("3MVG9x"));
        assert_eq!(settings.login.port, Some(5555));

        std::fs::write(&path, "[login]\nclient = \"typo\"\n").unwrap();
        assert!(matches!(
            Settings::load(&path),
            Err(SettingsError::Parse { .. })
        ));
    }
}
