"""Several targets: status per target against two real registries."""
import json
import re
import subprocess
import unittest

import world
from mt import Env, github_app, app_of, version_of
from openmetrics import parse
from upstream import Upstream, gh_release

REPO = "example/app"
NS = "test/mirror"


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (1 + i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_version(reg, repo, tag):
    """A deterministic two-arch index: the same bytes on any registry."""
    a = world.push_image(reg, repo, None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, repo, None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, repo, tag, [(a, "amd64"), (b, "arm64")])


def skopeo_copy(src, dst):
    subprocess.run(["skopeo", "copy", "--all", "--preserve-digests",
                    "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://" + src, "docker://" + dst],
                   check=True, capture_output=True, timeout=120)


class TargetsWorld(unittest.TestCase):
    """A primary ("ghcr") and a mirror ("hub") registry."""

    @classmethod
    def setUpClass(cls):
        cls.primary = world.Registry()
        cls.mirror = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": releases(
            "v1.0.0", "v2.0.0", "v3.0.0")}
        repo = NS + "/app"
        cls.d1 = push_version(cls.primary, repo, "1.0.0")
        cls.d2 = push_version(cls.primary, repo, "2.0.0")
        cls.d3 = push_version(cls.primary, repo, "3.0.0")
        world.tag(cls.primary, repo, "3.0.0", "latest")
        # the mirror: 2.0.0 copied (same digest), 1.0.0 another image,
        # 3.0.0 not there, latest on 2.0.0
        skopeo_copy("%s/%s:2.0.0" % (cls.primary.host, repo),
                    "%s/%s:2.0.0" % (cls.mirror.host, repo))
        world.tag(cls.mirror, repo, "2.0.0", "latest")
        a = world.push_image(cls.mirror, repo, None, arch="amd64",
                             layer_bytes=b"something else")
        cls.other = world.push_index(cls.mirror, repo, "1.0.0",
                                     [(a, "amd64")])

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.primary.stop()
        cls.mirror.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def targets(self, *extra):
        t = [{"name": "ghcr", "registry": self.primary.host,
              "namespace": NS, "plain_http": True},
             {"name": "hub", "registry": self.mirror.host,
              "namespace": NS, "plain_http": True}]
        return t + list(extra)

    def write(self, cfg_targets=None, **app):
        cfg = {"targets": cfg_targets or self.targets(),
               "archs": ["amd64", "arm64"],
               "apps": [github_app("app", self.up, REPO, **app)]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)


def without_supply(entry):
    """A target entry without its supply_chain (test_supply_targets.py)."""
    return {k: v for k, v in entry.items() if k != "supply_chain"}


