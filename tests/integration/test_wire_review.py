"""`mirrortop status --json` against small, independent imitations of
GitHub, GitLab and OCI registries (GHCR, Docker Hub, distribution) that
follow the services' documented behaviour, quirks included: Link URLs on
/repositories/<id>, weak ETags and bare 304s, secondary rate limits,
GitLab's page-1 tags quirk and keyset links, Bearer challenges with several
schemes, token answers without expires_in, GHCR's token-step denial,
relative and absolute tag-list links, unknown index entries, config blobs
behind a redirect to another host, 429/5xx retries, schema 1 answers.

Every server here is a plain http.server on loopback written for this file
(deliberately not the shared fixtures), so the client is checked against a
second reading of the same documents.
"""
import base64
import hashlib
import http.server
import json
import os
import re
import socketserver
import threading
import time
import unittest
import urllib.parse

from mt import Env, app_of, version_of

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"

GH_TOKEN = "ghp_wireReviewSecretToken0123456789"
REG_TOKEN = "regTokenWireReview.secret.value"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def jbytes(obj):
    return json.dumps(obj, indent=1).encode()


class Req:
    """One request as the fixture saw it."""

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target            # raw request target (still encoded)
        u = urllib.parse.urlsplit(target)
        self.path = u.path
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.status = None

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def __repr__(self):
        return "%s %s -> %s" % (self.method, self.target, self.status)


class Server:
    """A loopback HTTP/1.1 server; handler(req) -> (status, headers, body)."""

    def __init__(self, handler=None):
        self.handler = handler
        self.log = []
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                req = Req(self.command, self.path, self.headers, body)
                with outer.lock:
                    outer.log.append(req)
                try:
                    status, hdrs, data = outer.handler(req)
                except Exception as e:  # a bug in a test: make it visible
                    status, hdrs, data = 599, [], repr(e).encode()
                req.status = status
                if isinstance(data, str):
                    data = data.encode()
                self.send_response_only(status)
                names = {k.lower() for k, _ in hdrs}
                for k, v in hdrs:
                    self.send_header(k, str(v))
                if status not in (204, 304) and "content-length" not in names:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD" and status not in (204, 304):
                    self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = _any

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = S(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.host = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.host
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, pred=lambda r: True):
        with self.lock:
            return [r for r in self.log if pred(r)]


def json_reply(status, obj, *extra, ctype="application/json; charset=utf-8"):
    return status, [("Content-Type", ctype)] + list(extra), jbytes(obj)


# -- upstream imitations ------------------------------------------------------

def gh_rel(tag, published="2026-01-01T10:00:00Z", name="", draft=False,
           prerelease=False):
    return {"url": "https://api.github.com/repos/o/r/releases/1",
            "id": abs(hash(tag)) % 100000, "node_id": "RE_x", "tag_name": tag,
            "target_commitish": "main", "name": name, "body": None,
            "draft": draft, "prerelease": prerelease,
            "created_at": "2025-12-31T10:00:00Z",
            "published_at": None if draft else published,
            "author": {"login": "octocat", "id": 1}, "assets": []}


