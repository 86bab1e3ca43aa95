"""Every write is a plan (against a real registry and stand-in builders):
a dry run writes nothing and runs nothing; the real run on the same world
does exactly the plan's writes (builder runs, manifest PUTs); a step whose
premise changed between plan and apply is refused as stale; a published
digest never changes without --force and then the plan says what changes;
merges keep the children's attestations and their platforms as the
configs state them; plugin (manifest: false) dry runs show the
latest-{arch} moves; exit codes and the summary line."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import world
from mt import Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror"
IMAGE = NS + "/mattermost"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")
PUT_RE = re.compile(r'http\.request\.method=PUT .*?'
                    r'http\.request\.uri="?/v2/(\S+?)/manifests/([^\s"]+)')


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


class PlanWorld(unittest.TestCase):
    tags = ("v10.3.1", "v10.3.0", "v10.2.0")

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": releases(*self.tags)}
        self.env = Env()
        self.record = os.path.join(self.env.dir, "builds.txt")

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def recording_builder(self):
        return [sys.executable, os.path.join(BUILDERS, "slow.py"),
                self.record, "0", "{version} {arch}", "--plain-http",
                "--arch", "{arch}", "--digest-file", "{digest_file}",
                "{staging_ref}"]

    def config(self, argv=None, app_extra=None, **top):
        builder = {"type": "exec", "argv": argv or self.recording_builder(),
                   "timeout": 120, "attempts": 1}
        app = github_app("mattermost", self.up, REPO, **(app_extra or {}))
        return self.env.write_config(self.reg.host, [app], builder=builder,
                                     **top)

    def cli(self, *args, check=None, timeout=180):
        r = self.env.run(*args, timeout=timeout)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        return r

    def builds(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [" ".join(line.split()[:2]) for line in f]

    def puts(self, since=0):
        """Manifest PUTs the registry answered since log offset since."""
        log = self.reg.log()[since:]
        return [(m.group(1), m.group(2)) for m in PUT_RE.finditer(log)
                if "response completed" in log[max(0, log.rfind(
                    "\n", 0, m.start())):m.end()]]

    def manifest(self, tag):
        return world.manifest(self.reg, IMAGE, tag)

    def stage(self, version, archs=("amd64", "arm64")):
        return {a: world.push_image(self.reg, IMAGE, "%s-%s" % (version, a),
                                    arch=a, variant="v8" if a == "arm64"
                                    else None)
                for a in archs}

    def publish(self, version, attestation=True):
        """A complete version as buildx leaves it: amd64, arm64 (v8) and
        an attestation manifest per child."""
        d = {a: world.push_image(self.reg, IMAGE, None, arch=a,
                                 variant="v8" if a == "arm64" else None)
             for a in ("amd64", "arm64")}
        idx = world.push_index(self.reg, IMAGE, version,
                               [(d["amd64"], "amd64"),
                                (d["arm64"], "arm64", "v8")],
                               attestation=attestation)
        return idx, d

    def plan(self, *args, check=0):
        r = self.cli(*args, "--dry-run", "--json", check=check)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["schema"], "mirrortop.plan/v1")
        return doc


def expected_puts(plan):
    """The manifest PUTs a plan's steps make, in step order."""
    out = []
    for s in plan["steps"]:
        if s["kind"] == "build":
            out.append((IMAGE, s["ref"].rsplit(":", 1)[1]))
        else:
            out.extend((IMAGE, t) for t in s["tags"])
    return out


