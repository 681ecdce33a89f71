//! The REST data API: versions, sessions, limits, describe, records,
//! sObject Collections, injected faults, ids and seed determinism.

use std::time::{Duration, Instant};

use koncert_sf::sandbox::SandboxOptions;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// The documented 18-character checksum, written here independently of the
/// crate so the test can catch a wrong implementation there.
fn case_safe_suffix(short: &str) -> String {
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".chars().collect();
    short
        .as_bytes()
        .chunks(5)
        .map(|chunk| {
            let mut flags = 0;
            for (i, b) in chunk.iter().enumerate() {
                if b.is_ascii_uppercase() {
                    flags += 1 << i;
                }
            }
            alphabet[flags]
        })
        .collect()
}

fn assert_valid_id(id: &str, prefix: &str) {
    assert_eq!(id.len(), 18, "{id}");
    assert!(id.starts_with(prefix), "{id} should start with {prefix}");
    assert_eq!(
        &id[15..],
        case_safe_suffix(&id[..15]),
        "{id} has a wrong checksum"
    );
}

fn task(who: &str) -> Value {
    json!({"Subject": "Call: connected", "WhoId": who, "Status": "Completed",
           "TaskSubtype": "Call", "CallType": "Outbound", "CallDisposition": "Connected",
           "CallDurationInSeconds": 250, "ActivityDate": "2026-12-01",
           "Description": "Talked about renewal", "CallObject": "call-1"})
}

#[test]
fn checksum_helper_matches_documented_vectors() {
    assert_eq!(case_safe_suffix("00558000001N0Ke"), "AAK");
    assert_eq!(case_safe_suffix("a00D0000008pQSN"), "IA2");
    assert_eq!(case_safe_suffix("0LGD000000000Iy"), "OAI");
}

#[tokio::test]
async fn every_seeded_id_is_a_valid_18_character_id() {
    let sb = start().await;
    for (object, prefix) in [
        ("Account", "001"),
        ("Contact", "003"),
        ("Lead", "00Q"),
        ("Task", "00T"),
        ("User", "005"),
        ("Call_List_Member__c", "a01"),
    ] {
        let all = records(&sb, object).await;
        assert!(!all.is_empty(), "{object} is seeded");
        for record in &all {
            assert_valid_id(record["Id"].as_str().unwrap(), prefix);
        }
    }
    assert_valid_id(&sb.info().org_id, "00D");
}

#[tokio::test]
async fn versions_need_no_session_and_are_not_counted() {
    let sb = start().await;
    let response = client()
        .get(format!("{}/services/data/", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("sforce-limit-info").is_none());
    let list: Vec<Value> = response.json().await.unwrap();
    assert_eq!(list.first().unwrap()["version"], "31.0");
    assert_eq!(list.first().unwrap()["label"], "Summer '14");
    let latest = list.last().unwrap();
    assert_eq!(latest["version"], "68.0");
    assert_eq!(latest["url"], "/services/data/v68.0");
    assert_eq!(latest["label"], "Winter '27");
    assert_eq!(api_used(&sb).await, 0);
}

#[tokio::test]
async fn bad_sessions_get_401_invalid_session_id() {
    let sb = start_with(SandboxOptions {
        session_ttl: Duration::from_millis(300),
        ..SandboxOptions::default()
    })
    .await;
    let expected =
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
    let url = api(&sb, "/sobjects/Contact/describe");

    let response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<Value>().await.unwrap(), expected);

    let (status, _, body) = get_json(&url, "00DHs000000016Q!not-a-real-token").await;
    assert_eq!((status, body), (401, expected.clone()));

    let token = rep_token(&sb).await;
    assert_eq!(get_json(&url, &token).await.0, 200);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (status, _, body) = get_json(&url, &token).await;
    assert_eq!((status, body), (401, expected.clone()));

    let token = rep_token(&sb).await;
    client()
        .post(format!("{}/__sandbox/expire-sessions", sb.url()))
        .send()
        .await
        .unwrap();
    let (status, _, body) = get_json(&url, &token).await;
    assert_eq!((status, body), (401, expected));
    assert_eq!(api_used(&sb).await, 1, "refused requests are not counted");
}

