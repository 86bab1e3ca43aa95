"""The test world: a real registry on loopback, its auth, and images.

Everything here uses the Python standard library plus the real
/usr/bin/docker-registry, htpasswd and openssl binaries.

    import world
    with world.Registry() as reg:                  # anonymous registry
        d = world.push_image(reg, "ns/app", "1.0.0-amd64", arch="amd64")
        e = world.push_image(reg, "ns/app", "1.0.0-arm64", arch="arm64")
        world.push_index(reg, "ns/app", "1.0.0",
                         [(d, "amd64"), (e, "arm64", "v8")])
        reg.host       # "127.0.0.1:PORT"
        reg.url        # "http://127.0.0.1:PORT"

    world.Registry(auth="basic", users={"alice": "secret"})
    world.Registry(auth="token", users={"alice": "secret"},
                   token_fields="token", token_expires_in=None)
    world.Registry(tls=True)    # https://127.0.0.1:PORT, reg.ca_file
    reg.token_server.count      # token requests served so far

    world.PagingRegistry(reg, page_size=2, link_style="relative")
    world.SlowProxy(reg.url, delay_ms=50)

Pushing helpers talk to the registry API directly, answering Basic and
Bearer challenges with the first user of the registry (or the
user/password given to them).
"""
import atexit
import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse
import uuid
import weakref

import lifecycle

REGISTRY_BIN = os.environ.get("MT_REGISTRY_BIN", "docker-registry")

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json"
ATTEST_CONFIG = "application/vnd.docker.attestation.config.v1+json"
INTOTO_LAYER = "application/vnd.in-toto+json"
ACCEPT_ALL = ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST])


class WorldError(Exception):
    """A world fixture could not do what was asked."""


def sha256(data):
    """Return the "sha256:<hex>" digest of bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


# --------------------------------------------------------------------------
# Token server


class TokenServer:
    """A registry token server (docker token auth, RS256 JWTs).

    users: {"name": "password"}. Authenticated users get every action they
    ask for; anonymous clients get "pull" only; a wrong password is 401.
    fields: "both" (token and access_token), "token" or "access_token".
    expires_in: seconds announced (None: omit the field; the tokens still
    expire after 300 s).
    deny: repository names for which the token endpoint answers 403 DENIED
    to anonymous clients (like GHCR for a private or missing package).
    """

    def __init__(self, tmpdir, users=None, service="mirrortop-test",
                 issuer="mirrortop-test-issuer", fields="both",
                 expires_in=300, deny=()):
        self.tmpdir = tmpdir
        self.users = dict(users or {})
        self.service = service
        self.issuer = issuer
        self.fields = fields
        self.expires_in = expires_in
        self.deny = set(deny)
        self.count = 0
        self.requests = []      # (user or None, [scope, ...], status)
        self.lock = threading.Lock()
        self.key = os.path.join(tmpdir, "token-key.pem")
        self.cert = os.path.join(tmpdir, "token-cert.pem")
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
              "-keyout", self.key, "-out", self.cert, "-days", "3",
              "-subj", "/CN=mirrortop test token issuer"])
        with open(self.cert) as f:
            pem = f.read()
        body = pem.split("-----BEGIN CERTIFICATE-----")[1]
        body = body.split("-----END CERTIFICATE-----")[0]
        self.x5c = "".join(body.split())
        self.httpd = None
        self.thread = None
        self.url = None

    def start(self):
        """Listen on a free loopback port; self.url is the realm."""
        ts = self

        class Handler(_QuietHandler):
            def do_GET(self):
                ts._handle(self)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/token" % port
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop listening."""
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def reset(self):
        """Forget the request count and log."""
        with self.lock:
            self.count = 0
            self.requests = []

    def sign(self, sub, access, lifetime=300):
        """Return a signed JWT for subject sub with the access list."""
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": sub or "", "aud": self.service,
                  "exp": now + lifetime, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        signing = (_b64url(json.dumps(header).encode()) + "." +
                   _b64url(json.dumps(claims).encode()))
        sig = _run(["openssl", "dgst", "-sha256", "-sign", self.key],
                   input=signing.encode()).stdout
        return signing + "." + _b64url(sig)

    def _handle(self, h):
        q = urllib.parse.urlparse(h.path)
        params = urllib.parse.parse_qs(q.query)
        scopes = []
        for s in params.get("scope", []):
            scopes.extend(s.split())
        user = None
        authz = h.headers.get("Authorization", "")
        status = 200
        if authz.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authz[6:].strip()).decode()
                user, _, pw = raw.partition(":")
            except Exception:
                user, pw = "", None
            if self.users.get(user) != pw or pw is None:
                status = 401
        elif authz:
            status = 401
        access = []
        if status == 200:
            for s in scopes:
                parts = s.split(":")
                if len(parts) < 3:
                    continue
                typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
                acts = [a for a in actions.split(",") if a]
                if user is None:
                    if typ == "repository" and name in self.deny:
                        status = 403
                        break
                    acts = [a for a in acts if a == "pull"]
                if acts:
                    access.append({"type": typ, "name": name,
                                   "actions": acts})
        with self.lock:
            self.count += 1
            self.requests.append((user, scopes, status))
        if status == 401:
            _send_json(h, 401, {"errors": [{"code": "UNAUTHORIZED",
                       "message": "authentication required"}]},
                       {"WWW-Authenticate": 'Basic realm="token"'})
            return
        if status == 403:
            _send_json(h, 403, {"errors": [{"code": "DENIED",
                       "message": "requested access to the resource is denied"}]})
            return
        tok = self.sign(user, access)
        body = {}
        if self.fields in ("both", "token"):
            body["token"] = tok
        if self.fields in ("both", "access_token"):
            body["access_token"] = tok
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        body["issued_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _send_json(h, 200, body)


# --------------------------------------------------------------------------
# HTTP server plumbing shared by the fixtures


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass


def _send_json(h, status, obj, headers=None):
    data = json.dumps(obj).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)


