#!/usr/bin/env python3
"""Report where the code outgrows the project's shape rules (issue 10).

Rules: no function longer than ~50 lines outside the GEMM micro-kernels, no file longer than
~300 lines, no pointer arithmetic on `.base` in Network/ or Training/. Prints each breach and
exits 1 when there is one, so it can run in CI or before a commit.

    python3 tools/check_code_shape.py [--max-function 50] [--max-file 300]
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# One function may stay long: the register-blocked micro-kernel reads best as one unrolled body.
EXEMPT_FUNCTIONS = {("Sources/NNFast/Kernels/GEMMTile6x32.swift", "multiply"), ("Sources/NNFast/Kernels/GEMMTile6x16.swift", "multiply")}
DECLARATION = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|private|fileprivate|"
                         r"static|final|override|mutating|nonmutating|convenience|required|"
                         r"package|@inlinable|@inline\(__always\))\s+)*"
                         r"(func\s+([A-Za-z_][\w]*)|init[?!]?\s*[(<]|deinit\b|subscript\s*[(<])")


def strip_strings_and_comments(line, in_block_comment):
    """The line with string literals and comments blanked, so braces inside them do not count."""
    out, i = [], 0
    while i < len(line):
        if in_block_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block_comment = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_block_comment, i = True, i + 2
        elif line[i] == '"':
            end = i + 1
            while end < len(line) and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            i = end + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_block_comment


def function_lengths(path):
    """(name, first line, length in lines) of every function, initializer and subscript body."""
    lines = path.read_text().splitlines()
    code, in_comment = [], False
    for line in lines:
        stripped, in_comment = strip_strings_and_comments(line, in_comment)
        code.append(stripped)
    results = []
    for start, line in enumerate(code):
        match = DECLARATION.match(line)
        if not match:
            continue
        name = match.group(2) or match.group(1).split("(")[0].strip()
        depth, opened, row = 0, False, start
        while row < len(code):
            for ch in code[row]:
                if ch == "{":
                    depth, opened = depth + 1, True
                elif ch == "}":
                    depth -= 1
            if opened and depth <= 0:
                break
            if not opened and row > start and code[row].strip() == "":
                break  # a protocol requirement: no body
            row += 1
        if opened:
            results.append((name, start + 1, row - start + 1))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-function", type=int, default=50)
    parser.add_argument("--max-file", type=int, default=300)
    args = parser.parse_args()
    breaches = []
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        relative = str(path.relative_to(ROOT))
        count = len(path.read_text().splitlines())
        if count > args.max_file:
            breaches.append(f"{relative}: {count} lines (file limit {args.max_file})")
        for name, line, length in function_lengths(path):
            if length > args.max_function and (relative, name) not in EXEMPT_FUNCTIONS:
                breaches.append(f"{relative}:{line}: {name} is {length} lines (limit {args.max_function})")
    for folder in ("Network", "Training"):
        for path in sorted((ROOT / "Sources/NNFast" / folder).rglob("*.swift")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\.base\b", line):
                    breaches.append(f"{path.relative_to(ROOT)}:{number}: raw `.base` outside Kernels/")
    for breach in breaches:
        print(breach)
    print(f"{len(breaches)} breach(es)" if breaches else "code shape: no breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
