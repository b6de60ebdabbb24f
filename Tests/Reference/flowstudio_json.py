"""Run a `flowstudio bench … --json` command and return its JSON result (for the --compare
options of the PyTorch benchmark scripts)."""

import json
import subprocess
import sys


def run_json(cmd, key):
    """Runs `cmd`; returns the last JSON object it printed that has `key`, or exits with the
    command's error."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{proc.stderr.strip()}")
    for line in reversed(proc.stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            result = json.loads(line)
            if key in result:
                return result
    sys.exit(f"{' '.join(cmd)} printed no JSON object with {key}; stdout was:\n{proc.stdout}")
