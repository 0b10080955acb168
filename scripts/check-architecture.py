#!/usr/bin/env python3
"""Checks that the module layout in Package.swift and the imports under Sources/ follow docs/ARCHITECTURE.md.

The table in docs/ARCHITECTURE.md whose header row is `| module | its one job | may import |` is the truth: every
production target has a row, its internal Package.swift dependencies are exactly the row's list, and its Swift
files import no other internal module. On top of the table:

- SQL packages (SQLKit, SQLiteKit, PostgresKit, PostgresNIO, SQLiteNIO) are imported only in Database;
- CVips and CVipsShim only in Imaging (CVipsShim, C, depends on CVips);
- Hummingbird* only in HTTPAPI and the executable timelapser (HummingbirdBcrypt and HummingbirdOTP, plain crypto, anywhere);
- no production module imports a test-support module (a target under Tests/), XCTest or Testing;
- no file under Sources/ (*.swift, *.c, *.h, *.js, *.css, *.html) is longer than 400 lines.

Tests are not checked. Usage:
    scripts/check-architecture.py [--root DIR]               check; exit 1 on a violation
    scripts/check-architecture.py [--root DIR] --self-test   check a copy, then copies with one injected
                                                             violation each, which must all be caught
Standard library only.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TABLE_HEADER = ["module", "its one job", "may import"]
NONE_MARK = "—"
SQL_MODULES = {"SQLKit", "SQLiteKit", "PostgresKit", "PostgresNIO", "SQLiteNIO"}
# hummingbird-auth's password hashing and one-time passwords: plain crypto, no HTTP in them.
HTTP_FREE = {"HummingbirdBcrypt", "HummingbirdOTP"}
SQL_HOME = "Database"
C_MODULES = {"CVips", "CVipsShim"}
C_HOME = "Imaging"
HTTP_HOMES = {"HTTPAPI", "timelapser"}
TEST_FRAMEWORKS = {"XCTest", "Testing", "TestSupport"}
MAX_LINES = 400
LENGTH_CHECKED = {".swift", ".c", ".h", ".js", ".css", ".html"}
TARGET_KINDS = ("target", "executableTarget", "testTarget", "systemLibrary", "binaryTarget", "macro", "plugin")
NOT_MODULES = {"plugin"}


# ---------------------------------------------------------------------------------------------------------------
# Swift source scanning

def scan_swift(text: str) -> tuple[str, str]:
    """Returns (stripped, mask), both as long as `text`: `stripped` has comments blanked; `mask` also has the
    contents of string literals blanked (their quotes kept). Newlines are kept, so offsets and lines match."""
    stripped = list(text)
    mask = list(text)
    n = len(text)
    # Frames: ["code", paren_depth, is_interpolation] or ["string", hashes, multiline].
    stack: list[list] = [["code", 0, False]]
    i = 0

    def blank(a: int, b: int, both: bool) -> None:
        for k in range(a, min(b, n)):
            if text[k] != "\n":
                mask[k] = " "
                if both:
                    stripped[k] = " "

    while i < n:
        top = stack[-1]
        c = text[i]
        if top[0] == "code":
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank(i, end, True)
                i = end
                continue
            if text.startswith("/*", i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if text.startswith("/*", j):
                        depth, j = depth + 1, j + 2
                    elif text.startswith("*/", j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                blank(i, j, True)
                i = j
                continue
            if c == "#" or c == '"':
                j = i
                while j < n and text[j] == "#":
                    j += 1
                if j < n and text[j] == '"':
                    hashes = j - i
                    multiline = text.startswith('"""', j)
                    i = j + (3 if multiline else 1)
                    stack.append(["string", hashes, multiline])
                    continue
                i = j if j > i else i + 1
                continue
            if c == "(":
                top[1] += 1
            elif c == ")":
                if top[1] == 0 and top[2]:
                    stack.pop()
                    mask[i] = " "
                    i += 1
                    continue
                top[1] = max(0, top[1] - 1)
            if len(stack) > 1:  # code inside an interpolation is part of the string for the mask
                if c != "\n":
                    mask[i] = " "
            i += 1
            continue
        # inside a string literal
        hashes, multiline = top[1], top[2]
        closing = ('"""' if multiline else '"') + "#" * hashes
        if text.startswith(closing, i):
            stack.pop()
            i += len(closing)
            continue
        if c == "\\" and text.startswith("#" * hashes + "(", i + 1):
            length = 2 + hashes
            blank(i, i + length, False)
            i += length
            stack.append(["code", 0, True])
            continue
        if c == "\\" and hashes == 0:
            blank(i, i + 2, False)
            i += 2
            continue
        if c == "\n" and not multiline:  # unterminated: give up on this literal
            stack.pop()
            i += 1
            continue
        blank(i, i + 1, False)
        i += 1
    return "".join(stripped), "".join(mask)


