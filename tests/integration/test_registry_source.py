#!/usr/bin/env python3
"""registry-tags: the versions of an image in another registry, read from
its tag list — against a real docker-registry (anonymous, and behind a
token server with credentials from the docker configuration), through the
paging proxy (the real 2.8 does not page tag lists), with the app's
filters and versioning scheme deciding what a version is."""
import json
import unittest

import world
from mt import Env, app_of, version_of

NS = "test/mirror"
UPSTREAM_REPO = "library/postgres"
TAGS = ["15.9", "16.4", "16.5", "17.0", "17.1", "17.2-rc1", "17.1-alpine",
        "latest", "sha256-" + "a" * 64 + ".sig"]


def push_tags(reg, repo, tags):
    d = world.push_image(reg, repo, None, arch="amd64",
                         layer_bytes=b"upstream image")
    for t in tags:
        world.tag(reg, repo, d, t)


def registry_app(name, reg, repo=UPSTREAM_REPO,
                 include=r"^([0-9]+\.[0-9]+(-rc[0-9]+)?)$", **extra):
    app = {"name": name,
           "source": {"type": "registry-tags", "registry": reg.host,
                      "repository": repo, "plain_http": True},
           "versioning": "loose", "max_versions": 4, "image": "postgres"}
    if include is not None:
        app["include"] = include
    app.update(extra)
    return app


