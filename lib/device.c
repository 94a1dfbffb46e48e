/*
 * Opening and closing a module: transport, HELLO (version check, window,
 * maximum payload), the pin table fetched with PINS, the initial clock
 * sync; and turning pin names into nRF pin numbers with messages that tell
 * the user what to do instead.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

void wis_open_options_init_size(struct wis_open_options *o, size_t size)
{
	if (!o || size < sizeof o->size)
		return;
	struct wis_open_options d = {0};
	d.size = size < sizeof d ? size : sizeof d;
	d.timeout_ms = 1000;
	d.window = 16;
	d.usb_vid = 0x239A;
	d.usb_pid = 0x8029;
	memcpy(o, &d, d.size);
}

const struct wis_pin_def *wis__dev_pins(wis_device *dev, size_t *count)
{
	if (dev && dev->pins) {
		*count = dev->npins;
		return dev->pins;
	}
	return wis_pins_rak4631(count);
}

static int do_hello(wis_device *dev)
{
	uint8_t req = WIS_PROTO_VERSION, resp[WIS_MAX_PAYLOAD];
	size_t len = 0;
	int rc = wis__call_internal(dev, WIS_OP_HELLO, &req, 1, resp, sizeof resp, &len, 0);
	if (rc == -WIS_ST_VERSION) {
		char why[WIS_DETAIL_MAX]; /* wis__fail writes the buffer it would read */
		snprintf(why, sizeof why, "%s", wis_last_error());
		return wis__fail(WIS_E_VERSION, "the device at %s refused protocol version %d: %s",
		                 dev->path, WIS_PROTO_VERSION, why);
	}
	if (rc == WIS_E_TIMEOUT) {
		/* Bytes that were no frame mean something else answers there
		 * (other firmware, a console): say so, it is what to fix. */
		pthread_mutex_lock(&dev->mu);
		struct wis_frame_stats st = dev->rx_stats;
		pthread_mutex_unlock(&dev->mu);
		uint32_t junk = st.bytes_dropped + (uint32_t)dev->rx.len;
		if (junk)
			return wis__fail(
			    rc,
			    "no answer to HELLO from %s within %u ms, but %u bytes that "
			    "are not wisrpc frames: it runs other firmware (or is a "
			    "console), not the wisrpc companion firmware",
			    dev->path, dev->opts.timeout_ms, junk);
		return wis__fail(rc,
		                 "no answer to HELLO from %s within %u ms: is it a module running "
		                 "the wisrpc companion firmware (or wisrpc-sim)?",
		                 dev->path, dev->opts.timeout_ms);
	}
	if (rc < 0)
		return rc;
	const struct wis_op_desc *d = wis_op_find(WIS_OP_HELLO);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	/* A newer device may append fields: more bytes are fine, fewer not. */
	enum wis_decode dr = wis_fields_parse(d->resp, d->nresp, resp, len, v, &bad);
	struct wis_info *in = &dev->info;
	in->proto_version = len ? resp[0] : 0;
	if (len && in->proto_version != WIS_PROTO_VERSION)
		return wis__fail(WIS_E_VERSION,
		                 "the device at %s speaks protocol version %u, this "
		                 "libwisrpc %s speaks %d: update the firmware or the library",
		                 dev->path, in->proto_version, WIS_LIB_VERSION, WIS_PROTO_VERSION);
	if (dr == WIS_DEC_SHORT)
		return wis__fail(WIS_E_PROTO, "HELLO response from %s is truncated (%zu bytes)",
		                 dev->path, len);
	in->window = (unsigned)v[1].u;
	in->max_payload = (unsigned)v[2].u;
	in->caps = (uint32_t)v[3].u;
	memcpy(in->device_id, v[4].b.p, 8);
	snprintf(in->fw_version, sizeof in->fw_version, "%.*s", (int)v[5].b.len,
	         (const char *)v[5].b.p);
	snprintf(in->board, sizeof in->board, "%.*s", (int)v[6].b.len, (const char *)v[6].b.p);
	/* v[7], pin_count: PINS says it again as "total". */
	in->reset_cause = (uint8_t)v[8].u;
	in->fault.kind = (uint8_t)v[9].u;
	in->fault.pc = (uint32_t)v[10].u;
	in->fault.lr = (uint32_t)v[11].u;
	in->fault.cfsr = (uint32_t)v[12].u;
	for (int i = 0; i < 8; i++)
		snprintf(in->device_id_hex + 2 * i, 3, "%02x", in->device_id[i]);
	if (in->max_payload < 64)
		return wis__fail(WIS_E_PROTO,
		                 "device at %s states a maximum payload of %u bytes; "
		                 "at least 64 are required",
		                 dev->path, in->max_payload);
	dev->max_payload = in->max_payload < WIS_MAX_PAYLOAD ? in->max_payload : WIS_MAX_PAYLOAD;
	pthread_mutex_lock(&dev->mu);
	if (in->window && in->window < dev->window)
		dev->window = in->window;
	pthread_mutex_unlock(&dev->mu);
	return 0;
}

