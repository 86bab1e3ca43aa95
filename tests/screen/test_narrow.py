#!/usr/bin/env python3
"""The dashboard on narrow and short terminals: what is left out goes whole
(never half a word), what matters most stays: the mode badge, the budget
with the least left, `? help` and quit, the digest at 80 columns; a long
error ends with an ellipsis; the help scrolls."""
import re
import unittest

from dashworld import DashboardTest
from mt import github_app, gitlab_app
from screen import cursor_app, cursor_version, version_line

ELLIPSIS = "\u2026"


def status_line(s):
    lines = s.lines()
    return lines[-2] if lines[-1] == "" else lines[-1]


def header_parts(head):
    """The header's parts: split where two blanks (or ' · ') part them."""
    return [p for p in re.split(r"  +| \u00b7 ", head.strip()) if p]


# Every part the header may show, whole.
HEADER_PART = re.compile(
    r"^(mirrortop|\S+/test/mirror|\[RW\]|\[R\]|last (\d\d:\d\d|never)|"
    r"next (<1m|now|-|\d+m|\d+h\d\dm)|refreshing|"
    r"(budget: )?\S+ (\d+/\d+|rate limited until \d\d:\d\d))$")


def whole(head, badge):
    """The badge is there, and every part of the header is whole."""
    parts = header_parts(head)
    return badge in parts and all(HEADER_PART.match(p) for p in parts)


class TestHeader(DashboardTest):
    def assert_whole(self, head, badge):
        self.assertIn(badge, header_parts(head), head)
        for part in header_parts(head):
            self.assertRegex(part, HEADER_PART, head)

    def resized_header(self, s, width, pred):
        """After a resize: the redrawn header, once pred holds (tmux shows
        the old lines cropped until the dashboard redraws)."""
        return s.wait_for(lambda t: all(len(l) <= width
                                        for l in t.split("\n")) and
                          pred(t.split("\n")[0]),
                          what="the header at %d columns" % width
                          ).split("\n")[0]

    def test_badge_never_cut(self):
        s = self.start(width=40, height=12)
        self.assert_whole(s.lines()[0], "[RW]")
        for width in (30, 20, 8):
            s.resize(width, 12)
            head = self.resized_header(s, width,
                                       lambda h: whole(h, "[RW]"))
            self.assert_whole(head, "[RW]")

    def test_read_only_badge_at_40(self):
        s = self.start("--read-only", width=40, height=12)
        self.assert_whole(s.lines()[0], "[R]")

    def test_budget_stays_at_100(self):
        s = self.start(width=100)
        head = s.lines()[0]
        self.assert_whole(head, "[RW]")
        # the service by its host, the port left out (GitHub's 60 or
        # GitLab's budget: both fixtures answer on this one host:port)
        self.assertRegex(head, r"budget: 127\.0\.0\.1 \d+/\d+\s*$")
        self.assertRegex(head, r"  last \d\d:\d\d  ")
        self.assertRegex(head, r"  next \S+  ")

    def test_two_services_on_one_host_keep_their_budgets(self):
        # GitHub's 60 and GitLab's 2000 both answer on this host:port:
        # two budgets, each with its own limit, refresh after refresh
        s = self.start(width=200)
        for _ in range(2):
            head = s.wait_for(lambda t: "/2000" in t.split("\n")[0] and
                              "/60" in t.split("\n")[0],
                              what="both budgets").split("\n")[0]
            self.assertRegex(head, r"127\.0\.0\.1 \d+/60\b")
            self.assertRegex(head, r"127\.0\.0\.1 \d+/2000\b")
            s.keys("r")

    def test_lowest_budget_stays_at_80(self):
        # GitLab by another name: two services, two budgets
        gl = gitlab_app("beta", self.up, "grp/beta",
                        include=r"^v([0-9]+\.[0-9]+\.[0-9]+)$")
        gl["source"]["base_url"] = gl["source"]["base_url"].replace(
            "127.0.0.1", "localhost")
        self.env.write_config(self.reg.host, [
            github_app("alpha", self.up, "acme/alpha"), gl],
            refresh_interval=3600)
        s = self.start(width=140)
        head = s.wait_for(lambda t: "localhost " in t.split("\n")[0]
                          ).split("\n")[0]
        self.assertRegex(head, r"127\.0\.0\.1 \d+/60\b")
        self.assertRegex(head, r"localhost \d+/\d+")
        # GitHub's 60 an hour is the one running out: it stays at 80
        s.resize(80, 30)
        head = self.resized_header(s, 80, lambda h: whole(h, "[RW]") and
                                   "budget: " in h)
        self.assert_whole(head, "[RW]")
        self.assertRegex(head, r"budget: 127\.0\.0\.1 \d+/60")
        self.assertNotIn("localhost", head)


