"""The committed HTML reference in headless Chromium: the filter box filters, named anchors and their
numbered aliases land where they should, shared-response links lead to the one shared block, no
console errors, and axe-core (from npm, .ci/run installs it) finds no serious or critical
accessibility violation, in light and dark colour schemes and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
import webdriver

from specgen.compilers.html.anchors import anchor, request_anchors
from specgen.descriptors import load_set

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".tools" / "npm-openapi" / "node_modules" / "axe-core" / "axe.min.js"
PAGE = (ROOT / "build" / "oci_v1_1" / "api.html").as_uri()

pytestmark = [pytest.mark.interop, pytest.mark.slow]

VISIBLE_NAV = """
return Array.from(document.querySelectorAll('nav .nav-route')).filter(r => !r.hidden).map(r => [
  r.dataset.route,
  Array.from(r.querySelectorAll('.nav-methods > li')).filter(m => !m.hidden)
       .map(m => m.querySelector('.nav-method').textContent.trim())]);
"""
LANDED = """
const t = document.getElementById(location.hash.slice(1));
if (!t) return null;
const section = t.classList.contains('alias') ? t.parentElement : t;
const r = t.getBoundingClientRect();
return {id: section.id, cls: section.className, top: r.top, height: window.innerHeight};
"""
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' ')])),
  e => done([['axe failed', String(e)]]));
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    why = webdriver.available()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    b = webdriver.Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _type(browser, text: str) -> None:
    browser._s("POST", f"/element/{browser.find('#nav-filter')}/clear", {})
    browser._s("POST", f"/element/{browser.find('#nav-filter')}/value", {"text": text})


def test_filter_box_shows_and_filters(browser):
    browser.get(PAGE)
    assert browser.execute("return document.getElementById('nav-search').hidden;") is False
    everything = browser.execute(VISIBLE_NAV)
    _type(browser, "manifest put")
    assert browser.execute(VISIBLE_NAV) == [["manifest", ["PUT"]]]
    assert "1 of" in browser.execute("return document.getElementById('nav-filter-status').textContent;")
    _type(browser, "mount")  # a request name: the blob-upload POST's "Mount Blob"
    assert browser.execute(VISIBLE_NAV) == [["blob-upload", ["POST"]]]
    _type(browser, "no-such-thing")
    assert browser.execute(VISIBLE_NAV) == []
    _type(browser, "")
    assert browser.execute(VISIBLE_NAV) == everything
    # Enter follows the first method still shown
    _type(browser, "referrers\n")
    assert browser.execute("return location.hash;") == "#referrers-get"
    assert browser.console_errors() == []


def test_named_anchors_and_numbered_aliases_land_on_their_section(browser):
    dset = load_set("oci_v1_1")
    named = request_anchors(dset)
    put = named[("manifest", "PUT", 1)]
    for target, expected in ((anchor("manifest", "PUT", 201), put.responses[("success", 1)].id),
                             ("manifest-put-1-success-1", put.responses[("success", 1)].id),
                             ("manifest-put-1", put.id),
                             ("schema-oci-image-index", "schema-oci-image-index"),
                             ("error-BLOB_UNKNOWN", "error-BLOB_UNKNOWN")):
        browser.get(f"{PAGE}#{target}")
        landed = browser.execute(LANDED)
        assert landed and landed["id"] == expected, (target, landed)
        assert 0 <= landed["top"] < landed["height"] / 2, (target, landed)
    assert browser.console_errors() == []


def test_shared_response_link_leads_to_the_shared_block(browser):
    browser.get(f"{PAGE}#manifest-put-401")
    link = browser.find('#manifest-put-401 .shared-link a')
    browser.click(link)
    landed = browser.execute(LANDED)
    assert landed["id"] == "response-401-authentication-required" and "failure" in landed["cls"]
    assert browser.execute(
        "return document.querySelector(location.hash).textContent.includes('WWW-Authenticate');")
    assert browser.console_errors() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser, scheme):
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: .ci/run installs axe-core into .tools/npm-openapi")
    browser.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        browser.get(PAGE)
        dark = browser.execute("return matchMedia('(prefers-color-scheme: dark)').matches;")
        assert dark is (scheme == "dark")
        background = browser.execute("return getComputedStyle(document.body).backgroundColor;")
        assert (background == "rgb(13, 17, 23)") is (scheme == "dark"), background
        browser.execute(AXE.read_text(encoding="utf-8"))
        violations = browser._s("POST", "/execute/async", {"script": AXE_RUN, "args": []})
        assert violations == []
        assert browser.console_errors() == []
    finally:
        browser.cdp("Emulation.setEmulatedMedia", {"features": []})


def test_phone_reads_and_filters(browser):
    browser.emulate_phone(390, 844)
    try:
        browser.get(PAGE)
        width = browser.execute("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1], f"page wider than the phone: {width}"
        _type(browser, "catalog")
        assert browser.execute(VISIBLE_NAV) == [["catalog", ["GET"]]]
        browser.get(f"{PAGE}#schema-oci-image-manifest")
        width = browser.execute("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1], f"schema tables wider than the phone: {width}"
        assert browser.console_errors() == []
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride")