# --------------------------------------------------------------------------
# The registry

_live = weakref.WeakSet()


@atexit.register
def _stop_leftovers():
    """Stop registries a test forgot, so none outlives the test process."""
    for reg in list(_live):
        reg.stop()



class Registry:
    """A real docker-registry (distribution 2.8) on 127.0.0.1:<free port>.

    auth: None, "basic" (htpasswd) or "token" (a TokenServer, see above).
    users: {"name": "password"}; defaults to {"alice": "secret"} when
    auth is set. tmpdir: where config, storage and logs go (default: a new
    temporary directory, removed by stop()). Extra keyword arguments
    token_fields / token_expires_in / token_deny go to the TokenServer.
    """

    def __init__(self, auth=None, users=None, tmpdir=None, start=True,
                 token_fields="both", token_expires_in=300, token_deny=(),
                 tls=False):
        if auth not in (None, "basic", "token"):
            raise ValueError("auth must be None, 'basic' or 'token'")
        self.auth = auth
        if users is None:
            users = {"alice": "secret"} if auth else {}
        self.users = dict(users)
        self._own_tmp = tmpdir is None
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="mt-registry-")
        os.makedirs(self.tmpdir, exist_ok=True)
        self.storage = os.path.join(self.tmpdir, "storage")
        self.config_path = os.path.join(self.tmpdir, "registry.yml")
        self.log_path = os.path.join(self.tmpdir, "registry.log")
        self.proc = None
        self.port = None
        self.token_server = None
        self.tls = tls
        self.ca_file = None     # with tls: the self-signed certificate
        self._token_opts = dict(fields=token_fields,
                                expires_in=token_expires_in, deny=token_deny)
        if start:
            self.start()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    @property
    def url(self):
        return ("https://" if self.tls else "http://") + self.host

    @property
    def credentials(self):
        """(user, password) of the first user, or None."""
        for u, p in self.users.items():
            return (u, p)
        return None

    def _config(self):
        lines = [
            "version: 0.1",
            "log:",
            "  level: info",
            "  formatter: text",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: %s" % json.dumps(self.storage),
            "  delete:",
            "    enabled: true",
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            "  addr: 127.0.0.1:0",
            "  secret: %s" % uuid.uuid4().hex,
            "  draintimeout: 1s",
            "  headers:",
            "    X-Content-Type-Options: [nosniff]",
        ]
        if self.tls:
            key = os.path.join(self.tmpdir, "tls-key.pem")
            self.ca_file = os.path.join(self.tmpdir, "tls-cert.pem")
            if not os.path.exists(self.ca_file):
                _run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                      "-nodes", "-keyout", key, "-out", self.ca_file,
                      "-days", "3", "-subj", "/CN=127.0.0.1",
                      "-addext", "subjectAltName=IP:127.0.0.1"])
            lines += ["  tls:",
                      "    certificate: %s" % json.dumps(self.ca_file),
                      "    key: %s" % json.dumps(key)]
        if self.auth == "basic":
            path = os.path.join(self.tmpdir, "htpasswd")
            with open(path, "w") as f:
                for u, p in self.users.items():
                    out = _run(["htpasswd", "-Bbn", u, p]).stdout.decode()
                    f.write(out.strip() + "\n")
            lines += ["auth:", "  htpasswd:", "    realm: mirrortop-test",
                      "    path: %s" % json.dumps(path)]
        elif self.auth == "token":
            ts = self.token_server
            lines += ["auth:", "  token:",
                      "    realm: %s" % json.dumps(ts.url),
                      "    service: %s" % json.dumps(ts.service),
                      "    issuer: %s" % json.dumps(ts.issuer),
                      "    rootcertbundle: %s" % json.dumps(ts.cert)]
        return "\n".join(lines) + "\n"

    def start(self):
        """Start the registry (and its token server); wait for its port."""
        if self.auth == "token" and self.token_server is None:
            self.token_server = TokenServer(self.tmpdir, self.users,
                                            **self._token_opts).start()
        with open(self.config_path, "w") as f:
            f.write(self._config())
        log = open(self.log_path, "ab")
        start_at = log.tell()
        # Its own process group, killed with the test process even when
        # that is killed (see lifecycle.py).
        self.proc = lifecycle.popen([REGISTRY_BIN, "serve", self.config_path],
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=log)
        log.close()
        _live.add(self)
        pat = re.compile(r'listening on 127\.0\.0\.1:(\d+)')
        deadline = time.time() + 15
        while time.time() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(start_at)
                m = pat.search(f.read().decode("utf-8", "replace"))
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        log_text = open(self.log_path, errors="replace").read()[-2000:]
        self.stop()
        raise WorldError("registry did not start:\n" + log_text)

    def stop(self):
        """SIGTERM the registry, wait, stop the token server, clean up."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            lifecycle.untrack(self.proc.pid)
            self.proc = None
        _live.discard(self)
        if self.token_server:
            self.token_server.stop()
            self.token_server = None
        if self._own_tmp and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def log(self):
        """The registry's log so far (for failure messages)."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------
