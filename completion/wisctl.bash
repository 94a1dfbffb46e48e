# bash completion for wisctl: commands and subcommands, options, pin names
# (the RAK4631's IO pins), GPIO modes and notification topics.  Installed to
# bash-completion's completions directory; tests/ops checks these lists
# against `wisctl help`, the pin table and rpc.discover's topics.

_wisctl_commands="info pins gpio adc radio flash i2c spi uart reset delay emit call subscribe status discover help"
_wisctl_pins="IO1 IO2 IO3 IO4 IO5 IO6 IO7 SW1 LED1 LED2 LED3 AIN0 AIN1 TXD0 RXD0 TXD1 RXD1 I2C1_SDA I2C1_SCL I2C2_SDA I2C2_SCL SPI_CS SPI_CLK SPI_MISO SPI_MOSI"
_wisctl_topics="gpio.edge device.state log radio.rx radio.tx uart.rx diag.event"
_wisctl_modes="input input_pullup input_pulldown output output_open_drain disabled"

# The subcommands of a command that has them.
_wisctl_subs() {
	case $1 in
	gpio) echo "get set mode watch" ;;
	adc) echo "read" ;;
	radio) echo "config send listen cad status airtime" ;;
	flash) echo "info read write erase verify" ;;
	i2c) echo "scan read write xfer" ;;
	spi) echo "xfer" ;;
	uart) echo "config write read" ;;
	esac
}

_wisctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i cmd="" sub="" nargs=0
	COMPREPLY=()
	case $prev in
	--socket | --device | --file | -o)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--timeout | --count | --debounce | --initial) return ;;
	--edge)
		COMPREPLY=($(compgen -W "rising falling both" -- "$cur"))
		return
		;;
	esac
	# The command and subcommand typed so far (options skipped).
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket | --device | --timeout) ((i++)) ;;
		-*) ;;
		*)
			if [ -z "$cmd" ]; then
				cmd=${COMP_WORDS[i]}
			elif [ -z "$sub" ] && [ -n "$(_wisctl_subs "$cmd")" ]; then
				sub=${COMP_WORDS[i]}
			else
				((nargs++))
			fi
			;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --device --json --timeout --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_wisctl_commands" -- "$cur"))
		fi
		return
	fi
	if [ "$cmd" = help ]; then
		if [ -z "$sub" ] && [ $nargs -eq 0 ] && [ "$COMP_CWORD" -gt 1 ] &&
			[ "${COMP_WORDS[COMP_CWORD-1]}" = help ]; then
			COMPREPLY=($(compgen -W "$_wisctl_commands" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_wisctl_subs "${COMP_WORDS[COMP_CWORD-1]}")" -- "$cur"))
		fi
		return
	fi
	local subs
	subs=$(_wisctl_subs "$cmd")
	if [ -n "$subs" ] && [ -z "$sub" ]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	case "$cmd $sub" in
	"gpio get" | "gpio watch" | "adc read")
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--edge --count --debounce --json" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_wisctl_pins" -- "$cur"))
		fi
		;;
	"gpio set")
		# NAME=VALUE: pins with their '=' (no space after it).  bash
		# splits words at '=' (COMP_WORDBREAKS): the word being completed
		# is then only what follows it, so the whole one comes from the line.
		local line=${COMP_LINE:0:${COMP_POINT:-0}} full=$cur
		[ -n "${COMP_LINE:-}" ] && full=${line##*[[:space:]]}
		if [[ $full == *=* ]]; then
			local v=${full#*=}
			if [[ $cur == *=* ]]; then
				COMPREPLY=($(compgen -W "${full%%=*}=0 ${full%%=*}=1" -- "$full"))
			else
				COMPREPLY=($(compgen -W "0 1" -- "$v"))
			fi
		else
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W "$(printf '%s= ' $_wisctl_pins)" -- "$cur"))
		fi
		;;
	"gpio mode")
		if [ $nargs -eq 0 ]; then
			COMPREPLY=($(compgen -W "$_wisctl_pins" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_wisctl_modes --initial" -- "$cur"))
		fi
		;;
	"subscribe ")
		COMPREPLY=($(compgen -W "$_wisctl_topics --count" -- "$cur"))
		;;
	"pins ")
		COMPREPLY=($(compgen -W "--all" -- "$cur"))
		;;
	"reset ")
		COMPREPLY=($(compgen -W "--bootloader --dfu" -- "$cur"))
		;;
	esac
}
complete -F _wisctl wisctl
