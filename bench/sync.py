#!/usr/bin/env python3
"""Benchmark the actions: registry requests per merge, and the wall time
of an unattended `mirrortop sync` for several concurrency limits.

    python3 bench/sync.py [--versions 10] [--build-seconds 1] [--jobs 1,2,4,8]

Every request mirrortop makes to the registry goes through a counting
proxy (world.SlowProxy with no delay); the stand-in builder
(tests/world/pushimage.py --sleep S) pushes straight to the registry, so
its pushes are not counted. Prints two tables (Markdown).

1. A merge: two staged archs, `mirrortop merge` of the semantic latest
   (index PUT as {image_tag} and latest, read back); the requests of the
   refresh before it are measured with `mirrortop status` and subtracted.
2. `mirrortop sync` of N missing versions x 2 archs with a builder that
   takes --build-seconds, for each concurrency limit (config "jobs").
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import world  # noqa: E402
from upstream import Upstream, gh_release  # noqa: E402

MIRRORTOP = os.environ.get("MIRRORTOP",
                           os.path.join(HERE, "..", "build", "mirrortop"))
PUSHIMAGE = os.path.join(HERE, "..", "tests", "world", "pushimage.py")
REPO = "bench/app"
NS = "bench/mirror"


class World:
    """Registry, counting proxy, upstream with n releases, a private env."""

    def __init__(self, versions, jobs, build_seconds):
        self.reg = world.Registry()
        self.proxy = world.SlowProxy(self.reg, 0)
        self.up = Upstream()
        self.up.start()
        self.versions = ["1.%d.0" % i for i in range(versions)]
        self.up.data["github"][REPO] = {"releases": [
            gh_release("v" + v, repo=REPO) for v in self.versions]}
        self.dir = tempfile.mkdtemp(prefix="mt-bench-sync-")
        self.env = dict(os.environ)
        for k in ("MIRRORTOP_CONFIG", "GITHUB_TOKEN", "XDG_CONFIG_HOME"):
            self.env.pop(k, None)
        for d in ("home", "state", "docker"):
            os.makedirs(os.path.join(self.dir, d))
        self.env.update(HOME=os.path.join(self.dir, "home"),
                        XDG_STATE_HOME=os.path.join(self.dir, "state"),
                        DOCKER_CONFIG=os.path.join(self.dir, "docker"),
                        TERM="dumb")
        argv = [sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
                "--digest-file", "{digest_file}", "--sleep",
                str(build_seconds),
                self.reg.host + "/" + NS + "/app:{image_tag}-{arch}"]
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump({"registry": self.proxy.host, "plain_http": True,
                       "namespace": NS, "archs": ["amd64", "arm64"],
                       "max_versions": versions, "jobs": jobs,
                       "builder": {"type": "exec", "argv": argv,
                                   "timeout": 600},
                       "apps": [{"name": "app", "source": {
                           "type": "github-releases", "repo": REPO,
                           "api": self.up.url + "/github"}}]}, f)

    def run(self, *args):
        """Run mirrortop; (seconds, requests it made, result)."""
        with self.proxy.lock:
            n0 = len(self.proxy.requests)
        t0 = time.monotonic()
        r = subprocess.run([MIRRORTOP, "-c", self.config] + list(args),
                           capture_output=True, text=True, env=self.env,
                           timeout=900)
        dt = time.monotonic() - t0
        with self.proxy.lock:
            reqs = self.proxy.requests[n0:]
        if r.returncode != 0:
            raise SystemExit("mirrortop %s failed (%d): %s" % (
                " ".join(args), r.returncode, r.stderr))
        return dt, reqs, r

    def close(self):
        self.up.stop()
        self.proxy.stop()
        self.reg.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def kinds(reqs):
    """Requests by method and kind of path."""
    c = collections.Counter()
    for method, path, *_ in reqs:
        kind = "manifest" if "/manifests/" in path else \
            "tags" if path.endswith("/tags/list") else \
            "blob" if "/blobs/" in path else "other"
        c["%s %s" % (method, kind)] += 1
    return ", ".join("%s %d" % kv for kv in sorted(c.items()))


def bench_merge():
    w = World(3, 2, 0)
    try:
        top = w.versions[-1]
        for a in ("amd64", "arm64"):
            world.push_image(w.reg, NS + "/app", "%s-%s" % (top, a), arch=a,
                             variant="v8" if a == "arm64" else None)
        _, refresh, _ = w.run("status", "--json", "app")
        _, dry, _ = w.run("merge", "--dry-run", "app", top)
        _, merge, _ = w.run("merge", "app", top)
        return [("refresh of 3 versions (`status`)", len(refresh),
                 kinds(refresh)),
                ("`merge --dry-run` minus the refresh",
                 len(dry) - len(refresh), ""),
                ("`merge` (index + latest) minus the refresh",
                 len(merge) - len(refresh),
                 kinds(merge[len(refresh):]) if len(merge) > len(refresh)
                 else "")]
    finally:
        w.close()


def bench_sync(versions, build_seconds, jobs):
    w = World(versions, jobs, build_seconds)
    try:
        dt, reqs, _ = w.run("sync")
        idx = [world.manifest(w.reg, NS + "/app", v) for v in w.versions]
        if any(i is None for i in idx):
            raise SystemExit("sync left versions unmerged")
        return dt, len(reqs)
    finally:
        w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--build-seconds", type=float, default=1.0)
    ap.add_argument("--jobs", default="1,2,4,8")
    a = ap.parse_args()

    print("## requests per merge\n")
    print("| what | registry requests | by kind |")
    print("|---|---|---|")
    for what, n, k in bench_merge():
        print("| %s | %d | %s |" % (what, n, k))
    builds = a.versions * 2
    print("\n## sync of %d missing versions x 2 archs, %.1f s per build\n"
          % (a.versions, a.build_seconds))
    print("| jobs | wall time | ideal (builds / jobs x build) | "
          "registry requests |")
    print("|---|---|---|---|")
    for j in [int(x) for x in a.jobs.split(",")]:
        dt, n = bench_sync(a.versions, a.build_seconds, j)
        ideal = -(-builds // j) * a.build_seconds
        print("| %d | %.1f s | %.1f s | %d |" % (j, dt, ideal, n),
              flush=True)


if __name__ == "__main__":
    main()
