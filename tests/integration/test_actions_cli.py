"""The action subcommands of the mirrortop binary against a real registry:
`build`, `merge [--dry-run]`, `sync [--dry-run]` and `matrix`, with the
stand-in builders of tests/world/builders (push + digest file, fail once,
hang, exit 0 without pushing, fail one arch), exit codes, stderr, the
registry's tags and the job history in the state directory."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

import world
from mt import MIRRORTOP, Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror"
IMAGE = NS + "/mattermost"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")
SECRET = "ghp_cliSecretTokenValue0987654321"


def releases(*tags):
    """Releases published newest first in the order given."""
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_argv(*extra):
    return [sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}"] + list(extra) + \
        ["{staging_ref}"]


class CliWorld(unittest.TestCase):
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
        return self.env.write_config(self.reg.host, [app], builder=builder,
                                     **top)

    def cli(self, *args, check=None, timeout=120):
        r = self.env.run(*args, timeout=timeout,
                         env={"GITHUB_TOKEN": SECRET})
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        return r

    @property
    def jobs_path(self):
        return os.path.join(self.env.state, "mirrortop", "jobs.json")

    def jobs(self):
        with open(self.jobs_path) as f:
            text = f.read()
        self.assertNotIn(SECRET, text)
        return json.loads(text)["jobs"]

    def log(self, job):
        with open(job["log"]) as f:
            text = f.read()
        self.assertNotIn(SECRET, text)
        return text

    def manifest(self, tag):
        return world.manifest(self.reg, IMAGE, tag)

    def tags_now(self):
        """Every tag of the image with its digest."""
        c = world.Client(self.reg)
        r = c.request("GET", "/v2/%s/tags/list" % IMAGE)
        if r.status == 404:
            return {}
        tags = r.json().get("tags") or []
        return {t: self.manifest(t)[2] for t in tags}

    def stage(self, version, archs=("amd64", "arm64"), media="oci"):
        return {a: world.push_image(self.reg, IMAGE, "%s-%s" % (version, a),
                                    arch=a, variant="v8" if a == "arm64"
                                    else None, media=media)
                for a in archs}

    def wait_for(self, path, seconds=30):
        for _ in range(int(seconds / 0.05)):
            if os.path.exists(path):
                return True
            time.sleep(0.05)
        return False


class TestBuild(CliWorld):
    def test_build_pushes_writes_digest_then_merges(self):
        self.config(push_argv())
        r = self.cli("build", "mattermost", "10.3.1", check=0)
        jobs = self.jobs()
        self.assertEqual(sorted(j["arch"] for j in jobs), ["amd64", "arm64"])
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
            staged = self.manifest("10.3.1-" + j["arch"])
            self.assertEqual(j["digest"], staged[2])
            self.assertIn("digest file: " + j["digest"], self.log(j))
        idx = self.manifest("10.3.1")
        self.assertIsNotNone(idx, r.stderr)
        self.assertEqual(idx[1], world.OCI_INDEX)
        body = json.loads(idx[0])
        self.assertEqual([m["digest"] for m in body["manifests"]],
                         [self.manifest("10.3.1-amd64")[2],
                          self.manifest("10.3.1-arm64")[2]])
        self.assertEqual(self.manifest("latest")[2], idx[2])
        self.assertIn("merged mattermost 10.3.1", r.stderr)

    def test_buildx_metadata_file(self):
        self.config([sys.executable, PUSHIMAGE, "--plain-http", "--arch",
                     "{arch}", "--metadata-file", "{digest_file}",
                     "{staging_ref}"])
        self.cli("build", "mattermost", "10.2.0", check=0)
        for j in self.jobs():
            self.assertEqual(j["digest"],
                             self.manifest("10.2.0-" + j["arch"])[2])
        self.assertIsNotNone(self.manifest("10.2.0"))
        self.assertIsNone(self.manifest("latest"), "10.2.0 is not latest")

    def test_failed_once_is_retried(self):
        state = os.path.join(self.env.dir, "flaky-state")
        self.config([sys.executable, os.path.join(BUILDERS, "flaky.py"),
                     state] + push_argv()[2:], archs=["amd64"],
                    builder_extra={"attempts": 3})
        r = self.cli("build", "mattermost", "10.3.1", check=0)
        job = self.jobs()[0]
        self.assertEqual((job["state"], job["attempt"], job["attempts"]),
                         ("succeeded", 2, 3))
        log = self.log(job)
        self.assertIn("flaky: failing the first attempt", log)
        self.assertIn("attempt 1/3 failed", log)
        self.assertIsNotNone(self.manifest("10.3.1"), r.stderr)

    def test_hang_times_out(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile, "--ignore-term"], archs=["amd64"],
                    builder_extra={"attempts": 1, "timeout": 1})
        t0 = time.monotonic()
        r = self.cli("build", "mattermost", "10.3.1", check=1)
        self.assertLess(time.monotonic() - t0, 30)
        self.assertRegex(r.stderr, r"job 1 mattermost 10\.3\.1 amd64 failed:"
                         r" timed out after 1s")
        with open(pidfile) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        self.assertEqual(self.jobs()[0]["state"], "failed")
        self.assertEqual(self.tags_now(), {})

    def test_exit_0_without_image_fails(self):
        self.config([sys.executable, os.path.join(BUILDERS, "noop.py"),
                     "GITHUB_TOKEN"], builder_extra={"attempts": 1})
        r = self.cli("build", "mattermost", "10.3.1", check=1)
        self.assertIn("produced no image (nothing at %s/%s:10.3.1-amd64)"
                      % (self.reg.host, IMAGE), r.stderr)
        for j in self.jobs():
            self.assertEqual(j["state"], "failed")
            self.assertIn("GITHUB_TOKEN is ***", self.log(j))
        self.assertEqual(self.tags_now(), {})

    def test_one_arch_then_the_other(self):
        self.config(push_argv())
        r = self.cli("build", "mattermost", "10.3.1", "--arch", "amd64",
                     check=0)
        self.assertIn("not merged, 1 arch is still missing", r.stderr)
        self.assertEqual(sorted(self.tags_now()), ["10.3.1-amd64"])
        # Everything is staged now: build has nothing to build but merges,
        # and says no orphan "nothing to build".
        self.stage("10.3.1", archs=("arm64",))
        r = self.cli("build", "mattermost", "10.3.1", check=0)
        self.assertNotIn("nothing to build", r.stderr)
        self.assertIn("0 built, 1 merged", r.stderr)
        self.assertIsNotNone(self.manifest("10.3.1"), r.stderr)

    def test_sigterm_interrupts_and_stops_the_builder(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], archs=["amd64"])
        p = subprocess.Popen([MIRRORTOP, "-c", self.env.config_path, "build",
                              "mattermost", "10.3.1"], env=self.env.env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(self.wait_for(pidfile))
            time.sleep(0.3)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(30), -signal.SIGTERM)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        with open(pidfile) as f:
            pid = int(f.read())
        time.sleep(0.2)
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        self.assertEqual(self.jobs()[0]["state"], "interrupted")

    def test_one_job_per_arch_across_processes(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], archs=["amd64"])
        p = subprocess.Popen([MIRRORTOP, "-c", self.env.config_path, "build",
                              "mattermost", "10.3.1"], env=self.env.env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(self.wait_for(pidfile))
            r = self.cli("build", "mattermost", "10.3.1", check=1)
            self.assertIn("not done: mattermost 10.3.1 amd64 is already "
                          "being built (a job is queued or running in "
                          "another mirrortop process)", r.stderr)
            self.assertEqual([j["state"] for j in self.jobs()], ["running"])
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(30)

    def test_read_only_refuses(self):
        self.stage("10.3.1")
        self.config(push_argv(), read_only=True)
        before = self.tags_now()
        for args in (("build", "mattermost", "10.2.0"),
                     ("merge", "mattermost", "10.3.1"), ("sync",)):
            r = self.cli(*args, check=1)
            self.assertIn("read-only mode: %s refused" % args[0], r.stderr)
        self.assertEqual(self.tags_now(), before)
        self.assertFalse(os.path.exists(self.jobs_path))


class TestMerge(CliWorld):
    def test_merge_from_staged_tags(self):
        d = self.stage("10.3.1")
        self.config(push_argv())
        r = self.cli("merge", "--dry-run", "mattermost", "10.3.1", check=0)
        self.assertEqual(self.manifest("10.3.1"), None)
        dry = re.search(r"^\s+index: (.*)$", r.stdout, re.M).group(1)
        self.cli("merge", "mattermost", "10.3.1", check=0)
        idx = self.manifest("10.3.1")
        self.assertEqual(idx[0].decode(), dry, "dry run prints the exact "
                         "bytes")
        body = json.loads(idx[0])
        self.assertEqual([m["digest"] for m in body["manifests"]],
                         [d["amd64"], d["arm64"]])
        self.assertEqual(self.manifest("latest")[2], idx[2])

    def test_all_or_nothing(self):
        self.stage("10.3.1", archs=("amd64",))
        self.config(push_argv())
        before = self.tags_now()
        r = self.cli("merge", "mattermost", "10.3.1", check=1)
        self.assertIn("merge mattermost 10.3.1: arm64 is missing", r.stderr)
        self.assertEqual(self.tags_now(), before)
        r = self.cli("merge", "--dry-run", "mattermost", "10.3.1", check=1)
        self.assertIn("arm64 is missing", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_docker_children_make_a_manifest_list(self):
        self.stage("10.2.0", media="docker")
        self.config(push_argv())
        self.cli("merge", "mattermost", "10.2.0", check=0)
        self.assertEqual(self.manifest("10.2.0")[1], world.DOCKER_LIST)


class TestSync(CliWorld):
    # Published most recently first: 10.2.1 is the newest by date.
    tags = ("v10.2.1", "v10.3.1", "v10.3.0")

    def test_sync_dry_run_writes_nothing(self):
        self.stage("10.3.0")
        self.config(push_argv(), jobs=2)
        # A history from an earlier run must stay byte for byte.
        self.cli("build", "mattermost", "10.2.1", "--arch", "amd64", check=0)
        with open(self.jobs_path, "rb") as f:
            history = f.read()
        st = os.stat(self.jobs_path)
        before = self.tags_now()
        work = os.path.join(self.env.state, "mirrortop", "work")
        wfiles = sorted(os.listdir(work))
        r = self.cli("sync", "--dry-run", check=0)
        self.assertRegex(r.stdout, r"build mattermost 10\.3\.1 amd64 -> .*"
                         r"10\.3\.1-amd64\n\s+run: .*--arch amd64 .*"
                         r"10\.3\.1-amd64")
        self.assertIn("build mattermost 10.2.1 arm64", r.stdout)
        self.assertNotIn("build mattermost 10.2.1 amd64", r.stdout)
        self.assertIn("merge mattermost 10.3.0: PUT", r.stdout)
        self.assertIn("merge mattermost 10.3.1: PUT %s/%s:10.3.1 and "
                      "latest" % (self.reg.host, IMAGE), r.stdout)
        self.assertEqual(self.tags_now(), before)
        with open(self.jobs_path, "rb") as f:
            self.assertEqual(f.read(), history)
        self.assertEqual(os.stat(self.jobs_path).st_mtime_ns, st.st_mtime_ns)
        self.assertEqual(sorted(os.listdir(work)), wfiles)

    def test_sync_builds_merges_and_moves_latest(self):
        self.config(push_argv(), jobs=3)
        world.push_image(self.reg, IMAGE, "latest")  # stale
        r = self.cli("sync", check=0)
        for v in ("10.2.1", "10.3.1", "10.3.0"):
            idx = self.manifest(v)
            self.assertIsNotNone(idx, r.stderr)
            self.assertEqual(len(json.loads(idx[0])["manifests"]), 2)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])
        self.assertEqual(len(self.jobs()), 6)
        r = self.cli("sync", "--dry-run", check=0)
        self.assertNotRegex(r.stdout, r"(?m)^\d+\. ", "nothing left to do")
        for v in ("10.2.1", "10.3.1", "10.3.0"):
            self.assertIn("up to date: mattermost %s is up to date" % v,
                          r.stdout)
        # A new upstream release: latest follows it.
        with self.up.lock:
            self.up.data["github"][REPO]["releases"] = releases(
                "v10.4.0", "v10.2.1", "v10.3.1", "v10.3.0")
        self.cli("sync", check=0)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.4.0")[2])

    def test_latest_stays_when_the_latest_build_fails(self):
        self.stage("10.3.0")
        self.config([sys.executable, os.path.join(BUILDERS, "failif.py"),
                     "{arch}", "arm64"] + push_argv()[2:],
                    builder_extra={"attempts": 1})
        r = self.cli("sync", "mattermost", check=1)
        self.assertIn("no arm64 build today", open(
            [j for j in self.jobs() if j["arch"] == "arm64"][0]["log"]).read())
        self.assertIsNotNone(self.manifest("10.3.0"), r.stderr)
        self.assertIsNone(self.manifest("10.3.1"), "all or nothing")
        self.assertIsNone(self.manifest("latest"),
                          "latest only for the semantic latest")

    def test_kill_9_then_restart_shows_interrupted(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], archs=["amd64"], jobs=1)
        p = subprocess.Popen([MIRRORTOP, "-c", self.env.config_path, "sync"],
                             env=self.env.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(self.wait_for(pidfile))
            time.sleep(0.3)
            running = [j for j in self.jobs() if j["state"] == "running"]
            self.assertEqual(len(running), 1)
            queued = [j for j in self.jobs() if j["state"] == "queued"]
            self.assertEqual(len(queued), 2)
        finally:
            p.kill()
            p.wait()
            try:
                with open(pidfile) as f:
                    os.killpg(int(f.read()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        # The next start says so (without writing, in a dry run)...
        r = self.cli("sync", "--dry-run", check=0)
        for j in running + queued:
            self.assertIn("job %d mattermost %s amd64 interrupted"
                          % (j["id"], j["version"]), r.stderr)
        # ...and the next real run records it and loses nothing.
        self.config(push_argv(), archs=["amd64"], jobs=2)
        r = self.cli("sync", check=0)
        jobs = {j["id"]: j for j in self.jobs()}
        for j in running + queued:
            self.assertEqual(jobs[j["id"]]["state"], "interrupted")
            self.assertEqual(jobs[j["id"]]["version"], j["version"])
        self.assertEqual(len(jobs), 6)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])


class TestPlugin(CliWorld):
    tags = ("v0.0.3", "v0.0.2", "v0.0.1")

    def test_plugin_tags_and_latest_per_arch(self):
        self.stage("0.0.1")
        self.config([sys.executable, os.path.join(BUILDERS, "failif.py"),
                     "{version}", "0.0.3"] + push_argv()[2:],
                    app_extra={"manifest": False},
                    builder_extra={"attempts": 1})
        r = self.cli("sync", check=1)
        tags = self.tags_now()
        self.assertEqual(sorted(tags), [
            "0.0.1-amd64", "0.0.1-arm64", "0.0.2-amd64", "0.0.2-arm64",
            "latest-amd64", "latest-arm64"], r.stderr)
        # 0.0.3 failed: latest-{arch} follow the highest complete version.
        for a in ("amd64", "arm64"):
            self.assertEqual(tags["latest-" + a], tags["0.0.2-" + a])
        r = self.cli("merge", "mattermost", "0.0.2", check=1)
        self.assertIn("manifest: false", r.stderr)
        self.assertEqual(self.tags_now(), tags, "no index is ever written")


class TestMatrix(CliWorld):
    tags = ("v10.3.1", "v10.2.0", "v10.1.0")

    def test_matrix_shape(self):
        self.stage("10.2.0")
        self.stage("10.1.0", archs=("arm64",))
        self.config(push_argv(), runners={"amd64": "ubuntu-24.04",
                                          "arm64": "ubuntu-24.04-arm"})
        r = self.cli("matrix", check=0)
        m = json.loads(r.stdout)
        self.assertNotIn("MIRRORTOP_MATRIX", r.stdout)
        self.assertIs(m["has_builds"], True)
        inc = m["include"]
        fields = {"app", "version", "tag", "image_tag", "arch", "platform",
                  "runner", "is_latest", "image", "staging_ref"}
        self.assertEqual(len(r.stdout.strip().splitlines()), 1,
                         "one line, for $GITHUB_OUTPUT")
        for e in inc:
            self.assertEqual(set(e), fields)
            self.assertEqual(e["staging_ref"], "%s:%s-%s" % (
                e["image"], e["image_tag"], e["arch"]))
            for v in e.values():
                self.assertIsInstance(v, (str, bool), "scalar matrix values")
        got = sorted((e["version"], e["arch"], e["runner"], e["platform"],
                      e["is_latest"], e["tag"]) for e in inc)
        self.assertEqual(got, [
            ("10.1.0", "amd64", "ubuntu-24.04", "linux/amd64", False,
             "v10.1.0"),
            ("10.3.1", "amd64", "ubuntu-24.04", "linux/amd64", True,
             "v10.3.1"),
            ("10.3.1", "arm64", "ubuntu-24.04-arm", "linux/arm64", True,
             "v10.3.1")])
        merges = sorted(e["version"] for e in m["merge"])
        self.assertEqual(merges, ["10.1.0", "10.2.0", "10.3.1"])
        for e in m["merge"]:
            self.assertEqual(e["app"], "mattermost")
            self.assertEqual(e["archs"], ["amd64", "arm64"])

    def test_matrix_nothing_to_do(self):
        for v in ("10.3.1", "10.2.0", "10.1.0"):
            d = self.stage(v)
            world.push_index(self.reg, IMAGE, v, [(d["amd64"], "amd64"),
                                                  (d["arm64"], "arm64",
                                                   "v8")])
        self.config(push_argv())
        m = json.loads(self.cli("matrix", check=0).stdout)
        self.assertEqual(m, {"has_builds": False, "include": [],
                             "merge": []})

    def test_example_workflow_uses_only_matrix_fields(self):
        """Every matrix.X the example workflow reads is in the JSON."""
        self.config(push_argv())
        m = json.loads(self.cli("matrix", check=0).stdout)
        path = os.path.join(SRCDIR, "doc", "github-actions-example.yml")
        with open(path) as f:
            text = f.read()
        self.assertIn("mirrortop matrix", text)
        self.assertIn("fromJSON(needs.plan.outputs.matrix).include", text)
        self.assertIn("fromJSON(needs.plan.outputs.matrix).merge", text)
        self.assertIn("fromJSON(needs.plan.outputs.matrix).has_builds", text)
        used = set(re.findall(r"(?<![.\w])matrix\.([a-z_]+)", text))
        self.assertTrue(used)
        build_keys = set(m["include"][0])
        merge_keys = set(m["merge"][0])
        for k in used:
            self.assertIn(k, build_keys | merge_keys, k)


if __name__ == "__main__":
    import taprun
    taprun.main()
