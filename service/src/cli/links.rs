//! `ivrpay links create ACCOUNT`: makes a pay link through a running server's admin API, and
//! prints it (it is shown this once: the server keeps only its hash).

use clap::{Args, Subcommand};

use super::demo::DemoTokens;

#[derive(Debug, Subcommand)]
pub(super) enum LinksCommand {
    /// Make a pay link for an account (and send it by text or email), and print it.
    Create(CreateLinkArgs),
}

#[derive(Debug, Args)]
pub(super) struct CreateLinkArgs {
    /// The account's number.
    account: String,
    /// Send it to the account by `sms` or `email` too.
    #[arg(long, value_parser = ["sms", "email"])]
    send: Option<String>,
    /// The server's base URL.
    #[arg(
        long,
        env = "IVRPAY_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// The database of a demo server, whose admin token is kept beside it (used when
    /// IVRPAY_ADMIN_TOKEN is not set).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    database_url: String,
}

pub(super) async fn links(command: LinksCommand) -> Result<(), String> {
    let LinksCommand::Create(args) = command;
    let token = match std::env::var("IVRPAY_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    {
        Some(token) => token,
        None => DemoTokens::load(&args.database_url)
            .map(|tokens| tokens.admin_token)
            .ok_or_else(|| {
                format!(
                    "no admin token: set IVRPAY_ADMIN_TOKEN (a demo server's is kept in {})",
                    DemoTokens::path(&args.database_url).display()
                )
            })?,
    };
    let account: String = args.account.chars().filter(char::is_ascii_digit).collect();
    let body = match &args.send {
        Some(channel) => serde_json::json!({ "send": channel }),
        None => serde_json::json!({}),
    };
    let url = format!(
        "{}/api/accounts/{account}/pay-links",
        args.url.trim_end_matches('/')
    );
    let response = crate::http_client()
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let answer: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("{url}: the answer is not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{url}: {status}: {}",
            answer["error"].as_str().unwrap_or("refused")
        ));
    }
    println!("{}", answer["url"].as_str().unwrap_or_default());
    let until = answer["expires_at"]
        .as_i64()
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
        .map(|at| format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute()))
        .unwrap_or_default();
    match answer["sent_by"].as_str() {
        Some(channel) => eprintln!("Sent by {channel}; it opens until {until}."),
        None => eprintln!("Not sent; it opens until {until}."),
    }
    Ok(())
}
