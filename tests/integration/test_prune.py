"""prune against the real registry (distribution 2.8, deletion enabled):
`prune` prints the plan and deletes nothing; `--dry-run --json` is the
mirrortop.plan/v1 plan; `--yes` removes the staging tags merged into
their version's index while the index still pulls for both archs
(skopeo) and nothing a kept tag reaches is deleted by digest; a staging
tag that is not an entry of its index is kept and said so; the cap
(retention.max_deletions); read-only refusal; a registry failing in the
middle of a prune, then the next prune finishing cleanly."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import world
from mt import Env, MIRRORTOP, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror"
IMAGE = NS + "/mattermost"
DELETE_RE = re.compile(r'http\.request\.method=DELETE .*?'
                       r'http\.request\.uri="?/v2/(\S+?)/manifests/'
                       r'([^\s"]+).*?http\.response\.status=(\d+)')


def _load(*path):
    with open(os.path.join(*path)) as f:
        return json.load(f)


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


class PruneWorld(unittest.TestCase):
    tags = ("v10.3.1", "v10.3.0", "v10.2.0")

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": releases(*self.tags)}
        self.env = Env()
        self.proxy = None

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        if self.proxy is not None:
            self.proxy.stop()
        self.reg.stop()

    def config(self, host=None, **top):
        app = github_app("mattermost", self.up, REPO)
        return self.env.write_config(host or self.reg.host, [app], **top)

    def cli(self, *args, check=None, timeout=180):
        r = self.env.run(*args, timeout=timeout)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        return r

    def merged(self, version):
        """A version as mirrortop leaves it after build + merge: per-arch
        staging tags whose images are the entries of the version's index
        (with an attestation manifest each)."""
        d = {a: world.push_image(self.reg, IMAGE, "%s-%s" % (version, a),
                                 arch=a, variant="v8" if a == "arm64"
                                 else None)
             for a in ("amd64", "arm64")}
        idx = world.push_index(self.reg, IMAGE, version,
                               [(d["amd64"], "amd64"),
                                (d["arm64"], "arm64", "v8")],
                               attestation=True)
        return idx, d

    def reached(self):
        """Every digest a tag of the repository reaches: the tags'
        manifests and each index's entries."""
        out = set()
        for t in world.tags(self.reg, IMAGE):
            body, _, digest = world.manifest(self.reg, IMAGE, t)
            out.add(digest)
            doc = json.loads(body)
            for e in doc.get("manifests", []):
                out.add(e["digest"])
        return out

    def deletes(self, since=0):
        """(ref, status) of every manifest DELETE the registry answered."""
        return [(m.group(2), int(m.group(3)))
                for m in DELETE_RE.finditer(self.reg.log()[since:])]

    def pulls(self, version, arch):
        """skopeo copies one arch of IMAGE:version out of the registry."""
        with tempfile.TemporaryDirectory() as d:
            argv = ["skopeo", "copy", "--src-tls-verify=false",
                    "--override-os", "linux", "--override-arch", arch]
            if arch == "arm64":
                argv += ["--override-variant", "v8"]
            argv += ["docker://%s/%s:%s" % (self.reg.host, IMAGE, version),
                     "oci:%s:x" % d]
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            idx = _load(d, "index.json")
            m = _load(d, "blobs", *idx["manifests"][0]["digest"].split(":"))
            cfg = _load(d, "blobs", *m["config"]["digest"].split(":"))
            return cfg["architecture"]

    def jobs(self):
        """The prune jobs of the shared job history, newest first, each
        with its log's text."""
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        if not os.path.exists(path):
            return []
        out = []
        for j in _load(path)["jobs"]:
            if j["arch"] != "prune":
                continue
            with open(j["log"]) as f:
                j["log_text"] = f.read()
            out.append(j)
        return out

    def plan(self, *args, check=0):
        r = self.cli("prune", "--dry-run", "--json", *args, check=check)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["schema"], "mirrortop.plan/v1")
        return doc

    def world3(self):
        """10.3.1 and 10.3.0 merged from their staging tags; 10.2.0
        published from other images, with a leftover 10.2.0-amd64 that is
        not in its index; latest on 10.3.1."""
        self.idx = {}
        self.children = {}
        for v in ("10.3.1", "10.3.0"):
            self.idx[v], self.children[v] = self.merged(v)
        other = {a: world.push_image(self.reg, IMAGE, None, arch=a,
                                     variant="v8" if a == "arm64" else None,
                                     layer_bytes=("published %s" % a)
                                     .encode())
                 for a in ("amd64", "arm64")}
        self.idx["10.2.0"] = world.push_index(
            self.reg, IMAGE, "10.2.0", [(other["amd64"], "amd64"),
                                        (other["arm64"], "arm64", "v8")])
        self.leftover = world.push_image(self.reg, IMAGE, "10.2.0-amd64",
                                         arch="amd64")
        world.tag(self.reg, IMAGE, "10.3.1", "latest")


