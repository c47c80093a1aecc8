//! Which of a policy's options apply to an account at this moment, in the policy's order, and
//! the keys they are offered on.

use super::policy::{Offer, Policy, Treatment};
use super::terms;
use crate::collections::account::Account;
use crate::flow::definition::OfferSet;

/// What, besides the policy, decides whether an option applies.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    /// The smallest payment taken from this account (cents).
    pub smallest_payment_cents: i64,
    /// Whether a person can be reached.
    pub agent_available: bool,
    /// Whether the caller said paying is hard (plans then use the hardship plan terms).
    pub hardship: bool,
    /// Whether a plan or settlement is already running on the account.
    pub open_arrangement: bool,
    /// Whether AutoPay is on for the account.
    pub autopay_on: bool,
    /// Whether a pay link can reach the account (a number or address on file, by a channel the
    /// line sends on).
    pub link_reaches: bool,
    /// Today, for offers that end.
    pub today: time::Date,
}

/// The options of `set` that apply, in the policy's order. An option that would mean nothing is
/// left out: the minimum once it is paid or when it is the whole balance, a plan no count fits,
/// a settlement no lower than the balance.
pub fn available(
    policy: &Policy,
    set: OfferSet,
    account: &Account,
    situation: Situation,
) -> Vec<Offer> {
    if policy.treatment != Treatment::Offers && set == OfferSet::Balance {
        return Vec::new();
    }
    let list = match set {
        OfferSet::Balance => &policy.options,
        OfferSet::Hardship => &policy.hardship_options,
    };
    let balance = account.balance_cents;
    let smallest = situation.smallest_payment_cents;
    let today = situation.today;
    // One arrangement pays at a time: with AutoPay on, no plan or settlement is offered (the
    // caller can stop AutoPay first), and with a plan running, no AutoPay.
    let arranged = situation.open_arrangement || situation.autopay_on;
    let mut offered = list
        .iter()
        .copied()
        .filter_map(|offer| {
            let applies = match offer {
                Offer::Full => balance > 0,
                Offer::Minimum => (smallest..balance).contains(&account.minimum_due_cents),
                Offer::OtherAmount => smallest < balance,
                Offer::Settlement => {
                    !arranged
                        && policy.settlement.as_ref().is_some_and(|s| {
                            s.offer_ends(today).is_some()
                                && terms::settlement_amount(balance, s.basis_points, s.floor_cents)
                                    < balance
                        })
                }
                Offer::Plan => {
                    !arranged
                        && plan_terms(policy, situation.hardship)
                            .is_some_and(|plan| !plan.counts_for(balance).is_empty())
                }
                Offer::Promise => policy.promise.is_some() && balance > 0,
                Offer::Hardship => true,
                Offer::Person => situation.agent_available,
                Offer::Autopay if situation.autopay_on => return Some(Offer::StopAutopay),
                // Only with a due date ahead for it to start with.
                Offer::Autopay => {
                    policy.autopay.is_some()
                        && !situation.open_arrangement
                        && balance > 0
                        && super::autopay::first_due(super::parse_date(&account.due_date), today)
                            .is_some()
                }
                // Never listed by a policy (the loader refuses it).
                Offer::StopAutopay => false,
                Offer::Link => situation.link_reaches && balance > 0,
            };
            applies.then_some(offer)
        })
        .collect::<Vec<_>>();
    if set == OfferSet::Balance && situation.autopay_on && !offered.contains(&Offer::StopAutopay) {
        // A caller on AutoPay can always stop it from the balance menu, whatever the policy
        // lists (it may be another policy's account now): before hardship, or last.
        let at = offered
            .iter()
            .position(|o| matches!(o, Offer::Hardship | Offer::Person))
            .unwrap_or(offered.len());
        offered.insert(at, Offer::StopAutopay);
    }
    offered
}

/// The plan terms that apply: the hardship plan after "trouble paying", if the policy has one.
pub fn plan_terms(policy: &Policy, hardship: bool) -> Option<&super::policy::PlanTerms> {
    if hardship {
        policy.hardship_plan.as_ref().or(policy.plan.as_ref())
    } else {
        policy.plan.as_ref()
    }
}

