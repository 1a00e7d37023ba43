# bash completion for unicage (and its links vunify, vdu, rpmscan).
# Verbs and each verb's options come from the installed binary itself
# (`unicage --help`, `unicage VERB --help`, asked once per shell), so they
# always match it; users from unicage's own lists; packages for addrpm from
# the rpmdb of the configured sysroot.

# the unicage.conf the command line names (-c FILE, --config FILE|=FILE),
# else UNICAGE_CONFIG, else the default
_unicage_config() {
    local i w
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        -c | --config) printf '%s\n' "${COMP_WORDS[i + 1]}"; return ;;
        --config=*) printf '%s\n' "${w#--config=}"; return ;;
        esac
    done
    printf '%s\n' "${UNICAGE_CONFIG:-/etc/unicage/unicage.conf}"
}

# unicage with the command line's configuration; errors silenced
_unicage_run() {
    local conf
    conf=$(_unicage_config)
    if [ -e "$conf" ]; then
        "${_unicage_bin:-unicage}" -c "$conf" "$@" 2>/dev/null
    else
        "${_unicage_bin:-unicage}" "$@" 2>/dev/null
    fi
}

_unicage_verbs() {
    if [ -z "${_unicage_verb_cache:-}" ]; then
        _unicage_verb_cache=$("${_unicage_bin:-unicage}" --help 2>/dev/null |
            awk '/^Verbs:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
    fi
    printf '%s\n' "$_unicage_verb_cache"
}

# the options VERB's --help names, and the common ones
_unicage_options() {
    local verb=$1 var
    var=_unicage_opts_${verb//-/_}
    if [ -z "${!var:-}" ]; then
        printf -v "$var" '%s' "$("${_unicage_bin:-unicage}" "$verb" --help 2>/dev/null |
            grep -o -E -- '(^|[][ ,(|])--?[a-zA-Z][a-zA-Z-]*' | grep -o -E -- '--?[a-zA-Z][a-zA-Z-]*' |
            sort -u | tr '\n' ' ')"
    fi
    printf '%s\n' ${!var}
}

# the sysroot of the configuration (where addrpm's packages are installed)
_unicage_sysroot() {
    local conf root=/
    conf=$(_unicage_config)
    [ -r "$conf" ] && root=$(sed -n 's/^[[:space:]]*sysroot[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$conf" | tail -n 1)
    printf '%s\n' "${root:-/}"
}

# installed packages: their names from the rpmdb of sysroot (an explicit
# --dbpath: Debian's rpm would otherwise create ~/.rpmdb)
_unicage_packages() {
    local root db
    root=$(_unicage_sysroot)
    for db in /var/lib/rpm /usr/lib/sysimage/rpm; do
        if [ -e "${root%/}$db/rpmdb.sqlite" ] || [ -e "${root%/}$db/Packages" ]; then
            rpm --root "$root" --dbpath "$db" -qa --qf '%{NAME}\n' 2>/dev/null | sort -u
            return
        fi
    done
}

# the users a verb's USER arguments may name
_unicage_users() {
    case $1 in
    enable) _unicage_run list-disabled ;;
    umount | remount | list) _unicage_run list | awk 'NR > 1 { print $1 }' | sort -u ;;
    *) _unicage_run list-enabled ;;
    esac
}

_unicage() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local i w verb="" vi=0 _unicage_bin=${COMP_WORDS[0]}
    COMPREPLY=()
    case ${_unicage_bin##*/} in
    vunify) verb=unify; _unicage_bin=${_unicage_bin%vunify}unicage ;;
    vdu | rpmscan) verb=${_unicage_bin##*/}; _unicage_bin=${_unicage_bin%"$verb"}unicage ;;
    esac
    # the verb: the first word that is not an option (or -c's value)
    for ((i = 1; i < COMP_CWORD; i++)); do
        [ -z "$verb" ] || break
        w=${COMP_WORDS[i]}
        case $w in
        -c | --config) i=$((i + 1)) ;;
        -*) ;;
        *) verb=$w; vi=$i ;;
        esac
    done
    case $prev in
    -c | --config | -o | --exclude-from | --rpm)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --sysroot | --store | --cwd)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    if [ -z "$verb" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-c --config --json -v --verbose -q --quiet -h --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_unicage_verbs)" -- "$cur"))
        fi
        return
    fi
    # after "--" (exec, enter): the command's words
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [ "${COMP_WORDS[i]}" = -- ]; then
            COMPREPLY=($(compgen -c -- "$cur")); return
        fi
    done
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_unicage_options "$verb")" -- "$cur"))
        return
    fi
    case $verb in
    addrpm | rpmscan) COMPREPLY=($(compgen -W "$(_unicage_packages)" -- "$cur")) ;;
    delrpm) COMPREPLY=($(compgen -W "$(_unicage_run list-rpm | awk '{ print $1 }')" -- "$cur")) ;;
    enable | disable | user-status | mount | umount | remount | update-etc | enter | exec | export)
        # enter, exec and export take one USER, then their command or nothing
        local n=0
        for ((i = vi + 1; i < COMP_CWORD; i++)); do
            [[ ${COMP_WORDS[i]} == -* ]] || n=$((n + 1))
        done
        case $verb in enter | exec | export) [ "$n" -eq 0 ] || return ;; esac
        COMPREPLY=($(compgen -W "$(_unicage_users "$verb")" -- "$cur")) ;;
    import | unify | vdu)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _unicage unicage vunify vdu rpmscan
