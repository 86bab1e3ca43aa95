#!/usr/bin/env python3
"""QA world: qaworld.py DIR  (runs until SIGTERM)

Starts an anonymous registry on a fixed loopback port (so it can be killed
and restarted on the same port), a bearer-token registry (anonymous pull
only), and an upstream imitation with 16 apps of odd data. Writes
DIR/config.json, DIR/token.json (bearer registry config), DIR/info.json and
DIR/ready. Commands are read from DIR/cmd (one per write, polled):
  regkill | regstart | upslow SECONDS | updown | upup | upfault PATH KIND
"""
import json, os, signal, sys, time, threading
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import world
from upstream import Upstream, gh_release, gh_tag, gl_tag, gl_release, gh_releases, gl_tags

D = sys.argv[1]
os.makedirs(D, exist_ok=True)
NS = "qa/mirror"
T0 = 1700000000


class FixedRegistry(world.Registry):
    fixed_port = None

    def _config(self):
        c = super()._config()
        if self.fixed_port:
            c = c.replace("addr: 127.0.0.1:0", "addr: 127.0.0.1:%d" % self.fixed_port)
        return c


def rels(repo, tags, pre=()):
    out = []
    for i, t in enumerate(tags):
        out.append(gh_release(t, published_at=T0 + i * 86400, repo=repo, prerelease=t in pre))
    out.reverse()
    return out


ESC = "\x1b[2J\x1b[H\x1b]0;pwned\x07"
data = {"github": {}, "gitlab": {}}
g = data["github"]
# alpha: 12 releases, names in CJK/emoji/RTL
alpha = rels("qa/alpha", ["v2.%d.0" % i for i in range(12)])
for r, nm in zip(alpha, ["日本語リリース", "🚀 rocket", "שלום עולם", ESC + "evil", "x" * 500]):
    r["name"] = nm
g["qa/alpha"] = {"releases": alpha}
g["qa/empty"] = {"releases": []}
g["qa/huge"] = {"releases": gh_releases(300, repo="qa/huge", start=(1, 0, 0), every=10)}
g["qa/invalid"] = {"tags": [gh_tag(n, repo="qa/invalid") for n in
                            ["nightly", "latest", "v1.2", "release-2024", "1.2.3.4", "v01.2.3", ESC, "日本"]]}
g["qa/build"] = {"releases": rels("qa/build", ["v1.0.0+build.5", "v0.9.0", "v1.0.0-rc.1"], pre=("v1.0.0-rc.1",))}
g["qa/prerel"] = {"tags": [gh_tag(n, repo="qa/prerel") for n in ["v3.0.0-rc.2", "v3.0.0-rc.1", "v3.0.0-beta.1", "v2.0.0-alpha"]]}
g["qa/prerelonly"] = {"releases": rels("qa/prerelonly", ["v5.0.0-rc.1", "v5.0.0-rc.2"], pre=("v5.0.0-rc.1", "v5.0.0-rc.2"))}
g["qa/norepo"] = {"releases": rels("qa/norepo", ["v1.0.0", "v1.1.0"])}
g["qa/armapp"] = {"releases": rels("qa/armapp", ["v0.1.0", "v0.2.0", "v0.3.0"])}
g["qa/plugin"] = {"tags": [gh_tag(n, repo="qa/plugin") for n in ["v0.0.1", "v0.0.2", "v0.1.0"]]}
g["qa/one"] = {"releases": rels("qa/one", ["v1.0.0", "v1.1.0", "v1.2.0"])}
g["qa/outside"] = {"releases": rels("qa/outside", ["v0.1.0", "v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"])}
g["qa/hostile"] = {"tags": [gh_tag(n, repo="qa/hostile") for n in
                            ["v1.0.0" + ESC, "v1.1.0-\u202eevil", "v1.2.0-" + "a" * 200, "v1.3.0\r\nX-Injected: 1"]]}
