//! The simulated org's metadata: objects, their fields, and what each profile may
//! see or write. Describe, SOQL, record writes and reports all read from here, so
//! a field hidden from a profile is hidden everywhere at once.
//!
//! Field names, types and lengths follow the Object Reference for the standard
//! objects (see `shared/salesforce-api.md` §5 and §7.2). The objects carry the
//! fields koncert-sf and common clients use, not every standard field.

use serde_json::{Value, json};

/// A field's data type as describe names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    String,
    Textarea,
    Picklist,
    Combobox,
    Reference,
    Boolean,
    Int,
    Double,
    Date,
    Datetime,
    Email,
    Phone,
    Url,
}

impl FieldType {
    /// The lowercase name used in describe results and report metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::String => "string",
            Self::Textarea => "textarea",
            Self::Picklist => "picklist",
            Self::Combobox => "combobox",
            Self::Reference => "reference",
            Self::Boolean => "boolean",
            Self::Int => "int",
            Self::Double => "double",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
        }
    }

    /// Whether values of this type are JSON strings with a maximum length.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Textarea
                | Self::Picklist
                | Self::Combobox
                | Self::Email
                | Self::Phone
                | Self::Url
        )
    }
}

/// One field of an object.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldType,
    /// Maximum length for text types, 0 otherwise.
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    /// Filled by the platform when a create leaves it out (Task Status, Priority).
    pub defaulted_on_create: bool,
    /// Picklist values; the first flagged `true` is the default.
    pub picklist: Vec<(&'static str, bool)>,
    pub restricted_picklist: bool,
    pub reference_to: Vec<&'static str>,
    pub relationship_name: Option<&'static str>,
    pub custom: bool,
    pub name_field: bool,
}

impl FieldDef {
    fn new(name: &'static str, label: &'static str, kind: FieldType, length: u32) -> Self {
        Self {
            name,
            label,
            kind,
            length,
            nillable: true,
            createable: true,
            updateable: true,
            defaulted_on_create: false,
            picklist: Vec::new(),
            restricted_picklist: false,
            reference_to: Vec::new(),
            relationship_name: None,
            custom: name.ends_with("__c"),
            name_field: false,
        }
    }

    /// Whether a create must supply this field.
    pub fn required_on_create(&self) -> bool {
        self.createable
            && !self.nillable
            && !self.defaulted_on_create
            && self.kind != FieldType::Boolean
    }

    /// The picklist default, if the field has one.
    pub fn default_value(&self) -> Option<&'static str> {
        self.picklist
            .iter()
            .find(|(_, default)| *default)
            .map(|(v, _)| *v)
    }

    /// The describe representation of this field.
    pub fn describe(&self, writable: bool) -> Value {
        let picklist: Vec<Value> = self
            .picklist
            .iter()
            .map(|(value, default)| {
                json!({"active": true, "defaultValue": default, "label": value,
                       "validFor": null, "value": value})
            })
            .collect();
        let (precision, digits) = match self.kind {
            FieldType::Int => (0, self.length),
            FieldType::Double => (18, 0),
            _ => (0, 0),
        };

        json!({
            "name": self.name,
            "label": self.label,
            "type": self.kind.as_str(),
            "length": if self.kind.is_text() { self.length } else { 0 },
            "byteLength": if self.kind.is_text() { self.length * 3 } else { 0 },
            "digits": digits,
            "precision": precision,
            "scale": 0,
            "nillable": self.nillable,
            "createable": self.createable && writable,
            "updateable": self.updateable && writable,
            "defaultedOnCreate": self.defaulted_on_create,
            "custom": self.custom,
            "externalId": false,
            "unique": false,
            "idLookup": self.kind == FieldType::Id,
            "nameField": self.name_field,
            "filterable": self.kind != FieldType::Textarea,
            "sortable": self.kind != FieldType::Textarea,
            "groupable": !matches!(self.kind, FieldType::Textarea | FieldType::Double),
            "calculated": false,
            "autoNumber": false,
            "caseSensitive": false,
            "htmlFormatted": false,
            "polymorphicForeignKey": self.reference_to.len() > 1,
            "picklistValues": picklist,
            "restrictedPicklist": self.restricted_picklist,
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship_name,
            "soapType": soap_type(self.kind),
            "defaultValue": self.default_value(),
        })
    }
}