class TestStatusPerTarget(TargetsWorld):
    def test_states_per_target(self):
        self.write()
        data, _ = self.env.status_json()
        app = app_of(data, "app")
        # the primary's fields are where they always were
        self.assertEqual(data["registry"], self.primary.host)
        self.assertEqual(app["image"], self.primary.host + "/" + NS + "/app")
        v3, v2, v1 = (version_of(app, x) for x in ("3.0.0", "2.0.0",
                                                   "1.0.0"))
        for v, d in ((v3, self.d3), (v2, self.d2), (v1, self.d1)):
            self.assertEqual(v["state"], "complete")
            self.assertEqual(v["digest"], d)
            self.assertEqual(without_supply(v["targets"]["ghcr"]), {
                "state": "complete", "digest": d,
                "archs": {"amd64": "present", "arm64": "present"}})
        # missing on the mirror only
        self.assertEqual(without_supply(v3["targets"]["hub"]), {
            "state": "missing", "digest": None,
            "archs": {"amd64": "missing", "arm64": "missing"}})
        # copied with its digest: complete there too
        self.assertEqual(v2["targets"]["hub"]["state"], "complete")
        self.assertEqual(v2["targets"]["hub"]["digest"], self.d2)
        # another digest under the same tag: differs, with its own archs
        self.assertEqual(without_supply(v1["targets"]["hub"]), {
            "state": "differs", "digest": self.other,
            "archs": {"amd64": "present", "arm64": "missing"}})
        # latest per target
        t = app["targets"]
        self.assertEqual(t["ghcr"]["latest"], {
            "digest": self.d3, "version": "3.0.0", "drift": False})
        self.assertTrue(t["ghcr"]["primary"])
        self.assertEqual(t["hub"]["latest"], {
            "digest": self.d2, "version": "2.0.0", "drift": True})
        self.assertFalse(t["hub"]["primary"])
        self.assertEqual(t["hub"]["image"],
                         self.mirror.host + "/" + NS + "/app")
        self.assertFalse(app["latest_drift"])
        self.assertIsNone(app["error"])

    def test_table_shows_which_target_lacks_which_version(self):
        self.write()
        r = self.env.run("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        header = [l for l in lines if l.strip().startswith("VERSION")][0]
        self.assertRegex(header, r"amd64\s+arm64\s+hub\s+SBP\s+DIGEST")
        rows = {l.split()[0]: l for l in lines
                if re.match(r"^\s+\d+\.\d+\.\d+", l)}
        self.assertRegex(rows["3.0.0"], r"complete\s+present\s+present\s+"
                         r"missing\s+\S{3}\s+sha256:")
        self.assertRegex(rows["2.0.0"], r"present\s+complete\s+\S{3}\s+"
                         r"sha256:")
        self.assertRegex(rows["1.0.0"], r"present\s+differs\s+\S{3}\s+"
                         r"sha256:")
        self.assertIn("hub latest: 2.0.0  (latest drift)", r.stdout)

    def test_openmetrics_per_target(self):
        self.write()
        r = self.env.run("status", "--format", "openmetrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        fams = parse(r.stdout)

        def by(name, **want):
            return {(l["target"], l.get("state")): v
                    for _, l, v in fams[name].samples
                    if all(l.get(k) == x for k, x in want.items())}
        tv = by("mirrortop_target_versions", app="app")
        self.assertEqual(tv[("ghcr", "complete")], 3)
        self.assertEqual(tv[("ghcr", "missing")], 0)
        # the mirror lacks 3.0.0 and holds another 1.0.0
        self.assertEqual(tv[("hub", "complete")], 1)
        self.assertEqual(tv[("hub", "missing")], 1)
        self.assertEqual(tv[("hub", "differs")], 1)
        drift = by("mirrortop_target_latest_drift", app="app")
        self.assertEqual(drift, {("ghcr", None): 0, ("hub", None): 1})

    def test_unreachable_mirror_is_an_error_naming_it(self):
        dead = {"name": "quay", "registry": "127.0.0.1:1",
                "namespace": NS, "plain_http": True}
        self.write(cfg_targets=self.targets(dead))
        data, r = self.env.status_json(expect_rc=1)
        app = app_of(data, "app")
        self.assertIn("quay", app["error"])
        # the others are still checked
        v3 = version_of(app, "3.0.0")
        self.assertEqual(v3["state"], "complete")
        self.assertEqual(v3["targets"]["hub"]["state"], "missing")
        self.assertTrue(app["targets"]["quay"]["unknown"])
        self.assertFalse(app["targets"]["hub"]["unknown"])

    def test_app_narrowed_to_one_target_uses_it_as_primary(self):
        self.write(targets=["hub"])
        data, _ = self.env.status_json()
        app = app_of(data, "app")
        self.assertEqual(app["image"], self.mirror.host + "/" + NS + "/app")
        self.assertEqual(list(app["targets"]), ["hub"])
        v2 = version_of(app, "2.0.0")
        self.assertEqual(v2["state"], "complete")
        self.assertEqual(v2["digest"], self.d2)
        self.assertEqual(version_of(app, "3.0.0")["state"], "missing")
        self.assertEqual(list(v2["targets"]), ["hub"])

    def test_config_check_prints_the_targets(self):
        self.write(targets=["hub", "ghcr"])
        r = self.env.run("config", "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = json.loads(r.stdout)
        self.assertEqual([t["name"] for t in cfg["targets"]],
                         ["ghcr", "hub"])
        self.assertEqual(cfg["targets"][1]["registry"], self.mirror.host)
        self.assertNotIn("registry", cfg)
        self.assertEqual(cfg["apps"][0]["targets"], ["hub", "ghcr"])

    def test_targets_and_registry_together_is_a_config_error(self):
        cfg = {"registry": self.primary.host, "targets": self.targets(),
               "apps": [github_app("app", self.up, REPO)]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)
        r = self.env.run("status")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("not both", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
