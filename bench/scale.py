#!/usr/bin/env python3
"""How a refresh's cost grows with the mirror: A apps x V versions against
the real registry (docker-registry on loopback) and a static upstream, no
added delay, and the same requests fetched by `curl --parallel` from the
same registry in the same run (the registry's own limit on this machine).

    python3 bench/scale.py --apps 1000 --versions 10 --runs 10
    python3 bench/scale.py --apps 100 --versions 30 --runs 10

First one counting refresh goes through a zero-delay recording proxy: it
gives the requests of a cold and of a warm refresh (what they are does not
depend on timing). Then each of the --runs rounds times, directly against
the registry and the upstream: a cold `mirrortop status --json` (fresh
state dir), a warm one (same state dir), and curl fetching the cold
refresh's requests with --parallel (for each --parallel-max). Ratios are
per pair. Prints JSON: every timing as min / median / max, peak RSS and
CPU of mirrortop, the load average before and after.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
sys.path.insert(0, HERE)
import world  # noqa: E402
from upstream import gh_release  # noqa: E402
from benchlib import load, run_timed, spread  # noqa: E402
import status  # noqa: E402

MIRRORTOP = os.environ.get("MIRRORTOP",
                           os.path.join(HERE, "..", "build", "mirrortop"))
ACCEPT = ("Accept: application/vnd.oci.image.index.v1+json, "
          "application/vnd.oci.image.manifest.v1+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json, "
          "application/vnd.docker.distribution.manifest.v2+json")


def build_app(reg, a, versions):
    """One app as bench/status.py builds it, in its own client."""
    repo = "bench/app%d" % a
    name = "bench/mirror/app%d" % a
    c = world._client(reg)
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
    return repo, rels


def build_world(reg, apps, versions):
    data = {"github": {}}
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for repo, rels in ex.map(lambda a: build_app(reg, a, versions),
                                 range(apps)):
            data["github"][repo] = {"releases": rels}
    return data


def write_config(path, reg_host, up_url, apps, versions):
    cfg = {"registry": reg_host, "plain_http": True,
           "namespace": "bench/mirror", "archs": ["amd64", "arm64"],
           "max_versions": versions,
           "apps": [{"name": "app%d" % a,
                     "source": {"type": "github-releases",
                                "repo": "bench/app%d" % a,
                                "api": up_url + "/github"},
                     "include": r"^v?([0-9]+\.[0-9]+\.[0-9]+)$"}
                    for a in range(apps)]}
    with open(path, "w") as f:
        json.dump(cfg, f)


def curl_config(path, requests, reg_url, up_url, reg_px, up_px):
    """A curl config file fetching the recorded requests (method, path,
    proxy) from the registry and the upstream directly."""
    with open(path, "w") as f:
        first = True
        for method, rpath, px in requests:
            if not first:
                f.write("next\n")
            first = False
            base = reg_url if px is reg_px else up_url
            f.write('url = "%s%s"\n' % (base, rpath))
            f.write('output = "/dev/null"\n')
            if method == "HEAD":
                f.write("head\n")
            if px is reg_px:
                f.write('header = "%s"\n' % ACCEPT)
            else:
                f.write('header = "Accept: application/vnd.github+json"\n')


def callgrind_total(path):
    """The total instruction count (Ir) of a callgrind output file."""
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--callgrind", action="store_true",
                    help="also count the instructions of one cold and one "
                    "warm refresh under callgrind (load-independent)")
    ap.add_argument("--parallel-max", default="32,96",
                    help="curl --parallel-max values to compare with")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mt-scale-")
    reg = world.Registry()
    up = rec_reg = rec_up = None
    try:
        data = build_world(reg, args.apps, args.versions)
        up = status.StaticGitHub(data)
        env = dict(os.environ, HOME=tmp, DOCKER_CONFIG=tmp)
        argv_for = (lambda cfg: [MIRRORTOP, "status", "--json", "-c", cfg])

        # The requests of a cold and of a warm refresh, recorded once.
        rec_reg = world.SlowProxy(reg.url, 0)
        rec_up = world.SlowProxy(up.url, 0)
        rec_cfg = os.path.join(tmp, "recording.json")
        write_config(rec_cfg, rec_reg.host, rec_up.url, args.apps,
                     args.versions)
        env["XDG_STATE_HOME"] = os.path.join(tmp, "state-rec")
        p, _, _, _ = run_timed(argv_for(rec_cfg), env)
        if p.returncode != 0:
            sys.exit("mirrortop failed: " + p.stderr[-2000:])
        cold_reqs = [(m, path, px) for px in (rec_reg, rec_up)
                     for m, path, _, _ in px.requests]
        n_cold = len(cold_reqs)
        c0 = rec_reg.count + rec_up.count
        p, _, _, _ = run_timed(argv_for(rec_cfg), env)
        n_warm = rec_reg.count + rec_up.count - c0
        warm_304 = sum(1 for _, _, st, _ in rec_up.requests[-args.apps:]
                       if st == 304)
        ccfg = os.path.join(tmp, "curl.cfg")
        curl_config(ccfg, cold_reqs, reg.url, up.url, rec_reg, rec_up)
        rec_reg.stop()
        rec_up.stop()
        rec_reg = rec_up = None

        cfg = os.path.join(tmp, "config.json")
        write_config(cfg, reg.host, up.url, args.apps, args.versions)
        instr = {}
        if args.callgrind:
            env["XDG_STATE_HOME"] = os.path.join(tmp, "state-cg")
            for kind in ("cold", "warm"):
                out = os.path.join(tmp, "callgrind.%s" % kind)
                p, _, _, _ = run_timed(
                    ["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
                     out] + argv_for(cfg), env)
                if p.returncode != 0:
                    sys.exit("callgrind run failed: " + p.stderr[-2000:])
                instr[kind] = callgrind_total(out)
            shutil.rmtree(env["XDG_STATE_HOME"], ignore_errors=True)
        pmax = [int(x) for x in args.parallel_max.split(",") if x]
        cold, warm, rss, cpu, wrss, wcpu = [], [], [], [], [], []
        curl_t = {m: [] for m in pmax}
        ratio = {m: [] for m in pmax}
        before = load()
        for i in range(args.runs):
            env["XDG_STATE_HOME"] = os.path.join(tmp, "state%d" % i)
            p, wall, r, c = run_timed(argv_for(cfg), env)
            if p.returncode != 0:
                sys.exit("mirrortop failed: " + p.stderr[-2000:])
            out = json.loads(p.stdout)
            assert len(out["apps"]) == args.apps
            errs = [a.get("error") for a in out["apps"] if a.get("error")]
            if errs:
                sys.exit("mirrortop reported errors: %s" % errs[:3])
            cold.append(wall)
            rss.append(r / 1024.0)
            cpu.append(c)
            p, wall, r, c = run_timed(argv_for(cfg), env)
            warm.append(wall)
            wrss.append(r / 1024.0)
            wcpu.append(c)
            for m in pmax:
                p, wall, _, _ = run_timed(
                    ["curl", "-s", "--parallel", "--parallel-max", str(m),
                     "-K", ccfg], env)
                if p.returncode != 0:
                    sys.exit("curl failed (%d): %s" % (p.returncode,
                                                       p.stderr[-500:]))
                curl_t[m].append(wall)
                ratio[m].append(cold[-1] / wall)
            shutil.rmtree(env["XDG_STATE_HOME"], ignore_errors=True)
        results = {"apps": args.apps, "versions": args.versions,
                   "runs": args.runs, "load_before": before,
                   "load_after": load(),
                   "cold_requests": n_cold, "warm_requests": n_warm,
                   "warm_upstream_304s": warm_304,
                   "cold_s": spread(cold), "warm_s": spread(warm),
                   "cold_peak_rss_mb": spread(rss, 1),
                   "warm_peak_rss_mb": spread(wrss, 1),
                   "cold_cpu_s": spread(cpu, 2), "warm_cpu_s": spread(wcpu, 2),
                   "cold_ms_per_app": round(
                       spread(cold)["median"] * 1000.0 / args.apps, 3)}
        for kind, n in instr.items():
            results["%s_instructions" % kind] = n
            results["%s_instructions_per_app" % kind] = n // args.apps
        for m in pmax:
            results["curl_parallel_%d_s" % m] = spread(curl_t[m])
            results["cold_over_curl_%d_per_pair" % m] = spread(ratio[m], 2)
        print(json.dumps(results, indent=2))
    finally:
        for px in (rec_reg, rec_up):
            if px:
                px.stop()
        if up:
            up.stop()
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
