#!/usr/bin/env python3
"""Crash safety: mirrortop is killed with SIGKILL at every point where it
replaces a file (each rename, each fsync) and at every request it sends
during a build and merge (each sendto), by strace's fault injection. After
each kill the files it keeps (the job history, the ETag cache) are whole
and readable, nothing recorded before is lost, the next run marks the
unfinished jobs interrupted, and no tag of the registry points at an index
whose manifests are not all there."""
import json
import os
import shutil
import subprocess
import sys
import unittest

import world
from mt import MIRRORTOP, Env, github_app, gitlab_app
from upstream import Upstream, gh_release, gl_tag

REPO = "mattermost/mattermost"
IMAGE = "test/mirror/mattermost"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")
STRACE = shutil.which("strace")
RENAMES = "rename,renameat,renameat2"
CACHE_MAGIC = b"mirrortop-http-cache "
MAX_POINTS = 200


def killed_at(argv, env, syscalls, n, timeout=120):
    """Run argv, SIGKILLed at its n-th call of one of syscalls (its own:
    the builders it starts are not counted); the CompletedProcess."""
    st = [STRACE, "-qq", "-o", "/dev/null", "-e", "trace=" + syscalls,
          "-e", "inject=%s:signal=KILL:when=%d" % (syscalls, n), "--"]
    # LeakSanitizer cannot run under ptrace: a sanitized build that
    # outlives the injection point must not fail for that.
    env = dict(env)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":detect_leaks=0").lstrip(":")
    return subprocess.run(st + argv, env=env, capture_output=True,
                          text=True, timeout=timeout)


def was_killed(r):
    return r.returncode in (-9, 137) or "+++ killed by SIGKILL" in r.stderr


@unittest.skipIf(STRACE is None, "strace not installed")
class CrashWorld(unittest.TestCase):
    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": [
            gh_release("v10.3.1", repo=REPO),
            gh_release("v10.2.0", repo=REPO),
            gh_release("v10.1.0", repo=REPO)]}
        self.up.data["gitlab"]["grp/beta"] = {"tags": [
            gl_tag("v0.3.0"), gl_tag("v0.2.0")]}
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def config(self, **top):
        apps = [github_app("mattermost", self.up, REPO),
                gitlab_app("beta", self.up, "grp/beta",
                           include=r"^v([0-9]+\.[0-9]+\.[0-9]+)$")]
        builder = {"type": "exec", "timeout": 60, "argv": [
            sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}", "{staging_ref}"]}
        self.env.write_config(self.reg.host, apps, builder=builder, **top)

    def argv(self, *args):
        return [MIRRORTOP, "-c", self.env.config_path] + list(args)

    @property
    def state(self):
        return os.path.join(self.env.state, "mirrortop")

    def jobs(self):
        """The job history: it must always parse."""
        path = os.path.join(self.state, "jobs.json")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return json.load(f)["jobs"]

    def check_cache(self):
        """Every cache entry is whole: magic, headers, a JSON body."""
        d = os.path.join(self.state, "http-cache")
        n = 0
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if ".tmp." in name:
                continue        # a write that never got renamed: unused
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(CACHE_MAGIC), name)
            head, sep, body = data.partition(b"\n\n")
            self.assertEqual(sep, b"\n\n", name)
            self.assertIn(b"\netag ", head, name)
            json.loads(body)
            n += 1
        return n

    def check_registry(self):
        """No tag points at an index with a missing manifest."""
        for t in world.tags(self.reg, IMAGE) or []:
            m = world.manifest(self.reg, IMAGE, t)
            self.assertIsNotNone(m, t)
            if m[1] in (world.OCI_INDEX, world.DOCKER_LIST):
                for child in json.loads(m[0])["manifests"]:
                    self.assertIsNotNone(
                        world.manifest(self.reg, IMAGE, child["digest"]),
                        "%s: %s missing" % (t, child["digest"]))

    def statuses(self):
        r = subprocess.run(self.argv("status", "--json"), env=self.env.env,
                           capture_output=True, text=True, timeout=120)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        out = json.loads(r.stdout)
        return {a["name"]: [(v["version"], v["state"]) for v in a["versions"]]
                for a in out["apps"]}

    def test_status_killed_at_every_cache_write(self):
        self.config()
        clean = None
        for syscalls in (RENAMES, "write"):
            # An empty cache: every answer is written.
            shutil.rmtree(os.path.join(self.state, "http-cache"),
                          ignore_errors=True)
            for n in range(1, MAX_POINTS):
                r = killed_at(self.argv("status", "--json"), self.env.env,
                              syscalls, n)
                self.check_cache()
                now = self.statuses()       # the next run reads it all
                if clean is None:
                    clean = now
                self.assertEqual(now, clean, "after a kill at %s #%d"
                                 % (syscalls, n))
                if not was_killed(r):
                    break
            else:
                self.fail("never finished")
            self.assertGreater(n, 1, "%s: killed at least once" % syscalls)
        self.assertGreater(self.check_cache(), 0)

    def test_build_killed_at_every_history_write_and_request(self):
        self.config()
        seen = {}
        for syscalls, version in ((RENAMES, "10.3.1"), ("sendto", "10.2.0")):
            for n in range(1, MAX_POINTS):
                r = killed_at(self.argv("build", "mattermost", version),
                              self.env.env, syscalls, n)
                jobs = {j["id"]: j for j in self.jobs()}
                for jid, state in seen.items():
                    self.assertIn(jid, jobs, "job %d lost after a kill at "
                                  "%s #%d" % (jid, syscalls, n))
                    if state in ("succeeded", "failed", "interrupted"):
                        self.assertEqual(jobs[jid]["state"], state,
                                         "a finished job changed")
                seen = {jid: j["state"] for jid, j in jobs.items()}
                self.check_registry()
                if not was_killed(r):
                    break
            self.assertGreater(n, 2, "%s: killed more than twice" % syscalls)
            self.assertEqual(r.returncode, 0, "%s: the run after the last "
                             "kill point: %s" % (syscalls, r.stderr))
            # The version is complete: an index of both archs.
            idx = world.manifest(self.reg, IMAGE, version)
            self.assertIsNotNone(idx, version)
            self.assertEqual(len(json.loads(idx[0])["manifests"]), 2)
        # The next run that writes the history marks every job a killed
        # process left queued or running as interrupted.
        r = subprocess.run(self.argv("build", "mattermost", "10.1.0"),
                           env=self.env.env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        states = [j["state"] for j in self.jobs()]
        self.assertNotIn("running", states)
        self.assertNotIn("queued", states)
        self.assertIn("interrupted", states)
        self.check_registry()

if __name__ == "__main__":
    import taprun
    taprun.main()
