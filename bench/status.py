#!/usr/bin/env python3
"""Benchmark a cold `mirrortop status` against the reference pipelines'
approach (bench/reference-pipeline.sh: curl + jq listing, then one
manifest HEAD per version, one after another) on the same world.

    python3 bench/status.py --apps 4 --versions 10 --delay 50
    python3 bench/status.py --apps 100 --versions 30 --delay 0

Every request, upstream and registry, goes through a proxy that adds
--delay milliseconds. Half of the versions exist in the registry as
two-arch indexes. Prints wall times, round trips, requests and peak RSS.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import world  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

MIRRORTOP = os.environ.get("MIRRORTOP",
                           os.path.join(HERE, "..", "build", "mirrortop"))


def build_world(reg, apps, versions):
    data = {"github": {}}
    c = world._client(reg)
    for a in range(apps):
        repo = "bench/app%d" % a
        name = "bench/mirror/app%d" % a
        rels = []
        x = world.push_image(reg, name, None, arch="amd64")
        y = world.push_image(reg, name, None, arch="arm64")
        body = None
        for v in range(versions):
            tag = "1.%d.0" % v
            rels.append(gh_release("v" + tag, repo=repo,
                                   published_at="2026-01-01T00:00:00Z"))
            if v % 2 == 0:
                if body is None:
                    world.push_index(reg, name, tag, [(x, "amd64"),
                                                      (y, "arm64")],
                                     attestation=False)
                    body, ct, _ = world.manifest(reg, name, tag)
                else:
                    c.put_manifest(name, tag, body, ct)
        data["github"][repo] = {"releases": rels}
    return data


class StaticGitHub:
    """A minimal GitHub releases endpoint with pre-rendered bodies and
    ETags, so that a large benchmark measures mirrortop rather than the
    fixture's per-request work."""

    def __init__(self, data):
        import hashlib
        import http.server
        import threading
        bodies = {}
        for repo, d in data["github"].items():
            body = json.dumps(d["releases"]).encode()
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
            bodies["/github/repos/%s/releases" % repo] = (body, etag)

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if path not in bodies:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, etag = bodies[path]
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.httpd = S(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.count = 0
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run_timed(argv, env):
    """Run argv under GNU time; return the process, wall seconds and its
    own peak RSS in KiB (a fork of this Python process would count
    Python's pages, so ru_maxrss of a plain child is useless here)."""
    fd, path = tempfile.mkstemp()
    os.close(fd)
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-o", path, "-f", "%M %U %S"] +
                       argv, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    with open(path) as f:
        fields = f.read().split()
    os.unlink(path)
    rss = int(fields[-3]) if len(fields) >= 3 else 0
    cpu = float(fields[-2]) + float(fields[-1]) if len(fields) >= 3 else 0
    return p, wall, rss, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=4)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--delay", type=int, default=50, help="ms per request")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--static-upstream", action="store_true",
                    help="serve upstream lists pre-rendered (large worlds)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mt-bench-")
    reg = world.Registry()
    up = None
    try:
        data = build_world(reg, args.apps, args.versions)
        if args.static_upstream:
            up = StaticGitHub(data)
        else:
            up = Upstream(data, rate_limit_anon=1000000)
            up.start()
        if args.delay > 0:
            slow_reg = world.SlowProxy(reg.url, args.delay)
            slow_up = world.SlowProxy(up.url, args.delay)
        else:
            # No delay: talk to the registry and the fixture directly.
            slow_reg, slow_up = reg, up
            reg.count = up.count = 0
        cfg = {"registry": slow_reg.host, "plain_http": True,
               "namespace": "bench/mirror", "archs": ["amd64", "arm64"],
               "max_versions": args.versions,
               "apps": [{"name": "app%d" % a,
                         "source": {"type": "github-releases",
                                    "repo": "bench/app%d" % a,
                                    "api": slow_up.url + "/github"},
                         "include": r"^v?([0-9]+\.[0-9]+\.[0-9]+)$"}
                        for a in range(args.apps)]}
        cfg_path = os.path.join(tmp, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        env = dict(os.environ, HOME=tmp, DOCKER_CONFIG=tmp)

        results = {"apps": args.apps, "versions": args.versions,
                   "delay_ms": args.delay}
        times = []
        for i in range(args.runs):
            state = os.path.join(tmp, "state%d" % i)  # cold: no ETag cache
            env["XDG_STATE_HOME"] = state
            n0 = slow_reg.count + slow_up.count
            p, wall, rss, cpu = run_timed(
                [MIRRORTOP, "status", "--json", "-c", cfg_path], env)
            if p.returncode != 0:
                sys.exit("mirrortop failed: " + p.stderr)
            out = json.loads(p.stdout)
            assert len(out["apps"]) == args.apps
            times.append(wall)
            results["mirrortop_cpu_s"] = round(cpu, 3)
            if args.delay > 0:
                results["mirrortop_requests"] = (slow_reg.count +
                                                 slow_up.count - n0)
        results["mirrortop_s"] = min(times)
        results["mirrortop_peak_rss_mb"] = round(rss / 1024.0, 1)
        results["mirrortop_round_trips"] = round(
            min(times) * 1000.0 / args.delay, 1) if args.delay else None
        # warm: same state dir, upstream answers 304
        p, wall, _, _ = run_timed(
            [MIRRORTOP, "status", "--json", "-c", cfg_path], env)
        results["mirrortop_warm_s"] = wall

        if not args.no_reference:
            specs = ["app%d:bench/app%d" % (a, a) for a in range(args.apps)]
            p, wall, _, _ = run_timed(
                ["sh", os.path.join(HERE, "reference-pipeline.sh"),
                 slow_up.url + "/github", slow_reg.url, "bench/mirror",
                 str(args.versions)] + specs, env)
            lines = p.stdout.split("\n")
            results["reference_s"] = wall
            results["reference_checks"] = len([l for l in lines if l])
            results["speedup"] = round(wall / results["mirrortop_s"], 1)
        for k in ("mirrortop_s", "mirrortop_warm_s", "reference_s"):
            if k in results:
                results[k] = round(results[k], 3)
        print(json.dumps(results, indent=2))
        if args.delay > 0:
            slow_reg.stop()
            slow_up.stop()
    finally:
        if up:
            up.stop()
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