class GitHub:
    """GitHub REST: /repos/o/r/{releases,tags} with Link paging that moves
    to /repositories/<id>/..., per_page echoed, ETags (weak on lists),
    bare 304s carrying rate-limit headers, and optional fault scripts."""

    def __init__(self, srv, repo, items, kind="releases", per_page=None,
                 rid=4242):
        self.srv, self.repo, self.items, self.kind = srv, repo, items, kind
        self.per_page, self.rid = per_page, rid
        self.faults = []      # consumed in order: callables req -> reply|None
        self.remaining = 4999

    def rl(self, count=True):
        if count:
            self.remaining -= 1
        return [("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", str(self.remaining)),
                ("x-ratelimit-used", str(5000 - self.remaining)),
                ("x-ratelimit-reset", str(int(time.time()) + 3000)),
                ("x-ratelimit-resource", "core")]

    def __call__(self, req):
        if self.faults:
            r = self.faults.pop(0)(req)
            if r is not None:
                return r
        if not req.headers.get("User-Agent"):
            return json_reply(403, {"message": "Request forbidden by "
                                    "administrative rules. Please make sure "
                                    "your request has a User-Agent header"})
        base = "/repos/%s/%s" % (self.repo, self.kind)
        alt = "/repositories/%d/%s" % (self.rid, self.kind)
        if req.path not in (base, alt):
            return json_reply(404, {"message": "Not Found",
                                    "documentation_url": "https://docs.github"
                                    ".com/rest", "status": "404"})
        if req.path == alt and req.q("page") is None:
            return json_reply(404, {"message": "Not Found"})
        per = int(req.q("per_page", "30"))
        per = min(per, 100) if self.per_page is None else self.per_page
        page = int(req.q("page", "1"))
        chunk = self.items[(page - 1) * per:page * per]
        body = jbytes(chunk)
        tag = 'W/"%s"' % hashlib.md5(body).hexdigest()
        npages = max(1, (len(self.items) + per - 1) // per)
        links = []
        u = "%s%s?per_page=%d&page=%%d" % (self.srv.url, alt, per)
        if page > 1:
            links += ['<%s>; rel="prev"' % (u % (page - 1)),
                      '<%s>; rel="first"' % (u % 1)]
        if page < npages:
            links += ['<%s>; rel="next"' % (u % (page + 1)),
                      '<%s>; rel="last"' % (u % npages)]
        auth = req.headers.get("Authorization") is not None
        if req.headers.get("If-None-Match") == tag:
            return 304, [("etag", tag), ("cache-control", "private, max-age"
                                         "=60, s-maxage=60")] + \
                self.rl(count=not auth), b""
        hdrs = [("content-type", "application/json; charset=utf-8"),
                ("etag", tag)] + self.rl()
        if links:
            # Title-Case on odd pages, lowercase on even ones.
            hdrs.append(("Link" if page % 2 else "link", ", ".join(links)))
        return 200, hdrs, body


class GitLab:
    """GitLab v4: tags (offset paging with the page-1 quirk, or keyset
    Link-only paging) and releases; the project id must be %2F-encoded."""

    def __init__(self, srv, project, items, kind="repository/tags",
                 keyset=False, omit_total=False):
        self.srv, self.project, self.items, self.kind = srv, project, items, \
            kind
        self.keyset, self.omit_total = keyset, omit_total
        self.faults = []

    def __call__(self, req):
        if self.faults:
            r = self.faults.pop(0)(req)
            if r is not None:
                return r
        want = "/api/v4/projects/%s/%s" % (
            urllib.parse.quote(self.project, safe=""), self.kind)
        if req.target.split("?")[0] != want:
            return json_reply(404, {"message": "404 Project Not Found"})
        per = min(int(req.q("per_page", "20")), 100)
        rl = [("RateLimit-Limit", "600"), ("RateLimit-Name",
              "throttle_unauthenticated_api"), ("RateLimit-Observed", "3"),
              ("RateLimit-Remaining", "597"),
              ("RateLimit-Reset", str(int(time.time()) + 60))]
        if self.keyset or req.q("pagination") == "keyset":
            start = 0
            tok = req.q("page_token")
            if tok is not None:
                names = [t["name"] for t in self.items]
                start = names.index(tok) + 1
            chunk = self.items[start:start + per]
            hdrs = [("Content-Type", "application/json")] + rl
            if len(chunk) == per:
                u = "%s%s?id=%s&order_by=updated&page_token=%s&" \
                    "pagination=keyset&per_page=%d&sort=desc" % (
                        self.srv.url, want, urllib.parse.quote(
                            self.project, safe=""),
                        urllib.parse.quote(chunk[-1]["name"]), per)
                hdrs.append(("Link", '<%s>; rel="next"' % u))
            return 200, hdrs, jbytes(chunk)
        page = int(req.q("page", "1"))
        chunk = self.items[(page - 1) * per:page * per]
        total = len(self.items)
        if page == 1:
            # Gitaly keyset pager: page 1 always claims a page 2.
            nxt, tpages = "2", total // per + 1
        else:
            tpages = max(1, (total + per - 1) // per)
            nxt = str(page + 1) if page < tpages else ""
        def u(p):
            return "%s%s?id=%s&page=%s&per_page=%d" % (
                self.srv.url, want, urllib.parse.quote(self.project,
                                                       safe=""), p, per)
        links = []
        if nxt:
            links.append('<%s>; rel="next"' % u(nxt))
        links.append('<%s>; rel="first"' % u(1))
        hdrs = [("content-type", "application/json"),
                ("x-next-page", nxt), ("x-page", str(page)),
                ("x-per-page", str(per)),
                ("x-prev-page", str(page - 1) if page > 1 else "")] + rl
        if not self.omit_total:
            hdrs += [("x-total", str(total)), ("x-total-pages", str(tpages))]
            links.append('<%s>; rel="last"' % u(tpages))
        hdrs.append(("link", ", ".join(links)))
        return 200, hdrs, jbytes(chunk)


def gl_tag(name, created="2017-07-26T11:08:53.000+02:00", annotated=True):
    return {"commit": {"id": "2695effb5807a22ff3d138d593fd856244e155e7",
                       "short_id": "2695effb", "title": "Initial commit",
                       "created_at": "2017-07-26T11:08:53.000+02:00",
                       "committed_date": "2012-05-28T04:42:42-07:00"},
            "release": None, "name": name,
            "target": "2695effb5807a22ff3d138d593fd856244e155e7",
            "message": "tag" if annotated else None, "protected": True,
            "created_at": created if annotated else None}


# -- registry imitation -------------------------------------------------------

class Image:
    """A per-arch image: config blob + manifest bytes."""

    def __init__(self, arch, os_="linux", variant=None, docker=False,
                 extra=None):
        cfg = {"architecture": arch, "os": os_,
               "rootfs": {"type": "layers", "diff_ids": [sha(arch.encode())]},
               "config": {}}
        if variant:
            cfg["variant"] = variant
        if extra:
            cfg.update(extra)
        self.config = json.dumps(cfg).encode()
        mt = DOCKER_MANIFEST if docker else OCI_MANIFEST
        self.mediatype = mt
        self.manifest = jbytes({
            "schemaVersion": 2, "mediaType": mt,
            "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                       "digest": sha(self.config), "size": len(self.config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1."
                        "tar+gzip", "digest": sha(b"layer" + arch.encode()),
                        "size": 5}]})
        self.digest = sha(self.manifest)
        self.platform = {"architecture": arch, "os": os_}
        if variant:
            self.platform["variant"] = variant


def index_of(entries, docker=False):
    """An index from Image objects or raw descriptor dicts."""
    mans = []
    for e in entries:
        if isinstance(e, Image):
            mans.append({"mediaType": e.mediatype, "digest": e.digest,
                         "size": len(e.manifest), "platform": e.platform})
        else:
            mans.append(e)
    mt = DOCKER_LIST if docker else OCI_INDEX
    return mt, jbytes({"schemaVersion": 2, "mediaType": mt,
                       "manifests": mans})


