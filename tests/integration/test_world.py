#!/usr/bin/env python3
"""The test world works: real registry, auth, pushed images, proxies, demo."""
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

SRCDIR = os.environ.get("MT_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

import world  # noqa: E402

MIRRORTOP = os.environ.get("MIRRORTOP") or os.path.join(
    os.environ.get("MT_BUILDDIR", "."), "mirrortop")


def get(url, headers=None, method="GET", body=None):
    return world.http_request(method, url, headers or {}, body)


class RegistryLifecycle(unittest.TestCase):
    def test_starts_answers_and_stops_cleanly(self):
        reg = world.Registry()
        try:
            self.assertRegex(reg.host, r"^127\.0\.0\.1:\d+$")
            self.assertNotEqual(reg.port, 5000)
            r = get(reg.url + "/v2/")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Docker-Distribution-Api-Version"),
                             "registry/2.0")
            proc, tmp = reg.proc, reg.tmpdir
        finally:
            reg.stop()
        self.assertEqual(proc.returncode, 0, "SIGTERM is a graceful stop")
        self.assertFalse(os.path.exists(tmp), "temp dir removed")
        with self.assertRaises(OSError):
            get(reg.url + "/v2/")

    def test_tls_with_self_signed_certificate(self):
        with world.Registry(tls=True) as reg:
            self.assertTrue(reg.url.startswith("https://127.0.0.1:"))
            d = world.push_image(reg, "ns/app", "1")
            self.assertEqual(world.manifest(reg, "ns/app", "1")[2], d)
            with self.assertRaises(ssl.SSLError):
                get(reg.url + "/v2/")           # not trusted without the CA
            r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                                "%{http_code}", "--cacert", reg.ca_file,
                                reg.url + "/v2/"],
                               capture_output=True, text=True)
            self.assertEqual(r.stdout, "200")

    def test_two_registries_get_distinct_ports(self):
        with world.Registry() as a, world.Registry() as b:
            self.assertNotEqual(a.port, b.port)

    def test_caller_tmpdir_is_kept(self):
        tmp = tempfile.mkdtemp()
        try:
            with world.Registry(tmpdir=tmp) as reg:
                world.push_image(reg, "ns/app", "1")
            self.assertTrue(os.path.isfile(os.path.join(tmp, "registry.yml")))
        finally:
            shutil.rmtree(tmp)


