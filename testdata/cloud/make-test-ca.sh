#!/bin/sh
# Makes a throw-away certificate authority and a server certificate signed by it, for koopack's
# HTTPS tests on loopback: DIR/ca.pem (the CA to trust), DIR/server.pem and DIR/server-key.pem
# (for 127.0.0.1, ::1 and localhost). Run by the tests at test time; nothing here is committed.
#   sh make-test-ca.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=koopack test CA" \
    -keyout ca-key.pem -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
