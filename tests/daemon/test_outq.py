"""wisd's output coalescing (daemon/outq.c): answers ready in one loop
pass leave in one write() per client.  Requests that wisd answers itself
(daemon.status) are all answered while it handles the one read that
brought them, so N of them sent at once must cost wisd one write
system call, counted in /proc/PID/io (syscw): N before coalescing."""
import json

from wisdtest import Setup


def syscw(pid):
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    raise AssertionError("no syscw in /proc/%d/io" % pid)


def test_answers_of_one_pass_leave_in_one_write():
    # Only errors are logged, so the log file takes no writes meanwhile.
    s = Setup(wisd_args=("--log-level", "error"))
    try:
        c = s.wisd.client()
        c.call("daemon.status")  # connected, device up, everything logged
        n = 6
        for attempt in range(3):
            before = syscw(s.wisd.p.pid)
            c.send_raw("".join(json.dumps({"jsonrpc": "2.0", "method": "daemon.status",
                                           "id": 100 * attempt + i}) + "\n"
                               for i in range(n)))
            got = [c.recv(5) for _ in range(n)]
            assert [r["id"] for r in got] == [100 * attempt + i for i in range(n)]
            assert all("result" in r for r in got)
            writes = syscw(s.wisd.p.pid) - before
            if writes == 1:
                break
            # A timer or the device link may have written meanwhile: again.
        assert writes == 1, "%d answers took %d writes" % (n, writes)
    finally:
        s.close()


def test_ping_answers_printed_as_text_or_built_read_the_same():
    """system.ping's result is printed straight from the module's answer
    when its data needs no escapes (lib/json methods.c ping_print), else
    built as an object: both read as the data sent, in the same envelope,
    single or in a batch, and a notification gets no answer."""
    s = Setup()
    try:
        c = s.wisd.client()
        c.send_raw('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"a b/c~"},"id":7}\n')
        assert c.recv_line(5) == b'{"jsonrpc":"2.0","result":{"data":"a b/c~"},"id":7}'
        for data in ["", "plain", 'q"uote', "back\\slash", "tab\tnl\n\x01", "caf\u00e9", "x" * 200]:
            assert c.call("system.ping", {"data": data}) == {"data": data}, repr(data)
        c.send_raw('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"n"}}\n'
                   '[{"jsonrpc":"2.0","method":"system.ping","params":{"data":"b1"},"id":"x"},'
                   '{"jsonrpc":"2.0","method":"system.ping","params":{"data":"b\\"2"},"id":9}]\n')
        batch = json.loads(c.recv_line(5))  # the notification was not answered
        assert batch == [{"jsonrpc": "2.0", "result": {"data": "b1"}, "id": "x"},
                         {"jsonrpc": "2.0", "result": {"data": 'b"2'}, "id": 9}]
    finally:
        s.close()
