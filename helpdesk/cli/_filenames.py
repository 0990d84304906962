"""One file per diagram: names that fit a file system and never overwrite each other.

A diagram's file name is its name spelled safely (`visualize.file_stem`), so two names
can map to one file (`a.b` and `a_2eb`), a workflow named `overview` would overwrite the
routing overview, and a long name can exceed the file system's 255 bytes.  `distinct`
renames what it must, deterministically: the overview keeps `overview`; a later diagram
whose file is taken gets `-2`, `-3`, ...; a name too long is cut and ends with a hash of
the whole name.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from visualize import Diagram
from visualize._output import file_stem

# Room for the longest suffix written next to the stem (`.trace.svg`, `.md`, ...).
MAX_STEM_BYTES = 200


def distinct(diagrams: list[Diagram]) -> list[Diagram]:
    """The diagrams, renamed where their files would clash or be too long; same order."""
    taken: set[str] = set()
    order = sorted(range(len(diagrams)), key=lambda i: diagrams[i].kind != "overview")
    renamed: dict[int, Diagram] = {}
    for index in order:
        diagram = _short(diagrams[index])
        name, n = diagram.name, 1
        while file_stem(diagram).casefold() in taken:
            n += 1
            diagram = replace(diagram, name=f"{name}-{n}")
        taken.add(file_stem(diagram).casefold())
        renamed[index] = diagram
    return [renamed[i] for i in range(len(diagrams))]


def _short(diagram: Diagram) -> Diagram:
    if len(file_stem(diagram).encode()) <= MAX_STEM_BYTES:
        return diagram
    digest = hashlib.sha256(diagram.name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    keep = diagram.name
    while len(file_stem(replace(diagram, name=f"{keep}-{digest}")).encode()) > MAX_STEM_BYTES - 20:
        keep = keep[: max(0, len(keep) - max(1, len(keep) // 4))]
    return replace(diagram, name=f"{keep}-{digest}")
