"""I/O shared by the hostile fake servers (fakesmtp.py, fakepop3.py,
fakeimap.py): methods of their session classes, which have .sock, .send()
and .event()."""
import socket


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
