/*
 * The serprog bridge: wisd serves flashrom's "Serial Flasher Protocol"
 * (version 1, flashrom's Documentation/serprog-protocol.txt) on a TCP
 * port, so `flashrom -p serprog:ip=127.0.0.1:PORT` probes, reads, writes
 * and erases the module's SPI flash while other clients keep using wisd.
 *
 * Off by default: "[serprog] enabled = yes" (or --set serprog.enabled=yes);
 * "listen = ADDR:PORT" (default 127.0.0.1:9977), "class = read|control|
 * admin" (default admin: a flash programmer erases).  One session at a
 * time: it claims the `flash` resource as an internal client named
 * "serprog <peer>" when flashrom connects and gives it back when flashrom
 * disconnects, so nothing else programs the chip meanwhile; a second
 * connection, or one made while another client holds the flash, is
 * closed at once and logged.
 *
 * Only the SPI subset is offered (bus type SPI; O_SPIOP): each O_SPIOP is
 * one flash.raw call (CS held for the whole transaction), answered ACK +
 * the bytes clocked in, or NAK when the call fails (logged with why).
 * Requests are handled strictly in order: while a call is in flight the
 * rest of the input waits, and reading stops when more than a bounded
 * amount is buffered.  Unknown command bytes get a NAK, as the protocol
 * says.  daemon.status "components.serprog" counts sessions, operations,
 * NAKs and bytes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

enum {
	SP_ACK = 0x06,
	SP_NAK = 0x15,
	SP_NOP = 0x00,
	SP_Q_IFACE = 0x01,
	SP_Q_CMDMAP = 0x02,
	SP_Q_PGMNAME = 0x03,
	SP_Q_SERBUF = 0x04,
	SP_Q_BUSTYPE = 0x05,
	SP_Q_WRNMAXLEN = 0x08,
	SP_SYNCNOP = 0x10,
	SP_Q_RDNMAXLEN = 0x11,
	SP_S_BUSTYPE = 0x12,
	SP_O_SPIOP = 0x13,
	SP_S_PIN_STATE = 0x15, /* the highest command of protocol version 1 */
	SP_BUS_SPI = 0x08,
	SP_IN_MAX = 64 * 1024, /* buffered input before reading pauses */
};

static const uint8_t supported[] = {SP_NOP,         SP_Q_IFACE,   SP_Q_CMDMAP,    SP_Q_PGMNAME,
                                    SP_Q_SERBUF,    SP_Q_BUSTYPE, SP_Q_WRNMAXLEN, SP_SYNCNOP,
                                    SP_Q_RDNMAXLEN, SP_S_BUSTYPE, SP_O_SPIOP};

struct serprog_cfg { /* "bool enabled" first: component_enabled_flag */
	bool enabled;
	uint8_t perm;
	char listen[96];
};

struct serprog;

struct session {
	uv_tcp_t h;
	struct serprog *sp;
	struct wisd_caller who;
	uint8_t *in;
	size_t in_len;
	bool claimed; /* the flash claim was granted: commands may run */
	bool busy;    /* a call is in flight: the input waits */
	bool closing;
	bool reading;
	bool started;  /* its first byte was a serprog command */
	unsigned refs; /* 1 for the handle + 1 per call in flight */
};

struct serprog {
	struct wisd *d;
	uv_tcp_t srv;
	bool srv_open;
	struct session *s; /* the one session, or NULL */
	uint8_t perm;      /* the class its sessions call with */
	unsigned long sessions, refused, ops, naks, bytes_tx, bytes_rx;
};

struct out_req {
	uv_write_t w;
	struct session *s;
	size_t len;
	uint8_t data[];
};

static void cfg_init(void *cfg)
{
	struct serprog_cfg *c = cfg;
	c->enabled = false;
	c->perm = WIS_PERM_ADMIN;
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:9977");
}

static int cfg_set(void *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	struct serprog_cfg *c = cfg;
	if (!strcmp(key, "enabled"))
		return component_set_bool(&c->enabled, value, err, errlen);
	if (!strcmp(key, "listen")) {
		char addr[64];
		int port;
		if (config_parse_tcp(value, addr, sizeof addr, &port, err, errlen) < 0)
			return -1;
		snprintf(c->listen, sizeof c->listen, "%s", value);
		return 0;
	}
	if (!strcmp(key, "class"))
		return component_set_class(&c->perm, value, err, errlen);
	snprintf(err, errlen, "unknown setting (enabled, listen, class)");
	return -1;
}

static void session_unref(struct session *s)
{
	if (--s->refs)
		return;
	free(s->in);
	free(s);
}

static void on_session_closed(uv_handle_t *h)
{
	session_unref(h->data);
}