# A small registry client with challenge handling


def _parse_challenge(value):
    """Parse 'Bearer realm="x",service="y"' into ("bearer", {...})."""
    scheme, _, rest = value.strip().partition(" ")
    params = {}
    for m in re.finditer(r'([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))', rest):
        params[m.group(1).lower()] = m.group(2) if m.group(2) is not None \
            else m.group(3)
    return scheme.lower(), params


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers      # http.client.HTTPMessage
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        return json.loads(self.body)


def http_request(method, url, headers=None, body=None, timeout=30,
                 cafile=None):
    """One HTTP request without redirects or auth. Returns a Response."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(u.hostname, u.port,
                                           timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port,
                                          timeout=timeout)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read() if method != "HEAD" else b""
        return Response(r.status, r.headers, data)
    finally:
        conn.close()


class Client:
    """Registry API client for fixtures: handles Basic/Bearer challenges."""

    def __init__(self, reg_or_url, user=None, password=None):
        self.cafile = None
        if isinstance(reg_or_url, str):
            self.base = reg_or_url.rstrip("/")
            creds = None
        else:
            self.base = reg_or_url.url
            creds = reg_or_url.credentials
            self.cafile = getattr(reg_or_url, "ca_file", None)
        if user is not None:
            creds = (user, password or "")
        self.creds = creds
        self.tokens = {}         # scope -> token
        self.authz = None        # last working Authorization header

    def _basic(self):
        if not self.creds:
            return None
        raw = ("%s:%s" % self.creds).encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _answer(self, challenge):
        scheme, p = _parse_challenge(challenge)
        if scheme == "basic":
            return self._basic()
        if scheme != "bearer":
            return None
        scope = p.get("scope", "")
        if scope in self.tokens:
            return "Bearer " + self.tokens[scope]
        q = {"service": p.get("service", "")}
        if scope:
            q["scope"] = scope
        url = p["realm"] + "?" + urllib.parse.urlencode(q)
        hdrs = {}
        if self._basic():
            hdrs["Authorization"] = self._basic()
        r = http_request("GET", url, hdrs)
        if r.status != 200:
            raise WorldError("token request failed: %d" % r.status)
        j = r.json()
        tok = j.get("access_token") or j.get("token")
        self.tokens[scope] = tok
        return "Bearer " + tok

    def request(self, method, path, headers=None, body=None, expect=None):
        """Request path (or an absolute URL); answer one challenge."""
        url = path if path.startswith("http") else self.base + path
        hdrs = dict(headers or {})
        if self.authz:
            hdrs["Authorization"] = self.authz
        r = http_request(method, url, hdrs, body, cafile=self.cafile)
        if r.status == 401 and r.header("WWW-Authenticate"):
            a = self._answer(r.header("WWW-Authenticate"))
            if a:
                hdrs["Authorization"] = a
                r = http_request(method, url, hdrs, body, cafile=self.cafile)
                if r.status != 401:
                    self.authz = a
        if expect is not None and r.status not in (
                expect if isinstance(expect, tuple) else (expect,)):
            raise WorldError("%s %s: %d %s" % (method, url, r.status,
                             r.body[:300].decode("utf-8", "replace")))
        return r

    # blobs & manifests

    def push_blob(self, repo, data):
        """Upload a blob (POST then PUT to the newest Location)."""
        d = sha256(data)
        r = self.request("HEAD", "/v2/%s/blobs/%s" % (repo, d))
        if r.status == 200:
            return d
        r = self.request("POST", "/v2/%s/blobs/uploads/" % repo,
                         {"Content-Length": "0"}, b"", expect=202)
        loc = urllib.parse.urljoin(self.base + "/", r.header("Location"))
        loc += ("&" if "?" in loc else "?") + "digest=" + d
        self.request("PUT", loc, {"Content-Type": "application/octet-stream",
                                  "Content-Length": str(len(data))}, data,
                     expect=201)
        return d

    def put_manifest(self, repo, ref, data, media_type):
        r = self.request("PUT", "/v2/%s/manifests/%s" % (repo, ref),
                         {"Content-Type": media_type}, data, expect=201)
        d = r.header("Docker-Content-Digest")
        if d != sha256(data):
            raise WorldError("registry digest %s != %s" % (d, sha256(data)))
        return d

    def get_manifest(self, repo, ref):
        r = self.request("GET", "/v2/%s/manifests/%s" % (repo, ref),
                         {"Accept": ACCEPT_ALL})
        if r.status == 404:
            return None
        if r.status != 200:
            raise WorldError("GET manifest %s:%s: %d" % (repo, ref, r.status))
        ct = r.header("Content-Type", "").split(";")[0].strip()
        return r.body, ct, r.header("Docker-Content-Digest") or sha256(r.body)


def _client(reg, user=None, password=None):
    if isinstance(reg, Client):
        return reg
    return Client(reg, user, password)


def _canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def make_layer(content):
    """A deterministic gzip'd tar with one file; returns (gz, diff_id)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("etc/mirrortop-fixture")
        ti.size = len(content)
        ti.mtime = 0
        ti.mode = 0o644
        ti.uname = ti.gname = "root"
        t.addfile(ti, io.BytesIO(content))
    raw = buf.getvalue()
    return gzip.compress(raw, compresslevel=6, mtime=0), sha256(raw)


