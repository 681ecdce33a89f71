//! The local SQLite database: call lists loaded from reports, their prospects
//! and the calls made to them. `schema` opens the file privately and migrates
//! it; this module holds the queries the commands use.
//!
//! One file (`queue.db` in the data dir) holds every list. Rows are never
//! renumbered, and a prospect with calls is never deleted by a re-load, so
//! the call history (and the calls still to push) stays attached.

mod outbox;
mod retention;
mod schema;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::queue::{PersonKind, Prospect};

pub use outbox::{CallFilter, CallRow, CallState, NewCall, OutboxCall, OutboxCounts, Progress};
pub use retention::{
    ForgetError, ForgetSummary, PersonRef, PurgeOptions, PurgeSummary, Reclaim, UnsyncedKept,
};

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory or the file could not be created or made private.
    #[error("failed to create `{}` with private permissions", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open or configure the file.
    #[error("failed to open database `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A newer koncert-sf has migrated the file; this one must not touch it.
    #[error(
        "database `{}` has schema version {version}, newer than the {supported} this \
         koncert-sf knows",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        version: u32,
        supported: u32,
    },
    /// A migration failed; the file is left at the previous version.
    #[error("failed to apply database migration {version}")]
    Migrate {
        version: u32,
        #[source]
        source: rusqlite::Error,
    },
    /// Any other SQLite failure (a lock held past the busy timeout, a full disk).
    #[error("database query failed")]
    Sqlite(#[from] rusqlite::Error),
    /// No prospect has this Salesforce id or row number.
    #[error("no prospect `{reference}` in the queue")]
    NotFound { reference: String },
    /// The Salesforce id is in several lists; a row number says which one.
    #[error(
        "prospect `{reference}` is in several lists (rows {})",
        join_rows(rows)
    )]
    Ambiguous { reference: String, rows: Vec<i64> },
    /// No list has this name.
    #[error("no list named `{name}`")]
    UnknownList { name: String },
}

fn join_rows(rows: &[i64]) -> String {
    rows.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which prospects [`Store::queue`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not called yet.
    Pending,
    /// Called at least once.
    Called,
    /// Everyone.
    All,
}

/// One prospect of the queue with its call counts.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    /// The stable row number `queue` shows; later commands accept it as a
    /// reference to the prospect.
    pub row: i64,
    /// The list's name.
    pub list: String,
    pub prospect: Prospect,
    /// How many calls were logged, pushed or not.
    pub calls: i64,
    pub last_called_at: Option<DateTime<Utc>>,
}

/// A loaded list with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    pub name: String,
    pub report_id: String,
    pub prospects: i64,
    /// Prospects with a dialable number.
    pub dialable: i64,
    /// Prospects called at least once.
    pub called: i64,
    /// When the report was last loaded into the list.
    pub loaded_at: DateTime<Utc>,
}

/// What [`Store::save_list`] changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SaveSummary {
    /// Prospects new to the list.
    pub inserted: usize,
    /// Prospects already in the list, updated in place (same row number).
    pub updated: usize,
    /// Prospects no longer in the report, removed by `--replace`.
    pub removed: usize,
    /// Prospects no longer in the report but kept because they have calls.
    pub kept_for_calls: usize,
}

/// The queue database: one connection to the file, used from one thread.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The prospect columns, in the order [`read_row`] expects after `p.id, l.name`.
const ROW_SELECT: &str = "SELECT p.id, l.name, p.person_id, p.kind, p.related_id, \
     p.account_id, p.name, p.title, p.account, p.phone, p.phone_e164, p.mapped, \
     (SELECT count(*) FROM calls c WHERE c.prospect_id = p.id), \
     (SELECT max(c.called_at) FROM calls c WHERE c.prospect_id = p.id) \
     FROM prospects p JOIN lists l ON l.id = p.list_id";

