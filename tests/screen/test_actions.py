#!/usr/bin/env python3
"""The dashboard's control panel against a real registry: build, pick an
arch, merge, move latest, mark and build many, cancel, logs; every action
asks y/N first and only y runs it; read-only mode has none of it.

A fresh registry per test; builders push real images (pushimage.py), hang
(hang.py) or print terminal escape sequences.
"""
import json
import os
import re
import sys
import unittest

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import world  # noqa: E402
from mt import Env, MIRRORTOP, github_app  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

from screen import Screen, ScreenTimeout, idle, version_line  # noqa: E402

SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")
ALPHA = "test/mirror/alpha"
WIDTH = 160
HEIGHT = 50

HOSTILE_BUILDER = r'''
import sys
sys.stdout.write("\x1b]0;pwned\x07\x1b[2J\x1b[31mHOSTILE-OUT\x1b[0m "
                 "\x1b]2;pwned2\x1b\\ tail-end\n")
sys.stdout.flush()
sys.exit(1)
'''


def push_argv(extra=()):
    return [sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}"] + list(extra) + \
        ["{staging_ref}"]


def dialog(text):
    """The confirm dialog's rows joined (wrapped lines put back together)."""
    out = []
    for line in text.split("\n"):
        if line.count("\u2502") >= 2:
            inner = line[line.index("\u2502") + 1:line.rindex("\u2502")]
            out.append(inner.strip())
    return "".join(out)


