#!/usr/bin/env python3
"""Writes ui/translations/<lang>/LC_MESSAGES/bookstation.po from the tables
in this folder (ko.py). Run it after changing a table; `make test` checks
that every @tr() string of ui/ has a translation."""
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from ko import KO

def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')

for lang, table in [("ko", KO)]:
    out = os.path.join(here, lang, "LC_MESSAGES", "bookstation.po")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: %s\\n"\n\n' % lang)
        for k, v in table.items():
            f.write('msgid "%s"\nmsgstr "%s"\n\n' % (esc(k), esc(v)))
    print(out, len(table))
