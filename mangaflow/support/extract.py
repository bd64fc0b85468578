"""From uploaded bytes to checked passages, in memory (nothing here writes anything):
the type by extension AND content (:func:`sniff`), the text (:func:`extract`: PDF via pypdf,
Markdown via markdown-it-py, HTML via the stdlib parser without scripts, styles, comments or
hidden elements, plain text), prompt-injection screening (:func:`screen`) and chunking
(:func:`chunk_blocks`). Every refusal is a :class:`ValidationError` naming the field."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

from mangaflow.platform.errors import ValidationError
from mangaflow.support.documents import Kind

#: Largest upload accepted (bytes).
MAX_BYTES = 10 * 1024 * 1024
#: Most chunks one version may have (a larger text is refused, not truncated).
MAX_CHUNKS = 2_000
#: Chunks aim at CHUNK_MIN..CHUNK_MAX words; a chunk split for size repeats the last
#: ~OVERLAP words of the one before.
CHUNK_MIN, CHUNK_MAX, OVERLAP = 120, 220, 30
MAX_FILENAME = 200

EXTENSIONS: dict[str, Kind] = {
    ".pdf": "pdf", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".txt": "txt", ".text": "txt",
}  # fmt: skip
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf", "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8", "txt": "text/plain; charset=utf-8",
}  # fmt: skip
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")
#: Magic numbers of binary formats that are never text.
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"%PDF-",
                 b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ", b"RIFF", b"BM", b"7z\xbc\xaf")  # fmt: skip
_HTML_DOC = re.compile(r"^\s*(<!doctype\s+html|<html[\s>])", re.IGNORECASE)
_HTML_TAG = re.compile(r"<\s*(html|head|body|p|div|span|h[1-6]|article|section|ul|ol|li|table|"
                       r"a|br|main|title)\b[^>]*>", re.IGNORECASE)  # fmt: skip


def _refuse(field_name: str, message: str) -> ValidationError:
    return ValidationError(message, details=[{"field": field_name, "message": message}])


# --------------------------------------------------------------------- type checks


def check_filename(filename: str) -> tuple[str, Kind]:
    """The file's base name and kind; refuses paths, odd characters and unknown types."""
    name = (filename or "").strip()
    if not name or "/" in name or "\\" in name or len(name) > MAX_FILENAME:
        raise _refuse("filename", f"a plain file name of 1-{MAX_FILENAME} characters, no path, "
                      f"is required (got {filename!r})")  # fmt: skip
    if not _FILENAME.match(name):
        raise _refuse("filename", f"{name!r}: use letters, digits, spaces and . _ ( ) -")
    ext = PurePosixPath(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise _refuse("filename", f"{name!r}: unsupported type {ext or '(none)'}; upload one of "
                      f"{', '.join(sorted(EXTENSIONS))}")  # fmt: skip
    return name, EXTENSIONS[ext]


def sniff(filename: str, data: bytes) -> tuple[str, Kind, str]:
    """Check name, size and content agree; returns the name, kind and (for text kinds) the
    decoded text (``""`` for PDF)."""
    name, kind = check_filename(filename)
    if not isinstance(data, bytes | bytearray):
        raise _refuse("file", "the file's bytes are required")
    if len(data) > MAX_BYTES:
        raise _refuse("file", f"{name} is {len(data):,} bytes; the limit is {MAX_BYTES:,} "
                      f"bytes ({MAX_BYTES // (1024 * 1024)} MB)")  # fmt: skip
    if not data.strip():
        raise _refuse("file", f"{name} is empty")
    if kind == "pdf":
        if b"%PDF-" not in data[:1024]:
            raise _refuse("file", f"{name} is named .pdf but its content is not a PDF")
        return name, kind, ""
    head = data[:16].lstrip(b"\xef\xbb\xbf")
    if any(head.startswith(m) for m in _BINARY_MAGIC) or b"\x00" in data:
        raise _refuse("file", f"{name} is named {kind} but its content is binary, not text")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("file", f"{name} is not UTF-8 text (byte {exc.start})") from exc
    if kind == "html" and not _HTML_TAG.search(text):
        raise _refuse("file", f"{name} is named .html but contains no HTML")
    if kind in ("md", "txt") and _HTML_DOC.match(text):
        raise _refuse("file", f"{name} is named {kind} but its content is an HTML document")
    return name, kind, text


# ------------------------------------------------------------------- extraction


@dataclass
class Extracted:
    """Text blocks in reading order (``(heading, paragraph)``: heading is ``True`` for a
    heading), the text a reader never sees (comments, hidden elements) for screening, and a
    title when the document names one."""

    blocks: list[tuple[bool, str]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    title: str = ""

    @property
    def words(self) -> int:
        return sum(len(t.split()) for h, t in self.blocks if not h)


_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "head"}
MAX_DEPTH = 256  # open (unclosed) tags at once; deeper HTML is refused
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source",
         "track", "wbr", "param"}  # fmt: skip
