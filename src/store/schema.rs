//! Opening the database file safely and bringing its schema up to date with
//! the numbered migrations in `migrations/`, tracked by `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::Error;
use crate::profiles::create_private_dir;

/// The migrations, in order: migration `n` is `MIGRATIONS[n - 1]` and leaves
/// `user_version = n`. Released entries are never edited, only appended.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_queue.sql"),
    include_str!("migrations/0002_outbox.sql"),
];

/// How long a statement waits for another process's lock (a `push` beside a
/// `purge` from cron) before failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema version this build writes.
pub(super) fn latest_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).expect("fewer than 4 billion migrations")
}

/// Opens (creating) the database at `path` with a private directory and file,
/// then configures the connection and migrates it.
pub(super) fn open(path: &Path) -> Result<Connection, Error> {
    create_private_file(path)?;
    let open_error = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_error)?;
    configure(&conn).map_err(open_error)?;
    migrate(conn, path)
}

/// Creates the directory (0700) and an empty file (0600) before SQLite sees
/// them, so the personal data inside is never readable by others, not even
/// for a moment; existing ones that are too open are tightened. SQLite gives
/// the `-wal` and `-shm` files the main file's mode.
fn create_private_file(path: &Path) -> Result<(), Error> {
    let create_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Create { path, source }
    };
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    if let Some(dir) = dir {
        create_private_dir(dir).map_err(create_error(dir))?;
        restrict_mode(dir, 0o700).map_err(create_error(dir))?;
    }

    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(create_error(path))?;
    restrict_mode(path, 0o600).map_err(create_error(path))
}

/// Sets `mode` on `path` when group or others have any access to it.
#[cfg(unix)]
fn restrict_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let current = std::fs::metadata(path)?.permissions().mode();
    if current & 0o077 != 0 {
        tracing::info!(path = %path.display(), from = format!("{current:o}"), "tightening mode");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Per-connection settings. WAL lets readers (`queue`) run beside a writer
/// (`push`); `synchronous` stays FULL so a logged call survives a power cut;
/// `secure_delete` overwrites deleted rows so `purge` and `forget` really
/// remove personal data (the WAL is checkpointed by them).
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // Some network file systems cannot share memory for the WAL index;
        // the rollback journal still works, only with less concurrency.
        tracing::warn!(
            mode,
            "the database cannot use WAL; concurrent commands may wait"
        );
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "synchronous", "FULL")
}

/// Applies the migrations newer than the file's `user_version`, all in one
/// IMMEDIATE transaction: two processes opening a new file at once cannot
/// both migrate, and a failed migration leaves the file as it was.
fn migrate(mut conn: Connection, path: &Path) -> Result<Connection, Error> {
    let latest = latest_version();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > latest {
        return Err(Error::TooNew {
            path: path.to_path_buf(),
            version,
            supported: latest,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let number = u32::try_from(index + 1).expect("fewer than 4 billion migrations");
        tx.execute_batch(sql).map_err(|source| Error::Migrate {
            version: number,
            source,
        })?;
        tx.pragma_update(None, "user_version", number)?;
        tracing::info!(version = number, "migrated the database");
    }
    tx.commit()?;
    Ok(conn)
}
