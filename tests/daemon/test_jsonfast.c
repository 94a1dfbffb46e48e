/*
 * wisd's JSON fast paths (daemon/jsonfast.c) against json-c itself: a
 * plain request line must give the very id, method and params json-c's
 * tokener gives (values, order, types), anything else must be left to the
 * full parser (false), and printing must give json-c's bytes exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "jsonfast.h"

static const char *print_jsonc(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void same_print(json_object *o)
{
	struct jsonfast_buf b = {0};
	jsonfast_print(&b, o);
	const char *want = print_jsonc(o);
	CHECK_EQ(b.len, strlen(want));
	if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0) {
		CHECK(!"printed differently");
		fprintf(stderr, "  json-c:   %s\n  jsonfast: %.*s\n", want, (int)b.len, b.p);
	}
	free(b.p);
}

static const char *const plain[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\"}",
    "  { \"jsonrpc\" : \"2.0\" , \"method\" : \"gpio.write\", \"params\" : {\"pin\":\"IO1\", "
    "\"value\":1}, \"id\" : \"a-b c\" }\t\r",
    "{\"id\":-9223372036854775,\"method\":\"m\",\"params\":[1,-2,true,false,null,\"x\"],"
    "\"jsonrpc\":\"2.0\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\",\"params\":{}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":1,\"a\":2}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":null,\"id\":0}",
    "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678,\"method\":\"x\"}",
    "{\"method\":\"\",\"jsonrpc\":\"2.0\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\" !#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~\"}",
};

static const char *const not_plain[] = {
    "",
    "[]",
    "[{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]",
    "{",
    "{}",
    "{\"id\":1",
    /* envelope errors: the full path words them */
    "{\"jsonrpc\":2,\"id\":1,\"method\":\"x\"}",
    "{\"jsonrpc\":\"1.0\",\"method\":\"x\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":1}",
    "{\"method\":\"x\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":7}",
    "{\"jsonrpc\":\"2.0\",\"method\":null}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":true}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"extra\":1}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"method\":\"y\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":1}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"x\"}",
    ("{\"jsonrpc\":\"2.0\",\"method\":"
     "\"a-method-name-longer-than-sixty-three-characters-is-not-taken-here\"}"),
    /* an id longer than the text kept of it (jsonfast_req.id) */
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":\"an-id-of-twenty-five-bytes\"}",
    /* not plain JSON */
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1,}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}x",
    "{\"jsonrpc\" \"2.0\",\"method\":\"x\"}",
    "{\"jsonrpc\":\"2.0\" \"method\":\"x\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"a\\\"b\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"caf\xc3\xa9\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"tab\there\"}",
    /* the same inside 8-byte words */
    "{\"jsonrpc\":\"2.0\",\"method\":\"abcdefgh\\u0041bc\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"abcdefg\x7fijklmnop\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"abcdefghi\x80jklmnop\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"abcdefghij\x1fklmnop\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1.5}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1e3}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":-0}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":01}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1234567890123456789}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":99999999999999999999}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":-}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":nul}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":{}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":[1]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":{\"b\":1}}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[[1]]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":1.0}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\" 1}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":1,}}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[1,]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":tru}}",
    "{'jsonrpc':'2.0'}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"x\"} {\"jsonrpc\":\"2.0\",\"method\":\"y\"}",
};

/* The part json-c gives for key (NULL if absent or null). */
static json_object *member(json_object *o, const char *key, bool *present)
{
	json_object *v = NULL;
	*present = json_object_object_get_ex(o, key, &v);
	return v;
}

