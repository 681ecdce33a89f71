//! Where the OAuth tokens of each org login are kept: the OS keyring (the
//! Secret Service over D-Bus, through `keyring-core` and its zbus store), or,
//! only on explicit opt-in, a private plaintext file. An in-memory store serves
//! unit tests. Every keyring call runs on its own thread under a timeout, so a
//! stuck D-Bus or keyring daemon can never hang a command.
//!
//! # Limitations
//!
//! - Only the Linux Secret Service is wired up; macOS and Windows need their
//!   keyring stores added as dependencies before this works there.
//! - A keyring call that times out cannot be cancelled: its thread stays
//!   blocked until the daemon answers or the process exits, and later calls on
//!   the same connection queue behind it (and time out too).
//! - The probe leaves a marker item (`koncert-sf-probe`, no secret in it) in
//!   the keyring: reading a missing item succeeds even when the keyring is
//!   locked, so only an existing item can reveal the lock.
//! - On a desktop, touching a locked item makes the keyring show an unlock
//!   prompt; a user slower than the timeout gets [`StoreError::Timeout`] while
//!   the prompt stays open.
//! - The insecure file is plain JSON protected only by its 0600 mode; it is
//!   not encrypted.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::profiles::{self, Storage};

/// The keyring service every entry is filed under; the user is the org alias.
const SERVICE: &str = "koncert-sf";

/// The keyring user of the probe's marker item (see [`probe`]).
const PROBE_USER: &str = "koncert-sf-probe";

/// The marker's value; it protects nothing.
const PROBE_VALUE: &[u8] = b"koncert-sf reads this item to check that the keyring is usable";

/// A good timeout for [`SecretStore::keyring`]: calls take 1–50 ms, so this
/// leaves room for a busy daemon, and a stuck bus still fails before the user
/// gives up (gh uses 3 s too).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// The secrets of one org login.
#[derive(Clone, Debug)]
pub struct Secrets {
    /// The bearer token for API calls; short-lived.
    pub access_token: SecretString,
    /// Renews the access token; absent when the grant lacks `refresh_token`.
    pub refresh_token: Option<SecretString>,
}

/// Why secrets could not be loaded, saved or deleted. No variant ever holds a
/// token, so these are safe to print and log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No secure store is reachable; `cause` is the real reason (no session
    /// bus, no Secret Service, a locked keyring), for the user to act on.
    #[error("secure token storage is unavailable: {cause}")]
    Unavailable { cause: String },
    /// A keyring call did not answer within the timeout.
    #[error("the OS keyring did not answer within {seconds} s (while trying to {operation})")]
    Timeout {
        operation: &'static str,
        seconds: u64,
    },
    /// Reading or writing the insecure token file failed.
    #[error("cannot read or write the token file `{}`", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Stored data could not be decoded; `message` never quotes the data.
    #[error("the stored secrets of `{alias}` cannot be read: {message}")]
    Corrupt { alias: String, message: String },
}

impl StoreError {
    /// True when secure storage as a whole cannot be used (exit code 7),
    /// as opposed to one bad file or entry.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Timeout { .. })
    }
}

/// Where secrets go: the OS keyring, the opt-in file, or memory. Clones share
/// the same connection, file or map.
#[derive(Clone)]
pub struct SecretStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Keyring(Keyring),
    File(Arc<PathBuf>),
    Memory(Arc<Mutex<BTreeMap<String, Secrets>>>),
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Keyring(keyring) => f
                .debug_struct("SecretStore::Keyring")
                .field("timeout", &keyring.timeout)
                .finish_non_exhaustive(),
            Backend::File(path) => f
                .debug_struct("SecretStore::File")
                .field("path", path)
                .finish(),
            Backend::Memory(_) => f.write_str("SecretStore::Memory"),
        }
    }
}

impl SecretStore {
    /// Connects to the OS keyring and probes it (one read of a marker entry,
    /// written the first time) within `timeout`, which also bounds every later
    /// call. Fails fast with the real cause: a missing session bus is seen
    /// from the environment before any connection is tried, and a locked
    /// keyring fails the probe at once.
    pub async fn keyring(timeout: Duration) -> Result<Self, StoreError> {
        if let Some(cause) = BusEnv::from_env().problem() {
            return Err(StoreError::Unavailable { cause });
        }
        open_keyring(timeout, || {
            let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
            Ok(store)
        })
        .await
    }

