#!/usr/bin/env python3
"""The dashboard on screen: layout, navigation, filter, help, resize, quit."""
import os
import re
import unittest

from dashworld import DashboardTest
from mt import github_app
from screen import cursor_line, cursor_app, cursor_version, idle, version_line


def line_with(text, *needles):
    for line in text.split("\n"):
        if all(n in line for n in needles):
            return line
    return None


SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))


def man_keys():
    """The keys the man page's dashboard section lists (KEYS, ACTIONS)."""
    with open(os.path.join(SRCDIR, "doc", "mirrortop.1")) as f:
        text = f.read()
    text = text[text.index("DASHBOARD-KEYS-BEGIN"):
                text.index("DASHBOARD-KEYS-END")]
    text = text[text.index(".SS KEYS"):text.index(".SS READ-ONLY")]
    keys = set()
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line.strip() != ".TP":
            continue
        m = re.match(r"^\.(?:B|BR|BI)\s+(.*)$", lines[i + 1])
        if m is None:
            continue
        words = re.findall(r'"([^"]*)"|(\S+)', m.group(1))
        label = "".join(a or b for a, b in words).replace("\\-", "-")
        keys.update(k.strip() for k in label.split(",") if k.strip())
    return keys


def help_keys(text):
    """The keys in the help box on screen: "j/Down" is j and Down."""
    keys = set()
    for line in text.split("\n"):
        if line.count("\u2502") < 2:
            continue
        inner = line[line.index("\u2502") + 1:line.rindex("\u2502")].strip()
        if inner.startswith("\u2500\u2500 glyphs"):
            break                       # the legend: no keys below
        if not inner or inner.startswith("any key") or \
                inner.startswith("more ") or inner.startswith("\u2500"):
            continue
        label = inner.split()[0]
        keys.update([label] if label == "/" else label.split("/"))
    return keys


def normalize(text):
    """Drop what moves by itself (clock, countdown) and trailing blanks."""
    text = re.sub(r"last [0-9:]+", "last T", text)
    text = re.sub(r"next [^ \n]+", "next N", text)
    return "\n".join(l.rstrip() for l in text.split("\n")).rstrip("\n")


class TestFirstScreen(DashboardTest):
    def test_header(self):
        # wide enough for the name and both budgets (GitHub's and
        # GitLab's, on one host here)
        s = self.start(width=140)
        head = s.lines()[0]
        self.assertTrue(head.startswith("mirrortop  %s/test/mirror  [RW]"
                                        % self.reg.host), head)
        self.assertRegex(head, r"  last \d\d:\d\d  ")
        self.assertRegex(head, r"  next (<1m|\d+m|\d+h\d\dm)\b")

    def test_apps_pane(self):
        s = self.start()
        t = s.text()
        alpha = line_with(t, "alpha", "2.1.0")
        self.assertIsNotNone(alpha, t)
        # upstream latest, what `latest` points at (with a drift mark) and
        # the number of versions not complete
        self.assertRegex(alpha, r"alpha\s+2\.1\.0\s+2\.0\.0 \S+\s+2\s*$")
        beta = line_with(t, "beta", "0.3.0")
        self.assertRegex(beta, r"beta\s+0\.3\.0\s+0\.3\.0\s+0\s*$")
        # the first app is selected and its versions are shown
        self.assertEqual(cursor_app(t), "alpha", t)

    def test_versions_states(self):
        s = self.start()
        t = s.text()
        v210 = version_line(t, "2.1.0")
        v200 = version_line(t, "2.0.0")
        v190 = version_line(t, "1.9.0")
        self.assertIn("2026-03-05", v210)
        self.assertIn("2026-02-01", v200)
        self.assertIn("2026-01-10", v190)
        self.assertIn("✗ amd64", v210)
        self.assertIn("✗ arm64", v210)
        self.assertIn("✓ amd64", v200)
        self.assertIn("✓ arm64", v200)
        self.assertIn("✓ amd64", v190)
        self.assertIn("◐ arm64", v190)
        # index digest, latest mark, registry latest elsewhere
        self.assertRegex(v200, r"sha256:[0-9a-f]{8}\b")
        self.assertRegex(v210, r"^\s*\* 2\.1\.0.*latest")
        self.assertIn("registry latest", v200)
        self.assertIn("drift", t)
        # highest first
        self.assertLess(t.index("2026-03-05"), t.index("2026-02-01"))
        self.assertLess(t.index("2026-02-01"), t.index("2026-01-10"))

    def test_colours(self):
        s = self.start()
        e = s.text(escapes=True)
        # present green, missing red, staged yellow
        self.assertRegex(e, r"\x1b\[[0-9;]*32m✓ amd64")
        self.assertRegex(e, r"\x1b\[[0-9;]*31m✗ arm64")
        self.assertRegex(e, r"\x1b\[[0-9;]*33m◐ arm64")

    def test_monochrome_ascii(self):
        s = self.start(env={"NO_COLOR": "1", "LANG": "C", "LC_ALL": "C"},
                       ready=False)
        t = s.wait_for(lambda t: "1.9.0" in t and "refreshing" not in t
                       and "last never" not in t)
        self.assertIn("+ amd64", version_line(t, "2.0.0"))
        self.assertIn("- arm64", version_line(t, "2.1.0"))
        self.assertIn("~ arm64", version_line(t, "1.9.0"))
        e = s.text(escapes=True)
        self.assertNotRegex(e, r"\x1b\[[0-9;]*3[0-7]m")

    def test_status_line_keys(self):
        s = self.start(width=140)
        last = s.lines()[-2] if s.lines()[-1] == "" else s.lines()[-1]
        for k in ("Enter open", "/ filter", "r refresh", "? help", "quit"):
            self.assertIn(k, last)


