#!/usr/bin/env python3
"""Upstream sources (github-releases, github-tags, gitlab-tags,
gitlab-releases) fetched through tests/unit/source-driver against the
upstream fixture server: pagination, ETags, tokens, rate limits, faults."""
import calendar
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from upstream import (Upstream, gh_release, gh_releases, gh_tag, gl_release,
                      gl_tag, gl_tags)

BUILD = os.environ.get("MT_BUILDDIR", os.getcwd())
DRIVER = os.path.join(BUILD, "tests", "unit", "source-driver")
GL_PROJECT = "framasoft/framateam/mostlymatter"


class SourceTest(unittest.TestCase):
    data = None
    opts = {}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mt-source-")
        self.cache = os.path.join(self.tmp, "cache")
        self.u = Upstream(self.make_data(), **self.opts).start()

    def tearDown(self):
        self.u.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def make_data(self):
        return {
            "github": {
                "o/r": {"releases": gh_releases(250, repo="o/r"),
                        "tags": [gh_tag("v%d.0.0" % i) for i in
                                 range(130, 0, -1)]},
                "o/small": {"releases": [
                    gh_release("v2.0.0-rc.1", prerelease=True),
                    gh_release("v1.1.0", name=None),
                    gh_release("v1.2.0-draft", draft=True),
                    gh_release("v1.0.0", published_at="2026-01-02T03:04:05Z",
                               name="First"),
                ], "tags": [gh_tag("v1.0.0")]},
            },
            "gitlab": {
                GL_PROJECT: {"tags": gl_tags(130, fmt="v{major}.{minor}."
                                             "{patch}-limitless")},
                "g/hundred": {"tags": gl_tags(100)},
                "g/twohundred": {"tags": gl_tags(200)},
                "g/rel": {"releases": [gl_release("v%d.0.0" % i,
                                                  released_at=1.7e9 + i)
                                       for i in range(1, 46)]},
            },
        }

    def run_driver(self, cfg, *args, env=None, timeout=90):
        e = {k: v for k, v in os.environ.items()
             if k not in ("GITHUB_TOKEN", "GITLAB_TOKEN")}
        e["XDG_STATE_HOME"] = os.path.join(self.tmp, "state")
        e.update(env or {})
        p = subprocess.run([DRIVER, "-C", self.cache] + list(args) +
                           [json.dumps(cfg)], capture_output=True, text=True,
                           env=e, timeout=timeout)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        out = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertTrue(out, p.stderr)
        return p, out

    def gh(self, repo="o/r", type="github-releases", **kw):
        d = {"type": type, "repo": repo, "api": self.u.url + "/github"}
        d.update(kw)
        return d

    def gl(self, project=GL_PROJECT, type="gitlab-tags", **kw):
        d = {"type": type, "project": project,
             "base_url": self.u.url + "/gitlab"}
        d.update(kw)
        return d

    def fetch(self, cfg, *args, **kw):
        return self.run_driver(cfg, *args, **kw)[1][-1]

    def page_requests(self, bare_path):
        """{page number: request} of the requests for one list."""
        return {int(r.query.get("page", "1")): r for r in self.u.requests
                if r.bare_path == bare_path}

    def assert_at_once(self, reqs, held):
        """Every page after the first arrived while page `held` (answered
        slowly by the fixture) was still unanswered."""
        for n, r in reqs.items():
            if n > 1 and n != held:
                self.assertLess(r.started, reqs[held].answered,
                                "page %d waited for page %d" % (n, held))
        self.assertGreater(min(r.started for n, r in reqs.items() if n > 1),
                           reqs[1].answered)

    def assert_error(self, res, pattern):
        self.assertIsNotNone(res["error"], res)
        self.assertRegex(res["error"], pattern)
        self.assertNotIn("\n", res["error"])
        self.assertNotIn("<", res["error"])
        self.assertEqual(res["tags"], [])