static void session_close(struct session *s, const char *why)
{
	if (s->closing)
		return;
	s->closing = true;
	if (why)
		log_info("%s: %s", s->who.label, why);
	if (s->sp->s == s)
		s->sp->s = NULL;
	/* Gives back the flash claim; a late answer to a call in flight
	 * finds who.gone and writes nothing. */
	wisd_caller_gone(s->sp->d, &s->who);
	uv_close((uv_handle_t *)&s->h, on_session_closed);
}

static void on_written(uv_write_t *w, int status)
{
	struct out_req *o = (struct out_req *)w;
	struct session *s = o->s;
	if (status < 0 && !s->closing)
		session_close(s, "write failed");
	free(o);
	session_unref(s);
}

/* Queues n bytes (head, then tail) to flashrom. */
static void reply2(struct session *s, const uint8_t *head, size_t hn, const uint8_t *tail,
                   size_t tn)
{
	if (s->closing)
		return;
	struct out_req *o = malloc(sizeof *o + hn + tn);
	if (!o) {
		session_close(s, "out of memory");
		return;
	}
	o->s = s;
	o->len = hn + tn;
	memcpy(o->data, head, hn);
	if (tn)
		memcpy(o->data + hn, tail, tn);
	s->sp->bytes_tx += o->len;
	uv_buf_t b = uv_buf_init((char *)o->data, (unsigned)o->len);
	s->refs++;
	if (uv_write(&o->w, (uv_stream_t *)&s->h, &b, 1, on_written) < 0) {
		free(o);
		s->refs--;
		session_close(s, "write failed");
	}
}

static void reply(struct session *s, const uint8_t *p, size_t n)
{
	reply2(s, p, n, NULL, 0);
}

static void ack_u(struct session *s, uint32_t v, size_t bytes)
{
	uint8_t b[5] = {SP_ACK, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 24)};
	reply(s, b, 1 + bytes);
}

static uint32_t le24(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static void process(struct session *s);
static void read_more(struct session *s);

struct spiop {
	struct session *s;
	uint32_t rlen;
};

static void on_spiop(void *user, json_object *result, struct wisj_error *err)
{
	struct spiop *op = user;
	struct session *s = op->s;
	uint32_t rlen = op->rlen;
	free(op);
	json_object *v = NULL;
	const char *hex = NULL;
	if (result && json_object_object_get_ex(result, "data", &v))
		hex = json_object_get_string(v);
	if (!s->closing && !s->who.gone) {
		uint8_t *rx = rlen ? malloc(rlen) : NULL;
		bool ok = hex && (rx || !rlen) &&
		          wisj_hex_decode(hex, strlen(hex), rx, rlen) == (int)rlen;
		if (ok) {
			uint8_t ack = SP_ACK;
			s->sp->bytes_rx += rlen;
			reply2(s, &ack, 1, rx, rlen);
		} else {
			uint8_t nak = SP_NAK;
			s->sp->naks++;
			log_warn("%s: SPI operation refused: %s", s->who.label,
			         err ? err->message : "malformed answer");
			reply(s, &nak, 1);
		}
		free(rx);
		s->busy = false;
		process(s);
		read_more(s);
	}
	if (result)
		json_object_put(result);
	session_unref(s);
}

/* O_SPIOP with its slen bytes at p: one flash.raw call. */
static void spiop(struct session *s, const uint8_t *tx, uint32_t slen, uint32_t rlen)
{
	s->sp->ops++;
	if (slen == 0 && rlen == 0) {
		uint8_t ack = SP_ACK;
		reply(s, &ack, 1);
		return;
	}
	if (slen == 0 || slen > WIS_FLASH_RAW_MAX || rlen > WIS_FLASH_RAW_MAX) {
		uint8_t nak = SP_NAK;
		s->sp->naks++;
		log_warn("%s: SPI operation of %u bytes out, %u in: the limits are 1..%u and 0..%u",
		         s->who.label, slen, rlen, WIS_FLASH_RAW_MAX, WIS_FLASH_RAW_MAX);
		reply(s, &nak, 1);
		return;
	}
	struct spiop *op = malloc(sizeof *op);
	if (!op) {
		session_close(s, "out of memory");
		return;
	}
	op->s = s;
	op->rlen = rlen;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "tx", wisj_hex_json(tx, slen));
	json_object_object_add(p, "rx_len", json_object_new_int64(rlen));
	s->busy = true;
	s->refs++;
	wisd_call(s->sp->d, &s->who, "flash.raw", p, on_spiop, op);
	json_object_put(p);
}

