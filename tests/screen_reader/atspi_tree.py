"""What a screen reader finds of a window over AT-SPI: every node of the
application's frame named ARGV[1], once it holds more than ARGV[2] controls
(and, with ARGV[4] = "ROLE=NAME", a node of that role and name, word
joiners aside), as JSON lines {"role", "name", "states"} (the names with
U+2060 word joiners left as they are). Exits 1 when no such frame shows up
within ARGV[3] seconds. Needs python3-pyatspi (Debian) and a session bus with the AT-SPI
bus (tests/screen_reader.rs starts both)."""
import json
import sys
import time

import pyatspi

FRAME, AT_LEAST, WITHIN = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
WANTED = tuple(sys.argv[4].split("=", 1)) if len(sys.argv) > 4 else None
CONTROLS = {"push button", "toggle button", "entry", "spin button", "check box"}


def walk(node, out, depth=0):
    if node is None or depth > 80:
        return
    try:
        out.append(
            {
                "role": node.getRoleName(),
                "name": node.name,
                "states": sorted(pyatspi.stateToString(s) for s in node.getState().getStates()),
            }
        )
        children = [node.getChildAtIndex(i) for i in range(node.childCount)]
    except Exception:  # a node that went away while being read
        return
    for child in children:
        walk(child, out, depth + 1)


deadline = time.monotonic() + WITHIN
while time.monotonic() < deadline:
    desktop = pyatspi.Registry.getDesktop(0)
    for app in (desktop.getChildAtIndex(i) for i in range(desktop.childCount)):
        for frame in (app.getChildAtIndex(i) for i in range(app.childCount if app else 0)):
            if frame is None or frame.name != FRAME:
                continue
            nodes = []
            walk(frame, nodes)
            found = WANTED is None or any(
                (n["role"], n["name"].replace("\u2060", "")) == WANTED for n in nodes
            )
            if found and sum(n["role"] in CONTROLS for n in nodes) > AT_LEAST:
                for n in nodes:
                    print(json.dumps(n, ensure_ascii=False))
                sys.exit(0)
    # The window is still coming up: ask again shortly.
    time.sleep(0.2)
print(f"no frame {FRAME!r} with more than {AT_LEAST} controls (and {WANTED}) within {WITHIN} s", file=sys.stderr)
sys.exit(1)
