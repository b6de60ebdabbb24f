#!/usr/bin/env python3
"""The README's Layout table, Package.swift and the code's imports say the same target graph.

Usage: python3 Tests/EndToEnd/check_layout.py   (from the repository root; needs `swift`)

Checks, for every library and executable target under Sources/:
  1. the README's Layout drawing and table list it, with exactly the dependencies Package.swift
     declares (the drawing leaves out FlowCore, which every Swift target uses);
  2. its Swift files import exactly those dependencies (system modules aside), so that
     Package.swift declares nothing the code does not use and the code uses nothing undeclared.
Prints one line per problem and exits 1 if there is any.
"""
import json
import os
import re
import subprocess
import sys

SYSTEM = {"Foundation", "Glibc", "Musl", "Darwin", "Dispatch", "Synchronization", "XCTest", "Testing"}

package = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True,
                                    capture_output=True, text=True).stdout)
declared = {}
for target in package["targets"]:
    if target["type"] not in ("regular", "executable", "system") or target.get("path", "").startswith("Tests"):
        continue
    deps = [next(iter(d.values()))[0] for d in target.get("dependencies", [])]
    declared[target["name"]] = set(deps)

readme = open("README.md", encoding="utf-8").read()
section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
listed = {}
for line in section.splitlines():
    m = re.match(r"\|\s*`([^`]+)`\s*\|([^|]*)\|", line)
    if m:
        listed[m.group(1)] = set(re.findall(r"`([^`]+)`", m.group(2)))

# The drawing: "A, B ─▶ X  Y  (+ P, Q)" lines, a line that starts with spaces continuing the one
# before; "(OpenBLAS)"-style notes without a plus are comments.
drawing = section.split("```", 2)[1]
drawn, current = {}, []
for line in drawing.splitlines():
    line = re.sub(r"\((?!\+)[^)]*\)", "", line)
    if "─▶" in line:
        left, right = line.split("─▶", 1)
        current = re.findall(r"\w+", left.replace("(+", " ").replace(")", " "))
        for name in current:
            drawn.setdefault(name, set())
    elif line.strip():
        right = line
    else:
        continue
    names = set(re.findall(r"\w+", right.replace("+", " ")))
    for name in current:
        drawn[name] |= names

problems = []
for name, deps in sorted(declared.items()):
    swift_target = name not in ("CBLAS", "CNcurses", "CPNG", "CBFloat16")
    implied = {"FlowCore"} if swift_target and name != "FlowCore" else set()
    if deps and drawn.get(name, set()) | implied != deps:
        problems.append(f"README Layout drawing: {name} points at {sorted(drawn.get(name, set()))} (+ FlowCore), "
                        f"Package.swift declares {sorted(deps)}")
    if name not in listed:
        problems.append(f"README Layout: no row for target {name}")
    elif listed[name] != deps:
        problems.append(f"README Layout: {name} depends on {sorted(listed[name])} in the README, "
                        f"{sorted(deps)} in Package.swift")
    source = os.path.join("Sources", name)
    imports = set()
    for root, _, files in os.walk(source):
        for f in files:
            if f.endswith(".swift"):
                text = open(os.path.join(root, f), encoding="utf-8").read()
                imports |= set(re.findall(r"^(?:@testable |@_exported )?import (\w+)", text, re.M))
    has_swift = any(f.endswith(".swift") for _, _, fs in os.walk(source) for f in fs)
    if has_swift:
        imports -= SYSTEM | {name}
        if imports != deps:
            problems.append(f"{name}: imports {sorted(imports)}, Package.swift declares {sorted(deps)}")
for name in sorted(set(listed) - set(declared)):
    problems.append(f"README Layout: row for {name}, which Package.swift does not have")

for p in problems:
    print(p)
print(f"layout: {len(declared)} targets, {len(problems)} problem{'s' if len(problems) != 1 else ''}")
sys.exit(1 if problems else 0)
