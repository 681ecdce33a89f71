//! Tests of the store against a real SQLite file in a temporary directory.

use std::collections::BTreeMap;

use tempfile::TempDir;

use super::*;

fn prospect(n: u32, dialable: bool) -> Prospect {
    Prospect {
        person_id: format!("003{n:012}AAA"),
        kind: PersonKind::Contact,
        related_id: None,
        account_id: Some(format!("001{n:012}AAA")),
        name: format!("Person {n}"),
        title: Some("CFO".into()),
        account: Some("Acme".into()),
        phone: Some(if dialable {
            format!("(614) 555-{n:04}")
        } else {
            "n/a".into()
        }),
        phone_e164: dialable.then(|| format!("+1614555{n:04}")),
        mapped: BTreeMap::from([("industry".to_string(), "Steel".to_string())]),
    }
}

fn people(range: std::ops::RangeInclusive<u32>) -> Vec<Prospect> {
    range.map(|n| prospect(n, true)).collect()
}

fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("data/queue.db")).expect("open");
    (dir, store)
}

fn rows(rows: &[QueueRow]) -> Vec<i64> {
    rows.iter().map(|r| r.row).collect()
}

fn row_of(store: &Store, n: u32) -> i64 {
    store.find(&format!("003{n:012}AAA")).expect("find").row
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn open_creates_private_dir_and_files() {
    let (dir, mut store) = temp_store();
    store
        .save_list("l", "00O000000000001", None, &people(1..=2), false)
        .expect("save");
    let db = dir.path().join("data/queue.db");
    assert_eq!(store.path(), db);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&dir.path().join("data/queue.db-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("data/queue.db-shm")), 0o600);
}

#[cfg(unix)]
#[test]
fn open_tightens_existing_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let db = data.join("queue.db");
    std::fs::write(&db, b"").expect("touch");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    Store::open(&db).expect("open");
    assert_eq!((mode(&data), mode(&db)), (0o700, 0o600));
}

#[test]
fn open_sets_wal_foreign_keys_secure_delete_and_version() {
    let (_dir, store) = temp_store();
    let pragma = |name: &str| -> String {
        store
            .conn
            .pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .expect("pragma")
    };
    assert_eq!(pragma("journal_mode"), "wal");
    assert_eq!(pragma("user_version"), "2");
    assert_eq!(pragma("foreign_keys"), "1");
    assert_eq!(pragma("secure_delete"), "1");
    assert_eq!(pragma("busy_timeout"), "5000");
}

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let (dir, mut store) = temp_store();
    store
        .save_list("l", "00O000000000001", None, &people(1..=3), false)
        .expect("save");
    drop(store);
    for _ in 0..2 {
        let store = Store::open(&dir.path().join("data/queue.db")).expect("reopen");
        let version: u32 = store
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version");
        assert_eq!(version, 2);
        assert_eq!(
            store.queue(None, Status::All, None).expect("queue").len(),
            3
        );
    }
}

