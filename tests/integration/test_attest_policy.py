"""The attest configuration in other writes: "after_merge" follows every
merge (merge, build, sync) with the attest steps, on the digest the merge
writes; "latest_requires" keeps `latest` off a version that lacks a
signature or an SBOM (the plan says why; status --exit-code counts it).
The steps are the stand-in of test_attest.py (tests/world/attest-standin.py)
writing what cosign writes, against a real registry."""
import json
import os
import sys
import unittest

import supplychain as sc
import world
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "acme/tool"
NS = "test/mirror/tool"
HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "world", "attest-standin.py")
BUILDERS = os.path.join(HERE, "..", "world", "builders")


def step(kind, produces=None, name=None):
    s = {"name": name or kind,
         "argv": [sys.executable, STANDIN, kind, "{ref}"]}
    if produces:
        s["produces"] = produces
    return s


STEPS = [step("sbom", ["sbom"]), step("sign", ["signature"])]


class PolicyWorld(unittest.TestCase):
    """1.0.0 published and latest; 1.1.0 (the upstream latest) staged for
    both archs, not merged."""

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": [
            gh_release("v1.1.0", repo=REPO,
                       published_at="2026-09-01T10:00:00Z"),
            gh_release("v1.0.0", repo=REPO,
                       published_at="2026-08-01T10:00:00Z")]}
        a = world.push_image(self.reg, NS, None, arch="amd64",
                             layer_bytes=b"1.0.0 amd64")
        b = world.push_image(self.reg, NS, None, arch="arm64",
                             layer_bytes=b"1.0.0 arm64")
        self.old = world.push_index(self.reg, NS, "1.0.0",
                                    [(a, "amd64"), (b, "arm64")],
                                    attestation=False)
        world.tag(self.reg, NS, "1.0.0", "latest")
        self.env = Env()
        self.record = os.path.join(self.env.dir, "builds.txt")

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def stage(self, version="1.1.0"):
        for arch in ("amd64", "arm64"):
            world.push_image(self.reg, NS, "%s-%s" % (version, arch),
                             arch=arch, layer_bytes=("%s %s" % (
                                 version, arch)).encode())

    def config(self, **attest):
        builder = {"type": "exec", "timeout": 120, "attempts": 1, "argv": [
            sys.executable, os.path.join(BUILDERS, "slow.py"), self.record,
            "0", "{version} {arch}", "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}", "{staging_ref}"]}
        attest.setdefault("timeout", 120)
        self.env.write_config(self.reg.host, [github_app(
            "tool", self.up, REPO)], builder=builder, attest=attest)

    def run_ok(self, *args, rc=0):
        r = self.env.run(*args, timeout=240)
        self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
        return r

    def plan(self, *args):
        r = self.run_ok(*args, "--dry-run", "--json")
        return json.loads(r.stdout)

    def version(self, v):
        data, _ = self.env.status_json()
        return version_of(app_of(data, "tool"), v)

    def supply(self, v):
        s = self.version(v)["supply_chain"]
        return (s["signature"], s["sbom"], s["provenance"])

    def digest(self, tag):
        return world.manifest(self.reg, NS, tag)[2]


