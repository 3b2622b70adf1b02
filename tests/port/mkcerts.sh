#!/usr/bin/env bash
# Generates the certificates the TLS port tests use, into directory $1:
#   trust.pem       the CAs a test trusts (ca_rsa + ca_ec)
#   good_rsa.*      RSA-2048 leaf for localhost/127.0.0.1, signed by ca_rsa
#   good_ec.*       ECDSA P-256 leaf for localhost/127.0.0.1, signed by ca_ec (P-256)
#   wronghost.*     leaf for wrong.example only (ca_rsa)
#   expired.*       leaf for localhost valid 2020-2021 only (ca_rsa)
#   selfsigned.*    self-signed leaf for localhost
#   unknownca.*     leaf for localhost signed by a CA nobody trusts
# Everything is throw-away test material made fresh on each run.
set -euo pipefail
d="$1"; mkdir -p "$d"; cd "$d"
O="openssl"
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
ca() { # name keyargs...
  local n=$1; shift
  $O req -x509 -new -nodes "$@" -keyout "$n.key" -out "$n.crt" -days 30 -subj "/CN=trigchat test $n" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() { # name ca ext keyargs...
  local n=$1 c=$2 ext=$3; shift 3
  $O req -new -nodes "$@" -keyout "$n.key" -out "$n.csr" -subj "/CN=$n" 2>/dev/null
  printf '%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$ext" > "$n.ext"
  $O x509 -req -in "$n.csr" -CA "$c.crt" -CAkey "$c.key" -CAcreateserial -days 30 \
    -extfile "$n.ext" -out "$n.crt" 2>/dev/null
}
RSA=(-newkey rsa:2048)
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
ca ca_rsa "${RSA[@]}"
ca ca_ec "${EC[@]}"
ca ca_other "${EC[@]}"
leaf good_rsa ca_rsa "$san" "${RSA[@]}"
leaf good_ec ca_ec "$san" "${EC[@]}"
leaf wronghost ca_rsa "subjectAltName=DNS:wrong.example" "${EC[@]}"
leaf unknownca ca_other "$san" "${EC[@]}"
$O req -x509 -new -nodes "${EC[@]}" -keyout selfsigned.key -out selfsigned.crt -days 30 \
  -subj "/CN=localhost" -addext "$san" 2>/dev/null
# expired: `openssl ca` is the CLI way to set explicit dates
$O req -new -nodes "${EC[@]}" -keyout expired.key -out expired.csr -subj "/CN=expired" 2>/dev/null
mkdir -p db; : > db/index.txt; echo 1000 > db/serial
cat > ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = db/index.txt
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = p
copy_extensions = none
x509_extensions = x
[p]
commonName = supplied
[x]
basicConstraints = CA:FALSE
$san
CNF
$O ca -batch -config ca.cnf -cert ca_rsa.crt -keyfile ca_rsa.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
cat ca_rsa.crt ca_ec.crt > trust.pem
