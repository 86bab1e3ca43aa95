#!/usr/bin/env python3
"""Source errors that say what happened, checked against real recorded
answers (../shared/real-traffic) replayed by a small server: the page a
failure happened on, the cause the status means there, and rate-limit
messages that say when the next attempt is and what raises the limit."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BUILD = os.environ.get("MT_BUILDDIR", os.getcwd())
DRIVER = os.path.join(BUILD, "tests", "unit", "source-driver")
REAL = os.path.join(os.environ.get("MT_SRCDIR", "."), "..", "shared",
                    "real-traffic")

# Headers the replay must not copy: the server frames the body itself.
FRAMING = {"content-length", "transfer-encoding", "content-encoding",
           "connection", "status"}


def recording(name):
    path = os.path.join(REAL, name)
    if not os.path.exists(path):
        raise unittest.SkipTest("no recording %s" % path)
    with open(path) as f:
        return json.load(f)["exchanges"]


class Replay:
    """Answers GET path -> (status, headers, body); others 404 {}."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                replay.requests.append(self.path)
                st, hdrs, body = replay.route(self.path)
                if not isinstance(body, (bytes, str)):
                    body = json.dumps(body)
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(st)
                for k, v in hdrs:
                    if k.lower() not in FRAMING:
                        self.send_header(k, v.replace("{base}", replay.url))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def route(self, path):
        """The exact path, else a route of the same path and page (pages
        fetched at once are asked with their own query order)."""
        if path in self.routes:
            return self.routes[path]
        u = urlsplit(path)
        page = parse_qs(u.query).get("page")
        for k, v in self.routes.items():
            ku = urlsplit(k)
            if ku.path == u.path and parse_qs(ku.query).get("page") == page \
                    and page is not None:
                return v
        return (404, [], '{"message":"no route"}')

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


class ErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mt-srcerr-")
        self.r = Replay()

    def tearDown(self):
        self.r.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fetch(self, cfg, env=None):
        e = {k: v for k, v in os.environ.items()
             if k not in ("GITHUB_TOKEN", "GITLAB_TOKEN")}
        e["XDG_STATE_HOME"] = os.path.join(self.tmp, "state")
        e.update(env or {})
        p = subprocess.run([DRIVER, "-C", os.path.join(self.tmp, "cache"),
                            "-a", "1", json.dumps(cfg)],
                           capture_output=True, text=True, env=e, timeout=90)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return json.loads(p.stdout.splitlines()[-1])

    def github(self, repo="o/r"):
        return {"type": "github-releases", "repo": repo,
                "api": self.r.url + "/github"}

    def test_recorded_primary_limit_without_reset(self):
        # PyGithub's 2013 capture: 403, X-RateLimit-Remaining 0, no Reset.
        ex = recording("gh-ratelimit.json")[0]
        self.r.routes["/github/repos/o/r/releases?per_page=100"] = (
            ex["status"], ex["headers"], ex["body"])
        t0 = time.time()
        res = self.fetch(self.github())
        m = re.match(r"^github-releases o/r: rate limited \(no reset time "
                     r"given\), next attempt at (\d\d:\d\d) \(UTC\); set "
                     r"\$GITHUB_TOKEN to raise the limit from 60 to 5,000 "
                     r"requests an hour$", res["error"] or "")
        self.assertTrue(m, res["error"])
        # The next attempt is the time the result says the limit lifts.
        until = res["rate_limited_until"]
        self.assertGreaterEqual(until, t0 + 59)
        self.assertEqual(m.group(1), time.strftime("%H:%M",
                                                   time.gmtime(until)))

    def test_recorded_primary_limit_with_another_token_variable(self):
        ex = recording("gh-ratelimit.json")[0]
        self.r.routes["/github/repos/o/r/releases?per_page=100"] = (
            ex["status"], ex["headers"], ex["body"])
        cfg = self.github()
        cfg["token_env"] = "MIRROR_GH"
        res = self.fetch(cfg)
        self.assertIn("set $MIRROR_GH to raise the limit", res["error"])
        res = self.fetch(cfg, env={"MIRROR_GH": "secret-tok"})
        self.assertRegex(res["error"], r"the token's 60 requests an hour "
                         r"are used up$")
        self.assertNotIn("secret-tok", res["error"])

    def test_recorded_abuse_limit(self):
        # PyGithub's 2018 capture: 403 with Retry-After 60 and the abuse
        # documentation_url; a token would not help, so no hint.
        ex = recording("gh-ratelimit.json")[1]
        self.r.routes["/github/repos/o/r/releases?per_page=100"] = (
            ex["status"], ex["headers"], ex["body"])
        res = self.fetch(self.github())
        self.assertRegex(res["error"], r"^github-releases o/r: rate limited "
                         r"\(secondary limit\), retry after 60 s, next "
                         r"attempt at \d\d:\d\d \(UTC\)$")

    def gitlab_page1(self):
        """GNOME's recorded page 1 of 3 (X-Total 44), links made local."""
        ex = recording("gl-anitya-tags.json")[0]
        hdrs = [(k, v.replace("https://gitlab.gnome.org", "{base}"))
                for k, v in ex["headers"]]
        path = "/api/v4/projects/GNOME%2Fgnome-video-arcade/repository/tags"
        self.r.routes[path + "?per_page=100"] = (ex["status"], hdrs,
                                                 ex["body"])
        return path

    def test_404_on_page_two_is_not_project_not_found(self):
        path = self.gitlab_page1()
        gone = recording("gl-anitya-tags.json")[1]	# a real GitLab 404
        self.r.routes[path + "?id=GNOME%2Fgnome-video-arcade&order_by="
                      "updated&page=2&per_page=20&sort=desc"] = (
            gone["status"], gone["headers"], gone["body"])
        res = self.fetch({"type": "gitlab-tags",
                          "project": "GNOME/gnome-video-arcade",
                          "base_url": self.r.url})
        self.assertEqual(res["error"],
                         "gitlab-tags GNOME/gnome-video-arcade: page 2: "
                         "HTTP 404 Not Found (the page is gone: the list "
                         "changed while it was read)")
        # 20 of 44 tags read: not provably the window, so none kept.
        self.assertEqual(res["tags"], [])
        self.assertIn(res["pages"], (2, 3))

    def test_404_on_page_one_is_project_not_found(self):
        gone = recording("gl-anitya-tags.json")[1]
        self.r.routes["/api/v4/projects/foo%2Fbar/repository/tags"
                      "?per_page=100"] = (gone["status"], gone["headers"],
                                          gone["body"])
        res = self.fetch({"type": "gitlab-tags", "project": "foo/bar",
                          "base_url": self.r.url})
        self.assertEqual(res["error"], "gitlab-tags foo/bar: HTTP 404 Not "
                         "Found (project not found or private)")

    def test_server_error_on_page_two_names_the_page(self):
        path = self.gitlab_page1()
        self.r.routes[path + "?id=GNOME%2Fgnome-video-arcade&order_by="
                      "updated&page=2&per_page=20&sort=desc"] = (
            503, [("Content-Type", "text/plain")], "Service Unavailable")
        res = self.fetch({"type": "gitlab-tags",
                          "project": "GNOME/gnome-video-arcade",
                          "base_url": self.r.url})
        self.assertRegex(res["error"], r"^gitlab-tags GNOME/gnome-video-"
                         r"arcade: page 2: HTTP 503 Service Unavailable")


if __name__ == "__main__":
    import taprun
    taprun.main()