static void free_pins(struct wis_pin_def *pins, size_t n)
{
	if (!pins)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)pins[i].name);
		free((char *)pins[i].pad_name);
	}
	free(pins);
}

static int fetch_pins(wis_device *dev)
{
	size_t bcount;
	const struct wis_pin_def *builtin = wis_pins_rak4631(&bcount);
	struct wis_pin_def *pins = NULL;
	size_t total = 0, have = 0;
	int rc = 0;
	do {
		uint8_t req = (uint8_t)have, resp[WIS_MAX_PAYLOAD];
		size_t len = 0;
		rc = wis__call_internal(dev, WIS_OP_PINS, &req, 1, resp, sizeof resp, &len, 0);
		if (rc < 0)
			goto fail;
		struct wis_rd r = wis_rd_init(resp, len);
		uint8_t t = wis_rd_u8(&r), first = wis_rd_u8(&r), n = wis_rd_u8(&r);
		if (r.err || first != have || (pins && t != total) || have + n > t ||
		    (n == 0 && have < t)) {
			rc = wis__fail(WIS_E_PROTO,
			               "PINS response from %s is inconsistent (total %u, "
			               "first %u, n %u after %zu entries)",
			               dev->path, t, first, n, have);
			goto fail;
		}
		if (!pins) {
			total = t;
			pins = calloc(total ? total : 1, sizeof *pins);
			if (!pins)
				return wis__fail(WIS_E_NOMEM, "out of memory for the pin table");
		}
		/* Entry: u8 connector, u8 pad, u8 kind, u8 nrf, u8 ain, u16 funcs,
		 * str name, str pad_name (docs/protocol.md). */
		for (unsigned i = 0; i < n; i++) {
			struct wis_pin_def *p = &pins[have];
			p->connector = wis_rd_u8(&r);
			p->pad = wis_rd_u8(&r);
			p->kind = wis_rd_u8(&r);
			p->nrf = wis_rd_u8(&r);
			p->ain = wis_rd_u8(&r);
			p->funcs = wis_rd_u16(&r);
			uint8_t nl = wis_rd_u8(&r);
			const uint8_t *name = wis_rd_bytes(&r, nl);
			uint8_t pl = wis_rd_u8(&r);
			const uint8_t *pad_name = wis_rd_bytes(&r, pl);
			if (r.err || nl == 0) {
				rc = wis__fail(WIS_E_PROTO, "PINS entry %zu from %s is truncated",
				               have, dev->path);
				goto fail;
			}
			char *s = malloc(nl + 1u), *ps = pl ? malloc(pl + 1u) : NULL;
			if (!s || (pl && !ps)) {
				free(s);
				free(ps);
				rc = wis__fail(WIS_E_NOMEM, "out of memory for the pin table");
				goto fail;
			}
			memcpy(s, name, nl);
			s[nl] = 0;
			p->name = s;
			if (ps) {
				/* The alias users may name the pin by: see wis_pin_lookup(). */
				memcpy(ps, pad_name, pl);
				ps[pl] = 0;
			}
			p->pad_name = ps;
			const struct wis_pin_def *b = wis_pin_lookup(builtin, bcount, s);
			p->note = b && strcmp(b->name, s) == 0 ? b->note : "";
			have++;
		}
	} while (have < total);
	dev->pins = pins;
	dev->npins = total;
	return 0;
fail:
	free_pins(pins, have);
	return rc;
}

