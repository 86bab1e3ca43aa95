"""Refreshing costs no pulls: manifests and configs come from the
content-addressed cache; a warm refresh is HEADs only (counted by a proxy
in front of each real registry)."""
import glob
import json
import os
import re
import unittest

import world
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "example/app"
NS = "test/mirror"
MANIFEST = re.compile(r"^/v2/.+/manifests/")
BLOB = re.compile(r"^/v2/.+/blobs/")


def push_version(reg, repo, tag):
    a = world.push_image(reg, repo, None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, repo, None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, repo, tag, [(a, "amd64"), (b, "arm64")])


def counts(proxy):
    """(manifest GETs, manifest HEADs, blob GETs) seen since the reset."""
    with proxy.lock:
        reqs = list(proxy.requests)
    get = sum(1 for m, p, _, _ in reqs if m == "GET" and MANIFEST.match(p))
    head = sum(1 for m, p, _, _ in reqs if m == "HEAD" and MANIFEST.match(p))
    blob = sum(1 for m, p, _, _ in reqs if m == "GET" and BLOB.match(p))
    return get, head, blob


def reset(proxy):
    with proxy.lock:
        proxy.requests = []


def strip(data):
    data = dict(data)
    data.pop("generated_at", None)
    return data


class TestWarmRefresh(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.primary = world.Registry()
        cls.mirror = world.Registry()
        cls.pp = world.SlowProxy(cls.primary, 0)
        cls.mp = world.SlowProxy(cls.mirror, 0)
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": [
            gh_release(t, repo=REPO, published_at="2026-01-0%dT10:00:00Z"
                       % (i + 1))
            for i, t in enumerate(("v1.0.0", "v2.0.0", "v3.0.0"))]}
        repo = NS + "/app"
        cls.d2 = push_version(cls.primary, repo, "2.0.0")
        cls.d3 = push_version(cls.primary, repo, "3.0.0")
        # a single-arch image: its arch comes from its config blob
        world.push_image(cls.primary, repo, "1.0.0", arch="arm64")
        world.tag(cls.primary, repo, "3.0.0", "latest")
        push_version(cls.mirror, repo, "2.0.0")
        a = world.push_image(cls.mirror, repo, None, arch="amd64",
                             layer_bytes=b"another")
        cls.other = world.push_index(cls.mirror, repo, "3.0.0",
                                     [(a, "amd64")])

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.pp.stop()
        cls.mp.stop()
        cls.primary.stop()
        cls.mirror.stop()

    def setUp(self):
        self.env = Env()
        cfg = {"targets": [
            {"name": "ghcr", "registry": self.pp.host, "namespace": NS,
             "plain_http": True},
            {"name": "hub", "registry": self.mp.host, "namespace": NS,
             "plain_http": True}],
            "apps": [github_app("app", self.up, REPO)]}
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)
        reset(self.pp)
        reset(self.mp)

    def tearDown(self):
        self.env.__exit__(None)

    def check_states(self, data):
        app = app_of(data, "app")
        self.assertIsNone(app["error"])
        v1, v3 = version_of(app, "1.0.0"), version_of(app, "3.0.0")
        self.assertEqual(v1["archs"], {"amd64": "missing",
                                       "arm64": "present"})
        self.assertEqual(v3["state"], "complete")
        self.assertEqual(v3["targets"]["hub"]["state"], "differs")
        self.assertEqual(v3["targets"]["hub"]["archs"],
                         {"amd64": "present", "arm64": "missing"})
        self.assertEqual(version_of(app, "2.0.0")["targets"]["hub"]
                         ["state"], "complete")

    def test_warm_refresh_issues_no_manifest_get(self):
        cold, _ = self.env.status_json()
        self.check_states(cold)
        pg, ph, pb = counts(self.pp)
        mg, mh, mb = counts(self.mp)
        # cold: every manifest read once, by digest, after its HEAD: 3,
        # and the buildx attestation manifest of each child of the 2
        # indexes (discovery: SBOM or provenance)
        self.assertEqual(pg, 3 + 4, self.pp.requests)
        self.assertEqual(pb, 1)     # the single-arch image's config
        # the mirror's differing index, and its attestation manifest
        # (discovery on the mirror); the attestation manifests of the
        # index it holds digest for digest are the primary's: cached
        self.assertEqual(mg, 2, self.mp.requests)
        self.assertEqual(mb, 0)
        self.assertGreater(ph, 0)
        self.assertGreater(mh, 0)
        for m, p, _, _ in self.pp.requests + self.mp.requests:
            if m == "GET" and MANIFEST.match(p):
                self.assertRegex(p, r"/manifests/sha256:[0-9a-f]{64}$")
        reset(self.pp)
        reset(self.mp)

        warm, _ = self.env.status_json()
        self.assertEqual(strip(warm), strip(cold))
        pg, ph, pb = counts(self.pp)
        mg, mh, mb = counts(self.mp)
        self.assertEqual((pg, pb, mg, mb), (0, 0, 0, 0),
                         self.pp.requests + self.mp.requests)
        # 3 version tags and latest on the primary; 2 tags and none for
        # latest on the mirror
        self.assertEqual(ph, 4)
        self.assertEqual(mh, 2)

    def test_tampered_entry_is_fetched_again(self):
        self.env.status_json()
        entries = glob.glob(os.path.join(self.env.state, "mirrortop",
                                         "cache", "sha256-*"))
        self.assertGreaterEqual(len(entries), 5)
        for path in entries:
            with open(path, "r+b") as f:
                f.seek(-2, os.SEEK_END)
                f.write(b"!!")
        reset(self.pp)
        reset(self.mp)
        data, _ = self.env.status_json()
        self.check_states(data)
        self.assertEqual(counts(self.pp)[0], 3 + 4)
        self.assertEqual(counts(self.mp)[0], 2)

    def test_tag_moved_to_an_unknown_digest_is_fetched(self):
        self.env.status_json()
        repo = NS + "/app"
        world.tag(self.primary, repo, self.d2, "3.0.0")
        try:
            reset(self.pp)
            data, _ = self.env.status_json()
            # the moved tag's digest is already cached (2.0.0's index):
            # still no GET
            self.assertEqual(counts(self.pp)[0], 0)
            v3 = version_of(app_of(data, "app"), "3.0.0")
            self.assertEqual(v3["digest"], self.d2)
        finally:
            world.tag(self.primary, repo, self.d3, "3.0.0")


if __name__ == "__main__":
    import taprun
    taprun.main()
