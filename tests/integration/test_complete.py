"""Shell completion: `mirrortop __complete` and the bash, zsh and fish
scripts that call it, driven as each shell would drive them."""
import json
import os
import tempfile
import re
import shutil
import subprocess
import unittest

import world
from mt import Env, MIRRORTOP, github_app, gitlab_app
from upstream import Upstream, gh_release, gl_tag

SRC = os.environ.get("MT_SRCDIR", ".")
BASH = os.path.join(SRC, "completion", "bash", "mirrortop")
ZSH = os.path.join(SRC, "completion", "zsh", "_mirrortop")
FISH = os.path.join(SRC, "completion", "fish", "mirrortop.fish")
BINDIR = os.path.dirname(os.path.abspath(MIRRORTOP))


def bash_complete(env, words, prog=MIRRORTOP):
    """What bash offers for the last of words, split as readline splits
    them (COMP_WORDBREAKS makes "--arch=x" three words)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _mirrortop; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-ic", script, "bash",
                        BASH, prog] + list(words), capture_output=True,
                       text=True, env=env.env, timeout=60, cwd=env.dir)
    if r.returncode != 0:
        raise AssertionError("bash exit %d: %s" % (r.returncode, r.stderr))
    return [l for l in r.stdout.split("\n") if l]


def fish_complete(env, line):
    """What fish offers for a command line (complete -C)."""
    e = dict(env.env, PATH=BINDIR + os.pathsep + env.env.get("PATH", ""))
    r = subprocess.run(["fish", "--no-config", "-c",
                        'source $argv[1]; complete -C $argv[2]', FISH, line],
                       capture_output=True, text=True, env=e, timeout=60,
                       cwd=env.dir)
    if r.returncode != 0:
        raise AssertionError("fish exit %d: %s" % (r.returncode, r.stderr))
    return [l.split("\t")[0] for l in r.stdout.split("\n") if l]


class CompleteWorld(unittest.TestCase):
    """Two apps, one status run so that the last status knows versions."""

    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.up.data["github"]["mattermost/mattermost"] = {"releases": [
            gh_release(t, repo="mattermost/mattermost")
            for t in ("v11.0.4", "v11.1.0", "v10.12.2")]}
        cls.up.data["gitlab"]["framasoft/mostlymatter"] = {"tags": [
            gl_tag(t) for t in ("v11.0.4-limitless", "v11.0.3-limitless")]}
        cls.up.start()

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.env.write_config(self.reg.host, [
            github_app("mattermost", self.up, "mattermost/mattermost",
                       archs=["amd64", "arm64", "riscv64"]),
            gitlab_app("mostlymatter", self.up, "framasoft/mostlymatter",
                       include=r"^v([0-9]+\.[0-9]+\.[0-9]+)-limitless$")])
        self.env.env["MIRRORTOP_CONFIG"] = self.env.config_path

    def tearDown(self):
        self.env.__exit__(None)

    def refresh(self):
        r = self.env.run("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)


class TestBash(CompleteWorld):
    def test_subcommands_from_the_command_table(self):
        got = bash_complete(self.env, [""])
        for c in ("status", "matrix", "build", "merge", "sync", "config"):
            self.assertIn(c, got)
        self.assertEqual(bash_complete(self.env, ["st"]), ["status"])
        self.assertEqual(bash_complete(self.env, ["config", ""]), ["check"])

    def test_options_are_those_the_subcommand_takes(self):
        """The same table as `SUBCOMMAND --help`: nothing more, nothing
        less, per subcommand."""
        for cmd in ("status", "matrix", "build", "merge", "sync", "config",
                    None):
            words = [cmd] if cmd else []
            r = self.env.run(*(words + ["--help"]), config=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            opts = r.stdout.split("options", 1)[1]
            want = set(re.findall(r"(?m)^\s+(?:(-\w), )?(--[\w-]+)", opts))
            want = {o for pair in want for o in pair if o}
            got = set(bash_complete(self.env, words + ["-"]))
            self.assertEqual(got, want, cmd)

    def test_option_values_from_the_table(self):
        self.assertEqual(bash_complete(self.env, ["status", "--format", ""]),
                         ["table", "json", "openmetrics"])
        self.assertEqual(bash_complete(self.env, ["status", "--format", "=",
                                                  "o"]), ["openmetrics"])

    def test_options_of_the_subcommand(self):
        got = bash_complete(self.env, ["sync", "--"])
        self.assertIn("--dry-run", got)
        self.assertIn("--arch", got)
        self.assertTrue(all(o.startswith("--") for o in got), got)
        self.assertEqual(bash_complete(self.env, ["merge", "--dry"]),
                         ["--dry-run"])

    def test_app_names_from_the_effective_configuration(self):
        self.assertEqual(sorted(bash_complete(self.env, ["status", ""])),
                         ["mattermost", "mostlymatter"])
        self.assertEqual(bash_complete(self.env, ["status", "mattermost",
                                                  ""]), ["mostlymatter"])
        self.assertEqual(bash_complete(self.env, ["build", "mos"]),
                         ["mostlymatter"])

    def test_config_on_the_line_wins(self):
        other = os.path.join(self.env.dir, "other.json")
        with open(other, "w") as f:
            json.dump({"registry": self.reg.host, "plain_http": True,
                       "namespace": "x/y", "apps": [github_app(
                           "outline", self.up, "outline/outline")]}, f)
        self.assertEqual(bash_complete(self.env, ["-c", other, "status", ""]),
                         ["outline"])
        self.assertEqual(bash_complete(
            self.env, ["status", "--config", "=", other, ""]), ["outline"])

    def test_arch_values_from_the_configuration(self):
        self.assertEqual(bash_complete(self.env, ["sync", "--arch", ""]),
                         ["amd64", "arm64", "riscv64"])
        # "--arch=r" arrives as three words; readline replaces only "r".
        self.assertEqual(bash_complete(self.env, ["sync", "--arch", "=",
                                                  "r"]), ["riscv64"])

    def test_versions_from_the_last_status_offline(self):
        self.assertEqual(bash_complete(self.env, ["build", "mattermost", ""]),
                         [])
        self.refresh()
        self.up.clear()
        self.assertEqual(bash_complete(self.env, ["build", "mattermost", ""]),
                         ["11.1.0", "11.0.4", "10.12.2"])
        self.assertEqual(bash_complete(self.env, ["merge", "mostlymatter",
                                                  "11.0.3"]), ["11.0.3"])
        self.assertEqual(self.up.requests, [], "completion went upstream")

    def test_a_failed_refresh_keeps_the_versions(self):
        self.refresh()
        self.up.faults["/github/repos/mattermost/mattermost/releases"] = \
            [500] * 20
        r = self.env.run("status", "mattermost")
        self.up.faults.clear()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(bash_complete(self.env, ["build", "mattermost", ""]),
                         ["11.1.0", "11.0.4", "10.12.2"])

    def test_config_file_names(self):
        open(os.path.join(self.env.dir, "mine.json"), "w").close()
        self.assertIn("mine.json", bash_complete(self.env, ["-c", "mi"]))

    def test_broken_configuration_offers_nothing_and_says_nothing(self):
        with open(self.env.config_path, "w") as f:
            f.write("{ not json")
        self.assertEqual(bash_complete(self.env, ["status", ""]), [])
        r = self.env.run("__complete", "status", "", config=False)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_hostile_last_status_is_ignored(self):
        os.makedirs(os.path.join(self.env.state, "mirrortop"), exist_ok=True)
        with open(os.path.join(self.env.state, "mirrortop",
                               "last-status.json"), "w") as f:
            f.write('{"schema": 3, "images": []}')
        self.assertEqual(bash_complete(self.env, ["build", "mattermost", ""]),
                         [])
        self.refresh()
        self.assertIn("11.1.0", bash_complete(self.env, ["build",
                                                         "mattermost", ""]))


@unittest.skipUnless(shutil.which("fish"), "fish is not installed")
class TestFish(CompleteWorld):
    def test_fish_completes_commands_apps_and_versions(self):
        self.assertIn("status", fish_complete(self.env, "mirrortop st"))
        self.assertEqual(sorted(fish_complete(self.env, "mirrortop status ")),
                         ["mattermost", "mostlymatter"])
        self.refresh()
        self.assertEqual(fish_complete(self.env, "mirrortop build mattermost 11."),
                         ["11.0.4", "11.1.0"])
        self.assertEqual(fish_complete(self.env, "mirrortop sync --arch=ri"),
                         ["--arch=riscv64"])

    def test_fish_file_parses(self):
        r = subprocess.run(["fish", "--no-execute", FISH], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)


@unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
class TestZsh(unittest.TestCase):
    def test_zsh_file_parses_and_registers(self):
        r = subprocess.run(["zsh", "-n", ZSH], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = os.path.dirname(ZSH)
        # compinit replaces its dump file with mv: never point it at a
        # device (as root, -d /dev/null would turn /dev/null into a file).
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(["zsh", "-fc", 'fpath=("$1" $fpath); '
                                'autoload -U compinit; compinit -u -d "$2"; '
                                'print -r -- $_comps[mirrortop]', "zsh", d,
                                os.path.join(tmp, "zcompdump")],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stdout.strip(), "_mirrortop", r.stderr)


if __name__ == "__main__":
    import taprun; taprun.main()
