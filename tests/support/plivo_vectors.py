"""Signature vectors for Plivo's webhooks (X-Plivo-Signature-V3), made by Plivo's own SDK.

    pip install plivo==4.63.0
    python3 tests/support/plivo_vectors.py

Plivo's V3 signature is HMAC-SHA256, base64, with the account's Auth Token over the URL (its
query sorted), the posted fields sorted and joined as namevalue, and the nonce Plivo sends in
X-Plivo-Signature-V3-Nonce. Plivo publishes no vector for it that its current SDK reproduces
(plivo-go's test predates the present scheme), so this has the SDK's own
`plivo.utils.signature_v3` compute the signatures core/src/telephony/plivo/signature.rs's tests
pin, and checks each with the SDK's `validate_v3_signature`.
"""

from plivo.utils.signature_v3 import (
    construct_get_url,
    construct_post_url,
    get_signature_v3,
    validate_v3_signature,
)

AUTH_TOKEN = "MjQ1NzQ3ZDUxYjc0ZmQ1ZTk4YTJmM2Fk"  # a made-up token in Plivo's format
NONCE = "05429567804466091622"

CASES = [
    (
        "POST",
        "https://ivr.example.com/plivo/gather?turn=3&call=ab",
        {
            "CallUUID": "2b7c7a1e-9b7b-11ee-8c90-0242ac120002",
            "From": "+15552126618",
            "To": "+18005550100",
            "CallStatus": "in-progress",
            "InputType": "speech",
            "Speech": "twenty dollars",
            "SpeechConfidenceScore": "0.93",
        },
    ),
    (
        "POST",
        "https://ivr.example.com/plivo/voice",
        {"CallUUID": "2b7c7a1e-9b7b-11ee-8c90-0242ac120002", "From": "+15552126618"},
    ),
    ("POST", "https://ivr.example.com/plivo/status?a=1", {}),
    (
        "GET",
        "https://ivr.example.com/plivo/voice?turn=1",
        {"CallUUID": "2b7c7a1e-9b7b-11ee-8c90-0242ac120002", "Digits": "6446"},
    ),
]

for method, url, params in CASES:
    if method == "POST":
        signed = construct_post_url(url, dict(params)).decode()
    else:
        signed = construct_get_url(url, dict(params)).decode()
    signature = get_signature_v3(AUTH_TOKEN.encode(), signed, NONCE.encode()).decode()
    assert validate_v3_signature(method, url, NONCE, AUTH_TOKEN, signature, dict(params))
    print(f"{method} {url} {params}\n  signs {signed}.{NONCE}\n  {signature}")
