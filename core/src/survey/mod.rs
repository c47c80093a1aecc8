//! The end-of-call satisfaction survey: which calls are asked.
//!
//! A flow asks for the survey with a `[survey]` table (`sample_percent`), a collections policy
//! may set its own rate (`survey_percent` in policies.toml), and the flow's `offer_survey`
//! action decides per call, only once the business of the call is done. The decision is a hash
//! of the call's id, not a random draw: a retried webhook, or another instance answering the next
//! one, decides the same. The answers are kept in the `surveys` table (`store/surveys.rs`), one
//! row per call asked, for the reports.

/// How the flow asks for the survey (its `[survey]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SurveySettings {
    /// Percent of calls asked, 0 (never, the default) to 100 (every call).
    pub sample_percent: u8,
}

/// Whether the call `provider`/`call_sid` is among the `percent` of calls asked: the same answer
/// for the same call on every instance and every retry. 0 never, 100 always.
pub fn sampled(provider: &str, call_sid: &str, percent: u8) -> bool {
    u64::from(percent) > bucket(provider, call_sid)
}

/// The call's place in 0..100, from a 64-bit FNV-1a hash of its key. FNV-1a is written out
/// (rather than std's hasher, whose algorithm may change between Rust releases) so that every
/// instance, whichever build it runs, puts a call in the same place.
fn bucket(provider: &str, call_sid: &str) -> u64 {
    fnv1a(provider.bytes().chain([0]).chain(call_sid.bytes())) % 100
}

/// The 64-bit FNV-1a hash of `bytes`: stable across builds and instances, for anything that must
/// name the same thing everywhere.
pub fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Whether the survey was offered on this call: the business of the call is done, so the call's
/// outcome stands and silence no longer reaches a person.
pub fn offered(session: &crate::flow::engine::Session) -> bool {
    session.facts.survey_offered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sids() -> impl Iterator<Item = String> {
        (0..2000u32).map(|n| format!("CA{n:032x}"))
    }

    #[test]
    fn nothing_at_zero_and_everything_at_one_hundred() {
        assert!(sids().all(|sid| !sampled("provider-a", &sid, 0)));
        assert!(sids().all(|sid| sampled("provider-a", &sid, 100)));
    }

    #[test]
    fn about_the_rate_asked_for() {
        let asked = sids().filter(|sid| sampled("provider-a", sid, 20)).count();
        assert!((300..=500).contains(&asked), "{asked} of 2000 at 20%");
    }

    #[test]
    fn a_call_sampled_at_a_rate_is_sampled_at_every_higher_rate() {
        for sid in sids().take(200) {
            let first = (0..=100u8).find(|p| sampled("provider-a", &sid, *p));
            let first = first.expect("sampled at 100");
            assert!(
                (first..=100).all(|p| sampled("provider-a", &sid, p)),
                "{sid}"
            );
        }
    }

    #[test]
    fn the_hash_is_fnv_1a() {
        // The published FNV-1a 64 test vectors: the same bytes give the same place on every
        // build.
        assert_eq!(fnv1a("".bytes()), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a".bytes()), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar".bytes()), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_provider_is_part_of_the_key() {
        let places = |provider: &str| {
            (0..50)
                .map(|n| bucket(provider, &format!("CA{n}")))
                .collect::<Vec<_>>()
        };
        assert_ne!(places("provider-a"), places("provider-b"));
    }
}