    /// The explicit opt-in plaintext store: one JSON file mapping each alias to
    /// its secrets, mode 0600 in a 0700 directory, replaced atomically on
    /// every change.
    pub fn insecure_file(path: PathBuf) -> Self {
        Self {
            backend: Backend::File(Arc::new(path)),
        }
    }

    /// An empty in-memory store, for unit tests of other modules.
    pub fn memory() -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
        }
    }

    /// Where this store keeps secrets, as recorded in the profile. Memory
    /// reports `Keyring` so code under test takes the normal path.
    pub fn kind(&self) -> Storage {
        match self.backend {
            Backend::Keyring(_) | Backend::Memory(_) => Storage::Keyring,
            Backend::File(_) => Storage::InsecureFile,
        }
    }

    /// The secrets saved for `alias`, or `None` if there are none.
    pub async fn load(&self, alias: &str) -> Result<Option<Secrets>, StoreError> {
        match &self.backend {
            Backend::Keyring(keyring) => keyring.load(alias).await,
            Backend::File(path) => {
                let alias = alias.to_string();
                on_file(path, move |path| {
                    let mut file = read_file(path, &alias)?;
                    Ok(file.remove(&alias).map(Secrets::from))
                })
                .await
            }
            Backend::Memory(map) => Ok(lock(map).get(alias).cloned()),
        }
    }

    /// Saves the secrets of `alias`, replacing any saved before.
    pub async fn save(&self, alias: &str, secrets: &Secrets) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Keyring(keyring) => keyring.save(alias, secrets).await,
            Backend::File(path) => {
                let (alias, stored) = (alias.to_string(), Stored::from(secrets));
                on_file(path, move |path| {
                    update_file(path, &alias, |file| {
                        file.insert(alias.clone(), stored);
                        true
                    })
                })
                .await
            }
            Backend::Memory(map) => {
                lock(map).insert(alias.to_string(), secrets.clone());
                Ok(())
            }
        }
    }

    /// Deletes the secrets of `alias`; deleting what is not there is fine.
    pub async fn delete(&self, alias: &str) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Keyring(keyring) => keyring.delete(alias).await,
            Backend::File(path) => {
                let alias = alias.to_string();
                on_file(path, move |path| {
                    update_file(path, &alias, |file| file.remove(&alias).is_some())
                })
                .await
            }
            Backend::Memory(map) => {
                lock(map).remove(alias);
                Ok(())
            }
        }
    }
}

/// Locks the memory store; a panic elsewhere cannot leave a map half-changed.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How one login's secrets are written: a keyring item's value, or one value
/// of the insecure file. Owned tokens stay in `SecretString`s.
#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    #[serde(serialize_with = "expose")]
    access_token: SecretString,
    #[serde(default, serialize_with = "expose_option")]
    refresh_token: Option<SecretString>,
}

fn expose<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn expose_option<S: serde::Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_some(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

impl From<&Secrets> for Stored {
    fn from(secrets: &Secrets) -> Self {
        Self {
            access_token: secrets.access_token.clone(),
            refresh_token: secrets.refresh_token.clone(),
        }
    }
}

impl From<Stored> for Secrets {
    fn from(stored: Stored) -> Self {
        Self {
            access_token: stored.access_token,
            refresh_token: stored.refresh_token,
        }
    }
}

/// Serializes secrets into a buffer that is wiped when dropped.
fn encode(value: &impl Serialize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(serde_json::to_vec_pretty(value).expect("strings always serialize to JSON"))
}

/// Describes a JSON error by kind and position only: serde's own message
/// quotes the offending value, which may be a token.
fn describe_json_error(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "cannot be read",
        serde_json::error::Category::Syntax => "is not valid JSON",
        serde_json::error::Category::Data => "does not have the expected fields",
        serde_json::error::Category::Eof => "is truncated",
    };
    let (line, column) = (error.line(), error.column());
    format!("the data {kind} (line {line}, column {column})")
}

