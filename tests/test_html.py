"""The HTML reference: structure checked by parsing here, behaviour in a real browser (interop)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import webdriver

from specgen.compilers.html import anchor, render_html
from specgen.compilers.html.anchors import request_anchors, shared_anchor
from specgen.compilers.html.page import shared_responses
from specgen.descriptors import BUNDLED, load_set
from specgen.naming import slug


class _Page(HTMLParser):
    """Collects ids, links, and anything that would make the browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[tuple[str, str]] = []  # (href, class)
        self.fetching: list[str] = []
        self.nav_routes: list[str] = []
        self.tags: list[str] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append((a["href"], a.get("class") or ""))
        if tag == "script":
            self.scripts.append(a)
        if tag in ("link", "img", "iframe", "object", "embed", "source", "video", "audio") \
                or "src" in a or "srcset" in a:
            self.fetching.append(f"<{tag} {a}>")
        if a.get("class") == "nav-route":
            self.nav_routes.append(a.get("data-route", ""))


@pytest.fixture(scope="module", params=[*BUNDLED, "synthetic"])
def page_set(request):
    if request.param == "synthetic":
        from synthetic import SYNTHETIC_SET
        return SYNTHETIC_SET
    return load_set(request.param)


@pytest.fixture(scope="module")
def parsed(page_set):
    html = render_html(page_set)
    page = _Page()
    page.feed(html)
    page.close()
    return html, page


def test_page_is_self_contained(parsed):
    """Nothing the browser would fetch: no stylesheet link, image or frame; CSS inline; one small
    inline script (the filter box, hidden until the script shows it)."""
    html, page = parsed
    assert page.fetching == []
    assert page.scripts == [{}]  # inline, no src
    script = html.split("<script>", 1)[1].split("</script>", 1)[0]
    assert len(script) < 3000 and "fetch(" not in script and "XMLHttpRequest" not in script
    assert '<form id="nav-search" class="nav-search" role="search" hidden>' in html
    assert "@import" not in html and "url(" not in html
    assert page.tags.count("style") == 1


def test_navigation_lists_every_route_and_method(parsed, page_set):
    _, page = parsed
    assert page.nav_routes == [r.name for r in page_set.routes]
    nav_hrefs = {href for href, cls in page.hrefs if cls.startswith("nav-")}
    for route in page_set.routes:
        assert f"#route-{slug(route.name)}" in nav_hrefs
        for method in route.methods or ():
            assert f"#{slug(route.name)}-{slug(method.method)}" in nav_hrefs


def test_every_request_and_response_has_an_anchor(parsed, page_set):
    """Named anchors from anchors.request_anchors, and the numbered ones of earlier pages as aliases."""
    _, page = parsed
    ids = set(page.ids)
    assert len(ids) == len(page.ids), "anchors are unique"
    named = request_anchors(page_set)
    for route in page_set.routes:
        for method in route.methods or ():
            for n, request in enumerate(method.requests or (), 1):
                rid = f"{slug(route.name)}-{slug(method.method)}-{n}"
                assert rid in ids
                assert named[(route.name, method.method, n)].id in ids
                for kind, responses in (("success", request.successes), ("failure", request.failures)):
                    for m, response in enumerate(responses or (), 1):
                        assert f"{rid}-{kind}-{m}" in ids
                        new = named[(route.name, method.method, n)].responses[(kind, m)].id
                        assert new in ids
                        assert new.startswith(anchor(route.name, method.method, response.status_code))


def test_named_anchors_read_as_route_method_status():
    dset = load_set("oci_v1_1")
    ids = set(_ids(render_html(dset)))
    for expected in ("manifest-put-201", "manifest-put-401", "manifest-get-200", "blob-get-206",
                     "blob-upload-chunk-put-201", "blob-upload-post-initiate-monolithic-blob-upload",
                     "tags-get-tags-paginated", "schema-oci-image-manifest", "response-401-authentication-required"):
        assert expected in ids, expected
    assert anchor("manifest", "PUT", 201) == "manifest-put-201"


def test_shared_responses_are_rendered_once_and_linked():
    html = render_html(load_set("registry_v2"))
    shared = shared_responses(load_set("registry_v2"))
    assert sorted((r.status_code, r.name) for r in shared) == [
        (401, "Authentication Required"), (403, "Access Denied"), (404, "No Such Repository Error"),
        (429, "Too Many Requests")]
    for r in shared:
        target = shared_anchor(r)
        assert html.count(f'id="{target}"') == 1
        assert html.count(f'href="#{target}"') >= 10  # every method declaring it links here
    # the 401 challenge header is described in the one shared block, not in every request
    assert html.count("<tr><td><code>WWW-Authenticate</code></td>") == 1