def push_image(reg, repo, tag, arch="amd64", os="linux", variant=None,
               media="oci", layer_bytes=None, user=None, password=None):
    """Push a tiny single-arch image as repo:tag; return its digest.

    The layer is deterministic per (repo, tag, arch, variant) unless
    layer_bytes is given. tag may be None to push by digest only.
    """
    c = _client(reg, user, password)
    if layer_bytes is None:
        layer_bytes = ("%s:%s %s/%s%s\n" % (repo, tag, os, arch,
                       "/" + variant if variant else "")).encode()
    gz, diff_id = make_layer(layer_bytes)
    cfg = {"architecture": arch, "os": os,
           "created": "2026-01-01T00:00:00Z",
           "config": {"Labels": {"org.opencontainers.image.title": repo}},
           "rootfs": {"type": "layers", "diff_ids": [diff_id]},
           "history": [{"created": "2026-01-01T00:00:00Z",
                        "created_by": "mirrortop test world"}]}
    if variant:
        cfg["variant"] = variant
    cfg_bytes = _canon(cfg)
    if media == "oci":
        mt, ct, lt = OCI_MANIFEST, OCI_CONFIG, OCI_LAYER
    elif media == "docker":
        mt, ct, lt = DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER
    else:
        raise ValueError("media must be 'oci' or 'docker'")
    return _push_manifest(c, repo, tag, mt, ct, cfg_bytes, [(lt, gz, None)])


