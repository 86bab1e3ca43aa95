"""Helpers shared by the benchmarks: timing a child under GNU time, the
spread of N runs, the machine's load.

Every timing is reported as the spread of N runs (min / median / max), never
as one number: the machine is shared, and a single run says little.
"""
import os
import signal
import statistics
import subprocess
import tempfile
import time


def spread(values, digits=3):
    """{"n", "min", "median", "max"} of a list of numbers."""
    if not values:
        return None
    return {"n": len(values), "min": round(min(values), digits),
            "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


def load():
    """The 1-minute load average and the number of CPUs, for the record."""
    return {"loadavg_1m": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count()}


def run_timed(argv, env, stdin=None):
    """Run argv under GNU time. Returns (CompletedProcess, wall s, peak RSS
    KiB, CPU s). The RSS is the child's own (ru_maxrss of a plain child of
    this Python process would count Python's pages)."""
    fd, path = tempfile.mkstemp()
    os.close(fd)
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-o", path, "-f", "%M %U %S"] +
                       argv, env=env, capture_output=True, text=True,
                       input=stdin)
    wall = time.monotonic() - t
    with open(path) as f:
        fields = f.read().split()
    os.unlink(path)
    rss = int(fields[-3]) if len(fields) >= 3 else 0
    cpu = float(fields[-2]) + float(fields[-1]) if len(fields) >= 3 else 0.0
    return p, wall, rss, cpu


class DiskLoad:
    """A background writer that keeps the page cache dirty, as the other
    processes on a shared build machine do (compilers, test logs). A
    program that calls fsync() then waits for the journal to flush their
    data too. Opt-in: it writes chunk_mb repeatedly into directory."""

    def __init__(self, directory, chunk_mb=300):
        self.path = os.path.join(directory, "diskload.bin")
        self.proc = subprocess.Popen(
            ["sh", "-c", "while :; do dd if=/dev/zero of=\"$1\" bs=1M "
             "count=%d status=none; sleep 0.5; done" % chunk_mb, "sh",
             self.path], start_new_session=True)

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait()
        try:
            os.unlink(self.path)
        except OSError:
            pass
