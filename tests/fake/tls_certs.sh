#!/bin/sh
# Certificates for tests/fake/faketls.py, in DIR: everything that
# tests/servers/certs.sh makes (ca, server, wronghost, other-ca,
# other-server), plus, with the openssl command only:
#   selfsigned.crt/.key  self-signed, CN=localhost, SAN DNS:localhost,
#                        IP:127.0.0.1 (not issued by any CA)
#   expired.crt/.key     from the test CA for localhost, valid
#                        2020-01-01 .. 2021-01-01 only
#   notyet.crt/.key      from the test CA for localhost, valid
#                        2045-01-01 .. 2046-01-01 only
#   cnonly.crt/.key      from the test CA, valid now, CN=localhost and
#                        NO subjectAltName extension (RFC 9525: the CN
#                        does not count, so it names no host at all)
# The dates are set with `openssl ca -startdate/-enddate` on a
# throw-away CA database in DIR/tca. Checked with `openssl verify`:
# expired/notyet fail for their dates and verify with -no_check_time,
# selfsigned does not verify against the test CA, cnonly verifies and
# has no subjectAltName.
set -eu
C=${1:?usage: tls_certs.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -s "$C/server.crt" ] || sh "$here/../servers/certs.sh" "$C"
ossl() {
	openssl "$@" >>"$C/openssl.log" 2>&1 ||
	    { echo "tls_certs: openssl $1 failed, see $C/openssl.log" >&2; exit 1; }
}
ext() { # file [SAN]: the extensions of a server certificate for localhost
	# (SAN "": none; unset: DNS:localhost,IP:127.0.0.1)
	san=${2-DNS:localhost,IP:127.0.0.1}
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
	    "keyUsage=critical,digitalSignature,keyEncipherment" \
	    "extendedKeyUsage=serverAuth" \
	    ${san:+"subjectAltName=$san"} \
	    "subjectKeyIdentifier=hash" > "$1"
}

# self-signed leaf
ext "$C/selfsigned.ext"
ossl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
    -keyout "$C/selfsigned.key" -out "$C/selfsigned.crt" \
    -subj "/O=libmail tests/CN=localhost" \
    -addext basicConstraints=critical,CA:FALSE \
    -addext keyUsage=critical,digitalSignature,keyEncipherment \
    -addext extendedKeyUsage=serverAuth \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1
rm -f "$C/selfsigned.ext"

# a throw-away `openssl ca` setup over the test CA, for arbitrary dates
T=$C/tca
rm -rf "$T"
mkdir -p "$T/new"
: > "$T/index.txt"
echo 1000 > "$T/serial"
cat > "$T/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
database = $T/index.txt
new_certs_dir = $T/new
serial = $T/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
EOF
dated() { # name startdate enddate
	ossl req -new -newkey rsa:2048 -nodes -keyout "$C/$1.key" \
	    -out "$T/$1.csr" -subj "/O=libmail tests/CN=localhost"
	ext "$T/$1.ext"
	echo "authorityKeyIdentifier=keyid" >> "$T/$1.ext"
	ossl ca -batch -notext -config "$T/ca.cnf" -cert "$C/ca.crt" \
	    -keyfile "$C/ca.key" -in "$T/$1.csr" -out "$C/$1.crt" \
	    -startdate "$2" -enddate "$3" -extfile "$T/$1.ext"
}
dated expired 20200101000000Z 20210101000000Z
dated notyet 20450101000000Z 20460101000000Z

# CN-only leaf: the server extensions without subjectAltName
ossl req -new -newkey rsa:2048 -nodes -keyout "$C/cnonly.key" \
    -out "$T/cnonly.csr" -subj "/O=libmail tests/CN=localhost"
ext "$T/cnonly.ext" ""
echo "authorityKeyIdentifier=keyid" >> "$T/cnonly.ext"
ossl x509 -req -in "$T/cnonly.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile "$T/cnonly.ext" \
    -out "$C/cnonly.crt"
chmod 644 "$C"/*.crt
chmod 600 "$C"/*.key

# sanity, by openssl's own verifier
v() { openssl verify -CAfile "$C/ca.crt" "$@" 2>&1; }
v "$C/expired.crt" | grep -q 'certificate has expired' ||
    { echo "tls_certs: expired.crt is not expired" >&2; exit 1; }
v "$C/notyet.crt" | grep -q 'certificate is not yet valid' ||
    { echo "tls_certs: notyet.crt is valid now" >&2; exit 1; }
for n in expired notyet; do
	v -no_check_time "$C/$n.crt" | grep -q ': OK$' ||
	    { echo "tls_certs: $n.crt does not verify apart from its dates" >&2; exit 1; }
done
v "$C/cnonly.crt" | grep -q ': OK$' ||
    { echo "tls_certs: cnonly.crt does not verify" >&2; exit 1; }
if openssl x509 -in "$C/cnonly.crt" -noout -text | grep -q 'Subject Alternative Name' ||
    ! openssl x509 -in "$C/cnonly.crt" -noout -subject | grep -q 'CN *= *localhost$'; then
	echo "tls_certs: cnonly.crt is not CN=localhost without subjectAltName" >&2; exit 1
fi
if v "$C/selfsigned.crt" | grep -q ': OK$'; then
	echo "tls_certs: selfsigned.crt verifies against the test CA" >&2; exit 1
fi
exit 0
