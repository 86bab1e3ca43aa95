#!/usr/bin/env python3
"""`o` shows the selected version's upstream page on the message line,
URL visible, and makes it a link (OSC 8); the status JSON has it as
html_url. A page the upstream names off the forge's own host, or one that
is not a plain printable http(s) URL, is never shown: the page is then made
from the configuration (GitLab and Gitea base_url, github.com) or there is
none.

The world of dashworld: alpha (GitHub releases, 2.1.0 newest), beta
(GitLab tags on the same fixture host, 0.3.0 newest).
"""
import json
import os
import pty
import select
import signal
import struct
import fcntl
import termios
import time
import unittest

from dashworld import DashboardTest
from mt import MIRRORTOP, app_of, version_of
from screen import cursor_version


class OpenTest(DashboardTest):
    def setUp(self):
        super().setUp()
        with self.up.lock:
            rels = self.up.data["github"]["acme/alpha"]["releases"]
            self.saved = [dict(r) for r in rels]
            for r in rels:
                tag = r["tag_name"]
                if tag == "v2.0.0":      # off the forge's host: dropped
                    r["html_url"] = ("https://evil.example/acme/alpha/"
                                     "releases/tag/" + tag)
                elif tag == "v1.9.0":    # an escape riding on it: dropped
                    r["html_url"] = "%s/x\x1b]8;;http://evil/\x07" % \
                        self.up.url
                else:
                    r["html_url"] = "%s/acme/alpha/releases/tag/%s" % (
                        self.up.url, tag)

    def tearDown(self):
        with self.up.lock:
            self.up.data["github"]["acme/alpha"]["releases"][:] = self.saved
        super().tearDown()


class TestOpen(OpenTest):
    def select(self, s, app_keys, version):
        s.keys(*app_keys)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) is not None,
                   what="the versions pane")
        for _ in range(10):
            if cursor_version(s.text()) == version:
                return
            s.keys("j")
            time.sleep(0.2)
        self.fail("cannot select " + version)

    def test_release_page_shown(self):
        s = self.start(width=120)
        self.select(s, [], "2.1.0")
        s.keys("o")
        t = s.wait_text("release page: ")
        self.assertIn("release page: %s/acme/alpha/releases/tag/v2.1.0"
                      % self.up.url, t)

    def test_foreign_or_hostile_page_not_shown(self):
        s = self.start(width=120)
        for version in ("2.0.0", "1.9.0"):
            self.select(s, [], version)
            s.keys("o")
            t = s.wait_text("no upstream page known")
            self.assertNotIn("evil", t)
            s.keys("Escape")

    def test_gitlab_tag_page_made_from_base_url(self):
        s = self.start(width=140)
        self.select(s, ["j"], "0.3.0")
        s.keys("o")
        t = s.wait_text("release page: ")
        self.assertIn("release page: %s/gitlab/grp/beta/-/tags/v0.3.0"
                      % self.up.url, t)

    def test_status_json(self):
        st, _ = self.env.status_json(expect_rc=None)
        alpha = app_of(st, "alpha")
        self.assertEqual(version_of(alpha, "2.1.0")["html_url"],
                         "%s/acme/alpha/releases/tag/v2.1.0" % self.up.url)
        self.assertIsNone(version_of(alpha, "2.0.0")["html_url"])
        self.assertIsNone(version_of(alpha, "1.9.0")["html_url"])
        beta = app_of(st, "beta")
        self.assertEqual(version_of(beta, "0.3.0")["html_url"],
                         "%s/gitlab/grp/beta/-/tags/v0.3.0" % self.up.url)


class TestHyperlink(OpenTest):
    """The bytes the terminal gets: the page inside an OSC 8 link."""

    def run_pty(self, keys_after_ready):
        pid, fd = pty.fork()
        if pid == 0:
            env = dict(self.env.env, TERM="xterm-256color", LANG="C.UTF-8",
                       LC_ALL="C.UTF-8")
            try:
                os.execvpe(MIRRORTOP, [MIRRORTOP, "-c",
                                       self.env.config_path], env)
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 140,
                                                          0, 0))
        os.kill(pid, signal.SIGWINCH)
        out = b""

        def read_until(pred, timeout=30):
            nonlocal out
            end = time.time() + timeout
            while time.time() < end and not pred(out):
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
            return pred(out)
        try:
            self.assertTrue(read_until(lambda o: b"2.1.0" in o), out[-2000:])
            time.sleep(0.5)
            for k in keys_after_ready:
                os.write(fd, k)
                time.sleep(0.5)
            mark = len(out)
            read_until(lambda o: b"\x1b]8;;" in o[mark:], timeout=15)
            return out[mark:]
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)

    def test_osc8_link(self):
        url = ("%s/acme/alpha/releases/tag/v2.1.0" % self.up.url).encode()
        out = self.run_pty([b"\r", b"o"])
        self.assertIn(b"\x1b]8;;" + url + b"\x1b\\" + url + b"\x1b]8;;\x1b\\",
                      out)
        self.assertNotIn(b"evil", out)


if __name__ == "__main__":
    import taprun
    taprun.main()
