//! The console's HTML, rendered on the server: plain forms with labels, so it works with a
//! keyboard and a screen reader. One small script (`/agent/console.js`) puts transfers in the
//! list as they arrive; without it the page still works, reloaded. Every value from outside is
//! escaped.

use super::callbacks::CallbackCard;
use super::screen_pop::ScreenPop;
use crate::store::Disposition;

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page in the console's style (the dashboard uses it too).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · ivrpay</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = escape(title),
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5}label{display:block;margin-top:1rem}input{font-size:1rem;\
padding:.4rem;width:20rem;max-width:100%}button{font-size:1rem;margin-top:1rem;padding:.4rem 1rem}\
[role=alert]{border-left:4px solid #b00;padding:.5rem 1rem;background:#fee}\
header{display:flex;justify-content:space-between;align-items:center}\
section{border-top:1px solid #ccc;margin-top:1.5rem}\
#transfer-list{list-style:none;padding:0}.transfer{border:1px solid #ccc;border-left:6px solid #b60;\
border-radius:4px;padding:.5rem 1rem;margin:.8rem 0}.transfer.claimed{border-left-color:#06b}\
.transfer.done{border-left-color:#080;opacity:.8}.transfer h3{margin:.2rem 0}\
.transfer dl{display:grid;grid-template-columns:10rem 1fr;gap:.1rem 1rem;margin:.5rem 0}\
.transfer dt{font-weight:600}.transfer dd{margin:0}.status{font-weight:600}\
#callback-list{list-style:none;padding:0}.callback{border:1px solid #ccc;\
border-left:6px solid #06b;border-radius:4px;padding:.5rem 1rem;margin:.8rem 0}.callback h3{margin:.2rem 0}\
.callback dl{display:grid;grid-template-columns:10rem 1fr;gap:.1rem 1rem;margin:.5rem 0}\
.callback dt{font-weight:600}.callback dd{margin:0}\
details{margin:.3rem 0}textarea{width:100%;font-size:1rem}select{font-size:1rem;padding:.3rem}";

/// The sign-in form, with a problem to announce (wrong password, too many tries) if any.
pub fn sign_in(problem: Option<&str>, username: &str) -> String {
    let problem = problem
        .map(|text| format!("<p role=\"alert\" id=\"problem\">{}</p>\n", escape(text)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            "<main>\n<h1>Sign in to the agent console</h1>\n{problem}\
             <form method=\"post\" action=\"/agent/sign-in\">\n\
             <label for=\"username\">Username</label>\n\
             <input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{username}\">\n\
             <label for=\"password\">Password</label>\n\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
             <button type=\"submit\">Sign in</button>\n</form>\n</main>",
            username = escape(username),
        ),
    )
}

/// Who the console is showing itself to.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleView<'a> {
    /// The agent's name.
    pub display_name: &'a str,
    /// `agent` or `admin`.
    pub role: &'a str,
    /// The session's CSRF token, for the forms.
    pub csrf_token: &'a str,
    /// The transfers to list, each already rendered by [`transfer_item`].
    pub transfers: &'a [String],
    /// The open callbacks, soonest first, each already rendered by [`callback_item`].
    pub callbacks: &'a [String],
}

/// The console: the agent's name, sign-out, the transfers (kept up to date by the script), and
/// the open callbacks.
pub fn console(view: ConsoleView<'_>) -> String {
    let hidden_unless_empty = |items: &[String]| if items.is_empty() { "" } else { " hidden" };
    let empty = hidden_unless_empty(view.transfers);
    let no_callbacks = hidden_unless_empty(view.callbacks);
    page(
        "Console",
        &format!(
            "<header>\n<p>Signed in as <strong id=\"agent-name\">{name}</strong> ({role}){dashboard}</p>\n\
             <form method=\"post\" action=\"/agent/sign-out\">\n\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
             <button type=\"submit\">Sign out</button>\n</form>\n</header>\n<main>\n\
             <h1>Agent console</h1>\n\
             <section id=\"transfers\" aria-labelledby=\"transfers-heading\">\n\
             <h2 id=\"transfers-heading\">Transfers</h2>\n\
             <ul id=\"transfer-list\" aria-live=\"polite\">{items}</ul>\n\
             <p id=\"no-transfers\"{empty}>No callers waiting for a person.</p>\n</section>\n\
             <section id=\"callbacks\" aria-labelledby=\"callbacks-heading\">\n\
             <h2 id=\"callbacks-heading\">Callbacks</h2>\n\
             <ul id=\"callback-list\">{callbacks}</ul>\n\
             <p id=\"no-callbacks\"{no_callbacks}>No callbacks to work.</p>\n</section>\n</main>\n\
             <script src=\"/agent/console.js\"></script>",
            name = escape(view.display_name),
            role = escape(view.role),
            dashboard = if view.role == "admin" {
                " · <a href=\"/dashboard\" id=\"dashboard-link\">Dashboard</a>"
            } else {
                ""
            },
            csrf = escape(view.csrf_token),
            items = view.transfers.concat(),
            callbacks = view.callbacks.concat(),
        ),
    )
}

/// Who a transfer is rendered for: the forms they may use depend on it.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    /// The signed-in agent.
    pub agent_id: i64,
    /// Their session's CSRF token.
    pub csrf_token: &'a str,
}

/// One transfer, as a list item (`id="transfer-ID"`, `data-version`): the caller's context, and
/// "I'll take it" while it waits, the disposition form for the agent who took it, or who has it
/// and how it ended.
pub fn transfer_item(pop: &ScreenPop, viewer: Viewer<'_>) -> String {
    let id = pop.id;
    let mut out = format!(
        "<li id=\"transfer-{id}\" class=\"transfer {status}\" data-version=\"{version}\">\n\
         <article aria-labelledby=\"caller-{id}\">\n\
         <h3 id=\"caller-{id}\">{name}</h3>\n",
        status = if pop.status == "waiting" && pop.call_ended_at.is_some() {
            "missed".to_owned()
        } else {
            escape(&pop.status)
        },
        version = pop.version,
        name = escape(pop.name.as_deref().unwrap_or("Caller not identified")),
    );
    let status = match (pop.status.as_str(), &pop.call_ended_at) {
        ("waiting", Some(ended)) => format!(
            "Missed: the call ended at {ended}, before anyone took it (put through at {})",
            pop.asked_at
        ),
        ("waiting", None) => format!("Waiting since {}", pop.asked_at),
        ("claimed", _) if pop.claimed_by == Some(viewer.agent_id) => {
            "You took this caller".to_owned()
        }
        ("claimed", _) => format!(
            "Taken by {}",
            pop.claimed_by_name.as_deref().unwrap_or("another agent")
        ),
        _ => format!(
            "Done: {}{}",
            pop.disposition.unwrap_or("closed"),
            pop.claimed_by_name
                .as_deref()
                .map(|name| format!(" ({name})"))
                .unwrap_or_default()
        ),
    };
    out.push_str(&format!(
        "<p class=\"status\" id=\"status-{id}\">{}</p>\n<p id=\"why-{id}\">{}</p>\n<dl>\n",
        escape(&status),
        escape(&pop.why)
    ));
    let mut field = |label: &str, key: &str, value: &str| {
        out.push_str(&format!(
            "<dt>{label}</dt><dd id=\"{key}-{id}\">{}</dd>\n",
            escape(value)
        ));
    };
    if let Some(account) = &pop.account {
        field("Account", "account", account);
    }
    field("Identity", "verified", pop.verified);
    if pop.locked {
        field("Lock", "locked", "Locked after failed attempts");
    }
    if let Some(balance) = &pop.balance {
        field("Balance", "balance", balance);
    }
    if let (Some(minimum), Some(due)) = (&pop.minimum_due, &pop.due_date) {
        field("Minimum due", "due", &format!("{minimum} by {due}"));
    }
    if let Some(segment) = &pop.segment {
        field("Segment", "segment", segment);
    }
    if !pop.flags.is_empty() {
        field("Flags", "flags", &pop.flags.join(", "));
    }
    field("Language", "language", pop.language);
    if let Some(note) = &pop.note
        && !note.is_empty()
    {
        field("Note", "note-text", note);
    }
    out.push_str("</dl>\n");
    let list = |out: &mut String, title: &str, key: &str, lines: &[String]| {
        if lines.is_empty() {
            return;
        }
        out.push_str(&format!("<h4>{title}</h4>\n<ul id=\"{key}-{id}\">"));
        for line in lines {
            out.push_str(&format!("<li>{}</li>", escape(line)));
        }
        out.push_str("</ul>\n");
    };
    if let Some(card_entry) = pop.card_entry {
        out.push_str(&format!(
            "<p class=\"card-entry\" id=\"card-entry-status-{id}\" role=\"status\">{}</p>\n",
            escape(card_entry)
        ));
    }
    list(&mut out, "Arrangements", "arrangements", &pop.arrangements);
    list(&mut out, "Payments on this call", "payments", &pop.payments);
    let steps: Vec<String> = pop
        .steps
        .iter()
        .map(|(at, what)| format!("{at} {what}"))
        .collect();
    out.push_str(&format!(
        "<details id=\"steps-{id}\"><summary>This call, step by step ({})</summary>\n",
        steps.len()
    ));
    list(&mut out, "Steps", "step-list", &steps);
    out.push_str("</details>\n");
    let csrf = escape(viewer.csrf_token);
    match pop.status.as_str() {
        "waiting" if pop.call_ended_at.is_none() => out.push_str(&format!(
            "<form method=\"post\" action=\"/agent/transfers/{id}/claim\">\n\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
             <button type=\"submit\" id=\"claim-{id}\">I'll take it</button>\n</form>\n"
        )),
        "claimed" if pop.claimed_by == Some(viewer.agent_id) => {
            let options: String = Disposition::ALL
                .iter()
                .map(|(name, d)| format!("<option value=\"{name}\">{}</option>", d.label()))
                .collect();
            if pop.card_entry_offered && !pop.card_entry_pending {
                out.push_str(&format!(
                    "<form method=\"post\" action=\"/agent/transfers/{id}/card-entry\">\n\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
                     <button type=\"submit\" id=\"card-entry-{id}\">Take a card payment \
                     (the caller keys it in; you will not hear it)</button>\n</form>\n"
                ));
            }
            out.push_str(&format!(
                "<form method=\"post\" action=\"/agent/transfers/{id}/disposition\">\n\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
                 <label for=\"disposition-{id}\">How did the call end?</label>\n\
                 <select id=\"disposition-{id}\" name=\"disposition\" required>{options}</select>\n\
                 <label for=\"note-{id}\">Note</label>\n\
                 <textarea id=\"note-{id}\" name=\"note\" rows=\"2\" maxlength=\"2000\"></textarea>\n\
                 <button type=\"submit\" id=\"dispose-{id}\">Record disposition</button>\n</form>\n"
            ));
        }
        _ => {}
    }
    out.push_str("</article>\n</li>\n");
    out
}

/// One open callback, as a list item (`id="callback-ID"`): who to call, on what number, when,
/// and what they were doing; then "Done" with an optional note.
pub fn callback_item(card: &CallbackCard, csrf_token: &str) -> String {
    let id = card.id;
    let mut out = format!(
        "<li id=\"callback-{id}\" class=\"callback\" data-window=\"{window}\">\n\
         <article aria-labelledby=\"callback-name-{id}\">\n\
         <h3 id=\"callback-name-{id}\">{name}</h3>\n<dl>\n\
         <dt>Number to call</dt><dd id=\"callback-phone-{id}\"><a href=\"tel:{phone}\">{phone_text}</a></dd>\n",
        name = escape(card.name.as_deref().unwrap_or("Caller not identified")),
        window = card.window_start_ms,
        phone = escape(&card.phone),
        phone_text = escape(&card.phone_text),
    );
    let mut field = |label: &str, key: &str, value: &str| {
        out.push_str(&format!(
            "<dt>{label}</dt><dd id=\"callback-{key}-{id}\">{}</dd>\n",
            escape(value)
        ));
    };
    field("When", "window", &card.window);
    if let Some(account) = &card.account {
        field("Account", "account", account);
    }
    field("Language", "language", card.language);
    field("Where they asked", "asked", &card.asked);
    field("Why", "why", card.why);
    field("Requested", "requested", &card.requested);
    out.push_str(&format!(
        "</dl>\n<form method=\"post\" action=\"/agent/callbacks/{id}/close\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <label for=\"callback-note-{id}\">Note (optional)</label>\n\
         <textarea id=\"callback-note-{id}\" name=\"note\" rows=\"2\" maxlength=\"2000\"></textarea>\n\
         <button type=\"submit\" id=\"callback-done-{id}\">Done</button>\n</form>\n\
         </article>\n</li>\n",
        csrf = escape(csrf_token),
    ));
    out
}

/// A short page for a refused change (wrong origin or CSRF token).
pub fn refused(why: &str) -> String {
    page(
        "Refused",
        &format!(
            "<main>\n<h1>That was refused</h1>\n<p role=\"alert\">{}</p>\n\
             <p><a href=\"/agent\">Back to the console</a></p>\n</main>",
            escape(why)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_values_are_escaped() {
        assert_eq!(
            escape("<b a=\"x\">'&'</b>"),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
        let html = console(ConsoleView {
            display_name: "<script>alert(1)</script>",
            role: "agent",
            csrf_token: "t\"",
            transfers: &[],
            callbacks: &[],
        });
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("value=\"t&quot;\""));
    }

    #[test]
    fn a_callback_escapes_what_it_shows_and_carries_the_form() {
        let card = CallbackCard {
            id: 7,
            window_start_ms: 0,
            name: Some("<b>Linda</b>".into()),
            account: Some("•••• 3365".into()),
            phone: "+15552126618".into(),
            phone_text: "(555) 212-6618".into(),
            window: "tomorrow morning".into(),
            language: "English",
            asked: "They asked for a person.".into(),
            why: "The line was closed.",
            requested: "Monday".into(),
        };
        let html = callback_item(&card, "tok\"en");
        assert!(html.contains("&lt;b&gt;Linda"), "{html}");
        assert!(html.contains("action=\"/agent/callbacks/7/close\""));
        assert!(html.contains("name=\"csrf\" value=\"tok&quot;en\""));
        assert!(html.contains(">Done</button>"));
    }
}