impl Store {
    /// Opens (creating) the database: dir 0700, file 0600, WAL, busy_timeout
    /// 5 s, foreign keys, secure delete, then the pending migrations.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Self, Error> {
        let conn = schema::open(path)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves a loaded report as list `name` in one transaction, so a failed
    /// load leaves the previous list intact. Prospects are matched on
    /// `(list, person_id)` and updated in place, keeping their row numbers
    /// and calls. With `replace`, members no longer in the report are
    /// removed, except those with calls (counted in `kept_for_calls`): their
    /// history, pushed or not, must stay attached to someone.
    ///
    /// A person twice in the report is stored once, from the first row.
    /// `instance_url` is the org the report ran on (see migration 2).
    #[tracing::instrument(skip_all, fields(list = name, report_id, rows = prospects.len()))]
    pub fn save_list(
        &mut self,
        name: &str,
        report_id: &str,
        instance_url: Option<&str>,
        prospects: &[Prospect],
        replace: bool,
    ) -> Result<SaveSummary, Error> {
        let now = to_sql_time(Utc::now());
        let mapped_fields: BTreeSet<&str> = prospects
            .iter()
            .flat_map(|p| p.mapped.keys().map(String::as_str))
            .collect();
        let mapped_fields =
            serde_json::to_string(&mapped_fields).expect("a set of strings serializes");

        let tx = self.conn.transaction()?;
        let list_id: i64 = tx.query_row(
            "INSERT INTO lists (name, report_id, mapped_fields, loaded_at, instance_url)
                 VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET report_id = excluded.report_id,
                 mapped_fields = excluded.mapped_fields, loaded_at = excluded.loaded_at,
                 instance_url = excluded.instance_url
             RETURNING id",
            params![name, report_id, mapped_fields, now, instance_url],
            |row| row.get(0),
        )?;
        let mut existing: HashMap<String, i64> = tx
            .prepare("SELECT person_id, id FROM prospects WHERE list_id = ?1")?
            .query_map([list_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;

        let mut summary = SaveSummary::default();
        let mut seen = HashSet::with_capacity(prospects.len());
        {
            let mut insert = tx.prepare(
                "INSERT INTO prospects (list_id, person_id, kind, related_id, account_id, name,
                     title, account, phone, phone_e164, mapped, first_loaded_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            )?;
            let mut update = tx.prepare(
                "UPDATE prospects SET kind = ?2, related_id = ?3, account_id = ?4, name = ?5,
                     title = ?6, account = ?7, phone = ?8, phone_e164 = ?9, mapped = ?10,
                     updated_at = ?11
                 WHERE id = ?1",
            )?;
            for p in prospects {
                if !seen.insert(p.person_id.as_str()) {
                    tracing::debug!(person_id = p.person_id, "skipping a repeated person");
                    continue;
                }
                let mapped = serde_json::to_string(&p.mapped).expect("a string map serializes");
                let kind = kind_to_sql(p.kind);
                if let Some(&id) = existing.get(&p.person_id) {
                    update.execute(params![
                        id,
                        kind,
                        p.related_id,
                        p.account_id,
                        p.name,
                        p.title,
                        p.account,
                        p.phone,
                        p.phone_e164,
                        mapped,
                        now
                    ])?;
                    summary.updated += 1;
                } else {
                    insert.execute(params![
                        list_id,
                        p.person_id,
                        kind,
                        p.related_id,
                        p.account_id,
                        p.name,
                        p.title,
                        p.account,
                        p.phone,
                        p.phone_e164,
                        mapped,
                        now
                    ])?;
                    summary.inserted += 1;
                }
            }

            if replace {
                existing.retain(|person_id, _| !seen.contains(person_id.as_str()));
                let mut delete = tx.prepare(
                    "DELETE FROM prospects WHERE id = ?1
                         AND NOT EXISTS (SELECT 1 FROM calls WHERE prospect_id = ?1)",
                )?;
                for &id in existing.values() {
                    match delete.execute([id])? {
                        0 => summary.kept_for_calls += 1,
                        _ => summary.removed += 1,
                    }
                }
            }
        }
        tx.commit()?;
        tracing::info!(
            inserted = summary.inserted,
            updated = summary.updated,
            removed = summary.removed,
            kept_for_calls = summary.kept_for_calls,
            "saved list"
        );
        Ok(summary)
    }

    /// The loaded lists by name, with their counts.
    pub fn lists(&self) -> Result<Vec<ListSummary>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT l.name, l.report_id, l.loaded_at, count(p.id),
                 coalesce(sum(p.phone_e164 IS NOT NULL), 0),
                 coalesce(sum(EXISTS (SELECT 1 FROM calls c WHERE c.prospect_id = p.id)), 0)
             FROM lists l LEFT JOIN prospects p ON p.list_id = l.id
             GROUP BY l.id ORDER BY l.name",
        )?;
        let lists = statement.query_map([], |row| {
            Ok(ListSummary {
                name: row.get(0)?,
                report_id: row.get(1)?,
                loaded_at: time_column(row, 2)?,
                prospects: row.get(3)?,
                dialable: row.get(4)?,
                called: row.get(5)?,
            })
        })?;
        Ok(lists.collect::<Result<_, _>>()?)
    }