IMPORT_RE = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|package|internal|fileprivate|private|open)\s+)?"
    r"(?:@\w+(?:\([^)]*\))?\s+)*"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"
    r"([A-Za-z_]\w*)"
)


def swift_imports(text: str) -> list[tuple[int, str]]:
    """(line number, module) for each import statement, comments and string literals ignored."""
    _, mask = scan_swift(text)
    found = []
    for number, line in enumerate(mask.split("\n"), start=1):
        for statement in line.split(";"):
            m = IMPORT_RE.match(statement)
            if m:
                found.append((number, m.group(1)))
    return found


def line_count(path: Path) -> int:
    data = path.read_bytes()
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


# ---------------------------------------------------------------------------------------------------------------
# Package.swift

class Target:
    def __init__(self, kind: str, name: str, path: str | None):
        self.kind = kind
        self.name = name
        self.path = (path or ("Tests/" if kind == "testTarget" else "Sources/") + name).strip("/")
        if self.path.startswith("./"):
            self.path = self.path[2:]
        self.deps: list[tuple[str, str]] = []  # ("target" | "byName" | "product", name)
        self.deps_open: int | None = None      # offset just after the `[` of its dependencies list

    @property
    def under_tests(self) -> bool:
        return self.kind == "testTarget" or self.path == "Tests" or self.path.startswith("Tests/")

    @property
    def production(self) -> bool:
        return self.kind not in NOT_MODULES and not self.under_tests


def matching_close(mask: str, open_at: int) -> int:
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[mask[open_at]]]
    i = open_at + 1
    while i < len(mask):
        c = mask[i]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if c != stack[-1]:
                raise ValueError(f"unbalanced {c!r} at offset {i}")
            stack.pop()
            if not stack:
                return i
        i += 1
    raise ValueError(f"unclosed {mask[open_at]!r} at offset {open_at}")