class TestDryRunThenReal(PlanWorld):
    def test_sync_does_exactly_the_plan(self):
        self.config(jobs=2)
        self.stage("10.3.0")                       # staged: merge only
        self.publish("10.2.0")                      # complete: nothing
        world.push_image(self.reg, IMAGE, "latest")  # a stale latest
        before_tags = world.tags(self.reg, IMAGE)
        mark = len(self.reg.log())
        plan = self.plan("sync")
        # The dry run wrote nothing and ran nothing.
        self.assertEqual(self.puts(mark), [])
        self.assertEqual(self.builds(), [])
        self.assertEqual(world.tags(self.reg, IMAGE), before_tags)
        kinds = [(s["kind"], s["version"], s.get("arch")) for s in
                 plan["steps"]]
        self.assertEqual(kinds, [("build", "10.3.1", "amd64"),
                                 ("build", "10.3.1", "arm64"),
                                 ("merge", "10.3.1", None),
                                 ("merge", "10.3.0", None)])
        self.assertEqual(plan["steps"][2]["tags"], ["10.3.1", "latest"])
        self.assertEqual(plan["steps"][2]["after"], [1, 2])
        self.assertIsNone(plan["steps"][2]["index"], "made after builds")
        self.assertEqual(plan["steps"][2]["sources"]["amd64"],
                         "output of step 1")
        self.assertIsNotNone(plan["steps"][3]["index"])
        self.assertEqual([u["version"] for u in plan["up_to_date"]],
                         ["10.2.0"])
        # The real run: the same builder runs and the same PUTs.
        mark = len(self.reg.log())
        r = self.cli("sync", check=0)
        self.assertEqual(sorted(self.builds()),
                         ["10.3.1 amd64", "10.3.1 arm64"])
        self.assertEqual(sorted(self.puts(mark)),
                         sorted(expected_puts(plan)), r.stderr)
        # Merges and latest moves in plan order, after their builds.
        writes = [p for p in self.puts(mark) if "-" not in p[1]]
        self.assertEqual(writes, [(IMAGE, "10.3.1"), (IMAGE, "latest"),
                                  (IMAGE, "10.3.0")])
        # The 10.3.0 index is exactly the planned bytes.
        body = self.manifest("10.3.0")[0]
        self.assertEqual(json.loads(body), plan["steps"][3]["index"])
        self.assertEqual(self.manifest("10.3.0")[2],
                         plan["steps"][3]["digest"])
        self.assertIn("mirrortop: 2 built, 2 merged, 1 latest moved, "
                      "0 failed, 1 up to date", r.stderr)

    def test_build_and_merge_do_exactly_the_plan(self):
        # One job at a time: every write in the plan's order.
        self.config(jobs=1)
        self.stage("10.3.0")
        for args, n in ((("build", "mattermost", "10.3.1"), 3),
                        (("merge", "mattermost", "10.3.0"), 1)):
            mark = len(self.reg.log())
            plan = self.plan(*args)
            self.assertEqual(len(plan["steps"]), n, plan)
            self.assertEqual(self.puts(mark), [], "the dry run wrote")
            r = self.cli(*args, check=0)
            self.assertEqual(self.puts(mark), expected_puts(plan), r.stderr)
        self.assertEqual(self.builds(), ["10.3.1 amd64", "10.3.1 arm64"])
        self.assertIn("merged mattermost 10.3.0: %s/%s:10.3.0 (%s); latest "
                      "not moved" % (self.reg.host, IMAGE,
                                     plan["steps"][0]["digest"]), r.stderr)

    def test_dry_run_text_and_json_agree(self):
        self.config()
        self.stage("10.3.0")
        text = self.cli("sync", "--dry-run", check=0).stdout
        plan = self.plan("sync")
        steps = re.findall(r"(?m)^(\d+)\. (\w+) ", text)
        self.assertEqual([(int(n), k) for n, k in steps],
                         [(s["step"], s["kind"]) for s in plan["steps"]])
        merge = [s for s in plan["steps"] if s["kind"] == "merge" and
                 s["version"] == "10.3.0"][0]
        self.assertIn("index: " + json.dumps(
            merge["index"], separators=(",", ":")), text)
        self.assertIn("index: made when the builds are done", text)

    def test_json_needs_dry_run(self):
        self.config()
        r = self.cli("sync", "--json", check=2)
        self.assertIn("--json needs --dry-run", r.stderr)

    def test_build_dry_run_runs_nothing(self):
        self.config()
        mark = len(self.reg.log())
        r = self.cli("build", "--dry-run", "mattermost", "10.3.1", check=0)
        self.assertIn("1. build mattermost 10.3.1 amd64", r.stdout)
        self.assertIn("3. merge mattermost 10.3.1", r.stdout)
        self.assertEqual(self.builds(), [])
        self.assertEqual(self.puts(mark), [])
        self.assertFalse(os.path.exists(os.path.join(
            self.env.state, "mirrortop", "work")))


    def test_build_of_an_arch_already_there_plans_nothing(self):
        self.config()
        self.stage("10.3.0")
        mark = len(self.reg.log())
        plan = self.plan("build", "--arch", "amd64", "mattermost", "10.3.0")
        self.assertEqual(plan["steps"], [], "no build and no merge")
        self.assertEqual([u["why"] for u in plan["up_to_date"]],
                         ["mattermost 10.3.0: amd64 is already staged"])
        r = self.cli("build", "--arch", "amd64", "mattermost", "10.3.0",
                     check=0)
        self.assertIn("0 built, 0 merged, 0 latest moved, 0 failed, "
                      "1 up to date", r.stderr)
        self.assertEqual(self.builds(), [])
        self.assertEqual(self.puts(mark), [])
        self.assertIsNone(self.manifest("10.3.0"))


    def test_builds_start_in_plan_order(self):
        # One job at a time: the builder runs in the order apply queues.
        self.config(jobs=1)
        plan = self.plan("sync")
        order = ["%s %s" % (s["version"], s["arch"]) for s in plan["steps"]
                 if s["kind"] == "build"]
        self.assertEqual(order, ["10.3.1 amd64", "10.3.1 arm64",
                                 "10.3.0 amd64", "10.3.0 arm64",
                                 "10.2.0 amd64", "10.2.0 arm64"])
        r = self.cli("sync", check=0)
        self.assertEqual(self.builds(), order, r.stderr)
        # Jobs are numbered in the plan's order too (newest first).
        with open(os.path.join(self.env.state, "mirrortop",
                               "jobs.json")) as f:
            jobs = json.load(f)["jobs"]
        self.assertEqual(["%s %s" % (j["version"], j["arch"])
                          for j in sorted(jobs, key=lambda j: j["id"])],
                         order)
        # And told in that order.
        queued = re.findall(r"job \d+ mattermost (\S+) (\S+) queued",
                            r.stderr)
        self.assertEqual([" ".join(q) for q in queued], order, r.stderr)


