//! The SOQL query resource over HTTP: paging, batch sizes, filters, ordering,
//! relationship fields, `COUNT()`, error bodies, field-level security and
//! sessions. Expected answers are computed here from the raw records of the
//! control surface, never taken from the resource under test.

use std::collections::{HashMap, HashSet};

use koncert_sf::sandbox::SandboxHandle;
use serde_json::Value;

use crate::support::*;

/// `{url}/services/data/v67.0/{resource}?q=...`, with `q` URL-encoded.
fn soql_url(sb: &SandboxHandle, resource: &str, soql: &str) -> String {
    let base = api(sb, &format!("/{resource}"));
    reqwest::Url::parse_with_params(&base, &[("q", soql)])
        .expect("valid url")
        .to_string()
}

async fn query(sb: &SandboxHandle, token: &str, soql: &str) -> (u16, Option<String>, Value) {
    get_json(&soql_url(sb, "query", soql), token).await
}

/// GET with a bearer token and optional `Sforce-Query-Options`.
async fn get_with_options(
    url: &str,
    token: Option<&str>,
    options: Option<&str>,
) -> (u16, Option<String>, Value) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(options) = options {
        request = request.header("Sforce-Query-Options", options);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let limit = response
        .headers()
        .get("sforce-limit-info")
        .map(|v| v.to_str().expect("ascii header").to_string());
    let body = response.json().await.expect("json body");
    (status, limit, body)
}

/// The USED of `api-usage=USED/MAX`.
fn usage(limit: &Option<String>) -> u64 {
    let header = limit.as_deref().expect("Sforce-Limit-Info header");
    let used = header
        .strip_prefix("api-usage=")
        .and_then(|rest| rest.split('/').next());
    used.and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad header {header}"))
}

fn ids(body: &Value) -> Vec<String> {
    body["records"]
        .as_array()
        .expect("records array")
        .iter()
        .map(|r| r["Id"].as_str().expect("Id").to_string())
        .collect()
}

fn text<'a>(record: &'a Value, field: &str) -> &'a str {
    record[field].as_str().unwrap_or_default()
}

/// The ids of every record a query returns, following `nextRecordsUrl`.
async fn all_ids(sb: &SandboxHandle, token: &str, soql: &str) -> Vec<String> {
    let (status, _, mut body) = query(sb, token, soql).await;
    assert_eq!(status, 200, "{soql}: {body}");
    let total = body["totalSize"].as_u64().expect("totalSize") as usize;
    let mut out = ids(&body);
    while let Some(next) = body["nextRecordsUrl"].as_str() {
        let (status, _, page) = get_json(&format!("{}{next}", sb.url()), token).await;
        assert_eq!(status, 200, "{next}: {page}");
        out.extend(ids(&page));
        body = page;
    }
    assert_eq!(out.len(), total, "{soql}");
    out
}

fn id_list(records: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<String> {
    records
        .iter()
        .filter(|r| keep(r))
        .map(|r| text(r, "Id").to_string())
        .collect()
}

fn error_of(body: &Value) -> (&str, &str) {
    let entry = &body[0];
    (
        entry["errorCode"].as_str().expect("errorCode"),
        entry["message"].as_str().expect("message"),
    )
}

#[tokio::test]
async fn paging_walks_every_contact_once_in_batches_of_2000() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let expected = id_list(&contacts, |_| true);
    assert_eq!(expected.len(), 12_000);

    let (status, limit, mut body) = query(&sb, &token, "SELECT Id, Name FROM Contact").await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], 12_000);
    assert_eq!(body["done"], false);
    let first = &body["records"][0];
    assert_eq!(first["attributes"]["type"], "Contact");
    let url = format!("/services/data/v67.0/sobjects/Contact/{}", expected[0]);
    assert_eq!(first["attributes"]["url"], url);
    assert_eq!(first["Name"], contacts[0]["Name"]);
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["attributes", "Id", "Name"]);

    let mut used = usage(&limit);
    let mut seen = ids(&body);
    let mut sizes = vec![seen.len()];
    while let Some(next) = body["nextRecordsUrl"].as_str() {
        // `/services/data/v67.0/query/01g` + 15 more id characters + `-offset`.
        let locator = next
            .strip_prefix("/services/data/v67.0/query/")
            .expect("query path");
        let (id, offset) = locator.split_once('-').expect("locator-offset");
        assert!(id.starts_with("01g") && id.len() == 18, "{next}");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{next}");
        assert_eq!(offset.parse::<usize>().unwrap(), seen.len());

        let (status, limit, page) = get_json(&format!("{}{next}", sb.url()), &token).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(usage(&limit), used + 1, "each page is one API call");
        used += 1;
        assert_eq!(page["totalSize"], 12_000);
        assert_eq!(
            page["done"].as_bool(),
            Some(page.get("nextRecordsUrl").is_none())
        );
        sizes.push(page["records"].as_array().unwrap().len());
        seen.extend(ids(&page));
        body = page;
    }

    assert_eq!(sizes, [2_000; 6]);
    assert_eq!(body["done"], true);
    assert_eq!(
        seen.len(),
        seen.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    assert_eq!(seen, expected, "every contact, in id order");
}