class Registry:
    """An OCI distribution imitation.

    repos: {repo: {"tags": {tag: (media_type, bytes)}, "blobs": {d: bytes}}}
    auth: None, or "bearer" (token realm on the same server at /token).
    paging: "none" (all tags, no Link), "dist" (relative Link, honours n),
            "ghcr" (pages of 100 whatever n says, absolute Link).
    """

    def __init__(self, srv, repos, auth="bearer", paging="dist",
                 head_digest=True, ctype_params="", max_n=None,
                 challenge=None, separate_challenges=False,
                 blob_redirect=None, token_reply=None, denied=()):
        self.srv, self.repos, self.auth, self.paging = srv, repos, auth, \
            paging
        self.head_digest, self.ctype_params = head_digest, ctype_params
        self.max_n, self.challenge = max_n, challenge
        self.separate = separate_challenges
        self.blob_redirect = blob_redirect  # Server to send blobs to
        self.token_reply = token_reply
        self.denied = set(denied)           # repos whose token is refused
        self.faults = []
        self.tokens_issued = 0

    def err(self, status, code, msg, *extra):
        return json_reply(status, {"errors": [{"code": code, "message": msg,
                                               "detail": None}]},
                          ("Docker-Distribution-Api-Version", "registry/2.0"),
                          *extra)

    def _challenge(self, repo, error=None):
        realm = self.srv.url + "/token"
        scope = "repository:%s:pull" % repo
        bearer = 'Bearer realm="%s",service="wire.test",scope="%s"' % (
            realm, scope)
        if error:
            bearer += ',error="%s"' % error
        if self.challenge:
            return self.challenge(realm, scope, error)
        if self.separate:
            return [("WWW-Authenticate", 'Basic realm="wire.test"'),
                    ("Www-Authenticate", bearer)]
        return [("Www-Authenticate", bearer)]

    def token(self, req):
        scopes = req.query.get("scope", [])
        for s in scopes:
            parts = s.split(":")
            if len(parts) >= 3 and parts[1] in self.denied:
                return json_reply(403, {"errors": [{
                    "code": "DENIED",
                    "message": "requested access to the resource is denied"
                }]})
        self.tokens_issued += 1
        if self.token_reply:
            return self.token_reply(req)
        return json_reply(200, {"access_token": REG_TOKEN})

    def __call__(self, req):
        if req.path == "/token":
            return self.token(req)
        if req.path.startswith("/blobs-cdn/"):
            return 404, [], b""
        if self.faults:
            r = self.faults.pop(0)(req)
            if r is not None:
                return r
        m = re.match(r"^/v2/(.+)/(tags/list|manifests/[^/]+|blobs/[^/]+)$",
                     req.path)
        if not m:
            return self.err(404, "NOT_FOUND", "not found")
        repo, what = m.group(1), m.group(2)
        if self.auth == "bearer":
            got = req.headers.get("Authorization")
            if got != "Bearer " + REG_TOKEN:
                return self.err(401, "UNAUTHORIZED", "authentication "
                                "required", *self._challenge(repo))
        if repo not in self.repos:
            return self.err(404, "NAME_UNKNOWN", "repository name not "
                            "known to registry")
        data = self.repos[repo]
        if what == "tags/list":
            return self.tags(req, repo, data)
        if what.startswith("blobs/"):
            d = what[6:]
            if d not in data.get("blobs", {}):
                return self.err(404, "BLOB_UNKNOWN", "blob unknown")
            if self.blob_redirect is not None:
                return 307, [("Location", "%s/blobs-cdn/%s?sig=x" % (
                    self.blob_redirect.url, d)), ("Content-Length", "0")], b""
            return 200, [("Content-Type", "application/octet-stream"),
                         ("Docker-Content-Digest", d)], data["blobs"][d]
        ref = what[len("manifests/"):]
        found = data["tags"].get(ref)
        if found is None:
            for mt, body in data["tags"].values():
                if sha(body) == ref:
                    found = (mt, body)
        if found is None:
            for mt, body in data.get("untagged", []):
                if sha(body) == ref:
                    found = (mt, body)
        if found is None:
            if req.method == "HEAD":
                return 404, [("Content-Length", "0")], b""
            return self.err(404, "MANIFEST_UNKNOWN", "manifest unknown",)
        mt, body = found
        hdrs = [("Content-Type", mt + self.ctype_params),
                ("Content-Length", str(len(body)))]
        if self.head_digest or req.method == "GET":
            hdrs.append(("Docker-Content-Digest", sha(body)))
        return 200, hdrs, body

    def tags(self, req, repo, data):
        tags = data.get("tag_list")
        if tags is None:
            tags = sorted(data["tags"])
        if data.get("null_tags"):
            return json_reply(200, {"name": repo, "tags": None})
        n = req.q("n")
        if n is not None and self.max_n is not None and (
                not n.isdigit() or int(n) > self.max_n):
            return self.err(400, "PAGINATION_NUMBER_INVALID", "invalid "
                            "number of results requested")
        if self.paging == "none":
            return json_reply(200, {"name": repo, "tags": tags})
        last = req.q("last")
        if last is not None:
            tags = [t for t in tags if t > last]
        if self.paging == "ghcr":
            per = 100
        else:
            per = int(n) if n is not None else 100
        page, rest = tags[:per], tags[per:]
        hdrs = []
        if rest and page:
            if self.paging == "ghcr":
                link = "%s/v2/%s/tags/list?last=%s&n=%d" % (
                    self.srv.url, repo, urllib.parse.quote(page[-1]), per)
            else:
                link = "/v2/%s/tags/list?last=%s&n=%d" % (
                    repo, urllib.parse.quote(page[-1]), per)
            hdrs.append(("Link", '<%s>; rel="next"' % link))
        return json_reply(200, {"name": repo, "tags": page}, *hdrs)


# -- the tests ----------------------------------------------------------------

ARCHS = ["amd64", "arm64"]


