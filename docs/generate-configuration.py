#!/usr/bin/env python3
"""Rewrites the --help blocks of docs/configuration.md from the built jar (bin/keyferry)."""
import os
import re
import subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc = os.path.join(root, "docs", "configuration.md")
text = open(doc).read()
env = {k: v for k, v in os.environ.items() if not k.startswith("KEYFERRY_")}
for cmd in ["keyferry", "scan", "migrate", "verify", "run", "audit", "status", "reconcile", "rollback", "demo", "bench"]:
    args = [os.path.join(root, "bin", "keyferry")] + ([] if cmd == "keyferry" else [cmd]) + ["--help"]
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True).stdout
    m = re.search(r"(## %s\n\n```text\n)(.*?)(```)" % re.escape(cmd), text, re.S)
    if not m:
        raise SystemExit("no section for %s in %s" % (cmd, doc))
    text = text[: m.start(2)] + out + text[m.end(2):]
open(doc, "w").write(text)
