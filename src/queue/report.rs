//! Turning one Reports API run (`shared/salesforce-api.md` §4.3) into
//! [`Prospect`]s: the detail rows of TABULAR, SUMMARY and MATRIX fact maps,
//! the person's record found from id, name and lookup columns by key prefix,
//! and name, title, account and phone recognised from well-known columns or
//! mapped with `--map`. Pure parsing: `load` runs the report and pages.
//!
//! # Recognition
//!
//! - Person: an `id` column whose values are Contact (`003`) or Lead (`00Q`)
//!   ids (`CONTACT_ID`, `LEAD_ID`); else the name columns (`FULL_NAME`,
//!   `FIRST_NAME`, `LAST_NAME`, ...), whose `value` is the record id; else
//!   any other column whose values are such ids (a lookup from a custom
//!   object). Per row the first of the chosen columns holding an id wins.
//! - Related record: the row's own record when it is neither a person, an
//!   Account nor a user: an `id` column (`CUST_ID`) or a `…NAME` column whose
//!   value is such an id (`CUST_NAME`), kept for logging the call against it.
//! - Name: `FULL_NAME`, else `FIRST_NAME` + `LAST_NAME`, else the label of
//!   the column the person id came from (a lookup shows the person's name).
//! - Title: `TITLE` or a `….Title` column reached through a lookup.
//! - Account: `ACCOUNT.NAME`, `ACCOUNT_NAME`, `COMPANY` or `….Account.Name`;
//!   its `value` is the Account id when it starts with `001`.
//! - Phone: business phones (`PHONE1`, `PHONE`, other `phone` columns) before
//!   mobile ones (`PHONE3`, `MOBILE_PHONE`, labels with "mobile"), then any
//!   other phone column but fax; per row the first non-empty one. A mapped
//!   phone column is the only one used.
//!
//! Empty cells (`value: null`, label `-`) are absent. Mapped columns the run
//! lacks (hidden by field-level security, or not in the report) are listed
//! in [`Page::unavailable`] and never an error; a mapped `name` that is
//! unavailable falls back to the recognised name, since every prospect needs
//! one.

use std::collections::BTreeMap;

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};
use serde_json::{Map, Value};

use super::{PersonKind, Prospect};
use crate::ids::{SfId, checksum};

/// The key prefix of reports.
const REPORT_PREFIX: &str = "00O";

/// Why a report id was refused before any network call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportIdError {
    /// Nothing was given.
    #[error("the report id is empty")]
    Empty,
    /// Only ASCII letters and digits appear in ids.
    #[error("report id `{id}` contains `{found}`; ids have only letters and digits")]
    Charset { id: String, found: char },
    /// Ids have 15 or 18 characters.
    #[error("report id `{id}` has {len} characters; a report id has 15 or 18")]
    Length { id: String, len: usize },
    /// Report ids start with `00O` (capital O); `kind` names what the prefix is.
    #[error(
        "`{id}` is not a report id: it starts with `{prefix}`{kind}, report ids start with `00O`"
    )]
    Prefix {
        id: String,
        prefix: String,
        kind: String,
    },
    /// The last three characters of an 18-character id do not match the rest.
    #[error(
        "report id `{id}` has a wrong checksum: its last three characters should be `{expected}`"
    )]
    Checksum { id: String, expected: String },
}

/// Checks a report id as typed (15 or 18 characters, letters and digits,
/// prefix `00O`, checksum of the long form) and returns its 18-character
/// form, so a typo fails here rather than as Salesforce's vague 403.
pub fn check_report_id(raw: &str) -> Result<String, ReportIdError> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(ReportIdError::Empty);
    }
    if let Some(found) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(ReportIdError::Charset {
            id: id.to_string(),
            found,
        });
    }
    if id.len() != 15 && id.len() != 18 {
        return Err(ReportIdError::Length {
            id: id.to_string(),
            len: id.len(),
        });
    }
    let prefix = &id[..3];
    if prefix != REPORT_PREFIX {
        let kind = match prefix {
            "001" => " (an Account)",
            "003" => " (a Contact)",
            "005" => " (a User)",
            "006" => " (an Opportunity)",
            "00Q" => " (a Lead)",
            "00l" => " (a folder)",
            "00o" => " (lowercase o)",
            _ => "",
        };
        return Err(ReportIdError::Prefix {
            id: id.to_string(),
            prefix: prefix.to_string(),
            kind: kind.to_string(),
        });
    }
    let expected = checksum(&id[..15]);
    if id.len() == 18 && !id[15..].eq_ignore_ascii_case(&expected) {
        return Err(ReportIdError::Checksum {
            id: id.to_string(),
            expected,
        });
    }
    Ok(format!("{}{expected}", &id[..15]))
}

/// A record id in its 18-character form, when `raw` is a well-formed id.
fn normalize_id(raw: &str) -> Option<String> {
    SfId::parse(raw).ok().map(|id| id.to_string())
}

/// The fields recognised without a mapping; `--map NAME=COLUMN` with one of
/// these names replaces recognition, any other name adds a field.
pub const STANDARD_FIELDS: [&str; 4] = ["name", "title", "account", "phone"];

/// `--map` pairs: prospect field name and report column (API name, or label).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// `(field name, report column)`, in the order given; a later pair for
    /// the same name wins.
    pub fields: Vec<(String, String)>,
}

impl Mapping {
    /// The column mapped to `name`, if any.
    pub fn column(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_str())
    }

    /// The mapped fields that are not standard ones, each name once.
    fn extras(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (name, _) in &self.fields {
            let standard = STANDARD_FIELDS.contains(&name.as_str());
            if !standard && !out.iter().any(|(n, _)| n == name) {
                let column = self.column(name).expect("the name is in the mapping");
                out.push((name, column));
            }
        }
        out
    }
}

