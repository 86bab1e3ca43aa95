"""prune on GHCR: the GitHub Packages REST API (ghcrworld.GhcrApi over a
real docker-registry, the registry API refusing DELETE as ghcr.io does).

Staging tags go through a placeholder whose package version is deleted;
untagged versions no tag reaches are deleted as package versions (listed
in pages, found under the organization or else the user, the nested
package name URL-encoded), artifacts of removed images with them; what a
user could pull or pin stays: the children and attestations of every
index (tagged or not), artifacts of kept digests, anything untagged for
less than retention.min_age_hours, and a version GitHub refuses to delete
(public, more than 5,000 downloads) is reported and skipped. Read-only
mode never asks for the token; without a token the plan says so."""
import json
import os
import time
import unittest

import world
from ghcrworld import GhcrApi, ghcr_registry_proxy
from mt import Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
OWNER = "acme"
NS = OWNER + "/mirror"
IMAGE = NS + "/mattermost"
TOKEN_ENV = "MT_TEST_GHCR_TOKEN"
DAY = 24 * 3600


def push_referrer(reg, repo, subject, kind="sig"):
    """An OCI artifact (by digest) whose subject is subject, as cosign
    and notation push referrers."""
    c = world._client(reg)
    sd = c.get_manifest(repo, subject)
    body = sd[0]
    payload = ("%s of %s\n" % (kind, subject)).encode()
    return world._push_manifest(
        c, repo, None, world.OCI_MANIFEST, "application/vnd.oci.empty.v1+json",
        b"{}", [("application/vnd.dev.sigstore.bundle.v0.3+json", payload,
                 None)],
        extra={"artifactType": "application/vnd.dev.sigstore.bundle.v0.3"
               "+json", "subject": {"mediaType": sd[1], "digest": subject,
                                     "size": len(body)}})


class GhcrWorld(unittest.TestCase):
    kind = "orgs"

    def setUp(self):
        self.reg = world.Registry()
        self.api = GhcrApi(self.reg, OWNER, kind=self.kind, page_max=3)
        self.proxy = ghcr_registry_proxy(self.reg)
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": [
            gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO)
            for i, t in enumerate(("v10.3.1", "v10.3.0"))]}
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.proxy.stop()
        self.api.stop()
        self.reg.stop()

    def config(self, **top):
        app = github_app("mattermost", self.up, REPO)
        cfg = {"targets": [{"name": "ghcr", "registry": self.proxy.host,
                            "namespace": NS, "plain_http": True,
                            "packages_api": self.api.url,
                            "token_env": TOKEN_ENV}],
               "apps": [app]}
        cfg.update(top)
        with open(self.env.config_path, "w") as f:
            json.dump(cfg, f)

    def cli(self, *args, check=None, token=True, timeout=180):
        env = dict(self.env.env)
        env.pop(TOKEN_ENV, None)
        if token:
            env[TOKEN_ENV] = self.api.token
        r = self.env.run(*args, timeout=timeout, env=env)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        return r

    def plan(self, *args, check=0, token=True):
        r = self.cli("prune", "--dry-run", "--json", *args, check=check,
                     token=token)
        return json.loads(r.stdout)

    def merged(self, version):
        d = {a: world.push_image(self.reg, IMAGE, "%s-%s" % (version, a),
                                 arch=a)
             for a in ("amd64", "arm64")}
        idx = world.push_index(self.reg, IMAGE, version,
                               [(d["amd64"], "amd64"), (d["arm64"], "arm64")])
        return idx, d

    def digests(self):
        return {v[1] for v in self.api.versions(IMAGE)}

    def age(self, digest, seconds):
        self.api.updated[digest] = int(time.time()) - seconds


