"""Several mirrortop processes on one state directory (a dashboard and a
scheduled `mirrortop sync`): the job history is merged, not overwritten,
job ids stay unique, a live job of another process is never marked
interrupted, overlapping syncs build each version x arch once; `mirrortop
sync` as a cron job (exit codes, stdout, one line per event on stderr);
the plan made while builds run matches what apply then starts; log
output bumps the core's generation at a bounded rate."""
import json
import os
import re
import shutil
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
BUILDDIR = os.environ.get("MT_BUILDDIR", SRCDIR)
DRIVER = os.path.join(BUILDDIR, "tests", "unit", "test-jobs-driver")
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")


def releases(*tags):
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_args():
    return ["--plain-http", "--arch", "{arch}", "--digest-file",
            "{digest_file}", "{staging_ref}"]


class SharedWorld(unittest.TestCase):
    tags = ("v10.3.1", "v10.2.0")

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": releases(*self.tags)}
        self.env = Env()
        self.record = os.path.join(self.env.dir, "builds.txt")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        pidfile = os.path.join(self.env.dir, "hang.pid")
        try:
            with open(pidfile) as f:
                os.killpg(int(f.read()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def config(self, argv, path=None, **top):
        builder = {"type": "exec", "argv": argv, "timeout": 60,
                   "attempts": 1}
        app = github_app("mattermost", self.up, REPO)
        self.env.write_config(self.reg.host, [app], builder=builder, **top)
        if path is not None:
            shutil.copy(self.env.config_path, path)
        return path or self.env.config_path

    def slow(self, seconds):
        return [sys.executable, os.path.join(BUILDERS, "slow.py"),
                self.record, str(seconds), "{version}-{arch}"] + push_args()

    def spawn(self, *args, config=None):
        p = subprocess.Popen([MIRRORTOP, "-c", config or
                              self.env.config_path] + list(args),
                             env=self.env.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def finish(self, p, timeout=120):
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err

    def jobs(self):
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        with open(path) as f:
            return json.load(f)

    def builds(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [line.split()[0] for line in f if line.strip()]

    def manifest(self, tag):
        return world.manifest(self.reg, IMAGE, tag)

    def wait_for(self, cond, seconds=30):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.05)
        return False

    def drive(self, *args, timeout=90):
        return subprocess.run([DRIVER, "-c", self.env.config_path] +
                              list(args), capture_output=True, text=True,
                              timeout=timeout, env=self.env.env)


class TestHistory(SharedWorld):
    def test_two_builds_at_once_keep_every_job(self):
        self.config(self.slow(1.0))
        a = self.spawn("build", "mattermost", "10.3.1")
        b = self.spawn("build", "mattermost", "10.2.0")
        for p in (a, b):
            rc, out, err = self.finish(p)
            self.assertEqual(rc, 0, err)
        hist = self.jobs()
        jobs = hist["jobs"]
        self.assertEqual(sorted((j["version"], j["arch"]) for j in jobs), [
            ("10.2.0", "amd64"), ("10.2.0", "arm64"),
            ("10.3.1", "amd64"), ("10.3.1", "arm64")])
        ids = [j["id"] for j in jobs]
        self.assertEqual(len(set(ids)), 4, "job ids are unique: %s" % ids)
        self.assertEqual(ids, sorted(ids, reverse=True), "newest first")
        self.assertGreater(hist["next_id"], max(ids))
        self.assertEqual(len({j["log"] for j in jobs}), 4)
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
            with open(j["log"]) as f:
                log = f.read()
            self.assertIn("slow: %s-%s step 1" % (j["version"], j["arch"]),
                          log, "each job has its own log")
        # A third process continues the numbering.
        self.config(self.slow(0))
        r = self.env.run("build", "mattermost", "10.3.1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.jobs()["jobs"]), 4, "nothing rebuilt")

    def test_a_live_job_of_another_process_is_left_alone(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        hang = self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                            pidfile], path=os.path.join(self.env.dir,
                                                        "hang.json"))
        a = self.spawn("build", "mattermost", "10.3.1", "--arch", "amd64",
                       config=hang)
        self.assertTrue(self.wait_for(lambda: os.path.exists(pidfile)))
        self.config(self.slow(0))
        r = self.env.run("build", "mattermost", "10.2.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("interrupted", r.stderr)
        states = {(j["version"], j["arch"]): j["state"]
                  for j in self.jobs()["jobs"]}
        self.assertEqual(states, {("10.3.1", "amd64"): "running",
                                  ("10.2.0", "amd64"): "succeeded",
                                  ("10.2.0", "arm64"): "succeeded"})
        # A dry run of a third process does not call it interrupted either.
        r = self.env.run("sync", "--dry-run")
        self.assertNotIn("interrupted", r.stderr)
        self.assertIn("withheld: mattermost 10.3.1 amd64 is already being "
                      "built (a job is queued or running in another "
                      "mirrortop process)", r.stdout)
        # Its own process ends it, and keeps the others' jobs.
        a.send_signal(signal.SIGTERM)
        a.wait(30)
        states = {(j["version"], j["arch"]): j["state"]
                  for j in self.jobs()["jobs"]}
        self.assertEqual(states, {("10.3.1", "amd64"): "interrupted",
                                  ("10.2.0", "amd64"): "succeeded",
                                  ("10.2.0", "arm64"): "succeeded"})

    def test_a_dead_process_job_becomes_interrupted_on_the_next_write(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        hang = self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                            pidfile], path=os.path.join(self.env.dir,
                                                        "hang.json"))
        a = self.spawn("build", "mattermost", "10.3.1", "--arch", "amd64",
                       config=hang)
        self.assertTrue(self.wait_for(lambda: os.path.exists(pidfile)))
        a.kill()
        a.wait()
        self.config(self.slow(0))
        r = self.env.run("build", "mattermost", "10.2.0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mattermost 10.3.1 amd64 interrupted", r.stderr)
        states = {(j["version"], j["arch"]): j["state"]
                  for j in self.jobs()["jobs"]}
        self.assertEqual(states[("10.3.1", "amd64")], "interrupted")


class TestCronSync(SharedWorld):
    tags = ("v10.3.1", "v10.3.0", "v10.2.0")

    def stage(self, version):
        for a in ("amd64", "arm64"):
            world.push_image(self.reg, IMAGE, "%s-%s" % (version, a), arch=a)

    def test_two_syncs_at_once_build_everything_once(self):
        self.stage("10.2.0")            # only to merge
        self.config(self.slow(1.5), jobs=4)
        a = self.spawn("sync")
        b = self.spawn("sync")
        results = [self.finish(p) for p in (a, b)]
        for rc, out, err in results:
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, "", "nothing on stdout without --dry-run")
            for line in err.splitlines():
                self.assertTrue(line.startswith("mirrortop: "), line)
        builds = self.builds()
        self.assertEqual(sorted(builds), ["10.3.0-amd64", "10.3.0-arm64",
                                          "10.3.1-amd64", "10.3.1-arm64"],
                         "each version x arch built once")
        for v in ("10.3.1", "10.3.0", "10.2.0"):
            idx = self.manifest(v)
            self.assertIsNotNone(idx, results)
            self.assertEqual(len(json.loads(idx[0])["manifests"]), 2)
        self.assertEqual(self.manifest("latest")[2],
                         self.manifest("10.3.1")[2])
        # Nothing is left: exit 0, quiet.
        r = self.env.run("sync")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertEqual(len(self.builds()), 4)

    def test_exit_codes_and_streams(self):
        self.config([sys.executable, os.path.join(BUILDERS, "failif.py"),
                     "{arch}", "arm64"] + push_args())
        r = self.env.run("sync", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("build mattermost 10.3.1 arm64", r.stdout)
        self.assertEqual(r.stderr, "")
        r = self.env.run("sync")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertTrue(line.startswith("mirrortop: "), line)
        self.assertTrue(any("arm64 failed" in line for line in lines), lines)
        with open(self.env.config_path, "w") as f:
            f.write('{"registry": 5}')
        r = self.env.run("sync")
        self.assertEqual((r.returncode, r.stdout), (2, ""), r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)


class TestDescribe(SharedWorld):
    """The plan made while builds run says what apply then starts."""

    def test_plan_matches_what_build_starts(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile])
        r = self.drive("--cancel-after", "3000", "during", "mattermost",
                       "10.3.1", "amd64")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "first queued 1", r.stderr)
        self.assertTrue(lines[1].startswith("1. build mattermost 10.3.1 "
                                            "arm64 -> "), lines)
        self.assertIn("2. merge mattermost 10.3.1: PUT %s/%s:10.3.1 and "
                      "latest" % (self.reg.host, IMAGE), lines)
        self.assertIn("     amd64: the output of the job already running "
                      "(%s/%s:10.3.1-amd64)" % (self.reg.host, IMAGE), lines)
        self.assertIn("     arm64: the output of step 1 (%s/%s:10.3.1-arm64)"
                      % (self.reg.host, IMAGE), lines)
        self.assertIn("withheld: mattermost 10.3.1 amd64 is already being "
                      "built here", lines)
        self.assertFalse(any(re.match(r"\d+\. build .* amd64 ", x)
                             for x in lines), lines)
        self.assertEqual(lines[-1], "then queued 1", "one job, as planned")

    def test_plan_when_everything_is_building(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile], archs=["amd64"])
        r = self.drive("--cancel-after", "2000", "during", "mattermost",
                       "10.3.1", "amd64")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "first queued 1", r.stderr)
        self.assertIn("withheld: mattermost 10.3.1 amd64 is already being "
                      "built here", lines)
        self.assertFalse(any(re.match(r"\d+\. build ", x) for x in lines),
                         lines)
        self.assertEqual(lines[-1], "then queued 0")

    def test_plan_in_another_process(self):
        pidfile = os.path.join(self.env.dir, "hang.pid")
        hang = self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                            pidfile], path=os.path.join(self.env.dir,
                                                        "hang.json"))
        a = self.spawn("build", "mattermost", "10.3.1", "--arch", "amd64",
                       config=hang)
        self.assertTrue(self.wait_for(lambda: os.path.exists(pidfile)))
        self.config(self.slow(0))
        r = self.drive("--dry-run", "build", "mattermost", "10.3.1")
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("1. build mattermost 10.3.1 "
                                            "arm64 -> "),
                        r.stdout + r.stderr)
        self.assertIn("not done: mattermost 10.3.1 amd64 is already being "
                      "built (a job is queued or running in another "
                      "mirrortop process)", lines)
        self.assertFalse(any(re.match(r"\d+\. merge ", x) for x in lines),
                         "no merge: amd64 will still be missing")
        self.assertEqual(r.returncode, 1, "amd64 asked for, not done")
        a.send_signal(signal.SIGTERM)
        a.wait(30)

    def test_plan_of_staged_and_of_one_arch(self):
        for a in ("amd64", "arm64"):
            world.push_image(self.reg, IMAGE, "10.2.0-" + a, arch=a)
        self.config(self.slow(0))
        r = self.drive("--dry-run", "build", "mattermost", "10.2.0")
        lines = r.stdout.splitlines()
        # Everything staged: the merge only, no orphan "nothing to build".
        self.assertEqual(lines[0], "1. merge mattermost 10.2.0: PUT "
                         "%s/%s:10.2.0" % (self.reg.host, IMAGE), r.stderr)
        self.assertFalse(any("build" in x for x in lines), lines)
        r = self.drive("--dry-run", "build", "--arch", "arm64",
                       "mattermost", "10.3.1")
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("1. build mattermost 10.3.1 "
                                            "arm64"), lines)
        self.assertFalse(any(re.match(r"\d+\. merge ", x) for x in lines),
                         lines)
        self.assertFalse(any("10.3.1 amd64" in x for x in lines), lines)
        self.assertIn("withheld: mattermost 10.3.1: not merged, 1 arch is "
                      "still missing", lines)


class TestLogNotify(SharedWorld):
    def test_log_growth_bumps_the_generation_at_a_bounded_rate(self):
        self.config(self.slow(2.5), archs=["amd64"])
        r = self.drive("watch", "mattermost", "10.3.1", "amd64",
                       timeout=60)
        self.assertTrue(r.stdout.startswith("first queued 1\n"), r.stdout)
        self.assertEqual(r.returncode, 0, r.stderr)
        gens = [int(x.split()[1]) for x in r.stdout.splitlines()
                if x.startswith("gen ")]
        end = [int(x.split()[1]) for x in r.stdout.splitlines()
               if x.startswith("end ")][0]
        # The builder prints every 50 ms for 2.5 s: in the middle of that,
        # away from the job's state changes, the generation moves with
        # the output, but no more than about 4 times a second.
        middle = [g for g in gens if 800 <= g <= end - 800]
        span = (end - 1600) / 1000.0
        self.assertGreaterEqual(len(middle), int(span * 2), gens)
        self.assertLessEqual(len(middle), int(span * 4) + 2, gens)
        for x, y in zip(middle, middle[1:]):
            self.assertGreaterEqual(y - x, 150, middle)


if __name__ == "__main__":
    import taprun
    taprun.main()