/// Parses one `--map NAME=COLUMN`: the name is lowercased and must be a
/// simple identifier (it names a stored field); the column is kept as given.
pub fn parse_map(raw: &str) -> Result<(String, String), String> {
    let Some((name, column)) = raw.split_once('=') else {
        return Err(format!(
            "`{raw}` is not NAME=COLUMN (for example phone=MOBILE_PHONE)"
        ));
    };
    let (name, column) = (name.trim().to_ascii_lowercase(), column.trim());
    let simple = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !simple {
        return Err(format!(
            "field name `{name}` in `{raw}` must start with a letter and hold only letters, \
             digits and `_`"
        ));
    }
    if column.is_empty() {
        return Err(format!("`{raw}` names no report column after `=`"));
    }
    Ok((name, column.to_string()))
}

/// Why a run cannot be turned into prospects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// No column holds a number to dial; `columns` are the report's
    /// `(API name, label)` pairs so the user can pick one with `--map`.
    #[error(
        "the report has no phone column to dial; its columns are: {}",
        list(columns)
    )]
    NoPhoneColumn { columns: Vec<(String, String)> },
    /// No column holds a Contact or Lead id, so calls could not be logged.
    #[error(
        "the report shows no Contact or Lead: none of its columns holds a Contact (003) or \
         Lead (00Q) id; its columns are: {}",
        list(columns)
    )]
    NoPersonColumn { columns: Vec<(String, String)> },
    /// The JSON is not a report run as documented.
    #[error("unexpected report run: {message}")]
    Shape { message: String },
}

fn list(columns: &[(String, String)]) -> String {
    if columns.is_empty() {
        return "(none)".to_string();
    }
    let items: Vec<String> = columns
        .iter()
        .map(|(name, label)| format!("{name} ({label})"))
        .collect();
    items.join(", ")
}

impl ReportError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoPhoneColumn { columns } => {
                let guess = columns.iter().find(|(name, label)| {
                    let text = format!("{name} {label}").to_ascii_lowercase();
                    ["phone", "mobile", "cell", "tel"]
                        .iter()
                        .any(|w| text.contains(w))
                });
                let column = guess.map_or("COLUMN", |(name, _)| name.as_str());
                Some(format!(
                    "name the column to dial with `--map phone={column}`, or add a phone \
                     column to the report"
                ))
            }
            Self::NoPersonColumn { .. } => Some(
                "add the Contact ID or Lead ID column (or the Contact or Lead name) to the \
                 report, or a lookup to the Contact or Lead"
                    .to_string(),
            ),
            Self::Shape { .. } => None,
        }
    }
}

fn shape(message: impl Into<String>) -> ReportError {
    ReportError::Shape {
        message: message.into(),
    }
}

/// A row that did not become a prospect, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// 1-based position of the row among the page's detail rows (`load`
    /// counts across pages).
    pub row: usize,
    pub reason: String,
}

/// The prospects of one run.
#[derive(Debug, Clone)]
pub struct Page {
    /// One per row with a person id, in row order (not deduplicated).
    pub prospects: Vec<Prospect>,
    pub skipped: Vec<Skip>,
    /// Detail rows in the run.
    pub rows: usize,
    /// `allData`: false when Salesforce cut the rows at its cap.
    pub all_data: bool,
    /// The `id` column that identifies rows, usable to page (the person id
    /// column, or the custom record's id column); `None` when there is none.
    pub id_column: Option<String>,
    /// The `value` of [`id_column`](Self::id_column) in the last row: the
    /// cursor of the next page when the run was sorted by that column.
    pub last_id: Option<String>,
    /// Mapped columns absent from this run (hidden or not in the report).
    pub unavailable: Vec<String>,
}

/// A detail column of the run.
#[derive(Debug)]
struct Column {
    name: String,
    label: String,
    data_type: String,
}

impl Column {
    fn is(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.name.eq_ignore_ascii_case(n))
    }

    fn ends_with(&self, suffix: &str) -> bool {
        let name = self.name.to_ascii_uppercase();
        name.ends_with(&suffix.to_ascii_uppercase())
    }

    fn mentions(&self, words: &[&str]) -> bool {
        let text = format!("{} {}", self.name, self.label).to_ascii_uppercase();
        words.iter().any(|w| text.contains(w))
    }
}

/// One cell: `label` as shown, `value` typed; empty cells read as `None`.
struct Cell<'a>(&'a Value);

impl<'a> Cell<'a> {
    fn is_empty(&self) -> bool {
        let value = &self.0["value"];
        value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
    }

    /// The label, for non-empty cells.
    fn text(&self) -> Option<&'a str> {
        if self.is_empty() {
            return None;
        }
        let label = self.0["label"].as_str().map(str::trim)?;
        (!label.is_empty() && label != "-").then_some(label)
    }

    /// The value as a record id (18 characters), when it is one.
    fn id(&self) -> Option<String> {
        self.0["value"].as_str().and_then(normalize_id)
    }

    /// The raw string value.
    fn raw(&self) -> Option<&'a str> {
        self.0["value"].as_str().filter(|s| !s.trim().is_empty())
    }
}

/// Names of columns whose `value` is the person's id and `label` part of the
/// name.
const NAME_COLUMNS: [&str; 8] = [
    "FULL_NAME",
    "FIRST_NAME",
    "LAST_NAME",
    "NAME",
    "CONTACT_NAME",
    "LEAD_NAME",
    "CONTACT.NAME",
    "LEAD.NAME",
];