static void same_json(json_object *a, json_object *b)
{
	CHECK(json_object_equal(a, b));
	CHECK_EQ(json_object_get_type(a), json_object_get_type(b));
	if (a && b)
		CHECK(strcmp(print_jsonc(a), print_jsonc(b)) == 0); /* member order */
}

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		struct jsonfast_req q;
		bool ok = jsonfast_request(plain[i], strlen(plain[i]), &q);
		json_object *want = json_tokener_parse(plain[i]);
		CHECK(ok);
		CHECK(want != NULL);
		if (!ok || !want) {
			fprintf(stderr, "  line: %s\n", plain[i]);
		} else {
			bool present;
			json_object *id = member(want, "id", &present);
			CHECK_EQ(q.has_id, present);
			/* Its text, as written in the line, parses as json-c's id. */
			json_object *mine = q.has_id ? jsonfast_id(q.id, q.id_len) : NULL;
			same_json(mine, id);
			json_object_put(mine);
			CHECK(!q.has_id || (q.id_len && memmem(plain[i], strlen(plain[i]), q.id,
			                                       q.id_len) != NULL));
			CHECK(strcmp(q.method, json_object_get_string(
			                           member(want, "method", &present))) == 0);
			same_json(q.params, member(want, "params", &present));
			jsonfast_req_clear(&q);
		}
		json_object_put(want);
	}
	for (size_t i = 0; i < sizeof not_plain / sizeof not_plain[0]; i++) {
		struct jsonfast_req q;
		bool ok = jsonfast_request(not_plain[i], strlen(not_plain[i]), &q);
		CHECK(!ok);
		CHECK(q.params == NULL);
		if (ok) {
			fprintf(stderr, "  taken but not plain: %s\n", not_plain[i]);
			jsonfast_req_clear(&q);
		}
	}
	/* A line is only its bytes: no reading past len. */
	struct jsonfast_req q;
	const char *cut = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":12}";
	CHECK(!jsonfast_request(cut, strlen(cut) - 1, &q));
}

static void test_print(void)
{
	char all[255];
	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "bytes", json_object_new_string_len(all, sizeof all));
	json_object_object_add(o, "k\"e\\y/\n", json_object_new_int64(INT64_MIN));
	json_object_object_add(o, "max", json_object_new_int64(INT64_MAX));
	json_object_object_add(o, "umax", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(o, "zero", json_object_new_int(0));
	json_object_object_add(o, "neg", json_object_new_int(-42));
	json_object_object_add(o, "dbl", json_object_new_double(-12.625));
	json_object_object_add(o, "dbl2", json_object_new_double(1e300));
	static const double quarters[] = {-75.5, -7.25, 12.0,         -0.0,
	                                  0.0,   0.75,  -0.25,        1e14 + 0.5,
	                                  3e15,  0.1,   -1e15 + 0.25, 4503599627370495.5};
	json_object *qa = json_object_new_array();
	for (size_t i = 0; i < sizeof quarters / sizeof quarters[0]; i++)
		json_object_array_add(qa, json_object_new_double(quarters[i]));
	json_object_object_add(o, "quarters", qa);
	json_object_object_add(o, "null", NULL);
	json_object_object_add(o, "t", json_object_new_boolean(1));
	json_object_object_add(o, "f", json_object_new_boolean(0));
	json_object_object_add(o, "empty", json_object_new_object());
	json_object *a = json_object_new_array();
	json_object_array_add(a, NULL);
	json_object_array_add(a, json_object_new_string(""));
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, json_object_get(o));
	same_print(o);
	same_print(a);
	json_object_put(a);
	json_object_put(o);
	/* A notification: as wisd printed it with json-c before. */
	json_object *p = json_tokener_parse("{\"pin\":\"IO1\",\"level\":1,\"t\":1.25}");
	json_object *env = json_object_new_object();
	json_object_object_add(env, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(env, "method", json_object_new_string("gpio.edge"));
	json_object_object_add(env, "params", json_object_get(p));
	struct jsonfast_buf b = {0};
	jsonfast_print_notification(&b, "gpio.edge", p);
	char want[256];
	snprintf(want, sizeof want, "%s\n", print_jsonc(env));
	CHECK(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0);
	free(b.p);
	json_object_put(env);
	json_object_put(p);
	json_object *parsed = json_tokener_parse("{\"d\":1.50,\"e\":[1.0e2,-0.0]}");
	same_print(parsed); /* json-c reprints a parsed double's own text */
	json_object_put(parsed);
}

int main(void)
{
	test_parse();
	test_print();
	return CHECK_DONE();
}
