//! The call-outcome workflow: what each outcome a rep picks (`connected`,
//! `left-voicemail`, ...) writes to Salesforce. Built-in outcomes give every
//! team a working start; `[workflow]` in `config.toml` changes their Task
//! fields, adds outcomes, or replaces the list. Everything the file can get
//! wrong (names, templates, field names, values) is refused when the
//! workflow is built, so a bad config stops a command before any call is
//! recorded rather than at push time.
//!
//! # Limitations
//!
//! Outcomes keep the file's order through toml's value spans, so
//! [`WorkflowSettings`] must be read with `toml::from_str` (as
//! `Settings::load` does); other deserializers are refused. Lengths of
//! custom fields are not known here: the push checks them against the
//! org's describe.

use std::fmt;

use chrono::{Days, NaiveDate};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::queue::{PersonKind, Prospect};

/// `[workflow]` in `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSettings {
    /// Keep the built-in outcomes (default true). When false, only the
    /// configured outcomes exist, in file order.
    pub builtin: Option<bool>,
    /// Subject template of every outcome that sets none (default
    /// `Call: {disposition}`).
    pub subject: Option<String>,
    /// `CallType` of every outcome that sets none (default `Outbound`).
    pub call_type: Option<String>,
    /// `[workflow.outcomes.NAME]` tables, in file order.
    #[serde(default)]
    pub outcomes: Entries<OutcomeSettings>,
}

/// `[workflow.outcomes.NAME]`: a new outcome, or the keys of a built-in
/// that change. A key given replaces the built-in's value whole (a table
/// such as `update_lead` included, so `update_lead = {}` removes it).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSettings {
    /// What the outcome means, for `koncert-sf outcomes`.
    pub description: Option<String>,
    /// `CallDisposition` (Call Result); default: the name title-cased.
    pub disposition: Option<String>,
    /// Subject template.
    pub subject: Option<String>,
    /// Task `Status` (default `Completed`).
    pub status: Option<String>,
    /// Task `Priority` (default `Normal`).
    pub priority: Option<String>,
    /// Task `CallType` (default: `workflow.call_type`).
    pub call_type: Option<String>,
    /// Extra Task fields; string values are templates.
    pub fields: Option<Entries<toml::Value>>,
    /// Days after the call a follow-up Task is due; 0 means none.
    pub follow_up_days: Option<u32>,
    /// Subject template of the follow-up Task (default
    /// `Follow up: {prospect}`).
    pub follow_up_subject: Option<String>,
    /// Fields set on a Contact after the call.
    pub update_contact: Option<Entries<toml::Value>>,
    /// Fields set on a Lead after the call.
    pub update_lead: Option<Entries<toml::Value>>,
}

/// A TOML table kept in file order. toml hands tables over sorted by key
/// unless its `preserve_order` feature is on, so the order is rebuilt from
/// where each value starts in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries<V>(pub Vec<(String, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, toml::Spanned<V>)> = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                entries.sort_by_key(|(_, value)| value.span().start);
                let entries = entries.into_iter().map(|(k, v)| (k, v.into_inner()));
                Ok(Entries(entries.collect()))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

/// Salesforce's length of `Subject` and `CallDisposition`.
const MAX_TEXT: usize = 255;
/// Salesforce's length of the `Status`, `Priority` and `CallType` picklists.
const MAX_PICKLIST: usize = 40;
/// Longest follow-up delay: further out is a typo, and keeps dates in range.
const MAX_FOLLOW_UP_DAYS: u32 = 3650;

const DEFAULT_SUBJECT: &str = "Call: {disposition}";
const DEFAULT_FOLLOW_UP_SUBJECT: &str = "Follow up: {prospect}";
const DEFAULT_STATUS: &str = "Completed";
const DEFAULT_PRIORITY: &str = "Normal";
const DEFAULT_CALL_TYPE: &str = "Outbound";
/// The Lead Status of a Lead someone has spoken to, in a new org's picklist.
const CONTACTED: &str = "Working - Contacted";

/// Task fields the push sets for every call; a workflow cannot set them.
const PUSH_FIELDS: [&str; 9] = [
    "TaskSubtype",
    "WhoId",
    "WhatId",
    "ActivityDate",
    "CallDurationInSeconds",
    "Description",
    "CallObject",
    "Id",
    "OwnerId",
];

