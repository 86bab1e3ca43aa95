#!/usr/bin/env python3
"""The mouse, where the terminal reports it: a click selects the row under
the pointer and focuses its pane, the wheel moves the selection of the
pane under the pointer (and scrolls the help); `--no-mouse` leaves the
mouse to the terminal. The terminal's reports are sent as the bytes a
terminal sends (xterm's `ESC [ M b x y`, which tmux's terminfo names).

The world of dashworld: apps alpha, beta, gamma, delta; alpha's versions
2.1.0, 2.0.0, ...
"""
import unittest

from dashworld import DashboardTest
from screen import cursor_app, cursor_version

LEFT, RELEASE, WHEEL_UP, WHEEL_DOWN = 0, 3, 64, 65


def report(button, x, y):
    """What the terminal sends for button at column x, line y (0-based):
    a press, and for a button (not the wheel) its release."""
    def one(b):
        return "\x1b[M" + chr(32 + b) + chr(33 + x) + chr(33 + y)
    return one(button) + (one(RELEASE) if button < 64 else "")


def line_of(text, pred):
    for i, line in enumerate(text.split("\n")):
        if pred(line):
            return i
    raise AssertionError("no such line:\n" + text)


class TestMouse(DashboardTest):
    def test_click_selects_and_focuses(self):
        s = self.start(width=100, height=30)
        t = s.text()
        self.assertEqual(cursor_app(t), "alpha")
        # a click on gamma's row selects it
        y = line_of(t, lambda l: l[4:].split()[:1] == ["gamma"])
        s.literal(report(LEFT, 10, y))
        t = s.wait_for(lambda t: cursor_app(t) == "gamma",
                       what="gamma selected by a click")
        # a click on a version row focuses the versions pane on it
        s.keys("k", "k")                     # back on alpha
        t = s.wait_for(lambda t: cursor_app(t) == "alpha")
        t = s.wait_text("2.0.0")
        y = line_of(t, lambda l: l[2:].lstrip("* ").startswith("2.0.0 "))
        s.literal(report(LEFT, 10, y))
        s.wait_for(lambda t: cursor_version(t) == "2.0.0",
                   what="2.0.0 selected by a click")

    def test_wheel_moves_the_pane_under_the_pointer(self):
        s = self.start(width=100, height=30)
        t = s.text()
        y = line_of(t, lambda l: l[4:].split()[:1] == ["beta"])
        s.literal(report(WHEEL_DOWN, 10, y))
        # three rows down from alpha: delta
        s.wait_for(lambda t: cursor_app(t) == "delta",
                   what="the wheel three rows down")
        s.literal(report(WHEEL_UP, 10, y))
        s.wait_for(lambda t: cursor_app(t) == "alpha",
                   what="the wheel three rows up")

    def test_wheel_scrolls_the_help(self):
        s = self.start(width=80, height=12)
        s.keys("?")
        first = s.wait_text("Keys").split("\n")[1]
        s.literal(report(WHEEL_DOWN, 10, 5))
        s.wait_for(lambda t: t.split("\n")[1] != first,
                   what="the help scrolled by the wheel")

    def test_no_mouse_leaves_clicks_alone(self):
        s = self.start("--no-mouse", width=100, height=30)
        t = s.text()
        y = line_of(t, lambda l: l[4:].split()[:1] == ["gamma"])
        s.literal(report(LEFT, 10, y))
        s.keys("j")                      # something it does act on
        t = s.wait_for(lambda t: cursor_app(t) != "alpha",
                       what="the key after the report")
        self.assertEqual(cursor_app(t), "beta")

    def test_no_mouse_is_a_dashboard_option_only(self):
        r = self.env.run("status", "--no-mouse")
        self.assertEqual(r.returncode, 2)
        self.assertIn("status does not take --no-mouse", r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
