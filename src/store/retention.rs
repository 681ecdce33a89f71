//! Retention: [`Store::purge`] deletes call details and prospects older than
//! the retention period, [`Store::forget`] deletes one person with all their
//! calls. Both then push the deleted bytes off the disk: `secure_delete` (set
//! on every connection by `schema`) zeroes them inside the file, a
//! `wal_checkpoint(TRUNCATE)` copies the zeroed pages over the old ones and
//! empties the WAL, and a VACUUM returns the space when much was deleted.
//!
//! Neither needs anything but the database file: no network, no keyring, so
//! `purge` runs from cron.
//!
//! # Limitations
//!
//! - SQLite can only overwrite what is still inside its files. Disk blocks
//!   given back to the file system (a WAL truncated, a file shrunk by
//!   VACUUM) are not scrubbed, and copy-on-write file systems, SSD wear
//!   levelling and backups may keep old copies; full-disk encryption covers
//!   those.
//! - A `log-call` that looked a prospect up just before `purge` or `forget`
//!   deleted that prospect fails on the foreign key instead of logging the
//!   call; `purge` only deletes prospects untouched for the whole period, so
//!   that takes a rep dialing a 180-day-old list at the minute cron runs.
//! - VACUUM holds the write lock while it rewrites the file: most of the
//!   1.7 s clean-up for the benchmark's 490,000 remaining calls. A
//!   `log-call` waits up to 5 s, so the first purge of a history several
//!   times that size could make one fail with "database is locked" (the
//!   rep runs it again); daily purges free too little to vacuum.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::{Error, Store, from_sql_time, to_sql_time};

/// VACUUM runs when free pages are more than a quarter of the file after the
/// deletes. The deleted content is already zeroed by then; VACUUM only gives
/// the space back, at the cost of rewriting the whole file while writers
/// wait, so a daily purge that frees a few pages does not pay it.
const VACUUM_FREE_PAGES_PERCENT: u64 = 25;

/// Calls deleted per transaction. One transaction for the whole purge held
/// the write lock for 11 s in the benchmark (510,000 of 1,000,000 calls),
/// past the 5 s a `log-call` waits for it; batches of 20,000 held it 0.6 s
/// at most, for about the same total time (5,000 doubled it: every batch
/// rewrites the pages of the random call-id index). Each batch is complete
/// on its own, so an interrupted purge leaves a consistent file and the next
/// run finishes the job.
const DELETE_BATCH: u64 = 20_000;

/// Checkpoint attempts before giving up while another process keeps reading.
const CHECKPOINT_ATTEMPTS: u32 = 8;

/// How long one checkpoint attempt waits for readers. Short, because a
/// TRUNCATE checkpoint holds the write lock while it waits: a `log-call`
/// should wait for it a fraction of its own 5 s busy timeout, never all of it.
const CHECKPOINT_WAIT: Duration = Duration::from_millis(250);

/// Pause between checkpoint attempts, growing by this much each time, with
/// no lock held, so that waiting writers get their turn. With the waits,
/// about 5 s pass before the checkpoint is reported incomplete.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// A call purge may delete, with `?1` the cutoff, `?2` whether unsynced calls
/// go too and `?3` now: older than the cutoff and confirmed by Salesforce,
/// or (with `?2`) unconfirmed and not leased by a running `push`, whose
/// answer must find its row.
const CALL_PURGEABLE: &str = "(c.called_at < ?1 AND (c.synced_at IS NOT NULL \
     OR (?2 AND (c.lease_until IS NULL OR c.lease_until <= ?3))))";

/// What [`Store::purge`] deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeOptions {
    /// Calls made before this time are deleted, and prospects neither loaded
    /// nor called since.
    pub cutoff: DateTime<Utc>,
    /// Also delete old calls Salesforce has not confirmed (pending or failed).
    pub include_unsynced: bool,
    /// Count only; delete nothing.
    pub dry_run: bool,
}

/// What [`Store::purge`] deleted, or would delete with `dry_run`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PurgeSummary {
    pub cutoff: DateTime<Utc>,
    pub dry_run: bool,
    /// Calls deleted, unsynced ones included.
    pub calls_deleted: u64,
    /// Of `calls_deleted`, those Salesforce never confirmed (only with
    /// `include_unsynced`).
    pub unsynced_calls_deleted: u64,
    /// Prospects neither loaded nor called since the cutoff, with no call left.
    pub prospects_deleted: u64,
    /// Lists loaded before the cutoff that have no prospect left.
    pub lists_deleted: u64,
    /// Old calls kept because Salesforce has not confirmed them.
    pub unsynced_kept: UnsyncedKept,
    /// How the file was cleaned afterwards; `None` for a dry run.
    pub reclaim: Option<Reclaim>,
}

