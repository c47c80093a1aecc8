//! Twilio's REST client against the stand-in (`common/twilio_api.rs`): Prism checking our
//! requests against Twilio's OpenAPI description, behind a recording proxy each test can take
//! down and bring back.
//!
//! Needs Prism and the description (`npm install -g @stoplight/prism-cli @twilio-alpha/mcp`).
//! Without them these tests are not run (listed at the end), unless `IVRPAY_REQUIRE_PRISM=1`.

use crate::common;

use common::twilio_api::{ACCOUNT_SID, TwilioStandIn};
use ivrpay::telephony::capabilities::{ProviderError, RecordingState};

const TO: &str = "+15552126618";
const FROM: &str = "+18005550100";
const TEXT: &str = "ivrpay: we received your payment of $44.53. Thank you.";
const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef";

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
}

async_test!(sms_is_accepted_by_twilios_schema_and_recorded, needs: [Prism]);
async fn sms_is_accepted_by_twilios_schema_and_recorded() {
    let twilio = TwilioStandIn::start().await;
    let sid = twilio
        .rest()
        .send_sms(TO, FROM, TEXT, Some("https://ivrpay.example/sms/status"))
        .await
        .expect("the stand-in accepts the message");
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    let requests = twilio.requests();
    let [sms] = &requests[..] else {
        panic!("{requests:?}")
    };
    assert_eq!(sms.method, "POST");
    assert_eq!(sms.path, messages_path());
    assert_eq!(sms.status, 201);
    assert_eq!(sms.field("To"), Some(TO));
    assert_eq!(sms.field("From"), Some(FROM));
    assert_eq!(sms.field("Body"), Some(TEXT));
    assert_eq!(
        sms.field("StatusCallback"),
        Some("https://ivrpay.example/sms/status")
    );
}

async_test!(recording_is_paused_then_resumed_in_order, needs: [Prism]);
async fn recording_is_paused_then_resumed_in_order() {
    let twilio = TwilioStandIn::start().await;
    let rest = twilio.rest();
    rest.set_recording(CALL_SID, RecordingState::Paused)
        .await
        .expect("pause");
    rest.set_recording(CALL_SID, RecordingState::InProgress)
        .await
        .expect("resume");
    let requests = twilio.requests();
    let [pause, resume] = &requests[..] else {
        panic!("{requests:?}")
    };
    let path = format!(
        "/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Recordings/Twilio.CURRENT.json"
    );
    for request in [pause, resume] {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", path.as_str())
        );
        assert_eq!(request.status, 200);
    }
    assert_eq!(pause.field("Status"), Some("paused"));
    assert_eq!(pause.field("PauseBehavior"), Some("skip"));
    assert_eq!(resume.field("Status"), Some("in-progress"));
    assert_eq!(resume.field("PauseBehavior"), None);
}

async_test!(request_breaking_twilios_schema_is_rejected, needs: [Prism]);
async fn request_breaking_twilios_schema_is_rejected() {
    let twilio = TwilioStandIn::start().await;
    // Prism takes an empty To (it checks that the field is there, not that it is a number), but
    // refuses a status callback that is not a URL, as Twilio would.
    let err = twilio
        .rest()
        .send_sms(TO, FROM, TEXT, Some("not a url"))
        .await
        .unwrap_err();
    assert_eq!(err, ProviderError::Rejected("HTTP 422".into()));
    let requests = twilio.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].status, 422);
}

async_test!(twilio_down_is_unavailable_until_it_comes_back, needs: [Prism]);
async fn twilio_down_is_unavailable_until_it_comes_back() {
    let twilio = TwilioStandIn::start().await;
    let rest = twilio.rest();
    rest.send_sms(TO, FROM, TEXT, None).await.expect("up");

    twilio.go_down().await;
    let err = rest.send_sms(TO, FROM, TEXT, None).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err}");
    assert_eq!(twilio.requests().len(), 1, "nothing reached the stand-in");

    twilio.come_back().await;
    rest.send_sms(TO, FROM, TEXT, None).await.expect("back");
    let statuses: Vec<u16> = twilio.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 201]);
}
