//! What every command needs, built once: global flags, paths, settings, and
//! the ways to reach secrets and Salesforce. Environment variables are read
//! here and in `cli` only.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use secrecy::SecretString;
use serde_json::Value;

use super::GlobalArgs;
use crate::auth::secret::{SecretStore, StoreError};
use crate::config::{HOME_ENV, Paths, Settings};
use crate::exit::{Exit, Failure};
use crate::profiles::{Orgs, Profile, ProfileError, Storage};
use crate::salesforce::connection::{
    ACCESS_TOKEN_ENV, Connection, INSTANCE_URL_ENV, SalesforceError, Source,
};

/// How long a keyring call may take before it counts as unavailable.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// The context of one command.
pub struct Ctx {
    pub global: GlobalArgs,
    pub paths: Paths,
    pub settings: Settings,
}

impl Ctx {
    /// Resolves paths and reads `config.toml`.
    pub fn load(global: GlobalArgs) -> anyhow::Result<Self> {
        let paths = Paths::resolve(std::env::var_os(HOME_ENV).map(Into::into))?;
        let settings = Settings::load(&paths.config_file).map_err(|e| {
            let hint = format!("fix or remove `{}`", paths.config_file.display());
            anyhow::Error::new(e)
                .context(Failure::new(Exit::Usage, "invalid configuration").hint(hint))
        })?;
        Ok(Self {
            global,
            paths,
            settings,
        })
    }

    /// `orgs.toml`: the logged-in orgs, without secrets.
    pub fn orgs_path(&self) -> PathBuf {
        self.paths.config_dir.join("orgs.toml")
    }

    /// The plaintext secrets file used only with `--insecure-storage`.
    pub fn insecure_secrets_path(&self) -> PathBuf {
        self.paths.data_dir.join("secrets.json")
    }

    /// Lock files that serialize token refreshes across processes.
    pub fn lock_dir(&self) -> PathBuf {
        self.paths.data_dir.join("locks")
    }

    /// Reads `orgs.toml`.
    pub fn orgs(&self) -> anyhow::Result<Orgs> {
        Orgs::load(&self.orgs_path()).map_err(profile_failure)
    }

    /// Opens the secret store an org uses. The keyring is probed with a
    /// timeout, so a missing or locked keyring fails fast with exit 7.
    pub async fn store(&self, storage: Storage) -> anyhow::Result<SecretStore> {
        match storage {
            Storage::InsecureFile => Ok(SecretStore::insecure_file(self.insecure_secrets_path())),
            Storage::Keyring => SecretStore::keyring(KEYRING_TIMEOUT)
                .await
                .map_err(store_failure),
        }
    }

    /// The session of a logged-in org, with its secret store opened.
    ///
    /// Commands that call Salesforce take, by precedence: the
    /// `KONCERT_SF_ACCESS_TOKEN` and `KONCERT_SF_INSTANCE_URL` pair
    /// ([`env_source`]), then `--org`, then the default org.
    pub async fn profile_source(&self, alias: &str, profile: &Profile) -> anyhow::Result<Source> {
        let store = self.store(profile.storage).await?;
        Ok(Source::Profile {
            alias: alias.to_string(),
            profile: profile.clone(),
            store,
            orgs_path: self.orgs_path(),
            lock_dir: self.lock_dir(),
        })
    }