/// Old calls a purge kept because they are not in Salesforce yet.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UnsyncedKept {
    pub calls: u64,
    /// Of `calls`, those Salesforce refused (`push --retry-failed` resends).
    pub failed: u64,
    pub oldest_called_at: Option<DateTime<Utc>>,
}

/// The clean-up after a delete.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Reclaim {
    /// The database and its WAL on disk before the delete, in bytes.
    pub bytes_before: u64,
    /// The same afterwards.
    pub bytes_after: u64,
    pub bytes_reclaimed: u64,
    /// Pages of the database after the delete, and how many were free.
    pub pages: u64,
    pub free_pages: u64,
    /// Whether VACUUM rewrote the file (see [`VACUUM_FREE_PAGES_PERCENT`]).
    pub vacuumed: bool,
    /// Whether the WAL was checkpointed and emptied. False when another
    /// process kept reading through every attempt: the zeroed pages are
    /// committed, but the old ones may stay in the WAL until the next
    /// checkpoint (any later write, or the next purge).
    pub wal_truncated: bool,
    /// Time spent deleting, and cleaning up.
    pub delete_ms: u64,
    pub reclaim_ms: u64,
    /// The longest any one delete transaction took, from asking for the
    /// write lock to the commit: about what a concurrent `log-call` may have
    /// waited. VACUUM, counted in `reclaim_ms`, holds the lock too.
    pub longest_lock_ms: u64,
}

/// How `forget` names a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRef {
    /// A Salesforce id (15 or 18 characters): that person in every list.
    Id(String),
    /// A queue row number (`#12`): that row's person, in every list.
    Row(i64),
    /// A phone number as typed, with its E.164 form when it parses; matches
    /// the stored number as Salesforce held it or its E.164 form.
    Phone { typed: String, e164: Option<String> },
    /// Bare digits (`12`, `6145550142`): a row number or a phone number,
    /// whichever matches; both matching different people is ambiguous.
    RowOrPhone {
        row: i64,
        typed: String,
        e164: Option<String>,
    },
}

impl PersonRef {
    /// Reads what the user typed; phone numbers without a `+` country code
    /// are read in `country`. `None` when it cannot be any of the forms.
    pub fn parse(text: &str, country: phonenumber::country::Id) -> Option<Self> {
        let typed = text.trim();
        let e164 = || crate::queue::report::e164(typed, country);
        if let Some(number) = typed.strip_prefix('#') {
            return all_digits(number)
                .then(|| number.parse().ok().map(Self::Row))
                .flatten();
        }
        // As in `Store::find`: no row number reaches 15 digits, and a phone
        // number of 15 bare digits would need a country code without its +.
        if matches!(typed.len(), 15 | 18) && typed.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Some(Self::Id(typed.to_string()));
        }
        if all_digits(typed) {
            return Some(match typed.parse() {
                Ok(row) => Self::RowOrPhone {
                    row,
                    typed: typed.to_string(),
                    e164: e164(),
                },
                Err(_) => Self::Phone {
                    typed: typed.to_string(),
                    e164: e164(),
                },
            });
        }
        let phone_like = typed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().x/".contains(c) || c == 'X');
        let digits = typed.chars().filter(char::is_ascii_digit).count();
        (phone_like && digits >= 3).then(|| Self::Phone {
            typed: typed.to_string(),
            e164: e164(),
        })
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Why [`Store::forget`] deleted nothing.
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    #[error(transparent)]
    Store(#[from] Error),
    /// Nobody in any list matches.
    #[error("no prospect `{reference}` in any list")]
    NotFound { reference: String },
    /// A phone number shared by several people (a switchboard, a family).
    #[error(
        "`{reference}` is the number of {people} different people (rows {})",
        super::join_rows(rows)
    )]
    SeveralPeople {
        reference: String,
        people: usize,
        rows: Vec<i64>,
    },
    /// Bare digits that are a row number of one person and the phone of
    /// another.
    #[error("`{reference}` is both row {row} and the phone number of someone else")]
    RowOrPhone { reference: String, row: i64 },
    /// Some of the person's calls have not reached Salesforce; deleting them
    /// loses them for good.
    #[error("{unsynced} of the {calls} calls of `{reference}` are not in Salesforce yet")]
    Unsynced {
        reference: String,
        calls: u64,
        unsynced: u64,
        /// Of `unsynced`, those Salesforce refused.
        failed: u64,
    },
}