def test_body_schemas_are_rendered_with_fields_types_and_required():
    dset = load_set("oci_v1_1")
    html = render_html(dset)
    section = html.split('id="schema-oci-image-manifest"', 1)[1].split("</section>", 1)[0]
    assert "<code>config.digest</code>" in section and "<code>layers[].size</code>" in section
    assert "<td><code>integer ≥ 0</code></td><td>required</td>" in section
    put = html.split('id="manifest-put"', 1)[1].split("</section>", 1)[0]
    assert 'href="#schema-oci-image-manifest"' in put and 'href="#schema-oci-image-index"' in put


def test_example_messages_say_content_type_once(parsed):
    html, _ = parsed
    for block in html.split("<pre class=\"example\"><code>")[1:]:
        assert block.split("</code></pre>", 1)[0].count("Content-Type:") <= 1


def _ids(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    page.close()
    return page.ids


def test_every_internal_link_has_a_target(parsed):
    _, page = parsed
    ids = set(page.ids)
    for href, _ in page.hrefs:
        if href.startswith("#"):
            assert href[1:] in ids, href


def test_descriptions_are_rendered_as_markdown_and_escaped(synthetic_set):
    import dataclasses
    odd = dataclasses.replace(synthetic_set, intro="# Title\n\nSome `<b>code</b>` and <i>raw</i> html.\n")
    html = render_html(odd)
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html
    assert "&lt;i&gt;raw&lt;/i&gt;" in html and "<i>raw</i>" not in html
    assert "<code>limit</code>" in html  # from a request description's code span


# --- in a real browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    why = webdriver.available()
    if why:
        pytest.skip(f"no browser to drive: {why}")
    b = webdriver.Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def registry_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "api.html"
    path.write_text(render_html(load_set("registry_v2")), encoding="utf-8")
    return path.as_uri()


NAV_ROUTES = "return Array.from(document.querySelectorAll('nav .nav-route')).map(e => e.dataset.route);"
TARGET = """
const t = document.getElementById(location.hash.slice(1));
if (!t) return null;
const r = t.getBoundingClientRect();
return {hash: location.hash, cls: t.className, tag: t.tagName, top: r.top, height: window.innerHeight,
        heading: t.querySelector('h5, h6') ? t.querySelector('h5, h6').textContent : null,
        targetMatches: t.matches(':target')};
"""


@pytest.mark.interop
def test_browser_navigation_lists_every_route(browser, registry_page):
    dset = load_set("registry_v2")
    browser.get(registry_page)
    assert browser.execute(NAV_ROUTES) == [r.name for r in dset.routes]
    methods = browser.execute(
        "return Array.from(document.querySelectorAll('nav .nav-method')).map(e => e.textContent.trim());")
    assert methods == [m.method for r in dset.routes for m in r.methods or ()]
    assert browser.console_errors() == []


@pytest.mark.interop
def test_browser_anchor_link_lands_on_its_request(browser, registry_page):
    dset = load_set("registry_v2")
    browser.get(registry_page)
    # the last route's last method's last request: the page must scroll all the way to it
    route = dset.routes[-1]
    method = route.methods[-1]
    n = len(method.requests)
    rid = request_anchors(dset)[(route.name, method.method, n)].id
    link = browser.find(f'nav a[href="#{rid}"]')
    browser.click(link)
    landed = browser.execute(TARGET)
    assert landed["hash"] == f"#{rid}" and landed["cls"] == "request" and landed["targetMatches"]
    assert 0 <= landed["top"] < landed["height"] / 2, landed
    assert landed["heading"] == (method.requests[-1].name or f"{method.method} {route.entity}")
    # a response anchor reached by URL
    first = request_anchors(dset)[(route.name, method.method, n)].responses[("success", 1)].id
    browser.get(registry_page + f"#{first}")
    landed = browser.execute(TARGET)
    assert landed["cls"] == "response success" and 0 <= landed["top"] < landed["height"] / 2
    assert browser.console_errors() == []


@pytest.mark.interop
def test_browser_page_fits_a_phone(browser, registry_page):
    browser.emulate_phone(390, 844)
    try:
        browser.get(registry_page)
        width = browser.execute("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1], f"page wider than the phone: {width}"
        # the navigation stays reachable and a method link still lands on its section
        browser.click(browser.find("nav a.nav-method"))
        landed = browser.execute(TARGET)
        assert landed and 0 <= landed["top"] < landed["height"] / 2, landed
        assert browser.console_errors() == []
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride")