/// The OS keyring, with the timeout that bounds each call.
#[derive(Clone)]
struct Keyring {
    connection: Arc<Connection>,
    timeout: Duration,
}

/// The keyring connection, closed off the async threads: zbus's blocking
/// proxies call `block_on` when dropped, which panics on a tokio thread (the
/// test suite aborted that way when a `SecretStore` went out of scope).
struct Connection(Option<Arc<CredentialStore>>);

impl Connection {
    fn store(&self) -> Arc<CredentialStore> {
        let store = self.0.as_ref().expect("only drop takes the store out");
        Arc::clone(store)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let Some(store) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_err() {
            return drop(store);
        }
        let slot = Arc::new(Mutex::new(Some(store)));
        let theirs = Arc::clone(&slot);
        let closing = std::thread::Builder::new()
            .name("keyring-close".into())
            .spawn(move || drop(lock(&theirs).take()));
        if closing.is_err() {
            // Leaking one connection beats panicking in a destructor.
            std::mem::forget(lock(&slot).take());
        }
    }
}

/// Connects with `connect` and reads the probe entry, all within `timeout`.
async fn open_keyring(
    timeout: Duration,
    connect: impl FnOnce() -> keyring_core::Result<Arc<CredentialStore>> + Send + 'static,
) -> Result<SecretStore, StoreError> {
    let connection = with_timeout("connect to the Secret Service", timeout, move || {
        let store = connect().map_err(|e| {
            let cause = describe_keyring_error(&e);
            StoreError::Unavailable {
                cause: format!("cannot open a Secret Service session: {cause}"),
            }
        })?;
        match probe(&store) {
            // Wrapped here, so that no path drops it on an async thread.
            Ok(()) => Ok(Connection(Some(store))),
            Err(e) => Err(keyring_error(PROBE_USER, e)),
        }
    })
    .await??;
    let keyring = Keyring {
        connection: Arc::new(connection),
        timeout,
    };
    Ok(SecretStore {
        backend: Backend::Keyring(keyring),
    })
}

/// Reads the marker item, writing it first if it is missing.
///
/// NOTE: reading an entry that does not exist succeeds even in a locked
/// keyring (measured with gnome-keyring), so a read alone cannot tell. Once
/// the marker exists, reading it needs an unlocked keyring, and the first
/// write needs an unlocked (and existing) default collection.
fn probe(store: &Arc<CredentialStore>) -> keyring_core::Result<()> {
    let entry = Entry::new_in_store(store, SERVICE, PROBE_USER)?;
    match entry.get_secret() {
        Ok(_) => Ok(()),
        Err(keyring_core::Error::NoEntry) => entry.set_secret(PROBE_VALUE),
        Err(e) => Err(e),
    }
}

impl Keyring {
    /// Runs `work` on the entry of `alias` on its own thread, under the
    /// timeout. Errors are translated on that thread too: some hold entries,
    /// which hold the connection.
    async fn call<T: Send + 'static>(
        &self,
        operation: &'static str,
        alias: &str,
        work: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (store, alias) = (self.connection.store(), alias.to_string());
        with_timeout(operation, self.timeout, move || {
            Entry::new_in_store(&store, SERVICE, &alias)
                .and_then(|entry| work(&entry))
                .map_err(|e| keyring_error(&alias, e))
        })
        .await?
    }

    async fn load(&self, alias: &str) -> Result<Option<Secrets>, StoreError> {
        let value = self.call("load secrets", alias, |entry| match entry.get_secret() {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        });
        let Some(bytes) = value.await? else {
            return Ok(None);
        };
        match serde_json::from_slice::<Stored>(&bytes) {
            Ok(stored) => Ok(Some(stored.into())),
            Err(e) => Err(StoreError::Corrupt {
                alias: alias.to_string(),
                message: format!("the keyring item {}", describe_json_error(&e)),
            }),
        }
    }

    async fn save(&self, alias: &str, secrets: &Secrets) -> Result<(), StoreError> {
        let value = encode(&Stored::from(secrets));
        self.call("save secrets", alias, move |entry| {
            match entry.set_secret(&value) {
                // Items made by hand or by an old version: replace them all.
                Err(keyring_core::Error::Ambiguous(duplicates)) => {
                    delete_all(&duplicates)?;
                    entry.set_secret(&value)
                }
                other => other,
            }
        })
        .await
    }

    async fn delete(&self, alias: &str) -> Result<(), StoreError> {
        self.call("delete secrets", alias, |entry| {
            match entry.delete_credential() {
                Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(keyring_core::Error::Ambiguous(duplicates)) => delete_all(&duplicates),
                other => other,
            }
        })
        .await
    }
}