/// What [`Store::forget`] deleted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ForgetSummary {
    /// The person's Salesforce id (the Contact or Lead); the name and phone
    /// are not repeated, so the output itself holds no personal details.
    pub person_id: String,
    /// Queue rows deleted (one per list the person was in).
    pub prospects_deleted: u64,
    /// The lists the person was in; the lists themselves stay.
    pub lists: Vec<String>,
    pub calls_deleted: u64,
    /// Of `calls_deleted`, those Salesforce never confirmed (only with force).
    pub unsynced_calls_deleted: u64,
    pub reclaim: Reclaim,
}

impl Store {
    /// Deletes (or with `dry_run` counts) the calls made before the cutoff
    /// that Salesforce confirmed, with `include_unsynced` the unconfirmed
    /// ones too, then the prospects neither loaded nor called since the
    /// cutoff that have no call left, then lists loaded before the cutoff
    /// that are empty. Old unconfirmed calls that stay are counted.
    ///
    /// The deletes are IMMEDIATE transactions of [`DELETE_BATCH`] calls
    /// (each waiting up to the busy timeout for a running `log-call` or
    /// `push`), then one for the prospects and lists, followed by
    /// [`Reclaim`]'s checkpoint and maybe VACUUM.
    #[tracing::instrument(skip_all, fields(cutoff = %options.cutoff, dry_run = options.dry_run))]
    pub fn purge(&mut self, options: &PurgeOptions) -> Result<PurgeSummary, Error> {
        self.purge_in_batches(options, DELETE_BATCH)
    }

