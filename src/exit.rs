//! The exit-code table shared by every command, and how a failure is reported
//! on stderr (plain or `--json`). Scripts and cron jobs branch on these codes,
//! so they never change meaning.

use std::fmt;

use serde_json::json;

/// Why a command ended, as its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Ok = 0,
    /// 1: any failure not listed below.
    Other = 1,
    /// 2: the command line or an input file was wrong; nothing was attempted.
    Usage = 2,
    /// 3: no login for the org, or the login expired and could not be renewed.
    NotLoggedIn = 3,
    /// 4: the org's API limit (or the configured reserve) is reached; syncing
    /// stopped and queued work is kept.
    ApiLimit = 4,
    /// 5: Salesforce or the network is unavailable; retry later.
    Unavailable = 5,
    /// 6: Salesforce rejected some records.
    Rejected = 6,
    /// 7: the OS keyring (secure token storage) is unavailable.
    SecureStorage = 7,
}

/// The table as shown by `--help`, the man page and the README.
pub const TABLE: &str = "\
Exit status:
  0  ok
  1  other error
  2  usage or bad input
  3  not logged in, or login expired
  4  API limit reached, syncing stopped
  5  Salesforce or network unavailable, retry later
  6  Salesforce rejected some records
  7  secure token storage unavailable";

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}

/// An error that knows its exit code and what the user can do next.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    /// A failure with the given code and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds the line that tells the user what to do next.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A failure that reports a domain error as it is: its message, the exit
    /// code it maps to, and its hint if it has one. The error stays in the
    /// chain as the cause.
    pub fn of<E>(error: E, exit: Exit, hint: Option<String>) -> anyhow::Error
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let failure = Self {
            exit,
            message: error.to_string(),
            hint,
        };
        anyhow::Error::new(error).context(failure)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The outermost `Failure` of an error, whether it was attached as context
/// or is one of the causes.
pub fn failure_of(error: &anyhow::Error) -> Option<&Failure> {
    error
        .downcast_ref::<Failure>()
        .or_else(|| error.chain().find_map(|e| e.downcast_ref::<Failure>()))
}

/// The exit code of an error: its outermost `Failure` decides, else 1.
pub fn code_of(error: &anyhow::Error) -> Exit {
    failure_of(error).map_or(Exit::Other, |f| f.exit)
}

/// Writes `error: ...`, `caused by: ...` and `hint: ...` lines, or one JSON
/// object with `--json`, to stderr.
pub fn report(error: &anyhow::Error, as_json: bool) {
    let hint = failure_of(error).and_then(|f| f.hint.clone());
    // A failure wrapping a domain error repeats its message; say it once.
    let mut causes: Vec<String> = Vec::new();
    let mut previous = error.to_string();
    for cause in error.chain().skip(1).map(ToString::to_string) {
        if cause != previous {
            causes.push(cause.clone());
        }
        previous = cause;
    }
    let code = code_of(error) as u8;

    let text = if as_json {
        json!({"error": {"message": error.to_string(), "causes": causes, "hint": hint,
                         "exit_code": code}})
        .to_string()
    } else {
        let mut lines = vec![format!("error: {error}")];
        lines.extend(causes.iter().map(|c| format!("caused by: {c}")));
        lines.extend(hint.iter().map(|h| format!("hint: {h}")));
        lines.join("\n")
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{text}");
    }
}