/// Task fields an outcome sets through its own keys, by key.
const OWN_FIELDS: [(&str, &str); 5] = [
    ("Subject", "subject"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("CallType", "call_type"),
    ("CallDisposition", "disposition"),
];

/// One built-in outcome. The extras (follow-up, person updates) are what a
/// rep would otherwise do by hand after such a call.
struct BuiltIn {
    name: &'static str,
    disposition: &'static str,
    description: &'static str,
    follow_up_days: Option<u32>,
    lead_status: Option<&'static str>,
    do_not_call: bool,
}

impl BuiltIn {
    const fn plain(
        name: &'static str,
        disposition: &'static str,
        description: &'static str,
    ) -> Self {
        Self {
            name,
            disposition,
            description,
            follow_up_days: None,
            lead_status: None,
            do_not_call: false,
        }
    }
}

/// Reached the person. A Lead someone has spoken to is no longer "Open -
/// Not Contacted"; moving it keeps lead-status reports and assignment rules
/// honest without the rep editing the Lead.
const CONNECTED: BuiltIn = BuiltIn {
    lead_status: Some(CONTACTED),
    ..BuiltIn::plain("connected", "Connected", "Spoke with the prospect")
};

/// A voicemail deserves a second attempt, but not before the prospect has
/// had a couple of days to call back.
const LEFT_VOICEMAIL: BuiltIn = BuiltIn {
    follow_up_days: Some(2),
    ..BuiltIn::plain(
        "left-voicemail",
        "Left Voicemail",
        "Left a voicemail message",
    )
};

/// Nobody picked up: only logged, since the queue brings the prospect back.
const NO_ANSWER: BuiltIn = BuiltIn::plain("no-answer", "No Answer", "Rang out, no voicemail");

/// The line was busy: only logged, a retry is the queue's business.
const BUSY: BuiltIn = BuiltIn::plain("busy", "Busy", "The line was busy");

/// Reached an assistant or switchboard: logged so managers see the attempt,
/// but the prospect was not contacted, so nothing else changes.
const GATEKEEPER: BuiltIn = BuiltIn::plain(
    "gatekeeper",
    "Gatekeeper",
    "Reached an assistant or switchboard, not the prospect",
);

/// The number reaches someone else: logged so the data can be fixed; which
/// field to clear differs by org, so none is touched.
const WRONG_NUMBER: BuiltIn = BuiltIn::plain(
    "wrong-number",
    "Wrong Number",
    "Someone else answered the number",
);

/// Disconnected or invalid: logged, with no update for the same reason.
const BAD_NUMBER: BuiltIn = BuiltIn::plain(
    "bad-number",
    "Bad Number",
    "The number is disconnected or invalid",
);

/// A meeting means the Lead was reached: same Lead Status move as
/// `connected`. Priority stays Normal; the meeting itself is the Event.
const MEETING_BOOKED: BuiltIn = BuiltIn {
    lead_status: Some(CONTACTED),
    ..BuiltIn::plain("meeting-booked", "Meeting Booked", "Booked a meeting")
};

/// A refusal is worth recording, not acting on: only logged.
const NOT_INTERESTED: BuiltIn =
    BuiltIn::plain("not-interested", "Not Interested", "The prospect declined");

/// The prospect asked for another call: a follow-up the next day keeps the
/// promise from depending on the rep's memory.
const CALL_BACK_LATER: BuiltIn = BuiltIn {
    follow_up_days: Some(1),
    ..BuiltIn::plain(
        "call-back-later",
        "Call Back Later",
        "The prospect asked to be called back",
    )
};

/// The prospect asked not to be called again. `DoNotCall` is the standard
/// checkbox on both Contact and Lead that dialers and list views respect;
/// setting it at once is what keeps the next rep from calling (an
/// assumption to confirm with the org's admin, hence configurable).
const DO_NOT_CALL: BuiltIn = BuiltIn {
    do_not_call: true,
    ..BuiltIn::plain(
        "do-not-call",
        "Do Not Call",
        "The prospect asked not to be called again",
    )
};

/// The built-in outcomes in display order.
const BUILT_INS: [BuiltIn; 11] = [
    CONNECTED,
    LEFT_VOICEMAIL,
    NO_ANSWER,
    BUSY,
    GATEKEEPER,
    WRONG_NUMBER,
    BAD_NUMBER,
    MEETING_BOOKED,
    NOT_INTERESTED,
    CALL_BACK_LATER,
    DO_NOT_CALL,
];

impl BuiltIn {
    /// The built-in as the settings it stands for, so that configured keys
    /// merge over it exactly as they would over any other outcome.
    fn settings(&self) -> OutcomeSettings {
        let do_not_call = || Entries(vec![("DoNotCall".to_string(), toml::Value::Boolean(true))]);
        let mut update_lead = Entries::default();
        if let Some(status) = self.lead_status {
            update_lead
                .0
                .push(("Status".to_string(), toml::Value::String(status.into())));
        }
        if self.do_not_call {
            update_lead.0.extend(do_not_call().0);
        }
        OutcomeSettings {
            description: Some(self.description.into()),
            disposition: Some(self.disposition.into()),
            follow_up_days: self.follow_up_days,
            update_contact: self.do_not_call.then(do_not_call),
            update_lead: (!update_lead.0.is_empty()).then_some(update_lead),
            ..OutcomeSettings::default()
        }
    }
}

/// The configured workflow is not usable. Each message names the config
/// key at fault and what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(
        "outcome name `{name}` is not allowed: use lowercase letters, digits and `-`{}",
        suggestion(.name)
    )]
    BadName { name: String },
    #[error("`{key}` is not a valid template: {problem}")]
    Template { key: String, problem: String },
    #[error(
        "`{key}`: `{field}` is not a Salesforce field API name; use letters, digits and `_`, \
         starting with a letter (e.g. `Call_Campaign__c`)"
    )]
    FieldName { key: String, field: String },
    #[error("`{key}`: `{field}` is set by the push for every call and cannot be configured")]
    PushField { key: String, field: String },
    #[error("`{key}`: set `{field}` with the outcome's `{own_key}` key, not in `fields`")]
    OwnField {
        key: String,
        field: String,
        own_key: String,
    },
    #[error("`{key}`: `Id` names the record to update and cannot be set")]
    UpdateId { key: String },
    #[error(
        "`{key}`: {kind} values are not allowed; use a string, a boolean, an integer or a \
         finite float"
    )]
    FieldValue { key: String, kind: String },
    #[error("`{key}` must not be empty")]
    Empty { key: String },
    #[error("`{key}` is {length} characters, over Salesforce's limit of {max}; shorten it")]
    TooLong {
        key: String,
        length: usize,
        max: usize,
    },
    #[error("`{key}` = {days} is too far out; use at most {MAX_FOLLOW_UP_DAYS} (0 for none)")]
    FollowUpDays { key: String, days: u32 },
    #[error(
        "`workflow.builtin = false` leaves no outcome; add a `[workflow.outcomes.NAME]` table \
         or remove `builtin = false`"
    )]
    NoOutcomes,
}

/// ` (e.g. `demo-call`)` when the name has a usable form, else nothing.
fn suggestion(name: &str) -> String {
    let fixed = normalize(name);
    if is_valid_name(&fixed) {
        format!(" (e.g. `{fixed}`)")
    } else {
        String::new()
    }
}

/// The name a rep typed matches no outcome.
#[derive(Debug, thiserror::Error)]
#[error("unknown outcome `{given}`; valid outcomes: {}", .valid.join(", "))]
pub struct UnknownOutcome {
    pub given: String,
    pub valid: Vec<String>,
}

/// A rendered value does not fit its Salesforce field.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "the Task's {field} would be {length} characters, over Salesforce's limit of {max}; \
         shorten the outcome's `{}` in config.toml (or the values its placeholders insert)",
        config_key(.field)
    )]
    TooLong {
        field: String,
        length: usize,
        max: usize,
    },
}

/// The config key that produces a rendered field.
fn config_key(field: &str) -> &str {
    if field == FOLLOW_UP_SUBJECT {
        return "follow_up_subject";
    }
    OWN_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(field, |(_, key)| key)
}

/// How [`RenderError::TooLong`] names the follow-up Task's Subject.
const FOLLOW_UP_SUBJECT: &str = "follow-up Subject";

/// What a call's templates may use.
pub struct CallFacts<'a> {
    pub prospect: &'a Prospect,
    /// The call list's name (`{list}`).
    pub list: &'a str,
    /// The day of the call (`{date}`; the follow-up counts from it).
    pub call_date: NaiveDate,
    /// A follow-up date given with the call; wins over `follow_up_days`.
    pub follow_up_on: Option<NaiveDate>,
}

/// What one call writes to Salesforce, besides the fields the push sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Task fields the outcome sets: Subject, Status, CallDisposition,
    /// CallType, Priority, extras.
    pub task: Map<String, Value>,
    /// The follow-up Task's fields (Subject, Status "Not Started",
    /// Priority, ActivityDate = due date YYYY-MM-DD, TaskSubtype "Task"),
    /// when the outcome has follow_up_days or follow_up_on is given.
    pub follow_up: Option<Map<String, Value>>,
    pub follow_up_on: Option<NaiveDate>,
    /// Fields to set on the person (update_contact for a Contact,
    /// update_lead for a Lead), None when empty.
    pub person_update: Option<Map<String, Value>>,
}

/// A placeholder of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Outcome,
    Disposition,
    Prospect,
    Account,
    List,
    Title,
    Date,
}