/// Key prefixes a row's own record cannot have when it is kept as the
/// related record: people, Accounts, users and queues.
const NOT_RELATED: [&str; 5] = ["003", "00Q", "001", "005", "00G"];

fn person_prefix(id: &str) -> bool {
    PersonKind::from_id(id).is_some()
}

/// Which columns play which part, decided once per run.
struct Plan {
    /// Columns the person id is read from, in priority order.
    person: Vec<usize>,
    /// Whether `person` are `id` columns (then the first one pages).
    person_is_id: bool,
    related: Vec<usize>,
    id_column: Option<usize>,
    name: Option<usize>,
    full_name: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    title: Option<usize>,
    account: Option<usize>,
    account_id: Option<usize>,
    phones: Vec<usize>,
    extras: Vec<(String, usize)>,
    unavailable: Vec<String>,
}

/// Finds a mapped column: exact API name, then any case, then by label.
fn find_column(columns: &[Column], wanted: &str) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.name == wanted)
        .or_else(|| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(wanted))
        })
        .or_else(|| {
            columns
                .iter()
                .position(|c| c.label.eq_ignore_ascii_case(wanted))
        })
}

/// How likely a column is the number to dial: 0 business, 1 mobile, 2 any
/// other phone; `None` when it is not a phone column (or a fax).
fn phone_rank(column: &Column) -> Option<u8> {
    if column.mentions(&["FAX"]) {
        return None;
    }
    let phone_typed = column.data_type.eq_ignore_ascii_case("phone");
    if column.is(&["PHONE3", "MOBILE_PHONE", "MOBILEPHONE"])
        || (phone_typed && column.mentions(&["MOBILE", "CELL"]))
    {
        return Some(1);
    }
    if column.is(&["PHONE1", "PHONE", "BUSINESS_PHONE"]) {
        return Some(0);
    }
    if !phone_typed {
        return None;
    }
    let other = column.mentions(&["HOME", "OTHER", "ASSISTANT", "ACCOUNT"]);
    Some(if other { 2 } else { 0 })
}

impl Plan {
    fn new(columns: &[Column], rows: &[&Value], mapping: &Mapping) -> Result<Self, ReportError> {
        let cells = |i: usize| rows.iter().map(move |row| Cell(&row["dataCells"][i]));
        let has_ids = |i: usize, test: &dyn Fn(&str) -> bool| {
            cells(i).any(|c| c.id().is_some_and(|id| test(&id)))
        };
        let is_id_type = |i: usize| columns[i].data_type.eq_ignore_ascii_case("id");
        let all: Vec<usize> = (0..columns.len()).collect();

        // The person: id columns, else name columns, else lookups.
        let with_person_ids: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| has_ids(i, &person_prefix))
            .collect();
        let id_typed: Vec<usize> = with_person_ids
            .iter()
            .copied()
            .filter(|&i| is_id_type(i))
            .collect();
        let named: Vec<usize> = NAME_COLUMNS
            .iter()
            .filter_map(|n| {
                with_person_ids
                    .iter()
                    .copied()
                    .find(|&i| columns[i].is(&[n]))
            })
            .collect();
        let (person, person_is_id) = if !id_typed.is_empty() {
            (id_typed, true)
        } else if !named.is_empty() {
            (named, false)
        } else {
            (with_person_ids, false)
        };

