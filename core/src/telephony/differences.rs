//! What a provider does differently from what a flow may use, and what the line does instead:
//! what `ivrpay flows check --provider NAME` lists. A dialect names the differences of its markup
//! ([`crate::telephony::Dialect::markup_differences`]); those of its API follow from the
//! capabilities it offers as configured.

use crate::flow::definition::{CardCapture, Flow, StateKind};
use crate::telephony::Dialect;

crate::named::named_enum! {
    /// Something a flow may use that not every provider does alike.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Feature {
        /// Questions answered by voice (a flow with `[speech]`).
        AnswersByVoice = "answers by voice",
        /// Words the recognizer is told to expect at a question.
        SpeechHints = "speech hints",
        /// What the agent hears before a transfer connects.
        Whisper = "the agent's whisper",
        /// A transfer that waits in a conference with hold audio, and agent-assisted card entry.
        ConferenceHold = "conference holds",
        /// The call's recording paused while a card is keyed.
        RecordingPause = "recording paused during card entry",
        /// Card entry by the provider's own capture (`card_capture = "provider"`).
        ProviderCardCapture = "card capture by the provider",
        /// Receipts and reminders by text.
        Texts = "texts",
    }
}

/// One thing a provider does differently, and what the line does instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// What differs.
    pub feature: Feature,
    /// What the line does instead, in a sentence.
    pub instead: &'static str,
}

/// Every difference of `dialect` as configured: its markup's, then its API's.
pub fn of(dialect: &dyn Dialect) -> Vec<Difference> {
    let mut found = dialect.markup_differences().to_vec();
    let missing = [
        (
            dialect.call_control().is_none(),
            Feature::ConferenceHold,
            "transfers are plain dials: the caller hears ringing, not hold audio, and the console \
             offers no agent-assisted card entry",
        ),
        (
            dialect.recording_control().is_none() && !dialect.pauses_recording_in_markup(),
            Feature::RecordingPause,
            "the call's recording is not paused while a card is keyed: record no calls on this \
             provider, or take cards by its own capture",
        ),
        (
            !dialect.captures_cards(),
            Feature::ProviderCardCapture,
            "cards are keyed to the line's own questions (the service is in PCI scope for them)",
        ),
        (
            dialect.texting().is_none(),
            Feature::Texts,
            "no texts are sent through this provider: receipts go by email, or through another \
             provider that sends texts",
        ),
    ];
    for (lacking, feature, instead) in missing {
        if lacking && !found.iter().any(|known| known.feature == feature) {
            found.push(Difference { feature, instead });
        }
    }
    found
}

/// Whether `dialect`'s markup does `feature` as a flow means it (its answers by voice, its
/// whisper ...).
pub fn does(dialect: &dyn Dialect, feature: Feature) -> bool {
    !dialect
        .markup_differences()
        .iter()
        .any(|difference| difference.feature == feature)
}

/// What `flow` uses of the features that differ between providers.
pub fn used_by(flow: &Flow) -> Vec<Feature> {
    let mut used = vec![Feature::Texts];
    if flow.speech.is_some() {
        used.extend([Feature::AnswersByVoice, Feature::SpeechHints]);
    }
    let transfers = flow
        .states
        .values()
        .any(|state| matches!(state.kind, StateKind::Transfer { .. }));
    if transfers {
        used.extend([Feature::Whisper, Feature::ConferenceHold]);
    }
    let takes_cards = flow
        .states
        .values()
        .any(|state| matches!(state.kind, StateKind::ProviderCard { .. }));
    if takes_cards && flow.card_capture == CardCapture::Provider {
        used.push(Feature::ProviderCardCapture);
    }
    if takes_cards && flow.recording_notice.is_some() {
        used.push(Feature::RecordingPause);
    }
    used.sort();
    used
}

/// The differences of `dialect` that `flow` meets.
pub fn met_by(flow: &Flow, dialect: &dyn Dialect) -> Vec<Difference> {
    let used = used_by(flow);
    of(dialect)
        .into_iter()
        .filter(|difference| used.contains(&difference.feature))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::flow::definition::CardCapture;
    use crate::telephony::registry;

    fn payment_flow() -> Flow {
        crate::flow::load_file(
            &Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows/payment.toml"),
        )
        .expect("call-flows/payment.toml loads")
    }

    #[test]
    fn the_shipped_flow_uses_voice_transfers_and_texts_and_provider_capture_when_it_says_so() {
        let mut flow = payment_flow();
        let used = used_by(&flow);
        for feature in [
            Feature::AnswersByVoice,
            Feature::SpeechHints,
            Feature::Whisper,
            Feature::ConferenceHold,
            Feature::Texts,
        ] {
            assert!(used.contains(&feature), "{feature:?} in {used:?}");
        }
        assert!(!used.contains(&Feature::ProviderCardCapture), "{used:?}");
        flow.card_capture = CardCapture::Provider;
        flow.speech = None;
        let used = used_by(&flow);
        assert!(used.contains(&Feature::ProviderCardCapture), "{used:?}");
        assert!(!used.contains(&Feature::AnswersByVoice), "{used:?}");
    }

    #[test]
    fn a_provider_without_its_api_differs_where_the_flow_meets_it() {
        let flow = payment_flow();
        for dialect in registry::unverified() {
            let met: Vec<Feature> = met_by(&flow, dialect.as_ref())
                .into_iter()
                .map(|difference| difference.feature)
                .collect();
            // No provider's API is configured here: none holds calls in a conference or texts.
            assert!(met.contains(&Feature::ConferenceHold), "{}", dialect.name());
            assert!(met.contains(&Feature::Texts), "{}", dialect.name());
            // The flow keys cards to its own questions: no provider's capture is missed.
            assert!(
                !met.contains(&Feature::ProviderCardCapture),
                "{}",
                dialect.name()
            );
        }
    }
}