/* One command at in[0] if complete: its length consumed, else 0. */
static size_t command(struct session *s, const uint8_t *in, size_t n)
{
	switch (in[0]) {
	case SP_NOP: {
		uint8_t ack = SP_ACK;
		reply(s, &ack, 1);
		return 1;
	}
	case SP_SYNCNOP: {
		uint8_t b[2] = {SP_NAK, SP_ACK};
		reply(s, b, 2);
		return 1;
	}
	case SP_Q_IFACE:
		ack_u(s, 1, 2);
		return 1;
	case SP_Q_CMDMAP: {
		uint8_t b[33] = {SP_ACK};
		for (size_t i = 0; i < sizeof supported; i++)
			b[1 + supported[i] / 8] |= (uint8_t)(1u << (supported[i] % 8));
		reply(s, b, sizeof b);
		return 1;
	}
	case SP_Q_PGMNAME: {
		uint8_t b[17] = {SP_ACK};
		/* 16 bytes, NUL padded (b is zeroed) */
		memcpy(b + 1, "wisd RAK4631", 12); // NOLINT(bugprone-not-null-terminated-result)
		reply(s, b, sizeof b);
		return 1;
	}
	case SP_Q_SERBUF: /* TCP is flow-controlled: "a big bogus value" */
		ack_u(s, 0xFFFF, 2);
		return 1;
	case SP_Q_BUSTYPE:
		ack_u(s, SP_BUS_SPI, 1);
		return 1;
	case SP_Q_WRNMAXLEN:
	case SP_Q_RDNMAXLEN:
		ack_u(s, WIS_FLASH_RAW_MAX, 3);
		return 1;
	case SP_S_BUSTYPE: {
		if (n < 2)
			return 0;
		uint8_t r = (in[1] & SP_BUS_SPI) ? SP_ACK : SP_NAK;
		s->sp->naks += r == SP_NAK;
		reply(s, &r, 1);
		return 2;
	}
	case SP_O_SPIOP: {
		if (n < 7)
			return 0;
		uint32_t slen = le24(in + 1), rlen = le24(in + 4);
		if (slen > SP_IN_MAX - 7) { /* cannot be buffered: give up */
			session_close(s, "SPI operation larger than the input buffer");
			return 0;
		}
		if (n < 7 + (size_t)slen)
			return 0;
		spiop(s, in + 7, slen, rlen);
		return 7 + (size_t)slen;
	}
	default: {
		uint8_t nak = SP_NAK;
		s->sp->naks++;
		reply(s, &nak, 1);
		return 1;
	}
	}
}

