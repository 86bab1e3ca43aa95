"""`mirrortop status --format openmetrics`, checked with a parser written
from the OpenMetrics 1.0 specification (tests/lib/openmetrics.py), and
that parser checked against the specification's own examples."""
import re
import time
import unittest

import world
from mt import Env, github_app
from openmetrics import ParseError, parse
from upstream import Upstream, gh_release

REPO = "mattermost/mattermost"
NS = "test/mirror/mattermost"


class TestParser(unittest.TestCase):
    """The parser accepts the specification's examples and rejects what
    the specification forbids, so that a pass below means something."""

    VALID = [
        "# TYPE acme_http_router_request_seconds summary\n"
        "# UNIT acme_http_router_request_seconds seconds\n"
        "# HELP acme_http_router_request_seconds Latency though all of "
        "ACME's HTTP request router.\n"
        'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} '
        "9036.32\n"
        'acme_http_router_request_seconds_count{path="/api/v1",method="GET"}'
        " 807283.0\n"
        "# TYPE go_goroutines gauge\n"
        "# HELP go_goroutines Number of goroutines that currently exist.\n"
        "go_goroutines 69\n"
        "# TYPE process_cpu_seconds counter\n"
        "# UNIT process_cpu_seconds seconds\n"
        "process_cpu_seconds_total 4.20072246e+06\n"
        "# EOF\n",
        '# TYPE foo stateset\nfoo{foo="a"} 0\nfoo{foo="bb"} 1\n# EOF\n',
        '# TYPE foo info\nfoo_info{name="pretty name",version="8.2.7"} 1\n'
        "# EOF\n",
        '# TYPE foo histogram\nfoo_bucket{le="0.1"} 8 # {} 0.054\n'
        'foo_bucket{le="+Inf"} 17\nfoo_count 17\nfoo_sum 324789.3\n# EOF',
        'bar_seconds_count{a="x",b="escaping\\" example \\n "} 0\n# EOF\n',
        "# TYPE foo gauge\nfoo 17.0 1520879607.789\nfoo +Inf\n# EOF\n",
    ]
    INVALID = [
        ("# TYPE foo gauge\nfoo 1\n", "no EOF"),
        ("# TYPE foo gauge\nfoo 1\n# EOF\nfoo 2\n", "after EOF"),
        ("# TYPE foo gauge\r\nfoo 1\n# EOF\n", "CR"),
        ("# TYPE foo counter\n# UNIT foo seconds\n# EOF\n", "unit suffix"),
        ("# TYPE foo gauge\n# TYPE foo gauge\n# EOF\n", "two TYPEs"),
        ("# TYPE foo gauges\n# EOF\n", "bad type"),
        ("# TYPE foo counter\nfoo 1\n# EOF\n", "counter without _total"),
        ("# TYPE foo info\nfoo_info 2\n# EOF\n", "info value"),
        ('foo{a="1"} 1\nbar 1\nfoo{a="2"} 1\n# EOF\n', "interleaved"),
        ('# TYPE foo gauge\nfoo{a="1"} 1\nfoo{a="2"} 1\nfoo{a="1"} 2\n'
         "# EOF\n", "metrics interleaved"),
        ('foo{a="1",a="2"} 1\n# EOF\n', "label twice"),
        ('foo{1a="1"} 1\n# EOF\n', "label name"),
        ('foo{a="x\ny"} 1\n# EOF\n', "newline in a value"),
        ('foo{a="x} 1\n# EOF\n', "unterminated"),
        ("foo 1.2.3\n# EOF\n", "number"),
        ("foo  1\n# EOF\n", "two spaces"),
        ("# some comment\n# EOF\n", "comment"),
        ("9foo 1\n# EOF\n", "metric name"),
        ('foo{__x="1"} 1\n# EOF\n', "reserved label"),
        ("# TYPE foo counter\n# TYPE foo_total gauge\n# EOF\n", "clash"),
    ]

    def test_specification_examples_parse(self):
        for text in self.VALID:
            with self.subTest(text=text[:40]):
                parse(text)

    def test_what_the_specification_forbids_is_refused(self):
        for text, why in self.INVALID:
            with self.subTest(why=why):
                with self.assertRaises(ParseError):
                    parse(text)

    def test_unescaping(self):
        fam = parse('foo{a="q\\"b\\\\s\\n"} 1\n# EOF\n')["foo"]
        self.assertEqual(fam.samples[0][1], {"a": 'q"b\\s\n'})


