#!/usr/bin/env python3
"""A docker credential helper that takes its time does not freeze the
dashboard: it runs as a child on the loop while keys are served, and it
runs once per registry however many refreshes ask."""
import json
import os
import stat
import sys
import time
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, idle  # noqa: E402

# Sleeps, records each run, then answers for the registry it was asked for.
HELPER = """#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
echo "$server" >> "%(log)s"
sleep %(sleep)d
printf '{"ServerURL":"%%s","Username":"%(user)s","Secret":"%(password)s"}' "$server"
"""


class TestSlowHelper(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry(auth="basic")
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"]["acme/alpha"] = {"releases": [
            gh_release("v2.0.0", repo="acme/alpha"),
            gh_release("v1.0.0", repo="acme/alpha")]}
        user, password = cls.reg.credentials
        world.push_image(cls.reg, "test/mirror/alpha", "1.0.0",
                         user=user, password=password)

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.screen = None

    def tearDown(self):
        if self.screen is not None:
            self.screen.close()
        self.env.__exit__(None)

    def test_keys_answered_while_the_helper_sleeps(self):
        user, password = self.reg.credentials
        bindir = os.path.join(self.env.dir, "bin")
        os.makedirs(bindir)
        log = os.path.join(self.env.dir, "helper.log")
        helper = os.path.join(bindir, "docker-credential-slowtest")
        with open(helper, "w") as f:
            f.write(HELPER % {"log": log, "sleep": 6, "user": user,
                              "password": password})
        os.chmod(helper, stat.S_IRWXU)
        with open(os.path.join(self.env.docker, "config.json"), "w") as f:
            json.dump({"credHelpers": {self.reg.host: "slowtest"}}, f)
        self.env.write_config(self.reg.host,
                              [github_app("alpha", self.up, "acme/alpha")],
                              refresh_interval=3600)
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8",
                 PATH=bindir + ":" + e.get("PATH", "/usr/bin:/bin"))
        s = self.screen = Screen([MIRRORTOP, "-c", self.env.config_path], e)
        # The helper has been asked and is sleeping.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not os.path.exists(log):
            time.sleep(0.05)
        asked = time.monotonic()
        self.assertTrue(os.path.exists(log), "the helper was run")
        s.wait_text("refreshing", timeout=5)
        # Keys are served meanwhile: the help opens and closes.
        s.keys("?")
        t = s.wait_text("Keys", timeout=4)
        self.assertLess(time.monotonic() - asked, 5.5,
                        "answered before the helper did")
        self.assertIn("refreshing", t.split("\n")[0])
        s.keys("Escape")
        s.wait_gone("Keys", timeout=4)
        # Then the answer is used: the registry state is known.
        t = s.wait_for(lambda t: idle(t) and "2.0.0" in t, timeout=40,
                       what="the refresh with the helper's credentials")
        self.assertNotIn("rejected", t)
        self.assertNotIn("credentials", t)
        # A second refresh does not run the helper again.
        path = "/github/repos/acme/alpha/releases"
        before = self.up.hits(path)
        s.keys("r")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.up.hits(path) == before:
            time.sleep(0.05)
        self.assertGreater(self.up.hits(path), before, "refreshed again")
        s.wait_for(idle, timeout=40, what="the second refresh")
        with open(log) as f:
            runs = f.read().split()
        self.assertEqual(runs, [self.reg.host], "the helper ran once")


if __name__ == "__main__":
    import taprun
    taprun.main()
