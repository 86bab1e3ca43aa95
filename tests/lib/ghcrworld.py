"""GHCR as prune meets it: the GitHub Packages REST API over a real
docker-registry, and a registry API without DELETE.

GhcrApi serves, for the repositories of one owner (an organization or a
user) in a world.Registry, what api.github.com serves for its container
packages (docs.github.com, "REST API endpoints for packages"):

  GET    /{orgs|users}/{owner}/packages/container/{package}/versions
         ?per_page=&page=   every manifest of the repository as a version,
                            newest first, in pages with a Link header
                            (rel="next", rel="last"); the index's children
                            and attestation manifests are untagged
                            versions of their own
  GET    .../versions/{id}  one version
  DELETE .../versions/{id}  204; the manifest and every tag on it go

A version is {"id", "name": "sha256:...", "url", "package_html_url",
"created_at", "updated_at", "html_url", "metadata": {"package_type":
"container", "container": {"tags": [...]}}}. {package} is the rest of
the repository after the owner, URL-encoded ("mirror%2Fmattermost"): a
raw "/" does not route (404, as on GitHub). The other owner kind answers
404. Without "Authorization: Bearer <token>" the answer is 401. A version
in `popular` (a public version downloaded more than 5,000 times) cannot
be deleted: 400 with GitHub's message. `updated` overrides a version's
updated_at (epoch seconds): by default the time the registry stored it.

The registry side: ghcr_registry_proxy() puts a proxy in front of the
registry that refuses every manifest DELETE with 405 UNSUPPORTED, as
ghcr.io does; its `requests` say whether one was tried.
"""
import json
import os
import re
import threading
import time
import urllib.parse

import world