        let related_prefix = |id: &str| !NOT_RELATED.contains(&&id[..3]);
        let related_ids: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| is_id_type(i) && has_ids(i, &related_prefix))
            .collect();
        let related_names = all.iter().copied().filter(|&i| {
            !is_id_type(i) && columns[i].ends_with("NAME") && has_ids(i, &related_prefix)
        });
        let id_column = if person_is_id {
            person.first().copied()
        } else {
            related_ids.first().copied()
        };
        let related: Vec<usize> = related_ids.iter().copied().chain(related_names).collect();

        let find = |names: &[&str]| all.iter().copied().find(|&i| columns[i].is(names));
        let mut unavailable = Vec::new();
        let mut mapped = |field: &str| -> Option<Option<usize>> {
            let wanted = mapping.column(field)?;
            let found = find_column(columns, wanted);
            if found.is_none() {
                unavailable.push(wanted.to_string());
            }
            Some(found)
        };

        let name = mapped("name").flatten();
        let title = mapped("title").unwrap_or_else(|| {
            find(&["TITLE"]).or_else(|| {
                all.iter()
                    .copied()
                    .find(|&i| columns[i].ends_with(".TITLE"))
            })
        });
        let account = mapped("account").unwrap_or_else(|| {
            find(&["ACCOUNT.NAME", "ACCOUNT_NAME", "COMPANY"]).or_else(|| {
                all.iter()
                    .copied()
                    .find(|&i| columns[i].ends_with(".ACCOUNT.NAME"))
            })
        });
        let account_id = all
            .iter()
            .copied()
            .find(|&i| is_id_type(i) && has_ids(i, &|id| id.starts_with("001")));
        let phones = match mapped("phone") {
            Some(found) => found.into_iter().collect(),
            None => {
                let mut ranked: Vec<(u8, usize)> = all
                    .iter()
                    .filter_map(|&i| phone_rank(&columns[i]).map(|r| (r, i)))
                    .collect();
                ranked.sort();
                if ranked.is_empty() {
                    return Err(ReportError::NoPhoneColumn {
                        columns: pairs(columns),
                    });
                }
                ranked.into_iter().map(|(_, i)| i).collect()
            }
        };
        let mut extras = Vec::new();
        for (field, wanted) in mapping.extras() {
            match find_column(columns, wanted) {
                Some(i) => extras.push((field.to_string(), i)),
                None => unavailable.push(wanted.to_string()),
            }
        }

        if person.is_empty() && !rows.is_empty() {
            return Err(ReportError::NoPersonColumn {
                columns: pairs(columns),
            });
        }
        Ok(Self {
            person,
            person_is_id,
            related,
            id_column,
            name,
            full_name: find(&["FULL_NAME"]),
            first_name: find(&["FIRST_NAME"]),
            last_name: find(&["LAST_NAME"]),
            title,
            account,
            account_id,
            phones,
            extras,
            unavailable,
        })
    }

    /// The prospect of one row, or why there is none.
    fn prospect(&self, row: &Value, country: Id) -> Result<Prospect, String> {
        let cell = |i: usize| Cell(&row["dataCells"][i]);
        let text = |i: Option<usize>| i.and_then(|i| cell(i).text()).map(str::to_string);

        let Some((source, person_id)) = self.person.iter().find_map(|&i| {
            cell(i)
                .id()
                .filter(|id| person_prefix(id))
                .map(|id| (i, id))
        }) else {
            return Err("no Contact or Lead id in the row".to_string());
        };
        let kind = PersonKind::from_id(&person_id).expect("the id has a person prefix");

        let recognised = || {
            if let Some(full) = text(self.full_name) {
                return full;
            }
            let parts: Vec<String> = [self.first_name, self.last_name]
                .into_iter()
                .filter_map(text)
                .collect();
            if !parts.is_empty() {
                return parts.join(" ");
            }
            let from_source = (!self.person_is_id).then(|| text(Some(source))).flatten();
            from_source.unwrap_or_else(|| person_id.clone())
        };
        let name = text(self.name).unwrap_or_else(recognised);

        let related_id = self
            .related
            .iter()
            .find_map(|&i| cell(i).id().filter(|id| !NOT_RELATED.contains(&&id[..3])));
        let account_id = self
            .account
            .and_then(|i| cell(i).id())
            .or_else(|| self.account_id.and_then(|i| cell(i).id()))
            .filter(|id| id.starts_with("001"));
        let phone = self.phones.iter().find_map(|&i| text(Some(i)));
        let phone_e164 = phone.as_deref().and_then(|p| e164(p, country));
        let mapped: BTreeMap<String, String> = self
            .extras
            .iter()
            .filter_map(|(field, i)| text(Some(*i)).map(|t| (field.clone(), t)))
            .collect();

        Ok(Prospect {
            person_id,
            kind,
            related_id,
            account_id,
            name,
            title: text(self.title),
            account: text(self.account),
            phone,
            phone_e164,
            mapped,
        })
    }
}

fn pairs(columns: &[Column]) -> Vec<(String, String)> {
    columns
        .iter()
        .map(|c| (c.name.clone(), c.label.clone()))
        .collect()
}

