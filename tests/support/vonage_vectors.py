"""Signature vectors for Vonage's signed voice webhooks, checked by Vonage's own Python SDK.

    pip install vonage-jwt==1.1.5
    python3 tests/support/vonage_vectors.py

Vonage signs each voice webhook with a JWT in `Authorization: Bearer`, HS256 under the
account's signature secret, whose `payload_hash` claim is the SHA-256 (hex) of the body and
whose `iat` is when it was sent. Vonage publishes no vectors, so this signs an input event's
body with a made-up secret (PyJWT, which Vonage's SDK verifies with), has the SDK's
`vonage_jwt.verify_signature` accept it, and prints what
core/src/telephony/vonage/signature.rs's tests pin.
"""

import hashlib
import json

import jwt
from vonage_jwt import verify_signature

SECRET = "vonage-signature-secret-for-tests-only-0123"
IAT = 1796599841
BODY = json.dumps(
    {
        "uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "conversation_uuid": "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "from": "15552126618",
        "to": "18005550100",
        "dtmf": {"digits": "6446", "timed_out": False},
        "timestamp": "2026-12-07T03:30:41.000Z",
    },
    separators=(",", ":"),
)
claims = {
    "iat": IAT,
    "jti": "8c1b8ca4-9b37-4c4f-9b8b-0d4c1a4b7e1f",
    "iss": "Vonage",
    "payload_hash": hashlib.sha256(BODY.encode()).hexdigest(),
    "api_key": "abcd1234",
    "application_id": "aaaaaaaa-0000-4000-8000-000000000001",
}
token = jwt.encode(claims, SECRET, algorithm="HS256")
assert verify_signature(token, SECRET)
assert not verify_signature(token, "another-secret-of-the-same-length-00000000")
print(f"secret {SECRET}\nbody {BODY}\ntoken {token}\npayload_hash {claims['payload_hash']}")