REFUSED = ("Publicly visible package versions with more than 5000 "
           "downloads cannot be deleted. Contact GitHub support for "
           "further assistance.")


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class GhcrApi:
    def __init__(self, reg, owner, kind="orgs", token="ghs_fixture",
                 page_max=100):
        self.reg = reg
        self.owner = owner
        self.kind = kind
        self.token = token
        self.page_max = page_max
        self.popular = set()
        self.link_host = None   # a hostile Link: next pages elsewhere
        self.updated = {}
        self.ids = {}
        self.next_id = 1000
        self.requests = []      # (method, path, status)
        self.lock = threading.Lock()
        self.httpd = None
        self.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    # ---- the registry's storage ----

    def _repo_dir(self, repo):
        return os.path.join(self.reg.storage, "docker", "registry", "v2",
                            "repositories", repo, "_manifests")

    def versions(self, repo):
        """Every manifest of repo: [(id, digest, tags, updated)], newest
        first."""
        base = self._repo_dir(repo)
        revs = os.path.join(base, "revisions", "sha256")
        tags = {}
        tdir = os.path.join(base, "tags")
        if os.path.isdir(tdir):
            for t in os.listdir(tdir):
                link = os.path.join(tdir, t, "current", "link")
                if os.path.exists(link):
                    with open(link) as f:
                        tags.setdefault(f.read().strip(), []).append(t)
        out = []
        if not os.path.isdir(revs):
            return out
        for h in os.listdir(revs):
            link = os.path.join(revs, h, "link")
            if not os.path.exists(link):
                continue
            d = "sha256:" + h
            with self.lock:
                if d not in self.ids:
                    self.ids[d] = self.next_id
                    self.next_id += 1
                vid = self.ids[d]
            upd = self.updated.get(d, int(os.path.getmtime(link)))
            out.append((vid, d, sorted(tags.get(d, [])), upd))
        out.sort(key=lambda v: (-v[3], -v[0]))
        return out

    def version_of(self, digest):
        """The id the API gives digest (after it was listed once)."""
        return self.ids.get(digest)

    # ---- the API ----

    def _doc(self, repo, pkg, v):
        vid, d, tags, upd = v
        base = "https://api.github.com/%s/%s/packages/container/%s" % (
            self.kind, self.owner, urllib.parse.quote(pkg, safe=""))
        return {"id": vid, "name": d,
                "url": "%s/versions/%d" % (base, vid),
                "package_html_url": "https://github.com/%s/%s/packages/"
                "container/package/%s" % (self.kind, self.owner, pkg),
                "created_at": _iso(upd), "updated_at": _iso(upd),
                "html_url": "https://github.com/%s/%s/packages/container/"
                "%s/%d" % (self.kind, self.owner, pkg, vid),
                "metadata": {"package_type": "container",
                             "container": {"tags": tags}}}

    def _serve(self, h):
        raw = h.path
        split = urllib.parse.urlsplit(raw)
        q = urllib.parse.parse_qs(split.query)
        segs = split.path.split("/")
        status, body, headers = self._route(h, segs, q)
        with self.lock:
            self.requests.append((h.command, raw, status))
        if status == 204:
            h.send_response(204)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        world._send_json(h, status, body, headers)

    def _route(self, h, segs, q):
        notfound = (404, {"message": "Package not found.",
                          "documentation_url": "https://docs.github.com/"
                          "rest/packages/packages"}, None)
        if h.headers.get("Authorization") != "Bearer " + self.token:
            return 401, {"message": "Bad credentials"}, None
        # ['', kind, owner, 'packages', 'container', pkg, 'versions', id?]
        if len(segs) not in (7, 8) or segs[1] != self.kind or \
                segs[2] != self.owner or segs[3] != "packages" or \
                segs[4] != "container" or segs[6] != "versions":
            return notfound
        pkg = urllib.parse.unquote(segs[5])
        repo = self.owner + "/" + pkg
        if not os.path.isdir(self._repo_dir(repo)):
            return notfound
        vs = self.versions(repo)
        if len(segs) == 7:
            if h.command != "GET":
                return 405, {"message": "Method not allowed"}, None
            per = min(int(q.get("per_page", ["30"])[0]), 100,
                      self.page_max)
            page = max(int(q.get("page", ["1"])[0]), 1)
            last = max((len(vs) + per - 1) // per, 1)
            chunk = vs[(page - 1) * per:page * per]
            links = []
            url = "http://%s%s" % (self.link_host or h.headers.get("Host"),
                                   "/".join(segs))
            if page < last:
                links.append('<%s?per_page=%d&page=%d>; rel="next"'
                             % (url, per, page + 1))
                links.append('<%s?per_page=%d&page=%d>; rel="last"'
                             % (url, per, last))
            hdrs = {"Link": ", ".join(links)} if links else None
            return 200, [self._doc(repo, pkg, v) for v in chunk], hdrs
        try:
            vid = int(segs[7])
        except ValueError:
            return notfound
        v = [x for x in vs if x[0] == vid]
        if not v:
            return notfound
        if h.command == "GET":
            return 200, self._doc(repo, pkg, v[0]), None
        if h.command != "DELETE":
            return 405, {"message": "Method not allowed"}, None
        if v[0][1] in self.popular:
            return (400, {"message": REFUSED, "documentation_url":
                          "https://docs.github.com/rest/packages/packages"
                          "#delete-package-version-for-an-organization"},
                    None)
        world.delete_manifest(self.reg, repo, v[0][1])
        return 204, None, None

    def start(self):
        api = self

        class Handler(world._QuietHandler):
            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                api._serve(self)
            do_GET = do_DELETE = do_POST = do_PUT = _any

        self.httpd = world._Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def deletes(self):
        """The version ids the API deleted (204)."""
        return [int(p.split("?")[0].rsplit("/", 1)[1])
                for m, p, s in self.requests if m == "DELETE" and s == 204]


def ghcr_registry_proxy(reg):
    """A proxy to reg that refuses manifest DELETEs (405), as ghcr.io."""
    px = world.SlowProxy(reg.url, 0)
    px.fail(r"/manifests/", status=405, times=10 ** 6, method="DELETE")
    return px
