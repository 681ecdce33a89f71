//! Call queues: turning a Salesforce report into prospects to dial.
//!
//! `report` parses a report run (TABULAR, SUMMARY, MATRIX fact maps) into
//! [`Prospect`]s, recognising the person's record, name, title, account and
//! phone from the report's columns; `load` runs a report against Salesforce and
//! pages past the Reports API's 2,000-row cap. The prospects are kept in the
//! local database by `store`.

pub mod load;
pub mod report;

use std::collections::BTreeMap;

use serde::Serialize;

/// The kind of Salesforce record a prospect is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PersonKind {
    /// A Contact (key prefix `003`).
    Contact,
    /// A Lead (key prefix `00Q`).
    Lead,
}

impl PersonKind {
    /// The object's API name.
    pub fn object(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Lead => "Lead",
        }
    }

    /// The kind for an 18- or 15-character id's key prefix.
    pub fn from_id(id: &str) -> Option<Self> {
        match id.get(..3)? {
            "003" => Some(Self::Contact),
            "00Q" => Some(Self::Lead),
            _ => None,
        }
    }
}

/// One person to call, holding only what dialing needs plus mapped fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prospect {
    /// The Contact or Lead id (18 characters): the Task's `WhoId`.
    pub person_id: String,
    pub kind: PersonKind,
    /// The custom record the row came from (e.g. a call-list member), related
    /// to the call as its `WhatId`.
    pub related_id: Option<String>,
    /// The Contact's Account id, when the report shows it.
    pub account_id: Option<String>,
    pub name: String,
    pub title: Option<String>,
    /// The Account name, or the Lead's company.
    pub account: Option<String>,
    /// The phone number as Salesforce holds it.
    pub phone: Option<String>,
    /// The dialable form: E.164 where the number parses, `None` otherwise.
    pub phone_e164: Option<String>,
    /// Fields added with `--map NAME=COLUMN`, by name.
    pub mapped: BTreeMap<String, String>,
}

impl Prospect {
    /// Whether the prospect has a number that can be dialed.
    pub fn dialable(&self) -> bool {
        self.phone_e164.is_some()
    }
}
