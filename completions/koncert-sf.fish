# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_koncert_sf_global_optspecs
    string join \n org= json v/verbose q/quiet h/help V/version
end

function __fish_koncert_sf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_koncert_sf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_koncert_sf_using_subcommand
    set -l cmd (__fish_koncert_sf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "login" -d 'Log in to a Salesforce org (browser, pasted redirect, or device code)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "status" -d 'Show each org\'s user, token storage, session state and API usage'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "orgs" -d 'List logged-in orgs, or choose the default one'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "logout" -d 'Revoke an org\'s tokens at Salesforce and forget them here'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "load-report" -d 'Run a Salesforce report and keep its people as a local call queue'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "queue" -d 'Show the prospects of the call queue'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "lists" -d 'Show the loaded call lists'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "next" -d 'Show the next prospect to call (and dial it with --dial)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "log-call" -d 'Record a call\'s outcome, notes and duration, then push it to Salesforce'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "push" -d 'Send the calls waiting in the local outbox to Salesforce as Tasks'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "calls" -d 'Show logged calls with their Salesforce Task or the reason they failed'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "outcomes" -d 'List the call outcomes of the active workflow and the Task fields they set'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "sandbox" -d 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "demo" -d 'Run the whole flow (load, log, push) against an embedded simulated org'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "paths" -d 'Show where configuration and data are kept'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "purge" -d 'Delete call details and prospects older than the retention period (for cron)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "forget" -d 'Delete one prospect and all their calls from this computer'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "generate-docs" -d 'Write completions and man pages into a directory (for packagers)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l alias -d 'Name for this org (default: the --org flag, else `default`)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l login-url -d 'Login host: your My Domain URL (or the sandbox\'s URL)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l client-id -d 'Consumer key of your org\'s External Client App' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l port -d 'Loopback port for the browser redirect [default: 1717]' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l scopes -d 'OAuth scopes to request, space- or comma-separated [default: api web refresh_token id]' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l timeout -d 'Give up waiting for the browser after this long, e.g. 90s or 5m' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l test -d 'Log in to a Salesforce sandbox org (https://test.salesforce.com)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l no-browser -d 'Print the URL but do not open a browser'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l device -d 'Use the device flow: enter a code on another device'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l insecure-storage -d 'Keep tokens in a plaintext 0600 file instead of the OS keyring'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand login" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -l offline -d 'Do not call Salesforce; show what is recorded locally'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand status" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -l default -d 'Make this alias the default org' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand orgs" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -l alias -d 'The org to log out of (default: --org, else the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -l all -d 'Log out of every org'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -l local-only -d 'Forget the tokens here without revoking them at Salesforce'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand logout" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -l list -d 'Name of the call list (default: the report\'s name)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -l map -d 'Take FIELD from report column COLUMN (name, title, account, phone, or a new field)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -l replace -d 'Also drop prospects no longer in the report (never their unsynced calls)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand load-report" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -l list -d 'Only this list' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -l status -d 'Which prospects to show' -r -f -a "pending\t'Not called yet'
called\t'Called at least once'
all\t'Everyone'"
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -l limit -d 'At most this many rows' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand queue" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand lists" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -l list -d 'Only this list' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -l dial -d 'Open the number\'s tel: link (your dialer or softphone)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand next" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -s o -l outcome -d 'What happened (see `koncert-sf outcomes`)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l notes -d 'Notes of the call (the Task\'s Comments)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l notes-file -d 'Read the notes from a file (`-` for stdin)' -r -F
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l duration -d 'How long the call lasted: 4m10s, 4:10 or seconds' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l at -d 'When the call happened (default: now): 2026-05-01T09:30:00Z, "2026-05-01 09:30"' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l follow-up -d 'Create a follow-up Task due on DATE: 2026-05-04, tomorrow or +3d' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l no-push -d 'Only record the call; send it later with `koncert-sf push`'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand log-call" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -l dry-run -d 'Show what would be sent, without sending (no network needed)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -l ignore-reserve -d 'Go past the API reserve, up to the org\'s hard limit'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -l retry-failed -d 'Send calls Salesforce refused before again (after you fixed the cause)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand push" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l limit -d 'At most this many calls, newest first' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l pending -d 'Only calls not yet in Salesforce'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l failed -d 'Only calls Salesforce refused'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l all -d 'Every call (the default)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand calls" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand outcomes" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l port -d 'TCP port on 127.0.0.1 (0 picks a free one)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l seed -d 'Seed of the generated records (same seed, same data and ids)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l contacts -d 'Contacts to generate (the All Contacts report has one row each)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l latency-ms -d 'Delay added to every Salesforce response, in milliseconds' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l api-limit -d 'The org\'s daily API request allowance' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l session-ttl -d 'Seconds of inactivity after which an access token dies' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l callback -d 'Register another OAuth callback URL for the client (repeatable)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l report -d 'Serve a saved report-run JSON file under a report id (repeatable)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l rotate-refresh-tokens -d 'Return a new refresh token on every refresh and kill the old one'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -l home -d 'Keep the demo\'s config and data in DIR (default: a temporary directory, removed)' -r -F
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand demo" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand completions" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand paths" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -l older-than -d 'Purge data older than this (e.g. 90d, 12w, 2160h; at most, and by default, the retention)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -l dry-run -d 'Show what would be deleted, and delete nothing'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -l include-unsynced -d 'Also delete old calls that are not in Salesforce yet (pending or failed)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand purge" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -l force -d 'Also delete their calls that are not in Salesforce yet'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand forget" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l out-dir -d 'Directory that receives `completions/` and `man/`' -r -F
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "login" -d 'Log in to a Salesforce org (browser, pasted redirect, or device code)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "status" -d 'Show each org\'s user, token storage, session state and API usage'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "orgs" -d 'List logged-in orgs, or choose the default one'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "logout" -d 'Revoke an org\'s tokens at Salesforce and forget them here'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "load-report" -d 'Run a Salesforce report and keep its people as a local call queue'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "queue" -d 'Show the prospects of the call queue'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "lists" -d 'Show the loaded call lists'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "next" -d 'Show the next prospect to call (and dial it with --dial)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "log-call" -d 'Record a call\'s outcome, notes and duration, then push it to Salesforce'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "push" -d 'Send the calls waiting in the local outbox to Salesforce as Tasks'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "calls" -d 'Show logged calls with their Salesforce Task or the reason they failed'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "outcomes" -d 'List the call outcomes of the active workflow and the Task fields they set'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "sandbox" -d 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "demo" -d 'Run the whole flow (load, log, push) against an embedded simulated org'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "completions" -d 'Print a shell completion script'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "paths" -d 'Show where configuration and data are kept'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "purge" -d 'Delete call details and prospects older than the retention period (for cron)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "forget" -d 'Delete one prospect and all their calls from this computer'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "generate-docs" -d 'Write completions and man pages into a directory (for packagers)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from login status orgs logout load-report queue lists next log-call push calls outcomes sandbox demo completions paths purge forget generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
