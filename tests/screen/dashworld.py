"""The world the dashboard screen tests look at.

One registry and one upstream fixture per test class:

  alpha  github-releases acme/alpha   2.1.0 missing, 2.0.0 complete (and
         `latest`: drift, upstream latest is 2.1.0), 1.9.0 amd64 present
         with arm64 only staged
  beta   gitlab-tags grp/beta         0.3.0 and 0.2.0 complete, latest 0.3.0
  gamma  github-releases acme/gone    the repository does not exist: 404
  delta  github-releases acme/delta   3.0.0 missing; its release name carries
         terminal escape sequences
"""
import os
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app, gitlab_app  # noqa: E402
from upstream import Upstream, gh_release, gl_tag  # noqa: E402

from screen import Screen, idle  # noqa: E402

HOSTILE_NAME = ("\x1b]0;pwned\x07\x1b[2J\x1b[31mDELTA-REL\x1b[0m"
                "\x1b]2;pwned2\x1b\\ ok")

ALPHA = "test/mirror/alpha"
BETA = "test/mirror/beta"
REPOS = (ALPHA, BETA, "test/mirror/gamma", "test/mirror/delta")


def build_world(reg, up):
    up.data["github"]["acme/alpha"] = {"releases": [
        gh_release("v2.1.0", published_at="2026-03-05T10:00:00Z",
                   repo="acme/alpha"),
        gh_release("v2.0.0", published_at="2026-02-01T10:00:00Z",
                   repo="acme/alpha"),
        gh_release("v1.9.0", published_at="2026-01-10T10:00:00Z",
                   repo="acme/alpha")]}
    up.data["github"]["acme/delta"] = {"releases": [
        gh_release("v3.0.0", published_at="2026-04-01T10:00:00Z",
                   repo="acme/delta", name=HOSTILE_NAME,
                   body="\x1b[2J\x1b]0;pwned\x07")]}
    up.data["github"]["acme/many"] = {"releases": [
        gh_release("v1.%d.0" % i, repo="acme/many",
                   published_at="2025-01-01T00:00:00Z")
        for i in range(40)]}
    up.data["gitlab"]["grp/beta"] = {"tags": [
        gl_tag("v0.3.0"), gl_tag("v0.2.0")]}

    a = world.push_image(reg, ALPHA, None, arch="amd64")
    b = world.push_image(reg, ALPHA, None, arch="arm64")
    idx = world.push_index(reg, ALPHA, "2.0.0", [(a, "amd64"), (b, "arm64")])
    world.tag(reg, ALPHA, idx, "latest")
    world.push_image(reg, ALPHA, "1.9.0", arch="amd64")
    world.push_image(reg, ALPHA, "1.9.0-arm64", arch="arm64")
    for v in ("0.2.0", "0.3.0"):
        a = world.push_image(reg, BETA, None, arch="amd64",
                             layer_bytes=("beta %s amd64" % v).encode())
        b = world.push_image(reg, BETA, None, arch="arm64",
                             layer_bytes=("beta %s arm64" % v).encode())
        idx = world.push_index(reg, BETA, v, [(a, "amd64"), (b, "arm64")])
    world.tag(reg, BETA, idx, "latest")


def apps(up):
    return [
        github_app("alpha", up, "acme/alpha"),
        gitlab_app("beta", up, "grp/beta",
                   include=r"^v([0-9]+\.[0-9]+\.[0-9]+)$"),
        github_app("gamma", up, "acme/gone"),
        github_app("delta", up, "acme/delta"),
    ]


class DashboardTest(unittest.TestCase):
    """A world per class, a private environment and tmux per test."""

    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        try:
            build_world(cls.reg, cls.up)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.screens = []
        self.marker_dir = os.path.join(self.env.dir, "builds")
        os.makedirs(self.marker_dir)
        self.config = self.env.write_config(
            self.reg.host, apps(self.up), refresh_interval=3600,
            builder={"type": "exec",
                     "argv": ["/usr/bin/touch",
                              self.marker_dir + "/{app}-{version}-{arch}"]})

    def tearDown(self):
        for s in self.screens:
            s.close()
        self.env.__exit__(None)

    def start(self, *args, width=100, height=30, env=None, ready=True):
        """Start the dashboard; wait for the first refresh to land."""
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        s = Screen([MIRRORTOP, "-c", self.env.config_path] + list(args), e,
                   width=width, height=height)
        self.screens.append(s)
        if ready:
            s.wait_for(lambda t: "2.1.0" in t and "last never" not in t
                       and idle(t), what="the first refresh")
        return s
