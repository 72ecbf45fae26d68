#!/bin/sh
# The image's HEALTHCHECK: GET /healthz on the address the server listens on, read from the same
# VESTIBULE_* variables the server reads, so overriding VESTIBULE_LISTEN or mounting a
# certificate (VESTIBULE_TLS_CERT) keeps the probe right. A wildcard address is probed on
# loopback. The certificate is not verified (-k): the probe reaches the server by an address its
# certificate need not name, and sends nothing secret.
set -eu
listen=${VESTIBULE_LISTEN:-127.0.0.1:9443}
port=${listen##*:}
host=${listen%:*}
case $host in
  0.0.0.0) host=127.0.0.1 ;;
  "[::]") host="[::1]" ;;
esac
scheme=http
if [ -n "${VESTIBULE_TLS_CERT:-}" ]; then
  scheme=https
fi
exec curl --globoff --silent --show-error --fail --insecure --max-time 4 --output /dev/null \
  "$scheme://$host:$port/healthz"