class Base(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        self.env.__exit__(None)

    def server(self, handler=None):
        s = Server(handler)
        self.servers.append(s)
        return s

    def status(self, expect_rc=None, env=None, timeout=60):
        t0 = time.time()
        r = self.env.run("status", "--json", env=env, timeout=timeout)
        self.elapsed = time.time() - t0
        self.last = r
        if expect_rc is not None:
            self.assertEqual(r.returncode, expect_rc,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        try:
            return json.loads(r.stdout)
        except ValueError:
            self.fail("no JSON (exit %d): %r %r" % (r.returncode, r.stdout,
                                                   r.stderr))

    def versions(self, app):
        return [v["version"] for v in app["versions"]]

    def no_secret(self, *secrets):
        for s in secrets:
            self.assertNotIn(s, self.last.stdout)
            self.assertNotIn(s, self.last.stderr)

    def one_line_error(self, app, *parts):
        self.assertIsNotNone(app["error"], app)
        self.assertNotIn("\n", app["error"])
        for p in parts:
            self.assertIn(p.lower(), app["error"].lower())


class EmptyRegistryMixin:
    """An anonymous distribution registry without the app's repository."""

    def empty_registry(self):
        reg = self.server()
        reg.handler = Registry(reg, {}, auth=None)
        return reg


class TestGitHub(Base, EmptyRegistryMixin):
    def config_gh(self, gh_srv, kind="github-releases", **extra):
        reg = self.empty_registry()
        app = {"name": "app", "source": {"type": kind, "repo": "o/r",
                                         "api": gh_srv.url}}
        app.update(extra)
        self.env.write_config(registry=reg.host, apps=[app], archs=ARCHS)

    def test_pages_via_repositories_links(self):
        """Releases over three pages (Link on /repositories/<id>, per_page
        echoed, mixed header case); drafts (name and published_at null) and
        prereleases skipped; dates kept."""
        items = [gh_rel("v2.%d.0" % i, published="2026-02-%02dT08:00:00Z"
                        % (i + 1)) for i in range(25)]
        items[3] = gh_rel("v9.0.0", name=None, draft=True)
        items[7] = gh_rel("v8.0.0-rc.1", prerelease=True, name=None)
        items[11]["name"] = None
        s = self.server()
        s.handler = GitHub(s, "o/r", items, per_page=10)
        self.config_gh(s, max_versions=30)
        st = self.status(expect_rc=0)
        app = app_of(st, "app")
        self.assertIsNone(app["error"])
        vs = self.versions(app)
        self.assertEqual(len(vs), 23)
        self.assertNotIn("9.0.0", vs)
        self.assertNotIn("8.0.0-rc.1", vs)
        self.assertEqual(vs[0], "2.24.0")
        self.assertEqual(app["upstream_latest"], "2.24.0")
        self.assertEqual(version_of(app, "2.24.0")["published_at"],
                         "2026-02-25T08:00:00Z")
        paths = [r.path for r in s.hits()]
        self.assertEqual(paths[0], "/repos/o/r/releases")
        self.assertTrue(all(p == "/repositories/4242/releases"
                            for p in paths[1:]), paths)
        self.assertEqual(len(paths), 3)
        first = s.hits()[0]
        self.assertTrue(first.headers.get("User-Agent"))
        self.assertIn("application/vnd.github+json",
                      first.headers.get("Accept", ""))

    def test_weak_etags_bare_304(self):
        """Second run: If-None-Match sent back exactly (W/ and quotes),
        304s without body or Link still give the full list."""
        items = [gh_rel("v1.%d.0" % i) for i in range(15)]
        s = self.server()
        s.handler = GitHub(s, "o/r", items, per_page=10)
        self.config_gh(s)
        env = {"GITHUB_TOKEN": GH_TOKEN}
        st1 = self.status(expect_rc=0, env=env)
        first = self.versions(app_of(st1, "app"))
        n1 = len(s.hits())
        st2 = self.status(expect_rc=0, env=env)
        self.assertEqual(self.versions(app_of(st2, "app")), first)
        again = s.hits()[n1:]
        self.assertEqual([r.status for r in again], [304, 304], again)
        for r in again:
            self.assertTrue(r.headers.get("If-None-Match", "").startswith(
                'W/"'), r.headers.get("If-None-Match"))
            self.assertEqual(r.headers.get("Authorization"),
                             "Bearer " + GH_TOKEN)
        self.no_secret(GH_TOKEN)

    def test_tags_without_dates(self):
        """github-tags: no dates, reverse-name order; SemVer decides."""
        names = ["v1.9.0", "v1.10.0", "v1.2.0", "latest", "v1.10.0-beta.2"]
        items = [{"name": n, "zipball_url": "z", "tarball_url": "t",
                  "commit": {"sha": "6b19a8", "url": "u"}, "node_id": "x"}
                 for n in sorted(names, reverse=True)]
        s = self.server()
        s.handler = GitHub(s, "o/r", items, kind="tags")
        self.config_gh(s, kind="github-tags",
                       include=r"^v([0-9]+\.[0-9]+\.[0-9]+)$")
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(self.versions(app), ["1.10.0", "1.9.0", "1.2.0"])
        self.assertIsNone(version_of(app, "1.10.0")["published_at"])

    def test_secondary_limit_with_remaining(self):
        """403 secondary limit with x-ratelimit-remaining > 0: reported as
        a rate limit, quickly, not as a permission problem."""
        s = self.server()
        gh = GitHub(s, "o/r", [gh_rel("v1.0.0")])
        s.handler = gh

        def secondary(req):
            return json_reply(403, {
                "message": "You have exceeded a secondary rate limit. "
                "Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/free-pro-team@"
                "latest/rest/overview/resources-in-the-rest-api"
                "#secondary-rate-limits"},
                ("X-RateLimit-Limit", "5000"),
                ("X-RateLimit-Remaining", "14"),
                ("X-RateLimit-Reset", str(int(time.time()) + 3000)))
        gh.faults = [secondary] * 5
        self.config_gh(s)
        app = app_of(self.status(expect_rc=1), "app")
        self.one_line_error(app, "rate limit")
        self.assertLess(self.elapsed, 20)

    def test_429_retry_after_then_ok(self):
        s = self.server()
        gh = GitHub(s, "o/r", [gh_rel("v1.0.0"), gh_rel("v1.1.0")])
        s.handler = gh
        gh.faults = [lambda r: json_reply(
            429, {"message": "You have exceeded a secondary rate limit."},
            ("retry-after", "1"))]
        self.config_gh(s)
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(self.versions(app), ["1.1.0", "1.0.0"])

    def test_primary_limit(self):
        s = self.server()
        gh = GitHub(s, "o/r", [gh_rel("v1.0.0")])
        s.handler = gh
        gh.faults = [lambda r: json_reply(
            403, {"message": "API rate limit exceeded for 203.0.113.7. "
                  "(But here's the good news: Authenticated requests get a "
                  "higher rate limit.)", "documentation_url": "https://docs."
                  "github.com/rest/overview/resources-in-the-rest-api"
                  "#rate-limiting"},
            ("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", str(int(time.time()) + 1200)))]
        self.config_gh(s)
        app = app_of(self.status(expect_rc=1), "app")
        self.one_line_error(app, "rate limited")

    def test_renamed_repository_redirect(self):
        """A renamed repository answers 301 to /repositories/<id>/...;
        the list is still read."""
        s = self.server()
        gh = GitHub(s, "o/r", [gh_rel("v3.0.0"), gh_rel("v3.1.0")])

        def h(req):
            if req.path == "/repos/old/name/releases":
                return 301, [("Location", "%s/repositories/4242/releases?"
                              "per_page=100&page=1" % s.url),
                             ("Content-Type", "application/json")], \
                    jbytes({"message": "Moved Permanently", "url": "x"})
            return gh(req)
        s.handler = h
        reg = self.empty_registry()
        self.env.write_config(registry=reg.host, archs=ARCHS, apps=[
            {"name": "app", "source": {"type": "github-releases",
                                       "repo": "old/name", "api": s.url}}])
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(self.versions(app), ["3.1.0", "3.0.0"])

    def test_redirect_to_other_host_keeps_token(self):
        """A redirect to another host never carries the token."""
        other = self.server()
        other.handler = GitHub(other, "o/r", [gh_rel("v1.0.0")])
        s = self.server(lambda req: (302, [("Location", other.url +
                                            req.target)], b""))
        self.config_gh(s)
        self.status(env={"GITHUB_TOKEN": GH_TOKEN})
        for r in other.hits():
            self.assertIsNone(r.headers.get("Authorization"))
            self.assertNotIn(GH_TOKEN, str(r.headers))
        self.no_secret(GH_TOKEN)

    def test_not_found(self):
        s = self.server()
        s.handler = GitHub(s, "o/other", [])
        self.config_gh(s)
        app = app_of(self.status(expect_rc=1), "app")
        self.one_line_error(app, "404")


class TestGitLab(Base, EmptyRegistryMixin):
    PROJECT = "framasoft/framateam/mostlymatter"

    def config_gl(self, srv, kind="gitlab-tags", **extra):
        reg = self.empty_registry()
        app = {"name": "mm", "source": {"type": kind, "project": self.PROJECT,
                                        "base_url": srv.url}}
        app.update(extra)
        self.env.write_config(registry=reg.host, apps=[app], archs=ARCHS)

    def test_page_one_quirk_exact_multiple(self):
        """100 tags with per_page 100: page 1 claims a page 2 (which is
        empty); no error, every tag seen, no endless walk."""
        tags = [gl_tag("v11.%d.%d-limitless" % (i // 10, i % 10))
                for i in range(100)]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, tags)
        self.config_gl(s, include=r"^v([0-9]+\.[0-9]+\.[0-9]+)-limitless$",
                       max_versions=3)
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(self.versions(app), ["11.9.9", "11.9.8", "11.9.7"])
        self.assertLessEqual(len(s.hits()), 2)
        self.assertTrue(s.hits()[0].target.startswith(
            "/api/v4/projects/framasoft%2Fframateam%2Fmostlymatter/"))

    def test_page_one_quirk_without_total(self):
        """The same without X-Total (large projects): the empty page ends
        the walk."""
        tags = [gl_tag("v1.%d.0" % i) for i in range(100)]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, tags, omit_total=True)
        self.config_gl(s, max_versions=2)
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(self.versions(app), ["1.99.0", "1.98.0"])
        self.assertLessEqual(len(s.hits()), 2)

    def test_offset_pages(self):
        """250 tags over three offset pages; x-next-page empty at the end."""
        tags = [gl_tag("v2.%d.0" % i) for i in range(250)]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, tags)
        self.config_gl(s, max_versions=1)
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(self.versions(app), ["2.249.0"])
        self.assertEqual(len(s.hits()), 3)

    def test_keyset_link_only(self):
        """Keyset paging: only a Link with page_token, no X-* headers."""
        tags = [gl_tag("v3.%d.0" % i, annotated=i % 2 == 0)
                for i in range(230)]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, tags, keyset=True)
        self.config_gl(s, max_versions=500)
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(len(app["versions"]), 230)
        self.assertEqual(len(s.hits()), 3)
        # Lightweight tags fall back to the commit date.
        self.assertTrue(version_of(app, "3.1.0")["published_at"])

    def test_offsets_in_timestamps(self):
        tags = [gl_tag("v1.0.0", created="2026-03-01T23:30:00.000-07:00")]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, tags)
        self.config_gl(s)
        v = version_of(app_of(self.status(expect_rc=0), "mm"), "1.0.0")
        self.assertTrue(v["published_at"])
        self.assertTrue(v["published_at"].startswith("2026-03-0"))

    def test_plain_text_429_then_ok(self):
        tags = [gl_tag("v1.0.0"), gl_tag("v1.1.0")]
        s = self.server()
        gl = GitLab(s, self.PROJECT, tags)
        s.handler = gl
        gl.faults = [lambda r: (429, [
            ("Content-Type", "text/plain"), ("Retry-After", "1"),
            ("RateLimit-Limit", "600"), ("RateLimit-Observed", "601"),
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", str(int(time.time()) + 1)),
            ("RateLimit-ResetTime", "Tue, 05 Jan 2021 11:00:00 GMT")],
            b"Retry later\n")]
        self.config_gl(s)
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(self.versions(app), ["1.1.0", "1.0.0"])

    def test_plain_text_429_persistent(self):
        s = self.server()
        gl = GitLab(s, self.PROJECT, [])
        s.handler = gl
        gl.faults = [lambda r: (429, [
            ("Content-Type", "text/plain"), ("Retry-After", "3600"),
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", str(int(time.time()) + 3600))],
            b"Retry later\n")] * 5
        self.config_gl(s)
        app = app_of(self.status(expect_rc=1), "mm")
        self.one_line_error(app, "rate limited")
        self.assertLess(self.elapsed, 20)

    def test_releases_endpoint(self):
        rels = [{"tag_name": "v1.2.0", "name": "One two", "description": "",
                 "created_at": "2026-01-02T10:00:00.000+01:00",
                 "released_at": "2026-01-03T10:00:00.000+01:00",
                 "upcoming_release": False, "author": {}, "commit": {},
                 "milestones": [], "assets": {"count": 0, "sources": [],
                                               "links": []}},
                {"tag_name": "v1.3.0", "name": None, "description": "",
                 "created_at": "2026-01-02T10:00:00.000+01:00",
                 "released_at": "2099-01-01T00:00:00.000Z",
                 "upcoming_release": True}]
        s = self.server()
        s.handler = GitLab(s, self.PROJECT, rels, kind="releases")
        self.config_gl(s, kind="gitlab-releases")
        app = app_of(self.status(expect_rc=0), "mm")
        self.assertEqual(self.versions(app), ["1.2.0"])

    def test_project_not_found(self):
        s = self.server()
        s.handler = GitLab(s, "other/project", [])
        self.config_gl(s)
        app = app_of(self.status(expect_rc=1), "mm")
        self.one_line_error(app, "404")


class RegistryBase(Base):
    """One GitHub upstream with releases v1.0.0, v1.1.0, v2.0.0."""

    RELEASES = ["v1.0.0", "v1.1.0", "v2.0.0"]

    def setUp(self):
        super().setUp()
        self.gh = self.server()
        self.gh.handler = GitHub(self.gh, "o/r",
                                 [gh_rel(t) for t in self.RELEASES])
        self.amd = Image("amd64")
        self.arm = Image("arm64", variant="v8")

    def app(self, name, **extra):
        a = {"name": name, "source": {"type": "github-releases",
                                      "repo": "o/r", "api": self.gh.url}}
        a.update(extra)
        return a

    def repo(self, tags, images=()):
        blobs = {}
        untagged = []
        for im in images:
            blobs[sha(im.config)] = im.config
            untagged.append((im.mediatype, im.manifest))
        return {"tags": dict(tags), "blobs": blobs, "untagged": untagged}

    def multi(self, extra=()):
        mt, body = index_of([self.amd, self.arm] + list(extra))
        return mt, body

    def write(self, reg, apps, archs=ARCHS, **top):
        self.env.write_config(registry=reg.host, apps=apps, archs=archs,
                              **top)


class TestRegistryAuthAndPaging(RegistryBase):
    def test_bearer_flow_ghcr_paging(self):
        """Bearer challenge (one header with Basic and Bearer), a token
        answer with only access_token and no expires_in, GHCR-style pages of
        100 tags with absolute Links; index with an attestation, an entry
        of unknown media type and a Content-Type with parameters."""
        mt, body = self.multi([
            {"mediaType": OCI_MANIFEST, "digest": sha(b"att"), "size": 3,
             "annotations": {"vnd.docker.reference.type":
                             "attestation-manifest",
                             "vnd.docker.reference.digest": self.amd.digest},
             "platform": {"architecture": "unknown", "os": "unknown"}},
            {"mediaType": "application/vnd.example.future+json",
             "digest": sha(b"future"), "size": 6,
             "platform": {"architecture": "ppc64le", "os": "linux"}},
            {"mediaType": OCI_INDEX, "digest": sha(b"nested"), "size": 6},
            {"mediaType": OCI_MANIFEST, "digest": sha(b"noplat"), "size": 6},
        ])
        tags = {"2.0.0": (mt, body), "latest": (mt, body)}
        for i in range(250):
            tags["sha256-%064x.sig" % i] = (OCI_MANIFEST, self.amd.manifest)
        reg = self.server()
        reg.handler = Registry(reg, {"test/mirror/app": self.repo(
            tags, [self.amd, self.arm])}, paging="ghcr",
            ctype_params="; charset=utf-8",
            challenge=lambda realm, scope, err: [(
                "www-authenticate", 'Basic realm="%s", Bearer realm="%s",'
                'service="ghcr.io",scope="%s"' % (realm, realm, scope))])
        self.write(reg, [self.app("app")], archs=["amd64", "arm64",
                                                  "ppc64le"])
        app = app_of(self.status(expect_rc=0), "app")
        self.assertIsNone(app["error"])
        v = version_of(app, "2.0.0")
        self.assertEqual(v["archs"], {"amd64": "present", "arm64": "present",
                                      "ppc64le": "missing"})
        self.assertEqual(v["digest"], sha(body))
        self.assertEqual(app["registry_latest"], "2.0.0")
        self.assertFalse(app["latest_drift"])
        self.assertEqual(version_of(app, "1.0.0")["state"], "missing")
        lists = reg.hits(lambda r: r.path.endswith("/tags/list") and
                         r.status == 200)
        self.assertEqual(len(lists), 3)
        self.no_secret(REG_TOKEN)

    def test_relative_links_and_separate_challenge_headers(self):
        """distribution-style relative Link paging; the challenge comes as
        two WWW-Authenticate lines, Basic first (no credentials here)."""
        mt, body = self.multi()
        tags = {"1.1.0": (mt, body)}
        for i in range(30):
            tags["build-%03d" % i] = (mt, body)
        reg = self.server()
        reg.handler = Registry(reg, {"test/mirror/app": self.repo(tags)},
                               paging="dist", separate_challenges=True)
        self.write(reg, [self.app("app")])
        self.env.run("config", "check")
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(version_of(app, "1.1.0")["state"], "complete")
        self.assertEqual(version_of(app, "2.0.0")["state"], "missing")

    def test_small_page_limit(self):
        """A registry whose largest n is 100 answers 400
        PAGINATION_NUMBER_INVALID to a bigger n: still listed."""
        mt, body = self.multi()
        tags = {"1.0.0": (mt, body)}
        for i in range(120):
            tags["z-%03d" % i] = (mt, body)
        reg = self.server()
        reg.handler = Registry(reg, {"test/mirror/app": self.repo(tags)},
                               paging="dist", max_n=100, auth=None)
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=0), "app")
        self.assertIsNone(app["error"])
        self.assertEqual(version_of(app, "1.0.0")["state"], "complete")

    def test_tags_null_and_missing_repo(self):
        reg = self.server()
        reg.handler = Registry(reg, {"test/mirror/a": {"tags": {},
                                                       "null_tags": True}})
        self.write(reg, [self.app("a"), self.app("b")])
        st = self.status(expect_rc=0)
        for name in ("a", "b"):
            app = app_of(st, name)
            self.assertIsNone(app["error"])
            self.assertEqual([v["state"] for v in app["versions"]],
                             ["missing"] * 3)

    def test_token_denied_private_or_missing(self):
        """GHCR refuses the anonymous token for a private or missing
        package: that app says so in one line, the other app is fine."""
        mt, body = self.multi()
        reg = self.server()
        reg.handler = Registry(reg, {
            "test/mirror/ok": self.repo({"2.0.0": (mt, body)})},
            denied=["test/mirror/hidden"])
        self.write(reg, [self.app("ok"), self.app("hidden")])
        st = self.status(expect_rc=1)
        self.assertIsNone(app_of(st, "ok")["error"])
        self.assertEqual(version_of(app_of(st, "ok"), "2.0.0")["state"],
                         "complete")
        self.one_line_error(app_of(st, "hidden"), "not found or not visible")

    def test_token_401_with_credentials(self):
        reg = self.server()
        r = Registry(reg, {"test/mirror/app": self.repo({})})
        r.token_reply = lambda req: json_reply(401, {"errors": [{
            "code": "UNAUTHORIZED", "message": "authentication required"}]})
        reg.handler = r
        self.env.write_docker_auth(reg.host, "bob", "s3cretPassw0rd")
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=1), "app")
        self.one_line_error(app, "denied")
        self.no_secret("s3cretPassw0rd", base64.b64encode(
            b"bob:s3cretPassw0rd").decode())

    def test_insufficient_scope_first_challenge(self):
        """Some registries put error="insufficient_scope" in the very first
        challenge, before any token was sent: authenticate anyway."""
        mt, body = self.multi()
        reg = self.server()
        r = Registry(reg, {"test/mirror/app": self.repo({"2.0.0": (mt,
                                                                   body)})})
        r.challenge = lambda realm, scope, err: [(
            "WWW-Authenticate", 'Bearer realm="%s",service="s",scope="%s",'
            'error="insufficient_scope"' % (realm, scope))]
        reg.handler = r
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "complete")

    def test_token_fields_and_expiry(self):
        """token + access_token + expires_in + issued_at; a token answer
        with a short lifetime is simply fetched again."""
        mt, body = self.multi()
        reg = self.server()
        r = Registry(reg, {"test/mirror/app": self.repo({"2.0.0": (mt,
                                                                   body)})})
        r.token_reply = lambda req: json_reply(200, {
            "token": REG_TOKEN, "access_token": REG_TOKEN,
            "expires_in": 300, "issued_at": "2026-01-01T00:00:00.1234Z"})
        reg.handler = r
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "complete")
        self.assertEqual(r.tokens_issued, 1)


