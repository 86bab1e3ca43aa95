#!/usr/bin/env python3
"""Demo world: a registry and an upstream imitation with realistic data.

    demo.py [--daemon] DIR

Starts a real registry (docker-registry on 127.0.0.1) and the upstream
fixture (GitHub releases for mattermost and outline, GitLab tags for
mostlymatter), fills the registry so that every state shows up (complete,
partial, staged and missing versions, `latest` behind for mattermost and
right for the others), and writes:

    DIR/config.json   a mirrortop config for this world
    DIR/env           shell exports: . DIR/env; mirrortop
    DIR/pids          this process's pid, then the registry's
    DIR/ready         once everything answers (with --daemon)

Runs until SIGTERM/SIGINT. With --daemon it forks, waits until the world is
ready and returns; stop it with: kill $(head -n1 DIR/pids).
"""
import argparse
import datetime
import hashlib
import json
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import world  # noqa: E402

NAMESPACE = "demo/mirror"
ARCHS = ("amd64", "arm64")


# --------------------------------------------------------------------------
# Upstream data


def _ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d").replace(
        hour=14, minute=3, tzinfo=datetime.timezone.utc)


def _iso_z(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(s):
    return hashlib.sha1(s.encode()).hexdigest()


_ids = [170000000]


def gh_release(repo, tag, when, prerelease=False, draft=False, name=...):
    """A GitHub release object as GET /repos/{o}/{r}/releases returns it."""
    _ids[0] += 7919
    rid = _ids[0]
    api = "https://api.github.com/repos/" + repo
    created = _iso_z(when - datetime.timedelta(hours=3))
    published = None if draft else _iso_z(when)
    return {
        "url": "%s/releases/%d" % (api, rid),
        "assets_url": "%s/releases/%d/assets" % (api, rid),
        "upload_url": "https://uploads.github.com/repos/%s/releases/%d/"
                      "assets{?name,label}" % (repo, rid),
        "html_url": "https://github.com/%s/releases/tag/%s" % (repo, tag),
        "id": rid,
        "author": {"login": "release-bot", "id": 4242, "type": "Bot",
                   "site_admin": False},
        "node_id": "RE_kwDOB%09d" % rid,
        "tag_name": tag,
        "target_commitish": "master" if "mattermost" in repo else "main",
        "name": ("Mattermost " + tag.lstrip("v") if "mattermost" in repo
                 else tag) if name is ... else name,
        "draft": draft,
        "immutable": False,
        "prerelease": prerelease,
        "created_at": created,
        "updated_at": published or created,
        "published_at": published,
        "assets": [],
        "tarball_url": "%s/tarball/%s" % (api, tag),
        "zipball_url": "%s/zipball/%s" % (api, tag),
        "body": "## Changelog\r\n\r\nSee the release notes for %s.\r\n" % tag,
    }


def gl_tag(name, when):
    """A GitLab tag object as GET /projects/:id/repository/tags returns it."""
    local = when.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    stamp = local.strftime("%Y-%m-%dT%H:%M:%S.000+02:00")
    cid = _sha("commit:" + name)
    return {
        "commit": {
            "id": cid, "short_id": cid[:8], "created_at": stamp,
            "parent_ids": [_sha("parent:" + name)],
            "title": "Release " + name, "message": "Release " + name + "\n",
            "author_name": "Framasoft", "author_email": "tech@framasoft.org",
            "authored_date": stamp, "committer_name": "Framasoft",
            "committer_email": "tech@framasoft.org", "committed_date": stamp,
            "trailers": {}, "extended_trailers": {},
            "web_url": "https://framagit.org/framasoft/framateam/"
                       "mostlymatter/-/commit/" + cid,
        },
        "release": None,
        "name": name,
        "target": _sha("tag:" + name),
        "message": "Release " + name,
        "protected": True,
        "created_at": stamp,
    }


def mattermost_versions():
    """[(version, date)] oldest first: 10.5.0 .. 11.1.0."""
    out, day = [], _ts("2025-02-14")
    for minor in range(5, 13):
        for patch in range(4):
            out.append(("10.%d.%d" % (minor, patch),
                        day + datetime.timedelta(days=8 * patch)))
        day += datetime.timedelta(days=30)
    for patch in range(5):
        out.append(("11.0.%d" % patch, day + datetime.timedelta(days=9 * patch)))
    day += datetime.timedelta(days=48)
    out.append(("11.1.0", day))
    return out


def mattermost_releases():
    repo = "mattermost/mattermost"
    rel = []
    for v, when in mattermost_versions():
        name = None if v == "10.11.3" else ...
        if v == "11.1.0":
            rel.append(gh_release(repo, "v11.1.0-rc1",
                                  when - datetime.timedelta(days=12),
                                  prerelease=True))
        rel.append(gh_release(repo, "v" + v, when, name=name))
    last = mattermost_versions()[-1][1]
    rel.append(gh_release(repo, "v11.2.0-rc1",
                          last + datetime.timedelta(days=20), prerelease=True))
    rel.append(gh_release(repo, "v11.2.0", last + datetime.timedelta(days=26),
                          draft=True))
    rel.sort(key=lambda r: r["created_at"], reverse=True)
    return rel


def outline_versions():
    vs = ["0.80.0", "0.80.1", "0.80.2", "0.81.0", "0.81.1", "0.82.0",
          "0.83.0", "0.84.0", "0.85.0", "0.85.1", "0.86.0", "0.86.1",
          "0.87.0", "0.87.1", "0.87.2", "0.87.3"]
    day = _ts("2025-01-20")
    return [(v, day + datetime.timedelta(days=23 * i))
            for i, v in enumerate(vs)]


def outline_releases():
    rel = [gh_release("outline/outline", "v" + v, when)
           for v, when in outline_versions()]
    rel.sort(key=lambda r: r["created_at"], reverse=True)
    return rel


def mostlymatter_versions():
    """[(version, date)] oldest first: 10.5.0 .. 11.0.4 (limitless builds)."""
    out, day = [], _ts("2025-02-18")
    for minor in range(5, 13):
        for patch in range(6):
            out.append(("10.%d.%d" % (minor, patch),
                        day + datetime.timedelta(days=5 * patch)))
        day += datetime.timedelta(days=30)
    for patch in range(5):
        out.append(("11.0.%d" % patch, day + datetime.timedelta(days=9 * patch)))
    return out


def mostlymatter_tags():
    tags = []
    for v, when in mostlymatter_versions():
        tags.append(gl_tag("v%s-limitless" % v, when + datetime.timedelta(
            hours=20)))
        tags.append(gl_tag("v" + v, when))          # the upstream tag, noise
    last = mostlymatter_versions()[-1][1]
    tags.append(gl_tag("test", _ts("2025-03-02")))
    tags.append(gl_tag("v11.1.0-limitless-rc1",
                       last + datetime.timedelta(days=10)))
    tags.append(gl_tag("backup-2025-06", _ts("2025-06-30")))
    tags.sort(key=lambda t: t["commit"]["created_at"], reverse=True)
    return tags


def upstream_data():
    return {
        "github": {
            "mattermost/mattermost": {"releases": mattermost_releases()},
            "outline/outline": {"releases": outline_releases()},
        },
        "gitlab": {
            "framasoft/framateam/mostlymatter": {"tags": mostlymatter_tags()},
        },
    }


# --------------------------------------------------------------------------
# Registry contents


def push_complete(reg, repo, version, media="oci"):
    kids = []
    for arch in ARCHS:
        variant = "v8" if arch == "arm64" else None
        d = world.push_image(reg, repo, None, arch=arch, variant=variant,
                             media=media,
                             layer_bytes=("%s %s %s\n" % (repo, version,
                                                          arch)).encode())
        kids.append((d, arch, variant))
    return world.push_index(reg, repo, version, kids, media=media)


def push_partial(reg, repo, version, archs=("amd64",)):
    kids = []
    for arch in archs:
        d = world.push_image(reg, repo, None, arch=arch,
                             layer_bytes=("%s %s %s\n" % (repo, version,
                                                          arch)).encode())
        kids.append((d, arch, None))
    return world.push_index(reg, repo, version, kids)


def push_staged(reg, repo, version, archs=ARCHS):
    for arch in archs:
        world.push_image(reg, repo, "%s-%s" % (version, arch), arch=arch,
                         variant="v8" if arch == "arm64" else None)


MATTERMOST_PLAN = {
    "11.1.0": "missing", "11.0.4": "staged", "11.0.3": "partial",
    "11.0.2": "complete", "11.0.1": "complete", "11.0.0": "complete",
    "10.12.3": "complete", "10.12.2": "missing", "10.12.1": "complete",
    "10.12.0": "complete", "10.11.3": "complete", "10.11.2": "complete"}
MOSTLYMATTER_PLAN = {
    "11.0.4": "complete", "11.0.3": "complete", "11.0.2": "staged",
    "11.0.1": "complete", "11.0.0": "missing", "10.12.5": "complete",
    "10.12.4": "complete", "10.12.3": "partial", "10.12.2": "complete",
    "10.12.1": "complete", "10.12.0": "complete"}


def outline_plan():
    plan = {v: "complete" for v, _ in outline_versions()[-11:]}
    plan["0.86.0"] = "missing"
    plan["0.87.2"] = "staged"
    return plan


def _push_version(reg, app, v, st):
    repo = "%s/%s" % (NAMESPACE, app)
    if app == "mattermost":
        if st == "complete":
            push_complete(reg, repo, v)
        elif st == "partial":
            push_partial(reg, repo, v)                  # amd64 only
        elif st == "staged":
            push_staged(reg, repo, v)                   # both per-arch tags
    elif app == "mostlymatter":
        if st == "complete":                            # some as docker lists
            push_complete(reg, repo, v,
                          media="docker" if v.startswith("10.12") else "oci")
        elif st == "partial":
            push_partial(reg, repo, v, archs=("arm64",))
        elif st == "staged":
            push_staged(reg, repo, v)
    else:
        if st == "complete":
            push_complete(reg, repo, v)
        elif st == "staged":                            # amd64 merged, arm64
            push_partial(reg, repo, v, archs=("amd64",))    # built only
            push_staged(reg, repo, v, archs=("arm64",))


def fill_registry(reg, stop=None):
    """Push every state; returns {app: {version: state}} for the record.
    Gives up early (returning None) once the stop event is set."""
    import concurrent.futures
    plan = {"mattermost": MATTERMOST_PLAN, "mostlymatter": MOSTLYMATTER_PLAN,
            "outline": outline_plan()}
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        def task(app, v, st):
            if not (stop and stop.is_set()):
                _push_version(reg, app, v, st)
        futs = [ex.submit(task, app, v, st)
                for app, vs in plan.items() for v, st in vs.items()]
        for f in futs:
            f.result()
    if stop and stop.is_set():
        return None
    # mattermost's latest is behind (11.1.0 is out, 11.0.2 is tagged latest);
    # the others point at their highest version
    world.tag(reg, NAMESPACE + "/mattermost", "11.0.2", "latest")
    world.tag(reg, NAMESPACE + "/mostlymatter", "11.0.4", "latest")
    world.tag(reg, NAMESPACE + "/outline", "0.87.3", "latest")
    return plan


# --------------------------------------------------------------------------
# Files


def write_files(d, reg, up_url):
    pushimage = os.path.join(HERE, "pushimage.py")
    config = {
        "registry": reg.host,
        "namespace": NAMESPACE,
        "plain_http": True,
        "archs": list(ARCHS),
        "max_versions": 10,
        "refresh_interval": 30,
        "builder": {"type": "exec",
                    "argv": [sys.executable, pushimage, "--plain-http",
                             "--sleep", "3", "--arch", "{arch}",
                             "--digest-file", "{digest_file}",
                             "{staging_ref}"],
                    "timeout": 120},
        "apps": [
            {"name": "mattermost",
             "source": {"type": "github-releases",
                        "repo": "mattermost/mattermost",
                        "api": up_url + "/github"},
             "include": "^v?([0-9]+\\.[0-9]+\\.[0-9]+)$"},
            {"name": "mostlymatter",
             "source": {"type": "gitlab-tags",
                        "base_url": up_url + "/gitlab",
                        "project": "framasoft/framateam/mostlymatter"},
             "include": "^v([0-9]+\\.[0-9]+\\.[0-9]+)-limitless$"},
            {"name": "outline",
             "source": {"type": "github-releases", "repo": "outline/outline",
                        "api": up_url + "/github"}},
        ],
    }
    _write(os.path.join(d, "config.json"), json.dumps(config, indent=2) + "\n")
    os.makedirs(os.path.join(d, "docker"), exist_ok=True)
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    _write(os.path.join(d, "docker", "config.json"), '{"auths": {}}\n')
    q = _shquote
    _write(os.path.join(d, "env"),
           "# source this file: . %s\n" % q(os.path.join(d, "env")) +
           "export MIRRORTOP_CONFIG=%s\n" % q(os.path.join(d, "config.json")) +
           "export XDG_STATE_HOME=%s\n" % q(os.path.join(d, "state")) +
           "export DOCKER_CONFIG=%s\n" % q(os.path.join(d, "docker")) +
           "unset GITHUB_TOKEN GITLAB_TOKEN REGISTRY_AUTH_FILE\n" +
           "export MT_DEMO_REGISTRY=%s\n" % q(reg.url) +
           "export MT_DEMO_UPSTREAM=%s\n" % q(up_url))


def _shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Main


def make_upstream(data):
    from upstream import Upstream
    try:
        # a dashboard refreshing every 30 s without a token would exhaust
        # GitHub's 60 anonymous requests per hour in the demo
        return Upstream(data, rate_limit_anon=5000)
    except TypeError:
        return Upstream(data)


def run(d, ready_cb=None):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    for f in ("ready", "pids"):
        try:
            os.unlink(os.path.join(d, f))
        except FileNotFoundError:
            pass
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    reg = up = None
    try:
        regdir = os.path.join(d, "registry")
        if os.path.isdir(regdir):
            import shutil
            shutil.rmtree(regdir)
        reg = world.Registry(tmpdir=regdir)
        _write(os.path.join(d, "pids"), "%d\n%d\n" % (os.getpid(),
                                                     reg.proc.pid))
        up = make_upstream(upstream_data())
        up.start()
        plan = fill_registry(reg, done)
        if plan is None:
            return 0
        write_files(d, reg, up.url)
        _write(os.path.join(d, "plan.json"), json.dumps(plan, indent=2) + "\n")
        _write(os.path.join(d, "ready"), "%s %s\n" % (reg.url, up.url))
        print("demo world ready: registry %s, upstream %s" % (reg.url, up.url),
              flush=True)
        print("use it: . %s/env && mirrortop" % d, flush=True)
        if ready_cb:
            ready_cb()
        while not done.wait(0.5):
            if reg.proc is None or reg.proc.poll() is not None:
                print("demo world: registry exited", file=sys.stderr)
                return 1
        return 0
    finally:
        if up is not None:
            up.stop()
        if reg is not None:
            reg.stop()
        for f in ("ready", "pids"):
            try:
                os.unlink(os.path.join(d, f))
            except FileNotFoundError:
                pass


def daemon(d):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    ready = os.path.join(d, "ready")
    if os.path.exists(ready):
        os.unlink(ready)
    log = os.path.join(d, "demo.log")
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        nul = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nul, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.close(nul)
        code = 1
        try:
            code = run(d)
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(ready):
            with open(ready) as f:
                print(f.read().strip())
            return 0
        wpid, _ = os.waitpid(pid, os.WNOHANG)
        if wpid:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGTERM)
    sys.stderr.write("demo world failed to start; log:\n")
    try:
        with open(log) as f:
            sys.stderr.write(f.read()[-3000:])
    except OSError:
        pass
    return 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--daemon", action="store_true",
                    help="fork, wait until ready, return")
    ap.add_argument("dir")
    a = ap.parse_args(argv)
    if a.daemon:
        return daemon(a.dir)
    return run(a.dir)


if __name__ == "__main__":
    sys.exit(main())
