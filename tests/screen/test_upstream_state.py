#!/usr/bin/env python3
"""The dashboard says when an app's versions are stale (the last refresh
failed upstream) and when tags that look like versions were skipped."""
import unittest

from dashworld import DashboardTest
from mt import github_app


class TestUpstreamState(DashboardTest):
    def test_failed_refresh_keeps_versions_marked_stale(self):
        s = self.start()
        self.up.faults["/github/repos/acme/alpha"] = ["500"] * 40
        try:
            s.keys("r")         # alpha is selected: refresh it
            t = s.wait_for(lambda t: "! alpha:" in t, timeout=60,
                           what="alpha's failed refresh")
        finally:
            self.up.faults.clear()
        msg = [l for l in t.split("\n") if l.startswith("! alpha:")][0]
        self.assertTrue(msg.startswith("! alpha: stale, showing the previous "
                                       "refresh: upstream: github-releases "
                                       "acme/alpha: HTTP 500"), msg)
        # The previous refresh's window is still on screen.
        self.assertIn("2.1.0", t)
        self.assertIn("1.9.0", t)

    def test_version_like_tags_skipped_are_named(self):
        self.env.write_config(self.reg.host, [
            github_app("alpha", self.up, "acme/alpha",
                       include=r"^v([0-9]+\.[0-9]+)$")],
            refresh_interval=3600)
        s = self.start(ready=False)
        t = s.wait_text("look like versions skipped", timeout=60)
        msg = [l for l in t.split("\n") if "look like" in l][0]
        self.assertTrue(msg.startswith("alpha: 3 tags that look like "
                                       "versions skipped: check include "
                                       "and versioning (semver)"), msg)


if __name__ == "__main__":
    import taprun
    taprun.main()
