//! The real binary: global behaviour, generated docs, and `koncert-sf sandbox`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

/// The binary with a clean environment: its own home, no inherited org or log.
fn koncert(home: &Path) -> Command {
    let mut cmd = Command::new(cargo_bin("koncert-sf"));
    cmd.env("KONCERT_SF_HOME", home)
        .env("HOME", home)
        .env_remove("KONCERT_SF_ORG")
        .env_remove("KONCERT_SF_LOG");
    cmd
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = koncert_sf::cli::generated_files().unwrap();
    let regenerate = "run `cargo run -- generate-docs --out-dir .` and commit the result";

    for file in &files {
        let committed = std::fs::read(root.join(&file.path))
            .unwrap_or_else(|_| panic!("{} is missing: {regenerate}", file.path.display()));
        assert!(
            committed == file.contents,
            "{} is stale: {regenerate}",
            file.path.display()
        );
    }

    // A page for a removed subcommand must not linger either.
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = Path::new(dir).join(entry.unwrap().file_name());
            assert!(
                files.iter().any(|f| f.path == path),
                "{} is not generated",
                path.display()
            );
        }
    }
    assert!(
        files
            .iter()
            .any(|f| f.path == Path::new("man/koncert-sf-sandbox.1"))
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let output = koncert(home.path()).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for line in [
        "0  ok",
        "2  usage or bad input",
        "4  API limit reached",
        "7  secure token",
    ] {
        assert!(help.contains(line), "--help lacks `{line}`");
    }
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let status = koncert(home.path())
        .arg("no-such-command")
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));

    let output = koncert(home.path())
        .args(["sandbox", "--report", "notanid=x.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--report"));
}

#[test]
fn koncert_sf_home_relocates_config_and_data() {
    let home = tempfile::tempdir().unwrap();
    let output = koncert(home.path())
        .args(["paths", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let paths: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = home.path().join("config").join("config.toml");
    assert_eq!(paths["config_file"], expected.to_str().unwrap());
    assert_eq!(
        paths["data_dir"],
        home.path().join("data").to_str().unwrap()
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = koncert(home.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("sandbox"),
            "{shell}"
        );
    }
}

/// A `koncert-sf sandbox` child process, killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_sandbox(home: &Path, extra: &[&str]) -> (Child, String) {
    let child = koncert(home)
        .args(["sandbox", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let mut first = String::new();
    BufReader::new(child.0.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    (child, first)
}

#[test]
fn sandbox_prints_its_url_first_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let (mut child, first) = spawn_sandbox(home.path(), &[]);
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the URL");
    assert!(url.starts_with("http://127.0.0.1:"));

    let versions: Value = reqwest::blocking_get(&format!("{url}/services/data/"));
    assert_eq!(
        versions.as_array().unwrap().last().unwrap()["version"],
        "68.0"
    );

    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn sandbox_json_describes_the_org() {
    let home = tempfile::tempdir().unwrap();
    let (_child, first) = spawn_sandbox(home.path(), &["--json", "--api-limit", "500"]);
    let info: Value = serde_json::from_str(&first).expect("one JSON object on the first line");
    assert!(
        info["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(info["client_id"], koncert_sf::sandbox::CLIENT_ID);
    assert_eq!(info["api_limit"], 500);
    let users: Vec<&str> = info["usernames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(users.contains(&koncert_sf::sandbox::FULL_USER));
    assert!(users.contains(&koncert_sf::sandbox::RESTRICTED_USER));
}

#[test]
fn busy_port_is_reported_with_a_hint() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = koncert(home.path())
        .args(["sandbox", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is not available")),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pick another --port"), "{stderr}");
}

/// Minimal blocking GET for tests that run without an async runtime.
mod reqwest {
    pub fn blocking_get(url: &str) -> serde_json::Value {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async { ::reqwest::get(url).await.unwrap().json().await.unwrap() })
    }
}

/// Every `koncert-sf …` and `cargo run … -- …` line of the README parses with
/// the real command-line model, so the README cannot drift from the binary.
#[test]
fn readme_commands_are_valid() {
    use clap::Parser as _;

    let readme = include_str!("../../README.md");
    let mut checked = 0;
    for line in readme.lines().map(str::trim) {
        let args = if let Some(rest) = line.strip_prefix("koncert-sf ") {
            rest
        } else if let Some((_, rest)) = line.split_once("cargo run --release -- ") {
            rest
        } else if let Some((_, rest)) = line.split_once("cargo run -- ") {
            rest
        } else {
            continue;
        };
        let args = args.split(" > ").next().unwrap().trim_end_matches('`');
        // Shell quoting, as a user's shell would split the line.
        let words = shell_words::split(args)
            .unwrap_or_else(|e| panic!("README line `{line}` is not valid shell: {e}"));
        let argv = std::iter::once("koncert-sf".to_string()).chain(words);
        if let Err(e) = koncert_sf::cli::Cli::try_parse_from(argv) {
            panic!("README line `{line}` does not parse:\n{e}");
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} README commands found");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for script in [".ci/test", ".ci/run"] {
        assert!(
            readme.contains(script) && root.join(script).is_file(),
            "{script}"
        );
    }
}

/// Report ids the README shows are the sandbox's seeded ones, so its examples
/// work against `koncert-sf sandbox` as written.
#[test]
fn readme_report_ids_exist_in_the_sandbox() {
    let readme = include_str!("../../README.md");
    let sandbox = koncert_sf::sandbox::start_in_thread(Default::default()).unwrap();
    let known: Vec<&str> = sandbox
        .info()
        .reports
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    let mut seen = 0;
    for word in readme.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.starts_with("00O") && word.len() == 18 {
            assert!(
                known.contains(&word),
                "README report id {word} is not seeded"
            );
            seen += 1;
        }
    }
    assert!(seen >= 2, "the README shows report ids");
}

/// `koncert-sf demo` (the README's first command) runs the whole flow against
/// the embedded sandbox and leaves the user's own home untouched.
#[test]
fn the_demo_runs_the_whole_flow() {
    let home = tempfile::tempdir().unwrap();
    let output = koncert(home.path()).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "$ koncert-sf load-report 00OHs000000CcUpMAK --list demo",
        "Pushed 1 call to Salesforce",
        "Pushed 2 calls to Salesforce",
        "synced",
        "Tasks in the simulated org: 4",
        "Follow up: ",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(
        std::fs::read_dir(home.path()).unwrap().next().is_none(),
        "the demo wrote into the user's home"
    );
}