def alive(pid):
    """Is pid a live process (not gone, not a zombie)?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def complete(text, version):
    line = version_line(text, version)
    return line is not None and "\u2713 amd64" in line and \
        "\u2713 arm64" in line


class PanelTest(unittest.TestCase):
    """alpha: 2.1.0 missing (the semantic latest), 2.0.0 complete and
    `latest`, 1.9.0 staged on both archs, 1.8.0 missing."""

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.env = Env()
        self.screens = []
        try:
            self.build_world()
        except Exception:
            self.tearDown()
            raise

    def build_world(self):
        self.up.data["github"]["acme/alpha"] = {"releases": [
            gh_release("v%s" % v, published_at="2026-0%d-01T10:00:00Z" % m,
                       repo="acme/alpha")
            for v, m in (("2.1.0", 4), ("2.0.0", 3), ("1.9.0", 2),
                         ("1.8.0", 1))]}
        a = world.push_image(self.reg, ALPHA, None, arch="amd64")
        b = world.push_image(self.reg, ALPHA, None, arch="arm64")
        idx = world.push_index(self.reg, ALPHA, "2.0.0",
                               [(a, "amd64"), (b, "arm64")])
        world.tag(self.reg, ALPHA, idx, "latest")
        for arch in ("amd64", "arm64"):
            world.push_image(self.reg, ALPHA, "1.9.0-" + arch, arch=arch,
                             variant="v8" if arch == "arm64" else None)

    def tearDown(self):
        for s in self.screens:
            s.close()
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def config(self, argv=None, attempts=1):
        builder = {"type": "exec", "argv": argv or push_argv(),
                   "timeout": 60, "attempts": attempts}
        self.env.write_config(self.reg.host,
                              [github_app("alpha", self.up, "acme/alpha")],
                              refresh_interval=3600, builder=builder)

    def start(self, *args, width=WIDTH, height=HEIGHT, env=None):
        if not os.path.exists(self.env.config_path):
            self.config()
        e = dict(self.env.env)
        e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        if env:
            e.update(env)
        s = Screen([MIRRORTOP, "-c", self.env.config_path] + list(args), e,
                   width=width, height=height)
        self.screens.append(s)
        s.wait_for(lambda t: "2.1.0" in t and "last never" not in t
                   and idle(t), what="the first refresh")
        s.keys("Enter")      # the versions of alpha, 2.1.0 selected
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "").startswith(">"),
                   what="2.1.0 under the cursor")
        return s

    def tags(self):
        return sorted(world.tags(self.reg, ALPHA))

    def jobs(self):
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        try:
            with open(path) as f:
                return json.load(f)["jobs"]
        except FileNotFoundError:
            return []

    def select(self, s, version):
        for _ in range(10):
            t = s.text()
            line = version_line(t, version) or ""
            if line.startswith(">"):
                return
            s.keys("j")
            s.wait_for(lambda t2: t2 != t, what="the cursor to move")
        self.fail("cannot select %s" % version)


class TestBuild(PanelTest):
    def test_build_shows_argv_and_runs_on_y(self):
        before = self.tags()
        s = self.start()
        s.keys("b")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("build alpha 2.1.0", d)
        for arch in ("amd64", "arm64"):
            self.assertIn("--arch" + arch, d.replace(" ", ""))
            self.assertIn("alpha:2.1.0-" + arch, d)
        # the plan's merge step, once (the dashboard adds none)
        self.assertEqual(d.replace(" ", "").count("mergealpha2.1.0:PUT"), 1,
                         d)
        self.assertIn("3.mergealpha2.1.0:PUT", d.replace(" ", ""))
        self.assertIn("alpha:2.1.0andlatest", d.replace(" ", ""))
        self.assertEqual(self.tags(), before, "nothing before y")
        self.assertEqual(self.jobs(), [])
        s.keys("y")
        s.wait_gone("Proceed? [y/N]")
        # the jobs pane shows up; the version becomes complete (merged)
        s.wait_text(" jobs ")
        t = s.wait_for(lambda t: complete(t, "2.1.0"), timeout=60,
                       what="2.1.0 built and merged")
        tags = self.tags()
        for tag in ("2.1.0", "2.1.0-amd64", "2.1.0-arm64"):
            self.assertIn(tag, tags)
        self.assertEqual(sorted(j["state"] for j in self.jobs()),
                         ["succeeded", "succeeded"])
        # 2.1.0 is the semantic latest: latest points at the new index
        self.assertEqual(world.manifest(self.reg, ALPHA, "latest")[2],
                         world.manifest(self.reg, ALPHA, "2.1.0")[2])

    def test_enter_n_esc_do_not_confirm(self):
        before = self.tags()
        s = self.start()
        for key in ("Enter", "n", "Escape", "x", "Space"):
            s.keys("b")
            s.wait_text("Proceed? [y/N]")
            s.keys(key)
            s.wait_gone("Proceed? [y/N]")
            s.wait_text("cancelled: build alpha 2.1.0")
        # still nothing: no job, no tag, no jobs pane
        s.keys("r")
        t = s.wait_for(idle)
        self.assertNotIn(" jobs ", t)
        self.assertEqual(self.jobs(), [])
        self.assertEqual(self.tags(), before)
        self.assertNotIn("\u2713 amd64", version_line(t, "2.1.0"))

    def test_arch_picker_builds_one_arch(self):
        s = self.start()
        s.keys("a")
        t = s.wait_text("build one arch of 2.1.0")
        self.assertIn("amd64 (missing)", t)
        self.assertIn("arm64 (missing)", t)
        s.keys("Down", "Enter")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("alpha:2.1.0-arm64", d)
        self.assertNotIn("alpha:2.1.0-amd64", d)
        self.assertNotIn("mergealpha", d.replace(" ", ""))  # amd64 missing
        self.assertIn("not merged, 1 arch is still missing", d)
        s.keys("y")
        t = s.wait_for(lambda t: "\u25d0 arm64" in
                       (version_line(t, "2.1.0") or ""), timeout=60,
                       what="arm64 staged")
        self.assertIn("\u2717 amd64", version_line(t, "2.1.0"))
        tags = self.tags()
        self.assertIn("2.1.0-arm64", tags)
        self.assertNotIn("2.1.0-amd64", tags)
        self.assertNotIn("2.1.0", tags)
        self.assertEqual([j["arch"] for j in self.jobs()], ["arm64"])

    def test_mark_two_and_build_marked(self):
        s = self.start()
        s.keys("Space")                   # 2.1.0, the cursor moves on
        self.select(s, "1.8.0")
        s.keys("Space")
        t = s.wait_for(lambda t: "\u25cf" in (version_line(t, "1.8.0") or ""),
                       what="1.8.0 marked")
        self.assertIn("\u25cf", version_line(t, "2.1.0"))
        self.assertNotIn("\u25cf", version_line(t, "2.0.0"))
        s.keys("B")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("2 marked versions", t)
        for v in ("2.1.0", "1.8.0"):
            for arch in ("amd64", "arm64"):
                self.assertIn("alpha:%s-%s" % (v, arch), d)
        self.assertNotIn("alpha:1.9.0", d)
        s.keys("y")
        t = s.wait_for(lambda t: complete(t, "2.1.0") and
                       complete(t, "1.8.0"), timeout=90,
                       what="both versions built and merged")
        self.assertNotIn("\u25cf", version_line(t, "2.1.0"), "marks cleared")
        tags = self.tags()
        for tag in ("2.1.0", "1.8.0"):
            self.assertIn(tag, tags)
        self.assertNotIn("1.9.0", tags)
        self.assertEqual(len(self.jobs()), 4)

    def test_build_all_missing_without_marks(self):
        s = self.start()
        s.keys("B")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("every missing version of alpha", t)
        self.assertIn("alpha:2.1.0-amd64", d)
        self.assertIn("alpha:1.8.0-arm64", d)
        self.assertNotIn("alpha:2.0.0", d)
        s.keys("Escape")
        s.wait_gone("Proceed? [y/N]")
        self.assertEqual(self.jobs(), [])


class TestMergeLatest(PanelTest):
    def test_merge_staged_shows_index(self):
        s = self.start()
        self.select(s, "1.9.0")
        self.assertIn("\u25d0 amd64", version_line(s.text(), "1.9.0"))
        s.keys("m")
        t = s.wait_for(lambda t: "Proceed? [y/N]" in t and
                       '"manifests":' in t, what="the index")
        d = dialog(t)
        self.assertIn("merge alpha 1.9.0: PUT", d)
        self.assertIn('"manifests":', d)
        self.assertIn(world.OCI_INDEX, d)
        self.assertIn('"architecture":"arm64"', d.replace(" ", ""))
        self.assertNotIn("1.9.0", self.tags())
        s.keys("y")
        s.wait_for(lambda t: complete(t, "1.9.0"), timeout=30,
                   what="1.9.0 merged")
        idx = world.manifest(self.reg, ALPHA, "1.9.0")
        self.assertEqual(idx[1], world.OCI_INDEX)
        archs = sorted(m["platform"]["architecture"]
                       for m in json.loads(idx[0])["manifests"])
        self.assertEqual(archs, ["amd64", "arm64"])

    def test_nothing_to_do_opens_no_dialog(self):
        s = self.start()
        # m on a complete version: it is up to date, no dialog
        self.select(s, "2.0.0")
        s.keys("m")
        t = s.wait_text("alpha 2.0.0 is up to date")
        self.assertNotIn("Proceed?", t)
        # L: latest drifts to 2.1.0, which is not complete: L says so
        # instead of offering a PUT
        s.keys("L")
        t = s.wait_text("latest alpha: 2.1.0 is not complete")
        self.assertNotIn("Proceed?", t)
        # a on an arch that is there: the plan says why
        self.select(s, "1.9.0")
        s.keys("a", "Enter")
        t = s.wait_text("amd64 is already staged")
        self.assertNotIn("Proceed?", t)
        self.assertEqual(self.jobs(), [])

    def test_latest_moves_after_confirm(self):
        a = world.push_image(self.reg, ALPHA, None, arch="amd64",
                             layer_bytes=b"alpha 2.1.0 amd64")
        b = world.push_image(self.reg, ALPHA, None, arch="arm64",
                             layer_bytes=b"alpha 2.1.0 arm64")
        world.push_index(self.reg, ALPHA, "2.1.0",
                         [(a, "amd64"), (b, "arm64")])
        old = world.manifest(self.reg, ALPHA, "latest")[2]
        s = self.start()
        s.wait_text("2.0.0 \u2260")       # drift on the apps row
        s.keys("L")
        t = s.wait_for(lambda t: "Proceed? [y/N]" in t and
                       "latest alpha: PUT" in t, what="the manifest to PUT")
        d = dialog(t)
        self.assertIn("alpha:latest=", d.replace(" ", ""))
        self.assertIn("alpha:2.1.0", d)
        # Enter does not confirm
        s.keys("Enter")
        s.wait_gone("Proceed? [y/N]")
        self.assertEqual(world.manifest(self.reg, ALPHA, "latest")[2], old)
        s.keys("L")
        s.wait_for(lambda t: "Proceed? [y/N]" in t and
                   "latest alpha: PUT" in t)
        s.keys("y")
        s.wait_gone("2.0.0 \u2260", timeout=30)
        s.wait_text("move latest of alpha: 0 built, 0 merged, 1 latest moved")
        self.assertEqual(world.manifest(self.reg, ALPHA, "latest")[2],
                         world.manifest(self.reg, ALPHA, "2.1.0")[2])


class TestJobs(PanelTest):
    def test_cancel_running_job(self):
        pidfile = os.path.join(self.env.dir, "hang-{arch}.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile])
        s = self.start()
        s.keys("a", "Enter")              # amd64
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        t = s.wait_for(lambda t: "[running]" in
                       (version_line(t, "2.1.0") or ""), timeout=30,
                       what="the job running")
        # the jobs pane: state and the tail of the builder's output
        s.wait_text("hang: building forever")
        self.assertIn("running", t[t.index(" jobs "):])
        pidpath = pidfile.replace("{arch}", "amd64")
        with open(pidpath) as f:
            pid = int(f.read())
        # q asks while a job runs; n keeps the dashboard
        s.keys("q")
        t = s.wait_text("Proceed? [y/N]")
        self.assertIn("1 job is queued or running", dialog(t))
        self.assertIn("Quitting stops them", dialog(t))
        s.keys("n")
        s.wait_gone("Proceed? [y/N]")
        # c: the dialog names the job and the command it stops
        s.keys("c")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertIn("canceljob1:alpha2.1.0amd64(running",
                      d.replace(" ", ""))
        self.assertIn("hang.py", d)
        s.keys("Enter")
        s.wait_gone("Proceed? [y/N]")
        self.assertTrue(alive(pid), "Enter kept it")
        s.keys("c")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        # the plan's end says so: its build step was not done
        t = s.wait_for(lambda t: "[cancelled]" in
                       (version_line(t, "2.1.0") or "") and
                       "build alpha 2.1.0 amd64: 0 built" in t and
                       "1 failed" in t, timeout=30,
                       what="the job cancelled")
        s.wait_for(lambda t: not alive(pid), timeout=30,
                   what="the builder gone")
        self.assertEqual(self.jobs()[0]["state"], "cancelled")
        self.assertNotIn("2.1.0-amd64", self.tags())
        # nothing in flight: q quits at once
        s.keys("q")
        self.assertEqual(s.exited(), 0)

    def test_cancel_from_jobs_pane(self):
        pidfile = os.path.join(self.env.dir, "hang-{arch}.pid")
        self.config([sys.executable, os.path.join(BUILDERS, "hang.py"),
                     pidfile])
        s = self.start()
        s.keys("b")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: "2 running" in t or "[running, queued]" in t
                   or "[2 running]" in t, timeout=30, what="jobs running")
        s.keys("Tab")                     # the jobs pane
        s.wait_for(lambda t: any(line.startswith("> #")
                                 for line in t.split("\n")),
                   what="the jobs pane focused")
        s.keys("c")
        t = s.wait_text("Proceed? [y/N]")
        d = dialog(t)
        self.assertEqual(d.count("cancel job"), 1, d)
        s.keys("Y")
        s.wait_text("cancelled")
        s.keys("Escape")                  # back to the versions
        t = s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                       .startswith(">"), what="versions focused")
        states = sorted(j["state"] for j in self.jobs())
        self.assertIn("cancelled", states)
        self.assertTrue(any(x in ("running", "queued") for x in states),
                        states)
        # the other one too, from the versions pane
        s.keys("c")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: "[2 cancelled]" in
                   (version_line(t, "2.1.0") or ""), timeout=30)

    def test_log_view_hostile_output(self):
        path = os.path.join(self.env.dir, "hostile.py")
        with open(path, "w") as f:
            f.write(HOSTILE_BUILDER)
        self.config([sys.executable, path])
        s = self.start()
        s.keys("a", "Enter")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        t = s.wait_for(lambda t: "[failed]" in
                       (version_line(t, "2.1.0") or ""), timeout=30,
                       what="the job failed")
        s.keys("l")
        t = s.wait_text("log of job 1: alpha 2.1.0 amd64, failed")
        self.assertIn("HOSTILE-OUT", t)
        self.assertIn("tail-end", t)
        self.assertNotIn("pwned", t)
        self.assertNotIn("pwned", s.title())
        line = [x for x in s.text(escapes=True).split("\n")
                if "HOSTILE-OUT" in x][0]
        self.assertNotIn("\x1b[31m", line)
        self.assertNotIn("\x1b]", line)
        # G follows the end, Esc goes back
        s.keys("g")
        s.wait_gone("[following]")
        s.keys("G")
        s.wait_text("[following]")
        # sideways: the start of each line scrolls out of view
        s.keys("l")
        t = s.wait_text("[scrolled right]")
        self.assertNotIn("[mirrortop 20", t)
        s.keys("h")
        s.wait_text("[mirrortop 20")
        s.keys("Escape")
        s.wait_gone("log of job 1")
        t = s.wait_text("[failed]")
        self.assertNotIn("pwned", s.title())

    def test_jobs_pane_live_output(self):
        self.config(push_argv(["--sleep", "2"]))
        s = self.start()
        s.keys("a", "Enter")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        t = s.wait_for(lambda t: "| building " in t and " running " in t,
                       timeout=30, what="the builder's output, live")
        self.assertIn("2.1.0-amd64", t[t.index("| building "):])
        s.wait_for(lambda t: " succeeded " in t, timeout=30,
                   what="the job done")
        s.keys("J")                       # hide the pane
        s.wait_gone(" jobs ")
        s.keys("J")
        s.wait_text(" jobs ")


STEP_BUILDER = r'''
import os, sys, time
go = sys.argv[1]
print("step-one", flush=True)
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
print("step-two", flush=True)
sys.exit(1)
'''


class TestLiveLog(PanelTest):
    def test_log_view_follows_output(self):
        path = os.path.join(self.env.dir, "step.py")
        go = os.path.join(self.env.dir, "go")
        with open(path, "w") as f:
            f.write(STEP_BUILDER)
        self.config([sys.executable, path, go])
        s = self.start()
        s.keys("a", "Enter")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: "[running]" in (version_line(t, "2.1.0") or ""),
                   timeout=30, what="the job running")
        s.keys("l")
        t = s.wait_for(lambda t: "log of job 1" in t and "step-one" in t,
                       timeout=30, what="the first line in the log view")
        self.assertIn("log of job 1: alpha 2.1.0 amd64, running", t)
        self.assertNotIn("step-two", t)
        # more output: the open view shows it without a key
        with open(go, "w"):
            pass
        t = s.wait_for(lambda t: "step-two" in t, timeout=30,
                       what="the new line in the open log view")
        s.wait_text("log of job 1: alpha 2.1.0 amd64, failed", timeout=30)


SCRIPT_BUILDER = r'''
import sys, time
version, failing = sys.argv[1], sys.argv[2].split(",")
print("script: building %s" % version, flush=True)
if version in failing:
    sys.exit(1)
while True:
    time.sleep(1)
'''


def job_rows(text):
    """The jobs pane's rows, as (id, state), top to bottom."""
    out = []
    for line in text.split("\n"):
        m = re.match(r"^[> ] #(\d+)\s+(\w+)\s", line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


class TestJobsPane(PanelTest):
    def script_config(self, failing):
        path = os.path.join(self.env.dir, "script.py")
        with open(path, "w") as f:
            f.write(SCRIPT_BUILDER)
        self.config([sys.executable, path, "{version}", ",".join(failing)])

    def old_jobs(self, version, runs):
        """Jobs in the history from earlier runs of `mirrortop build`."""
        for _ in range(runs):
            self.env.run("build", "alpha", version)
        self.assertEqual(len(self.jobs()), 2 * runs)

    def test_new_jobs_come_into_view(self):
        self.script_config(["1.8.0"])
        self.old_jobs("1.8.0", 3)                 # #1 to #6, failed
        s = self.start()
        t = s.wait_for(lambda t: len(job_rows(t)) >= 5)
        self.assertEqual([i for i, _ in job_rows(t)][:5], [6, 5, 4, 3, 2])
        # the user looks at an old job, then goes back to the versions
        s.keys("Tab", "G")
        s.wait_for(lambda t: any(l.startswith("> #1 ")
                                 for l in t.split("\n")))
        s.keys("Escape")
        s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                   .startswith(">"))
        s.keys("b")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        # the new jobs are in view without touching the pane
        t = s.wait_for(lambda t: "2 running" in t, timeout=30,
                       what="two jobs running")
        t = s.wait_for(lambda t: [i for i, _ in job_rows(t)][:2] == [8, 7],
                       what="the new jobs on top")
        self.assertEqual(sorted(st for _, st in job_rows(t)[:2]),
                         ["running", "running"])

    def test_jobs_key_without_room(self):
        self.script_config(["1.8.0"])
        self.old_jobs("1.8.0", 1)
        s = self.start(width=60, height=15)
        t = s.text()
        self.assertNotIn(" jobs ", t)             # no room next to the others
        s.keys("J")
        t = s.wait_text("no room for the jobs pane")
        self.assertIn(" jobs ", t)                # it has the screen
        self.assertEqual(sorted(i for i, _ in job_rows(t)), [1, 2])
        s.keys("Escape")
        t = s.wait_for(lambda t: (version_line(t, "2.1.0") or "")
                       .startswith(">"))
        self.assertNotIn(" jobs ", t)

    def test_failed_state_goes_once_complete(self):
        self.script_config(["2.1.0"])
        s = self.start()
        s.keys("b")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        s.wait_for(lambda t: "[2 failed]" in (version_line(t, "2.1.0") or ""),
                   timeout=30, what="the jobs failed")
        # the version is made complete elsewhere
        a = world.push_image(self.reg, ALPHA, None, arch="amd64",
                             layer_bytes=b"alpha 2.1.0 amd64")
        b = world.push_image(self.reg, ALPHA, None, arch="arm64",
                             layer_bytes=b"alpha 2.1.0 arm64")
        world.push_index(self.reg, ALPHA, "2.1.0",
                         [(a, "amd64"), (b, "arm64")])
        s.keys("r")
        t = s.wait_for(lambda t: complete(t, "2.1.0") and idle(t),
                       timeout=30, what="2.1.0 complete")
        self.assertNotIn("failed", version_line(t, "2.1.0"))
        # the jobs themselves are still in the history
        self.assertIn("failed", t[t.index(" jobs "):])


