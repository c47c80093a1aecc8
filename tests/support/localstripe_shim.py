"""Run localstripe (pip install localstripe) for ivrpay's Stripe gateway tests.

    python3 localstripe_shim.py --port PORT [--plain]

This is localstripe's own server and resources, started on 127.0.0.1 only and
without writing its store to /tmp/localstripe.pickle (a fixed path every
localstripe instance shares, so parallel tests would trample each other and a
developer's own localstripe state).

Unless --plain is given, it also patches in three things real Stripe does and
localstripe 1.15 does not, each as Stripe documents it:

1. Idempotency-Key: the first answer to a POST is recorded and replayed for the
   same key ("Idempotent-Replayed: true"); the same key with other parameters
   gets 400 idempotency_error; the same key while the first request is still
   running gets 409. localstripe ignores the header and charges again.
2. Declines at confirmation for Stripe's test cards, as HTTP 402 with type
   card_error, code and decline_code (and the payment_intent). localstripe only
   declines these numbers when attaching them to a customer, and answers its one
   charge-time decline (4000000000000341) with type invalid_request_error and no
   decline_code.
3. PaymentIntent accepts `description` (localstripe answers 400 "Unexpected
   description").
"""

import argparse
import hashlib

from aiohttp import web

from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app

# Stripe's documented test cards that decline at confirmation:
# number -> (code, decline_code, message).
CHARGE_DECLINES = {
    '4000000000000002': ('card_declined', 'generic_decline',
                         'Your card was declined.'),
    '4000000000009995': ('card_declined', 'insufficient_funds',
                         'Your card has insufficient funds.'),
    '4000000000009987': ('card_declined', 'lost_card',
                         'Your card was declined.'),
    '4000000000009979': ('card_declined', 'stolen_card',
                         'Your card was declined.'),
    '4000000000000069': ('expired_card', 'expired_card',
                         'Your card has expired.'),
    '4000000000000127': ('incorrect_cvc', 'incorrect_cvc',
                         "Your card's security code is incorrect."),
    '4000000000000119': ('processing_error', 'processing_error',
                         'An error occurred while processing your card.'),
    '4000000000000341': ('card_declined', 'generic_decline',
                         'Your card was declined.'),
}
GENERIC_DECLINE = CHARGE_DECLINES['4000000000000002']


def keep_store_in_memory():
    resources.Store.dump_to_disk = lambda self: None


class CardError(UserError):
    """A 402 with type card_error, as Stripe answers declines."""

    def __init__(self, message, contents):
        super().__init__(402, message, contents)
        self.body['error']['type'] = 'card_error'


def patch_declines():
    original = resources.PaymentMethod._charging_is_declined

    def charging_is_declined(self):
        number = getattr(self, '_card_number', None)
        return number in CHARGE_DECLINES or original(self)

    def set_auth_failure(self):
        pm = resources.PaymentMethod._api_retrieve(self.payment_method)
        code, decline_code, message = CHARGE_DECLINES.get(
            getattr(pm, '_card_number', None), GENERIC_DECLINE)
        self.status = 'failed'
        self.failure_code = code
        self.failure_message = message
        self._decline_code = decline_code

    def raise_failure(self):
        contents = {'code': self.failure_code, 'charge': self.id,
                    'decline_code': getattr(self, '_decline_code', None)}
        if self.payment_intent:
            contents['payment_intent'] = resources.PaymentIntent._api_retrieve(
                self.payment_intent)._export()
        raise CardError(self.failure_message, contents)

    resources.PaymentMethod._charging_is_declined = charging_is_declined
    resources.Charge._set_auth_failure = set_auth_failure
    resources.Charge._raise_failure = raise_failure


def patch_intent_description():
    original = resources.PaymentIntent.__init__

    def init(self, description=None, **kwargs):
        original(self, **kwargs)
        self.description = description

    resources.PaymentIntent.__init__ = init


def idempotency_middleware():
    recorded = {}  # key -> (fingerprint, status, body)
    running = set()

    def idempotency_error(status, message):
        return web.json_response(
            {'error': {'type': 'idempotency_error', 'message': message}},
            status=status)

    @web.middleware
    async def middleware(request, handler):
        key = request.headers.get('Idempotency-Key')
        if request.method != 'POST' or not key:
            return await handler(request)
        body = await request.read()  # aiohttp caches it for the handler
        fingerprint = (request.path, hashlib.sha256(body).hexdigest())
        if key in recorded:
            first, status, text = recorded[key]
            if first != fingerprint:
                return idempotency_error(
                    400, 'Keys for idempotent requests can only be used '
                         'with the same parameters they were first used with.')
            return web.Response(status=status, body=text,
                                content_type='application/json',
                                headers={'Idempotent-Replayed': 'true'})
        if key in running:
            return idempotency_error(
                409, 'There is currently another in-progress request using '
                     'this idempotency key.')
        running.add(key)
        try:
            response = await handler(request)
        finally:
            running.discard(key)
        # Stripe does not record requests that never reached the endpoint.
        if response.status != 401:
            recorded[key] = (fingerprint, response.status, response.body)
        return response

    return middleware


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--plain', action='store_true',
                        help='localstripe behaviour, unpatched')
    args = parser.parse_args()

    keep_store_in_memory()
    if not args.plain:
        patch_declines()
        patch_intent_description()
        # First in the list = outermost, so it records the final answer,
        # after localstripe's error middleware has rendered it.
        app.middlewares.insert(0, idempotency_middleware())

    web.run_app(app, host='127.0.0.1', port=args.port, access_log=None,
                print=None)


if __name__ == '__main__':
    main()