static int open_path(wis_device *dev)
{
	int rc = wis__transport_open(dev->path, dev->opts.timeout_ms, &dev->tp);
	if (rc < 0)
		return rc;
	if (dev->opts.no_hello)
		return 0;
	if ((rc = do_hello(dev)) < 0 || (rc = fetch_pins(dev)) < 0 ||
	    (rc = wis__clock_sync_initial(dev)) < 0)
		return rc;
	return 0;
}

static int choose_auto(const struct wis_open_options *o, char *path, size_t cap)
{
	struct wis_found found[8];
	int n = wis_discover(found, 8, o);
	if (n < 0)
		return n;
	char filter[96];
	snprintf(filter, sizeof filter, "USB %04x:%04x%s%s", o->usb_vid, o->usb_pid,
	         o->serial ? " serial " : "", o->serial ? o->serial : "");
	if (n == 0)
		return wis__fail(WIS_E_NOT_FOUND,
		                 "no module found on USB (%s); is it plugged in? "
		                 "For the simulator, open its pty path or --link path",
		                 filter);
	if (n > 1)
		return wis__fail(WIS_E_INVAL,
		                 "%d modules match %s (%s, %s%s): choose one by serial "
		                 "number or path",
		                 n, filter, found[0].path, found[1].path, n > 2 ? ", ..." : "");
	snprintf(path, cap, "%s", found[0].path);
	return 0;
}

int wis_open(wis_device **out, const char *path, const struct wis_open_options *opts)
{
	wis__clear_error();
	if (!out)
		return wis__fail(WIS_E_INVAL, "out is NULL");
	*out = NULL;
	struct wis_open_options o;
	wis_open_options_init_size(&o, sizeof o);
	if (opts) {
		/* Only the fields the caller's build of the struct has: the rest
		 * keep their defaults (see struct wis_open_options). */
		if (opts->size <
		    offsetof(struct wis_open_options, timeout_ms) + sizeof o.timeout_ms)
			return wis__fail(WIS_E_INVAL, "open options not initialised: call "
			                              "wis_open_options_init() first");
		memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
		o.size = sizeof o;
	}
	if (o.timeout_ms == 0)
		o.timeout_ms = 1000;
	if (o.window == 0)
		return wis__fail(WIS_E_INVAL, "window must be at least 1");
	if (o.window > WIS_MAX_WINDOW)
		o.window = WIS_MAX_WINDOW;
	char found[256];
	if (!path || strcmp(path, "auto") == 0) {
		int rc = choose_auto(&o, found, sizeof found);
		if (rc < 0)
			return rc;
		path = found;
	}

	wis_device *dev = calloc(1, sizeof *dev);
	if (!dev)
		return wis__fail(WIS_E_NOMEM, "out of memory");
	dev->opts = o;
	dev->opts.serial = NULL; /* not ours to keep */
	dev->path = strdup(path);
	/* One slot more than the window: reset.c's barrier goes out even when
	 * every slot of the window waits for an answer the reset lost. */
	dev->slots = calloc(o.window + 1, sizeof *dev->slots);
	dev->slot_cv = calloc(o.window + 1, sizeof *dev->slot_cv);
	dev->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!dev->path || !dev->slots || !dev->slot_cv || dev->wake_fd < 0) {
		if (dev->wake_fd >= 0)
			close(dev->wake_fd);
		free(dev->path);
		free(dev->slots);
		free(dev->slot_cv);
		free(dev);
		return wis__fail(WIS_E_NOMEM, "out of memory (or file descriptors)");
	}
	dev->window = o.window;
	dev->nslots = o.window + 1;
	dev->max_payload = WIS_MAX_PAYLOAD;
	pthread_mutex_init(&dev->mu, NULL);
	pthread_mutex_init(&dev->tx_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dev->cond, &ca);
	for (unsigned i = 0; i < dev->nslots; i++)
		pthread_cond_init(&dev->slot_cv[i], &ca);
	pthread_condattr_destroy(&ca);
	wis__deframer_init(&dev->rx);
	dev->info.proto_version = WIS_PROTO_VERSION;
	dev->info.max_payload = WIS_MAX_PAYLOAD;
	dev->info.window = WIS_MIN_WINDOW;

	int rc = open_path(dev);
	if (rc < 0) {
		char keep[WIS_DETAIL_MAX];
		snprintf(keep, sizeof keep, "%s", wis_last_error());
		wis_close(dev);
		wis__set_detail(keep, strlen(keep));
		return rc;
	}
	*out = dev;
	return 0;
}

