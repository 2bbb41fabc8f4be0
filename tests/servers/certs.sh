#!/bin/sh
# Makes throw-away test certificates in DIR with the openssl command:
#   ca.crt/.key            the test CA
#   server.crt/.key        CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   wronghost.crt/.key     signed by the test CA, but for wrong.example only
#   other-ca.crt/.key      an unrelated CA
#   other-server.crt/.key  like server.crt, but signed by the unrelated CA
set -eu
C=${1:?usage: certs.sh DIR}
mkdir -p "$C"
chmod 755 "$C"
ossl() {
	openssl "$@" >>"$C/openssl.log" 2>&1 ||
	    { echo "certs: openssl $1 failed, see $C/openssl.log" >&2; exit 1; }
}
mkca() { # name CN
	ossl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
	    -keyout "$C/$1.key" -out "$C/$1.crt" -subj "/O=libmail tests/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -addext subjectKeyIdentifier=hash
}
mkleaf() { # name CA CN SAN
	ossl req -new -newkey rsa:2048 -nodes -keyout "$C/$1.key" \
	    -out "$C/$1.csr" -subj "/O=libmail tests/CN=$3"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
	    "keyUsage=critical,digitalSignature,keyEncipherment" \
	    "extendedKeyUsage=serverAuth" "subjectAltName=$4" \
	    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
	    > "$C/$1.ext"
	ossl x509 -req -in "$C/$1.csr" -CA "$C/$2.crt" -CAkey "$C/$2.key" \
	    -CAcreateserial -days 30 -sha256 -extfile "$C/$1.ext" \
	    -out "$C/$1.crt"
	rm -f "$C/$1.csr" "$C/$1.ext"
}
mkca ca "libmail test CA"
mkca other-ca "unrelated test CA"
mkleaf server ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
mkleaf wronghost ca wrong.example "DNS:wrong.example"
mkleaf other-server other-ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
chmod 644 "$C"/*.crt
chmod 600 "$C"/*.key
# sanity: the chain verifies, and the unrelated CA does not verify it
openssl verify -CAfile "$C/ca.crt" "$C/server.crt" >/dev/null 2>&1 ||
    { echo "certs: server.crt does not verify" >&2; exit 1; }
if openssl verify -CAfile "$C/other-ca.crt" "$C/server.crt" >/dev/null 2>&1; then
	echo "certs: server.crt verifies against the unrelated CA" >&2; exit 1
fi
exit 0
