//! Logged-in orgs ("profiles"): everything about a login except its secrets,
//! kept in `orgs.toml` beside the config file. The tool owns this file and
//! rewrites it; user settings stay in `config.toml`. Secrets live in the secret
//! store (`auth::secret`), never here.
//!
//! Several processes may update the file at once (a cron push and an
//! interactive command), so every change is a read-modify-write under an
//! exclusive lock, written to a temporary file and renamed into place.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an org's secrets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    /// The OS keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// A 0600 file, chosen explicitly with `--insecure-storage`.
    InsecureFile,
}

/// API usage as last reported by Salesforce's `Sforce-Limit-Info` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSeen {
    pub used: u64,
    pub max: u64,
    pub at: DateTime<Utc>,
}

/// One logged-in org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub login_url: String,
    pub instance_url: String,
    pub client_id: String,
    pub username: String,
    pub user_id: String,
    pub org_id: String,
    pub display_name: String,
    pub scopes: Vec<String>,
    /// When the user approved the grant (the refresh token's birth).
    pub issued_at: DateTime<Utc>,
    pub storage: Storage,
    /// Set when Salesforce refused the refresh token: the user must log in again.
    #[serde(default)]
    pub needs_login: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_usage: Option<UsageSeen>,
}

/// The contents of `orgs.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orgs {
    /// Alias used when `--org` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub orgs: BTreeMap<String, Profile>,
}

/// Problems reading, writing or choosing a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No `--org` and no default org.
    #[error("no org is logged in")]
    NoOrg,
    /// `--org` names an alias that is not logged in.
    #[error("no org is logged in as `{alias}`")]
    UnknownAlias { alias: String, known: Vec<String> },
}

impl Orgs {
    /// Reads `orgs.toml`; a missing file means no org yet.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.into(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ProfileError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// The alias to use: the one asked for, else the default, else the only one.
    pub fn choose(&self, asked: Option<&str>) -> Result<(String, &Profile), ProfileError> {
        let alias = match asked {
            Some(alias) => alias.to_string(),
            None => match (&self.default, self.orgs.len()) {
                (Some(default), _) => default.clone(),
                (None, 1) => self.orgs.keys().next().expect("one org").clone(),
                _ => return Err(ProfileError::NoOrg),
            },
        };
        match self.orgs.get(&alias) {
            Some(profile) => Ok((alias, profile)),
            None => Err(ProfileError::UnknownAlias {
                alias,
                known: self.orgs.keys().cloned().collect(),
            }),
        }
    }
}

/// Applies `change` to `orgs.toml` under an exclusive lock and returns the
/// result. The file and its directory are created private (0600, 0700).
pub fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut Orgs) -> T,
) -> Result<(Orgs, T), ProfileError> {
    let write_error = |source| ProfileError::Write {
        path: path.into(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir).map_err(write_error)?;

    let lock_path = path.with_extension("toml.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(write_error)?;
    lock.lock().map_err(write_error)?;

    let mut orgs = Orgs::load(path)?;
    let result = change(&mut orgs);
    let text = toml::to_string_pretty(&orgs).expect("profiles always serialize to TOML");
    write_private(path, text.as_bytes()).map_err(write_error)?;
    drop(lock);
    Ok((orgs, result))
}

/// Creates a directory (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes a file atomically with mode 0600: a temporary file in the same
/// directory, synced, then renamed over the target.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);

    let mut file: File = options.open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(user: &str) -> Profile {
        Profile {
            login_url: "https://login.salesforce.com".into(),
            instance_url: "https://acme.my.salesforce.com".into(),
            client_id: "3MVG9x".into(),
            username: user.into(),
            user_id: "005Hs00000000AAAAA".into(),
            org_id: "00DHs00000000AAAAA".into(),
            display_name: "Riley".into(),
            scopes: vec!["api".into(), "refresh_token".into()],
            issued_at: Utc::now(),
            storage: Storage::Keyring,
            needs_login: false,
            api_usage: None,
        }
    }

    #[test]
    fn update_round_trips_and_keeps_the_file_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg").join("orgs.toml");
        update(&path, |orgs| {
            orgs.orgs.insert("work".into(), profile("a@x"));
            orgs.default = Some("work".into());
        })
        .unwrap();

        let orgs = Orgs::load(&path).unwrap();
        assert_eq!(orgs.choose(None).unwrap().1.username, "a@x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn choosing_an_org() {
        let mut orgs = Orgs::default();
        assert!(matches!(orgs.choose(None), Err(ProfileError::NoOrg)));
        orgs.orgs.insert("a".into(), profile("a@x"));
        assert_eq!(
            orgs.choose(None).unwrap().0,
            "a",
            "the only org is the default"
        );
        orgs.orgs.insert("b".into(), profile("b@x"));
        assert!(matches!(orgs.choose(None), Err(ProfileError::NoOrg)));
        assert_eq!(orgs.choose(Some("b")).unwrap().1.username, "b@x");
        assert!(matches!(
            orgs.choose(Some("c")),
            Err(ProfileError::UnknownAlias { .. })
        ));
    }
}
