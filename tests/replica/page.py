"""The publication page: its links to the files, and its HTML as WordPress would serve it."""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.replica.content import (
    HTML_TYPE,
    Clock,
    HrefStyle,
    LengthMode,
    Resource,
    Validators,
    strong_etag,
)

# "auto" links take these in turn, so every page mixes the href forms a scraper must resolve.
STYLE_CYCLE = ("absolute", "root", "relative")


@dataclass
class Link:
    path: str
    query: str
    text: str
    style: str


def default_link_text(path: str) -> str:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    words = stem.replace("-", " ").replace("_", " ").strip() or path
    return words[:1].upper() + words[1:]


def href_for(ln: Link, base_url: str, page_path: str) -> str:
    q = "?" + ln.query if ln.query else ""
    if ln.style == "absolute":
        return base_url + ln.path + q
    if ln.style == "relative":
        page_dir = page_path if page_path.endswith("/") else (posixpath.dirname(page_path) + "/")
        return posixpath.relpath(ln.path, page_dir) + q
    return ln.path + q


class Page:
    """The page's links and current HTML resource. Not thread-safe: the publication locks."""

    def __init__(self, base_url: str, path: str, title: str, clock: Clock) -> None:
        self.base_url = base_url
        self.path = path
        self.title = title
        self._clock = clock
        self._links: list[Link] = []
        self._style_counter = 0
        self._custom_html: bytes | None = None
        self._touches = 0
        self._sig: object = None
        self.version = 0
        self._length_mode: LengthMode = "header"
        self._validators: Validators = "both"
        self.resource = Resource(b"", HTML_TYPE, strong_etag(b""), 0)
        self.refresh()

    def has_link(self, path: str) -> bool:
        return any(ln.path == path for ln in self._links)

    def upsert_link(self, path: str, query: str, text: str | None, style: HrefStyle) -> None:
        """Add a link, or re-label one with the same target where it is (keeping its style)."""
        if text is None:
            text = default_link_text(path)
        for ln in self._links:
            if ln.path == path and ln.query == query:
                ln.text = text
                if style != "auto":
                    ln.style = style
                return
        if style == "auto":
            style = STYLE_CYCLE[self._style_counter % len(STYLE_CYCLE)]  # type: ignore[assignment]
            self._style_counter += 1
        self._links.append(Link(path, query, text, style))

    def drop_links(self, path: str) -> None:
        self._links = [ln for ln in self._links if ln.path != path]

    def set_custom_html(self, page_html: str | bytes | None) -> None:
        if page_html is None:
            self._custom_html = None
        else:
            self._custom_html = (
                page_html.encode("utf-8") if isinstance(page_html, str) else bytes(page_html)
            )
        self.refresh()

    def touch(self) -> None:
        self._touches += 1
        self.refresh()

    def set_length_mode(self, mode: LengthMode) -> None:
        self._length_mode = mode  # for later renders as well as the current one
        self.resource.length_mode = mode

    def set_validators(self, which: Validators) -> None:
        self._validators = which
        self.resource.validators = which

    def refresh(self) -> None:
        """Re-render the page; new version + stamp only if it changed."""
        sig = (
            tuple((ln.path, ln.query, ln.text, ln.style) for ln in self._links),
            self._custom_html,
            self._touches,
        )
        if sig == self._sig:
            return
        self._sig = sig
        stamp = self._clock.stamp()
        if self._custom_html is not None:
            body = self._custom_html
        else:
            body = render_page(
                self.base_url, self.path, self.title, self._links, stamp, self._touches
            )
        self.version += 1
        self.resource = Resource(
            body, HTML_TYPE, strong_etag(body), stamp, self._length_mode, self._validators
        )


