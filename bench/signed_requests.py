#!/usr/bin/env python3
"""Writes signed Twilio voice webhooks, one per line (path, tab, X-Twilio-Signature, tab, form
body), for bench/first_webhook.lua to cycle through: each request is a new call's first webhook,
signed as Twilio signs (HMAC-SHA1 over the URL and the sorted fields, base64).

    python3 bench/signed_requests.py URL TOKEN COUNT FIRST_ACCOUNT > requests.tsv

URL is what the server signs against (its public URL and path). Callers' numbers are those of
the first 100,000 generated accounts (`ivrpay accounts generate`: +1444 and seven digits of the
index), in turn; call ids are all distinct.
"""
import base64
import hashlib
import hmac
import sys
import urllib.parse


def signature(token: str, url: str, fields: dict) -> str:
    data = url + "".join(k + fields[k] for k in sorted(fields))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def main() -> None:
    url, token, count, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    path = urllib.parse.urlsplit(url).path
    out = sys.stdout
    for i in range(count):
        account = first + i
        fields = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": f"CA{account:032x}",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "From": f"+1444{account % 100_000:07d}",
            "To": "+18005550100",
        }
        body = urllib.parse.urlencode(fields)
        out.write(f"{path}\t{signature(token, url, fields)}\t{body}\n")


if __name__ == "__main__":
    main()
