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
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "sandbox" -d 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "paths" -d 'Show where configuration and data are kept'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "generate-docs" -d 'Write completions and man pages into a directory (for packagers)'
complete -c koncert-sf -n "__fish_koncert_sf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l port -d 'TCP port on 127.0.0.1 (0 picks a free one)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand sandbox" -l seed -d 'Seed of the generated records (same seed, same data and ids)' -r
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
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l out-dir -d 'Directory that receives `completions/` and `man/`' -r -F
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l org -d 'Org alias to use (default: the default org)' -r
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -l json -d 'Print results (and errors, on stderr) as JSON'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s q -l quiet -d 'Only errors on stderr'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand generate-docs" -s V -l version -d 'Print version'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from sandbox completions paths generate-docs help" -f -a "sandbox" -d 'Serve a simulated Salesforce org on 127.0.0.1 until Ctrl-C'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from sandbox completions paths generate-docs help" -f -a "completions" -d 'Print a shell completion script'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from sandbox completions paths generate-docs help" -f -a "paths" -d 'Show where configuration and data are kept'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from sandbox completions paths generate-docs help" -f -a "generate-docs" -d 'Write completions and man pages into a directory (for packagers)'
complete -c koncert-sf -n "__fish_koncert_sf_using_subcommand help; and not __fish_seen_subcommand_from sandbox completions paths generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
