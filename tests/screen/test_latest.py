#!/usr/bin/env python3
"""What the dashboard says about the registry's `latest`: a version outside
the window, a digest no version tag has, and nothing at all when the
registry cannot be asked (the states shown are then the last known ones).

A fresh registry per test (one test kills it):

  alpha  upstream 2.1.0 and 2.0.0 (the window: max_versions 2); 2.0.0
         complete; `latest` points at 1.1.0, older than the window
  beta   upstream 0.3.0; `latest` is an index no version tag has
"""
import os
import signal
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, cursor_app, idle, version_line  # noqa: E402

ALPHA = "test/mirror/alpha"
BETA = "test/mirror/beta"


def line_with(text, *needles):
    for line in text.split("\n"):
        if all(n in line for n in needles):
            return line
    return None


class LatestTest(unittest.TestCase):
    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.env = Env()
        self.screens = []
        try:
            self.build_world()
        except Exception:
            self.tearDown()
            raise

    def build_world(self):
        self.up.data["github"]["acme/alpha"] = {"releases": [
            gh_release("v%s" % v, published_at="2026-0%d-01T10:00:00Z" % m,
                       repo="acme/alpha")
            for v, m in (("2.1.0", 4), ("2.0.0", 3), ("1.1.0", 2))]}
        self.up.data["github"]["acme/beta"] = {"releases": [
            gh_release("v0.3.0", published_at="2026-05-01T10:00:00Z",
                       repo="acme/beta")]}
        for v in ("2.0.0", "1.1.0"):
            a = world.push_image(self.reg, ALPHA, None, arch="amd64",
                                 layer_bytes=("alpha %s amd64" % v).encode())
            b = world.push_image(self.reg, ALPHA, None, arch="arm64",
                                 layer_bytes=("alpha %s arm64" % v).encode())
            world.push_index(self.reg, ALPHA, v, [(a, "amd64"),
                                                  (b, "arm64")])
        world.tag(self.reg, ALPHA, "1.1.0", "latest")
        a = world.push_image(self.reg, BETA, None, arch="amd64",
                             layer_bytes=b"beta nightly amd64")
        b = world.push_image(self.reg, BETA, None, arch="arm64",
                             layer_bytes=b"beta nightly arm64")
        self.beta_latest = world.push_index(self.reg, BETA, "latest",
                                            [(a, "amd64"), (b, "arm64")])
        self.env.write_config(self.reg.host, [
            github_app("alpha", self.up, "acme/alpha", max_versions=2),
            github_app("beta", self.up, "acme/beta")],
            refresh_interval=3600)

    def tearDown(self):
        for s in self.screens:
            s.close()
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def start(self, *args, width=120, height=30):
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        s = Screen([MIRRORTOP, "-c", self.env.config_path] + list(args), e,
                   width=width, height=height)
        self.screens.append(s)
        s.wait_for(lambda t: "2.1.0" in t and "0.3.0" in t and
                   "last never" not in t and idle(t),
                   what="the first refresh")
        return s


