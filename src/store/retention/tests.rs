//! Tests of `purge` and `forget` against a real SQLite file, reading the raw
//! bytes of the database, its WAL and its shared-memory file.

use chrono::{DateTime, Duration as Days, Utc};
use tempfile::TempDir;

use super::*;

/// How a test call stands with Salesforce.
#[derive(Clone, Copy)]
enum State {
    Synced,
    Pending,
    Failed,
    /// Pending and claimed by a running push.
    Leased,
}

fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("data/queue.db")).expect("open");
    (dir, store)
}

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - Days::days(days)
}

fn add_list(store: &Store, name: &str, loaded: DateTime<Utc>) -> i64 {
    store
        .conn
        .query_row(
            "INSERT INTO lists (name, report_id, loaded_at) VALUES (?1, '00O000000000001', ?2)
             RETURNING id",
            params![name, to_sql_time(loaded)],
            |r| r.get(0),
        )
        .expect("list")
}

/// A Contact `003…{n}AAA` in `list`, loaded at `loaded`; returns its row.
fn add_prospect(store: &Store, list: i64, n: u32, phone: &str, loaded: DateTime<Utc>) -> i64 {
    let e164 = crate::queue::report::e164(phone, phonenumber::country::Id::US);
    store
        .conn
        .query_row(
            "INSERT INTO prospects (list_id, person_id, kind, name, phone, phone_e164,
                 first_loaded_at, updated_at)
             VALUES (?1, ?2, 'contact', ?3, ?4, ?5, ?6, ?6) RETURNING id",
            params![
                list,
                format!("003{n:012}AAA"),
                format!("Person {n}"),
                phone,
                e164,
                to_sql_time(loaded)
            ],
            |r| r.get(0),
        )
        .expect("prospect")
}

fn add_call(store: &Store, row: i64, called: DateTime<Utc>, state: State, notes: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let (synced, error, lease) = match state {
        State::Synced => (Some(to_sql_time(called)), None, None),
        State::Pending => (None, None, None),
        State::Failed => (None, Some("FIELD_INTEGRITY_EXCEPTION"), None),
        State::Leased => (None, None, Some(to_sql_time(Utc::now() + Days::minutes(5)))),
    };
    store
        .conn
        .execute(
            "INSERT INTO calls (id, prospect_id, called_at, recorded_at, outcome, notes,
                 synced_at, error, lease_owner, lease_until)
             VALUES (?1, ?2, ?3, ?3, 'connected', ?4, ?5, ?6, ?7, ?7)",
            params![id, row, to_sql_time(called), notes, synced, error, lease],
        )
        .expect("call");
    id
}

fn calls(store: &Store) -> i64 {
    store
        .conn
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .expect("count")
}

