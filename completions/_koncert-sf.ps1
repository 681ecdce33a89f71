
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'koncert-sf' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'koncert-sf'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'koncert-sf' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to a Salesforce org (browser, pasted redirect, or device code)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each org''s user, token storage, session state and API usage')
            [CompletionResult]::new('orgs', 'orgs', [CompletionResultType]::ParameterValue, 'List logged-in orgs, or choose the default one')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke an org''s tokens at Salesforce and forget them here')
            [CompletionResult]::new('load-report', 'load-report', [CompletionResultType]::ParameterValue, 'Run a Salesforce report and keep its people as a local call queue')
            [CompletionResult]::new('queue', 'queue', [CompletionResultType]::ParameterValue, 'Show the prospects of the call queue')
            [CompletionResult]::new('lists', 'lists', [CompletionResultType]::ParameterValue, 'Show the loaded call lists')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show the next prospect to call (and dial it with --dial)')
            [CompletionResult]::new('log-call', 'log-call', [CompletionResultType]::ParameterValue, 'Record a call''s outcome, notes and duration, then push it to Salesforce')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Send the calls waiting in the local outbox to Salesforce as Tasks')
            [CompletionResult]::new('calls', 'calls', [CompletionResultType]::ParameterValue, 'Show logged calls with their Salesforce Task or the reason they failed')
            [CompletionResult]::new('outcomes', 'outcomes', [CompletionResultType]::ParameterValue, 'List the call outcomes of the active workflow and the Task fields they set')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow (load, log, push) against an embedded simulated org')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('paths', 'paths', [CompletionResultType]::ParameterValue, 'Show where configuration and data are kept')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete call details and prospects older than the retention period (for cron)')
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Delete one prospect and all their calls from this computer')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Write completions and man pages into a directory (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'koncert-sf;login' {
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'Name for this org (default: the --org flag, else `default`)')
            [CompletionResult]::new('--login-url', '--login-url', [CompletionResultType]::ParameterName, 'Login host: your My Domain URL (or the sandbox''s URL)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Consumer key of your org''s External Client App')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Loopback port for the browser redirect [default: 1717]')
            [CompletionResult]::new('--scopes', '--scopes', [CompletionResultType]::ParameterName, 'OAuth scopes to request, space- or comma-separated [default: api web refresh_token id]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for the browser after this long, e.g. 90s or 5m')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Log in to a Salesforce sandbox org (https://test.salesforce.com)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the URL but do not open a browser')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Use the device flow: enter a code on another device')
            [CompletionResult]::new('--insecure-storage', '--insecure-storage', [CompletionResultType]::ParameterName, 'Keep tokens in a plaintext 0600 file instead of the OS keyring')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;status' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Do not call Salesforce; show what is recorded locally')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;orgs' {
            [CompletionResult]::new('--default', '--default', [CompletionResultType]::ParameterName, 'Make this alias the default org')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;logout' {
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'The org to log out of (default: --org, else the default org)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Log out of every org')
            [CompletionResult]::new('--local-only', '--local-only', [CompletionResultType]::ParameterName, 'Forget the tokens here without revoking them at Salesforce')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;load-report' {
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Name of the call list (default: the report''s name)')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'Take FIELD from report column COLUMN (name, title, account, phone, or a new field)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Also drop prospects no longer in the report (never their unsynced calls)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;queue' {
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Only this list')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Which prospects to show')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;lists' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;next' {
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Only this list')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--dial', '--dial', [CompletionResultType]::ParameterName, 'Open the number''s tel: link (your dialer or softphone)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;log-call' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What happened (see `koncert-sf outcomes`)')
            [CompletionResult]::new('--outcome', '--outcome', [CompletionResultType]::ParameterName, 'What happened (see `koncert-sf outcomes`)')
            [CompletionResult]::new('--notes', '--notes', [CompletionResultType]::ParameterName, 'Notes of the call (the Task''s Comments)')
            [CompletionResult]::new('--notes-file', '--notes-file', [CompletionResultType]::ParameterName, 'Read the notes from a file (`-` for stdin)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the call lasted: 4m10s, 4:10 or seconds')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'When the call happened (default: now): 2026-05-01T09:30:00Z, "2026-05-01 09:30"')
            [CompletionResult]::new('--follow-up', '--follow-up', [CompletionResultType]::ParameterName, 'Create a follow-up Task due on DATE: 2026-05-04, tomorrow or +3d')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Only record the call; send it later with `koncert-sf push`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;push' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be sent, without sending (no network needed)')
            [CompletionResult]::new('--ignore-reserve', '--ignore-reserve', [CompletionResultType]::ParameterName, 'Go past the API reserve, up to the org''s hard limit')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Send calls Salesforce refused before again (after you fixed the cause)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;calls' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many calls, newest first')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--pending', '--pending', [CompletionResultType]::ParameterName, 'Only calls not yet in Salesforce')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Only calls Salesforce refused')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every call (the default)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;outcomes' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;sandbox' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port on 127.0.0.1 (0 picks a free one)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the generated records (same seed, same data and ids)')
            [CompletionResult]::new('--contacts', '--contacts', [CompletionResultType]::ParameterName, 'Contacts to generate (the All Contacts report has one row each)')
            [CompletionResult]::new('--latency-ms', '--latency-ms', [CompletionResultType]::ParameterName, 'Delay added to every Salesforce response, in milliseconds')
            [CompletionResult]::new('--api-limit', '--api-limit', [CompletionResultType]::ParameterName, 'The org''s daily API request allowance')
            [CompletionResult]::new('--session-ttl', '--session-ttl', [CompletionResultType]::ParameterName, 'Seconds of inactivity after which an access token dies')
            [CompletionResult]::new('--callback', '--callback', [CompletionResultType]::ParameterName, 'Register another OAuth callback URL for the client (repeatable)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Serve a saved report-run JSON file under a report id (repeatable)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--rotate-refresh-tokens', '--rotate-refresh-tokens', [CompletionResultType]::ParameterName, 'Return a new refresh token on every refresh and kill the old one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;demo' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Keep the demo''s config and data in DIR (default: a temporary directory, removed)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;completions' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;paths' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;purge' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Purge data older than this (e.g. 90d, 12w, 2160h; at most, and by default, the retention)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted, and delete nothing')
            [CompletionResult]::new('--include-unsynced', '--include-unsynced', [CompletionResultType]::ParameterName, 'Also delete old calls that are not in Salesforce yet (pending or failed)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;forget' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also delete their calls that are not in Salesforce yet')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;generate-docs' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory that receives `completions/` and `man/`')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Org alias to use (default: the default org)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results (and errors, on stderr) as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'koncert-sf;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to a Salesforce org (browser, pasted redirect, or device code)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each org''s user, token storage, session state and API usage')
            [CompletionResult]::new('orgs', 'orgs', [CompletionResultType]::ParameterValue, 'List logged-in orgs, or choose the default one')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke an org''s tokens at Salesforce and forget them here')
            [CompletionResult]::new('load-report', 'load-report', [CompletionResultType]::ParameterValue, 'Run a Salesforce report and keep its people as a local call queue')
            [CompletionResult]::new('queue', 'queue', [CompletionResultType]::ParameterValue, 'Show the prospects of the call queue')
            [CompletionResult]::new('lists', 'lists', [CompletionResultType]::ParameterValue, 'Show the loaded call lists')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show the next prospect to call (and dial it with --dial)')
            [CompletionResult]::new('log-call', 'log-call', [CompletionResultType]::ParameterValue, 'Record a call''s outcome, notes and duration, then push it to Salesforce')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Send the calls waiting in the local outbox to Salesforce as Tasks')
            [CompletionResult]::new('calls', 'calls', [CompletionResultType]::ParameterValue, 'Show logged calls with their Salesforce Task or the reason they failed')
            [CompletionResult]::new('outcomes', 'outcomes', [CompletionResultType]::ParameterValue, 'List the call outcomes of the active workflow and the Task fields they set')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow (load, log, push) against an embedded simulated org')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('paths', 'paths', [CompletionResultType]::ParameterValue, 'Show where configuration and data are kept')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete call details and prospects older than the retention period (for cron)')
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Delete one prospect and all their calls from this computer')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Write completions and man pages into a directory (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'koncert-sf;help;login' {
            break
        }
        'koncert-sf;help;status' {
            break
        }
        'koncert-sf;help;orgs' {
            break
        }
        'koncert-sf;help;logout' {
            break
        }
        'koncert-sf;help;load-report' {
            break
        }
        'koncert-sf;help;queue' {
            break
        }
        'koncert-sf;help;lists' {
            break
        }
        'koncert-sf;help;next' {
            break
        }
        'koncert-sf;help;log-call' {
            break
        }
        'koncert-sf;help;push' {
            break
        }
        'koncert-sf;help;calls' {
            break
        }
        'koncert-sf;help;outcomes' {
            break
        }
        'koncert-sf;help;sandbox' {
            break
        }
        'koncert-sf;help;demo' {
            break
        }
        'koncert-sf;help;completions' {
            break
        }
        'koncert-sf;help;paths' {
            break
        }
        'koncert-sf;help;purge' {
            break
        }
        'koncert-sf;help;forget' {
            break
        }
        'koncert-sf;help;generate-docs' {
            break
        }
        'koncert-sf;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