/// Numbers the options from 1 in order, skipping keys the state keeps for itself (`9` to end
/// the call); a person is always on the agent key.
pub fn keyed(offers: &[Offer], reserved: &[char], agent_key: char) -> Vec<(char, Offer)> {
    let mut free = ('1'..='9').filter(|k| !reserved.contains(k) && *k != agent_key);
    offers
        .iter()
        .filter_map(|offer| match offer {
            Offer::Person => Some((agent_key, *offer)),
            _ => free.next().map(|key| (key, *offer)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::flow::testing::FakeContext;
    use crate::language::Language;

    fn shipped() -> super::super::Policies {
        super::super::policy::load_dir(
            &Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows"),
            &Language::ALL,
        )
        .expect("the shipped policies load")
    }

    fn situation() -> Situation {
        Situation {
            smallest_payment_cents: 500,
            agent_available: true,
            hardship: false,
            open_arrangement: false,
            autopay_on: false,
            link_reaches: true,
            today: time::macros::date!(2026 - 11 - 24),
        }
    }

    #[test]
    fn options_follow_the_policy_order_and_leave_out_what_means_nothing() {
        let policies = shipped();
        let mut linda = FakeContext::linda_brown();
        let early = policies.get("early").expect("early");
        let offered = available(early, OfferSet::Balance, &linda, situation());
        assert_eq!(offered, early.options);
        linda.minimum_due_cents = 0;
        let offered = available(early, OfferSet::Balance, &linda, situation());
        assert!(!offered.contains(&Offer::Minimum));
        let with_plan = Situation {
            open_arrangement: true,
            agent_available: false,
            ..situation()
        };
        let offered = available(early, OfferSet::Balance, &linda, with_plan);
        assert!(!offered.contains(&Offer::Plan) && !offered.contains(&Offer::Person));
        linda.balance_cents = 3000;
        let offered = available(early, OfferSet::Balance, &linda, situation());
        assert!(
            !offered.contains(&Offer::Plan),
            "no count leaves 25.00 a payment"
        );
    }

    #[test]
    fn one_arrangement_at_a_time_and_autopay_can_always_be_stopped() {
        let policies = shipped();
        let linda = FakeContext::linda_brown();
        let early = policies.get("early").expect("early");
        // On AutoPay: no plan beside it, and stopping it comes before hardship, though the
        // policy does not list AutoPay.
        let on = Situation {
            autopay_on: true,
            ..situation()
        };
        let offered = available(early, OfferSet::Balance, &linda, on);
        assert!(!offered.contains(&Offer::Plan), "{offered:?}");
        let stop = offered.iter().position(|o| *o == Offer::StopAutopay);
        let hardship = offered.iter().position(|o| *o == Offer::Hardship);
        assert!(stop.is_some() && stop < hardship, "{offered:?}");
        // Not in the hardship menu, nor off AutoPay.
        assert!(!available(early, OfferSet::Hardship, &linda, on).contains(&Offer::StopAutopay));
        assert!(
            !available(early, OfferSet::Balance, &linda, situation()).contains(&Offer::StopAutopay)
        );
        // A policy that lists AutoPay offers it where it is listed, with a due date ahead, and
        // offers stopping it in its place.
        let mut listing = early.clone();
        listing.options = vec![Offer::Full, Offer::Autopay, Offer::Hardship, Offer::Person];
        assert_eq!(
            available(&listing, OfferSet::Balance, &linda, situation()),
            [Offer::Full, Offer::Autopay, Offer::Hardship, Offer::Person]
        );
        assert_eq!(
            available(&listing, OfferSet::Balance, &linda, on),
            [
                Offer::Full,
                Offer::StopAutopay,
                Offer::Hardship,
                Offer::Person
            ]
        );
        let mut past_due = linda.clone();
        past_due.due_date = "2026-11-01".to_owned();
        assert!(
            !available(&listing, OfferSet::Balance, &past_due, situation())
                .contains(&Offer::Autopay),
            "no due date ahead to start with"
        );
        let with_plan = Situation {
            open_arrangement: true,
            ..situation()
        };
        assert!(
            !available(&listing, OfferSet::Balance, &linda, with_plan).contains(&Offer::Autopay)
        );
    }

    #[test]
    fn keys_run_from_one_in_order_with_a_person_on_zero() {
        let keyed = keyed(
            &[Offer::Full, Offer::Person, Offer::Plan, Offer::Hardship],
            &['9'],
            '0',
        );
        assert_eq!(
            keyed,
            [
                ('1', Offer::Full),
                ('0', Offer::Person),
                ('2', Offer::Plan),
                ('3', Offer::Hardship)
            ]
        );
        // Kept in the call's facts between the question and its answer.
        let offered = crate::flow::facts::OfferedKeys {
            options: keyed,
            more: None,
        };
        assert_eq!(offered.offer_at('2'), Some(Offer::Plan));
        assert_eq!(offered.offer_at('0'), Some(Offer::Person));
        assert_eq!(offered.offer_at('7'), None);
        assert_eq!(offered.key_of(Offer::Plan), Some('2'));
        assert_eq!(offered.key_of(Offer::Person), Some('0'));
        assert_eq!(offered.key_of(Offer::Settlement), None);
    }
}