class TestStale(PlanWorld):
    def test_tag_changed_between_plan_and_apply(self):
        # The builder (a concurrent pipeline) writes 10.3.1 itself.
        other = "%s/%s:10.3.1" % (self.reg.host, IMAGE)
        self.config([sys.executable, os.path.join(BUILDERS, "meddle.py"),
                     other, "--plain-http", "--arch", "{arch}",
                     "--digest-file", "{digest_file}", "{staging_ref}"],
                    archs=["amd64"])
        r = self.cli("build", "mattermost", "10.3.1", check=1)
        self.assertRegex(r.stderr, r"step 2 \(merge mattermost 10\.3\.1\) "
                         r"not done: .*stale: .*10\.3\.1 is sha256:\w+ now, "
                         r"the plan saw it absent; nothing written")
        # What the other writer put there stays; latest is not moved.
        idx = self.manifest("10.3.1")
        self.assertEqual(json.loads(idx[0])["mediaType"], world.OCI_MANIFEST)
        self.assertIsNone(self.manifest("latest"))
        self.assertIn("1 built, 0 merged, 0 latest moved, 1 failed",
                      r.stderr)


class TestPublished(PlanWorld):
    def test_complete_version_is_up_to_date(self):
        self.config()
        digest, _ = self.publish("10.3.0")
        # Leftover staging tags of other images must not be merged in.
        self.stage("10.3.0")
        mark = len(self.reg.log())
        plan = self.plan("merge", "mattermost", "10.3.0")
        self.assertEqual(plan["steps"], [])
        self.assertEqual(plan["up_to_date"][0]["version"], "10.3.0")
        r = self.cli("merge", "mattermost", "10.3.0", check=0)
        self.assertIn("up to date: mattermost 10.3.0 is up to date", r.stderr)
        self.assertIn("0 merged", r.stderr)
        self.assertEqual(self.puts(mark), [])
        self.assertEqual(self.manifest("10.3.0")[2], digest)

    def test_force_shows_old_new_and_what_is_dropped(self):
        self.config()
        digest, _ = self.publish("10.3.0")
        new = self.stage("10.3.0")
        plan = self.plan("merge", "--force", "mattermost", "10.3.0")
        self.assertEqual(len(plan["steps"]), 1)
        step = plan["steps"][0]
        self.assertEqual(step["was"]["10.3.0"], digest)
        self.assertNotEqual(step["digest"], digest)
        drops = [c for c in step["changes"] if c.startswith("drops")]
        adds = [c for c in step["changes"] if c.startswith("adds")]
        # Both children and both attestations go; the new children come.
        self.assertEqual(len(drops), 4, step["changes"])
        self.assertEqual(len([c for c in drops if "attestation" in c]), 2)
        self.assertEqual(sorted(a.split()[-1] for a in adds),
                         sorted(new.values()))
        text = self.cli("merge", "--dry-run", "--force", "mattermost",
                        "10.3.0", check=0).stdout
        self.assertIn("10.3.0 now: " + digest, text)
        self.assertIn("new digest: " + step["digest"], text)
        # Without --force, nothing is written; with it, the plan's bytes.
        self.cli("merge", "mattermost", "10.3.0", check=0)
        self.assertEqual(self.manifest("10.3.0")[2], digest)
        self.cli("merge", "--force", "mattermost", "10.3.0", check=0)
        self.assertEqual(self.manifest("10.3.0")[2], step["digest"])

    def test_partial_version_keeps_the_published_child_and_attestation(self):
        self.config()
        amd = world.push_image(self.reg, IMAGE, None, arch="amd64")
        world.push_index(self.reg, IMAGE, "10.3.0", [(amd, "amd64")],
                         attestation=True)
        arm = self.stage("10.3.0", archs=("arm64",))["arm64"]
        plan = self.plan("merge", "mattermost", "10.3.0")
        step = plan["steps"][0]
        self.assertEqual(step["sources"]["amd64"], amd)
        self.assertEqual(step["sources"]["arm64"],
                         "%s/%s:10.3.0-arm64" % (self.reg.host, IMAGE))
        self.assertEqual([c for c in step["changes"]
                          if c.startswith("drops")], [])
        self.cli("merge", "mattermost", "10.3.0", check=0)
        body = json.loads(self.manifest("10.3.0")[0])
        entries = body["manifests"]
        self.assertEqual([e["digest"] for e in entries[:2]], [amd, arm])
        att = [e for e in entries if e.get("annotations", {}).get(
            "vnd.docker.reference.type") == "attestation-manifest"]
        self.assertEqual([a["annotations"]["vnd.docker.reference.digest"]
                          for a in att], [amd])
        self.assertEqual(entries[1]["platform"],
                         {"architecture": "arm64", "os": "linux",
                          "variant": "v8"})


