# SPDX-License-Identifier: MIT
"""Shared by the components' fuzz/seeds.py scripts: write generated seed files, or check that
the committed ones are byte-identical to what the generator makes.

    import seedlib
    sys.exit(seedlib.sync({"target": {"000-name.bin": b"..."}, ...}, "--check" in sys.argv))

Writes corpus/<target>/<name> and corpus/regress/<target>/.gitkeep; with check=True nothing is
written and every missing or different file is listed. Returns 0, or 1 on a difference.
"""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def sync(targets, check, tag="seeds.py"):
    bad = 0
    for target, files in targets.items():
        d = os.path.join(ROOT, "corpus", target)
        regress = os.path.join(ROOT, "corpus", "regress", target)
        if not check:
            os.makedirs(d, exist_ok=True)
            os.makedirs(regress, exist_ok=True)
            keep = os.path.join(regress, ".gitkeep")
            if not os.path.exists(keep):
                open(keep, "wb").close()
        for name, body in sorted(files.items()):
            path = os.path.join(d, name)
            if check:
                try:
                    with open(path, "rb") as f:
                        same = f.read() == body
                except OSError:
                    same = False
                if not same:
                    print("%s: %s differs from its generator (rerun without --check)" % (tag, path))
                    bad = 1
            else:
                with open(path, "wb") as f:
                    f.write(body)
    return bad
