#!/usr/bin/env python3
"""One fetch per upstream: apps that read the same upstream list share one
walk of its pages in a refresh."""
import unittest

import world
from mt import Env, github_app, gitlab_app
from upstream import Upstream, gh_releases, gl_tag


class TestShare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        # 250 releases: three pages of 100.
        cls.up.data["github"]["o/shared"] = {
            "releases": gh_releases(250, repo="o/shared")}
        cls.up.data["gitlab"]["g/shared"] = {"tags": [
            gl_tag("v1.0.0"), gl_tag("v1.1.0")]}

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.up.clear()

    def tearDown(self):
        self.env.__exit__(None)

    def pages(self, prefix):
        return [r for r in self.up.requests if r.path.startswith(prefix)]

    def test_two_apps_one_walk(self):
        self.env.write_config(self.reg.host, [
            github_app("server", self.up, "o/shared", include=None),
            github_app("server-rc", self.up, "o/shared", include=None,
                       max_versions=3),
            gitlab_app("tool", self.up, "g/shared"),
            gitlab_app("tool-old", self.up, "g/shared", max_versions=1)])
        data, _ = self.env.status_json()
        self.assertEqual(len(self.pages("/github/repos/o/shared/releases")),
                         3)
        self.assertEqual(len(self.pages("/gitlab/api/v4/projects/"
                                        "g%2Fshared/")), 1)
        apps = {a["name"]: a for a in data["apps"]}
        # Each app applies its own window to the shared list.
        self.assertEqual(len(apps["server"]["versions"]), 10)
        self.assertEqual(len(apps["server-rc"]["versions"]), 3)
        self.assertEqual(apps["server"]["versions"][:3],
                         apps["server-rc"]["versions"])
        self.assertEqual([v["version"] for v in apps["tool"]["versions"]],
                         ["1.1.0", "1.0.0"])
        self.assertEqual([v["version"] for v in apps["tool-old"]["versions"]],
                         ["1.1.0"])

    def test_other_token_variable_is_another_fetch(self):
        # ETags are per token: a source read with another token is read
        # on its own.
        self.env.write_config(self.reg.host, [
            github_app("a", self.up, "o/shared", include=None),
            github_app("b", self.up, "o/shared", include=None,
                       source={"type": "github-releases", "repo": "o/shared",
                               "api": self.up.url + "/github",
                               "token_env": "OTHER_TOKEN"})])
        self.env.status_json()
        self.assertEqual(len(self.pages("/github/repos/o/shared/releases")),
                         6)

    def test_shared_failure_reaches_every_app(self):
        self.up.faults["/github/repos/o/shared"] = ["404"] * 10
        try:
            self.env.write_config(self.reg.host, [
                github_app("a", self.up, "o/shared", include=None),
                github_app("b", self.up, "o/shared", include=None)])
            data, _ = self.env.status_json(expect_rc=1)
        finally:
            self.up.faults.clear()
        self.assertEqual(len(self.pages("/github/repos/o/shared")), 1)
        for a in data["apps"]:
            self.assertRegex(a["error"], r"repository not found or private")


if __name__ == "__main__":
    import taprun
    taprun.main()