/* Handles complete commands in order until one waits for the module. */
static void process(struct session *s)
{
	size_t off = 0;
	while (!s->closing && s->claimed && !s->busy && off < s->in_len) {
		size_t used = command(s, s->in + off, s->in_len - off);
		if (!used)
			break;
		off += used;
	}
	if (off && !s->closing) {
		memmove(s->in, s->in + off, s->in_len - off);
		s->in_len -= off;
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct session *s = h->data;
	buf->base = (char *)s->in + s->in_len;
	buf->len = SP_IN_MAX - s->in_len;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct session *s = st->data;
	if (n < 0) {
		session_close(s, n == UV_EOF ? "flashrom disconnected" : uv_strerror((int)n));
		return;
	}
	/* A session starts with a serprog command byte (flashrom sends NOPs
	 * and SYNCNOPs first).  Anything else, such as the "POST " of a web
	 * page's request to this port, whose body could otherwise carry SPI
	 * operations, closes the connection before a byte is acted on. */
	if (!s->started && n > 0) {
		if (s->in[s->in_len] > SP_S_PIN_STATE) {
			s->sp->refused++;
			session_close(s, "not serprog (first byte is no serprog command): closed");
			return;
		}
		s->started = true;
	}
	s->in_len += (size_t)n;
	process(s);
	read_more(s);
}

/* Reads while there is room; stops when the buffer is full (flashrom then
 * waits in TCP's flow control) and resumes as commands are consumed. */
static void read_more(struct session *s)
{
	if (s->closing)
		return;
	bool room = s->in_len < SP_IN_MAX;
	if (room && !s->reading) {
		if (uv_read_start((uv_stream_t *)&s->h, on_alloc, on_read) == 0)
			s->reading = true;
	} else if (!room && s->reading) {
		uv_read_stop((uv_stream_t *)&s->h);
		s->reading = false;
	}
}

static void on_claim(void *user, json_object *result, struct wisj_error *err)
{
	struct session *s = user;
	if (!s->closing && !s->who.gone) {
		if (result) {
			s->claimed = true;
			log_info("%s: session started, flash claimed", s->who.label);
			process(s);
			read_more(s);
		} else {
			s->sp->refused++;
			log_warn("%s: refused: %s", s->who.label, err->message);
			session_close(s, NULL);
		}
	}
	if (result)
		json_object_put(result);
	session_unref(s);
}

static void on_connection(uv_stream_t *srv, int status)
{
	struct serprog *sp = srv->data;
	if (status < 0)
		return;
	struct session *s = calloc(1, sizeof *s);
	uint8_t *in = malloc(SP_IN_MAX);
	if (!s || !in) {
		free(s);
		free(in);
		return;
	}
	s->in = in;
	s->sp = sp;
	s->refs = 1;
	uv_tcp_init(sp->d->loop, &s->h);
	s->h.data = s;
	if (uv_accept(srv, (uv_stream_t *)&s->h) < 0) {
		s->closing = true;
		uv_close((uv_handle_t *)&s->h, on_session_closed);
		return;
	}
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char peer[64] = "?";
	if (uv_tcp_getpeername(&s->h, (struct sockaddr *)&ss, &len) == 0) {
		char ip[48] = "";
		int port = 0;
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else {
			uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		snprintf(peer, sizeof peer, "%s:%d", ip, port);
	}
	snprintf(s->who.label, sizeof s->who.label, "serprog %s", peer);
	s->who.perm = sp->perm;
	if (sp->s) {
		sp->refused++;
		log_warn("%s: refused: %s already has a session", s->who.label, sp->s->who.label);
		s->who.gone = true; /* never called anything */
		s->closing = true;
		uv_close((uv_handle_t *)&s->h, on_session_closed);
		return;
	}
	sp->s = s;
	sp->sessions++;
	read_more(s); /* buffered until the claim is granted */
	json_object *p = json_object_new_object();
	json_object_object_add(p, "resources", json_object_new_string("flash"));
	s->refs++;
	wisd_call(sp->d, &s->who, "claim", p, on_claim, s);
	json_object_put(p);
}

static int start(struct wisd *d, struct wisd_comp *self)
{
	const struct serprog_cfg *c = self->cfg;
	struct serprog *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -1;
	self->priv = sp;
	sp->d = d;
	sp->perm = c->perm;
	char addr[64], err[200];
	int port;
	if (config_parse_tcp(c->listen, addr, sizeof addr, &port, err, sizeof err) < 0) {
		log_error("serprog: %s", err);
		return -1;
	}
	struct sockaddr_storage ss;
	if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss) != 0) {
		log_error("serprog: listen '%s': bad address", c->listen);
		return -1;
	}
	uv_tcp_init(d->loop, &sp->srv);
	sp->srv.data = sp;
	sp->srv_open = true;
	int rc = uv_tcp_bind(&sp->srv, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&sp->srv, 4, on_connection);
	if (rc < 0) {
		log_error("serprog: %s:%d: %s", addr, port, uv_strerror(rc));
		return -1;
	}
	log_info("serprog: flashrom -p serprog:ip=%s:%d", addr, port);
	return 0;
}

static void quiesce(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct serprog *sp = self->priv;
	if (sp && sp->srv_open && !uv_is_closing((uv_handle_t *)&sp->srv))
		uv_close((uv_handle_t *)&sp->srv, NULL);
}

static void stop(struct wisd *d, struct wisd_comp *self)
{
	quiesce(d, self);
	struct serprog *sp = self->priv;
	if (sp && sp->s)
		session_close(sp->s, "wisd is stopping");
}

static json_object *status(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct serprog *sp = self->priv;
	json_object *o = json_object_new_object();
	if (!sp)
		return o;
	json_object_object_add(o, "session",
	                       sp->s ? json_object_new_string(sp->s->who.label) : NULL);
	json_object_object_add(o, "sessions", json_object_new_int64((int64_t)sp->sessions));
	json_object_object_add(o, "refused", json_object_new_int64((int64_t)sp->refused));
	json_object_object_add(o, "spi_ops", json_object_new_int64((int64_t)sp->ops));
	json_object_object_add(o, "naks", json_object_new_int64((int64_t)sp->naks));
	json_object_object_add(o, "bytes_sent", json_object_new_int64((int64_t)sp->bytes_tx));
	json_object_object_add(o, "flash_bytes_read", json_object_new_int64((int64_t)sp->bytes_rx));
	return o;
}

const struct wisd_component serprog_component = {
    .name = "serprog",
    .cfg_size = sizeof(struct serprog_cfg),
    .cfg_init = cfg_init,
    .cfg_set = cfg_set,
    .enabled = component_enabled_flag,
    .start = start,
    .quiesce = quiesce,
    .stop = stop,
    .release = component_free_priv,
    .status = status,
};
