//! Texts that reach the line: words people send to its number (STOP, START, HELP in English and
//! Spanish, which opt a number out of texts and back in, or ask who we are) and the delivery
//! status of the texts the service sent. They arrive as events of the one webhook handler; the
//! call's dialect read them and renders the reply.

use crate::error::AppError;
use crate::line::Line;
use crate::messages::keywords::{Keyword, is_spanish, keyword};
use crate::telephony::Delivery;

/// What to answer `text`, sent from `from`: the reply, or none. A STOP or START is recorded
/// first.
///
/// # Errors
/// The opt-out could not be recorded: the provider must be told to try again.
pub async fn received(app: &Line, from: &str, text: &str) -> Result<Option<String>, AppError> {
    let spanish = is_spanish(text);
    let company = app.templates.company();
    Ok(match keyword(text) {
        Some(word @ (Keyword::Stop | Keyword::Start)) if !from.is_empty() => {
            let stop = word == Keyword::Stop;
            let name = if stop { "STOP" } else { "START" };
            if let Err(err) = app
                .store
                .set_sms_opt_out(from, stop, name, app.clock.now_ms())
                .await
            {
                tracing::error!(error = %err, "could not record an SMS opt-out");
                return Err(err.into());
            }
            tracing::info!(keyword = name, "SMS keyword");
            match (stop, spanish) {
                // Carriers and providers confirm a STOP themselves; a reply would not be
                // delivered.
                (true, _) => None,
                (false, false) => Some(format!(
                    "{company}: you will get texts from us again. Reply STOP to opt out."
                )),
                (false, true) => Some(format!(
                    "{company}: volverá a recibir nuestros mensajes. Responda STOP para no recibir más."
                )),
            }
        }
        Some(Keyword::Help) => Some(if spanish {
            format!(
                "{company}: mensajes sobre su cuenta y sus pagos. Llame al {} para ayuda. Responda STOP para no recibir más.",
                app.templates.company_phone()
            )
        } else {
            format!(
                "{company}: messages about your account and payments. Call {} for help. Reply STOP to opt out.",
                app.templates.company_phone()
            )
        }),
        _ => None,
    })
}

/// Records where the text the provider calls `message_id` ended up.
///
/// # Errors
/// A database failure: the provider must be told to try again.
pub async fn delivered(app: &Line, message_id: &str, delivery: Delivery) -> Result<(), AppError> {
    app.store
        .update_delivery(message_id, delivery.as_str(), app.clock.now_ms())
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "could not record a text's delivery status");
            AppError::from(err)
        })?;
    Ok(())
}
