#!/usr/bin/env python3
"""Count what a refresh costs each registry, cold and warm: manifest GETs
(pulls, on Docker Hub), manifest HEADs (not pulls) and blob GETs, per
target, through a counting proxy in front of each real registry.

    python3 bench/cache.py --apps 4 --versions 10 --runs 5

The world: A apps x V versions upstream; half of the versions exist on the
primary as two-arch indexes (with attestation manifests), a few as
single-arch images (their arch comes from the config blob); the mirror
has every other one of the primary's indexes, byte for byte. "cold" is a
fresh state directory (no cache at all); "warm" is the next refresh with
the same state directory. Wall times are min/median/max over --runs.
"""
import argparse
import json
import os
import re
import shutil
import statistics
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
MANIFEST = re.compile(r"^/v2/.+/manifests/")
BLOB = re.compile(r"^/v2/.+/blobs/")


def push_version(reg, repo, tag):
    a = world.push_image(reg, repo, None, arch="amd64",
                         layer_bytes=("%s amd64" % tag).encode())
    b = world.push_image(reg, repo, None, arch="arm64",
                         layer_bytes=("%s arm64" % tag).encode())
    return world.push_index(reg, repo, tag, [(a, "amd64"), (b, "arm64")])


def build_world(primary, mirror, up, apps, versions):
    for a in range(apps):
        repo = "bench/app%d" % a
        name = "bench/mirror/app%d" % a
        rels = []
        for v in range(versions):
            tag = "1.%d.0" % v
            rels.append(gh_release("v" + tag, repo=repo,
                                   published_at="2026-01-01T00:00:00Z"))
            if v % 2 == 0:
                push_version(primary, name, tag)
                if v % 4 == 0:
                    push_version(mirror, name, tag)
            elif v % 5 == 1:
                world.push_image(primary, name, tag, arch="amd64")
        world.tag(primary, name, "1.%d.0" % ((versions - 1) // 2 * 2),
                  "latest")
        up.data["github"][repo] = {"releases": rels}


def counts(proxy):
    with proxy.lock:
        reqs = list(proxy.requests)
        proxy.requests = []
    return {"manifest GET": sum(1 for m, p, _, _ in reqs
                                if m == "GET" and MANIFEST.match(p)),
            "manifest HEAD": sum(1 for m, p, _, _ in reqs
                                 if m == "HEAD" and MANIFEST.match(p)),
            "blob GET": sum(1 for m, p, _, _ in reqs
                            if m == "GET" and BLOB.match(p)),
            "all": len(reqs)}


def run(config, state, no_cache=False):
    env = dict(os.environ, XDG_STATE_HOME=state, HOME=state,
               DOCKER_CONFIG=os.path.join(state, "docker"))
    if no_cache:
        # A file where the cache directory would be: mirrortop runs
        # without a cache, as it did before there was one.
        os.makedirs(os.path.join(state, "mirrortop"), exist_ok=True)
        open(os.path.join(state, "mirrortop", "cache"), "a").close()
    t0 = time.monotonic()
    r = subprocess.run([MIRRORTOP, "-c", config, "status", "--json"],
                       capture_output=True, text=True, env=env)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("mirrortop failed: %s" % r.stderr)
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=4)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-cache", action="store_true",
                    help="measure without the cache (as before it)")
    args = ap.parse_args()

    primary, mirror = world.Registry(), world.Registry()
    pp, mp = world.SlowProxy(primary, 0), world.SlowProxy(mirror, 0)
    up = Upstream()
    up.start()
    tmp = tempfile.mkdtemp(prefix="mt-bench-cache-")
    try:
        build_world(primary, mirror, up, args.apps, args.versions)
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump({"targets": [
                {"name": "ghcr", "registry": pp.host,
                 "namespace": "bench/mirror", "plain_http": True},
                {"name": "hub", "registry": mp.host,
                 "namespace": "bench/mirror", "plain_http": True}],
                "max_versions": args.versions,
                "apps": [{"name": "app%d" % a, "source": {
                    "type": "github-releases", "repo": "bench/app%d" % a,
                    "api": up.url + "/github"}}
                    for a in range(args.apps)]}, f)
        times = {"cold": [], "warm": []}
        seen = {}
        for i in range(args.runs):
            state = os.path.join(tmp, "state%d" % i)
            os.makedirs(os.path.join(state, "docker"))
            counts(pp)
            counts(mp)
            for kind in ("cold", "warm"):
                times[kind].append(run(config, state, args.no_cache))
                c = {"ghcr": counts(pp), "hub": counts(mp)}
                if seen.setdefault(kind, c) != c:
                    print("# note: counts differ between runs: %s" % c)
        print("%d apps x %d versions, %d runs%s" % (
            args.apps, args.versions, args.runs,
            ", without the cache" if args.no_cache else ""))
        print("| refresh | target | manifest GETs | manifest HEADs | "
              "blob GETs | all requests |")
        print("|---|---|---|---|---|---|")
        for kind in ("cold", "warm"):
            for t in ("ghcr", "hub"):
                c = seen[kind][t]
                print("| %s | %s | %d | %d | %d | %d |" % (
                    kind, t, c["manifest GET"], c["manifest HEAD"],
                    c["blob GET"], c["all"]))
        for kind in ("cold", "warm"):
            v = times[kind]
            print("%s wall time: min %.3f s, median %.3f s, max %.3f s" % (
                kind, min(v), statistics.median(v), max(v)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        up.stop()
        pp.stop()
        mp.stop()
        primary.stop()
        mirror.stop()


if __name__ == "__main__":
    main()
