"""docs/api.md and wisd agree on what exists: every method and topic that
rpc.discover lists has its row in docs/api.md's tables, and every dotted
name a table row documents is a method or a topic wisd knows.  A method
added without its docs, or docs left behind by a rename, fail here."""
import os
import re

from wisdtest import env  # noqa: F401  (the fixture)

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ROW = re.compile(r"^\| `([a-z0-9_]+(?:\.[a-z0-9_]+)*)`")


def documented():
    with open(os.path.join(SOURCE, "docs", "api.md")) as f:
        return {m.group(1) for line in f for m in [ROW.match(line)] if m}


def test_every_method_and_topic_documented(env):
    c = env.client()
    d = c.call("rpc.discover")
    methods = {m["name"] if isinstance(m, dict) else m for m in d["methods"]}
    topics = set(d["topics"])
    docs = documented()
    assert methods - docs == set(), "methods without a row in docs/api.md"
    assert topics - docs == set(), "topics without a row in docs/api.md"
    # Undotted first cells are also config keys (device, socket, ...); a
    # dotted one is a method or a topic.
    dotted = {n for n in docs if "." in n}
    assert dotted - methods - topics == set(), "docs/api.md rows naming no method or topic"
