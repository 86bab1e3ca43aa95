#!/usr/bin/env python3
"""Benchmark a cold `mirrortop status` against the reference pipelines'
approach (bench/reference-pipeline.sh: curl + jq listing, then one
manifest HEAD per version, one after another) on the same world.

    python3 bench/status.py --apps 4 --versions 10 --delay 50 --runs 20
    python3 bench/status.py --world paged --delay 50 --runs 20
    python3 bench/status.py --apps 100 --versions 30 --delay 0 \
        --static-upstream --no-reference

Every request, upstream and registry, goes through a proxy that adds
--delay milliseconds. Half of the versions exist in the registry as
two-arch indexes. `--world paged` is 4 apps whose upstream lists span
several pages (GitHub releases and tags, GitLab tags and releases).

Each of the --runs rounds does a cold refresh (fresh state dir), a warm one
(same state dir) and, unless --no-reference, the reference pipeline, so the
ratio is taken per pair. Prints JSON: every timing as min / median / max,
requests, round trips (wall / delay), peak RSS, CPU, and the load average
before and after. --disk-load keeps the page cache dirty in the background
(as builds on a shared machine do), which is what exposed the fsync stall
described in doc/benchmarks.md.
"""
import argparse
import heapq
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import world  # noqa: E402
from upstream import (Upstream, gh_release, gh_releases, gh_tag,  # noqa: E402
                      gl_release, gl_tags)
from benchlib import DiskLoad, load, run_timed, spread  # noqa: E402

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


class TimedProxy(world.SlowProxy):
    """The delaying proxy, recording when each request arrived and when
    its answer was sent, to count the chain of dependent requests."""

    def __init__(self, target_url, delay_ms):
        self.spans = []
        super().__init__(target_url, delay_ms)

    def _serve(self, h):
        t0 = time.monotonic()
        try:
            super()._serve(h)
        finally:
            with self.lock:
                self.spans.append((t0, time.monotonic()))


def chain_depth(spans):
    """The longest chain of requests each started after the previous one
    was answered: the round trips a refresh needed, whatever the machine's
    load did to the time between them."""
    done, best, deepest = [], 0, 0
    for start, end in sorted(spans):
        while done and done[0][0] <= start:
            best = max(best, heapq.heappop(done)[1])
        heapq.heappush(done, (end, best + 1))
        deepest = max(deepest, best + 1)
    return deepest


def fsync_time(trace):
    """(calls, seconds) of fsync/fdatasync in an strace -T output file."""
    n, t = 0, 0.0
    with open(trace) as f:
        for line in f:
            m = re.search(r"f(?:data)?sync\(.*<([0-9.]+)>$", line)
            if m:
                n += 1
                t += float(m.group(1))
    return n, t


