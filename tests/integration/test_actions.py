"""Builds, merges and latest against a real registry, through the core's
plan and apply (tests/unit/test-jobs-driver): exec builders that push
per-arch images, fail, hang or push nothing; all-or-nothing merges; the
plugin scheme; job history across a crash."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

import world
from mt import Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
BUILDDIR = os.environ.get("MT_BUILDDIR", SRCDIR)
DRIVER = os.path.join(BUILDDIR, "tests", "unit", "test-jobs-driver")
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_argv(extra=()):
    return [sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}"] + list(extra) + \
        ["{staging_ref}"]


class ActionsWorld(unittest.TestCase):
    """A fresh registry, upstream and environment per test."""

    tags = ("v10.3.1", "v10.2.0")

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": releases(*self.tags)}
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def config(self, argv, app_extra=None, **top):
        builder = {"type": "exec", "argv": argv, "timeout": 60}
        builder.update(top.pop("builder_extra", {}))
        app = github_app("mattermost", self.up, REPO, **(app_extra or {}))
        self.env.write_config(self.reg.host, [app], builder=builder, **top)

    def drive(self, *args, timeout=90, env=None, check=None):
        e = dict(self.env.env)
        if env:
            e.update(env)
        argv = [DRIVER, "-c", self.env.config_path] + list(args)
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, env=e)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        return r

    def jobs(self):
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return json.load(f)["jobs"]

    def plan(self, *args, **kw):
        """Run the driver with --json: the plan it printed, and the run."""
        r = self.drive("--json", *args, **kw)
        doc = json.loads(r.stdout.splitlines()[0])
        self.assertEqual(doc["schema"], "mirrortop.plan/v1")
        return doc, r

    def manifest(self, tag):
        return world.manifest(self.reg, NS + "/mattermost", tag)

    def stage(self, version, archs=("amd64", "arm64"), media="oci"):
        out = {}
        for a in archs:
            out[a] = world.push_image(self.reg, NS + "/mattermost",
                                      "%s-%s" % (version, a), arch=a,
                                      variant="v8" if a == "arm64" else None,
                                      media=media)
        return out


class TestBuild(ActionsWorld):
    def test_build_pushes_both_archs_then_merges(self):
        self.config(push_argv())
        plan, r = self.plan("build", "mattermost", "10.3.1", check=0)
        self.assertEqual([(s["step"], s["kind"], s.get("arch")) for s in
                          plan["steps"]],
                         [(1, "build", "amd64"), (2, "build", "arm64"),
                          (3, "merge", None)])
        self.assertEqual(plan["steps"][2]["tags"], ["10.3.1", "latest"])
        self.assertIn("2 built, 1 merged, 1 latest moved, 0 failed",
                      r.stderr)
        jobs = self.jobs()
        self.assertEqual(sorted(j["arch"] for j in jobs), ["amd64", "arm64"])
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
            staged = self.manifest("10.3.1-" + j["arch"])
            self.assertIsNotNone(staged)
            self.assertEqual(j["digest"], staged[2])
        idx = self.manifest("10.3.1")
        self.assertIsNotNone(idx, r.stderr)
        body = json.loads(idx[0])
        self.assertEqual(idx[1], world.OCI_INDEX)
        archs = [m["platform"]["architecture"] for m in body["manifests"]]
        self.assertEqual(archs, ["amd64", "arm64"])
        # 10.3.1 is the semantic latest: latest is the same index.
        self.assertEqual(self.manifest("latest")[2], idx[2])

    def test_nothing_is_rebuilt_that_exists(self):
        self.stage("10.3.1", archs=("amd64",))
        self.config([sys.executable, os.path.join(BUILDERS, "noop.py")],
                    builder_extra={"attempts": 1})
        r = self.drive("build", "mattermost", "10.3.1", "--arch", "amd64",
                       check=0)
        # The plan says so; no job, no builder run, nothing written.
        self.assertIn("up to date: mattermost 10.3.1: amd64 is already "
                      "staged", r.stdout)
        self.assertNotIn("1. build", r.stdout)
        self.assertEqual(self.jobs(), [], r.stderr)
        self.assertIn("0 built, 0 merged, 0 latest moved, 0 failed, "
                      "1 up to date", r.stderr)
        self.assertIsNone(self.manifest("10.3.1"))

    def test_retry_after_one_failure(self):
        state = os.path.join(self.env.dir, "flaky-state")
        self.config([sys.executable, os.path.join(BUILDERS, "flaky.py"),
                     state] + push_argv()[2:],
                    builder_extra={"attempts": 3})
        r = self.drive("build", "mattermost", "10.3.1", "--arch", "amd64", check=0)
        job = self.jobs()[0]
        self.assertEqual(job["state"], "succeeded", r.stderr)
        self.assertEqual(job["attempt"], 2)
        with open(job["log"]) as f:
            log = f.read()
        self.assertIn("flaky: failing the first attempt", log)
        self.assertIn("attempt 1/3 failed", log)

    def test_timeout_kills_the_builder(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], builder_extra={"attempts": 1, "timeout": 5})
        t0 = time.monotonic()
        r = self.drive("build", "mattermost", "10.3.1", "--arch", "amd64", check=1)
        self.assertLess(time.monotonic() - t0, 30)
        job = self.jobs()[0]
        self.assertEqual(job["state"], "failed")
        self.assertIn("timed out after 5s", job["message"])
        with open(pidfile) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        self.assertIn("timed out", r.stderr)

    def test_success_without_image_fails_clearly(self):
        self.config([sys.executable, os.path.join(BUILDERS, "noop.py"),
                     "GITHUB_TOKEN"], builder_extra={"attempts": 1})
        secret = "ghp_s3cretTokenValue1234567890"
        r = self.drive("build", "mattermost", "10.3.1", "--arch", "arm64", check=1,
                       env={"GITHUB_TOKEN": secret})
        job = self.jobs()[0]
        self.assertEqual(job["state"], "failed")
        self.assertIn("produced no image", job["message"])
        self.assertIn("10.3.1-arm64", job["message"])
        with open(job["log"]) as f:
            log = f.read()
        self.assertIn("GITHUB_TOKEN is ***", log)
        self.assertNotIn(secret, log)
        self.assertNotIn(secret, r.stderr + r.stdout)
        with open(os.path.join(self.env.state, "mirrortop",
                               "jobs.json")) as f:
            self.assertNotIn(secret, f.read())
        self.assertIsNone(self.manifest("10.3.1"))

    def test_cancel_a_running_job(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile, "--ignore-term"],
                    builder_extra={"attempts": 3})
        self.drive("--cancel-when", pidfile, "build", "mattermost",
                   "10.3.1", "--arch", "amd64", timeout=60)
        job = self.jobs()[0]
        self.assertEqual(job["state"], "cancelled")
        self.assertEqual(job["attempt"], 1)
        with open(pidfile) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    def test_read_only_refuses_build(self):
        self.config(push_argv())
        r = self.drive("--read-only", "build", "mattermost", "10.3.1",
                       check=1)
        self.assertIn("read-only mode: build refused", r.stderr)
        self.assertIsNone(self.manifest("10.3.1-amd64"))

    def test_kill_9_leaves_interrupted_job(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], builder_extra={"attempts": 1})
        argv = [DRIVER, "-c", self.env.config_path, "build", "mattermost",
                "10.3.1", "--arch", "amd64"]
        p = subprocess.Popen(argv, env=self.env.env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                if os.path.exists(pidfile):
                    break
                time.sleep(0.05)
            time.sleep(0.2)
            self.assertEqual(self.jobs()[0]["state"], "running")
        finally:
            p.kill()
            p.wait()
            try:
                with open(pidfile) as f:
                    hung = int(f.read())
                os.killpg(hung, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        r = self.drive("jobs", check=0)
        self.assertRegex(r.stdout, r"1 mattermost 10\.3\.1 amd64 interrupted")
        self.assertEqual(self.jobs()[0]["state"], "running",
                         "a listing writes nothing")
        # The next change records it.
        self.config(push_argv())
        self.drive("build", "mattermost", "10.3.1", "--arch", "arm64",
                   check=0)
        jobs = self.jobs()
        self.assertEqual([(j["id"], j["state"]) for j in jobs],
                         [(2, "succeeded"), (1, "interrupted")])


class TestMerge(ActionsWorld):
    def test_merge_from_staged_tags(self):
        d = self.stage("10.2.0")
        self.config(push_argv())
        plan, r = self.plan("merge", "mattermost", "10.2.0", check=0)
        idx = self.manifest("10.2.0")
        self.assertIsNotNone(idx)
        self.assertEqual(plan["steps"][0]["index"], json.loads(idx[0]))
        self.assertEqual(plan["steps"][0]["digest"], idx[2])
        body = json.loads(idx[0])
        self.assertEqual([m["digest"] for m in body["manifests"]],
                         [d["amd64"], d["arm64"]])
        plat = body["manifests"][1]["platform"]
        self.assertEqual((plat["architecture"], plat["os"]),
                         ("arm64", "linux"))
        self.assertIn(plat.get("variant"), (None, "v8"))
        # 10.2.0 is not the semantic latest: latest untouched.
        self.assertIsNone(self.manifest("latest"))

    def test_docker_children_make_a_manifest_list(self):
        self.stage("10.3.1", media="docker")
        self.config(push_argv())
        self.drive("merge", "mattermost", "10.3.1", check=0)
        self.assertEqual(self.manifest("10.3.1")[1], world.DOCKER_LIST)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])

    def test_dry_run_prints_exact_index_and_writes_nothing(self):
        self.stage("10.3.1")
        self.config(push_argv())
        r = self.drive("--read-only", "merge", "--dry-run", "mattermost",
                       "10.3.1", check=0)
        self.assertIsNone(self.manifest("10.3.1"))
        self.assertIsNone(self.manifest("latest"))
        r2 = self.drive("merge", "mattermost", "10.3.1", check=0)
        # The real run applied the plan the dry run printed, byte for byte.
        self.assertEqual(r.stdout, r2.stdout)
        index = re.search(r"(?m)^\s+index: (.*)$", r.stdout).group(1)
        self.assertEqual(self.manifest("10.3.1")[0].decode(), index)
        self.assertEqual(self.manifest("latest")[0].decode(), index)

    def test_all_or_nothing(self):
        self.stage("10.3.1", archs=("amd64",))
        self.config(push_argv())
        r = self.drive("merge", "mattermost", "10.3.1", check=1)
        self.assertIn("merge mattermost 10.3.1: arm64 is missing (no image "
                      "at %s/%s/mattermost:10.3.1-arm64)"
                      % (self.reg.host, NS), r.stderr)
        self.assertIsNone(self.manifest("10.3.1"))
        self.assertIsNone(self.manifest("latest"))

    def test_read_only_refuses_merge(self):
        self.stage("10.3.1")
        self.config(push_argv())
        r = self.drive("--read-only", "merge", "mattermost", "10.3.1",
                       check=1)
        self.assertIn("read-only mode: merge refused", r.stderr)
        self.assertIsNone(self.manifest("10.3.1"))


class TestLatest(ActionsWorld):
    # Published most recently first: 10.2.1 is the newest by date.
    tags = ("v10.2.1", "v10.3.1", "v10.3.0")

    def test_latest_is_semantic_not_newest(self):
        for v in ("10.2.1", "10.3.1"):
            d = self.stage(v)
            world.push_index(self.reg, NS + "/mattermost", v,
                             [(d["amd64"], "amd64"),
                              (d["arm64"], "arm64", "v8")])
        world.tag(self.reg, NS + "/mattermost", "10.2.1", "latest")
        self.config(push_argv())
        self.drive("latest", "mattermost", check=0)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])

    def test_sync_builds_merges_and_moves_latest(self):
        self.config(push_argv(), jobs=3)
        r = self.drive("sync", check=0, timeout=120)
        for v in ("10.2.1", "10.3.1", "10.3.0"):
            idx = self.manifest(v)
            self.assertIsNotNone(idx, r.stderr)
            self.assertEqual(len(json.loads(idx[0])["manifests"]), 2)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])
        self.assertEqual(len(self.jobs()), 6)
        # A second sync has nothing to do.
        plan, r = self.plan("sync", "--dry-run", check=0)
        self.assertEqual(plan["steps"], [])
        self.assertEqual(len(plan["up_to_date"]), 3)


class TestPlugin(ActionsWorld):
    tags = ("v0.0.2", "v0.0.1")

    def test_plugin_scheme_moves_latest_per_arch(self):
        self.config(push_argv(), app_extra={"manifest": False})
        r = self.drive("sync", check=0, timeout=120)
        self.assertIsNone(self.manifest("0.0.2"), "no index for plugins")
        for a in ("amd64", "arm64"):
            src = self.manifest("0.0.2-" + a)
            self.assertIsNotNone(src, r.stderr)
            self.assertEqual(self.manifest("latest-" + a)[2], src[2])
        r = self.drive("merge", "mattermost", "0.0.2", check=1)
        self.assertIn("manifest: false", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
