//! The state of one simulated org: users, records, sessions, the API counter and
//! the faults injected by tests. One `Org` sits behind a mutex shared by every
//! request handler; handlers hold the lock only while they touch state, never
//! across an await.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Map, Value, json};

use super::schema::{FieldType, ObjectDef, Profile, Schema};
use super::sessions::Sessions;
use super::{SandboxOptions, oauth, query, reports};
use crate::ids::SfId;

/// Characters 4–5 of every generated id, standing for the org's instance.
pub const POD: &str = "Hs";

/// A record: field name to JSON value, always including `Id`.
pub type Record = Map<String, Value>;

/// A user of the simulated org.
#[derive(Debug, Clone)]
pub struct User {
    pub id: SfId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profile: Profile,
}

impl User {
    /// First and last name, as `Name` shows them.
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// The org-wide daily API request counter.
#[derive(Debug, Clone, Copy)]
pub struct ApiCounter {
    pub used: u64,
    pub max: u64,
}

impl ApiCounter {
    /// The value of the `Sforce-Limit-Info` header.
    pub fn header(&self) -> String {
        format!("api-usage={}/{}", self.used, self.max)
    }
}

/// Faults injected at run time through the `/__sandbox/` control surface.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    /// Extra delay before every Salesforce response, on top of `--latency-ms`.
    #[serde(default)]
    pub latency_ms: u64,
    /// The next N Salesforce requests get 503 without being processed.
    #[serde(default)]
    pub fail_next: u32,
    /// The next N successful writes are committed, then the connection is
    /// dropped before the response is sent.
    #[serde(default)]
    pub drop_after_commit: u32,
    /// The next N records that sObject Collections create or update would
    /// write fail one by one with `UNABLE_TO_LOCK_ROW`, the transient error
    /// of a busy row that clients are expected to retry. Records that fail
    /// validation do not use it up.
    #[serde(default)]
    pub lock_rows_next: u32,
    /// When non-zero: once that many more counted API requests have been
    /// answered, every access token expires as `/__sandbox/expire-sessions`
    /// does, and this returns to 0. Lets a test lose the session in the middle
    /// of a run of requests.
    #[serde(default)]
    pub expire_sessions_after: u32,
}

/// One simulated org.
pub struct Org {
    pub options: SandboxOptions,
    /// Base URL of the server, which is both login host and instance URL.
    pub base_url: String,
    pub org_id: SfId,
    pub org_name: String,
    /// When the sandbox started, in whole seconds as HTTP dates have them.
    /// Metadata never changes afterwards, so it is every object's last
    /// modification for `If-Modified-Since`.
    pub started: DateTime<Utc>,
    /// Shared so record writes can read definitions while mutating records.
    pub schema: Arc<Schema>,
    pub users: Vec<User>,
    records: BTreeMap<&'static str, BTreeMap<String, Record>>,
    next_number: HashMap<&'static str, u64>,
    pub api: ApiCounter,
    pub sessions: Sessions,
    pub faults: Faults,
    pub oauth: oauth::OAuthState,
    pub reports: reports::ReportState,
    pub queries: query::QueryState,
}

/// Formats a timestamp as the REST API does: `2026-12-03T13:08:09.000+0000`.
pub fn sf_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

impl Org {
    /// An empty org with the standard schema; `seed` fills it.
    pub fn new(options: SandboxOptions, base_url: String) -> Self {
        let org_id = SfId::generate("00D", POD, 4_242);
        let api = ApiCounter {
            used: 0,
            max: options.api_limit,
        };
        Self {
            options,
            base_url,
            org_id,
            org_name: "Koncert Sandbox Org".to_string(),
            started: Utc::now().trunc_subsecs(0),
            schema: Arc::new(Schema::standard()),
            users: Vec::new(),
            records: BTreeMap::new(),
            next_number: HashMap::new(),
            api,
            sessions: Sessions::default(),
            faults: Faults::default(),
            oauth: oauth::OAuthState::default(),
            reports: reports::ReportState::default(),
            queries: query::QueryState::default(),
        }
    }

    /// Allocates the next id for an object's key prefix.
    pub fn next_id(&mut self, prefix: &'static str) -> SfId {
        let n = self.next_number.entry(prefix).or_insert(0);
        *n += 1;
        // Spread numbers out so ids use letters of both cases, as real ids do.
        SfId::generate(prefix, POD, 3_000_000 + *n * 7_919)
    }

