#!/usr/bin/env python3
"""Finding things and knowing what a key does: a smart-case filter, `i`
(only what is not complete), `s` (sort the apps), counts in the titles;
the status line offers only the keys that act on the selection; in
read-only mode an action key says "read-only"; Ctrl-Z suspends and `fg`
draws everything again.

The world of dashworld: alpha (2.1.0 missing, 2.0.0 complete, 1.9.0
staged), beta (complete), gamma (cannot be checked), delta (3.0.0 missing).
"""
import shlex
import unittest

from dashworld import DashboardTest
from mt import MIRRORTOP
from screen import Screen, cursor_app, idle, version_line


def status(s):
    lines = s.lines()
    return lines[-1] or lines[-2]


def app_rows(text):
    """The apps pane's app names, top to bottom."""
    out = []
    lines = text.split("\n")
    for line in lines[2:]:
        if not line.startswith(("> ", "  ")) or line[2:4].strip() not in \
                ("", "!"):
            break
        words = line[4:].split()
        if not words:
            break
        out.append(words[0])
    return out


class TestFilter(DashboardTest):
    def test_smart_case_and_counts(self):
        s = self.start(width=80, height=24)
        s.keys("/")
        s.literal("ALPHA")                # upper case: case matters
        s.keys("Enter")
        t = s.wait_text("no app matches the filter")
        self.assertIn("0 of 4 apps", t)
        s.keys("/")
        s.literal("alp")                  # lower case: any case
        s.keys("Enter")
        t = s.wait_for(lambda t: app_rows(t) == ["alpha"], what="alpha")
        self.assertIn("1 of 4 apps", t)
        s.keys("Escape")
        t = s.wait_for(lambda t: len(app_rows(t)) == 4, what="all apps")
        self.assertNotIn(" of 4 apps", t)
        # versions: lower case finds the tag whatever its case
        s.keys("Enter", "/")
        s.literal("V2")
        s.keys("Enter")
        t = s.wait_text("no version matches the filter")
        s.keys("/")
        s.literal("v2")
        s.keys("Enter")
        t = s.wait_text("2 of 3 versions")
        self.assertIsNotNone(version_line(t, "2.1.0"))
        self.assertIsNone(version_line(t, "1.9.0"))

    def test_incomplete_only(self):
        s = self.start(width=80, height=24)
        s.keys("i")
        t = s.wait_text("3 of 4 apps not complete")
        self.assertEqual(app_rows(t), ["alpha", "gamma", "delta"])
        s.keys("Enter")
        t = s.wait_text("2 of 3 versions not complete")
        self.assertIsNone(version_line(t, "2.0.0"))
        self.assertIsNotNone(version_line(t, "2.1.0"))
        self.assertIsNotNone(version_line(t, "1.9.0"))
        s.keys("i")
        t = s.wait_text("3 versions")
        self.assertIsNotNone(version_line(t, "2.0.0"))
        self.assertEqual(app_rows(t), ["alpha", "beta", "gamma", "delta"])

    def test_sort_apps(self):
        s = self.start(width=100, height=24)
        t = s.text()
        self.assertEqual(app_rows(t), ["alpha", "beta", "gamma", "delta"])
        s.keys("s")
        t = s.wait_text("sorted by name")
        self.assertEqual(app_rows(t), ["alpha", "beta", "delta", "gamma"])
        s.keys("s")
        t = s.wait_text("sorted by missing")
        rows = app_rows(t)
        self.assertEqual(rows[:2], ["alpha", "delta"])   # 2, then 1
        s.keys("s")
        t = s.wait_text("sorted by newest release")
        rows = app_rows(t)
        # delta's 3.0.0 (April) before alpha's 2.1.0 (March); gamma,
        # with no release known, last
        self.assertLess(rows.index("delta"), rows.index("alpha"), rows)
        self.assertEqual(rows[-1], "gamma", rows)
        # the selection stays on its app, wherever the app goes
        self.assertEqual(cursor_app(t), "alpha")
        s.keys("s")
        t = s.wait_for(lambda t: app_rows(t) == ["alpha", "beta", "gamma",
                                                 "delta"])
        self.assertEqual(cursor_app(t), "alpha")


class TestStatusLine(DashboardTest):
    def test_only_keys_that_act(self):
        s = self.start(width=200, height=50)
        s.keys("Enter")
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                   .startswith(">"))
        line = s.wait_for(lambda t: "b build" in status(s)) and status(s)
        self.assertNotIn("m merge", line)    # 2.1.0: nothing staged
        self.assertNotIn("c cancel", line)   # no job
        self.assertNotIn("l log", line)
        self.assertNotIn("x retry", line)
        # the actions come first, ? help and quit last
        self.assertLess(line.index("b build"), line.index("/ filter"))
        self.assertTrue(line.rstrip().endswith("q/^C quit"), line)
        s.keys("j")                         # 2.0.0: complete
        s.wait_for(lambda t: (version_line(t, "2.0.0") or "")
                   .startswith(">"))
        line = s.wait_for(lambda t: "b build" not in status(s)) and \
            status(s)
        for k in ("b build", "a arch", "m merge"):
            self.assertNotIn(k, line)
        self.assertIn("Space mark", line)
        s.keys("j")                         # 1.9.0: staged
        s.wait_for(lambda t: (version_line(t, "1.9.0") or "")
                   .startswith(">"))
        s.wait_for(lambda t: "m merge" in status(s))
        # an empty jobs pane offers nothing to do with a job
        s.keys("J")
        t = s.wait_text("no jobs")
        line = status(s)
        for k in ("c cancel", "l log", "x retry"):
            self.assertNotIn(k, line)


class TestReadOnlyKeys(DashboardTest):
    def test_action_key_says_read_only(self):
        s = self.start("--watch", width=80, height=24)
        s.keys("Enter")
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                   .startswith(">"))
        for key, what in (("b", "build"), ("m", "merge"), ("x", "retry")):
            s.keys(key)
            t = s.wait_text("read-only: %s (%s) is not available" %
                            (key, what))
            self.assertNotIn("Proceed?", t)
            s.keys("j", "k")
            s.wait_gone("read-only: %s" % key)


class TestSuspend(DashboardTest):
    def test_ctrl_z_and_fg(self):
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", PS1="shell$ ")
        s = Screen(["bash", "--norc", "--noprofile", "-i"], e, width=80,
                   height=24)
        self.screens.append(s)
        s.wait_text("shell$")
        s.literal("%s -c %s" % (shlex.quote(MIRRORTOP),
                                shlex.quote(self.env.config_path)))
        s.keys("Enter")
        s.wait_for(lambda t: "2.1.0" in t and idle(t) and
                   "last never" not in t, what="the dashboard")
        s.keys("j")
        s.wait_for(lambda t: cursor_app(t) == "beta")
        s.keys("C-z")
        t = s.wait_text("Stopped")
        s.wait_for(lambda t: t.rstrip().endswith("shell$"),
                   what="the prompt back")
        s.literal("fg")
        s.keys("Enter")
        t = s.wait_for(lambda t: cursor_app(t) == "beta" and "[RW]" in t,
                       what="the dashboard drawn again")
        self.assertNotIn("shell$", t)
        s.keys("q")
        s.wait_for(lambda t: t.rstrip().endswith("shell$"),
                   what="the shell after q")


if __name__ == "__main__":
    import taprun
    taprun.main()
