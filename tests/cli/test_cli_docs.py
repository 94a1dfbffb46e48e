"""docs/cli.md's command table and wisctl agree: every command `wisctl
--help` lists has its row, and every row names a command wisctl knows
(`wisctl help WORDS` succeeds).  A command added without its docs, or a row
left behind by a rename, fails here."""
import os
import re
import subprocess

WISCTL = os.environ.get("WISCTL", "wisctl")
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "cli.md")


def listed():
    out = subprocess.run([WISCTL, "--help"], capture_output=True, text=True).stdout
    body = out.split("\ncommands", 1)[1].split(":\n", 1)[1].split("\n\n", 1)[0]
    names = set()
    for line in body.splitlines():
        m = re.match(r"  (\S+(?: [a-z0-9-]+)?)  +\S", line)
        if m and not line.startswith("   "):
            names.add(m.group(1))
    return names


def documented():
    names = set()
    with open(DOC) as f:
        for line in f:
            m = re.match(r"^\| `([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?)", line)
            if m and not line.startswith("| `--"):
                names.add(m.group(1))
    return names


def test_every_command_has_its_row():
    cmds, rows = listed(), documented()
    assert len(cmds) > 30, cmds
    # a row's second word may be an argument ("call METHOD" is upper case
    # and not matched; "gpio get" is a command of two words)
    two = {r for r in rows if " " in r}
    one = {r for r in rows if " " not in r}
    missing = {c for c in cmds if c not in two and c not in one}
    assert not missing, "commands without a row in docs/cli.md: %s" % sorted(missing)
    for r in rows:
        if r in cmds or r.split()[0] in cmds:
            continue
        rc = subprocess.run([WISCTL, "help", *r.split()], capture_output=True).returncode
        assert rc == 0, "docs/cli.md documents '%s', which wisctl does not know" % r
