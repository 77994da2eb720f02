#!/usr/bin/python3
"""OpenFlow codec generator: one declarative description per version (openflow/defs/*.ofdef)
in, one C++ header and source out (types, encode, decode, to_string, spec error mapping).

Standard library only; CMake runs it at build time:
    ofgen.py DEFS.ofdef OUT_DIR     ->  OUT_DIR/<ns>.hpp, OUT_DIR/<ns>.cpp (the codec),
                                        OUT_DIR/<ns>_testing.hpp/.cpp (test samples, JSON)
The description language is documented in openflow/README.md.
"""

import os
import sys

from emit_codec import Gen
from emit_testing import TestingGen
from ofdef import DefError, parse


def main():
    if len(sys.argv) != 3:
        print("usage: ofgen.py DEFS.ofdef OUT_DIR", file=sys.stderr)
        return 2
    try:
        spec = parse(sys.argv[1])
        g = Gen(spec)
        g.check()
        g.emit_header()
        g.emit_source()
        t = TestingGen(g)
        t.emit()
    except DefError as e:
        print(f"ofgen: {e}", file=sys.stderr)
        return 1
    os.makedirs(sys.argv[2], exist_ok=True)
    outputs = ((".hpp", g.h), (".cpp", g.c), ("_testing.hpp", t.h), ("_testing.cpp", t.c))
    for suffix, lines in outputs:
        path = os.path.join(sys.argv[2], f"{spec.ns}{suffix}")
        text = "\n".join(lines) + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
