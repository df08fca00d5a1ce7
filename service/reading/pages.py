"""A file or an upload in, the article's text out: plain text as it is, HTML through trafilatura.

A web page is mostly not the article: menus, share buttons, related links, comments.
trafilatura (kept, benchmarked on news sites) finds the article's body; a home-made tag
stripper would keep the menus, and every figure in them.  The text it gives is what the
candidates' offsets refer to, so it is returned with them.
"""

from __future__ import annotations

from service.errors import InvalidField
from service.reasons import N_, Quoted, Reason, number

HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt", ".text", ".md")


def decoded(data: bytes, field: str) -> str:
    """UTF-8 text, or a 422 naming the field: a binary file (a PDF, an image) is not an article."""
    if b"\x00" in data[:8192]:
        raise InvalidField(field, Reason(N_("the file is binary (it holds NUL bytes): upload the article as .txt or .html")))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidField(field, Reason(N_("the file is not UTF-8 text (byte %(byte)s): save it as UTF-8 .txt or .html"), byte=number(exc.start))) from exc
    return text


def is_html(name: str, text: str) -> bool:
    return name.lower().endswith(HTML_SUFFIXES) or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def article_text(name: str, data: bytes, field: str = "file") -> tuple[str, bool]:
    """The article's text, and whether it was extracted from HTML."""
    text = decoded(data, field)
    if not is_html(name, text):
        if name and not name.lower().endswith(TEXT_SUFFIXES) and "." in name.rsplit("/", 1)[-1]:
            raise InvalidField(field, Reason(N_("%(name)s is neither .txt nor .html: upload the article as text or as the web page"), name=Quoted(name)))
        return text, False
    # Imported here, by the one upload that needs it: trafilatura and lxml were a third of a
    # second of every server's start (and of every ``tally`` command's).
    import trafilatura

    extracted = trafilatura.extract(text, include_comments=False, include_tables=True, deduplicate=True)
    if not extracted or not extracted.strip():
        raise InvalidField(field, Reason(N_("no article text found in this HTML page (trafilatura found no body): paste the text instead")))
    return extracted, True
