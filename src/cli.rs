//! The command line: global flags, subcommands, and the `main` that ties
//! parsing, logging, the runtime and exit codes together.

mod calls;
mod completions;
mod context;
mod demo;
mod forget;
mod load_report;
mod log_call;
mod login;
mod logout;
mod orgs;
mod outcomes;
mod paths;
mod purge;
mod push;
mod queue;
mod sandbox;
mod status;

use clap::{Args, Parser, Subcommand};

use crate::exit::{self, Exit};
use crate::logging;

pub use completions::{GeneratedFile, generated_files};

/// A sales rep's dialing companion that talks to Salesforce directly.
#[derive(Debug, Parser)]
#[command(name = "koncert-sf", version, about, after_help = exit::TABLE)]
#[command(propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Org alias to use (default: the default org)
    #[arg(long, global = true, value_name = "ALIAS", env = "KONCERT_SF_ORG")]
    pub org: Option<String>,

    /// Print results (and errors, on stderr) as JSON
    #[arg(long, global = true)]
    pub json: bool,

    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to a Salesforce org (browser, pasted redirect, or device code)
    Login(login::LoginArgs),
    /// Show each org's user, token storage, session state and API usage
    Status(status::StatusArgs),
    /// List logged-in orgs, or choose the default one
    Orgs(orgs::OrgsArgs),
    /// Revoke an org's tokens at Salesforce and forget them here
    Logout(logout::LogoutArgs),
    /// Run a Salesforce report and keep its people as a local call queue
    LoadReport(load_report::LoadReportArgs),
    /// Show the prospects of the call queue
    Queue(queue::QueueArgs),
    /// Show the loaded call lists
    Lists,
    /// Show the next prospect to call (and dial it with --dial)
    Next(queue::NextArgs),
    /// Record a call's outcome, notes and duration, then push it to Salesforce
    LogCall(log_call::LogCallArgs),
    /// Send the calls waiting in the local outbox to Salesforce as Tasks
    Push(push::PushArgs),
    /// Show logged calls with their Salesforce Task or the reason they failed
    Calls(calls::CallsArgs),
    /// List the call outcomes of the active workflow and the Task fields they set
    Outcomes,
    /// Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C
    Sandbox(sandbox::SandboxArgs),
    /// Run the whole flow (load, log, push) against an embedded simulated org
    Demo(demo::DemoArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Show where configuration and data are kept
    Paths,
    /// Delete call details and prospects older than the retention period (for cron)
    Purge(purge::PurgeArgs),
    /// Delete one prospect and all their calls from this computer
    Forget(forget::ForgetArgs),
    /// Write completions and man pages into a directory (for packagers)
    #[command(hide = true)]
    GenerateDocs(completions::GenerateDocsArgs),
}

/// Parses the command line, runs the command, and returns its exit status.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            return code.into();
        }
    };
    logging::init(cli.global.verbose, cli.global.quiet);

    let json = cli.global.json;
    match run(cli) {
        Ok(()) => Exit::Ok.into(),
        Err(error) => {
            exit::report(&error, json);
            exit::code_of(&error).into()
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Login(args) => with_ctx(global, |ctx| async move { login::run(&ctx, args).await }),
        Command::Status(args) => {
            with_ctx(global, |ctx| async move { status::run(&ctx, args).await })
        }
        Command::Orgs(args) => with_ctx(global, |ctx| async move { orgs::run(&ctx, args).await }),
        Command::Logout(args) => {
            with_ctx(global, |ctx| async move { logout::run(&ctx, args).await })
        }
        Command::LoadReport(args) => {
            with_ctx(
                global,
                |ctx| async move { load_report::run(&ctx, args).await },
            )
        }
        Command::Queue(args) => queue::run_queue(&context::Ctx::load(global)?, &args),
        Command::Lists => queue::run_lists(&context::Ctx::load(global)?),
        Command::Next(args) => queue::run_next(&context::Ctx::load(global)?, &args),
        Command::LogCall(args) => {
            with_ctx(global, |ctx| async move { log_call::run(&ctx, args).await })
        }
        Command::Push(args) => with_ctx(global, |ctx| async move { push::run(&ctx, args).await }),
        Command::Calls(args) => calls::run(&context::Ctx::load(global)?, &args),
        Command::Outcomes => outcomes::run(&context::Ctx::load(global)?),
        Command::Sandbox(args) => block_on(sandbox::run(&global, args)),
        Command::Demo(args) => block_on(demo::run(&global, args)),
        Command::Completions(args) => completions::run(&args),
        Command::Paths => paths::run(&global),
        Command::Purge(args) => purge::run(&context::Ctx::load(global)?, &args),
        Command::Forget(args) => forget::run(&context::Ctx::load(global)?, &args),
        Command::GenerateDocs(args) => completions::generate_docs(&args),
    }
}

/// Builds the command context and runs an async command with it.
fn with_ctx<F, Fut>(global: GlobalArgs, command: F) -> anyhow::Result<()>
where
    F: FnOnce(context::Ctx) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let ctx = context::Ctx::load(global)?;
    block_on(command(ctx))
}

/// Runs a future on a fresh runtime. The runtime is shut down without
/// waiting for blocking reads (stdin for a pasted redirect) that will never
/// finish on their own.
fn block_on<T>(future: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let runtime = runtime()?;
    let result = runtime.block_on(future);
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    result
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;

    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
