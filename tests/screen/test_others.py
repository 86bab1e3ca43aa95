#!/usr/bin/env python3
"""The dashboard next to other mirrortop processes and configurations
sharing its state dir: another process's jobs are shown (marked) but
neither cancelled nor counted when quitting; the build dialog says what is
already building and what another process builds; jobs of another
configuration (another namespace) are not this dashboard's at all.

The same world as test_actions (alpha: 2.1.0 missing, 2.0.0 complete and
`latest`, 1.9.0 staged on both archs, 1.8.0 missing).
"""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from test_actions import (BUILDERS, PanelTest, alive, complete, dialog,
                          job_rows, push_argv)
import world  # noqa: E402
from mt import MIRRORTOP  # noqa: E402
from screen import version_line  # noqa: E402

FAIL_BUILDER = r'''
import sys
print("other: failing on purpose", flush=True)
sys.exit(1)
'''


def wait_until(pred, timeout=30.0, what="a condition"):
    """Poll pred() until it is true, against a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.05)


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class OthersTest(PanelTest):
    def setUp(self):
        super().setUp()
        self.procs = []
        self.pidfile = os.path.join(self.env.dir, "hang-{arch}.pid")

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for arch in ("amd64", "arm64"):
            pid = read_pid(self.pidfile.replace("{arch}", arch))
            if pid is not None and alive(pid):
                os.kill(pid, signal.SIGKILL)
        super().tearDown()

    def hang_config(self):
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     self.pidfile])

    def cli_background(self, config, *args):
        """`mirrortop build ...` left running, as a scheduled job would."""
        p = subprocess.Popen([MIRRORTOP, "-c", config] + list(args),
                             env=self.env.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def hang_pid(self, arch):
        path = self.pidfile.replace("{arch}", arch)
        return wait_until(lambda: read_pid(path), what="%s building" % arch)

    def other_config(self, namespace, argv):
        """A second configuration: the same app, another namespace."""
        with open(self.env.config_path) as f:
            cfg = json.load(f)
        cfg["namespace"] = namespace
        cfg["builder"] = {"type": "exec", "argv": argv, "timeout": 60,
                          "attempts": 1}
        path = os.path.join(self.env.dir, "other.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path


class TestOtherProcess(OthersTest):
    def test_other_process_job_shown_not_cancelled(self):
        self.hang_config()
        cli = self.cli_background(self.env.config_path, "build", "alpha",
                                  "2.1.0", "--arch", "amd64")
        pid = self.hang_pid("amd64")
        s = self.start()
        # the job is there, marked as another process's
        t = s.wait_for(lambda t: "[running]" in
                       (version_line(t, "2.1.0") or ""), timeout=30,
                       what="the other process's job on 2.1.0")
        t = s.wait_text("(other) alpha 2.1.0 amd64")
        self.assertEqual(job_rows(t), [(1, "running")])
        # b: arm64 only; amd64 is another process's
        s.keys("b")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("build alpha 2.1.0 arm64 ->", d)
        self.assertNotIn("build alpha 2.1.0 amd64", d)
        self.assertIn("amd64 is already being built (a job is queued or "
                      "running in another mirrortop process)",
                      " ".join(d.split()))
        s.keys("Escape")
        s.wait_gone("Proceed? [y/N]")
        # c in the versions pane and in the jobs pane: the core refuses
        s.keys("c")
        t = s.wait_text("job 1 is running in another mirrortop process")
        self.assertNotIn("Proceed?", t)
        s.keys("Tab")
        s.wait_for(lambda t: any(line.startswith("> #1 ")
                                 for line in t.split("\n")),
                   what="the jobs pane focused")
        s.keys("Escape")
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                   .startswith(">"), what="versions focused")
        s.keys("Tab")
        s.wait_for(lambda t: any(line.startswith("> #1 ")
                                 for line in t.split("\n")))
        s.keys("c")
        s.wait_text("job 1 is running in another mirrortop process")
        self.assertTrue(alive(pid), "the other process's builder runs on")
        self.assertIsNone(cli.poll())
        # q: nothing of this process runs, so no question; the job goes on
        s.keys("q")
        self.assertEqual(s.exited(), 0)
        self.assertTrue(alive(pid))
        self.assertEqual(self.jobs()[0]["state"], "running")

    def test_already_building_in_this_process(self):
        self.hang_config()
        s = self.start()
        s.keys("a", "Enter")              # amd64
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: "[running]" in (version_line(t, "2.1.0") or ""),
                   timeout=30, what="the job running")
        self.hang_pid("amd64")
        t = s.text()
        self.assertNotIn("(other)", t)
        s.keys("b")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("build alpha 2.1.0 arm64 ->", d)
        self.assertNotIn("build alpha 2.1.0 amd64", d)
        self.assertIn("alpha 2.1.0 amd64 is already being built here",
                      " ".join(d.split()))
        self.assertIn("mergealpha2.1.0:PUT", d.replace(" ", ""))
        self.assertIn("outputofthejobalreadyrunning", d.replace(" ", ""))
        s.keys("Escape")
        s.wait_gone("Proceed? [y/N]")
        # this process's job: q asks, c offers to cancel it
        s.keys("q")
        t = s.wait_text("Proceed? [y/N]")
        self.assertIn("1 job is queued or running", dialog(t))
        s.keys("n")
        s.wait_gone("Proceed? [y/N]")

    def test_arch_picker_last_missing_arch_merges(self):
        world.push_image(self.reg, "test/mirror/alpha", "2.1.0-amd64",
                              arch="amd64")
        self.config(push_argv())
        s = self.start()
        s.keys("a")
        t = s.wait_text("build one arch of 2.1.0")
        self.assertIn("arm64 (missing)", t)
        s.keys("Enter")                   # the missing one is preselected
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t).replace(" ", "")
        self.assertIn("buildalpha2.1.0arm64->", d)
        self.assertNotIn("buildalpha2.1.0amd64", d)
        # the merge names where amd64 comes from: its staging tag
        self.assertIn("amd64:%s/test/mirror/alpha:2.1.0-amd64(staged)"
                      % self.reg.host, d)
        self.assertEqual(d.count("mergealpha2.1.0:PUT"), 1, d)
        s.keys("y")
        s.wait_for(lambda t: complete(t, "2.1.0"), timeout=60,
                   what="2.1.0 built and merged")
        self.assertIn("2.1.0", self.tags())


class TestOtherConfig(OthersTest):
    def other_failed(self):
        """Two failed jobs of alpha 2.1.0 in the namespace other/ns."""
        failer = os.path.join(self.env.dir, "fail.py")
        with open(failer, "w") as f:
            f.write(FAIL_BUILDER)
        other = self.other_config("other/ns", [sys.executable, failer])
        r = self.env.run("-c", other, "build", "alpha", "2.1.0")
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(j["state"] for j in self.jobs()),
                         ["failed", "failed"])

    def other_running(self):
        """A job of alpha 1.8.0 amd64 running in the namespace other/ns."""
        other = self.other_config("other/ns", [
            sys.executable, os.path.join(BUILDERS, "hang.py"),
            self.pidfile])
        self.cli_background(other, "build", "alpha", "1.8.0",
                            "--arch", "amd64")
        self.hang_pid("amd64")
        wait_until(lambda: any(j["state"] == "running"
                               for j in self.jobs()),
                   what="the other namespace's job running")

    def test_jobs_of_another_namespace_not_shown(self):
        self.config(push_argv())
        self.other_failed()
        self.other_running()
        s = self.start()
        t = s.text()
        self.assertNotIn(" jobs ", t)          # no job of this config
        self.assertNotIn("(other)", t)
        for v in ("2.1.0", "1.8.0"):
            line = version_line(t, v)
            for state in ("failed", "running", "queued"):
                self.assertNotIn(state, line, v)
        # l has nothing to show; J shows an empty pane
        s.keys("l")
        s.wait_text("no job to show")
        s.keys("J")
        t = s.wait_text(" jobs ")
        self.assertIn("0 in the history", t)
        self.assertIn("no jobs", t)
        self.assertEqual(job_rows(t), [])
        # nothing of this config runs: q quits at once
        s.keys("q")
        self.assertEqual(s.exited(), 0)

    def test_build_while_another_namespace_builds(self):
        self.config(push_argv())
        self.other_running()
        s = self.start()
        self.select(s, "1.8.0")
        s.keys("b")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("alpha:1.8.0-amd64", d)
        self.assertIn("alpha:1.8.0-arm64", d)
        self.assertNotIn("not started", d)
        s.keys("y")
        s.wait_for(lambda t: complete(t, "1.8.0"), timeout=60,
                   what="1.8.0 built here and merged")


if __name__ == "__main__":
    import taprun
    taprun.main()
