"""The Debian package: `dpkg-buildpackage -b` from the distributed tree
(DEB_BUILD_OPTIONS=nocheck: the suite is what tests the program), lintian
without errors, then installed with apt as a user would
(`apt install ./mirrortop_*.deb`), run from /usr/bin, and removed.

Needs root (it installs a package) and runs once, in the plain build."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.path.abspath(os.environ.get("MT_BUILDDIR", "."))
SRC = os.path.abspath(os.environ.get("MT_SRCDIR", "."))
APT_LOCK = ["-o", "DPkg::Lock::Timeout=600"]


def skip_reason():
    if os.environ.get("MT_SANITIZED"):
        return "the package is built once, in the plain (unsanitized) run"
    if os.geteuid() != 0:
        return "installing a package needs root (the suite runs as root in CI)"
    for tool in ("dpkg-buildpackage", "dh", "apt-get"):
        if not shutil.which(tool):
            return "%s is not installed (scripts/deps.sh installs it)" % tool
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", "mirrortop"],
                       capture_output=True, text=True)
    if "installed" in r.stdout and "not-installed" not in r.stdout:
        return "a mirrortop package is already installed on this machine"
    return None


def run(argv, timeout=1800, **kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.update(kw.pop("env", {}))
    r = subprocess.run(argv, capture_output=True, text=True, env=env,
                       timeout=timeout, **kw)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s\n%s" % (
            " ".join(argv), r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
    return r


@unittest.skipIf(skip_reason(), skip_reason())
class TestDebianPackage(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mt-deb-")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("MIRRORTOP_CONFIG", "XDG_CONFIG_HOME")}
        self.env.update(HOME=self.home, XDG_STATE_HOME=self.home + "/state")

    def tearDown(self):
        subprocess.run(["apt-get", "purge", "-y", "-q"] + APT_LOCK +
                       ["mirrortop"], capture_output=True, timeout=900,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        shutil.rmtree(self.dir, ignore_errors=True)

    def mt(self, *args):
        return subprocess.run(["/usr/bin/mirrortop"] + list(args),
                              capture_output=True, text=True, env=self.env,
                              timeout=60)

    def test_build_install_run_remove(self):
        # The tree as distributed (make dist), so the package builds from
        # what a release ships.
        run(["make", "-s", "-C", BUILD, "distdir", "distdir=" +
             os.path.join(self.dir, "mirrortop")])
        tree = os.path.join(self.dir, "mirrortop")
        self.assertTrue(os.path.isfile(os.path.join(tree, "debian", "rules")))
        run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=tree,
            env={"DEB_BUILD_OPTIONS": "nocheck parallel=2"})
        debs = [d for d in glob.glob(os.path.join(self.dir, "mirrortop_*.deb"))]
        self.assertEqual(len(debs), 1, os.listdir(self.dir))
        deb = debs[0]
        with open(os.path.join(tree, "debian", "changelog")) as f:
            version = re.match(r"mirrortop \(([^)]+)\)", f.readline()).group(1)
        if shutil.which("lintian"):
            r = subprocess.run(["lintian", "--no-tag-display-limit", deb],
                               capture_output=True, text=True, timeout=900)
            errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
            self.assertEqual(errors, [], r.stdout)
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] +
            APT_LOCK + [deb], timeout=900,
            env={"DEBIAN_FRONTEND": "noninteractive"})

        r = self.mt("--version")
        self.assertEqual(r.stdout.strip(), "mirrortop " + version.split("-")[0])
        r = self.mt("config", "check")      # the built-in default
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("built-in default", r.stderr)
        r = self.mt("-c", "/usr/share/doc/mirrortop/examples/config.json",
                    "config", "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mt("__complete", "st").stdout.split("\t")[0],
                         "status")
        for path in ("/usr/share/bash-completion/completions/mirrortop",
                     "/usr/share/zsh/vendor-completions/_mirrortop",
                     "/usr/share/fish/vendor_completions.d/mirrortop.fish",
                     "/usr/share/man/man1/mirrortop.1.gz",
                     "/usr/share/man/man5/mirrortop.json.5.gz"):
            self.assertTrue(os.path.isfile(path), path)
        r = subprocess.run(["bash", "--norc", "-c",
                            'source /usr/share/bash-completion/completions/'
                            'mirrortop; COMP_WORDS=(mirrortop sy); '
                            'COMP_CWORD=1; _mirrortop; echo "${COMPREPLY[@]}"'],
                           capture_output=True, text=True, env=self.env,
                           timeout=60)
        self.assertEqual(r.stdout.strip(), "sync", r.stderr)

        run(["apt-get", "purge", "-y", "-q"] + APT_LOCK + ["mirrortop"],
            timeout=900, env={"DEBIAN_FRONTEND": "noninteractive"})
        self.assertFalse(os.path.exists("/usr/bin/mirrortop"))
        self.assertFalse(os.path.exists(
            "/usr/share/bash-completion/completions/mirrortop"))


if __name__ == "__main__":
    import taprun; taprun.main()