fn soap_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Id | FieldType::Reference => "tns:ID",
        FieldType::Boolean => "xsd:boolean",
        FieldType::Int => "xsd:int",
        FieldType::Double => "xsd:double",
        FieldType::Date => "xsd:date",
        FieldType::Datetime => "xsd:dateTime",
        _ => "xsd:string",
    }
}

/// One sObject type.
#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub custom: bool,
    /// Whether the API may create, update and delete records of this object.
    pub writable: bool,
    pub fields: Vec<FieldDef>,
}

impl ObjectDef {
    /// Looks a field up by name, case-insensitively as the API does.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The field that holds the record's display name.
    pub fn name_field(&self) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name_field)
    }
}

/// What a profile may do beyond the defaults: every field visible and writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A sales rep with full access to the objects koncert-sf uses.
    Full,
    /// A rep whose profile hides some Contact and Lead fields and makes
    /// `Task.CallDisposition` read-only.
    Restricted,
}

/// Fields the restricted profile cannot read (field-level security).
const RESTRICTED_HIDDEN: &[(&str, &str)] = &[
    ("Contact", "MobilePhone"),
    ("Contact", "Email"),
    ("Contact", "Title"),
    ("Lead", "MobilePhone"),
    ("Lead", "Email"),
];

/// Fields the restricted profile can read but not write.
const RESTRICTED_READ_ONLY: &[(&str, &str)] = &[("Task", "CallDisposition")];

impl Profile {
    /// The profile's name, as a User record would show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "Sales Rep",
            Self::Restricted => "Restricted Sales Rep",
        }
    }

    /// Whether field-level security lets this profile read the field.
    pub fn can_read(self, object: &str, field: &str) -> bool {
        self == Self::Full || !listed(RESTRICTED_HIDDEN, object, field)
    }

    /// Whether field-level security lets this profile write the field.
    pub fn can_edit(self, object: &str, field: &str) -> bool {
        self.can_read(object, field)
            && (self == Self::Full || !listed(RESTRICTED_READ_ONLY, object, field))
    }
}

fn listed(list: &[(&str, &str)], object: &str, field: &str) -> bool {
    list.iter()
        .any(|(o, f)| o.eq_ignore_ascii_case(object) && f.eq_ignore_ascii_case(field))
}

/// The whole schema of the simulated org.
#[derive(Debug, Clone)]
pub struct Schema {
    pub objects: Vec<ObjectDef>,
}

impl Schema {
    /// Looks an object up by API name, case-insensitively.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// Finds the object whose records carry ids with this key prefix.
    pub fn object_for_prefix(&self, prefix: &str) -> Option<&ObjectDef> {
        self.objects.iter().find(|o| o.key_prefix == prefix)
    }

    /// The seeded org's schema.
    pub fn standard() -> Self {
        Self {
            objects: vec![
                account(),
                contact(),
                lead(),
                task(),
                user(),
                call_list_member(),
            ],
        }
    }
}

use FieldType as T;

fn id_field() -> FieldDef {
    FieldDef {
        nillable: false,
        createable: false,
        updateable: false,
        defaulted_on_create: true,
        ..FieldDef::new("Id", "Record ID", T::Id, 18)
    }
}

fn system_fields() -> Vec<FieldDef> {
    let read_only = |name, label, kind, len| FieldDef {
        nillable: false,
        createable: false,
        updateable: false,
        defaulted_on_create: true,
        ..FieldDef::new(name, label, kind, len)
    };
    vec![
        read_only("CreatedDate", "Created Date", T::Datetime, 0),
        read_only("LastModifiedDate", "Last Modified Date", T::Datetime, 0),
        read_only("SystemModstamp", "System Modstamp", T::Datetime, 0),
        FieldDef {
            relationship_name: Some("CreatedBy"),
            reference_to: vec!["User"],
            ..read_only("CreatedById", "Created By ID", T::Reference, 18)
        },
        FieldDef {
            relationship_name: Some("LastModifiedBy"),
            reference_to: vec!["User"],
            ..read_only("LastModifiedById", "Last Modified By ID", T::Reference, 18)
        },
        read_only("IsDeleted", "Deleted", T::Boolean, 0),
    ]
}

fn owner_field() -> FieldDef {
    FieldDef {
        nillable: false,
        defaulted_on_create: true,
        reference_to: vec!["User"],
        relationship_name: Some("Owner"),
        ..FieldDef::new("OwnerId", "Owner ID", T::Reference, 18)
    }
}

fn text(name: &'static str, label: &'static str, length: u32) -> FieldDef {
    FieldDef::new(name, label, T::String, length)
}

