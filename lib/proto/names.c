/*
 * The one spelling of every name the protocol has (statuses, GPIO modes,
 * edges, owners, reset modes and causes, ADC settings, capability and
 * function bits), used alike by firmware details, library errors, the JSON
 * mapping, the CLI and the generated tables of docs/protocol.md.  Names of
 * a single subsystem's values stay beside its fields in ops.c.
 */
#include "ops.h"
#include "proto_priv.h"

/* ---- names ----------------------------------------------------------------- */

const char *const wis_status_names[] = {"OK", "UNKNOWN_OP", "BAD_LENGTH", "BAD_ARG", "NO_SUCH_PIN",
                                        "NOT_CAPABLE", "PIN_BUSY", "WRONG_MODE", "NOT_FITTED",
                                        "BUSY", "HW_TIMEOUT", "HW_ERROR", "TOO_BIG", "VERSION",
                                        "SKIPPED", "NOT_SUPPORTED", "INTERNAL",
                                        /* RADIO's timed sends */
                                        "TOO_LATE", "TOO_EARLY", NULL};
/* One line per status for docs/protocol.md (generated from here). */
const char *const wis_status_docs[] = {"success",
                                       "opcode not implemented",
                                       "payload too short or too long for the opcode",
                                       "a parameter is out of range (the detail names it)",
                                       "pin number not on this board, or not an I/O pin",
                                       "the pin cannot do that function (ADC on IO1)",
                                       "the pin is owned by another function (the detail names it)",
                                       "e.g. a write to a pin configured as input",
                                       "hardware absent (flash chip not fitted)",
                                       "device busy, retry",
                                       "hardware did not answer in time",
                                       "hardware reported an error",
                                       "the result would not fit in one frame",
                                       "protocol version not supported",
                                       "batch step not run because an earlier one failed",
                                       "capability absent on this device",
                                       "firmware fault; the detail says where",
                                       "the asked device time has passed or is too near",
                                       "the asked device time is too far ahead",
                                       NULL};
const char *const wis_gpio_mode_names[] = {
    "disabled", "input", "input_pullup", "input_pulldown", "output", "output_open_drain", NULL};
const char *const wis_edge_names[] = {"none", "rising", "falling", "both", NULL};
const char *const wis_owner_names[] = {"none", "gpio",  "adc",    "i2c", "spi",
                                       "uart", "flash", "system", NULL};
const char *const wis_reset_mode_names[] = {"app", "bootloader", "serial_dfu", NULL};
const char *const wis_reset_cause_names[] = {"power_on", "request", "watchdog",
                                             "pin",      "fault",   NULL};
/* A CPU fault's ARMv7-M exception number (HELLO's fault_kind): 3..6 are
 * the faults the firmware reports; 0..2 are no fault, reset and NMI. */
const char *const wis_fault_kind_names[] = {"none",      "reset",    "nmi",        "hardfault",
                                            "memmanage", "busfault", "usagefault", NULL};
const char *const wis_adc_gain_names[] = {"1/6", "1/5", "1/4", "1/3", "1/2", "1", "2", "4", NULL};
const char *const wis_adc_ref_names[] = {"internal", "vdd4", NULL};
const char *const wis_cap_names[32] = {"gpio",  "adc", "batch", "events", "radio",
                                       "flash", "i2c", "spi",   "uart",   [31] = "simulated"};
const char *const wis_fn_names[] = {"gpio", "adc",    "i2c",  "spi", "uart",
                                    "led",  "button", "qspi", "nfc", NULL};
const char *const wis_radio_ldro_names[] = {"auto", "off", "on", NULL};
const char *const wis_radio_state_names[] = {"off", "standby", "tx", "rx", "cad", NULL};
const char *const wis_radio_err_names[] = {"crc", "header", "timeout", NULL};

bool wis__str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const char *wis_name_of(const char *const *names, unsigned v)
{
	for (unsigned i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return "unknown";
}

int wis_name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (wis__str_eq(names[i], s))
			return i;
	return -1;
}