class TestStatusAndMessage(DashboardTest):
    def wait_status(self, s, width, pred):
        """After a resize to width: the redrawn status line, once pred
        holds (tmux shows the old lines cropped until the redraw)."""
        def ok(t):
            lines = t.rstrip("\n").split("\n")
            return all(len(l) <= width for l in lines) and pred(lines[-1])
        return s.wait_for(ok, what="the status line at %d" % width
                          ).rstrip("\n").split("\n")[-1]

    @staticmethod
    def whole_items(line):
        """Every item is "key name" (or the read-only note), whole."""
        return all(re.match(r"^(\S+ \S+|\(read-only\))$", item)
                   for item in re.split(r"  +", line.strip()))

    def test_status_line_keeps_help_and_quit(self):
        s = self.start(width=60, height=20)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        last = status_line(s)
        self.assertIn("? help", last)
        self.assertIn("q/^C quit", last)
        self.assertTrue(self.whole_items(last), last)
        for width in (40, 30, 20):
            s.resize(width, 20)
            last = self.wait_status(s, width, lambda l: "? help" in l and
                                    "q/^C quit" in l)
            self.assertTrue(self.whole_items(last), last)
        # too narrow for "q/^C quit": "q quit"
        s.resize(16, 20)
        last = self.wait_status(s, 16, lambda l: "? help" in l and
                                "q quit" in l)
        self.assertTrue(self.whole_items(last), last)

    def test_read_only_note_whole(self):
        s = self.start("--read-only", width=70, height=20)
        for width in (70, 60, 50, 40):
            s.resize(width, 20)
            self.wait_status(s, width, lambda l: "? help" in l and
                             "quit" in l and self.whole_items(l))

    def test_long_error_ends_with_ellipsis(self):
        s = self.start(width=40, height=14)
        s.keys("j", "j")
        t = s.wait_for(lambda t: cursor_app(t) == "gamma" and
                       "! gamma:" in t)
        msg = [l for l in t.split("\n") if l.startswith("! gamma:")][0]
        self.assertLessEqual(len(msg), 40)
        self.assertTrue(msg.rstrip().endswith(ELLIPSIS), msg)


class TestColumns(DashboardTest):
    def test_digest_at_80_columns(self):
        s = self.start(width=80, height=24)
        s.keys("Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        # read-write: the mark column is there, and the digest still is
        # (without "sha256:" when the notes are short of room)
        self.assertRegex(version_line(t, "2.0.0"),
                         r"\s(sha256:)?[0-9a-f]{8}\s")
        self.assertIn("DIGEST", t)
        # with a note that needs the room, the job state stays in view
        s.keys("a", "Enter")
        s.wait_text("Proceed? [y/N]")
        s.keys("y")
        t = s.wait_for(lambda t: "[" in (version_line(t, "2.1.0") or ""),
                       timeout=30, what="a job for 2.1.0")
        self.assertRegex(version_line(t, "2.1.0"),
                         r"\[(running|queued|failed|succeeded)")
        self.assertRegex(version_line(t, "2.0.0"),
                         r"\s(sha256:)?[0-9a-f]{8}\s")
        self.assertIn("latest", version_line(t, "2.1.0"))
        self.assertIn("registry latest", version_line(t, "2.0.0"))


class TestHelpScroll(DashboardTest):
    def help_labels(self, text):
        """The keys listed in the help box on screen."""
        out = []
        for line in text.split("\n"):
            if line.count("\u2502") >= 2:
                inner = line[line.index("\u2502") + 1:
                             line.rindex("\u2502")].strip()
                if inner.startswith("\u2500\u2500 glyphs"):
                    break                   # the legend: no keys
                if inner and not inner.startswith("more ") and \
                        not inner.startswith("any key") and \
                        not inner.startswith("\u2500"):
                    out.append(inner.split()[0])
        return out

    def collect(self, s, first_rows):
        """Scroll the help down to its end; every key seen on the way."""
        seen = list(first_rows)
        for _ in range(40):
            before = s.wait_stable(lambda t: " Keys " in t)
            s.keys("j")
            try:
                t = s.wait_for(lambda t: t != before, timeout=2)
            except AssertionError:
                break                 # at the end: nothing moves
            t = s.wait_stable(lambda t: " Keys " in t)
            for k in self.help_labels(t):
                if k not in seen:
                    seen.append(k)
        return seen

    def test_help_scrolls_at_40x10(self):
        s = self.start(width=40, height=10)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) == "2.1.0" or
                   "VERSION" in t)
        s.keys("?")
        t = s.wait_stable(lambda t: " Keys " in t, what="the help")
        self.assertIn("more \u2193", t)
        first = self.help_labels(t)
        self.assertGreaterEqual(len(first), 5)
        seen = self.collect(s, first)
        for key in ("j/Down", "PgDn/^F", "PgUp/^B", "Tab/Shift-Tab", "Esc",
                    "/", "r", "R", "^L", "?", "q/^C", "b", "a", "m", "L",
                    "Space", "B", "c", "l", "J"):
            self.assertIn(key, seen)
        t = s.text()
        self.assertIn("more \u2191", t)
        # k scrolls back; PgUp to the top
        s.keys(*["PageUp"] * 8)
        t = s.wait_stable(lambda t: "more \u2193" in t)
        self.assertEqual(self.help_labels(t)[0], first[0])
        # any other key closes it
        s.keys("x")
        s.wait_gone(" Keys ")

    def test_help_complete_at_80x24(self):
        s = self.start(width=80, height=24)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        s.keys("?")
        t = s.wait_stable(lambda t: " Keys " in t, what="the help")
        seen = self.collect(s, self.help_labels(t))
        self.assertEqual(seen[-1], "J", seen)
        self.assertIn("q/^C", seen)


if __name__ == "__main__":
    import taprun
    taprun.main()