class TestLatest(LatestTest):
    def test_latest_older_than_the_window(self):
        s = self.start()
        t = s.text()
        # the apps pane names the version `latest` points at, and drifts
        alpha = line_with(t, "alpha", "2.1.0")
        self.assertRegex(alpha, r"alpha\s+2\.1\.0\s+1\.1\.0 \u2260")
        title = line_with(t, "alpha", "versions")
        self.assertIn("registry latest is 1.1.0 (older than the window), "
                      "not 2.1.0", title)
        self.assertNotIn("none", t)
        self.assertIsNone(version_line(t, "1.1.0"))     # not in the window

    def test_latest_not_a_version_tag(self):
        s = self.start()
        s.keys("j")
        t = s.wait_for(lambda t: cursor_app(t) == "beta" and
                       line_with(t, "beta", " version") is not None)
        short = self.beta_latest[:11]                  # sha256:abcd
        beta = line_with(t, "beta", "0.3.0")
        self.assertIn(short + "\u2026 \u2260", beta)
        title = line_with(t, "beta", " version")
        self.assertIn("not a version tag (%s\u2026)" % short, title)
        self.assertIn("latest (registry: not a version tag)",
                      version_line(t, "0.3.0"))
        self.assertNotIn("none", t)

    def test_registry_not_reachable(self):
        s = self.start()
        self.assertIn("\u2713 amd64", version_line(s.text(), "2.0.0"))
        # the registry goes away; the next refresh cannot ask it
        self.reg.proc.send_signal(signal.SIGKILL)
        self.reg.proc.wait()
        s.keys("R")
        t = s.wait_for(lambda t: "not reachable" in t and idle(t),
                       timeout=30, what="the refresh without the registry")
        title = line_with(t, "alpha", "versions")
        self.assertIn("registry not reachable, showing the last known "
                      "states", title)
        # no claim about `latest`: neither drift nor "none"
        alpha = line_with(t, "alpha", "2.1.0")
        self.assertRegex(alpha, r"alpha\s+2\.1\.0\s+\?\s")
        self.assertNotIn("\u2260", t)
        self.assertNotIn("drift", t)
        self.assertNotIn("none", t)
        self.assertNotIn("registry latest", t)
        # the last known states stay; the app's error is on the message line
        self.assertIn("\u2713 amd64", version_line(t, "2.0.0"))
        self.assertIsNotNone(line_with(t, "! alpha: "), t)


PLUG = "test/mirror/plug"


class TestPluginLatest(unittest.TestCase):
    """plug: a plugin-scheme app ("manifest": false), upstream 0.0.2 and
    0.0.1, both complete; latest-amd64 and latest-arm64 at 0.0.1."""

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.env = Env()
        self.screens = []
        try:
            self.up.data["github"]["acme/plug"] = {"releases": [
                gh_release("v0.0.2", published_at="2026-02-01T10:00:00Z",
                           repo="acme/plug"),
                gh_release("v0.0.1", published_at="2026-01-01T10:00:00Z",
                           repo="acme/plug")]}
            for v in ("0.0.1", "0.0.2"):
                for arch in ("amd64", "arm64"):
                    world.push_plugin(self.reg, PLUG, "%s-%s" % (v, arch))
            for arch in ("amd64", "arm64"):
                world.tag(self.reg, PLUG, "0.0.1-" + arch, "latest-" + arch)
            self.env.write_config(self.reg.host, [
                github_app("plug", self.up, "acme/plug", manifest=False)],
                refresh_interval=3600)
        except Exception:
            self.tearDown()
            raise

    def tearDown(self):
        for s in self.screens:
            s.close()
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def test_moving_latest_per_arch_updates_the_dashboard(self):
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        s = Screen([MIRRORTOP, "-c", self.env.config_path], e,
                   width=120, height=30)
        self.screens.append(s)
        t = s.wait_for(lambda t: "0.0.2" in t and "last never" not in t
                       and idle(t), what="the first refresh")
        self.assertRegex(line_with(t, "plug", "0.0.2"),
                         r"plug\s+0\.0\.2\s+0\.0\.1 \u2260")
        asked = len(self.up.requests)
        s.keys("L")
        t = s.wait_for(lambda t: "Proceed? [y/N]" in t and
                       "reading the registry" not in t,
                       what="the tags to PUT")
        self.assertIn("latest-amd64", t)
        s.keys("y")
        # no r: the apps row follows the move at once
        t = s.wait_for(lambda t: "\u2260" not in t and
                       "Proceed?" not in t, timeout=30,
                       what="the drift mark gone")
        self.assertRegex(line_with(t, "plug", "0.0.2"),
                         r"plug\s+0\.0\.2\s+0\.0\.2(\s|$)")
        self.assertNotIn("drift", t)
        self.assertEqual(len(self.up.requests), asked,
                         "no refresh was needed")
        for arch in ("amd64", "arm64"):
            self.assertEqual(
                world.manifest(self.reg, PLUG, "latest-" + arch)[2],
                world.manifest(self.reg, PLUG, "0.0.2-" + arch)[2])


if __name__ == "__main__":
    import taprun
    taprun.main()
