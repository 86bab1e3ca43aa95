#!/usr/bin/env python3
"""Read-only dashboards (--read-only, --watch): nothing can be changed."""
import os
import string
import time
import unittest

import world
from dashworld import DashboardTest, REPOS
from screen import idle

# Every key a user could press: printable characters (q last: it quits),
# and the named keys tmux knows.
KEYS = [c for c in string.printable if c not in "q\t\n\r\x0b\x0c"]
NAMED = ["Enter", "Tab", "BTab", "Space", "Escape", "BSpace", "Up", "Down",
         "Left", "Right", "Home", "End", "PageUp", "PageDown", "IC", "DC",
         "F1", "F2", "F5", "F10", "C-a", "C-b", "C-d", "C-e", "C-f", "C-g",
         "C-k", "C-l", "C-n", "C-o", "C-p", "C-r", "C-t", "C-u", "C-v",
         "C-w", "C-x", "C-y", "C-z", "M-b", "M-m"]


def descendants(pid):
    """Every process below pid (children, their children, ...)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


class TestReadOnly(DashboardTest):
    def registry_state(self):
        return {r: world.tags(self.reg, r) for r in REPOS}

    def check_mode(self, flag):
        before = self.registry_state()
        s = self.start(flag)
        head = s.lines()[0]
        self.assertIn("[R]", head)
        self.assertNotIn("[RW]", head)
        shell = s.pane_pid()
        base = set(descendants(shell))
        for pane_keys in (["Enter"], ["Escape"], ["Tab"], []):
            s.keys(*pane_keys)
            for c in KEYS:
                if c == ";":
                    s.keys("\\;")
                else:
                    s.literal(c)
                if c in "/":
                    s.keys("Escape")
            for k in NAMED:
                s.keys(k)
            s.keys("Escape", "Escape")
            self.assertEqual(set(descendants(shell)) - base, set(),
                             "a process was started")
        # builds would have left marker files; the registry is unchanged
        s.keys("Escape", "Escape")
        s.wait_for(idle)
        time.sleep(0.5)
        self.assertEqual(os.listdir(self.marker_dir), [])
        self.assertEqual(self.registry_state(), before)
        self.assertEqual(set(descendants(shell)) - base, set())
        # still alive and drawing; q quits
        s.keys("Escape")
        s.wait_text("[R]")
        s.keys("q")
        self.assertEqual(s.exited(), 0)

    def test_read_only_flag(self):
        self.check_mode("--read-only")

    def test_watch_flag(self):
        self.check_mode("--watch")

    def test_help_says_read_only(self):
        s = self.start("--watch")
        s.keys("?")
        t = s.wait_stable(lambda t: "Keys (read-only)" in t)
        self.assertIn("quit", t)
        self.assertIn("(read-only)", s.lines()[-1] or s.lines()[-2])


if __name__ == "__main__":
    import taprun
    taprun.main()
