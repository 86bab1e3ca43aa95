"""`make install` and `make uninstall` from the build tree: DESTDIR and
prefix honoured, the installed program and its completion work, and
uninstall removes exactly what install put there."""
import os
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("MT_BUILDDIR", ".")

# Relative to the prefix.
EXPECTED = {
    "bin/mirrortop",
    "share/man/man1/mirrortop.1",
    "share/man/man5/mirrortop.json.5",
    "share/bash-completion/completions/mirrortop",
    "share/zsh/site-functions/_mirrortop",
    "share/fish/vendor_completions.d/mirrortop.fish",
    "share/doc/mirrortop/examples/config.json",
}


def make(*args):
    """Run make in the build tree, outside the calling make's jobserver."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    r = subprocess.run(["make", "-s", "-C", BUILD] + list(args),
                       capture_output=True, text=True, env=env, timeout=600)
    if r.returncode != 0:
        raise AssertionError("make %s: exit %d\n%s%s" % (
            " ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


class TestInstall(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mt-install-")
        self.env = {k: v for k, v in os.environ.items()
                    if k != "MIRRORTOP_CONFIG"}
        self.env.update(HOME=self.dir, XDG_STATE_HOME=self.dir + "/state",
                        XDG_CONFIG_HOME=self.dir + "/config")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_destdir_and_prefix_then_uninstall(self):
        dest = os.path.join(self.dir, "dest")
        make("install", "DESTDIR=" + dest, "prefix=/usr")
        root = os.path.join(dest, "usr")
        self.assertEqual(files_under(dest),
                         {os.path.join("usr", f) for f in EXPECTED})
        prog = os.path.join(root, "bin", "mirrortop")
        self.assertTrue(os.access(prog, os.X_OK))
        r = subprocess.run([prog, "--version"], capture_output=True,
                           text=True, env=self.env, timeout=60)
        self.assertRegex(r.stdout, r"^mirrortop \d+\.\d+\.\d+")
        r = subprocess.run([prog, "-c", os.path.join(
            root, "share/doc/mirrortop/examples/config.json"),
            "config", "check"], capture_output=True, text=True,
            env=self.env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"mattermost"', r.stdout)
        # The installed bash completion drives the installed program.
        script = ('source "$1"; COMP_WORDS=("$2" me); COMP_CWORD=1; '
                  '_mirrortop; printf "%s\\n" "${COMPREPLY[@]}"')
        r = subprocess.run(["bash", "--norc", "-c", script, "bash", os.path.join(
            root, "share/bash-completion/completions/mirrortop"), prog],
            capture_output=True, text=True, env=self.env, timeout=60)
        self.assertEqual(r.stdout.split(), ["merge"], r.stderr)
        r = subprocess.run(["man", "-l", "-Tutf8", os.path.join(
            root, "share/man/man1/mirrortop.1")], capture_output=True,
            text=True, env=self.env, timeout=60)
        self.assertIn("mirrortop", r.stdout)
        make("uninstall", "DESTDIR=" + dest, "prefix=/usr")
        self.assertEqual(files_under(dest), set())

    def test_prefix_alone(self):
        pfx = os.path.join(self.dir, "pfx")
        make("install", "prefix=" + pfx)
        self.assertEqual(files_under(pfx), EXPECTED)
        make("uninstall", "prefix=" + pfx)
        self.assertEqual(files_under(pfx), set())


if __name__ == "__main__":
    import taprun; taprun.main()