fn prospects(store: &Store) -> Vec<i64> {
    let mut statement = store
        .conn
        .prepare("SELECT id FROM prospects ORDER BY id")
        .expect("prepare");
    let rows = statement.query_map([], |r| r.get(0)).expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn call_exists(store: &Store, id: &str) -> bool {
    store
        .conn
        .query_row("SELECT 1 FROM calls WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .expect("query")
        .is_some()
}

/// Every byte of the database, its WAL and its shm file.
fn disk(store: &Store) -> Vec<u8> {
    files(store, &["", "-wal", "-shm"])
}

fn files(store: &Store, suffixes: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in suffixes {
        let mut path = store.path().as_os_str().to_owned();
        path.push(suffix);
        bytes.extend(std::fs::read(&path).unwrap_or_default());
    }
    bytes
}

fn on_disk(store: &Store, needle: &str) -> bool {
    disk(store)
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn purge(store: &mut Store, days: i64, include_unsynced: bool, dry_run: bool) -> PurgeSummary {
    store
        .purge(&PurgeOptions {
            cutoff: days_ago(days),
            include_unsynced,
            dry_run,
        })
        .expect("purge")
}

fn us(text: &str) -> PersonRef {
    PersonRef::parse(text, phonenumber::country::Id::US).expect("a reference")
}

#[test]
fn purge_deletes_old_synced_calls_and_keeps_recent_and_unsynced_ones() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "ohio", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    let old_synced = add_call(&store, row, days_ago(200), State::Synced, "a");
    let recent = add_call(&store, row, days_ago(179), State::Synced, "b");
    let old_pending = add_call(&store, row, days_ago(300), State::Pending, "c");
    let old_failed = add_call(&store, row, days_ago(190), State::Failed, "d");

    let summary = purge(&mut store, 180, false, false);
    assert_eq!(summary.calls_deleted, 1);
    assert_eq!(summary.unsynced_calls_deleted, 0);
    assert_eq!(summary.prospects_deleted, 0, "loaded yesterday");
    assert_eq!(summary.unsynced_kept.calls, 2);
    assert_eq!(summary.unsynced_kept.failed, 1);
    let oldest = summary.unsynced_kept.oldest_called_at.expect("oldest");
    assert!(
        (oldest - days_ago(300)).num_seconds().abs() < 60,
        "{oldest}"
    );
    assert!(!call_exists(&store, &old_synced));
    for kept in [&recent, &old_pending, &old_failed] {
        assert!(call_exists(&store, kept));
    }
    let reclaim = summary.reclaim.expect("reclaim");
    assert!(reclaim.wal_truncated);
    assert!(reclaim.bytes_before > 0 && reclaim.bytes_after > 0);
}

#[test]
fn include_unsynced_deletes_old_unsynced_calls_except_those_being_pushed() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "ohio", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    add_call(&store, row, days_ago(300), State::Pending, "c");
    add_call(&store, row, days_ago(190), State::Failed, "d");
    let leased = add_call(&store, row, days_ago(190), State::Leased, "e");
    add_call(&store, row, days_ago(200), State::Synced, "a");

    let summary = purge(&mut store, 180, true, false);
    assert_eq!(summary.calls_deleted, 3);
    assert_eq!(summary.unsynced_calls_deleted, 2);
    assert_eq!(summary.unsynced_kept.calls, 1, "the leased call stays");
    assert!(call_exists(&store, &leased));
}

#[test]
fn prospects_go_when_neither_loaded_nor_called_within_the_period() {
    let (_dir, mut store) = temp_store();
    let old_list = add_list(&store, "old", days_ago(400));
    let new_list = add_list(&store, "new", days_ago(400));
    let untouched = add_prospect(&store, old_list, 1, "(614) 555-0101", days_ago(400));
    let old_calls_only = add_prospect(&store, old_list, 2, "(614) 555-0102", days_ago(400));
    add_call(&store, old_calls_only, days_ago(200), State::Synced, "x");
    let called_recently = add_prospect(&store, old_list, 3, "(614) 555-0103", days_ago(400));
    add_call(&store, called_recently, days_ago(10), State::Synced, "y");
    let unsynced_old = add_prospect(&store, old_list, 4, "(614) 555-0104", days_ago(400));
    add_call(&store, unsynced_old, days_ago(200), State::Pending, "z");
    let loaded_recently = add_prospect(&store, new_list, 5, "(614) 555-0105", days_ago(3));
    // The old list keeps prospects; a third one loaded long ago is empty.
    add_list(&store, "empty", days_ago(400));
    add_list(&store, "fresh-empty", days_ago(2));

    let summary = purge(&mut store, 180, false, false);
    assert_eq!(summary.prospects_deleted, 2);
    assert_eq!(summary.lists_deleted, 1, "only the old empty list");
    assert_eq!(
        prospects(&store),
        [called_recently, unsynced_old, loaded_recently]
    );
    assert!(!prospects(&store).contains(&untouched));
    let lists: Vec<String> = store
        .lists()
        .expect("lists")
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(lists, ["fresh-empty", "new", "old"]);
}

#[test]
fn small_batches_delete_every_old_call_even_with_equal_times() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "l", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    let same = days_ago(250);
    for n in 0..23 {
        let called = if n % 3 == 0 { same } else { days_ago(200 + n) };
        let state = if n % 5 == 0 {
            State::Failed
        } else {
            State::Synced
        };
        add_call(&store, row, called, state, "batch");
    }
    add_call(&store, row, days_ago(1), State::Synced, "recent");
    let options = PurgeOptions {
        cutoff: days_ago(180),
        include_unsynced: false,
        dry_run: false,
    };
    let summary = store.purge_in_batches(&options, 3).expect("purge");
    assert_eq!(summary.calls_deleted, 18);
    assert_eq!(summary.unsynced_kept.calls, 5);
    assert_eq!(calls(&store), 6);
    let options = PurgeOptions {
        include_unsynced: true,
        ..options
    };
    let summary = store.purge_in_batches(&options, 2).expect("purge");
    assert_eq!(
        (summary.calls_deleted, summary.unsynced_calls_deleted),
        (5, 5)
    );
    assert_eq!(calls(&store), 1);
}