class TestAttestations(PlanWorld):
    def test_buildx_staging_index_keeps_its_attestation(self):
        self.config()
        amd = world.push_image(self.reg, IMAGE, None, arch="amd64")
        world.push_index(self.reg, IMAGE, "10.3.1-amd64", [(amd, "amd64")],
                         attestation=True)
        self.stage("10.3.1", archs=("arm64",))
        self.cli("merge", "mattermost", "10.3.1", check=0)
        body = json.loads(self.manifest("10.3.1")[0])
        self.assertEqual(body["mediaType"], world.OCI_INDEX)
        runnable = [e for e in body["manifests"]
                    if "annotations" not in e]
        att = [e for e in body["manifests"] if "annotations" in e]
        self.assertEqual([e["platform"]["architecture"] for e in runnable],
                         ["amd64", "arm64"])
        self.assertEqual(len(att), 1)
        self.assertEqual(att[0]["annotations"][
            "vnd.docker.reference.digest"], amd)
        # Attestations are not archs: the version is complete, 2 archs.
        data, _ = self.env.status_json()
        v = [v for v in data["apps"][0]["versions"]
             if v["version"] == "10.3.1"][0]
        self.assertEqual(v["state"], "complete")


class TestPodman(PlanWorld):
    """From the same per-arch images, the index mirrortop writes has the
    same entries, media types, sizes and platforms as what podman manifest
    create + add + push --all writes; for plain OCI children the same
    bytes."""

    def podman(self, *args):
        root = os.path.join(self.env.dir, "podman")
        argv = ["podman", "--root", os.path.join(root, "root"), "--runroot",
                os.path.join(root, "run"), "--storage-driver", "vfs"]
        r = subprocess.run(argv + list(args), capture_output=True,
                           text=True, timeout=180)
        if r.returncode != 0:
            self.skipTest("podman %s does not work here: %s"
                          % (args[0], r.stderr.strip()[-300:]))
        return r

    def test_same_index_as_podman(self):
        if shutil.which("podman") is None:
            self.skipTest("podman is not installed (Debian: podman)")
        self.config()
        staged = self.stage("10.3.1")
        self.cli("merge", "mattermost", "10.3.1", check=0)
        ours = self.manifest("10.3.1")
        self.podman("manifest", "create", "mt-compare")
        for arch in ("amd64", "arm64"):
            self.podman("manifest", "add", "--tls-verify=false", "mt-compare",
                        "docker://%s/%s@%s" % (self.reg.host, IMAGE,
                                               staged[arch]))
        self.podman("manifest", "push", "--all", "--tls-verify=false",
                    "mt-compare", "docker://%s/%s:podman" % (self.reg.host,
                                                             IMAGE))
        theirs = self.manifest("podman")
        self.assertEqual(ours[1], theirs[1])
        mine, podman = json.loads(ours[0]), json.loads(theirs[0])
        key = lambda e: e["digest"]
        self.assertEqual(sorted(mine["manifests"], key=key),
                         sorted(podman["manifests"], key=key))
        self.assertEqual(ours[0], theirs[0], "plain OCI children: the same "
                         "bytes")