#[test]
fn open_refuses_a_newer_schema() {
    let (dir, store) = temp_store();
    store
        .conn
        .pragma_update(None, "user_version", 99)
        .expect("set version");
    drop(store);
    let error = Store::open(&dir.path().join("data/queue.db"))
        .err()
        .expect("refused");
    assert!(
        matches!(
            error,
            Error::TooNew {
                version: 99,
                supported: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn prospects_round_trip_exactly() {
    let (_dir, mut store) = temp_store();
    let mut lead = prospect(7, false);
    lead.person_id = "00Q000000000007AAA".into();
    lead.kind = PersonKind::Lead;
    lead.related_id = Some("a01000000000007AAA".into());
    lead.title = None;
    lead.mapped.clear();
    let saved = vec![prospect(1, true), lead];
    store
        .save_list("l", "00O000000000001", None, &saved, false)
        .expect("save");
    let queue = store.queue(Some("l"), Status::All, None).expect("queue");
    let loaded: Vec<Prospect> = queue.into_iter().map(|r| r.prospect).collect();
    assert_eq!(loaded, saved);
}

#[test]
fn reload_updates_in_place_keeping_rows_and_calls() {
    let (_dir, mut store) = temp_store();
    let first = store
        .save_list("l", "00O000000000001", None, &people(1..=3), false)
        .expect("save");
    assert_eq!(
        first,
        SaveSummary {
            inserted: 3,
            ..SaveSummary::default()
        }
    );
    let before = rows(&store.queue(None, Status::All, None).expect("queue"));
    store
        .insert_call_for_tests(row_of(&store, 2), false)
        .expect("call");

    let mut again = people(1..=4);
    again[1].name = "Renamed".into();
    again[1].phone_e164 = None;
    let second = store
        .save_list("l", "00O000000000002", None, &again, false)
        .expect("reload");
    assert_eq!(
        second,
        SaveSummary {
            inserted: 1,
            updated: 3,
            ..SaveSummary::default()
        }
    );

    let after = store.queue(None, Status::All, None).expect("queue");
    assert_eq!(rows(&after[..3]), before);
    assert_eq!(after[1].prospect.name, "Renamed");
    assert_eq!(after[1].prospect.phone_e164, None);
    assert_eq!(after[1].calls, 1);
    assert!(after[1].last_called_at.is_some());
    assert_eq!(
        store.lists().expect("lists")[0].report_id,
        "00O000000000002"
    );
}

#[test]
fn without_replace_missing_members_stay() {
    let (_dir, mut store) = temp_store();
    store
        .save_list("l", "00O000000000001", None, &people(1..=3), false)
        .expect("save");
    let summary = store
        .save_list("l", "00O000000000001", None, &people(1..=1), false)
        .expect("save");
    assert_eq!(
        summary,
        SaveSummary {
            updated: 1,
            ..SaveSummary::default()
        }
    );
    assert_eq!(
        store.queue(None, Status::All, None).expect("queue").len(),
        3
    );
}

#[test]
fn replace_removes_missing_members_but_keeps_those_with_calls() {
    let (_dir, mut store) = temp_store();
    store
        .save_list("l", "00O000000000001", None, &people(1..=5), false)
        .expect("save");
    store
        .save_list("other", "00O000000000009", None, &people(4..=5), false)
        .expect("save");
    store
        .insert_call_for_tests(row_of_list(&store, "l", 2), false)
        .expect("unsynced");
    store
        .insert_call_for_tests(row_of_list(&store, "l", 3), true)
        .expect("synced");
    let five = row_of_list(&store, "l", 5);

    let summary = store
        .save_list("l", "00O000000000001", None, &people(1..=1), true)
        .expect("replace");
    assert_eq!(
        summary,
        SaveSummary {
            updated: 1,
            removed: 2,
            kept_for_calls: 2,
            inserted: 0
        }
    );
    let names: Vec<String> = store
        .queue(Some("l"), Status::All, None)
        .expect("queue")
        .into_iter()
        .map(|r| r.prospect.name)
        .collect();
    assert_eq!(names, ["Person 1", "Person 2", "Person 3"]);
    let calls: i64 = store
        .conn
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .expect("count");
    assert_eq!(calls, 2);
    // Other lists are untouched.
    assert_eq!(
        store
            .queue(Some("other"), Status::All, None)
            .expect("queue")
            .len(),
        2
    );

    // A removed row number is never given to someone else.
    store
        .save_list("l", "00O000000000001", None, &people(5..=6), false)
        .expect("reload");
    let new_five = row_of_list(&store, "l", 5);
    assert!(new_five > five, "{new_five} reused {five}");
}

fn row_of_list(store: &Store, list: &str, n: u32) -> i64 {
    let id = format!("003{n:012}AAA");
    let queue = store.queue(Some(list), Status::All, None).expect("queue");
    queue
        .iter()
        .find(|r| r.prospect.person_id == id)
        .expect("member")
        .row
}

#[test]
fn a_repeated_person_is_stored_once() {
    let (_dir, mut store) = temp_store();
    let mut repeated = people(1..=2);
    let mut copy = prospect(1, true);
    copy.name = "Second row".into();
    repeated.push(copy);
    let summary = store
        .save_list("l", "00O000000000001", None, &repeated, false)
        .expect("save");
    assert_eq!(
        summary,
        SaveSummary {
            inserted: 2,
            ..SaveSummary::default()
        }
    );
    assert_eq!(store.find("1").expect("row 1").prospect.name, "Person 1");
}

#[test]
fn queue_filters_by_status_and_list_and_limits() {
    let (_dir, mut store) = temp_store();
    store
        .save_list("a", "00O000000000001", None, &people(1..=4), false)
        .expect("save");
    store
        .save_list("b", "00O000000000002", None, &people(5..=6), false)
        .expect("save");
    store.insert_call_for_tests(2, false).expect("call");
    store.insert_call_for_tests(2, true).expect("call");
    store.insert_call_for_tests(5, true).expect("call");

    let queue = |list, status, limit| rows(&store.queue(list, status, limit).expect("queue"));
    assert_eq!(queue(None, Status::All, None), [1, 2, 3, 4, 5, 6]);
    assert_eq!(queue(None, Status::Pending, None), [1, 3, 4, 6]);
    assert_eq!(queue(None, Status::Called, None), [2, 5]);
    assert_eq!(queue(Some("a"), Status::Called, None), [2]);
    assert_eq!(queue(Some("b"), Status::Pending, None), [6]);
    assert_eq!(queue(None, Status::Pending, Some(2)), [1, 3]);
    assert_eq!(queue(None, Status::All, Some(0)), Vec::<i64>::new());

    let called = store.queue(None, Status::Called, None).expect("queue");
    assert_eq!((called[0].calls, called[1].calls), (2, 1));
    assert_eq!(called[1].list, "b");
    let error = store
        .queue(Some("nope"), Status::All, None)
        .expect_err("unknown list");
    assert!(matches!(error, Error::UnknownList { ref name } if name == "nope"));
}

#[test]
fn next_skips_called_and_undialable() {
    let (_dir, mut store) = temp_store();
    let list = vec![
        prospect(1, true),
        prospect(2, false),
        prospect(3, true),
        prospect(4, true),
    ];
    store
        .save_list("a", "00O000000000001", None, &list, false)
        .expect("save");
    store
        .save_list("b", "00O000000000002", None, &people(5..=5), false)
        .expect("save");
    assert_eq!(store.next(None).expect("next").map(|r| r.row), Some(1));
    store.insert_call_for_tests(1, false).expect("call");
    assert_eq!(store.next(None).expect("next").map(|r| r.row), Some(3));
    assert_eq!(store.next(Some("b")).expect("next").map(|r| r.row), Some(5));
    store.insert_call_for_tests(3, true).expect("call");
    store.insert_call_for_tests(4, true).expect("call");
    assert_eq!(store.next(Some("a")).expect("next").map(|r| r.row), None);
    assert!(matches!(
        store.next(Some("c")),
        Err(Error::UnknownList { .. })
    ));
}

#[test]
fn find_by_salesforce_id_or_row() {
    let (_dir, mut store) = temp_store();
    store
        .save_list("a", "00O000000000001", None, &people(1..=3), false)
        .expect("save");
    store
        .save_list("b", "00O000000000002", None, &people(3..=3), false)
        .expect("save");

    let by_18 = store.find("003000000000002AAA").expect("18 chars");
    assert_eq!((by_18.row, by_18.list.as_str()), (2, "a"));
    assert_eq!(store.find("003000000000002").expect("15 chars").row, 2);
    // The 18-character suffix is a checksum; only the first 15 count.
    assert_eq!(
        store.find("003000000000002XYZ").expect("other suffix").row,
        2
    );
    assert_eq!(store.find("2").expect("row").prospect.name, "Person 2");
    assert_eq!(store.find(" #2 ").expect("#row").row, 2);

    for missing in [
        "99",
        "003000000000009",
        "#",
        "",
        "x",
        "-1",
        "99999999999999999999",
    ] {
        let error = store.find(missing).expect_err(missing);
        assert!(
            matches!(error, Error::NotFound { .. }),
            "{missing}: {error:?}"
        );
    }
    // Case matters: a 15-character id differing only in case is someone else.
    let mut lower = "003000000000002AAA".to_string();
    lower.replace_range(0..3, "00q");
    assert!(matches!(store.find(&lower), Err(Error::NotFound { .. })));

    let error = store.find("003000000000003").expect_err("two lists");
    assert!(
        matches!(error, Error::Ambiguous { ref rows, .. } if rows == &[3, 4]),
        "{error:?}"
    );
    assert_eq!(store.find("4").expect("row picks one").list, "b");
}

#[test]
fn lists_count_prospects_dialable_and_called() {
    let (_dir, mut store) = temp_store();
    assert!(store.lists().expect("lists").is_empty());
    let list = vec![prospect(1, true), prospect(2, false), prospect(3, true)];
    // Stored times keep microseconds: compare at that precision.
    let before = Utc::now() - chrono::Duration::microseconds(1);
    store
        .save_list("b", "00O000000000002", None, &list, false)
        .expect("save");
    store
        .save_list("a", "00O000000000001", None, &[], false)
        .expect("save");
    store.insert_call_for_tests(1, false).expect("call");
    store.insert_call_for_tests(1, true).expect("call");
    store.insert_call_for_tests(2, true).expect("call");

    let lists = store.lists().expect("lists");
    let counts: Vec<_> = lists
        .iter()
        .map(|l| {
            (
                l.name.as_str(),
                l.report_id.as_str(),
                l.prospects,
                l.dialable,
                l.called,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("a", "00O000000000001", 0, 0, 0),
            ("b", "00O000000000002", 3, 2, 2)
        ]
    );
    assert!(lists[1].loaded_at >= before && lists[1].loaded_at <= Utc::now());
}

#[test]
fn the_list_records_the_mapped_field_names() {
    let (_dir, mut store) = temp_store();
    let mut list = people(1..=2);
    list[1].mapped.insert("region".into(), "Ohio".into());
    store
        .save_list("l", "00O000000000001", None, &list, false)
        .expect("save");
    let fields: String = store
        .conn
        .query_row("SELECT mapped_fields FROM lists", [], |r| r.get(0))
        .expect("fields");
    assert_eq!(fields, r#"["industry","region"]"#);
}

#[test]
fn test_calls_need_an_existing_prospect() {
    let (_dir, mut store) = temp_store();
    let error = store
        .insert_call_for_tests(1, false)
        .expect_err("no prospect");
    assert!(matches!(error, Error::NotFound { ref reference } if reference == "1"));
}

#[test]
fn times_are_stored_in_sortable_fixed_width_form() {
    let time = DateTime::parse_from_rfc3339("2024-05-01T09:30:00.5+02:00")
        .expect("time")
        .with_timezone(&Utc);
    let text = to_sql_time(time);
    assert_eq!(text, "2024-05-01T07:30:00.500000Z");
    assert_eq!(from_sql_time(&text).expect("parse"), time);
}

#[test]
fn only_the_dialing_columns_are_stored() {
    let (_dir, store) = temp_store();
    let columns = |table: &str| -> Vec<String> {
        let sql = format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid");
        let mut statement = store.conn.prepare(&sql).expect("prepare");
        let names = statement.query_map([], |r| r.get(0)).expect("query");
        names.collect::<Result<_, _>>().expect("names")
    };
    assert_eq!(
        columns("prospects"),
        [
            "id",
            "list_id",
            "person_id",
            "kind",
            "related_id",
            "account_id",
            "name",
            "title",
            "account",
            "phone",
            "phone_e164",
            "mapped",
            "first_loaded_at",
            "updated_at"
        ]
    );
    assert_eq!(
        columns("lists"),
        [
            "id",
            "name",
            "report_id",
            "mapped_fields",
            "loaded_at",
            "instance_url"
        ]
    );
}
