//! Deterministic seed data: users, Accounts with Contacts, Leads, call-list
//! members (the custom object) and a few past call Tasks. The same `--seed`
//! always produces the same records with the same ids.
//!
//! Phone numbers use the 555-01XX range reserved for fiction, in the mix of
//! formats real CRMs hold (national, dotted, E.164, extensions, foreign, none).

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::org::{Org, Record, User};
use super::schema::{INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, Profile};
use super::{FULL_USER, RESTRICTED_USER};

/// Accounts in the seeded org.
pub const ACCOUNTS: usize = 320;
/// Contacts in the seeded org unless `SandboxOptions::contacts` says otherwise:
/// enough for a report past 10,000 rows.
pub const CONTACTS: usize = 12_000;
/// Leads in the seeded org.
pub const LEADS: usize = 2_500;
/// Call-list lists and how many members each has.
pub const CALL_LISTS: &[(&str, usize)] = &[
    ("Q4 Ohio Blitz", 260),
    ("Healthcare Push", 210),
    ("Renewals", 150),
];

const FIRST_NAMES: &[&str] = &[
    "Avery", "Blake", "Carmen", "Dana", "Elena", "Farid", "Grace", "Hiro", "Imani", "Jonas",
    "Keisha", "Luis", "Maya", "Nikolai", "Olivia", "Priya", "Quinn", "Rafael", "Sofia", "Tariq",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Chen", "Diego", "Eamon",
    "Fatima", "Gustavo", "Hannah", "Ingrid", "Jamal", "Kenji", "Leila", "Marco", "Nadia",
];
const LAST_NAMES: &[&str] = &[
    "Abbott",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Iverson",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Umarov",
    "Varga",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Achebe",
    "Brennan",
    "Costa",
    "Delacroix",
    "Okafor",
    "Patel",
    "Nguyen",
];
const TITLES: &[&str] = &[
    "VP of Sales",
    "Director of Operations",
    "Chief Financial Officer",
    "IT Manager",
    "Procurement Lead",
    "Head of Marketing",
    "Office Manager",
    "Chief Executive Officer",
    "Sales Operations Analyst",
    "VP Engineering",
    "Facilities Coordinator",
    "Director of Purchasing",
];
const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Blue Ridge",
    "Cardinal",
    "Delta",
    "Evergreen",
    "Frontier",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Meridian",
    "Northstar",
    "Oakmont",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Union",
    "Vantage",
    "Westfield",
    "Yellowstone",
];
const COMPANY_KINDS: &[&str] = &[
    "Logistics",
    "Health",
    "Manufacturing",
    "Foods",
    "Energy",
    "Software",
    "Bank",
    "Builders",
    "Retail Group",
    "Labs",
    "Freight",
    "Dental",
];
const SUFFIXES: &[&str] = &["Inc.", "LLC", "Corp.", "Co.", "Group", ""];
const STATES: &[(&str, &[&str], &[u16])] = &[
    (
        "OH",
        &["Columbus", "Cleveland", "Cincinnati", "Dayton"],
        &[614, 216, 513, 937],
    ),
    ("TX", &["Austin", "Dallas", "Houston"], &[512, 214, 713]),
    (
        "CA",
        &["San Francisco", "Los Angeles", "San Diego"],
        &[415, 213, 619],
    ),
    ("NY", &["New York", "Buffalo", "Albany"], &[212, 716, 518]),
    ("FL", &["Miami", "Tampa", "Orlando"], &[305, 813, 407]),
    ("IL", &["Chicago", "Springfield"], &[312, 217]),
    ("PA", &["Philadelphia", "Pittsburgh"], &[215, 412]),
    ("WA", &["Seattle", "Spokane"], &[206, 509]),
    ("GA", &["Atlanta", "Savannah"], &[404, 912]),
    ("MA", &["Boston", "Worcester"], &[617, 508]),
];

/// A generated place: state, city and a local area code.
struct Place {
    state: &'static str,
    city: &'static str,
    area: u16,
}

fn place(rng: &mut ChaCha8Rng) -> Place {
    let (state, cities, areas) = STATES.choose(rng).expect("states are listed");
    let i = rng.random_range(0..cities.len());
    Place {
        state,
        city: cities[i],
        area: areas[i.min(areas.len() - 1)],
    }
}

