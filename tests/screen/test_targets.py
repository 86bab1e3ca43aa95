#!/usr/bin/env python3
"""The dashboard with several targets: which target lacks which version."""
import json
import os
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, idle, version_line  # noqa: E402

REPO = "test/mirror/app"


def push_version(reg, tag):
    a = world.push_image(reg, REPO, None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, REPO, None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, REPO, tag, [(a, "amd64"), (b, "arm64")])


class TestTargetsOnScreen(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.primary = world.Registry()
        cls.mirror = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"]["acme/app"] = {"releases": [
            gh_release("v%s" % v, repo="acme/app",
                       published_at="2026-0%d-01T10:00:00Z" % (i + 1))
            for i, v in enumerate(("1.0.0", "2.0.0"))]}
        for v in ("1.0.0", "2.0.0"):
            push_version(cls.primary, v)
        # the mirror has 1.0.0 only (same bytes, same digest)
        push_version(cls.mirror, "1.0.0")

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.primary.stop()
        cls.mirror.stop()

    def setUp(self):
        self.env = Env()
        cfg = {"targets": [
            {"name": "ghcr", "registry": self.primary.host,
             "namespace": "test/mirror", "plain_http": True},
            {"name": "hub", "registry": self.mirror.host,
             "namespace": "test/mirror", "plain_http": True}],
            "refresh_interval": 3600,
            "apps": [github_app("app", self.up, "acme/app")]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)
        self.screen = None

    def tearDown(self):
        if self.screen is not None:
            self.screen.close()
        self.env.__exit__(None)

    def test_version_missing_on_one_target_only(self):
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        s = self.screen = Screen([MIRRORTOP, "-c", self.env.config_path], e,
                                 width=110, height=24)
        s.wait_for(lambda t: "2.0.0" in t and "last never" not in t and
                   idle(t), what="the first refresh")
        t = s.text()
        self.assertIn(" hub ", t)
        two = version_line(t, "2.0.0")
        one = version_line(t, "1.0.0")
        self.assertIsNotNone(two, t)
        self.assertIsNotNone(one, t)
        # complete on the primary (both archs), missing on the mirror
        self.assertRegex(two, r"amd64.*arm64\s+missing\b")
        self.assertRegex(one, r"amd64.*arm64\s+complete\b")


if __name__ == "__main__":
    import taprun
    taprun.main()