def _push_manifest(c, repo, tag, mt, ct, cfg_bytes, layers, extra=None):
    cd = c.push_blob(repo, cfg_bytes)
    man = {"schemaVersion": 2, "mediaType": mt,
           "config": {"mediaType": ct, "digest": cd, "size": len(cfg_bytes)},
           "layers": []}
    for lt, data, ann in layers:
        ld = c.push_blob(repo, data)
        e = {"mediaType": lt, "digest": ld, "size": len(data)}
        if ann:
            e["annotations"] = ann
        man["layers"].append(e)
    if extra:
        man.update(extra)
    data = json.dumps(man, indent=3).encode()
    d = sha256(data)
    c.put_manifest(repo, tag or d, data, mt)
    return d


def push_attestation(reg, repo, subject_digest, user=None, password=None):
    """Push a buildx-style attestation manifest (by digest) for a child."""
    c = _client(reg, user, password)
    stmt = _canon({"_type": "https://in-toto.io/Statement/v0.1",
                   "predicateType": "https://slsa.dev/provenance/v0.2",
                   "subject": [{"name": "pkg:docker/" + repo,
                                "digest": {"sha256":
                                           subject_digest.split(":")[1]}}],
                   "predicate": {"buildType":
                                 "https://mobyproject.org/buildkit@v1"}})
    cfg = _canon({"architecture": "unknown", "os": "unknown", "config": {},
                  "rootfs": {"type": "layers",
                             "diff_ids": [sha256(stmt)]}})
    return _push_manifest(c, repo, None, OCI_MANIFEST, ATTEST_CONFIG, cfg,
                          [(INTOTO_LAYER, stmt,
                            {"in-toto.io/predicate-type":
                             "https://slsa.dev/provenance/v0.2"})])


def push_index(reg, repo, tag, children, attestation=None, media="oci",
               user=None, password=None, annotations=None):
    """Push a multi-arch index (OCI) or manifest list (docker) as repo:tag.

    children: [(digest, arch[, variant[, media]])]; sizes and media types
    are read back from the registry (media in the tuple overrides). With
    attestation (default: True for OCI, False for docker), an attestation
    manifest is pushed per child and listed after the runnable entries,
    as buildx does. Returns the index digest.
    """
    c = _client(reg, user, password)
    if attestation is None:
        attestation = media == "oci"
    entries, attest = [], []
    for ch in children:
        ch = tuple(ch) + (None,) * (4 - len(ch))
        digest, arch, variant, cmedia = ch[:4]
        got = c.get_manifest(repo, digest)
        if got is None:
            raise WorldError("child %s not in %s" % (digest, repo))
        body, ct, _ = got
        plat = {"architecture": arch, "os": "linux"}
        if variant:
            plat["variant"] = variant
        entries.append({"mediaType": cmedia or ct, "digest": digest,
                        "size": len(body), "platform": plat})
        if attestation:
            ad = push_attestation(c, repo, digest)
            ab = c.get_manifest(repo, ad)[0]
            attest.append({"mediaType": OCI_MANIFEST, "digest": ad,
                           "size": len(ab),
                           "annotations": {
                               "vnd.docker.reference.digest": digest,
                               "vnd.docker.reference.type":
                                   "attestation-manifest"},
                           "platform": {"architecture": "unknown",
                                        "os": "unknown"}})
    mt = OCI_INDEX if media == "oci" else DOCKER_LIST
    idx = {"schemaVersion": 2, "mediaType": mt, "manifests": entries + attest}
    if annotations:
        idx["annotations"] = annotations
    data = json.dumps(idx, indent=2).encode()
    return c.put_manifest(repo, tag or sha256(data), data, mt)


