"""A loopback imitation of the upstream services mirrortop talks to:

- the GitHub REST API (releases, tags, rate limits, ETags) under /github,
- the GitHub Actions REST API (workflow dispatch, runs, jobs) under /github,
- the GitLab REST API v4 (tags, releases) under /gitlab.

It follows the documented behaviour of the real services, quirks included
(GitLab's tags page 1 always claiming a page 2, empty X-Next-Page on the last
page, per-token GitHub ETags, rate-limit headers on 304s, header names in
both lowercase and Title-Case, Link URLs rewritten to /repositories/<id>).

    from upstream import Upstream, gh_release, gl_tag
    u = Upstream({"github": {"o/r": {"releases": [gh_release("v1.0.0")]}},
                  "gitlab": {"group/sub/proj": {"tags": [gl_tag("v1.0.0")]}}})
    u.start()
    api = u.url + "/github"          # GitHub API base
    base = u.url + "/gitlab"         # GitLab base_url
    u.faults["/github/repos/o/r/releases"] = ["503", ("429", 120)]
    ...
    u.stop()

Data may be changed while the server runs (hold u.lock when mutating from
another thread if requests are in flight).

Fault kinds (u.faults[path_prefix] is a list consumed in order; an entry is
a string "kind", "kind:arg", a tuple (kind, arg) or an int status):
  500 502 503 504       HTML error page with that status
  429[:N]               429 with Retry-After: N (default 1), JSON body
  403-primary[:T]       primary rate limit, x-ratelimit-remaining 0, reset in
                        T seconds (or at epoch T when T > 10^9; default 1800)
  429-primary[:T]       the same with status 429
  403-secondary[:N]     secondary limit, remaining > 0, Retry-After N if given
  429-secondary[:N]     secondary limit as 429, Retry-After N (default 60)
  gitlab-429[:N]        GitLab plain-text "Retry later", Retry-After N (60)
                        and RateLimit-* headers
  malformed             200 with broken JSON
  truncated             200, JSON cut in the middle (honest Content-Length)
  short                 Content-Length larger than the body, then close
  oversized[:MiB]       200 with a valid JSON array of MiB mebibytes (20)
  slow[:S]              sleep S seconds (default 5), then answer normally
  html-404              404 with an HTML page
  404                   404 JSON "Not Found"
  object                200 with a JSON object where an array is expected
  empty                 200 with an empty body
  wrong-types           200 with an array whose elements have wrong types
  close                 close the connection without any response
  401                   401 Bad credentials / 401 Unauthorized

Standalone: python3 upstream.py [DATA.json] prints "URL" on stdout and
serves until SIGTERM/SIGINT (the demo world uses it).
"""
import datetime
import hashlib
import http.server
import json
import re
import socket
import sys
import threading
import time
import urllib.parse

__all__ = ["Upstream", "Request", "gh_release", "gh_tag", "gl_tag",
           "gl_release", "gh_releases", "gl_tags", "iso_z", "iso_gitlab"]

GH_DOC = "https://docs.github.com/rest"
GH_RATE_DOC = ("https://docs.github.com/rest/overview/"
               "resources-in-the-rest-api#rate-limiting")
GH_SECONDARY_DOC = ("https://docs.github.com/free-pro-team@latest/rest/"
                    "overview/resources-in-the-rest-api#secondary-rate-limits")
