"""The github-actions builder against the Actions fixture, through
`mirrortop build`: dispatch with run details (200) or without (204 after a
422 for return_run_details), runs queued -> in_progress -> completed,
success and failure, the image check after a successful run, and
concurrent dispatches told apart by a distinct_id input."""
import json
import os
import subprocess
import threading
import time
import unittest

import world
from mt import MIRRORTOP, Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
BUILDS = "mirror/builds"
NS = "test/mirror"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
TOKEN = "ghp_fixtureTokenNeverLogged0123456789"
DISPATCH = "/github/repos/%s/actions/workflows/build.yml/dispatches" % BUILDS


class Runner(threading.Thread):
    """Plays the workflow: pushes the per-arch image of each new run."""

    def __init__(self, up, reg):
        super().__init__(daemon=True)
        self.up, self.reg = up, reg
        self.seen = set()
        self.stop = threading.Event()
        self.push = True

    def run(self):
        while not self.stop.wait(0.05):
            with self.up.lock:
                runs = [r for r in self.up.runs.values()
                        if r["id"] not in self.seen]
            for r in runs:
                self.seen.add(r["id"])
                inp = r["inputs"]
                if self.push:
                    world.push_image(self.reg, NS + "/mattermost",
                                     inp["staging_tag"], arch=inp["arch"])


class GhaWorld(unittest.TestCase):
    up_opts = {}
    archs = ["amd64"]
    extra_inputs = {}
    builder_extra = {}

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream(**self.up_opts)
        self.up.start()
        self.up.data["github"][REPO] = {"releases": [
            gh_release("v10.3.1", repo=REPO)]}
        self.up.data["github"][BUILDS] = {"workflows": {"build.yml": {
            "name": "Build", "inputs": ["app", "version", "arch",
                                        "staging_tag", "runner",
                                        "distinct_id"]}}}
        self.runner = Runner(self.up, self.reg)
        self.runner.start()
        self.env = Env()
        builder = {"type": "github-actions", "repo": BUILDS,
                   "workflow": "build.yml", "ref": "main",
                   "api": self.up.url + "/github", "poll_interval": 1,
                   "attempts": 1, "timeout": 60,
                   "inputs": {"app": "{app}", "version": "{version}",
                              "arch": "{arch}",
                              "staging_tag": "{image_tag}-{arch}",
                              "runner": "{runner}"}}
        builder["inputs"].update(self.extra_inputs)
        builder.update(self.builder_extra)
        self.env.write_config(self.reg.host,
                              [github_app("mattermost", self.up, REPO)],
                              builder=builder, archs=self.archs,
                              runners={"amd64": "ubuntu-24.04",
                                       "arm64": "ubuntu-24.04-arm"})

    def tearDown(self):
        self.runner.stop.set()
        self.runner.join(5)
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def drive(self, *args, token=TOKEN, check=None):
        e = dict(self.env.env)
        if token is not None:
            e["GITHUB_TOKEN"] = token
        r = subprocess.run([MIRRORTOP, "-c", self.env.config_path] +
                           list(args), capture_output=True, text=True,
                           timeout=90, env=e)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        return r

    def job(self, i=0):
        with open(os.path.join(self.env.state, "mirrortop",
                               "jobs.json")) as f:
            text = f.read()
        self.assertNotIn(TOKEN, text)
        job = json.loads(text)["jobs"][i]
        with open(job["log"]) as f:
            log = f.read()
        self.assertNotIn(TOKEN, log)
        return job, log

    def dispatches(self):
        with self.up.lock:
            return [json.loads(r.body) for r in self.up.requests
                    if r.method == "POST" and r.bare_path == DISPATCH]


class TestRunDetails(GhaWorld):
    def test_dispatch_returns_run_and_job_succeeds(self):
        self.drive("build", "mattermost", "10.3.1", check=0)
        job, log = self.job()
        self.assertEqual(job["state"], "succeeded", log)
        self.assertRegex(job["run_url"], r"/actions/runs/[0-9]+$")
        d = self.dispatches()
        self.assertEqual(len(d), 1)
        self.assertEqual(d[0]["ref"], "main")
        self.assertIs(d[0]["return_run_details"], True)
        self.assertEqual(d[0]["inputs"], {
            "app": "mattermost", "version": "10.3.1", "arch": "amd64",
            "staging_tag": "10.3.1-amd64", "runner": "ubuntu-24.04"})
        self.assertIn("queued", log)
        self.assertIn("in_progress", log)
        self.assertIn("completed", log)
        with self.up.lock:
            lists = [r for r in self.up.requests
                     if r.bare_path.endswith("/runs") and r.method == "GET"]
        self.assertEqual(lists, [], "no run search when the id is known")
        # Single arch configured: the merge made the index.
        idx = world.manifest(self.reg, NS + "/mattermost", "10.3.1")
        self.assertIsNotNone(idx)

    def test_failed_run_fails_the_job(self):
        self.up.opts["run_conclusions"] = ["failure"]
        r = self.drive("build", "mattermost", "10.3.1", check=1)
        job, log = self.job()
        self.assertEqual(job["state"], "failed")
        self.assertIn("concluded failure", job["message"])
        self.assertIn("concluded failure", r.stderr)
        self.assertIsNone(world.manifest(self.reg, NS + "/mattermost",
                                         "10.3.1"))

    def test_success_without_image_fails(self):
        self.runner.push = False
        self.drive("build", "mattermost", "10.3.1", check=1)
        job, _ = self.job()
        self.assertEqual(job["state"], "failed")
        self.assertIn("produced no image", job["message"])

    def test_missing_token_is_named_not_shown(self):
        r = self.drive("build", "mattermost", "10.3.1", token=None, check=1)
        job, _ = self.job()
        self.assertEqual(job["state"], "failed")
        self.assertIn("GITHUB_TOKEN is not set", job["message"])
        self.assertEqual(self.dispatches(), [])
        self.assertIn("GITHUB_TOKEN is not set", r.stderr)


