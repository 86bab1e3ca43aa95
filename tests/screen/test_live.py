#!/usr/bin/env python3
"""The dashboard shows what is happening as it happens: an arch being
built or waiting reads so in its cell (without colour too), a job shows
how long it has run, a job that ends elsewhere refreshes its app at once,
and a watch screen shows every job, read-only.

The world of test_actions (alpha: 2.1.0 missing, 2.0.0 complete and
`latest`, 1.9.0 staged on both archs, 1.8.0 missing).
"""
import json
import os
import re
import sys
import unittest

from test_actions import BUILDERS, complete, job_rows, push_argv
from test_others import OthersTest
from screen import version_line  # noqa: E402

BUILDING = "\u21bb"     # an arch whose job runs
QUEUED = "\u25cc"       # an arch whose job waits for a slot


class LiveTest(OthersTest):
    def one_slot(self):
        """A hanging builder and one job at a time."""
        self.hang_config()
        with open(self.env.config_path) as f:
            cfg = json.load(f)
        cfg["jobs"] = 1
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)


class TestCells(LiveTest):
    def check_cells(self, env=None):
        self.one_slot()
        s = self.start(width=80, height=24, env=env)
        s.keys("b")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        line = version_line(s.wait_for(
            lambda t: BUILDING + " amd64" in (version_line(t, "2.1.0") or ""),
            timeout=30, what="2.1.0 amd64 building"), "2.1.0")
        # one arch runs, the other waits for the slot: two glyphs; the
        # plan's first step (amd64) is the one started first
        self.assertIn(QUEUED + " arm64", line)
        self.assertNotIn("\u2717", line)      # not shown as missing
        # the other versions keep their registry state
        self.assertIn("\u25d0 amd64", version_line(s.text(), "1.9.0"))
        s.keys("Tab", "G")                 # #1, the running one
        s.wait_for(lambda t: any(l.startswith("> #1 ") and "amd64" in l
                                 for l in t.split("\n")),
                   timeout=30, what="the running job")
        s.keys("c")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        # the cancelled arch is missing again; the waiting one now runs
        line = version_line(s.wait_for(
            lambda t: "\u2717 amd64" in (version_line(t, "2.1.0") or ""),
            timeout=30, what="amd64 cancelled"), "2.1.0")
        line = version_line(s.wait_for(
            lambda t: BUILDING + " arm64" in (version_line(t, "2.1.0")
                                              or ""),
            timeout=30, what="arm64 building"), "2.1.0")
        self.assertNotIn(QUEUED, line)
        return s

    def test_building_and_queued_cells(self):
        self.check_cells()

    def test_cells_without_colour(self):
        s = self.check_cells(env={"NO_COLOR": "1"})
        self.assertIsNone(re.search(r"\x1b\[[0-9;]*3[0-7]m",
                                    s.text(escapes=True)))


class TestElapsed(LiveTest):
    def test_running_job_shows_attempt_and_time(self):
        self.hang_config()
        s = self.start(width=80, height=24)
        s.keys("a", "Enter")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        self.hang_pid("amd64")
        row = re.compile(r"^[> ] #1\s+running\s+1/1\s+(\d+)s\s+alpha 2.1.0 "
                         r"amd64")

        def secs(t):
            for line in t.split("\n"):
                m = row.match(line)
                if m:
                    return int(m.group(1))
            return None
        first = secs(s.wait_for(lambda t: secs(t) is not None, timeout=30,
                                what="the running job's time"))
        # it counts on by itself, without a key or a refresh
        s.wait_for(lambda t: (secs(t) or 0) >= first + 2, timeout=30,
                   what="the time to move on")


class TestOtherEnds(LiveTest):
    def test_other_process_build_refreshes_at_once(self):
        self.config(push_argv())
        s = self.start(width=80, height=24)
        t = s.text()
        self.assertFalse(complete(t, "2.1.0"))
        r = self.env.run("build", "alpha", "2.1.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        # no key, no interval (an hour): the job's end refreshed the app
        s.wait_for(lambda t: complete(t, "2.1.0"), timeout=30,
                   what="2.1.0 complete after another process built it")

    def test_watch_shows_other_jobs(self):
        self.hang_config()
        self.cli_background(self.env.config_path, "build", "alpha", "2.1.0",
                            "--arch", "amd64")
        self.hang_pid("amd64")
        s = self.start("--watch", width=80, height=24)
        t = s.wait_text("(other) alpha 2.1.0 amd64", timeout=30)
        self.assertEqual(job_rows(t), [(1, "running")])
        self.assertIn(BUILDING + " amd64", version_line(t, "2.1.0"))
        self.assertIn("[R]", s.lines()[0])
        # its log, read-only
        s.keys("Tab")
        s.wait_for(lambda t: any(l.startswith("> #1 ") for l in
                                 t.split("\n")), what="the jobs pane")
        s.keys("l")
        s.wait_text("hang: building forever")
        s.keys("Escape")
        s.keys("q")
        self.assertEqual(s.exited(), 0)


if __name__ == "__main__":
    import taprun
    taprun.main()