class TestCredentialHelper(RegistryBase):
    HELPER = """#!/bin/sh
read server
# A process the helper starts keeps the pipe open for a while.
( sleep 6 ) &
if [ "$server" = "%s" ]; then
  printf '{"ServerURL":"%%s","Username":"helperuser","Secret":"%s"}' "$server"
  exit 0
fi
echo "credentials not found in native keychain"
exit 1
"""
    SECRET = "helperSecret-0123456789"

    def helper_env(self, host):
        bindir = os.path.join(self.env.dir, "bin")
        os.makedirs(bindir, exist_ok=True)
        path = os.path.join(bindir, "docker-credential-wiretest")
        with open(path, "w") as f:
            f.write(self.HELPER % (host, self.SECRET))
        os.chmod(path, 0o755)
        return {"PATH": bindir + os.pathsep + os.environ.get("PATH", "")}

    def test_helper_credentials_used_quickly(self):
        """credHelpers: the helper's answer is used for the token request
        at once, even though a process it started holds its stdout."""
        mt, body = self.multi()
        reg = self.server()
        r = Registry(reg, {"test/mirror/app": self.repo({"2.0.0": (mt,
                                                                   body)})})
        want = "Basic " + base64.b64encode(
            ("helperuser:" + self.SECRET).encode()).decode()
        r.token_reply = lambda req: (
            json_reply(200, {"token": REG_TOKEN})
            if req.headers.get("Authorization") == want else
            json_reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                         "message": "bad credentials"}]}))
        reg.handler = r
        with open(os.path.join(self.env.docker, "config.json"), "w") as f:
            json.dump({"auths": {}, "credHelpers": {reg.host: "wiretest"}},
                      f)
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=0, env=self.helper_env(
            reg.host)), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "complete")
        self.assertLess(self.elapsed, 5)
        self.no_secret(self.SECRET, want[6:])

    def test_helper_not_found_is_anonymous(self):
        mt, body = self.multi()
        reg = self.server()
        reg.handler = Registry(reg, {"test/mirror/app": self.repo(
            {"2.0.0": (mt, body)})})
        with open(os.path.join(self.env.docker, "config.json"), "w") as f:
            json.dump({"credsStore": "wiretest"}, f)
        self.write(reg, [self.app("app")])
        app = app_of(self.status(expect_rc=0, env=self.helper_env(
            "other.example")), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "complete")
        self.assertLess(self.elapsed, 5)