#[tokio::test]
async fn a_token_without_the_api_scope_cannot_use_rest() {
    let sb = start().await;
    let minted: Value = client()
        .post(format!("{}/__sandbox/sessions", sb.url()))
        .json(&json!({"username": koncert_sf::sandbox::FULL_USER, "scopes": "web id"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, _, body) = get_json(
        &api(&sb, "/limits"),
        minted["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
    assert_eq!(
        body[0]["message"],
        "This session is not valid for use with the REST API"
    );
}

#[tokio::test]
async fn retired_and_unknown_versions() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let url = format!("{}/services/data/v30.0/limits", sb.url());
    assert_eq!(get_json(&url, &token).await.0, 410);
    let url = format!("{}/services/data/v99.0/limits", sb.url());
    let (status, _, body) = get_json(&url, &token).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    let (status, _, body) = get_json(&api(&sb, "/no/such/resource"), &token).await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn api_limit_header_limits_resource_and_the_403() {
    let sb = start_with(SandboxOptions {
        api_limit: 4,
        ..SandboxOptions::default()
    })
    .await;
    let token = rep_token(&sb).await;

    for n in 1..=3 {
        let (status, header, _) = get_json(&api(&sb, "/sobjects/Task/describe"), &token).await;
        assert_eq!(status, 200);
        assert_eq!(header.unwrap(), format!("api-usage={n}/4"));
    }

    let (status, header, limits) = get_json(&api(&sb, "/limits"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(header.unwrap(), "api-usage=4/4");
    assert_eq!(
        limits["DailyApiRequests"],
        json!({"Max": 4, "Remaining": 0})
    );

    let (status, header, body) = get_json(&api(&sb, "/limits"), &token).await;
    assert_eq!(status, 403);
    assert_eq!(header.unwrap(), "api-usage=4/4");
    assert_eq!(
        body,
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    let (status, _, body) = send_json(
        Method::POST,
        &api(&sb, "/sobjects/Task"),
        &token,
        &json!({}),
    )
    .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (403, Some("REQUEST_LIMIT_EXCEEDED"))
    );
    assert!(
        records(&sb, "Task")
            .await
            .iter()
            .all(|t| t["Subject"] == "Call")
    );
}

#[tokio::test]
async fn describe_follows_field_level_security() {
    let sb = start().await;
    let names = |body: &Value| -> Vec<String> {
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().into())
            .collect()
    };
    let field = |body: &Value, name: &str| -> Value {
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };

    let full = get_json(
        &api(&sb, "/sobjects/Contact/describe"),
        &rep_token(&sb).await,
    )
    .await
    .2;
    let restricted = get_json(
        &api(&sb, "/sobjects/Contact/describe"),
        &restricted_token(&sb).await,
    )
    .await
    .2;
    for hidden in ["MobilePhone", "Email", "Title"] {
        assert!(names(&full).contains(&hidden.to_string()));
        assert!(
            !names(&restricted).contains(&hidden.to_string()),
            "{hidden} is hidden"
        );
    }
    assert!(names(&restricted).contains(&"Phone".to_string()));

    let full = get_json(&api(&sb, "/sobjects/Task/describe"), &rep_token(&sb).await)
        .await
        .2;
    let restricted = get_json(
        &api(&sb, "/sobjects/Task/describe"),
        &restricted_token(&sb).await,
    )
    .await
    .2;
    assert_eq!(field(&full, "CallDisposition")["createable"], true);
    assert_eq!(field(&restricted, "CallDisposition")["createable"], false);
    assert_eq!(field(&full, "CallDisposition")["length"], 255);
    assert_eq!(field(&full, "Description")["length"], 32000);
    let subtype = field(&full, "TaskSubtype");
    assert_eq!(subtype["restrictedPicklist"], true);
    assert_eq!(subtype["updateable"], false);
    assert!(
        subtype["picklistValues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["value"] == "Call")
    );
    assert_eq!(full["keyPrefix"], "00T");

    let (status, _, body) = get_json(
        &api(&sb, "/sobjects/Nope__c/describe"),
        &rep_token(&sb).await,
    )
    .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn create_read_update_delete_a_task() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contact = records(&sb, "Contact").await[0].clone();
    let who = contact["Id"].as_str().unwrap();

    let (status, _, created) = send_json(
        Method::POST,
        &api(&sb, "/sobjects/Task"),
        &token,
        &task(who),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["success"], true);
    assert_eq!(created["errors"], json!([]));
    let id = created["id"].as_str().unwrap().to_string();
    assert_valid_id(&id, "00T");

    let url = api(&sb, &format!("/sobjects/Task/{id}"));
    let (status, _, read) = get_json(&url, &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        read["attributes"],
        json!({"type": "Task", "url": format!("/services/data/v67.0/sobjects/Task/{id}")})
    );
    assert_eq!(read["WhoId"], who);
    assert_eq!(read["IsClosed"], true);
    assert_eq!(read["Priority"], "Normal", "defaulted on create");
    assert_eq!(
        read["AccountId"], contact["AccountId"],
        "derived from the Contact"
    );
    assert_eq!(read["CallDurationInSeconds"], 250);

    // The 15-character form of the id reaches the same record.
    let (status, _, short) = get_json(
        &api(&sb, &format!("/sobjects/Task/{}?fields=Subject", &id[..15])),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(short["Subject"], "Call: connected");

    let (status, _, _) = send_json(
        Method::PATCH,
        &url,
        &token,
        &json!({"Description": "Updated"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(get_json(&url, &token).await.2["Description"], "Updated");

    let (status, _, body) = send_json(
        Method::PATCH,
        &url,
        &token,
        &json!({"TaskSubtype": "Email"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");

    let response = client()
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _, body) = get_json(&url, &token).await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn writes_are_validated_as_salesforce_does() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let who = records(&sb, "Contact").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let account = records(&sb, "Account").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let lead = records(&sb, "Lead").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = api(&sb, "/sobjects/Task");

    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            json!({"Subject": "x".repeat(256)}),
            "STRING_TOO_LONG",
            Some("Subject"),
        ),
        (
            json!({"Description": "x".repeat(32_001)}),
            "STRING_TOO_LONG",
            Some("Description"),
        ),
        (
            json!({"CallDisposition": "x".repeat(256)}),
            "STRING_TOO_LONG",
            Some("CallDisposition"),
        ),
        (
            json!({"TaskSubtype": "Bogus"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            Some("TaskSubtype"),
        ),
        (
            json!({"CallType": "Sideways"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            Some("CallType"),
        ),
        (json!({"Mood__c": "happy"}), "INVALID_FIELD", None),
        (
            json!({"WhoId": account}),
            "FIELD_INTEGRITY_EXCEPTION",
            Some("WhoId"),
        ),
        (json!({"WhoId": "003nope"}), "MALFORMED_ID", Some("WhoId")),
        (
            json!({"WhoId": lead, "WhatId": account}),
            "FIELD_INTEGRITY_EXCEPTION",
            Some("WhatId"),
        ),
        (json!({"Id": who}), "INVALID_FIELD", None),
        (
            json!({"IsClosed": true}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            Some("IsClosed"),
        ),
        (
            json!({"ActivityDate": "12/01/2026"}),
            "JSON_PARSER_ERROR",
            Some("ActivityDate"),
        ),
    ];
    for (body, code, field) in cases {
        let (status, _, errors) = send_json(Method::POST, &url, &token, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(errors[0]["errorCode"], code, "{body}: {errors}");
        if let Some(field) = field {
            assert_eq!(errors[0]["fields"], json!([field]), "{body}");
        }
    }

    let (_, _, errors) = send_json(
        Method::POST,
        &url,
        &token,
        &json!({"Subject": "x".repeat(300)}),
    )
    .await;
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Subject: data value too large: ")
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(max length=255)")
    );

    let (status, _, errors) = send_json(
        Method::POST,
        &api(&sb, "/sobjects/Contact"),
        &token,
        &json!({"FirstName": "A"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(errors[0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(
        errors[0]["message"],
        "Required fields are missing: [LastName]"
    );

    let before = records(&sb, "Task").await.len();
    let (status, _, _) = send_json(Method::POST, &url, &token, &json!({"WhoId": who})).await;
    assert_eq!(
        status, 201,
        "a Task needs no input: Status and Priority default"
    );
    assert_eq!(records(&sb, "Task").await.len(), before + 1);
}

#[tokio::test]
async fn the_restricted_rep_cannot_write_hidden_or_read_only_fields() {
    let sb = start().await;
    let token = restricted_token(&sb).await;
    let who = records(&sb, "Contact").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, _, errors) = send_json(
        Method::POST,
        &api(&sb, "/sobjects/Task"),
        &token,
        &task(&who),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(errors[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(errors[0]["fields"], json!(["CallDisposition"]));
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unable to create/update fields: CallDisposition.")
    );

    let url = api(&sb, &format!("/sobjects/Contact/{who}"));
    let (status, _, errors) =
        send_json(Method::PATCH, &url, &token, &json!({"MobilePhone": "1"})).await;
    assert_eq!(status, 400);
    assert_eq!(errors[0]["errorCode"], "INVALID_FIELD");

    let (status, _, contact) = get_json(&url, &token).await;
    assert_eq!(status, 200);
    assert!(contact.get("MobilePhone").is_none() && contact.get("Title").is_none());
    assert!(contact.get("Phone").is_some());
}

#[tokio::test]
async fn collections_create_with_and_without_all_or_none() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let typed = |who: &Value| {
        let mut t = task(who.as_str().unwrap());
        t["attributes"] = json!({"type": "Task"});
        t
    };
    let mut bad = typed(&contacts[2]["Id"]);
    bad["CallType"] = json!("Sideways");
    let batch = vec![typed(&contacts[0]["Id"]), bad, typed(&contacts[1]["Id"])];
    let url = api(&sb, "/composite/sobjects");
    let tasks_before = records(&sb, "Task").await.len();
    let used_before = api_used(&sb).await;

    let body = json!({"allOrNone": true, "records": batch});
    let (status, _, results) = send_json(Method::POST, &url, &token, &body).await;
    assert_eq!(status, 200);
    assert_eq!(results[0]["success"], false);
    assert_eq!(
        results[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert!(
        results[1]["errors"][0].get("errorCode").is_none(),
        "collections say statusCode"
    );
    assert_eq!(
        records(&sb, "Task").await.len(),
        tasks_before,
        "nothing was committed"
    );

    let body = json!({"allOrNone": false, "records": batch});
    let (status, _, results) = send_json(Method::POST, &url, &token, &body).await;
    assert_eq!(status, 200);
    let flags: Vec<bool> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["success"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [true, false, true], "results keep the request order");
    assert_valid_id(results[0]["id"].as_str().unwrap(), "00T");
    assert_eq!(records(&sb, "Task").await.len(), tasks_before + 2);
    assert_eq!(
        api_used(&sb).await,
        used_before + 2,
        "each collection request is one call"
    );

    let too_many: Vec<Value> = (0..201).map(|i| typed(&contacts[i]["Id"])).collect();
    let (status, _, body) =
        send_json(Method::POST, &url, &token, &json!({"records": too_many})).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "EXCEEDED_ID_LIMIT");

    let untyped = json!({"records": [task(contacts[0]["Id"].as_str().unwrap())]});
    let (_, _, results) = send_json(Method::POST, &url, &token, &untyped).await;
    assert_eq!(results[0]["errors"][0]["statusCode"], "INVALID_TYPE");
}

/// sObject Collections retrieve by GET (`?ids=&fields=`) and by POST with a
/// body, for id lists too long for a URL; unknown ids give `null`.
#[tokio::test]
async fn collections_retrieve_by_get_and_by_post() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let a = contacts[0]["Id"].as_str().unwrap();
    let b = contacts[1]["Id"].as_str().unwrap();
    let missing = "003000000000000AAA";

    let url = api(
        &sb,
        &format!("/composite/sobjects/Contact?ids={a},{missing},{b}&fields=Id,LastName"),
    );
    let (status, _, by_get) = get_json(&url, &token).await;
    assert_eq!(status, 200, "{by_get}");

    let body = json!({"ids": [a, missing, b], "fields": ["Id", "LastName"]});
    let url = api(&sb, "/composite/sobjects/Contact");
    let (status, _, by_post) = send_json(Method::POST, &url, &token, &body).await;
    assert_eq!(status, 200, "{by_post}");
    assert_eq!(by_post, by_get);
    assert_eq!(by_post[0]["Id"], a);
    assert_eq!(by_post[0]["LastName"], contacts[0]["LastName"]);
    assert_eq!(by_post[0]["attributes"]["type"], "Contact");
    assert!(by_post[1].is_null());
    assert_eq!(by_post[2]["Id"], b);

    let (status, _, error) = send_json(Method::POST, &url, &token, &json!({"ids": [a]})).await;
    assert_eq!(status, 400);
    assert_eq!(error[0]["errorCode"], "MISSING_ARGUMENT");
}

/// The version's resource list carries the caller's absolute identity URL.
#[tokio::test]
async fn the_resource_list_names_the_identity_url() {
    let sb = start().await;
    let tokens = token_for(&sb, koncert_sf::sandbox::FULL_USER).await;
    let token = tokens["access_token"].as_str().unwrap();
    let (status, _, resources) = get_json(&api(&sb, "/"), token).await;
    assert_eq!(status, 200);
    assert_eq!(resources["identity"], tokens["id"]);
    assert_eq!(resources["sobjects"], "/services/data/v67.0/sobjects");
}

#[tokio::test]
async fn injected_faults_503_latency_and_dropped_responses() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let faults = format!("{}/__sandbox/faults", sb.url());
    let url = api(&sb, "/limits");

    client()
        .post(&faults)
        .json(&json!({"fail_next": 2}))
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        let (status, _, body) = get_json(&url, &token).await;
        assert_eq!(
            (status, body[0]["errorCode"].as_str()),
            (503, Some("SERVER_UNAVAILABLE"))
        );
    }
    assert_eq!(get_json(&url, &token).await.0, 200);

    client()
        .post(&faults)
        .json(&json!({"latency_ms": 150}))
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(get_json(&url, &token).await.0, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "the latency was applied"
    );

    client()
        .post(&faults)
        .json(&json!({"drop_after_commit": 1}))
        .send()
        .await
        .unwrap();
    let who = records(&sb, "Contact").await[5]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = task(&who);
    body["CallObject"] = json!("dropped-call");
    let result = client()
        .post(api(&sb, "/sobjects/Task"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await;
    assert!(result.is_err(), "the connection drops before any answer");
    let committed = records(&sb, "Task").await;
    assert_eq!(
        committed
            .iter()
            .filter(|t| t["CallObject"] == "dropped-call")
            .count(),
        1
    );

    let (status, _, _) = send_json(
        Method::POST,
        &api(&sb, "/sobjects/Task"),
        &token,
        &task(&who),
    )
    .await;
    assert_eq!(status, 201, "only one response was dropped");
}

#[tokio::test]
async fn control_surface_is_marked_and_not_counted() {
    let sb = start().await;
    let response = client()
        .get(format!("{}/__sandbox/", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-koncert-sandbox"], "control");
    assert!(response.headers().get("sforce-limit-info").is_none());
    let _ = rep_token(&sb).await;
    let _ = records(&sb, "Lead").await;
    assert_eq!(api_used(&sb).await, 0);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_org() {
    let options = |seed| SandboxOptions {
        seed,
        ..SandboxOptions::default()
    };
    let a = start_with(options(7)).await;
    let b = start_with(options(7)).await;
    let c = start_with(options(8)).await;
    let names = |records: Vec<Value>| -> Vec<(Value, Value)> {
        records
            .into_iter()
            .take(50)
            .map(|r| (r["Id"].clone(), r["Name"].clone()))
            .collect()
    };
    let contacts_a = names(records(&a, "Contact").await);
    assert_eq!(contacts_a, names(records(&b, "Contact").await));
    assert_ne!(contacts_a, names(records(&c, "Contact").await));
    assert_eq!(records(&a, "Contact").await.len(), 12_000);
}

/// Posts `records` (typed as Tasks) to sObject Collections create.
async fn create_tasks(
    sb: &koncert_sf::sandbox::SandboxHandle,
    token: &str,
    records: Vec<Value>,
    all_or_none: bool,
) -> (u16, Value) {
    let records: Vec<Value> = records
        .into_iter()
        .map(|mut t| {
            t["attributes"] = json!({"type": "Task"});
            t
        })
        .collect();
    let body = json!({"allOrNone": all_or_none, "records": records});
    let url = api(sb, "/composite/sobjects");
    let (status, _, results) = send_json(Method::POST, &url, token, &body).await;
    (status, results)
}

/// The `Call_Campaign__c` custom field: described for both reps as a
/// writable Text(80), and checked for length per record like standard text.
#[tokio::test]
async fn the_call_campaign_field_is_described_and_length_checked() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    for user_token in [token.clone(), restricted_token(&sb).await] {
        let (status, _, describe) =
            get_json(&api(&sb, "/sobjects/Task/describe"), &user_token).await;
        assert_eq!(status, 200);
        let field = describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Call_Campaign__c")
            .cloned()
            .expect("Call_Campaign__c is described");
        assert_eq!(field["label"], "Call Campaign");
        assert_eq!(field["type"], "string");
        assert_eq!(field["length"], 80);
        assert_eq!(field["custom"], true);
        assert_eq!(field["nillable"], true);
        assert_eq!(field["createable"], true);
        assert_eq!(field["updateable"], true);
    }

    let contacts = records(&sb, "Contact").await;
    let mut fits = task(contacts[0]["Id"].as_str().unwrap());
    fits["Call_Campaign__c"] = json!("c".repeat(80));
    let mut too_long = task(contacts[1]["Id"].as_str().unwrap());
    let long = "x".repeat(81);
    too_long["Call_Campaign__c"] = json!(long);
    let (status, results) = create_tasks(&sb, &token, vec![fits, too_long], false).await;
    assert_eq!(status, 200, "{results}");
    assert_eq!(results[0]["success"], true, "{results}");
    assert_eq!(
        results[1],
        json!({"success": false, "errors": [{
            "message": format!("Call Campaign: data value too large: {long} (max length=80)"),
            "statusCode": "STRING_TOO_LONG",
            "fields": ["Call_Campaign__c"],
        }]})
    );

    let id = results[0]["id"].as_str().unwrap();
    let (status, _, stored) = get_json(&api(&sb, &format!("/sobjects/Task/{id}")), &token).await;
    assert_eq!(status, 200);
    assert_eq!(stored["Call_Campaign__c"], "c".repeat(80));
}

/// `If-Modified-Since` on describe: 304 with no body when the metadata has
/// not changed since the date (it never changes after start), the full
/// describe for an earlier or unreadable date. The 304 is a counted call.
#[tokio::test]
async fn describe_answers_304_when_metadata_is_unchanged_since() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let url = api(&sb, "/sobjects/Task/describe");
    let conditional = |since: String| {
        client()
            .get(&url)
            .bearer_auth(&token)
            .header("If-Modified-Since", since)
            .send()
    };

    let before = api_used(&sb).await;
    let now = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    let response = conditional(now.to_string()).await.unwrap();
    assert_eq!(response.status(), 304);
    assert_eq!(
        response.headers()["sforce-limit-info"],
        format!("api-usage={}/15000", before + 1).as_str()
    );
    assert!(
        response.text().await.unwrap().is_empty(),
        "a 304 has no body"
    );
    assert_eq!(api_used(&sb).await, before + 1, "the 304 counts as a call");

    for since in ["Wed, 3 Jul 2013 19:43:31 GMT", "not a date"] {
        let response = conditional(since.to_string()).await.unwrap();
        assert_eq!(response.status(), 200, "{since}");
        assert!(response.headers().get("sforce-limit-info").is_some());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["name"], "Task", "{since}");
        assert!(!body["fields"].as_array().unwrap().is_empty());
    }
    assert_eq!(api_used(&sb).await, before + 3);

    let response = client()
        .get(api(&sb, "/sobjects/Nope__c/describe"))
        .bearer_auth(&token)
        .header("If-Modified-Since", now.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        404,
        "an unknown object is not 'unchanged'"
    );
}

/// `lock_rows_next`: that many records fail alone with `UNABLE_TO_LOCK_ROW`
/// while the rest of the request is written; with `allOrNone` a lock rolls
/// the whole request back; once used up, requests are normal again.
#[tokio::test]
async fn lock_rows_next_fails_that_many_records_with_unable_to_lock_row() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let batch = |tag: &str| -> Vec<Value> {
        (0..5)
            .map(|i| {
                let mut t = task(contacts[i]["Id"].as_str().unwrap());
                t["CallObject"] = json!(format!("{tag}-{i}"));
                t
            })
            .collect()
    };
    let count = |tasks: &[Value], tag: &str| {
        let prefix = format!("{tag}-");
        tasks
            .iter()
            .filter(|t| {
                t["CallObject"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(&prefix)
            })
            .count()
    };

    let faults = control(&sb, "faults", json!({"lock_rows_next": 2})).await;
    assert_eq!(faults["lock_rows_next"], 2);
    let (status, results) = create_tasks(&sb, &token, batch("locked"), false).await;
    assert_eq!(status, 200, "{results}");
    let results = results.as_array().unwrap();
    let flags: Vec<bool> = results.iter().map(|r| r["success"] == true).collect();
    assert_eq!(
        flags,
        [false, false, true, true, true],
        "the next two records lock"
    );
    let locked: Vec<&Value> = results.iter().filter(|r| r["success"] == false).collect();
    for failure in &locked {
        assert_eq!(
            failure["errors"],
            json!([{"message": "unable to obtain exclusive access to this record or 1 records: ",
                    "statusCode": "UNABLE_TO_LOCK_ROW", "fields": []}])
        );
    }
    assert_eq!(results.iter().filter(|r| r["success"] == true).count(), 3);
    assert_eq!(count(&records(&sb, "Task").await, "locked"), 3);

    let (_, results) = create_tasks(&sb, &token, batch("after"), false).await;
    assert!(
        results
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["success"] == true),
        "the fault is used up: {results}"
    );
    assert_eq!(count(&records(&sb, "Task").await, "after"), 5);

    control(&sb, "faults", json!({"lock_rows_next": 1})).await;
    let (_, results) = create_tasks(&sb, &token, batch("atomic"), true).await;
    let codes: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["errors"][0]["statusCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes[0], "UNABLE_TO_LOCK_ROW");
    assert!(
        codes[1..]
            .iter()
            .all(|c| *c == "ALL_OR_NONE_OPERATION_ROLLED_BACK")
    );
    assert_eq!(count(&records(&sb, "Task").await, "atomic"), 0);

    let id = records(&sb, "Task").await[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    control(&sb, "faults", json!({"lock_rows_next": 1})).await;
    let update = json!({"records": [{"attributes": {"type": "Task"}, "Id": id,
                                     "Subject": "Call: retried"}]});
    let url = api(&sb, "/composite/sobjects");
    let (_, _, results) = send_json(Method::PATCH, &url, &token, &update).await;
    assert_eq!(
        results[0]["errors"][0]["message"],
        format!("unable to obtain exclusive access to this record or 1 records: {id}")
    );
}

/// `expire_sessions_after`: the counted requests up to the count succeed,
/// then every access token is dead (401 `INVALID_SESSION_ID`) while the
/// refresh token still gets a new one; the fault fires once.
#[tokio::test]
async fn expire_sessions_after_ends_access_tokens_mid_run() {
    let sb = start().await;
    let tokens = token_for(&sb, koncert_sf::sandbox::FULL_USER).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let url = api(&sb, "/limits");

    let faults = control(&sb, "faults", json!({"expire_sessions_after": 2})).await;
    assert_eq!(faults["expire_sessions_after"], 2);
    assert_eq!(get_json(&url, access).await.0, 200);
    let versions = client()
        .get(format!("{}/services/data/", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        versions.status(),
        200,
        "uncounted requests do not advance it"
    );
    assert_eq!(get_json(&url, access).await.0, 200);

    let (status, _, body) = get_json(&url, access).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert_eq!(
        control(&sb, "faults", json!({})).await["expire_sessions_after"],
        0
    );

    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", koncert_sf::sandbox::CLIENT_ID),
    ];
    let response = client()
        .post(format!("{}/services/oauth2/token", sb.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let renewed: Value = response.json().await.unwrap();
    let fresh = renewed["access_token"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(get_json(&url, fresh).await.0, 200, "the fault fired once");
    }
}
