"""Content rules (docs/channels.md, "Content"): what may be sent, what is kept when received.

| content            | sending                                  | receiving                    |
|--------------------|------------------------------------------|------------------------------|
| text, emoji        | yes                                      | yes                          |
| links              | full URLs; a bare `example.com/x` warns  | yes                          |
| macros             | formatting and non-text parts stripped   | n/a                          |
| images             | refused: send a link to the image        | kept as attachments          |
| GIFs, video, audio | refused                                  | recorded, note for teammate  |
| apps, cards        | refused                                  | refused: dropped, text kept  |
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from .._errors import ContentRefused
from .._protocol import InboundContent

MAX_BODY = 1600

MediaKind = Literal["image", "animation", "video", "audio", "app", "card"]

_CARD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory", "text/calendar"})
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")

_BARE_LINK = re.compile(
    r"(?<![\w@/.:-])((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|us|ca|app|dev"
    r"|info|biz|me|ly|gl|uk|de|fr|help|support|shop|store)(?:/[^\s]*)?)(?![\w@])",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


def media_kind(content_type: str, *, field: str = "media") -> MediaKind:
    """The kind of a MIME type (image, video, …), or `ContentRefused` for an unknown one."""
    mime = content_type.strip().lower().split(";", 1)[0].strip()
    if not _MIME.match(mime):
        raise ContentRefused(
            f"The {field} content type {content_type!r} is not a MIME type like 'image/jpeg'.",
            field=field,
        )
    kind = _kind(mime)
    if kind is None:
        raise ContentRefused(
            f"The {field} content type {content_type!r} is not a media type SMS handles.",
            field=field,
            hint="Known types are images, GIFs, video, audio, apps and contact cards.",
        )
    return kind


def _kind(mime: str) -> MediaKind | None:
    major = mime.split("/", 1)[0]
    if mime == "image/gif":
        return "animation"
    if mime in _CARD_TYPES:
        return "card"
    families: dict[str, MediaKind] = {
        "image": "image",
        "video": "video",
        "audio": "audio",
        "application": "app",
    }
    return families.get(major)


def check_body_length(body: str, field: str = "body") -> None:
    if len(body) > MAX_BODY:
        raise ContentRefused(
            f"The {field} has {len(body)} characters; an SMS body holds at most {MAX_BODY}.",
            field=field,
            hint="Shorten the message or send a link to the full text.",
        )


def check_outbound(body: str, media: Sequence[str] = (), *, field: str = "body") -> tuple[str, ...]:
    """Refuse what SMS cannot send; return warnings (bare links) for what it can."""
    for index, content_type in enumerate(media):
        _refuse_outbound_media(content_type, f"media[{index}]")
    if not body.strip():
        raise ContentRefused(f"The {field} is empty; there is nothing to send.", field=field)
    check_body_length(body, field)
    return tuple(_bare_link_warning(link) for link in bare_links(body))


def _refuse_outbound_media(content_type: str, field: str) -> None:
    kind = media_kind(content_type, field=field)
    if kind == "image":
        raise ContentRefused(
            f"The {field} is an image ({content_type}); images cannot be sent by SMS.",
            field=field,
            hint="Upload the image and send a link to it instead.",
        )
    names = {"animation": "a GIF", "video": "a video", "audio": "audio", "app": "an app"}
    what = names.get(kind, "a card")
    raise ContentRefused(
        f"The {field} is {what} ({content_type}), which cannot be sent by SMS.",
        field=field,
        hint="Send text, with a link where the customer can find the rest.",
    )


def bare_links(body: str) -> tuple[str, ...]:
    """Links written without `https://` or `http://` (`example.com/x`)."""
    without_urls = _URL.sub(" ", body)
    return tuple(match.group(1).rstrip(".,;:!?") for match in _BARE_LINK.finditer(without_urls))


def _bare_link_warning(link: str) -> str:
    return (
        f"The link {link!r} has no https://; some phones will not make it clickable: "
        f"write it as 'https://{link}'."
    )


def receive_content(body: str, media: Sequence[str]) -> InboundContent:
    """Apply the receiving rules: keep text and images, record the rest, refuse apps."""
    check_body_length(body)
    kinds = [
        (content_type, media_kind(content_type, field=f"media[{index}]"))
        for index, content_type in enumerate(media)
    ]
    attachments = tuple(ct for ct, kind in kinds if kind == "image")
    recorded = tuple(ct for ct, kind in kinds if kind in ("image", "animation", "video", "audio"))
    unsupported = [ct for ct, kind in kinds if kind in ("animation", "video", "audio")]
    refused = [ct for ct, kind in kinds if kind in ("app", "card")]
    notes: list[str] = []
    warnings: list[str] = []
    if unsupported:
        notes.append(
            "The customer sent media SMS conversations do not support "
            f"({', '.join(unsupported)}); the text was kept. Ask for a link or a photo."
        )
    if refused:
        text = f"The customer sent an app or card ({', '.join(refused)}), which was refused."
        notes.append(text + " Only the text of the message was kept.")
        warnings.append(text)
    return InboundContent(body, attachments, recorded, tuple(notes), tuple(warnings))


# Macros: Markdown or HTML formatting stripped, links kept as plain URLs.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_LINK = re.compile(r"<a\b[^>]*href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.IGNORECASE | re.S)
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LINE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+)", re.MULTILINE)
_HTML_ENTITIES = {
    "&amp;": "&",
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#39;": "'",
    "&nbsp;": " ",
}


def render_macro(macro: str) -> str:
    """A macro's plain-text SMS body: formatting and images gone, links as plain URLs."""
    text = _MD_IMAGE.sub("", macro)
    text = _HTML_IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: _link_text(m.group(1), m.group(2)), text)
    text = _HTML_LINK.sub(lambda m: _link_text(_HTML_TAG.sub("", m.group(2)), m.group(1)), text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    for entity, char in _HTML_ENTITIES.items():
        text = text.replace(entity, char)
    text = _MD_LINE.sub("", text)
    text = _strip_emphasis(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _strip_emphasis(text: str) -> str:
    """Remove Markdown emphasis outside URLs (a URL may hold `_` or `*`)."""
    pieces: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        pieces.append(_MD_EMPHASIS.sub(r"\2", text[last : url.start()]))
        pieces.append(url.group(0))
        last = url.end()
    pieces.append(_MD_EMPHASIS.sub(r"\2", text[last:]))
    return "".join(pieces)


def _link_text(label: str, url: str) -> str:
    label = label.strip()
    return url if not label or label == url else f"{label} {url}"
