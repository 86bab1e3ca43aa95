"""The registry client against a real docker-registry on loopback.

Runs tests/unit/registry-driver (the client's calls on the real loop and
http layer) and checks what a user would see: tags, platforms, digests,
the token flow, credentials from a docker config, paging and pushing.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import world

BUILD = os.environ.get("MT_BUILDDIR", os.getcwd())
DRIVER = os.path.join(BUILD, "tests", "unit", "registry-driver")

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mt-regtest-")
        self.docker_config = os.path.join(self.tmp, "docker")
        os.makedirs(self.docker_config)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, auths):
        """A docker config.json with {host: (user, password)}."""
        doc = {"auths": {}}
        for host, (u, p) in auths.items():
            doc["auths"][host] = {"auth": base64.b64encode(
                ("%s:%s" % (u, p)).encode()).decode()}
        with open(os.path.join(self.docker_config, "config.json"), "w") as f:
            json.dump(doc, f)

    def run_driver(self, host, *args, opts=()):
        """Run the driver; returns the list of JSON results."""
        env = dict(os.environ)
        env["DOCKER_CONFIG"] = self.docker_config
        env["HOME"] = self.tmp
        env.pop("REGISTRY_AUTH_FILE", None)
        p = subprocess.run([DRIVER] + list(opts) + [host] + list(args),
                           capture_output=True, text=True, timeout=90,
                           env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.splitlines()]

    def one(self, host, *args, opts=()):
        res = self.run_driver(host, *args, opts=opts)
        self.assertEqual(len(res), 1, res)
        return res[0]

    def assertOk(self, res):
        self.assertEqual(res["status"], 0, res.get("error"))

    def assertError(self, res, *parts):
        self.assertEqual(res["status"], -1, res)
        for part in parts:
            self.assertIn(part, res["error"])
        self.assertNotIn("\n", res["error"])


class AnonymousRegistry(Base):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        r = cls.reg
        cls.amd64 = world.push_image(r, "ns/app", "1.0.0-amd64", arch="amd64")
        cls.arm64 = world.push_image(r, "ns/app", "1.0.0-arm64", arch="arm64",
                                     variant="v8")
        cls.armv7 = world.push_image(r, "ns/app", "1.0.0-armv7", arch="arm",
                                     variant="v7", media="docker")
        cls.index = world.push_index(r, "ns/app", "1.0.0",
                                     [(cls.amd64, "amd64"),
                                      (cls.arm64, "arm64", "v8"),
                                      (cls.armv7, "arm", "v7")])
        cls.list = world.push_index(r, "ns/app", "0.9.0",
                                    [(cls.amd64, "amd64")], media="docker")
        cls.plugin = world.push_plugin(r, "ns/plugin", "1.0")
        # Six tags for the paging tests.
        world.push_image(r, "ns/paged", "v1")
        for t in ("v2", "v3", "v10", "latest", "_x"):
            world.tag(r, "ns/paged", "v1", t)

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def test_tags_list(self):
        res = self.one(self.reg.host, "tags", "ns/app")
        self.assertOk(res)
        self.assertEqual(res["tags"], sorted(world.tags(self.reg, "ns/app")))
        self.assertIn("1.0.0", res["tags"])

    def test_missing_repository_is_not_found(self):
        res = self.one(self.reg.host, "tags", "ns/nothing-here")
        self.assertEqual(res["status"], 1)
        self.assertEqual(res["tags"], [])

    def test_invalid_names_rejected_before_sending(self):
        self.assertError(self.one(self.reg.host, "tags", "NS/App"),
                         "invalid repository name")
        self.assertError(self.one(self.reg.host, "get", "ns/app", "../x"),
                         "invalid tag or digest")

    def test_index_platforms_skip_attestations(self):
        res = self.one(self.reg.host, "get", "ns/app", "1.0.0")
        self.assertOk(res)
        self.assertTrue(res["is_index"])
        self.assertEqual(res["media_type"], OCI_INDEX)
        self.assertEqual(res["digest"], self.index)
        plats = [(p["architecture"], p["variant"], p["digest"])
                 for p in res["platforms"]]
        self.assertEqual(plats, [("amd64", None, self.amd64),
                                 ("arm64", None, self.arm64),
                                 ("arm", "v7", self.armv7)])
        raw = world.manifest(self.reg, "ns/app", "1.0.0")[0]
        self.assertEqual(len(json.loads(raw)["manifests"]), 6,
                         "the index does carry attestations")
        self.assertEqual(res["body"].encode(), raw)

    def test_docker_list(self):
        res = self.one(self.reg.host, "get", "ns/app", "0.9.0")
        self.assertOk(res)
        self.assertEqual(res["media_type"], DOCKER_LIST)
        self.assertEqual([p["architecture"] for p in res["platforms"]],
                         ["amd64"])

    def test_single_arch_platform_from_config(self):
        res = self.one(self.reg.host, "get", "ns/app", "1.0.0-arm64",
                       "resolve")
        self.assertOk(res)
        self.assertFalse(res["is_index"])
        self.assertEqual(res["digest"], self.arm64)
        self.assertEqual(res["platform"]["architecture"], "arm64")
        self.assertEqual(res["platform"]["os"], "linux")
        self.assertIsNone(res["platform"]["variant"])
        res = self.one(self.reg.host, "get", "ns/app", "1.0.0-armv7",
                       "resolve")
        self.assertOk(res)
        self.assertEqual((res["platform"]["architecture"],
                          res["platform"]["variant"]), ("arm", "v7"))

    def test_single_arch_without_resolve(self):
        res = self.one(self.reg.host, "get", "ns/app", "1.0.0-amd64")
        self.assertOk(res)
        self.assertIsNone(res["platform"]["architecture"])
        self.assertTrue(res["config_digest"].startswith("sha256:"))

    def test_plugin_config_has_no_architecture(self):
        res = self.one(self.reg.host, "get", "ns/plugin", "1.0", "resolve")
        self.assertOk(res)
        self.assertEqual(res["digest"], self.plugin)
        self.assertIsNone(res["platform"]["architecture"])

    def test_missing_tag_is_not_found(self):
        self.assertEqual(self.one(self.reg.host, "get", "ns/app",
                                  "9.9.9")["status"], 1)
        self.assertEqual(self.one(self.reg.host, "head", "ns/app",
                                  "9.9.9")["status"], 1)

    def test_get_and_head_by_digest(self):
        res = self.one(self.reg.host, "get", "ns/app", self.index)
        self.assertOk(res)
        self.assertEqual(res["digest"], self.index)
        res = self.one(self.reg.host, "head", "ns/app", self.index)
        self.assertOk(res)
        self.assertEqual(res["digest"], self.index)
        self.assertTrue(res["is_index"])
        self.assertNotIn("body", res)

    def test_head_by_tag(self):
        res = self.one(self.reg.host, "head", "ns/app", "1.0.0-amd64")
        self.assertOk(res)
        self.assertEqual(res["digest"], self.amd64)
        self.assertEqual(res["media_type"], OCI_MANIFEST)

    def test_config_blob_redirected_to_another_host(self):
        with world.SlowProxy(self.reg, 0, redirect_blobs=True) as px:
            res = self.one(px.host, "get", "ns/app", "1.0.0-arm64",
                           "resolve")
            self.assertOk(res)
            self.assertEqual(res["platform"]["architecture"], "arm64")
            self.assertEqual(px.blobstore.count, 1)

    def test_put_index_and_read_back(self):
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        for d, arch in ((self.amd64, "amd64"), (self.arm64, "arm64")):
            body = world.manifest(self.reg, "ns/app", d)[0]
            idx["manifests"].append({"mediaType": OCI_MANIFEST, "digest": d,
                                     "size": len(body),
                                     "platform": {"architecture": arch,
                                                  "os": "linux"}})
        data = json.dumps(idx, indent=1).encode()
        path = os.path.join(self.tmp, "index.json")
        with open(path, "wb") as f:
            f.write(data)
        res = self.one(self.reg.host, "put", "ns/app", "2.0.0", OCI_INDEX,
                       path, opts=["-P"])
        self.assertOk(res)
        self.assertEqual(res["digest"], sha256(data))
        got = world.manifest(self.reg, "ns/app", "2.0.0")
        self.assertEqual(got[0], data)
        res = self.one(self.reg.host, "get", "ns/app", "2.0.0")
        self.assertEqual([p["architecture"] for p in res["platforms"]],
                         ["amd64", "arm64"])
        # By digest too.
        res = self.one(self.reg.host, "put", "ns/app", sha256(data),
                       OCI_INDEX, path)
        self.assertOk(res)

    def test_put_errors_are_one_line(self):
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": "sha256:" + "0" * 64,
             "size": 10, "platform": {"architecture": "amd64",
                                      "os": "linux"}}]}
        path = os.path.join(self.tmp, "bad.json")
        with open(path, "w") as f:
            json.dump(idx, f)
        res = self.one(self.reg.host, "put", "ns/app", "broken", OCI_INDEX,
                       path)
        self.assertError(res, self.reg.host, "ns/app:broken",
                         "HTTP 400 MANIFEST_BLOB_UNKNOWN")
        res = self.one(self.reg.host, "put", "ns/app", "sha256:" + "1" * 64,
                       OCI_INDEX, path)
        self.assertError(res, "does not match the digest")

    def test_paging_relative_link(self):
        self.check_paging("relative", 2)

    def test_paging_absolute_link(self):
        self.check_paging("absolute", 2)

    def test_paging_n_last_without_link(self):
        self.check_paging("none-use-n-last", 2)

    def test_paging_exact_multiple(self):
        # 6 tags in pages of 3: the last page is full, an empty one ends it.
        self.check_paging("none-use-n-last", 3)
        self.check_paging("relative", 3)

    def test_paging_page_of_one(self):
        self.check_paging("absolute", 1)

    def check_paging(self, style, n):
        want = sorted(world.tags(self.reg, "ns/paged"))
        self.assertEqual(len(want), 6)
        with world.PagingRegistry(self.reg, page_size=n,
                                  link_style=style) as px:
            res = self.one(px.host, "tags", "ns/paged", opts=["-n", str(n)])
            self.assertOk(res)
            self.assertEqual(res["tags"], want)
            pages = -(-len(want) // n)
            extra = 1 if style == "none-use-n-last" and \
                len(want) % n == 0 else 0
            self.assertEqual(px.tag_requests, pages + extra)

    def test_paging_default_page_size_single_request(self):
        with world.PagingRegistry(self.reg, page_size=2,
                                  link_style="relative") as px:
            res = self.one(px.host, "tags", "ns/paged")
            self.assertOk(res)
            self.assertEqual(len(res["tags"]), 6)
            self.assertEqual(px.tag_requests, 1, "n=1000 asked")


class DigestlessProxy(world.SlowProxy):
    """A proxy that drops Docker-Content-Digest, like old registries."""

    def handle(self, h, method, path, headers, body):
        status, rh, data = self.forward(method, path, headers, body)
        return status, [(k, v) for k, v in rh
                        if k.lower() != "docker-content-digest"], data


class OddRegistries(Base):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.digest = world.push_image(cls.reg, "ns/app", "1.0")

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def test_head_without_digest_falls_back_to_get(self):
        with DigestlessProxy(self.reg, 0) as px:
            res = self.one(px.host, "head", "ns/app", "1.0")
            self.assertOk(res)
            self.assertEqual(res["digest"], self.digest)
            methods = [r[0] for r in px.requests]
            self.assertEqual(methods, ["HEAD", "GET"])

    def test_error_bodies_summarized(self):
        with world.SlowProxy(self.reg, 0) as px:
            px.fail("/manifests/", status=403,
                    body=b"<html><body><h1>Forbidden</h1>\n</body></html>")
            res = self.one(px.host, "get", "ns/app", "1.0")
            self.assertError(res, "ns/app:1.0: HTTP 403")
            self.assertNotIn("html", res["error"])
            px.fail("/manifests/", status=400,
                    body=b'{"message":"bad\\nthing \\u001b[31m"}')
            res = self.one(px.host, "get", "ns/app", "1.0")
            self.assertError(res, "HTTP 400: bad")
            self.assertNotIn("\x1b", res["error"])
            px.fail("/tags/list", status=404, body=b"<html>404</html>")
            res = self.one(px.host, "tags", "ns/app")
            self.assertError(res, "HTTP 404")
            px.fail("/tags/list", status=418, body=b"I'm a teapot\nreally")
            res = self.one(px.host, "tags", "ns/app")
            self.assertError(res, "HTTP 418: I'm a teapot")
            self.assertNotIn("really", res["error"])


class TokenRegistry(Base):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry(auth="token", users={"alice": "s3cret-pw"},
                                 token_deny=("ns/private",))
        cls.amd64 = world.push_image(cls.reg, "ns/app", "1.0.0-amd64")
        cls.arm64 = world.push_image(cls.reg, "ns/app", "1.0.0-arm64",
                                     arch="arm64")

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def setUp(self):
        super().setUp()
        self.reg.token_server.reset()

    def test_token_reused_sequentially(self):
        res = self.run_driver(self.reg.host, "get", "ns/app", "1.0.0-amd64",
                              opts=["-s", "5"])
        self.assertEqual(len(res), 5)
        for r in res:
            self.assertOk(r)
            self.assertEqual(r["digest"], self.amd64)
        self.assertEqual(self.reg.token_server.count, 1)
        user, scopes, status = self.reg.token_server.requests[0]
        self.assertIsNone(user)
        self.assertEqual(scopes, ["repository:ns/app:pull"])

    def test_concurrent_requests_share_one_token_request(self):
        res = self.run_driver(self.reg.host, "head", "ns/app", "1.0.0-arm64",
                              opts=["-c", "8"])
        self.assertEqual([r["digest"] for r in res], [self.arm64] * 8)
        self.assertEqual(self.reg.token_server.count, 1)

    def test_tags_and_resolve_through_token(self):
        res = self.one(self.reg.host, "tags", "ns/app")
        self.assertOk(res)
        self.assertIn("1.0.0-amd64", res["tags"])
        self.assertIn("1.0.0-arm64", res["tags"])
        res = self.one(self.reg.host, "get", "ns/app", "1.0.0-arm64",
                       "resolve")
        self.assertEqual(res["platform"]["architecture"], "arm64")
        self.assertEqual(self.reg.token_server.count, 2)

    def test_config_blob_redirect_does_not_leak_token(self):
        with world.SlowProxy(self.reg, 0, redirect_blobs=True) as px:
            res = self.one(px.host, "get", "ns/app", "1.0.0-arm64",
                           "resolve")
            self.assertOk(res)
            self.assertEqual(res["platform"]["architecture"], "arm64")
            self.assertEqual(px.blobstore.count, 1)
            self.assertEqual(px.blobstore.auth_seen, [])

    def test_denied_token_means_not_visible(self):
        res = self.one(self.reg.host, "get", "ns/private", "1.0")
        self.assertError(res, self.reg.host,
                         "repository ns/private not found or not visible "
                         "(token request denied)")

    def test_push_without_credentials_insufficient_scope(self):
        path = os.path.join(self.tmp, "m.json")
        with open(path, "wb") as f:
            f.write(world.manifest(self.reg, "ns/app", self.amd64)[0])
        res = self.one(self.reg.host, "put", "ns/app", "copy", OCI_MANIFEST,
                       path, opts=["-P"])
        self.assertError(res, "registry %s denied access to ns/app "
                         "(insufficient_scope)" % self.reg.host)

    def test_push_with_credentials(self):
        self.write_config({self.reg.host: ("alice", "s3cret-pw")})
        data = world.manifest(self.reg, "ns/app", self.amd64)[0]
        path = os.path.join(self.tmp, "m.json")
        with open(path, "wb") as f:
            f.write(data)
        self.reg.token_server.reset()
        res = self.one(self.reg.host, "put", "ns/other", "copy",
                       OCI_MANIFEST, path, opts=["-P"])
        self.assertError(res, "MANIFEST_BLOB_UNKNOWN")
        res = self.one(self.reg.host, "put", "ns/app", "copy", OCI_MANIFEST,
                       path, opts=["-P"])
        self.assertOk(res)
        self.assertEqual(res["digest"], self.amd64)
        self.assertEqual(world.manifest(self.reg, "ns/app", "copy")[0], data)
        self.assertEqual(self.reg.token_server.requests[1][0], "alice")
        user, scopes, status = self.reg.token_server.requests[1]
        self.assertEqual(user, "alice")
        self.assertEqual(scopes, ["repository:ns/app:pull,push"])

    def test_wrong_credentials_clear_error_without_secret(self):
        self.write_config({self.reg.host: ("alice", "wrong-pw-xyz")})
        res = self.one(self.reg.host, "tags", "ns/app")
        self.assertError(res, "token request for ns/app denied (HTTP 401)",
                         "check the credentials")
        self.assertNotIn("wrong-pw-xyz", res["error"])

    def test_cancel_waiting_requests(self):
        # Four requests wait on one token fetch; three are cancelled.
        res = self.run_driver(self.reg.host, "head", "ns/app", "1.0.0-amd64",
                              opts=["-c", "4", "-C"])
        self.assertEqual(len(res), 1)
        self.assertEqual(res[0]["digest"], self.amd64)

    def test_free_inside_callback(self):
        # The token fetch fails for all four waiters; the first callback
        # frees the client and the others are never called.
        res = self.run_driver(self.reg.host, "get", "ns/private", "1",
                              opts=["-c", "4", "-F"])
        self.assertEqual(len(res), 1)
        self.assertIn("not found or not visible", res[0]["error"])
        self.assertEqual(self.reg.token_server.count, 1)
        res = self.run_driver(self.reg.host, "get", "ns/app", "1.0.0-amd64",
                              "resolve", opts=["-c", "4", "-F"])
        self.assertEqual(len(res), 1)
        self.assertOk(res[0])

    def test_token_field_and_missing_expiry(self):
        with world.Registry(auth="token", token_fields="token",
                            token_expires_in=None) as reg:
            world.push_image(reg, "ns/app", "1")
            reg.token_server.reset()
            res = self.run_driver(reg.host, "get", "ns/app", "1",
                                  opts=["-s", "3"])
            self.assertEqual([r["status"] for r in res], [0, 0, 0])
            self.assertEqual(reg.token_server.count, 1)
        with world.Registry(auth="token", token_fields="access_token") as reg:
            world.push_image(reg, "ns/app", "1")
            self.assertOk(self.one(reg.host, "head", "ns/app", "1"))


class BasicRegistry(Base):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry(auth="basic", users={"bob": "hunter2-pw"})
        cls.digest = world.push_image(cls.reg, "ns/app", "1.0")

    @classmethod
    def tearDownClass(cls):
        cls.reg.stop()

    def test_credentials_from_docker_config(self):
        self.write_config({"http://%s/v1/" % self.reg.host:
                           ("bob", "hunter2-pw")})
        res = self.one(self.reg.host, "tags", "ns/app")
        self.assertOk(res)
        self.assertEqual(res["tags"], ["1.0"])
        res = self.one(self.reg.host, "head", "ns/app", "1.0")
        self.assertEqual(res["digest"], self.digest)

    def test_no_credentials(self):
        res = self.one(self.reg.host, "tags", "ns/app")
        self.assertError(res, "authentication required by %s; no "
                         "credentials found" % self.reg.host)

    def test_wrong_credentials(self):
        self.write_config({self.reg.host: ("bob", "not-the-pw-123")})
        res = self.one(self.reg.host, "get", "ns/app", "1.0")
        self.assertError(res, "registry %s rejected the credentials for "
                         "ns/app" % self.reg.host)
        self.assertNotIn("not-the-pw-123", res["error"])


if __name__ == "__main__":
    import taprun
    taprun.main()
