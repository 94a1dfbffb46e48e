/*
 * Output coalesced per client per loop pass.  Every answer or notification
 * for a client is appended to its buffer (c->out); a prepare handle, which
 * libuv runs just before the loop waits for I/O, writes each buffer with
 * one uv_try_write.  So the answers a device burst completes in one pass
 * leave in one write() per client (one wake-up of the client, not one per
 * answer), without adding latency: nothing waits across a loop wait.
 * What the socket does not take goes through client_send(), the queue with
 * the back-pressure rule (server.c).  A client with output waiting holds a
 * reference, so its close waits for the flush.
 */
#include <stdlib.h>
#include <string.h>

#include "outq.h"

/* A buffer that grew for one large answer is not kept. */
#define OUTQ_KEEP_CAP (16 * 1024)

static void flush_client(struct client *c)
{
	struct jsonfast_buf *b = &c->out;
	if (b->failed) {
		client_drop(c, "out of memory for its output");
	} else if (!c->closing && b->len) {
		uv_buf_t buf = uv_buf_init(b->p, (unsigned)b->len);
		int n = uv_stream_get_write_queue_size(&c->h.stream)
		            ? UV_EAGAIN
		            : uv_try_write(&c->h.stream, &buf, 1);
		if (n < 0 && n != UV_EAGAIN) {
			log_debug("%s: write: %s", c->who.label, uv_strerror(n));
			client_close(c);
		} else if ((size_t)(n < 0 ? 0 : n) < b->len) {
			size_t off = n < 0 ? 0 : (size_t)n;
			struct shbuf *s = malloc(sizeof *s + b->len - off);
			if (!s) {
				client_drop(c, "out of memory for its write queue");
			} else {
				s->refs = 1;
				s->len = b->len - off;
				memcpy(s->data, b->p + off, s->len);
				client_send(c, s);
				shbuf_unref(s);
			}
		}
	}
	b->len = 0;
	b->failed = false;
	if (b->cap > OUTQ_KEEP_CAP || c->closing) {
		free(b->p);
		*b = (struct jsonfast_buf){0};
	}
}

static void on_prepare(uv_prepare_t *p)
{
	struct wisd *d = p->data;
	uv_prepare_stop(p);
	while (d->flush_list) {
		struct client *c = d->flush_list;
		d->flush_list = c->flush_next;
		c->flush_next = NULL;
		c->flush_listed = false;
		flush_client(c);
		client_unref(c); /* may free c */
	}
}

void outq_start(struct wisd *d)
{
	uv_prepare_init(d->loop, &d->flush_prep);
	d->flush_prep.data = d;
	d->flush_list = NULL;
}

void outq_stop(struct wisd *d)
{
	on_prepare(&d->flush_prep); /* what is waiting goes now */
	if (!uv_is_closing((uv_handle_t *)&d->flush_prep))
		uv_close((uv_handle_t *)&d->flush_prep, NULL);
}

/* c's buffer, with c listed for the next flush; NULL if c takes no output. */
static struct jsonfast_buf *out_of(struct client *c)
{
	if (c->closing)
		return NULL;
	struct wisd *d = c->d;
	if (!c->flush_listed) {
		client_ref(c);
		c->flush_listed = true;
		c->flush_next = d->flush_list;
		d->flush_list = c;
		if (!uv_is_active((uv_handle_t *)&d->flush_prep))
			uv_prepare_start(&d->flush_prep, on_prepare);
	}
	return &c->out;
}

void outq_flush(struct client *c)
{
	struct jsonfast_buf *b = &c->out;
	if (c->closing || b->failed || !b->len)
		return;
	/* Best effort, and never behind the queue (that would reorder): a
	 * refusal written just before the close, as a client would see it. */
	if (!uv_stream_get_write_queue_size(&c->h.stream)) {
		uv_buf_t buf = uv_buf_init(b->p, (unsigned)b->len);
		(void)uv_try_write(&c->h.stream, &buf, 1);
	}
	b->len = 0;
}

void outq_send_bytes(struct client *c, const char *p, size_t n)
{
	struct jsonfast_buf *b = out_of(c);
	if (b)
		jsonfast_put(b, p, n);
}

void outq_send_json(struct client *c, json_object *o)
{
	struct jsonfast_buf *b = out_of(c);
	if (!b)
		return;
	jsonfast_print(b, o);
	jsonfast_put(b, "\n", 1);
}

/* The answer's envelope around a result printed between these two. */
static void result_head(struct jsonfast_buf *b)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"result\":";
	jsonfast_put(b, head, sizeof head - 1);
}

static size_t result_tail(struct jsonfast_buf *b, size_t start, json_object *id,
                          const char *id_text, size_t id_len, size_t max)
{
	jsonfast_put(b, ",\"id\":", 6);
	if (id_len)
		jsonfast_put(b, id_text, id_len);
	else
		jsonfast_print(b, id);
	jsonfast_put(b, "}\n", 2);
	size_t n = b->len - start;
	if (n - 1 > max && !b->failed) {
		b->len = start; /* taken back: the caller answers with an error */
		return n - 1;
	}
	return 0;
}

size_t outq_send_result(struct client *c, json_object *id, const char *id_text, size_t id_len,
                        json_object *result, size_t max)
{
	struct jsonfast_buf *b = out_of(c);
	if (!b)
		return 0;
	size_t start = b->len;
	result_head(b);
	jsonfast_print(b, result);
	return result_tail(b, start, id, id_text, id_len, max);
}

size_t outq_send_result_text(struct client *c, json_object *id, const char *id_text, size_t id_len,
                             const char *result, size_t len, size_t max)
{
	struct jsonfast_buf *b = out_of(c);
	if (!b)
		return 0;
	size_t start = b->len;
	result_head(b);
	jsonfast_put(b, result, len);
	return result_tail(b, start, id, id_text, id_len, max);
}
