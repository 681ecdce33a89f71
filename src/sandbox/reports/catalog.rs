//! Report types (the columns a report may show, filter, sort or group by, and
//! where each column's cell comes from) and the seeded report definitions.
//!
//! NOTE: column API names of real report types are only partly verified.
//! `FIRST_NAME`, `LAST_NAME`, `TITLE`, `ACCOUNT.NAME`, `EMAIL`, `CONTACT_ID`,
//! `LEAD_ID`, `COMPANY`, `STATUS`, `CUST_NAME` and `CUST_ID` appear in public
//! report runs; `PHONE1` (Phone), `PHONE3` (Mobile), `ADDRESS2_*` (Mailing
//! address), `MOBILE_PHONE` and the `Object.Lookup__c.Field` form of fields
//! reached through a lookup are plausible but unverified.

use std::sync::LazyLock;

use serde_json::Value;

use super::super::org::{Org, Record};
use super::super::schema::{FieldDef, FieldType, ObjectDef, Profile, Schema};
use super::filter::{Filter, Operator};
use super::metadata::{Format, Grouping, Metadata, Sort};
use crate::ids::SfId;

/// Where a column's cell comes from. Paths start at the report's base record;
/// every element but the last is a lookup field followed to its record.
#[derive(Debug)]
pub enum Source {
    /// A field's value, shown as it is.
    Field(&'static [&'static str]),
    /// A record's name as `label`, with that record's id as `value`.
    Name {
        label: &'static [&'static str],
        id: &'static [&'static str],
    },
    /// A record id (`dataType` `id`).
    Id(&'static [&'static str]),
}

/// One column of a report type.
#[derive(Debug)]
pub struct Column {
    /// API name, e.g. `FIRST_NAME`.
    pub name: &'static str,
    pub label: &'static str,
    /// The report-type category the column is listed under in describe.
    pub category: &'static str,
    pub source: Source,
}

/// How values of a column compare in filters, sorts and groupings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Record ids: compared in their 15-character case-sensitive form.
    Id,
    /// ISO dates, compared as text.
    Date,
    /// Picklists sort in the order of their values, as Salesforce reports do.
    Picklist(Vec<&'static str>),
    /// Everything else: case-insensitive text.
    Text,
}

/// A cell of a report row: the formatted `label` and the typed `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub label: String,
    pub value: Value,
}

impl Cell {
    /// The empty cell Salesforce sends for blank values.
    pub fn empty() -> Self {
        Self {
            label: "-".to_string(),
            value: Value::Null,
        }
    }

    /// Whether the cell holds no value.
    pub fn is_empty(&self) -> bool {
        self.value.is_null()
    }
}

