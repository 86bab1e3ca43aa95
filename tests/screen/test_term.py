#!/usr/bin/env python3
"""The terminal's habits: `y` puts the selected version's pull reference
on the clipboard (OSC 52; here tmux's buffer) and says what it copied.

The world of dashworld: alpha 2.0.0 is complete (tag and index digest),
2.1.0 is not in the registry.
"""
import os
import re
import sys
import unittest

from dashworld import DashboardTest
from screen import version_line
from test_actions import PanelTest, job_rows

FAIL = "import sys; print('failing'); sys.exit(1)"


class TestCopy(DashboardTest):
    def test_y_copies_pull_reference(self):
        s = self.start(width=80, height=24)
        s._tmux("set-option", "-g", "set-clipboard", "on")
        s.keys("Enter")
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                   .startswith(">"))
        s.keys("j")                         # 2.0.0: tag and digest
        s.wait_for(lambda t: (version_line(t, "2.0.0") or "")
                   .startswith(">"))
        s.keys("y")
        t = s.wait_text("copied (OSC 52): ")
        ref = "%s/test/mirror/alpha:2.0.0@sha256:" % self.reg.host
        self.assertIn(ref, t.replace("\n", ""))
        buf = s._tmux("show-buffer")
        self.assertTrue(buf.startswith(ref), buf)
        self.assertRegex(buf, r"@sha256:[0-9a-f]{64}$")
        s.keys("k", "y")                    # 2.1.0: not pushed, tag only
        s.wait_text("alpha:2.1.0")
        buf = s._tmux("show-buffer")
        self.assertEqual(buf, "%s/test/mirror/alpha:2.1.0" % self.reg.host)


class TestLayout(DashboardTest):
    def test_wide_screen_whole_digest_no_colour(self):
        s = self.start(width=200, height=50, env={"NO_COLOR": "1"})
        s.keys("Enter")
        t = s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                       .startswith(">"))
        self.assertRegex(version_line(t, "2.0.0"), r"sha256:[0-9a-f]{64}")
        head = t.split("\n")[1]
        for h in ("APP", "UPSTREAM", "REGISTRY LATEST", "INCOMPLETE"):
            self.assertIn(h, head)
        self.assertIsNone(re.search(r"\x1b\[[0-9;]*3[0-7]m",
                                    s.text(escapes=True)))
        # at 80 columns the digest is short again
        s.resize(80, 24)
        t = s.wait_for(lambda t: len(t.split("\n")[0]) <= 80 and
                       "sha256:" not in (version_line(t, "2.0.0") or
                                         "sha256:"), what="80 columns")
        self.assertNotRegex(version_line(t, "2.0.0"), r"[0-9a-f]{64}")
        self.assertTrue((version_line(t, "2.1.0") or "").startswith(">"),
                        "the selection stays")


class TestJobsPaneGrows(PanelTest):
    def test_jobs_pane_uses_the_room(self):
        script = os.path.join(self.env.dir, "fail.py")
        with open(script, "w") as f:
            f.write(FAIL)
        self.config([sys.executable, script])
        for _ in range(4):
            self.env.run("build", "alpha", "1.8.0")
        self.assertEqual(len(self.jobs()), 8)
        s = self.start(width=200, height=50)
        t = s.wait_for(lambda t: len(job_rows(t)) == 8, what="8 jobs")
        # - gives the pane a row less, + gives it back
        s.keys("Tab")
        s.wait_for(lambda t: any(l.startswith("> #8 ")
                                 for l in t.split("\n")))
        s.keys("-")
        s.wait_for(lambda t: len(job_rows(t)) == 7, what="a row less")
        s.keys("+")
        s.wait_for(lambda t: len(job_rows(t)) == 8, what="a row more")
        s.keys("Escape")
        # 80x20: not all fit, but the versions keep their rows
        s.resize(80, 20)
        t = s.wait_for(lambda t: 0 < len(job_rows(t)) < 8, what="fewer")
        self.assertIsNotNone(version_line(t, "1.8.0"))
        # Tab to the jobs, z: the whole screen; z again: back
        s.keys("Tab")
        s.wait_for(lambda t: any(l.startswith("> #8 ")
                                 for l in t.split("\n")))
        s.keys("z")
        t = s.wait_for(lambda t: len(job_rows(t)) == 8 and
                       version_line(t, "1.8.0") is None, what="zoomed")
        s.keys("z")
        t = s.wait_for(lambda t: version_line(t, "1.8.0") is not None,
                       what="unzoomed")


if __name__ == "__main__":
    import taprun
    taprun.main()
