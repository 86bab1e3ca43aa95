#!/usr/bin/env python3
"""The HTTP layer end to end: tests/unit/http-driver runs requests on one
loop against a small threaded fixture server on loopback and prints one JSON
line per response."""
import gzip
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DRIVER = os.path.join(os.environ.get("MT_BUILDDIR", "."), "tests", "unit",
                      "http-driver")


class Fixture:
    """Shared state of the fixture server: counters and a request log."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.log = []          # [path, start, end, client_port, headers]

    def bump(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send(self, status, body=b"", headers=(), length=True):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.do_GET()

    def do_PUT(self):
        self.do_GET()

    def do_GET(self):
        fx = self.server.fx
        start = time.monotonic()
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        parts = u.path.strip("/").split("/")
        route = parts[0]
        key = parts[1] if len(parts) > 1 else ""
        n = fx.bump(u.path)
        length = int(self.headers.get("Content-Length") or 0)
        reqbody = self.rfile.read(length) if length else b""
        entry = [u.path, start, None, self.client_address[1],
                 dict(self.headers)]
        with fx.lock:
            fx.log.append(entry)
        try:
            self.route(route, key, q, n, reqbody)
        finally:
            entry[2] = time.monotonic()

    def route(self, route, key, q, n, reqbody):
        port = self.server.server_address[1]
        if route == "ok":
            self.send(200, "hello\n", [("Content-Type", "text/plain")])
        elif route == "flaky":
            if n < int(q.get("fail", "1")) + 1:
                self.send(503, "busy", [("Content-Type", "text/plain")])
            else:
                self.send(200, "recovered")
        elif route == "always503":
            self.send(503, "down")
        elif route == "limited":
            after = q.get("after", "1")
            if q.get("date"):
                after = formatdate(time.time() + int(after), usegmt=True)
            if n == 1:
                self.send(429, "Retry later", [("Retry-After", after)])
            else:
                self.send(200, "after the wait")
        elif route == "exhausted":
            self.send(429, "rate limited", [
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", str(int(time.time()) + 3600))])
        elif route == "notfound":
            self.send(404, "<html><body><h1>404 Not Found</h1></body></html>",
                      [("Content-Type", "text/html")])
        elif route == "big":
            self.send(200, b"x" * int(q["n"]),
                      length=q.get("chunked") is None)
        elif route == "slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.send(200, "slow")
        elif route == "sleep":
            time.sleep(0.2)
            self.send(200, "slept " + key)
        elif route == "etag":
            tag = ('W/"v1-%s"' if q.get("weak") else '"v1-%s"') % key
            if self.headers.get("If-None-Match") == tag:
                self.send(304, b"", [("ETag", tag),
                                     ("x-ratelimit-remaining", "4999")],
                          length=False)
            else:
                nxt = "<http://127.0.0.1:%d/etag/%s?page=2>; rel=\"next\"" % (
                    port, key)
                self.send(200, '{"page":1,"key":"%s"}' % key,
                          [("ETag", tag), ("Link", nxt),
                           ("Content-Type", "application/json")])
        elif route == "rl":
            reset = str(int(time.time()) + 3600)
            hdrs = {
                "github": [("x-ratelimit-limit", "5000"),
                           ("x-ratelimit-remaining", "4987"),
                           ("x-ratelimit-reset", reset)],
                "githubold": [("X-RateLimit-Limit", "60"),
                              ("X-RateLimit-Remaining", "0"),
                              ("X-RateLimit-Reset", reset)],
                "gitlab": [("RateLimit-Limit", "600"),
                           ("RateLimit-Remaining", "599"),
                           ("RateLimit-Reset", reset)],
                "dockerhub": [("ratelimit-limit", "100;w=21600"),
                              ("ratelimit-remaining", "76;w=21600")],
                "secondary": [("x-ratelimit-limit", "5000"),
                              ("x-ratelimit-remaining", "4980"),
                              ("x-ratelimit-reset", reset)],
            }[key]
            status = 403 if key in ("githubold", "secondary") else 200
            body = "{}"
            if key == "secondary":
                body = json.dumps({
                    "message": "You have exceeded a secondary rate limit. "
                               "Please wait a few minutes before you try "
                               "again.",
                    "documentation_url": "https://docs.github.com/rest/"
                    "overview/rate-limits#about-secondary-rate-limits"})
            self.send(status, body, hdrs)
        elif route == "echo":
            out = {"method": self.command,
                   "body": reqbody.decode(),
                   "ua": self.headers.get("User-Agent"),
                   "ctype": self.headers.get("Content-Type"),
                   "clen": self.headers.get("Content-Length"),
                   "auth": self.headers.get("Authorization")}
            self.send(200, json.dumps(out), [("X-Final", "1")])
        elif route == "redirect":
            host = q.get("host", "127.0.0.1")
            self.send(302, "moved", [
                ("Location", "http://%s:%d/echo" % (host, port)),
                ("X-Hop", "1")])
        elif route == "gzip":
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.send(200, gzip.compress(b"hello gzip " * 100),
                          [("Content-Encoding", "gzip")])
            else:
                self.send(200, b"hello gzip " * 100)
        else:
            self.send(500, "no route")


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture()
        cls.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.srv.daemon_threads = True
        cls.srv.fx = cls.fx
        cls.port = cls.srv.server_address[1]
        cls.thread = threading.Thread(target=cls.srv.serve_forever,
                                      daemon=True)
        cls.thread.start()
        cls.tmp = tempfile.mkdtemp(prefix="mt-http-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.shutdown()
        cls.srv.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def run_driver(self, lines, args=(), timeout=60):
        p = subprocess.run([DRIVER] + list(args), input="\n".join(lines) + "\n",
                           capture_output=True, text=True, timeout=timeout)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        resp = {o["id"]: o for o in out if "id" in o}
        return resp, out

    def one(self, line, args=()):
        resp, _ = self.run_driver(["id=r " + line], args)
        return resp["r"]

    def test_200(self):
        r = self.one("url=" + self.url("/ok"))
        self.assertEqual((r["status"], r["body"], r["attempts"]),
                         (200, "hello\n", 1))
        self.assertIsNone(r["error"])
        self.assertEqual(r["headers"]["content-type"], "text/plain")

    def test_user_agent(self):
        r = self.one("url=" + self.url("/echo"))
        self.assertRegex(json.loads(r["body"])["ua"], r"^mirrortop/\d")

    def test_503_then_200_is_retried(self):
        r = self.one("url=" + self.url("/flaky/a"))
        self.assertEqual((r["status"], r["body"], r["attempts"]),
                         (200, "recovered", 2))

    def test_5xx_gives_up_after_max_attempts(self):
        resp, out = self.run_driver(["id=r url=" + self.url("/always503/a")])
        r = resp["r"]
        self.assertEqual((r["status"], r["attempts"]), (503, 3))
        self.assertEqual(r["describe"], "HTTP 503 from 127.0.0.1:%d" % self.port)
        stats = [o for o in out if "stats" in o][0]
        self.assertEqual((stats["requests"], stats["retries"]), (3, 2))

    def test_attempts_per_request(self):
        r = self.one("url=%s attempts=1" % self.url("/always503/b"))
        self.assertEqual((r["status"], r["attempts"]), (503, 1))

    def test_429_retry_after_honoured(self):
        r = self.one("url=" + self.url("/limited/a?after=1"))
        self.assertEqual((r["status"], r["attempts"]), (200, 2))
        self.assertGreaterEqual(r["elapsed_ms"], 900)

    def test_429_retry_after_too_long_is_returned(self):
        resp, out = self.run_driver(
            ["id=r url=" + self.url("/limited/b?after=3600")])
        r = resp["r"]
        self.assertEqual((r["status"], r["attempts"]), (429, 1))
        self.assertLess(r["elapsed_ms"], 3000)
        rl = [o for o in out if o.get("ratelimit") == "127.0.0.1:%d" % self.port][0]
        self.assertGreater(rl["blocked_until"], time.time() + 3000)

    def test_429_retry_after_http_date(self):
        r = self.one("url=" + self.url("/limited/d?after=2&date=1"))
        self.assertEqual((r["status"], r["attempts"]), (200, 2))
        self.assertGreaterEqual(r["elapsed_ms"], 900)

    def test_429_exhausted_window_not_retried(self):
        r = self.one("url=" + self.url("/exhausted/a"))
        self.assertEqual((r["status"], r["attempts"]), (429, 1))
        self.assertEqual(self.fx.counts["/exhausted/a"], 1)

    def test_cancel_while_waiting_to_retry(self):
        t0 = time.monotonic()
        resp, out = self.run_driver(
            ["id=x cancel_ms=300 url=" + self.url("/limited/c?after=1")],
            ["--linger", "1500"])
        self.assertTrue(resp["x"].get("cancelled"))
        self.assertEqual(len([o for o in out if o.get("id") == "x"]), 1)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(self.fx.counts["/limited/c"], 1)

    def test_404_not_retried_html_body_kept(self):
        r = self.one("url=" + self.url("/notfound/a"))
        self.assertEqual((r["status"], r["attempts"]), (404, 1))
        self.assertIn("<h1>404 Not Found</h1>", r["body"])
        self.assertEqual(self.fx.counts["/notfound/a"], 1)

    def test_oversized_body(self):
        for q in ("n=5000", "n=5000&chunked=1"):
            r = self.one("url=%s maxbody=1000" % self.url("/big/x?" + q))
            self.assertEqual(r["status"], 0)
            self.assertEqual(r["error"], "response larger than 1000 bytes")
            self.assertEqual(r["describe"],
                             "response from 127.0.0.1:%d larger than 1000 bytes"
                             % self.port)
            self.assertEqual(r["attempts"], 1)
        r = self.one("url=%s maxbody=5000" % self.url("/big/y?n=5000"))
        self.assertEqual((r["status"], r["len"]), (200, 5000))
        # a HEAD of something big is fine: nothing is downloaded
        r = self.one("method=HEAD url=%s maxbody=1000"
                     % self.url("/big/z?n=5000"))
        self.assertEqual((r["status"], r["len"], r["error"]), (200, 0, None))
        self.assertEqual(r["headers"]["content-length"], "5000")

    def test_timeout(self):
        # The total time limit: named, and not tried again.
        r = self.one("url=%s timeout=300 attempts=3"
                     % self.url("/slow/a?ms=2000"))
        self.assertEqual((r["status"], r["attempts"]), (0, 1))
        self.assertEqual(r["error"],
                         "timed out after 0.3 s talking to 127.0.0.1:%d "
                         "(http_timeout)" % self.port)

    def test_stall_limit(self):
        # A server that accepts and sends nothing: given up after the
        # stall limit, tried once more, not three times; well before the
        # total time limit.
        t0 = time.monotonic()
        r = self.one("url=%s timeout=60000 attempts=3"
                     % self.url("/slow/stall?ms=20000"), ["--stall", "1"])
        self.assertEqual((r["status"], r["attempts"]), (0, 2))
        self.assertEqual(r["error"], "127.0.0.1:%d sent nothing for 1 s "
                         "(http_stall_timeout)" % self.port)
        self.assertLess(time.monotonic() - t0, 15)
        self.assertEqual(self.fx.counts["/slow/stall"], 2)

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = self.one("url=http://127.0.0.1:%d/x?token=s3cret" % port)
        self.assertEqual((r["status"], r["attempts"]), (0, 3))
        self.assertEqual(r["error"], "connection to 127.0.0.1:%d failed: "
                         "Connection refused" % port)
        self.assertNotIn("s3cret", r["describe"])

    def test_refused_schemes(self):
        resp, _ = self.run_driver(["id=f url=ftp://127.0.0.1/x",
                                   "id=g url=file:///etc/passwd"])
        self.assertTrue(resp["f"]["refused"])
        self.assertTrue(resp["g"]["refused"])

    def etag_case(self, key, weak):
        path = "/etag/%s%s" % (key, "?weak=1" if weak else "")
        resp, out = self.run_driver([
            "id=a url=%s cache=1 salt=t1" % self.url(path),
            "id=b url=%s cache=1 salt=t1 after=a" % self.url(path),
            "id=c url=%s cache=1 salt=t2 after=b" % self.url(path),
        ], ["--cache-dir", os.path.join(self.tmp, "cache-" + key)])
        a, b, c = resp["a"], resp["b"], resp["c"]
        self.assertEqual((a["status"], a["from_cache"]), (200, 0))
        self.assertEqual((b["status"], b["from_cache"]), (200, 1))
        self.assertEqual(b["body"], a["body"])
        self.assertEqual(b["headers"]["link"], a["headers"]["link"])
        self.assertEqual(b["headers"]["content-type"], "application/json")
        self.assertEqual(b["headers"]["x-ratelimit-remaining"], "4999")
        # a different salt (token) does not reuse the ETag
        self.assertEqual((c["status"], c["from_cache"]), (200, 0))
        inm = [h.get("If-None-Match") for p, _, _, _, h in self.fx.log
               if p == "/etag/" + key]
        tag = ('W/"v1-%s"' if weak else '"v1-%s"') % key
        self.assertEqual(inm, [None, tag, None])
        stats = [o for o in out if "stats" in o][0]
        self.assertEqual(stats["not_modified"], 1)

    def test_etag_strong(self):
        self.etag_case("strong", False)

    def test_etag_weak(self):
        self.etag_case("weak", True)

    def test_etag_cache_torn_entry(self):
        """Cache entries are written without fsync: one cut short by a
        crash is not trusted (no If-None-Match, the body fetched again),
        instead of answering a 304 with half a body."""
        path = "/etag/torn"
        cache = os.path.join(self.tmp, "cache-torn")
        resp, _ = self.run_driver(["id=a url=%s cache=1" % self.url(path)],
                                  ["--cache-dir", cache])
        self.assertEqual(resp["a"]["status"], 200)
        entries = [f for f in os.listdir(cache) if ".tmp." not in f]
        self.assertEqual(len(entries), 1)
        entry = os.path.join(cache, entries[0])
        with open(entry, "rb") as f:
            data = f.read()
        with open(entry, "wb") as f:
            f.write(data[:-5])         # the body's last bytes lost
        with self.fx.lock:
            self.fx.log.clear()
        resp, _ = self.run_driver(["id=b url=%s cache=1" % self.url(path)],
                                  ["--cache-dir", cache])
        b = resp["b"]
        self.assertEqual((b["status"], b["from_cache"]), (200, 0))
        self.assertEqual(b["body"], '{"page":1,"key":"torn"}')
        inm = [h.get("If-None-Match") for p, _, _, _, h in self.fx.log
               if p == path]
        self.assertEqual(inm, [None])
        # the entry was rewritten whole: the next request revalidates
        resp, _ = self.run_driver(["id=c url=%s cache=1" % self.url(path)],
                                  ["--cache-dir", cache])
        self.assertEqual((resp["c"]["status"], resp["c"]["from_cache"]),
                         (200, 1))
        self.assertEqual(resp["c"]["body"], b["body"])

    def test_concurrency(self):
        lines = ["id=s%d url=%s" % (i, self.url("/sleep/%d" % i))
                 for i in range(10)]
        resp, _ = self.run_driver(lines)
        self.assertTrue(all(resp["s%d" % i]["status"] == 200
                            for i in range(10)))
        spans = [(s, e) for p, s, e, _, _ in self.fx.log
                 if p.startswith("/sleep/")]
        self.assertEqual(len(spans), 10)
        overlap = max(sum(1 for s2, e2 in spans if s2 <= s < e2)
                      for s, _ in spans)
        self.assertGreaterEqual(overlap, 4)
        self.assertLessEqual(overlap, 6)   # the per-host limit

    def test_host_limit(self):
        with self.fx.lock:
            self.fx.log.clear()
        lines = ["id=s%d url=%s" % (i, self.url("/sleep/h%d" % i))
                 for i in range(4)]
        self.run_driver(lines, ["--host-limit", "1"])
        spans = sorted((s, e) for p, s, e, _, _ in self.fx.log
                       if p.startswith("/sleep/h"))
        self.assertEqual(len(spans), 4)
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            self.assertGreaterEqual(s2, e1 - 0.01)

    def test_connection_reuse(self):
        with self.fx.lock:
            self.fx.log.clear()
        self.run_driver(["id=a url=" + self.url("/ok/r1"),
                         "id=b after=a url=" + self.url("/ok/r2"),
                         "id=c after=b url=" + self.url("/ok/r3")])
        ports = {cp for p, _, _, cp, _ in self.fx.log if p.startswith("/ok/r")}
        self.assertEqual(len(ports), 1)

    def test_ratelimits(self):
        _, out = self.run_driver([
            "id=gh url=" + self.url("/rl/github"),
            "id=gl url=http://localhost:%d/rl/gitlab" % self.port,
        ])
        rl = {o["ratelimit"]: o for o in out if "ratelimit" in o}
        gh = rl["127.0.0.1:%d" % self.port]
        self.assertEqual((gh["limit"], gh["remaining"]), (5000, 4987))
        self.assertGreater(gh["reset"], time.time())
        self.assertEqual(gh["blocked_until"], 0)
        gl = rl["localhost:%d" % self.port]
        self.assertEqual((gl["limit"], gl["remaining"]), (600, 599))

    def test_ratelimits_dockerhub_and_exhausted(self):
        _, out = self.run_driver(["id=dh url=" + self.url("/rl/dockerhub")])
        rl = [o for o in out if "ratelimit" in o][0]
        self.assertEqual((rl["limit"], rl["remaining"]), (100, 76))
        resp, out = self.run_driver(["id=o url=" + self.url("/rl/githubold")])
        self.assertEqual(resp["o"]["status"], 403)
        rl = [o for o in out if "ratelimit" in o][0]
        self.assertEqual((rl["limit"], rl["remaining"]), (60, 0))
        self.assertEqual(rl["blocked_until"], rl["reset"])

    def test_secondary_limit_blocks_host_with_budget_left(self):
        resp, out = self.run_driver(["id=s url=" + self.url("/rl/secondary")])
        self.assertEqual(resp["s"]["status"], 403)
        rl = [o for o in out if "ratelimit" in o][0]
        self.assertEqual(rl["remaining"], 4980)
        # Not the hour-long primary reset: about a minute.
        self.assertGreater(rl["blocked_until"], time.time() + 30)
        self.assertLess(rl["blocked_until"], time.time() + 120)

    def test_timer_fires(self):
        _, out = self.run_driver([], ["--timer", "150"])
        t = [o for o in out if "timer" in o][0]
        self.assertGreaterEqual(t["elapsed_ms"], 150)
        self.assertLess(t["elapsed_ms"], 5000)

    def test_wakeup_from_signal(self):
        _, out = self.run_driver([], ["--wakeup", "200"])
        w = [o for o in out if "wakeup" in o][0]
        self.assertEqual(w["wakeup"], 1)
        self.assertGreaterEqual(w["dispatched"], 1)
        self.assertLess(w["elapsed_ms"], 5000)

    def test_cancel(self):
        resp, out = self.run_driver(
            ["id=x cancel_ms=100 url=" + self.url("/slow/c?ms=1000")],
            ["--linger", "1500"])
        self.assertTrue(resp["x"].get("cancelled"))
        self.assertEqual(len([o for o in out if o.get("id") == "x"]), 1)

    def test_redirects(self):
        r = self.one("url=%s header=Authorization:_Bearer_s3cret"
                     % self.url("/redirect/a"))
        self.assertEqual(r["status"], 302)
        r = self.one("follow=1 header=Authorization:_Bearer_s3cret url="
                     + self.url("/redirect/b"))
        self.assertEqual(r["status"], 200)
        self.assertEqual(r["url"], self.url("/echo"))
        self.assertNotIn("x-hop", r["headers"])
        self.assertEqual(r["headers"]["x-final"], "1")
        # another host: the Authorization header stays behind
        r = self.one("follow=1 header=Authorization:_Bearer_s3cret url="
                     + self.url("/redirect/c?host=localhost"))
        self.assertEqual(r["status"], 200)
        self.assertIsNone(json.loads(r["body"])["auth"])

    def test_methods_and_body(self):
        resp, _ = self.run_driver([
            "id=p method=POST body={} header=Content-Type:_application/json url="
            + self.url("/echo/p"),
            "id=u method=PUT url=" + self.url("/echo/u"),
            "id=h method=HEAD url=" + self.url("/ok/h"),
        ])
        p = json.loads(resp["p"]["body"])
        self.assertEqual((p["method"], p["body"], p["ctype"]),
                         ("POST", "{}", "application/json"))
        u = json.loads(resp["u"]["body"])
        self.assertEqual((u["method"], u["clen"], u["ctype"]),
                         ("PUT", "0", None))
        self.assertEqual((resp["h"]["status"], resp["h"]["len"]), (200, 0))

    def test_gzip(self):
        r = self.one("url=" + self.url("/gzip/a"))
        self.assertEqual(r["body"], "hello gzip " * 100)


class SilentUpstream(unittest.TestCase):
    """`mirrortop status` against an upstream that accepts the connection
    and never answers: bounded by the stall limit, not 3 x 30 s."""

    @classmethod
    def setUpClass(cls):
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "..", "lib"))
        import world
        cls.world = world
        cls.reg = world.Registry()
        cls.sock = socket.socket()
        cls.sock.bind(("127.0.0.1", 0))
        cls.sock.listen(64)
        cls.held = []
        cls.stop = False

        def hold():     # accept, read nothing, answer nothing
            while not cls.stop:
                try:
                    c, _ = cls.sock.accept()
                except OSError:
                    return
                cls.held.append(c)
        cls.thread = threading.Thread(target=hold, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.stop = True
        cls.sock.close()
        for c in cls.held:
            c.close()
        cls.reg.stop()

    def status(self, **top):
        from mt import Env
        with Env() as env:
            api = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
            env.write_config(self.reg.host, [{
                "name": "alpha", "source": {
                    "type": "github-releases", "repo": "acme/alpha",
                    "api": api}}], **top)
            t0 = time.monotonic()
            r = env.run("status", "--json", timeout=120)
            took = time.monotonic() - t0
            out = json.loads(r.stdout)
        app = [a for a in out["apps"] if a["name"] == "alpha"][0]
        return app["error"], took

    def test_stall_limit_from_the_configuration(self):
        err, took = self.status(http_stall_timeout=2)
        self.assertRegex(err, r"127\.0\.0\.1:\d+ sent nothing for 2 s "
                         r"\(http_stall_timeout\)")
        self.assertLess(took, 15, "two stalls of 2 s, not 3 x 30 s")

    def test_default_limits(self):
        err, took = self.status()
        self.assertIn("sent nothing for 15 s (http_stall_timeout)", err)
        self.assertLess(took, 45, "at most about 35 s (2 x 15 s + backoff)")


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "lib"))
    import taprun
    taprun.main()
