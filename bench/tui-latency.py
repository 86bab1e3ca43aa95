#!/usr/bin/env python3
"""tui-latency.py [N] [--apps A [--versions V]]: key-to-screen latency of
the dashboard while a refresh is in flight.

Without --apps: 4 apps whose upstream holds every request for 30 s.
With --apps: the world of bench/scale.py (A apps x V versions in the real
registry, a static upstream, no added delay), so that keys are pressed
while the dashboard takes in thousands of answers; keys are sent from the
moment the refresh starts until it ends or N samples are in.

The upstream imitation holds every GitHub request for 30 s, so the
dashboard's first refresh stays in flight for the whole run. Keys (j/k)
are sent through tmux and capture-pane is polled until the row cursor has
moved; the time from sending to seeing is one sample. Keys and captures go
through one tmux control-mode client (a tmux command line costs ~10 ms to
start, which would swamp what is measured); the polling is still included,
so the numbers are an upper bound. Target: p99 under 20 ms. Prints
min / median / p95 / p99 / max and the load average.

    MIRRORTOP  the binary (default ./mirrortop); MT_SRCDIR the source tree
"""
import argparse
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MT_SRCDIR", os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "screen"))
os.environ.setdefault("MIRRORTOP", os.path.abspath("mirrortop"))

sys.path.insert(0, HERE)
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402
from screen import Screen, cursor_line  # noqa: E402

APPS = ("alpha", "beta", "gamma", "delta")


class Control:
    """One tmux control-mode client: commands in, their output back."""

    def __init__(self, screen):
        screen._tmux("set-option", "-g", "window-size", "manual")
        self.p = subprocess.Popen(
            ["tmux", "-u", "-L", screen.sock, "-C", "attach", "-t", "mt"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=screen.env, bufsize=1)
        self.replies = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.replies.get(timeout=10)   # the attach command's own reply

    def _read(self):
        block = None
        for line in self.p.stdout:
            line = line.rstrip("\n")
            if block is None and line.startswith("%begin"):
                block = []
            elif block is not None and (line.startswith("%end") or
                                        line.startswith("%error")):
                self.replies.put(block)
                block = None
            elif block is not None:
                block.append(line)
        self.replies.put(None)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        r = self.replies.get(timeout=10)
        if r is None:
            raise SystemExit("tui-latency: tmux control client ended")
        return r

    def text(self):
        return "\n".join(self.cmd("capture-pane -p -t mt"))

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=60)
    ap.add_argument("--apps", type=int, default=0)
    ap.add_argument("--versions", type=int, default=10)
    args = ap.parse_args()
    n = args.n
    reg = world.Registry()
    up = None
    env = Env()
    screen = None
    load0 = os.getloadavg()[0]
    try:
        if args.apps:
            import scale
            import status
            data = scale.build_world(reg, args.apps, args.versions)
            up = status.StaticGitHub(data)
            names = ["app%d" % a for a in range(args.apps)]
            env.write_config(reg.host, [github_app(a, up, "bench/" + a)
                                        for a in names],
                             namespace="bench/mirror",
                             max_versions=args.versions,
                             refresh_interval=3600)
        else:
            up = Upstream()
            up.start()
            names = list(APPS)
            for a in APPS:
                up.data["github"]["acme/" + a] = {"releases": [
                    gh_release("v1.%d.0" % i, repo="acme/" + a)
                    for i in range(5)]}
            up.faults["/github/"] = ["slow:30"] * 100
            env.write_config(reg.host, [github_app(a, up, "acme/" + a)
                                        for a in APPS], refresh_interval=3600)
        word = re.compile(r"(^|\s)%s(\s|$)" % re.escape(names[0]))

        def on_first(line):
            return line is not None and word.search(line) is not None
        e = dict(env.env, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        screen = Screen([MIRRORTOP, "-c", env.config_path, "--watch"], e)
        screen.wait_for(lambda t: "refreshing" in t and
                        on_first(cursor_line(t)))
        ctl = Control(screen)
        samples = []
        for i in range(n):
            text = ctl.text()
            if args.apps and "refreshing" not in text:
                break
            before = cursor_line(text)
            key = "j" if on_first(before) else "k"
            t0 = time.perf_counter()
            ctl.cmd("send-keys -t mt " + key)
            while True:
                line = cursor_line(ctl.text())
                if line != before and line is not None:
                    break
                if time.perf_counter() - t0 > 5:
                    raise SystemExit("tui-latency: no reaction to %r" % key)
            samples.append((time.perf_counter() - t0) * 1000)
        if not args.apps and "refreshing" not in ctl.text():
            raise SystemExit("tui-latency: the refresh ended during the run")
        ctl.close()
    finally:
        if screen is not None:
            screen.close()
        if up is not None:
            if hasattr(up, "faults"):
                up.faults.clear()
            up.stop()
        reg.stop()
        env.__exit__(None)
    if not samples:
        raise SystemExit("tui-latency: the refresh ended before any key")
    samples.sort()

    def pct(q):
        return samples[min(len(samples) - 1,
                           max(0, int(round(q * len(samples))) - 1))]
    med = statistics.median(samples)
    ok = pct(0.99) < 20
    print("tui-latency: %d keys during a refresh of %d apps: min %.1f ms, "
          "median %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms "
          "(target p99 < 20 ms): %s; load average %.1f before, %.1f after"
          % (len(samples), len(names), samples[0], med, pct(0.95),
             pct(0.99), samples[-1], "ok" if ok else "OVER", load0,
             os.getloadavg()[0]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
