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
