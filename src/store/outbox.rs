//! The outbox: calls recorded here first, then claimed, sent and confirmed by
//! `push`. Every state change is its own committed transaction, so a crash at
//! any point leaves each call either pending, confirmed, or marked as sent
//! with an unknown answer (`attempted_at`), which the next push looks up.
//!
//! Two pushers never send the same call: a pusher claims up to a batch of
//! calls with a lease (`lease_owner`, `lease_until`) in one IMMEDIATE
//! transaction, and only unleased or expired rows can be claimed. A pusher
//! that dies leaves its lease to expire; the next one looks the calls up.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Error, Store, bad_column, kind_to_sql, optional_time, time_column, to_sql_time};
use crate::queue::PersonKind;

/// A call as `log-call` records it.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// The call's UUID, which becomes the Task's `CallObject`.
    pub id: String,
    /// The prospect's row number.
    pub prospect_row: i64,
    pub called_at: DateTime<Utc>,
    pub outcome: String,
    pub notes: Option<String>,
    pub duration_seconds: Option<u32>,
    pub follow_up_on: Option<NaiveDate>,
    /// The workflow's Task fields, frozen now (see migration 2).
    pub task: Map<String, Value>,
    pub follow_up: Option<Map<String, Value>>,
    pub person_update: Option<Map<String, Value>>,
}

/// A claimed call with everything the push needs to build its records.
#[derive(Debug, Clone)]
pub struct OutboxCall {
    pub id: String,
    pub called_at: DateTime<Utc>,
    pub outcome: String,
    pub notes: Option<String>,
    pub duration_seconds: Option<u32>,
    pub task: Map<String, Value>,
    pub follow_up: Option<Map<String, Value>>,
    pub person_update: Option<Map<String, Value>>,
    /// Parts already confirmed by an earlier push.
    pub task_id: Option<String>,
    pub follow_up_id: Option<String>,
    pub person_updated: bool,
    /// A create was sent and its answer never processed: look it up first.
    pub attempted: bool,
    /// A refusal met during this push (claimed calls have none).
    pub error: Option<String>,
    pub person_id: String,
    pub kind: PersonKind,
    pub related_id: Option<String>,
    pub account_id: Option<String>,
    pub prospect_name: String,
    pub list: String,
}

/// What one push step learned about a call. `None` fields change nothing.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub id: String,
    pub task_id: Option<String>,
    pub follow_up_id: Option<String>,
    pub person_updated: bool,
    /// Salesforce's refusal; the call becomes failed.
    pub error: Option<String>,
    /// `Some(true)`: a create is about to be sent; `Some(false)`: its answer
    /// was processed (or it was never sent).
    pub attempted: Option<bool>,
}

/// Which calls [`Store::calls`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFilter {
    Pending,
    Failed,
    All,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CallState {
    /// Recorded here, not (completely) in Salesforce yet.
    Pending,
    /// Salesforce refused it; `push --retry-failed` sends it again.
    Failed,
    /// Every write it needs is confirmed.
    Synced,
}

/// One call of the history.
#[derive(Debug, Clone, Serialize)]
pub struct CallRow {
    pub id: String,
    pub prospect_row: i64,
    pub prospect: String,
    pub person_id: String,
    pub list: String,
    pub called_at: DateTime<Utc>,
    pub outcome: String,
    pub duration_seconds: Option<u32>,
    pub notes: Option<String>,
    pub follow_up_on: Option<NaiveDate>,
    pub state: CallState,
    /// The Task's id once in Salesforce.
    pub task_id: Option<String>,
    pub follow_up_id: Option<String>,
    pub error: Option<String>,
    pub synced_at: Option<DateTime<Utc>>,
}

/// Counts of the outbox for one org.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting to be sent, for this org.
    pub pending: i64,
    /// Refused by Salesforce, for this org.
    pub failed: i64,
    /// Pending calls of lists loaded from other orgs, which this push leaves.
    pub other_orgs: i64,
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// Calls of lists loaded from the org at `?1`, or from an unknown org.
const IN_SCOPE: &str = "(l.instance_url IS NULL OR l.instance_url = ?1)";

const CALL_JOIN: &str = "FROM calls c JOIN prospects p ON p.id = c.prospect_id \
     JOIN lists l ON l.id = p.list_id";

/// The columns [`read_outbox_call`] reads, with the joins.
const OUTBOX_SELECT: &str = "SELECT c.id, c.called_at, c.outcome, c.notes, \
     c.duration_seconds, c.task, c.follow_up, c.person_update, c.salesforce_id, \
     c.follow_up_id, c.person_updated_at IS NOT NULL, c.attempted_at IS NOT NULL, \
     p.person_id, p.kind, p.related_id, p.account_id, p.name, l.name \
     FROM calls c JOIN prospects p ON p.id = c.prospect_id JOIN lists l ON l.id = p.list_id";

