"""`mirrortop attest APP VERSION`: the configured steps run as jobs on the
published version (argv, never a shell, with {digest} and {ref}); then
discovery checks that what they claim is in the registry. The steps are a
stand-in (tests/world/attest-standin.py) that writes what cosign and a
SLSA generator write."""
import json
import os
import sys
import unittest

import world
from mt import Env, github_app, app_of, version_of
from upstream import Upstream, gh_release

REPO = "acme/tool"
NS = "test/mirror/tool"
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "world", "attest-standin.py")
VERSIONS = ["1.3.0", "1.2.0", "1.1.0", "1.0.0", "0.9.0"]


def step(kind, produces=None, name=None):
    s = {"name": name or kind,
         "argv": [sys.executable, STANDIN, kind, "{ref}"]}
    if produces:
        s["produces"] = produces
    return s


FULL = {"steps": [step("sbom", ["sbom"]), step("sign", ["signature"]),
                  step("provenance", ["provenance"])], "timeout": 120}


class AttestWorld(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.start()
        cls.up.data["github"][REPO] = {"releases": [
            gh_release("v" + v, repo=REPO,
                       published_at="2026-0%d-01T10:00:00Z" % (9 - i))
            for i, v in enumerate(VERSIONS)]}
        cls.digests = {}
        for v in VERSIONS[:-1]:      # 0.9.0 is not published
            a = world.push_image(cls.reg, NS, None, arch="amd64",
                                 layer_bytes=("%s amd64" % v).encode())
            b = world.push_image(cls.reg, NS, None, arch="arm64",
                                 layer_bytes=("%s arm64" % v).encode())
            cls.digests[v] = world.push_index(
                cls.reg, NS, v, [(a, "amd64"), (b, "arm64")],
                attestation=False)

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def config(self, attest=FULL, **top):
        if attest is not None:
            top["attest"] = attest
        self.env.write_config(self.reg.host, [github_app(
            "tool", self.up, REPO)], **top)

    def supply(self, version):
        data, _ = self.env.status_json()
        v = version_of(app_of(data, "tool"), version)
        s = v["supply_chain"]
        return (s["signature"], s["sbom"], s["provenance"])


class TestAttest(AttestWorld):
    def test_dry_run_shows_the_steps_and_writes_nothing(self):
        self.config()
        before = world.tags(self.reg, NS)
        r = self.env.run("attest", "tool", "1.2.0", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.digests["1.2.0"]
        ref = "%s/%s@%s" % (self.reg.host, NS, d)
        self.assertIn("1. attest tool 1.2.0: sbom", r.stdout)
        self.assertIn("2. attest tool 1.2.0: sign", r.stdout)
        self.assertIn("3. attest tool 1.2.0: provenance", r.stdout)
        self.assertIn("sbom " + ref, r.stdout)
        self.assertIn("claims: signature", r.stdout)
        self.assertIn("fails unless signature, sbom and provenance are "
                      "found", r.stdout)
        self.assertEqual(world.tags(self.reg, NS), before)
        r = self.env.run("attest", "tool", "1.2.0", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        steps = plan["steps"]
        self.assertEqual([s["kind"] for s in steps], ["attest"] * 3)
        self.assertEqual(steps[0]["argv"], [sys.executable, STANDIN,
                                            "sbom", ref])
        self.assertEqual(steps[2]["check"],
                         ["signature", "sbom", "provenance"])
        self.assertEqual(world.tags(self.reg, NS), before)

    def test_attest_then_everything_is_there(self):
        self.config()
        self.assertEqual(self.supply("1.0.0"), ("missing",) * 3)
        r = self.env.run("attest", "tool", "1.0.0", timeout=180)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("3 attest steps done, 0 failed", r.stdout + r.stderr)
        self.assertEqual(self.supply("1.0.0"), ("present",) * 3)
        d = self.digests["1.0.0"].replace(":", "-")
        tags = world.tags(self.reg, NS)
        self.assertIn(d + ".sig", tags)
        self.assertIn(d + ".att", tags)
        # the version's digest did not change: nothing rewrote the index
        self.assertEqual(world.manifest(self.reg, NS, "1.0.0")[2],
                         self.digests["1.0.0"])
        # each step's end is an event of kind attest, not build
        r = self.env.run("events", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        ends = [e for e in json.loads(r.stdout)["events"]
                if e["type"] == "build_succeeded"]
        self.assertEqual([(e["kind"], e["version"], e["arch"])
                          for e in ends], [("attest", "1.0.0", None)] * 3)

    def test_claimed_but_missing_fails_naming_it(self):
        self.config({"steps": [step("sign", ["signature"]),
                               step("nothing", ["sbom"],
                                    name="sbom that writes nothing")]})
        r = self.env.run("attest", "tool", "1.1.0", timeout=180)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        self.assertIn("still has no sbom", out)
        self.assertNotIn("no signature", out)
        self.assertEqual(self.supply("1.1.0"),
                         ("present", "missing", "missing"))

    def test_a_failing_step_stops_the_rest(self):
        self.config({"steps": [step("fail", ["sbom"]),
                               step("sign", ["signature"])]})
        r = self.env.run("attest", "tool", "1.3.0", timeout=180)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("step 2 (attest tool 1.3.0) not done: step 1 failed",
                      r.stdout + r.stderr)
        self.assertEqual(self.supply("1.3.0"), ("missing",) * 3)

    def test_not_published_is_not_done(self):
        self.config()
        r = self.env.run("attest", "tool", "0.9.0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not done: tool 0.9.0 is not published", r.stderr)

    def test_without_attest_steps(self):
        self.config(attest=None)
        r = self.env.run("attest", "tool", "1.2.0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no attest steps are configured", r.stderr)

    def test_read_only_refuses(self):
        self.config(read_only=True)
        before = world.tags(self.reg, NS)
        r = self.env.run("attest", "tool", "1.2.0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("read-only", r.stderr)
        self.assertEqual(world.tags(self.reg, NS), before)


class TestAttestConfig(AttestWorld):
    def check(self, attest):
        self.config(attest)
        return self.env.run("config", "check")

    def test_effective_config_lists_the_steps(self):
        r = self.check(FULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = json.loads(r.stdout)
        self.assertEqual([s["name"] for s in cfg["attest"]["steps"]],
                         ["sbom", "sign", "provenance"])
        self.assertEqual(cfg["attest"]["steps"][1]["produces"],
                         ["signature"])

    def test_bad_steps_are_named(self):
        cases = [
            ({"steps": []}, "steps: a list of 1 to 16 steps"),
            ({"steps": [{"argv": []}]}, "steps[0]: argv: a list"),
            ({"steps": [{"argv": ["x", "{nope}"]}]},
             "steps[0]: argv[1]: unknown placeholder {nope}"),
            ({"steps": [{"argv": ["x"], "produces": ["vex"]}]},
             "steps[0]: produces[0]: one of signature, sbom, provenance"),
            ({"steps": [{"argv": ["x"], "shell": "sh -c"}]},
             "steps[0]: unknown key shell"),
            ({"steps": [{"argv": ["x"]}], "after_merge": 1},
             "after_merge: true or false"),
            ({"after_merge": True, "latest_requires": ["sbom"]},
             "after_merge: there are no steps to run"),
            ({"steps": [{"argv": ["x"]}], "latest_requires": []},
             "latest_requires: a list of signature, sbom, provenance"),
        ]
        for attest, want in cases:
            r = self.check(attest)
            self.assertEqual(r.returncode, 2 if r.returncode == 2 else 1,
                             r.stderr)
            self.assertNotEqual(r.returncode, 0, attest)
            self.assertIn("attest: " + want, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1,
                             r.stderr)

    def test_digest_only_in_attest(self):
        self.config(builder={"type": "exec", "argv": ["echo", "{digest}"]})
        r = self.env.run("config", "check")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("{digest}", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
