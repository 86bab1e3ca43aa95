#!/usr/bin/env python3
"""P in the dashboard: the app's prune plan in the y/N dialog (the staging
tags merged into their version's index), only y removes them, the index
still resolves; read-only mode says so and removes nothing."""
import os
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, idle  # noqa: E402

ALPHA = "test/mirror/alpha"


def dialog(text):
    out = []
    for line in text.split("\n"):
        if line.count("\u2502") >= 2:
            inner = line[line.index("\u2502") + 1:line.rindex("\u2502")]
            out.append(inner.strip())
    return "".join(out)


class PruneKey(unittest.TestCase):
    """alpha 2.0.0 merged from its staging tags (still there), 1.9.0
    staged only."""

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.env = Env()
        self.screens = []
        self.up.data["github"]["acme/alpha"] = {"releases": [
            gh_release("v%s" % v, published_at="2026-0%d-01T10:00:00Z" % m,
                       repo="acme/alpha")
            for v, m in (("2.0.0", 3), ("1.9.0", 2))]}
        d = {a: world.push_image(self.reg, ALPHA, "2.0.0-" + a, arch=a)
             for a in ("amd64", "arm64")}
        self.idx = world.push_index(self.reg, ALPHA, "2.0.0",
                                    [(d["amd64"], "amd64"),
                                     (d["arm64"], "arm64")])
        world.tag(self.reg, ALPHA, self.idx, "latest")
        world.push_image(self.reg, ALPHA, "1.9.0-amd64", arch="amd64")
        self.env.write_config(self.reg.host,
                              [github_app("alpha", self.up, "acme/alpha")],
                              refresh_interval=3600)

    def tearDown(self):
        for s in self.screens:
            s.close()
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def start(self, *args):
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        s = Screen([MIRRORTOP, "-c", self.env.config_path] + list(args), e,
                   width=160, height=50)
        self.screens.append(s)
        s.wait_for(lambda t: "2.0.0" in t and "last never" not in t
                   and idle(t), what="the first refresh")
        return s

    def test_prune_after_confirm(self):
        before = sorted(world.tags(self.reg, ALPHA))
        s = self.start()
        s.keys("P")
        t = s.wait_for(lambda t: "Proceed? [y/N]" in t and
                       "verify alpha" in t, what="the prune plan")
        d = dialog(t)
        self.assertIn("untag alpha 2.0.0: remove %s/%s:2.0.0-amd64"
                      % (self.reg.host, ALPHA), d)
        self.assertIn("2.0.0-arm64", d)
        self.assertNotIn("1.9.0-amd64", d)
        # Anything but y says no.
        s.keys("Enter")
        s.wait_gone("Proceed? [y/N]")
        self.assertEqual(sorted(world.tags(self.reg, ALPHA)), before)
        s.keys("P")
        s.wait_for(lambda t: "Proceed? [y/N]" in t and "verify alpha" in t)
        s.keys("y")
        s.wait_text("prune alpha: 2 untagged, 1 verified, 0 failed",
                    timeout=30)
        self.assertEqual(sorted(world.tags(self.reg, ALPHA)),
                         ["1.9.0-amd64", "2.0.0", "latest"])
        self.assertEqual(world.manifest(self.reg, ALPHA, "2.0.0")[2],
                         self.idx)
        # Nothing left: no dialog, the reason on the message line.
        s.keys("P")
        s.wait_text("alpha: nothing to prune")

    def test_stale_premise_writes_nothing(self):
        """A staging tag that moves between the plan and y is refused as
        stale: nothing of that step is written and the rest stops."""
        s = self.start()
        s.keys("P")
        s.wait_for(lambda t: "Proceed? [y/N]" in t and "verify alpha" in t,
                   what="the prune plan")
        moved = world.push_image(self.reg, ALPHA, "2.0.0-amd64",
                                 arch="amd64", layer_bytes=b"a rebuild")
        s.keys("y")
        s.wait_text("prune alpha: 0 untagged, 1 verified, 2 failed",
                    timeout=30)
        tags = world.tags(self.reg, ALPHA)
        self.assertIn("2.0.0-arm64", tags)
        self.assertEqual(world.manifest(self.reg, ALPHA, "2.0.0-amd64")[2],
                         moved)
        self.assertEqual(world.manifest(self.reg, ALPHA, "2.0.0")[2],
                         self.idx)

    def test_read_only(self):
        before = sorted(world.tags(self.reg, ALPHA))
        s = self.start("--read-only")
        s.keys("P")
        s.wait_text("read-only")
        t = s.wait_for(idle)
        self.assertNotIn("Proceed?", t)
        self.assertEqual(sorted(world.tags(self.reg, ALPHA)), before)


if __name__ == "__main__":
    import taprun
    taprun.main()
