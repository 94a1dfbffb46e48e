"""bash completion for wisctl: sourced in bash, _wisctl called with
COMP_WORDS as bash would; its lists are checked against wisctl's command
table, the module's pin table and wisd's topics."""
import json
import os
import re
import subprocess

from wisdtest import WISCTL, wisctl

SCRIPT = os.environ["WISRPC_COMPLETION"]


def complete(*words, line=None):
    """COMPREPLY for the words (the last one being completed)."""
    arr = " ".join("'%s'" % w for w in words)
    prog = ('source "$1"; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE="$2"; COMP_POINT=${#2}; '
            '_wisctl; printf "%%s\\n" "${COMPREPLY[@]}"' % (arr, len(words) - 1))
    r = subprocess.run(["bash", "--norc", "-c", prog, "bash", SCRIPT,
                        line if line is not None else " ".join(words)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return [l for l in r.stdout.splitlines() if l]


def test_commands_match_the_table():
    out = subprocess.run([WISCTL, "help"], capture_output=True, text=True).stdout
    table = re.findall(r"^  (\S+(?: [a-z]+)?)  +\S", out.split("\ncommands")[1], re.M)
    tops = sorted({c.split()[0] for c in table} | {"help"})
    assert sorted(complete("wisctl", "")) == tops
    for top in {c.split()[0] for c in table if " " in c}:
        subs = [c.split()[1] for c in table if c.startswith(top + " ")]
        assert complete("wisctl", top, "") == subs, top
        assert complete("wisctl", "--json", top, "") == subs, top
    assert complete("wisctl", "gp") == ["gpio"]
    assert complete("wisctl", "--socket", "/tmp/x", "st") == ["status"]
    assert sorted(complete("wisctl", "help", "")) == tops
    assert complete("wisctl", "help", "radio", "c") == ["config", "cad"]
    assert "--version" in complete("wisctl", "--")


def test_pins_and_topics_match_the_module(env):
    pins = json.loads(wisctl(env.wisd.sock, "--json", "pins").stdout)["pins"]
    io = sorted(p["name"] for p in pins if p.get("kind", "IO") == "IO")
    assert sorted(complete("wisctl", "gpio", "get", "")) == io
    assert sorted(complete("wisctl", "adc", "read", "")) == io
    assert complete("wisctl", "gpio", "watch", "SW") == ["SW1"]
    assert complete("wisctl", "gpio", "set", "LED", line="wisctl gpio set LED") == \
        ["LED1=", "LED2=", "LED3="]
    # bash splits "LED1=" at '=': the word is then what follows it
    assert complete("wisctl", "gpio", "set", "LED1", "=", "", line="wisctl gpio set LED1=") == \
        ["0", "1"]
    topics = env.client().call("rpc.discover")["topics"]
    assert sorted(complete("wisctl", "subscribe", "")) == sorted(topics + ["--count"])
    assert complete("wisctl", "gpio", "mode", "SW1", "output_") == ["output_open_drain"]
    assert complete("wisctl", "gpio", "watch", "SW1", "--edge", "") == ["rising", "falling", "both"]