void wis_close(wis_device *dev)
{
	if (!dev)
		return;
	/* From a callback, dev is still in use below us: cancel its calls now,
	 * free it when this thread leaves the library (entry.c). */
	if (wis__close_deferred(dev))
		return;
	if (dev->tp) {
		struct wis_entry e; /* closes from the cancelled calls' callbacks are no-ops */
		wis__enter(dev, &e);
		wis__calls_shutdown(dev);
		wis__leave(dev, &e);
	}
	if (dev->tp)
		dev->tp->ops->close(dev->tp);
	close(dev->wake_fd);
	free_pins(dev->pins, dev->npins);
	pthread_cond_destroy(&dev->cond);
	for (unsigned i = 0; i < dev->nslots; i++)
		pthread_cond_destroy(&dev->slot_cv[i]);
	free(dev->slot_cv);
	pthread_mutex_destroy(&dev->mu);
	pthread_mutex_destroy(&dev->tx_mu);
	free(dev->slots);
	free(dev->path);
	free(dev);
}

const struct wis_info *wis_get_info(wis_device *dev)
{
	return dev ? &dev->info : NULL;
}

const struct wis_pin_def *wis_get_pins(wis_device *dev, size_t *count)
{
	size_t n;
	const struct wis_pin_def *t = wis__dev_pins(dev, &n);
	if (count)
		*count = n;
	return t;
}

const char *wis_path(wis_device *dev)
{
	return dev ? dev->path : NULL;
}

const char *wis_pin_name(wis_device *dev, uint8_t nrf)
{
	size_t n;
	const struct wis_pin_def *t = wis__dev_pins(dev, &n);
	const struct wis_pin_def *p = wis_pin_by_nrf(t, n, nrf);
	return p ? p->name : NULL;
}

/* Splits "IO12" into "IO" and 12; names without a trailing number get -1. */
static int name_number(const char *s, size_t *prefix_len)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	*prefix_len = i;
	/* At most 3 digits: atoi cannot overflow. */
	return (i == n || i == 0 || n - i > 3) ? -1 : atoi(s + i); // NOLINT(cert-err34-c)
}

static int cmp_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t px, py;
	int nx = name_number(x, &px), ny = name_number(y, &py);
	if (nx >= 0 && ny >= 0 && px == py && strncmp(x, y, px) == 0)
		return nx - ny;
	return strcmp(x, y);
}

/* "AIN0, AIN1, I2C1_SCL, ..., IO1..IO7, LED1..LED3, ..." for messages.
 * Runs of three or more consecutive numbers are shortened. */