impl Column {
    fn paths(&self) -> Vec<&'static [&'static str]> {
        match self.source {
            Source::Field(path) | Source::Id(path) => vec![path],
            Source::Name { label, id } => vec![label, id],
        }
    }

    /// The path of the field that describes the column (its label's field).
    fn main_path(&self) -> &'static [&'static str] {
        match self.source {
            Source::Field(path) | Source::Id(path) => path,
            Source::Name { label, .. } => label,
        }
    }

    /// Whether field-level security lets `profile` read every field the
    /// column touches, lookups included.
    pub fn visible_to(&self, schema: &Schema, base: &str, profile: Profile) -> bool {
        self.paths().into_iter().all(|path| {
            walk_schema(schema, base, path)
                .is_some_and(|steps| steps.iter().all(|(o, f)| profile.can_read(o.name, f.name)))
        })
    }

    /// The object and field the column shows.
    pub fn field<'s>(
        &self,
        schema: &'s Schema,
        base: &str,
    ) -> Option<(&'s ObjectDef, &'s FieldDef)> {
        walk_schema(schema, base, self.main_path())?.last().copied()
    }

    /// The column's `dataType` in report metadata.
    pub fn data_type(&self, schema: &Schema, base: &str) -> &'static str {
        match self.source {
            Source::Id(_) => "id",
            // NOTE: name and lookup columns are reported as `string` (as
            // OPPORTUNITY_NAME and ACCOUNT_NAME are); unverified for custom
            // lookup fields.
            Source::Name { .. } => "string",
            Source::Field(_) => self
                .field(schema, base)
                .map_or("string", |(_, f)| f.kind.as_str()),
        }
    }

    /// How the column's values compare.
    pub fn kind(&self, schema: &Schema, base: &str) -> Kind {
        if matches!(self.source, Source::Id(_)) {
            return Kind::Id;
        }
        let field = self.field(schema, base).map(|(_, f)| f);
        match field {
            Some(f) if matches!(self.source, Source::Field(_)) && f.kind == FieldType::Date => {
                Kind::Date
            }
            Some(f) if matches!(self.source, Source::Field(_)) && f.kind == FieldType::Picklist => {
                Kind::Picklist(f.picklist.iter().map(|(v, _)| *v).collect())
            }
            _ => Kind::Text,
        }
    }

    /// `entityColumnName`: the object and field behind the column.
    pub fn entity_column_name(&self, schema: &Schema, base: &str) -> String {
        self.field(schema, base).map_or_else(
            || self.name.to_string(),
            |(o, f)| format!("{}.{}", o.name, f.name),
        )
    }

    /// Whether the column links to a record (name and lookup columns).
    pub fn is_lookup(&self) -> bool {
        matches!(self.source, Source::Name { .. })
    }

    /// The cell of this column for one base record.
    pub fn cell(&self, org: &Org, record: &Record, kind: &Kind) -> Cell {
        match self.source {
            Source::Field(path) => match walk(org, record, path) {
                Some(Value::String(text)) if kind == &Kind::Date => Cell {
                    label: us_date(text),
                    value: Value::String(text.clone()),
                },
                Some(Value::String(text)) => Cell {
                    label: text.clone(),
                    value: Value::String(text.clone()),
                },
                Some(other) => Cell {
                    label: other.to_string(),
                    value: other.clone(),
                },
                None => Cell::empty(),
            },
            Source::Name { label, id } => {
                let Some(id) = walk(org, record, id).and_then(Value::as_str) else {
                    return Cell::empty();
                };
                let name = walk(org, record, label)
                    .and_then(Value::as_str)
                    .unwrap_or("-");
                Cell {
                    label: name.to_string(),
                    value: Value::String(id.to_string()),
                }
            }
            // NOTE: whether id cells are labelled with the 15- or the
            // 18-character id is unverified; the UI shows 15 characters, so
            // the label does too, while `value` has the 18-character id.
            Source::Id(path) => match walk(org, record, path).and_then(Value::as_str) {
                Some(id) => Cell {
                    label: id.get(..15).unwrap_or(id).to_string(),
                    value: Value::String(id.to_string()),
                },
                None => Cell::empty(),
            },
        }
    }
}

/// Follows a path of fields through the schema, returning each step's object
/// and field; `None` when a step does not exist.
fn walk_schema<'s>(
    schema: &'s Schema,
    base: &str,
    path: &[&str],
) -> Option<Vec<(&'s ObjectDef, &'s FieldDef)>> {
    let mut object = schema.object(base)?;
    let mut steps = Vec::with_capacity(path.len());
    for (i, name) in path.iter().enumerate() {
        let field = object.field(name)?;
        steps.push((object, field));
        if i + 1 < path.len() {
            object = schema.object(field.reference_to.first()?)?;
        }
    }
    Some(steps)
}

/// Reads a field through lookups; `None` for blanks and broken links.
fn walk<'r>(org: &'r Org, record: &'r Record, path: &[&str]) -> Option<&'r Value> {
    let (last, hops) = path.split_last()?;
    let mut current = record;
    for hop in hops {
        let id = SfId::parse(current.get(*hop)?.as_str()?).ok()?;
        current = org.record_by_id(&id)?.1;
    }
    current
        .get(*last)
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// `2026-03-07` as the en_US report label `3/7/2026`.
fn us_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(date) => date.format("%-m/%-d/%Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// A report type: the base object and the columns reports of it may use.
#[derive(Debug)]
pub struct ReportType {
    /// API name, e.g. `ContactList`.
    pub name: &'static str,
    pub label: &'static str,
    /// The object whose records are the report's rows.
    pub object: &'static str,
    /// The column of the standard date filter.
    pub date_column: &'static str,
    pub columns: Vec<Column>,
}

impl ReportType {
    /// Looks a column up by its exact API name, as the API does.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn column(
    name: &'static str,
    label: &'static str,
    category: &'static str,
    source: Source,
) -> Column {
    Column {
        name,
        label,
        category,
        source,
    }
}

const fn field(path: &'static [&'static str]) -> Source {
    Source::Field(path)
}

const fn named(label: &'static [&'static str], id: &'static [&'static str]) -> Source {
    Source::Name { label, id }
}

const fn id(path: &'static [&'static str]) -> Source {
    Source::Id(path)
}