    /// [`Store::purge`] with calls deleted `batch` at a time.
    fn purge_in_batches(
        &mut self,
        options: &PurgeOptions,
        batch: u64,
    ) -> Result<PurgeSummary, Error> {
        let cutoff = to_sql_time(options.cutoff);
        let now = to_sql_time(Utc::now());
        let include = options.include_unsynced;
        let bytes_before = disk_bytes(&self.path);
        let started = Instant::now();
        // A dry run counts in one snapshot; a real run counts what it keeps
        // here and what it deletes as it goes.
        let tx = self.conn.transaction()?;
        let (kept, failed, oldest): (u64, u64, Option<String>) = tx.query_row(
            &format!(
                "SELECT count(*), coalesce(sum(c.error IS NOT NULL), 0), min(c.called_at)
                 FROM calls c
                 WHERE c.called_at < ?1 AND c.synced_at IS NULL AND NOT {CALL_PURGEABLE}"
            ),
            params![cutoff, include, now],
            |row| Ok((uint(row, 0)?, uint(row, 1)?, row.get(2)?)),
        )?;
        let oldest_called_at = oldest
            .map(|text| from_sql_time(&text).map_err(|e| super::bad_column(2, e)))
            .transpose()?;
        let mut summary = PurgeSummary {
            cutoff: options.cutoff,
            dry_run: options.dry_run,
            calls_deleted: 0,
            unsynced_calls_deleted: 0,
            prospects_deleted: 0,
            lists_deleted: 0,
            unsynced_kept: UnsyncedKept {
                calls: kept,
                failed,
                oldest_called_at,
            },
            reclaim: None,
        };

        if options.dry_run {
            (summary.calls_deleted, summary.unsynced_calls_deleted) = tx.query_row(
                &format!(
                    "SELECT count(*), coalesce(sum(c.synced_at IS NULL), 0)
                     FROM calls c WHERE {CALL_PURGEABLE}"
                ),
                params![cutoff, include, now],
                |row| Ok((uint(row, 0)?, uint(row, 1)?)),
            )?;
            // The same rules as the deletes below, asked about the calls
            // that would remain instead of those that remain.
            let prospect_purgeable = format!(
                "(p.updated_at < ?1 AND NOT EXISTS (SELECT 1 FROM calls c
                     WHERE c.prospect_id = p.id AND NOT {CALL_PURGEABLE}))"
            );
            summary.prospects_deleted = tx.query_row(
                &format!("SELECT count(*) FROM prospects p WHERE {prospect_purgeable}"),
                params![cutoff, include, now],
                |row| uint(row, 0),
            )?;
            summary.lists_deleted = tx.query_row(
                &format!(
                    "SELECT count(*) FROM lists l WHERE l.loaded_at < ?1
                         AND NOT EXISTS (SELECT 1 FROM prospects p
                             WHERE p.list_id = l.id AND NOT {prospect_purgeable})"
                ),
                params![cutoff, include, now],
                |row| uint(row, 0),
            )?;
            tx.commit()?;
            return Ok(summary);
        }
        tx.commit()?;

        let mut longest_lock = Duration::ZERO;
        // Batches go in `called_at` order; each starts where the last ended.
        let mut from = String::new();
        loop {
            let locked = Instant::now();
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (deleted, unsynced, last) =
                delete_call_batch(&tx, &cutoff, include, &now, &from, batch)?;
            tx.commit()?;
            longest_lock = longest_lock.max(locked.elapsed());
            summary.calls_deleted += deleted;
            summary.unsynced_calls_deleted += unsynced;
            match last {
                Some(last) if deleted == batch => from = last,
                _ => break,
            }
        }

        let locked = Instant::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        summary.prospects_deleted = count(tx.execute(
            "DELETE FROM prospects AS p WHERE p.updated_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.prospect_id = p.id)",
            [&cutoff],
        )?);
        summary.lists_deleted = count(tx.execute(
            "DELETE FROM lists AS l WHERE l.loaded_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM prospects p WHERE p.list_id = l.id)",
            [&cutoff],
        )?);
        tx.commit()?;
        longest_lock = longest_lock.max(locked.elapsed());
        let delete_ms = millis(started.elapsed());
        tracing::info!(
            calls = summary.calls_deleted,
            unsynced_calls = summary.unsynced_calls_deleted,
            prospects = summary.prospects_deleted,
            lists = summary.lists_deleted,
            kept_unsynced = summary.unsynced_kept.calls,
            "purged"
        );

        let changed = summary.calls_deleted + summary.prospects_deleted + summary.lists_deleted;
        let mut reclaim = self.reclaim(bytes_before, changed > 0)?;
        reclaim.delete_ms = delete_ms;
        reclaim.longest_lock_ms = millis(longest_lock);
        summary.reclaim = Some(reclaim);
        Ok(summary)
    }

    /// Deletes one person from every list, with all their calls, then
    /// cleans the file as `purge` does. Refuses with
    /// [`ForgetError::Unsynced`] when some of their calls have not reached
    /// Salesforce, unless `force`. Everything happens in one IMMEDIATE
    /// transaction, so the calls counted are the calls deleted.
    #[tracing::instrument(skip_all, fields(force))]
    pub fn forget(
        &mut self,
        reference: &PersonRef,
        display: &str,
        force: bool,
    ) -> Result<ForgetSummary, ForgetError> {
        let bytes_before = disk_bytes(&self.path);
        let started = Instant::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        let person_id = resolve_person(&tx, reference, display)?;
        let id15 = &person_id[..person_id.len().min(15)];

        let (rows, calls, unsynced, failed): (u64, u64, u64, u64) = tx
            .query_row(
                "SELECT count(DISTINCT p.id), count(c.id),
                     coalesce(sum(c.id IS NOT NULL AND c.synced_at IS NULL), 0),
                     coalesce(sum(c.id IS NOT NULL AND c.synced_at IS NULL
                         AND c.error IS NOT NULL), 0)
                 FROM prospects p LEFT JOIN calls c ON c.prospect_id = p.id
                 WHERE substr(p.person_id, 1, 15) = ?1",
                [id15],
                |row| Ok((uint(row, 0)?, uint(row, 1)?, uint(row, 2)?, uint(row, 3)?)),
            )
            .map_err(Error::from)?;
        if unsynced > 0 && !force {
            return Err(ForgetError::Unsynced {
                reference: display.to_string(),
                calls,
                unsynced,
                failed,
            });
        }
        let lists: Vec<String> = tx
            .prepare(
                "SELECT DISTINCT l.name FROM prospects p JOIN lists l ON l.id = p.list_id
                 WHERE substr(p.person_id, 1, 15) = ?1 ORDER BY l.name",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([id15], |row| row.get(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(Error::from)?;
        let calls_deleted = tx
            .execute(
                "DELETE FROM calls WHERE prospect_id IN
                     (SELECT id FROM prospects WHERE substr(person_id, 1, 15) = ?1)",
                [id15],
            )
            .map_err(Error::from)?;
        let prospects_deleted = tx
            .execute(
                "DELETE FROM prospects WHERE substr(person_id, 1, 15) = ?1",
                [id15],
            )
            .map_err(Error::from)?;
        tx.commit().map_err(Error::from)?;
        debug_assert_eq!(prospects_deleted as u64, rows);
        let delete_ms = millis(started.elapsed());
        tracing::info!(
            person_id,
            prospects = prospects_deleted,
            calls = calls_deleted,
            unsynced,
            "forgot a person"
        );

        let mut reclaim = self.reclaim(bytes_before, true)?;
        reclaim.delete_ms = delete_ms;
        reclaim.longest_lock_ms = delete_ms;
        Ok(ForgetSummary {
            person_id,
            prospects_deleted: count(prospects_deleted),
            lists,
            calls_deleted: count(calls_deleted),
            unsynced_calls_deleted: unsynced,
            reclaim,
        })
    }

    /// After a committed delete: VACUUM when free pages pass
    /// [`VACUUM_FREE_PAGES_PERCENT`], and a TRUNCATE checkpoint so the WAL
    /// holds no old page. With nothing deleted only the checkpoint runs.
    fn reclaim(&mut self, bytes_before: u64, deleted: bool) -> Result<Reclaim, Error> {
        let started = Instant::now();
        let pages: u64 = self
            .conn
            .pragma_query_value(None, "page_count", |row| uint(row, 0))?;
        let free_pages: u64 = self
            .conn
            .pragma_query_value(None, "freelist_count", |row| uint(row, 0))?;
        // The first checkpoint already overwrites the old pages in the main
        // file and empties the WAL before VACUUM doubles it.
        let mut wal_truncated = self.checkpoint_truncate()?;
        let mut vacuumed = false;
        if deleted && free_pages * 100 > pages * VACUUM_FREE_PAGES_PERCENT {
            vacuumed = self.vacuum()?;
            if vacuumed {
                wal_truncated = self.checkpoint_truncate()?;
            }
        }
        let bytes_after = disk_bytes(&self.path);
        Ok(Reclaim {
            bytes_before,
            bytes_after,
            bytes_reclaimed: bytes_before.saturating_sub(bytes_after),
            pages,
            free_pages,
            vacuumed,
            wal_truncated,
            delete_ms: 0,
            reclaim_ms: millis(started.elapsed()),
            longest_lock_ms: 0,
        })
    }

    /// VACUUM, unless another process holds the database past the busy
    /// timeout: the data is deleted and zeroed either way, only the space is
    /// not returned, so that is a warning and not a failure.
    fn vacuum(&self) -> Result<bool, Error> {
        match self.conn.execute_batch("VACUUM") {
            Ok(()) => Ok(true),
            Err(e) if is_busy(&e) => {
                tracing::warn!(error = %e, "VACUUM skipped: the database stayed busy");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`, retried while readers keep it from
    /// finishing; returns whether the WAL was emptied. Each attempt waits at
    /// most [`CHECKPOINT_WAIT`] instead of the connection's busy timeout,
    /// which is restored afterwards.
    fn checkpoint_truncate(&self) -> Result<bool, Error> {
        let busy_timeout: u64 = self
            .conn
            .pragma_query_value(None, "busy_timeout", |row| uint(row, 0))?;
        self.conn.busy_timeout(CHECKPOINT_WAIT)?;
        let mut done = false;
        for attempt in 1..=CHECKPOINT_ATTEMPTS {
            let outcome = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    row.get::<_, i64>(0)
                });
            match outcome {
                Ok(0) => {
                    done = true;
                    break;
                }
                Ok(_) => {}
                Err(e) if is_busy(&e) => {}
                Err(e) => {
                    self.conn
                        .busy_timeout(Duration::from_millis(busy_timeout))?;
                    return Err(e.into());
                }
            }
            tracing::debug!(attempt, "checkpoint busy: another process is reading");
            if attempt < CHECKPOINT_ATTEMPTS {
                std::thread::sleep(CHECKPOINT_PAUSE * attempt);
            }
        }
        self.conn
            .busy_timeout(Duration::from_millis(busy_timeout))?;
        if !done {
            tracing::warn!("the WAL could not be emptied: another process kept reading");
        }
        Ok(done)
    }
}

/// The one person `reference` names, by their stored Salesforce id.
fn resolve_person(
    tx: &rusqlite::Transaction<'_>,
    reference: &PersonRef,
    display: &str,
) -> Result<String, ForgetError> {
    let by_row = |row: i64| -> Result<Option<String>, Error> {
        Ok(tx
            .query_row(
                "SELECT person_id FROM prospects WHERE id = ?1",
                [row],
                |r| r.get(0),
            )
            .optional()?)
    };
    // Distinct people (by the 15-character id) with the number, and a row
    // of each for the message.
    let by_phone = |typed: &str, e164: Option<&str>| -> Result<Vec<(String, i64)>, Error> {
        let mut statement = tx.prepare(
            "SELECT min(person_id), min(id) FROM prospects
             WHERE phone = ?1 OR (?2 IS NOT NULL AND phone_e164 = ?2)
             GROUP BY substr(person_id, 1, 15) ORDER BY min(id)",
        )?;
        let people = statement
            .query_map(params![typed, e164], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(people)
    };
    let not_found = || ForgetError::NotFound {
        reference: display.to_string(),
    };
    let one_person = |people: Vec<(String, i64)>| match people.len() {
        0 => Err(not_found()),
        1 => Ok(people.into_iter().next().expect("one person").0),
        n => Err(ForgetError::SeveralPeople {
            reference: display.to_string(),
            people: n,
            rows: people.iter().map(|(_, row)| *row).collect(),
        }),
    };
    match reference {
        PersonRef::Id(id) => {
            let found: Option<String> = tx
                .query_row(
                    "SELECT person_id FROM prospects WHERE substr(person_id, 1, 15) = ?1",
                    [&id[..15]],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::from)?;
            found.ok_or_else(not_found)
        }
        PersonRef::Row(row) => by_row(*row)?.ok_or_else(not_found),
        PersonRef::Phone { typed, e164 } => one_person(by_phone(typed, e164.as_deref())?),
        PersonRef::RowOrPhone { row, typed, e164 } => {
            let by_number = by_phone(typed, e164.as_deref())?;
            match by_row(*row)? {
                None => one_person(by_number),
                Some(person) => {
                    let same = |other: &str| other.get(..15) == person.get(..15);
                    if by_number.iter().all(|(other, _)| same(other)) {
                        Ok(person)
                    } else {
                        Err(ForgetError::RowOrPhone {
                            reference: display.to_string(),
                            row: *row,
                        })
                    }
                }
            }
        }
    }
}

/// Deletes up to `batch` purgeable calls made at or after `from`,
/// oldest first; returns how many, how many of them were unsynced, and the
/// latest `called_at` deleted.
fn delete_call_batch(
    tx: &rusqlite::Transaction<'_>,
    cutoff: &str,
    include_unsynced: bool,
    now: &str,
    from: &str,
    batch: u64,
) -> Result<(u64, u64, Option<String>), Error> {
    let mut statement = tx.prepare_cached(&format!(
        "DELETE FROM calls WHERE rowid IN (SELECT c.rowid FROM calls c
             WHERE c.called_at >= ?4 AND {CALL_PURGEABLE} ORDER BY c.called_at LIMIT ?5)
         RETURNING synced_at IS NULL, called_at"
    ))?;
    let limit = i64::try_from(batch).unwrap_or(i64::MAX);
    let mut rows = statement.query(params![cutoff, include_unsynced, now, from, limit])?;
    let (mut deleted, mut unsynced, mut last) = (0, 0, None::<String>);
    while let Some(row) = rows.next()? {
        deleted += 1;
        if row.get::<_, bool>(0)? {
            unsynced += 1;
        }
        let called_at: String = row.get(1)?;
        if last.as_ref().is_none_or(|last| called_at > *last) {
            last = Some(called_at);
        }
    }
    Ok((deleted, unsynced, last))
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The database file and its WAL, as the disk holds them now.
fn disk_bytes(path: &Path) -> u64 {
    let mut wal = PathBuf::from(path).into_os_string();
    wal.push("-wal");
    [path.to_path_buf(), PathBuf::from(wal)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A count or size column; SQLite integers are signed.
fn uint(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(index)?;
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(index, value))
}

fn count(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
