"""Every server a test starts dies with the test process, however it ends.

    import lifecycle
    p = subprocess.Popen(argv, preexec_fn=lifecycle.die_with_parent(),
                         start_new_session=True)
    lifecycle.track(p.pid)          # its process group dies with us
    ...
    lifecycle.untrack(p.pid)        # after stopping it normally

Two independent mechanisms, because either alone has a gap:

- die_with_parent() is a preexec_fn that asks the kernel to SIGKILL the
  child when the process that started it dies (PR_SET_PDEATHSIG). It covers
  a SIGKILLed test process, but not grandchildren, nor a daemon that forks
  away from its parent (tmux).
- track(pgid) hands a process group to a guardian: a small process in its
  own session that holds the read end of a pipe from the test process. When
  the test process ends in any way (exit, exception, SIGKILL, the whole
  process group killed by make or a terminal), the pipe reaches end of file
  and the guardian SIGKILLs every process group still tracked, then exits.

Servers in threads of the test process (upstream.Upstream, the token
server) need neither: they die with it.
"""
import ctypes
import os
import signal
import subprocess
import sys
import threading

PR_SET_PDEATHSIG = 1

_libc = None


def die_with_parent():
    """A preexec_fn: the child gets SIGKILL when this process dies.

    The kernel sends the signal when the starting *thread* ends, so from
    any thread but the main one this returns None (the guardian still
    covers the child)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec():
        global _libc
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died before the request took effect.
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
    return preexec


# The guardian: reads "+PGID" / "-PGID" lines; at end of file kills what is
# still tracked. It ignores SIGINT/SIGTERM/SIGHUP so that a signal sent to
# the test's whole process group or terminal cannot stop it before the pipe
# closes.
_GUARDIAN = r"""
import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
groups = set()
for line in sys.stdin.buffer:
    line = line.strip()
    if line[:1] == b"+":
        groups.add(int(line[1:]))
    elif line[:1] == b"-":
        groups.discard(int(line[1:]))
for g in groups:
    for kill in (os.killpg, os.kill):
        try:
            kill(g, signal.SIGKILL)
            break
        except OSError:
            pass
"""

_guardian = None    # (owner pid, Popen)


def _guardian_pipe():
    global _guardian
    if _guardian is None or _guardian[0] != os.getpid():
        p = subprocess.Popen([sys.executable, "-c", _GUARDIAN],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        _guardian = (os.getpid(), p)
    return _guardian[1].stdin


def _send(line):
    try:
        w = _guardian_pipe()
        w.write(line.encode() + b"\n")
        w.flush()
    except (OSError, ValueError):
        pass


def track(pgid):
    """Kill process group PGID (or process PGID) when this process ends."""
    _send("+%d" % pgid)


def untrack(pgid):
    """PGID was stopped normally: forget it (its number may be reused)."""
    _send("-%d" % pgid)


def popen(argv, **kw):
    """subprocess.Popen for a server: its own process group, killed by the
    kernel and by the guardian when this process dies."""
    kw.setdefault("start_new_session", True)
    if kw.get("preexec_fn") is None:
        kw["preexec_fn"] = die_with_parent()
    p = subprocess.Popen(argv, **kw)
    track(p.pid)
    return p
