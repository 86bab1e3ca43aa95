"""`mirrortop status` end to end: real registry, upstream fixtures."""
import json
import os
import re
import unittest

import world
from mt import Env, github_app, gitlab_app, app_of, version_of
from upstream import Upstream, gh_release, gh_tag, gl_tag

REPO = "mattermost/mattermost"


def releases(*tags, **kw):
    out = []
    for i, t in enumerate(tags):
        out.append(gh_release(t, published_at="2026-0%d-1%dT10:00:00Z"
                              % (1 + i % 9, i % 10), repo=REPO, **kw))
    return out


class StatusWorld(unittest.TestCase):
    """One registry and one upstream per test class."""

    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.up.faults.clear()

    def tearDown(self):
        self.env.__exit__(None)


class TestStates(StatusWorld):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.up.data["github"][REPO] = {"releases": releases(
            "v10.3.1", "v10.2.0", "v10.3.0", "v10.1.5", "v10.10.0",
            "v10.4.0-rc1", "not-a-version", "v10.0.0")}
        # v10.3.1: complete (OCI index with attestations)
        r = cls.reg
        ns = "test/mirror/mattermost"
        a = world.push_image(r, ns, None, arch="amd64")
        b = world.push_image(r, ns, None, arch="arm64", variant="v8")
        cls.idx = world.push_index(r, ns, "10.3.1", [(a, "amd64"),
                                                    (b, "arm64", "v8")])
        # v10.3.0: partial (single-arch amd64 image under the version tag)
        world.push_image(r, ns, "10.3.0", arch="amd64")
        # v10.2.0: staged (per-arch staging tags only)
        world.push_image(r, ns, "10.2.0-amd64", arch="amd64")
        world.push_image(r, ns, "10.2.0-arm64", arch="arm64")
        # v10.1.5: partial through staging (amd64 staged, arm64 missing)
        world.push_image(r, ns, "10.1.5-amd64", arch="amd64")
        # v10.10.0: docker manifest list, complete
        c = world.push_image(r, ns, None, arch="amd64", media="docker")
        d = world.push_image(r, ns, None, arch="arm64", media="docker")
        world.push_index(r, ns, "10.10.0", [(c, "amd64"), (d, "arm64")],
                         media="docker")
        # latest points at 10.3.1, but the semantic latest is 10.10.0
        world.tag(r, ns, "10.3.1", "latest")

    def status(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO)])
        data, _ = self.env.status_json()
        return app_of(data, "mattermost")

    def test_semver_order_and_window(self):
        app = self.status()
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["10.10.0", "10.3.1", "10.3.0", "10.2.0",
                          "10.1.5", "10.0.0"])

    def test_prerelease_and_junk_dropped(self):
        app = self.status()
        versions = [v["version"] for v in app["versions"]]
        self.assertNotIn("10.4.0-rc1", versions)
        self.assertNotIn("10.4.0", versions)

    def test_complete_index_with_attestations(self):
        v = version_of(self.status(), "10.3.1")
        self.assertEqual(v["archs"], {"amd64": "present", "arm64": "present"})
        self.assertEqual(v["state"], "complete")
        self.assertEqual(v["digest"], self.idx)
        self.assertEqual(v["tag"], "v10.3.1")
        self.assertEqual(v["image_tag"], "10.3.1")

    def test_docker_manifest_list_complete(self):
        v = version_of(self.status(), "10.10.0")
        self.assertEqual(v["state"], "complete")

    def test_single_arch_image_is_partial(self):
        v = version_of(self.status(), "10.3.0")
        self.assertEqual(v["archs"], {"amd64": "present", "arm64": "missing"})
        self.assertEqual(v["state"], "partial")

    def test_staged(self):
        v = version_of(self.status(), "10.2.0")
        self.assertEqual(v["archs"], {"amd64": "staged", "arm64": "staged"})
        self.assertEqual(v["state"], "staged")
        self.assertIsNone(v["digest"])

    def test_staged_and_missing_is_partial(self):
        v = version_of(self.status(), "10.1.5")
        self.assertEqual(v["archs"], {"amd64": "staged", "arm64": "missing"})
        self.assertEqual(v["state"], "partial")

    def test_missing(self):
        v = version_of(self.status(), "10.0.0")
        self.assertEqual(v["state"], "missing")

    def test_latest_and_drift(self):
        app = self.status()
        self.assertEqual(app["upstream_latest"], "10.10.0")
        self.assertEqual(app["registry_latest"], "10.3.1")
        self.assertTrue(app["latest_drift"])
        latest = [v["version"] for v in app["versions"] if v["is_latest"]]
        self.assertEqual(latest, ["10.10.0"])

    def test_json_schema_fields(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO)])
        data, _ = self.env.status_json()
        self.assertEqual(data["schema"], "mirrortop.status/v1")
        self.assertRegex(data["generated_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(data["registry"], self.reg.host)
        app = data["apps"][0]
        self.assertEqual(app["image"], self.reg.host +
                         "/test/mirror/mattermost")
        self.assertIsNone(app["error"])
        # v10.4.0-rc1 and not-a-version do not match the include.
        self.assertEqual(app["skipped"], {"drafts": 0, "prereleases": 0,
                                          "not_matching": 2,
                                          "not_a_version": 0})
        self.assertEqual(app["skipped_tags"], 2)
        v = app["versions"][0]
        self.assertEqual(set(v), {"version", "tag", "image_tag",
                                  "published_at", "html_url", "is_latest",
                                  "state",
                                  "archs", "digest", "targets",
                                  "supply_chain"})
        # The one target (named after its registry) repeats the primary.
        self.assertEqual(v["targets"], {self.reg.host: {
            "state": v["state"], "archs": v["archs"],
            "digest": v["digest"], "supply_chain": v["supply_chain"]}})
        self.assertEqual(app["targets"][self.reg.host]["image"],
                         app["image"])
        self.assertTrue(app["targets"][self.reg.host]["primary"])
        self.assertEqual(set(v["supply_chain"]), {"signature", "sbom",
                                                  "provenance", "found",
                                                  "latest_requires"})
        # no attest.latest_requires: no policy to meet
        self.assertIsNone(v["supply_chain"]["latest_requires"])

    def test_max_versions_window(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO, max_versions=2)])
        data, _ = self.env.status_json()
        self.assertEqual([v["version"] for v in data["apps"][0]["versions"]],
                         ["10.10.0", "10.3.1"])

    def test_table_output(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO)])
        r = self.env.run("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mattermost", r.stdout)
        self.assertRegex(r.stdout, r"10\.3\.0 .*partial\s+present\s+missing")
        self.assertRegex(r.stdout, r"10\.2\.0 .*staged\s+staged\s+staged")
        self.assertIn("latest drift", r.stdout)
        self.assertNotIn("\x1b", r.stdout)  # not a terminal: no colour

    def test_select_app_and_unknown_app(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO)])
        r = self.env.run("status", "--json", "mattermost")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.env.run("status", "nosuchapp")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown app "nosuchapp"', r.stderr)
        # it says which apps there are
        self.assertIn("(the configuration has: mattermost)", r.stderr)
        self.assertEqual(len(r.stderr.strip().split("\n")), 1, r.stderr)

    def test_second_refresh_costs_only_304s(self):
        self.env.write_config(self.reg.host, [github_app(
            "mattermost", self.up, REPO)])
        self.env.status_json()
        self.up.clear()
        data, _ = self.env.status_json()
        st = self.up.statuses("/github/repos/" + REPO)
        self.assertTrue(st, "no upstream request made")
        self.assertEqual(set(st), {304})
        self.assertEqual(len(data["apps"][0]["versions"]), 6)