class Images(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def test_image_digest_is_deterministic_and_per_arch(self):
        a = world.push_image(self.reg, "det/app", "1-amd64", arch="amd64")
        b = world.push_image(self.reg, "det/app", "1-arm64", arch="arm64")
        a2 = world.push_image(self.reg, "det/app", "1-amd64", arch="amd64")
        self.assertEqual(a, a2)
        self.assertNotEqual(a, b)
        body, ct, dg = world.manifest(self.reg, "det/app", "1-arm64")
        self.assertEqual(ct, world.OCI_MANIFEST)
        self.assertEqual(dg, b)
        self.assertEqual(world.sha256(body), b)
        cfg = json.loads(world.blob(self.reg, "det/app",
                                    json.loads(body)["config"]["digest"]))
        self.assertEqual((cfg["architecture"], cfg["os"]), ("arm64", "linux"))
        self.assertEqual(len(cfg["rootfs"]["diff_ids"]), 1)

    def test_docker_media_and_variant(self):
        d = world.push_image(self.reg, "dk/app", "v7", arch="arm",
                             variant="v7", media="docker")
        body, ct, _ = world.manifest(self.reg, "dk/app", d)
        self.assertEqual(ct, world.DOCKER_MANIFEST)
        m = json.loads(body)
        self.assertEqual(m["config"]["mediaType"], world.DOCKER_CONFIG)
        cfg = json.loads(world.blob(self.reg, "dk/app", m["config"]["digest"]))
        self.assertEqual(cfg["variant"], "v7")

    def test_index_has_archs_and_attestations(self):
        a = world.push_image(self.reg, "ix/app", "2-amd64", arch="amd64")
        b = world.push_image(self.reg, "ix/app", "2-arm64", arch="arm64",
                             variant="v8")
        i = world.push_index(self.reg, "ix/app", "2",
                             [(a, "amd64"), (b, "arm64", "v8")])
        body, ct, dg = world.manifest(self.reg, "ix/app", "2")
        self.assertEqual((ct, dg), (world.OCI_INDEX, i))
        ms = json.loads(body)["manifests"]
        runnable = [m for m in ms if m["platform"]["os"] != "unknown"]
        att = [m for m in ms if m["platform"]["os"] == "unknown"]
        self.assertEqual([m["digest"] for m in runnable], [a, b])
        self.assertEqual(runnable[1]["platform"],
                         {"architecture": "arm64", "os": "linux",
                          "variant": "v8"})
        self.assertEqual(len(att), 2)
        self.assertEqual(ms[2:], att, "attestations come after the images")
        for m, child in zip(att, (a, b)):
            ann = m["annotations"]
            self.assertEqual(ann["vnd.docker.reference.type"],
                             "attestation-manifest")
            self.assertEqual(ann["vnd.docker.reference.digest"], child)
            self.assertEqual(m["platform"], {"architecture": "unknown",
                                             "os": "unknown"})
            ab, act, _ = world.manifest(self.reg, "ix/app", m["digest"])
            self.assertEqual(m["size"], len(ab))
            self.assertEqual(json.loads(ab)["config"]["mediaType"],
                             world.ATTEST_CONFIG)

    def test_docker_list_without_attestations(self):
        a = world.push_image(self.reg, "dl/app", "3-amd64", media="docker")
        b = world.push_image(self.reg, "dl/app", "3-arm64", arch="arm64",
                             media="docker")
        world.push_index(self.reg, "dl/app", "3", [(a, "amd64"),
                                                   (b, "arm64")],
                         media="docker")
        body, ct, _ = world.manifest(self.reg, "dl/app", "3")
        self.assertEqual(ct, world.DOCKER_LIST)
        ms = json.loads(body)["manifests"]
        self.assertEqual([m["mediaType"] for m in ms],
                         [world.DOCKER_MANIFEST] * 2)

    def test_plugin_config_has_no_architecture(self):
        d = world.push_plugin(self.reg, "pl/plugin", "v0.0.1-amd64")
        body, ct, _ = world.manifest(self.reg, "pl/plugin", "v0.0.1-amd64")
        m = json.loads(body)
        self.assertEqual(m["config"]["mediaType"], world.PLUGIN_CONFIG)
        cfg = json.loads(world.blob(self.reg, "pl/plugin",
                                    m["config"]["digest"]))
        self.assertNotIn("architecture", cfg)
        self.assertEqual(world.sha256(body), d)

    def test_tag_and_delete_tag(self):
        d = world.push_image(self.reg, "tg/app", "1.0.0")
        world.tag(self.reg, "tg/app", "1.0.0", "latest")
        self.assertEqual(world.manifest(self.reg, "tg/app", "latest")[2], d)
        self.assertEqual(world.tags(self.reg, "tg/app"), ["1.0.0", "latest"])
        world.delete_tag(self.reg, "tg/app", "latest")
        self.assertEqual(world.tags(self.reg, "tg/app"), ["1.0.0"])
        self.assertIsNone(world.manifest(self.reg, "tg/app", "latest"))
        self.assertEqual(world.manifest(self.reg, "tg/app", "1.0.0")[2], d)
        self.assertEqual(world.tags(self.reg, "no/such"), [])

    def test_missing_tag_is_manifest_unknown(self):
        world.push_image(self.reg, "mu/app", "1")
        r = get(self.reg.url + "/v2/mu/app/manifests/9.9.9",
                {"Accept": world.ACCEPT_ALL})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["errors"][0]["code"], "MANIFEST_UNKNOWN")


class BasicAuth(unittest.TestCase):
    def test_basic_challenge_and_credentials(self):
        with world.Registry(auth="basic", users={"alice": "secret"}) as reg:
            r = get(reg.url + "/v2/")
            self.assertEqual(r.status, 401)
            self.assertTrue(r.header("WWW-Authenticate").startswith("Basic "))
            d = world.push_image(reg, "ns/app", "1")
            self.assertEqual(world.manifest(reg, "ns/app", "1")[2], d)
            with self.assertRaises(world.WorldError):
                world.push_image(reg, "ns/app", "2", user="alice",
                                 password="wrong")
            bad = world.Client(reg, "alice", "wrong")
            self.assertEqual(bad.request("GET", "/v2/").status, 401)


class TokenAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry(auth="token", users={"alice": "secret"})
        cls.digest = world.push_image(cls.reg, "ns/app", "1.0.0")

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def test_challenge_names_realm_service_scope(self):
        r = get(self.reg.url + "/v2/ns/app/tags/list")
        self.assertEqual(r.status, 401)
        scheme, p = world._parse_challenge(r.header("WWW-Authenticate"))
        self.assertEqual(scheme, "bearer")
        self.assertEqual(p["realm"], self.reg.token_server.url)
        self.assertEqual(p["service"], self.reg.token_server.service)
        self.assertEqual(p["scope"], "repository:ns/app:pull")

    def test_token_response_fields(self):
        ts = self.reg.token_server
        r = get(ts.url + "?service=%s&scope=repository:ns/app:pull"
                % ts.service)
        self.assertEqual(r.status, 200)
        j = r.json()
        self.assertEqual(j["token"], j["access_token"])
        self.assertEqual(j["expires_in"], 300)
        self.assertRegex(j["issued_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(j["token"].count("."), 2)

    def test_anonymous_pulls_but_cannot_push(self):
        anon = world.Client(self.reg.url)
        self.assertEqual(world.manifest(anon, "ns/app", "1.0.0")[2],
                         self.digest)
        r = anon.request("POST", "/v2/ns/app/blobs/uploads/",
                         {"Content-Length": "0"}, b"")
        self.assertEqual(r.status, 401)
        self.assertIn("insufficient_scope", r.header("WWW-Authenticate"))
        with self.assertRaises(world.WorldError):
            world.push_image(anon, "ns/app", "2.0.0")

    def test_wrong_password_is_401_at_token_step(self):
        with self.assertRaises(world.WorldError) as cm:
            world.push_image(self.reg, "ns/app", "3", user="alice",
                             password="nope")
        self.assertIn("401", str(cm.exception))
        self.assertIn(("alice", 401),
                      [(u, st) for u, _, st in self.reg.token_server.requests])

    def test_count_shows_token_reuse(self):
        ts = self.reg.token_server
        ts.reset()
        c = world.Client(self.reg)
        for _ in range(3):
            world.manifest(c, "ns/app", "1.0.0")
        self.assertEqual(ts.count, 1)

    def test_token_only_without_expiry_and_deny(self):
        with world.Registry(auth="token", token_fields="token",
                            token_expires_in=None,
                            token_deny=["ns/private"]) as reg:
            ts = reg.token_server
            j = get(ts.url + "?service=%s&scope=repository:ns/a:pull"
                    % ts.service).json()
            self.assertEqual(sorted(j), ["issued_at", "token"])
            r = get(ts.url + "?service=%s&scope=repository:ns/private:pull"
                    % ts.service)
            self.assertEqual(r.status, 403)
            world.push_image(reg, "ns/a", "1")
            self.assertEqual(world.tags(world.Client(reg.url), "ns/a"), ["1"])


class Paging(unittest.TestCase):
    TAGS = ["1.0.0", "1.1.0", "2.0.0", "2.1.0", "latest"]

    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        for t in cls.TAGS:
            world.push_image(cls.reg, "pg/app", t)

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def walk(self, px):
        url, pages = px.url + "/v2/pg/app/tags/list", []
        while url:
            r = get(url)
            self.assertEqual(r.status, 200)
            pages.append(r.json()["tags"])
            link = r.header("Link")
            url = None
            if link:
                target = link.split(">")[0].lstrip("<")
                self.assertIn('rel="next"', link)
                url = urllib.parse.urljoin(px.url + "/v2/", target)
                yield target
        self.pages = pages

    def test_relative_links(self):
        with world.PagingRegistry(self.reg, 2, "relative") as px:
            links = list(self.walk(px))
        self.assertEqual(self.pages, [["1.0.0", "1.1.0"], ["2.0.0", "2.1.0"],
                                      ["latest"]])
        self.assertEqual(links[0], "/v2/pg/app/tags/list?last=1.1.0&n=2")

    def test_absolute_links(self):
        with world.PagingRegistry(self.reg, 3, "absolute") as px:
            links = list(self.walk(px))
            self.assertEqual(links, [px.url +
                                     "/v2/pg/app/tags/list?last=2.0.0&n=3"])
        self.assertEqual(self.pages, [self.TAGS[:3], self.TAGS[3:]])

    def test_n_and_last_without_links(self):
        with world.PagingRegistry(self.reg, 2, "none-use-n-last") as px:
            r = get(px.url + "/v2/pg/app/tags/list?n=4")
            self.assertIsNone(r.header("Link"))
            self.assertEqual(r.json()["tags"], self.TAGS[:4])
            r = get(px.url + "/v2/pg/app/tags/list?n=4&last=2.1.0")
            self.assertEqual(r.json()["tags"], ["latest"])
            self.assertEqual(px.tag_requests, 2)
            r = get(px.url + "/v2/pg/app/tags/list?n=x")
            self.assertEqual(r.status, 400)

    def test_passes_through_manifests_blobs_and_head(self):
        with world.PagingRegistry(self.reg) as px:
            c = world.Client(px.url)
            body, ct, dg = world.manifest(c, "pg/app", "2.0.0")
            self.assertEqual(world.manifest(self.reg, "pg/app", "2.0.0")[2],
                             dg)
            r = get(px.url + "/v2/pg/app/manifests/2.0.0",
                    {"Accept": world.ACCEPT_ALL}, method="HEAD")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Docker-Content-Digest"), dg)
            self.assertEqual(int(r.header("Content-Length")), len(body))
            d = world.push_image(c, "pg/other", "x")
            self.assertEqual(world.manifest(self.reg, "pg/other", "x")[2], d)

    def test_passes_auth_challenges(self):
        with world.Registry(auth="token") as reg:
            world.push_image(reg, "ns/app", "1")
            world.push_image(reg, "ns/app", "2")
            world.push_image(reg, "ns/app", "3")
            with world.PagingRegistry(reg, 2, "relative") as px:
                r = get(px.url + "/v2/ns/app/tags/list")
                self.assertEqual(r.status, 401)
                c = world.Client(px.url)
                r = c.request("GET", "/v2/ns/app/tags/list")
                self.assertEqual(r.json()["tags"], ["1", "2"])
                self.assertIn("last=2", r.header("Link"))


class ProxyFaultsAndRedirects(unittest.TestCase):
    def test_fail_then_recover(self):
        with world.Registry() as reg, world.PagingRegistry(reg) as px:
            world.push_image(reg, "ns/app", "1")
            px.fail(r"/manifests/", 429, times=2, retry_after=3, method="GET")
            url = px.url + "/v2/ns/app/manifests/1"
            hdr = {"Accept": world.ACCEPT_ALL}
            for _ in range(2):
                r = get(url, hdr)
                self.assertEqual(r.status, 429)
                self.assertEqual(r.header("Retry-After"), "3")
                self.assertEqual(r.json()["errors"][0]["code"],
                                 "TOOMANYREQUESTS")
            self.assertEqual(get(url, hdr, method="HEAD").status, 200)
            self.assertEqual(get(url, hdr).status, 200)
            px.fail(r"/tags/list", 503)
            r = get(px.url + "/v2/ns/app/tags/list")
            self.assertEqual(r.status, 503)
            self.assertEqual(get(px.url + "/v2/ns/app/tags/list").status, 200)
            self.assertEqual([q[2] for q in px.requests], [200, 200, 200])

    def test_blobs_redirect_to_another_host(self):
        with world.Registry(auth="basic") as reg, \
                world.PagingRegistry(reg, redirect_blobs=True) as px:
            d = world.push_image(reg, "ns/app", "1", arch="arm64")
            c = world.Client(px.url, *reg.credentials)
            man = json.loads(world.manifest(c, "ns/app", d)[0])
            cd = man["config"]["digest"]
            r = c.request("GET", "/v2/ns/app/blobs/" + cd)
            self.assertEqual(r.status, 307)
            loc = r.header("Location")
            self.assertNotEqual(urllib.parse.urlsplit(loc).netloc, px.host)
            cfg = json.loads(world.blob(c, "ns/app", cd))
            self.assertEqual(cfg["architecture"], "arm64")
            self.assertEqual(px.blobstore.auth_seen, [])
            self.assertEqual(px.blobstore.count, 1)
            r = c.request("GET", "/v2/ns/app/blobs/sha256:" + "0" * 64)
            self.assertEqual(r.status, 404)


class Slow(unittest.TestCase):
    def test_delay_and_concurrency(self):
        import concurrent.futures
        with world.Registry() as reg, world.SlowProxy(reg.url, 200) as px:
            t = time.monotonic()
            self.assertEqual(get(px.url + "/v2/").status, 200)
            self.assertGreaterEqual(time.monotonic() - t, 0.2)
            t = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(40) as ex:
                codes = list(ex.map(lambda _: get(px.url + "/v2/").status,
                                    range(40)))
            self.assertEqual(codes, [200] * 40)
            self.assertLess(time.monotonic() - t, 2.0,
                            "requests are delayed in parallel")
            self.assertEqual(px.count, 41)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:        # a zombie of ours is dead too
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


class Demo(unittest.TestCase):
    """tests/world/demo.py --daemon DIR: the world behind the README demo."""

    @classmethod
    def setUpClass(cls):
        try:
            import upstream  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("upstream fixture not available")
        cls.dir = tempfile.mkdtemp(prefix="mt-demo-")
        demo = os.path.join(SRCDIR, "tests", "world", "demo.py")
        p = subprocess.run([sys.executable, demo, "--daemon", cls.dir],
                           timeout=90, capture_output=True, text=True)
        cls.pid = None
        pids = os.path.join(cls.dir, "pids")
        if os.path.exists(pids):
            cls.pid = int(open(pids).read().split()[0])
        if p.returncode != 0:
            cls.tearDownClass()
            raise AssertionError("demo.py --daemon failed: " + p.stderr)
        cls.cfg = json.load(open(os.path.join(cls.dir, "config.json")))
        cls.url = "http://" + cls.cfg["registry"]

    @classmethod
    def tearDownClass(cls):
        if cls.pid:
            try:
                os.kill(cls.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_files(self):
        self.assertTrue(os.path.exists(os.path.join(self.dir, "ready")))
        cfg = self.cfg
        self.assertTrue(cfg["plain_http"])
        self.assertRegex(cfg["registry"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(cfg["namespace"], "demo/mirror")
        self.assertEqual(cfg["refresh_interval"], 30)
        self.assertEqual([a["name"] for a in cfg["apps"]],
                         ["mattermost", "mostlymatter", "outline"])
        env = open(os.path.join(self.dir, "env")).read()
        for var in ("MIRRORTOP_CONFIG", "XDG_STATE_HOME", "DOCKER_CONFIG"):
            self.assertIn("export %s=" % var, env)
        out = subprocess.run(["sh", "-c", '. "$1/env"; echo "$MIRRORTOP_CONFIG"',
                              "sh", self.dir], capture_output=True, text=True)
        self.assertEqual(out.stdout.strip(),
                         os.path.join(self.dir, "config.json"))
        docker = os.path.join(self.dir, "docker", "config.json")
        self.assertEqual(json.load(open(docker)), {"auths": {}})

    def test_registry_shows_every_state(self):
        mm = "demo/mirror/mattermost"
        tags = world.tags(self.url, mm)
        self.assertNotIn("11.1.0", tags)                         # missing
        self.assertNotIn("11.0.4", tags)                         # staged
        self.assertIn("11.0.4-amd64", tags)
        self.assertIn("11.0.4-arm64", tags)
        body = world.manifest(self.url, mm, "11.0.3")[0]         # partial
        archs = [m["platform"]["architecture"]
                 for m in json.loads(body)["manifests"]]
        self.assertEqual(archs, ["amd64", "unknown"])
        body = world.manifest(self.url, mm, "11.0.2")[0]         # complete
        archs = [m["platform"]["architecture"]
                 for m in json.loads(body)["manifests"]]
        self.assertEqual(archs, ["amd64", "arm64", "unknown", "unknown"])
        # latest drifts for mattermost, is right for mostlymatter
        self.assertEqual(world.manifest(self.url, mm, "latest")[2],
                         world.manifest(self.url, mm, "11.0.2")[2])
        mo = "demo/mirror/mostlymatter"
        self.assertEqual(world.manifest(self.url, mo, "latest")[2],
                         world.manifest(self.url, mo, "11.0.4")[2])
        self.assertEqual(world.manifest(self.url, mo, "10.12.5")[1],
                         world.DOCKER_LIST)

    def test_upstream_data(self):
        gh = self.cfg["apps"][0]["source"]["api"]
        r = get(gh + "/repos/mattermost/mattermost/releases?per_page=100",
                {"User-Agent": "t", "Accept": "application/vnd.github+json"})
        self.assertEqual(r.status, 200)
        rel = r.json()
        self.assertGreaterEqual(len(rel), 38)
        self.assertTrue(any(x["prerelease"] and x["tag_name"] ==
                            "v11.1.0-rc1" for x in rel))
        self.assertFalse(any(x["draft"] for x in rel))
        r = get(gh + "/repos/mattermost/mattermost/releases?per_page=100",
                {"User-Agent": "t", "Authorization": "Bearer demo"})
        self.assertTrue(any(x["draft"] and x["published_at"] is None
                            for x in r.json()), "drafts need push access")
        self.assertTrue(any(x["name"] is None for x in rel))
        self.assertTrue(all(x["published_at"] is None or
                            x["published_at"][:3] == "202" for x in rel))
        gl = self.cfg["apps"][1]["source"]
        r = get(gl["base_url"] + "/api/v4/projects/" +
                urllib.parse.quote(gl["project"], safe="") +
                "/repository/tags?per_page=100", {"User-Agent": "t"})
        self.assertEqual(r.status, 200)
        names = [t["name"] for t in r.json()]
        self.assertEqual(len(names), 100)
        self.assertEqual(r.header("X-Next-Page"), "2", "more than a page")
        self.assertIn("v11.0.4-limitless", names)
        self.assertIn("v11.0.4", names)

    def test_mirrortop_status_shows_the_plan(self):
        exe = os.path.abspath(MIRRORTOP)
        if not os.access(exe, os.X_OK):
            self.skipTest("mirrortop not built")
        p = subprocess.run(["sh", "-c", '. "$1/env" && exec "$2" status --json',
                            "sh", self.dir, exe],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        st = json.loads(p.stdout)
        plan = json.load(open(os.path.join(self.dir, "plan.json")))
        apps = {a["name"]: a for a in st["apps"]}
        self.assertEqual(sorted(apps), sorted(plan))
        for name, app in apps.items():
            self.assertIsNone(app["error"])
            self.assertEqual(len(app["versions"]), 10)
            for v in app["versions"]:
                self.assertEqual(v["state"], plan[name].get(v["version"]),
                                 "%s %s" % (name, v["version"]))
        self.assertEqual((apps["mattermost"]["upstream_latest"],
                          apps["mattermost"]["registry_latest"],
                          apps["mattermost"]["latest_drift"]),
                         ("11.1.0", "11.0.2", True))
        self.assertFalse(apps["mostlymatter"]["latest_drift"])
        self.assertEqual(apps["mostlymatter"]["upstream_latest"], "11.0.4")

    def test_z_stops_on_sigterm(self):
        # runs last (by name): stops the shared world
        self.assertTrue(_pid_alive(self.pid))
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.time() + 10
        while _pid_alive(self.pid) and time.time() < deadline:
            time.sleep(0.05)
        self.assertFalse(_pid_alive(self.pid), "demo world still running")
        with self.assertRaises(OSError):
            get(self.url + "/v2/")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "pids")))
        type(self).pid = None


if __name__ == "__main__":
    import taprun
    taprun.main()
