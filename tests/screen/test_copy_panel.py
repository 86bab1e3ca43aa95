#!/usr/bin/env python3
"""The dashboard's C: a version missing on a mirror target is copied
there from the panel (the plan of `mirrortop copy`, y/N)."""
import json
import os
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, cursor_version, idle, version_line  # noqa: E402

REPO = "test/mirror/app"


def push_version(reg, tag):
    a = world.push_image(reg, REPO, None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, REPO, None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, REPO, tag, [(a, "amd64"), (b, "arm64")])


def dialog(text):
    """The confirm dialog's rows joined (wrapped lines put back together)."""
    out = []
    for line in text.split("\n"):
        if line.count("\u2502") >= 2:
            inner = line[line.index("\u2502") + 1:line.rindex("\u2502")]
            out.append(inner.strip())
    return "".join(out)


class TestCopyKey(unittest.TestCase):
    def setUp(self):
        self.primary = world.Registry()
        self.mirror = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"]["acme/app"] = {"releases": [
            gh_release("v%s" % v, repo="acme/app",
                       published_at="2026-0%d-01T10:00:00Z" % (i + 1))
            for i, v in enumerate(("1.0.0", "2.0.0"))]}
        self.d1 = push_version(self.primary, "1.0.0")
        self.d2 = push_version(self.primary, "2.0.0")
        world.tag(self.primary, REPO, "2.0.0", "latest")
        push_version(self.mirror, "1.0.0")
        world.tag(self.mirror, REPO, "1.0.0", "latest")
        self.env = Env()
        self.screen = None

    def tearDown(self):
        if self.screen is not None:
            self.screen.close()
        self.env.__exit__(None)
        self.up.stop()
        self.primary.stop()
        self.mirror.stop()

    def start(self, *extra):
        cfg = {"targets": [
            {"name": "ghcr", "registry": self.primary.host,
             "namespace": "test/mirror", "plain_http": True},
            {"name": "hub", "registry": self.mirror.host,
             "namespace": "test/mirror", "plain_http": True}],
            "refresh_interval": 3600,
            "apps": [github_app("app", self.up, "acme/app")]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        s = self.screen = Screen([MIRRORTOP, "-c", self.env.config_path] +
                                 list(extra), e, width=120, height=30)
        s.wait_for(lambda t: "2.0.0" in t and "last never" not in t and
                   idle(t), what="the first refresh", timeout=60)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) == "2.0.0", timeout=60)
        return s

    def test_c_copies_the_version_to_the_mirror(self):
        s = self.start()
        self.assertRegex(version_line(s.text(), "2.0.0"),
                         r"arm64\s+missing\b")
        s.keys("C")
        t = s.wait_for(lambda t: "copy app 2.0.0 ghcr -> hub" in dialog(t),
                       what="the copy plan", timeout=60)
        self.assertIn("now: absent", dialog(t))
        self.assertIsNone(world.manifest(self.mirror, REPO, "2.0.0"))
        s.keys("y")
        s.wait_for(lambda t: version_line(t, "2.0.0") is not None and
                   "complete" in version_line(t, "2.0.0").split("arm64")[-1],
                   what="2.0.0 complete on hub", timeout=120)
        self.assertEqual(world.manifest(self.mirror, REPO, "2.0.0")[2],
                         self.d2)
        self.assertEqual(world.manifest(self.mirror, REPO, "latest")[2],
                         self.d2)

    def test_c_is_not_bound_read_only(self):
        s = self.start("--read-only")
        s.keys("C")
        s.wait_for(lambda t: "read-only" in t, what="read-only said", timeout=60)
        self.assertIsNone(world.manifest(self.mirror, REPO, "2.0.0"))


if __name__ == "__main__":
    import taprun
    taprun.main()
