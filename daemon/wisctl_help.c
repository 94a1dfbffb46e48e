/*
 * wisctl's help: --help, --version, `wisctl help [COMMAND [SUB]]` and each
 * command's --help, all printed from the one command table in wisctl.c.
 * Every line fits 80 columns (tests/ops checks it): long usages wrap
 * between option groups, never inside "[--freq HZ]".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wisctl.h"

#define WIDTH 80

/* Prints text after first (already on the line, col columns wide),
 * wrapping at WIDTH with continuation lines indented by indent.  Words are
 * split at spaces outside brackets, so an option and its value stay
 * together. */
static void wrap(FILE *f, const char *first, const char *text, int indent)
{
	fputs(first, f);
	int col = (int)strlen(first);
	bool space = col > 0 && first[col - 1] != ' ';
	const char *p = text;
	for (;;) {
		while (*p == ' ')
			p++;
		const char *w = p;
		int depth = 0;
		while (*p && (depth > 0 || *p != ' ')) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && depth > 0)
				depth--;
			p++;
		}
		int len = (int)(p - w);
		if (!len)
			break;
		if (col + (space ? 1 : 0) + len > WIDTH && col > indent) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			space = false;
		}
		if (space) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", len, w);
		col += len;
		space = true;
	}
	fputc('\n', f);
}

static void cmd_name(const struct cmd *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s", c->name, c->sub ? " " : "", c->sub ? c->sub : "");
}

void help_usage(FILE *f)
{
	wrap(f, "usage: wisctl ",
	     "[--socket PATH|--device PATH] [--json] [--timeout MS] COMMAND ...", 14);
	fprintf(f, "       wisctl help [COMMAND]    wisctl -V|--version\n\n"
	           "  --socket PATH   wisd's socket (default $WISD_SOCKET or /run/wisd.sock)\n"
	           "  --device PATH   talk to a module directly (no wisd), e.g. /dev/ttyACM0\n"
	           "  --json, -j      machine output: JSON, one object per line\n"
	           "  --timeout MS    how long to wait for an answer (default 5000)\n\n"
	           "commands (wisctl help COMMAND for the options):\n");
	for (size_t i = 0; i < wisctl_ncmds; i++) {
		char name[32], first[48];
		cmd_name(&wisctl_cmds[i], name, sizeof name);
		snprintf(first, sizeof first, "  %-14s ", name);
		wrap(f, first, wisctl_cmds[i].help, 17);
	}
	fprintf(f, "\nexit codes: 0 ok, 1 device refused, 2 usage, 3 unreachable, 4 timeout\n");
}

void help_version(FILE *f)
{
	fprintf(f, "wisctl %s\n", WIS_LIB_VERSION);
}

void help_one(FILE *f, const struct cmd *c)
{
	char name[32], first[64];
	cmd_name(c, name, sizeof name);
	/* The usage begins with the command's own name: wrap what follows it. */
	const char *rest = c->usage + strlen(name);
	snprintf(first, sizeof first, "usage: wisctl %s", name);
	int indent = (int)strlen(first) + 1;
	if (*rest)
		wrap(f, first, rest, indent > 40 ? 8 : indent);
	else
		fprintf(f, "%s\n", first);
	wrap(f, "    ", c->help, 4);
}

void help_group(FILE *f, const char *name)
{
	for (size_t k = 0; k < wisctl_ncmds; k++)
		if (!strcmp(wisctl_cmds[k].name, name))
			help_one(f, &wisctl_cmds[k]);
}

bool help_has_sub(const char *name)
{
	for (size_t k = 0; k < wisctl_ncmds; k++)
		if (!strcmp(wisctl_cmds[k].name, name) && wisctl_cmds[k].sub)
			return true;
	return false;
}

const struct cmd *help_find(const char *name, const char *sub)
{
	for (size_t k = 0; k < wisctl_ncmds; k++) {
		const struct cmd *c = &wisctl_cmds[k];
		if (!strcmp(c->name, name) && (!sub ? !c->sub : c->sub && !strcmp(c->sub, sub)))
			return c;
	}
	return NULL;
}

int help_command(int argc, char **argv)
{
	if (argc == 0) {
		help_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "wisctl help: expected COMMAND [SUBCOMMAND]\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		printf("usage: wisctl help [COMMAND [SUBCOMMAND]]\n"
		       "    this text, every command, or one command's options\n");
		return EXIT_OK;
	}
	const struct cmd *c = help_find(argv[0], argc > 1 ? argv[1] : NULL);
	if (c) {
		help_one(stdout, c);
		return EXIT_OK;
	}
	if (argc == 1 && help_has_sub(argv[0])) {
		help_group(stdout, argv[0]);
		return EXIT_OK;
	}
	fprintf(stderr, "wisctl help: no command '%s%s%s' (wisctl help lists them)\n", argv[0],
	        argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return EXIT_USAGE;
}
