"""Running mirrortop in tests: a private environment, a config pointing at
the test world, and helpers to run the CLI.

    from mt import Env
    with Env() as env:                      # temp HOME/XDG dirs/DOCKER_CONFIG
        env.write_config(registry=reg.host, apps=[...])
        r = env.run("status", "--json")      # CompletedProcess
        data = env.status_json()             # parsed status JSON
"""
import json
import os
import shutil
import subprocess
import tempfile

MIRRORTOP = os.environ.get("MIRRORTOP", "mirrortop")


def github_app(name, upstream, repo, include=r"^v?([0-9]+\.[0-9]+\.[0-9]+)$",
               type="github-releases", **extra):
    """An app entry with a GitHub source served by the Upstream fixture."""
    app = {"name": name,
           "source": {"type": type, "repo": repo,
                      "api": upstream.url + "/github"}}
    if include is not None:
        app["include"] = include
    app.update(extra)
    return app


def gitlab_app(name, upstream, project, include=None, type="gitlab-tags",
               **extra):
    """An app entry with a GitLab source served by the Upstream fixture."""
    app = {"name": name,
           "source": {"type": type, "project": project,
                      "base_url": upstream.url + "/gitlab"}}
    if include is not None:
        app["include"] = include
    app.update(extra)
    return app


class Env:
    """A private HOME, state dir and docker config for one test."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mt-test-")
        self.home = os.path.join(self.dir, "home")
        self.state = os.path.join(self.dir, "state")
        self.docker = os.path.join(self.dir, "docker")
        for d in (self.home, self.state, self.docker):
            os.makedirs(d)
        self.config_path = os.path.join(self.dir, "config.json")
        self.env = dict(os.environ)
        for k in ("MIRRORTOP_CONFIG", "GITHUB_TOKEN", "GITLAB_TOKEN",
                  "REGISTRY_AUTH_FILE", "XDG_CONFIG_HOME", "NO_COLOR"):
            self.env.pop(k, None)
        self.env.update(HOME=self.home, XDG_STATE_HOME=self.state,
                        XDG_CONFIG_HOME=os.path.join(self.dir, "xdg"),
                        DOCKER_CONFIG=self.docker, TERM="dumb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_config(self, registry, apps, namespace="test/mirror", **top):
        cfg = {"registry": registry, "plain_http": True,
               "namespace": namespace, "archs": ["amd64", "arm64"],
               "apps": apps}
        cfg.update(top)
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, indent=2)
        return cfg

    def write_docker_auth(self, host, user, password):
        import base64
        auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        with open(os.path.join(self.docker, "config.json"), "w") as f:
            json.dump({"auths": {host: {"auth": auth}}}, f)

    def run(self, *args, config=True, timeout=60, env=None, input=None):
        argv = [MIRRORTOP] + list(args)
        if config and "-c" not in args:
            argv += ["-c", self.config_path]
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, env=e, input=input)

    def status_json(self, *apps, expect_rc=0):
        r = self.run("status", "--json", *apps)
        if expect_rc is not None and r.returncode != expect_rc:
            raise AssertionError("exit %d, stderr: %s" % (r.returncode,
                                                          r.stderr))
        return json.loads(r.stdout), r


def app_of(status, name):
    for a in status["apps"]:
        if a["name"] == name:
            return a
    raise KeyError(name)


def version_of(app, version):
    for v in app["versions"]:
        if v["version"] == version:
            return v
    raise KeyError(version)