/// Deletes every entry; one already gone is fine.
fn delete_all(entries: &[Entry]) -> keyring_core::Result<()> {
    for entry in entries {
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Turns a keyring error into ours. Only `Display` of the platform errors is
/// used: `Debug` of some variants holds the raw secret bytes.
fn keyring_error(alias: &str, error: keyring_core::Error) -> StoreError {
    use keyring_core::Error as E;
    let corrupt = |message: String| StoreError::Corrupt {
        alias: alias.to_string(),
        message,
    };
    match error {
        E::NoStorageAccess(_) => StoreError::Unavailable {
            cause: format!(
                "the default keyring is locked or missing, and unlocking or creating it \
                 needs a prompt ({})",
                describe_keyring_error(&error)
            ),
        },
        E::BadEncoding(_) | E::BadDataFormat(..) => {
            corrupt("the keyring item is not in the expected format".into())
        }
        E::BadStoreFormat(ref reason) => corrupt(format!("the keyring is malformed: {reason}")),
        E::Ambiguous(ref items) => corrupt(format!(
            "{} keyring items match it; delete the extra ones or log in again",
            items.len()
        )),
        _ => StoreError::Unavailable {
            cause: describe_keyring_error(&error),
        },
    }
}

/// The platform error and its causes, one after the other; keyring's own
/// wrapper text ("Platform failure: ...") adds nothing for the user.
fn describe_keyring_error(error: &keyring_core::Error) -> String {
    use std::error::Error as _;
    let mut text = match error.source() {
        Some(inner) => inner.to_string(),
        None => return error.to_string(),
    };
    let mut cause = error.source().and_then(|inner| inner.source());
    while let Some(next) = cause {
        let next_text = next.to_string();
        if !text.contains(&next_text) {
            text = format!("{text}: {next_text}");
        }
        cause = next.source();
    }
    text
}

/// Runs blocking keyring work on a thread of its own and waits at most
/// `timeout` for it.
///
/// NOTE: not `spawn_blocking`: dropping a tokio runtime waits for every
/// blocking task, so one keyring call that never returns would hang the end
/// of the command. A plain thread is abandoned at exit instead.
async fn with_timeout<T: Send + 'static>(
    operation: &'static str,
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            // The receiver is gone only after a timeout; nobody needs the answer.
            let _ = sender.send(work());
        })
        .map_err(|e| StoreError::Unavailable {
            cause: format!("cannot start a thread for the keyring: {e}"),
        })?;
    match tokio::time::timeout(timeout, receiver).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(StoreError::Unavailable {
            cause: format!("the keyring call to {operation} failed unexpectedly (it panicked)"),
        }),
        Err(_) => Err(StoreError::Timeout {
            operation,
            seconds: timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0),
        }),
    }
}

/// What the environment says about the D-Bus session bus, gathered in one
/// place so the judgement can be tested without changing the process env.
#[derive(Debug)]
struct BusEnv {
    /// `DBUS_SESSION_BUS_ADDRESS`, if set.
    address: Option<String>,
    /// Where zbus looks for the bus when no address is set: `$XDG_RUNTIME_DIR`,
    /// else `/run/user/<euid>`; `None` if that cannot be told.
    runtime_dir: Option<PathBuf>,
}

impl BusEnv {
    /// Reads the variables zbus reads, the way it reads them.
    fn from_env() -> Self {
        let runtime_dir = match std::env::var("XDG_RUNTIME_DIR") {
            Ok(dir) => Some(PathBuf::from(dir)),
            Err(_) => effective_uid().map(|uid| PathBuf::from(format!("/run/user/{uid}"))),
        };
        Self {
            address: std::env::var("DBUS_SESSION_BUS_ADDRESS").ok(),
            runtime_dir,
        }
    }

