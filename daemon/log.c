/*
 * wisd logging (see log.h).  Records below the configured level cost one
 * comparison.  The hook is not re-entered: a record logged while forwarding
 * another (e.g. a subscriber dropped mid-broadcast) goes only to the sink.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_level level = LOG_LVL_INFO;
static bool to_syslog;
static log_hook hook;
static void *hook_user;
static bool in_hook;

static const char *const names[] = {"error", "warn", "info", "debug"};

void log_setup(enum log_level lvl, bool use_syslog)
{
	level = lvl;
	if (use_syslog && !to_syslog)
		openlog("wisd", LOG_PID, LOG_DAEMON);
	to_syslog = use_syslog;
}

void log_set_hook(log_hook h, void *user)
{
	hook = h;
	hook_user = user;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (strcmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

const char *log_level_name(enum log_level lvl)
{
	return names[lvl];
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (lvl > level)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (to_syslog) {
		static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
		syslog(prio[lvl], "%s", msg);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld wisd %s: %s\n", tm.tm_hour, tm.tm_min,
		        tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], msg);
	}
	if (hook && !in_hook) {
		in_hook = true;
		hook(hook_user, lvl, msg);
		in_hook = false;
	}
}

void log_close(void)
{
	if (to_syslog)
		closelog();
	to_syslog = false;
}