class TestNoRunDetails(GhaWorld):
    up_opts = {"run_details": "reject", "run_list_delay": 1}

    def test_fallback_finds_the_run(self):
        self.drive("build", "mattermost", "10.3.1", check=0)
        job, log = self.job()
        self.assertEqual(job["state"], "succeeded", log)
        d = self.dispatches()
        self.assertEqual(len(d), 2, "retried without return_run_details")
        self.assertIn("return_run_details", d[0])
        self.assertNotIn("return_run_details", d[1])
        self.assertIn("does not return run details", log)
        with self.up.lock:
            lists = [r for r in self.up.requests
                     if r.bare_path.endswith("/build.yml/runs")]
        self.assertGreaterEqual(len(lists), 2)
        self.assertEqual(lists[0].query.get("event"), "workflow_dispatch")
        self.assertTrue(lists[0].query.get("created", "").startswith(">="))
        with self.up.lock:
            rid = max(self.up.runs)
        self.assertTrue(job["run_url"].endswith("/%d" % rid))


class TestCorrelation(GhaWorld):
    """Two dispatches at once, no run details: each job must follow the
    run of its own dispatch, found through the distinct_id step."""
    up_opts = {"run_details": "reject", "run_list_delay": 1}
    archs = ["amd64", "arm64"]
    extra_inputs = {"distinct_id": ""}

    def test_plan_shows_the_per_attempt_id_as_a_placeholder(self):
        r = self.drive("build", "--dry-run", "mattermost", "10.3.1",
                       check=0)
        self.assertIn("distinct_id=<per attempt: mirrortop-JOB-ATTEMPT-"
                      "TIME>", r.stdout)
        self.assertEqual(self.dispatches(), [])

    def test_each_job_finds_its_own_run(self):
        self.drive("build", "mattermost", "10.3.1", check=0)
        seen = set()
        for i in (0, 1):
            job, log = self.job(i)
            self.assertEqual(job["state"], "succeeded", log)
            rid = int(job["run_url"].rsplit("/", 1)[1])
            with self.up.lock:
                inputs = self.up.runs[rid]["inputs"]
            self.assertEqual(inputs["arch"], job["arch"])
            self.assertTrue(inputs["distinct_id"].startswith("mirrortop-"))
            seen.add(rid)
        self.assertEqual(len(seen), 2)
        with self.up.lock:
            looked = [r for r in self.up.requests
                      if r.bare_path.endswith("/jobs")]
        self.assertTrue(looked, "the steps were read")
        idx = world.manifest(self.reg, NS + "/mattermost", "10.3.1")
        self.assertIsNotNone(idx)


class TestCorrelationRetry(GhaWorld):
    """A retried attempt gets a distinct_id of its own, so that it never
    takes the run of the attempt before it for its own."""
    up_opts = {"run_details": "reject", "run_list_delay": 1,
               "run_conclusions": ["failure"]}
    extra_inputs = {"distinct_id": ""}
    builder_extra = {"attempts": 2}

    def test_each_attempt_has_its_own_distinct_id(self):
        self.drive("build", "mattermost", "10.3.1", check=0)
        job, log = self.job()
        self.assertEqual((job["state"], job["attempt"]), ("succeeded", 2),
                         log)
        ids = [d["inputs"]["distinct_id"] for d in self.dispatches()]
        self.assertEqual(len(ids), 4, "two attempts, each dispatched twice")
        self.assertEqual(ids[0], ids[1])
        self.assertEqual(ids[2], ids[3])
        self.assertNotEqual(ids[0], ids[2])
        rid = int(job["run_url"].rsplit("/", 1)[1])
        with self.up.lock:
            self.assertEqual(self.up.runs[rid]["inputs"]["distinct_id"],
                             ids[2], "the second attempt's own run")
            self.assertEqual(self.up.runs[rid]["conclusion"], "success")


if __name__ == "__main__":
    import taprun
    taprun.main()