impl Var {
    const ALL: [(&'static str, Self); 7] = [
        ("outcome", Self::Outcome),
        ("disposition", Self::Disposition),
        ("prospect", Self::Prospect),
        ("account", Self::Account),
        ("list", Self::List),
        ("title", Self::Title),
        ("date", Self::Date),
    ];
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Var(Var),
}

/// A string with `{placeholder}`s, checked when the workflow is built.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parses `source`; the error says what is wrong, for [`WorkflowError`].
    fn parse(source: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().enumerate().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.next_if(|&(_, c)| c == '{').is_some() => text.push('{'),
                '}' if chars.next_if(|&(_, c)| c == '}').is_some() => text.push('}'),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, c)) if c != '{' => name.push(c),
                            _ => {
                                return Err(format!(
                                    "the `{{` at character {} is not closed; write `{{{{` for a \
                                     literal brace",
                                    at + 1
                                ));
                            }
                        }
                    }
                    let Some(&(_, var)) = Var::ALL.iter().find(|(n, _)| *n == name) else {
                        let allowed: Vec<String> =
                            Var::ALL.iter().map(|(n, _)| format!("{{{n}}}")).collect();
                        return Err(format!(
                            "unknown placeholder `{{{name}}}`; use {} (`{{{{` and `}}}}` for \
                             literal braces)",
                            allowed.join(", ")
                        ));
                    };
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Var(var));
                }
                '}' => {
                    return Err(format!(
                        "the `}}` at character {} has no opening `{{`; write `}}}}` for a \
                         literal brace",
                        at + 1
                    ));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self {
            source: source.to_string(),
            parts,
        })
    }

    fn render(&self, values: &Values<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var(var) => out.push_str(values.get(*var)),
            }
        }
        out
    }
}

/// The placeholder values of one call.
struct Values<'a> {
    outcome: &'a Outcome,
    facts: &'a CallFacts<'a>,
    date: String,
}

impl Values<'_> {
    fn get(&self, var: Var) -> &str {
        let prospect = self.facts.prospect;
        match var {
            Var::Outcome => &self.outcome.name,
            Var::Disposition => &self.outcome.disposition,
            Var::Prospect => &prospect.name,
            Var::Account => prospect.account.as_deref().unwrap_or_default(),
            Var::List => self.facts.list,
            Var::Title => prospect.title.as_deref().unwrap_or_default(),
            Var::Date => &self.date,
        }
    }
}

/// A field value of `fields` or `update_*`.
#[derive(Debug, Clone, PartialEq)]
enum FieldValue {
    Text(Template),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl FieldValue {
    fn from_toml(value: &toml::Value, key: &str) -> Result<Self, WorkflowError> {
        let refused = |kind: &str| WorkflowError::FieldValue {
            key: key.to_string(),
            kind: kind.to_string(),
        };
        match value {
            toml::Value::String(s) => {
                Template::parse(s)
                    .map(Self::Text)
                    .map_err(|problem| WorkflowError::Template {
                        key: key.to_string(),
                        problem,
                    })
            }
            toml::Value::Boolean(b) => Ok(Self::Bool(*b)),
            toml::Value::Integer(i) => Ok(Self::Int(*i)),
            toml::Value::Float(f) if f.is_finite() => Ok(Self::Float(*f)),
            toml::Value::Float(_) => Err(refused("infinite or NaN float")),
            toml::Value::Datetime(_) => Err(refused("date-time (quote it as a string)")),
            toml::Value::Array(_) => Err(refused("array")),
            toml::Value::Table(_) => Err(refused("table")),
        }
    }

    /// The value as configured: a template's source, not its rendering.
    fn configured(&self) -> Value {
        match self {
            Self::Text(template) => Value::String(template.source.clone()),
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::from(*i),
            Self::Float(f) => Value::from(*f),
        }
    }

    fn render(&self, values: &Values<'_>) -> Value {
        match self {
            Self::Text(template) => Value::String(template.render(values)),
            other => other.configured(),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(template) => f.write_str(&template.source),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x}"),
        }
    }
}

type Fields = Vec<(String, FieldValue)>;

/// One outcome a rep can give a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The name reps type: lowercase letters, digits and `-`.
    pub name: String,
    pub description: Option<String>,
    /// `CallDisposition` (Call Result).
    pub disposition: String,
    /// Task `Status`.
    pub status: String,
    /// Task `Priority`; the follow-up Task gets it too.
    pub priority: String,
    /// Task `CallType`.
    pub call_type: String,
    subject: Template,
    fields: Fields,
    follow_up_days: Option<u32>,
    follow_up_subject: Template,
    update_contact: Fields,
    update_lead: Fields,
    builtin: bool,
}

impl Outcome {
    /// Days after the call a follow-up Task is due, when the outcome has one.
    pub fn follow_up_days(&self) -> Option<u32> {
        self.follow_up_days
    }

    /// The Subject template, as configured.
    pub fn subject_template(&self) -> &str {
        &self.subject.source
    }

    /// Whether the outcome is one of the built-ins (configured or not).
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    /// The person updates in one line, e.g. `Lead Status=Working -
    /// Contacted; DoNotCall=true`: a field set alike on both kinds appears
    /// once without the object's name. Empty when there is none.
    pub fn summary_of_updates(&self) -> String {
        let same_on_contact = |name: &str, value: &FieldValue| {
            self.update_contact
                .iter()
                .any(|(n, v)| n == name && v == value)
        };
        let mut items = Vec::new();
        for (name, value) in &self.update_lead {
            if same_on_contact(name, value) {
                items.push(format!("{name}={value}"));
            } else {
                items.push(format!("Lead {name}={value}"));
            }
        }
        for (name, value) in &self.update_contact {
            let same_on_lead = self
                .update_lead
                .iter()
                .any(|(n, v)| n == name && v == value);
            if !same_on_lead {
                items.push(format!("Contact {name}={value}"));
            }
        }
        items.join("; ")
    }

    fn updates_for(&self, kind: PersonKind) -> &Fields {
        match kind {
            PersonKind::Contact => &self.update_contact,
            PersonKind::Lead => &self.update_lead,
        }
    }
}

/// The configured facts of an outcome, for `--json`; templates and field
/// values appear as written in `config.toml`.
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let table = |fields: &Fields| -> Map<String, Value> {
            fields
                .iter()
                .map(|(name, value)| (name.clone(), value.configured()))
                .collect()
        };
        let value = serde_json::json!({
            "name": self.name,
            "description": self.description,
            "disposition": self.disposition,
            "status": self.status,
            "priority": self.priority,
            "call_type": self.call_type,
            "subject": self.subject.source,
            "follow_up_days": self.follow_up_days,
            "follow_up_subject": self.follow_up_subject.source,
            "fields": table(&self.fields),
            "update_contact": table(&self.update_contact),
            "update_lead": table(&self.update_lead),
            "builtin": self.builtin,
        });
        value.serialize(serializer)
    }
}

/// The outcomes in force: built-ins merged with `[workflow]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    outcomes: Vec<Outcome>,
}

/// Workflow-wide defaults an outcome falls back on.
struct Defaults {
    subject: Template,
    call_type: String,
}

