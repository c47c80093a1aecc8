//! Card entry handed to the provider's own capture ([`StateKind::ProviderCard`]): the `<Pay>`
//! the line asks for, in the words of the flow's card questions, and the report it gets back.

use super::*;
use crate::voice::{PayError, PayPrompt, PayReport, PayStep};

/// Each step of the provider's capture, with the card question whose words it uses.
const STEPS: [(PayStep, InputKind); 4] = [
    (PayStep::CardNumber, InputKind::CardNumber),
    (PayStep::ExpirationDate, InputKind::CardExpiry),
    (PayStep::SecurityCode, InputKind::SecurityCode),
    (PayStep::PostalCode, InputKind::BillingZip),
];

/// Each error the provider asks a step again after, with the card question's error it says (a
/// kind "let's try again" where the question has none that fits).
const ERRORS: [(PayStep, PayError, &str); 5] = [
    (
        PayStep::CardNumber,
        PayError::InvalidCardNumber,
        "not_valid",
    ),
    (
        PayStep::CardNumber,
        PayError::InvalidCardType,
        "unsupported_brand",
    ),
    (PayStep::ExpirationDate, PayError::InvalidDate, ""),
    (
        PayStep::SecurityCode,
        PayError::InvalidSecurityCode,
        "wrong_length",
    ),
    (
        PayStep::PostalCode,
        PayError::InvalidPostalCode,
        "wrong_length",
    ),
];

impl Run<'_> {
    /// Enters a provider card state: `<Pay>` where the flow hands cards to the provider and the
    /// call's provider takes them (the call then waits for its report); otherwise where the
    /// keypad's card questions begin.
    pub(super) fn provider_card(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
    ) -> Option<String> {
        let capture = (self.flow.card_capture == CardCapture::Provider)
            .then(|| ctx.card_capture(self.turn + 1))
            .flatten();
        let Some(capture) = capture else {
            self.record(ctx, &state.name, "none", "keypad", None);
            return Some(
                self.card_question(InputKind::CardNumber)
                    .map_or_else(|| self.flow.agent_state.clone(), |q| q.name.clone()),
            );
        };
        session.state = state.name.clone();
        session.facts.provider_pay = None;
        let pay = self.pay(session, state, ctx, capture);
        self.verbs.push(Verb::Pay(pay));
        self.record(ctx, &state.name, "none", "provider_capture", None);
        None
    }

    /// The provider's report arrived: kept for the action that records it, at the state's
    /// `next`. Anywhere else it is not expected, and the caller goes to a person.
    pub(super) fn after_pay(
        &mut self,
        session: &mut Session,
        report: &PayReport,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let state = flow.states.get(&session.state)?;
        let StateKind::ProviderCard { next } = &state.kind else {
            self.record(ctx, &state.name, "pay", "unexpected", None);
            return Some(flow.agent_state.clone());
        };
        session.facts.provider_pay = Some(report.clone());
        self.record(ctx, &state.name, "pay", report.result.name(), None);
        Some(next.clone())
    }

    /// The flow's question for `input`, whose words the provider's capture speaks.
    fn card_question(&self, input: InputKind) -> Option<&State> {
        let mut questions: Vec<&State> = self
            .flow
            .states
            .values()
            .filter(|s| matches!(&s.kind, StateKind::Collect { input: i, .. } if *i == input))
            .collect();
        // One per input in any sensible flow; by name when there are more, so it is always the
        // same one.
        questions.sort_by(|a, b| a.name.cmp(&b.name));
        questions.first().copied()
    }

    /// `<Pay>` for today's payment and its fee, with our words for every step, error and try.
    fn pay(
        &self,
        session: &Session,
        state: &State,
        ctx: &impl Context,
        capture: ProviderCapture,
    ) -> voice::Pay {
        let language = self.language(session);
        let said = |prompt: &Prompt, session: &Session| {
            self.render(prompt, language, session, ctx)
                .into_iter()
                .collect::<Vec<_>>()
        };
        let no_input = said(&self.flow.messages.no_input, session);
        let try_again = self
            .flow
            .messages
            .heard_wrong
            .as_ref()
            .map(|prompt| said(prompt, session))
            .unwrap_or_default();
        let mut prompts = Vec::new();
        for (step, input) in STEPS {
            let Some(question) = self.card_question(input) else {
                continue;
            };
            let StateKind::Collect { errors, .. } = &question.kind else {
                continue;
            };
            let brands: Vec<Option<CardBrand>> = if step == PayStep::SecurityCode {
                // Its place differs for American Express: front, four digits.
                vec![Some(CardBrand::Amex), None]
            } else {
                vec![None]
            };
            for card_brand in brands {
                let mut asked_of = session.clone();
                if let Some(brand) = card_brand {
                    asked_of.facts.card = Some(facts::CardLabel::new(brand, String::new()));
                }
                let asked = question
                    .prompt
                    .as_ref()
                    .map(|prompt| said(prompt, &asked_of))
                    .unwrap_or_default();
                let with = |before: &[voice::Prompt]| [before, &asked].concat();
                prompts.push(PayPrompt {
                    step,
                    error: None,
                    attempts: vec![1],
                    card_brand,
                    prompts: asked.clone(),
                });
                prompts.push(PayPrompt {
                    step,
                    error: None,
                    attempts: (2..=self.flow.max_attempts.max(2)).collect(),
                    card_brand,
                    prompts: with(&try_again),
                });
                prompts.push(PayPrompt {
                    step,
                    error: Some(PayError::Timeout),
                    attempts: Vec::new(),
                    card_brand,
                    prompts: with(&no_input),
                });
                for (_, error, key) in ERRORS.iter().filter(|(s, ..)| *s == step) {
                    let before = errors
                        .get(*key)
                        .map(|prompt| said(prompt, &asked_of))
                        .unwrap_or_else(|| try_again.clone());
                    prompts.push(PayPrompt {
                        step,
                        error: Some(*error),
                        attempts: Vec::new(),
                        card_brand,
                        prompts: with(&before),
                    });
                }
            }
        }
        if let Some(processing) = &state.prompt {
            prompts.push(PayPrompt {
                step: PayStep::Processing,
                error: None,
                attempts: Vec::new(),
                card_brand: None,
                prompts: said(processing, session),
            });
        }
        let payment = &session.facts.payment;
        voice::Pay {
            action: capture.action,
            status_callback: Some(capture.status_callback),
            charge_cents: payment.cents.unwrap_or(0) + payment.fee_cents.unwrap_or(0),
            currency: "usd",
            description: ctx
                .account()
                .map(|account| format!("Payment, account ending {}", account.last4()))
                .unwrap_or_else(|| "Payment".to_owned()),
            language,
            max_attempts: self.flow.max_attempts.clamp(1, 3),
            timeout_seconds: self.flow.input_timeout_seconds,
            security_code: true,
            postal_code: self.card_question(InputKind::BillingZip).is_some(),
            card_brands: ctx.accepted_brands().to_vec(),
            connector: capture.connector,
            prompts,
        }
    }
}