    /// Opens a connection to the org a command works on, by precedence: the
    /// environment pair, then `--org`, then the default (or only) org.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let source = match env_source()? {
            Some(source) => source,
            None => {
                let orgs = self.orgs()?;
                let asked = self.global.org.as_deref();
                let (alias, profile) = orgs.choose(asked).map_err(profile_failure)?;
                self.profile_source(&alias, profile).await?
            }
        };
        Connection::open(source).await.map_err(salesforce_failure)
    }

    /// The country of phone numbers written without a country code, from
    /// `[queue] default_country` (US by default).
    pub fn default_country(&self) -> anyhow::Result<phonenumber::country::Id> {
        let code = self
            .settings
            .queue
            .default_country
            .as_deref()
            .unwrap_or("US");
        code.parse().map_err(|_| {
            Failure::new(Exit::Usage, format!("unknown default_country `{code}`"))
                .hint("set [queue] default_country to an ISO code such as US, GB or DE")
                .into()
        })
    }

    /// The call-queue database.
    pub fn queue_db(&self) -> PathBuf {
        self.paths.data_dir.join("queue.db")
    }

    /// Writes a command's result: the human text, or the JSON value with `--json`.
    pub fn emit(&self, human: &str, json: &Value) -> anyhow::Result<()> {
        let text = if self.global.json {
            json.to_string()
        } else {
            human.to_string()
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}").context("cannot write to stdout")
    }

    /// Writes a progress or advice line to stderr, unless `--quiet`.
    pub fn note(&self, line: &str) {
        if !self.global.quiet {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }
}

/// The env override, when both variables are set; one without the other is
/// a usage error rather than a silent fallback to a profile.
pub fn env_source() -> anyhow::Result<Option<Source>> {
    let token = std::env::var(ACCESS_TOKEN_ENV)
        .ok()
        .filter(|v| !v.is_empty());
    let instance = std::env::var(INSTANCE_URL_ENV)
        .ok()
        .filter(|v| !v.is_empty());
    match (token, instance) {
        (None, None) => Ok(None),
        (Some(token), Some(instance)) => {
            let instance_url = crate::auth::login::check_url(&instance).map_err(|e| {
                let exit = e.exit();
                anyhow::Error::new(e).context(Failure::new(
                    exit,
                    format!("{INSTANCE_URL_ENV} is not usable"),
                ))
            })?;
            Ok(Some(Source::Env {
                access_token: SecretString::from(token),
                instance_url,
            }))
        }
        _ => Err(Failure::new(
            Exit::Usage,
            format!("{ACCESS_TOKEN_ENV} and {INSTANCE_URL_ENV} must be set together"),
        )
        .hint("set both, or unset both to use a logged-in org")
        .into()),
    }
}

/// Maps a profile problem to its exit code and advice.
pub fn profile_failure(error: ProfileError) -> anyhow::Error {
    let failure = match &error {
        ProfileError::NoOrg => Failure::new(Exit::NotLoggedIn, error.to_string()).hint(
            "run: koncert-sf login --alias NAME (or pick one with koncert-sf orgs --default NAME)",
        ),
        ProfileError::UnknownAlias { alias, known } => {
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            Failure::new(Exit::NotLoggedIn, error.to_string()).hint(format!(
                "run: koncert-sf login --alias {alias} (logged-in orgs: {known})"
            ))
        }
        ProfileError::Parse { path, .. } => Failure::new(Exit::Other, error.to_string())
            .hint(format!("fix `{}` or log in again", path.display())),
        _ => Failure::new(Exit::Other, error.to_string()),
    };
    anyhow::Error::new(error).context(failure)
}

/// Maps a secret-store problem to exit 7 with the two ways out.
pub fn store_failure(error: StoreError) -> anyhow::Error {
    let failure = if error.is_unavailable() {
        Failure::new(
            Exit::SecureStorage,
            "no secure token storage (OS keyring) is available",
        )
        .hint(
            "start a Secret Service (e.g. gnome-keyring in a D-Bus session), or log in with \
                 --insecure-storage to keep tokens in a 0600 file",
        )
    } else {
        Failure::new(Exit::Other, error.to_string())
    };
    anyhow::Error::new(error).context(failure)
}

/// Maps a Salesforce problem to its exit code and advice.
pub fn salesforce_failure(error: SalesforceError) -> anyhow::Error {
    let (exit, hint) = (error.exit(), error.hint());
    Failure::of(error, exit, hint)
}