/// The E.164 form of a number as typed, read in `country` unless it has a
/// `+` country code; `None` when it does not parse to a valid number.
/// Extensions are dropped: E.164 has none.
pub fn e164(phone: &str, country: Id) -> Option<String> {
    let number: PhoneNumber = phonenumber::parse(Some(country), phone).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

/// The detail columns of a run: `reportMetadata.detailColumns`, labelled and
/// typed by `reportExtendedMetadata.detailColumnInfo`.
fn columns(run: &Value) -> Result<Vec<Column>, ReportError> {
    let names = run["reportMetadata"]["detailColumns"]
        .as_array()
        .ok_or_else(|| shape("`reportMetadata.detailColumns` is missing"))?;
    let info = &run["reportExtendedMetadata"]["detailColumnInfo"];
    names
        .iter()
        .map(|name| {
            let name = name
                .as_str()
                .ok_or_else(|| shape("`detailColumns` holds a non-string"))?;
            let column = &info[name];
            let text = |key: &str| column[key].as_str().unwrap_or_default().to_string();
            let label = column["label"].as_str().unwrap_or(name).to_string();
            Ok(Column {
                name: name.to_string(),
                label,
                data_type: text("dataType"),
            })
        })
        .collect()
}

/// A fact map key's path on one axis: `None` for the total `T`.
fn path(part: &str) -> Result<Option<Vec<u32>>, ReportError> {
    if part == "T" {
        return Ok(None);
    }
    part.split('_')
        .map(|n| n.parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(|_| shape(format!("fact map key part `{part}` is not a grouping path")))
}

/// The deepest paths of one axis (those no other path extends), in grouping
/// order; `[None]` (the total `T`) when the axis has no groupings.
fn leaves(paths: &[Vec<u32>]) -> Vec<Option<Vec<u32>>> {
    let mut out: Vec<Vec<u32>> = paths
        .iter()
        .filter(|p| !paths.iter().any(|q| q.len() > p.len() && q.starts_with(p)))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        vec![None]
    } else {
        out.into_iter().map(Some).collect()
    }
}

fn key_part(path: &Option<Vec<u32>>) -> String {
    match path {
        None => "T".to_string(),
        Some(p) => {
            let parts: Vec<String> = p.iter().map(u32::to_string).collect();
            parts.join("_")
        }
    }
}

/// The detail rows of a fact map: TABULAR `T!T`; SUMMARY the leaf `down!T`
/// keys; MATRIX the leaf `down!across` cells. Subtotal and total cells
/// (`…!T`, `T!…` above the leaves) hold aggregates only and are skipped.
fn detail_rows(fact_map: &Map<String, Value>) -> Result<Vec<&Value>, ReportError> {
    let mut down = Vec::new();
    let mut across = Vec::new();
    for key in fact_map.keys() {
        let (d, a) = key
            .split_once('!')
            .ok_or_else(|| shape(format!("fact map key `{key}` has no `!`")))?;
        down.extend(path(d)?);
        across.extend(path(a)?);
    }

    let mut rows = Vec::new();
    let across = leaves(&across);
    for d in leaves(&down) {
        for a in &across {
            let key = format!("{}!{}", key_part(&d), key_part(a));
            if let Some(found) = fact_map.get(&key).and_then(|e| e["rows"].as_array()) {
                rows.extend(found);
            }
        }
    }
    Ok(rows)
}

/// Turns one run into prospects (see the module docs for recognition).
/// `default_country` reads numbers written without a `+` country code.
pub fn parse_run(run: &Value, mapping: &Mapping, default_country: Id) -> Result<Page, ReportError> {
    if run["hasDetailRows"] == Value::Bool(false) {
        return Err(shape(
            "the run has no detail rows (run it with includeDetails=true)",
        ));
    }
    let all_data = run["allData"]
        .as_bool()
        .ok_or_else(|| shape("`allData` is missing"))?;
    let fact_map = run["factMap"]
        .as_object()
        .ok_or_else(|| shape("`factMap` is missing"))?;
    let columns = columns(run)?;
    let rows = detail_rows(fact_map)?;
    let plan = Plan::new(&columns, &rows, mapping)?;

    let mut prospects = Vec::with_capacity(rows.len());
    let mut skipped = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match plan.prospect(row, default_country) {
            Ok(prospect) => prospects.push(prospect),
            Err(reason) => skipped.push(Skip { row: i + 1, reason }),
        }
    }
    let last_id = plan.id_column.and_then(|c| {
        rows.iter()
            .rev()
            .find_map(|row| Cell(&row["dataCells"][c]).raw().map(str::to_string))
    });

    Ok(Page {
        prospects,
        skipped,
        rows: rows.len(),
        all_data,
        id_column: plan.id_column.map(|i| columns[i].name.clone()),
        last_id,
        unavailable: plan.unavailable,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const US: Id = Id::US;
    const CONTACT_A: &str = "003R0000001AbCdIAK";
    const CONTACT_B: &str = "003R0000001AbCe";
    const LEAD_A: &str = "00QR0000000XyZ1";
    const ACCOUNT: &str = "001R0000002Guzs";
    const MEMBER: &str = "a01R000000AbCd1";

    fn cell(label: &str, value: &str) -> Value {
        json!({"label": label, "value": value})
    }

    fn empty() -> Value {
        json!({"label": "-", "value": null})
    }

    fn row(cells: Vec<Value>) -> Value {
        json!({"dataCells": cells})
    }

    /// A run with `columns` as `(API name, label, dataType)`.
    fn run(format: &str, columns: &[(&str, &str, &str)], fact_map: Value, all_data: bool) -> Value {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let info: Map<String, Value> = columns
            .iter()
            .map(|(n, l, t)| ((*n).to_string(), json!({"label": l, "dataType": t})))
            .collect();
        json!({
            "attributes": {"reportId": "00OR0000000K2UeMAK", "reportName": "Test"},
            "allData": all_data,
            "hasDetailRows": true,
            "factMap": fact_map,
            "reportMetadata": {"reportFormat": format, "detailColumns": names},
            "reportExtendedMetadata": {"detailColumnInfo": info},
        })
    }

    fn tabular(columns: &[(&str, &str, &str)], rows: Vec<Value>) -> Value {
        run(
            "TABULAR",
            columns,
            json!({"T!T": {"aggregates": [], "rows": rows}}),
            true,
        )
    }

    fn parse(run: &Value) -> Page {
        parse_run(run, &Mapping::default(), US).unwrap()
    }

    fn mapping(pairs: &[&str]) -> Mapping {
        Mapping {
            fields: pairs.iter().map(|p| parse_map(p).unwrap()).collect(),
        }
    }

    const CONTACT_COLUMNS: [(&str, &str, &str); 7] = [
        ("CONTACT_ID", "Contact ID", "id"),
        ("FIRST_NAME", "First Name", "string"),
        ("LAST_NAME", "Last Name", "string"),
        ("TITLE", "Title", "string"),
        ("ACCOUNT.NAME", "Account Name", "string"),
        ("PHONE1", "Phone", "phone"),
        ("PHONE3", "Mobile", "phone"),
    ];

    fn contact_row(id: &str, first: &str, phone: Option<&str>, mobile: Option<&str>) -> Value {
        let phone_cell = |p: Option<&str>| p.map_or_else(empty, |p| cell(p, p));
        row(vec![
            cell(&id[..15], id),
            cell(first, id),
            cell("Nguyen", id),
            cell("VP Sales", "VP Sales"),
            cell("Acme", ACCOUNT),
            phone_cell(phone),
            phone_cell(mobile),
        ])
    }

    #[test]
    fn report_ids_are_checked_and_lengthened() {
        assert_eq!(
            check_report_id("00OR0000000K2Ue").unwrap(),
            "00OR0000000K2UeMAK"
        );
        assert_eq!(
            check_report_id("00OD0000001ZbP7").unwrap(),
            "00OD0000001ZbP7MAK"
        );
        assert_eq!(
            check_report_id(" 00OD0000001ZbP7mak ").unwrap(),
            "00OD0000001ZbP7MAK"
        );
        for (short, suffix) in [
            ("00558000001N0Ke", "AAK"),
            ("001R0000002Guzs", "IAC"),
            ("006R00000023IDY", "IA2"),
            ("0LGD000000000Iy", "OAI"),
            ("a00D0000008pQSN", "IA2"),
        ] {
            assert_eq!(checksum(short), suffix, "{short}");
        }

        let message = |raw: &str| check_report_id(raw).unwrap_err().to_string();
        assert_eq!(
            message("00OD0000001ZbP7AAA"),
            "report id `00OD0000001ZbP7AAA` has a wrong checksum: its last three characters \
             should be `MAK`"
        );
        assert_eq!(
            message("00OD0000001ZbP"),
            "report id `00OD0000001ZbP` has 14 characters; a report id has 15 or 18"
        );
        assert_eq!(
            message("00OD0000001Zb-7"),
            "report id `00OD0000001Zb-7` contains `-`; ids have only letters and digits"
        );
        assert_eq!(
            message("003R0000001AbCd"),
            "`003R0000001AbCd` is not a report id: it starts with `003` (a Contact), report ids \
             start with `00O`"
        );
        assert_eq!(message("  "), "the report id is empty");
    }

    #[test]
    fn tabular_rows_become_prospects() {
        let page = parse(&tabular(
            &CONTACT_COLUMNS,
            vec![
                contact_row(CONTACT_A, "Ana", Some("(614) 555-0123"), None),
                contact_row(
                    &normalize_id(CONTACT_B).unwrap(),
                    "Ben",
                    None,
                    Some("+44 20 7946 0100"),
                ),
            ],
        ));
        assert_eq!((page.rows, page.all_data), (2, true));
        assert_eq!(page.id_column.as_deref(), Some("CONTACT_ID"));
        assert_eq!(page.last_id, normalize_id(CONTACT_B));
        let a = &page.prospects[0];
        assert_eq!(a.person_id, CONTACT_A);
        assert_eq!(a.kind, PersonKind::Contact);
        assert_eq!(a.name, "Ana Nguyen");
        assert_eq!(a.title.as_deref(), Some("VP Sales"));
        assert_eq!(a.account.as_deref(), Some("Acme"));
        assert_eq!(a.account_id, normalize_id(ACCOUNT));
        assert_eq!(a.phone.as_deref(), Some("(614) 555-0123"));
        assert_eq!(a.phone_e164.as_deref(), Some("+16145550123"));
        assert_eq!(a.related_id, None);
        // No business phone: the mobile is dialed.
        let b = &page.prospects[1];
        assert_eq!(b.phone.as_deref(), Some("+44 20 7946 0100"));
        assert_eq!(b.phone_e164.as_deref(), Some("+442079460100"));
    }

    #[test]
    fn name_columns_whose_value_is_an_id_give_the_person() {
        let columns = [
            ("FIRST_NAME", "First Name", "string"),
            ("LAST_NAME", "Last Name", "string"),
            ("ACCOUNT.NAME", "Account Name", "string"),
            ("PHONE1", "Phone", "phone"),
        ];
        let page = parse(&tabular(
            &columns,
            vec![
                row(vec![
                    cell("Ana", CONTACT_A),
                    cell("Nguyen", CONTACT_A),
                    cell("Acme", ACCOUNT),
                    cell("614-555-0199", "614-555-0199"),
                ]),
                // A blank first name still carries the id in `value`.
                row(vec![
                    json!({"label": "-", "value": CONTACT_B}),
                    cell("Okafor", CONTACT_B),
                    empty(),
                    empty(),
                ]),
            ],
        ));
        assert_eq!(page.id_column, None, "name columns do not page");
        assert_eq!(page.last_id, None);
        let names: Vec<(&str, &str)> = page
            .prospects
            .iter()
            .map(|p| (p.person_id.as_str(), p.name.as_str()))
            .collect();
        let b = normalize_id(CONTACT_B).unwrap();
        assert_eq!(names, [(CONTACT_A, "Ana Nguyen"), (b.as_str(), "Okafor")]);
        assert_eq!(page.prospects[1].account, None);
        assert_eq!(page.prospects[1].account_id, None);
        assert!(!page.prospects[1].dialable(), "no phone: kept, undialable");
    }

    const LEAD_COLUMNS: [(&str, &str, &str); 4] = [
        ("FIRST_NAME", "First Name", "string"),
        ("LAST_NAME", "Last Name", "string"),
        ("PHONE", "Phone", "phone"),
        ("LEAD_ID", "Lead ID", "id"),
    ];

    fn lead(n: u32) -> Value {
        let short = format!("00QR0000000Xy{n:02}");
        let id = normalize_id(&short).unwrap();
        row(vec![
            cell(&format!("F{n}"), &id),
            cell(&format!("L{n}"), &id),
            cell("(216) 555-0142", "(216) 555-0142"),
            cell(&short, &id),
        ])
    }

    fn first_names(page: &Page) -> Vec<String> {
        page.prospects.iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn summary_rows_come_from_the_leaf_groupings_only() {
        let entry =
            |rows: Vec<Value>| json!({"aggregates": [{"label": "1", "value": 1}], "rows": rows});
        let fact_map = json!({
            "T!T": entry(vec![]),
            "0!T": entry(vec![lead(99)]),
            "0_0!T": entry(vec![lead(1), lead(2)]),
            "0_1!T": entry(vec![lead(3)]),
            "1!T": entry(vec![]),
            "1_0!T": entry(vec![lead(4)]),
            "10!T": entry(vec![]),
            "10_0!T": entry(vec![lead(6)]),
            "2!T": entry(vec![]),
            "2_0!T": entry(vec![lead(5)]),
        });
        let page = parse(&run("SUMMARY", &LEAD_COLUMNS, fact_map, true));
        assert_eq!(
            first_names(&page),
            ["F1 L1", "F2 L2", "F3 L3", "F4 L4", "F5 L5", "F6 L6"]
        );
        assert_eq!(page.prospects[0].kind, PersonKind::Lead);
        assert_eq!(page.id_column.as_deref(), Some("LEAD_ID"));
        assert_eq!(page.last_id, normalize_id("00QR0000000Xy06"));
    }

    #[test]
    fn matrix_rows_come_from_leaf_cells_not_totals() {
        let entry = |rows: Vec<Value>| json!({"aggregates": [], "rows": rows});
        let fact_map = json!({
            "0!0": entry(vec![lead(1)]),
            "0!1": entry(vec![lead(2)]),
            "0!T": entry(vec![lead(97)]),
            "1!0": entry(vec![]),
            "1!1": entry(vec![lead(3), lead(4)]),
            "1!T": entry(vec![]),
            "T!0": entry(vec![lead(98)]),
            "T!1": entry(vec![]),
            "T!T": entry(vec![lead(99)]),
        });
        let page = parse(&run("MATRIX", &LEAD_COLUMNS, fact_map, true));
        assert_eq!(first_names(&page), ["F1 L1", "F2 L2", "F3 L3", "F4 L4"]);
        assert_eq!(page.rows, 4);
    }

    const MEMBER_COLUMNS: [(&str, &str, &str); 5] = [
        ("CUST_NAME", "Call List Member Name", "string"),
        ("Call_List_Member__c.Contact__c", "Contact", "string"),
        (
            "Call_List_Member__c.Contact__c.Title",
            "Contact: Title",
            "string",
        ),
        (
            "Call_List_Member__c.Contact__c.Phone",
            "Contact: Business Phone",
            "phone",
        ),
        (
            "Call_List_Member__c.Contact__c.Account.Name",
            "Contact: Account Name",
            "string",
        ),
    ];

    #[test]
    fn custom_object_rows_keep_the_person_and_their_own_record() {
        let page = parse(&tabular(
            &MEMBER_COLUMNS,
            vec![row(vec![
                cell("CLM-00001", MEMBER),
                cell("Ana Nguyen", CONTACT_A),
                cell("CFO", "CFO"),
                cell("937.555.0111 x12", "937.555.0111 x12"),
                cell("Acme", ACCOUNT),
            ])],
        ));
        let p = &page.prospects[0];
        assert_eq!(p.person_id, CONTACT_A);
        assert_eq!(p.related_id, normalize_id(MEMBER));
        assert_eq!(p.name, "Ana Nguyen");
        assert_eq!(p.title.as_deref(), Some("CFO"));
        assert_eq!(p.account.as_deref(), Some("Acme"));
        assert_eq!(p.account_id, normalize_id(ACCOUNT));
        assert_eq!(p.phone_e164.as_deref(), Some("+19375550111"));
        assert_eq!(
            page.id_column, None,
            "CUST_NAME is a name, not an id column"
        );

        let mut columns = MEMBER_COLUMNS.to_vec();
        columns.push(("CUST_ID", "Call List Member ID", "id"));
        let page = parse(&tabular(
            &columns,
            vec![row(vec![
                cell("CLM-00001", MEMBER),
                cell("Ana Nguyen", CONTACT_A),
                empty(),
                empty(),
                empty(),
                cell(MEMBER, MEMBER),
            ])],
        ));
        assert_eq!(page.id_column.as_deref(), Some("CUST_ID"));
        assert_eq!(page.last_id.as_deref(), Some(MEMBER));
        assert_eq!(page.prospects[0].related_id, normalize_id(MEMBER));
        assert_eq!(page.prospects[0].title, None);
    }

    #[test]
    fn a_restricted_run_lacks_hidden_columns_without_error() {
        // TITLE, PHONE3 and EMAIL are hidden: the run simply has no such columns.
        let columns = [
            ("CONTACT_ID", "Contact ID", "id"),
            ("FIRST_NAME", "First Name", "string"),
            ("LAST_NAME", "Last Name", "string"),
            ("PHONE1", "Phone", "phone"),
        ];
        let rows = vec![row(vec![
            cell(&CONTACT_A[..15], CONTACT_A),
            cell("Ana", CONTACT_A),
            cell("Nguyen", CONTACT_A),
            cell("6145550123", "6145550123"),
        ])];
        let map = mapping(&["email=EMAIL", "title=TITLE"]);
        let page = parse_run(&tabular(&columns, rows), &map, US).unwrap();
        let p = &page.prospects[0];
        assert_eq!(p.title, None);
        assert!(p.mapped.is_empty());
        assert_eq!(p.phone_e164.as_deref(), Some("+16145550123"));
        assert_eq!(page.unavailable, ["TITLE", "EMAIL"]);
    }

    #[test]
    fn mappings_override_and_add_fields() {
        let columns = [
            ("LEAD_ID", "Lead ID", "id"),
            ("LAST_NAME", "Last Name", "string"),
            ("COMPANY", "Company / Account", "string"),
            ("PHONE", "Phone", "phone"),
            ("MOBILE_PHONE", "Mobile", "phone"),
            ("INDUSTRY", "Industry", "picklist"),
        ];
        let id = normalize_id(LEAD_A).unwrap();
        let rows = vec![row(vec![
            cell(LEAD_A, &id),
            cell("Okafor", &id),
            cell("Globex", "Globex"),
            cell("(212) 555-0100", "(212) 555-0100"),
            cell("(212) 555-0177", "(212) 555-0177"),
            cell("Energy", "Energy"),
        ])];
        let run = tabular(&columns, rows);
        let p = parse(&run).prospects[0].clone();
        assert_eq!(p.kind, PersonKind::Lead);
        assert_eq!(p.account.as_deref(), Some("Globex"));
        assert_eq!(p.account_id, None, "a Lead's company is no Account");
        assert_eq!(
            p.phone.as_deref(),
            Some("(212) 555-0100"),
            "business before mobile"
        );

        let map = mapping(&[
            "phone=MOBILE_PHONE",
            "Industry=industry",
            "company=Company / Account",
        ]);
        let p = parse_run(&run, &map, US).unwrap().prospects[0].clone();
        assert_eq!(p.phone.as_deref(), Some("(212) 555-0177"));
        assert_eq!(p.phone_e164.as_deref(), Some("+12125550177"));
        let mapped: Vec<(&str, &str)> = p
            .mapped
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(mapped, [("company", "Globex"), ("industry", "Energy")]);
    }

    #[test]
    fn map_arguments_are_checked() {
        assert_eq!(
            parse_map("Phone=MOBILE_PHONE").unwrap(),
            ("phone".to_string(), "MOBILE_PHONE".to_string())
        );
        assert!(parse_map("phone").unwrap_err().contains("NAME=COLUMN"));
        assert!(
            parse_map("phone=")
                .unwrap_err()
                .contains("no report column")
        );
        assert!(
            parse_map("my field=X")
                .unwrap_err()
                .contains("must start with a letter")
        );
        let map = mapping(&["phone=A", "phone=B"]);
        assert_eq!(map.column("phone"), Some("B"));
    }

    #[test]
    fn a_report_without_a_phone_column_is_refused_with_its_columns() {
        let columns = [
            ("CONTACT_ID", "Contact ID", "id"),
            ("EMAIL", "Email", "email"),
        ];
        let error = parse_run(&tabular(&columns, vec![]), &Mapping::default(), US).unwrap_err();
        assert_eq!(
            error,
            ReportError::NoPhoneColumn {
                columns: vec![
                    ("CONTACT_ID".into(), "Contact ID".into()),
                    ("EMAIL".into(), "Email".into())
                ]
            }
        );
        assert!(
            error
                .to_string()
                .contains("CONTACT_ID (Contact ID), EMAIL (Email)")
        );
        assert!(error.hint().unwrap().contains("--map phone=COLUMN"));

        // A phone kept in a text field is suggested by name.
        let columns = [
            ("CONTACT_ID", "Contact ID", "id"),
            ("Direct_Phone__c", "Direct", "string"),
        ];
        let error = parse_run(&tabular(&columns, vec![]), &Mapping::default(), US).unwrap_err();
        assert!(
            error
                .hint()
                .unwrap()
                .contains("--map phone=Direct_Phone__c")
        );
        let map = mapping(&["phone=Direct_Phone__c"]);
        assert!(parse_run(&tabular(&columns, vec![]), &map, US).is_ok());
    }

    #[test]
    fn rows_without_a_person_are_skipped_and_reports_without_one_refused() {
        let columns = [
            ("FIRST_NAME", "First Name", "string"),
            ("PHONE1", "Phone", "phone"),
        ];
        let rows = vec![
            row(vec![cell("Ana", CONTACT_A), empty()]),
            row(vec![empty(), cell("6145550123", "6145550123")]),
        ];
        let page = parse(&tabular(&columns, rows));
        assert_eq!(page.prospects.len(), 1);
        assert_eq!(
            page.skipped,
            [Skip {
                row: 2,
                reason: "no Contact or Lead id in the row".into()
            }]
        );

        let columns = [
            ("ACCOUNT.NAME", "Account Name", "string"),
            ("PHONE1", "Phone", "phone"),
        ];
        let rows = vec![row(vec![cell("Acme", ACCOUNT), empty()])];
        let error = parse_run(&tabular(&columns, rows), &Mapping::default(), US).unwrap_err();
        assert!(
            matches!(error, ReportError::NoPersonColumn { .. }),
            "{error}"
        );
    }

    #[test]
    fn phones_are_kept_as_given_and_normalized_when_valid() {
        assert_eq!(e164("(614) 555-0123", US).as_deref(), Some("+16145550123"));
        assert_eq!(e164("1-614-555-0123", US).as_deref(), Some("+16145550123"));
        assert_eq!(
            e164("614.555.0123 x45", US).as_deref(),
            Some("+16145550123")
        );
        assert_eq!(
            e164("+44 20 7946 0123", US).as_deref(),
            Some("+442079460123")
        );
        assert_eq!(e164("030 901820", Id::DE).as_deref(), Some("+4930901820"));
        assert_eq!(e164("12", US), None);
        assert_eq!(e164("call me", US), None);
    }

    #[test]
    fn malformed_runs_are_shape_errors() {
        let good = tabular(&CONTACT_COLUMNS, vec![]);
        let mut no_all_data = good.clone();
        no_all_data.as_object_mut().unwrap().remove("allData");
        let mut no_details = good.clone();
        no_details["hasDetailRows"] = json!(false);
        let mut bad_key = good.clone();
        bad_key["factMap"] = json!({"x!T": {}});
        for run in [no_all_data, no_details, bad_key, json!([])] {
            let error = parse_run(&run, &Mapping::default(), US).unwrap_err();
            assert!(matches!(error, ReportError::Shape { .. }), "{error}");
        }
        assert!(
            !parse_run(
                &run("TABULAR", &CONTACT_COLUMNS, json!({}), false),
                &Mapping::default(),
                US
            )
            .unwrap()
            .all_data
        );
    }
}
