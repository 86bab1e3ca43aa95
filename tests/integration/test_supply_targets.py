"""Signatures, SBOMs and provenance per mirror target: discovery runs on
each target that holds a version, on what that target holds, and
`targets.{name}.supply_chain` says what it found there.

The primary is a real registry holding 3.23.2 as our own two-arch index,
signed with cosign's tag scheme. One mirror ("hub") serves the objects
recorded from Docker Hub's library/alpine:3.23.2 (the shared real-traffic
recording reg-alpine-3.23.2.json, read in place): another digest, whose
buildx attestation manifests carry an SPDX SBOM and SLSA provenance per
image. Another mirror ("quay") is a real registry with the primary's index
copied digest for digest, but not its signature."""
import json
import os
import subprocess
import unittest

import supplychain as sc
import world
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "alpinelinux/docker-alpine"
NS = "test/mirror"
IMAGE = NS + "/alpine"
REAL = os.path.join(os.environ.get("MT_SRCDIR", "."), "..", "shared",
                    "real-traffic", "reg-alpine-3.23.2.json")
ALPINE = "sha256:329369410798e68040c55716664ae9a4290548682391301bd9cc1401849a25a8"
# its amd64 and arm64 (v8) images, as the recorded index lists them
ALPINE_AMD64 = ("sha256:1882fa4569e0c591ea092d3766c4893e19b8901a8e649de7"
                "067188aba3cc0679")


def states(s):
    return (s["signature"], s["sbom"], s["provenance"])


class SupplyTargets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(REAL):
            raise unittest.SkipTest("no recording %s" % REAL)
        cls.primary = world.Registry()
        cls.quay = world.Registry()
        cls.hub = sc.RecordedRegistry(REAL, IMAGE, {"3.23.2": ALPINE})
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": [
            gh_release("v3.23.2", repo=REPO,
                       published_at="2025-12-18T00:00:00Z"),
            gh_release("v3.23.0", repo=REPO,
                       published_at="2025-12-01T00:00:00Z")]}
        a = world.push_image(cls.primary, IMAGE, None, arch="amd64",
                             layer_bytes=b"3.23.2 amd64")
        b = world.push_image(cls.primary, IMAGE, None, arch="arm64",
                             layer_bytes=b"3.23.2 arm64")
        cls.d = world.push_index(cls.primary, IMAGE, "3.23.2",
                                 [(a, "amd64"), (b, "arm64")],
                                 attestation=False)
        subprocess.run(["skopeo", "copy", "--all", "--preserve-digests",
                        "--src-tls-verify=false", "--dest-tls-verify=false",
                        "docker://%s/%s:3.23.2" % (cls.primary.host, IMAGE),
                        "docker://%s/%s:3.23.2" % (cls.quay.host, IMAGE)],
                       check=True, capture_output=True, timeout=120)
        sc.cosign_sign(cls.primary, IMAGE, cls.d, host=cls.primary.host)

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.hub.stop()
        cls.quay.stop()
        cls.primary.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def write(self):
        t = [{"name": "ghcr", "registry": self.primary.host,
              "namespace": NS, "plain_http": True},
             {"name": "hub", "registry": self.hub.host, "namespace": NS,
              "plain_http": True},
             {"name": "quay", "registry": self.quay.host, "namespace": NS,
              "plain_http": True}]
        cfg = {"targets": t, "archs": ["amd64", "arm64"],
               "apps": [github_app("alpine", self.up, REPO)]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)

    def status(self, expect_rc=0):
        self.write()
        data, _ = self.env.status_json(expect_rc=expect_rc)
        app = app_of(data, "alpine")
        if expect_rc == 0:
            self.assertIsNone(app["error"])
        return app

    def test_each_target_has_its_own(self):
        v = version_of(self.status(), "3.23.2")
        t = v["targets"]
        # the primary: the signature only, as at the top level
        self.assertEqual(states(v["supply_chain"]),
                         ("present", "missing", "missing"))
        self.assertEqual(t["ghcr"]["supply_chain"], v["supply_chain"])
        # copied digest for digest, but the signature was not
        self.assertEqual(t["quay"]["state"], "complete")
        self.assertEqual(states(t["quay"]["supply_chain"]),
                         ("missing",) * 3)
        # the recorded Docker Hub index: another digest, and buildx's
        # attestation manifests found inside it
        hub = t["hub"]
        self.assertEqual(hub["state"], "differs")
        self.assertEqual(hub["digest"], ALPINE)
        self.assertEqual(states(hub["supply_chain"]),
                         ("missing", "present", "present"))
        found = hub["supply_chain"]["found"]
        self.assertTrue(found)
        self.assertEqual({f["via"] for f in found}, {"attestation-manifest"})
        self.assertTrue(all(f["ref"].startswith(self.hub.host + "/" + IMAGE
                                                + "@sha256:")
                            for f in found), found)
        self.assertIn(ALPINE_AMD64, {f["subject"] for f in found})
        self.assertEqual({f["kind"] for f in found}, {"sbom", "provenance"})

    def test_a_version_a_target_lacks(self):
        v = version_of(self.status(), "3.23.0")
        for name in ("hub", "quay"):
            self.assertEqual(v["targets"][name]["state"], "missing")
            self.assertEqual(states(v["targets"][name]["supply_chain"]),
                             ("missing",) * 3)
            self.assertEqual(v["targets"][name]["supply_chain"]["found"], [])

    def test_a_target_down_is_unknown(self):
        self.hub.fail(r"/v2/", status=503, times=10 ** 6)
        try:
            app = self.status(expect_rc=None)
        finally:
            with self.hub.lock:
                self.hub.faults.clear()
        v = version_of(app, "3.23.2")
        self.assertEqual(states(v["targets"]["hub"]["supply_chain"]),
                         ("unknown",) * 3)
        # the others are asked all the same
        self.assertEqual(states(v["targets"]["ghcr"]["supply_chain"]),
                         ("present", "missing", "missing"))


if __name__ == "__main__":
    import taprun
    taprun.main()