#[tokio::test]
async fn batch_size_option_sets_the_page_size() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let leads = records(&sb, "Lead").await;

    let url = soql_url(&sb, "query", "SELECT Id FROM Lead");
    let (status, _, mut body) = get_with_options(&url, Some(&token), Some("batchSize=500")).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], leads.len());
    assert!(body["nextRecordsUrl"].as_str().unwrap().ends_with("-500"));

    // Later pages keep the size the query asked for.
    let mut sizes = vec![body["records"].as_array().unwrap().len()];
    let mut seen = ids(&body);
    while let Some(next) = body["nextRecordsUrl"].as_str() {
        let (_, _, page) = get_json(&format!("{}{next}", sb.url()), &token).await;
        sizes.push(page["records"].as_array().unwrap().len());
        seen.extend(ids(&page));
        body = page;
    }
    assert_eq!(sizes, [500; 5]);
    assert_eq!(seen, id_list(&leads, |_| true));

    let (_, _, body) = get_with_options(&url, Some(&token), Some("batchSize=200")).await;
    assert_eq!(body["records"].as_array().unwrap().len(), 200);
    assert!(body["nextRecordsUrl"].as_str().unwrap().ends_with("-200"));
}

#[tokio::test]
async fn where_combines_and_or_in_like_and_null() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let lower = |r: &Value, f: &str| text(r, f).to_lowercase();

    let soql =
        "SELECT Id FROM Contact WHERE MailingState = 'oh' AND LeadSource IN ('web', 'OTHER')";
    let expected = id_list(&contacts, |r| {
        text(r, "MailingState") == "OH"
            && ["web", "other"].contains(&lower(r, "LeadSource").as_str())
    });
    assert!(!expected.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let soql = "SELECT Id FROM Contact WHERE (MailingState = 'TX' OR MailingState = 'CA') \
                AND DoNotCall = true";
    let expected = id_list(&contacts, |r| {
        ["TX", "CA"].contains(&text(r, "MailingState")) && r["DoNotCall"] == true
    });
    assert!(!expected.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let soql = r"SELECT Id FROM Contact WHERE LastName LIKE 'o\'%' AND NOT FirstName LIKE '_a%'";
    let expected = id_list(&contacts, |r| {
        lower(r, "LastName").starts_with("o'") && lower(r, "FirstName").chars().nth(1) != Some('a')
    });
    assert!(!expected.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let soql = "SELECT Id FROM Contact WHERE MailingCity NOT IN ('columbus', 'Austin')";
    let expected = id_list(&contacts, |r| {
        !["Columbus", "Austin"].contains(&text(r, "MailingCity"))
    });
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let soql = "SELECT Id FROM Contact WHERE MobilePhone = null";
    let nulls = id_list(&contacts, |r| r["MobilePhone"].is_null());
    assert!(!nulls.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, nulls);
    let soql = "SELECT Id FROM Contact WHERE MobilePhone != null";
    let set = id_list(&contacts, |r| !r["MobilePhone"].is_null());
    assert_eq!(all_ids(&sb, &token, soql).await, set);
}

#[tokio::test]
async fn where_compares_dates_datetimes_numbers_and_ids() {
    let sb = start().await;
    let token = rep_token(&sb).await;

    let members = records(&sb, "Call_List_Member__c").await;
    let soql = "SELECT Id FROM Call_List_Member__c \
                WHERE Added_On__c >= 2026-06-01 AND Added_On__c < 2026-09-01";
    let expected = id_list(&members, |r| {
        let day = text(r, "Added_On__c");
        ("2026-06-01".."2026-09-01").contains(&day)
    });
    assert!(!expected.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let tasks = records(&sb, "Task").await;
    let soql = "SELECT Id FROM Task WHERE ActivityDate <= 2026-03-31";
    let expected = id_list(&tasks, |r| text(r, "ActivityDate") <= "2026-03-31");
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let accounts = records(&sb, "Account").await;
    let soql = "SELECT Id FROM Account WHERE NumberOfEmployees > 10000";
    let expected = id_list(&accounts, |r| {
        r["NumberOfEmployees"].as_f64().unwrap() > 10_000.0
    });
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    // Every record was created when the sandbox started.
    for (condition, expected) in [
        ("CreatedDate <= 2999-12-31T23:59:59Z", 12_000),
        ("CreatedDate > 2999-01-01T00:00:00+01:00", 0),
        ("CreatedDate = LAST_N_DAYS:1", 12_000),
        ("CreatedDate < YESTERDAY", 0),
    ] {
        let soql = format!("SELECT COUNT() FROM Contact WHERE {condition}");
        let (status, _, body) = query(&sb, &token, &soql).await;
        assert_eq!(status, 200, "{soql}: {body}");
        assert_eq!(body["totalSize"], expected, "{soql}");
    }

    let contacts = records(&sb, "Contact").await;
    let target = &contacts[1_234];
    let long = text(target, "Id");
    let lower_suffix = format!("{}{}", &long[..15], long[15..].to_lowercase());
    for literal in [long, &long[..15], &lower_suffix] {
        let soql = format!("SELECT Id FROM Contact WHERE Id = '{literal}'");
        assert_eq!(all_ids(&sb, &token, &soql).await, [long], "{soql}");
    }
    let account = text(target, "AccountId");
    let soql = format!(
        "SELECT Id FROM Contact WHERE AccountId = '{}'",
        &account[..15]
    );
    let expected = id_list(&contacts, |r| text(r, "AccountId") == account);
    assert_eq!(all_ids(&sb, &token, &soql).await, expected);

    let (status, _, body) = query(&sb, &token, "SELECT Id FROM Contact WHERE Id = '003'").await;
    assert_eq!(status, 400);
    let (code, message) = error_of(&body);
    assert_eq!(code, "INVALID_QUERY_FILTER_OPERATOR");
    assert!(message.ends_with("\ninvalid ID field: 003"), "{message}");
}

#[tokio::test]
async fn order_by_sorts_before_limit_and_offset() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let lower = |r: &Value, f: &str| text(r, f).to_lowercase();
    let pair = |r: &Value| {
        (
            text(r, "LastName").to_string(),
            text(r, "FirstName").to_string(),
        )
    };

    let soql = "SELECT Id, LastName, FirstName FROM Contact \
                ORDER BY LastName DESC, FirstName ASC LIMIT 50";
    let (status, _, body) = query(&sb, &token, soql).await;
    assert_eq!(status, 200, "{body}");
    let mut sorted = contacts.clone();
    sorted.sort_by(|a, b| {
        lower(b, "LastName")
            .cmp(&lower(a, "LastName"))
            .then_with(|| lower(a, "FirstName").cmp(&lower(b, "FirstName")))
    });
    let got: Vec<_> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(pair)
        .collect();
    let want: Vec<_> = sorted.iter().take(50).map(pair).collect();
    assert_eq!(body["totalSize"], 50);
    assert_eq!(got, want);

    let (_, _, body) = query(
        &sb,
        &token,
        "SELECT Name FROM Contact ORDER BY Name LIMIT 10 OFFSET 20",
    )
    .await;
    let mut names: Vec<String> = contacts
        .iter()
        .map(|r| text(r, "Name").to_string())
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    let got: Vec<&str> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| text(r, "Name"))
        .collect();
    let got_lower: Vec<String> = got.iter().map(|n| n.to_lowercase()).collect();
    let want_lower: Vec<String> = names[20..30].iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(got_lower, want_lower);

    // ASC puts nulls first, DESC puts them last.
    let (_, _, body) = query(
        &sb,
        &token,
        "SELECT MobilePhone FROM Contact ORDER BY MobilePhone LIMIT 5",
    )
    .await;
    assert!(
        body["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["MobilePhone"].is_null())
    );
    let soql = "SELECT MobilePhone FROM Contact ORDER BY MobilePhone DESC LIMIT 5";
    let (_, _, body) = query(&sb, &token, soql).await;
    let top = contacts
        .iter()
        .filter_map(|r| r["MobilePhone"].as_str())
        .max_by_key(|p| p.to_lowercase());
    assert_eq!(body["records"][0]["MobilePhone"].as_str(), top);
    let soql = "SELECT MobilePhone FROM Contact ORDER BY MobilePhone ASC NULLS LAST LIMIT 5";
    let (_, _, body) = query(&sb, &token, soql).await;
    assert!(
        body["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["MobilePhone"].is_string())
    );
}

#[tokio::test]
async fn relationship_fields_nest_the_parent_record() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let accounts: HashMap<String, Value> = records(&sb, "Account")
        .await
        .into_iter()
        .map(|a| (text(&a, "Id").to_string(), a))
        .collect();
    let account_name = |c: &Value| text(&accounts[text(c, "AccountId")], "Name").to_string();

    let soql = "SELECT Id, Name, Account.Name FROM Contact WHERE Account.Name LIKE 'acme%'";
    let expected = id_list(&contacts, |c| {
        account_name(c).to_lowercase().starts_with("acme")
    });
    assert!(!expected.is_empty());
    assert_eq!(all_ids(&sb, &token, soql).await, expected);

    let (_, _, body) = query(&sb, &token, &format!("{soql} LIMIT 3")).await;
    for record in body["records"].as_array().unwrap() {
        let contact = contacts.iter().find(|c| c["Id"] == record["Id"]).unwrap();
        let account = text(contact, "AccountId");
        assert_eq!(record["Account"]["attributes"]["type"], "Account");
        let url = format!("/services/data/v67.0/sobjects/Account/{account}");
        assert_eq!(record["Account"]["attributes"]["url"], url);
        assert_eq!(record["Account"]["Name"], account_name(contact));
        let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["attributes", "Id", "Name", "Account"]);
    }

    let users = records(&sb, "User").await;
    let (_, _, body) = query(&sb, &token, "SELECT Id, Owner.Name FROM Account LIMIT 5").await;
    for record in body["records"].as_array().unwrap() {
        let owner = text(&accounts[text(record, "Id")], "OwnerId");
        let user = users
            .iter()
            .find(|u| text(u, "Id") == owner)
            .expect("owner is a user");
        assert_eq!(record["Owner"]["Name"], user["Name"]);
        assert_eq!(record["Owner"]["attributes"]["type"], "User");
    }

    let members = records(&sb, "Call_List_Member__c").await;
    let soql = "SELECT Id, Contact__r.Phone FROM Call_List_Member__c LIMIT 20";
    let (_, _, body) = query(&sb, &token, soql).await;
    for (record, member) in body["records"].as_array().unwrap().iter().zip(&members) {
        let contact = contacts
            .iter()
            .find(|c| c["Id"] == member["Contact__c"])
            .unwrap();
        assert_eq!(record["Contact__r"]["Phone"], contact["Phone"]);
    }
}

#[tokio::test]
async fn count_answers_the_total_without_records() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let expected = contacts
        .iter()
        .filter(|r| r["MailingState"] == "OH")
        .count();

    let soql = "SELECT COUNT() FROM Contact WHERE MailingState = 'OH'";
    let (status, _, body) = query(&sb, &token, soql).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], expected);
    assert_eq!(body["done"], true);
    assert_eq!(body["records"], serde_json::json!([]));
    assert!(body.get("nextRecordsUrl").is_none());
}

