/*
 * wisjson calls, planning (call.c sends them): the steps of a batch method
 * planned method by method, and every step checked against its method's
 * table row and the caller's guard before anything is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "call_int.h"

/* Method that planned step i of k. */
static const struct wisj_method *step_method(const struct wisj_call *k, int i)
{
	for (int p = 0; p < k->nparts; p++)
		if (i >= k->parts[p].first && i < k->parts[p].first + k->parts[p].n)
			return k->parts[p].m;
	return k->m;
}

static bool method_has_op(const struct wisj_method *m, uint16_t op)
{
	for (int i = 0; i < WISJ_METHOD_OPS && m->ops[i]; i++)
		if (m->ops[i] == op)
			return true;
	return false;
}

/* Every step must be an opcode its method declares (so the method's
 * permission class in rpc.discover is true), and the guard may refuse. */
int wisj_call_guard(wisj_ctx *c, struct wisj_call *k, struct wisj_error *e)
{
	for (int i = 0; i < k->plan.n; i++) {
		const struct wisj_step *s = &k->plan.steps[i];
		const struct wisj_method *m = step_method(k, i);
		if (m && !method_has_op(m, s->op->opcode)) {
			wisj_error_set(e, WISJ_INTERNAL_ERROR,
			               "%s planned %s, not in its table row", m->name, s->op->name);
			return -1;
		}
		if (c->guard && c->guard(c->guard_user, k->user, s->op, s->res, e) < 0)
			return -1;
	}
	return 0;
}

int wisj_call_plan_batch(wisj_ctx *c, struct wisj_call *k, struct wisj_error *e)
{
	json_object *steps = NULL, *soe = NULL;
	json_object_object_get_ex(k->params, "steps", &steps);
	if (json_object_object_get_ex(k->params, "stop_on_error", &soe))
		k->stop_on_error = json_object_get_boolean(soe);
	size_t n = json_object_array_length(steps);
	k->parts = calloc(n, sizeof *k->parts);
	if (!k->parts) {
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *st = json_object_array_get_idx(steps, i), *mn, *pa = NULL;
		json_object_object_get_ex(st, "method", &mn);
		json_object_object_get_ex(st, "params", &pa);
		const char *name = json_object_get_string(mn);
		/* A NUL inside the name must not make "system.ping\u0000zz" match. */
		const struct wisj_method *m =
		    name && strlen(name) == (size_t)json_object_get_string_len(mn)
		        ? wisj_method_find(name)
		        : NULL;
		if (!m || !(m->flags & WISJ_M_BATCHABLE)) {
			wisj_error_set(e, WISJ_INVALID_PARAMS, "batch step %zu: %s%s", i, name,
			               m ? " cannot be a batch step" : " is not a method");
			return -1;
		}
		struct wisj_part *p = &k->parts[k->nparts];
		p->params = wisj_params_check(m, pa, e);
		if (!p->params)
			goto step_fail;
		k->nparts++;
		p->m = m;
		p->first = k->plan.n;
		k->plan.m = m;
		k->plan.ctx = c;
		if (m->plan(c->dev, p->params, &k->plan, e) < 0)
			goto step_fail;
		p->n = k->plan.n - p->first;
		continue;
	step_fail : {
		char msg[sizeof e->message];
		memcpy(msg, e->message, sizeof msg);
		wisj_error_set(e, e->code, "batch step %zu (%s): %s", i, name, msg);
		return -1;
	}
	}
	return 0;
}
