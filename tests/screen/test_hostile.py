#!/usr/bin/env python3
"""The dashboard against failing and hostile upstreams."""
import re
import unittest

from dashworld import DashboardTest
from mt import github_app
from screen import cursor_app, cursor_version


class TestErrors(DashboardTest):
    def test_unreachable_app_marked(self):
        s = self.start()
        t = s.text()
        gamma = [l for l in t.split("\n") if "gamma" in l][0]
        self.assertIn("!", gamma[:gamma.index("gamma")])
        alpha = [l for l in t.split("\n") if "alpha" in l][0]
        self.assertNotIn("!", alpha)

    def test_error_on_status_line(self):
        s = self.start()
        self.assertNotIn("gamma:", s.text())
        s.keys("j", "j")
        t = s.wait_for(lambda t: cursor_app(t) == "gamma")
        lines = [l for l in t.rstrip("\n").split("\n")]
        msg = lines[-2]
        self.assertTrue(msg.startswith("! gamma: "), msg)
        self.assertIn("404", msg)
        # one line, cut to the width
        self.assertLessEqual(len(msg), 100)
        s.keys("j")
        s.wait_for(lambda t: cursor_app(t) == "delta")
        self.assertNotIn("! gamma:", s.text())

    def test_server_error_500(self):
        self.up.faults["/gitlab/"] = ["500"] * 40      # beta only
        try:
            s = self.start(ready=False)
            s.keys("j")
            t = s.wait_for(lambda t: "! beta:" in t, timeout=30)
        finally:
            self.up.faults.clear()
        beta = [l for l in t.split("\n") if "beta" in l][0]
        self.assertIn("!", beta)
        msg = [l for l in t.split("\n") if l.startswith("! beta:")][0]
        self.assertIn("500", msg)
        self.assertNotIn("<", msg)      # no HTML page dumped on screen


class TestSlowAndLimited(DashboardTest):
    def test_rate_limited_header(self):
        # GitHub apps only: the fixture's host then speaks for GitHub alone
        self.env.write_config(self.reg.host, [
            github_app("alpha", self.up, "acme/alpha")],
            refresh_interval=3600)
        self.up.faults["/github/"] = ["403-primary:1800"] * 10
        try:
            s = self.start(ready=False)
            t = s.wait_text("rate limited until")
        finally:
            self.up.faults.clear()
        head = t.split("\n")[0]
        # the service by its host (the port left out to save room)
        self.assertRegex(head, r"budget: 127\.0\.0\.1 rate limited "
                         r"until \d\d:\d\d")
        self.assertIn("%s/test/mirror  [RW]" % self.reg.host, head)

    def test_keys_during_slow_refresh(self):
        self.up.faults["/github/"] = ["slow:4"] * 10
        try:
            s = self.start(ready=False)
            t = s.wait_for(lambda t: "refreshing" in t and
                           cursor_app(t) == "alpha")
            spin = t.split("\n")[2][2]
            self.assertIn(spin, "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
            # the spinner turns
            s.wait_for(lambda t: t.split("\n")[2][2] != spin, timeout=3)
            # keys are served while the refresh is in flight
            s.keys("j")
            t = s.wait_for(lambda t: cursor_app(t) == "beta", timeout=3)
            self.assertIn("refreshing", t)
            s.keys("Enter", "?")
            t = s.wait_text("Keys", timeout=3)
            self.assertIn("refreshing", t.split("\n")[0])
        finally:
            self.up.faults.clear()


class TestInjection(DashboardTest):
    def test_release_name_escapes_dropped(self):
        s = self.start(env={"NO_COLOR": "1"})
        title = s.title()
        s.keys("G", "Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "3.0.0")
        # the name's text survives, its sequences do not
        self.assertIn("DELTA-REL ok", t)
        self.assertNotIn("pwned", t)
        self.assertNotIn("]0;", t)
        self.assertNotIn("[2J", t)
        self.assertNotIn("[31m", t)
        e = s.text(escapes=True)
        self.assertNotRegex(e, r"\x1b\[[0-9;]*3[0-7]m")   # no colour at all
        self.assertNotIn("\x1b]", e)
        self.assertNotIn("\x1b[2J", e)
        # the screen was not cleared and the title did not change
        self.assertIn("alpha", t)
        self.assertEqual(s.title(), title)
        self.assertNotIn("pwned", s.title())

    def test_name_cut_to_its_column(self):
        s = self.start(width=80, height=24)
        s.keys("G", "Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "3.0.0")
        for line in t.split("\n"):
            self.assertLessEqual(len(line), 80)


if __name__ == "__main__":
    import taprun
    taprun.main()