_BLOCK = {"p", "div", "li", "ul", "ol", "section", "article", "blockquote", "pre", "table", "tr",
          "td", "th", "dt", "dd", "header", "footer", "main", "nav", "aside", "br", "hr",
          "figcaption", "details", "summary", "body", "html"}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0"
                           r"(?![.\d])|opacity\s*:\s*0(?![.\d]*[1-9])", re.IGNORECASE)  # fmt: skip


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Extracted()
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, hidden)
        self.buf: list[str] = []
        self.hidden_buf: list[str] = []
        self.in_title = False
        self.title: list[str] = []

    def _skipping(self) -> bool:
        return any(s for _, s, _ in self.stack)

    def _hidden(self) -> bool:
        return any(h for _, _, h in self.stack)

    def _flush(self, heading: bool = False) -> None:
        text = " ".join(" ".join(self.buf).split())
        self.buf = []
        if text:
            self.out.blocks.append((heading, text))
        hidden = " ".join(" ".join(self.hidden_buf).split())
        self.hidden_buf = []
        if hidden:
            self.out.hidden.append(("in hidden HTML text", hidden))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        if tag in _BLOCK or tag in _HEADINGS:
            self._flush()
        if tag in _VOID:
            return
        hidden = ("hidden" in a or a.get("aria-hidden", "").lower() == "true"
                  or bool(_HIDDEN_STYLE.search(a.get("style", ""))))  # fmt: skip
        if len(self.stack) >= MAX_DEPTH:  # bounds the per-text scans: linear in the file
            raise ValidationError(
                f"the HTML nests more than {MAX_DEPTH} open tags; it cannot be read",
                details=[{"field": "file", "message": f"at most {MAX_DEPTH} nested tags"}])
        self.stack.append((tag, tag in _SKIP, hidden))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _VOID:
            return
        if any(t == tag for t, _, _ in self.stack):
            while self.stack:
                if self.stack.pop()[0] == tag:
                    break
        if tag in _HEADINGS:
            self._flush(heading=True)
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self._skipping():
            return
        (self.hidden_buf if self._hidden() else self.buf).append(data)

    def handle_comment(self, data: str) -> None:
        if data.strip():
            self.out.hidden.append(("in an HTML comment", " ".join(data.split())))


def _html(text: str) -> Extracted:
    parser = _Html()
    parser.feed(text)
    parser.close()
    parser._flush()
    parser.out.title = " ".join(" ".join(parser.title).split())
    return parser.out


def _markdown(text: str) -> Extracted:
    from markdown_it import MarkdownIt

    out = _html(MarkdownIt("commonmark").render(text))
    first_heading = next((t for h, t in out.blocks if h), "")
    out.title = out.title or first_heading
    return out


def _plain(text: str) -> Extracted:
    """Paragraphs split at blank lines; a short first line without a full stop is the title
    (and heading)."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    out = Extracted(blocks=[(False, p) for p in paras if p])
    if len(out.blocks) > 1:
        first = out.blocks[0][1]
        if len(first.split()) <= 12 and not first.endswith((".", "!", "?", ":", ";", ",")):
            out.title, out.blocks[0] = first, (True, first)
    return out


def _pdf(name: str, data: bytes) -> Extracted:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse("file", f"{name} is an encrypted PDF; upload it without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        meta_title = str((meta.get("/Title") if meta else "") or "").strip()
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise _refuse("file", f"{name} is not a readable PDF ({type(exc).__name__}: "
                      f"{str(exc)[:120]})") from exc  # fmt: skip
    out = _plain("\n\n".join(re.sub(r"(?<=[^\n])\n(?=[^\n])", "\n\n", p) for p in pages))
    out.title = meta_title or out.title
    return out


def extract(name: str, kind: Kind, data: bytes, text: str) -> Extracted:
    """The document's text; an unreadable or textless file is refused."""
    out = (_pdf(name, data) if kind == "pdf" else _html(text) if kind == "html"
           else _markdown(text) if kind == "md" else _plain(text))  # fmt: skip
    if not any(t for h, t in out.blocks if not h):
        hint = " (a scanned PDF has none: upload its text)" if kind == "pdf" else ""
        raise _refuse("file", f"{name} has no text to learn from{hint}")
    return out


# -------------------------------------------------------------------- screening

