#!/usr/bin/env sh
# Writes the platform's keys, once, as files under secrets/ (mode 600): compose mounts them at
# /run/secrets/WC_<NAME>, where the platform reads them. Never overwrites a key: data sealed with
# it could not be opened again (rotate keys as docs/deployment.md says).
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
for name in WC_BIOMETRIC_KEY WC_PII_KEY WC_PII_HASH_KEY WC_WEBHOOK_SECRETS_KEY; do
  [ -s "secrets/$name" ] || (umask 077 && openssl rand -base64 32 | tr -d '\n' > "secrets/$name")
done
# The Web Push key: a P-256 private key, DER, base64url.
if [ ! -s secrets/WC_VAPID_PRIVATE_KEY ]; then
  (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -outform DER \
    | openssl pkcs8 -topk8 -nocrypt -inform DER -outform DER \
    | openssl base64 -A | tr '+/' '-_' | tr -d '=' > secrets/WC_VAPID_PRIVATE_KEY)
fi
ls -l secrets
