#!/usr/bin/env python3
"""The SASL side of the hostile fakes (fakesmtp.py, fakepop3.py, fakeimap.py).

A real SCRAM-SHA-256 server (RFC 5802, RFC 7677), computed here with
hashlib/hmac and not with anything from libmail, so that in each
scenario the one thing wrong is the thing the scenario names:

  sasl-scram-good     correct exchange: server-first, verified client
                      proof, server-final v=ServerSignature, success
  sasl-scram-nonce    server-first nonce does not start with the client's
  sasl-scram-iter0    iteration count 0
  sasl-scram-iter4g   iteration count 4294967295
  sasl-scram-iter1e9  iteration count 1000000000
  sasl-scram-badsig   server-final v= with one bit of the signature flipped
  sasl-scram-e        server-final e=other-error
  sasl-scram-nosig    success right after the client-final message: the
                      server signature is never sent
  sasl-scram-235data  (SMTP) the server-final message as additional data in
                      the 235 reply (legal: control)
  sasl-scram-235badsig (SMTP) same with a wrong signature
  sasl-chal-huge      the first challenge is 100 KB of base64
  sasl-chal-big       the first challenge decodes to 6000 bytes (a line of
                      8 KB: fits any line limit, not LM_SASL_CHALLENGE_MAX)
  sasl-chal-b64       the first challenge is not base64
  sasl-plain-more     PLAIN: after the credentials the server asks for more
The mechanisms offered: "SCRAM-SHA-256 PLAIN" (PLAIN to tempt a
fallback), or only PLAIN for sasl-plain-more.

exchange() drives one AUTH exchange through protocol callbacks; the
caller sends the protocol's success or failure reply. Events logged:
SASL-MECH m, SASL-CLIENT-FIRST, SASL-PROOF-OK / SASL-PROOF-BAD,
SASL-CANCEL (the client sent "*"), SASL-AFTER-FINAL line, SASL-MORE line.

  saslfake.py selftest
      recomputes the RFC 7677 example exchange (proof and signature)
  saslfake.py leak RAWFILE PASSWORD MAX
      counts the client lines in RAWFILE that carry PASSWORD in clear or
      inside base64 (any token of the line); prints the count and exits 1
      if it is above MAX.
"""
import base64
import hashlib
import hmac
import os
import sys

SERVER_NONCE = "fAkEsErVeRnOnCe+/0123456789"
SALT = b"fake-salt-\x00\xff\x10"
ITER = 4096


def scenarios():
    return ["sasl-" + s for s in (
        "scram-good", "scram-nonce", "scram-iter0", "scram-iter4g",
        "scram-iter1e9", "scram-badsig", "scram-e", "scram-nosig",
        "scram-235data", "scram-235badsig", "chal-huge", "chal-big",
        "chal-b64", "plain-more")]


def mechs(sc):
    return ["PLAIN"] if sc == "sasl-plain-more" else ["SCRAM-SHA-256", "PLAIN"]


def b64(b):
    return base64.b64encode(b)


def unb64(b):
    try:
        return base64.b64decode(b, validate=True)
    except Exception:
        return None


def _h(k, m):
    return hmac.new(k, m, hashlib.sha256).digest()


def proof_and_sig(password, salt, it, am):
    """RFC 5802 3 with SHA-256: (ClientProof, ServerSignature)."""
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, it)
    ckey = _h(salted, b"Client Key")
    csig = _h(hashlib.sha256(ckey).digest(), am)
    return (bytes(a ^ b for a, b in zip(ckey, csig)),
            _h(_h(salted, b"Server Key"), am))


