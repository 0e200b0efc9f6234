# bash completion for upwrap (generated from upwrap's CLI by scripts/gendocs; do not edit).
# Install: copy to /usr/share/bash-completion/completions/upwrap, or source it.

_upwrap() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
	# "--flag=value": bash splits at "=" (COMP_WORDBREAKS).
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	local i w cmd= skip=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $skip ]]; then
			skip=
			continue
		fi
		case $w in
		--)
			# After "--" comes the wrapped command: complete it as bash would.
			if ((i == COMP_CWORD - 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return 0
			;;
		--await-mark|--exit-codes|--format|--ignore-pending|--job|--log|--log-format|--log-max-size|--max-attempts|--reason|--reboot-codes|--record-retry|--restart-codes|--shutdown-grace|--state|--state-dir|--success-codes|--textfile|--timeout|--verify|--verify-timeout)
			[[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
			skip=1
			;;
		-*) ;;
		*) [[ -z $cmd ]] && cmd=$w ;;
		esac
	done
	case $prev in
	--exit-codes)
		COMPREPLY=($(compgen -W "msi posix" -- "$cur"))
		return 0
		;;
	--log-format)
		COMPREPLY=($(compgen -W "text json cmtrace" -- "$cur"))
		return 0
		;;
	--state)
		COMPREPLY=($(compgen -W "succeeded failed" -- "$cur"))
		return 0
		;;
	--state-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--await-mark|--format|--ignore-pending|--job|--log-max-size|--max-attempts|--reason|--reboot-codes|--record-retry|--restart-codes|--shutdown-grace|--success-codes|--textfile|--timeout|--verify|--verify-timeout)
		# a free value: nothing to offer
		return 0
		;;
	esac
	case $cmd in
	"")
		COMPREPLY=($(compgen -W "run status resume mark clear pending version help" -- "$cur"))
		;;
	run)
		COMPREPLY=($(compgen -W "--await-mark --exit-codes --expect-reboot --ignore-pending --job --json --log --log-format --log-max-size --max-attempts --quiet --raw-cmdline --reboot-codes --record-retry --registry --restart-codes --shutdown-grace --state-dir --success-codes --textfile --timeout --verify --verify-timeout --wait-tree --" -- "$cur"))
		;;
	status)
		COMPREPLY=($(compgen -W "--all --detection --exit-codes --format --job --json --max-attempts --state-dir --verify-timeout" -- "$cur"))
		;;
	resume)
		COMPREPLY=($(compgen -W "--all --exit-codes --job --json --log-format --max-attempts --state-dir --textfile --verify-timeout" -- "$cur"))
		;;
	mark)
		COMPREPLY=($(compgen -W "--exit-codes --job --json --reason --state --state-dir --textfile" -- "$cur"))
		;;
	clear)
		COMPREPLY=($(compgen -W "--exit-codes --job --state-dir --textfile" -- "$cur"))
		;;
	pending)
		COMPREPLY=($(compgen -W "--exit-codes --ignore-pending --json" -- "$cur"))
		;;
	version)
		COMPREPLY=($(compgen -W "" -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "" -- "$cur"))
		;;
	esac
	return 0
}
complete -F _upwrap upwrap