class RegistrySource(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = world.Registry()
        push_tags(cls.upstream, UPSTREAM_REPO, TAGS)
        cls.target = world.Registry()
        a = world.push_image(cls.target, NS + "/postgres", None,
                             arch="amd64", layer_bytes=b"17.1 amd64")
        b = world.push_image(cls.target, NS + "/postgres", None,
                             arch="arm64", layer_bytes=b"17.1 arm64")
        world.push_index(cls.target, NS + "/postgres", "17.1",
                         [(a, "amd64"), (b, "arm64")])

    @classmethod
    def tearDownClass(cls):
        cls.upstream.stop()
        cls.target.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def versions(self, app):
        return [v["version"] for v in app["versions"]]

    def test_versions_from_a_tag_list(self):
        self.env.write_config(self.target.host,
                              [registry_app("pg", self.upstream)])
        st, _ = self.env.status_json(expect_rc=None)
        a = app_of(st, "pg")
        self.assertIsNone(a.get("error"), a)
        # two-component versions, newest first; the pre-release sorts
        # before its release; latest, variants and the signature tag are
        # not versions
        self.assertEqual(self.versions(a), ["17.2-rc1", "17.1", "17.0",
                                            "16.5"])
        self.assertEqual(a["upstream_latest"], "17.1")
        self.assertEqual(version_of(a, "17.1")["state"], "complete")
        self.assertEqual(version_of(a, "17.0")["state"], "missing")

    def test_the_table_names_the_source(self):
        self.env.write_config(self.target.host,
                              [registry_app("pg", self.upstream)])
        r = self.env.run("status", "pg")
        self.assertIn("17.1", r.stdout)
        self.assertNotIn("alpine", r.stdout)

    def test_paged_tag_list(self):
        with world.PagingRegistry(self.upstream, page_size=2, max_n=2,
                                  link_style="relative") as px:
            app = registry_app("pg", self.upstream)
            app["source"]["registry"] = px.host
            self.env.write_config(self.target.host, [app])
            st, _ = self.env.status_json(expect_rc=None)
            a = app_of(st, "pg")
            self.assertIsNone(a.get("error"), a)
            self.assertEqual(self.versions(a), ["17.2-rc1", "17.1", "17.0",
                                                "16.5"])
            # every page was read: 9 tags, 2 a page
            self.assertGreaterEqual(px.tag_requests, 5)

    def test_missing_repository_is_an_app_error_naming_it(self):
        self.env.write_config(self.target.host, [
            registry_app("pg", self.upstream),
            registry_app("gone", self.upstream, repo="library/nothing",
                         image="gone")])
        st, r = self.env.status_json(expect_rc=None)
        err = app_of(st, "gone").get("error") or ""
        self.assertIn("registry-tags %s/library/nothing" % self.upstream.host,
                      err)
        self.assertIn("not found", err)
        self.assertNotIn("\n", err)
        # the other app is unharmed
        self.assertIsNone(app_of(st, "pg").get("error"))
        self.assertEqual(app_of(st, "pg")["upstream_latest"], "17.1")

    def test_two_apps_on_one_list_share_one_read(self):
        with world.PagingRegistry(self.upstream, page_size=100,
                                  link_style="relative") as px:
            apps = []
            for name in ("pg", "pg2"):
                app = registry_app(name, self.upstream)
                app["source"]["registry"] = px.host
                apps.append(app)
            apps[1]["image"] = "postgres2"
            self.env.write_config(self.target.host, apps)
            st, _ = self.env.status_json(expect_rc=None)
            self.assertEqual(app_of(st, "pg2")["upstream_latest"], "17.1")
            self.assertEqual(px.tag_requests, 1)

    def test_config_errors(self):
        cases = [
            ({"type": "registry-tags", "registry": "quay.io",
              "repository": "x/y", "plain_http": True},
             "plain HTTP is only allowed"),
            ({"type": "registry-tags", "registry": "quay.io"},
             '"repository"'),
            ({"type": "registry-tags", "registry": "https://quay.io",
              "repository": "x/y"}, "invalid registry"),
            ({"type": "registry-tags", "registry": "quay.io",
              "repository": "X/Y"}, "invalid repository"),
            ({"type": "registry-tags", "registry": "quay.io",
              "repository": "x/y", "token_env": "T"}, "token_env"),
        ]
        for source, want in cases:
            with self.subTest(want=want):
                app = {"name": "pg", "source": source}
                self.env.write_config(self.target.host, [app])
                r = self.env.run("config", "check")
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(want, r.stderr)
                self.assertIn("source", r.stderr)
                self.assertEqual(len(r.stderr.strip().split("\n")), 1,
                                 r.stderr)

    def test_config_check_prints_the_source(self):
        self.env.write_config(self.target.host,
                              [registry_app("pg", self.upstream)])
        r = self.env.run("config", "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        src = json.loads(r.stdout)["apps"][0]["source"]
        self.assertEqual(src, {"type": "registry-tags",
                               "registry": self.upstream.host,
                               "repository": UPSTREAM_REPO,
                               "plain_http": True})


class RegistrySourceWithToken(unittest.TestCase):
    """An upstream registry behind a token server: the realm and service
    come from its challenge, the credentials from the docker config."""

    @classmethod
    def setUpClass(cls):
        cls.upstream = world.Registry(auth="token",
                                      users={"reader": "pw-reader"})
        push_tags(cls.upstream, UPSTREAM_REPO, ["1.0", "1.1", "2.0"])
        cls.target = world.Registry()

    @classmethod
    def tearDownClass(cls):
        cls.upstream.stop()
        cls.target.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def test_token_from_the_challenge(self):
        self.env.write_docker_auth(self.upstream.host, "reader", "pw-reader")
        self.env.write_config(self.target.host,
                              [registry_app("pg", self.upstream)])
        before = self.upstream.token_server.count
        st, r = self.env.status_json(expect_rc=None)
        a = app_of(st, "pg")
        self.assertIsNone(a.get("error"), a)
        self.assertEqual(self.versions(a), ["2.0", "1.1", "1.0"])
        self.assertGreater(self.upstream.token_server.count, before)
        # the password never shows
        self.assertNotIn("pw-reader", r.stdout + r.stderr)

    def test_wrong_credentials_say_so(self):
        self.env.write_docker_auth(self.upstream.host, "reader", "wrong")
        self.env.write_config(self.target.host,
                              [registry_app("pg", self.upstream)])
        st, r = self.env.status_json(expect_rc=None)
        err = app_of(st, "pg").get("error") or ""
        self.assertIn("registry-tags %s/%s" % (self.upstream.host,
                                               UPSTREAM_REPO), err)
        self.assertNotIn("wrong", err)
        self.assertNotIn("wrong", r.stdout + r.stderr)

    def versions(self, app):
        return [v["version"] for v in app["versions"]]


if __name__ == "__main__":
    import taprun
    taprun.main()
