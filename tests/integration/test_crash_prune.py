#!/usr/bin/env python3
"""Crash safety of prune: `mirrortop prune --yes` is SIGKILLed at every
request it sends (each sendto) and at every file it replaces (each
rename), by strace's fault injection, on the real registry (distribution
2.8, which cannot delete a tag alone: prune points the tag at a
placeholder, then deletes the placeholder by digest). After each kill
every kept tag still resolves down to every child and attestation
manifest, the job history parses, and the next run finishes the work:
the staging tags go, the versions still pull for both archs."""
import json
import os
import subprocess
import unittest

import world
from mt import MIRRORTOP
from test_crash import STRACE, RENAMES, MAX_POINTS, killed_at, was_killed
from test_prune import IMAGE, PruneWorld

KEPT = ("10.3.1", "10.3.0", "10.2.0", "latest")


@unittest.skipIf(STRACE is None, "strace not installed")
class TestPruneKilled(PruneWorld):
    def argv(self, *args):
        return [MIRRORTOP, "-c", self.env.config_path] + list(args)

    def check_kept(self):
        """Every kept tag and everything its index names still resolve."""
        for t in KEPT:
            m = world.manifest(self.reg, IMAGE, t)
            self.assertIsNotNone(m, "%s no longer resolves" % t)
            for e in json.loads(m[0]).get("manifests", []):
                self.assertIsNotNone(
                    world.manifest(self.reg, IMAGE, e["digest"]),
                    "%s: %s no longer resolves" % (t, e["digest"]))

    def check_history(self):
        path = os.path.join(self.env.state, "mirrortop", "jobs.json")
        if os.path.exists(path):
            with open(path) as f:
                json.load(f)

    def staging(self):
        return sorted(t for t in world.tags(self.reg, IMAGE)
                      if t.endswith("-amd64") or t.endswith("-arm64"))

    def test_prune_killed_at_every_request_and_rename(self):
        self.config()
        kills = 0
        for syscalls in ("sendto", RENAMES):
            self.world3()
            self.assertTrue(self.staging())
            for n in range(1, MAX_POINTS):
                r = killed_at(self.argv("prune", "--yes"), self.env.env,
                              syscalls, n, timeout=180)
                self.check_kept()
                self.check_history()
                if not was_killed(r):
                    break
                kills += 1
            else:
                self.fail("prune never finished under %s kills" % syscalls)
            self.assertEqual(r.returncode, 0, "%s: the run after the last "
                             "kill point: %s" % (syscalls, r.stderr))
            # Whatever a kill left half-done, a run finishes it: only the
            # leftover that is not in its version's index may stay.
            r = subprocess.run(self.argv("prune", "--yes"), env=self.env.env,
                               capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stderr)
            left = [t for t in self.staging() if not t.startswith("10.2.0")]
            self.assertEqual(left, [], "staging tags left: %s" % left)
            self.check_kept()
        self.assertGreater(kills, 4, "killed at several points")
        for arch in ("amd64", "arm64"):
            self.assertEqual(self.pulls("10.3.1", arch), arch)
            self.assertEqual(self.pulls("10.3.0", arch), arch)


if __name__ == "__main__":
    import taprun
    taprun.main()
