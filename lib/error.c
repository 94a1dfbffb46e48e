/*
 * Error names and the per-thread error detail.
 *
 * A code says what kind of failure happened; the detail says what to fix
 * ("VBAT is a power pin ...", the device's own "IO1 is an input: ...").
 * The detail is thread-local so that threads sharing a device do not see
 * each other's failures, and the library keeps no other global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[WIS_DETAIL_MAX];

const char *wis_last_error(void)
{
	return last_error;
}

void wis__clear_error(void)
{
	last_error[0] = 0;
}

int wis__fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return code;
}

void wis__set_detail(const char *text, size_t len)
{
	if (len >= sizeof last_error)
		len = sizeof last_error - 1;
	memcpy(last_error, text, len);
	last_error[len] = 0;
}

const char *wis_strerror(int code)
{
	static const char *const dev[WIS_ST__COUNT] = {
	    [WIS_ST_OK] = "success",
	    [WIS_ST_UNKNOWN_OP] = "operation not implemented by the device",
	    [WIS_ST_BAD_LENGTH] = "bad request length",
	    [WIS_ST_BAD_ARG] = "bad argument",
	    [WIS_ST_NO_SUCH_PIN] = "no such pin on the device",
	    [WIS_ST_NOT_CAPABLE] = "pin cannot do that function",
	    [WIS_ST_PIN_BUSY] = "pin busy (owned by another function)",
	    [WIS_ST_WRONG_MODE] = "pin is in the wrong mode",
	    [WIS_ST_NOT_FITTED] = "hardware not fitted",
	    [WIS_ST_BUSY] = "device busy",
	    [WIS_ST_HW_TIMEOUT] = "hardware timeout",
	    [WIS_ST_HW_ERROR] = "hardware error",
	    [WIS_ST_TOO_BIG] = "result too big for a frame",
	    [WIS_ST_VERSION] = "protocol version not supported by the device",
	    [WIS_ST_SKIPPED] = "skipped (an earlier batch step failed)",
	    [WIS_ST_NOT_SUPPORTED] = "not supported by this device",
	    [WIS_ST_INTERNAL] = "device internal error",
	    [WIS_ST_TOO_LATE] = "too late: the requested device time has passed",
	    [WIS_ST_TOO_EARLY] = "too early: the requested device time is too far ahead",
	};
	if (code == 0)
		return "success";
	if (code < 0 && code > -WIS_ST__COUNT)
		return dev[-code];
	switch (code) {
	case WIS_E_TIMEOUT:
		return "timeout";
	case WIS_E_IO:
		return "I/O error on the link";
	case WIS_E_DISCONNECTED:
		return "device disconnected";
	case WIS_E_NOMEM:
		return "out of memory";
	case WIS_E_INVAL:
		return "invalid argument";
	case WIS_E_PROTO:
		return "protocol error (malformed response)";
	case WIS_E_NOT_FOUND:
		return "device not found";
	case WIS_E_UNKNOWN_PIN:
		return "unknown pin name";
	case WIS_E_NOT_IO:
		return "not an I/O pin";
	case WIS_E_WINDOW_FULL:
		return "too many calls in flight";
	case WIS_E_CLOSED:
		return "device is being closed";
	case WIS_E_VERSION:
		return "firmware speaks another protocol version";
	case WIS_E_TOO_BIG:
		return "request or response too big";
	case WIS_E_CANCELLED:
		return "call cancelled";
	case WIS_E_IN_USE:
		return "port in use by another program";
	case WIS_E_REGULATION:
		return "not allowed by the regional radio rules";
	case WIS_E_UNMAPPABLE:
		return "device time cannot be mapped to host time";
	case WIS_E_RESET:
		return "the module reset before answering: the request was lost";
	}
	if (code < 0 && code > -64)
		return "unknown device status";
	return "unknown error";
}

const char *wis_version(void)
{
	return WIS_LIB_VERSION;
}