fn typed(name: &'static str, label: &'static str, kind: FieldType, length: u32) -> FieldDef {
    FieldDef::new(name, label, kind, length)
}

fn picklist(
    name: &'static str,
    label: &'static str,
    values: &[&'static str],
    default: Option<&'static str>,
) -> FieldDef {
    FieldDef {
        picklist: values.iter().map(|v| (*v, Some(*v) == default)).collect(),
        ..FieldDef::new(name, label, T::Picklist, 40)
    }
}

fn lookup(
    name: &'static str,
    label: &'static str,
    to: &[&'static str],
    relationship: &'static str,
) -> FieldDef {
    FieldDef {
        reference_to: to.to_vec(),
        relationship_name: Some(relationship),
        ..FieldDef::new(name, label, T::Reference, 18)
    }
}

/// Industries shared by Accounts and Leads.
pub const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Banking",
    "Construction",
    "Education",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Technology",
    "Transportation",
    "Utilities",
];

/// Lead sources shared by Contacts and Leads.
pub const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];

/// Lead statuses, in their sales-process order.
pub const LEAD_STATUSES: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
];

fn account() -> ObjectDef {
    let mut fields = vec![
        id_field(),
        FieldDef {
            nillable: false,
            name_field: true,
            ..text("Name", "Account Name", 255)
        },
        typed("Phone", "Account Phone", T::Phone, 40),
        typed("Website", "Website", T::Url, 255),
        picklist("Industry", "Industry", INDUSTRIES, None),
        text("BillingCity", "Billing City", 40),
        text("BillingState", "Billing State/Province", 80),
        typed("NumberOfEmployees", "Employees", T::Int, 8),
        owner_field(),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "Account",
        label: "Account",
        label_plural: "Accounts",
        key_prefix: "001",
        custom: false,
        writable: true,
        fields,
    }
}

fn contact() -> ObjectDef {
    let mut fields = vec![
        id_field(),
        lookup("AccountId", "Account ID", &["Account"], "Account"),
        text("FirstName", "First Name", 40),
        FieldDef {
            nillable: false,
            ..text("LastName", "Last Name", 80)
        },
        FieldDef {
            createable: false,
            updateable: false,
            name_field: true,
            ..text("Name", "Full Name", 121)
        },
        text("Title", "Title", 128),
        typed("Phone", "Business Phone", T::Phone, 40),
        typed("MobilePhone", "Mobile Phone", T::Phone, 40),
        typed("Email", "Email", T::Email, 80),
        text("MailingCity", "Mailing City", 40),
        text("MailingState", "Mailing State/Province", 80),
        picklist("LeadSource", "Lead Source", LEAD_SOURCES, None),
        FieldDef {
            nillable: false,
            defaulted_on_create: true,
            ..typed("DoNotCall", "Do Not Call", T::Boolean, 0)
        },
        owner_field(),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "Contact",
        label: "Contact",
        label_plural: "Contacts",
        key_prefix: "003",
        custom: false,
        writable: true,
        fields,
    }
}

fn lead() -> ObjectDef {
    let mut fields = vec![
        id_field(),
        text("FirstName", "First Name", 40),
        FieldDef {
            nillable: false,
            ..text("LastName", "Last Name", 80)
        },
        FieldDef {
            createable: false,
            updateable: false,
            name_field: true,
            ..text("Name", "Full Name", 121)
        },
        FieldDef {
            nillable: false,
            ..text("Company", "Company", 255)
        },
        text("Title", "Title", 128),
        typed("Phone", "Phone", T::Phone, 40),
        typed("MobilePhone", "Mobile Phone", T::Phone, 40),
        typed("Email", "Email", T::Email, 80),
        text("City", "City", 40),
        text("State", "State/Province", 80),
        FieldDef {
            nillable: false,
            defaulted_on_create: true,
            ..picklist(
                "Status",
                "Status",
                LEAD_STATUSES,
                Some("Open - Not Contacted"),
            )
        },
        picklist("LeadSource", "Lead Source", LEAD_SOURCES, None),
        picklist("Industry", "Industry", INDUSTRIES, None),
        FieldDef {
            nillable: false,
            defaulted_on_create: true,
            ..typed("DoNotCall", "Do Not Call", T::Boolean, 0)
        },
        owner_field(),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "Lead",
        label: "Lead",
        label_plural: "Leads",
        key_prefix: "00Q",
        custom: false,
        writable: true,
        fields,
    }
}

