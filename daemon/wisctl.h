/*
 * wisctl internals shared by its files: wisctl.c (options, the command
 * table, one-shot commands) and wisctl_stream.c (commands that print
 * events until stopped: gpio watch, subscribe).
 */
#ifndef WISCTL_H
#define WISCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "wisctl_link.h"

struct opts {
	const char *socket, *device;
	bool json;
	unsigned timeout_ms;
	const char *cmdline; /* "gpio set" for error messages */
};

/* One row of the command table (wisctl.c): "gpio set" is name "gpio",
 * sub "set"; usage and help are what `wisctl help` prints. */
struct cmd {
	const char *name, *sub;
	int (*run)(struct link *l, struct opts *o, int argc, char **argv);
	const char *usage, *help;
	/* For cmd_method rows: the method, its integer params in argument
	 * order, and how much longer than --timeout its answer may take. */
	const char *method;
	const char *args[3];
	unsigned (*extra_ms)(json_object *params);
};
extern const struct cmd wisctl_cmds[];
extern const size_t wisctl_ncmds;

/* wisctl_help.c: --help, --version and `wisctl help [COMMAND [SUB]]`,
 * every line within 80 columns. */
void help_usage(FILE *f);
void help_version(FILE *f);
/* usage and help of every row named name ("gpio"). */
void help_group(FILE *f, const char *name);
void help_one(FILE *f, const struct cmd *c);
bool help_has_sub(const char *name);
/* The row for name [sub]; NULL if none. */
const struct cmd *help_find(const char *name, const char *sub);
/* `wisctl help ARGS...`: exit code. */
int help_command(int argc, char **argv);

/* "wisctl CMD: what (usage: ...)" on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);
/* Prints e's message for the command, clears e, returns code. */
int fail(struct opts *o, struct wisj_error *e, int code);
/* link_call that also drops the caller's reference to params. */
int call_put(struct link *l, const char *method, json_object *params, json_object **res,
             struct wisj_error *e, unsigned timeout_ms);
/* Removes "--name [VALUE]" from argv; the value ("" for flags) or NULL. */
const char *take_opt(int *argc, char **argv, const char *name, bool has_value, bool *seen);
/* EXIT_USAGE (after saying so) if an unknown --option is left. */
int leftover_options(int argc, char **argv);
/* A whole decimal number (no trailing text); 0, or -1. */
int parse_long(const char *s, long *out);
json_object *string_array(int argc, char **argv);
json_object *obj1(const char *k, json_object *v);

/* wisctl_stream.c: the next notification of method (NULL: any), waiting
 * up to timeout_ms (-1: for ever): 1 with *n (the caller puts it) and
 * *params (borrowed from it); 0 on a timeout or another notification; -1
 * on Ctrl-C; -2 when the link is lost (said on stderr). */
int next_notification(struct link *l, struct opts *o, const char *method, int timeout_ms,
                      json_object **n, json_object **params);
int cmd_gpio_watch(struct link *l, struct opts *o, int argc, char **argv);
int cmd_subscribe(struct link *l, struct opts *o, int argc, char **argv);
/* wisctl_radio.c; cmd_radio_airtime runs without a link (l NULL). */
int cmd_radio_config(struct link *l, struct opts *o, int argc, char **argv);
int cmd_radio_send(struct link *l, struct opts *o, int argc, char **argv);
int cmd_radio_listen(struct link *l, struct opts *o, int argc, char **argv);
int cmd_radio_cad(struct link *l, struct opts *o, int argc, char **argv);
int cmd_radio_status(struct link *l, struct opts *o, int argc, char **argv);
int cmd_radio_airtime(struct link *l, struct opts *o, int argc, char **argv);
/* wisctl_flash.c */
int cmd_flash_info(struct link *l, struct opts *o, int argc, char **argv);
int cmd_flash_read(struct link *l, struct opts *o, int argc, char **argv);
int cmd_flash_write(struct link *l, struct opts *o, int argc, char **argv);
int cmd_flash_write_image(struct link *l, struct opts *o, int argc, char **argv);
int cmd_flash_erase(struct link *l, struct opts *o, int argc, char **argv);
int cmd_flash_verify(struct link *l, struct opts *o, int argc, char **argv);
/* wisctl_i2c.c */
int cmd_i2c_scan(struct link *l, struct opts *o, int argc, char **argv);
int cmd_i2c_read(struct link *l, struct opts *o, int argc, char **argv);
int cmd_i2c_write(struct link *l, struct opts *o, int argc, char **argv);
int cmd_i2c_xfer(struct link *l, struct opts *o, int argc, char **argv);
int cmd_spi_xfer(struct link *l, struct opts *o, int argc, char **argv);
int cmd_uart_config(struct link *l, struct opts *o, int argc, char **argv);
int cmd_uart_write(struct link *l, struct opts *o, int argc, char **argv);
int cmd_uart_read(struct link *l, struct opts *o, int argc, char **argv);

#endif