def paged_world(reg):
    """4 apps whose upstream lists take several pages at 100 per page:
    GitHub releases (250: 3 pages), GitHub tags (150: 2), GitLab tags
    (230: 3) and GitLab releases (120: 2). The 10 newest versions of each
    are in the registry, one in two as a two-arch index."""
    ns = "bench/mirror"
    rels = gh_releases(250, repo="bench/app0")
    tags = [gh_tag("v2.%d.%d" % (i // 10, i % 10), repo="bench/app1")
            for i in range(150)][::-1]
    gtags = gl_tags(230, fmt="v3.{minor}.{patch}")
    grels = [gl_release("v4.%d.%d" % (i // 10, i % 10),
                        released_at=1700000000 + i * 3600)
             for i in range(120)][::-1]
    data = {"github": {"bench/app0": {"releases": rels},
                       "bench/app1": {"tags": tags}},
            "gitlab": {"bench/app2": {"tags": gtags},
                       "bench/app3": {"releases": grels}}}
    newest = {"app0": [r["tag_name"] for r in rels[:10]],
              "app1": [t["name"] for t in tags[:10]],
              "app2": [t["name"] for t in gtags[:10]],
              "app3": [r["tag_name"] for r in grels[:10]]}
    c = world._client(reg)
    for app, vs in newest.items():
        name = "%s/%s" % (ns, app)
        x = world.push_image(reg, name, None, arch="amd64")
        y = world.push_image(reg, name, None, arch="arm64")
        body = None
        for i, v in enumerate(vs):
            if i % 2:
                continue
            tag = v.lstrip("v")
            if body is None:
                world.push_index(reg, name, tag, [(x, "amd64"),
                                                  (y, "arm64")],
                                 attestation=False)
                body, ct, _ = world.manifest(reg, name, tag)
            else:
                c.put_manifest(name, tag, body, ct)
    return data


def paged_apps(api):
    inc = r"^v?([0-9]+\.[0-9]+\.[0-9]+)$"
    return [
        {"name": "app0", "include": inc,
         "source": {"type": "github-releases", "repo": "bench/app0",
                    "api": api + "/github"}},
        {"name": "app1", "include": inc,
         "source": {"type": "github-tags", "repo": "bench/app1",
                    "api": api + "/github"}},
        {"name": "app2", "include": inc,
         "source": {"type": "gitlab-tags", "project": "bench/app2",
                    "base_url": api + "/gitlab"}},
        {"name": "app3", "include": inc,
         "source": {"type": "gitlab-releases", "project": "bench/app3",
                    "base_url": api + "/gitlab"}},
    ]


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=4)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--delay", type=int, default=50, help="ms per request")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--world", choices=("flat", "paged"), default="flat")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-warm", action="store_true")
    ap.add_argument("--static-upstream", action="store_true",
                    help="serve upstream lists pre-rendered (large worlds)")
    ap.add_argument("--disk-load", action="store_true",
                    help="keep the page cache dirty in the background")
    ap.add_argument("--fsync", action="store_true",
                    help="run cold refreshes under strace and report the "
                    "time spent in fsync (the loop waits meanwhile)")
    ap.add_argument("--all", action="store_true",
                    help="also print every run's wall time")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mt-bench-")
    reg = world.Registry()
    up = None
    disk = None
    slow_reg = slow_up = None
    try:
        if args.world == "paged":
            # The reference script knows GitHub releases only.
            args.apps, args.versions, args.no_reference = 4, 10, True
            data = paged_world(reg)
        else:
            data = build_world(reg, args.apps, args.versions)
        if args.static_upstream:
            up = StaticGitHub(data)
        else:
            up = Upstream(data, rate_limit_anon=1000000)
            up.start()
        if args.delay > 0:
            slow_reg = TimedProxy(reg.url, args.delay)
            slow_up = TimedProxy(up.url, args.delay)
            # Pagination links must lead back through the proxy.
            up.url = slow_up.url
            reg_ep, up_ep = slow_reg, slow_up
        else:
            # No delay: talk to the registry and the fixture directly.
            reg_ep, up_ep = reg, up
            reg.count = up.count = 0
        if args.world == "paged":
            apps = paged_apps(up_ep.url)
        else:
            apps = [{"name": "app%d" % a,
                     "source": {"type": "github-releases",
                                "repo": "bench/app%d" % a,
                                "api": up_ep.url + "/github"},
                     "include": r"^v?([0-9]+\.[0-9]+\.[0-9]+)$"}
                    for a in range(args.apps)]
        cfg = {"registry": reg_ep.host, "plain_http": True,
               "namespace": "bench/mirror", "archs": ["amd64", "arm64"],
               "max_versions": args.versions, "apps": apps}
        cfg_path = os.path.join(tmp, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        env = dict(os.environ, HOME=tmp, DOCKER_CONFIG=tmp)
        if args.disk_load:
            disk = DiskLoad(tmp)

        def counted():
            if args.delay > 0:
                return slow_reg.count + slow_up.count
            return None

        def spans():
            if args.delay <= 0:
                return None
            with slow_reg.lock, slow_up.lock:
                out = slow_reg.spans + slow_up.spans
                slow_reg.spans, slow_up.spans = [], []
            return out

        cold, warm, ref, ratio, depth = [], [], [], [], []
        fsyncs, fsync_s = [], []
        rss, cpu, reqs, wreqs, wrss, wcpu = [], [], [], [], [], []
        before = load()
        argv = [MIRRORTOP, "status", "--json", "-c", cfg_path]
        for i in range(args.runs):
            env["XDG_STATE_HOME"] = os.path.join(tmp, "state%d" % i)
            n0 = counted()
            spans()
            trace = os.path.join(tmp, "fsync%d.trace" % i)
            p, wall, r, c = run_timed(
                (["strace", "-f", "-T", "-e", "trace=fsync,fdatasync",
                  "-o", trace] if args.fsync else []) + argv, env)
            if args.fsync:
                n, t = fsync_time(trace)
                fsyncs.append(n)
                fsync_s.append(t)
            if p.returncode != 0:
                sys.exit("mirrortop failed: " + p.stderr)
            sp = spans()
            if sp is not None:
                depth.append(chain_depth(sp))
            out = json.loads(p.stdout)
            assert len(out["apps"]) == args.apps
            errs = [a.get("error") for a in out["apps"] if a.get("error")]
            if errs:
                sys.exit("mirrortop reported errors: %s" % errs[:3])
            cold.append(wall)
            rss.append(r / 1024.0)
            cpu.append(c)
            if n0 is not None:
                reqs.append(counted() - n0)
            if not args.no_warm:
                n0 = counted()
                p, wall, r, c = run_timed(argv, env)
                if p.returncode != 0:
                    sys.exit("mirrortop failed: " + p.stderr)
                warm.append(wall)
                wrss.append(r / 1024.0)
                wcpu.append(c)
                if n0 is not None:
                    wreqs.append(counted() - n0)
            if not args.no_reference:
                specs = ["app%d:bench/app%d" % (a, a)
                         for a in range(args.apps)]
                p, wall, _, _ = run_timed(
                    ["sh", os.path.join(HERE, "reference-pipeline.sh"),
                     up_ep.url + "/github", reg_ep.url, "bench/mirror",
                     str(args.versions)] + specs, env)
                ref.append(wall)
                ratio.append(wall / cold[-1])

        results = {"apps": args.apps, "versions": args.versions,
                   "world": args.world, "delay_ms": args.delay,
                   "runs": args.runs, "disk_load": args.disk_load,
                   "load_before": before, "load_after": load(),
                   "cold_s": spread(cold),
                   "cold_round_trips": spread(
                       [t * 1000.0 / args.delay for t in cold], 1)
                   if args.delay else None,
                   "cold_requests": spread(reqs, 0),
                   "cold_request_chain": spread(depth, 0),
                   "cold_peak_rss_mb": spread(rss, 1),
                   "cold_cpu_s": spread(cpu, 2)}
        if warm:
            results.update({"warm_s": spread(warm),
                            "warm_requests": spread(wreqs, 0),
                            "warm_peak_rss_mb": spread(wrss, 1),
                            "warm_cpu_s": spread(wcpu, 2)})
        if ref:
            results["reference_s"] = spread(ref)
            results["speedup_per_pair"] = spread(ratio, 1)
        if args.fsync:
            results["cold_fsync_calls"] = spread(fsyncs, 0)
            results["cold_fsync_s"] = spread(fsync_s)
        if args.all:
            results["cold_all_ms"] = [round(t * 1000) for t in cold]
        print(json.dumps(results, indent=2))
    finally:
        if disk:
            disk.stop()
        for px in (slow_reg, slow_up):
            if px:
                px.stop()
        if up:
            up.stop()
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
