//! `koncert-sf orgs`: the logged-in orgs, and which one is the default.

use clap::Args;
use comfy_table::{Table, presets};
use serde_json::json;

use super::context::{Ctx, profile_failure};
use crate::exit::{Exit, Failure};
use crate::profiles::{self, Storage};

/// Options of `koncert-sf orgs`.
#[derive(Debug, Args)]
pub struct OrgsArgs {
    /// Make this alias the default org
    #[arg(long, value_name = "ALIAS")]
    pub default: Option<String>,
}

/// Lists the orgs, after changing the default when asked.
pub async fn run(ctx: &Ctx, args: OrgsArgs) -> anyhow::Result<()> {
    let orgs = match &args.default {
        None => ctx.orgs()?,
        Some(alias) => {
            let (orgs, known) = profiles::update(&ctx.orgs_path(), |orgs| {
                let known = orgs.orgs.contains_key(alias);
                if known {
                    orgs.default = Some(alias.clone());
                }
                known
            })
            .map_err(profile_failure)?;
            if !known {
                let names: Vec<&str> = orgs.orgs.keys().map(String::as_str).collect();
                return Err(
                    Failure::new(Exit::Usage, format!("no org is logged in as `{alias}`"))
                        .hint(format!("logged-in orgs: {}", names.join(", ")))
                        .into(),
                );
            }
            orgs
        }
    };

    let list: Vec<_> = orgs
        .orgs
        .iter()
        .map(|(alias, p)| {
            json!({"alias": alias, "default": orgs.default.as_deref() == Some(alias.as_str()),
                   "username": p.username, "org_id": p.org_id, "instance_url": p.instance_url,
                   "login_url": p.login_url, "storage": p.storage, "needs_login": p.needs_login,
                   "issued_at": p.issued_at.to_rfc3339()})
        })
        .collect();

    let human = if orgs.orgs.is_empty() {
        "no org is logged in; run: koncert-sf login".to_string()
    } else {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_BORDERS_ONLY).set_header([
            "",
            "alias",
            "username",
            "instance",
            "tokens",
            "logged in",
        ]);
        for (alias, p) in &orgs.orgs {
            let mark = if orgs.default.as_deref() == Some(alias.as_str()) {
                "*"
            } else {
                ""
            };
            let tokens = match p.storage {
                Storage::Keyring => "keyring",
                Storage::InsecureFile => "PLAINTEXT FILE",
            };
            let state = if p.needs_login { "needs login" } else { "yes" };
            table.add_row([mark, alias, &p.username, &p.instance_url, tokens, state]);
        }
        table.to_string()
    };
    ctx.emit(&human, &json!({"default": orgs.default, "orgs": list}))
}
