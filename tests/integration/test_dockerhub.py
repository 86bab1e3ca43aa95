"""Docker Hub as it really is: a token realm and service from the
challenge, the pull limit in ratelimit-* headers, HEADs that are not pulls
and a 429 TOOMANYREQUESTS that backs the registry off instead of being
asked again (a registry behind hubworld.HubProxy)."""
import json
import re
import unittest

import world
from hubworld import HubProxy
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "example/app"
NS = "thisistobi"


def push_version(reg, tag):
    a = world.push_image(reg, NS + "/app", None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, NS + "/app", None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, NS + "/app", tag,
                            [(a, "amd64"), (b, "arm64")])


class TestHub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry(auth="token")
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": [
            gh_release(t, repo=REPO, published_at="2026-01-0%dT10:00:00Z"
                       % (i + 1))
            for i, t in enumerate(("v1.0.0", "v2.0.0", "v3.0.0"))]}
        cls.digests = {v: push_version(cls.reg, v)
                       for v in ("1.0.0", "2.0.0", "3.0.0")}

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.hub = HubProxy(self.reg, limit=100)
        user, pw = self.reg.credentials
        self.env.write_docker_auth(self.hub.host, user, pw)
        cfg = {"targets": [{"name": "hub", "registry": self.hub.host,
                            "namespace": NS, "plain_http": True}],
               "apps": [github_app("app", self.up, REPO)]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)

    def tearDown(self):
        self.hub.stop()
        self.env.__exit__(None)

    def test_watching_spends_pulls_once(self):
        data, _ = self.env.status_json()
        app = app_of(data, "app")
        self.assertIsNone(app["error"])
        self.assertEqual(version_of(app, "3.0.0")["digest"],
                         self.digests["3.0.0"])
        # 3 indexes, and the buildx attestation manifest of each of their
        # 6 children, which says whether it is an SBOM or provenance:
        # all by digest, so never again (the digest cache)
        self.assertEqual(self.hub.pulls, 9)
        self.assertEqual(version_of(app, "3.0.0")["supply_chain"]
                         ["provenance"], "present")
        for _ in range(3):
            self.env.status_json()
        self.assertEqual(self.hub.pulls, 9, "refreshes spent pulls")
        self.assertEqual(self.hub.remaining, 91)

    def test_429_backs_off_instead_of_asking_again(self):
        self.hub.remaining = 0
        data, r = self.env.status_json(expect_rc=1)
        app = app_of(data, "app")
        self.assertRegex(app["error"], r"429|toomanyrequests|rate limit",
                         app["error"])
        # not retried at once: one GET per manifest asked, no storm
        self.assertLessEqual(self.hub.toomany, 3, self.hub.requests)
        # the registry's answer named no time: nothing waited for
        self.assertNotIn("Traceback", r.stderr)


class TestBackoffInOneProcess(unittest.TestCase):
    """In one process (the dashboard's case), a second 429 doubles the
    back-off, and while backing off the registry is not asked at all."""

    def test_backoff_doubles_and_holds_requests(self):
        import os
        import subprocess
        reg = world.Registry()
        hub = HubProxy(reg, limit=0, window=21600)
        try:
            for v in ("1.0.0",):
                a = world.push_image(reg, NS + "/app", None, arch="amd64")
                world.push_index(reg, NS + "/app", v, [(a, "amd64")])
            driver = os.path.join(os.environ.get(
                "MT_BUILDDIR", os.path.join(os.path.dirname(
                    os.path.abspath(__file__)), "..", "..")),
                "tests", "unit", "backoff-driver")
            out = subprocess.run(
                [driver, hub.host, NS + "/app", "1.0.0"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            lines = dict(l.split("=", 1) for l in out.stdout.split()
                         if "=" in l)
            # first 429: 60 s; a second one (asked after the first
            # back-off is forced over): 120 s; capped by the window
            self.assertEqual(lines["first"], "60")
            self.assertEqual(lines["second"], "120")
            self.assertEqual(lines["window"], "21600")
            self.assertEqual(lines["held"], "1")
            self.assertEqual(hub.toomany, 2, hub.requests)
        finally:
            hub.stop()
            reg.stop()


if __name__ == "__main__":
    import taprun
    taprun.main()
