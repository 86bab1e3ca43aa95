#!/usr/bin/env python3
"""The dashboard's signature / SBOM / provenance marks and the v dialog
(what was found and where), in read-write and in read-only watch mode.

The dashboard world, plus: alpha 2.0.0 signed by cosign (.sig on its
index) and carrying buildx's provenance on each child; beta 0.3.0 with an
SPDX SBOM attached by cosign (.sbom)."""
import os
import sys
import unittest

import supplychain as sc
import world
from dashworld import ALPHA, BETA, DashboardTest, apps
from screen import cursor_version, version_line

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "world", "attest-standin.py")


class TestSupplyMarks(DashboardTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        got = world.manifest(cls.reg, ALPHA, "2.0.0")
        cls.alpha = got[2]
        sc.cosign_sign(cls.reg, ALPHA, cls.alpha)
        cls.beta = world.manifest(cls.reg, BETA, "0.3.0")[2]
        sc.cosign_attach_sbom(cls.reg, BETA, cls.beta)

    def open_alpha(self, *args):
        s = self.start(*args, width=120)
        s.keys("Enter")
        s.wait_for(lambda t: cursor_version(t) == "2.1.0")
        return s

    def test_marks_in_the_versions_pane(self):
        s = self.open_alpha()
        t = s.text()
        self.assertIn("SBP", t)
        self.assertRegex(version_line(t, "2.0.0"), r"\sS-P\s")
        # not published: no marks
        self.assertNotRegex(version_line(t, "2.1.0"), r"\s[S?-][B?-][P?-]\s")

    def test_v_lists_what_and_where(self):
        s = self.open_alpha()
        s.keys("j")
        s.wait_for(lambda t: cursor_version(t) == "2.0.0")
        s.keys("v")
        t = s.wait_text("signature, SBOM, provenance")
        self.assertIn("signature   present", t)
        self.assertIn("cosign-tag, on the index", t)
        self.assertIn(sc.sig_tag(self.alpha, ".sig")[:40], t)
        self.assertIn("sbom        missing", t)
        self.assertIn("provenance  present", t)
        self.assertIn("attestation-manifest, on amd64", t)
        self.assertIn("attestation-manifest, on arm64", t)
        s.keys("x")     # any key closes; x is not a retry here
        s.wait_gone("cosign-tag, on the index")

    def test_read_only_watch_shows_them(self):
        s = self.start("--watch", width=120)
        s.keys("j", "Enter")
        t = s.wait_for(lambda t: cursor_version(t) == "0.3.0")
        self.assertRegex(version_line(t, "0.3.0"), r"\s-BP\s")
        s.keys("v")
        t = s.wait_text("cosign-tag, on the index")
        self.assertIn(sc.sig_tag(self.beta, ".sbom")[:40], t)
        s.keys("Escape")
        s.wait_gone("cosign-tag, on the index")


class TestAttestKey(DashboardTest):
    """A on a version: the plan, y, and the marks follow."""

    def setUp(self):
        super().setUp()
        self.config = self.env.write_config(
            self.reg.host, apps(self.up), refresh_interval=3600,
            attest={"steps": [
                {"name": "sbom", "argv": [sys.executable, STANDIN, "sbom",
                                          "{ref}"], "produces": ["sbom"]},
                {"name": "sign", "argv": [sys.executable, STANDIN, "sign",
                                          "{ref}"],
                 "produces": ["signature"]}]})

    def test_attest_from_the_panel(self):
        s = self.start(width=120)
        s.keys("j", "Enter")
        s.wait_for(lambda t: cursor_version(t) == "0.3.0")
        s.keys("j")
        t = s.wait_for(lambda t: cursor_version(t) == "0.2.0")
        self.assertRegex(version_line(t, "0.2.0"), r"\s--P\s")
        s.keys("A")
        t = s.wait_text("Proceed? [y/N]")
        self.assertIn("attest beta 0.2.0: sbom", t)
        self.assertIn("attest beta 0.2.0: sign", t)
        self.assertIn("fails unless signature and sbom are found", t)
        s.keys("y")
        t = s.wait_for(lambda t: version_line(t, "0.2.0") is not None and
                       " SBP " in version_line(t, "0.2.0"), timeout=90,
                       what="the marks after the attest")
        s.wait_text("2 attest steps done", timeout=30)

    def test_watch_mode_has_no_attest(self):
        s = self.start("--watch", width=120)
        s.keys("j", "Enter")
        s.wait_for(lambda t: cursor_version(t) == "0.3.0")
        s.keys("A")
        s.wait_text("read-only")
        self.assertNotIn("Proceed?", s.text())


if __name__ == "__main__":
    import taprun
    taprun.main()
