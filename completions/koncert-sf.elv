
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
            cand sandbox 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
            cand completions 'Print a shell completion script'
            cand paths 'Show where configuration and data are kept'
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
            cand sandbox 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
            cand completions 'Print a shell completion script'
            cand paths 'Show where configuration and data are kept'
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
        &'koncert-sf;help;sandbox'= {
        }
        &'koncert-sf;help;completions'= {
        }
        &'koncert-sf;help;paths'= {
        }
        &'koncert-sf;help;generate-docs'= {
        }
        &'koncert-sf;help;help'= {
        }
    ]
    $completions[$command]
}
