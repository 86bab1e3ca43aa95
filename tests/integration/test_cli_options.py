"""The command line's per-subcommand options: each subcommand takes only
the options of its row in the table (any other is a usage error naming
the option and the subcommand), `SUBCOMMAND --help` lists exactly those
options, the pre-scan knows which options take a value, and `--arch`
narrows `sync` to the archs given (against a real registry)."""
import os
import re
import subprocess
import sys
import unittest

import world
from mt import MIRRORTOP, Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
IMAGE = "test/mirror/mattermost"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")


def run(*args, env=None):
    return subprocess.run([MIRRORTOP] + list(args), capture_output=True,
                          text=True, timeout=60, env=env)


def commands():
    """`mirrortop __commands`: {subcommand: set of long options}."""
    r = run("__commands")
    assert r.returncode == 0, r.stderr
    table = {}
    for line in r.stdout.splitlines():
        words = line.split()
        table[words[0]] = {w.split("=")[0] for w in words[1:]
                           if w.startswith("--")}
    return table


class TestOptionsTable(unittest.TestCase):
    def test_every_subcommand_is_listed(self):
        table = commands()
        for name in ("-", "status", "matrix", "build", "merge", "sync",
                     "config"):
            self.assertIn(name, table)
        self.assertEqual(table["status"] & {"--arch", "--dry-run"}, set())
        self.assertIn("--arch", table["sync"])
        self.assertIn("--arch", table["build"])
        self.assertIn("--dry-run", table["merge"])
        self.assertNotIn("--json", table["matrix"])
        for name in ("build", "merge", "sync"):
            self.assertTrue({"--dry-run", "--json", "--force"}
                            <= table[name], name)

    def test_help_lists_exactly_the_options(self):
        for name, opts in commands().items():
            if name == "-":
                r = run("--help")
            else:
                r = run(name, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            listed = set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", r.stdout,
                                    re.M))
            self.assertEqual(listed, opts, name)
            if name != "-":
                self.assertTrue(r.stdout.startswith(
                    "usage: mirrortop %s " % name), r.stdout)

    def test_an_option_not_taken_is_a_usage_error(self):
        cases = [("status", "--arch", "sparc"), ("status", "--dry-run"),
                 ("status", "--force"), ("matrix", "--json"),
                 ("build", "--interval", "5"), ("config", "--read-only")]
        for args in cases:
            r = run(*args, "a", "b")
            self.assertEqual(r.returncode, 2, args)
            first = r.stderr.splitlines()[0]
            self.assertIn(args[0], first)
            self.assertIn(args[1], first)
            self.assertEqual(r.stdout, "")

    def test_the_dashboard_takes_no_subcommand_options(self):
        r = run("--json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--json", r.stderr.splitlines()[0])
        self.assertIn("dashboard", r.stderr.splitlines()[0])

    def test_unknown_option_and_missing_value(self):
        r = run("status", "--nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option --nope", r.stderr)
        r = run("sync", "--arch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--arch needs a value", r.stderr)
        r = run("status", "--json=yes")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--json takes no value", r.stderr)

    def test_wrong_number_of_arguments(self):
        r = run("merge", "mattermost")
        self.assertEqual(r.returncode, 2)
        self.assertIn("merge: expected APP VERSION", r.stderr)
        r = run("config", "check", "extra")
        self.assertEqual(r.returncode, 2)
        self.assertIn("config: expected check", r.stderr)


class TestPreScan(unittest.TestCase):
    """Options before the subcommand word."""

    def setUp(self):
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)

    def test_value_options_before_the_subcommand(self):
        self.env.write_config("127.0.0.1:1", [{
            "name": "app", "source": {"type": "github-releases",
                                      "repo": "o/app",
                                      "api": "http://127.0.0.1:1"}}])
        path = self.env.config_path
        for argv in (("-c", path, "config", "check"),
                     ("--config", path, "config", "check"),
                     ("--config=" + path, "config", "check"),
                     ("-c" + path, "config", "check")):
            r = subprocess.run([MIRRORTOP] + list(argv), capture_output=True,
                               text=True, timeout=60, env=self.env.env)
            self.assertEqual(r.returncode, 0, (argv, r.stderr))
            self.assertIn("127.0.0.1:1", r.stdout)

    def test_arch_value_is_not_taken_for_the_subcommand(self):
        # `amd64` is the value of --arch, not a subcommand: config is
        # found, and told that it does not take --arch.
        r = run("--arch", "amd64", "config", "check")
        self.assertEqual(r.returncode, 2)
        self.assertNotIn("unknown command", r.stderr)
        self.assertIn("config does not take --arch", r.stderr)
        r = run("--interval", "5", "status")
        self.assertIn("status does not take --interval", r.stderr)


class TestInterval(unittest.TestCase):
    """--interval takes what refresh_interval takes: 10 to 604800."""

    def test_bounds_of_the_configuration(self):
        with Env() as env:
            env.write_config("127.0.0.1:1", [])
            for bad in ("1", "9", "604801", "0", "-5", "ten", ""):
                r = env.run("--interval", bad, "--watch", timeout=30)
                self.assertEqual(r.returncode, 2, (bad, r.stderr))
                first = r.stderr.split("\n")[0]
                self.assertIn("--interval: expected seconds (10..604800",
                              first)


class TestSyncArch(unittest.TestCase):
    """`sync --arch` builds only the archs given."""

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": [
            gh_release("v10.3.1", published_at="2026-09-10T10:00:00Z",
                       repo=REPO)]}
        self.env = Env()
        argv = [sys.executable, PUSHIMAGE, "--plain-http", "--arch",
                "{arch}", "--digest-file", "{digest_file}", "{staging_ref}"]
        self.env.write_config(
            self.reg.host, [github_app("mattermost", self.up, REPO)],
            builder={"type": "exec", "argv": argv, "timeout": 60})

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def tags(self):
        c = world.Client(self.reg)
        r = c.request("GET", "/v2/%s/tags/list" % IMAGE)
        return sorted(r.json().get("tags") or []) if r.status == 200 else []

    def test_dry_run_and_run_narrowed(self):
        r = self.env.run("--arch", "amd64", "sync", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("build mattermost 10.3.1 amd64", r.stdout)
        self.assertNotIn("arm64", r.stdout)
        self.assertNotIn("merge mattermost 10.3.1", r.stdout)
        self.assertEqual(self.tags(), [])
        r = self.env.run("sync", "--arch", "amd64", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tags(), ["10.3.1-amd64"])

    def test_arch_not_configured(self):
        r = self.env.run("sync", "--arch", "sparc")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--arch sparc", r.stderr)
        self.assertEqual(self.tags(), [])


if __name__ == "__main__":
    import taprun
    taprun.main()
