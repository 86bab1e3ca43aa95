"""The GitHub Action (action.yml) and the scripts its steps run
(scripts/ci/*.sh): run here as the runner would run them, with
GITHUB_OUTPUT, GITHUB_PATH and GITHUB_STEP_SUMMARY files, against the test
world; checked by shellcheck."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import world
from mt import Env, github_app
from upstream import Upstream, gh_release

SRC = os.path.abspath(os.environ.get("MT_SRCDIR", "."))
BUILD = os.path.abspath(os.environ.get("MT_BUILDDIR", "."))
CI = os.path.join(SRC, "scripts", "ci")
REPO = "mattermost/mattermost"


def read_outputs(path):
    """GITHUB_OUTPUT as the runner reads it: name=value and name<<DELIM."""
    out = {}
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^([\w-]+)<<(.+)$", line)
        if m:
            name, delim = m.groups()
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        i += 1
    return out


class CiEnv(Env):
    """An Env with the runner's files."""

    def __init__(self):
        super().__init__()
        for name in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            p = os.path.join(self.dir, name.lower())
            open(p, "w").close()
            self.env[name] = p
        self.env["GITHUB_ACTIONS"] = "true"

    def script(self, name, *args, env=None, timeout=300):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run(["sh", os.path.join(CI, name)] + list(args),
                              capture_output=True, text=True, env=e,
                              timeout=timeout, cwd=self.dir)

    def outputs(self):
        return read_outputs(self.env["GITHUB_OUTPUT"])


class TestActionFile(unittest.TestCase):
    def setUp(self):
        import yaml
        with open(os.path.join(SRC, "action.yml")) as f:
            self.action = yaml.safe_load(f)

    def test_composite_steps_run_scripts_of_the_repository(self):
        self.assertEqual(self.action["runs"]["using"], "composite")
        runs = [s for s in self.action["runs"]["steps"] if "run" in s]
        self.assertGreaterEqual(len(runs), 5)
        for step in runs:
            m = re.fullmatch(r'sh "\$GITHUB_ACTION_PATH/(scripts/ci/[\w-]+'
                             r'\.sh)"(?: .*)?', step["run"].strip())
            self.assertTrue(m, step["run"])
            self.assertTrue(os.path.isfile(os.path.join(SRC, m.group(1))))
            # Inputs reach scripts through env, never expanded in run:.
            self.assertNotIn("${{", step["run"], step["name"])
            self.assertEqual(step["shell"], "bash")

    def test_matrix_sync_and_status_steps_with_outputs(self):
        steps = {s.get("id"): s for s in self.action["runs"]["steps"]}
        for cmd in ("matrix", "sync", "status"):
            self.assertIn(cmd, steps)
            self.assertIn("inputs.command == '%s'" % cmd, steps[cmd]["if"])
        for name, out in self.action["outputs"].items():
            for sid in re.findall(r"steps\.([\w-]+)\.outputs", out["value"]):
                self.assertIn(sid, steps, name)
        used = set(re.findall(r"inputs\.([\w-]+)", json.dumps(
            self.action["runs"])))
        self.assertEqual(used - set(self.action["inputs"]), set())

    def test_cache_keyed_by_the_source(self):
        cache = [s for s in self.action["runs"]["steps"]
                 if s.get("uses", "").startswith("actions/cache@")]
        self.assertEqual(len(cache), 1)
        self.assertIn("steps.key.outputs.key", cache[0]["with"]["key"])

    def test_example_workflow_uses_the_action(self):
        import yaml
        with open(os.path.join(SRC, "doc", "github-actions-example.yml")) as f:
            wf = yaml.safe_load(f)
        uses = [s for job in wf["jobs"].values() for s in job["steps"]
                if s.get("uses", "").endswith("mirrortop")]
        cmds = {s["with"]["command"] for s in uses}
        self.assertTrue({"matrix", "status"} <= cmds, cmds)
        text = open(os.path.join(SRC, "doc",
                                 "github-actions-example.yml")).read()
        self.assertNotIn("make install", text)


@unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is not installed")
class TestShellcheck(unittest.TestCase):
    def test_scripts_pass_shellcheck(self):
        scripts = sorted(os.path.join("scripts", "ci", f)
                         for f in os.listdir(CI) if f.endswith(".sh"))
        self.assertGreaterEqual(len(scripts), 6)
        r = subprocess.run(["shellcheck", "-x", "-s", "sh"] + scripts,
                           capture_output=True, text=True, cwd=SRC,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestSourceKey(unittest.TestCase):
    def test_key_follows_the_source(self):
        tmp = tempfile.mkdtemp(prefix="mt-key-")
        try:
            tree = os.path.join(tmp, "tree")
            os.makedirs(tree)
            for d in ("src", "tui", "completion"):
                shutil.copytree(os.path.join(SRC, d), os.path.join(tree, d))
            for f in ("configure.ac", "Makefile.am"):
                shutil.copy(os.path.join(SRC, f), tree)
            with CiEnv() as env:
                r1 = env.script("source-key.sh", tree)
                self.assertEqual(r1.returncode, 0, r1.stderr)
                key = r1.stdout.strip()
                self.assertRegex(key, r"^[0-9a-f]{32}$")
                self.assertEqual(env.outputs()["key"], key)
                self.assertEqual(env.script("source-key.sh", tree)
                                 .stdout.strip(), key)
                with open(os.path.join(tree, "src", "semver.c"), "a") as f:
                    f.write("/* changed */\n")
                self.assertNotEqual(env.script("source-key.sh", tree)
                                    .stdout.strip(), key)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def make_install(prefix):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    subprocess.run(["make", "-s", "-C", BUILD, "install", "prefix=" + prefix],
                   check=True, capture_output=True, env=env, timeout=600)


class TestBuild(unittest.TestCase):
    def test_a_restored_cache_is_used_without_compiling(self):
        with CiEnv() as env:
            prefix = os.path.join(env.dir, "cache")
            make_install(prefix)
            key = env.script("source-key.sh", SRC).stdout.strip()
            with open(os.path.join(prefix, ".source-key"), "w") as f:
                f.write(key + "\n")
            r = env.script("build.sh", SRC, prefix, env={"PATH": "/usr/bin:/bin"})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("using the cached build", r.stdout)
            out = env.outputs()
            self.assertEqual(out["built"], "false")
            self.assertEqual(out["path"], os.path.join(prefix, "bin",
                                                       "mirrortop"))
            with open(env.env["GITHUB_PATH"]) as f:
                self.assertEqual(f.read(), os.path.join(prefix, "bin") + "\n")

    @unittest.skipIf(os.environ.get("MT_SANITIZED"),
                     "the plain run builds from source once")
    def test_build_from_source_then_from_the_cache(self):
        with CiEnv() as env:
            prefix = os.path.join(env.dir, "cache")
            r = env.script("build.sh", SRC, prefix, timeout=1800)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(env.outputs()["built"], "true")
            prog = os.path.join(prefix, "bin", "mirrortop")
            v = subprocess.run([prog, "--version"], capture_output=True,
                               text=True, timeout=60)
            self.assertRegex(v.stdout, r"^mirrortop \d")
            open(env.env["GITHUB_OUTPUT"], "w").close()
            r = env.script("build.sh", SRC, prefix)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(env.outputs()["built"], "false")


class TestCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.data["github"][REPO] = {"releases": [
            gh_release(t, repo=REPO) for t in ("v11.1.0", "v11.0.4")]}
        cls.up.data["github"]["outline/outline"] = {"releases": [
            gh_release("v0.87.3", repo="outline/outline")]}
        cls.up.start()
        ns = "test/mirror/outline"
        a = world.push_image(cls.reg, ns, None, arch="amd64")
        b = world.push_image(cls.reg, ns, None, arch="arm64")
        world.push_index(cls.reg, ns, "0.87.3", [(a, "amd64"), (b, "arm64")])
        world.tag(cls.reg, ns, "0.87.3", "latest")

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = CiEnv()
        self.up.faults.clear()
        self.env.write_config(self.reg.host, [
            github_app("mattermost", self.up, REPO),
            github_app("outline", self.up, "outline/outline")])

    def tearDown(self):
        self.env.__exit__(None)

    def run_step(self, cmd, **env):
        e = {"CONFIG": self.env.config_path}
        e.update(env)
        return self.env.script("run.sh", cmd, env=e)

    def test_matrix_outputs(self):
        r = self.run_step("matrix")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.env.outputs()
        direct = self.env.run("matrix").stdout.strip()
        self.assertEqual(json.loads(out["matrix"]), json.loads(direct))
        self.assertEqual(out["has-builds"], "true")
        apps = {e["app"] for e in json.loads(out["matrix"])["include"]}
        self.assertEqual(apps, {"mattermost"})

    def test_matrix_of_a_complete_app_has_no_builds(self):
        r = self.run_step("matrix", APPS="outline")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.env.outputs()["has-builds"], "false")

    def test_status_exit_codes(self):
        r = self.run_step("status", APPS="outline")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.env.outputs()["exit-code"], "0")
        self.assertEqual(self.env.outputs()["incomplete"], "")
        # Something missing: 3, which fails the step only when asked.
        r = self.run_step("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.env.outputs()
        self.assertEqual(out["exit-code"], "3")
        self.assertEqual(out["incomplete"], "mattermost")
        with open(os.path.join(self.env.dir, out["status-file"])) as f:
            self.assertEqual(json.load(f)["schema"], "mirrortop.status/v1")
        r = self.run_step("status", FAIL_ON="incomplete")
        self.assertEqual(r.returncode, 3)
        with open(self.env.env["GITHUB_STEP_SUMMARY"]) as f:
            summary = f.read()
        self.assertRegex(summary, r"\| mattermost \| 11\.1\.0 \| - \| 2 \|")

    def test_status_of_an_app_that_cannot_be_checked(self):
        self.up.faults["/github/repos/outline/outline/releases"] = [500] * 20
        r = self.run_step("status", APPS="outline", FAIL_ON="never")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.env.outputs()["exit-code"], "1")
        self.up.faults["/github/repos/outline/outline/releases"] = [500] * 20
        r = self.run_step("status", APPS="outline")
        self.assertEqual(r.returncode, 1)

    def test_sync_dry_run_writes_nothing(self):
        before = self.env.run("status", "--json").stdout
        r = self.run_step("sync", APPS="mattermost", DRY_RUN="true")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.env.outputs()
        self.assertEqual(out["exit-code"], "0")
        self.assertIn("11.1.0", out["plan"])
        after = self.env.run("status", "--json").stdout
        strip = lambda s: re.sub(r'"generated_at": "[^"]*"', "", s)
        self.assertEqual(strip(before), strip(after))

    def test_app_names_are_checked_before_anything_runs(self):
        marker = os.path.join(self.env.dir, "pwned")
        r = self.run_step("matrix", APPS="outline $(touch %s)" % marker)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not an app name", r.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assertEqual(self.env.outputs(), {})


if __name__ == "__main__":
    import taprun; taprun.main()