    /// Prospects in row order, of one list or all, filtered by whether they
    /// were called; an unknown list is an error rather than an empty queue.
    pub fn queue(
        &self,
        list: Option<&str>,
        status: Status,
        limit: Option<usize>,
    ) -> Result<Vec<QueueRow>, Error> {
        self.check_list(list)?;
        let filter = match status {
            Status::Pending => "NOT EXISTS (SELECT 1 FROM calls c WHERE c.prospect_id = p.id)",
            Status::Called => "EXISTS (SELECT 1 FROM calls c WHERE c.prospect_id = p.id)",
            Status::All => "1",
        };
        let sql = format!(
            "{ROW_SELECT} WHERE (?1 IS NULL OR l.name = ?1) AND {filter} ORDER BY p.id LIMIT ?2"
        );
        // SQLite reads a negative LIMIT as "no limit".
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![list, limit], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The next pending (no call yet) dialable prospect, in row order.
    pub fn next(&self, list: Option<&str>) -> Result<Option<QueueRow>, Error> {
        self.check_list(list)?;
        let sql = format!(
            "{ROW_SELECT} WHERE (?1 IS NULL OR l.name = ?1) AND p.phone_e164 IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.prospect_id = p.id)
             ORDER BY p.id LIMIT 1"
        );
        Ok(self.conn.query_row(&sql, [list], read_row).optional()?)
    }

    /// A prospect by row number (`12` or `#12`) or by Salesforce id (15 or
    /// 18 characters, compared on the case-sensitive first 15, as Salesforce
    /// does). An id found in several lists is [`Error::Ambiguous`]: the call
    /// would be logged against the wrong list's row, so the user picks one.
    pub fn find(&self, reference: &str) -> Result<QueueRow, Error> {
        let not_found = || Error::NotFound {
            reference: reference.to_string(),
        };
        let trimmed = reference.trim();
        // Ids are tried first: a key prefix may be all digits (`003`), but no
        // row number reaches 15 digits.
        let is_id =
            matches!(trimmed.len(), 15 | 18) && trimmed.bytes().all(|b| b.is_ascii_alphanumeric());
        if !is_id {
            let number = trimmed.strip_prefix('#').unwrap_or(trimmed);
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(not_found());
            }
            let row: i64 = number.parse().map_err(|_| not_found())?;
            let sql = format!("{ROW_SELECT} WHERE p.id = ?1");
            return self
                .conn
                .query_row(&sql, [row], read_row)
                .optional()?
                .ok_or_else(not_found);
        }
        let sql = format!("{ROW_SELECT} WHERE substr(p.person_id, 1, 15) = ?1 ORDER BY p.id");
        let mut statement = self.conn.prepare(&sql)?;
        let mut rows: Vec<QueueRow> = statement
            .query_map([&trimmed[..15]], read_row)?
            .collect::<Result<_, _>>()?;
        match rows.len() {
            0 => Err(not_found()),
            1 => Ok(rows.remove(0)),
            _ => Err(Error::Ambiguous {
                reference: reference.to_string(),
                rows: rows.iter().map(|r| r.row).collect(),
            }),
        }
    }

