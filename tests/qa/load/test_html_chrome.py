"""Site chrome found by tag, role, class words and hidden styles; the main content found."""

from __future__ import annotations

import lxml.html
import pytest

from qa.load.html_chrome import is_chrome, main_content


def _element(markup: str):  # type: ignore[no-untyped-def]
    return lxml.html.fragment_fromstring(markup)


@pytest.mark.parametrize(
    "markup",
    [
        "<nav>Home</nav>",
        '<div role="navigation">Home</div>',
        '<div class="sidebar-nav">links</div>',
        '<a class="headerlink" href="#x">¶</a>',
        '<span class="edit-this-page">Edit</span>',
        '<p style="display: none">secret</p>',
        "<p hidden>secret</p>",
        '<p aria-hidden="true">icon</p>',
        "<aside>related posts</aside>",
        "<script>x()</script>",
    ],
)
def test_what_a_reader_skips_is_chrome(markup: str) -> None:
    assert is_chrome(_element(markup))


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Install it with pip.</p>",
        '<aside class="admonition note">Back up first.</aside>',
        '<div class="navigator-guide">A word that only contains "nav".</div>',
        "<pre>ls -l</pre>",
    ],
)
def test_content_is_not_chrome(markup: str) -> None:
    assert not is_chrome(_element(markup))


def test_a_header_inside_the_article_is_content_and_the_sites_header_is_not() -> None:
    page = lxml.html.document_fromstring(
        "<html><body><header>Site</header><article><header>Title</header>"
        "<p>Text.</p></article></body></html>"
    )
    site, article = page.findall(".//header")
    assert is_chrome(site) and not is_chrome(article)


def test_the_main_content_is_main_then_a_lone_article_then_the_body() -> None:
    main = lxml.html.document_fromstring("<body><div>menu</div><main><p>A</p></main></body>")
    assert main_content(main).tag == "main"
    one = lxml.html.document_fromstring("<body><div>menu</div><article>B</article></body>")
    assert main_content(one).tag == "article"
    two = lxml.html.document_fromstring("<body><article>B</article><article>C</article></body>")
    assert main_content(two).tag == "body"