/// "Contacts & Accounts": one row per Contact, with its Account's fields.
pub static CONTACTS: LazyLock<ReportType> = LazyLock::new(|| {
    const C: &str = "Contact Info";
    const A: &str = "Account Info";
    ReportType {
        name: "ContactList",
        label: "Contacts & Accounts",
        object: "Contact",
        date_column: "CREATED_DATE",
        columns: vec![
            column("CONTACT_ID", "Contact ID", C, id(&["Id"])),
            column(
                "FIRST_NAME",
                "First Name",
                C,
                named(&["FirstName"], &["Id"]),
            ),
            column("LAST_NAME", "Last Name", C, named(&["LastName"], &["Id"])),
            column("TITLE", "Title", C, field(&["Title"])),
            column("PHONE1", "Phone", C, field(&["Phone"])),
            column("PHONE3", "Mobile", C, field(&["MobilePhone"])),
            column("EMAIL", "Email", C, field(&["Email"])),
            column("ADDRESS2_CITY", "Mailing City", C, field(&["MailingCity"])),
            column(
                "ADDRESS2_STATE",
                "Mailing State/Province",
                C,
                field(&["MailingState"]),
            ),
            column("LEAD_SOURCE", "Lead Source", C, field(&["LeadSource"])),
            column("ACCOUNT_ID", "Account ID", A, id(&["AccountId"])),
            column(
                "ACCOUNT.NAME",
                "Account Name",
                A,
                named(&["AccountId", "Name"], &["AccountId"]),
            ),
        ],
    }
});

/// "Leads": one row per Lead.
pub static LEADS: LazyLock<ReportType> = LazyLock::new(|| {
    const L: &str = "Lead Information";
    ReportType {
        name: "LeadList",
        label: "Leads",
        object: "Lead",
        date_column: "CREATED_DATE",
        columns: vec![
            column("LEAD_ID", "Lead ID", L, id(&["Id"])),
            column(
                "FIRST_NAME",
                "First Name",
                L,
                named(&["FirstName"], &["Id"]),
            ),
            column("LAST_NAME", "Last Name", L, named(&["LastName"], &["Id"])),
            column("TITLE", "Title", L, field(&["Title"])),
            column("COMPANY", "Company / Account", L, field(&["Company"])),
            column("PHONE", "Phone", L, field(&["Phone"])),
            column("MOBILE_PHONE", "Mobile", L, field(&["MobilePhone"])),
            column("EMAIL", "Email", L, field(&["Email"])),
            column("CITY", "City", L, field(&["City"])),
            column("STATE", "State/Province", L, field(&["State"])),
            column("STATUS", "Lead Status", L, field(&["Status"])),
            column("LEAD_SOURCE", "Lead Source", L, field(&["LeadSource"])),
            column("INDUSTRY", "Industry", L, field(&["Industry"])),
        ],
    }
});

/// "Call List Members": the custom object's standard report type, with the
/// member's Contact reached through the `Contact__c` lookup.
pub static CALL_LIST_MEMBERS: LazyLock<ReportType> = LazyLock::new(|| {
    const M: &str = "Call List Member";
    const C: &str = "Contact";
    ReportType {
        name: "CustomEntity$Call_List_Member__c",
        label: "Call List Members",
        object: "Call_List_Member__c",
        date_column: "CUST_CREATED_DATE",
        columns: vec![
            column("CUST_ID", "Call List Member ID", M, id(&["Id"])),
            column(
                "CUST_NAME",
                "Call List Member Name",
                M,
                named(&["Name"], &["Id"]),
            ),
            column(
                "Call_List_Member__c.Contact__c",
                "Contact",
                M,
                named(&["Contact__c", "Name"], &["Contact__c"]),
            ),
            column(
                "Call_List_Member__c.List_Name__c",
                "List Name",
                M,
                field(&["List_Name__c"]),
            ),
            column(
                "Call_List_Member__c.Priority__c",
                "Priority",
                M,
                field(&["Priority__c"]),
            ),
            column(
                "Call_List_Member__c.Added_On__c",
                "Added On",
                M,
                field(&["Added_On__c"]),
            ),
            column(
                "Call_List_Member__c.Contact__c.Title",
                "Contact: Title",
                C,
                field(&["Contact__c", "Title"]),
            ),
            column(
                "Call_List_Member__c.Contact__c.Phone",
                "Contact: Business Phone",
                C,
                field(&["Contact__c", "Phone"]),
            ),
            column(
                "Call_List_Member__c.Contact__c.MobilePhone",
                "Contact: Mobile Phone",
                C,
                field(&["Contact__c", "MobilePhone"]),
            ),
            column(
                "Call_List_Member__c.Contact__c.Email",
                "Contact: Email",
                C,
                field(&["Contact__c", "Email"]),
            ),
            column(
                "Call_List_Member__c.Contact__c.Account.Name",
                "Contact: Account Name",
                C,
                named(
                    &["Contact__c", "AccountId", "Name"],
                    &["Contact__c", "AccountId"],
                ),
            ),
        ],
    }
});

