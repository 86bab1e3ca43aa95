#!/usr/bin/env python3
"""Automatic refresh: every --interval, slowed down when a rate-limit
budget runs low, and it really refreshes."""
import re
import time
import unittest

from dashworld import DashboardTest
from mt import github_app
from screen import idle


def next_refresh(text):
    """The header's 'next ...' as seconds (minute granularity)."""
    m = re.search(r"\bnext (<1m|(?:(\d+)h)?(\d+)m)", text)
    if m is None:
        return None
    if m.group(1) == "<1m":
        return 0
    return int(m.group(2) or 0) * 3600 + int(m.group(3)) * 60


class TestAutoRefresh(DashboardTest):
    def github_only(self):
        self.env.write_config(self.reg.host, [
            github_app("alpha", self.up, "acme/alpha")])

    def tearDown(self):
        with self.up.lock:
            self.up.ratelimits.clear()
        super().tearDown()

    def test_interval_refreshes_again(self):
        self.github_only()
        s = self.start("--interval", "10")    # the least it takes
        self.assertIsNotNone(next_refresh(s.text()))
        self.assertEqual(next_refresh(s.text()), 0, "under a minute")
        before = self.up.hits("/github/repos/acme/alpha/releases")
        deadline = time.monotonic() + 45
        while self.up.hits("/github/repos/acme/alpha/releases") <= before:
            self.assertLess(time.monotonic(), deadline, "no second refresh")
            time.sleep(0.1)

    def test_low_budget_slows_refresh_down(self):
        self.github_only()
        now = int(time.time())
        with self.up.lock:
            # 3 of 60 requests left, window resets in 30 minutes.
            for key in ("anon:127.0.0.1",):
                self.up.ratelimits[key] = {"limit": 60, "used": 57,
                                           "reset": now + 1800}
        s = self.start("--interval", "60", width=140)
        t = s.wait_for(lambda t: idle(t) and next_refresh(t) is not None,
                       what="the next refresh")
        self.assertGreaterEqual(next_refresh(t), 25 * 60, t.split("\n")[0])
        self.assertRegex(t.split("\n")[0], r"\b[0-9]+/60\b")


if __name__ == "__main__":
    import taprun
    taprun.main()
