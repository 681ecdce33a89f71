//! `koncert-sf paths`: where config and data live, and why there.

use std::io::Write as _;

use anyhow::Context as _;

use super::GlobalArgs;
use crate::config::{HOME_ENV, Paths};

/// Prints the resolved paths.
pub fn run(global: &GlobalArgs) -> anyhow::Result<()> {
    let paths = Paths::resolve(std::env::var_os(HOME_ENV).map(Into::into))?;

    let text = if global.json {
        serde_json::to_string(&paths)?
    } else {
        format!(
            "config file: {}\nconfig dir:  {}\ndata dir:    {}\nchosen by:   {}",
            paths.config_file.display(),
            paths.config_dir.display(),
            paths.data_dir.display(),
            paths.source
        )
    };
    writeln!(std::io::stdout(), "{text}").context("cannot write to stdout")
}