#[tokio::test]
async fn errors_take_salesforce_forms() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let hint = "Please reference your WSDL or the describe call for the appropriate names.";

    let (status, _, body) = query(&sb, &token, "SELECT Id FROM Foo").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "INVALID_TYPE",
            format!(
                "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type \
                 'Foo' is not supported. If you are attempting to use a custom object, be sure \
                 to append the '__c' after the entity name. {hint}"
            )
            .as_str()
        )
    );

    let (status, _, body) = query(&sb, &token, "SELECT Id, Nmae FROM Contact").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "INVALID_FIELD",
            format!(
                "\nSELECT Id, Nmae FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such \
                 column 'Nmae' on entity 'Contact'. If you are attempting to use a custom field, \
                 be sure to append the '__c' after the custom field name. {hint}"
            )
            .as_str()
        )
    );

    let (status, _, body) = query(&sb, &token, "SELECT Id FORM Contact").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "MALFORMED_QUERY",
            "\nSELECT Id FORM Contact\n          ^\nERROR at Row:1:Column:11\n\
             unexpected token: 'FORM'"
        )
    );

    let (status, _, body) = get_json(&api(&sb, "/query"), &token).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        ("MALFORMED_QUERY", "A query string has to be specified")
    );

    let (status, _, body) = query(&sb, &token, "SELECT Id FROM Contact OFFSET 2001").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "NUMBER_OUTSIDE_VALID_RANGE",
            "Maximum SOQL offset allowed is 2000"
        )
    );

    let bogus = api(&sb, "/query/01gHs0000000000AAA-2000");
    let (status, _, body) = get_json(&bogus, &token).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        ("INVALID_QUERY_LOCATOR", "invalid query locator")
    );

    // A locator belongs to the user whose query opened it.
    let (_, _, body) = query(&sb, &token, "SELECT Id FROM Contact").await;
    let next = format!("{}{}", sb.url(), body["nextRecordsUrl"].as_str().unwrap());
    let other = restricted_token(&sb).await;
    let (status, _, body) = get_json(&next, &other).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn restricted_rep_cannot_query_hidden_fields() {
    let sb = start().await;
    let rep = rep_token(&sb).await;
    let restricted = restricted_token(&sb).await;

    for soql in [
        "SELECT Id, MobilePhone FROM Contact LIMIT 1",
        "SELECT Id, Contact.MobilePhone FROM Contact LIMIT 1",
        "SELECT Id FROM Contact WHERE MobilePhone != null LIMIT 1",
        "SELECT Id FROM Contact ORDER BY MobilePhone LIMIT 1",
        "SELECT Id, Contact__r.MobilePhone FROM Call_List_Member__c LIMIT 1",
    ] {
        let (status, _, body) = query(&sb, &restricted, soql).await;
        assert_eq!(status, 400, "{soql}");
        let (code, message) = error_of(&body);
        assert_eq!(code, "INVALID_FIELD", "{soql}");
        assert!(
            message.contains("No such column 'MobilePhone' on entity 'Contact'"),
            "{message}"
        );

        let (status, _, body) = query(&sb, &rep, soql).await;
        assert_eq!(status, 200, "{soql}: {body}");
    }

    let (_, _, body) = query(&sb, &rep, "SELECT Id, MobilePhone FROM Contact LIMIT 1").await;
    assert!(body["records"][0].get("MobilePhone").is_some());
    let (status, _, _) = query(&sb, &restricted, "SELECT Id, Phone FROM Contact LIMIT 1").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn query_needs_a_valid_session() {
    let sb = start().await;
    let url = soql_url(&sb, "query", "SELECT Id FROM Contact LIMIT 1");

    let (status, _, body) = get_with_options(&url, None, None).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, "INVALID_SESSION_ID");

    let (status, _, body) = get_json(&url, "00Dbogus!token").await;
    assert_eq!(status, 401);
    assert_eq!(
        error_of(&body),
        ("INVALID_SESSION_ID", "Session expired or invalid")
    );
    assert_eq!(sb.api_usage(), 0, "refused requests are not counted");
}

