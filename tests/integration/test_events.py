"""Events and notifications of the mirrortop binary against a real
registry and the upstream fixture: the baseline of a first run, one event
per change across processes sharing a state dir and across restarts, exec
hooks (what they receive, bounded when they hang or flood, resent after a
crash with the same id), webhooks (templated bodies, retried after a 500,
never given a secret), and `mirrortop events`."""
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import world
from mt import MIRRORTOP, Env, github_app
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror"
IMAGE = NS + "/mattermost"
SRCDIR = os.environ.get("MT_SRCDIR", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
HOOK = os.path.join(SRCDIR, "tests", "world", "hooks", "record.py")
BUILDERS = os.path.join(SRCDIR, "tests", "world", "builders")
PUSHIMAGE = os.path.join(SRCDIR, "tests", "world", "pushimage.py")
SECRET = "ghp_eventsSecretTokenValue1234567890"
HOOK_SECRET = "hooksecret-5f0c7a1e9d"
URL_SECRET = "T0PSECRETwebhookPATH8h2"


def releases(*tags):
    """Releases published newest first in the order given."""
    return [gh_release(t, published_at="2026-0%d-10T10:00:00Z" % (9 - i),
                       repo=REPO) for i, t in enumerate(tags)]


def push_argv(*extra):
    return [sys.executable, PUSHIMAGE, "--plain-http", "--arch", "{arch}",
            "--digest-file", "{digest_file}"] + list(extra) + \
        ["{staging_ref}"]


class Receiver:
    """A webhook endpoint on loopback: records every POST; answers with
    the statuses queued in .replies (then 200)."""

    def __init__(self):
        self.requests = []
        self.replies = []
        self.lock = threading.Lock()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with rec.lock:
                    rec.requests.append({"path": self.path,
                                         "headers": dict(self.headers),
                                         "body": body.decode()})
                    status = rec.replies.pop(0) if rec.replies else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class EventsWorld(unittest.TestCase):
    tags = ("v10.3.1", "v10.2.0")

    def setUp(self):
        self.reg = world.Registry()
        self.up = Upstream()
        self.up.start()
        self.up.data["github"][REPO] = {"releases": releases(*self.tags)}
        self.env = Env()
        self.hook_out = os.path.join(self.env.dir, "hook.jsonl")

    def tearDown(self):
        self.env.__exit__(None)
        self.up.stop()
        self.reg.stop()

    def config(self, notify, builder=None, **top):
        app = github_app("mattermost", self.up, REPO)
        if builder is not None:
            top["builder"] = {"type": "exec", "argv": builder, "timeout": 60}
        return self.env.write_config(self.reg.host, [app], notify=notify,
                                     **top)

    def hook(self, mode="ok", **extra):
        sink = {"type": "exec", "argv": [sys.executable, HOOK,
                                         self.hook_out, mode]}
        sink.update(extra)
        return sink

    def cli(self, *args, check=None, timeout=120, env=None):
        e = {"GITHUB_TOKEN": SECRET, "HOOK_SECRET": HOOK_SECRET}
        e.update(env or {})
        r = self.env.run(*args, timeout=timeout, env=e)
        if check is not None:
            self.assertEqual(r.returncode, check,
                             "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        self.assertNotIn(URL_SECRET, r.stdout + r.stderr)
        self.assertNotIn(HOOK_SECRET, r.stdout + r.stderr)
        return r

    @property
    def state(self):
        return os.path.join(self.env.state, "mirrortop")

    def history_text(self):
        with open(os.path.join(self.state, "events.json")) as f:
            text = f.read()
        for s in (SECRET, URL_SECRET, HOOK_SECRET):
            self.assertNotIn(s, text)
        return text

    def events(self, *args):
        r = self.cli("events", "--json", *args, check=0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["schema"], "mirrortop.events/v1")
        return doc["events"]

    def received(self):
        if not os.path.exists(self.hook_out):
            return []
        with open(self.hook_out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def received_events(self):
        return [json.loads(r["stdin"]) for r in self.received()]

    def release(self, *tags):
        with self.up.lock:
            self.up.data["github"][REPO]["releases"] = releases(*tags)

    def stage(self, version, archs=("amd64", "arm64")):
        return {a: world.push_image(self.reg, IMAGE, "%s-%s" % (version, a),
                                    arch=a, variant="v8" if a == "arm64"
                                    else None)
                for a in archs}

    def wait_for(self, cond, seconds=60):
        for _ in range(int(seconds / 0.1)):
            if cond():
                return True
            time.sleep(0.1)
        return False


class TestBaseline(EventsWorld):
    def test_first_run_announces_nothing(self):
        self.config([self.hook()])
        self.cli("status", check=0)
        self.assertEqual(self.received(), [])
        self.assertEqual(self.events(), [])
        # The baseline is recorded: a second run announces nothing either.
        self.cli("status", check=0)
        self.assertEqual(self.received(), [])

    def test_notify_initial_announces_the_window(self):
        self.config([self.hook()], notify_initial=True)
        self.cli("status", check=0)
        got = self.received_events()
        self.assertEqual(sorted(e["version"] for e in got),
                         ["10.2.0", "10.3.1"])
        self.assertTrue(all(e["type"] == "new_version" for e in got))
        self.cli("status", check=0)
        self.assertEqual(len(self.received()), 2)


class TestNewVersion(EventsWorld):
    def test_one_event_per_change_across_processes_and_restarts(self):
        self.config([self.hook(env_pass=["HOOK_SECRET"])])
        self.cli("status", check=0)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        # Two processes on one state dir see the same new release.
        procs = [subprocess.Popen(
            [MIRRORTOP, "status", "-c", self.env.config_path],
            env=dict(self.env.env, GITHUB_TOKEN=SECRET,
                     HOOK_SECRET=HOOK_SECRET),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
        self.cli("status", check=0)     # a restart
        self.cli("matrix", check=0)     # another command, same core
        got = self.received()
        self.assertEqual(len(got), 1, got)
        ev = json.loads(got[0]["stdin"])
        self.assertEqual(ev["type"], "new_version")
        self.assertEqual(ev["app"], "mattermost")
        self.assertEqual(ev["version"], "10.4.0")
        self.assertRegex(ev["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("mirrortop sync mattermost", ev["message"])
        self.assertEqual(set(ev), {"id", "type", "kind", "app", "version",
                                   "arch", "target", "time", "message"})
        # A minimal environment: no token unless passed by name.
        env = got[0]["env"]
        self.assertNotIn("GITHUB_TOKEN", env)
        self.assertEqual(env["HOOK_SECRET"], HOOK_SECRET)
        self.assertEqual(env["MIRRORTOP_EVENT_ID"], ev["id"])
        self.assertEqual(env["MIRRORTOP_EVENT_TYPE"], "new_version")
        hist = self.events()
        self.assertEqual([(e["type"], e["version"]) for e in hist],
                         [("new_version", "10.4.0")])
        self.assertEqual(hist[0]["id"], ev["id"])
        self.history_text()

    def test_old_version_sliding_into_the_window_is_not_new(self):
        self.config([self.hook()], max_versions=2)
        self.release("v10.3.1", "v10.2.0", "v10.1.0")
        self.cli("status", check=0)
        # 10.3.1 withdrawn upstream: 10.1.0 enters the window at the bottom.
        self.release("v10.2.0", "v10.1.0")
        self.cli("status", check=0)
        self.assertEqual(self.received(), [])

    def test_app_filter_and_event_filter(self):
        self.config([self.hook(events=["build_failed"]),
                     {"type": "exec", "apps": ["mattermost"],
                      "events": ["new_version"],
                      "argv": [sys.executable, HOOK,
                               self.hook_out + ".2"]}])
        self.cli("status", check=0)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        self.cli("status", check=0)
        self.assertEqual(self.received(), [])
        with open(self.hook_out + ".2") as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 1)


class TestHooks(EventsWorld):
    def new_release(self):
        self.cli("status", check=0)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")

    def test_hanging_hook_is_killed_and_not_fatal(self):
        self.config([self.hook("hang", timeout=5, attempts=1)])
        self.new_release()
        t0 = time.monotonic()
        r = self.cli("status", check=0, timeout=90)
        self.assertLess(time.monotonic() - t0, 60)
        self.assertIn("did not finish in time", r.stderr)
        self.assertEqual(len(self.received()), 1)
        with open(os.path.join(self.state, "notify.log")) as f:
            self.assertIn("did not finish in time", f.read())
        # Failed after its attempts: recorded, never resent.
        self.cli("status", check=0)
        self.assertEqual(len(self.received()), 1)
        doc = json.loads(self.history_text())
        self.assertEqual(len(doc["events"][0].get("failed", [])), 1)

    def test_flooding_hook_is_bounded(self):
        self.config([self.hook("flood", attempts=1, timeout=60)])
        self.new_release()
        t0 = time.monotonic()
        r = self.cli("status", check=0, timeout=90)
        self.assertLess(time.monotonic() - t0, 60)
        self.assertIn("more than 64 KiB of output", r.stderr)
        self.assertLess(len(r.stderr), 4096)

    def test_failing_hook_is_retried_then_logged(self):
        self.config([self.hook("fail", attempts=2)])
        self.new_release()
        r = self.cli("status", check=0)
        self.assertEqual(len(self.received()), 2)
        self.assertIn("exited with status 3", r.stderr)
        self.assertIn("record: told to fail", r.stderr)

    def test_crash_before_sent_resends_same_id_once(self):
        self.config([self.hook("hang-once", timeout=300)])
        self.new_release()
        p = subprocess.Popen([MIRRORTOP, "status", "-c",
                              self.env.config_path],
                             env=dict(self.env.env, GITHUB_TOKEN=SECRET),
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(self.wait_for(lambda: len(self.received()) == 1))
        finally:
            p.kill()
            p.wait()
        # The hook of the killed process may still hang; the event is
        # pending in the history, claimed by a process that is gone.
        self.cli("status", check=0)
        got = self.received_events()
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]["id"], got[1]["id"])
        self.cli("status", check=0)
        self.assertEqual(len(self.received()), 2)


class TestWebhook(EventsWorld):
    def setUp(self):
        super().setUp()
        self.rx = Receiver()

    def tearDown(self):
        self.rx.stop()
        super().tearDown()

    def test_templated_body_retried_after_500_without_secrets(self):
        tmpl = ('{"text": "{app} {version}: {message}", "id": "{id}", '
                '"type": "{type}"}')
        self.config([{"type": "webhook", "url_env": "HOOK_URL",
                      "template": tmpl, "events": ["new_version"],
                      "headers_env": {"Authorization": "HOOK_SECRET"},
                      "headers": {"Title": "mirror"}}])
        url = "http://127.0.0.1:%d/hook/%s" % (self.rx.port, URL_SECRET)
        env = {"HOOK_URL": url}
        self.cli("status", check=0, env=env)
        self.assertEqual(self.rx.requests, [])
        # A release name with quotes and a newline must not break the JSON.
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        self.rx.replies = [500]
        self.cli("status", check=0, env=env)
        self.assertEqual(len(self.rx.requests), 2)
        a, b = self.rx.requests
        self.assertEqual(a["body"], b["body"])
        body = json.loads(b["body"])
        self.assertTrue(body["text"].startswith("mattermost 10.4.0: "))
        self.assertEqual(body["type"], "new_version")
        self.assertEqual(b["headers"]["Authorization"], HOOK_SECRET)
        self.assertEqual(b["headers"]["Title"], "mirror")
        self.assertEqual(b["headers"]["Content-Type"], "application/json")
        self.assertEqual(b["path"], "/hook/" + URL_SECRET)
        for r in self.rx.requests:
            self.assertNotIn(SECRET, json.dumps(r))
        self.assertEqual(body["id"], self.events()[0]["id"])
        # Sent: never again.
        self.cli("status", check=0, env=env)
        self.assertEqual(len(self.rx.requests), 2)
        self.history_text()
        with open(os.path.join(self.state, "notify.log"), "a+") as f:
            f.seek(0)
            self.assertNotIn(URL_SECRET, f.read())

    def test_failure_message_has_no_secret(self):
        self.config([{"type": "webhook", "url_env": "HOOK_URL",
                      "attempts": 2}])
        self.rx.replies = [503, 503]
        url = "http://127.0.0.1:%d/hook/%s" % (self.rx.port, URL_SECRET)
        env = {"HOOK_URL": url}
        self.cli("status", check=0, env=env)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        r = self.cli("status", check=0, env=env)
        self.assertIn("HTTP 503", r.stderr)
        self.assertIn("$HOOK_URL", r.stderr)
        with open(os.path.join(self.state, "notify.log")) as f:
            self.assertNotIn(URL_SECRET, f.read())
        self.history_text()
        ev = json.loads(self.rx.requests[0]["body"])
        self.assertEqual(ev["type"], "new_version")

    def test_plain_text_template(self):
        self.config([{"type": "webhook", "url_env": "HOOK_URL",
                      "template": "{app} {version} is out",
                      "events": ["new_version"]}])
        env = {"HOOK_URL": "http://127.0.0.1:%d/t" % self.rx.port}
        self.cli("status", check=0, env=env)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        self.cli("status", check=0, env=env)
        self.assertEqual([r["body"] for r in self.rx.requests],
                         ["mattermost 10.4.0 is out"])
        self.assertTrue(self.rx.requests[0]["headers"]["Content-Type"]
                        .startswith("text/plain"))

    def test_config_refuses_secrets_and_bad_templates(self):
        cases = [
            ({"type": "webhook", "url_env": "U",
              "headers": {"Authorization": "Bearer x"}}, "headers_env"),
            ({"type": "webhook", "url_env": "U",
              "template": '{"a": "{nope}"}'}, "unknown placeholder"),
            ({"type": "webhook", "url_env": "U",
              "template": '{"a": {app}}'}, "must be JSON"),
            ({"type": "webhook", "url": "http://example.com/x"},
             "https://"),
            ({"type": "exec", "argv": ["x"], "events": ["nope"]},
             "unknown event type"),
            ({"type": "exec", "url_env": "U", "argv": ["x"]},
             "not used by an exec sink"),
        ]
        for sink, want in cases:
            self.config([sink])
            r = self.cli("config", "check", check=2)
            self.assertIn("notify[0]", r.stderr)
            self.assertIn(want, r.stderr)


class TestJobs(EventsWorld):
    def test_build_failed_and_succeeded_merged_complete(self):
        argv = [sys.executable, os.path.join(BUILDERS, "failif.py"),
                "{arch}", "arm64"] + push_argv()[2:]
        self.config([self.hook(events=["build_failed", "merged",
                                       "build_succeeded"])],
                    builder=argv)
        self.cli("status", check=0)
        self.cli("build", "mattermost", "10.3.1", check=1)
        got = self.received_events()
        kinds = sorted((e["type"], e["arch"]) for e in got)
        self.assertEqual(kinds, [("build_failed", "arm64"),
                                 ("build_succeeded", "amd64")])
        failed = [e for e in got if e["type"] == "build_failed"][0]
        self.assertEqual(failed["kind"], "build")
        self.assertIn("mirrortop build mattermost 10.3.1 --arch arm64",
                      failed["message"])
        self.assertIn("log: ", failed["message"])

    def test_sync_tells_merge_completion_and_latest(self):
        self.config([self.hook()], builder=push_argv())
        self.cli("status", check=0)
        self.cli("sync", check=0, timeout=300)
        types = [e["type"] for e in self.received_events()]
        got = self.received_events()
        done = {(e["kind"], e["version"], e["arch"]) for e in got
                if e["type"] == "build_succeeded"}
        self.assertEqual(done, {("build", v, a) for v in ("10.3.1", "10.2.0")
                                for a in ("amd64", "arm64")} |
                         {("merge", v, None) for v in ("10.3.1", "10.2.0")},
                         types)
        self.assertEqual({e["version"] for e in got if e["type"] == "merged"},
                         {"10.3.1", "10.2.0"})
        self.assertEqual(sorted(e["version"] for e in got
                                if e["type"] == "version_complete"),
                         ["10.2.0", "10.3.1"])
        self.assertEqual([e["version"] for e in got
                          if e["type"] == "latest_moved"], ["10.3.1"])
        # What the sync recorded, the next refresh does not repeat.
        n = len(self.received())
        self.cli("status", check=0)
        self.assertEqual(len(self.received()), n)
        # A newer release: latest now lags behind upstream's.
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        self.cli("status", check=0)
        new = [(e["type"], e["version"]) for e in self.received_events()[n:]]
        self.assertEqual(sorted(new), [("latest_drift", "10.4.0"),
                                       ("new_version", "10.4.0")])
        # A complete version loses its tag.
        n = len(self.received())
        world.delete_tag(self.reg, IMAGE, "10.2.0")
        self.cli("status", check=0)
        new = self.received_events()[n:]
        self.assertEqual([(e["type"], e["version"]) for e in new],
                         [("version_incomplete", "10.2.0")])
        self.assertIn("mirrortop build mattermost 10.2.0", new[0]["message"])


class TestAppHealth(EventsWorld):
    def test_app_error_after_three_failures_then_recovered(self):
        self.config([self.hook()])
        self.cli("status", check=0)
        path = "/github/repos/%s/releases" % REPO
        for i in range(3):
            self.up.faults[path] = ["404"]
            self.cli("status", check=1)
            types = [e["type"] for e in self.received_events()]
            self.assertEqual(types, [] if i < 2 else ["app_error"])
        self.up.faults[path] = ["404"]
        self.cli("status", check=1)
        self.assertEqual(len(self.received()), 1)
        self.cli("status", check=0)
        types = [e["type"] for e in self.received_events()]
        self.assertEqual(types, ["app_error", "app_recovered"])

    def test_rate_limit_low(self):
        # Anonymous: a budget of 12, one request per refresh; under
        # 10 % once 11 are spent.
        self.up.opts["rate_limit_anon"] = 12
        self.config([self.hook()])
        r = self.env.run("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        for _ in range(10):
            self.env.run("status")
            self.assertNotIn("rate_limit_low",
                             [e["type"] for e in self.received_events()]
                             [:-1])
        types = [e["type"] for e in self.received_events()]
        self.assertEqual(types.count("rate_limit_low"), 1, types)


class TestEventsCommand(EventsWorld):
    def test_since_app_and_table(self):
        self.config([])
        self.cli("status", check=0)
        self.release("v10.4.0", "v10.3.1", "v10.2.0")
        self.cli("status", check=0)
        self.assertEqual(len(self.events("--since", "1h")), 1)
        self.assertEqual(len(self.events("--since", "1h", "mattermost")), 1)
        r = self.cli("events", check=0)
        self.assertIn("new_version", r.stdout)
        self.assertIn("mattermost 10.4.0", r.stdout)
        r = self.cli("events", "--since", "soon", check=2)
        self.assertIn("--since", r.stderr)
        r = self.cli("events", "nosuchapp", check=2)
        self.assertIn("unknown app", r.stderr)

    def test_corrupt_history_is_an_error_for_events_and_set_aside(self):
        self.config([])
        self.cli("status", check=0)
        with open(os.path.join(self.state, "events.json"), "w") as f:
            f.write("{not json")
        r = self.cli("events", check=1)
        self.assertIn("events.json", r.stderr)
        r = self.cli("status", check=0)
        self.assertIn("set aside", r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.state,
                                                    "events.json.bad")))
        self.assertEqual(self.events(), [])


if __name__ == "__main__":
    import taprun
    taprun.main()