/// Task subtypes accepted by the restricted `TaskSubtype` picklist.
pub const TASK_SUBTYPES: &[&str] = &["Task", "Email", "ListEmail", "Cadence", "Call"];

fn task() -> ObjectDef {
    let read_only = |field: FieldDef| FieldDef {
        createable: false,
        updateable: false,
        defaulted_on_create: true,
        ..field
    };
    let mut fields = vec![
        id_field(),
        FieldDef {
            kind: T::Combobox,
            picklist: ["Call", "Send Letter", "Send Quote", "Other"]
                .map(|v| (v, false))
                .to_vec(),
            ..text("Subject", "Subject", 255)
        },
        lookup("WhoId", "Name ID", &["Contact", "Lead"], "Who"),
        lookup(
            "WhatId",
            "Related To ID",
            &["Account", "Call_List_Member__c"],
            "What",
        ),
        FieldDef {
            label: "Assigned To ID",
            ..owner_field()
        },
        FieldDef {
            nillable: false,
            defaulted_on_create: true,
            ..picklist(
                "Status",
                "Status",
                &[
                    "Not Started",
                    "In Progress",
                    "Completed",
                    "Waiting on someone else",
                    "Deferred",
                ],
                Some("Not Started"),
            )
        },
        FieldDef {
            nillable: false,
            defaulted_on_create: true,
            ..picklist(
                "Priority",
                "Priority",
                &["High", "Normal", "Low"],
                Some("Normal"),
            )
        },
        typed("ActivityDate", "Due Date Only", T::Date, 0),
        typed("Description", "Description", T::Textarea, 32000),
        FieldDef {
            updateable: false,
            restricted_picklist: true,
            ..picklist("TaskSubtype", "Task Subtype", TASK_SUBTYPES, None)
        },
        picklist("Type", "Type", &["Call", "Email", "Meeting", "Other"], None),
        FieldDef {
            restricted_picklist: true,
            ..picklist(
                "CallType",
                "Call Type",
                &["Internal", "Inbound", "Outbound"],
                None,
            )
        },
        typed("CallDurationInSeconds", "Call Duration", T::Int, 8),
        text("CallDisposition", "Call Result", 255),
        text("CallObject", "Call Object Identifier", 255),
        // A custom field as an admin would add it (Text(80), no FLS limits), so
        // `push` can tag Tasks with the campaign that produced the call.
        text("Call_Campaign__c", "Call Campaign", 80),
        read_only(typed("IsClosed", "Closed", T::Boolean, 0)),
        read_only(typed(
            "CompletedDateTime",
            "Completed Date/Time",
            T::Datetime,
            0,
        )),
        read_only(lookup("AccountId", "Account ID", &["Account"], "Account")),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "Task",
        label: "Task",
        label_plural: "Tasks",
        key_prefix: "00T",
        custom: false,
        writable: true,
        fields,
    }
}

fn user() -> ObjectDef {
    let read_only = |field: FieldDef| FieldDef {
        createable: false,
        updateable: false,
        ..field
    };
    let mut fields = vec![
        id_field(),
        read_only(text("Username", "Username", 80)),
        read_only(FieldDef {
            name_field: true,
            ..text("Name", "Full Name", 121)
        }),
        read_only(text("FirstName", "First Name", 40)),
        read_only(text("LastName", "Last Name", 80)),
        read_only(typed("Email", "Email", T::Email, 128)),
        read_only(typed("IsActive", "Active", T::Boolean, 0)),
        read_only(text("TimeZoneSidKey", "Time Zone", 40)),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "User",
        label: "User",
        label_plural: "Users",
        key_prefix: "005",
        custom: false,
        writable: false,
        fields,
    }
}

fn call_list_member() -> ObjectDef {
    let mut fields = vec![
        id_field(),
        FieldDef {
            name_field: true,
            ..text("Name", "Call List Member Name", 80)
        },
        FieldDef {
            nillable: false,
            ..lookup("Contact__c", "Contact", &["Contact"], "Contact__r")
        },
        text("List_Name__c", "List Name", 80),
        picklist("Priority__c", "Priority", &["Hot", "Warm", "Cold"], None),
        typed("Added_On__c", "Added On", T::Date, 0),
        owner_field(),
    ];
    fields.extend(system_fields());
    ObjectDef {
        name: "Call_List_Member__c",
        label: "Call List Member",
        label_plural: "Call List Members",
        key_prefix: "a01",
        custom: true,
        writable: true,
        fields,
    }
}
