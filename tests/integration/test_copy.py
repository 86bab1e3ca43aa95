"""Copy as a plan step: versions copied from the primary target to a
mirror, digest-preserving, between two real registries on loopback."""
import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

import supplychain as sc
import world
from mt import Env, MIRRORTOP, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "example/app"
NS = "test/mirror"
IMAGE = NS + "/app"


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (1 + i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_version(reg, repo, tag, archs=("amd64", "arm64")):
    """A multi-arch index with buildx attestation manifests."""
    kids = [(world.push_image(reg, repo, None, arch=a,
                              layer_bytes=("%s %s" % (tag, a)).encode()), a)
            for a in archs]
    return world.push_index(reg, repo, tag, kids, attestation=True)


def entries(reg, repo, digest, user=None, password=None):
    """The digests an index lists (images and attestation manifests)."""
    body = world.manifest(reg, repo, digest, user, password)[0]
    return [e["digest"] for e in json.loads(body)["manifests"]]


def skopeo_digest(host, repo, ref, creds=None):
    """The digest of repo:ref as skopeo reads it (sha256 of the bytes)."""
    argv = ["skopeo", "inspect", "--raw", "--tls-verify=false"]
    if creds:
        argv += ["--creds", "%s:%s" % creds]
    out = subprocess.run(argv + ["docker://%s/%s:%s" % (host, repo, ref)],
                         check=True, capture_output=True, timeout=120).stdout
    return "sha256:" + hashlib.sha256(out).hexdigest()


class HangingProxy(world._Proxy):
    """A registry front that, once armed, holds the first manifest PUT
    (after the blobs before it went through) until released, then fails
    it: the client can be killed while it waits."""

    def __init__(self, target):
        self.armed = False
        self.hung = threading.Event()
        self.release = threading.Event()
        super().__init__(target)

    def handle(self, h, method, path, headers, body):
        if self.armed and method == "PUT" and "/manifests/" in path:
            self.hung.set()
            self.release.wait(300)
            return 502, [("Content-Type", "text/plain")], b"gone\n"
        return self.forward(method, path, headers, body)


class CopyWorld(unittest.TestCase):
    """A primary ("ghcr", anonymous) and a mirror ("hub") behind a token
    server, like Docker Hub's."""

    mirror_auth = "token"

    @classmethod
    def setUpClass(cls):
        cls.primary = world.Registry()
        cls.mirror = world.Registry(auth=cls.mirror_auth)
        cls.creds = cls.mirror.credentials
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": releases(
            "v1.0.0", "v2.0.0")}
        cls.d1 = push_version(cls.primary, IMAGE, "1.0.0")
        cls.d2 = push_version(cls.primary, IMAGE, "2.0.0")
        world.tag(cls.primary, IMAGE, "2.0.0", "latest")
        # a signature, an attestation and an SBOM (cosign's tags) and a
        # referrer kept in the fallback tag, on the index and a child
        cls.sig = sc.cosign_sign(cls.primary, IMAGE, cls.d2)
        cls.att = sc.cosign_attest(cls.primary, IMAGE, cls.d2, sc.SLSA_V1)
        cls.sbom = sc.cosign_attach_sbom(cls.primary, IMAGE, cls.d2)
        child = entries(cls.primary, IMAGE, cls.d2)[0]
        sc.referrer(cls.primary, IMAGE, child, sc.BUNDLE, fallback=True)
        cls.child = child

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.primary.stop()
        cls.mirror.stop()

    def setUp(self):
        self.env = Env()
        if self.creds:
            self.env.write_docker_auth(self.mirror.host, *self.creds)

    def tearDown(self):
        self.env.__exit__(None)

    def write(self, mirror_host=None, **top):
        cfg = {"targets": [
            {"name": "ghcr", "registry": self.primary.host,
             "namespace": NS, "plain_http": True},
            {"name": "hub", "registry": mirror_host or self.mirror.host,
             "namespace": NS, "plain_http": True}],
            "archs": ["amd64", "arm64"],
            "apps": [github_app("app", self.up, REPO)]}
        cfg.update(top)
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)

    def mirror_digest(self, ref, repo=IMAGE):
        got = world.manifest(self.mirror, repo, ref, *(self.creds or ()))
        return got[2] if got else None

    def mirror_tags(self, repo=IMAGE):
        return world.tags(self.mirror, repo, *(self.creds or ()))


