//! OAuth grants and the access tokens minted from them.
//!
//! A grant is what a user's approval creates; it holds the refresh token. Each
//! access token belongs to at most one grant, so revoking the refresh token kills
//! every access token it minted, as Salesforce documents. Access tokens expire
//! after a period of inactivity (`session_ttl`): Salesforce's session timeout is
//! an inactivity timeout that each API call resets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;

/// A live access token.
#[derive(Debug, Clone)]
pub struct Session {
    /// Index of the user in `Org::users`.
    pub user: usize,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub grant: Option<u64>,
    pub last_used: Instant,
    /// Milliseconds since the epoch when the token was minted.
    pub issued_at_ms: i64,
}

impl Session {
    /// Whether the token may call the REST API (`api` or `full` scope).
    pub fn has_api_scope(&self) -> bool {
        self.scopes.iter().any(|s| s == "api" || s == "full")
    }
}

/// A user's approval of a client, holding its current refresh token.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user: usize,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub refresh_token: String,
    /// Milliseconds since the epoch when the grant was approved.
    pub issued_at_ms: i64,
}

/// What a token is, as introspection reports it.
#[derive(Debug, Clone, Copy)]
pub enum TokenInfo<'a> {
    /// A live access token.
    Access(&'a Session),
    /// The current refresh token of a grant.
    Refresh(&'a Grant),
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such token: never issued, revoked, or its grant was revoked.
    Unknown,
    /// The token sat idle longer than the session timeout.
    Expired,
}

/// Every grant and access token of the org.
#[derive(Debug, Default)]
pub struct Sessions {
    next_grant: u64,
    grants: HashMap<u64, Grant>,
    by_refresh: HashMap<String, u64>,
    access: HashMap<String, Session>,
}

/// Random opaque text of `len` alphanumeric characters.
pub fn opaque(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Sessions {
    /// Records a new grant and returns its id and refresh token.
    pub fn grant(
        &mut self,
        user: usize,
        client_id: &str,
        scopes: &[String],
        issued_at_ms: i64,
    ) -> (u64, String) {
        self.next_grant += 1;
        let id = self.next_grant;
        let refresh_token = format!("5Aep861{}", opaque(80));
        self.by_refresh.insert(refresh_token.clone(), id);
        self.grants.insert(
            id,
            Grant {
                user,
                client_id: client_id.to_string(),
                scopes: scopes.to_vec(),
                refresh_token: refresh_token.clone(),
                issued_at_ms,
            },
        );
        (id, refresh_token)
    }

    /// Mints an access token `{org15}!{opaque}` for a user.
    pub fn issue_access(
        &mut self,
        org15: &str,
        user: usize,
        client_id: &str,
        scopes: &[String],
        grant: Option<u64>,
    ) -> String {
        let token = format!("{org15}!AQ{}", opaque(96));
        let session = Session {
            user,
            client_id: client_id.to_string(),
            scopes: scopes.to_vec(),
            grant,
            last_used: Instant::now(),
            issued_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        self.access.insert(token.clone(), session);
        token
    }

    /// Checks a bearer token and, when it is live, resets its inactivity timer.
    pub fn authenticate(&mut self, token: &str, ttl: Duration) -> Result<Session, Refusal> {
        let session = self.access.get_mut(token).ok_or(Refusal::Unknown)?;
        if session.last_used.elapsed() > ttl {
            self.access.remove(token);
            return Err(Refusal::Expired);
        }
        session.last_used = Instant::now();
        Ok(session.clone())
    }

    /// Looks a token up without resetting its inactivity timer, as token
    /// introspection must not count as use. Idle access tokens count as dead.
    pub fn peek(&self, token: &str, ttl: Duration) -> Option<TokenInfo<'_>> {
        if let Some(session) = self.access.get(token) {
            return (session.last_used.elapsed() <= ttl).then_some(TokenInfo::Access(session));
        }
        self.grant_by_refresh(token)
            .map(|(_, grant)| TokenInfo::Refresh(grant))
    }

    /// Finds the grant holding this refresh token.
    pub fn grant_by_refresh(&self, refresh_token: &str) -> Option<(u64, &Grant)> {
        let id = *self.by_refresh.get(refresh_token)?;
        self.grants.get(&id).map(|g| (id, g))
    }

    /// Replaces a grant's refresh token (refresh token rotation); the old one dies.
    pub fn rotate(&mut self, grant: u64) -> Option<String> {
        let entry = self.grants.get_mut(&grant)?;
        self.by_refresh.remove(&entry.refresh_token);
        entry.refresh_token = format!("5Aep861{}", opaque(80));
        self.by_refresh.insert(entry.refresh_token.clone(), grant);
        Some(entry.refresh_token.clone())
    }

    /// Revokes an access or refresh token. A refresh token takes its grant and
    /// every access token minted from it along. Returns false for unknown tokens.
    pub fn revoke(&mut self, token: &str) -> bool {
        if self.access.remove(token).is_some() {
            return true;
        }
        let Some(grant) = self.by_refresh.remove(token) else {
            return false;
        };
        self.grants.remove(&grant);
        self.access.retain(|_, s| s.grant != Some(grant));
        true
    }

    /// Ends every access token at once, as if each had sat idle past the timeout.
    /// Grants survive, so refresh tokens keep working.
    pub fn expire_all_access(&mut self) -> usize {
        let n = self.access.len();
        self.access.clear();
        n
    }
}