class TestShapes(StatusWorld):
    def test_missing_repository_is_not_an_error(self):
        self.up.data["github"]["o/fresh"] = {"releases": [
            gh_release("v1.0.0", repo="o/fresh"),
            gh_release("v1.1.0", repo="o/fresh")]}
        self.env.write_config(self.reg.host, [github_app(
            "fresh", self.up, "o/fresh")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertIsNone(app["error"])
        self.assertEqual([v["state"] for v in app["versions"]],
                         ["missing", "missing"])
        self.assertIsNone(app["registry_latest"])

    def test_limitless_capture_sorts_as_release(self):
        tags = [gl_tag(n) for n in ("v11.0.4-limitless", "v10.12.1-limitless",
                                    "v11.0.4", "test", "v9.0.0-limitless",
                                    "v11.1.0-limitless")]
        self.up.data["gitlab"]["framasoft/framateam/mostlymatter"] = {
            "tags": tags}
        world.push_image(self.reg, "test/mirror/mostlymatter", "11.1.0",
                         arch="amd64")
        self.env.write_config(self.reg.host, [gitlab_app(
            "mostlymatter", self.up, "framasoft/framateam/mostlymatter",
            include=r"^v([0-9]+\.[0-9]+\.[0-9]+)-limitless$")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["11.1.0", "11.0.4", "10.12.1", "9.0.0"])
        self.assertEqual(app["versions"][1]["tag"], "v11.0.4-limitless")
        self.assertEqual(app["upstream_latest"], "11.1.0")
        self.assertEqual(app["versions"][0]["archs"]["amd64"], "present")

    def test_gitlab_pagination_past_100(self):
        tags = [gl_tag("v1.%d.0" % i) for i in range(130)]
        self.up.data["gitlab"]["g/many"] = {"tags": tags}
        self.env.write_config(self.reg.host, [gitlab_app(
            "many", self.up, "g/many", max_versions=3)])
        data, _ = self.env.status_json()
        self.assertEqual([v["version"] for v in data["apps"][0]["versions"]],
                         ["1.129.0", "1.128.0", "1.127.0"])

    def test_github_tags_source(self):
        self.up.data["github"]["o/tagged"] = {"tags": [
            gh_tag("v2.0.0", repo="o/tagged"), gh_tag("v2.1.0", repo="o/tagged"),
            gh_tag("nightly", repo="o/tagged")]}
        self.env.write_config(self.reg.host, [github_app(
            "tagged", self.up, "o/tagged", type="github-tags")])
        data, _ = self.env.status_json()
        self.assertEqual([v["version"] for v in data["apps"][0]["versions"]],
                         ["2.1.0", "2.0.0"])

    def test_plugin_scheme(self):
        self.up.data["github"]["o/plugin"] = {"releases": [
            gh_release("v0.0.1", repo="o/plugin"),
            gh_release("v0.0.2", repo="o/plugin")]}
        ns = "test/mirror/plugin"
        world.push_plugin(self.reg, ns, "0.0.1-amd64")
        world.push_plugin(self.reg, ns, "0.0.1-arm64")
        world.push_plugin(self.reg, ns, "0.0.2-amd64")
        world.tag(self.reg, ns, "0.0.1-amd64", "latest-amd64")
        self.env.write_config(self.reg.host, [github_app(
            "plugin", self.up, "o/plugin", manifest=False)])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        v2, v1 = app["versions"]
        self.assertEqual(v1["archs"], {"amd64": "present", "arm64": "present"})
        self.assertEqual(v1["state"], "complete")
        self.assertEqual(v2["archs"], {"amd64": "present", "arm64": "missing"})
        self.assertEqual(app["registry_latest"], "0.0.1")

    def test_hostile_tags_skipped_and_counted(self):
        self.up.data["github"]["o/hostile"] = {"releases": [
            gh_release("v1.0.0", repo="o/hostile",
                       name="\x1b]0;pwned\x07\x1b[2J evil"),
            gh_release("v1.1.0\x1b[31m", repo="o/hostile"),
            gh_release("v1..2", repo="o/hostile"),
            gh_release("v1.2.0 x", repo="o/hostile")]}
        self.env.write_config(self.reg.host, [github_app(
            "hostile", self.up, "o/hostile", include=None)])
        r = self.env.run("status", "--json")
        data = json.loads(r.stdout)
        app = data["apps"][0]
        self.assertEqual([v["version"] for v in app["versions"]], ["1.0.0"])
        self.assertEqual(app["skipped_tags"], 3)
        r = self.env.run("status")
        self.assertNotIn("\x1b", r.stdout + r.stderr)

    def test_arm_v7_variant(self):
        self.up.data["github"]["o/arm"] = {"releases": [
            gh_release("v1.0.0", repo="o/arm")]}
        ns = "test/mirror/arm"
        a = world.push_image(self.reg, ns, None, arch="amd64")
        b = world.push_image(self.reg, ns, None, arch="arm", variant="v7")
        world.push_index(self.reg, ns, "1.0.0", [(a, "amd64"),
                                                 (b, "arm", "v7")])
        self.env.write_config(self.reg.host, [github_app(
            "arm", self.up, "o/arm", archs=["amd64", "arm/v7", "arm64"])])
        data, _ = self.env.status_json()
        self.assertEqual(data["apps"][0]["versions"][0]["archs"],
                         {"amd64": "present", "arm/v7": "present",
                          "arm64": "missing"})


class TestLatestOutsideWindow(StatusWorld):
    def test_latest_older_than_the_window_is_named(self):
        repo = "o/old"
        self.up.data["github"][repo] = {"releases": [
            gh_release("v1.%d.0" % i, repo=repo) for i in range(6)]}
        ns = "test/mirror/old"
        for i in (0, 1, 5):
            world.push_image(self.reg, ns, "1.%d.0" % i, arch="amd64",
                             layer_bytes=("old %d" % i).encode())
        world.tag(self.reg, ns, "1.1.0", "latest")
        self.env.write_config(self.reg.host, [github_app(
            "old", self.up, repo, max_versions=2)])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["1.5.0", "1.4.0"])
        self.assertEqual(app["registry_latest"], "1.1.0")
        self.assertTrue(app["latest_drift"])
        r = self.env.run("status")
        self.assertIn("registry latest: 1.1.0", r.stdout)

    def test_plugin_latest_outside_the_window(self):
        repo = "o/oldplugin"
        self.up.data["github"][repo] = {"releases": [
            gh_release("v0.0.%d" % i, repo=repo) for i in range(1, 5)]}
        ns = "test/mirror/oldplugin"
        for i in (1, 4):
            for a in ("amd64", "arm64"):
                world.push_plugin(self.reg, ns, "0.0.%d-%s" % (i, a))
        world.tag(self.reg, ns, "0.0.1-amd64", "latest-amd64")
        self.env.write_config(self.reg.host, [github_app(
            "oldplugin", self.up, repo, manifest=False, max_versions=1)])
        data, _ = self.env.status_json()
        self.assertEqual(data["apps"][0]["registry_latest"], "0.0.1")

    def test_registry_unreachable_claims_no_drift(self):
        self.up.data["github"]["o/nodrift"] = {"releases": [
            gh_release("v1.0.0", repo="o/nodrift")]}
        self.env.write_config("127.0.0.1:1", [github_app(
            "nodrift", self.up, "o/nodrift")])
        r = self.env.run("status", "--json")
        self.assertEqual(r.returncode, 1)
        app = json.loads(r.stdout)["apps"][0]
        self.assertRegex(app["error"], r"^registry: ")
        self.assertFalse(app["latest_drift"])
        self.assertIsNone(app["registry_latest"])


class TestErrors(StatusWorld):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for repo in ("o/good", "o/bad"):
            cls.up.data["github"][repo] = {"releases": [
                gh_release("v1.0.0", repo=repo)]}

    def two_apps(self):
        self.env.write_config(self.reg.host, [
            github_app("good", self.up, "o/good"),
            github_app("bad", self.up, "o/bad")])

    def check_one_failure(self, fault, pattern):
        self.two_apps()
        self.up.faults["/github/repos/o/bad"] = [fault] * 5
        r = self.env.run("status", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        data = json.loads(r.stdout)
        good, bad = data["apps"]
        self.assertIsNone(good["error"])
        self.assertEqual(len(good["versions"]), 1)
        self.assertRegex(bad["error"], pattern)
        self.assertNotIn("\n", bad["error"])
        lines = [l for l in r.stderr.splitlines() if "bad" in l]
        self.assertEqual(len(lines), 1, r.stderr)
        return bad

    def test_server_error(self):
        self.check_one_failure("503", r"503")

    def test_not_found(self):
        self.check_one_failure("404", r"404")

    def test_malformed_json(self):
        self.check_one_failure("malformed", r"(?i)json")

    def test_truncated_json(self):
        self.check_one_failure("truncated", r"(?i)json")

    def test_rate_limited_until(self):
        self.check_one_failure("403-primary:1800",
                               r"rate limited until \d\d:\d\d")

    def test_html_error_page_not_echoed(self):
        bad = self.check_one_failure("html-404", r"404")
        self.assertNotIn("<", bad["error"])

    def test_retry_after_5xx(self):
        self.two_apps()
        self.up.faults["/github/repos/o/bad"] = ["503"]
        data, _ = self.env.status_json()
        self.assertIsNone(app_of(data, "bad")["error"])

    def test_registry_down(self):
        self.env.write_config("127.0.0.1:1", [
            github_app("good", self.up, "o/good")])
        r = self.env.run("status", "--json", env={})
        self.assertEqual(r.returncode, 1)
        data = json.loads(r.stdout)
        self.assertRegex(data["apps"][0]["error"], r"^registry: ")


class TestAuthAndPaging(unittest.TestCase):
    def setUp(self):
        self.up = Upstream({"github": {"o/app": {"releases": [
            gh_release("v%d.0.0" % i, repo="o/app") for i in range(1, 8)]}}})
        self.up.start()
        self.env = Env()

    def tearDown(self):
        self.up.stop()
        self.env.__exit__(None)

    def test_bearer_token_registry_reuses_token(self):
        with world.Registry(auth="token") as reg:
            for i in range(1, 8):
                world.push_image(reg, "test/mirror/app", "%d.0.0" % i,
                                 arch="amd64")
            reg.token_server.reset()
            self.env.write_config(reg.host, [github_app("app", self.up,
                                                        "o/app")])
            data, _ = self.env.status_json()
            app = data["apps"][0]
            self.assertIsNone(app["error"])
            self.assertEqual({v["archs"]["amd64"] for v in app["versions"]},
                             {"present"})
            self.assertLessEqual(reg.token_server.count, 2)

    def test_basic_auth_from_docker_config(self):
        with world.Registry(auth="basic", users={"bob": "hunter2"}) as reg:
            world.push_image(reg, "test/mirror/app", "7.0.0", arch="arm64")
            self.env.write_config(reg.host, [github_app("app", self.up,
                                                        "o/app")])
            r = self.env.run("status", "--json")
            self.assertEqual(r.returncode, 1)
            self.assertNotIn("hunter2", r.stdout + r.stderr)
            self.env.write_docker_auth(reg.host, "bob", "hunter2")
            data, r = self.env.status_json()
            self.assertEqual(data["apps"][0]["versions"][0]["archs"]["arm64"],
                             "present")
            self.assertNotIn("hunter2", r.stdout + r.stderr)

    def test_paging_registry(self):
        with world.Registry() as reg:
            for i in range(1, 8):
                world.push_image(reg, "test/mirror/app", "%d.0.0-amd64" % i,
                                 arch="amd64")
            for style in ("relative", "absolute"):
                with world.PagingRegistry(reg, page_size=2,
                                          link_style=style) as pr:
                    self.env.write_config(pr.host, [github_app(
                        "app", self.up, "o/app")])
                    data, _ = self.env.status_json()
                    states = [v["archs"]["amd64"]
                              for v in data["apps"][0]["versions"]]
                    self.assertEqual(states, ["staged"] * 7, style)


class TestConfigErrors(unittest.TestCase):
    def test_bad_config_exit_2_one_line(self):
        with Env() as env:
            with open(env.config_path, "w") as f:
                f.write('{\n  "registry": "ghcr.io",\n  "regsitry": 1\n}\n')
            r = env.run("status")
            self.assertEqual(r.returncode, 2)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertRegex(lines[0], r"config\.json:3:\d+: .*regsitry")

    def test_build_unknown_arch_is_a_usage_error(self):
        with Env() as env:
            env.write_config("127.0.0.1:1", [{
                "name": "app", "source": {"type": "github-releases",
                                          "repo": "o/app",
                                          "api": "http://127.0.0.1:1"}}])
            r = env.run("build", "app", "1.0.0", "--arch", "sparc")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--arch sparc", r.stderr)

    def test_config_check_prints_effective_config(self):
        with Env() as env:
            r = env.run("config", "check", config=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            cfg = json.loads(r.stdout)
            self.assertEqual(cfg["targets"], [{
                "name": "ghcr.io", "registry": "ghcr.io",
                "namespace": "this-is-tobi/mirror", "plain_http": False,
                # ghcr.io's defaults: what prune deletes through
                "packages_api": "https://api.github.com",
                "token_env": "GITHUB_TOKEN"}])
            self.assertEqual([a["name"] for a in cfg["apps"]],
                             ["mattermost", "mostlymatter", "outline"])


if __name__ == "__main__":
    import taprun
    taprun.main()