#[tokio::test]
async fn query_all_pages_like_query() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let leads = records(&sb, "Lead").await;

    let (status, _, mut body) =
        get_json(&soql_url(&sb, "queryAll", "SELECT Id FROM Lead"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], leads.len());
    let mut seen = ids(&body);
    while let Some(next) = body["nextRecordsUrl"].as_str() {
        assert!(
            next.starts_with("/services/data/v67.0/queryAll/01g"),
            "{next}"
        );
        let (status, _, page) = get_json(&format!("{}{next}", sb.url()), &token).await;
        assert_eq!(status, 200);
        seen.extend(ids(&page));
        body = page;
    }
    assert_eq!(seen, id_list(&leads, |_| true));

    let (status, _, body) =
        get_json(&api(&sb, "/queryAll/?q=SELECT+COUNT()+FROM+Lead"), &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], leads.len());
}

/// A UUID-shaped call key, as the client's outbox makes them.
fn call_key(n: usize) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n * 2_654_435_761 % (1 << 32),
        n % 0xffff,
        n % 0xfff,
        (n * 7) % 0xfff,
        n * 40_503
    )
}

/// The push command's idempotency lookup: `CallObject IN (...)` with 200
/// UUID keys, some with a `:follow-up` suffix (a colon inside a literal), sent
/// as one GET of about 9,000 characters against thousands of Tasks. It
/// returns exactly the Tasks whose key is listed, and quickly.
#[tokio::test]
async fn call_object_in_lists_of_200_keys_find_exactly_their_tasks() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;

    // 3,000 Tasks: even numbers plain keys, odd numbers follow-ups.
    let key_of = |n: usize| {
        if n.is_multiple_of(2) {
            call_key(n)
        } else {
            format!("{}:follow-up", call_key(n))
        }
    };
    let url = api(&sb, "/composite/sobjects");
    for chunk in 0..15 {
        let batch: Vec<Value> = (chunk * 200..(chunk + 1) * 200)
            .map(|n| {
                serde_json::json!({"attributes": {"type": "Task"}, "Subject": "Call",
                    "WhoId": contacts[n]["Id"], "TaskSubtype": "Call", "CallObject": key_of(n)})
            })
            .collect();
        let body = serde_json::json!({"records": batch});
        let (status, _, results) = send_json(reqwest::Method::POST, &url, &token, &body).await;
        assert_eq!(status, 200);
        assert!(
            results
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["success"] == true),
            "{results}"
        );
    }

    // 170 keys that exist, spread over the org, and 30 that do not.
    let mut wanted: Vec<String> = (0..170).map(|i| key_of(i * 17 + 3)).collect();
    wanted.extend((0..30).map(|i| format!("{}:follow-up", call_key(100_000 + i))));
    let list = wanted
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let soql = format!("SELECT Id, CallObject FROM Task WHERE CallObject IN ({list})");
    let url = soql_url(&sb, "query", &soql);
    assert!(
        url.len() > 9_000,
        "the URL is as long as the client's: {}",
        url.len()
    );

    // Speed is the push benchmark's business, not a timed assertion here.
    let (status, _, body) = get_json(&url, &token).await;
    assert_eq!(status, 200, "{body}");

    let expected: HashMap<String, String> = records(&sb, "Task")
        .await
        .into_iter()
        .filter(|t| wanted.iter().any(|k| t["CallObject"] == k.as_str()))
        .map(|t| {
            (
                text(&t, "Id").to_string(),
                text(&t, "CallObject").to_string(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 170);
    let got: HashMap<String, String> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (text(r, "Id").to_string(), text(r, "CallObject").to_string()))
        .collect();
    assert_eq!(body["totalSize"], 170);
    assert_eq!(body["done"], true);
    assert_eq!(got, expected);
    assert!(got.values().any(|k| k.ends_with(":follow-up")));
    let keys: Vec<&str> = body["records"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["attributes", "Id", "CallObject"]);
}