/// A fictional phone number in one of the formats CRMs hold; `None` sometimes.
fn phone(rng: &mut ChaCha8Rng, area: u16, missing_per_mille: u32) -> Option<String> {
    if rng.random_range(0..1000) < missing_per_mille {
        return None;
    }
    let line = rng.random_range(100..200);
    let text = match rng.random_range(0..20) {
        0..=8 => format!("({area}) 555-0{line:03}"),
        9..=12 => format!("{area}-555-0{line:03}"),
        13..=15 => format!("+1 {area} 555 0{line:03}"),
        16 => format!("{area}.555.0{line:03} x{}", rng.random_range(10..400)),
        17 => format!("+44 20 7946 0{line:03}"),
        18 => format!("1-{area}-555-0{line:03}"),
        _ => format!("{area}5550{line:03}"),
    };
    Some(text)
}

fn opt(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

fn record(pairs: &[(&str, Value)]) -> Record {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

/// Fills an empty org with the seeded users and records.
pub fn populate(org: &mut Org) {
    let mut rng = ChaCha8Rng::seed_from_u64(org.options.seed);
    add_users(org);

    let accounts = add_accounts(org, &mut rng);
    let contacts = add_contacts(org, &mut rng, &accounts);
    add_leads(org, &mut rng);
    add_call_list_members(org, &mut rng, &contacts);
    add_past_calls(org, &mut rng, &contacts);
}

fn add_users(org: &mut Org) {
    let people = [
        (FULL_USER, "Riley", "Morgan", Profile::Full),
        (RESTRICTED_USER, "Sam", "Ortega", Profile::Restricted),
    ];
    for (username, first, last, profile) in people {
        let id = org.next_id("005");
        let user = User {
            id,
            username: username.to_string(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            email: username.to_string(),
            profile,
        };
        org.users.push(user);
    }

    // The User records mirror the users, so `sobjects/User/{id}` works as
    // clients such as the Salesforce CLI expect after login.
    for index in 0..org.users.len() {
        let user = org.users[index].clone();
        let fields = record(&[
            ("Id", json!(user.id.as_str())),
            ("Username", json!(user.username)),
            ("Name", json!(user.name())),
            ("FirstName", json!(user.first_name)),
            ("LastName", json!(user.last_name)),
            ("Email", json!(user.email)),
            ("IsActive", json!(true)),
            ("TimeZoneSidKey", json!("America/New_York")),
        ]);
        org.insert_with_id("User", fields, 0);
    }
}

fn add_accounts(org: &mut Org, rng: &mut ChaCha8Rng) -> Vec<(String, Place)> {
    let mut accounts = Vec::with_capacity(ACCOUNTS);
    for n in 0..ACCOUNTS {
        let at = place(rng);
        let name = format!(
            "{} {} {}",
            COMPANY_WORDS[n % COMPANY_WORDS.len()],
            COMPANY_KINDS[(n / COMPANY_WORDS.len() + n) % COMPANY_KINDS.len()],
            SUFFIXES.choose(rng).expect("suffixes are listed"),
        )
        .trim()
        .to_string();
        let name = if n >= COMPANY_WORDS.len() * COMPANY_KINDS.len() {
            format!(
                "{name} {}",
                n / (COMPANY_WORDS.len() * COMPANY_KINDS.len()) + 1
            )
        } else {
            name
        };
        let fields = record(&[
            ("Name", json!(name)),
            ("Phone", opt(phone(rng, at.area, 30))),
            ("Website", json!(format!("https://www.example.com/a{n}"))),
            ("Industry", json!(INDUSTRIES.choose(rng))),
            ("BillingCity", json!(at.city)),
            ("BillingState", json!(at.state)),
            ("NumberOfEmployees", json!(rng.random_range(5..20_000))),
        ]);
        let id = org.insert("Account", fields, 0);
        accounts.push((id.to_string(), at));
    }
    accounts
}

fn add_contacts(org: &mut Org, rng: &mut ChaCha8Rng, accounts: &[(String, Place)]) -> Vec<String> {
    let count = org.options.contacts;
    let mut contacts = Vec::with_capacity(count);
    for _ in 0..count {
        let (account_id, at) = accounts.choose(rng).expect("accounts exist");
        let first = *FIRST_NAMES.choose(rng).expect("names are listed");
        let last = *LAST_NAMES.choose(rng).expect("names are listed");
        let email = format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        )
        .replace('\'', "");
        let mobile = if rng.random_bool(0.4) {
            phone(rng, at.area, 0)
        } else {
            None
        };
        let fields = record(&[
            ("AccountId", json!(account_id)),
            ("FirstName", json!(first)),
            ("LastName", json!(last)),
            ("Title", json!(TITLES.choose(rng))),
            ("Phone", opt(phone(rng, at.area, 70))),
            ("MobilePhone", opt(mobile)),
            ("Email", json!(email)),
            ("MailingCity", json!(at.city)),
            ("MailingState", json!(at.state)),
            ("LeadSource", json!(LEAD_SOURCES.choose(rng))),
            ("DoNotCall", json!(rng.random_bool(0.03))),
        ]);
        contacts.push(org.insert("Contact", fields, 0).to_string());
    }
    contacts
}

fn add_leads(org: &mut Org, rng: &mut ChaCha8Rng) {
    for n in 0..LEADS {
        let at = place(rng);
        let first = *FIRST_NAMES.choose(rng).expect("names are listed");
        let last = *LAST_NAMES.choose(rng).expect("names are listed");
        let company = format!(
            "{} {}",
            COMPANY_WORDS.choose(rng).expect("words are listed"),
            COMPANY_KINDS.choose(rng).expect("kinds are listed")
        );
        let mobile = if rng.random_bool(0.3) {
            phone(rng, at.area, 0)
        } else {
            None
        };
        let fields = record(&[
            ("FirstName", json!(first)),
            ("LastName", json!(last)),
            ("Company", json!(company)),
            ("Title", json!(TITLES.choose(rng))),
            ("Phone", opt(phone(rng, at.area, 60))),
            ("MobilePhone", opt(mobile)),
            ("Email", json!(format!("lead{n}@example.org"))),
            ("City", json!(at.city)),
            ("State", json!(at.state)),
            ("Status", json!(LEAD_STATUSES.choose(rng))),
            ("LeadSource", json!(LEAD_SOURCES.choose(rng))),
            ("Industry", json!(INDUSTRIES.choose(rng))),
            ("DoNotCall", json!(rng.random_bool(0.02))),
        ]);
        org.insert("Lead", fields, 0);
    }
}

fn add_call_list_members(org: &mut Org, rng: &mut ChaCha8Rng, contacts: &[String]) {
    let mut n = 0;
    for (list, size) in CALL_LISTS {
        let members: Vec<&String> = contacts.choose_multiple(rng, *size).collect();
        for contact in members {
            n += 1;
            let fields = record(&[
                ("Name", json!(format!("CLM-{n:05}"))),
                ("Contact__c", json!(contact)),
                ("List_Name__c", json!(list)),
                ("Priority__c", json!(["Hot", "Warm", "Cold"].choose(rng))),
                (
                    "Added_On__c",
                    json!(format!(
                        "2026-{:02}-{:02}",
                        rng.random_range(1..12),
                        rng.random_range(1..29)
                    )),
                ),
            ]);
            org.insert("Call_List_Member__c", fields, 0);
        }
    }
}

fn add_past_calls(org: &mut Org, rng: &mut ChaCha8Rng, contacts: &[String]) {
    for contact in contacts.choose_multiple(rng, 40) {
        let fields = record(&[
            ("Subject", json!("Call")),
            ("WhoId", json!(contact)),
            ("Status", json!("Completed")),
            ("TaskSubtype", json!("Call")),
            ("CallType", json!("Outbound")),
            ("CallDisposition", json!("Left voicemail")),
            ("CallDurationInSeconds", json!(rng.random_range(10..600))),
            (
                "ActivityDate",
                json!(format!(
                    "2026-{:02}-{:02}",
                    rng.random_range(1..11),
                    rng.random_range(1..29)
                )),
            ),
        ]);
        org.insert("Task", fields, 0);
    }
}