impl Workflow {
    /// The built-in outcomes with no configuration.
    pub fn builtin() -> Self {
        Self::from_settings(&WorkflowSettings::default())
            .expect("the built-in outcomes are valid (tested)")
    }

    /// Builds the workflow from `[workflow]`, checking every name,
    /// template, field and value.
    pub fn from_settings(settings: &WorkflowSettings) -> Result<Self, WorkflowError> {
        let defaults = Defaults {
            subject: template(
                settings.subject.as_deref().unwrap_or(DEFAULT_SUBJECT),
                "workflow.subject",
            )?,
            call_type: fixed_text(
                settings.call_type.as_deref().unwrap_or(DEFAULT_CALL_TYPE),
                "workflow.call_type",
                MAX_PICKLIST,
            )?,
        };
        let configured = &settings.outcomes.0;
        for (name, _) in configured {
            if !is_valid_name(name) {
                return Err(WorkflowError::BadName { name: name.clone() });
            }
        }
        let built_in = |name: &str| BUILT_INS.iter().find(|b| b.name == name);
        let config_of = |name: &str| configured.iter().find(|(n, _)| n == name).map(|(_, s)| s);

        let mut outcomes = Vec::new();
        if settings.builtin.unwrap_or(true) {
            for b in &BUILT_INS {
                let merged = merge(b.settings(), config_of(b.name));
                outcomes.push(build(b.name, &merged, true, &defaults)?);
            }
            for (name, config) in configured {
                if built_in(name).is_none() {
                    outcomes.push(build(name, config, false, &defaults)?);
                }
            }
        } else {
            for (name, config) in configured {
                let outcome = match built_in(name) {
                    Some(b) => build(name, &merge(b.settings(), Some(config)), true, &defaults)?,
                    None => build(name, config, false, &defaults)?,
                };
                outcomes.push(outcome);
            }
        }
        if outcomes.is_empty() {
            return Err(WorkflowError::NoOutcomes);
        }
        Ok(Self { outcomes })
    }

    /// The outcome a rep named. Case does not matter, and `_` or spaces
    /// stand for `-` (`Left Voicemail` finds `left-voicemail`).
    pub fn outcome(&self, given: &str) -> Result<&Outcome, UnknownOutcome> {
        let wanted = normalize(given);
        self.outcomes
            .iter()
            .find(|o| o.name == wanted)
            .ok_or_else(|| UnknownOutcome {
                given: given.to_string(),
                valid: self.outcomes.iter().map(|o| o.name.clone()).collect(),
            })
    }

    /// The outcomes in display order: built-ins first, then new ones in
    /// file order (only the configured ones, in file order, with
    /// `builtin = false`).
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// What a call with this outcome writes, its values checked against
    /// Salesforce's Task field lengths.
    pub fn render(
        &self,
        outcome: &Outcome,
        facts: &CallFacts<'_>,
    ) -> Result<Rendered, RenderError> {
        let values = Values {
            outcome,
            facts,
            date: facts.call_date.format("%Y-%m-%d").to_string(),
        };
        let subject = checked("Subject", outcome.subject.render(&values), MAX_TEXT)?;
        let mut task = Map::new();
        task.insert("Subject".into(), Value::String(subject));
        for (field, value, max) in [
            ("Status", &outcome.status, MAX_PICKLIST),
            ("CallDisposition", &outcome.disposition, MAX_TEXT),
            ("CallType", &outcome.call_type, MAX_PICKLIST),
            ("Priority", &outcome.priority, MAX_PICKLIST),
        ] {
            let value = checked(field, value.clone(), max)?;
            task.insert(field.into(), Value::String(value));
        }
        for (name, value) in &outcome.fields {
            task.insert(name.clone(), value.render(&values));
        }

        // An explicit date wins; days only count from the call when none
        // was given. Days are capped at load, so the sum stays in range.
        let follow_up_on = facts.follow_up_on.or_else(|| {
            let days = outcome.follow_up_days?;
            facts.call_date.checked_add_days(Days::new(days.into()))
        });
        let follow_up = match follow_up_on {
            Some(due) => {
                let subject = outcome.follow_up_subject.render(&values);
                let subject = checked(FOLLOW_UP_SUBJECT, subject, MAX_TEXT)?;
                let mut task = Map::new();
                task.insert("Subject".into(), Value::String(subject));
                task.insert("Status".into(), Value::from("Not Started"));
                task.insert("Priority".into(), Value::String(outcome.priority.clone()));
                task.insert("ActivityDate".into(), Value::String(due.to_string()));
                task.insert("TaskSubtype".into(), Value::from("Task"));
                Some(task)
            }
            None => None,
        };

        let updates = outcome.updates_for(facts.prospect.kind);
        let person_update = (!updates.is_empty()).then(|| {
            updates
                .iter()
                .map(|(name, value)| (name.clone(), value.render(&values)))
                .collect()
        });
        Ok(Rendered {
            task,
            follow_up,
            follow_up_on,
            person_update,
        })
    }
}

/// `value` when it fits `max` characters (as Salesforce counts them).
fn checked(field: &str, value: String, max: usize) -> Result<String, RenderError> {
    let length = value.chars().count();
    if length > max {
        return Err(RenderError::TooLong {
            field: field.to_string(),
            length,
            max,
        });
    }
    Ok(value)
}

/// The configured keys over the built-in's; a key given replaces the
/// built-in's value whole.
fn merge(base: OutcomeSettings, config: Option<&OutcomeSettings>) -> OutcomeSettings {
    let Some(config) = config.cloned() else {
        return base;
    };
    OutcomeSettings {
        description: config.description.or(base.description),
        disposition: config.disposition.or(base.disposition),
        subject: config.subject.or(base.subject),
        status: config.status.or(base.status),
        priority: config.priority.or(base.priority),
        call_type: config.call_type.or(base.call_type),
        fields: config.fields.or(base.fields),
        follow_up_days: config.follow_up_days.or(base.follow_up_days),
        follow_up_subject: config.follow_up_subject.or(base.follow_up_subject),
        update_contact: config.update_contact.or(base.update_contact),
        update_lead: config.update_lead.or(base.update_lead),
    }
}