GH_API_VERSIONS = ("2022-11-28", "2026-03-10")
HTML_ERROR = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-type" content="text/html; charset=utf-8">
    <title>{title} &middot; GitHub</title>
    <style type="text/css" media="screen">
      body {{ background-color: #f1f1f1; margin: 0; font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; }}
    </style>
  </head>
  <body>
    <div class="container">
      <h1>{title}</h1>
      <p><strong>We couldn't respond to your request in time.</strong></p>
      <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>
    </div>
  </body>
</html>
"""
REASONS = {500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout",
           404: "Not Found"}


# ---------------------------------------------------------------------------
# Object helpers


def iso_z(t=None):
    """GitHub timestamp: UTC, 'Z', no fractional seconds."""
    if t is None:
        t = time.time()
    if isinstance(t, str):
        return t
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_gitlab(t=None, offset_hours=2):
    """GitLab timestamp: milliseconds and a numeric UTC offset."""
    if t is None:
        t = time.time()
    if isinstance(t, str):
        return t
    tz = datetime.timezone(datetime.timedelta(hours=offset_hours))
    d = datetime.datetime.fromtimestamp(float(t), tz)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (d.microsecond // 1000) \
        + d.strftime("%z")[:3] + ":" + d.strftime("%z")[3:]


_ids = iter(range(100000001, 10 ** 12))
_id_lock = threading.Lock()


def _next_id():
    with _id_lock:
        return next(_ids)


def _sha(s):
    return hashlib.sha1(s.encode()).hexdigest()


def gh_release(tag, published_at=None, prerelease=False, draft=False,
               name=..., repo="octocat/Hello-World", created_at=None,
               body=None, id=None):
    """A release object shaped like GET /repos/{o}/{r}/releases returns.
    name defaults to the tag; pass None for a release without a title.
    Drafts have published_at null unless given."""
    rid = id if id is not None else _next_id()
    api = "https://api.github.com/repos/" + repo
    if published_at is None and not draft:
        published_at = iso_z()
    elif draft:
        published_at = None if published_at is None else iso_z(published_at)
    else:
        published_at = iso_z(published_at)
    created = iso_z(created_at) if created_at is not None else \
        (published_at or iso_z())
    return {
        "url": "%s/releases/%d" % (api, rid),
        "assets_url": "%s/releases/%d/assets" % (api, rid),
        "upload_url": "https://uploads.github.com/repos/%s/releases/%d/"
                      "assets{?name,label}" % (repo, rid),
        "html_url": "https://github.com/%s/releases/tag/%s" % (repo, tag),
        "id": rid,
        "author": {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
                   "type": "User", "site_admin": False},
        "node_id": "RE_kwDO%08d" % (rid % 10 ** 8),
        "tag_name": tag,
        "target_commitish": "main",
        "name": tag if name is ... else name,
        "draft": bool(draft),
        "immutable": False,
        "prerelease": bool(prerelease),
        "created_at": created,
        "updated_at": published_at or created,
        "published_at": published_at,
        "assets": [],
        "tarball_url": "%s/tarball/%s" % (api, tag),
        "zipball_url": "%s/zipball/%s" % (api, tag),
        "body": body if body is not None else
        "## What's Changed\n* Release %s\r\n" % tag,
    }


def gh_tag(name, sha=None, repo="octocat/Hello-World"):
    """A tag object shaped like GET /repos/{o}/{r}/tags returns (no date)."""
    sha = sha or _sha("tag:" + name)
    api = "https://api.github.com/repos/" + repo
    return {
        "name": name,
        "zipball_url": "%s/zipball/refs/tags/%s" % (api, name),
        "tarball_url": "%s/tarball/refs/tags/%s" % (api, name),
        "commit": {"sha": sha, "url": "%s/commits/%s" % (api, sha)},
        "node_id": "MDM6UmVmMT%s" % sha[:12],
    }


def gl_tag(name, created_at=..., message=None, release=None,
           protected=False, annotated=None):
    """A tag object shaped like GET /projects/:id/repository/tags returns.
    created_at defaults to now with an offset and milliseconds; pass None
    for a lightweight tag (or an instance older than 16.11)."""
    if created_at is ...:
        created_at = iso_gitlab()
    elif created_at is not None:
        created_at = iso_gitlab(created_at)
    commit_id = _sha("commit:" + name)
    if annotated is None:
        annotated = created_at is not None
    cdate = created_at or "2012-05-28T04:42:42.000-07:00"
    return {
        "commit": {
            "id": commit_id, "short_id": commit_id[:8],
            "created_at": cdate, "parent_ids": [_sha("parent:" + name)],
            "title": "Release " + name, "message": "Release " + name + "\n",
            "author_name": "John Smith", "author_email": "john@example.com",
            "authored_date": cdate, "committer_name": "Jack Smith",
            "committer_email": "jack@example.com", "committed_date": cdate,
            "trailers": {}, "extended_trailers": {},
            "web_url": "https://gitlab.example.com/-/commit/" + commit_id,
        },
        "release": release,
        "name": name,
        "target": _sha("tagobj:" + name) if annotated else commit_id,
        "message": message if message is not None else
        ("Release " + name if annotated else None),
        "protected": bool(protected),
        "created_at": created_at if annotated else None,
    }


def gl_release(tag, released_at=None, name=..., created_at=None,
               upcoming=False, project="group/project"):
    """A release object shaped like GET /projects/:id/releases returns."""
    released = iso_gitlab(released_at)
    created = iso_gitlab(created_at) if created_at is not None else released
    cid = _sha("commit:" + tag)
    web = "https://gitlab.example.com/" + project
    return {
        "name": ("Release " + tag) if name is ... else name,
        "tag_name": tag,
        "description": "Changes in " + tag,
        "created_at": created,
        "released_at": released,
        "upcoming_release": bool(upcoming),
        "author": {"id": 1, "username": "root", "name": "Administrator",
                   "state": "active", "locked": False,
                   "web_url": "https://gitlab.example.com/root"},
        "commit": {"id": cid, "short_id": cid[:8], "title": "Release " + tag,
                   "created_at": created, "parent_ids": [],
                   "message": "Release " + tag, "author_name": "Administrator",
                   "author_email": "admin@example.com",
                   "authored_date": created, "committer_name": "Administrator",
                   "committer_email": "admin@example.com",
                   "committed_date": created},
        "commit_path": "/%s/-/commit/%s" % (project, cid),
        "tag_path": "/%s/-/tags/%s" % (project, tag),
        "assets": {"count": 4, "sources": [
            {"format": f, "url": "%s/-/archive/%s/%s.%s" % (web, tag, tag, f)}
            for f in ("zip", "tar.gz", "tar.bz2", "tar")], "links": []},
        "evidences": [],
        "_links": {"self": "%s/-/releases/%s" % (web, tag)},
    }


def gh_releases(n, repo="octocat/Hello-World", start=(1, 0, 0), every=5,
                t0=1700000000):
    """n releases newest first: v1.0.0, v1.0.1, ... (minor bump every
    `every`), one day apart."""
    out = []
    major, minor, patch = start
    for i in range(n):
        out.append(gh_release("v%d.%d.%d" % (major, minor, patch),
                              published_at=t0 + i * 86400, repo=repo))
        patch += 1
        if patch >= every:
            patch, minor = 0, minor + 1
    out.reverse()
    return out


def gl_tags(n, fmt="v{major}.{minor}.{patch}", start=(1, 0, 0), every=5,
            t0=1700000000):
    """n GitLab tags newest first."""
    out = []
    major, minor, patch = start
    for i in range(n):
        out.append(gl_tag(fmt.format(major=major, minor=minor, patch=patch),
                          created_at=t0 + i * 3600))
        patch += 1
        if patch >= every:
            patch, minor = 0, minor + 1
    out.reverse()
    return out


# ---------------------------------------------------------------------------
# The server


class Request(tuple):
    """(method, path, headers, body); also .status, .query, .bare_path, and
    .started / .answered (time.monotonic() of its arrival and of its answer,
    None until answered) to tell concurrent requests from sequential ones."""

    def __new__(cls, method, path, headers, body):
        return tuple.__new__(cls, (method, path, headers, body))

    def __init__(self, method, path, headers, body):
        super().__init__()
        self.started = time.monotonic()
        self.answered = None
        self.status = None
        self.bare_path = path.split("?", 1)[0]
        self.query = dict(urllib.parse.parse_qsl(
            path.split("?", 1)[1] if "?" in path else ""))

    method = property(lambda self: self[0])
    path = property(lambda self: self[1])
    headers = property(lambda self: self[2])
    body = property(lambda self: self[3])

    def __repr__(self):
        return "Request(%s %s -> %s)" % (self[0], self[1], self.status)


class _Reply(Exception):
    def __init__(self, status, body=b"", headers=None, ctype=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or []
        self.ctype = ctype


def _json_bytes(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def _int(s, default):
    try:
        v = int(s)
    except (TypeError, ValueError):
        return default
    return v


class Upstream:
    """GitHub + GitHub Actions + GitLab imitation on 127.0.0.1:0.

    Options:
      header_case       "mixed" (default: alternates per response),
                        "lower" (HTTP/2 style) or "title"
      repositories_links  GitHub Link URLs use /repositories/<id>/... (False)
      etag              "mixed" (default), "weak" or "strong" (GitHub)
      per_token_etag    GitHub ETags depend on the token (True)
      github_tokens     set of valid GitHub tokens (None: any is valid)
      gitlab_tokens     set of valid GitLab tokens (None: any is valid)
      rate_limit        GitHub limit for authenticated requests (5000)
      rate_limit_anon   GitHub limit without a token (60)
      gitlab_ratelimit  send RateLimit-* headers on GitLab (True)
      require_user_agent  403 without User-Agent like GitHub (True)
      run_details       "supported" (default) or "reject" (old GHES: 422)
      run_conclusion    conclusion of completed runs ("success")
      run_queued_polls  run GETs answering "queued" (1)
      run_progress_polls  run GETs answering "in_progress" (1)
      run_list_delay    run-list requests before a new run shows (0)
      run_conclusions   list of conclusions for the next runs, in order
      gitlab_count_limit  above this many records GitLab omits X-Total,
                        X-Total-Pages and rel="last" (10000)
      gitlab_link       send GitLab's Link header (True; X-* headers only
                        when False, as behind proxies that strip it)
      bare_304          304s carry only validators and rate-limit headers,
                        no Link / X-Next-Page (False)
    """

    def __init__(self, data=None, **opts):
        self.data = data if data is not None else {}
        self.data.setdefault("github", {})
        self.data.setdefault("gitlab", {})
        self.opts = {
            "header_case": "mixed", "repositories_links": False,
            "etag": "mixed", "per_token_etag": True, "github_tokens": None,
            "gitlab_tokens": None, "rate_limit": 5000, "rate_limit_anon": 60,
            "gitlab_ratelimit": True, "require_user_agent": True,
            "run_details": "supported", "run_conclusion": "success",
            "run_queued_polls": 1, "run_progress_polls": 1,
            "run_list_delay": 0, "run_conclusions": None,
            "gitlab_count_limit": 10000, "gitlab_link": True,
            "bare_304": False,
        }
        unknown = set(opts) - set(self.opts)
        if unknown:
            raise TypeError("unknown Upstream options: %s" % sorted(unknown))
        self.opts.update(opts)
        self.faults = {}
        self.requests = []
        self.runs = {}
        self.lock = threading.RLock()
        self.ratelimits = {}
        self._stopping = threading.Event()
        self._nresp = 0
        self._next_run = 22222222222
        self._server = None
        self._thread = None
        self.url = None

    # -- lifecycle --------------------------------------------------------

    def start(self):
        upstream = self

        class Handler(_Handler):
            up = upstream

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- inspection -------------------------------------------------------

    def hits(self, path):
        """Requests whose path (with or without the query) equals path."""
        with self.lock:
            return sum(1 for r in self.requests
                       if r.path == path or r.bare_path == path)

    def statuses(self, prefix=""):
        """Statuses of the requests whose path starts with prefix."""
        with self.lock:
            return [r.status for r in self.requests
                    if r.path.startswith(prefix)]

    def clear(self):
        with self.lock:
            self.requests.clear()

    def set_run(self, run_id, **fields):
        """Force fields of a run (status, conclusion, ...)."""
        with self.lock:
            self.runs[int(run_id)].update(fields)

    # -- helpers for handlers --------------------------------------------

    def _take_fault(self, path):
        with self.lock:
            best = None
            for prefix, lst in self.faults.items():
                if lst and path.startswith(prefix) and \
                        (best is None or len(prefix) > len(best)):
                    best = prefix
            if best is None:
                return None
            spec = self.faults[best].pop(0)
        if isinstance(spec, int):
            return str(spec), None
        if isinstance(spec, (tuple, list)):
            return str(spec[0]), (spec[1] if len(spec) > 1 else None)
        spec = str(spec)
        if ":" in spec:
            k, a = spec.split(":", 1)
            return k, a
        return spec, None

    def _header_style(self):
        with self.lock:
            self._nresp += 1
            n = self._nresp
        hc = self.opts["header_case"]
        if hc == "mixed":
            return "lower" if n % 2 else "title"
        return hc


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "upstream-fixture"
    sys_version = ""
    up = None  # the Upstream, set by a subclass

    def log_message(self, fmt, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # -- plumbing -----------------------------------------------------------

    def _dispatch(self, method):
        up = self.up
        n = _int(self.headers.get("Content-Length"), 0)
        body = self.rfile.read(n) if n > 0 else b""
        req = Request(method, self.path, self.headers, body)
        with up.lock:
            up.requests.append(req)
        self._req = req
        self._style = up._header_style()
        self._extra = []
        self._is_github = self.path.startswith("/github")
        self._is_gitlab = self.path.startswith("/gitlab")
        try:
            fault = up._take_fault(self.path)
            if fault is not None:
                if self._fault(*fault):
                    return
            if self._is_github:
                self._github(method)
            elif self._is_gitlab:
                self._gitlab(method)
            else:
                raise _Reply(404, b"not found\n", ctype="text/plain")
        except _Reply as r:
            self._send(r.status, r.body, r.headers, r.ctype)

    def _name(self, name):
        if self._style == "lower":
            return name.lower()
        return "-".join(p[:1].upper() + p[1:] for p in name.split("-"))

    def _send(self, status, body=b"", headers=(), ctype=None, length=None):
        if isinstance(body, str):
            body = body.encode()
        if ctype is None:
            ctype = "application/json; charset=utf-8"
        self._req.status = status
        self.send_response_only(status, REASONS.get(status))
        self.send_header(self._name("date"), self.date_time_string())
        if status != 304 or body:
            self.send_header(self._name("content-type"), ctype)
        hdrs = list(self._extra) + list(headers)
        for k, v in hdrs:
            self.send_header(self._name(k), str(v))
        if status != 304:
            self.send_header(self._name("content-length"),
                             str(len(body) if length is None else length))
        self.end_headers()
        if self._req.method != "HEAD" and status != 304:
            self.wfile.write(body)
        self.wfile.flush()
        self._req.answered = time.monotonic()

    # -- faults -------------------------------------------------------------

    def _fault(self, kind, arg):
        """Serve a fault; True when the request is done."""
        up = self.up
        now = int(time.time())
        if kind == "slow":
            up._stopping.wait(float(arg) if arg is not None else 5.0)
            return False
        if kind == "close":
            self._req.status = 0
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind in ("500", "502", "503", "504"):
            st = int(kind)
            self._send(st, HTML_ERROR.format(title=REASONS[st]),
                       self._rl_headers(count=False),
                       ctype="text/html; charset=utf-8")
            return True
        if kind == "html-404":
            self._send(404, "<!DOCTYPE html>\n<html><head><title>Page not "
                       "found &middot; GitHub</title></head><body><h1>404"
                       "</h1><p>This is not the web page you are looking "
                       "for.</p></body></html>\n",
                       ctype="text/html; charset=utf-8")
            return True
        if kind == "404":
            self._send(404, _json_bytes({"message": "Not Found",
                                         "documentation_url": GH_DOC,
                                         "status": "404"}))
            return True
        if kind == "401":
            if self._is_gitlab:
                self._send(401, _json_bytes({"message": "401 Unauthorized"}))
            else:
                self._send(401, _json_bytes({
                    "message": "Bad credentials", "documentation_url": GH_DOC,
                    "status": "401"}))
            return True
        if kind == "429":
            ra = _int(arg, 1)
            self._send(429, _json_bytes({"message": "Too Many Requests"}),
                       [("retry-after", ra)] + self._rl_headers(count=False))
            return True
        if kind in ("403-primary", "429-primary"):
            t = _int(arg, 1800)
            reset = t if t > 10 ** 9 else now + t
            limit = self.up.opts["rate_limit"] if self._token() else \
                self.up.opts["rate_limit_anon"]
            who = "user ID 1" if self._token() else \
                self.client_address[0]
            msg = "API rate limit exceeded for %s." % who
            if not self._token():
                msg += (" (But here's the good news: Authenticated requests "
                        "get a higher rate limit. Check out the documentation "
                        "for more details.)")
            self._send(int(kind[:3]), _json_bytes({
                "message": msg, "documentation_url": GH_RATE_DOC}), [
                ("x-ratelimit-limit", limit), ("x-ratelimit-remaining", 0),
                ("x-ratelimit-reset", reset), ("x-ratelimit-used", limit),
                ("x-ratelimit-resource", "core")])
            return True
        if kind in ("403-secondary", "429-secondary"):
            hdrs = self._rl_headers(count=False)
            if kind == "429-secondary" or arg is not None:
                hdrs.append(("retry-after", _int(arg, 60)))
            self._send(int(kind[:3]), _json_bytes({
                "message": "You have exceeded a secondary rate limit. Please "
                           "wait a few minutes before you try again. If you "
                           "reach out to GitHub Support for help, please "
                           "include the request ID ABCD:1234:5678.",
                "documentation_url": GH_SECONDARY_DOC}), hdrs)
            return True
        if kind == "gitlab-429":
            ra = _int(arg, 60)
            hdrs = self._gl_rl_headers(remaining=0, reset=now + ra)
            hdrs += [("ratelimit-resettime",
                      self.date_time_string(now + ra)), ("retry-after", ra)]
            self._send(429, "Retry later\n", hdrs, ctype="text/plain")
            return True
        if kind == "malformed":
            self._send(200, '[{"tag_name": "v1.0.0", "name": "x",}, {]',
                       self._rl_headers())
            return True
        if kind == "truncated":
            full = self._normal_body()
            self._send(200, full[:max(1, len(full) * 2 // 3)],
                       self._rl_headers())
            return True
        if kind == "short":
            full = self._normal_body()
            self._req.status = 200
            self.send_response_only(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(full) + 1000))
            self.end_headers()
            self.wfile.write(full[:len(full) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind == "oversized":
            mib = _int(arg, 20)
            total = mib * 1024 * 1024
            elem = _json_bytes(gh_tag("v0.0.0")) + b","
            nel = max(1, (total - 2) // len(elem))
            length = 1 + nel * len(elem) + 1
            self._req.status = 200
            self.send_response_only(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                self.wfile.write(b"[")
                chunk = elem * 256
                left = nel
                while left > 0:
                    k = min(256, left)
                    self.wfile.write(chunk if k == 256 else elem * k)
                    left -= k
                self.wfile.write(b"]")
                self.wfile.write(b"")
                self.wfile.flush()
            except OSError:
                self.close_connection = True
            return True
        if kind == "object":
            self._send(200, _json_bytes({"message": "Moved Permanently",
                                         "url": "https://example.invalid/",
                                         "documentation_url": GH_DOC}),
                       self._rl_headers())
            return True
        if kind == "empty":
            self._send(200, b"", self._rl_headers())
            return True
        if kind == "wrong-types":
            self._send(200, _json_bytes([
                1, "v9.9.9", None, [], {"tag_name": 12, "name": 5},
                {"name": {"x": 1}}, {"tag_name": ["v9"]},
                gh_release("v1.2.3") if "/releases" in self.path else
                (gl_tag("v1.2.3") if self._is_gitlab else gh_tag("v1.2.3")),
            ]), self._rl_headers())
            return True
        raise ValueError("unknown fault kind %r" % kind)

    def _normal_body(self):
        """The body the route would answer (for truncation faults)."""
        body = b""
        try:
            if self._is_github:
                self._github(self._req.method)
            elif self._is_gitlab:
                self._gitlab(self._req.method)
        except _Reply as r:
            body = r.body if isinstance(r.body, bytes) else r.body.encode()
        return body or b'[{"name":"v1.0.0"},{"name":"v1.0.1"}]'

    # -- GitHub -------------------------------------------------------------

    def _token(self):
        a = self.headers.get("Authorization")
        if not a:
            return None
        parts = a.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in ("bearer", "token"):
            return parts[1].strip()
        return "(invalid)"

    def _rl_headers(self, count=True):
        """x-ratelimit-* headers; count=True spends one request."""
        if not self._is_github:
            return self._gl_rl_headers() if self._is_gitlab else []
        up = self.up
        tok = self._token()
        key = tok or "anon:" + self.client_address[0]
        limit = up.opts["rate_limit"] if tok else up.opts["rate_limit_anon"]
        now = int(time.time())
        with up.lock:
            st = up.ratelimits.get(key)
            if st is None or st["reset"] <= now:
                st = {"limit": limit, "used": 0, "reset": now + 3600}
                up.ratelimits[key] = st
            if count and st["used"] < st["limit"]:
                st["used"] += 1
            remaining = st["limit"] - st["used"]
            return [("x-ratelimit-limit", st["limit"]),
                    ("x-ratelimit-remaining", remaining),
                    ("x-ratelimit-reset", st["reset"]),
                    ("x-ratelimit-used", st["used"]),
                    ("x-ratelimit-resource", "core")]

    def _gh_exhausted(self):
        up = self.up
        tok = self._token()
        key = tok or "anon:" + self.client_address[0]
        with up.lock:
            st = up.ratelimits.get(key)
            return st is not None and st["used"] >= st["limit"] and \
                st["reset"] > time.time()

    def _gh_error(self, status, message, doc=GH_DOC, extra=None):
        obj = {"message": message, "documentation_url": doc,
               "status": str(status)}
        if extra:
            obj.update(extra)
        raise _Reply(status, _json_bytes(obj), self._rl_headers())

    def _github(self, method):
        up = self.up
        path = self._req.bare_path[len("/github"):]
        q = self._req.query
        if up.opts["require_user_agent"] and \
                not self.headers.get("User-Agent"):
            raise _Reply(403, b"Request forbidden by administrative rules. "
                         b"Please make sure your request has a User-Agent "
                         b"header (https://docs.github.com/en/rest/overview/"
                         b"resources-in-the-rest-api#user-agent-required). "
                         b"Check https://developer.github.com for other "
                         b"possible causes.\n", ctype="text/plain")
        ver = self.headers.get("X-GitHub-Api-Version")
        if ver is not None and ver not in GH_API_VERSIONS:
            self._gh_error(400, "Invalid API version provided: %s" % ver)
        self._extra.append(("x-github-api-version-selected",
                            ver or GH_API_VERSIONS[0]))
        self._extra.append(("x-github-request-id",
                            "ABCD:%X" % (len(up.requests) + 0x1000)))
        tok = self._token()
        valid = up.opts["github_tokens"]
        if tok is not None and (tok == "(invalid)" or
                                (valid is not None and tok not in valid)):
            raise _Reply(401, _json_bytes({
                "message": "Bad credentials", "documentation_url": GH_DOC,
                "status": "401"}))
        if path == "/rate_limit":
            h = self._rl_headers(count=False)
            d = dict(h)
            raise _Reply(200, _json_bytes({"resources": {"core": {
                "limit": d["x-ratelimit-limit"],
                "remaining": d["x-ratelimit-remaining"],
                "reset": d["x-ratelimit-reset"],
                "used": d["x-ratelimit-used"]}}}), h)
        if self._gh_exhausted():
            self._fault("403-primary", up.ratelimits[
                tok or "anon:" + self.client_address[0]]["reset"])
            return
        repo, rest = self._gh_repo(path)
        if repo is None:
            self._gh_error(404, "Not Found")
        name, rdata = repo
        if rdata.get("private") and tok is None:
            self._gh_error(404, "Not Found")
        if rest.startswith("/actions/"):
            return self._actions(method, name, rdata, rest)
        if method not in ("GET", "HEAD"):
            self._gh_error(404, "Not Found")
        if rest == "/releases":
            items = [r for r in rdata.get("releases", [])
                     if not r.get("draft") or tok is not None]
            return self._gh_list(items, name, rdata, rest)
        if rest == "/tags":
            return self._gh_list(rdata.get("tags", []), name, rdata, rest)
        if rest == "/releases/latest":
            full = [r for r in rdata.get("releases", [])
                    if not r.get("draft") and not r.get("prerelease")]
            if not full:
                self._gh_error(404, "Not Found",
                               "https://docs.github.com/rest/releases/"
                               "releases#get-the-latest-release")
            full.sort(key=lambda r: r.get("created_at") or "", reverse=True)
            return self._gh_ok(_json_bytes(full[0]))
        m = re.fullmatch(r"/releases/tags/(.+)", rest)
        if m:
            tag = urllib.parse.unquote(m.group(1))
            for r in rdata.get("releases", []):
                if r.get("tag_name") == tag and not r.get("draft"):
                    return self._gh_ok(_json_bytes(r))
        self._gh_error(404, "Not Found")

    def _gh_repo(self, path):
        """((name, data), rest of path) or (None, None)."""
        gh = self.up.data["github"]
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if m:
            owner = urllib.parse.unquote(m.group(1))
            rname = urllib.parse.unquote(m.group(2))
            want = (owner + "/" + rname).lower()
            for k, v in gh.items():
                if k.lower() == want:
                    return (k, v), m.group(3) or ""
            return None, None
        m = re.fullmatch(r"/repositories/([0-9]+)(/.*)?", path)
        if m:
            for k, v in gh.items():
                if str(self._repo_id(k, v)) == m.group(1):
                    return (k, v), m.group(2) or ""
        return None, None

    @staticmethod
    def _repo_id(name, rdata):
        if "id" in rdata:
            return rdata["id"]
        return int(hashlib.sha1(name.lower().encode()).hexdigest()[:7], 16)

    def _etag(self, body, weak):
        tok = self._token() if self.up.opts["per_token_etag"] else None
        h = hashlib.sha256(body + b"\0" + (tok or "").encode()).hexdigest()
        return ('W/"%s"' if weak else '"%s"') % h[:32]

    def _not_modified(self, etag):
        inm = self.headers.get("If-None-Match")
        if not inm:
            return False
        if inm.strip() == "*":
            return True
        opaque = etag[2:] if etag.startswith("W/") else etag
        for t in inm.split(","):
            t = t.strip()
            t = t[2:] if t.startswith("W/") else t
            if t == opaque:
                return True
        return False

    def _gh_ok(self, body, extra=(), weak=None):
        if weak is None:
            mode = self.up.opts["etag"]
            if mode == "mixed":
                weak = "/tags" not in self._req.bare_path
            else:
                weak = mode == "weak"
        etag = self._etag(body, weak)
        hdrs = [("etag", etag),
                ("cache-control", "private, max-age=60, s-maxage=60"),
                ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP")]
        hdrs += list(extra)
        if self._not_modified(etag):
            # A conditional hit is free for authenticated requests.
            if self.up.opts["bare_304"]:
                hdrs = hdrs[:3]
            raise _Reply(304, b"", hdrs + self._rl_headers(
                count=self._token() is None))
        raise _Reply(200, body, hdrs + self._rl_headers())

    def _gh_list(self, items, name, rdata, rest):
        q = self._req.query
        per_page = _int(q.get("per_page"), 30)
        if per_page < 1:
            per_page = 30
        per_page = min(per_page, 100)
        page = _int(q.get("page"), 1)
        if page < 1:
            page = 1
        total = len(items)
        last = max(1, (total + per_page - 1) // per_page)
        chunk = items[(page - 1) * per_page:page * per_page]
        links = []
        if total > per_page:
            if self.up.opts["repositories_links"]:
                base = "%s/github/repositories/%d%s" % (
                    self.up.url, self._repo_id(name, rdata), rest)
            else:
                base = "%s/github/repos/%s%s" % (self.up.url, name, rest)

            def href(p):
                qq = dict(q)
                qq.pop("page", None)
                qq["per_page"] = str(per_page) if "per_page" in q else None
                parts = [(k, v) for k, v in qq.items() if v is not None]
                parts.append(("page", str(p)))
                return "<%s?%s>" % (base, urllib.parse.urlencode(parts))
            if page > 1:
                links.append(href(min(page - 1, last)) + '; rel="prev"')
            if page < last:
                links.append(href(page + 1) + '; rel="next"')
                links.append(href(last) + '; rel="last"')
            if page > 1:
                links.append(href(1) + '; rel="first"')
        extra = [("link", ", ".join(links))] if links else []
        self._gh_ok(_json_bytes(chunk), extra)

    # -- GitHub Actions ------------------------------------------------------

    def _run_obj(self, run):
        up = self.up
        base = "%s/github/repos/%s/actions/runs/%d" % (up.url, run["repo"],
                                                       run["id"])
        return {
            "id": run["id"], "name": run["workflow_name"],
            "node_id": "WFR_kwLO%d" % run["id"],
            "head_branch": run["ref"], "head_sha": _sha(run["ref"]),
            "path": ".github/workflows/" + run["workflow"],
            "display_title": run["display_title"],
            "run_number": run["run_number"], "run_attempt": 1,
            "event": "workflow_dispatch", "status": run["status"],
            "conclusion": run["conclusion"],
            "workflow_id": run["workflow_id"],
            "url": base, "html_url": "https://github.com/%s/actions/runs/%d"
            % (run["repo"], run["id"]),
            "jobs_url": base + "/jobs", "logs_url": base + "/logs",
            "cancel_url": base + "/cancel", "rerun_url": base + "/rerun",
            "created_at": run["created_at"], "updated_at": run["updated_at"],
            "run_started_at": run["created_at"],
            "actor": {"login": "octocat", "id": 1},
            "triggering_actor": {"login": "octocat", "id": 1},
        }

    def _advance(self, run):
        """A GET of a run moves it along queued -> in_progress -> done."""
        o = self.up.opts
        if run.get("frozen") or run["status"] == "completed":
            return
        run["polls"] += 1
        if run["polls"] > o["run_queued_polls"] + o["run_progress_polls"]:
            run["status"] = "completed"
            run["conclusion"] = run.get("want_conclusion") or \
                o["run_conclusion"]
        elif run["polls"] > o["run_queued_polls"]:
            run["status"] = "in_progress"
        run["updated_at"] = iso_z()

    def _actions(self, method, name, rdata, rest):
        up = self.up
        tok = self._token()
        wfs = rdata.get("workflows")
        m = re.fullmatch(r"/actions/workflows/([^/]+)/dispatches", rest)
        if m:
            if method != "POST":
                self._gh_error(404, "Not Found")
            if tok is None:
                self._gh_error(401, "Requires authentication")
            wf = urllib.parse.unquote(m.group(1))
            wfinfo = self._workflow(wfs, wf)
            try:
                body = json.loads(self._req.body or b"null")
            except ValueError:
                self._gh_error(400, "Problems parsing JSON")
            if not isinstance(body, dict):
                self._gh_error(400, "Body should be a JSON object")
            if "return_run_details" in body and \
                    up.opts["run_details"] == "reject":
                self._gh_error(422, 'Invalid request.\n\n"return_run_details"'
                               ' is not a permitted key.')
            ref = body.get("ref")
            if not isinstance(ref, str) or not ref:
                self._gh_error(422, 'Invalid request.\n\n"ref" wasn\'t '
                               'supplied.')
            if wfinfo.get("dispatch") is False:
                self._gh_error(422, "Workflow does not have "
                               "'workflow_dispatch' trigger")
            refs = rdata.get("refs")
            if refs is not None and ref not in refs:
                self._gh_error(422, "No ref found for: %s" % ref)
            inputs = body.get("inputs") or {}
            if not isinstance(inputs, dict):
                self._gh_error(422, 'Invalid request.\n\nFor \'properties/'
                               'inputs\', %s is not an object.'
                               % json.dumps(inputs))
            if len(inputs) > 10:
                self._gh_error(422, "you may only define up to 10 `inputs` "
                               "for a `workflow_dispatch` event")
            declared = wfinfo.get("inputs")
            if declared is not None:
                bad = [k for k in inputs if k not in declared]
                if bad:
                    self._gh_error(422, "Unexpected inputs provided: %s"
                                   % json.dumps(bad))
            with up.lock:
                rid = up._next_run
                up._next_run += 1
                now = iso_z()
                run = {"id": rid, "repo": name, "workflow": wfinfo["file"],
                       "workflow_id": wfinfo["id"],
                       "workflow_name": wfinfo.get("name", wfinfo["file"]),
                       "ref": ref, "inputs": inputs, "status": "queued",
                       "conclusion": None, "created_at": now,
                       "updated_at": now, "polls": 0, "list_polls": 0,
                       "run_number": len(up.runs) + 1,
                       "display_title": wfinfo.get("name", wfinfo["file"])}
                if up.opts.get("run_conclusions"):
                    run["want_conclusion"] = up.opts["run_conclusions"].pop(0)
                up.runs[rid] = run
            if body.get("return_run_details") is True:
                raise _Reply(200, _json_bytes({
                    "workflow_run_id": rid,
                    "run_url": "%s/github/repos/%s/actions/runs/%d"
                    % (up.url, name, rid),
                    "html_url": "https://github.com/%s/actions/runs/%d"
                    % (name, rid)}), self._rl_headers())
            raise _Reply(204, b"", self._rl_headers())
        if method == "POST":
            m = re.fullmatch(r"/actions/runs/([0-9]+)/cancel", rest)
            if m:
                with up.lock:
                    run = up.runs.get(int(m.group(1)))
                    if run is None or run["repo"] != name:
                        self._gh_error(404, "Not Found")
                    if run["status"] == "completed":
                        self._gh_error(409, "Cannot cancel a workflow run "
                                       "that is completed.")
                    run.update(status="completed", conclusion="cancelled",
                               updated_at=iso_z())
                raise _Reply(202, b"{}", self._rl_headers())
            self._gh_error(404, "Not Found")
        m = re.fullmatch(r"/actions/runs/([0-9]+)", rest)
        if m:
            with up.lock:
                run = up.runs.get(int(m.group(1)))
                if run is None or run["repo"] != name:
                    self._gh_error(404, "Not Found")
                self._advance(run)
                obj = self._run_obj(run)
            raise _Reply(200, _json_bytes(obj), self._rl_headers())
        m = re.fullmatch(r"/actions/runs/([0-9]+)/jobs", rest)
        if m:
            with up.lock:
                run = up.runs.get(int(m.group(1)))
                if run is None or run["repo"] != name:
                    self._gh_error(404, "Not Found")
                jobs = self._jobs(run)
            raise _Reply(200, _json_bytes({"total_count": len(jobs),
                                           "jobs": jobs}), self._rl_headers())
        m = re.fullmatch(r"/actions(?:/workflows/([^/]+))?/runs", rest)
        if m:
            wfinfo = None
            if m.group(1):
                wfinfo = self._workflow(wfs, urllib.parse.unquote(m.group(1)))
            q = self._req.query
            with up.lock:
                runs = []
                for run in up.runs.values():
                    if run["repo"] != name:
                        continue
                    if wfinfo and run["workflow_id"] != wfinfo["id"]:
                        continue
                    run["list_polls"] += 1
                    if run["list_polls"] <= up.opts["run_list_delay"]:
                        continue
                    if q.get("event") and q["event"] != "workflow_dispatch":
                        continue
                    if q.get("branch") and q["branch"] != run["ref"]:
                        continue
                    if q.get("status") and q["status"] not in (
                            run["status"], run["conclusion"]):
                        continue
                    c = q.get("created", "")
                    if c.startswith(">=") and run["created_at"] < c[2:]:
                        continue
                    runs.append(self._run_obj(run))
            runs.sort(key=lambda r: r["id"], reverse=True)
            per_page = min(max(_int(q.get("per_page"), 30), 1), 100)
            page = max(_int(q.get("page"), 1), 1)
            raise _Reply(200, _json_bytes({
                "total_count": len(runs),
                "workflow_runs": runs[(page - 1) * per_page:page * per_page]}),
                self._rl_headers())
        self._gh_error(404, "Not Found")

    def _workflow(self, wfs, wf):
        """Workflow info by file name or id; 404 when unknown."""
        if wfs is None:
            wid = int(wf) if wf.isdigit() else 159038 + int(_sha(wf)[:4], 16)
            return {"file": wf, "id": wid}
        for fname, info in wfs.items():
            info = dict(info or {})
            info.setdefault("file", fname)
            info.setdefault("id", 159038 + int(_sha(fname)[:4], 16))
            if wf == fname or wf == str(info["id"]):
                return info
        self._gh_error(404, "Not Found")

    def _jobs(self, run):
        steps = [{"name": "Set up job", "status": "completed",
                  "conclusion": "success", "number": 1}]
        did = run["inputs"].get("distinct_id")
        if did:
            steps.append({"name": "echo distinct ID " + str(did),
                          "status": "completed", "conclusion": "success",
                          "number": 2})
        return [{"id": run["id"] * 10 + 1, "run_id": run["id"],
                 "run_url": "%s/github/repos/%s/actions/runs/%d"
                 % (self.up.url, run["repo"], run["id"]),
                 "run_attempt": 1, "head_sha": _sha(run["ref"]),
                 "status": run["status"], "conclusion": run["conclusion"],
                 "created_at": run["created_at"],
                 "started_at": run["created_at"], "completed_at": None
                 if run["status"] != "completed" else run["updated_at"],
                 "name": "build", "steps": steps, "labels": ["ubuntu-24.04"],
                 "workflow_name": run["workflow_name"],
                 "head_branch": run["ref"]}]

    # -- GitLab -------------------------------------------------------------

    def _gl_rl_headers(self, remaining=None, reset=None):
        if not self.up.opts["gitlab_ratelimit"]:
            return []
        now = int(time.time())
        limit = 2000
        with self.up.lock:
            st = self.up.ratelimits.setdefault("gitlab", {"observed": 0,
                                                          "reset": now + 60})
            if st["reset"] <= now:
                st.update(observed=0, reset=now + 60)
            st["observed"] += 1
            obs = st["observed"]
            rst = st["reset"]
        rem = max(limit - obs, 0) if remaining is None else remaining
        return [("ratelimit-name", "throttle_authenticated_api"
                 if self._gl_token() else "throttle_unauthenticated_api"),
                ("ratelimit-limit", limit), ("ratelimit-observed", obs),
                ("ratelimit-remaining", rem),
                ("ratelimit-reset", rst if reset is None else reset)]

    def _gl_token(self):
        t = self.headers.get("PRIVATE-TOKEN")
        if t:
            return t
        a = self.headers.get("Authorization") or ""
        if a.lower().startswith("bearer "):
            return a[7:].strip()
        return None

    def _gl_error(self, status, obj):
        raise _Reply(status, _json_bytes(obj), self._gl_rl_headers())

    def _gitlab(self, method):
        up = self.up
        path = self._req.bare_path[len("/gitlab"):]
        tok = self._gl_token()
        valid = up.opts["gitlab_tokens"]
        if tok is not None and valid is not None and tok not in valid:
            self._gl_error(401, {"message": "401 Unauthorized"})
        # The project id is one path segment: a number or the %2F-encoded
        # full path. An unencoded path does not match any API route.
        m = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        if not m:
            self._gl_error(404, {"error": "404 Not Found"})
        pid = urllib.parse.unquote(m.group(1))
        rest = m.group(2) or ""
        proj = None
        for k, v in up.data["gitlab"].items():
            if k.lower() == pid.lower() or str(v.get("id")) == pid:
                proj = (k, v)
                break
        if proj is None or (proj[1].get("private") and tok is None):
            self._gl_error(404, {"message": "404 Project Not Found"})
        if method not in ("GET", "HEAD"):
            self._gl_error(405, {"error": "405 Method Not Allowed"})
        pname, pdata = proj
        q = self._req.query
        if rest == "/repository/tags":
            items = list(pdata.get("tags", []))
            ob = q.get("order_by", "updated")
            if ob not in ("name", "updated", "version"):
                self._gl_error(400, {"error": "order_by does not have a "
                                     "valid value"})
            srt = q.get("sort", "desc")
            if srt not in ("asc", "desc"):
                self._gl_error(400, {"error": "sort does not have a valid "
                                     "value"})
            if ob == "name":
                items.sort(key=lambda t: str(t.get("name")))
                if srt == "desc":
                    items.reverse()
            elif ob == "version":
                items.sort(key=lambda t: [int(x) if x.isdigit() else -1
                                          for x in re.findall(
                                              r"[0-9]+", str(t.get("name")))])
                if srt == "desc":
                    items.reverse()
            elif srt == "asc":
                items.reverse()
            if "search" in q:
                s = q["search"]
                if s.startswith("^"):
                    items = [t for t in items if t["name"].startswith(s[1:])]
                elif s.endswith("$"):
                    items = [t for t in items if t["name"].endswith(s[:-1])]
                else:
                    items = [t for t in items if s in t["name"]]
            return self._gl_list(items, tags_quirk=True)
        if rest == "/releases":
            items = sorted(pdata.get("releases", []),
                           key=lambda r: r.get("released_at") or "",
                           reverse=q.get("sort", "desc") == "desc")
            return self._gl_list(items, tags_quirk=False)
        if rest == "/releases/permalink/latest":
            rel = sorted(pdata.get("releases", []),
                         key=lambda r: r.get("released_at") or "")
            if not rel:
                self._gl_error(404, {"message": "404 Not Found"})
            return self._gl_ok(_json_bytes(rel[-1]), [])
        self._gl_error(404, {"error": "404 Not Found"})

    def _gl_ok(self, body, extra):
        # Rack::ETag: a weak validator of the body.
        etag = 'W/"%s"' % hashlib.md5(body).hexdigest()
        hdrs = [("etag", etag),
                ("cache-control", "max-age=0, private, must-revalidate"),
                ("vary", "Accept-Encoding, Origin"),
                ("x-content-type-options", "nosniff"),
                ("x-frame-options", "SAMEORIGIN"),
                ("x-gitlab-meta", '{"correlation_id":"%s","version":"1"}'
                 % _sha(str(time.time()))[:26])] + list(extra)
        if self._not_modified(etag):
            if self.up.opts["bare_304"]:
                hdrs = hdrs[:3]
            raise _Reply(304, b"", hdrs + self._gl_rl_headers())
        raise _Reply(200, body, hdrs + self._gl_rl_headers())

    def _gl_list(self, items, tags_quirk):
        q = self._req.query
        per_page = _int(q.get("per_page"), 20)
        if per_page < 1:
            per_page = 20
        per_page = min(per_page, 100)
        page = _int(q.get("page"), 1)
        if page < 1:
            page = 1
        total = len(items)
        chunk = items[(page - 1) * per_page:page * per_page]
        if tags_quirk and page == 1:
            # Gitaly serves the first page of tags and the headers are
            # synthesized: a next page is always announced.
            next_page, total_pages = 2, total // per_page + 1
        else:
            total_pages = max(1, (total + per_page - 1) // per_page)
            next_page = page + 1 if page < total_pages else None
        prev_page = page - 1 if page > 1 else None
        counts = total <= self.up.opts["gitlab_count_limit"]
        # Link URLs carry every request parameter, like Grape's params.
        base = self.up.url + self._req.bare_path
        params = dict(q)
        pid = urllib.parse.unquote(self._req.bare_path.split("/")[5])
        params.setdefault("id", pid)
        if tags_quirk:
            params.setdefault("order_by", "updated")
            params.setdefault("sort", "desc")

        def href(p):
            pp = dict(params)
            pp["page"] = str(p)
            pp["per_page"] = str(per_page)
            return "<%s?%s>" % (base, urllib.parse.urlencode(sorted(
                pp.items())))
        links = []
        if prev_page:
            links.append(href(prev_page) + '; rel="prev"')
        if next_page:
            links.append(href(next_page) + '; rel="next"')
        links.append(href(1) + '; rel="first"')
        if counts:
            links.append(href(total_pages) + '; rel="last"')
        hdrs = [("link", ", ".join(links))] if self.up.opts["gitlab_link"] \
            else []
        hdrs += [("x-next-page", next_page or ""),
                ("x-page", page), ("x-per-page", per_page),
                ("x-prev-page", prev_page or "")]
        if counts:
            hdrs += [("x-total", total), ("x-total-pages", total_pages)]
        self._gl_ok(_json_bytes(chunk), hdrs)


# ---------------------------------------------------------------------------
# Standalone


def _demo_data():
    return {
        "github": {
            "mattermost/mattermost": {"releases": gh_releases(
                14, repo="mattermost/mattermost", start=(10, 0, 0), every=4)},
            "outline/outline": {"releases": gh_releases(
                12, repo="outline/outline", start=(0, 80, 0), every=3)},
        },
        "gitlab": {
            "framasoft/framateam/mostlymatter": {"tags": gl_tags(
                25, fmt="v{major}.{minor}.{patch}-limitless",
                start=(10, 8, 0), every=4)},
        },
    }


def main(argv):
    import signal
    data = None
    if len(argv) > 1:
        with open(argv[1]) as f:
            data = json.load(f)
    u = Upstream(data if data is not None else _demo_data()).start()
    print(u.url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    while not done.wait(0.5):
        pass
    u.stop()


if __name__ == "__main__":
    main(sys.argv)