/// The columns [`read_call_row`] reads, with the joins.
const HISTORY_SELECT: &str = "SELECT c.id, p.id, p.name, p.person_id, l.name, c.called_at, \
     c.outcome, c.duration_seconds, c.notes, c.follow_up_on, c.salesforce_id, \
     c.follow_up_id, c.error, c.synced_at \
     FROM calls c JOIN prospects p ON p.id = c.prospect_id JOIN lists l ON l.id = p.list_id";

impl Store {
    /// Records a call, durably (synchronous FULL), before anything is sent.
    pub fn record_call(&mut self, call: &NewCall) -> Result<(), Error> {
        let to_json = |map: &Map<String, Value>| {
            serde_json::to_string(map).expect("a JSON object serializes")
        };
        self.conn.execute(
            "INSERT INTO calls (id, prospect_id, called_at, recorded_at, outcome, notes,
                 duration_seconds, follow_up_on, task, follow_up, person_update)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                call.id,
                call.prospect_row,
                to_sql_time(call.called_at),
                to_sql_time(Utc::now()),
                call.outcome,
                call.notes,
                call.duration_seconds,
                call.follow_up_on.map(|d| d.to_string()),
                to_json(&call.task),
                call.follow_up.as_ref().map(to_json),
                call.person_update.as_ref().map(to_json),
            ],
        )?;
        Ok(())
    }

    /// Puts the failed calls of the org at `instance` back in the queue.
    pub fn requeue_failed(&mut self, instance: &str) -> Result<usize, Error> {
        let sql = format!(
            "UPDATE calls SET error = NULL WHERE synced_at IS NULL AND error IS NOT NULL
                 AND prospect_id IN (SELECT p.id FROM prospects p JOIN lists l
                     ON l.id = p.list_id WHERE {IN_SCOPE})"
        );
        Ok(self.conn.execute(&sql, [instance])?)
    }

    /// Claims up to `max` pending calls of the org at `instance` for `owner`
    /// until `lease` from now, oldest first. Calls leased by another live
    /// pusher are skipped.
    pub fn claim(
        &mut self,
        instance: &str,
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<OutboxCall>, Error> {
        let now = Utc::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sql = format!(
            "UPDATE calls SET lease_owner = ?2, lease_until = ?3 WHERE id IN (
                 SELECT c.id {CALL_JOIN}
                 WHERE c.synced_at IS NULL AND c.error IS NULL AND {IN_SCOPE}
                     AND (c.lease_until IS NULL OR c.lease_until < ?4)
                 ORDER BY c.recorded_at, c.id LIMIT ?5)"
        );
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        tx.execute(
            &sql,
            params![
                instance,
                owner,
                to_sql_time(now + lease),
                to_sql_time(now),
                max
            ],
        )?;
        let claimed = {
            let sql = format!(
                "{OUTBOX_SELECT} WHERE c.lease_owner = ?1 AND c.synced_at IS NULL AND c.error IS NULL
                 ORDER BY c.recorded_at, c.id"
            );
            let mut statement = tx.prepare(&sql)?;
            let rows = statement.query_map([owner], read_outbox_call)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        tx.commit()?;
        Ok(claimed)
    }

    /// Extends `owner`'s lease on its claimed calls.
    pub fn renew(&mut self, owner: &str, lease: Duration) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE calls SET lease_until = ?2 WHERE lease_owner = ?1",
            params![owner, to_sql_time(Utc::now() + lease)],
        )?;
        Ok(())
    }

    /// Gives back every call `owner` still holds.
    pub fn release(&mut self, owner: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE calls SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
            [owner],
        )?;
        Ok(())
    }

    /// Saves what a push step learned, in one transaction, and marks calls
    /// synced once every write they need is confirmed.
    pub fn save_progress(&mut self, updates: &[Progress]) -> Result<(), Error> {
        let now = to_sql_time(Utc::now());
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare(
                "UPDATE calls SET
                     salesforce_id = coalesce(?2, salesforce_id),
                     follow_up_id = coalesce(?3, follow_up_id),
                     person_updated_at = CASE WHEN ?4 THEN ?7 ELSE person_updated_at END,
                     error = coalesce(?5, error),
                     attempted_at = CASE ?6 WHEN 1 THEN ?7 WHEN 0 THEN NULL
                         ELSE attempted_at END
                 WHERE id = ?1",
            )?;
            let mut synced = tx.prepare(
                "UPDATE calls SET synced_at = ?2, error = NULL, attempted_at = NULL,
                     lease_owner = NULL, lease_until = NULL
                 WHERE id = ?1 AND synced_at IS NULL AND salesforce_id IS NOT NULL
                     AND (follow_up IS NULL OR follow_up_id IS NOT NULL)
                     AND (person_update IS NULL OR person_updated_at IS NOT NULL)",
            )?;
            for p in updates {
                update.execute(params![
                    p.id,
                    p.task_id,
                    p.follow_up_id,
                    p.person_updated,
                    p.error,
                    p.attempted,
                    now
                ])?;
                synced.execute(params![p.id, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Outbox counts for the org at `instance`.
    pub fn outbox_counts(&self, instance: &str) -> Result<OutboxCounts, Error> {
        let sql = format!(
            "SELECT
                 coalesce(sum({IN_SCOPE} AND c.error IS NULL), 0),
                 coalesce(sum({IN_SCOPE} AND c.error IS NOT NULL), 0),
                 coalesce(sum(NOT {IN_SCOPE}), 0),
                 min(CASE WHEN {IN_SCOPE} AND c.error IS NULL THEN c.called_at END)
             {CALL_JOIN} WHERE c.synced_at IS NULL"
        );
        let counts = self.conn.query_row(&sql, [instance], |row| {
            let oldest = optional_time(row, 3)?;
            Ok(OutboxCounts {
                pending: row.get(0)?,
                failed: row.get(1)?,
                other_orgs: row.get(2)?,
                oldest_pending: oldest,
            })
        })?;
        Ok(counts)
    }

    /// The calls in scope that a push would send now, without claiming them
    /// (for `push --dry-run`).
    pub fn pending_calls(&self, instance: &str) -> Result<Vec<OutboxCall>, Error> {
        let sql = format!(
            "{OUTBOX_SELECT} WHERE c.synced_at IS NULL AND c.error IS NULL AND {IN_SCOPE}
             ORDER BY c.recorded_at, c.id"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([instance], read_outbox_call)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The call history, newest first.
    pub fn calls(&self, filter: CallFilter, limit: Option<usize>) -> Result<Vec<CallRow>, Error> {
        let condition = match filter {
            CallFilter::Pending => "c.synced_at IS NULL AND c.error IS NULL",
            CallFilter::Failed => "c.synced_at IS NULL AND c.error IS NOT NULL",
            CallFilter::All => "1",
        };
        let sql = format!(
            "{HISTORY_SELECT} WHERE {condition}
             ORDER BY c.called_at DESC, c.id LIMIT ?1"
        );
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([limit], read_call_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One call by id, for messages and tests.
    pub fn call(&self, id: &str) -> Result<Option<CallRow>, Error> {
        let sql = format!("{HISTORY_SELECT} WHERE c.id = ?1");
        Ok(self.conn.query_row(&sql, [id], read_call_row).optional()?)
    }
}

fn json_object(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Map<String, Value>>> {
    let Some(text) = row.get::<_, Option<String>>(index)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map_err(|e| bad_column(index, e))
}

fn read_outbox_call(row: &Row<'_>) -> rusqlite::Result<OutboxCall> {
    let kind = match row.get_ref(13)?.as_str()? {
        "lead" => PersonKind::Lead,
        "contact" => PersonKind::Contact,
        other => return Err(bad_column(13, format!("unknown person kind `{other}`"))),
    };
    debug_assert_eq!(kind_to_sql(kind), row.get_ref(13)?.as_str()?);
    Ok(OutboxCall {
        id: row.get(0)?,
        called_at: time_column(row, 1)?,
        outcome: row.get(2)?,
        notes: row.get(3)?,
        duration_seconds: row.get(4)?,
        task: json_object(row, 5)?.unwrap_or_default(),
        follow_up: json_object(row, 6)?,
        person_update: json_object(row, 7)?,
        task_id: row.get(8)?,
        follow_up_id: row.get(9)?,
        person_updated: row.get(10)?,
        attempted: row.get(11)?,
        error: None,
        person_id: row.get(12)?,
        kind,
        related_id: row.get(14)?,
        account_id: row.get(15)?,
        prospect_name: row.get(16)?,
        list: row.get(17)?,
    })
}

fn read_call_row(row: &Row<'_>) -> rusqlite::Result<CallRow> {
    let follow_up_on = match row.get::<_, Option<String>>(9)? {
        Some(text) => Some(text.parse().map_err(|e| bad_column(9, e))?),
        None => None,
    };
    let synced_at = optional_time(row, 13)?;
    let error: Option<String> = row.get(12)?;
    let state = match (&synced_at, &error) {
        (Some(_), _) => CallState::Synced,
        (None, Some(_)) => CallState::Failed,
        (None, None) => CallState::Pending,
    };
    Ok(CallRow {
        id: row.get(0)?,
        prospect_row: row.get(1)?,
        prospect: row.get(2)?,
        person_id: row.get(3)?,
        list: row.get(4)?,
        called_at: time_column(row, 5)?,
        outcome: row.get(6)?,
        duration_seconds: row.get(7)?,
        notes: row.get(8)?,
        follow_up_on,
        state,
        task_id: row.get(10)?,
        follow_up_id: row.get(11)?,
        error,
        synced_at,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::queue::Prospect;

    const ORG: &str = "https://acme.my.salesforce.com";

    fn store_with_prospects(count: u32) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("queue.db")).unwrap();
        let people: Vec<Prospect> = (1..=count)
            .map(|n| Prospect {
                person_id: format!("003{n:012}AAA"),
                kind: PersonKind::Contact,
                related_id: None,
                account_id: Some(format!("001{n:012}AAA")),
                name: format!("Person {n}"),
                title: None,
                account: Some("Acme".into()),
                phone: None,
                phone_e164: None,
                mapped: BTreeMap::new(),
            })
            .collect();
        store
            .save_list("l", "00O000000000001", Some(ORG), &people, false)
            .unwrap();
        (dir, store)
    }

    fn call(n: i64, follow_up: bool) -> NewCall {
        let task = json!({"Subject": "Call: Connected", "Status": "Completed"});
        NewCall {
            id: format!("00000000-0000-4000-8000-{n:012}"),
            prospect_row: n,
            called_at: Utc::now(),
            outcome: "connected".into(),
            notes: Some(format!("notes {n}")),
            duration_seconds: Some(60),
            follow_up_on: None,
            task: task.as_object().unwrap().clone(),
            follow_up: follow_up
                .then(|| json!({"Subject": "Follow up"}).as_object().unwrap().clone()),
            person_update: None,
        }
    }

    #[test]
    fn a_recorded_call_is_claimed_once_then_synced() {
        let (_dir, mut store) = store_with_prospects(3);
        for n in 1..=3 {
            store.record_call(&call(n, n == 2)).unwrap();
        }
        let lease = Duration::minutes(10);
        let first = store.claim(ORG, "a", lease, 2).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].notes.as_deref(), Some("notes 1"));
        let second = store.claim(ORG, "b", lease, 10).unwrap();
        assert_eq!(second.len(), 1, "b only gets what a did not claim");
        assert!(
            store
                .claim("https://other.example", "c", lease, 10)
                .unwrap()
                .is_empty()
        );

        let progress: Vec<Progress> = first
            .iter()
            .map(|c| Progress {
                id: c.id.clone(),
                task_id: Some("00T000000000001AAA".into()),
                attempted: Some(false),
                ..Progress::default()
            })
            .collect();
        store.save_progress(&progress).unwrap();
        let states: Vec<CallState> = first
            .iter()
            .map(|c| store.call(&c.id).unwrap().unwrap().state)
            .collect();
        // Call 2 has a follow-up still to create, so it stays pending.
        assert_eq!(states, [CallState::Synced, CallState::Pending]);
        store.release("a").unwrap();
        let again = store.claim(ORG, "c", lease, 10).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].task_id.as_deref(), Some("00T000000000001AAA"));
    }

    #[test]
    fn expired_leases_are_claimable_and_failures_wait_for_retry() {
        let (_dir, mut store) = store_with_prospects(2);
        store.record_call(&call(1, false)).unwrap();
        store.record_call(&call(2, false)).unwrap();
        let claimed = store.claim(ORG, "a", Duration::seconds(-1), 10).unwrap();
        assert_eq!(claimed.len(), 2);
        assert_eq!(
            store
                .claim(ORG, "b", Duration::minutes(1), 10)
                .unwrap()
                .len(),
            2
        );

        store
            .save_progress(&[Progress {
                id: claimed[0].id.clone(),
                error: Some("REQUIRED_FIELD_MISSING: x".into()),
                ..Progress::default()
            }])
            .unwrap();
        store.release("b").unwrap();
        let counts = store.outbox_counts(ORG).unwrap();
        assert_eq!((counts.pending, counts.failed), (1, 1));
        assert_eq!(store.calls(CallFilter::Failed, None).unwrap().len(), 1);
        assert_eq!(store.requeue_failed(ORG).unwrap(), 1);
        assert_eq!(store.outbox_counts(ORG).unwrap().pending, 2);
    }
}
