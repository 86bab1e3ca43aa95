#!/usr/bin/env python3
"""Failures you can act on: a failed build says what its builder said last
and where its whole log is (on the command line, in the jobs pane and on
the message line), and `x` builds a failed or interrupted job's arch again,
through the same plan and y/N as `b`.

The world of test_actions (alpha: 2.1.0 missing, 2.0.0 complete and
`latest`, 1.9.0 staged on both archs, 1.8.0 missing).
"""
import os
import re
import sys
import unittest

from test_actions import PUSHIMAGE, PanelTest, complete, dialog, job_rows
from screen import version_line  # noqa: E402

# Fails for the archs listed in the flag file (while it exists), else
# pushes the image as pushimage.py does.
FLAKY = r'''
import os, runpy, sys
flag, arch = sys.argv[1], sys.argv[2]
if os.path.exists(flag) and arch in open(flag).read().split():
    print("flaky: compiling %s" % arch, flush=True)
    print("flaky: error: out of disk space on the %s runner" % arch,
          flush=True)
    sys.exit(1)
sys.argv = [sys.argv[3]] + sys.argv[4:]
runpy.run_path(sys.argv[0], run_name="__main__")
'''


class FailTest(PanelTest):
    def flaky_config(self, failing):
        script = os.path.join(self.env.dir, "flaky.py")
        with open(script, "w") as f:
            f.write(FLAKY)
        self.flag = os.path.join(self.env.dir, "fail-archs")
        with open(self.flag, "w") as f:
            f.write(" ".join(failing))
        self.config([sys.executable, script, self.flag, "{arch}",
                     PUSHIMAGE, "--plain-http", "--arch", "{arch}",
                     "--digest-file", "{digest_file}", "{staging_ref}"])

    def log_path(self, job_id):
        return os.path.join(self.env.state, "mirrortop", "logs",
                            "job-%d.log" % job_id)


class TestCommandLine(FailTest):
    def test_build_error_quotes_output_and_log(self):
        self.flaky_config(["arm64"])
        r = self.env.run("build", "alpha", "2.1.0")
        self.assertEqual(r.returncode, 1, r.stderr)
        line = [l for l in r.stderr.split("\n") if "failed" in l and
                "arm64" in l]
        self.assertEqual(len(line), 1, r.stderr)
        line = line[0]
        self.assertIn("last output: flaky: compiling arm64 | flaky: error: "
                      "out of disk space on the arm64 runner", line)
        m = re.search(r"log: (\S+)", line)
        self.assertIsNotNone(m, line)
        self.assertTrue(os.path.isfile(m.group(1)), line)
        with open(m.group(1)) as f:
            self.assertIn("out of disk space", f.read())


class TestDashboard(FailTest):
    def test_failed_job_in_pane_and_retry(self):
        self.flaky_config(["arm64"])
        s = self.start(width=80, height=24)
        s.keys("b")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        t = s.wait_for(lambda t: sorted(st for _, st in job_rows(t)) ==
                       ["failed", "succeeded"], timeout=60,
                       what="amd64 built, arm64 failed")
        # the jobs pane: the failed job's output, and where its log is
        s.keys("Tab")
        t = s.wait_for(lambda t: any(l.startswith("> #") and "arm64" in l
                                     for l in t.split("\n")) or
                       any(l.startswith("> #") for l in t.split("\n")),
                       what="the jobs pane")
        rows = dict(job_rows(t))
        failed = [i for i, st in rows.items() if st == "failed"]
        self.assertEqual(len(failed), 1, t)
        jid = failed[0]
        while not any(l.startswith("> #%d " % jid) for l in t.split("\n")):
            s.keys("j")
            t = s.wait_for(lambda t2: t2 != t, what="the cursor to move")
        t = s.wait_text("#%d| flaky: error: out of disk space" % jid)
        self.assertIn("#%d failed, log: " % jid, t)
        self.assertTrue(os.path.isfile(self.log_path(jid)))
        # x: the plan of the arm64 build, then the merge; n does nothing
        s.keys("x")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t).replace(" ", "")
        self.assertIn("retryjob%d:buildalpha2.1.0arm64" % jid,
                      t.replace(" ", "").replace("\u2500", ""), t)
        self.assertIn("alpha:2.1.0-arm64", d)
        # amd64 is not rebuilt: the merge takes its staged image
        self.assertNotIn("--archamd64", d)
        self.assertIn("alpha:2.1.0-amd64(staged)", d)
        self.assertIn("2.mergealpha2.1.0", d, t)
        s.keys("n")
        s.wait_gone("Proceed? [y/N]")
        self.assertEqual(len(self.jobs()), 2)
        # the runner has room again: x, y builds arm64 and merges
        os.unlink(self.flag)
        s.keys("x")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: complete(t, "2.1.0"), timeout=60,
                   what="2.1.0 built again and merged")
        self.assertIn("2.1.0", self.tags())

    def test_retry_only_failed(self):
        self.flaky_config([])
        s = self.start(width=80, height=24)
        s.keys("x")
        s.wait_text("no failed or interrupted job to retry")
        self.assertNotIn("Proceed?", s.text())


if __name__ == "__main__":
    import taprun
    taprun.main()
