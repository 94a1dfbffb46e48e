/*
 * wisd logging: levelled messages to stderr (with a timestamp) or syslog,
 * and a hook that lets the server forward records to "log" subscribers.
 */
#ifndef WISD_LOG_H
#define WISD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Called for every record at or above the configured level. */
typedef void (*log_hook)(void *user, enum log_level lvl, const char *msg);

void log_setup(enum log_level level, bool use_syslog);
void log_set_hook(log_hook hook, void *user);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_close(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