class TestPrune(PruneWorld):
    def test_plan_then_yes(self):
        self.config()
        self.world3()
        before = world.tags(self.reg, IMAGE)
        reached = self.reached()
        mark = len(self.reg.log())

        # The plan: printed, nothing deleted.
        r = self.cli("prune", check=0)
        self.assertIn("untag mattermost 10.3.0: remove %s/%s:10.3.0-amd64"
                      % (self.reg.host, IMAGE), r.stdout)
        self.assertIn("the image stays: the arm64 entry of %s/%s:10.3.1"
                      % (self.reg.host, IMAGE), r.stdout)
        self.assertIn("verify mattermost", r.stdout)
        self.assertRegex(r.stdout, r"withheld: .*10\.2\.0-amd64 is kept: "
                         r"%s is not an entry" % self.leftover)
        doc = self.plan()
        steps = [(s["kind"], s["version"], s.get("arch"), s["tags"])
                 for s in doc["steps"]]
        self.assertEqual(steps, [
            ("untag", "10.3.0", "amd64", ["10.3.0-amd64"]),
            ("untag", "10.3.0", "arm64", ["10.3.0-arm64"]),
            ("untag", "10.3.1", "amd64", ["10.3.1-amd64"]),
            ("untag", "10.3.1", "arm64", ["10.3.1-arm64"]),
            ("verify", None, None, [])])
        first = doc["steps"][0]
        self.assertEqual(first["was"], {"10.3.0-amd64":
                                        self.children["10.3.0"]["amd64"]})
        self.assertEqual(first["kept_by"], {"tag": "10.3.0",
                                            "digest": self.idx["10.3.0"]})
        self.assertEqual(self.deletes(mark), [])
        self.assertEqual(world.tags(self.reg, IMAGE), before)
        # A plan alone is no job.
        self.assertEqual(self.jobs(), [])

        # Applied.
        r = self.cli("prune", "--yes", check=0)
        self.assertIn("4 untagged, 1 verified, 0 failed", r.stderr)
        after = world.tags(self.reg, IMAGE)
        self.assertEqual(sorted(after), sorted(
            ["10.3.1", "10.3.0", "10.2.0", "10.2.0-amd64", "latest"]))
        for v, d in self.idx.items():
            self.assertEqual(world.manifest(self.reg, IMAGE, v)[2], d)
        # Every image and attestation the kept tags reached resolves.
        self.assertEqual(self.reached(), reached)
        for v in ("10.3.1", "10.3.0"):
            for a in ("amd64", "arm64"):
                self.assertEqual(self.pulls(v, a), a)
        # Nothing a kept tag reaches was deleted by digest; the registry
        # refused the tag DELETE once and was not asked again.
        dels = self.deletes(mark)
        by_tag = [d for d in dels if not d[0].startswith("sha256:")]
        by_digest = [d for d in dels if d[0].startswith("sha256:")]
        self.assertEqual(by_tag, [("10.3.0-amd64", 400)])
        self.assertEqual(len(by_digest), 4)
        self.assertTrue(all(s == 202 for _, s in by_digest))
        self.assertFalse({d for d, _ in by_digest} & reached)

        # Nothing left to do.
        doc = self.plan()
        self.assertEqual(doc["steps"], [])
        # The prune is in the event history.
        evs = json.loads(self.cli("events", "--json",
                                  check=0).stdout)["events"]
        prunes = [e for e in evs if e.get("kind") == "prune"]
        self.assertEqual(len(prunes), 1, evs)
        self.assertEqual(prunes[0]["app"], "mattermost")
        self.assertIn("4 staging tags removed; every tag of",
                      prunes[0]["message"])
        # ... and one job of the job history, with the plan and the
        # outcome of each step in its log.
        jobs = self.jobs()
        self.assertEqual(len(jobs), 1, jobs)
        j = jobs[0]
        self.assertEqual((j["app"], j["state"]), ("mattermost", "succeeded"))
        self.assertIn("4 staging tags removed; every tag of", j["message"])
        self.assertEqual(j["repo"], IMAGE)
        self.assertIn("prune %s/%s: 4 removals, then verify"
                      % (self.reg.host, IMAGE), j["command"])
        log = j["log_text"]
        self.assertIn("the plan:", log)
        self.assertIn("1. untag mattermost 10.3.0: remove %s/%s:10.3.0-amd64"
                      % (self.reg.host, IMAGE), log)
        self.assertIn("the image stays: the amd64 entry of", log)
        self.assertIn("5. verify mattermost", log)
        self.assertIn("step 4: %s/%s:10.3.1-arm64 removed"
                      % (self.reg.host, IMAGE), log)
        self.assertIn("step 5: verify done", log)
        self.assertIn("job succeeded", log)
        self.assertLess(log.index("the plan:"), log.index("step 1:"))
        self.assertGreater(j["finished"], 0)
        # A run with nothing to remove adds no job.
        self.cli("prune", "--yes", check=0)
        self.assertEqual(len(self.jobs()), 1)

    def test_cap(self):
        self.config(retention={"max_deletions": 1})
        self.world3()
        doc = self.plan()
        self.assertEqual([(s["kind"], s["tags"]) for s in doc["steps"]],
                         [("untag", ["10.3.0-amd64"]), ("verify", [])])
        self.assertTrue(any("3 more removals left for the next run" in n["why"]
                            and "retention.max_deletions is 1" in n["why"]
                            for n in doc["withheld"]), doc["withheld"])
        self.cli("prune", "--yes", check=0)
        tags = world.tags(self.reg, IMAGE)
        self.assertNotIn("10.3.0-amd64", tags)
        self.assertIn("10.3.0-arm64", tags)
        self.assertIn("10.3.1-amd64", tags)

    def test_read_only(self):
        self.config()
        self.world3()
        before = world.tags(self.reg, IMAGE)
        mark = len(self.reg.log())
        r = self.cli("prune", "--yes", "--read-only", check=1)
        self.assertIn("read-only", r.stderr)
        self.assertEqual(world.tags(self.reg, IMAGE), before)
        self.assertEqual(self.deletes(mark), [])
        # The plan is still there to see.
        r = self.cli("prune", "--read-only", check=0)
        self.assertIn("untag mattermost", r.stdout)

    def test_usage(self):
        self.config()
        r = self.cli("prune", "--yes", "--dry-run", check=2)
        self.assertIn("contradict", r.stderr)
        r = self.cli("prune", "--json", "--yes", check=2)
        r = self.cli("prune", "nosuchapp", check=2)

    def test_failing_registry_resumes(self):
        self.idx, self.children = {}, {}
        for v in ("10.3.1", "10.3.0"):
            self.idx[v], self.children[v] = self.merged(v)
        self.proxy = world.SlowProxy(self.reg.url, 0)
        self.config(host=self.proxy.host, http_attempts=1)
        reached = self.reached()
        # Every DELETE by digest fails for a while: the first removal
        # leaves its tag on a placeholder and the rest are not done.
        self.proxy.fail(r"/manifests/sha256:", status=500, times=1000,
                        method="DELETE")
        r = self.cli("prune", "--yes", check=1)
        self.assertIn("not done", r.stderr)
        self.assertIn("step 2 (untag mattermost 10.3.0) not done: step 1 "
                      "failed", r.stderr)
        jobs = self.jobs()
        self.assertEqual([j["state"] for j in jobs], ["failed"])
        self.assertIn("0 of 4 staging tags removed", jobs[0]["message"])
        log = jobs[0]["log_text"]
        self.assertRegex(log, r"step 1: \S+:10\.3\.0-amd64 not removed: ")
        self.assertIn("step 2: %s/%s:10.3.0-arm64 not removed: step 2 "
                      "(untag mattermost 10.3.0) not done: step 1 failed"
                      % (self.proxy.host, IMAGE), log)
        tags = world.tags(self.reg, IMAGE)
        for t in ("10.3.0-arm64", "10.3.1-amd64", "10.3.1-arm64"):
            self.assertIn(t, tags)
        for v in ("10.3.1", "10.3.0"):
            for a in ("amd64", "arm64"):
                self.assertEqual(self.pulls(v, a), a)

        # The registry is back: the next prune finishes, placeholder too.
        self.proxy.faults.clear()
        doc = self.plan()
        self.assertEqual([s["tags"][0] for s in doc["steps"][:4]],
                         ["10.3.0-amd64", "10.3.0-arm64", "10.3.1-amd64",
                          "10.3.1-arm64"])
        self.assertTrue(doc["steps"][0]["placeholder"])
        self.assertNotEqual(doc["steps"][0]["digest"],
                            self.children["10.3.0"]["amd64"])
        self.cli("prune", "--yes", check=0)
        self.assertEqual(sorted(world.tags(self.reg, IMAGE)),
                         ["10.3.0", "10.3.1"])
        self.assertEqual(self.reached(), reached)
        for v in ("10.3.1", "10.3.0"):
            for a in ("amd64", "arm64"):
                self.assertEqual(self.pulls(v, a), a)
        # No placeholder is left behind, tagged or not.
        self.assertEqual(self.plan()["steps"], [])

    def test_verify_names_what_no_longer_resolves(self):
        self.idx, self.children = {}, {}
        self.idx["10.3.1"], self.children["10.3.1"] = self.merged("10.3.1")
        body = world.manifest(self.reg, IMAGE, "10.3.1")[0]
        attest = [e["digest"] for e in json.loads(body)["manifests"]
                  if e["platform"]["os"] == "unknown"]
        self.assertEqual(len(attest), 2)
        self.proxy = world.SlowProxy(self.reg.url, 0)
        self.config(host=self.proxy.host, http_attempts=1)
        # An attestation of the kept index stops resolving.
        self.proxy.fail(attest[1], status=404, times=1000)
        r = self.cli("prune", "--yes", check=1)
        self.assertRegex(r.stderr, r"step 3 \(verify mattermost\) not done: "
                         r"no longer resolves: %s/%s@%s \(an entry of "
                         r"%s/%s:10\.3\.1\)" % (self.proxy.host, IMAGE,
                                                 attest[1], self.proxy.host,
                                                 IMAGE))
        self.assertIn("2 untagged, 0 verified, 1 failed", r.stderr)
        evs = json.loads(self.cli("events", "--json",
                                  check=0).stdout)["events"]
        prunes = [e for e in evs if e.get("kind") == "prune"]
        self.assertEqual(len(prunes), 1, evs)
        self.assertIn("2 of 2 staging tags removed; no longer resolves",
                      prunes[0]["message"])
        self.assertIn("mirrortop prune --yes mattermost", prunes[0]["message"])
        jobs = self.jobs()
        self.assertEqual([j["state"] for j in jobs], ["failed"])
        self.assertIn("2 of 2 staging tags removed; no longer resolves",
                      jobs[0]["message"])
        self.assertIn("step 3: verify failed: no longer resolves: %s/%s@%s"
                      % (self.proxy.host, IMAGE, attest[1]),
                      jobs[0]["log_text"])



@unittest.skipIf(os.environ.get("MT_SANITIZED") == "1",
                 "valgrind does not run ASan builds")
@unittest.skipIf(shutil.which("valgrind") is None, "valgrind not installed")
class TestPruneValgrind(PruneWorld):
    def vg(self, *args, expect_rc=0):
        argv = ["valgrind", "--quiet", "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible",
                "--error-exitcode=99", MIRRORTOP] + list(args) + \
            ["-c", self.env.config_path]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                           env=self.env.env)
        self.assertNotEqual(r.returncode, 99, r.stderr[-3000:])
        self.assertEqual(r.returncode, expect_rc, r.stderr[-3000:])
        return r

    def test_plan_and_yes(self):
        self.config(retention={"max_deletions": 3})
        self.world3()
        self.vg("prune")
        self.vg("prune", "--dry-run", "--json")
        r = self.vg("prune", "--yes")
        self.assertIn("3 untagged, 1 verified, 0 failed", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
