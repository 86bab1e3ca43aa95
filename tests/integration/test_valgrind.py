"""valgrind finds no leak and no memory error in the CLI paths."""
import os
import shutil
import subprocess
import unittest

import world
from mt import Env, github_app, gitlab_app, MIRRORTOP
from upstream import Upstream, gh_release, gl_tag

SANITIZED = os.environ.get("MT_SANITIZED") == "1"


@unittest.skipIf(SANITIZED, "valgrind does not run ASan builds")
@unittest.skipIf(shutil.which("valgrind") is None, "valgrind not installed")
class TestValgrind(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream({
            "github": {"o/app": {"releases": [
                gh_release("v1.%d.0" % i, repo="o/app") for i in range(5)]}},
            "gitlab": {"g/p": {"tags": [gl_tag("v2.%d.0-limitless" % i)
                                        for i in range(3)]}}})
        cls.up.start()
        a = world.push_image(cls.reg, "test/mirror/app", None, arch="amd64")
        b = world.push_image(cls.reg, "test/mirror/app", None, arch="arm64")
        world.push_index(cls.reg, "test/mirror/app", "1.4.0",
                         [(a, "amd64"), (b, "arm64")])
        world.push_image(cls.reg, "test/mirror/app", "1.3.0", arch="amd64")
        world.push_image(cls.reg, "test/mirror/app", "1.2.0-arm64",
                         arch="arm64")
        world.tag(cls.reg, "test/mirror/app", "1.4.0", "latest")

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.env.write_config(self.reg.host, [
            github_app("app", self.up, "o/app"),
            gitlab_app("lm", self.up, "g/p",
                       include=r"^v([0-9]+\.[0-9]+\.[0-9]+)-limitless$")])

    def tearDown(self):
        self.env.__exit__(None)

    def vg(self, *args, expect_rc=0, config=True):
        argv = ["valgrind", "--quiet", "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible",
                "--error-exitcode=99", MIRRORTOP] + list(args)
        if config:
            argv += ["-c", self.env.config_path]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=240,
                           env=self.env.env)
        self.assertNotEqual(r.returncode, 99, r.stderr[-3000:])
        self.assertEqual(r.returncode, expect_rc, r.stderr[-3000:])
        return r

    def test_status_table(self):
        self.vg("status")

    def test_status_json_twice_with_etag_cache(self):
        self.vg("status", "--json")
        self.vg("status", "--json")

    def test_matrix(self):
        self.vg("matrix")

    def test_status_openmetrics(self):
        r = self.vg("status", "--format", "openmetrics")
        self.assertTrue(r.stdout.endswith("# EOF\n"))

    def test_complete_versions_from_the_last_status(self):
        self.vg("status")
        r = self.vg("__complete", "-c", self.env.config_path, "build", "app",
                    "", config=False)
        self.assertNotEqual(r.stdout, "")

    def test_config_check(self):
        self.vg("config", "check")

    def test_builtin_config_check(self):
        self.vg("config", "check", config=False)

    def test_bad_config(self):
        with open(self.env.config_path, "w") as f:
            f.write('{"registry": 3}')
        self.vg("status", expect_rc=2)

    def test_upstream_failure(self):
        self.up.faults["/github/repos/o/app"] = ["malformed"] * 3
        self.vg("status", "--json", expect_rc=1)

    def test_merge_dry_run(self):
        self.vg("merge", "--dry-run", "app", "1.4.0")

    def test_sync_dry_run(self):
        self.vg("sync", "--dry-run", "app")

    def test_usage_error(self):
        self.vg("status", "--nope", expect_rc=2)


if __name__ == "__main__":
    import taprun
    taprun.main()
