"""Version schemes and honest skip counts, end to end through `status`."""
import json
import os
import unittest

import world
from mt import Env, github_app, gitlab_app, version_of
from upstream import Upstream, gh_release, gh_tag

# Real recorded exchanges (see its README); read in place, never copied.
REAL = os.path.join(os.environ.get("MT_SRCDIR", "."), "..", "shared",
                    "real-traffic")


def recorded_bodies(name):
    """Every list element of every recorded exchange of one file."""
    path = os.path.join(REAL, name)
    if not os.path.exists(path):
        raise unittest.SkipTest("no recording %s" % path)
    with open(path) as f:
        rec = json.load(f)
    out = []
    for ex in rec["exchanges"]:
        body = ex.get("body")
        if isinstance(body, str):
            body = json.loads(body) if body.strip() else []
        if isinstance(body, list):
            out.extend(body)
    return out


# The shape of the issue: two-component releases and one patch release.
RCLONE = ["v1.55", "v1.54", "v1.53", "v1.52", "v1.51", "v1.50", "v1.49",
          "v1.48", "v1.47", "v1.46", "v1.45", "v1.54.1"]


class World(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"]["o/rclone"] = {"releases": [
            gh_release(t, repo="o/rclone") for t in RCLONE]}

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)


class TestVersioning(World):
    def test_semver_skips_two_components_and_says_so(self):
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include=None)])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        # Only 1.54.1 is SemVer: the wrong latest the issue reported.
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["1.54.1"])
        self.assertEqual(app["skipped"], {"drafts": 0, "prereleases": 0,
                                          "not_matching": 0,
                                          "not_a_version": 11})
        self.assertEqual(app["skipped_tags"], 11)
        r = self.env.run("status")
        self.assertIn("11 skipped tags look like versions: check include "
                      "and versioning (semver)", r.stdout)

    def test_loose_window_keeps_upstream_spelling(self):
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include=None,
            versioning="loose", max_versions=4)])
        world.push_image(self.reg, "test/mirror/rclone", "1.54.1",
                         arch="amd64")
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertIsNone(app["error"])
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["1.55", "1.54.1", "1.54", "1.53"])
        self.assertEqual([v["tag"] for v in app["versions"]],
                         ["v1.55", "v1.54.1", "v1.54", "v1.53"])
        self.assertEqual(version_of(app, "1.54.1")["image_tag"], "1.54.1")
        self.assertEqual(version_of(app, "1.54.1")["archs"]["amd64"],
                         "present")
        self.assertEqual(app["upstream_latest"], "1.55")
        self.assertEqual(app["skipped_tags"], 0)
        r = self.env.run("status")
        self.assertNotIn("look like versions", r.stdout)

    def test_regex_order_spelling_and_order(self):
        self.up.data["github"]["o/android"] = {"tags": [
            gh_tag(t) for t in ("r9", "r27", "r100", "r27b", "nightly")]}
        self.env.write_config(self.reg.host, [github_app(
            "android", self.up, "o/android", type="github-tags",
            include="^r(?<c1>[0-9]+)$", versioning="regex-order")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertEqual([(v["version"], v["image_tag"])
                          for v in app["versions"]],
                         [("r100", "r100"), ("r27", "r27"), ("r9", "r9")])
        self.assertEqual(app["upstream_latest"], "r100")
        self.assertEqual(app["skipped"]["not_matching"], 2)

    def test_regex_order_without_groups_is_a_config_error(self):
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include="^v([0-9.]+)$",
            versioning="regex-order")])
        r = self.env.run("config", "check")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertRegex(r.stderr, r"apps\[0\]\.include: regex-order needs "
                         r"named groups c1, c2")
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", versioning="semver2")])
        r = self.env.run("config", "check")
        self.assertEqual(r.returncode, 2)
        self.assertIn('apps[0].versioning: unknown versioning "semver2" '
                      "(known: semver, loose, calver, regex-order)", r.stderr)

    def test_recorded_drafts_counted_as_drafts(self):
        # octokit's recording: three drafts (untagged-*) and test-tag.
        rels = [r for r in recorded_bodies("gh-octokit-releases.json")
                if "tag_name" in r]
        self.up.data["github"]["o/octokit"] = {"releases": rels}
        self.env.write_config(self.reg.host, [github_app(
            "octokit", self.up, "o/octokit", include=None)])
        # Only an authenticated caller sees drafts.
        r = self.env.run("status", "--json", env={"GITHUB_TOKEN": "t0k"})
        self.assertEqual(r.returncode, 0, r.stderr)
        app = json.loads(r.stdout)["apps"][0]
        self.assertEqual(app["skipped"], {"drafts": 3, "prereleases": 0,
                                          "not_matching": 0,
                                          "not_a_version": 1})
        self.assertEqual(app["skipped_tags"], 4)

    def test_recorded_gitlab_junk_is_not_version_like(self):
        # graphviz's recording: 2.44.1, 2.44.0, 2.42.4, Nightly and 57
        # untagged-* releases over four pages.
        rels = recorded_bodies("gl-graphviz-releases.json")
        self.up.data["gitlab"]["graphviz/graphviz"] = {"releases": rels}
        self.env.write_config(self.reg.host, [gitlab_app(
            "graphviz", self.up, "graphviz/graphviz",
            type="gitlab-releases")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["2.44.1", "2.44.0", "2.42.4"])
        self.assertEqual(app["skipped"]["not_a_version"], len(rels) - 3)
        r = self.env.run("status")
        self.assertNotIn("look like versions", r.stdout)
        self.assertIn("not a version %d" % (len(rels) - 3), r.stdout)

    def test_prereleases_counted_unless_kept(self):
        self.up.data["github"]["o/pre"] = {"releases": [
            gh_release("v2.0.0-rc.1", prerelease=True, repo="o/pre"),
            gh_release("v1.0.0", repo="o/pre")]}
        self.env.write_config(self.reg.host, [github_app(
            "pre", self.up, "o/pre", include=None)])
        data, _ = self.env.status_json()
        self.assertEqual(data["apps"][0]["skipped"]["prereleases"], 1)
        self.assertEqual([v["version"] for v in data["apps"][0]["versions"]],
                         ["1.0.0"])


class TestNoDriftWithoutLatest(World):
    def test_no_repository_no_drift(self):
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include=None, versioning="loose",
            image="nothing-here")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertEqual(app["upstream_latest"], "1.55")
        self.assertIsNone(app["registry_latest"])
        self.assertFalse(app["latest_drift"])

    def test_repository_without_latest_no_drift(self):
        world.push_image(self.reg, "test/mirror/nolatest", "1.50",
                         arch="amd64")
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include=None, versioning="loose",
            image="nolatest")])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertFalse(app["latest_drift"])
        r = self.env.run("status")
        self.assertNotIn("drift", r.stdout)

    def test_latest_elsewhere_is_drift(self):
        world.push_image(self.reg, "test/mirror/oldlatest", "1.50",
                         arch="amd64")
        world.push_image(self.reg, "test/mirror/oldlatest", "latest",
                         arch="amd64")
        self.env.write_config(self.reg.host, [github_app(
            "rclone", self.up, "o/rclone", include=None, versioning="loose",
            image="oldlatest")])
        data, _ = self.env.status_json()
        self.assertTrue(data["apps"][0]["latest_drift"])


if __name__ == "__main__":
    import taprun
    taprun.main()
