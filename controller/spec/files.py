"""Which files a spec run reads: the paths given, directories walked in sorted order.

First step of the spec stage, before ``yamlpos`` reads each file. Paths in messages
stay as the user typed them (a relative path stays relative), joined with the path
inside a walked directory. Rules (DESIGN.md section 3):

- a directory contributes every ``*.yaml`` / ``*.yml`` below it, sorted by path;
  hidden entries (``.git``, ``.github``) are skipped, so ``subctl validate .`` does
  not read CI workflows as specs;
- a file named on the command line is read whatever its extension;
- a path that yields no spec file (a missing path, an empty directory) is an error;
- a symlink inside a walked directory must point inside that directory;
- the same real file reached twice is read once.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from controller.errors import SpecProblem

SPEC_SUFFIXES = (".yaml", ".yml")
_LOOP_MESSAGE = "symlink loop: the link leads back to itself; refused"
NO_SPEC_FILES = "no spec files found under"


@dataclass(frozen=True)
class SpecFile:
    """A file to read: where it is, and how to name it in messages."""

    path: Path
    display: str


class _Loop(Exception):
    """A chain of symlinks that never ends in a real file or directory."""


def _resolve(path: Path) -> Path:
    # Path.resolve raises RuntimeError on a symlink loop (Python 3.11; OSError ELOOP in
    # later versions): a loop is a user's problem, reported with its path, not a crash.
    try:
        return path.resolve()
    except (RuntimeError, OSError) as err:
        raise _Loop(str(path)) from err


def _missing(path: Path) -> str:
    if not path.is_symlink():
        return "no such file or directory"
    try:
        path.resolve(strict=True)
    except (RuntimeError, OSError) as err:
        if isinstance(err, RuntimeError) or err.errno == errno.ELOOP:
            return _LOOP_MESSAGE
    return "broken symlink"


def _problem(display: str, message: str) -> SpecProblem:
    # A problem with a path as a whole has no better place than its start.
    return SpecProblem(display, 1, 1, message)


class _Walk:
    def __init__(self) -> None:
        self.files: list[SpecFile] = []
        self.problems: list[SpecProblem] = []
        self._seen: set[Path] = set()

    def add(self, path: Path, display: str) -> None:
        real = _resolve(path)
        if real not in self._seen:
            self._seen.add(real)
            self.files.append(SpecFile(path, display))

    def argument(self, arg: str) -> None:
        path = Path(arg)
        try:
            self._argument(path, arg)
        except _Loop:
            self.problems.append(_problem(arg, _LOOP_MESSAGE))

    def _argument(self, path: Path, arg: str) -> None:
        if not path.exists():
            what = _missing(path)
            message = what if what == _LOOP_MESSAGE else f"{NO_SPEC_FILES} {arg} ({what})"
            self.problems.append(_problem(arg, message))
        elif path.is_dir():
            tree = _Tree(_resolve(path), arg, self.problems)
            before = len(self.problems)
            tree.walk(path, (), frozenset({tree.root}))
            if not tree.found and len(self.problems) == before:
                # Never "0 files: valid" or "No changes": an empty tree is a wrong path.
                self.problems.append(_problem(arg, f"{NO_SPEC_FILES} {arg}"))
            for _, spec in sorted(tree.found, key=lambda item: item[0]):
                self.add(spec.path, spec.display)
        elif path.is_file():
            self.add(path, arg)
        else:
            self.problems.append(_problem(arg, "not a regular file or directory"))


@dataclass
class _Tree:
    """One directory given on the command line, walked depth first."""

    root: Path
    arg: str
    problems: list[SpecProblem]
    found: list[tuple[tuple[str, ...], SpecFile]] = field(default_factory=list)

    def walk(self, directory: Path, parts: tuple[str, ...], visited: frozenset[Path]) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as err:
            where = os.path.join(self.arg, *parts)
            self.problems.append(_problem(where, f"cannot list directory: {err.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            here = (*parts, entry.name)
            display = os.path.join(self.arg, *here)
            path = Path(entry.path)
            try:
                if entry.is_symlink() and not self._symlink_ok(path, display):
                    continue
                real = _resolve(path) if entry.is_dir() else None
            except _Loop:  # reported whatever its name: it may hide a spec directory
                self.problems.append(_problem(display, _LOOP_MESSAGE))
                continue
            if real is not None:
                if real not in visited:  # a symlink loop inside the tree ends here
                    self.walk(path, here, visited | {real})
            elif entry.name.endswith(SPEC_SUFFIXES) and entry.is_file():
                self.found.append((here, SpecFile(path, display)))

    def _symlink_ok(self, path: Path, display: str) -> bool:
        target = _resolve(path)
        if not target.is_relative_to(self.root):
            message = f"symlink points outside {self.arg} (to {target}); refused"
            self.problems.append(_problem(display, message))
            return False
        if not target.exists():
            if path.name.endswith(SPEC_SUFFIXES):
                self.problems.append(_problem(display, _missing(path)))
            return False
        return True


def discover(paths: list[str]) -> tuple[list[SpecFile], list[SpecProblem]]:
    """Every spec file under ``paths``, in order, and the problems met finding them."""
    walk = _Walk()
    for arg in paths:
        walk.argument(arg)
    return walk.files, walk.problems
