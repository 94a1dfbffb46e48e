"""docs/api.md's Examples replayed against wisd on a simulated module: each
```json replay block's requests are sent in order on one connection, and
each answer (→) and notification (⇐) must match the documented one, where
"..." is any value and an object with a "...": "..." member may have more
members.  Every method rpc.discover lists must have an example."""
import json
import os

from wisdtest import Setup

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def examples():
    """[(line number, kind, JSON)] with kind '>' request, '=' answer, '<' notification."""
    out, inside = [], False
    with open(os.path.join(SOURCE, "docs", "api.md"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if s.startswith("```"):
                inside = s == "```json replay"
                continue
            if not inside or not s:
                continue
            if s.startswith("→"):
                out.append((n, "=", json.loads(s[1:])))
            elif s.startswith("⇐"):
                out.append((n, "<", json.loads(s[1:])))
            else:
                out.append((n, ">", s))
    return out


def match(doc, act):
    if doc == "...":
        return True
    if isinstance(doc, dict):
        if not isinstance(act, dict):
            return False
        keys = set(doc) - {"..."}
        if "..." in doc:
            if not keys <= set(act):
                return False
        elif keys != set(act):
            return False
        return all(match(doc[k], act[k]) for k in keys)
    if isinstance(doc, list):
        return isinstance(act, list) and len(doc) == len(act) and all(
            match(d, a) for d, a in zip(doc, act))
    if isinstance(doc, bool) or isinstance(act, bool):
        return doc is act
    return doc == act


def test_match_rules():
    assert match({"a": "...", "b": [1, 2]}, {"a": {"x": 1}, "b": [1, 2]})
    assert not match({"a": 1}, {"a": 1, "b": 2})
    assert match({"a": 1, "...": "..."}, {"a": 1, "b": 2})
    assert not match({"a": 1, "...": "..."}, {"b": 2})
    assert not match([1, 2], [1, 2, 3]) and not match(1, True) and not match("x", "y")


def test_examples_replay():
    ex = examples()
    st = Setup()
    try:
        c = st.client()
        discovered = {m["name"] for m in c.call("rpc.discover")["methods"]}
        shown = {json.loads(s)["method"] for _, k, s in ex if k == ">"}
        assert discovered - shown == set(), "methods without an example in docs/api.md"
        rid = None
        for n, kind, v in ex:
            if kind == ">":
                rid = json.loads(v)["id"]
                c.send_raw(v + "\n")
            elif kind == "=":
                got = c.response(rid)
                assert match(v, got), "docs/api.md:%d: %s\n   got %s" % (n, v, got)
            else:
                got = c.notification(v["method"], timeout=3)
                assert match(v, got), "docs/api.md:%d: %s\n   got %s" % (n, v, got)
    finally:
        st.close()