def split_top_level(mask: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the comma-separated items of mask[start:end] at bracket depth 0 (empty items dropped)."""
    spans, depth, item_start = [], 0, start
    for i in range(start, end):
        c = mask[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            spans.append((item_start, i))
            item_start = i + 1
    spans.append((item_start, end))
    return [(a, b) for a, b in spans if mask[a:b].strip()]


STRING_LITERAL_RE = re.compile(r'^\s*"((?:[^"\\\n]|\\.)*)"\s*$')
LABEL_RE = re.compile(r"^\s*(\w+)\s*:")
NAME_ARG_RE = re.compile(r'\bname\s*:\s*"((?:[^"\\\n]|\\.)*)"')


def string_literal(stripped: str, a: int, b: int) -> str | None:
    m = STRING_LITERAL_RE.match(stripped[a:b])
    return m.group(1) if m else None


def parse_package(text: str) -> tuple[list[Target], list[str]]:
    """Targets declared in Package.swift, and the problems met while reading them."""
    stripped, mask = scan_swift(text)
    targets: list[Target] = []
    problems: list[str] = []
    kind_re = re.compile(r"\.(" + "|".join(TARGET_KINDS) + r")\s*\(")
    pos = 0
    while True:
        m = kind_re.search(mask, pos)
        if not m:
            break
        kind, open_at = m.group(1), m.end() - 1
        try:
            close_at = matching_close(mask, open_at)
        except ValueError as error:
            problems.append(f"cannot read .{kind}( ... ): {error}")
            break
        pos = close_at + 1
        args: dict[str, tuple[int, int]] = {}
        for a, b in split_top_level(mask, open_at + 1, close_at):
            lm = LABEL_RE.match(mask[a:b])
            if lm:
                args[lm.group(1)] = (a + lm.end(), b)
        if "name" not in args or string_literal(stripped, *args["name"]) is None:
            problems.append(f".{kind}( ... ) at offset {open_at} has no literal name")
            continue
        name = string_literal(stripped, *args["name"])
        path = string_literal(stripped, *args["path"]) if "path" in args else None
        if "path" in args and path is None:
            problems.append(f"target {name}: path is not a string literal")
        target = Target(kind, name, path)
        if "dependencies" in args:
            a, b = args["dependencies"]
            value = mask[a:b]
            if not value.strip().startswith("["):
                problems.append(f"target {name}: dependencies is not a literal list")
            else:
                list_open = a + value.index("[")
                try:
                    list_close = matching_close(mask, list_open)
                except ValueError as error:
                    problems.append(f"target {name}: cannot read dependencies: {error}")
                    list_close = list_open + 1
                target.deps_open = list_open + 1
                for ea, eb in split_top_level(mask, list_open + 1, list_close):
                    element = stripped[ea:eb].strip()
                    literal = string_literal(stripped, ea, eb)
                    name_arg = NAME_ARG_RE.search(element)
                    if literal is not None:
                        target.deps.append(("byName", literal))
                    elif element.startswith(".target(") and name_arg:
                        target.deps.append(("target", name_arg.group(1)))
                    elif element.startswith(".byName(") and name_arg:
                        target.deps.append(("byName", name_arg.group(1)))
                    elif element.startswith(".product(") and name_arg:
                        target.deps.append(("product", name_arg.group(1)))
                    else:
                        problems.append(f"target {name}: cannot read dependency {' '.join(element.split())}")
        targets.append(target)
    return targets, problems


# ---------------------------------------------------------------------------------------------------------------
# docs/ARCHITECTURE.md

def table_cells(line: str) -> list[str] | None:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|") and len(line) > 1):
        return None
    cells = re.split(r"(?<!\\)\|", line[1:-1])
    return [cell.strip() for cell in cells]


BACKTICKED_RE = re.compile(r"^`([^`]+)`$")


class Row:
    def __init__(self, line: int, module: str, allowed: list[str]):
        self.line = line
        self.module = module
        self.allowed = allowed


def parse_table(text: str, doc: str) -> tuple[list[Row] | None, list[tuple[str, str]]]:
    """The module table's rows (None without a table), and (location, message) problems."""
    lines = text.splitlines()
    problems: list[tuple[str, str]] = []
    headers = [i for i, line in enumerate(lines) if table_cells(line) == TABLE_HEADER]
    if not headers:
        return None, [(doc, "no table with the header row | " + " | ".join(TABLE_HEADER) + " |")]
    if len(headers) > 1:
        problems.append((f"{doc}:{headers[1] + 1}", "a second module table; keep one"))
    start = headers[0]
    separator = table_cells(lines[start + 1]) if start + 1 < len(lines) else None
    if not separator or not all(re.match(r"^:?-+:?$", cell) for cell in separator):
        problems.append((f"{doc}:{start + 2}", "the module table's header is not followed by a |---| row"))
        return [], problems
    rows: list[Row] = []
    for i in range(start + 2, len(lines)):
        cells = table_cells(lines[i])
        if cells is None:
            break
        where = f"{doc}:{i + 1}"
        if len(cells) != 3:
            problems.append((where, f"a module table row needs 3 cells, has {len(cells)}"))
            continue
        m = BACKTICKED_RE.match(cells[0])
        if not m:
            problems.append((where, f"module cell {cells[0]!r} is not one `Name`"))
            continue
        allowed: list[str] = []
        if cells[2] != NONE_MARK:
            for item in cells[2].split(","):
                im = BACKTICKED_RE.match(item.strip())
                if not im:
                    problems.append((where, f"may-import cell {cells[2]!r}: write `A`, `B` or {NONE_MARK}"))
                    allowed = []
                    break
                allowed.append(im.group(1))
        rows.append(Row(i + 1, m.group(1), allowed))
    return rows, problems


# ---------------------------------------------------------------------------------------------------------------
# The check

def check(root: Path) -> tuple[list[tuple[str, str]], int, int]:
    """(violations as (location, message), production modules, imports checked)."""
    violations: list[tuple[str, str]] = []

    def report(where: str, message: str) -> None:
        violations.append((where, message))

    package_path, doc_path = root / "Package.swift", root / "docs" / "ARCHITECTURE.md"
    doc = "docs/ARCHITECTURE.md"
    if not package_path.is_file():
        report("Package.swift", "not found")
        return violations, 0, 0
    targets, problems = parse_package(package_path.read_text(encoding="utf-8"))
    for problem in problems:
        report("Package.swift", problem)
    if doc_path.is_file():
        rows, table_problems = parse_table(doc_path.read_text(encoding="utf-8"), doc)
        violations.extend(table_problems)
    else:
        rows = None
        report(doc, "not found")
    rows = rows or []

    by_name = {t.name: t for t in targets}
    production = [t for t in targets if t.production]
    production_names = {t.name for t in production}
    test_modules = {t.name for t in targets if t.under_tests} | TEST_FRAMEWORKS

    # a. one row per production target, one production target per row
    allowed: dict[str, set[str]] = {}
    for row in rows:
        if row.module in allowed:
            report(f"{doc}:{row.line}", f"a second row for `{row.module}`")
            continue
        allowed[row.module] = set(row.allowed)
        if row.module not in production_names:
            what = "a test target" if row.module in by_name else "no target"
            report(f"{doc}:{row.line}", f"row `{row.module}` names {what}; rows are for Package.swift's production targets")
        for name in row.allowed:
            if name not in production_names:
                report(f"{doc}:{row.line}", f"`{row.module}` may import `{name}`, which is no production target")
    for target in production:
        if target.name not in allowed:
            report(target.name, f"no row in {doc}'s module table")

    # b, d, f for Package.swift: internal dependencies equal the row; no C or test module where it may not go
    for target in production:
        internal = set()
        for kind, name in target.deps:
            if kind == "target" and name not in by_name:
                report(target.name, f"Package.swift depends on .target(name: \"{name}\"), which is not declared")
            elif kind in ("target", "byName") and name in by_name:
                internal.add(name)
        for name in sorted(internal & test_modules):
            report(target.name, f"Package.swift depends on test-support module {name}; production code may not")
        if target.name not in (C_HOME, "CVipsShim"):
            for name in sorted(internal & C_MODULES):
                report(target.name, f"Package.swift depends on {name}; only {C_HOME} may use libvips")
        if target.name not in allowed:
            continue
        declared = internal - test_modules
        for name in sorted(declared - allowed[target.name]):
            report(target.name, f"Package.swift depends on {name}, which {doc} does not allow")
        for name in sorted(allowed[target.name] - declared):
            report(target.name, f"{doc} allows {name}, but Package.swift does not depend on it")

    # b-f for the Swift files of each production target
    imports_checked = 0
    for target in production:
        folder = root / target.path
        if target.kind == "binaryTarget":
            continue
        if not folder.is_dir():
            report(target.name, f"source folder {target.path} not found")
            continue
        for file in sorted(folder.rglob("*.swift")):
            rel = file.relative_to(root).as_posix()
            for line, module in swift_imports(file.read_text(encoding="utf-8", errors="replace")):
                imports_checked += 1
                where = f"{rel}:{line}"
                if module in test_modules:
                    report(where, f"imports {module}; production code may not import test-support modules or test frameworks")
                elif module in production_names and module != target.name:
                    if target.name in allowed and module not in allowed[target.name]:
                        report(where, f"imports {module}, which {doc} does not allow for {target.name}")
                if module in SQL_MODULES and target.name != SQL_HOME:
                    report(where, f"imports {module}; SQL packages may be imported only in {SQL_HOME}")
                if module in C_MODULES and target.name != C_HOME:
                    report(where, f"imports {module}; only {C_HOME} may import libvips")
                if module.startswith("Hummingbird") and module not in HTTP_FREE and target.name not in HTTP_HOMES:
                    report(where, f"imports {module}; Hummingbird may be imported only in {', '.join(sorted(HTTP_HOMES))}")

    # h. a test target imports only our modules it declares (no module reached through another's dependencies)
    our_modules = {t.name for t in targets}
    for target in targets:
        if target.kind != "testTarget":
            continue
        folder = root / target.path
        declared = {name for kind, name in target.deps if kind in ("target", "byName")}
        for file in sorted(folder.rglob("*.swift")) if folder.is_dir() else []:
            rel = file.relative_to(root).as_posix()
            for line, module in swift_imports(file.read_text(encoding="utf-8", errors="replace")):
                imports_checked += 1
                if module in our_modules and module != target.name and module not in declared:
                    report(f"{rel}:{line}", f"imports {module}, which Package.swift does not list for {target.name}")

    # g. file length
    sources = root / "Sources"
    if sources.is_dir():
        for file in sorted(sources.rglob("*")):
            if file.is_file() and file.suffix in LENGTH_CHECKED:
                count = line_count(file)
                if count > MAX_LINES:
                    report(file.relative_to(root).as_posix(), f"{count} lines, more than {MAX_LINES}; split it")
    return violations, len(production), imports_checked


def run_check(root: Path) -> int:
    violations, modules, imports = check(root)
    for where, message in violations:
        print(f"architecture: {where}: {message}")
    if violations:
        print(f"architecture: {len(violations)} violation(s)", file=sys.stderr)
        return 1
    print(f"architecture: {modules} modules, {imports} imports checked, ok")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# --self-test: the check passes on a copy, and fails on copies with one violation each

def copy_tree(root: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    shutil.copy2(root / "Package.swift", dest / "Package.swift")
    (dest / "docs").mkdir()
    shutil.copy2(root / "docs" / "ARCHITECTURE.md", dest / "docs" / "ARCHITECTURE.md")
    shutil.copytree(root / "Sources", dest / "Sources", symlinks=True)
    if (root / "Tests").is_dir():
        shutil.copytree(root / "Tests", dest / "Tests", symlinks=True,
                        ignore=lambda folder, names: [n for n in names if not (n.endswith(".swift") or (Path(folder) / n).is_dir())])


def prepend_line(file: Path, line: str) -> None:
    file.write_text(line + "\n" + file.read_text(encoding="utf-8"), encoding="utf-8")


def smallest_swift_file(root: Path, target: Target) -> Path | None:
    files = sorted((root / target.path).rglob("*.swift")) if (root / target.path).is_dir() else []
    return min(files, key=lambda f: (line_count(f), f.as_posix())) if files else None


def self_test(root: Path) -> int:
    targets, _ = parse_package((root / "Package.swift").read_text(encoding="utf-8"))
    rows, _ = parse_table((root / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8"), "docs/ARCHITECTURE.md")
    rows = rows or []
    production = sorted((t for t in targets if t.production), key=lambda t: t.name)
    allowed = {row.module: set(row.allowed) for row in rows}
    with_swift = [t for t in production if smallest_swift_file(root, t) is not None]
    test_support = sorted(t.name for t in targets if t.under_tests and t.kind != "testTarget") or ["TestSupport"]

    def swift_target(exclude: set[str]) -> Target | None:
        return next((t for t in with_swift if t.name not in exclude), None)

    def add_import(module: str, exclude: set[str]):
        def inject(copy: Path):
            target = swift_target(exclude)
            if target is None:
                return None
            file = smallest_swift_file(copy, target)
            prepend_line(file, f"import {module}")
            return file.relative_to(copy).as_posix(), module
        return inject

    def disallowed_import(copy: Path):
        for a in with_swift:
            for b in production:
                if b.name != a.name and a.name in allowed and b.name not in allowed[a.name] \
                        and b.name not in C_MODULES:
                    file = smallest_swift_file(copy, a)
                    prepend_line(file, f"import {b.name}")
                    return file.relative_to(copy).as_posix(), b.name
        return None

    def long_file(copy: Path):
        target = swift_target(set())
        if target is None:
            return None
        file = smallest_swift_file(copy, target)
        text = file.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            text += "\n"
        missing = MAX_LINES + 1 - line_count(file)
        file.write_text(text + "//\n" * max(missing, 0), encoding="utf-8")
        return file.relative_to(copy).as_posix(), f"{MAX_LINES + 1} lines"

    def doc_lines(copy: Path) -> tuple[Path, list[str]]:
        doc = copy / "docs" / "ARCHITECTURE.md"
        return doc, doc.read_text(encoding="utf-8").splitlines(keepends=True)

    def remove_row(copy: Path):
        if not rows:
            return None
        row = rows[-1]
        doc, lines = doc_lines(copy)
        del lines[row.line - 1]
        doc.write_text("".join(lines), encoding="utf-8")
        return row.module, "no row"

    def phantom_row(copy: Path):
        if not rows:
            return None
        doc, lines = doc_lines(copy)
        lines.insert(rows[-1].line, f"| `Phantom` | nothing | {NONE_MARK} |\n")
        doc.write_text("".join(lines), encoding="utf-8")
        return "docs/ARCHITECTURE.md", "Phantom"

    def table_allows_more(copy: Path):
        for row in rows:
            extra = next((t.name for t in production if t.name != row.module and t.name not in row.allowed
                          and t.name not in C_MODULES), None)
            if extra is None:
                continue
            doc, lines = doc_lines(copy)
            cells = lines[row.line - 1].rstrip("\n").rsplit("|", 2)
            listed = ", ".join(f"`{name}`" for name in row.allowed + [extra])
            lines[row.line - 1] = f"{cells[0]}| {listed} |\n"
            doc.write_text("".join(lines), encoding="utf-8")
            return row.module, f"allows {extra}"
        return None

    def package_depends_more(copy: Path):
        for target in production:
            if target.deps_open is None or target.name not in allowed:
                continue
            extra = next((t.name for t in production if t.name != target.name
                          and t.name not in allowed[target.name] and t.name not in C_MODULES), None)
            if extra is None:
                continue
            package = copy / "Package.swift"
            text = package.read_text(encoding="utf-8")
            package.write_text(text[:target.deps_open] + f'"{extra}", ' + text[target.deps_open:], encoding="utf-8")
            return target.name, f"depends on {extra}"
        return None

    def undeclared_test_import(copy: Path):
        for target in sorted((t for t in targets if t.kind == "testTarget"), key=lambda t: t.name):
            declared = {name for kind, name in target.deps if kind in ("target", "byName")}
            other = next((t.name for t in production if t.name not in declared and t.name != target.name), None)
            files = sorted((copy / target.path).rglob("*.swift")) if (copy / target.path).is_dir() else []
            if other is None or not files:
                continue
            prepend_line(files[0], f"import {other}")
            return files[0].relative_to(copy).as_posix(), f"imports {other}"
        return None

    cases = [
        ("a test target importing a module it does not declare", undeclared_test_import),
        ("import SQLKit outside Database", add_import("SQLKit", {SQL_HOME})),
        ("import Hummingbird outside HTTPAPI", add_import("Hummingbird", HTTP_HOMES)),
        ("import CVipsShim outside Imaging", add_import("CVipsShim", {C_HOME} | C_MODULES)),
        ("import of a module its row does not allow", disallowed_import),
        (f"import {test_support[0]} in production code", add_import(test_support[0], set())),
        ("import XCTest in production code", add_import("XCTest", set())),
        (f"a file of {MAX_LINES + 1} lines", long_file),
        ("a row removed from the module table", remove_row),
        ("a row for a module that does not exist", phantom_row),
        ("the table allows what Package.swift does not declare", table_allows_more),
        ("Package.swift declares what the table does not allow", package_depends_more),
    ]

    def run_on(copy: Path) -> tuple[int, str]:
        result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--root", str(copy)],
                                capture_output=True, text=True)
        return result.returncode, result.stdout + result.stderr

    failures = 0
    with tempfile.TemporaryDirectory(prefix="check-architecture.") as scratch:
        baseline = Path(scratch) / "baseline"
        copy_tree(root, baseline)
        code, output = run_on(baseline)
        if code != 0:
            print(output, end="")
            print("self-test: the unchanged copy does not pass; fix that first")
            return 1
        print("self-test: unchanged copy: passes")
        for number, (name, inject) in enumerate(cases):
            copy = Path(scratch) / f"case{number}"
            copy_tree(root, copy)
            expected = inject(copy)
            if expected is None:
                print(f"self-test: {name}: NOT detected (this layout has no place to inject it)")
                failures += 1
                continue
            where, what = expected
            code, output = run_on(copy)
            hits = [line for line in output.splitlines()
                    if line.startswith("architecture: ") and where in line and what in line]
            if code == 1 and hits:
                print(f"self-test: {name}: detected")
            else:
                print(f"self-test: {name}: NOT detected (exit {code}; wanted a line naming {where} and {what!r})")
                print("".join(f"    {line}\n" for line in output.splitlines()), end="")
                failures += 1
            shutil.rmtree(copy)
    if failures:
        print(f"self-test: {failures} of {len(cases)} injected violations not detected")
        return 1
    print(f"self-test: all {len(cases)} injected violations detected")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root (default: the folder above scripts/)")
    parser.add_argument("--self-test", action="store_true",
                        help="check a copy, then copies with one injected violation each")
    args = parser.parse_args()
    root = args.root.resolve()
    return self_test(root) if args.self_test else run_check(root)


if __name__ == "__main__":
    sys.exit(main())