    /// Why the session bus surely cannot be reached, or `None` if it may be
    /// (then only connecting can tell). Checks files only, so it takes
    /// microseconds where a failed connection attempt may take seconds.
    fn problem(&self) -> Option<String> {
        match self.address.as_deref() {
            Some("") => Some("`DBUS_SESSION_BUS_ADDRESS` is set but empty".into()),
            Some(address) => {
                // Only a single plain `unix:path=` address can be checked offline.
                let rest = address.strip_prefix("unix:path=")?;
                let path = rest.split(',').next()?;
                if rest.contains(';') || path.contains('%') || Path::new(path).exists() {
                    return None;
                }
                Some(format!(
                    "`DBUS_SESSION_BUS_ADDRESS` names the session bus socket `{path}`, \
                     which does not exist (a stale address from an old session?)"
                ))
            }
            None => {
                let socket = self.runtime_dir.as_ref()?.join("bus");
                (!socket.exists()).then(|| {
                    format!(
                        "there is no D-Bus session bus: `DBUS_SESSION_BUS_ADDRESS` is not set \
                         and `{}` does not exist",
                        socket.display()
                    )
                })
            }
        }
    }
}

/// The effective user id, as the owner of `/proc/self` (no `unsafe` needed).
#[cfg(unix)]
fn effective_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn effective_uid() -> Option<u32> {
    None
}

/// Runs blocking work on the insecure file off the async threads (it may
/// wait for another process's lock).
async fn on_file<T: Send + 'static>(
    path: &Arc<PathBuf>,
    work: impl FnOnce(&Path) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let owned = Arc::clone(path);
    match tokio::task::spawn_blocking(move || work(&owned)).await {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => Err(StoreError::File {
                path: path.to_path_buf(),
                source: std::io::Error::other(e),
            }),
        },
    }
}

/// The insecure file's contents: alias to secrets. A missing file is empty.
/// A file with looser permissions than 0600 is still read (refusing would
/// lock the user out) but reported; the next write narrows it to 0600.
fn read_file(path: &Path, alias: &str) -> Result<BTreeMap<String, Stored>, StoreError> {
    let file_error = |source| StoreError::File {
        path: path.into(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(file_error(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file.metadata().map_err(file_error)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format_args!("{:o}", mode & 0o777),
                "the token file is readable by other users; it becomes 0600 on the next save"
            );
        }
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.read_to_end(&mut bytes).map_err(file_error)?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        alias: alias.to_string(),
        message: format!("`{}`: {}", path.display(), describe_json_error(&e)),
    })
}

