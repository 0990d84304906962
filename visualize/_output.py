"""Renderers by format name, and writing a diagram's files.

`dot` and `md` are pure Python; `svg` and `png` go through the `graphviz` package to
the Graphviz `dot` program (plain `-Tsvg`: the cairo SVG renderer drops ids and links).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import graphviz as gv

from ._dot import DotOptions, slug, to_dot
from ._errors import GraphvizMissingError
from ._model import Diagram
from ._table import to_markdown

INSTALL_HINT = (
    "the `dot` program (Graphviz) is not installed, so SVG and PNG cannot be drawn; "
    "install it (Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz) "
    "or ask for --format dot"
)


SOURCE_LINKS = DotOptions()


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    needs_graphviz: bool
    render: Callable[[Diagram, DotOptions], bytes]


def graphviz(dot_source: str, output: str) -> bytes:
    """`dot -T<output>` on the source, through the `graphviz` package."""
    if shutil.which("dot") is None:
        raise GraphvizMissingError(INSTALL_HINT)
    try:
        drawn: bytes = gv.pipe("dot", output, dot_source.encode(), quiet=True)
    except gv.ExecutableNotFound as error:
        raise GraphvizMissingError(INSTALL_HINT) from error
    except gv.CalledProcessError as error:
        message = (error.stderr or b"").decode(errors="replace").strip()
        raise GraphvizMissingError(f"dot -T{output} failed: {message}") from error
    return drawn


FORMATS: dict[str, Format] = {
    "dot": Format("dot", ".dot", False, lambda d, o: to_dot(d, o).encode()),
    "svg": Format("svg", ".svg", True, lambda d, o: graphviz(to_dot(d, o), "svg")),
    "png": Format("png", ".png", True, lambda d, o: graphviz(to_dot(d, o), "png")),
    "md": Format("md", ".md", False, lambda d, o: to_markdown(d).encode()),
}


def render(diagram: Diagram, format_name: str, options: DotOptions = SOURCE_LINKS) -> bytes:
    """One diagram in one format (`dot`, `svg`, `png`, `md`)."""
    return FORMATS[format_name].render(diagram, options)


def file_stem(diagram: Diagram) -> str:
    return slug(diagram.name).replace("_2e", ".")


def write_diagram(
    diagram: Diagram, out: Path, formats: Sequence[str], options: DotOptions = SOURCE_LINKS
) -> list[Path]:
    """Write the diagram in each format (and its Markdown twin); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in dict.fromkeys([*formats, "md"]):
        target = out / (file_stem(diagram) + FORMATS[name].suffix)
        target.write_bytes(render(diagram, name, options))
        written.append(target)
    return written
