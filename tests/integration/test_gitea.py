#!/usr/bin/env python3
"""gitea-tags and gitea-releases (Gitea, Forgejo, Codeberg) against a
fixture written from Gitea's API documentation: /api/v1/repos/{owner}/
{repo}/tags|releases, `page`/`limit` pagination with the server capping
`limit` (MAX_RESPONSE_ITEMS, 50 by default), a `Link` header with `next`
and `last` (no space after the comma, as the documentation's example
shows) and `X-Total-Count`; tokens as `Authorization: token ...`."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import world
from mt import Env

BUILD = os.environ.get("MT_BUILDDIR", os.getcwd())
DRIVER = os.path.join(BUILD, "tests", "unit", "source-driver")


def gitea_tag(name, i):
    sha = ("%040x" % (0xabc0000 + i))
    return {"name": name, "message": "", "id": sha,
            "commit": {"url": "https://codeberg.org/api/v1/repos/o/r/git/"
                              "commits/" + sha, "sha": sha,
                       "created": "2026-01-%02dT10:00:00+01:00" % (1 + i % 28)},
            "zipball_url": "https://codeberg.org/o/r/archive/%s.zip" % name,
            "tarball_url": "https://codeberg.org/o/r/archive/%s.tar.gz" % name}


def gitea_release(tag, i, draft=False, prerelease=False):
    return {"id": 1000 + i, "tag_name": tag, "target_commitish": "main",
            "name": "Release " + tag, "body": "notes",
            "url": "https://codeberg.org/api/v1/repos/o/r/releases/%d"
                   % (1000 + i),
            "html_url": "https://codeberg.org/o/r/releases/tag/" + tag,
            "tarball_url": "https://codeberg.org/o/r/archive/%s.tar.gz" % tag,
            "zipball_url": "https://codeberg.org/o/r/archive/%s.zip" % tag,
            "upload_url": "https://codeberg.org/api/v1/repos/o/r/releases/"
                          "%d/assets" % (1000 + i),
            "draft": draft, "prerelease": prerelease,
            "created_at": "2026-02-%02dT09:00:00+01:00" % (1 + i % 28),
            "published_at": "2026-02-%02dT09:00:00+01:00" % (1 + i % 28),
            "author": {"id": 1, "login": "owner"}, "assets": []}


class Gitea:
    """A Gitea API for a few repositories."""

    def __init__(self, max_items=50):
        self.repos = {}         # "owner/name" -> {"tags": [...], ...}
        self.max_items = max_items
        self.requests = []
        gitea = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                gitea.requests.append((self.path, dict(self.headers)))
                u = urlsplit(self.path)
                q = parse_qs(u.query)
                parts = u.path.split("/")
                # /api/v1/repos/{owner}/{repo}/{tags|releases}
                if (len(parts) != 7 or parts[1:4] != ["api", "v1", "repos"]
                        or "/".join(parts[4:6]) not in gitea.repos
                        or parts[6] not in ("tags", "releases")):
                    return self.send_json(404, {
                        "errors": None, "message": "The target couldn't be "
                        "found.", "url": "http://localhost/api/swagger"})
                items = gitea.repos["/".join(parts[4:6])][parts[6]]
                page = max(1, int(q.get("page", ["1"])[0]))
                limit = int(q.get("limit", [str(gitea.max_items)])[0])
                limit = max(1, min(limit, gitea.max_items))
                chunk = items[(page - 1) * limit:page * limit]
                last = max(1, (len(items) + limit - 1) // limit)
                base = "http://%s%s" % (self.headers["Host"], u.path)
                links = []
                if page < last:
                    links.append('<%s?limit=%d&page=%d>; rel="next"'
                                 % (base, limit, page + 1))
                    links.append('<%s?limit=%d&page=%d>; rel="last"'
                                 % (base, limit, last))
                if page > 1:
                    links.append('<%s?limit=%d&page=1>; rel="first"'
                                 % (base, limit))
                    links.append('<%s?limit=%d&page=%d>; rel="prev"'
                                 % (base, limit, page - 1))
                hdrs = [("X-Total-Count", str(len(items)))]
                if links:
                    hdrs.append(("Link", ",".join(links)))
                self.send_json(200, chunk, hdrs)

            def send_json(self, status, obj, hdrs=()):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type",
                                 "application/json;charset=utf-8")
                for k, v in hdrs:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def releases(n):
    out = []
    for i in range(n):
        tag = "v1.%d.0" % (n - 1 - i)
        out.append(gitea_release(tag, i, draft=(i == 3),
                                 prerelease=(i == 5)))
    return out


class GiteaSourceTest(unittest.TestCase):
    max_items = 50

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mt-gitea-")
        self.g = Gitea(self.max_items)
        self.g.repos["forgejo/forgejo"] = {
            "releases": releases(120),
            "tags": [gitea_tag("v%d.0.%d" % (9 - i // 10, i % 10), i)
                     for i in range(60)]}

    def tearDown(self):
        self.g.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fetch(self, type="gitea-releases", repo="forgejo/forgejo", env=None,
              **kw):
        cfg = {"type": type, "repo": repo, "base_url": self.g.url}
        cfg.update(kw)
        e = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        e["XDG_STATE_HOME"] = os.path.join(self.tmp, "state")
        e.update(env or {})
        p = subprocess.run([DRIVER, "-C", os.path.join(self.tmp, "cache"),
                            "-a", "1", json.dumps(cfg)], capture_output=True,
                           text=True, env=e, timeout=90)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return json.loads(p.stdout.splitlines()[-1])

    def test_releases_three_pages(self):
        res = self.fetch()
        self.assertIsNone(res["error"])
        self.assertEqual(res["pages"], 3)
        self.assertEqual(len(res["tags"]), 120)
        paths = [p for p, _ in self.g.requests]
        self.assertEqual(paths[0],
                         "/api/v1/repos/forgejo/forgejo/releases?limit=50")
        # pages 2 and 3 are asked for at once, in either order
        self.assertEqual(sorted(paths[1:]),
                         ["/api/v1/repos/forgejo/forgejo/releases"
                          "?limit=50&page=%d" % n for n in (2, 3)], paths)
        by = {t["tag"]: t for t in res["tags"]}
        self.assertTrue(by["v1.116.0"]["draft"])
        self.assertTrue(by["v1.114.0"]["prerelease"])
        self.assertEqual(by["v1.119.0"]["name"], "Release v1.119.0")
        self.assertEqual(by["v1.119.0"]["published_at"],
                         "2026-02-01T09:00:00+01:00")
        for _, h in self.g.requests:
            self.assertNotIn("Authorization", h)

    def test_tags_with_commit_dates(self):
        res = self.fetch(type="gitea-tags")
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 60)
        self.assertEqual(res["tags"][0]["tag"], "v9.0.0")
        self.assertEqual(res["tags"][0]["published_at"],
                         "2026-01-01T10:00:00+01:00")

    def test_token_sent_as_token(self):
        res = self.fetch(env={"GITEA_TOKEN": "gt-secret"})
        self.assertIsNone(res["error"])
        for _, h in self.g.requests:
            self.assertEqual(h.get("Authorization"), "token gt-secret")

    def test_repository_not_found(self):
        res = self.fetch(repo="forgejo/nothing")
        self.assertEqual(res["error"], "gitea-releases forgejo/nothing: HTTP "
                         "404 Not Found (repository not found or private)")


class GiteaCappedTest(GiteaSourceTest):
    # A server with MAX_RESPONSE_ITEMS = 30: every page is "short" for
    # limit=50, and only the Link and X-Total-Count say there is more.
    max_items = 30

    def test_releases_three_pages(self):
        res = self.fetch()
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 120)
        self.assertEqual(res["pages"], 4)


class GiteaStatusTest(unittest.TestCase):
    def setUp(self):
        self.reg = world.Registry()
        self.g = Gitea()
        self.g.repos["o/r"] = {"releases": releases(12), "tags": []}
        self.env = Env()

    def tearDown(self):
        self.env.__exit__(None)
        self.g.stop()
        self.reg.stop()

    def test_status_window_and_counts(self):
        world.push_image(self.reg, "test/mirror/forgejo-app", "1.11.0",
                         arch="amd64")
        self.env.write_config(self.reg.host, [{
            "name": "forgejo-app", "max_versions": 3,
            "source": {"type": "gitea-releases", "base_url": self.g.url,
                       "repo": "o/r"}}])
        data, _ = self.env.status_json()
        app = data["apps"][0]
        self.assertIsNone(app["error"])
        self.assertEqual([v["version"] for v in app["versions"]],
                         ["1.11.0", "1.10.0", "1.9.0"])
        self.assertEqual(app["versions"][0]["archs"]["amd64"], "present")
        self.assertEqual(app["skipped"], {"drafts": 1, "prereleases": 1,
                                          "not_matching": 0,
                                          "not_a_version": 0})

    def test_base_url_required(self):
        self.env.write_config(self.reg.host, [{
            "name": "forgejo-app",
            "source": {"type": "gitea-tags", "repo": "o/r"}}])
        r = self.env.run("config", "check")
        self.assertEqual(r.returncode, 2)
        self.assertIn('apps[0].source: missing required key "base_url"',
                      r.stderr)


if __name__ == "__main__":
    import taprun
    taprun.main()