class TestRegistryManifests(RegistryBase):
    def make(self, tags, images=(), **kw):
        reg = self.server()
        kw.setdefault("auth", None)
        reg.handler = Registry(reg, {"test/mirror/app": self.repo(
            tags, images)}, **kw)
        self.reg = reg
        self.write(reg, [self.app("app")])
        return reg

    def test_head_without_digest(self):
        """HEAD answers without Docker-Content-Digest: `latest` is still
        matched to its version."""
        mt, body = self.multi()
        self.make({"2.0.0": (mt, body), "latest": (mt, body)},
                  head_digest=False)
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(app["registry_latest"], "2.0.0")
        self.assertFalse(app["latest_drift"])

    def test_config_blob_redirect_other_host(self):
        """Single-arch image: its config blob is behind a 307 to another
        host, which must not receive the registry token."""
        cdn = self.server()
        blobs = {sha(self.arm.config): self.arm.config}

        def serve(req):
            d = req.path.rsplit("/", 1)[-1]
            if d in blobs:
                return 200, [("Content-Type", "application/octet-stream")], \
                    blobs[d]
            return 404, [], b""
        cdn.handler = serve
        reg = self.make({"2.0.0": (self.arm.mediatype, self.arm.manifest)},
                        [self.arm], auth="bearer", blob_redirect=cdn)
        app = app_of(self.status(expect_rc=0), "app")
        v = version_of(app, "2.0.0")
        self.assertEqual(v["archs"], {"amd64": "missing", "arm64": "present"})
        self.assertTrue(cdn.hits())
        for r in cdn.hits():
            self.assertIsNone(r.headers.get("Authorization"))

    def test_variants_and_aliases(self):
        """Docker list with arm64/v8, amd64/v3 and a windows amd64 entry
        listed first."""
        win = Image("amd64", os_="windows", docker=True)
        a3 = Image("amd64", variant="v3", docker=True)
        arm = Image("arm64", variant="v8", docker=True)
        mt, body = index_of([win, a3, arm], docker=True)
        self.make({"2.0.0": (mt, body)})
        v = version_of(app_of(self.status(expect_rc=0), "app"), "2.0.0")
        self.assertEqual(v["state"], "complete")

    def test_toomanyrequests_then_ok(self):
        mt, body = self.multi()
        reg = self.make({"2.0.0": (mt, body)})
        reg.handler.faults = [lambda r: (r.path.endswith("/2.0.0") or None) and
                              json_reply(429, {"errors": [{
                                  "code": "TOOMANYREQUESTS", "message":
                                  "You have reached your pull rate limit."}]},
                                  ("Retry-After", "1"))]
        v = version_of(app_of(self.status(expect_rc=0), "app"), "2.0.0")
        self.assertEqual(v["state"], "complete")

    def test_toomanyrequests_long(self):
        mt, body = self.multi()
        reg = self.make({"2.0.0": (mt, body)})
        reg.handler.faults = [lambda r: (429, [
            ("Content-Type", "application/json"), ("Retry-After", "3600")],
            b'{"errors":[{"code":"TOOMANYREQUESTS","message":"toomanyrequests'
            b': retry-after: 1.16676ms, allowed: 44000/minute"}]}')] * 10
        app = app_of(self.status(expect_rc=1), "app")
        self.one_line_error(app, "429")
        self.assertLess(self.elapsed, 30)

    def test_5xx_then_ok(self):
        mt, body = self.multi()
        reg = self.make({"2.0.0": (mt, body)})
        reg.handler.faults = [lambda r: (502, [("Content-Type",
                                                "text/html")],
                                         b"<html>Bad Gateway</html>"),
                              lambda r: (503, [], b"")]
        v = version_of(app_of(self.status(expect_rc=0), "app"), "2.0.0")
        self.assertEqual(v["state"], "complete")

    def test_schema1_answer(self):
        """A tag that only exists as schema 1: one-line error for the app,
        the other versions still right."""
        s1 = jbytes({"schemaVersion": 1, "name": "test/mirror/app",
                     "tag": "1.0.0", "architecture": "amd64",
                     "fsLayers": [], "history": [], "signatures": []})
        mt, body = self.multi()
        self.make({"1.0.0": (SCHEMA1, s1), "2.0.0": (mt, body)})
        app = app_of(self.status(), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "complete")
        if app["error"] is not None:
            self.one_line_error(app, "schema 1")

    def test_404_empty_body_manifest(self):
        """The tag list says 2.0.0 exists but the manifest answers 404 with
        no body (deleted meanwhile): missing, not an error."""
        self.make({})
        self.reg.handler.repos["test/mirror/app"]["tag_list"] = ["2.0.0"]
        app = app_of(self.status(expect_rc=0), "app")
        self.assertEqual(version_of(app, "2.0.0")["state"], "missing")

    def test_staged_tags(self):
        """Per-arch staging tags without the index: staged."""
        self.make({"1.1.0-amd64": (self.amd.mediatype, self.amd.manifest),
                   "1.1.0-arm64": (self.arm.mediatype, self.arm.manifest)},
                  [self.amd, self.arm])
        v = version_of(app_of(self.status(expect_rc=0), "app"), "1.1.0")
        self.assertEqual(v["state"], "staged")


if __name__ == "__main__":
    import taprun
    taprun.main()