def selftest():
    """The RFC 7677 3 example exchange, recomputed."""
    bare = b"n=user,r=rOprNGfwEbeRWgbNEkqO"
    sfirst = (b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
              b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    cfinal = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    proof, sig = proof_and_sig(b"pencil", base64.b64decode(b"W22ZaJ0SNY7soEsUEjb6gQ=="),
                               4096, bare + b"," + sfirst + b"," + cfinal)
    ok = (b64(proof) == b"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" and
          b64(sig) == b"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    print("ok: RFC 7677 example" if ok else "RFC 7677 example: wrong proof or signature")
    return 0 if ok else 1


def exchange(sc, mech, initial, challenge, readline, event, password):
    """One exchange. initial: the base64 initial response or None;
    challenge(text): send a continuation carrying text (base64 bytes);
    readline(): the client's next line. Returns (outcome, data): outcome
    "ok" (send success; data, if not None, is base64 success data for
    the SMTP 235 variant), "fail" (send a failure reply) or "cancel"
    (the client sent "*": send the cancel reply)."""
    event("SASL-MECH " + mech)

    def resp(first):
        if first is not None:
            ln = first
        else:
            challenge(b"")
            ln = readline()
        return ln

    def next_resp(text):
        challenge(text)
        ln = readline()
        if ln == b"*":
            event("SASL-CANCEL")
            return None
        return ln

    if mech == "PLAIN":
        ln = resp(initial)
        if ln == b"*":
            event("SASL-CANCEL")
            return "cancel", None
        event("AUTH-LINE " + ln.decode("ascii", "replace"))
        if sc == "sasl-plain-more":
            ln = next_resp(b64(b"more, please"))
            if ln is None:
                return "cancel", None
            event("SASL-MORE " + ln.decode("ascii", "replace"))
        return "ok", None
    if mech != "SCRAM-SHA-256":
        return "fail", None

    ln = resp(initial)
    if ln == b"*":
        event("SASL-CANCEL")
        return "cancel", None
    cf = unb64(ln)
    event("SASL-CLIENT-FIRST " + (cf or b"?").decode("ascii", "replace"))
    if cf is None or not cf.startswith((b"n,", b"y,")):
        return "fail", None
    # gs2-header is "n," [authzid] ","; client-first-bare follows
    k = cf.index(b",", 2)
    bare = cf[k + 1:]
    attrs = dict(a.split(b"=", 1) for a in bare.split(b",") if b"=" in a)
    cnonce = attrs.get(b"r", b"")

    if sc == "sasl-chal-huge":
        text = b64(os.urandom(75 * 1024))            # 100 KB of base64
    elif sc == "sasl-chal-big":
        text = b64(b"r=" + cnonce + b"x" * 5998)    # 6000 decoded bytes
    elif sc == "sasl-chal-b64":
        text = b"r=not*base64!!$$"
    else:
        nonce = cnonce + SERVER_NONCE.encode()
        it = ITER
        if sc == "sasl-scram-nonce":
            nonce = b"f0reign" + SERVER_NONCE.encode() + cnonce
        elif sc == "sasl-scram-iter0":
            it = 0
        elif sc == "sasl-scram-iter4g":
            it = 4294967295
        elif sc == "sasl-scram-iter1e9":
            it = 1000000000
        sfirst = b"r=" + nonce + b",s=" + b64(SALT) + b",i=%d" % it
        text = b64(sfirst)
    cfinal_b64 = next_resp(text)
    if cfinal_b64 is None:
        return "cancel", None
    if not sc.startswith("sasl-scram-") or sc in (
            "sasl-scram-nonce", "sasl-scram-iter0", "sasl-scram-iter4g",
            "sasl-scram-iter1e9"):
        # the client should have given up; never run PBKDF2 with its count
        event("SASL-CLIENT-FINAL " + cfinal_b64.decode("ascii", "replace"))
        return "fail", None
    cfinal = unb64(cfinal_b64) or b""
    event("SASL-CLIENT-FINAL " + cfinal.decode("ascii", "replace"))
    if b",p=" not in cfinal:
        return "fail", None
    without_proof, proof = cfinal.rsplit(b",p=", 1)
    am = bare + b"," + sfirst + b"," + without_proof
    want, ssig = proof_and_sig(password.encode(), SALT, ITER, am)
    cattrs = dict(a.split(b"=", 1) for a in without_proof.split(b",") if b"=" in a)
    if (unb64(proof) != want or cattrs.get(b"r") != nonce
            or cattrs.get(b"c") != b64(cf[:k + 1])):
        event("SASL-PROOF-BAD")
        return "fail", None
    event("SASL-PROOF-OK")
    if sc in ("sasl-scram-badsig", "sasl-scram-235badsig"):
        ssig = bytes([ssig[0] ^ 1]) + ssig[1:]
    final = b64(b"v=" + b64(ssig))
    if sc == "sasl-scram-e":
        final = b64(b"e=other-error")
    if sc == "sasl-scram-nosig":
        return "ok", None
    if sc in ("sasl-scram-235data", "sasl-scram-235badsig"):
        return "ok", final
    ln = next_resp(final)
    if ln is None:
        return "cancel", None
    event("SASL-AFTER-FINAL " + ln.decode("ascii", "replace"))
    if sc == "sasl-scram-good" and ln == b"":
        return "ok", None
    return "fail", None


def leak(raw, password, most):
    pw = password.encode()
    n = 0
    for ln in raw.replace(b"\r\n", b"\n").split(b"\n"):
        found = pw in ln
        for tok in ln.split(b" "):
            d = unb64(tok.strip())
            if d is not None and pw in d:
                found = True
        n += found
    print(n)
    return 1 if n > most else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["selftest"]:
        sys.exit(selftest())
    if sys.argv[1:2] == ["leak"]:
        with open(sys.argv[2], "rb") as f:
            sys.exit(leak(f.read(), sys.argv[3], int(sys.argv[4])))
    print(__doc__)
    sys.exit(2)
