//! Diagnostics on stderr through `tracing`. `-v` raises the level, `-q` lowers
//! it, and `KONCERT_SF_LOG` (an env-filter string) overrides both. stdout is
//! left to data.

use tracing_subscriber::EnvFilter;

/// Environment variable holding a full filter, e.g. `koncert_sf=debug`.
pub const LOG_ENV: &str = "KONCERT_SF_LOG";

/// Installs the stderr subscriber for the given verbosity.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .try_init();
}
