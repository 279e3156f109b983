"""Read a page the way a browser would: the form it would submit untouched, its links, the text a person reads.

Assert on these, not on ``split()`` of the page's source: they see elements and attributes, so markup
moving around a word neither hides a missing word nor invents one.
"""

from __future__ import annotations

from html.parser import HTMLParser

import lxml.html


class _FormReader(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._option: str | None = None
        self._select_values: list[str] = []
        self._select_first: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.found and (self.action is None or a.get("action", "") == self.action):
            self.inside = self.found = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_values, self._select_first = name, [], None
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_values.append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            values = self._select_values or ([self._select_first or ""] if self._select_first is not None else [])
            self.fields.extend((self._select, v or "") for v in values)
            self._select = None


def form_fields(html: str, action: str | None = None) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs a browser would post for the first form (or the one with ``action``)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.found, f"no form with action {action!r} on the page"
    return reader.fields


def as_post_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Pairs grouped by name, the shape the Flask test client posts repeated fields in."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.summary_links: list[str] = []
        self._summary_depth = 0

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if "id" in a:
            self.by_id[a["id"]] = {"tag": tag, **a}
        if self._summary_depth:
            self._summary_depth += tag == "div"
            if tag == "a":
                self.summary_links.append(a.get("href", ""))
        elif tag == "div" and "error-summary" in a.get("class", "").split():
            self._summary_depth = 1

    def handle_endtag(self, tag):
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1


def error_summary(html: str) -> tuple[list[str], dict[str, dict]]:
    """The ids the page's error summary links to, and every element with an id (its tag and attributes)."""
    page = _Page()
    page.feed(html)
    return [link.removeprefix("#") for link in page.summary_links], page.by_id


def parse(html: str) -> lxml.html.HtmlElement:
    """The page as an element tree; query it with XPath (``page.xpath('//main//a/@href')``)."""
    return lxml.html.fromstring(html)


def text(element: lxml.html.HtmlElement) -> str:
    """What a person reads in ``element``: its text with whitespace collapsed, as a browser shows it."""
    return " ".join(element.text_content().split())


def main_text(html: str) -> str:
    """The read text of the page's ``<main>``."""
    (main,) = parse(html).xpath("//main")
    return text(main)


def link_targets(html: str, prefix: str = "") -> list[str]:
    """The ``href`` of every link on the page that starts with ``prefix``, in page order."""
    return [href for href in parse(html).xpath("//a/@href") if href.startswith(prefix)]


def action_targets(html: str, prefix: str = "") -> list[str]:
    """The ``action`` of every form on the page that starts with ``prefix``, in page order."""
    return [action for action in parse(html).xpath("//form/@action") if action.startswith(prefix)]