def render_page(
    base_url: str, page_path: str, title: str, links: list[Link], stamp: float, revision: int
) -> bytes:
    """The page as WordPress would serve it: site chrome, distractor links, then the data links."""
    esc = html.escape
    base = base_url
    when = datetime.fromtimestamp(stamp, UTC)
    updated = f"{when.day} {when:%B %Y}"
    links = list(reversed(links))  # editors put the newest release at the top

    def anchor(ln: Link) -> str:
        href = esc(href_for(ln, base_url, page_path), quote=True)
        text = esc(ln.text)
        ext = posixpath.splitext(ln.path)[1].lstrip(".").upper() or "FILE"
        if ln.style == "relative":  # vary the quoting a little, as hand-edited HTML does
            return f"<a href='{href}'>{text}</a> ({ext})"
        return f'<a href="{href}" target="_blank" rel="noopener">{text}</a> ({ext})'

    if not links:
        data = "<p>No data has been published on this page yet.</p>"
    else:
        first, rest = links[0], links[1:]
        parts = [f"<p><strong>Latest:</strong> {anchor(first)}</p>"]
        if rest:
            parts.append("<p>Earlier releases:</p>")
            parts.append("<ul>")
            parts.extend(f"  <li>{anchor(ln)}</li>" for ln in rest)
            parts.append("</ul>")
        data = "\n".join(parts)

    title = esc(title)
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NHS England &raquo; {title}</title>
<link rel="canonical" href="{base}{esc(page_path)}">
<link rel="stylesheet" id="nhsengland-style-css" href="/wp-content/themes/nhsengland/style.css?ver=6.4.3" type="text/css" media="all">
<link rel="icon" href="/wp-content/themes/nhsengland/images/favicon.ico">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="publication-template-default single single-publication postid-187342">
<a class="skip-link screen-reader-text" href="#main-content">Skip to main content</a>
<header class="site-header" role="banner">
  <a href="{base}/" class="logo"><img src="/wp-content/themes/nhsengland/images/nhs-england-logo.svg" alt="NHS England"></a>
  <form role="search" method="get" action="{base}/"><label for="s">Search</label><input type="search" id="s" name="s"><button type="submit">Search</button></form>
  <nav class="nav-primary" aria-label="Main menu">
    <ul>
      <li><a href="/about/">About us</a></li>
      <li><a href="/our-work/">Our work</a></li>
      <li><a href="/commissioning/">Commissioning</a></li>
      <li><a href="/statistics/">Statistics</a></li>
      <li><a href="/publication/">Publications</a></li>
      <li><a href="/news/">News</a></li>
      <li><a href="/contact-us/">Contact us</a></li>
    </ul>
  </nav>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumb">
  <ol><li><a href="{base}/">Home</a></li><li><a href="../">Publications</a></li><li>{title}</li></ol>
</nav>
<main id="main-content">
<article>
<h1>{title}</h1>
<dl class="publication-meta">
  <dt>Document first published:</dt><dd>21 December 2022</dd>
  <dt>Page updated:</dt><dd>{updated}</dd>
  <dt>Topic:</dt><dd><a href="/topic/industrial-action/">Industrial action</a></dd>
  <dt>Publication type:</dt><dd>Data</dd>
</dl>
<div class="entry-content">
<p>This page sets out the data NHS trusts submit on the impact of industrial action, including
staff absent and elective activity rescheduled on each strike day. Figures are provisional and
may be revised when late returns are received.</p>
<p>Guidance for organisations: <a href="/wp-content/uploads/2022/12/B2086-industrial-action-guidance-for-nhs-organisations.pdf">Industrial action: guidance for NHS organisations (PDF, 312 KB)</a>.</p>
<h2>Data</h2>
{data}
<h2>Further information</h2>
<p>Read the <a href='/wp-content/uploads/2023/01/industrial-action-sitrep-methodology-note.pdf'>methodology note (PDF, 96 KB)</a>
and <a href="../../statistics/statistical-work-areas/">our other statistics</a>. The data collection
template is described on the <a href="/publication/industrial-action-data-collection-xlsx-guidance/">data collection guidance page</a>.</p>
<p>Questions about this data: <a href="mailto:england.industrialaction@nhs.net">england.industrialaction@nhs.net</a>.</p>
</div>
</article>
</main>
<footer class="site-footer" role="contentinfo">
  <ul>
    <li><a href="/privacy-notice/">Privacy notice</a></li>
    <li><a href="/accessibility/">Accessibility</a></li>
    <li><a href="/terms-and-conditions/">Terms and conditions</a></li>
    <li><a href="#top">Back to top</a></li>
  </ul>
  <p>&copy; NHS England</p>
</footer>
<!-- page revision {revision}: an edit changes the bytes even on the same day -->
</body>
</html>
"""
    return page.encode("utf-8")
