"""Reference TwiML from Twilio's own helper library, for tests/twiml_fidelity.rs.

Prints one JSON object: case name -> the document `twilio.twiml.voice_response.VoiceResponse`
writes for that case. Each case is the response of the same name in tests/twiml_fidelity.rs, built
here with the library's API as Twilio's documentation shows it, so the comparison checks our
renderer against an independent writer (element and attribute names, values, nesting, escaping),
not against our own reader. Needs `pip install twilio`.
"""

import json
import sys

from twilio.twiml.voice_response import VoiceResponse


def say_with_language_and_voice():
    r = VoiceResponse()
    r.say("Hola, gracias por llamar.", language="es-US", voice="Polly.Lupe")
    r.say("Welcome.", language="en-US")
    return r


def say_escapes_markup():
    r = VoiceResponse()
    r.say("Tom & Jerry's <b>\"best\"</b>", language="en-US")
    return r


def gather_with_nested_prompts():
    r = VoiceResponse()
    g = r.gather(
        input="dtmf",
        action="https://ivr.example.com/twilio/gather?step=card_number&turn=3",
        method="POST",
        timeout=7,
        action_on_empty_result=True,
        num_digits=16,
        finish_on_key="#",
    )
    g.say("Enter your card number, then press pound.", language="en-US", voice="Polly.Joanna")
    g.pause(length=1)
    g.play("https://ivr.example.com/audio/en/card.mp3")
    return r


def gather_without_finish_key():
    r = VoiceResponse()
    # An empty finishOnKey turns Twilio's default `#` off.
    r.gather(
        input="dtmf",
        action="https://ivr.example.com/twilio/gather?step=menu",
        method="POST",
        timeout=5,
        action_on_empty_result=True,
        finish_on_key="",
    )
    return r


def gather_by_voice_at_a_slow_pace():
    r = VoiceResponse()
    g = r.gather(
        input="dtmf speech",
        action="https://ivr.example.com/twilio/gather?turn=4",
        method="POST",
        timeout=15,
        action_on_empty_result=True,
        num_digits=1,
        finish_on_key="",
        language="es-US",
        speech_timeout="4",
        hints="hacer un pago, agente",
    )
    say = g.say(language="es-US", voice="Polly.Lupe")
    say.prosody("Para hacer un pago, diga pagar u oprima 1.", rate="slow")
    return r


def dial_with_whisper():
    r = VoiceResponse()
    r.say("Connecting you to an agent.", language="en-US")
    d = r.dial(
        timeout=20,
        action="https://ivr.example.com/twilio/dial?step=agent",
        caller_id="+18005551212",
    )
    d.number("+15551234567", url="https://ivr.example.com/twilio/whisper?call=CA1&lang=en")
    return r


def dial_plain():
    r = VoiceResponse()
    d = r.dial(timeout=30)
    d.number("+15557654321")
    return r


def conference_waiting():
    r = VoiceResponse()
    r.say("Please hold while I connect you with a person.", language="en-US")
    d = r.dial(action="https://ivr.example.com/twilio/dial?turn=4")
    d.conference(
        "ivrpay-CA1",
        wait_url="https://ivr.example.com/twilio/hold?lang=en",
        wait_method="POST",
        start_conference_on_enter=False,
        end_conference_on_exit=False,
        beep=False,
    )
    return r


def conference_agent():
    r = VoiceResponse()
    d = r.dial()
    d.conference(
        "ivrpay-CA1",
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
    )
    return r


def redirect():
    r = VoiceResponse()
    r.redirect("https://ivr.example.com/twilio/redirect?step=balance&turn=2", method="POST")
    return r


def pause_play_hangup():
    r = VoiceResponse()
    r.pause(length=2)
    r.play("https://ivr.example.com/audio/es/adios.mp3")
    r.say("Goodbye.", language="en-US")
    r.hangup()
    return r


def empty():
    return VoiceResponse()


CASES = [
    say_with_language_and_voice,
    say_escapes_markup,
    gather_with_nested_prompts,
    gather_without_finish_key,
    gather_by_voice_at_a_slow_pace,
    dial_with_whisper,
    dial_plain,
    conference_waiting,
    conference_agent,
    redirect,
    pause_play_hangup,
    empty,
]

if __name__ == "__main__":
    json.dump({case.__name__: case().to_xml() for case in CASES}, sys.stdout, indent=1)
    sys.stdout.write("\n")