class TestReadOnlyPanel(PanelTest):
    def test_read_only_has_no_actions(self):
        """Read-only: no action at all; the jobs (none here) and their logs
        can still be looked at."""
        self.config()
        before = self.tags()
        s = self.start("--read-only")
        self.select(s, "1.9.0")
        for k in ("b", "a", "m", "L", "B", "c", "l", "J", "Space",
                  "Space", "B", "Tab", "Tab", "c", "y", "Y"):
            s.keys(k)
        s.keys("Escape")
        t = s.wait_for(idle)
        self.assertNotIn("Proceed?", t)
        self.assertNotIn("build one arch", t)
        self.assertEqual(job_rows(t), [])
        self.assertNotIn("\u25cf", t)
        self.assertEqual(self.tags(), before)
        self.assertEqual(self.jobs(), [])
        self.assertFalse(os.path.exists(os.path.join(
            self.env.state, "mirrortop", "jobs.json")))
        status = s.lines()[-1] or s.lines()[-2]
        for hint in ("build", "merge", "latest", "cancel"):
            self.assertNotIn(hint, status)
        for pane in ("one", "the other"):
            s.keys("?")
            t = dialog(s.wait_stable(lambda t: "Keys (read-only)" in t))
            self.assertIn("quit", t)
            t = t.split("\u2500\u2500 glyphs")[0]      # keys, not the legend
            for word in ("build", "merge", "point latest", "mark",
                         "cancel"):
                self.assertNotIn(word, t, pane)
            s.keys("Escape")
            s.wait_gone("Keys (read-only)")
            s.keys("Tab")

    def test_help_lists_panel_keys(self):
        s = self.start()
        s.keys("?")
        t = dialog(s.wait_stable(lambda t: " Keys " in t))
        for word in ("missing archs", "one arch", "merge the staged",
                     "point latest", "mark or unmark", "marked versions",
                     "queued or running jobs", "job's log",
                     "jobs pane"):
            self.assertIn(word, t)


if __name__ == "__main__":
    import taprun
    taprun.main()