/// Checks one outcome's settings and fills in the defaults.
fn build(
    name: &str,
    settings: &OutcomeSettings,
    builtin: bool,
    defaults: &Defaults,
) -> Result<Outcome, WorkflowError> {
    let key = |k: &str| format!("workflow.outcomes.{name}.{k}");
    let disposition = match &settings.disposition {
        Some(d) => fixed_text(d, &key("disposition"), MAX_TEXT)?,
        None => title_case(name),
    };
    let subject = match &settings.subject {
        Some(s) => template(s, &key("subject"))?,
        None => defaults.subject.clone(),
    };
    let follow_up_subject = template(
        settings
            .follow_up_subject
            .as_deref()
            .unwrap_or(DEFAULT_FOLLOW_UP_SUBJECT),
        &key("follow_up_subject"),
    )?;
    let follow_up_days = match settings.follow_up_days {
        Some(days) if days > MAX_FOLLOW_UP_DAYS => {
            return Err(WorkflowError::FollowUpDays {
                key: key("follow_up_days"),
                days,
            });
        }
        days => days.filter(|&d| d > 0),
    };
    let or_default = |value: &Option<String>, k: &str, default: &str| {
        fixed_text(value.as_deref().unwrap_or(default), &key(k), MAX_PICKLIST)
    };
    Ok(Outcome {
        name: name.to_string(),
        description: settings
            .description
            .clone()
            .filter(|d| !d.trim().is_empty()),
        disposition,
        status: or_default(&settings.status, "status", DEFAULT_STATUS)?,
        priority: or_default(&settings.priority, "priority", DEFAULT_PRIORITY)?,
        call_type: match &settings.call_type {
            Some(c) => fixed_text(c, &key("call_type"), MAX_PICKLIST)?,
            None => defaults.call_type.clone(),
        },
        subject,
        fields: fields(settings.fields.as_ref(), &key("fields"), Target::Task)?,
        follow_up_days,
        follow_up_subject,
        update_contact: fields(
            settings.update_contact.as_ref(),
            &key("update_contact"),
            Target::Person,
        )?,
        update_lead: fields(
            settings.update_lead.as_ref(),
            &key("update_lead"),
            Target::Person,
        )?,
        builtin,
    })
}

fn template(source: &str, key: &str) -> Result<Template, WorkflowError> {
    Template::parse(source).map_err(|problem| WorkflowError::Template {
        key: key.to_string(),
        problem,
    })
}

/// A fixed text value: not blank, and within Salesforce's length.
fn fixed_text(value: &str, key: &str, max: usize) -> Result<String, WorkflowError> {
    let length = value.chars().count();
    if value.trim().is_empty() {
        Err(WorkflowError::Empty { key: key.into() })
    } else if length > max {
        Err(WorkflowError::TooLong {
            key: key.into(),
            length,
            max,
        })
    } else {
        Ok(value.to_string())
    }
}

/// Which record a field table writes to.
#[derive(Clone, Copy)]
enum Target {
    Task,
    Person,
}

fn fields(
    table: Option<&Entries<toml::Value>>,
    key: &str,
    target: Target,
) -> Result<Fields, WorkflowError> {
    let Some(table) = table else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (field, value) in &table.0 {
        let (key, field) = (key.to_string(), field.clone());
        if !is_api_name(&field) {
            return Err(WorkflowError::FieldName { key, field });
        }
        // Salesforce field names are case-insensitive.
        let is = |name: &str| field.eq_ignore_ascii_case(name);
        match target {
            Target::Task if PUSH_FIELDS.iter().any(|n| is(n)) => {
                return Err(WorkflowError::PushField { key, field });
            }
            Target::Task => {
                if let Some((name, own_key)) = OWN_FIELDS.iter().find(|(n, _)| is(n)) {
                    return Err(WorkflowError::OwnField {
                        key,
                        field: (*name).to_string(),
                        own_key: (*own_key).to_string(),
                    });
                }
            }
            Target::Person if is("Id") => return Err(WorkflowError::UpdateId { key }),
            Target::Person => {}
        }
        let value = FieldValue::from_toml(value, &format!("{key}.{field}"))?;
        out.push((field, value));
    }
    Ok(out)
}

/// Letters, digits and `_`, starting with a letter: the shape of a
/// Salesforce field API name (`Call_Campaign__c`).
fn is_api_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Lowercase letters, digits and single `-` between them.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.split('-').all(|part| !part.is_empty())
}