class TestAfterMerge(PolicyWorld):
    def test_merge_is_followed_by_the_steps_on_its_digest(self):
        self.stage()
        self.config(steps=STEPS, after_merge=True)
        before = world.tags(self.reg, NS)
        plan = self.plan("merge", "tool", "1.1.0")
        kinds = [s["kind"] for s in plan["steps"]]
        self.assertEqual(kinds, ["merge", "attest", "attest"])
        new = plan["steps"][0]["digest"]
        ref = "%s/%s@%s" % (self.reg.host, NS, new)
        self.assertEqual(plan["steps"][1]["argv"][-1], ref)
        self.assertEqual(plan["steps"][1]["after"], [1])
        self.assertEqual(plan["steps"][2]["after"], [1, 2])
        self.assertEqual(plan["steps"][2]["check"], ["signature", "sbom"])
        text = self.run_ok("merge", "tool", "1.1.0", "--dry-run").stdout
        self.assertIn("attest tool 1.1.0: sign", text)
        self.assertEqual(world.tags(self.reg, NS), before)

        r = self.run_ok("merge", "tool", "1.1.0")
        self.assertIn("2 attest steps done", r.stdout + r.stderr)
        self.assertEqual(self.digest("1.1.0"), new)
        self.assertEqual(self.supply("1.1.0"),
                         ("present", "present", "missing"))
        self.assertIn(new.replace(":", "-") + ".sig",
                      world.tags(self.reg, NS))

    def test_build_then_merge_then_attest_the_new_digest(self):
        self.config(steps=STEPS, after_merge=True)
        plan = self.plan("build", "tool", "1.1.0")
        kinds = [s["kind"] for s in plan["steps"]]
        self.assertEqual(kinds, ["build", "build", "merge", "attest",
                                 "attest"])
        # the merge's digest is only known once the builds are done
        self.assertIsNone(plan["steps"][3]["digest"])
        self.assertEqual(plan["steps"][3]["argv"][-1],
                         "%s/%s@<the output of step 3>" % (self.reg.host,
                                                          NS))
        text = self.run_ok("build", "tool", "1.1.0", "--dry-run").stdout
        self.assertIn("<the output of step 3>", text)

        self.run_ok("build", "tool", "1.1.0")
        new = self.digest("1.1.0")
        self.assertEqual(self.supply("1.1.0"),
                         ("present", "present", "missing"))
        self.assertIn(new.replace(":", "-") + ".sig",
                      world.tags(self.reg, NS))
        # nothing was attested on a placeholder
        self.assertFalse([t for t in world.tags(self.reg, NS)
                          if "output" in t])

    def test_no_merge_no_attest(self):
        """A merge left out (up to date) takes its attest steps along."""
        self.config(steps=STEPS, after_merge=True)
        plan = self.plan("merge", "tool", "1.0.0")
        self.assertEqual(plan["steps"], [])
        self.assertEqual(len(plan["up_to_date"]), 1)

    def test_a_failed_step_fails_the_sync(self):
        self.stage()
        self.config(steps=[step("fail", ["sbom"]), step("sign",
                                                        ["signature"])],
                    after_merge=True)
        r = self.run_ok("sync", rc=1)
        self.assertIn("not done: step 2 failed", r.stdout + r.stderr)
        # the merge itself is there
        self.assertEqual(self.version("1.1.0")["state"], "complete")

    def test_without_after_merge_a_merge_is_alone(self):
        self.stage()
        self.config(steps=STEPS)
        plan = self.plan("merge", "tool", "1.1.0")
        self.assertEqual([s["kind"] for s in plan["steps"]], ["merge"])


