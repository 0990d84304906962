"""Where the two sides of a diff come from: two paths, or a git revision of the same
paths (`git show REV:path`), and how their workflows pair up (by name).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rules_engine.loader import Project, load_project
from rules_engine.model import Workflow

from ._errors import RevisionError


def pair_workflows(
    old: Sequence[Workflow], new: Sequence[Workflow]
) -> list[tuple[str, Workflow | None, Workflow | None]]:
    """(name, old, new) in the new order, then the removed ones; matched by name."""
    if len(old) == 1 and len(new) == 1:
        return [(new[0].name, old[0], new[0])]
    before = {w.name: w for w in old}
    after = {w.name: w for w in new}
    pairs: list[tuple[str, Workflow | None, Workflow | None]]
    pairs = [(w.name, before.get(w.name), w) for w in new]
    pairs += [(w.name, w, None) for w in old if w.name not in after]
    return pairs


def load_revision(rev: str, paths: Sequence[str], workspace: str | None = None) -> Project:
    """The project as it was at `rev`: the same paths, read with `git show`."""
    files = _files_at(rev, paths)
    with tempfile.TemporaryDirectory(prefix="helpdesk-rules-base-") as tmp:
        copies = []
        for top, relative in files:
            target = Path(tmp) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_git(top, "show", f"{rev}:{relative}"))
            copies.append(target)
        return load_project(copies, workspace) if copies else _empty(workspace)


def text_at(rev: str, file: str) -> str | None:
    """The text of `file` at revision `rev` (None: it did not exist there, or no git)."""
    path = Path(file).resolve()
    try:
        top = Path(_git(path.parent, "rev-parse", "--show-toplevel").decode().strip())
        relative = path.relative_to(top).as_posix()
        if not _exists(top, rev, relative):
            return None
        return _git(top, "show", f"{rev}:{relative}").decode("utf-8", errors="replace")
    except (RevisionError, ValueError, OSError):
        return None


def _empty(workspace: str | None) -> Project:
    with tempfile.TemporaryDirectory() as tmp:
        return load_project([tmp], workspace)


def _files_at(rev: str, paths: Sequence[str]) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw).resolve()
        folder = path if path.is_dir() else path.parent
        top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
        _check_revision(top, rev)
        relative = path.relative_to(top).as_posix()
        if path.is_dir():
            listing = _git(top, "ls-tree", "--name-only", rev, "--", f"{relative}/")
            names = [n for n in listing.decode().splitlines() if n.endswith((".yaml", ".yml"))]
            files += [(top, name) for name in names]
        elif _exists(top, rev, relative):
            files.append((top, relative))
    return files


def _check_revision(top: Path, rev: str) -> None:
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except RevisionError:
        raise RevisionError(f"{rev!r} is not a commit of the repository at {top}") from None


def _exists(top: Path, rev: str, relative: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(top), "cat-file", "-e", f"{rev}:{relative}"],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def _git(where: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("git is not installed, so --base cannot be read") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip() or "unknown revision"
        raise RevisionError(f"git {args[0]} failed in {where}: {message}")
    return result.stdout