def push_plugin(reg, repo, tag, user=None, password=None):
    """Push a Docker plugin-like image (plugin config, no architecture)."""
    c = _client(reg, user, password)
    gz, diff_id = make_layer(("plugin %s:%s\n" % (repo, tag)).encode())
    cfg = _canon({"description": "mirrortop test plugin",
                  "documentation": "https://example.invalid/",
                  "entrypoint": ["/plugin"],
                  "interface": {"socket": "plugin.sock",
                                "types": ["docker.volumedriver/1.0"]},
                  "linux": {"capabilities": []},
                  "network": {"type": "host"},
                  "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
    return _push_manifest(c, repo, tag, DOCKER_MANIFEST, PLUGIN_CONFIG, cfg,
                          [(DOCKER_LAYER, gz, None)])


def manifest(reg, repo, ref, user=None, password=None):
    """(bytes, content_type, digest) of repo:ref, or None when missing."""
    return _client(reg, user, password).get_manifest(repo, ref)


def blob(reg, repo, digest, user=None, password=None):
    """The bytes of a blob (following a redirect, without credentials)."""
    r = _client(reg, user, password).request(
        "GET", "/v2/%s/blobs/%s" % (repo, digest),
        expect=(200, 301, 302, 303, 307, 308))
    if r.status != 200:
        r = http_request("GET", r.header("Location"))
        if r.status != 200:
            raise WorldError("blob redirect target: %d" % r.status)
    return r.body


def tag(reg, repo, src_ref, new_tag, user=None, password=None):
    """Point new_tag at the manifest of src_ref (same bytes, same digest)."""
    c = _client(reg, user, password)
    got = c.get_manifest(repo, src_ref)
    if got is None:
        raise WorldError("%s:%s not found" % (repo, src_ref))
    data, ct, _ = got
    return c.put_manifest(repo, new_tag, data, ct)


def tags(reg, repo, user=None, password=None):
    """Sorted tags of repo ([] when the repository does not exist)."""
    r = _client(reg, user, password).request("GET", "/v2/%s/tags/list" % repo)
    if r.status == 404:
        return []
    if r.status != 200:
        raise WorldError("tags/list %s: %d" % (repo, r.status))
    return sorted(r.json().get("tags") or [])


def delete_manifest(reg, repo, digest, user=None, password=None):
    """DELETE a manifest by digest (this drops every tag pointing at it)."""
    _client(reg, user, password).request(
        "DELETE", "/v2/%s/manifests/%s" % (repo, digest), expect=202)


def delete_tag(reg, repo, tag_name):
    """Remove just one tag (the registry API cannot: edit its storage)."""
    if not isinstance(reg, Registry):
        raise WorldError("delete_tag needs a world.Registry")
    d = os.path.join(reg.storage, "docker", "registry", "v2", "repositories",
                     repo, "_manifests", "tags", tag_name)
    if not os.path.isdir(d):
        raise WorldError("no tag %s:%s" % (repo, tag_name))
    shutil.rmtree(d)


# --------------------------------------------------------------------------
# Proxies: paging tags/list, and added latency


_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade", "content-length"}


class _Blobstore:
    """A "CDN" on another loopback address that serves redirected blobs and
    records the Authorization headers it receives (there should be none)."""

    def __init__(self):
        self.blobs = {}
        self.auth_seen = []
        self.count = 0
        store = self

        class Handler(_QuietHandler):
            def do_GET(self):
                store.count += 1
                if self.headers.get("Authorization"):
                    store.auth_seen.append(self.headers["Authorization"])
                data = store.blobs.get(self.path.split("?")[0])
                if data is None:
                    _send_json(self, 404, {"message": "no such object"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_HEAD = do_GET

        try:
            self.httpd = _Server(("127.0.0.2", 0), Handler)
            ip = "127.0.0.2"
        except OSError:
            self.httpd = _Server(("127.0.0.1", 0), Handler)
            ip = "localhost"
        self.url = "http://%s:%d" % (ip, self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Proxy:
    """Threaded HTTP/1.1 reverse proxy to target_url (subclass hooks).

    fail(): make matching requests fail; requests: [(method, path, status,
    had_auth)]; redirect_blobs: answer blob GETs with a 307 to another
    host (self.blobstore.url) as registries with a CDN do.
    """

    delay = 0.0

    def __init__(self, target_url, redirect_blobs=False):
        self.target = urllib.parse.urlsplit(target_url.rstrip("/"))
        self.count = 0
        self.requests = []
        self.faults = []
        self.lock = threading.Lock()
        self.httpd = None
        self.port = None
        self._local = threading.local()
        self.blobstore = _Blobstore() if redirect_blobs else None
        self.start()

    def fail(self, pattern, status=429, times=1, retry_after=None,
             method=None, body=None):
        """Answer the next `times` requests whose path matches the regex
        (and method, if given) with status instead of forwarding them.
        429 gets a TOOMANYREQUESTS error body, 5xx a plain-text body,
        other statuses a registry error body; body (bytes) overrides."""
        with self.lock:
            self.faults.append([re.compile(pattern), method, status, times,
                                retry_after, body])

    def _fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f[3] > 0 and f[0].search(path) and \
                        (f[1] is None or f[1] == method):
                    f[3] -= 1
                    return f
        return None

    def _fault_reply(self, f):
        _, _, status, _, retry_after, body = f
        hdrs = [("Content-Type", "application/json"),
                ("Docker-Distribution-Api-Version", "registry/2.0")]
        if retry_after is not None:
            hdrs.append(("Retry-After", str(retry_after)))
        if body is None:
            if status == 429:
                body = _canon({"errors": [{"code": "TOOMANYREQUESTS",
                               "message": "rate limit exceeded"}]})
            elif status >= 500:
                hdrs[0] = ("Content-Type", "text/plain")
                body = b"upstream connect error or disconnect\n"
            else:
                code = {401: "UNAUTHORIZED", 403: "DENIED",
                        404: "NAME_UNKNOWN"}.get(status, "UNSUPPORTED")
                body = _canon({"errors": [{"code": code,
                               "message": code.lower().replace("_", " ")}]})
        return status, hdrs, body

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    @property
    def url(self):
        return "http://" + self.host

    def start(self):
        px = self

        class Handler(_QuietHandler):
            def _any(self):
                px._serve(self)
            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.blobstore:
            self.blobstore.stop()
            self.blobstore = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _read_body(self, h):
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                n = int(h.rfile.readline().split(b";")[0].strip(), 16)
                if n == 0:
                    while h.rfile.readline().strip():
                        pass
                    return out
                out += h.rfile.read(n)
                h.rfile.readline()
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n else None

    def forward(self, method, path, headers, body):
        """Send a request to the target; returns (status, [(k, v)], body)."""
        conn = getattr(self._local, "conn", None)
        for attempt in (0, 1):
            if conn is None:
                conn = http.client.HTTPConnection(self.target.hostname,
                                                  self.target.port,
                                                  timeout=60)
                self._local.conn = conn
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                return r.status, r.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = self._local.conn = None
                if attempt:
                    raise

    def _serve(self, h):
        with self.lock:
            self.count += 1
        body = self._read_body(h)
        if self.delay:
            time.sleep(self.delay)
        headers = {k: v for k, v in h.headers.items()
                   if k.lower() not in _HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        try:
            f = self._fault(h.command, h.path)
            if f:
                status, rh, data = self._fault_reply(f)
            else:
                status, rh, data = self._dispatch(h, headers, body)
        except OSError as e:
            status, rh, data = 502, [("Content-Type", "text/plain")], \
                ("proxy: %s\n" % e).encode()
        h.send_response(status)
        length = None
        for k, v in rh:
            kl = k.lower()
            if kl == "content-length":
                length = v
            if kl in _HOP:
                continue
            h.send_header(k, v)
        if h.command == "HEAD":
            if length is not None:
                h.send_header("Content-Length", length)
        else:
            h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD" and data:
            h.wfile.write(data)

    _BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")

    def _dispatch(self, h, headers, body):
        status, rh, data = self._handle_redirect(h, headers, body)
        if status is None:
            status, rh, data = self.handle(h, h.command, h.path, headers,
                                           body)
        with self.lock:
            self.requests.append((h.command, h.path, status,
                                  "Authorization" in h.headers))
        return status, rh, data

    def _handle_redirect(self, h, headers, body):
        if not self.blobstore or h.command not in ("GET", "HEAD"):
            return None, None, None
        m = self._BLOB.match(h.path.split("?")[0])
        if not m:
            return None, None, None
        status, rh, data = self.forward("GET", h.path, headers, body)
        if status != 200:
            return status, rh, data if h.command == "GET" else b""
        key = "/cdn/%s/%s" % (uuid.uuid4().hex, m.group(1))
        self.blobstore.blobs[key] = data
        return 307, [("Location", self.blobstore.url + key),
                     ("Content-Type", "text/html; charset=utf-8"),
                     ("Docker-Distribution-Api-Version", "registry/2.0")], \
            b'<a href="%s">Temporary Redirect</a>.\n' % key.encode()

    def handle(self, h, method, path, headers, body):
        return self.forward(method, path, headers, body)


class PagingRegistry(_Proxy):
    """A proxy in front of a registry that pages GET /v2/<name>/tags/list.

    Tags are sorted (ASCII), "last" drops tags up to and including it, "n"
    (default page_size) limits the count, capped at max_n when given (a
    server-side cap, as quay.io's 100). link_style: "relative" (like
    distribution: </v2/...>), "absolute" (like GHCR: <http://host/v2/...>),
    or "none-use-n-last" (no Link header; the client must use n/last).
    Everything else is passed through unchanged, auth challenges included.
    self.tag_requests counts tags/list requests.
    """

    _TAGS = re.compile(r"^/v2/(.+)/tags/list$")

    def __init__(self, upstream, page_size=2, link_style="relative",
                 redirect_blobs=False, max_n=None):
        if link_style not in ("relative", "absolute", "none-use-n-last"):
            raise ValueError("bad link_style")
        self.page_size = page_size
        self.max_n = max_n      # the server's cap on n (quay.io: 100)
        self.link_style = link_style
        self.tag_requests = 0
        self.upstream = upstream
        url = upstream if isinstance(upstream, str) else upstream.url
        super().__init__(url, redirect_blobs)

    @property
    def credentials(self):
        return getattr(self.upstream, "credentials", None)

    def handle(self, h, method, path, headers, body):
        u = urllib.parse.urlsplit(path)
        m = self._TAGS.match(u.path)
        if method != "GET" or not m:
            return self.forward(method, path, headers, body)
        with self.lock:
            self.tag_requests += 1
        q = urllib.parse.parse_qs(u.query)
        status, rh, data = self.forward(method, u.path, headers, body)
        if status != 200:
            return status, rh, data
        doc = json.loads(data)
        all_tags = sorted(doc.get("tags") or [])
        last = q.get("last", [None])[0]
        try:
            n = int(q.get("n", [self.page_size])[0])
        except ValueError:
            return 400, [("Content-Type", "application/json")], _canon(
                {"errors": [{"code": "PAGINATION_NUMBER_INVALID",
                             "message": "invalid number of results requested"}]})
        if self.max_n is not None:
            n = min(n, self.max_n)
        if last is not None:
            all_tags = [t for t in all_tags if t > last]
        page = all_tags[:max(n, 0)]
        more = n > 0 and len(all_tags) > len(page)
        out = json.dumps({"name": m.group(1), "tags": page}).encode()
        rh = [(k, v) for k, v in rh if k.lower() not in ("content-length",
                                                         "link")]
        if more and self.link_style != "none-use-n-last":
            nxt = "%s?%s" % (u.path, urllib.parse.urlencode(
                {"last": page[-1], "n": n}))
            if self.link_style == "absolute":
                nxt = self.url + nxt
            rh.append(("Link", '<%s>; rel="next"' % nxt))
        return 200, rh, out


class SlowProxy(_Proxy):
    """A proxy that waits delay_ms before forwarding each request."""

    def __init__(self, target_url, delay_ms, redirect_blobs=False):
        self.delay = delay_ms / 1000.0
        if not isinstance(target_url, str):
            target_url = target_url.url
        super().__init__(target_url, redirect_blobs)


def free_port():
    """A currently free loopback TCP port (racy; prefer port 0 binds)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