class TestGhcr(GhcrWorld):
    def world(self):
        """10.3.1 and 10.3.0 merged (staging tags left), latest on 10.3.1;
        10.3.1 rebuilt once: its former index is untagged, with its
        children; untagged: an old orphan image with a signature, a young
        one, a signature of the kept 10.3.1 index, and an old orphan that
        GitHub refuses to delete."""
        self.idx, self.ch = {}, {}
        for v in ("10.3.0", "10.3.1"):
            self.idx[v], self.ch[v] = self.merged(v)
        world.tag(self.reg, IMAGE, "10.3.1", "latest")
        # the former 10.3.1, moved away from by a rebuild
        old = {a: world.push_image(self.reg, IMAGE, None, arch=a,
                                   layer_bytes=("old %s" % a).encode())
               for a in ("amd64", "arm64")}
        self.old_index = world.push_index(
            self.reg, IMAGE, None, [(old["amd64"], "amd64"),
                                    (old["arm64"], "arm64")])
        self.old_children = set(old.values())
        self.orphan = world.push_image(self.reg, IMAGE, None,
                                       layer_bytes=b"never merged")
        self.orphan_sig = push_referrer(self.reg, IMAGE, self.orphan)
        self.young = world.push_image(self.reg, IMAGE, None,
                                      layer_bytes=b"just pushed")
        self.kept_sig = push_referrer(self.reg, IMAGE, self.idx["10.3.1"])
        self.popular = world.push_image(self.reg, IMAGE, None,
                                        layer_bytes=b"pulled a lot")
        self.api.popular.add(self.popular)
        for d in self.digests():
            self.age(d, 3 * DAY)
        self.age(self.orphan, 5 * DAY)
        self.age(self.popular, 4 * DAY)
        self.age(self.young, 3600)

    def test_plan_then_yes(self):
        self.config()
        self.world()
        before = self.digests()
        doc = self.plan()
        steps = [(s["kind"], s.get("digest") if s["kind"] == "delete"
                  else (s["tags"][0] if s["tags"] else None))
                 for s in doc["steps"]]
        self.assertEqual(steps, [
            ("untag", "10.3.0-amd64"), ("untag", "10.3.0-arm64"),
            ("untag", "10.3.1-amd64"), ("untag", "10.3.1-arm64"),
            ("delete", self.orphan_sig), ("delete", self.orphan),
            ("delete", self.popular), ("verify", None)])
        dels = [s for s in doc["steps"] if s["kind"] == "delete"]
        self.assertEqual(dels[0]["package_version"],
                         self.api.version_of(self.orphan_sig))
        self.assertIn("an artifact of %s" % self.orphan, dels[0]["what"])
        self.assertEqual(dels[1]["what"], "an image no tag reaches")
        why = " | ".join(n["why"] for n in doc["withheld"])
        self.assertIn("1 untagged manifest kept: an index may have been "
                      "published", why)
        self.assertIn("1 untagged manifest kept: signatures, SBOMs or "
                      "attestations of a kept digest", why)
        self.assertIn("1 untagged manifest kept: untagged for less than "
                      "24 hours", why)
        # the plan deleted nothing, and the versions came in pages
        self.assertEqual(self.digests(), before)
        lists = [p for m, p, s in self.api.requests
                 if m == "GET" and "/versions?" in p]
        self.assertGreater(len(lists), 3)
        self.assertTrue(all("/orgs/acme/packages/container/"
                            "mirror%2Fmattermost/versions" in p
                            for p in lists), lists)
        # the text names what goes and why
        r = self.cli("prune", check=0)
        self.assertIn("delete mattermost: %s/%s@%s" % (
            self.proxy.host, IMAGE, self.orphan), r.stdout)
        self.assertIn("an image no tag reaches; untagged since", r.stdout)

        r = self.cli("prune", "--yes", check=0)
        self.assertIn("4 untagged, 2 deleted, 1 verified, 0 failed",
                      r.stderr)
        self.assertIn("not deleted (kept): %s" % "Publicly visible package "
                      "versions with more than 5000 downloads", r.stderr)
        after = self.digests()
        gone = before - after
        # the two orphans, and the four placeholders' versions (never
        # there before)
        self.assertEqual(gone, {self.orphan, self.orphan_sig})
        for d in (self.popular, self.young, self.kept_sig, self.old_index) \
                + tuple(self.old_children):
            self.assertIn(d, after)
        tags = world.tags(self.reg, IMAGE)
        self.assertEqual(sorted(tags), ["10.3.0", "10.3.1", "latest"])
        # every child of every index still resolves, tagged or not
        for v in ("10.3.0", "10.3.1"):
            body = json.loads(world.manifest(self.reg, IMAGE, v)[0])
            for e in body["manifests"]:
                self.assertIn(e["digest"], after)
        # nothing was deleted through the registry API
        self.assertFalse([r for r in self.proxy.requests
                          if r[0] == "DELETE"], self.proxy.requests)
        # in the job history, with the refusal in its log
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        with open(path) as f:
            jobs = [j for j in json.load(f)["jobs"] if j["arch"] == "prune"]
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs[0]["state"], "succeeded")
        self.assertIn("2 of 3 untagged manifests deleted (the others "
                      "GitHub refuses to delete)", jobs[0]["message"])
        with open(jobs[0]["log"]) as f:
            log = f.read()
        self.assertIn("@%s not deleted: kept: Publicly visible" %
                      self.popular, log)

        # The next run: only the refused version is planned again.
        doc = self.plan()
        self.assertEqual([(s["kind"], s.get("digest")) for s in doc["steps"]],
                         [("delete", self.popular), ("verify", None)])

    def test_min_age(self):
        self.config(retention={"min_age_hours": 200})
        self.world()
        doc = self.plan()
        self.assertEqual([s["kind"] for s in doc["steps"]],
                         ["untag"] * 4 + ["verify"])
        why = " | ".join(n["why"] for n in doc["withheld"])
        self.assertIn("untagged for less than 200 hours", why)

    def test_cap(self):
        self.config(retention={"max_deletions": 5})
        self.world()
        doc = self.plan()
        self.assertEqual([s["kind"] for s in doc["steps"]],
                         ["untag"] * 4 + ["delete", "verify"])
        self.assertTrue(any("2 more removals left for the next run" in
                            n["why"] for n in doc["withheld"]),
                        doc["withheld"])

    def test_read_only_and_token(self):
        self.config()
        self.world()
        doc = self.plan("--read-only")
        self.assertEqual([s["kind"] for s in doc["steps"]],
                         ["untag"] * 4 + ["verify"])
        self.assertTrue(any("not looked for in read-only mode" in n["why"]
                            for n in doc["withheld"]), doc["withheld"])
        self.assertEqual(self.api.requests, [])
        r = self.cli("prune", "--yes", "--read-only", check=1)
        self.assertIn("read-only", r.stderr)
        self.assertEqual(self.api.requests, [])
        # no token: said, nothing asked
        doc = self.plan(check=1, token=False)
        self.assertTrue(any("no token in $%s" % TOKEN_ENV in n["why"]
                            for n in doc["not_done"]), doc)
        self.assertEqual(self.api.requests, [])
        # a wrong token: GitHub's 401, one line, no token in it
        env = dict(self.env.env)
        env[TOKEN_ENV] = "ghs_wrong_wrong_wrong"
        r = self.env.run("prune", "--dry-run", timeout=180, env=env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("HTTP 401", r.stdout + r.stderr)
        self.assertNotIn("ghs_wrong_wrong_wrong", r.stdout + r.stderr)


    def test_next_page_elsewhere_is_not_followed(self):
        self.config()
        self.world()
        self.api.link_host = "127.0.0.2:9"
        doc = self.plan(check=1)
        self.assertTrue(any("the next page is on another host; not "
                            "followed" in n["why"] for n in doc["not_done"]),
                        doc)
        # the staging tags are still planned; no orphan is
        self.assertEqual([s["kind"] for s in doc["steps"]],
                         ["untag"] * 4 + ["verify"])


class TestGhcrUser(GhcrWorld):
    kind = "users"

    def test_user_package(self):
        self.config()
        idx, ch = self.merged("10.3.1")
        orphan = world.push_image(self.reg, IMAGE, None,
                                  layer_bytes=b"user orphan")
        for d in self.digests():
            self.age(d, 3 * DAY)
        doc = self.plan()
        self.assertEqual([(s["kind"], s.get("digest")) for s in doc["steps"]
                          if s["kind"] == "delete"], [("delete", orphan)])
        self.cli("prune", "--yes", check=0)
        self.assertNotIn(orphan, self.digests())
        self.assertIn(idx, self.digests())
        paths = [p for _, p, _ in self.api.requests]
        self.assertTrue(any(p.startswith("/orgs/acme/") for p in paths))
        self.assertTrue(any(p.startswith("/users/acme/packages/container/"
                                         "mirror%2Fmattermost/versions/")
                            for p in paths))


if __name__ == "__main__":
    import taprun
    taprun.main()