_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_AI = r"(?:ai|assistant|bot|chatbot|model|llm|gpt|dan|persona|character|agent)"
INJECTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rx, re.IGNORECASE)) for name, rx in [
        ("an instruction to ignore earlier instructions",
         r"\b(?:ignore|disregard|forget|override|bypass)\b(?:\s+\w+){0,3}?\s+(?:previous|prior|"
         r"above|earlier|preceding|all|any|your|the)\s+(?:\w+\s+){0,2}?(?:instructions?|prompts?|"
         r"rules|directions|guidelines|guardrails|messages)\b"),
        ("an attempt to change the assistant's identity",
         rf"\byou\s+are\s+now\s+(?:(?:an?|the|my)\s+)?(?:\w+\s+){{0,3}}?{_AI}\b|\byou\s+are\s+"
         r"now\s+(?:free|unrestricted|unfiltered|no\s+longer\b|in\s+\w+\s+mode)"),
        ("a mention of the system prompt", r"\bsystem\s+(?:prompt|message|instructions?)\b"),
        ("new instructions for the assistant",
         r"\bnew\s+instructions?\s*:|\b(?:pretend|act)\s+(?:to\s+be|that\s+you|as\s+(?:if|an?\s+"
         rf"(?:\w+\s+){{0,2}}?{_AI}))|\brole-?play\s+as\b|\bdeveloper\s+mode\b|\bjailbreak"),
        ("a role-play marker",
         r"<\|(?:im_start|im_end|system|user|assistant)\|>|\[/?INST\]|<</?SYS>>|(?:^|\n|\s)#{2,}"
         r"\s*(?:system|instruction)s?\b|(?:^|\n)\s*(?:system|assistant)\s*:"),
        ("a request to reveal hidden instructions",
         r"\b(?:reveal|print|show|repeat|leak)\s+(?:\w+\s+){0,2}?(?:your|the)\s+(?:\w+\s+)?"
         r"(?:instructions|prompt|guidelines)\b"),
    ]
]  # fmt: skip


def _normal(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def screen(name: str, out: Extracted) -> None:
    """Refuse text that addresses the assistant instead of the reader (prompt injection),
    wherever it is: visible text, HTML comments or hidden elements, invisible characters."""
    parts = [("in the text", "\n".join(t for _, t in out.blocks)), *out.hidden]
    for where, raw in parts:
        if _TAG_CHARS.search(raw):
            raise _refuse("file", f"{name} refused: it hides text in invisible Unicode tag "
                          f"characters ({where})")  # fmt: skip
        text = _normal(raw)
        for label, rx in INJECTION_PATTERNS:
            m = rx.search(text)
            if m:
                a, b = max(0, m.start() - 60), min(len(text), m.end() + 60)
                passage = " ".join(text[a:b].split())
                raise ValidationError(
                    f"{name} refused: possible prompt injection ({label}) {where}: "
                    f"\u201c{passage}\u201d",
                    details=[{"field": "file", "message": f"prompt injection {where}",
                              "passage": passage}],
                )  # fmt: skip


def screen_title(name: str, title: str) -> None:
    """A document's title (given, or from HTML/PDF metadata) is screened like its text."""
    try:
        screen(name, Extracted(blocks=[(True, title)]))
    except ValidationError as exc:
        raise ValidationError(exc.message.replace(" in the text", " in the title"),
                              details=[{**d, "field": "title"} for d in exc.details or []]) from None


# --------------------------------------------------------------------- chunking


@dataclass(frozen=True)
class Piece:
    heading: str
    text: str
    words: int


def _sentences(text: str, limit: int) -> list[str]:
    """``text`` cut at sentence ends (words, for a sentence longer than ``limit``)."""
    out: list[str] = []
    for s in re.split(r"(?<=[.!?])\s+", text):
        words = s.split()
        out += [" ".join(words[i : i + limit]) for i in range(0, len(words), limit)] or []
    return [s for s in out if s]


def chunk_blocks(blocks: list[tuple[bool, str]]) -> list[Piece]:
    """Passages of ~CHUNK_MIN..CHUNK_MAX words built from whole paragraphs (sentences of a
    long one), starting afresh at a heading once the current passage is long enough; a
    passage split for size begins with the last ~OVERLAP words of the previous one."""
    pieces: list[Piece] = []
    heading, count = "", 0
    cur: list[str] = []
    cur_heading = ""

    def flush(overlap: bool) -> None:
        nonlocal cur, count
        if not cur:
            return
        pieces.append(Piece(cur_heading, " ".join(cur), count))
        tail: list[str] = []
        if overlap:
            for s in reversed(cur):
                if sum(len(x.split()) for x in tail) + len(s.split()) > OVERLAP:
                    break
                tail.insert(0, s)
        cur, count = tail, sum(len(x.split()) for x in tail)

    for is_heading, text in blocks:
        if is_heading:
            if count >= CHUNK_MIN:
                flush(overlap=False)
            heading = text
            if not cur:
                cur_heading = heading
            continue
        for sentence in _sentences(text, CHUNK_MAX - OVERLAP):
            n = len(sentence.split())
            if count + n > CHUNK_MAX and count > 0:
                flush(overlap=True)
                cur_heading = heading
            if not cur:
                cur_heading = heading
            cur.append(sentence)
            count += n
    flush(overlap=False)
    return pieces
