"""Driving the dashboard in a private tmux server for screen tests.

    from screen import Screen
    s = Screen([MIRRORTOP, "-c", cfg], env, width=100, height=30)
    s.wait_for(lambda text: "alpha" in text)
    s.wait_stable(lambda text: "Keys" in text)   # drawn to the end
    s.keys("j", "Enter")
    s.text()            # the pane as plain text
    s.text(escapes=True)  # with the attributes tmux regenerates
    s.close()           # kill-server

Each Screen has its own tmux server (-L with a unique socket name) started
with -f /dev/null, so the user's tmux and its configuration are untouched.
The program runs under sh; when it exits, "[exited N]" is printed and the
shell waits, so a test can check what the terminal looks like afterwards.
"""
import os
import re
import shlex
import subprocess
import time
import uuid

import lifecycle

EXIT_MARK = "[exited "


class ScreenTimeout(AssertionError):
    pass


class Screen:
    def __init__(self, argv, env, width=100, height=30):
        self.sock = "mt-screen-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.env = dict(env)
        self.env.pop("TMUX", None)
        self.env.pop("TMUX_PANE", None)
        cmd = "%s; echo '%s'$?']'; exec sleep 3600" % (
            " ".join(shlex.quote(a) for a in argv), EXIT_MARK)
        self._tmux("new-session", "-d", "-s", "mt", "-x", str(width),
                   "-y", str(height), "sh", "-c", cmd)
        self._tmux("set-option", "-g", "status", "off")
        # The server daemonizes: the guardian kills its process group (and
        # with it the terminal and the program under test) if this process
        # dies without close().
        self.server_pid = int(self._tmux("display-message", "-p",
                                         "#{pid}").strip())
        lifecycle.track(self.server_pid)

    def _tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-u", "-L", self.sock, "-f", "/dev/null"]
                           + list(args), capture_output=True, text=True,
                           env=self.env, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError("tmux %s: %s" % (args[0], r.stderr.strip()))
        return r.stdout

    def close(self):
        self._tmux("kill-server", check=False)
        lifecycle.untrack(self.server_pid)

    def keys(self, *keys):
        """Send tmux key names ("j", "Enter", "C-c", "Escape")."""
        for k in keys:
            self._tmux("send-keys", "-t", "mt", k)

    def literal(self, text):
        """Send text as typed characters."""
        self._tmux("send-keys", "-t", "mt", "-l", text)

    def text(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "mt"]
        if escapes:
            args.append("-e")
        return self._tmux(*args)

    def lines(self):
        return self.text().split("\n")

    def title(self):
        return self._tmux("display-message", "-p", "-t", "mt",
                          "#{pane_title}").rstrip("\n")

    def pane_pid(self):
        return int(self._tmux("display-message", "-p", "-t", "mt",
                              "#{pane_pid}").strip())

    def resize(self, width, height):
        self._tmux("resize-window", "-t", "mt", "-x", str(width),
                   "-y", str(height))

    def wait_for(self, pred, timeout=15.0, what=None):
        """Poll the pane until pred(text) is true; return that text."""
        deadline = time.monotonic() + timeout
        text = ""
        while True:
            text = self.text()
            if pred(text):
                return text
            if time.monotonic() > deadline:
                raise ScreenTimeout("timed out waiting for %s; screen:\n%s"
                                    % (what or pred, text))
            time.sleep(0.03)

    def wait_stable(self, pred, timeout=15.0, what=None):
        """Like wait_for, but pred must hold on two captures in a row that
        are the same: a screen the program has finished drawing."""
        deadline = time.monotonic() + timeout
        prev = None
        while True:
            text = self.text()
            if pred(text) and text == prev:
                return text
            prev = text
            if time.monotonic() > deadline:
                raise ScreenTimeout("timed out waiting for %s; screen:\n%s"
                                    % (what or pred, text))
            time.sleep(0.03)

    def wait_text(self, s, timeout=15.0):
        return self.wait_for(lambda t: s in t, timeout, repr(s))

    def wait_gone(self, s, timeout=15.0):
        return self.wait_for(lambda t: s not in t, timeout,
                             "%r to disappear" % s)

    def exited(self, timeout=10.0):
        """Wait for the program to exit; return its exit code."""
        text = self.wait_text(EXIT_MARK, timeout)
        tail = text[text.index(EXIT_MARK) + len(EXIT_MARK):]
        return int(tail.split("]", 1)[0])


# cursor (or the mark of a row changed since the last look), [space mark
# (read-write)], latest mark, version, [date], first
# arch cell ("✓ amd64"; "↻ amd64" building, "◌ amd64" queued)
_VERSION_ROW = re.compile(r"^[> \u25c6+] (?:[\u25cf# ] )?[* ] (\S+)\s+"
                          r"(?:(?:\d{4}-\d\d-\d\d|-)\s+)?"
                          r"[\u2713\u2717\u25d0\u21bb\u25cc+~.@-] \S")


SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def idle(text):
    """Nothing is refreshing: no spinner on any row, none in the header."""
    return "refreshing" not in text and not any(c in text for c in SPINNER)


def version_line(text, version):
    """The versions-pane row of version, or None."""
    for line in text.split("\n"):
        m = _VERSION_ROW.match(line)
        if m and m.group(1) == version:
            return line
    return None


def cursor_version(text):
    """The version under the cursor when the versions pane has the focus."""
    m = _VERSION_ROW.match(cursor_line(text) or "")
    return m.group(1) if m else None


def cursor_app(text):
    """The app under the cursor when the apps pane has the focus."""
    line = cursor_line(text)
    if line is None or _VERSION_ROW.match(line):
        return None
    words = line[4:].split()      # after the cursor and the mark
    return words[0] if words else None


def cursor_line(text):
    """The line holding the '>' row cursor of the focused pane, or None."""
    for line in text.split("\n"):
        if line.startswith(">"):
            return line
    return None
