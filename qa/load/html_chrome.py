"""What on a web page is site chrome rather than content, and where the content is.

A reader skips navigation, sidebars, search boxes, dialogs, permalink anchors, "edit this
page" links, the site's header and footer, scripts and hidden elements. Pages mark these
by tag, by ARIA role, and by class or id words that the common documentation and site
generators use; an element that matches any of them is left out with what it holds.
"""

from __future__ import annotations

import re
from typing import Any

# Elements whose content a reader never sees, or which are controls rather than text.
SKIP_TAGS = frozenset(
    "script style noscript template svg head iframe object embed canvas button input select "
    "textarea form nav dialog map audio video source track meta link title".split()
)
_CHROME_ROLES = frozenset(
    "navigation search banner contentinfo dialog alertdialog menu menubar toolbar tooltip "
    "complementary".split()
)
# Class or id words that mark site chrome in the common documentation and site generators.
_CHROME_WORDS = frozenset(
    "nav navbar navigation sidebar sidenav sidebars toc breadcrumb breadcrumbs footer search "
    "searchbox modal skip skiplink headerlink permalink anchorjs pagination pager related "
    "share social cookie cookies editsection navbox catlinks printfooter noprint jump "
    "linenos lineno hashlink versions".split()
)
_CHROME_PHRASES = ("edit-this-page", "edit-page", "editthispage", "hash-link", "header-anchor")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WORD_SPLIT = re.compile(r"[-_\s]+")


def is_chrome(element: Any) -> bool:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return True
    tag = tag.lower()
    if tag in SKIP_TAGS:
        return True
    if tag in ("header", "footer") and not _inside(element, ("main", "article")):
        return True
    attributes = element.attrib
    if "hidden" in attributes or attributes.get("aria-hidden", "").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attributes.get("style", "")):
        return True
    if attributes.get("role", "").lower() in _CHROME_ROLES:
        return True
    if tag == "aside" and "admonition" not in attributes.get("class", "").lower():
        return True
    marks = f"{attributes.get('class', '')} {attributes.get('id', '')}".lower()
    if any(phrase in marks for phrase in _CHROME_PHRASES):
        return True
    return any(word in _CHROME_WORDS for word in _WORD_SPLIT.split(marks))


def _inside(element: Any, tags: tuple[str, ...]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and parent.tag.lower() in tags:
            return True
        parent = parent.getparent()
    return False


def main_content(tree: Any) -> Any:
    """The page's main content: <main> or role=main, else a lone <article>, else <body>."""
    for path in ('.//*[@role="main"]', ".//main", './/*[@itemprop="articleBody"]'):
        found = tree.find(path)
        if found is not None:
            return found
    articles = tree.findall(".//article")
    if len(articles) == 1:
        return articles[0]
    body = tree.find(".//body")
    return body if body is not None else tree