/// Who may run a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A public folder shared with every user.
    Everyone,
    /// A user's private folder: only that user (index in `Org::users`).
    Owner(usize),
}

/// A report defined in the sandbox: saved metadata over a report type.
#[derive(Debug)]
pub struct ReportDef {
    pub id: SfId,
    pub name: String,
    pub developer_name: String,
    pub description: Option<String>,
    pub folder_id: SfId,
    pub access: Access,
    pub report_type: &'static ReportType,
    pub metadata: Metadata,
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

fn filter(column: &str, operator: Operator, value: &str) -> Filter {
    Filter {
        column: column.to_string(),
        operator,
        value: value.to_string(),
    }
}

fn group(name: &str) -> Grouping {
    Grouping {
        name: name.to_string(),
        descending: false,
    }
}

/// The state "Contact Call List" is filtered to.
pub const CALL_LIST_STATE: &str = "OH";

/// The seeded reports, with ids from the org's `00O` sequence so they are the
/// same on every start. A public folder holds the shared ones; the manager's
/// report sits in the full user's personal folder.
///
/// NOTE: a personal folder's `folderId` is its owner's user id here, as for
/// "My Personal Custom Reports"; unverified.
pub fn seeded(org: &mut Org) -> Vec<ReportDef> {
    let public_folder = org.next_id("00l");
    let owner = 0;
    let personal_folder = org.users[owner].id.clone();
    let mut reports = Vec::new();
    let mut add = |org: &mut Org,
                   name: &str,
                   description: &str,
                   report_type: &'static ReportType,
                   metadata: Metadata,
                   private: bool| {
        let (folder_id, access) = if private {
            (personal_folder.clone(), Access::Owner(owner))
        } else {
            (public_folder.clone(), Access::Everyone)
        };
        reports.push(ReportDef {
            id: org.next_id("00O"),
            name: name.to_string(),
            developer_name: developer_name(name),
            description: Some(description.to_string()),
            folder_id,
            access,
            report_type,
            metadata,
        });
    };

    add(
        org,
        "Contact Call List",
        "Ohio contacts with their accounts and phone numbers.",
        &CONTACTS,
        Metadata {
            detail_columns: cols(&[
                "FIRST_NAME",
                "LAST_NAME",
                "TITLE",
                "ACCOUNT.NAME",
                "PHONE1",
                "PHONE3",
                "EMAIL",
            ]),
            filters: vec![filter("ADDRESS2_STATE", Operator::Equals, CALL_LIST_STATE)],
            ..Metadata::new(Format::Tabular)
        },
        false,
    );
    add(
        org,
        "Lead Call List",
        "Open leads, sorted by last name.",
        &LEADS,
        Metadata {
            detail_columns: cols(&[
                "FIRST_NAME",
                "LAST_NAME",
                "TITLE",
                "COMPANY",
                "PHONE",
                "MOBILE_PHONE",
                "EMAIL",
                "LEAD_ID",
                "STATUS",
            ]),
            filters: vec![filter(
                "STATUS",
                Operator::Equals,
                "Open - Not Contacted,Working - Contacted",
            )],
            sort_by: vec![Sort {
                column: "LAST_NAME".to_string(),
                descending: false,
            }],
            ..Metadata::new(Format::Tabular)
        },
        false,
    );
    add(
        org,
        "Leads by State and Status",
        "Web, phone and partner leads of five states, by state and status.",
        &LEADS,
        Metadata {
            detail_columns: cols(&[
                "FIRST_NAME",
                "LAST_NAME",
                "COMPANY",
                "PHONE",
                "EMAIL",
                "LEAD_SOURCE",
                "LEAD_ID",
            ]),
            filters: vec![
                filter("STATE", Operator::Equals, "OH,TX,CA,NY,FL"),
                filter("LEAD_SOURCE", Operator::Equals, "Web,Phone Inquiry"),
                filter("LEAD_SOURCE", Operator::Equals, "Partner Referral"),
            ],
            boolean_filter: Some("1 AND (2 OR 3)".to_string()),
            groupings_down: vec![group("STATE"), group("STATUS")],
            ..Metadata::new(Format::Summary)
        },
        false,
    );
    add(
        org,
        "Lead Status by Source",
        "Leads of three states: status down, lead source across.",
        &LEADS,
        Metadata {
            detail_columns: cols(&["FIRST_NAME", "LAST_NAME", "COMPANY", "PHONE", "LEAD_ID"]),
            filters: vec![filter("STATE", Operator::Equals, "OH,TX,CA")],
            groupings_down: vec![group("STATUS")],
            groupings_across: vec![group("LEAD_SOURCE")],
            ..Metadata::new(Format::Matrix)
        },
        false,
    );
    add(
        org,
        "Call List: Q4 Ohio Blitz",
        "Members of the Q4 Ohio Blitz call list with their contacts.",
        &CALL_LIST_MEMBERS,
        Metadata {
            detail_columns: cols(&[
                "CUST_NAME",
                "Call_List_Member__c.Contact__c",
                "Call_List_Member__c.Contact__c.Title",
                "Call_List_Member__c.Contact__c.Phone",
                "Call_List_Member__c.Contact__c.MobilePhone",
                "Call_List_Member__c.Contact__c.Account.Name",
                "Call_List_Member__c.List_Name__c",
                "Call_List_Member__c.Priority__c",
            ]),
            filters: vec![filter(
                "Call_List_Member__c.List_Name__c",
                Operator::Equals,
                "Q4 Ohio Blitz",
            )],
            ..Metadata::new(Format::Tabular)
        },
        false,
    );
    add(
        org,
        "All Contacts",
        "Every contact: more rows than one run returns.",
        &CONTACTS,
        Metadata {
            detail_columns: cols(&[
                "CONTACT_ID",
                "FIRST_NAME",
                "LAST_NAME",
                "TITLE",
                "ACCOUNT.NAME",
                "PHONE1",
            ]),
            ..Metadata::new(Format::Tabular)
        },
        false,
    );
    add(
        org,
        "Manager: Team Pipeline",
        "Every lead by status; private to its owner.",
        &LEADS,
        Metadata {
            detail_columns: cols(&["FIRST_NAME", "LAST_NAME", "COMPANY", "PHONE", "LEAD_ID"]),
            groupings_down: vec![group("STATUS")],
            ..Metadata::new(Format::Summary)
        },
        true,
    );
    reports
}

/// `Lead Call List` → `Lead_Call_List`, as Salesforce derives unique names.
fn developer_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developer_names_join_words_with_single_underscores() {
        assert_eq!(
            developer_name("Call List: Q4 Ohio Blitz"),
            "Call_List_Q4_Ohio_Blitz"
        );
        assert_eq!(
            developer_name("Manager: Team Pipeline"),
            "Manager_Team_Pipeline"
        );
    }