/// Read-modify-write of the insecure file under an exclusive lock, so two
/// processes saving different aliases cannot lose each other's change.
/// `change` says whether it changed anything; the file is then replaced
/// atomically (0600), or removed once no alias is left.
fn update_file(
    path: &Path,
    alias: &str,
    change: impl FnOnce(&mut BTreeMap<String, Stored>) -> bool,
) -> Result<(), StoreError> {
    let file_error = |source| StoreError::File {
        path: path.into(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    profiles::create_private_dir(dir).map_err(file_error)?;

    let mut lock_name = path.file_name().unwrap_or_default().to_os_string();
    lock_name.push(".lock");
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let lock = options.open(dir.join(lock_name)).map_err(file_error)?;
    lock.lock().map_err(file_error)?;

    let mut secrets = read_file(path, alias)?;
    if !change(&mut secrets) {
        return Ok(());
    }
    if secrets.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(file_error(e)),
            _ => Ok(()),
        };
    }
    profiles::write_private(path, &encode(&secrets)).map_err(file_error)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn secrets(access: &str, refresh: Option<&str>) -> Secrets {
        Secrets {
            access_token: access.into(),
            refresh_token: refresh.map(Into::into),
        }
    }

    fn tokens(secrets: &Secrets) -> (String, Option<String>) {
        (
            secrets.access_token.expose_secret().to_string(),
            secrets
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
        )
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn file_store_round_trips_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("secrets.json");
        let store = SecretStore::insecure_file(path.clone());
        assert_eq!(store.kind(), Storage::InsecureFile);
        assert!(store.load("work").await.unwrap().is_none(), "no file yet");

        store
            .save("work", &secrets("at-1", Some("rt-1")))
            .await
            .unwrap();
        let loaded = store.load("work").await.unwrap().unwrap();
        assert_eq!(tokens(&loaded), ("at-1".into(), Some("rt-1".into())));
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }

    #[tokio::test]
    async fn file_store_keeps_other_aliases_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        let store = SecretStore::insecure_file(path.clone());
        store
            .save("a", &secrets("at-a", Some("rt-a")))
            .await
            .unwrap();
        store.save("b", &secrets("at-b", None)).await.unwrap();
        store
            .save("a", &secrets("at-a2", Some("rt-a2")))
            .await
            .unwrap();

        let a = store.load("a").await.unwrap().unwrap();
        let b = store.load("b").await.unwrap().unwrap();
        assert_eq!(tokens(&a), ("at-a2".into(), Some("rt-a2".into())));
        assert_eq!(tokens(&b), ("at-b".into(), None));
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["secrets.json", "secrets.json.lock"],
            "no temporary file left"
        );

        store.delete("a").await.unwrap();
        store.delete("a").await.unwrap();
        store.delete("never-saved").await.unwrap();
        assert!(store.load("a").await.unwrap().is_none());
        assert!(store.load("b").await.unwrap().is_some());
        store.delete("b").await.unwrap();
        assert!(!path.exists(), "the file goes with its last alias");
    }

    #[tokio::test]
    async fn file_store_saves_concurrently_without_losing_an_alias() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::insecure_file(dir.path().join("secrets.json"));
        let saves = (0..16).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let alias = format!("org{i}");
                store.save(&alias, &secrets(&format!("at-{i}"), None)).await
            })
        });
        for save in saves.collect::<Vec<_>>() {
            save.await.unwrap().unwrap();
        }
        for i in 0..16 {
            let loaded = store.load(&format!("org{i}")).await.unwrap().unwrap();
            assert_eq!(loaded.access_token.expose_secret(), format!("at-{i}"));
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_store_reads_a_loose_file_without_widening_and_narrows_on_save() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, r#"{"old": {"access_token": "at-old"}}"#).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = SecretStore::insecure_file(path.clone());

        let old = store.load("old").await.unwrap().unwrap();
        assert_eq!(
            tokens(&old),
            ("at-old".into(), None),
            "refresh_token may be absent"
        );
        assert_eq!(mode(&path), 0o644, "reading changes nothing");
        store.save("new", &secrets("at-new", None)).await.unwrap();
        assert_eq!(mode(&path), 0o600);
        assert!(store.load("old").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_corrupt_file_is_reported_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, r#"{"work": "tok-SECRET-123"}"#).unwrap();
        let store = SecretStore::insecure_file(path);

        let error = store.load("work").await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
        assert!(!error.is_unavailable());
        assert!(!format!("{error} {error:?}").contains("SECRET"), "{error}");
        let error = store.save("work", &secrets("at", None)).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt { .. }),
            "a save does not clobber it"
        );
    }

    #[tokio::test]
    async fn an_unwritable_file_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, "").unwrap();
        let store = SecretStore::insecure_file(blocker.join("secrets.json"));
        let error = store.save("work", &secrets("at", None)).await.unwrap_err();
        assert!(matches!(error, StoreError::File { .. }), "{error}");
        assert!(!error.is_unavailable());
    }

    #[tokio::test]
    async fn memory_store_round_trips_and_clones_share_it() {
        let store = SecretStore::memory();
        assert_eq!(store.kind(), Storage::Keyring);
        let clone = store.clone();
        store
            .save("work", &secrets("at-1", Some("rt-1")))
            .await
            .unwrap();
        let loaded = clone.load("work").await.unwrap().unwrap();
        assert_eq!(tokens(&loaded), ("at-1".into(), Some("rt-1".into())));
        clone.delete("work").await.unwrap();
        clone.delete("work").await.unwrap();
        assert!(store.load("work").await.unwrap().is_none());
    }

    #[test]
    fn debug_output_never_shows_tokens() {
        let secrets = secrets("at-SECRET", Some("rt-SECRET"));
        let debug = format!("{secrets:?} {:?}", Stored::from(&secrets).refresh_token);
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        let store = format!("{:?}", SecretStore::memory());
        assert_eq!(store, "SecretStore::Memory");
    }

    #[test]
    fn unavailable_and_timeout_mean_exit_7() {
        let unavailable = StoreError::Unavailable {
            cause: "no bus".into(),
        };
        let timeout = StoreError::Timeout {
            operation: "load secrets",
            seconds: 3,
        };
        let file = StoreError::File {
            path: "x".into(),
            source: std::io::Error::other("disk"),
        };
        let corrupt = StoreError::Corrupt {
            alias: "a".into(),
            message: "bad".into(),
        };
        assert!(unavailable.is_unavailable() && timeout.is_unavailable());
        assert!(!file.is_unavailable() && !corrupt.is_unavailable());
        assert_eq!(
            unavailable.to_string(),
            "secure token storage is unavailable: no bus"
        );
        assert_eq!(
            timeout.to_string(),
            "the OS keyring did not answer within 3 s (while trying to load secrets)"
        );
    }

    #[test]
    fn bus_problems_are_seen_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let env = |address: Option<&str>| BusEnv {
            address: address.map(Into::into),
            runtime_dir: Some(dir.path().into()),
        };
        let missing = env(None).problem().unwrap();
        assert!(missing.contains("no D-Bus session bus") && missing.contains("/bus`"));
        assert!(env(Some("")).problem().unwrap().contains("empty"));
        let stale = env(Some("unix:path=/nonexistent/bus,guid=1"))
            .problem()
            .unwrap();
        assert!(stale.contains("`/nonexistent/bus`"), "{stale}");
        assert!(
            env(Some("unix:abstract=/tmp/dbus-x")).problem().is_none(),
            "cannot tell"
        );
        assert!(
            env(Some("tcp:host=localhost,port=1")).problem().is_none(),
            "cannot tell"
        );

        std::fs::write(dir.path().join("bus"), "").unwrap();
        assert!(env(None).problem().is_none());
        let address = format!("unix:path={}", dir.path().join("bus").display());
        assert!(env(Some(&address)).problem().is_none());
        let unknown = BusEnv {
            address: None,
            runtime_dir: None,
        };
        assert!(unknown.problem().is_none());
    }

    #[test]
    fn a_hung_keyring_call_times_out_and_does_not_hold_up_shutdown() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let started = Instant::now();
        let result = runtime.block_on(with_timeout("probe", Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(30));
        }));
        drop(runtime);
        let elapsed = started.elapsed();
        match result {
            Err(StoreError::Timeout { operation, seconds }) => {
                assert_eq!((operation, seconds), ("probe", 1), "sub-second rounds up");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        println!("took {elapsed:?} (a figure, not a timed assertion)");
    }

    /// A keyring backed by keyring-core's mock store, for the logic above
    /// the Secret Service; the real one is covered by `tests/it/secret.rs`.
    async fn mock_keyring() -> (SecretStore, Arc<CredentialStore>) {
        let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let store = Arc::clone(&mock);
        let keyring = open_keyring(Duration::from_secs(5), move || Ok(store))
            .await
            .unwrap();
        (keyring, mock)
    }

    /// Makes the next call on the entry of `user` fail with `error`.
    fn fail_next(store: &Arc<CredentialStore>, user: &str, error: keyring_core::Error) {
        let entry = Entry::new_in_store(store, SERVICE, user).unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(error);
    }

    /// A mock store that records whether it was dropped on a tokio thread.
    struct DropWitness(Arc<Mutex<Option<bool>>>, Arc<keyring_core::mock::Store>);

    impl keyring_core::api::CredentialStoreApi for DropWitness {
        fn vendor(&self) -> String {
            "drop witness".into()
        }
        fn id(&self) -> String {
            "drop witness".into()
        }
        fn build(
            &self,
            service: &str,
            user: &str,
            _: Option<&std::collections::HashMap<&str, &str>>,
        ) -> keyring_core::Result<Entry> {
            self.1.build(service, user, None)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    impl Drop for DropWitness {
        fn drop(&mut self) {
            *lock(&self.0) = Some(tokio::runtime::Handle::try_current().is_ok());
        }
    }

    #[tokio::test]
    async fn the_keyring_connection_is_never_dropped_on_an_async_thread() {
        let witness = Arc::new(Mutex::new(None));
        let mock = keyring_core::mock::Store::new().unwrap();
        let store: Arc<CredentialStore> = Arc::new(DropWitness(Arc::clone(&witness), mock));
        let keyring = open_keyring(Duration::from_secs(5), move || Ok(store))
            .await
            .unwrap();
        drop(keyring.clone());
        assert_eq!(*lock(&witness), None, "clones share the connection");
        drop(keyring);
        let started = Instant::now();
        while lock(&witness).is_none() && started.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(*lock(&witness), Some(false), "dropped off the runtime");
    }

    #[tokio::test]
    async fn keyring_logic_round_trips_over_the_mock_store() {
        let (store, mock) = mock_keyring().await;
        assert_eq!(store.kind(), Storage::Keyring);
        let marker = Entry::new_in_store(&mock, SERVICE, PROBE_USER).unwrap();
        assert_eq!(
            marker.get_secret().unwrap(),
            PROBE_VALUE,
            "the probe left its marker"
        );
        assert!(store.load("work").await.unwrap().is_none());
        store
            .save("work", &secrets("at-1", Some("rt-1")))
            .await
            .unwrap();
        store.save("work", &secrets("at-2", None)).await.unwrap();
        let loaded = store.load("work").await.unwrap().unwrap();
        assert_eq!(tokens(&loaded), ("at-2".into(), None));

        let value = Entry::new_in_store(&mock, SERVICE, "work")
            .unwrap()
            .get_secret()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&value).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"access_token": "at-2", "refresh_token": null})
        );

        store.delete("work").await.unwrap();
        store.delete("work").await.unwrap();
        assert!(store.load("work").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_locked_keyring_fails_the_probe_as_unavailable() {
        let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let locked = || keyring_core::Error::NoStorageAccess("SS error: prompt dismissed".into());
        fail_next(&mock, PROBE_USER, locked());
        let store = Arc::clone(&mock);
        let error = open_keyring(Duration::from_secs(5), move || Ok(store))
            .await
            .unwrap_err();
        assert!(error.is_unavailable(), "{error}");
        assert!(error.to_string().contains("locked"), "{error}");
        assert!(error.to_string().contains("prompt dismissed"), "{error}");
    }

    #[tokio::test]
    async fn connection_failures_keep_the_real_cause() {
        let error = open_keyring(Duration::from_secs(5), || {
            Err(keyring_core::Error::PlatformFailure(
                "zbus error: org.freedesktop.DBus.Error.ServiceUnknown".into(),
            ))
        })
        .await
        .unwrap_err();
        assert!(error.is_unavailable());
        assert_eq!(
            error.to_string(),
            "secure token storage is unavailable: cannot open a Secret Service session: \
             zbus error: org.freedesktop.DBus.Error.ServiceUnknown"
        );
    }

    #[tokio::test]
    async fn bad_keyring_values_are_corrupt_and_never_quoted() {
        let (store, mock) = mock_keyring().await;
        let entry = Entry::new_in_store(&mock, SERVICE, "work").unwrap();
        entry.set_secret(b"\"tok-SECRET\"").unwrap();
        let error = store.load("work").await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
        assert!(
            !format!("{error} {error:?}").contains("SECRET"),
            "{error:?}"
        );

        fail_next(
            &mock,
            "work",
            keyring_core::Error::BadEncoding(b"tok-SECRET".to_vec()),
        );
        let error = store.load("work").await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
        assert!(
            !format!("{error} {error:?}").contains("SECRET"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn keyring_failures_during_calls_are_unavailable() {
        let (store, mock) = mock_keyring().await;
        let failure = || keyring_core::Error::PlatformFailure("connection reset".into());
        fail_next(&mock, "work", failure());
        let error = store.save("work", &secrets("at", None)).await.unwrap_err();
        assert!(error.is_unavailable() && error.to_string().contains("connection reset"));
        fail_next(&mock, "work", failure());
        assert!(store.delete("work").await.unwrap_err().is_unavailable());
    }
}
