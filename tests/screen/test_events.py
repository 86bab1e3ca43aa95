"""The dashboard and the event history, through tmux: rows that changed
since the user last looked are marked (also when another process, a
scheduled `status` or `sync`, recorded the change), the marks go when
the rows are looked at and stay gone after a restart, and E shows the
recent events."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashworld import DashboardTest  # noqa: E402
from screen import version_line  # noqa: E402
from upstream import gh_release  # noqa: E402

MARK = "\u25c6"


def app_line(text, name):
    """The apps-pane row of an app: cursor or mark, the app's own mark
    (spinner, "!"), then its name."""
    for line in text.split("\n"):
        words = line[4:].split()
        if words and words[0] == name and version_line(text, name) is None:
            return line
    return None


class TestMarks(DashboardTest):
    def add_release(self):
        with self.up.lock:
            rel = self.up.data["github"]["acme/alpha"]["releases"]
            if rel[0]["tag_name"] != "v2.2.0":
                rel.insert(0, gh_release(
                    "v2.2.0", published_at="2026-03-20T10:00:00Z",
                    repo="acme/alpha"))

    def tearDown(self):
        with self.up.lock:
            rel = self.up.data["github"]["acme/alpha"]["releases"]
            if rel[0]["tag_name"] == "v2.2.0":
                rel.pop(0)
        super().tearDown()

    def test_change_by_another_process_is_marked_until_seen(self):
        s = self.start()
        t = s.text()
        self.assertNotIn(MARK, t)
        # The cursor on beta: the alpha row shows its mark column.
        s.keys("j")
        # A scheduled run records the new release in the shared history.
        self.add_release()
        r = self.env.run("status", "alpha")
        self.assertEqual(r.returncode, 0, r.stderr)
        t = s.wait_for(lambda x: (app_line(x, "alpha") or "")
                       .startswith(MARK), what="the mark on alpha")
        self.assertFalse((app_line(t, "beta") or "").startswith(MARK))
        # The dashboard's own refresh shows the version, marked.
        s.keys("k")
        s.keys("r")
        t = s.wait_for(lambda x: (version_line(x, "2.2.0") or "")
                       .startswith(MARK), what="the mark on 2.2.0")
        self.assertFalse((version_line(t, "2.1.0") or "").startswith(MARK))
        self.assertFalse((app_line(t, "beta") or "").startswith(MARK))
        # Looked at: the cursor on the version in the versions pane.
        s.keys("Enter")
        t = s.wait_for(lambda x: MARK not in x, what="the marks to go")
        s.keys("q")
        self.assertEqual(s.exited(), 0)
        # Seen stays seen.
        s2 = self.start()
        t = s2.wait_stable(lambda x: "2.2.0" in x, what="2.2.0")
        self.assertNotIn(MARK, t)

    def test_events_view(self):
        s = self.start()
        self.add_release()
        r = self.env.run("status", "alpha")
        self.assertEqual(r.returncode, 0, r.stderr)
        s.keys("E")
        t = s.wait_text("new_version alpha 2.2.0")
        self.assertIn("alpha 2.2.0 is out upstream", t)
        self.assertIn("Events", t)
        s.keys("x")
        s.wait_gone("new_version alpha 2.2.0")
        s.keys("?")
        t = s.wait_text("recent events")
        s.keys("Escape")

    def test_first_look_marks_nothing_old(self):
        # Events recorded before the dashboard was ever opened are the
        # baseline of its first look.
        self.env.run("status")
        self.add_release()
        self.env.run("status")
        s = self.start()
        t = s.wait_stable(lambda x: "2.2.0" in x, what="2.2.0")
        # gamma (a repository that is gone) fails a third time in a row
        # in the dashboard's own first refresh: that app_error is new, and
        # marked once the history is next read; nothing else is
        for line in t.split("\n"):
            if "gamma" not in line:
                self.assertNotIn(MARK, line)


if __name__ == "__main__":
    import taprun
    taprun.main()
