/*
 * wisd's JSON fast paths (daemon/jsonfast.c) against json-c itself: a
 * plain request line must give the very object json-c's tokener gives
 * (members, order, types), anything else must be left to the full parser
 * (NULL), and printing must give json-c's bytes exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
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
    "{}",
    "{\"jsonrpc\":2,\"id\":true,\"method\":7}",
};

static const char *const not_plain[] = {
    "",
    "[]",
    "[{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]",
    "{",
    "{\"id\":1",
    "{\"id\":1,}",
    "{\"id\":1}x",
    "{\"id\" 1}",
    "{\"id\":1 \"method\":\"x\"}",
    "{\"id\":\"a\\\"b\"}",
    "{\"id\":\"caf\xc3\xa9\"}",
    "{\"id\":\"tab\there\"}",
    "{\"id\":1.5}",
    "{\"id\":1e3}",
    "{\"id\":-0}",
    "{\"id\":01}",
    "{\"id\":1234567890123456789}",
    "{\"id\":-}",
    "{\"id\":tru}",
    "{\"id\":nul}",
    "{\"id\":{}}",
    "{\"id\":[1]}",
    "{\"id\":1,\"id\":2}",
    "{\"extra\":1}",
    "{\"params\":{\"a\":{\"b\":1}}}",
    "{\"params\":[[1]]}",
    "{\"params\":1}",
    "{\"params\":\"x\"}",
    "{\"params\":{\"a\":1.0}}",
    "{\"params\":{\"a\" 1}}",
    "{\"params\":{\"a\":1,}}",
    "{\"params\":[1,]}",
    "{'id':1}",
    "{\"method\":\"x\"} {\"method\":\"y\"}",
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		json_object *q = jsonfast_parse(plain[i], strlen(plain[i]));
		json_object *want = json_tokener_parse(plain[i]);
		CHECK(q != NULL);
		CHECK(want != NULL);
		if (!q || !want) {
			fprintf(stderr, "  line: %s\n", plain[i]);
		} else {
			CHECK(json_object_equal(q, want));
			CHECK(strcmp(print_jsonc(q), print_jsonc(want)) == 0); /* member order */
			json_object_object_foreach(want, k, v)
			{
				json_object *got = NULL;
				CHECK(json_object_object_get_ex(q, k, &got));
				CHECK_EQ(json_object_get_type(got), json_object_get_type(v));
			}
		}
		json_object_put(q);
		json_object_put(want);
	}
	for (size_t i = 0; i < sizeof not_plain / sizeof not_plain[0]; i++) {
		json_object *q = jsonfast_parse(not_plain[i], strlen(not_plain[i]));
		CHECK(q == NULL);
		if (q)
			fprintf(stderr, "  taken but not plain: %s\n", not_plain[i]);
		json_object_put(q);
	}
	/* A line is only its bytes: no reading past len. */
	CHECK(jsonfast_parse("{\"id\":12}", 8) == NULL);
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
