"""Signature vectors for Telnyx's webhooks, checked by Telnyx's own Python SDK.

    pip install PyNaCl telnyx==2.1.6
    python3 tests/support/telnyx_vectors.py

Telnyx publishes no test vectors. Telnyx signs "{telnyx-timestamp}|{raw body}" with Ed25519
and sends the signature, base64, in telnyx-signature-ed25519; the account's public key (base64,
32 bytes) is in the portal. This signs a TeXML webhook's body with a fixed test key (PyNaCl, the
library Telnyx's SDK verifies with), then has the SDK's own WebhookSignature.verify accept it,
and prints what core/src/telephony/telnyx/signature.rs's tests pin.
"""

import base64
import hashlib

import telnyx
from nacl.signing import SigningKey
from telnyx.webhook import WebhookSignature

# A test key made from a phrase, so anyone can make it again; never a real account's.
SEED = hashlib.sha256(b"ivrpay telnyx test key").digest()
TIMESTAMP = "1796599841"
BODY = (
    "AccountSid=8f1a7c2e-0000-4000-8000-000000000001"
    "&CallSid=v3%3AT3st_CaLL_1d&From=%2B15552126618&To=%2B18005550100"
    "&CallStatus=in-progress&Digits=6446"
)

key = SigningKey(SEED)
public_key = base64.b64encode(bytes(key.verify_key)).decode()
signature = base64.b64encode(
    key.sign(f"{TIMESTAMP}|{BODY}".encode()).signature
).decode()

# Telnyx's SDK accepts it (with no tolerance: the timestamp is fixed in the past).
telnyx.public_key = public_key
assert WebhookSignature.verify(BODY, signature, TIMESTAMP, tolerance=None)
# ... and refuses a body changed by one character.
try:
    WebhookSignature.verify(BODY.replace("6446", "6447"), signature, TIMESTAMP, tolerance=None)
except Exception:  # nacl.exceptions.BadSignatureError
    pass
else:
    raise SystemExit("the SDK accepted a changed body")

print(f"seed (base64):       {base64.b64encode(SEED).decode()}")
print(f"public key (base64): {public_key}")
print(f"timestamp:           {TIMESTAMP}")
print(f"body:                {BODY}")
print(f"signature (base64):  {signature}")
