//! `ivrpay ceiling`: the yardstick. A minimal axum server that answers every webhook of one
//! provider's at its paths with the same document, about the size of the service's own answers,
//! rendered once at start by that provider's dialect, doing no parsing, no signature check and
//! no database work. Whatever rate it reaches on a machine is the most any webhook server in this
//! stack could reach there.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

use ivrpay_core::language::Language;
use ivrpay_core::telephony::{Dialect, Event};
use ivrpay_core::voice::{Gather, Prompt, Response, Verb};

/// A typical answer of the service: a gather with a prompt of ordinary length, posting back to
/// the provider's gather path under `public_url`.
fn document(dialect: &dyn Dialect, public_url: &str) -> String {
    let menu = Prompt::Say {
        text: "Thank you, Linda. Your balance is four hundred forty-five dollars and thirty-three \
               cents, due on December second. The minimum payment is forty-four dollars and \
               fifty-three cents. To make a payment, press 1. To hear this again, press 2. To \
               speak with a person, press 0. To end the call, press 9."
            .into(),
        language: Language::En,
        voice: None,
        slow: false,
        recorded: None,
    };
    let gather = Gather {
        action: format!("{public_url}{}?turn=1", dialect.path(Event::Gather)),
        num_digits: Some(1),
        finish_on_key: None,
        timeout_seconds: 8,
        prompts: vec![menu],
        speech: None,
    };
    dialect.render(Response::new().push(Verb::Gather(gather)))
}

/// Serves the fixed document at `dialect`'s voice, gather and status paths until `shutdown`
/// completes (the service's own signal handling, so both stop alike).
///
/// # Errors
/// The address cannot be bound.
pub async fn serve(
    listen: std::net::SocketAddr,
    dialect: Arc<dyn Dialect>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let body: &'static str = Box::leak(document(dialect.as_ref(), &url).into_boxed_str());
    let content_type = dialect.content_type();
    let answer =
        move || async move { ([(header::CONTENT_TYPE, content_type)], body).into_response() };
    let router = [Event::Voice, Event::Gather, Event::Status]
        .into_iter()
        .fold(Router::new(), |router, event| {
            router.route(&dialect.path(event), post(answer))
        });
    println!("ceiling server on {url}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ivrpay_core::telephony::registry::{ProviderSettings, REGISTERED};

    #[test]
    fn each_provider_answers_in_its_own_words_at_its_own_paths() {
        for entry in REGISTERED {
            let dialect = (entry.build)(&ProviderSettings::default()).expect("dialect");
            let body = document(dialect.as_ref(), "http://127.0.0.1:1");
            let read = (entry.simulator)()
                .read(&body)
                .expect("its simulator reads it");
            let Some(Verb::Gather(gather)) = read.verbs.first() else {
                panic!("a question: {body}");
            };
            assert_eq!(
                gather.action,
                format!("http://127.0.0.1:1/{}/gather?turn=1", entry.path_prefix)
            );
            assert_eq!(gather.num_digits, Some(1));
        }
    }
}
