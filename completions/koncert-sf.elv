
use builtin;
use str;

set edit:completion:arg-completer[koncert-sf] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'koncert-sf'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'koncert-sf'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in to a Salesforce org (browser, pasted redirect, or device code)'
            cand status 'Show each org''s user, token storage, session state and API usage'
            cand orgs 'List logged-in orgs, or choose the default one'
            cand logout 'Revoke an org''s tokens at Salesforce and forget them here'
            cand load-report 'Run a Salesforce report and keep its people as a local call queue'
            cand queue 'Show the prospects of the call queue'
            cand lists 'Show the loaded call lists'
            cand next 'Show the next prospect to call (and dial it with --dial)'
            cand log-call 'Record a call''s outcome, notes and duration, then push it to Salesforce'
            cand push 'Send the calls waiting in the local outbox to Salesforce as Tasks'
            cand calls 'Show logged calls with their Salesforce Task or the reason they failed'
            cand outcomes 'List the call outcomes of the active workflow and the Task fields they set'
            cand sandbox 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
            cand demo 'Run the whole flow (load, log, push) against an embedded simulated org'
            cand completions 'Print a shell completion script'
            cand paths 'Show where configuration and data are kept'
            cand purge 'Delete call details and prospects older than the retention period (for cron)'
            cand forget 'Delete one prospect and all their calls from this computer'
            cand generate-docs 'Write completions and man pages into a directory (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'koncert-sf;login'= {
            cand --alias 'Name for this org (default: the --org flag, else `default`)'
            cand --login-url 'Login host: your My Domain URL (or the sandbox''s URL)'
            cand --client-id 'Consumer key of your org''s External Client App'
            cand --port 'Loopback port for the browser redirect [default: 1717]'
            cand --scopes 'OAuth scopes to request, space- or comma-separated [default: api web refresh_token id]'
            cand --timeout 'Give up waiting for the browser after this long, e.g. 90s or 5m'
            cand --org 'Org alias to use (default: the default org)'
            cand --test 'Log in to a Salesforce sandbox org (https://test.salesforce.com)'
            cand --no-browser 'Print the URL but do not open a browser'
            cand --device 'Use the device flow: enter a code on another device'
            cand --insecure-storage 'Keep tokens in a plaintext 0600 file instead of the OS keyring'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;status'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --offline 'Do not call Salesforce; show what is recorded locally'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;orgs'= {
            cand --default 'Make this alias the default org'
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;logout'= {
            cand --alias 'The org to log out of (default: --org, else the default org)'
            cand --org 'Org alias to use (default: the default org)'
            cand --all 'Log out of every org'
            cand --local-only 'Forget the tokens here without revoking them at Salesforce'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;load-report'= {
            cand --list 'Name of the call list (default: the report''s name)'
            cand --map 'Take FIELD from report column COLUMN (name, title, account, phone, or a new field)'
            cand --org 'Org alias to use (default: the default org)'
            cand --replace 'Also drop prospects no longer in the report (never their unsynced calls)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;queue'= {
            cand --list 'Only this list'
            cand --status 'Which prospects to show'
            cand --limit 'At most this many rows'
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;lists'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;next'= {
            cand --list 'Only this list'
            cand --org 'Org alias to use (default: the default org)'
            cand --dial 'Open the number''s tel: link (your dialer or softphone)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;log-call'= {
            cand -o 'What happened (see `koncert-sf outcomes`)'
            cand --outcome 'What happened (see `koncert-sf outcomes`)'
            cand --notes 'Notes of the call (the Task''s Comments)'
            cand --notes-file 'Read the notes from a file (`-` for stdin)'
            cand --duration 'How long the call lasted: 4m10s, 4:10 or seconds'
            cand --at 'When the call happened (default: now): 2026-05-01T09:30:00Z, "2026-05-01 09:30"'
            cand --follow-up 'Create a follow-up Task due on DATE: 2026-05-04, tomorrow or +3d'
            cand --org 'Org alias to use (default: the default org)'
            cand --no-push 'Only record the call; send it later with `koncert-sf push`'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;push'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --dry-run 'Show what would be sent, without sending (no network needed)'
            cand --ignore-reserve 'Go past the API reserve, up to the org''s hard limit'
            cand --retry-failed 'Send calls Salesforce refused before again (after you fixed the cause)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;calls'= {
            cand --limit 'At most this many calls, newest first'
            cand --org 'Org alias to use (default: the default org)'
            cand --pending 'Only calls not yet in Salesforce'
            cand --failed 'Only calls Salesforce refused'
            cand --all 'Every call (the default)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;outcomes'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;sandbox'= {
            cand --port 'TCP port on 127.0.0.1 (0 picks a free one)'
            cand --seed 'Seed of the generated records (same seed, same data and ids)'
            cand --contacts 'Contacts to generate (the All Contacts report has one row each)'
            cand --latency-ms 'Delay added to every Salesforce response, in milliseconds'
            cand --api-limit 'The org''s daily API request allowance'
            cand --session-ttl 'Seconds of inactivity after which an access token dies'
            cand --callback 'Register another OAuth callback URL for the client (repeatable)'
            cand --report 'Serve a saved report-run JSON file under a report id (repeatable)'
            cand --org 'Org alias to use (default: the default org)'
            cand --rotate-refresh-tokens 'Return a new refresh token on every refresh and kill the old one'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;demo'= {
            cand --home 'Keep the demo''s config and data in DIR (default: a temporary directory, removed)'
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;completions'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;paths'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;purge'= {
            cand --older-than 'Purge data older than this (e.g. 90d, 12w, 2160h; at most, and by default, the retention)'
            cand --org 'Org alias to use (default: the default org)'
            cand --dry-run 'Show what would be deleted, and delete nothing'
            cand --include-unsynced 'Also delete old calls that are not in Salesforce yet (pending or failed)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;forget'= {
            cand --org 'Org alias to use (default: the default org)'
            cand --force 'Also delete their calls that are not in Salesforce yet'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;generate-docs'= {
            cand --out-dir 'Directory that receives `completions/` and `man/`'
            cand --org 'Org alias to use (default: the default org)'
            cand --json 'Print results (and errors, on stderr) as JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'koncert-sf;help'= {
            cand login 'Log in to a Salesforce org (browser, pasted redirect, or device code)'
            cand status 'Show each org''s user, token storage, session state and API usage'
            cand orgs 'List logged-in orgs, or choose the default one'
            cand logout 'Revoke an org''s tokens at Salesforce and forget them here'
            cand load-report 'Run a Salesforce report and keep its people as a local call queue'
            cand queue 'Show the prospects of the call queue'
            cand lists 'Show the loaded call lists'
            cand next 'Show the next prospect to call (and dial it with --dial)'
            cand log-call 'Record a call''s outcome, notes and duration, then push it to Salesforce'
            cand push 'Send the calls waiting in the local outbox to Salesforce as Tasks'
            cand calls 'Show logged calls with their Salesforce Task or the reason they failed'
            cand outcomes 'List the call outcomes of the active workflow and the Task fields they set'
            cand sandbox 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
            cand demo 'Run the whole flow (load, log, push) against an embedded simulated org'
            cand completions 'Print a shell completion script'
            cand paths 'Show where configuration and data are kept'
            cand purge 'Delete call details and prospects older than the retention period (for cron)'
            cand forget 'Delete one prospect and all their calls from this computer'
            cand generate-docs 'Write completions and man pages into a directory (for packagers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'koncert-sf;help;login'= {
        }
        &'koncert-sf;help;status'= {
        }
        &'koncert-sf;help;orgs'= {
        }
        &'koncert-sf;help;logout'= {
        }
        &'koncert-sf;help;load-report'= {
        }
        &'koncert-sf;help;queue'= {
        }
        &'koncert-sf;help;lists'= {
        }
        &'koncert-sf;help;next'= {
        }
        &'koncert-sf;help;log-call'= {
        }
        &'koncert-sf;help;push'= {
        }
        &'koncert-sf;help;calls'= {
        }
        &'koncert-sf;help;outcomes'= {
        }
        &'koncert-sf;help;sandbox'= {
        }
        &'koncert-sf;help;demo'= {
        }
        &'koncert-sf;help;completions'= {
        }
        &'koncert-sf;help;paths'= {
        }
        &'koncert-sf;help;purge'= {
        }
        &'koncert-sf;help;forget'= {
        }
        &'koncert-sf;help;generate-docs'= {
        }
        &'koncert-sf;help;help'= {
        }
    ]
    $completions[$command]
}