class TestNavigation(DashboardTest):
    def test_move_and_open(self):
        s = self.start()
        s.keys("j")
        s.wait_for(lambda t: cursor_app(t) == "beta")
        s.keys("G")
        s.wait_for(lambda t: cursor_app(t) == "delta")
        s.keys("k")
        t = s.wait_for(lambda t: cursor_app(t) == "gamma")
        s.keys("g")
        s.wait_for(lambda t: cursor_app(t) == "alpha")
        s.keys("Down", "Up")
        s.wait_for(lambda t: cursor_app(t) == "alpha")
        # Enter: the versions pane gets the focus, highest version selected
        s.keys("Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        self.assertIn("2026-03-05", cursor_line(t))
        self.assertIn("Esc back", s.lines()[-1] or s.lines()[-2])
        s.keys("j")
        s.wait_for(lambda t: cursor_version(t) == "2.0.0")
        s.keys("G")
        s.wait_for(lambda t: cursor_version(t) == "1.9.0")
        # Esc: back to the apps, where the cursor was
        s.keys("Escape")
        s.wait_for(lambda t: cursor_app(t) == "alpha")

    def test_versions_follow_selected_app(self):
        s = self.start()
        s.keys("j")
        # The terminal may show a half-applied update for a moment: wait
        # until beta's rows are in and alpha's are gone (fails otherwise).
        s.wait_for(lambda t: "0.2.0" in t and "1.9.0" not in t)
        s.keys("Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "0.3.0")

    def test_tab_switches_focus(self):
        s = self.start()
        s.keys("Tab")
        s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        s.keys("Tab")
        s.wait_for(lambda t: cursor_app(t) == "alpha")


class TestScroll(DashboardTest):
    def test_pages_and_ends(self):
        self.env.write_config(self.reg.host, [
            github_app("many", self.up, "acme/many", max_versions=40)],
            refresh_interval=3600)
        s = self.start(width=80, height=24, ready=False)
        s.wait_for(lambda t: "1.39.0" in t and idle(t))
        s.keys("Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "1.39.0")
        self.assertIsNone(version_line(t, "1.0.0"))      # off screen
        s.keys("PageDown")
        t = s.wait_for(lambda t: cursor_version(t) not in (None, "1.39.0"))
        first = int(cursor_version(t).split(".")[1])
        self.assertLess(first, 39 - 5)                   # a page, not a row
        s.keys("G")
        t = s.wait_for(lambda t: cursor_version(t) == "1.0.0")
        self.assertIsNone(version_line(t, "1.39.0"))     # scrolled
        self.assertEqual(len(t.rstrip("\n").split("\n")), 24)
        s.keys("PageUp")
        t = s.wait_for(lambda t: cursor_version(t) != "1.0.0")
        s.keys("g")
        t = s.wait_for(lambda t: cursor_version(t) == "1.39.0")
        self.assertIsNotNone(version_line(t, "1.39.0"))


class TestFilter(DashboardTest):
    def test_filter_apps(self):
        s = self.start()
        s.keys("/")
        s.literal("^(be|ga)")
        t = s.wait_for(lambda t: "alpha" not in t.split("\n")[2])
        s.keys("Enter")
        t = s.wait_for(lambda t: "filter" in t.split("\n")[1])
        body = "\n".join(t.split("\n")[1:5])
        self.assertIn("beta", body)
        self.assertIn("gamma", body)
        self.assertNotIn("alpha", body)
        self.assertNotIn("delta", body)
        # Esc clears the filter
        s.keys("Escape")
        t = s.wait_for(lambda t: "filter" not in t.split("\n")[1])
        self.assertIsNotNone(line_with(t, "alpha", "2.1.0"))
        self.assertIsNotNone(line_with(t, "delta"))

    def test_filter_inverted(self):
        s = self.start()
        s.keys("/")
        s.literal("!^a")
        s.keys("Enter")
        t = s.wait_for(lambda t: "filter" in t.split("\n")[1])
        apps = "\n".join(t.split("\n")[1:6])
        self.assertNotIn("alpha", apps)
        for name in ("beta", "gamma", "delta"):
            self.assertIn(name, apps)

    def test_filter_versions(self):
        s = self.start()
        s.keys("Enter", "/")
        s.literal("^2\\.")
        s.keys("Enter")
        t = s.wait_for(lambda t: "1.9.0" not in t)
        self.assertIn("2.1.0", t)
        self.assertIn("2026-02-01", t)
        s.keys("Escape")
        s.wait_text("1.9.0")
        # Esc in the prompt cancels and clears
        s.keys("/")
        s.literal("^1")
        s.wait_gone("2026-02-01")
        s.keys("Escape")
        s.wait_text("2026-02-01")

    def test_bad_regex(self):
        s = self.start()
        s.keys("/")
        s.literal("(alp")
        s.keys("Enter")
        t = s.wait_text("bad regex")
        self.assertIn("alpha", t)      # nothing filtered
        self.assertIn("delta", t)
        # the next key clears the message
        s.keys("j")
        s.wait_gone("bad regex")


class TestHelp(DashboardTest):
    def test_help_lists_active_bindings(self):
        s = self.start()
        s.keys("?")
        t = s.wait_stable(lambda t: " Keys " in t, what="the help")
        for h in ("move down", "refresh every app", "filter rows",
                  "open the selected app's versions", "quit"):
            self.assertIn(h, t)
        self.assertNotIn("Keys (read-only)", t)
        s.keys("x")          # any key closes
        s.wait_gone("move down")
        # in the versions pane Enter opens nothing: not listed
        s.keys("Enter", "?")
        t = s.wait_stable(lambda t: "move down" in t, what="the help")
        self.assertNotIn("open the selected app's versions", t)
        self.assertIn("back to the apps", t)
        s.keys("Escape")
        s.wait_gone("move down")

    def test_help_grouped_with_legend(self):
        s = self.start(width=100, height=50)
        s.keys("Enter", "?")
        t = s.wait_stable(lambda t: "any key closes" in t, what="the help")
        rows = [l[l.index("\u2502") + 1:l.rindex("\u2502")].strip()
                for l in t.split("\n") if l.count("\u2502") >= 2]
        heads = [r for r in rows if r.startswith("\u2500\u2500 ")]
        self.assertEqual(heads, ["\u2500\u2500 versions pane",
                                 "\u2500\u2500 every pane",
                                 "\u2500\u2500 glyphs"])
        pane = rows[rows.index(heads[0]):rows.index(heads[1])]
        every = rows[rows.index(heads[1]):rows.index(heads[2])]
        self.assertTrue(any(r.startswith("b ") for r in pane), pane)
        self.assertTrue(any(r.startswith("Esc ") for r in pane), pane)
        self.assertFalse(any(r.startswith("j/Down") for r in pane), pane)
        self.assertTrue(any(r.startswith("j/Down") for r in every), every)
        legend = " ".join(rows[rows.index(heads[2]):])
        for g in ("\u2713 present", "\u25d0 staged", "\u2717 missing",
                  "\u21bb being built", "\u25cc queued", "\u25cf marked",
                  "* the semantic latest", "\u2260 latest",
                  "! the app could not be checked", "? registry"):
            self.assertIn(g, legend)
        s.keys("Escape")
        s.wait_gone("any key closes")
        # without UTF-8, the legend has the plain glyphs
        s2 = self.start(width=100, height=50,
                        env={"LANG": "C", "LC_ALL": "C"})
        s2.keys("?")
        t = s2.wait_stable(lambda t: "any key closes" in t)
        for g in ("+ present", "~ staged", "- missing", "@ being built",
                  ". queued", "# marked", "!= latest"):
            self.assertIn(g, t)


class TestHelpManPage(DashboardTest):
    def test_help_agrees_with_man_page(self):
        s = self.start(width=100, height=50)
        shown = set()
        for pane, after in (("apps", "Enter"), ("versions", "J"),
                            ("jobs", None)):
            s.keys("?")
            t = s.wait_stable(lambda t: " Keys " in t, what="the help")
            self.assertIn("any key closes this help", t, "all on screen")
            shown |= help_keys(t)
            s.keys("Escape")
            s.wait_gone(" Keys ")
            if after:
                s.keys(after)
        documented = man_keys()
        for key in ("Shift-Tab", "^F", "^B", "Space", "J", "^L"):
            self.assertIn(key, documented)
        self.assertEqual(shown, documented)


class TestFilterPrompt(DashboardTest):
    def title(self, s):
        return s.lines()[1]

    def test_prompt_starts_empty(self):
        s = self.start()
        s.keys("/")
        s.literal("^(al|be)")
        s.keys("Enter")
        s.wait_for(lambda t: "[filter /^(al|be)]" in t.split("\n")[1])
        # the prompt opens empty: what is typed replaces the filter
        s.keys("/")
        s.wait_for(lambda t: t.rstrip("\n").split("\n")[-1].rstrip() == "/_")
        s.literal("!^a")
        t = s.wait_for(lambda t: "/!^a_" in t and "delta" in t)
        apps = "\n".join(t.split("\n")[1:6])
        self.assertNotIn("alpha", apps)
        for name in ("beta", "gamma", "delta"):
            self.assertIn(name, apps)
        # Esc puts the filter from before back
        s.keys("Escape")
        t = s.wait_for(lambda t: "[filter /^(al|be)]" in t.split("\n")[1])
        apps = "\n".join(t.split("\n")[1:6])
        self.assertIn("alpha", apps)
        self.assertNotIn("delta", apps)
        # Enter on the empty prompt clears it
        s.keys("/")
        s.wait_for(lambda t: t.rstrip("\n").split("\n")[-1].rstrip() == "/_")
        s.keys("Enter")
        t = s.wait_for(lambda t: "filter" not in t.split("\n")[1])
        self.assertIsNotNone(line_with(t, "delta"))


class TestResize(DashboardTest):
    def test_resize_small_and_back(self):
        s = self.start()
        s.keys("Enter")
        before = s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        s.resize(60, 15)
        t = s.wait_for(lambda t: len(t.split("\n")) <= 16 and
                       "/test/mirror  [RW]" in t.split("\n")[0])
        lines = t.split("\n")
        for l in lines:
            self.assertLessEqual(len(l), 60, l)
        self.assertEqual(cursor_version(t), "2.1.0")
        self.assertIn("alpha", t)
        # a fresh dashboard at that size draws the same screen
        fresh = self.start(width=60, height=15)
        fresh.keys("Enter")
        f = fresh.wait_for(lambda t: cursor_version(t) == "2.1.0")
        self.assertEqual(normalize(s.text()), normalize(f))
        s.resize(100, 30)
        t = s.wait_for(lambda t: len(t.rstrip("\n").split("\n")) > 16)
        self.assertEqual(normalize(s.text()), normalize(before))


class TestQuit(DashboardTest):
    def test_q_quits_and_restores(self):
        s = self.start()
        s.keys("q")
        self.assertEqual(s.exited(), 0)
        t = s.text()
        self.assertNotIn("alpha", t)
        self.assertNotIn("mirrortop", t)

    def test_ctrl_c_quits(self):
        s = self.start()
        s.keys("Enter")
        s.keys("C-c")
        self.assertEqual(s.exited(), 0)
        self.assertNotIn("alpha", s.text())

    def test_ctrl_c_quits_from_prompt_and_help(self):
        s = self.start()
        s.keys("/")
        s.literal("al")
        s.wait_text("/al_")
        s.keys("C-c")
        self.assertEqual(s.exited(), 0)
        s = self.start()
        s.keys("?")
        s.wait_text("move down")
        s.keys("C-c")
        self.assertEqual(s.exited(), 0)


if __name__ == "__main__":
    import taprun
    taprun.main()