    #[test]
    fn every_column_resolves_against_the_schema() {
        let schema = Schema::standard();
        for rt in [&*CONTACTS, &*LEADS, &*CALL_LIST_MEMBERS] {
            for c in &rt.columns {
                assert!(
                    c.field(&schema, rt.object).is_some(),
                    "{}.{}",
                    rt.name,
                    c.name
                );
                assert!(
                    c.visible_to(&schema, rt.object, Profile::Full),
                    "{}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn hidden_fields_hide_columns_even_through_lookups() {
        let schema = Schema::standard();
        let hidden = |rt: &ReportType, name: &str| {
            !rt.column(name)
                .unwrap()
                .visible_to(&schema, rt.object, Profile::Restricted)
        };
        assert!(hidden(&CONTACTS, "EMAIL"));
        assert!(hidden(&CONTACTS, "PHONE3"));
        assert!(hidden(&CONTACTS, "TITLE"));
        assert!(!hidden(&CONTACTS, "PHONE1"));
        assert!(hidden(
            &CALL_LIST_MEMBERS,
            "Call_List_Member__c.Contact__c.Title"
        ));
        assert!(!hidden(
            &CALL_LIST_MEMBERS,
            "Call_List_Member__c.Contact__c.Phone"
        ));
        assert!(hidden(&LEADS, "MOBILE_PHONE"));
        assert!(!hidden(&LEADS, "TITLE"));
    }

    #[test]
    fn kinds_and_data_types_follow_the_fields() {
        let schema = Schema::standard();
        let rt = &*LEADS;
        let of = |name: &str| rt.column(name).unwrap();
        assert_eq!(of("LEAD_ID").kind(&schema, rt.object), Kind::Id);
        assert_eq!(of("LEAD_ID").data_type(&schema, rt.object), "id");
        assert_eq!(of("PHONE").data_type(&schema, rt.object), "phone");
        assert_eq!(of("FIRST_NAME").data_type(&schema, rt.object), "string");
        assert!(matches!(of("STATUS").kind(&schema, rt.object), Kind::Picklist(v) if v.len() == 4));
        assert_eq!(
            of("EMAIL").entity_column_name(&schema, rt.object),
            "Lead.Email"
        );
        assert_eq!(us_date("2026-03-07"), "3/7/2026");
    }
}
