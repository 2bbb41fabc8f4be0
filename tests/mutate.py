#!/usr/bin/env python3
"""mutate.py FILE.c TEST...: mutation testing of one library file; run it
through tests/mutate.sh, which says what it does and its knobs. Verdicts:
KILLED (a test fails, crashes or times out), SURVIVED (all pass),
BUILD-FAIL (the mutant does not compile under -Werror: not counted). The
working tree is only read: the work happens in a scratch copy.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# (pattern, replacement): each match on a masked line is one site.
OPS = [(r"==", "!="), (r"!=", "=="), (r"&&", "||"), (r"\|\|", "&&"),
       (r"(?<![<>=!-])<(?![<>=])", "<="), (r"(?<![<>])<=", "<"),
       (r"(?<![<>=!-])>(?![<>=])", ">="), (r"(?<![<>])>=", ">"),
       (r"(?<![-+=*/%&|^<>!])\+ 1(?![\w.])", "- 1"),
       (r"(?<![-+=*/%&|^<>!])- 1(?![\w.])", "+ 1"),
       (r"(?<![\w.])0(?![\w.])", "1"), (r"(?<![\w.])1(?![\w.])", "0"),
       (r"\breturn 0;", "return -1;")]


def masked_lines(text):
    """The file's lines with comments, string and char literals and
    preprocessor lines (with their continuations) blanked out, so that
    the operator patterns only see code; columns are unchanged."""
    out, in_comment, in_pp = [], False, False
    for line in text.split("\n"):
        if in_pp or (not in_comment and line.lstrip().startswith("#")):
            in_pp = line.rstrip().endswith("\\")
            out.append(" " * len(line))
            continue
        m, i = [], 0
        while i < len(line):
            c, two = line[i], line[i:i + 2]
            if in_comment or two == "/*":
                in_comment = two != "*/" if in_comment else True
                k = 2 if two in ("/*", "*/") else 1
                m.append(" " * k)
                i += k
            elif two == "//":
                m.append(" " * (len(line) - i))
                break
            elif c in "\"'":
                j = i + 1
                while j < len(line) and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                m.append(" " * (min(j, len(line) - 1) - i + 1))
                i = j + 1
            else:
                m.append(c)
                i += 1
        out.append("".join(m)[:len(line)].ljust(len(line)))
    return out


def sites(text, first, last):
    """Every (lineno, col, old, new) mutant of text within lines first..last."""
    res = []
    for n, line in enumerate(masked_lines(text), 1):
        if n < first or n > last:
            continue
        for pat, rep in OPS:
            for m in re.finditer(pat, line):
                res.append((n, m.start(), m.group(0), rep))
    return res


# Included after the Makefile in the scratch copy: the test programs are
# linked from objects compiled once, so a mutant costs one library object,
# the archive and the links (the Makefile compiles a test with its link).
MUT_MK = """include Makefile
$(BUILD)/mut/%.o: tests/unit/%.c $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -D_DEFAULT_SOURCE -DLM_ALLOW_PRIVATE -Ilib $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/mut/%: $(BUILD)/mut/%.o $(TEST_HELPERS:tests/unit/%.c=$(BUILD)/mut/%.o) $(STATIC)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIBS)
"""


def run(cmd, cwd, env=None, timeout=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return p.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, tests = sys.argv[1], sys.argv[2:]
    top = subprocess.check_output(["git", "rev-parse", "--show-toplevel"],
                                  text=True).strip()
    work = tempfile.mkdtemp(prefix="lm-mutate.")
    try:
        files = subprocess.check_output(["git", "ls-files", "-co", "--exclude-standard"],
                                        cwd=top, text=True).split("\n")
        for f in filter(None, files):
            if os.path.isfile(os.path.join(top, f)):
                os.makedirs(os.path.dirname(os.path.join(work, f)) or work, exist_ok=True)
                shutil.copy2(os.path.join(top, f), os.path.join(work, f))
        with open(os.path.join(work, "mut.mk"), "w") as fh:
            fh.write(MUT_MK)
        mutate_all(work, os.path.relpath(os.path.abspath(src), top), tests)
    finally:
        shutil.rmtree(work)


def mutate_all(work, rel, tests):
    """Every mutant of work/rel in turn; prints the verdicts and report."""
    env = os.environ.get
    tmo, fast = float(env("LM_MUTATE_TIMEOUT", "10")), env("LM_MUTATE_SPLITS", "16")
    rng, limit = env("LM_MUTATE_LINES", "1-999999").split("-"), int(env("LM_MUTATE_MAX", "0"))
    b = os.path.join(work, "b")
    make = ["make", "-s", "-f", "mut.mk", "SANITIZE=" + env("LM_MUTATE_SANITIZE", "1"),
            "BUILD=" + b, "LIBDIR=" + b, "BINDIR=" + b]
    bins = [os.path.join(b, "mut", t) for t in tests]
    path = os.path.join(work, rel)
    with open(path) as fh:
        orig = fh.read()
    lines = orig.split("\n")

    def verdict(splits):
        e = dict(os.environ)
        e.pop("LM_TR_SPLITS", None)
        if splits:
            e["LM_TR_SPLITS"] = splits
        for t in bins:
            # every split takes ~10x longer: the limit is for loops
            rc = run([t], work, e, tmo if splits else 10 * tmo)
            if rc != 0:
                return "KILLED", "%s: %s" % (os.path.basename(t), rc)
        return "SURVIVED", ""

    if run(make + bins, work) != 0 or verdict(fast)[0] != "SURVIVED":
        sys.exit("mutate: the unmutated tree does not build or pass " + " ".join(tests))
    todo = sites(orig, int(rng[0]), int(rng[-1]))
    killed, survivors, bfail = 0, [], 0
    for n, col, old, new in todo[:limit] if limit else todo:
        line = lines[n - 1]
        mline = line[:col] + new + line[col + len(old):]
        with open(path, "w") as fh:
            fh.write("\n".join(lines[:n - 1] + [mline] + lines[n:]))
        desc = "%s:%d: %s -> %s" % (rel, n, line.strip(), mline.strip())
        if run(make + bins, work) != 0:
            res, why = "BUILD-FAIL", ""
            bfail += 1
        else:
            res, why = verdict(fast)
            if res == "SURVIVED" and fast and env("LM_MUTATE_CONFIRM") == "1":
                res, why = verdict(None)
            if res == "KILLED":
                killed += 1
            else:
                survivors.append(desc)
        print("%-10s %s%s" % (res, desc, "  [" + why + "]" if why else ""), flush=True)
    k, s = killed, len(survivors)
    print("%s: %d mutants, %d killed, %d survived (score %d/%d)%s"
          % (rel, k + s, k, s, k, k + s,
             ", %d build failures not counted" % bfail if bfail else ""))
    for d in survivors:
        print("survivor " + d)


if __name__ == "__main__":
    main()