def value(families, name, **labels):
    """The one sample of family name whose labels include labels."""
    fam = families[name]
    got = [v for (_, l, v) in fam.samples
           if all(l.get(k) == x for k, x in labels.items())]
    if len(got) != 1:
        raise AssertionError("%s%r: %d samples" % (name, labels, len(got)))
    return got[0]


class TestStatusMetrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = world.Registry()
        cls.up = Upstream()
        cls.published = "2026-01-10T10:00:00Z"
        rel = [gh_release("v11.1.0", published_at=cls.published, repo=REPO)]
        for i, t in enumerate(("v11.0.4", "v11.0.3", "v11.0.2", "v11.0.1")):
            rel.append(gh_release(t, published_at="2025-1%d-01T00:00:00Z"
                                  % i, repo=REPO))
        rel.append(gh_release("not-a-version", repo=REPO))
        cls.up.data["github"][REPO] = {"releases": rel}
        cls.up.data["github"]["outline/outline"] = {"releases": [
            gh_release("v0.87.3", published_at="2025-12-01T00:00:00+02:00",
                       repo="outline/outline")]}
        cls.up.start()
        r = cls.reg
        # 11.0.4 complete, 11.0.3 staged, 11.0.2 partial (amd64 only),
        # 11.0.1 and 11.1.0 missing; latest at 11.0.4, not 11.1.0.
        a = world.push_image(r, NS, None, arch="amd64")
        b = world.push_image(r, NS, None, arch="arm64", variant="v8")
        world.push_index(r, NS, "11.0.4", [(a, "amd64"), (b, "arm64", "v8")])
        world.tag(r, NS, "11.0.4", "latest")
        world.push_image(r, NS, "11.0.3-amd64", arch="amd64")
        world.push_image(r, NS, "11.0.3-arm64", arch="arm64")
        world.push_image(r, NS, "11.0.2", arch="amd64")

    @classmethod
    def tearDownClass(cls):
        cls.up.stop()
        cls.reg.stop()

    def setUp(self):
        self.env = Env()
        self.up.faults.clear()
        self.env.write_config(self.reg.host, [
            github_app("mattermost", self.up, REPO),
            github_app("outline", self.up, "outline/outline")])

    def tearDown(self):
        self.env.__exit__(None)

    def metrics(self, *args, rc=0):
        before = int(time.time())
        r = self.env.run("status", "--format", "openmetrics", *args)
        after = int(time.time()) + 1
        self.assertEqual(r.returncode, rc, r.stderr)
        return parse(r.stdout), before, after, r

    def test_versions_by_state_and_missing_archs(self):
        fams, _, _, _ = self.metrics()
        self.assertEqual(fams["mirrortop_versions"].type, "gauge")
        want = {"complete": 1, "staged": 1, "partial": 1, "missing": 2}
        for state, n in want.items():
            self.assertEqual(value(fams, "mirrortop_versions",
                                   app="mattermost", state=state), n, state)
        # amd64: missing in 11.1.0, 11.0.1; arm64 also in 11.0.2.
        self.assertEqual(value(fams, "mirrortop_missing_archs",
                               app="mattermost", arch="amd64"), 2)
        self.assertEqual(value(fams, "mirrortop_missing_archs",
                               app="mattermost", arch="arm64"), 3)
        data, _ = self.env.status_json()
        for app in data["apps"]:
            self.assertEqual(value(fams, "mirrortop_skipped_tags",
                                   app=app["name"]), app["skipped_tags"])

    def test_latest_drift_and_info(self):
        fams, _, _, _ = self.metrics()
        self.assertEqual(value(fams, "mirrortop_latest_drift",
                               app="mattermost"), 1)
        info = [(l, v) for (n, l, v) in
                fams["mirrortop_latest_version"].samples
                if l["app"] == "mattermost"]
        self.assertEqual(info, [({"app": "mattermost", "upstream": "11.1.0",
                                  "registry": "11.0.4"}, 1)])

    def test_ages_and_times(self):
        fams, before, after, _ = self.metrics()
        pub = 1768039200    # 2026-01-10T10:00:00Z
        self.assertEqual(value(fams, "mirrortop_newest_release_timestamp_"
                               "seconds", app="mattermost"), pub)
        self.assertEqual(fams["mirrortop_newest_release_unmirrored_seconds"]
                         .unit, "seconds")
        age = value(fams, "mirrortop_newest_release_unmirrored_seconds",
                    app="mattermost")
        self.assertTrue(before - pub <= age <= after - pub, age)
        # An offset date: 2025-12-01T00:00:00+02:00 is 2025-11-30T22:00Z.
        self.assertEqual(value(fams, "mirrortop_newest_release_timestamp_"
                               "seconds", app="outline"), 1764540000)
        for app in ("mattermost", "outline"):
            t = value(fams, "mirrortop_last_refresh_timestamp_seconds",
                      app=app)
            self.assertTrue(before <= t <= after, t)
            self.assertEqual(value(fams, "mirrortop_refresh_error", app=app),
                             0)

    def test_mirrored_newest_release_is_not_waiting(self):
        fams, _, _, _ = self.metrics("mattermost")
        self.assertNotIn("outline", str(fams["mirrortop_versions"].samples))
        fams, _, _, _ = self.metrics("outline")
        self.assertEqual(value(fams, "mirrortop_versions", app="outline",
                               state="missing"), 1)
        self.assertGreater(value(fams, "mirrortop_newest_release_unmirrored_"
                                 "seconds", app="outline"), 86400)
        ns = "test/mirror/outline"
        a = world.push_image(self.reg, ns, None, arch="amd64")
        b = world.push_image(self.reg, ns, None, arch="arm64")
        world.push_index(self.reg, ns, "0.87.3", [(a, "amd64"),
                                                  (b, "arm64")])
        fams, _, _, _ = self.metrics("outline")
        self.assertEqual(value(fams, "mirrortop_newest_release_unmirrored_"
                               "seconds", app="outline"), 0)

    def test_an_app_that_cannot_be_checked(self):
        self.up.faults["/github/repos/outline/outline/releases"] = [500] * 20
        fams, _, _, r = self.metrics(rc=1)
        self.assertEqual(value(fams, "mirrortop_refresh_error",
                               app="outline"), 1)
        self.assertEqual(value(fams, "mirrortop_refresh_error",
                               app="mattermost"), 0)
        # Nothing claimed about what could not be checked.
        for fam in ("mirrortop_versions", "mirrortop_missing_archs",
                    "mirrortop_latest_drift"):
            self.assertEqual([l for (_, l, _) in fams[fam].samples
                              if l["app"] == "outline"], [], fam)
        self.assertIn("outline", r.stderr)

    def test_prometheus_text_format_readers_read_it_too(self):
        """node_exporter's textfile collector reads the Prometheus text
        format: only its types, and every comment either HELP, TYPE or
        ignorable."""
        r = self.env.run("status", "--format", "openmetrics")
        for line in r.stdout.splitlines():
            m = re.match(r"# TYPE \S+ (\S+)$", line)
            if m:
                self.assertIn(m.group(1), ("gauge", "counter", "untyped",
                                           "summary", "histogram"), line)

    def test_bad_format_is_a_usage_error(self):
        r = self.env.run("status", "--format", "prometheus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    import taprun; taprun.main()