l = data["gitlab"]
l["grp/sub1/sub2/sub3/deep"] = {"tags": gl_tags(7, fmt="release-{major}.{minor}.{patch}", start=(4, 0, 0), every=3)}
l["grp/rel"] = {"releases": [gl_release("v9.%d.0" % i, released_at=T0 + i * 3600, project="grp/rel",
                                         upcoming=(i == 4)) for i in range(5)][::-1]}

up = Upstream(data).start()

reg = FixedRegistry()
port = reg.port
reg.fixed_port = port
# restart on the fixed port so it comes back there
reg.proc.send_signal(signal.SIGTERM); reg.proc.wait()
reg.start()

treg = world.Registry(auth="token")


def repo(a):
    return NS + "/" + a


# alpha: 2.11 missing, 2.10 partial(amd64 only index), 2.9 staged both, 2.8 complete, 2.7 complete; latest -> 2.7
def idx(app, v, archs, tag=None):
    ch = []
    for a in archs:
        var = "v8" if a == "arm64" else ("v7" if a == "arm/v7" else None)
        arch = a.split("/")[0]
        d = world.push_image(reg, repo(app), None, arch=arch, variant=var, layer_bytes=("%s %s %s" % (app, v, a)).encode())
        ch.append((d, arch, var))
    return world.push_index(reg, repo(app), tag or v, ch)


def staged(app, v, a):
    var = "v8" if a == "arm64" else None
    return world.push_image(reg, repo(app), "%s-%s" % (v, a.replace("/", "-")), arch=a.split("/")[0], variant=var, layer_bytes=("st %s %s %s" % (app, v, a)).encode())


