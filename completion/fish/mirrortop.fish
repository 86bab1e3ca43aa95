# fish completion for mirrortop(1).
#
# The candidates come from the program itself (`mirrortop __complete`): its
# subcommands and their options from the command table, app names from the
# effective configuration (-c FILE on the line counts), versions from the
# last status. Nothing here goes to the network.

function __mirrortop_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    command -q $tokens[1]; or return
    set -l out ($tokens[1] __complete $tokens[2..-1] $cur 2>/dev/null)
    if test "$out[1]" = ":files"
        set -l lead (string match -r '^[^=]*=' -- $cur); or set lead ''
        for p in (__fish_complete_path (string replace -r '^[^=]*=' '' -- $cur))
            echo $lead$p
        end
        return
    end
    printf '%s\n' $out
end

complete -c mirrortop -f -a '(__mirrortop_complete)'