class TestLatestRequires(PolicyWorld):
    def test_latest_is_withheld_from_a_version_without_them(self):
        self.stage()
        self.config(latest_requires=["signature", "sbom"])
        plan = self.plan("sync")
        self.assertEqual([s["kind"] for s in plan["steps"]], ["merge"])
        self.assertEqual(plan["steps"][0]["tags"], ["1.1.0"])
        whys = [n["why"] for n in plan["withheld"]]
        self.assertIn("latest tool not moved onto 1.1.0: no signature and "
                      "sbom found on it (attest.latest_requires)", whys)
        r = self.run_ok("sync")
        self.assertEqual(self.digest("latest"), self.old)
        self.assertEqual(self.version("1.1.0")["state"], "complete")
        s = self.version("1.1.0")["supply_chain"]["latest_requires"]
        self.assertEqual(s, {"kinds": ["signature", "sbom"],
                             "missing": ["signature", "sbom"]})
        r = self.env.run("status", "--exit-code")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)

    def test_signed_elsewhere_then_sync_moves_latest(self):
        """The CI signs the version later (cosign's tags): the next sync
        moves latest, checked before the write."""
        self.stage()
        self.config(latest_requires=["signature", "sbom"])
        self.run_ok("sync")
        new = self.digest("1.1.0")
        self.assertEqual(self.digest("latest"), self.old)
        sc.cosign_sign(self.reg, NS, new, host=self.reg.host)
        sc.cosign_attach_sbom(self.reg, NS, new)
        plan = self.plan("sync")
        self.assertEqual([s["kind"] for s in plan["steps"]], ["latest"])
        self.assertEqual(plan["steps"][0]["digest"], new)
        self.run_ok("sync")
        self.assertEqual(self.digest("latest"), new)

    def test_attest_then_latest_moves(self):
        self.stage()
        self.config(steps=STEPS, after_merge=True,
                    latest_requires=["signature", "sbom"])
        plan = self.plan("sync")
        self.assertEqual([s["kind"] for s in plan["steps"]],
                         ["merge", "attest", "attest", "latest"])
        self.assertEqual(plan["steps"][3]["after"], [1, 3])
        self.assertEqual(plan["steps"][3]["requires"], ["signature", "sbom"])
        text = self.run_ok("sync", "--dry-run").stdout
        self.assertIn("first: discovery must find signature and sbom on it",
                      text)
        self.run_ok("sync")
        new = self.digest("1.1.0")
        self.assertEqual(self.digest("latest"), new)
        s = self.version("1.1.0")["supply_chain"]["latest_requires"]
        self.assertEqual(s["missing"], [])
        # 1.0.0 lacks them: still counted
        r = self.env.run("status", "--exit-code")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)

    def test_a_step_that_does_not_deliver_keeps_latest(self):
        self.stage()
        self.config(steps=[step("sbom", ["sbom"]),
                           step("nothing", ["signature"],
                                name="sign that writes nothing")],
                    after_merge=True, latest_requires=["signature"])
        r = self.run_ok("sync", rc=1)
        self.assertIn("still has no signature", r.stdout + r.stderr)
        self.assertEqual(self.digest("latest"), self.old)

    def test_attest_moves_latest_when_it_is_due(self):
        self.stage()
        self.config(steps=STEPS, latest_requires=["signature", "sbom"])
        self.run_ok("sync")
        self.assertEqual(self.digest("latest"), self.old)
        plan = self.plan("attest", "tool", "1.1.0")
        self.assertEqual([s["kind"] for s in plan["steps"]],
                         ["attest", "attest", "latest"])
        self.run_ok("attest", "tool", "1.1.0")
        self.assertEqual(self.digest("latest"), self.digest("1.1.0"))
        r = self.env.run("status", "--exit-code", "--json")
        v = version_of(app_of(json.loads(r.stdout), "tool"), "1.1.0")
        self.assertEqual(v["supply_chain"]["latest_requires"]["missing"],
                         [])

    def test_checked_again_before_the_write(self):
        """latest_requires is checked on the registry again just before
        latest moves: a signature the plan saw but that is gone by then
        (here an attest step removes it) stops the move."""
        self.stage()
        self.config(latest_requires=["signature"])
        self.run_ok("sync")
        new = self.digest("1.1.0")
        sig = new.replace(":", "-") + ".sig"
        world.push_image(self.reg, NS, sig, arch="amd64",
                         layer_bytes=b"a signature")
        # the tag is enough for discovery (cosign's scheme, from the list)
        self.assertEqual(self.supply("1.1.0")[0], "present")
        where = os.path.join(self.reg.storage, "docker", "registry", "v2",
                             "repositories", NS, "_manifests", "tags", sig)
        self.config(steps=[{"name": "revoke", "argv": [
            sys.executable, "-c", "import shutil, sys; "
            "shutil.rmtree(sys.argv[1])", where]}],
            latest_requires=["signature"])
        plan = self.plan("attest", "tool", "1.1.0")
        self.assertEqual([s["kind"] for s in plan["steps"]],
                         ["attest", "latest"])
        r = self.run_ok("attest", "tool", "1.1.0", rc=1)
        self.assertIn("latest not moved onto 1.1.0: %s/%s@%s has no "
                      "signature" % (self.reg.host, NS, new),
                      r.stdout + r.stderr)
        self.assertEqual(self.digest("latest"), self.old)

    def test_config_check_shows_the_policy(self):
        self.config(latest_requires=["sbom"])
        r = self.run_ok("config", "check")
        cfg = json.loads(r.stdout)
        self.assertEqual(cfg["attest"]["latest_requires"], ["sbom"])
        self.assertEqual(cfg["attest"]["after_merge"], False)
        self.env.write_config(self.reg.host, [github_app(
            "tool", self.up, REPO)], attest={"after_merge": True,
                                             "latest_requires": ["x"]})
        r = self.env.run("config", "check")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("attest: latest_requires[0]: one of signature, sbom, "
                      "provenance", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