/// The canonical form of a typed outcome name: lowercase, with runs of
/// `-`, `_` and spaces as one `-`.
pub fn normalize(given: &str) -> String {
    given
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// `demo-scheduled` → `Demo Scheduled`.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    /// `[workflow]` of a config file, read as `Settings::load` reads it.
    fn parse(toml: &str) -> Result<WorkflowSettings, toml::de::Error> {
        #[derive(serde::Deserialize)]
        struct File {
            workflow: WorkflowSettings,
        }
        toml::from_str::<File>(toml).map(|file| file.workflow)
    }

    fn settings(toml: &str) -> WorkflowSettings {
        parse(toml).unwrap()
    }

    fn workflow(toml: &str) -> Workflow {
        Workflow::from_settings(&settings(toml)).unwrap()
    }

    fn error(toml: &str) -> String {
        Workflow::from_settings(&settings(toml))
            .unwrap_err()
            .to_string()
    }

    fn names(workflow: &Workflow) -> Vec<&str> {
        workflow
            .outcomes()
            .iter()
            .map(|o| o.name.as_str())
            .collect()
    }

    fn prospect(kind: PersonKind) -> Prospect {
        Prospect {
            person_id: "003000000000001AAA".into(),
            kind,
            related_id: None,
            account_id: None,
            name: "Ada Lovelace".into(),
            title: Some("CTO".into()),
            account: Some("Analytical Engines".into()),
            phone: Some("+1 415 555 0100".into()),
            phone_e164: Some("+14155550100".into()),
            mapped: BTreeMap::new(),
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn facts(prospect: &Prospect) -> CallFacts<'_> {
        CallFacts {
            prospect,
            list: "Q3 Fintech",
            call_date: date("2026-03-09"),
            follow_up_on: None,
        }
    }

    const BUILT_IN_NAMES: [&str; 11] = [
        "connected",
        "left-voicemail",
        "no-answer",
        "busy",
        "gatekeeper",
        "wrong-number",
        "bad-number",
        "meeting-booked",
        "not-interested",
        "call-back-later",
        "do-not-call",
    ];

    #[test]
    fn built_ins_come_in_order_with_the_documented_defaults() {
        let wf = Workflow::builtin();
        assert_eq!(names(&wf), BUILT_IN_NAMES);
        let dispositions: Vec<&str> = wf
            .outcomes()
            .iter()
            .map(|o| o.disposition.as_str())
            .collect();
        assert_eq!(
            dispositions,
            [
                "Connected",
                "Left Voicemail",
                "No Answer",
                "Busy",
                "Gatekeeper",
                "Wrong Number",
                "Bad Number",
                "Meeting Booked",
                "Not Interested",
                "Call Back Later",
                "Do Not Call",
            ]
        );
        for o in wf.outcomes() {
            assert_eq!(o.status, "Completed", "{}", o.name);
            assert_eq!(o.call_type, "Outbound", "{}", o.name);
            assert_eq!(o.priority, "Normal", "{}", o.name);
            assert_eq!(o.subject_template(), "Call: {disposition}", "{}", o.name);
            assert!(o.is_builtin());
            assert!(o.description.is_some());
            assert!(o.fields.is_empty());
        }
        assert_eq!(wf, workflow("[workflow]\n"));
    }

    #[test]
    fn built_in_extras_are_follow_ups_and_person_updates() {
        let wf = Workflow::builtin();
        let follow_ups: Vec<(&str, u32)> = wf
            .outcomes()
            .iter()
            .filter_map(|o| Some((o.name.as_str(), o.follow_up_days()?)))
            .collect();
        assert_eq!(follow_ups, [("left-voicemail", 2), ("call-back-later", 1)]);

        let updates: Vec<(&str, String)> = wf
            .outcomes()
            .iter()
            .map(|o| (o.name.as_str(), o.summary_of_updates()))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        assert_eq!(
            updates,
            [
                ("connected", "Lead Status=Working - Contacted".to_string()),
                (
                    "meeting-booked",
                    "Lead Status=Working - Contacted".to_string()
                ),
                ("do-not-call", "DoNotCall=true".to_string()),
            ]
        );
    }

    #[test]
    fn configured_keys_override_only_themselves() {
        let wf = workflow(
            r#"
            [workflow]
            subject = "{disposition} - {prospect}"
            call_type = "Internal"

            [workflow.outcomes.left-voicemail]
            disposition = "Voicemail"
            priority = "Low"
            "#,
        );
        assert_eq!(names(&wf), BUILT_IN_NAMES);
        let vm = wf.outcome("left-voicemail").unwrap();
        assert_eq!(vm.disposition, "Voicemail");
        assert_eq!(vm.priority, "Low");
        assert_eq!(vm.status, "Completed");
        assert_eq!(vm.follow_up_days(), Some(2), "kept from the built-in");
        assert_eq!(vm.description.as_deref(), Some("Left a voicemail message"));
        assert!(vm.is_builtin());
        // The workflow defaults reach every outcome that sets none.
        for o in wf.outcomes() {
            assert_eq!(o.subject_template(), "{disposition} - {prospect}");
            assert_eq!(o.call_type, "Internal");
        }
    }

    #[test]
    fn a_given_table_or_zero_days_removes_a_built_in_extra() {
        let wf = workflow(
            r#"
            [workflow.outcomes.connected]
            update_lead = {}
            [workflow.outcomes.left-voicemail]
            follow_up_days = 0
            [workflow.outcomes.do-not-call]
            update_lead = { Status = "Unqualified", DoNotCall = true }
            "#,
        );
        assert_eq!(wf.outcome("connected").unwrap().summary_of_updates(), "");
        assert_eq!(wf.outcome("left-voicemail").unwrap().follow_up_days(), None);
        assert_eq!(
            wf.outcome("do-not-call").unwrap().summary_of_updates(),
            "Lead Status=Unqualified; DoNotCall=true"
        );
    }

    #[test]
    fn new_outcomes_follow_the_built_ins_in_file_order() {
        let wf = workflow(
            r#"
            [workflow.outcomes.zebra]
            [workflow.outcomes.demo-scheduled]
            description = "Demo booked with the AE"
            [workflow.outcomes.busy]
            priority = "Low"
            [workflow.outcomes.alpha-2]
            disposition = "Alpha Two"
            "#,
        );
        let mut expected = BUILT_IN_NAMES.to_vec();
        expected.extend(["zebra", "demo-scheduled", "alpha-2"]);
        assert_eq!(names(&wf), expected);
        let demo = wf.outcome("demo-scheduled").unwrap();
        assert_eq!(demo.disposition, "Demo Scheduled", "title-cased name");
        assert_eq!(demo.description.as_deref(), Some("Demo booked with the AE"));
        assert_eq!(demo.status, "Completed");
        assert_eq!(demo.subject_template(), "Call: {disposition}");
        assert!(!demo.is_builtin());
        assert_eq!(wf.outcome("alpha-2").unwrap().disposition, "Alpha Two");
    }

    #[test]
    fn file_order_survives_dotted_keys_and_split_tables() {
        // Outcome names, then the first outcome's field names.
        let order = |toml: &str| -> Vec<String> {
            let outcomes = settings(toml).outcomes.0;
            let fields = outcomes[0].1.fields.clone().unwrap_or_default().0;
            let names = outcomes.into_iter().map(|(name, _)| name);
            names
                .chain(fields.into_iter().map(|(name, _)| name))
                .collect()
        };
        for toml in [
            "[workflow.outcomes.c]\n[workflow.outcomes.b]\n[workflow.outcomes.a]\n\
             [workflow.outcomes.c.fields]\nZ = 1\nA = 2\n",
            "[workflow]\noutcomes.c.fields.Z = 1\noutcomes.b = {}\noutcomes.a = {}\n\
             outcomes.c.fields.A = 2\n",
            "[workflow]\noutcomes = { c = { fields = { Z = 1, A = 2 } }, b = {}, a = {} }\n",
        ] {
            assert_eq!(order(toml), ["c", "b", "a", "Z", "A"], "{toml}");
        }
    }

    #[test]
    fn builtin_false_keeps_only_the_configured_outcomes_in_file_order() {
        let wf = workflow(
            r#"
            [workflow]
            builtin = false
            [workflow.outcomes.demo-scheduled]
            [workflow.outcomes.left-voicemail]
            [workflow.outcomes.connected]
            status = "Done"
            "#,
        );
        assert_eq!(
            names(&wf),
            ["demo-scheduled", "left-voicemail", "connected"]
        );
        // A built-in's name still brings its definition along.
        let vm = wf.outcome("left-voicemail").unwrap();
        assert_eq!(vm.follow_up_days(), Some(2));
        assert!(vm.is_builtin());
        assert_eq!(wf.outcome("connected").unwrap().status, "Done");
        assert!(wf.outcome("busy").is_err());

        let message = error("[workflow]\nbuiltin = false\n");
        assert!(
            message.contains("builtin = false` leaves no outcome"),
            "{message}"
        );
    }

    #[test]
    fn outcome_names_must_be_lowercase_words_and_dashes() {
        let message = error("[workflow.outcomes.Demo_Call]\n");
        assert_eq!(
            message,
            "outcome name `Demo_Call` is not allowed: use lowercase letters, digits and `-` \
             (e.g. `demo-call`)"
        );
        for bad in [
            "\"-demo\"",
            "\"demo--call\"",
            "\"demo call\"",
            "\"\"",
            "\"démo\"",
        ] {
            let result = Workflow::from_settings(&settings(&format!("[workflow.outcomes.{bad}]")));
            assert!(
                matches!(result, Err(WorkflowError::BadName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn lookup_ignores_case_and_separators() {
        let wf = Workflow::builtin();
        for given in [
            "left-voicemail",
            "Left Voicemail",
            "LEFT_VOICEMAIL",
            "  left  voicemail ",
            "Left-_Voicemail",
        ] {
            assert_eq!(wf.outcome(given).unwrap().name, "left-voicemail", "{given}");
        }
    }

    #[test]
    fn unknown_outcome_lists_the_valid_ones() {
        let wf = workflow("[workflow.outcomes.demo-scheduled]\n");
        let err = wf.outcome("voicemail").unwrap_err();
        assert_eq!(err.given, "voicemail");
        assert_eq!(err.valid.len(), 12);
        assert_eq!(
            err.to_string(),
            "unknown outcome `voicemail`; valid outcomes: connected, left-voicemail, no-answer, \
             busy, gatekeeper, wrong-number, bad-number, meeting-booked, not-interested, \
             call-back-later, do-not-call, demo-scheduled"
        );
    }

    #[test]
    fn templates_fill_every_placeholder_and_unescape_braces() {
        let wf = workflow(concat!(
            "[workflow.outcomes.demo-scheduled]\n",
            "subject = \"{{{outcome}}} {disposition}: {prospect}, {title} at {account} ",
            "({list}) {date} }}\"\n",
        ));
        let p = prospect(PersonKind::Contact);
        let outcome = wf.outcome("demo-scheduled").unwrap();
        let rendered = wf.render(outcome, &facts(&p)).unwrap();
        assert_eq!(
            rendered.task["Subject"],
            "{demo-scheduled} Demo Scheduled: Ada Lovelace, CTO at Analytical Engines \
             (Q3 Fintech) 2026-03-09 }"
        );

        // Missing title and account render as empty text.
        let bare = Prospect {
            title: None,
            account: None,
            ..p
        };
        let rendered = wf.render(outcome, &facts(&bare)).unwrap();
        assert_eq!(
            rendered.task["Subject"],
            "{demo-scheduled} Demo Scheduled: Ada Lovelace,  at  (Q3 Fintech) 2026-03-09 }"
        );
    }

    #[test]
    fn template_mistakes_name_the_key_and_the_fix() {
        let message =
            error("[workflow.outcomes.demo-scheduled]\nsubject = \"Demo: {prospect} {company}\"\n");
        assert_eq!(
            message,
            "`workflow.outcomes.demo-scheduled.subject` is not a valid template: unknown \
             placeholder `{company}`; use {outcome}, {disposition}, {prospect}, {account}, \
             {list}, {title}, {date} (`{{` and `}}` for literal braces)"
        );

        let message = error("[workflow.outcomes.busy]\nfollow_up_subject = \"Again {prospect\"\n");
        assert!(
            message.starts_with("`workflow.outcomes.busy.follow_up_subject` is not a valid"),
            "{message}"
        );
        assert!(
            message.contains("the `{` at character 7 is not closed"),
            "{message}"
        );

        let message = error("[workflow]\nsubject = \"Call }\"\n");
        assert!(
            message.starts_with("`workflow.subject` is not"),
            "{message}"
        );
        assert!(
            message.contains("`}` at character 6 has no opening"),
            "{message}"
        );

        let message = error("[workflow.outcomes.x]\nfields = { Note__c = \"{prospect\" }\n");
        assert!(
            message.starts_with("`workflow.outcomes.x.fields.Note__c` is not a valid template"),
            "{message}"
        );
    }

    #[test]
    fn extra_fields_render_in_file_order_after_the_outcome_fields() {
        let wf = workflow(
            r#"
            [workflow.outcomes.demo-scheduled]
            subject = "Demo: {prospect} ({account})"
            priority = "High"
            fields = { Zeta__c = "{list}", Demo__c = true, Count__c = 3, Score__c = 0.5 }
            "#,
        );
        let p = prospect(PersonKind::Contact);
        let outcome = wf.outcome("demo-scheduled").unwrap();
        let rendered = wf.render(outcome, &facts(&p)).unwrap();
        assert_eq!(
            Value::Object(rendered.task),
            json!({
                "Subject": "Demo: Ada Lovelace (Analytical Engines)",
                "Status": "Completed",
                "CallDisposition": "Demo Scheduled",
                "CallType": "Outbound",
                "Priority": "High",
                "Zeta__c": "Q3 Fintech",
                "Demo__c": true,
                "Count__c": 3,
                "Score__c": 0.5,
            })
        );
        let json = serde_json::to_value(outcome).unwrap();
        let keys: Vec<&String> = json["fields"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Zeta__c", "Demo__c", "Count__c", "Score__c"]);
        assert_eq!(
            json["fields"]["Zeta__c"], "{list}",
            "the template, not a rendering"
        );
        assert_eq!(rendered.follow_up, None);
        assert_eq!(rendered.person_update, None);
    }

    #[test]
    fn field_names_must_look_like_api_names() {
        for bad in [
            "\"2nd\"",
            "\"_x\"",
            "\"Call-Campaign\"",
            "\"Na me\"",
            "\"\"",
        ] {
            let message = error(&format!(
                "[workflow.outcomes.x]\nfields = {{ {bad} = 1 }}\n"
            ));
            assert!(
                message.contains("is not a Salesforce field API name"),
                "{bad}: {message}"
            );
            assert!(
                message.starts_with("`workflow.outcomes.x.fields`"),
                "{message}"
            );
        }
        let message = error("[workflow.outcomes.x]\nupdate_lead = { \"Lead Status\" = \"x\" }\n");
        assert!(message.starts_with("`workflow.outcomes.x.update_lead`: `Lead Status` is not"));
    }

    #[test]
    fn fields_the_push_or_the_outcome_sets_are_refused() {
        for field in PUSH_FIELDS.iter().copied().chain(["whoid", "DESCRIPTION"]) {
            let message = error(&format!(
                "[workflow.outcomes.x]\nfields = {{ {field} = \"a\" }}"
            ));
            assert_eq!(
                message,
                format!(
                    "`workflow.outcomes.x.fields`: `{field}` is set by the push for every call \
                     and cannot be configured"
                )
            );
        }
        let message = error("[workflow.outcomes.x]\nfields = { subject = \"a\" }");
        assert_eq!(
            message,
            "`workflow.outcomes.x.fields`: set `Subject` with the outcome's `subject` key, not \
             in `fields`"
        );
        let message = error("[workflow.outcomes.x]\nfields = { CallDisposition = \"a\" }");
        assert!(message.contains("`disposition` key"), "{message}");
        let message = error("[workflow.outcomes.x]\nupdate_contact = { Id = \"a\" }");
        assert!(
            message.contains("`Id` names the record to update"),
            "{message}"
        );
        // Person updates may set what the Task may not.
        workflow("[workflow.outcomes.x]\nupdate_contact = { Description = \"called\" }");
    }

    #[test]
    fn only_scalar_field_values_are_accepted() {
        for (value, kind) in [
            ("[1, 2]", "array values"),
            ("{ a = 1 }", "table values"),
            ("1979-05-27", "date-time (quote it as a string) values"),
            ("nan", "infinite or NaN float values"),
        ] {
            let message = error(&format!(
                "[workflow.outcomes.x]\nfields = {{ Bad__c = {value} }}"
            ));
            assert_eq!(
                message,
                format!(
                    "`workflow.outcomes.x.fields.Bad__c`: {kind} are not allowed; use a string, \
                     a boolean, an integer or a finite float"
                )
            );
        }
    }

    #[test]
    fn unknown_keys_and_blank_or_long_values_are_refused() {
        let err = parse("[workflow]\nbuiltins = true\n").unwrap_err();
        assert!(
            err.to_string().contains("unknown field `builtins`"),
            "{err}"
        );
        let err = parse("[workflow.outcomes.x]\nfollow_up = 2\n").unwrap_err();
        assert!(
            err.to_string().contains("unknown field `follow_up`"),
            "{err}"
        );

        assert_eq!(
            error("[workflow.outcomes.x]\nstatus = \" \"\n"),
            "`workflow.outcomes.x.status` must not be empty"
        );
        let long = "x".repeat(41);
        assert_eq!(
            error(&format!("[workflow]\ncall_type = \"{long}\"\n")),
            "`workflow.call_type` is 41 characters, over Salesforce's limit of 40; shorten it"
        );
        assert_eq!(
            error("[workflow.outcomes.x]\nfollow_up_days = 4000\n"),
            "`workflow.outcomes.x.follow_up_days` = 4000 is too far out; use at most 3650 \
             (0 for none)"
        );
    }

    #[test]
    fn follow_up_comes_from_days_or_an_explicit_date() {
        let wf = workflow(
            "[workflow.outcomes.left-voicemail]\n\
             follow_up_subject = \"Call {prospect} back ({disposition})\"\n\
             priority = \"High\"\n",
        );
        let p = prospect(PersonKind::Contact);
        let vm = wf.outcome("left-voicemail").unwrap();
        let rendered = wf.render(vm, &facts(&p)).unwrap();
        assert_eq!(rendered.follow_up_on, Some(date("2026-03-11")));
        assert_eq!(
            Value::Object(rendered.follow_up.unwrap()),
            json!({
                "Subject": "Call Ada Lovelace back (Left Voicemail)",
                "Status": "Not Started",
                "Priority": "High",
                "ActivityDate": "2026-03-11",
                "TaskSubtype": "Task",
            })
        );

        // An explicit date wins over the outcome's days...
        let explicit = CallFacts {
            follow_up_on: Some(date("2026-04-01")),
            ..facts(&p)
        };
        let rendered = wf.render(vm, &explicit).unwrap();
        assert_eq!(rendered.follow_up_on, Some(date("2026-04-01")));
        assert_eq!(rendered.follow_up.unwrap()["ActivityDate"], "2026-04-01");

        // ...and gives any outcome a follow-up, with the default subject.
        let busy = wf.outcome("busy").unwrap();
        assert_eq!(wf.render(busy, &facts(&p)).unwrap().follow_up, None);
        let rendered = wf.render(busy, &explicit).unwrap();
        let follow_up = rendered.follow_up.unwrap();
        assert_eq!(follow_up["Subject"], "Follow up: Ada Lovelace");
        assert_eq!(follow_up["Priority"], "Normal");

        // Days count across month ends.
        let late = CallFacts {
            call_date: date("2026-02-27"),
            ..facts(&p)
        };
        assert_eq!(
            wf.render(vm, &late).unwrap().follow_up_on,
            Some(date("2026-03-01"))
        );
    }

    #[test]
    fn person_update_follows_the_prospect_kind() {
        let wf = workflow(
            r#"
            [workflow.outcomes.meeting-booked]
            update_contact = { Last_Meeting__c = "{date}", Meetings__c = 1 }
            "#,
        );
        let meeting = wf.outcome("meeting-booked").unwrap();
        let lead = prospect(PersonKind::Lead);
        let contact = prospect(PersonKind::Contact);
        assert_eq!(
            wf.render(meeting, &facts(&lead)).unwrap().person_update,
            Some(
                json!({"Status": "Working - Contacted"})
                    .as_object()
                    .unwrap()
                    .clone()
            )
        );
        assert_eq!(
            wf.render(meeting, &facts(&contact)).unwrap().person_update,
            Some(
                json!({"Last_Meeting__c": "2026-03-09", "Meetings__c": 1})
                    .as_object()
                    .unwrap()
                    .clone()
            )
        );
        assert_eq!(
            meeting.summary_of_updates(),
            "Lead Status=Working - Contacted; Contact Last_Meeting__c={date}; \
             Contact Meetings__c=1"
        );

        let dnc = wf.outcome("do-not-call").unwrap();
        for kind in [PersonKind::Lead, PersonKind::Contact] {
            let p = prospect(kind);
            let update = wf.render(dnc, &facts(&p)).unwrap().person_update.unwrap();
            assert_eq!(Value::Object(update), json!({"DoNotCall": true}));
        }
        let busy = wf.outcome("busy").unwrap();
        assert_eq!(wf.render(busy, &facts(&lead)).unwrap().person_update, None);
    }

    #[test]
    fn too_long_values_name_the_field_the_limit_and_the_key() {
        let wf = workflow("[workflow.outcomes.x]\nsubject = \"{prospect} {prospect}\"\n");
        let p = Prospect {
            name: "é".repeat(128),
            ..prospect(PersonKind::Contact)
        };
        let err = wf.render(wf.outcome("x").unwrap(), &facts(&p)).unwrap_err();
        let RenderError::TooLong { field, length, max } = &err;
        assert_eq!((field.as_str(), *length, *max), ("Subject", 257, 255));
        assert_eq!(
            err.to_string(),
            "the Task's Subject would be 257 characters, over Salesforce's limit of 255; \
             shorten the outcome's `subject` in config.toml (or the values its placeholders \
             insert)"
        );

        // 255 characters fit (counted as characters, not bytes).
        let p = Prospect {
            name: "é".repeat(127),
            ..prospect(PersonKind::Contact)
        };
        assert!(wf.render(wf.outcome("x").unwrap(), &facts(&p)).is_ok());

        let long = "é".repeat(250);
        let p = Prospect {
            name: long,
            ..prospect(PersonKind::Contact)
        };
        let explicit = CallFacts {
            follow_up_on: Some(date("2026-04-01")),
            ..facts(&p)
        };
        let err = wf
            .render(wf.outcome("busy").unwrap(), &explicit)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the Task's follow-up Subject would be 261 characters"),
            "{err}"
        );
        assert!(err.to_string().contains("`follow_up_subject`"), "{err}");

        let long = "x".repeat(256);
        let message = error(&format!(
            "[workflow.outcomes.x]\ndisposition = \"{long}\"\n"
        ));
        assert!(
            message.starts_with("`workflow.outcomes.x.disposition` is 256 characters"),
            "{message}"
        );
    }

    #[test]
    fn json_shows_the_configured_facts() {
        let wf = Workflow::builtin();
        let json = serde_json::to_value(wf.outcome("do-not-call").unwrap()).unwrap();
        assert_eq!(
            json,
            json!({
                "name": "do-not-call",
                "description": "The prospect asked not to be called again",
                "disposition": "Do Not Call",
                "status": "Completed",
                "priority": "Normal",
                "call_type": "Outbound",
                "subject": "Call: {disposition}",
                "follow_up_days": null,
                "follow_up_subject": "Follow up: {prospect}",
                "fields": {},
                "update_contact": {"DoNotCall": true},
                "update_lead": {"DoNotCall": true},
                "builtin": true,
            })
        );
    }

    #[test]
    fn normalize_and_title_case() {
        assert_eq!(normalize(" Call_Back  later "), "call-back-later");
        assert_eq!(normalize("---"), "");
        assert_eq!(title_case("demo-scheduled"), "Demo Scheduled");
        assert_eq!(title_case("call-2"), "Call 2");
    }
}
