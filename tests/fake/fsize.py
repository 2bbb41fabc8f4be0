#!/usr/bin/env python3
"""fsize.py N PROGRAM [ARGS...]: run PROGRAM with a file size limit of N
bytes (RLIMIT_FSIZE): its writes past N bytes fail (EFBIG, or SIGXFSZ if
it does not ignore that signal), as on a disk that cannot take the file.
Used by tests/fake/pop3_run.sh and tests/interop/pop3.sh."""
import os
import resource
import sys

n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
os.execvp(sys.argv[2], sys.argv[2:])
