"""I/O shared by the hostile fake servers (fakesmtp.py, fakepop3.py,
fakeimap.py): methods of their session classes, which have .sock, .send()
and .event()."""
import socket
import time


def flood(self, head, unit, limit=256 << 20):
    """head, then unit again and again: until the client closes
    (logged), stops reading (timeout) or limit bytes went out."""
    self.send(head)
    n = len(head)
    chunk = unit * max(1, 65536 // len(unit))
    try:
        while n < limit:
            self.sock.sendall(chunk)
            n += len(chunk)
    except socket.timeout:
        self.event("FLOOD %d bytes, client stopped reading" % n)
        raise EOFError
    except OSError:
        self.event("FLOOD %d bytes, stopped by the client" % n)
        raise EOFError
    self.event("FLOOD %d bytes, limit reached" % n)
    raise EOFError


def drip(self, head, unit, every=0.3, limit_s=60.0):
    """head at once, then the bytes of unit again and again, one every
    `every` seconds (each well within the client's read timeout): until
    the client closes (logged with the time it held on) or limit_s
    seconds passed."""
    if head:
        self.send(head)
    n, t0 = 0, time.monotonic()
    try:
        while time.monotonic() - t0 < limit_s:
            time.sleep(every)
            self.sock.sendall(unit[n % len(unit):n % len(unit) + 1])
            n += 1
    except OSError:
        self.event("DRIP %d bytes in %.1f s, stopped by the client" %
                   (n, time.monotonic() - t0))
        raise EOFError
    self.event("DRIP %d bytes, limit reached" % n)
    raise EOFError