class GitHubTest(SourceTest):

    def test_releases_250_over_three_pages(self):
        res = self.fetch(self.gh())
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 250)
        self.assertEqual(res["pages"], 3)
        want = [r["tag_name"] for r in self.u.data["github"]["o/r"]
                ["releases"]]
        self.assertEqual([t["tag"] for t in res["tags"]], want)
        reqs = [r for r in self.u.requests if "/releases" in r.path]
        self.assertEqual(len(reqs), 3)
        self.assertEqual(reqs[0].path,
                         "/github/repos/o/r/releases?per_page=100")
        # pages 2 and 3 are asked for at once, in either order
        self.assertEqual(sorted(r.query.get("page") for r in reqs[1:]),
                         ["2", "3"])
        for r in reqs:
            self.assertEqual(r.headers.get("Accept"),
                             "application/vnd.github+json")
            self.assertEqual(r.headers.get("X-GitHub-Api-Version"),
                             "2022-11-28")
            self.assertTrue(r.headers.get("User-Agent"))
            self.assertIsNone(r.headers.get("Authorization"))

    def test_pages_named_by_rel_last_fetched_at_once(self):
        """Page 1's Link names the last page: pages 2..4 are asked for
        together (page 2 is answered slowly, the others arrive meanwhile)
        and the releases keep the list's order."""
        self.u.data["github"]["o/four"] = {
            "releases": gh_releases(350, repo="o/four")}
        self.u.faults["/github/repos/o/four/releases?per_page=100&page=2"] = [
            "slow:3"]
        res = self.fetch(self.gh("o/four"))
        self.assertIsNone(res["error"])
        want = [r["tag_name"] for r in
                self.u.data["github"]["o/four"]["releases"]]
        self.assertEqual([t["tag"] for t in res["tags"]], want)
        self.assertEqual(res["pages"], 4)
        reqs = self.page_requests("/github/repos/o/four/releases")
        self.assertEqual(sorted(reqs), [1, 2, 3, 4])
        self.assert_at_once(reqs, 2)

    def test_pages_at_once_keep_their_etags(self):
        """Each page keeps its own ETag: the next fetch asks each page
        conditionally, with that page's validator, and gets 304s."""
        env = {"GITHUB_TOKEN": "tok-e"}
        self.u.opts["etag"] = "strong"
        p, (a, b) = self.run_driver(self.gh(), "-n", "2", env=env)
        self.assertEqual(a["tags"], b["tags"])
        first = {int(r.query.get("page", "1")): r for r in
                 self.u.requests[:3]}
        second = {int(r.query.get("page", "1")): r for r in
                  self.u.requests[3:]}
        self.assertEqual([second[n].status for n in (1, 2, 3)],
                         [304, 304, 304])
        tags = [second[n].headers.get("If-None-Match") for n in (1, 2, 3)]
        self.assertEqual(len(set(tags)), 3, tags)
        self.assertEqual(sorted(first), [1, 2, 3])

    def test_page_failing_among_pages_at_once(self):
        """One page of those fetched together failing fails the list with
        that page named, and no entry of the other pages is reported."""
        self.u.faults["/github/repos/o/r/releases?per_page=100&page=3"] = [
            "truncated"]
        res = self.fetch(self.gh("o/r"))
        self.assert_error(res, r"truncated JSON .*\(page 3\)$")

    def test_release_fields(self):
        res = self.fetch(self.gh("o/small"), env={"GITHUB_TOKEN": "t0k"})
        self.assertIsNone(res["error"])
        by = {t["tag"]: t for t in res["tags"]}
        # Drafts and pre-releases come back flagged: the filter counts them.
        self.assertEqual(sorted(by), ["v1.0.0", "v1.1.0", "v1.2.0-draft",
                                      "v2.0.0-rc.1"])
        self.assertTrue(by["v2.0.0-rc.1"]["prerelease"])
        self.assertFalse(by["v2.0.0-rc.1"]["draft"])
        self.assertEqual(by["v1.0.0"]["name"], "First")
        self.assertEqual(by["v1.0.0"]["published_at"], "2026-01-02T03:04:05Z")
        self.assertIsNone(by["v1.1.0"]["name"])
        self.assertTrue(by["v1.2.0-draft"]["draft"])
        self.assertIsNone(by["v1.2.0-draft"]["published_at"])
        self.assertFalse(by["v1.0.0"]["draft"])

    def test_prereleases_kept_when_asked(self):
        res = self.fetch(self.gh("o/small", prereleases=True))
        by = {t["tag"]: t for t in res["tags"]}
        self.assertIn("v2.0.0-rc.1", by)
        self.assertTrue(by["v2.0.0-rc.1"]["prerelease"])
        self.assertFalse(by["v1.0.0"]["prerelease"])

    def test_tags_two_pages_names_only(self):
        res = self.fetch(self.gh(type="github-tags"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 130)
        self.assertEqual(res["pages"], 2)
        self.assertEqual(res["tags"][0]["tag"], "v130.0.0")
        self.assertIsNone(res["tags"][0]["published_at"])
        self.assertEqual(self.u.requests[0].bare_path,
                         "/github/repos/o/r/tags")

    def test_link_rewritten_to_repositories_id(self):
        self.u.opts["repositories_links"] = True
        res = self.fetch(self.gh())
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 250)
        paths = [r.bare_path for r in self.u.requests]
        self.assertEqual(paths[0], "/github/repos/o/r/releases")
        self.assertRegex(paths[1], r"^/github/repositories/[0-9]+/releases$")
        self.assertRegex(paths[2], r"^/github/repositories/[0-9]+/releases$")

    def test_api_base_with_trailing_slash(self):
        res = self.fetch(self.gh("o/small", api=self.u.url + "/github/"))
        self.assertIsNone(res["error"])
        self.assertEqual(self.u.requests[0].bare_path,
                         "/github/repos/o/small/releases")

    def test_second_fetch_costs_only_304s(self):
        env = {"GITHUB_TOKEN": "tok-a"}
        p, (first, second) = self.run_driver(self.gh(), "-n", "2", env=env)
        self.assertIsNone(second["error"])
        self.assertEqual(first["tags"], second["tags"])
        st = [r.status for r in self.u.requests]
        self.assertEqual(st, [200, 200, 200, 304, 304, 304])
        for r in self.u.requests[3:]:
            self.assertTrue(r.headers.get("If-None-Match", "")
                            .startswith('W/"'))
        # 304s do not spend the rate limit of an authenticated client.
        self.assertEqual(self.u.ratelimits["tok-a"]["used"], 3)
        # And the cache survives the process (state on disk).
        res = self.fetch(self.gh(), env=env)
        self.assertEqual(res["tags"], first["tags"])
        self.assertEqual([r.status for r in self.u.requests[6:]],
                         [304, 304, 304])

    def test_304_without_link_still_walks_all_pages(self):
        self.u.opts["bare_304"] = True
        p, (a, b) = self.run_driver(self.gh(), "-n", "2",
                                    env={"GITHUB_TOKEN": "k"})
        self.assertEqual(len(b["tags"]), 250)
        self.assertEqual(a["tags"], b["tags"])
        self.assertEqual([r.status for r in self.u.requests][3:],
                         [304, 304, 304])

    def test_strong_etag_sent_back_exactly(self):
        self.u.opts["etag"] = "strong"
        env = {"GITHUB_TOKEN": "tok-a"}
        self.run_driver(self.gh("o/small"), "-n", "2", env=env)
        first, second = self.u.requests
        self.assertEqual(second.status, 304)
        self.assertRegex(second.headers["If-None-Match"], r'^"[0-9a-f]+"$')

    def test_changed_upstream_gets_200(self):
        env = {"GITHUB_TOKEN": "tok-a"}
        self.fetch(self.gh("o/small"), env=env)
        with self.u.lock:
            self.u.data["github"]["o/small"]["releases"].insert(
                0, gh_release("v3.0.0"))
        res = self.fetch(self.gh("o/small"), env=env)
        self.assertEqual(self.u.requests[-1].status, 200)
        self.assertIn("v3.0.0", [t["tag"] for t in res["tags"]])

    def test_etag_cache_is_per_token(self):
        self.fetch(self.gh("o/small"), env={"GITHUB_TOKEN": "tok-a"})
        self.fetch(self.gh("o/small"), env={"GITHUB_TOKEN": "tok-b"})
        self.fetch(self.gh("o/small"), env={"GITHUB_TOKEN": "tok-a"})
        self.assertEqual([r.status for r in self.u.requests],
                         [200, 200, 304])

    def test_token_sent_as_bearer_never_printed(self):
        secret = "ghp_SECRETsecret1234567890"
        p, out = self.run_driver(self.gh("o/small"),
                                 env={"GITHUB_TOKEN": secret})
        self.assertEqual(self.u.requests[0].headers["Authorization"],
                         "Bearer " + secret)
        self.u.faults["/github/repos/o/small"] = ["401"]
        p2, out2 = self.run_driver(self.gh("o/small"),
                                   env={"GITHUB_TOKEN": secret})
        self.assert_error(out2[0], r"^github-releases o/small: HTTP 401 "
                          r"Unauthorized \(bad or expired token in "
                          r"\$GITHUB_TOKEN\)$")
        for text in (p.stdout, p.stderr, p2.stdout, p2.stderr):
            self.assertNotIn(secret, text)
        for root, _, files in os.walk(self.tmp):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    self.assertNotIn(secret.encode(), fh.read())

    def test_token_env_override(self):
        self.fetch(self.gh("o/small", token_env="MY_GH"),
                   env={"MY_GH": "other", "GITHUB_TOKEN": "nope"})
        self.assertEqual(self.u.requests[0].headers["Authorization"],
                         "Bearer other")

    def test_repository_not_found(self):
        res = self.fetch(self.gh("o/missing"))
        self.assert_error(res, r"^github-releases o/missing: HTTP 404 Not "
                          r"Found \(repository not found or private\)$")