    /// Finds a user by username, case-insensitively as Salesforce does.
    pub fn user_by_username(&self, username: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.username.eq_ignore_ascii_case(username.trim()))
    }

    /// The identity URL of a user: `{base}/id/{orgId}/{userId}`.
    pub fn identity_url(&self, user: usize) -> String {
        format!(
            "{}/id/{}/{}",
            self.base_url, self.org_id, self.users[user].id
        )
    }

    /// All records of an object, in id (creation) order.
    pub fn records(&self, object: &str) -> impl Iterator<Item = &Record> {
        self.records
            .get(object)
            .into_iter()
            .flat_map(|m| m.values())
    }

    /// Looks up a record of a known object by its 18-character id.
    pub fn record(&self, object: &str, id: &SfId) -> Option<&Record> {
        self.records.get(object)?.get(id.as_str())
    }

    /// Looks a record up by id alone, using the key prefix to find its object.
    pub fn record_by_id(&self, id: &SfId) -> Option<(&ObjectDef, &Record)> {
        let object = self.schema.object_for_prefix(id.prefix())?;
        let record = self.records.get(object.name)?.get(id.as_str())?;
        Some((object, record))
    }

    /// Inserts a record whose fields were already validated, filling the
    /// platform-managed fields (Id, audit fields, defaults, derived names).
    pub fn insert(&mut self, object: &str, fields: Record, user: usize) -> SfId {
        let prefix = self
            .schema
            .object(object)
            .expect("validated object")
            .key_prefix;
        let id = self.next_id(prefix);
        self.store(object, id.clone(), fields, user);
        id
    }

    /// Inserts a record that already carries its `Id` (seeded users).
    pub fn insert_with_id(&mut self, object: &str, fields: Record, user: usize) {
        let id = fields
            .get("Id")
            .and_then(Value::as_str)
            .and_then(|s| SfId::parse(s).ok());
        let id = id.expect("seeded records carry valid ids");
        self.store(object, id, fields, user);
    }

    fn store(&mut self, object: &str, id: SfId, mut fields: Record, user: usize) {
        let schema = self.schema.clone();
        let def = schema.object(object).expect("validated object");
        let now = json!(sf_datetime(Utc::now()));
        let user_id = json!(self.users[user].id.as_str());

        for field in &def.fields {
            if fields.contains_key(field.name) {
                continue;
            }
            let value = match (field.name, field.kind) {
                ("OwnerId" | "CreatedById" | "LastModifiedById", _) => user_id.clone(),
                ("CreatedDate" | "LastModifiedDate" | "SystemModstamp", _) => now.clone(),
                (_, FieldType::Boolean) => json!(false),
                _ => field.default_value().map_or(Value::Null, |v| json!(v)),
            };
            fields.insert(field.name.to_string(), value);
        }
        fields.insert("Id".to_string(), json!(id.as_str()));
        self.derive_fields(def, &mut fields);

        self.records
            .entry(def.name)
            .or_default()
            .insert(id.to_string(), fields);
    }

    /// Applies validated changes to an existing record.
    pub fn update(&mut self, object: &str, id: &SfId, changes: Record, user: usize) -> bool {
        let schema = self.schema.clone();
        let def = schema.object(object).expect("validated object");
        let user_id = json!(self.users[user].id.as_str());
        let Some(mut record) = self
            .records
            .get(def.name)
            .and_then(|m| m.get(id.as_str()))
            .cloned()
        else {
            return false;
        };

        record.extend(changes);
        record.insert("LastModifiedById".into(), user_id);
        record.insert("LastModifiedDate".into(), json!(sf_datetime(Utc::now())));
        record.insert("SystemModstamp".into(), json!(sf_datetime(Utc::now())));
        self.derive_fields(def, &mut record);
        self.records
            .entry(def.name)
            .or_default()
            .insert(id.to_string(), record);
        true
    }

    /// Deletes a record; returns whether it existed.
    pub fn delete(&mut self, object: &str, id: &SfId) -> bool {
        let Some(def) = self.schema.object(object) else {
            return false;
        };
        let name = def.name;
        self.records
            .get_mut(name)
            .is_some_and(|m| m.remove(id.as_str()).is_some())
    }

    /// Recomputes fields the platform derives from others.
    fn derive_fields(&self, def: &ObjectDef, record: &mut Record) {
        let text = |r: &Record, f: &str| r.get(f).and_then(Value::as_str).map(str::to_string);

        if matches!(def.name, "Contact" | "Lead") {
            let name = [text(record, "FirstName"), text(record, "LastName")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            record.insert("Name".into(), json!(name));
        }

        if def.name == "Task" {
            let closed = text(record, "Status").as_deref() == Some("Completed");
            record.insert("IsClosed".into(), json!(closed));
            let completed = if closed {
                json!(sf_datetime(Utc::now()))
            } else {
                Value::Null
            };
            record.insert("CompletedDateTime".into(), completed);
            record.insert("AccountId".into(), self.task_account(record));
        }
    }

    /// `Task.AccountId`: the Account in WhatId, or the Contact's Account.
    fn task_account(&self, task: &Record) -> Value {
        let id_of = |f: &str| {
            task.get(f)
                .and_then(Value::as_str)
                .and_then(|s| SfId::parse(s).ok())
        };
        if let Some(what) = id_of("WhatId").filter(|id| id.prefix() == "001") {
            return json!(what.as_str());
        }
        id_of("WhoId")
            .and_then(|who| self.record("Contact", &who))
            .and_then(|contact| contact.get("AccountId").cloned())
            .unwrap_or(Value::Null)
    }
}