#[test]
fn a_dry_run_counts_exactly_what_the_purge_then_deletes() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "old", days_ago(400));
    for n in 0..20 {
        let row = add_prospect(&store, list, n, "(614) 555-0101", days_ago(400));
        let state = match n % 4 {
            0 => State::Pending,
            1 => State::Failed,
            _ => State::Synced,
        };
        add_call(&store, row, days_ago(150 + i64::from(n) * 5), state, "n");
    }
    add_list(&store, "empty", days_ago(400));
    for include in [false, true] {
        let before = (calls(&store), prospects(&store));
        // The shm file changes with every read (its read marks); the data
        // files must not change at all.
        let bytes = files(&store, &["", "-wal"]);
        let dry = purge(&mut store, 180, include, true);
        assert!(dry.dry_run && dry.reclaim.is_none());
        assert_eq!(
            (calls(&store), prospects(&store)),
            before,
            "nothing deleted"
        );
        assert_eq!(files(&store, &["", "-wal"]), bytes, "not a byte written");

        let real = purge(&mut store, 180, include, false);
        assert!(real.calls_deleted > 0 && real.prospects_deleted > 0);
        assert_eq!(
            (
                real.calls_deleted,
                real.unsynced_calls_deleted,
                real.prospects_deleted,
                real.lists_deleted,
                &real.unsynced_kept
            ),
            (
                dry.calls_deleted,
                dry.unsynced_calls_deleted,
                dry.prospects_deleted,
                dry.lists_deleted,
                &dry.unsynced_kept
            ),
            "include_unsynced = {include}"
        );
    }
}

#[test]
fn purged_notes_and_phones_leave_every_database_file() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "old", days_ago(400));
    let keep = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    add_call(&store, keep, days_ago(5), State::Synced, "kept-note-7c1e");
    let gone = add_prospect(&store, list, 2, "(937) 555-0177", days_ago(400));
    let notes = "purge-me-9f3a2b: asked about pricing, call back in May";
    add_call(&store, gone, days_ago(200), State::Synced, notes);
    // Checkpoint half of it into the main file, leave the rest in the WAL.
    store
        .conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .expect("checkpoint");
    add_call(&store, gone, days_ago(201), State::Synced, notes);
    for needle in [notes, "(937) 555-0177", "+19375550177", "kept-note-7c1e"] {
        assert!(on_disk(&store, needle), "{needle} is on disk before");
    }

    let summary = purge(&mut store, 180, false, false);
    assert_eq!((summary.calls_deleted, summary.prospects_deleted), (2, 1));
    for needle in [
        "purge-me-9f3a2b",
        "(937) 555-0177",
        "+19375550177",
        "9375550177",
    ] {
        assert!(!on_disk(&store, needle), "{needle} is still on disk");
    }
    assert!(on_disk(&store, "kept-note-7c1e"), "kept data is untouched");
}

#[test]
fn vacuum_runs_when_a_quarter_of_the_file_is_free_and_not_for_a_little() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "l", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    let long_notes = "n".repeat(2_000);
    for day in 0..400 {
        add_call(&store, row, days_ago(day), State::Synced, &long_notes);
    }
    let little = purge(&mut store, 390, false, false);
    let reclaim = little.reclaim.expect("reclaim");
    assert_eq!(little.calls_deleted, 10);
    assert!(!reclaim.vacuumed, "{reclaim:?}");

    let much = purge(&mut store, 100, false, false);
    let reclaim = much.reclaim.expect("reclaim");
    assert_eq!(much.calls_deleted, 290);
    assert!(reclaim.vacuumed, "{reclaim:?}");
    assert!(reclaim.wal_truncated);
    assert!(
        reclaim.bytes_after < reclaim.bytes_before / 2,
        "{reclaim:?}"
    );
    let free: u64 = store
        .conn
        .pragma_query_value(None, "freelist_count", |r| uint(r, 0))
        .expect("freelist");
    assert_eq!(free, 0);
}