idx("alpha", "2.10.0", ["amd64"])
staged("alpha", "2.9.0", "amd64"); staged("alpha", "2.9.0", "arm64")
idx("alpha", "2.8.0", ["amd64", "arm64"])
idx("alpha", "2.7.0", ["amd64", "arm64"])
world.tag(reg, repo("alpha"), "2.7.0", "latest")
for i in range(0, 10):
    idx("huge", "1.%d.%d" % (29 - i // 10, 9 - i % 10), ["amd64", "arm64"])
world.tag(reg, repo("huge"), "1.29.9", "latest")
idx("armapp", "0.3.0", ["amd64", "arm/v7"])
idx("armapp", "0.2.0", ["amd64", "arm/v7", "ppc64le"])
world.tag(reg, repo("armapp"), "0.2.0", "latest")
for v in ["v0.0.1", "v0.0.2"]:
    for a in ["amd64", "arm64"]:
        world.push_plugin(reg, repo("plugin"), "%s-%s" % (v, a))
world.tag(reg, repo("plugin"), "v0.0.2-amd64", "latest-amd64")
world.push_plugin(reg, repo("plugin"), "v0.1.0-amd64")
idx("one", "1.2.0", ["amd64", "arm64"])
idx("outside", "0.1.0", ["amd64", "arm64"])
world.tag(reg, repo("outside"), "0.1.0", "latest")
idx("outside", "1.3.0", ["amd64", "arm64"])
idx("deep", "4.2.0", ["amd64", "arm64"])
idx("prerel", "3.0.0-rc.2", ["amd64", "arm64"])
# token registry
td = world.push_image(treg, repo("alpha"), None, arch="amd64")
te = world.push_image(treg, repo("alpha"), None, arch="arm64", variant="v8")
world.push_index(treg, repo("alpha"), "2.11.0", [(td, "amd64"), (te, "arm64", "v8")])
world.tag(treg, repo("alpha"), "2.11.0", "latest")

bld = {"type": "exec", "timeout": 120, "attempts": 1,
       "argv": [sys.executable, os.path.join(HERE, "qabuilder.py"), "{platform}", "{staging_ref}",
                "{digest_file}", os.environ.get("QA_BUILD_SLEEP", "4"), os.environ.get("QA_FAIL_ARCH", "")]}
gh = up.url + "/github"
gl = up.url + "/gitlab"
apps = [
    {"name": "alpha", "source": {"type": "github-releases", "repo": "qa/alpha", "api": gh}},
    {"name": "empty", "source": {"type": "github-releases", "repo": "qa/empty", "api": gh}},
    {"name": "huge", "max_versions": 50, "source": {"type": "github-releases", "repo": "qa/huge", "api": gh}},
    {"name": "invalid", "source": {"type": "github-tags", "repo": "qa/invalid", "api": gh}},
    {"name": "deep", "include": "^release-([0-9]+\\.[0-9]+\\.[0-9]+)$",
     "source": {"type": "gitlab-tags", "project": "grp/sub1/sub2/sub3/deep", "base_url": gl}},
    {"name": "glrel", "source": {"type": "gitlab-releases", "project": "grp/rel", "base_url": gl}},
    {"name": "build", "source": {"type": "github-releases", "repo": "qa/build", "api": gh}},
    {"name": "prerel", "source": {"type": "github-tags", "repo": "qa/prerel", "api": gh}},
    {"name": "prerelonly", "source": {"type": "github-releases", "repo": "qa/prerelonly", "api": gh, "prereleases": True}},
    {"name": "norepo", "source": {"type": "github-releases", "repo": "qa/norepo", "api": gh}},
    {"name": "armapp", "archs": ["amd64", "arm/v7", "ppc64le"],
     "source": {"type": "github-releases", "repo": "qa/armapp", "api": gh}},
    {"name": "plugin", "manifest": False, "image_tag": "v{version}",
     "source": {"type": "github-tags", "repo": "qa/plugin", "api": gh}},
    {"name": "one", "max_versions": 1, "source": {"type": "github-releases", "repo": "qa/one", "api": gh}},
    {"name": "outside", "max_versions": 3, "source": {"type": "github-releases", "repo": "qa/outside", "api": gh}},
    {"name": "hostile", "include": "^v([0-9]+\\.[0-9]+\\.[0-9]+)",
     "source": {"type": "github-tags", "repo": "qa/hostile", "api": gh}},
    {"name": "a-very-long-application-name-that-goes-on-and-on-and-on-for-quite-a-while.with.dots_and_underscores",
     "image": "long/path/with/many/components",
     "source": {"type": "github-releases", "repo": "qa/alpha", "api": gh}},
]
cfg = {"registry": reg.host, "plain_http": True, "namespace": NS, "archs": ["amd64", "arm64"],
       "max_versions": 10, "refresh_interval": 60, "builder": bld, "apps": apps}
json.dump(cfg, open(os.path.join(D, "config.json"), "w"), indent=1, ensure_ascii=False)
tcfg = dict(cfg, registry=treg.host, apps=[apps[0]])
json.dump(tcfg, open(os.path.join(D, "token.json"), "w"), indent=1)
json.dump({"upstream": up.url, "registry": reg.host, "token_registry": treg.host,
           "regpid": reg.proc.pid, "pid": os.getpid()}, open(os.path.join(D, "info.json"), "w"))
open(os.path.join(D, "ready"), "w").write("ok\n")
print("ready", flush=True)

done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
signal.signal(signal.SIGINT, lambda *a: done.set())
cmdf = os.path.join(D, "cmd")
while not done.wait(0.3):
    if not os.path.exists(cmdf):
        continue
    c = open(cmdf).read().split()
    os.unlink(cmdf)
    try:
        if c[0] == "regkill":
            reg.proc.send_signal(signal.SIGKILL); reg.proc.wait()
        elif c[0] == "regstart":
            reg.start()
        elif c[0] == "upslow":
            up.faults["/github"] = ["slow:%s" % c[1]] * 200
            up.faults["/gitlab"] = ["slow:%s" % c[1]] * 200
        elif c[0] == "upok":
            up.faults.clear()
        elif c[0] == "updown":
            up._server.shutdown(); up._server.server_close()
        elif c[0] == "upfault":
            up.faults[c[1]] = [c[2]] * 50
        print("done", c, flush=True)
    except Exception as e:
        print("cmd failed", c, e, flush=True)
up.stop()
reg.stop()
treg.stop()
