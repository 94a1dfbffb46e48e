/*
 * doc_tables: prints the tables of docs/protocol.md and docs/hardware.md
 * that must say exactly what the code says: the opcode and event tables and
 * the status table (from lib/proto/ops.c), every name list and constant a
 * client needs (ops.c, protocol.h, pins.h) and the RAK4631 pin table
 * (lib/proto/pins_rak4631.c).  Each table sits in a document between
 * marker comments:
 *
 *   <!-- ops-table begin -->  ...  <!-- ops-table end -->
 *
 * Usage:
 *   doc_tables                      print every block to stdout
 *   doc_tables --check FILE...      fail (exit 1) if a block in FILE differs
 *   doc_tables --write FILE...      rewrite the blocks in FILE
 *
 * Every block must appear exactly once among the files given, so deleting
 * a marker fails the check too.  The unit test runs --check on both docs;
 * `ninja -C build doc-tables` runs --write (see docs/protocol.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "wisrpc/pins.h"
#include "wisrpc/protocol.h"

/* ---- a growing string --------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- fields ----------------------------------------------------------------- */

/* What a names array is called in the name lists below. */
static const char *names_label(const char *const *names)
{
	static const struct {
		const char *const *names;
		const char *label;
	} labels[] = {
	    {wis_gpio_mode_names, "GPIO mode"},
	    {wis_edge_names, "edge"},
	    {wis_owner_names, "owner"},
	    {wis_reset_mode_names, "reset mode"},
	    {wis_reset_cause_names, "reset cause"},
	    {wis_adc_gain_names, "ADC gain"},
	    {wis_adc_ref_names, "ADC reference"},
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (labels[i].names == names)
			return labels[i].label;
	return NULL;
}

static const char *type_name(uint8_t t)
{
	static const char *const n[] = {"u8", "u16", "u32", "u64", "i16", "i32", "u8"};
	return t < sizeof n / sizeof n[0] ? n[t] : "?";
}

static uint64_t type_max(uint8_t t)
{
	switch (t) {
	case WIS_FT_U8:
	case WIS_FT_PIN:
		return 0xff;
	case WIS_FT_U16:
		return 0xffff;
	case WIS_FT_U32:
		return 0xffffffffu;
	default:
		return 0; /* signed and 64-bit fields carry no range */
	}
}

/* "u8 pin, u8 mode (GPIO mode), u32 debounce_us 0..1000000", or "—". */
static void fields(struct buf *b, const struct wis_field *f, size_t nf)
{
	if (nf == 0) {
		bprintf(b, "—");
		return;
	}
	for (size_t i = 0; i < nf; i++) {
		const struct wis_field *x = &f[i];
		if (i)
			bprintf(b, ", ");
		switch (x->type) {
		case WIS_FT_STR:
			bprintf(b, "str %s", x->name);
			break;
		case WIS_FT_BYTES:
			if (x->min == x->max)
				bprintf(b, "u8[%u] %s", (unsigned)x->min, x->name);
			else
				bprintf(b, "%u..%u bytes %s", (unsigned)x->min, (unsigned)x->max,
				        x->name);
			break;
		case WIS_FT_REST:
			bprintf(b, "%s (below)", x->name);
			break;
		case WIS_FT_PIN:
			bprintf(b, "u8 %s (nRF pin)", x->name);
			break;
		default: {
			const char *label = x->names ? names_label(x->names) : NULL;
			uint64_t tmax = type_max(x->type);
			bprintf(b, "%s %s", type_name(x->type), x->name);
			if (label)
				bprintf(b, " (%s)", label);
			else if (tmax && (x->min != 0 || x->max != tmax))
				bprintf(b, " %u..%u", (unsigned)x->min, (unsigned)x->max);
		}
		}
	}
}

static const char *const perm_names[] = {"read", "control", "admin"};

/* ---- the blocks --------------------------------------------------------------- */

static void ops_table(struct buf *b)
{
	size_t n;
	const struct wis_op_desc *t = wis_op_table(&n);
	bprintf(b, "| opcode | name | request | response | batch | resource | permission | timeout "
	           "| what it does |\n");
	bprintf(b, "|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct wis_op_desc *d = &t[i];
		if (d->flags & WIS_OPF_EVENT)
			continue;
		bprintf(b, "| 0x%04X | %s | ", d->opcode, d->name);
		fields(b, d->req, d->nreq);
		bprintf(b, " | ");
		fields(b, d->resp, d->nresp);
		bprintf(b, " | %s | %s%s | %s | %s | %s%s |\n",
		        (d->flags & WIS_OPF_BATCH) ? "yes" : "no", wis_res_name(d->res),
		        d->res == WIS_RES_PIN    ? ":NAME"
		        : d->res == WIS_RES_NONE ? "—"
		                                 : "",
		        perm_names[d->perm], d->tclass == WIS_TC_LONG ? "long" : "quick", d->doc,
		        (d->flags & WIS_OPF_LOCAL) ? " (link management: the library sends it)"
		                                   : "");
	}
	bprintf(b, "\n");
	bprintf(b,
	        "| event | name | data after u32 seq, u64 timestamp | resource | what it says |\n");
	bprintf(b, "|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct wis_op_desc *d = &t[i];
		if (!(d->flags & WIS_OPF_EVENT))
			continue;
		bprintf(b, "| 0x%04X | %s | ", d->opcode, d->name);
		fields(b, d->resp, d->nresp);
		bprintf(b, " | %s%s | %s |\n", wis_res_name(d->res),
		        d->res == WIS_RES_PIN    ? ":NAME"
		        : d->res == WIS_RES_NONE ? "—"
		                                 : "",
		        d->doc);
	}
}

static void status_table(struct buf *b)
{
	bprintf(b, "| status | name | meaning |\n|---|---|---|\n");
	for (unsigned i = 0; wis_status_names[i]; i++)
		bprintf(b, "| %u | %s | %s |\n", i, wis_status_names[i],
		        i < WIS_ST__COUNT && wis_status_docs[i] ? wis_status_docs[i] : "?");
}

static void name_list(struct buf *b, const char *what, const char *const *names)
{
	bprintf(b, "- %s:", what);
	for (unsigned i = 0; names[i]; i++)
		bprintf(b, "%s %u `%s`", i ? "," : "", i, names[i]);
	bprintf(b, "\n");
}

static void names_block(struct buf *b)
{
	name_list(b, "GPIO modes (`GPIO_MODE`, `PIN_STATE`)", wis_gpio_mode_names);
	name_list(b, "Edges (`GPIO_WATCH`, `GPIO_EDGE`, `PIN_STATE`)", wis_edge_names);
	name_list(b, "Owners (`PIN_STATE`)", wis_owner_names);
	name_list(b, "Reset modes (`RESET`)", wis_reset_mode_names);
	name_list(b, "Reset causes (`RESET_EVENT`)", wis_reset_cause_names);
	name_list(b, "ADC gains (`ADC_READ`)", wis_adc_gain_names);
	name_list(b, "ADC references (`ADC_READ`)", wis_adc_ref_names);
	bprintf(b, "- Capability bits (`HELLO` caps):");
	for (unsigned i = 0, k = 0; i < 32; i++)
		if (wis_cap_names[i])
			bprintf(b, "%s bit %u `%s` (0x%X)", k++ ? "," : "", i, wis_cap_names[i],
			        1u << i);
	bprintf(b, "\n- Pin function bits (`PINS` funcs):");
	for (unsigned i = 0; wis_fn_names[i]; i++)
		bprintf(b, "%s bit %u `%s` (0x%X)", i ? "," : "", i, wis_fn_names[i], 1u << i);
	bprintf(b, "\n- Pin kinds (`PINS` kind):");
	for (unsigned i = 0; strcmp(wis_pin_kind_name(i), "unknown") != 0; i++)
		bprintf(b, "%s %u `%s`", i ? "," : "", i, wis_pin_kind_name(i));
	bprintf(b, "\n- Resources:");
	for (unsigned i = 1; i < WIS_RES__COUNT; i++)
		bprintf(b, "%s `%s%s`", i > 1 ? "," : "", wis_res_name(i),
		        i == WIS_RES_PIN ? ":NAME" : "");
	bprintf(b, "\n- Permission classes, lowest first (a client allowed one is allowed those "
	           "below it):");
	for (unsigned i = 0; i < sizeof perm_names / sizeof perm_names[0]; i++)
		bprintf(b, "%s %u `%s`", i ? "," : "", i, perm_names[i]);
	bprintf(b, "\n");
}

static void constants_block(struct buf *b)
{
	static const struct {
		const char *name;
		unsigned long value;
		int hex;
		const char *meaning;
	} c[] = {
	    {"WIS_PROTO_VERSION", WIS_PROTO_VERSION, 0, "header version and HELLO version"},
	    {"WIS_HDR_LEN", WIS_HDR_LEN, 0, "header bytes"},
	    {"WIS_CRC_LEN", WIS_CRC_LEN, 0, "CRC bytes after the payload"},
	    {"WIS_MAX_PAYLOAD", WIS_MAX_PAYLOAD, 0, "largest payload; HELLO states the device's"},
	    {"WIS_MAX_ENCODED", WIS_MAX_ENCODED, 0,
	     "largest frame on the wire, COBS and delimiter included"},
	    {"WIS_MIN_WINDOW", WIS_MIN_WINDOW, 0, "requests in flight every device accepts"},
	    {"WIS_BATCH_MAX_STEPS", WIS_BATCH_MAX_STEPS, 0, "steps in one BATCH"},
	    {"WIS_BATCH_STOP_ON_ERROR", WIS_BATCH_STOP_ON_ERROR, 1, "BATCH flag bit 0"},
	    {"WIS_DEBOUNCE_MAX_US", WIS_DEBOUNCE_MAX_US, 0, "longest GPIO_WATCH debounce"},
	    {"WIS_EV_PREFIX_LEN", WIS_EV_PREFIX_LEN, 0,
	     "u32 seq + u64 timestamp before event data"},
	    {"WIS_EV_MAX_DATA", WIS_EV_MAX_DATA, 0, "longest event data after the prefix"},
	    {"WIS_DELAY_MAX_US", WIS_DELAY_MAX_US, 0, "longest DELAY"},
	    {"WIS_ADC_MAX_OVERSAMPLE_LOG2", WIS_ADC_MAX_OVERSAMPLE_LOG2, 0,
	     "ADC_READ oversample: 2^n samples averaged"},
	    {"WIS_ADC_DEFAULT_GAIN", WIS_ADC_DEFAULT_GAIN, 0, "the library's default gain (1/6)"},
	    {"WIS_ADC_DEFAULT_REF", WIS_ADC_DEFAULT_REF, 0,
	     "the library's default reference (internal 0.6 V)"},
	    {"WIS_ADC_DEFAULT_BITS", WIS_ADC_DEFAULT_BITS, 0, "the library's default resolution"},
	    {"WIS_NRF_NONE", WIS_NRF_NONE, 1, "PINS nrf of a pin that is no nRF52840 GPIO"},
	    {"WIS_AIN_NONE", WIS_AIN_NONE, 1, "PINS ain of a pin with no SAADC input"},
	};
	bprintf(b, "| constant | value | meaning |\n|---|---|---|\n");
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		bprintf(b, c[i].hex ? "| `%s` | 0x%02lX | %s |\n" : "| `%s` | %lu | %s |\n",
		        c[i].name, c[i].value, c[i].meaning);
}

static void fn_list(struct buf *b, uint16_t funcs)
{
	int k = 0;
	for (unsigned i = 0; wis_fn_names[i]; i++)
		if (funcs & (1u << i))
			bprintf(b, "%s%s", k++ ? ", " : "", wis_fn_names[i]);
	if (!k)
		bprintf(b, "—");
}

static void pin_table(struct buf *b)
{
	size_t n;
	const struct wis_pin_def *t = wis_pins_rak4631(&n);
	bprintf(b,
	        "| name | connector | pad | pad name (alias) | nRF52840 | SAADC | kind | functions "
	        "| note |\n");
	bprintf(b, "|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct wis_pin_def *d = &t[i];
		char nrf[6];
		wis_nrf_name(d->nrf, nrf);
		bprintf(b, "| %s | ", d->name);
		if (d->connector > 40)
			bprintf(b, "%u (F%u)", d->connector, d->connector - 40u);
		else if (d->connector)
			bprintf(b, "%u", d->connector);
		else
			bprintf(b, "0 (none)");
		if (d->pad)
			bprintf(b, " | %u | %s", d->pad, d->pad_name);
		else
			bprintf(b, " | — | —");
		bprintf(b, " | %s | ", d->nrf == WIS_NRF_NONE ? "—" : nrf);
		if (d->ain == WIS_AIN_NONE)
			bprintf(b, "—");
		else
			bprintf(b, "AIN%u", d->ain);
		bprintf(b, " | %s | ", wis_pin_kind_name(d->kind));
		fn_list(b, d->funcs);
		bprintf(b, " | %s |\n", d->note);
	}
}

static const struct block {
	const char *name;
	void (*gen)(struct buf *);
} blocks[] = {
    {"ops-table", ops_table},       {"status-table", status_table}, {"names", names_block},
    {"constants", constants_block}, {"pin-table", pin_table},
};
#define NBLOCKS (sizeof blocks / sizeof blocks[0])

/* ---- files ------------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {0};
	char chunk[4096];
	size_t r;
	bprintf(&b, "%s", "");
	while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
		bprintf(&b, "%.*s", (int)r, chunk);
	fclose(f);
	*len = b.len;
	return b.p;
}

/* The line number of offset off in s (1-based). */
static unsigned line_of(const char *s, size_t off)
{
	unsigned l = 1;
	for (size_t i = 0; i < off; i++)
		l += s[i] == '\n';
	return l;
}

/*
 * Checks or rewrites every block found in one file; counts what it found in
 * found[].  Returns the number of blocks that differ (check) or -1 on error.
 */
static int do_file(const char *path, int write, unsigned found[NBLOCKS])
{
	size_t len;
	char *s = slurp(path, &len);
	if (!s) {
		fprintf(stderr, "doc_tables: cannot read %s\n", path);
		return -1;
	}
	struct buf out = {0};
	bprintf(&out, "%s", "");
	int differ = 0;
	size_t at = 0;
	for (;;) {
		/* The next begin marker of any block. */
		size_t best = len, bi = NBLOCKS;
		char begin[64], end[64];
		for (size_t i = 0; i < NBLOCKS; i++) {
			snprintf(begin, sizeof begin, "<!-- %s begin -->\n", blocks[i].name);
			char *p = strstr(s + at, begin);
			if (p && (size_t)(p - s) < best) {
				best = (size_t)(p - s);
				bi = i;
			}
		}
		if (bi == NBLOCKS)
			break;
		snprintf(begin, sizeof begin, "<!-- %s begin -->\n", blocks[bi].name);
		snprintf(end, sizeof end, "<!-- %s end -->", blocks[bi].name);
		size_t body = best + strlen(begin);
		char *e = strstr(s + body, end);
		if (!e) {
			fprintf(stderr, "%s:%u: <!-- %s begin --> without its end marker\n", path,
			        line_of(s, best), blocks[bi].name);
			free(s);
			free(out.p);
			return -1;
		}
		found[bi]++;
		struct buf g = {0};
		bprintf(&g, "%s", "");
		blocks[bi].gen(&g);
		size_t have = (size_t)(e - s) - body;
		if (have != g.len || memcmp(s + body, g.p, g.len) != 0) {
			differ++;
			/* Say where: the first line that differs. */
			size_t k = 0;
			while (k < have && k < g.len && s[body + k] == g.p[k])
				k++;
			while (k > 0 && g.p[k - 1] != '\n')
				k--;
			const char *nl = memchr(g.p + k, '\n', g.len - k);
			if (!write)
				fprintf(stderr,
				        "%s:%u: block %s differs from the code; the code says:\n"
				        "  %.*s\n",
				        path, line_of(s, body + k), blocks[bi].name,
				        (int)((nl ? (size_t)(nl - g.p) : g.len) - k), g.p + k);
		}
		bprintf(&out, "%.*s", (int)(body - at), s + at);
		bprintf(&out, "%.*s", (int)g.len, g.p);
		free(g.p);
		at = (size_t)(e - s);
	}
	bprintf(&out, "%.*s", (int)(len - at), s + at);
	int rc = differ;
	if (write && differ) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		FILE *f = fopen(tmp, "wb");
		if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f) != 0 ||
		    rename(tmp, path) != 0) {
			fprintf(stderr, "doc_tables: cannot write %s\n", path);
			rc = -1;
		} else {
			printf("%s: %d block(s) rewritten\n", path, differ);
		}
	}
	free(s);
	free(out.p);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		for (size_t i = 0; i < NBLOCKS; i++) {
			struct buf g = {0};
			bprintf(&g, "%s", "");
			blocks[i].gen(&g);
			printf("<!-- %s begin -->\n%s<!-- %s end -->\n\n", blocks[i].name, g.p,
			       blocks[i].name);
			free(g.p);
		}
		return 0;
	}
	int write = strcmp(argv[1], "--write") == 0;
	if ((!write && strcmp(argv[1], "--check") != 0) || argc < 3) {
		fprintf(stderr, "usage: %s [--check|--write FILE...]\n", argv[0]);
		return 2;
	}
	/* Status meanings are kept next to the names: one per status. */
	unsigned nst = 0, ndoc = 0;
	while (wis_status_names[nst])
		nst++;
	while (wis_status_docs[ndoc])
		ndoc++;
	if (nst != WIS_ST__COUNT || ndoc != WIS_ST__COUNT) {
		fprintf(stderr, "doc_tables: %u status names, %u meanings, %d statuses\n", nst,
		        ndoc, WIS_ST__COUNT);
		return 1;
	}
	unsigned found[NBLOCKS] = {0};
	int differ = 0, missing = 0;
	for (int i = 2; i < argc; i++) {
		int r = do_file(argv[i], write, found);
		if (r < 0)
			return 1;
		differ += r;
	}
	for (size_t i = 0; i < NBLOCKS; i++)
		if (found[i] != 1) {
			fprintf(stderr,
			        "doc_tables: block %s found %u times in the files given (want 1)\n",
			        blocks[i].name, found[i]);
			missing++;
		}
	if (differ && !write)
		fprintf(stderr,
		        "regenerate with: ninja -C BUILD doc-tables  (or %s --write FILE...)\n",
		        argv[0]);
	return missing || (differ && !write) ? 1 : 0;
}
