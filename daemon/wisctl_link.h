/*
 * wisctl's two ways to reach a module, behind one interface: JSON-RPC over
 * wisd's socket (the default), or the module itself through libwisrpc and
 * the same wisjson mapping wisd uses (--device PATH).  Either way a command
 * makes calls by method name and reads notifications.
 */
#ifndef WISCTL_LINK_H
#define WISCTL_LINK_H

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>

#include "wisjson.h"

/* wisctl exit codes (docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,      /* the operation failed on the device */
	EXIT_USAGE = 2,       /* bad command line or parameters */
	EXIT_UNREACHABLE = 3, /* daemon or device unreachable */
	EXIT_TIMEOUT = 4,
};

/* Set by SIGINT/SIGTERM; waits for events return when it is set. */
extern volatile sig_atomic_t wisctl_interrupted;

struct link;

/* NULL on failure, with a one-line reason in err. */
struct link *link_open_socket(const char *path, char *err, size_t errlen);
struct link *link_open_device(const char *path, unsigned timeout_ms, char *err, size_t errlen);
void link_close(struct link *l);

/*
 * One call.  Returns 0 with *result (caller puts it), or an exit code with
 * e filled: device/daemon errors as returned, plus link failures (no
 * answer in timeout_ms -> TIMEOUT, connection lost -> UNAVAILABLE).
 */
int link_call(struct link *l, const char *method, json_object *params, json_object **result,
              struct wisj_error *e, unsigned timeout_ms);

/* link_call with params as JSON text (NULL for none): a command whose
 * params are a few strings sends its request without making json-c
 * objects first (with --device the text is parsed). */
int link_call_text(struct link *l, const char *method, const char *params, json_object **result,
                   struct wisj_error *e, unsigned timeout_ms);
/* link_call_text for a command that can print a plain answer from its
 * text: when wisd's answer is {"jsonrpc":"2.0","result":R,"id":N}, as it
 * prints every success, print(R, length of R, user) is tried first; if it
 * printed R (true) the call returns 0 with *result NULL, otherwise (and
 * with --device) the answer is parsed and returned as link_call_text does.
 * gpio get's answer costs no JSON objects that way. */
int link_call_print(struct link *l, const char *method, const char *params,
                    bool (*print)(const char *result, size_t len, void *user), void *user,
                    json_object **result, struct wisj_error *e, unsigned timeout_ms);
/* {"key":["argv[0]",...]} as JSON text for link_call_text (malloc'ed). */
char *link_json_strings(const char *key, int argc, char **argv);

/*
 * Calls of one method pipelined: requests 0..n-1, at most depth in flight
 * (a sliding window: a new one goes out as each answer comes).  make(i)
 * returns request i's params (a new reference, the link drops it); got(i)
 * gets each result, in the order answers come (borrowed), and returns 0 or
 * an exit code with e set to stop.  After a failure nothing more is sent;
 * the calls in flight are waited for.  timeout_ms bounds the wait for the
 * next answer.  Returns 0, or the first failure's exit code with e set.
 */
typedef json_object *(*link_make_fn)(size_t i, void *user);
typedef int (*link_got_fn)(size_t i, json_object *result, void *user, struct wisj_error *e);
int link_call_pipelined(struct link *l, const char *method, size_t n, unsigned depth,
                        link_make_fn make, link_got_fn got, void *user, struct wisj_error *e,
                        unsigned timeout_ms);

/* Next notification {"method":..,"params":..}: 1 and *out (caller puts),
 * 0 on timeout (timeout_ms < 0 waits forever), -1 interrupted, -2 link
 * lost (err filled). */
int link_next_event(struct link *l, json_object **out, int timeout_ms, char *err, size_t errlen);

/* Socket link only: the connection's fd to poll (-1 for --device). */
int link_fileno(const struct link *l);
/* Sends method(params) with fd passed alongside (SCM_RIGHTS, the caller
 * keeps its copy); *id names the answer for link_poll_answer().  0, or an
 * exit code with e set (--device: METHOD_NOT_FOUND). */
int link_send_fd(struct link *l, const char *method, json_object *params, int fd, int *id,
                 struct wisj_error *e);
/* Reads what the socket has (waiting up to timeout_ms): 1 once the answer
 * to id came, with *rc 0 and *result, or an exit code and e; 0 not yet;
 * -1 interrupted; -2 connection lost (e set). */
int link_poll_answer(struct link *l, int id, int timeout_ms, json_object **result,
                     struct wisj_error *e, int *rc);

/* Monotonic milliseconds (deadlines of waits). */
int64_t link_now_ms(void);

/* True for --device (no wisd in between). */
bool link_is_direct(const struct link *l);

/* Exit code for a JSON-RPC error code. */
int exit_code_for(int jsonrpc_code);

#endif