class TestPlugin(PlanWorld):
    tags = ("v0.0.2", "v0.0.1")

    def test_dry_run_shows_latest_arch_moves(self):
        self.config(app_extra={"manifest": False})
        self.stage("0.0.1")
        mark = len(self.reg.log())
        plan = self.plan("sync")
        moves = [(s["version"], s["tags"]) for s in plan["steps"]
                 if s["kind"] == "latest"]
        self.assertEqual(moves, [("0.0.1", ["latest-amd64"]),
                                 ("0.0.1", ["latest-arm64"]),
                                 ("0.0.2", ["latest-amd64"]),
                                 ("0.0.2", ["latest-arm64"])])
        self.assertEqual(self.puts(mark), [])
        r = self.cli("sync", check=0)
        self.assertEqual(sorted(self.puts(mark)),
                         sorted(expected_puts(plan)), r.stderr)
        for a in ("amd64", "arm64"):
            self.assertEqual(self.manifest("latest-" + a)[2],
                             self.manifest("0.0.2-" + a)[2])
        # Nothing left: the moves are up to date, not offered again.
        plan = self.plan("sync")
        self.assertEqual(plan["steps"], [])


    def test_chained_moves_after_builds(self):
        # Nothing staged: latest-{arch} go to 0.0.1, then to 0.0.2, each
        # after its builds; the second move's premise is the first's
        # output, known only when apply gets there.
        self.config(app_extra={"manifest": False})
        plan = self.plan("sync")
        moves = [s for s in plan["steps"] if s["kind"] == "latest"]
        self.assertEqual([(s["version"], s["tags"]) for s in moves],
                         [("0.0.1", ["latest-amd64"]),
                          ("0.0.1", ["latest-arm64"]),
                          ("0.0.2", ["latest-amd64"]),
                          ("0.0.2", ["latest-arm64"])])
        self.assertEqual(moves[0]["was"], {"latest-amd64": None})
        self.assertEqual(moves[2]["was"], {"latest-amd64": "output of "
                                           "step %d" % moves[0]["step"]})
        text = self.cli("sync", "--dry-run", check=0).stdout
        self.assertIn("latest-arm64 then: the output of step %d"
                      % moves[1]["step"], text)
        r = self.cli("sync", check=0)
        self.assertIn("4 built, 0 merged, 4 latest moved, 0 failed",
                      r.stderr)
        for a in ("amd64", "arm64"):
            self.assertEqual(self.manifest("latest-" + a)[2],
                             self.manifest("0.0.2-" + a)[2])


class TestExitCodes(PlanWorld):
    tags = ("v10.3.1",)

    def test_status_exit_code(self):
        self.config()
        # Not complete: 3, and the table is still printed.
        r = self.cli("status", "--exit-code", check=3)
        self.assertIn("10.3.1", r.stdout)
        self.cli("status", check=0)
        # Complete, latest on it: 0.
        digest, _ = self.publish("10.3.1")
        world.tag(self.reg, IMAGE, "10.3.1", "latest")
        self.cli("status", "--exit-code", check=0)
        # latest drifts: 3.
        world.push_image(self.reg, IMAGE, "latest")
        self.cli("status", "--exit-code", "--json", check=3)
        # An app that cannot be checked: 1 wins over 3.
        app = github_app("mattermost", self.up, REPO)
        self.env.write_config("127.0.0.1:1", [app])
        self.cli("status", "--exit-code", check=1)
    def test_unreachable_registry_dry_run_exits_1(self):
        app = github_app("mattermost", self.up, REPO)
        self.env.write_config("127.0.0.1:1", [app], builder={
            "type": "exec", "argv": self.recording_builder()})
        r = self.env.run("sync", "--dry-run")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not done: mattermost:", r.stderr)

    def test_failed_build_exits_1_with_a_line_per_step(self):
        self.config([sys.executable, os.path.join(BUILDERS, "failif.py"),
                     "{arch}", "arm64", "--plain-http", "--arch", "{arch}",
                     "--digest-file", "{digest_file}", "{staging_ref}"])
        r = self.cli("build", "mattermost", "10.3.1", check=1)
        self.assertRegex(r.stderr, r"step 2 \(build mattermost 10\.3\.1\) "
                         r"not done: job \d+ failed")
        self.assertIn("step 3 (merge mattermost 10.3.1) not done: step 2 "
                      "failed", r.stderr)
        self.assertIn("1 built, 0 merged, 0 latest moved, 2 failed",
                      r.stderr)
        self.assertIsNone(self.manifest("10.3.1"))


if __name__ == "__main__":
    import taprun
    taprun.main()
