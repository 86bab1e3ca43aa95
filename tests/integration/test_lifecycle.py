#!/usr/bin/env python3
"""Nothing a test starts outlives it: a registry, a tmux server with the
program under test, any server started through lifecycle.popen die when
the test process is killed, even with SIGKILL, even with its whole
process group."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

SRCDIR = os.environ.get("MT_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
LIB = os.path.join(SRCDIR, "tests", "lib")
sys.path.insert(0, LIB)

# A test process: starts the servers, prints their pids, waits forever.
CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path[:0] = [%r, %r]
    import lifecycle, world
    from screen import Screen
    reg = world.Registry()
    scr = Screen(["sleep", "3600"], dict(os.environ))
    pane = scr.pane_pid()
    srv = lifecycle.popen(["sleep", "3600"])
    print(reg.proc.pid, scr.server_pid, pane, srv.pid, flush=True)
    time.sleep(3600)
""") % (LIB, os.path.join(SRCDIR, "tests", "screen"))


def alive(pid):
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


class DieWithTheTest(unittest.TestCase):
    def run_and_kill(self, kill):
        p = subprocess.Popen([sys.executable, "-c", CHILD],
                             stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
        try:
            line = p.stdout.readline()
            pids = [int(x) for x in line.split()]
            self.assertEqual(len(pids), 4, "child started: %r" % line)
            for pid in pids:
                self.assertTrue(alive(pid), "%d running" % pid)
            kill(p)
            p.wait(30)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(map(alive, pids)):
                time.sleep(0.1)
            left = [pid for pid in pids if alive(pid)]
            self.assertEqual(left, [], "registry, tmux server, its pane, "
                             "a server: none outlives the test process")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()

    def test_sigkill_of_the_test_process(self):
        self.run_and_kill(lambda p: p.kill())

    def test_sigkill_of_its_process_group(self):
        self.run_and_kill(lambda p: os.killpg(p.pid, signal.SIGKILL))

    def test_sigterm_of_its_process_group(self):
        self.run_and_kill(lambda p: os.killpg(p.pid, signal.SIGTERM))


if __name__ == "__main__":
    import taprun
    taprun.main()
