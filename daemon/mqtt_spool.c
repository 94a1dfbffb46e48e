/*
 * The MQTT bridge's optional queue on disk (queue_file): when set, every
 * event is appended to the file as one line "SUFFIX<TAB>PAYLOAD" and read
 * back, in order, as the broker takes them; at most max_inflight are in
 * memory.  The file is emptied once everything in it has been read and
 * acknowledged, so what a stopped or crashed wisd had not delivered is
 * sent after the next start.  At least once: what was acknowledged since
 * the file was last emptied comes again after a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_priv.h"

int mqtt_spool_open(struct mqtt *q)
{
	q->spool = fopen(q->c->queue_file, "a+");
	if (!q->spool) {
		log_error("mqtt: queue_file %s: %s", q->c->queue_file, strerror(errno));
		return -1;
	}
	/* Lines left by an earlier run are delivered first. */
	rewind(q->spool);
	int ch, last = '\n';
	while ((ch = getc(q->spool)) != EOF) {
		if (ch == '\n')
			q->spooled++;
		last = ch;
	}
	if (last != '\n') /* a line cut short by a crash: ignored when read */
		q->spooled++;
	q->spool_off = 0;
	if (q->spooled)
		log_info("mqtt: %lu events kept in %s from before", q->spooled, q->c->queue_file);
	return 0;
}

bool mqtt_spool_append(struct mqtt *q, const char *suffix, const char *payload)
{
	/* "a+": writes go to the end whatever the read position. */
	if (fprintf(q->spool, "%s\t%s\n", suffix, payload) < 0 || fflush(q->spool) != 0) {
		snprintf(q->last_error, sizeof q->last_error, "queue_file: %s", strerror(errno));
		clearerr(q->spool);
		return false;
	}
	q->spooled++;
	return true;
}

struct msg *mqtt_spool_next(struct mqtt *q)
{
	char *line = NULL;
	size_t cap = 0;
	while (q->spooled) {
		if (fseek(q->spool, q->spool_off, SEEK_SET) != 0)
			return NULL;
		ssize_t n = getline(&line, &cap, q->spool);
		if (n <= 0)
			break;
		q->spooled--;
		if (line[n - 1] != '\n') { /* cut short: skip it */
			q->spool_off += n;
			continue;
		}
		q->spool_off += n;
		line[n - 1] = 0;
		char *tab = strchr(line, '\t');
		struct msg *m = tab ? calloc(1, sizeof *m) : NULL;
		if (!m)
			continue;
		*tab = 0;
		m->topic = strdup(line);
		m->payload = strdup(tab + 1);
		if (!m->topic || !m->payload) {
			mqtt_msg_free(m);
			continue;
		}
		free(line);
		return m;
	}
	free(line);
	q->spooled = 0;
	return NULL;
}

void mqtt_spool_settled(struct mqtt *q)
{
	if (!q->spool || q->spooled || q->queued || !q->spool_off)
		return;
	if (ftruncate(fileno(q->spool), 0) == 0)
		q->spool_off = 0;
}

void mqtt_spool_close(struct mqtt *q)
{
	if (q->spool)
		fclose(q->spool);
	q->spool = NULL;
}