    /// Test support only, until call logging exists: records a call for the
    /// prospect at `prospect_row`, already pushed to Salesforce if `synced`,
    /// so tests can check that re-loads keep call history.
    #[doc(hidden)]
    pub fn insert_call_for_tests(&mut self, prospect_row: i64, synced: bool) -> Result<(), Error> {
        let exists = self
            .conn
            .query_row(
                "SELECT 1 FROM prospects WHERE id = ?1",
                [prospect_row],
                |_| Ok(()),
            )
            .optional()?;
        if exists.is_none() {
            return Err(Error::NotFound {
                reference: prospect_row.to_string(),
            });
        }
        let now = to_sql_time(Utc::now());
        self.conn.execute(
            "INSERT INTO calls (id, prospect_id, called_at, recorded_at, outcome,
                 synced_at, salesforce_id)
             VALUES (lower(hex(randomblob(16))), ?1, ?2, ?2, 'connected',
                 CASE WHEN ?3 THEN ?2 END,
                 CASE WHEN ?3 THEN '00T' || upper(hex(randomblob(6))) || 'AAA' END)",
            params![prospect_row, now, synced],
        )?;
        Ok(())
    }

    /// Fails with [`Error::UnknownList`] when `list` names no list.
    fn check_list(&self, list: Option<&str>) -> Result<(), Error> {
        let Some(name) = list else { return Ok(()) };
        let found = self
            .conn
            .query_row("SELECT 1 FROM lists WHERE name = ?1", [name], |_| Ok(()))
            .optional()?;
        found.ok_or_else(|| Error::UnknownList {
            name: name.to_string(),
        })
    }
}

/// Formats a time the way the schema stores it: fixed-width UTC RFC 3339, so
/// text order is time order.
pub(crate) fn to_sql_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a time stored by [`to_sql_time`].
pub(crate) fn from_sql_time(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|time| time.with_timezone(&Utc))
}

fn kind_to_sql(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Contact => "contact",
        PersonKind::Lead => "lead",
    }
}

/// A conversion failure for column `index`, as rusqlite reports its own.
fn bad_column(
    index: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, error.into())
}

fn time_column(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    from_sql_time(&text).map_err(|e| bad_column(index, e))
}

/// A nullable time column.
fn optional_time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<String>>(index)? {
        Some(text) => from_sql_time(&text)
            .map(Some)
            .map_err(|e| bad_column(index, e)),
        None => Ok(None),
    }
}

/// Reads a row selected with [`ROW_SELECT`].
fn read_row(row: &Row<'_>) -> rusqlite::Result<QueueRow> {
    let kind = match row.get_ref(3)?.as_str()? {
        "contact" => PersonKind::Contact,
        "lead" => PersonKind::Lead,
        other => return Err(bad_column(3, format!("unknown person kind `{other}`"))),
    };
    let mapped: String = row.get(11)?;
    let mapped = serde_json::from_str(&mapped).map_err(|e| bad_column(11, e))?;
    let last_called_at = optional_time(row, 13)?;
    Ok(QueueRow {
        row: row.get(0)?,
        list: row.get(1)?,
        prospect: Prospect {
            person_id: row.get(2)?,
            kind,
            related_id: row.get(4)?,
            account_id: row.get(5)?,
            name: row.get(6)?,
            title: row.get(7)?,
            account: row.get(8)?,
            phone: row.get(9)?,
            phone_e164: row.get(10)?,
            mapped,
        },
        calls: row.get(12)?,
        last_called_at,
    })
}

#[cfg(test)]
mod tests;