#[test]
fn a_reader_keeping_a_snapshot_leaves_the_wal_untruncated_and_says_so() {
    let (dir, mut store) = temp_store();
    let list = add_list(&store, "l", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    add_call(&store, row, days_ago(200), State::Synced, "x");
    add_call(&store, row, days_ago(201), State::Synced, "y");

    let reader = rusqlite::Connection::open(dir.path().join("data/queue.db")).expect("reader");
    reader.execute_batch("BEGIN").expect("begin");
    let _: i64 = reader
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .expect("read");
    let summary = purge(&mut store, 180, false, false);
    assert_eq!(summary.calls_deleted, 2, "the delete itself does not wait");
    assert!(!summary.reclaim.expect("reclaim").wal_truncated);

    reader.execute_batch("COMMIT").expect("end the read");
    let again = purge(&mut store, 180, false, false);
    assert_eq!(again.calls_deleted, 0);
    assert!(
        again.reclaim.expect("reclaim").wal_truncated,
        "the next purge finishes it"
    );
}

#[test]
fn purge_beside_a_writer_loses_nothing_and_fails_nothing() {
    let (dir, mut store) = temp_store();
    let list = add_list(&store, "l", days_ago(1));
    let row = add_prospect(&store, list, 1, "(614) 555-0101", days_ago(1));
    for day in 0..300 {
        add_call(&store, row, days_ago(day), State::Synced, "old");
    }
    let path = dir.path().join("data/queue.db");
    let writer = std::thread::spawn(move || {
        let writer = Store::open(&path).expect("open");
        for _ in 0..200 {
            add_call(&writer, row, Utc::now(), State::Pending, "new");
        }
    });
    let (mut purged, mut runs) = (0, 0);
    loop {
        purged += purge(&mut store, 100, false, false).calls_deleted;
        runs += 1;
        if writer.is_finished() {
            break;
        }
    }
    writer.join().expect("the writer never failed");
    assert_eq!(purged, 200, "after {runs} purges");
    let new: i64 = store
        .conn
        .query_row("SELECT count(*) FROM calls WHERE notes = 'new'", [], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(new, 200);
}

#[test]
fn references_are_ids_rows_or_phone_numbers() {
    assert_eq!(
        us("003Hs00000AbCdEIAZ"),
        PersonRef::Id("003Hs00000AbCdEIAZ".into())
    );
    assert_eq!(us(" #12 "), PersonRef::Row(12));
    assert_eq!(
        us("12"),
        PersonRef::RowOrPhone {
            row: 12,
            typed: "12".into(),
            e164: None
        }
    );
    assert_eq!(
        us("(614) 555-0142"),
        PersonRef::Phone {
            typed: "(614) 555-0142".into(),
            e164: Some("+16145550142".into())
        }
    );
    assert_eq!(
        us("+44 20 7946 0123"),
        PersonRef::Phone {
            typed: "+44 20 7946 0123".into(),
            e164: Some("+442079460123".into())
        }
    );
    for nonsense in ["", "#", "#x", "jane", "003Hs00000AbCd"] {
        assert_eq!(
            PersonRef::parse(nonsense, phonenumber::country::Id::US),
            None,
            "{nonsense}"
        );
    }
}

/// A person in two lists with two calls, and a neighbour.
fn two_lists(store: &Store) -> (i64, i64, i64) {
    let a = add_list(store, "a", days_ago(1));
    let b = add_list(store, "b", days_ago(1));
    let first = add_prospect(store, a, 7, "(614) 555-0142", days_ago(1));
    let second = add_prospect(store, b, 7, "614.555.0142", days_ago(1));
    let neighbour = add_prospect(store, b, 8, "(614) 555-0199", days_ago(1));
    add_call(store, first, days_ago(3), State::Synced, "forget-me-51d0");
    add_call(store, second, days_ago(2), State::Synced, "forget-me-51d0");
    add_call(
        store,
        neighbour,
        days_ago(2),
        State::Synced,
        "neighbour-note",
    );
    (first, second, neighbour)
}

#[test]
fn forget_by_id_row_or_phone_deletes_the_person_from_every_list() {
    for reference in [
        "003000000000007AAA",
        "003000000000007",
        "#1",
        "2",
        "+1 614 555 0142",
    ] {
        let (_dir, mut store) = temp_store();
        let (_, _, neighbour) = two_lists(&store);
        assert!(on_disk(&store, "forget-me-51d0") && on_disk(&store, "614.555.0142"));

        let summary = store
            .forget(&us(reference), reference, false)
            .expect(reference);
        assert_eq!(summary.person_id, "003000000000007AAA");
        assert_eq!(summary.prospects_deleted, 2, "{reference}");
        assert_eq!(summary.lists, ["a", "b"]);
        assert_eq!(summary.calls_deleted, 2);
        assert!(summary.reclaim.wal_truncated);
        assert_eq!(prospects(&store), [neighbour]);
        for needle in [
            "forget-me-51d0",
            "(614) 555-0142",
            "614.555.0142",
            "+16145550142",
        ] {
            assert!(
                !on_disk(&store, needle),
                "{reference}: {needle} is still on disk"
            );
        }
        assert!(on_disk(&store, "neighbour-note"));
    }
}

#[test]
fn forget_refuses_while_calls_are_not_in_salesforce_unless_forced() {
    let (_dir, mut store) = temp_store();
    let (first, _, _) = two_lists(&store);
    add_call(&store, first, days_ago(1), State::Pending, "unsent");
    add_call(&store, first, days_ago(1), State::Failed, "refused");

    let error = store.forget(&us("#1"), "#1", false).expect_err("refused");
    assert!(
        matches!(
            error,
            ForgetError::Unsynced {
                calls: 4,
                unsynced: 2,
                failed: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "2 of the 4 calls of `#1` are not in Salesforce yet"
    );
    assert_eq!(calls(&store), 5, "nothing deleted");

    let summary = store.forget(&us("#1"), "#1", true).expect("forced");
    assert_eq!(
        (summary.calls_deleted, summary.unsynced_calls_deleted),
        (4, 2)
    );
    assert!(!on_disk(&store, "unsent"));
}

#[test]
fn forget_says_when_nobody_or_several_people_match() {
    let (_dir, mut store) = temp_store();
    let (_, _, neighbour) = two_lists(&store);
    let list = add_list(&store, "c", days_ago(1));
    add_prospect(&store, list, 9, "(614) 555-0199", days_ago(1));

    for missing in ["#99", "003000000000042AAA", "(614) 555-0000"] {
        let error = store
            .forget(&us(missing), missing, false)
            .expect_err(missing);
        assert!(matches!(error, ForgetError::NotFound { .. }), "{error:?}");
    }
    let error = store
        .forget(&us("614-555-0199"), "614-555-0199", false)
        .expect_err("shared number");
    let ForgetError::SeveralPeople { people, rows, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*people, rows[0]), (2, neighbour));
    assert_eq!(prospects(&store).len(), 4, "nothing deleted");
}

#[test]
fn bare_digits_matching_a_row_and_another_persons_phone_are_ambiguous() {
    let (_dir, mut store) = temp_store();
    let list = add_list(&store, "l", days_ago(1));
    add_prospect(&store, list, 1, "3", days_ago(1));
    add_prospect(&store, list, 2, "(614) 555-0101", days_ago(1));
    add_prospect(&store, list, 3, "(614) 555-0102", days_ago(1));

    let error = store.forget(&us("3"), "3", false).expect_err("ambiguous");
    assert!(
        matches!(error, ForgetError::RowOrPhone { row: 3, .. }),
        "{error:?}"
    );
    let summary = store.forget(&us("#3"), "#3", false).expect("the row");
    assert_eq!(summary.person_id, "003000000000003AAA");
    let summary = store.forget(&us("2"), "2", false).expect("only a row");
    assert_eq!(summary.person_id, "003000000000002AAA");
}