class GitLabTest(SourceTest):

    def test_tags_page_one_quirk_short_page_stops(self):
        res = self.fetch(self.gl(), env={"GITLAB_TOKEN": "glpat-x"})
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 130)
        self.assertEqual(res["tags"][0]["tag"], "v1.25.4-limitless")
        self.assertRegex(res["tags"][0]["published_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
        paths = [r.path for r in self.u.requests]
        self.assertEqual(len(paths), 2)
        self.assertTrue(paths[0].startswith(
            "/gitlab/api/v4/projects/framasoft%2Fframateam%2Fmostlymatter/"
            "repository/tags?"), paths[0])
        self.assertEqual(self.u.requests[0].query["per_page"], "100")
        self.assertEqual(self.u.requests[1].query["page"], "2")
        for r in self.u.requests:
            self.assertEqual(r.headers["PRIVATE-TOKEN"], "glpat-x")

    def test_exact_multiple_stops_at_x_total(self):
        # Page 1 claims a page 2, but X-Total says everything is here.
        res = self.fetch(self.gl("g/hundred"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 100)
        self.assertEqual([r.query.get("page") for r in self.u.requests],
                         [None])

    def test_exact_multiple_without_totals_stops_on_empty_page(self):
        # Over 10,000 records GitLab omits X-Total: the phantom page 2
        # answers [] and that ends the walk without an error.
        self.u.opts["gitlab_count_limit"] = 50
        res = self.fetch(self.gl("g/hundred"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 100)
        self.assertEqual([r.query.get("page") for r in self.u.requests],
                         [None, "2"])
        self.assertEqual(res["pages"], 2)

    def test_two_hundred_tags_stop_on_empty_next(self):
        res = self.fetch(self.gl("g/twohundred"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 200)
        self.assertEqual(len(set(t["tag"] for t in res["tags"])), 200)
        self.assertLessEqual(len(self.u.requests), 3)

    def test_x_next_page_without_link(self):
        self.u.opts["gitlab_link"] = False
        res = self.fetch(self.gl("g/twohundred"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 200)
        self.assertEqual([r.query.get("page") for r in self.u.requests],
                         [None, "2"])
        self.assertEqual(self.u.requests[1].query.get("per_page"), "100")

    def test_x_total_pages_fetched_at_once(self):
        """Without a Link header, X-Total-Pages (bounded by X-Total) names
        the last page: pages 2 and 3 are asked for together."""
        self.u.opts["gitlab_link"] = False
        self.u.data["gitlab"]["g/three"] = {"tags": gl_tags(300)}
        prefix = "/gitlab/api/v4/projects/g%2Fthree/repository/tags"
        self.u.faults[prefix + "?per_page=100&page=2"] = ["slow:3"]
        res = self.fetch(self.gl("g/three"))
        self.assertIsNone(res["error"])
        want = [t["name"] for t in self.u.data["gitlab"]["g/three"]["tags"]]
        self.assertEqual([t["tag"] for t in res["tags"]], want)
        reqs = self.page_requests(prefix)
        # the first page's X-Total-Pages says 4 (the tags quirk); X-Total
        # says 300 at 100 a page
        self.assertEqual(sorted(reqs), [1, 2, 3])
        self.assert_at_once(reqs, 2)

    def test_no_last_page_walks_in_order(self):
        """A list whose first page names no last page (GitLab omits the
        totals above its count limit, as keyset pages do) is walked one
        page after another: page 3 is asked for once page 2 is in."""
        self.u.opts["gitlab_count_limit"] = 50
        self.u.data["gitlab"]["g/three"] = {"tags": gl_tags(300)}
        prefix = "/gitlab/api/v4/projects/g%2Fthree/repository/tags"
        res = self.fetch(self.gl("g/three"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 300)
        reqs = self.page_requests(prefix)
        self.assertEqual(sorted(reqs), [1, 2, 3])
        for n in (2, 3):
            self.assertGreaterEqual(reqs[n].started, reqs[n - 1].answered)

    def test_lightweight_tag_uses_commit_date(self):
        self.u.data["gitlab"]["g/light"] = {"tags": [
            gl_tag("v1.0.0", created_at=None)]}
        res = self.fetch(self.gl("g/light"))
        self.assertEqual(res["tags"][0]["tag"], "v1.0.0")
        self.assertIsNotNone(res["tags"][0]["published_at"])

    def test_releases_paginated(self):
        res = self.fetch(self.gl("g/rel", type="gitlab-releases"))
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 45)
        self.assertEqual(res["tags"][0]["tag"], "v45.0.0")
        self.assertEqual(res["tags"][0]["name"], "Release v45.0.0")
        self.assertIsNotNone(res["tags"][0]["published_at"])

    def test_second_fetch_costs_only_304s(self):
        p, (a, b) = self.run_driver(self.gl(), "-n", "2")
        self.assertEqual(a["tags"], b["tags"])
        self.assertEqual([r.status for r in self.u.requests],
                         [200, 200, 304, 304])

    def test_project_not_found(self):
        res = self.fetch(self.gl("g/nope"))
        self.assert_error(res, r"^gitlab-tags g/nope: HTTP 404 Not Found "
                          r"\(project not found or private\)$")

    def test_rate_limited_plain_text(self):
        self.u.faults["/gitlab/api/v4/projects"] = ["gitlab-429:120"]
        res = self.fetch(self.gl())
        self.assert_error(res, r"^gitlab-tags %s: rate limited" % GL_PROJECT)
        self.assertRegex(res["error"], r"120 s|until \d\d:\d\d")
        self.assertGreater(res["rate_limited_until"], time.time() + 60)
        self.assertEqual(len(self.u.requests), 1)


class FaultTest(SourceTest):
    PREFIX = "/github/repos/o/small/releases"

    def fault(self, *kinds, repo="o/small", args=("-a", "2"), env=None):
        self.u.faults[self.PREFIX] = list(kinds)
        return self.fetch(self.gh(repo), *args, env=env)

    def test_server_error_html_after_retries(self):
        res = self.fault("500", "500")
        self.assert_error(res, r"^github-releases o/small: HTTP 500 ")
        self.assertNotIn("DOCTYPE", res["error"])
        self.assertEqual(len(self.u.requests), 2)

    def test_503_once_then_ok(self):
        res = self.fault("503")
        self.assertIsNone(res["error"])
        # Without a token the draft is invisible; the prerelease is flagged.
        self.assertEqual([(t["tag"], t["prerelease"]) for t in res["tags"]],
                         [("v2.0.0-rc.1", True), ("v1.1.0", False),
                          ("v1.0.0", False)])
        self.assertEqual([r.status for r in self.u.requests], [503, 200])

    def test_malformed_json(self):
        res = self.fault("malformed")
        self.assert_error(res, r"invalid JSON at line 1 column \d+")

    def test_truncated_json(self):
        res = self.fault("truncated")
        self.assert_error(res, r"truncated JSON")

    def test_object_instead_of_array(self):
        res = self.fault("object")
        self.assert_error(res, r"expected a JSON array")

    def test_empty_body(self):
        res = self.fault("empty")
        self.assert_error(res, r"empty")

    def test_html_404(self):
        res = self.fault("html-404")
        self.assert_error(res, r"^github-releases o/small: HTTP 404 Not "
                          r"Found \(repository not found or private\)$")

    def test_wrong_types_skipped(self):
        res = self.fault("wrong-types")
        self.assertIsNone(res["error"])
        self.assertEqual([t["tag"] for t in res["tags"]], ["v1.2.3"])
        self.assertEqual(res["skipped"], 7)

    def test_oversized_body(self):
        res = self.fault("oversized:20")
        self.assertIsNotNone(res["error"])
        self.assertNotIn("\n", res["error"])

    def test_connection_closed(self):
        res = self.fault("close", "close")
        self.assertIsNotNone(res["error"])
        self.assertTrue(res["error"].startswith("github-releases o/small: "))

    def test_short_body(self):
        res = self.fault("short", "short")
        self.assertIsNotNone(res["error"])

    def test_slow_times_out(self):
        t0 = time.time()
        res = self.fault("slow:30", "slow:30", args=("-a", "1", "-t", "2"))
        self.assertIsNotNone(res["error"])
        self.assertLess(time.time() - t0, 20)

    def test_fault_on_page_two_fails_whole_fetch(self):
        self.u.faults["/github/repos/o/r/releases?per_page=100&page=2"] = [
            "malformed"]
        res = self.fetch(self.gh("o/r"))
        self.assert_error(res, r"invalid JSON .*\(page 2\)$")

    def test_primary_rate_limit_until(self):
        reset = int(time.time()) + 2 * 3600
        res = self.fault(("403-primary", reset))
        hhmm = time.strftime("%H:%M", time.gmtime(reset))
        self.assert_error(res, r"^github-releases o/small: rate limited "
                          r"until %s \(UTC\); set \$GITHUB_TOKEN to raise "
                          r"the limit from 60 to 5,000 requests an hour$"
                          % hhmm)
        self.assertEqual(res["rate_limited_until"], reset)
        self.assertEqual(len(self.u.requests), 1)

    def test_rate_limited_host_not_asked_again(self):
        reset = int(time.time()) + 600
        self.u.faults[self.PREFIX] = [("403-primary", reset)]
        p, (a, b) = self.run_driver(self.gh("o/small"), "-n", "2")
        self.assertEqual(a["error"], b["error"])
        self.assertEqual(b["rate_limited_until"], reset)
        self.assertEqual(len(self.u.requests), 1)

    def test_pagination_link_to_another_host_refused(self):
        api = self.u.url.replace("127.0.0.1", "localhost") + "/github"
        res = self.fetch(self.gh("o/r", api=api),
                         env={"GITHUB_TOKEN": "tok-secret"})
        self.assert_error(res, r"pagination link to another host refused "
                          r"\(http://127\.0\.0\.1:\d+\)$")
        self.assertEqual(len(self.u.requests), 1)

    def test_primary_rate_limit_as_429(self):
        reset = int(time.time()) + 1800
        t0 = time.time()
        res = self.fault(("429-primary", reset), ("429-primary", reset))
        self.assert_error(res, r"rate limited until %s \(UTC\); set "
                          r"\$GITHUB_TOKEN to raise the limit"
                          % time.strftime("%H:%M", time.gmtime(reset)))
        self.assertLess(time.time() - t0, 15)

    def test_secondary_rate_limit_403(self):
        res = self.fault("403-secondary")
        self.assert_error(res, r"^github-releases o/small: rate limited "
                          r"\(secondary limit\), retry after 60 s, next "
                          r"attempt at \d\d:\d\d \(UTC\)$")
        self.assertEqual(len(self.u.requests), 1)

    def test_secondary_rate_limit_429_long_retry_not_waited(self):
        t0 = time.time()
        res = self.fault(("429-secondary", 120), ("429-secondary", 120),
                         args=("-a", "3"))
        self.assert_error(res, r"rate limited \(secondary limit\), retry "
                          r"after 120 s, next attempt at \d\d:\d\d "
                          r"\(UTC\)$")
        self.assertLess(time.time() - t0, 15)
        self.assertGreater(res["rate_limited_until"], time.time() + 60)

    def test_429_long_retry_after_reported(self):
        t0 = time.time()
        res = self.fault(("429", 600), ("429", 600), ("429", 600),
                         args=("-a", "3"))
        self.assert_error(res, r"rate limited.*600 s")
        self.assertLess(time.time() - t0, 15)

    def test_429_short_retry_after_retried(self):
        res = self.fault(("429", 1), args=("-a", "3"))
        self.assertIsNone(res["error"])
        self.assertEqual([r.status for r in self.u.requests], [429, 200])


class BoundsTest(SourceTest):

    def test_long_strings(self):
        long_tag = "v1.0.0-" + "x" * 1100
        self.u.data["github"]["o/long"] = {"releases": [
            gh_release(long_tag), gh_release("v1.0.0", name="n" * 5000),
            gh_release("v2.0.0", published_at="2026-01-01T00:00:00Z" +
                       "0" * 100)]}
        res = self.fetch(self.gh("o/long"))
        self.assertIsNone(res["error"])
        self.assertEqual([t["tag"] for t in res["tags"]],
                         ["v1.0.0", "v2.0.0"])
        self.assertEqual(res["skipped"], 1)
        self.assertLessEqual(len(res["tags"][0]["name"]), 1024)
        self.assertIsNone(res["tags"][1]["published_at"])

    def test_control_characters_in_tag_skipped(self):
        self.u.data["github"]["o/esc"] = {"tags": [
            gh_tag("v1.0.0\x1b[31m"), gh_tag("v1.0.1")]}
        res = self.fetch(self.gh("o/esc", type="github-tags"))
        self.assertEqual([t["tag"] for t in res["tags"]], ["v1.0.1"])
        self.assertEqual(res["skipped"], 1)

    def test_page_cap(self):
        tags = [{"name": "v0.0.%d" % i} for i in range(10050)]
        self.u.data["github"]["o/many"] = {"tags": tags}
        # (60 requests an hour without a token would not be enough.)
        res = self.fetch(self.gh("o/many", type="github-tags"),
                         env={"GITHUB_TOKEN": "k"})
        self.assertIsNone(res["error"])
        self.assertEqual(len(res["tags"]), 10000)
        self.assertEqual(len(self.u.requests), 100)
        # pages after the first: at once, but a bounded number at a time
        spans = [(r.started, r.answered) for r in self.u.requests[1:]]
        most = max(sum(1 for s2, e2 in spans if s2 <= s < e2)
                   for s, _ in spans)
        self.assertLessEqual(most, 8)


class UpstreamFixtureTest(SourceTest):
    """The fixture itself behaves like the documented services."""

    def get(self, path, **headers):
        import urllib.error
        import urllib.request
        headers.setdefault("User-Agent", "fixture-test")
        req = urllib.request.Request(self.u.url + path, headers=headers)
        try:
            resp = urllib.request.urlopen(req)
        except urllib.error.HTTPError as e:
            resp = e
        with resp:
            return resp.status, resp.headers, resp.read()

    def test_github_defaults_and_links(self):
        st, h, b = self.get("/github/repos/o/r/releases")
        self.assertEqual(len(json.loads(b)), 30)
        self.assertIn('rel="next"', h["Link"])
        self.assertIn('page=9>; rel="last"', h["Link"])
        st, h, b = self.get("/github/repos/o/r/releases?per_page=500&page=3")
        self.assertEqual(len(json.loads(b)), 50)
        self.assertNotIn('rel="next"', h["Link"])
        self.assertIn('rel="first"', h["Link"])
        self.assertIn("per_page=100", h["Link"])
        st, h, b = self.get("/github/repos/o/small/releases")
        self.assertIsNone(h["Link"])
        for k in ("limit", "remaining", "reset", "used", "resource"):
            self.assertIsNotNone(h["x-ratelimit-" + k])

    def test_github_user_agent_required(self):
        st, _, _ = self.get("/github/repos/o/r/tags", **{"User-Agent": ""})
        self.assertEqual(st, 403)

    def test_github_304_keeps_rate_limit(self):
        auth = {"Authorization": "Bearer k"}
        st, h, b = self.get("/github/repos/o/small/tags", **auth)
        rem = h["x-ratelimit-remaining"]
        st2, h2, b2 = self.get("/github/repos/o/small/tags",
                               **{"If-None-Match": h["ETag"]}, **auth)
        self.assertEqual((st2, b2), (304, b""))
        self.assertEqual(h2["x-ratelimit-remaining"], rem)
        st3, _, _ = self.get("/github/repos/o/small/tags",
                             **{"If-None-Match": h["ETag"],
                                "Authorization": "Bearer other"})
        self.assertEqual(st3, 200)

    def test_github_latest_release(self):
        st, _, b = self.get("/github/repos/o/small/releases/latest")
        self.assertEqual(json.loads(b)["tag_name"], "v1.1.0")
        self.u.data["github"]["o/pre"] = {"releases": [
            gh_release("v1.0.0-rc.1", prerelease=True)]}
        st, _, b = self.get("/github/repos/o/pre/releases/latest")
        self.assertEqual(st, 404)
        self.assertEqual(json.loads(b)["status"], "404")

    def test_gitlab_tags_quirk_and_last_page(self):
        base = "/gitlab/api/v4/projects/g%2Fhundred/repository/tags"
        st, h, b = self.get(base)
        self.assertEqual(len(json.loads(b)), 20)
        st, h, b = self.get(base + "?per_page=100")
        self.assertEqual(len(json.loads(b)), 100)
        self.assertEqual(h["X-Next-Page"], "2")
        self.assertEqual(h["X-Total-Pages"], "2")
        self.assertIn('rel="next"', h["Link"])
        st, h, b = self.get(base + "?per_page=100&page=2")
        self.assertEqual(json.loads(b), [])
        self.assertEqual(h["X-Next-Page"], "")
        self.assertEqual(h["X-Total"], "100")
        rel = "/gitlab/api/v4/projects/g%2Frel/releases"
        st, h, b = self.get(rel + "?per_page=20&page=3")
        self.assertEqual(len(json.loads(b)), 5)
        self.assertEqual(h["X-Next-Page"], "")
        self.assertEqual(h["X-Prev-Page"], "2")
        self.assertIsNotNone(h["RateLimit-Remaining"])

    def test_gitlab_needs_encoded_path(self):
        st, _, b = self.get("/gitlab/api/v4/projects/g/hundred/repository"
                            "/tags")
        self.assertEqual(st, 404)
        st, _, b = self.get("/gitlab/api/v4/projects/g%2Fmissing/repository"
                            "/tags")
        self.assertEqual(json.loads(b), {"message": "404 Project Not Found"})

    def test_gitlab_429_plain_text(self):
        self.u.faults["/gitlab/"] = ["gitlab-429:30"]
        st, h, b = self.get("/gitlab/api/v4/projects/g%2Fhundred/repository"
                            "/tags")
        self.assertEqual((st, b), (429, b"Retry later\n"))
        self.assertEqual(h["Retry-After"], "30")
        self.assertIsNotNone(h["RateLimit-ResetTime"])

    def test_actions_dispatch_and_run(self):
        self.u.data["github"]["o/r"]["workflows"] = {
            "build.yml": {"inputs": ["version"]}}
        import urllib.request
        body = json.dumps({"ref": "main", "inputs": {"version": "1.0.0"},
                           "return_run_details": True}).encode()
        req = urllib.request.Request(
            self.u.url + "/github/repos/o/r/actions/workflows/build.yml/"
            "dispatches", data=body, method="POST",
            headers={"User-Agent": "t", "Authorization": "Bearer k"})
        with urllib.request.urlopen(req) as resp:
            run = json.loads(resp.read())
        rid = run["workflow_run_id"]
        self.assertGreater(rid, 2 ** 32)
        seen = []
        for _ in range(3):
            st, _, b = self.get("/github/repos/o/r/actions/runs/%d" % rid)
            seen.append(json.loads(b)["status"])
        self.assertEqual(seen, ["queued", "in_progress", "completed"])
        self.assertEqual(self.u.hits("/github/repos/o/r/actions/runs/%d"
                                     % rid), 3)


if __name__ == "__main__":
    import taprun
    taprun.main()