class TestCopyAcrossRegistries(CopyWorld):
    def test_copy_is_digest_identical_with_everything_it_references(self):
        self.write()
        r = self.env.run("copy", "app", "2.0.0", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("copied app 2.0.0 to hub", r.stderr)
        # the index and latest: the primary's digest, by mirrortop's
        # read-back, by the registry and by skopeo
        self.assertEqual(self.mirror_digest("2.0.0"), self.d2)
        self.assertEqual(self.mirror_digest("latest"), self.d2)
        self.assertEqual(skopeo_digest(self.mirror.host, IMAGE, "2.0.0",
                                       self.creds), self.d2)
        # every child: images and buildx attestation manifests
        kids = entries(self.primary, IMAGE, self.d2)
        self.assertEqual(len(kids), 4)
        for d in kids:
            self.assertEqual(self.mirror_digest(d), d)
        # every blob of every child, byte for byte
        for d in kids:
            man = json.loads(world.manifest(self.primary, IMAGE, d)[0])
            for b in [man["config"]] + man["layers"]:
                self.assertEqual(world.blob(self.mirror, IMAGE, b["digest"],
                                            *self.creds),
                                 world.blob(self.primary, IMAGE,
                                            b["digest"]))
        # cosign's tags and the referrers fallback tag, same digests
        for suffix, want in ((".sig", self.sig), (".att", self.att),
                             (".sbom", self.sbom)):
            self.assertEqual(self.mirror_digest(
                sc.sig_tag(self.d2, suffix)), want)
        fb = sc.sig_tag(self.child, "")
        self.assertEqual(self.mirror_digest(fb),
                         world.manifest(self.primary, IMAGE, fb)[2])
        for d in entries(self.primary, IMAGE, fb):
            self.assertEqual(self.mirror_digest(d), d)
        # mirrortop sees the version complete on both targets, the
        # mirror's supply chain too
        data, _ = self.env.status_json()
        v2 = version_of(app_of(data, "app"), "2.0.0")
        self.assertEqual(v2["targets"]["hub"]["state"], "complete")
        self.assertEqual(v2["targets"]["hub"]["digest"], self.d2)
        self.assertFalse(app_of(data, "app")["targets"]["hub"]["latest"]
                         ["drift"])
        # the copy is an event
        r = self.env.run("events", "--json")
        evs = [e for e in json.loads(r.stdout)["events"]
               if e.get("kind") == "copy"]
        self.assertEqual(len(evs), 1, r.stdout)
        self.assertEqual(evs[0]["type"], "build_succeeded")
        self.assertEqual(evs[0]["target"], "hub")
        # a second copy has nothing to do
        r = self.env.run("copy", "app", "2.0.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("up to date on hub", r.stderr)

    def test_dry_run_copies_nothing(self):
        self.write()
        before = self.mirror_tags()
        r = self.env.run("copy", "--dry-run", "app", "1.0.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1. copy app 1.0.0 ghcr -> hub: PUT %s/%s:1.0.0 = %s"
                      % (self.mirror.host, IMAGE, self.d1), r.stdout)
        self.assertIn("1.0.0 now: absent", r.stdout)
        r = self.env.run("copy", "--dry-run", "--json", "app", "1.0.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(len(plan["steps"]), 1)
        st = plan["steps"][0]
        self.assertEqual((st["kind"], st["from"], st["target"], st["digest"],
                          st["tags"]), ("copy", "ghcr", "hub", self.d1,
                                        ["1.0.0"]))
        self.assertEqual(self.mirror_tags(), before)
        self.assertIsNone(self.mirror_digest("1.0.0"))

    def test_read_only_refuses_at_the_core(self):
        self.write()
        before = self.mirror_tags()
        r = self.env.run("copy", "--read-only", "app", "1.0.0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("read-only mode: copy refused", r.stderr)
        self.write(read_only=True)
        r = self.env.run("copy", "app", "1.0.0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("read-only mode: copy refused", r.stderr)
        self.assertEqual(self.mirror_tags(), before)

    def test_unknown_target_is_a_usage_error(self):
        self.write()
        r = self.env.run("copy", "--target", "quay", "app", "1.0.0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--target quay", r.stderr)
        r = self.env.run("copy", "--target", "ghcr", "app", "1.0.0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("primary target", r.stderr)


class TestDiffersAndSync(CopyWorld):
    """The mirror holds another image under 1.0.0: it is overwritten only
    with --force; sync copies what is missing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = world.push_image(cls.mirror, IMAGE, None, arch="amd64",
                             layer_bytes=b"pinned elsewhere")
        cls.other = world.push_index(cls.mirror, IMAGE, "1.0.0",
                                     [(a, "amd64")], attestation=False)

    def test_differs_needs_force_and_the_plan_names_both_digests(self):
        self.write()
        r = self.env.run("copy", "app", "1.0.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"withheld: copy app 1\.0\.0 to hub: "
                         r".*:1\.0\.0 is %s there, %s on ghcr \(differs\); "
                         r"--force overwrites it" % (self.other, self.d1))
        self.assertEqual(self.mirror_digest("1.0.0"), self.other)
        r = self.env.run("copy", "--dry-run", "--force", "app", "1.0.0")
        self.assertIn("1.0.0 now: %s, another digest: overwritten with %s"
                      % (self.other, self.d1), r.stdout)
        self.assertEqual(self.mirror_digest("1.0.0"), self.other)
        # sync leaves it alone too, and copies what is missing
        r = self.env.run("sync", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("copy app 2.0.0 ghcr -> hub", r.stdout)
        self.assertNotIn("copy app 1.0.0 ghcr -> hub", r.stdout)
        self.assertIn("up to date: app 1.0.0 is up to date on ghcr",
                      r.stdout)
        self.assertIn("(differs); --force overwrites it", r.stdout)
        r = self.env.run("sync", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mirror_digest("2.0.0"), self.d2)
        self.assertEqual(self.mirror_digest("latest"), self.d2)
        self.assertEqual(self.mirror_digest("1.0.0"), self.other)
        data, _ = self.env.status_json()
        app = app_of(data, "app")
        self.assertEqual(version_of(app, "2.0.0")["targets"]["hub"]["state"],
                         "complete")
        self.assertEqual(version_of(app, "1.0.0")["targets"]["hub"]["state"],
                         "differs")
        # --force: overwritten, digest-identical
        r = self.env.run("copy", "--force", "app", "1.0.0", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mirror_digest("1.0.0"), self.d1)
        r = self.env.run("sync", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("copy app", r.stdout)


class TestMountOnOneRegistry(unittest.TestCase):
    """Two targets on one registry: blobs are mounted, not sent."""

    def test_cross_repository_mount(self):
        reg = world.Registry(auth="token")
        up = Upstream()
        up.start()
        env = Env()
        try:
            up.data["github"][REPO] = {"releases": releases("v1.0.0")}
            d = push_version(reg, IMAGE, "1.0.0")
            env.write_docker_auth(reg.host, *reg.credentials)
            cfg = {"targets": [
                {"name": "main", "registry": reg.host, "namespace": NS,
                 "plain_http": True},
                {"name": "backup", "registry": reg.host,
                 "namespace": "backup/mirror", "plain_http": True}],
                "archs": ["amd64", "arm64"],
                "apps": [github_app("app", up, REPO)]}
            with open(env.config_path, "w") as f:
                json.dump(cfg, f)
            r = env.run("copy", "app", "1.0.0", timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stderr, r"0 blobs sent \(0\.0 MB\), 8 mounted")
            got = world.manifest(reg, "backup/mirror/app", "1.0.0",
                                 *reg.credentials)
            self.assertEqual(got[2], d)
            # the token asked for reads the source repository too
            scopes = [s for _, ss, _ in reg.token_server.requests
                      for s in ss]
            self.assertIn("repository:%s:pull" % IMAGE, scopes)
        finally:
            env.__exit__(None)
            up.stop()
            reg.stop()


class TestLargeBlobAndInterruption(CopyWorld):
    """A 200 MB layer (made here, never stored in the tree) is streamed in
    bounded memory; a copy killed midway completes on the next run."""

    mirror_auth = None
    BLOB_MB = 200

    @classmethod
    def setUpClass(cls):
        cls.primary = world.Registry()
        cls.mirror = world.Registry()
        cls.creds = None
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": releases(
            "v1.0.0", "v2.0.0")}
        c = world.Client(cls.primary)
        # incompressible: the bytes are what crosses the wire
        big = os.urandom(cls.BLOB_MB * 1024 * 1024)
        cfg = world._canon({"architecture": "amd64", "os": "linux",
                            "rootfs": {"type": "layers",
                                       "diff_ids": [world.sha256(b"x")]}})
        child = world._push_manifest(c, IMAGE, None, world.OCI_MANIFEST,
                                     world.OCI_CONFIG, cfg,
                                     [(world.OCI_LAYER, big, None)])
        del big
        cls.big = world.push_index(cls.primary, IMAGE, "2.0.0",
                                   [(child, "amd64")], attestation=False)
        cls.d1 = push_version(cls.primary, IMAGE, "1.0.0", archs=("amd64",))

    def write(self, mirror_host=None, **top):
        super().write(mirror_host, archs=["amd64"], **top)

    def test_large_blob_in_bounded_memory(self):
        self.write()
        argv = ["/usr/bin/time", "-v", MIRRORTOP, "copy", "-c",
                self.env.config_path, "app", "2.0.0"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=900,
                           env=self.env.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # the image's config and its layer
        self.assertRegex(r.stderr, r"2 blobs sent \(%.1f MB\)" %
                         (self.BLOB_MB * 1024 * 1024 / 1e6))
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                            r.stderr).group(1))
        print("# peak RSS copying a %d MB blob: %d kB" % (self.BLOB_MB, rss),
              flush=True)
        # the blob is never held whole: far below its size
        self.assertLess(rss, self.BLOB_MB * 1024 // 2)
        self.assertEqual(self.mirror_digest("2.0.0"), self.big)
        self.assertEqual(skopeo_digest(self.mirror.host, IMAGE, "2.0.0"),
                         self.big)

    def test_interrupted_copy_completes_without_redoing(self):
        proxy = HangingProxy(self.mirror.url)
        try:
            self.write(mirror_host=proxy.host)
            proxy.armed = True
            argv = [MIRRORTOP, "copy", "-c", self.env.config_path, "app",
                    "1.0.0"]
            p = subprocess.Popen(argv, env=self.env.env,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            try:
                self.assertTrue(proxy.hung.wait(120),
                                "the copy never wrote a manifest")
            finally:
                os.kill(p.pid, signal.SIGKILL)
                p.communicate(timeout=60)
                proxy.release.set()
            # the first child's blobs went over; no tag points anywhere
            self.assertNotIn("1.0.0", self.mirror_tags())
            self.assertIsNone(self.mirror_digest(self.d1))
            proxy.armed = False
            r = self.env.run("copy", "app", "1.0.0", timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            m = re.search(r"(\d+) blobs? sent \([0-9.]+ MB\), 0 mounted, "
                          r"(\d+) already there", r.stderr)
            self.assertIsNotNone(m, r.stderr)
            sent, there = int(m.group(1)), int(m.group(2))
            # an image's config and layer: sent by the killed run
            self.assertGreaterEqual(there, 2)
            # its attestation manifest's two: sent now
            self.assertEqual(sent + there, 4)
            self.assertEqual(self.mirror_digest("1.0.0"), self.d1)
        finally:
            proxy.stop()


if __name__ == "__main__":
    import taprun
    taprun.main()
