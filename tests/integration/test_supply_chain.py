"""Signatures, SBOMs and provenance per version: one world mixing cosign's
tag scheme, OCI 1.1 referrers (the API, and its fallback tag) and buildx
attestation manifests, on the real registry (which has no referrers API)
and behind a front that adds the API or answers 404 as GHCR does."""
import json
import unittest

import supplychain as sc
import world
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "acme/tool"
NS = "test/mirror/tool"
VERSIONS = ["1.0.0", "0.9.0", "0.8.0", "0.7.0", "0.6.0", "0.5.0"]


def releases():
    return [gh_release("v" + v, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, v in enumerate(VERSIONS)]


def children(reg, version):
    a = world.push_image(reg, NS, None, arch="amd64",
                         layer_bytes=("%s amd64" % version).encode())
    b = world.push_image(reg, NS, None, arch="arm64",
                         layer_bytes=("%s arm64" % version).encode())
    return a, b


def states(v):
    s = v["supply_chain"]
    return (s["signature"], s["sbom"], s["provenance"])


def found(v, kind=None):
    return sorted((f["kind"], f["via"], f["ref"])
                  for f in v["supply_chain"]["found"]
                  if kind is None or f["kind"] == kind)


def build_world(reg, front=None, fallback=True):
    """The mixed world. front: where OCI 1.1 artifacts are pushed (a
    registry with the referrers API); fallback: keep fallback tags."""
    w = {}
    # 1.0.0: buildx --sbom --provenance (per child) and cosign sign
    a, b = children(reg, "1.0.0")
    w["1.0.0"] = sc.push_index_with_sbom(reg, NS, "1.0.0",
                                         [(a, "amd64"), (b, "arm64")])
    w["1.0.0-children"] = (a, b)
    sc.cosign_sign(reg, NS, w["1.0.0"])
    # 0.9.0: no buildx attestations; cosign sign + cosign attest spdx
    a, b = children(reg, "0.9.0")
    w["0.9.0"] = world.push_index(reg, NS, "0.9.0", [(a, "amd64"),
                                                     (b, "arm64")],
                                  attestation=False)
    sc.cosign_sign(reg, NS, w["0.9.0"])
    sc.cosign_attest(reg, NS, w["0.9.0"], sc.SPDX_PRED)
    # 0.8.0: sigstore bundles as OCI 1.1 referrers: a signature and a
    # SLSA provenance (DSSE bundle)
    a, b = children(reg, "0.8.0")
    w["0.8.0"] = world.push_index(reg, NS, "0.8.0", [(a, "amd64"),
                                                     (b, "arm64")],
                                  attestation=False)
    target = front or reg
    w["0.8.0-sig"] = sc.referrer(target, NS, w["0.8.0"], sc.BUNDLE,
                                 fallback=fallback)
    w["0.8.0-prov"] = sc.referrer(target, NS, w["0.8.0"], sc.BUNDLE,
                                  predicate_type=sc.SLSA_V1,
                                  fallback=fallback)
    # 0.7.0: nothing at all
    a, b = children(reg, "0.7.0")
    w["0.7.0"] = world.push_index(reg, NS, "0.7.0", [(a, "amd64"),
                                                     (b, "arm64")],
                                  attestation=False)
    # 0.6.0: buildx's default (provenance only), and an SPDX artifact on
    # the amd64 child as an OCI 1.1 referrer (oras attach)
    a, b = children(reg, "0.6.0")
    w["0.6.0"] = world.push_index(reg, NS, "0.6.0", [(a, "amd64"),
                                                     (b, "arm64")])
    w["0.6.0-sbom"] = sc.referrer(target, NS, a, sc.SPDX_ARTIFACT,
                                  fallback=fallback)
    # 0.5.0: cosign attach sbom, and a vulnerability attestation (neither
    # an SBOM nor provenance)
    a, b = children(reg, "0.5.0")
    w["0.5.0"] = world.push_index(reg, NS, "0.5.0", [(a, "amd64"),
                                                     (b, "arm64")],
                                  attestation=False)
    sc.cosign_attach_sbom(reg, NS, w["0.5.0"])
    sc.cosign_attest(reg, NS, w["0.5.0"], sc.VULN_PRED)
    world.tag(reg, NS, "1.0.0", "latest")
    return w


class SupplyWorld(unittest.TestCase):
    front_kind = None       # None: the plain registry; "api"; "404"
    fallback = True
    etag = False            # "api": the front sends ETags, answers 304

    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": releases()}
        cls.api = None
        if cls.front_kind == "api":
            cls.api = sc.ReferrersRegistry(cls.reg, etag=cls.etag)
        cls.w = build_world(cls.reg, cls.api, cls.fallback)
        # Every request mirrortop makes goes through a counting front.
        if cls.api is not None:
            cls.front = cls.api
        else:
            cls.front = world.SlowProxy(cls.reg, 0)
        if cls.front_kind == "404":
            # GHCR: 404 on the endpoint, with a JSON error body.
            cls.front.fail(r"/referrers/", status=404, times=10 ** 6,
                           body=b'{"errors":[{"code":"NOT_FOUND",'
                           b'"message":"404 page not found"}]}')

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def status(self):
        self.env.write_config(self.front.host, [github_app(
            "tool", self.up, REPO, max_versions=10)])
        with self.front.lock:
            self.front.requests.clear()
        data, _ = self.env.status_json()
        return app_of(data, "tool")

    def referrer_calls(self):
        with self.front.lock:
            return [r for r in self.front.requests if "/referrers/" in r[1]]


class TestFallbackPath(SupplyWorld):
    """The real registry: no referrers API, fallback tags."""

    def test_states_of_every_version(self):
        app = self.status()
        self.assertIsNone(app["error"])
        got = {v["version"]: states(v) for v in app["versions"]}
        self.assertEqual(got, {
            "1.0.0": ("present", "present", "present"),
            "0.9.0": ("present", "present", "missing"),
            "0.8.0": ("present", "missing", "present"),
            "0.7.0": ("missing", "missing", "missing"),
            "0.6.0": ("missing", "present", "present"),
            "0.5.0": ("missing", "present", "missing"),
        })

    def test_where_each_was_found(self):
        app = self.status()
        img = "%s/%s" % (self.front.host, NS)
        v = version_of(app, "1.0.0")
        d = self.w["1.0.0"]
        self.assertIn(("signature", "cosign-tag",
                       "%s:%s" % (img, sc.sig_tag(d, ".sig"))), found(v))
        vias = {(k, via) for k, via, _ in found(v)}
        self.assertIn(("sbom", "attestation-manifest"), vias)
        self.assertIn(("provenance", "attestation-manifest"), vias)
        # buildx hangs its attestations on each child
        subjects = {f["subject"] for f in v["supply_chain"]["found"]
                    if f["via"] == "attestation-manifest"}
        self.assertEqual(subjects, set(self.w["1.0.0-children"]))
        v = version_of(app, "0.9.0")
        self.assertEqual(found(v, "sbom"), [(
            "sbom", "cosign-tag",
            "%s:%s" % (img, sc.sig_tag(self.w["0.9.0"], ".att")))])
        v = version_of(app, "0.8.0")
        self.assertEqual(found(v), [
            ("provenance", "fallback-tag", "%s@%s" % (img,
                                                      self.w["0.8.0-prov"])),
            ("signature", "fallback-tag", "%s@%s" % (img,
                                                     self.w["0.8.0-sig"]))])
        v = version_of(app, "0.6.0")
        self.assertEqual(found(v, "sbom"), [(
            "sbom", "fallback-tag", "%s@%s" % (img, self.w["0.6.0-sbom"]))])

    def test_artifact_tags_are_never_versions(self):
        app = self.status()
        self.assertEqual([v["version"] for v in app["versions"]], VERSIONS)
        self.assertEqual(app["skipped_tags"], 0)
        self.assertEqual(app["registry_latest"], "1.0.0")
        self.assertFalse(app["latest_drift"])
        tags = world.tags(self.reg, NS)
        self.assertTrue(any(t.endswith(".sig") for t in tags))
        self.assertTrue(any(len(t) == 71 for t in tags))

    def test_referrers_probed_once_without_error(self):
        app = self.status()
        self.assertIsNone(app["error"])
        # 6 versions x 3 subjects, but the registry has no API: one probe
        self.assertEqual(len(self.referrer_calls()), 1)

    def test_no_request_for_sig_and_sbom_tags(self):
        self.status()
        with self.front.lock:
            paths = [r[1] for r in self.front.requests]
        for p in paths:
            self.assertFalse(p.endswith(".sig") or p.endswith(".sbom"), p)
        # .att is read once per tag (its layers say what it attests)
        self.assertEqual(sum(p.endswith(".att") for p in paths), 2)

    def test_table_marks(self):
        self.env.write_config(self.front.host, [github_app(
            "tool", self.up, REPO, max_versions=10)])
        r = self.env.run("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {l.split()[0]: l.split() for l in r.stdout.splitlines()
                if l.startswith("  ") and l.split()[0] in VERSIONS}
        self.assertIn("SBP", r.stdout)
        self.assertEqual(rows["1.0.0"][6], "SBP")
        self.assertEqual(rows["0.9.0"][5], "SB-")
        self.assertEqual(rows["0.8.0"][5], "S-P")
        self.assertEqual(rows["0.7.0"][5], "---")


class TestReferrersApi(SupplyWorld):
    """A registry with the referrers API: no fallback tags at all."""
    front_kind = "api"
    fallback = False

    def test_states_through_the_api(self):
        app = self.status()
        self.assertIsNone(app["error"])
        self.assertEqual(states(version_of(app, "0.8.0")),
                         ("present", "missing", "present"))
        self.assertEqual(states(version_of(app, "0.6.0")),
                         ("missing", "present", "present"))
        img = "%s/%s" % (self.front.host, NS)
        self.assertIn(("signature", "referrers",
                       "%s@%s" % (img, self.w["0.8.0-sig"])),
                      found(version_of(app, "0.8.0")))
        self.assertEqual(found(version_of(app, "0.6.0"), "sbom"), [(
            "sbom", "referrers", "%s@%s" % (img, self.w["0.6.0-sbom"]))])
        self.assertFalse(any(len(t) == 71 for t in world.tags(self.reg, NS)))

    def test_one_call_per_digest(self):
        self.status()
        calls = [r[1].rsplit("/", 1)[1] for r in self.referrer_calls()]
        # each version's index and its two children, once each
        self.assertEqual(len(calls), len(set(calls)))
        self.assertEqual(len(calls), 3 * len(VERSIONS))


class TestConditionalReferrers(SupplyWorld):
    """A referrers API that sends ETags: the next refresh asks each digest
    with If-None-Match, and an unchanged list costs a 304 and no body."""
    front_kind = "api"
    fallback = False
    etag = True

    def refresh(self):
        with self.front.ilock:
            self.front.referrers_log.clear()
        app = self.status()
        with self.front.ilock:
            return app, list(self.front.referrers_log)

    def test_warm_refresh_is_304s(self):
        app, cold = self.refresh()
        self.assertEqual(len(cold), 3 * len(VERSIONS))
        self.assertTrue(all(not c and st == 200 and n > 0
                            for c, st, n in cold), cold)
        before = {v["version"]: states(v) for v in app["versions"]}
        # the same state directory: a second refresh, as the dashboard's
        app, warm = self.refresh()
        self.assertEqual(len(warm), len(cold))
        self.assertEqual(warm, [(True, 304, 0)] * len(cold))
        self.assertEqual({v["version"]: states(v) for v in app["versions"]},
                         before)
        self.assertEqual(states(version_of(app, "0.8.0")),
                         ("present", "missing", "present"))
        # an artifact added since: that digest's list is new, read in full
        sc.referrer(self.front, NS, self.w["0.8.0"], sc.SPDX_ARTIFACT)
        app, third = self.refresh()
        self.assertEqual(states(version_of(app, "0.8.0")),
                         ("present", "present", "present"))
        self.assertEqual(sorted(st for _, st, _ in third),
                         [200] + [304] * (len(cold) - 1))
        self.assertTrue(all(c for c, _, _ in third))


class TestGhcr404(SupplyWorld):
    """404 with a JSON body on the endpoint, as GHCR: the fallback tags."""
    front_kind = "404"

    def test_falls_back_without_error(self):
        with self.front.lock:
            before = self.front.faults[0][3]
        app = self.status()
        with self.front.lock:
            answered_404 = before - self.front.faults[0][3]
        self.assertIsNone(app["error"])
        self.assertEqual(states(version_of(app, "0.8.0")),
                         ("present", "missing", "present"))
        self.assertEqual(found(version_of(app, "0.8.0"))[0][1],
                         "fallback-tag")
        # 18 digests: one probe, remembered for the rest of the run
        self.assertEqual(answered_404, 1)


class TestUnknown(SupplyWorld):
    """The referrers endpoint fails: what it could have said is unknown."""

    def test_unknown_not_missing(self):
        self.front.fail(r"/referrers/", status=500, times=10 ** 6)
        try:
            app = self.status()
        finally:
            with self.front.lock:
                self.front.faults.clear()
        self.assertIsNone(app["error"])
        # found elsewhere: present; nothing else could tell: unknown
        self.assertEqual(states(version_of(app, "0.7.0")),
                         ("unknown", "unknown", "unknown"))
        self.assertEqual(states(version_of(app, "1.0.0")),
                         ("present", "present", "present"))

    def test_registry_down_is_unknown(self):
        self.env.write_config("127.0.0.1:%d" % world.free_port(),
                              [github_app("tool", self.up, REPO)])
        data, _ = self.env.status_json(expect_rc=1)
        for v in app_of(data, "tool")["versions"]:
            self.assertEqual(states(v), ("unknown",) * 3)
            self.assertEqual(v["supply_chain"]["found"], [])


if __name__ == "__main__":
    import taprun
    taprun.main()
