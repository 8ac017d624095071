#!/usr/bin/env python3
"""Turn a word list (one per line, '#' comments) into a sorted C array.

Used by the build for data/passwords/common.txt: embed-words.py IN OUT NAME."""
import sys

src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, encoding="utf-8") as f:
    words = sorted({w.strip().lower() for w in f if w.strip() and not w.startswith("#")})
with open(out, "w", encoding="utf-8") as f:
    f.write("/* generated from %s by scripts/embed-words.py; do not edit */\n" % src.split("/")[-1])
    f.write("#include <stddef.h>\n")
    f.write("const char *const %s[] = {\n" % name)
    for w in words:
        f.write('    "%s",\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
    f.write("};\nconst size_t %s_n = %d;\n" % (name, len(words)))