static void pin_list(wis_device *dev, unsigned fn, char *out, size_t cap)
{
	size_t count;
	const struct wis_pin_def *t = wis__dev_pins(dev, &count);
	const char *names[256];
	size_t n = 0;
	for (size_t i = 0; i < count && n < 256; i++)
		if (t[i].kind == WIS_PIN_IO && (!fn || (t[i].funcs & fn)))
			names[n++] = t[i].name;
	/* names[0..n) are set just above; cppcheck does not follow n. */
	// cppcheck-suppress uninitvar
	qsort(names, n, sizeof names[0], cmp_names);
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < n;) {
		size_t pi, pj, j = i;
		int ni = name_number(names[i], &pi);
		while (ni >= 0 && j + 1 < n) {
			int nj = name_number(names[j + 1], &pj);
			if (nj != ni + (int)(j + 1 - i) || pj != pi ||
			    strncmp(names[i], names[j + 1], pi))
				break;
			j++;
		}
		int w;
		if (j - i >= 2) {
			w = snprintf(out + len, cap - len, "%s%s..%s", len ? ", " : "", names[i],
			             names[j]);
			i = j + 1;
		} else {
			w = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", names[i]);
			i++;
		}
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

static const char *fn_name(unsigned fn)
{
	switch (fn) {
	case WIS_FN_GPIO:
		return "GPIO";
	case WIS_FN_ADC:
		return "analog input (ADC)";
	case WIS_FN_I2C:
		return "I2C";
	case WIS_FN_SPI:
		return "SPI";
	case WIS_FN_UART:
		return "UART";
	}
	return "that function";
}

int wis_pin_resolve(wis_device *dev, const char *name, unsigned fn)
{
	size_t count;
	const struct wis_pin_def *t = wis__dev_pins(dev, &count);
	char list[200];
	if (!name || !*name)
		return wis__fail(WIS_E_UNKNOWN_PIN, "no pin name given");
	const struct wis_pin_def *p = wis_pin_lookup(t, count, name);
	if (!p) {
		pin_list(dev, 0, list, sizeof list);
		if ((name[0] == 'P' || name[0] == 'p') && strchr(name, '.'))
			return wis__fail(
			    WIS_E_UNKNOWN_PIN,
			    "%s is not an nRF52840 pin on the "
			    "WisConnector (the radio's pins P1.05..P1.15 are internal); "
			    "pins are %s",
			    name, list);
		return wis__fail(WIS_E_UNKNOWN_PIN,
		                 "no pin named %s; pins are %s (or nRF names "
		                 "like P0.17)",
		                 name, list);
	}
	if (p->kind != WIS_PIN_IO) {
		char where[40] = "";
		if (p->connector)
			snprintf(where, sizeof where, " (WisConnector pin %u)", p->connector);
		if (p->kind == WIS_PIN_NC)
			return wis__fail(WIS_E_NOT_IO, "%s is not connected%s: not an I/O pin",
			                 p->name, where);
		const char *kind = wis_pin_kind_name(p->kind);
		return wis__fail(WIS_E_NOT_IO, "%s is a %s pin%s, not an I/O pin", p->name, kind,
		                 where);
	}
	if (fn && !(p->funcs & fn)) {
		pin_list(dev, fn, list, sizeof list);
		return wis__fail(-WIS_ST_NOT_CAPABLE, "%s cannot be used as %s; pins that can: %s",
		                 p->name, fn_name(fn), list[0] ? list : "none");
	}
	return p->nrf;
}

int wis__pin_arg(wis_device *dev, const char *name, unsigned fn, uint8_t *nrf)
{
	if (!dev)
		return wis__fail(WIS_E_INVAL, "device is NULL");
	int r = wis_pin_resolve(dev, name, fn);
	if (r < 0)
		return r;
	*nrf = (uint8_t)r;
	return 0;
}
