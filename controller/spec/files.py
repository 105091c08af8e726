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

import os
from dataclasses import dataclass, field
from pathlib import Path

from controller.errors import SpecProblem

SPEC_SUFFIXES = (".yaml", ".yml")
NO_SPEC_FILES = "no spec files found under"


@dataclass(frozen=True)
class SpecFile:
    """A file to read: where it is, and how to name it in messages."""

    path: Path
    display: str


def _problem(display: str, message: str) -> SpecProblem:
    # A problem with a path as a whole has no better place than its start.
    return SpecProblem(display, 1, 1, message)


class _Walk:
    def __init__(self) -> None:
        self.files: list[SpecFile] = []
        self.problems: list[SpecProblem] = []
        self._seen: set[Path] = set()

    def add(self, path: Path, display: str) -> None:
        real = path.resolve()
        if real not in self._seen:
            self._seen.add(real)
            self.files.append(SpecFile(path, display))

    def argument(self, arg: str) -> None:
        path = Path(arg)
        if not path.exists():
            what = "broken symlink" if path.is_symlink() else "no such file or directory"
            self.problems.append(_problem(arg, f"{NO_SPEC_FILES} {arg} ({what})"))
        elif path.is_dir():
            tree = _Tree(path.resolve(), arg, self.problems)
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
            if entry.is_symlink() and not self._symlink_ok(path, display):
                continue
            if entry.is_dir():
                real = path.resolve()
                if real not in visited:  # a symlink loop inside the tree ends here
                    self.walk(path, here, visited | {real})
            elif entry.name.endswith(SPEC_SUFFIXES) and entry.is_file():
                self.found.append((here, SpecFile(path, display)))

    def _symlink_ok(self, path: Path, display: str) -> bool:
        target = path.resolve()
        if not target.is_relative_to(self.root):
            message = f"symlink points outside {self.arg} (to {target}); refused"
            self.problems.append(_problem(display, message))
            return False
        if not target.exists():
            if path.name.endswith(SPEC_SUFFIXES):
                self.problems.append(_problem(display, "broken symlink"))
            return False
        return True


def discover(paths: list[str]) -> tuple[list[SpecFile], list[SpecProblem]]:
    """Every spec file under ``paths``, in order, and the problems met finding them."""
    walk = _Walk()
    for arg in paths:
        walk.argument(arg)
    return walk.files, walk.problems
