#!/usr/bin/env python3
"""Small network helpers for the test server scripts.

  netutil.py free PORT...            exit 0 if nobody listens on any of them
                                     (on 127.0.0.1), else print busy ports, 1
  netutil.py wait PORT TIMEOUT [PREFIX]
                                     wait until 127.0.0.1:PORT accepts; with
                                     PREFIX also until the first line the
                                     server sends starts with PREFIX
"""
import socket
import sys
import time


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def probe(port, prefix):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
    except OSError:
        return False
    try:
        if not prefix:
            return True
        s.settimeout(5)
        data = b""
        while b"\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return False
            data += chunk
        return data.startswith(prefix.encode())
    except OSError:
        return False
    finally:
        s.close()


def main(argv):
    if len(argv) >= 2 and argv[1] == "free":
        busy = [p for p in argv[2:] if not port_free(int(p))]
        if busy:
            print(" ".join(busy))
            return 1
        return 0
    if len(argv) in (4, 5) and argv[1] == "wait":
        port = int(argv[2])
        deadline = time.monotonic() + float(argv[3])
        prefix = argv[4] if len(argv) == 5 else ""
        while time.monotonic() < deadline:
            if probe(port, prefix):
                return 0
            time.sleep(0.2)
        return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
