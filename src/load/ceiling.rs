//! `ivrpay ceiling`: the yardstick. A minimal axum server that answers every POST with the same
//! TwiML document, about the size of the service's own answers, doing no parsing, no signature
//! check and no database work. Whatever rate it reaches on a machine is the most any webhook
//! server in this stack could reach there.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

/// A typical answer of the service: a gather with a prompt of ordinary length.
fn document(public_url: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather input=\"dtmf\" \
         action=\"{public_url}/twilio/gather?turn=1\" method=\"POST\" timeout=\"8\" \
         actionOnEmptyResult=\"true\" numDigits=\"1\" finishOnKey=\"\"><Say language=\"en-US\">\
         Thank you, Linda. Your balance is four hundred forty-five dollars and thirty-three cents, \
         due on December second. The minimum payment is forty-four dollars and fifty-three cents. \
         To make a payment, press 1. To hear this again, press 2. To speak with a person, press 0. \
         To end the call, press 9.</Say></Gather></Response>"
    )
}

/// Serves the fixed document until the process is stopped.
///
/// # Errors
/// The address cannot be bound.
pub async fn serve(listen: std::net::SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let body: &'static str = Box::leak(document(&url).into_boxed_str());
    let answer = move || async move {
        ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
    };
    let router = Router::new()
        .route("/twilio/voice", post(answer))
        .route("/twilio/gather", post(answer))
        .route("/twilio/status", post(answer));
    println!("ceiling server on {url}");
    axum::serve(listener, router)
        .with_graceful_shutdown(crate::app::shutdown_signal())
        .await
}
