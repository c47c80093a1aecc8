//! The console's HTML, rendered on the server: plain forms with labels, so it works with a
//! keyboard and a screen reader. One small script (`/agent/console.js`) puts transfers in the
//! list as they arrive; without it the page still works, reloaded.
//!
//! Every page is a [`maud::html!`] template: each `(value)` spliced into one is escaped, so a
//! value from outside cannot become markup. Only constant text (the style sheets) goes in
//! through `PreEscaped`.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::callbacks::CallbackCard;
use super::screen_pop::ScreenPop;
use crate::store::Disposition;

/// A whole page in the console's style (the dashboard uses it too).
pub(crate) fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · ivrpay" }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
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
details{margin:.3rem 0}textarea{width:100%;font-size:1rem}select{font-size:1rem;padding:.3rem}\
form.inline{display:inline}form.inline button{margin-top:0;padding:.1rem .6rem}";

/// The form field every change carries back: the session's CSRF token.
fn csrf_field(csrf_token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf_token); }
}

/// One term and its value in a card's `<dl>`; `id` names the value.
fn field(label: &str, id: &str, value: &str) -> Markup {
    html! { dt { (label) } dd id=(id) { (value) } }
}

/// The sign-in form, with a problem to announce (wrong password, too many tries) if any.
pub fn sign_in(problem: Option<&str>, username: &str) -> String {
    page(
        "Sign in",
        html! {
            main {
                h1 { "Sign in to the agent console" }
                @if let Some(problem) = problem {
                    p role="alert" id="problem" { (problem) }
                }
                form method="post" action="/agent/sign-in" {
                    label for="username" { "Username" }
                    input id="username" name="username" autocomplete="username" required value=(username);
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" autocomplete="current-password" required;
                    // The button sits beside the field; the space keeps them apart.
                    " "
                    button type="submit" { "Sign in" }
                }
            }
        },
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
    pub transfers: &'a [Markup],
    /// The open callbacks, soonest first, each already rendered by [`callback_item`].
    pub callbacks: &'a [Markup],
}

/// The console: the agent's name, sign-out, the transfers (kept up to date by the script), and
/// the open callbacks.
pub fn console(view: ConsoleView<'_>) -> String {
    page(
        "Console",
        html! {
            header {
                p {
                    "Signed in as " strong id="agent-name" { (view.display_name) }
                    " (" (view.role) ")"
                    @if view.role == "admin" {
                        " · " a href="/dashboard" id="dashboard-link" { "Dashboard" }
                    }
                }
                form method="post" action="/agent/sign-out" {
                    (csrf_field(view.csrf_token))
                    button type="submit" { "Sign out" }
                }
            }
            main {
                h1 { "Agent console" }
                section id="transfers" aria-labelledby="transfers-heading" {
                    h2 id="transfers-heading" { "Transfers" }
                    ul id="transfer-list" aria-live="polite" {
                        @for item in view.transfers { (item) }
                    }
                    p id="no-transfers" hidden[!view.transfers.is_empty()] {
                        "No callers waiting for a person."
                    }
                }
                section id="callbacks" aria-labelledby="callbacks-heading" {
                    h2 id="callbacks-heading" { "Callbacks" }
                    ul id="callback-list" {
                        @for item in view.callbacks { (item) }
                    }
                    p id="no-callbacks" hidden[!view.callbacks.is_empty()] {
                        "No callbacks to work."
                    }
                }
            }
            script src="/agent/console.js" {}
        },
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

/// Where a transfer stands, in words.
fn transfer_status(pop: &ScreenPop, viewer: Viewer<'_>) -> String {
    match (pop.status.as_str(), &pop.call_ended_at) {
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
    }
}

/// A titled list of lines (`id` on the list), or nothing when there are none.
fn lines(title: &str, id: &str, lines: &[String]) -> Markup {
    html! {
        @if !lines.is_empty() {
            h4 { (title) }
            ul id=(id) {
                @for line in lines { li { (line) } }
            }
        }
    }
}

/// One transfer, as a list item (`id="transfer-ID"`, `data-version`): the caller's context, and
/// "I'll take it" while it waits, the disposition form for the agent who took it, or who has it
/// and how it ended.
pub fn transfer_item(pop: &ScreenPop, viewer: Viewer<'_>) -> Markup {
    let id = pop.id;
    let missed = pop.status == "waiting" && pop.call_ended_at.is_some();
    let class = if missed {
        "missed"
    } else {
        pop.status.as_str()
    };
    let steps: Vec<String> = pop
        .steps
        .iter()
        .map(|(at, what)| format!("{at} {what}"))
        .collect();
    let key = |key: &str| format!("{key}-{id}");
    html! {
        li id=(key("transfer")) class={ "transfer " (class) } data-version=(pop.version) {
            article aria-labelledby=(key("caller")) {
                h3 id=(key("caller")) { (pop.name.as_deref().unwrap_or("Caller not identified")) }
                p class="status" id=(key("status")) { (transfer_status(pop, viewer)) }
                p id=(key("why")) { (pop.why) }
                dl {
                    @if let Some(account) = &pop.account {
                        (field("Account", &key("account"), account))
                    }
                    (field("Identity", &key("verified"), pop.verified))
                    @if pop.locked {
                        (field("Lock", &key("locked"), "Locked after failed attempts"))
                    }
                    @if let Some(balance) = &pop.balance {
                        (field("Balance", &key("balance"), balance))
                    }
                    @if let (Some(minimum), Some(due)) = (&pop.minimum_due, &pop.due_date) {
                        (field("Minimum due", &key("due"), &format!("{minimum} by {due}")))
                    }
                    @if let Some(segment) = &pop.segment {
                        (field("Segment", &key("segment"), segment))
                    }
                    @if !pop.flags.is_empty() {
                        (field("Flags", &key("flags"), &pop.flags.join(", ")))
                    }
                    (field("Language", &key("language"), pop.language))
                    @if let Some(note) = pop.note.as_deref().filter(|note| !note.is_empty()) {
                        (field("Note", &key("note-text"), note))
                    }
                }
                @if let Some(card_entry) = pop.card_entry {
                    p class="card-entry" id=(key("card-entry-status")) role="status" { (card_entry) }
                }
                (lines("Arrangements", &key("arrangements"), &pop.arrangements))
                @if !pop.on_file.is_empty() {
                    h4 { "On file" }
                    ul id=(key("on-file")) {
                        @for (saved, label) in &pop.on_file {
                            li {
                                (label)
                                // The agent who took the call removes one at the caller's word,
                                // after a page that asks them to confirm.
                                @if pop.status == "claimed" && pop.claimed_by == Some(viewer.agent_id) {
                                    " "
                                    a id={ "remove-card-" (id) "-" (saved) } href={ "/agent/transfers/" (id) "/saved-methods/" (saved) "/remove" } aria-label={ "Remove " (label) " from file" } {
                                        "Remove…"
                                    }
                                }
                            }
                        }
                    }
                }
                (lines("Payments on this call", &key("payments"), &pop.payments))
                (lines("Pay links", &key("pay-links"), &pop.pay_links))
                details id=(key("steps")) {
                    summary { "This call, step by step (" (steps.len()) ")" }
                    (lines("Steps", &key("step-list"), &steps))
                }
                @match pop.status.as_str() {
                    "waiting" if pop.call_ended_at.is_none() => {
                        form method="post" action={ "/agent/transfers/" (id) "/claim" } {
                            (csrf_field(viewer.csrf_token))
                            button type="submit" id=(key("claim")) { "I'll take it" }
                        }
                    }
                    "claimed" if pop.claimed_by == Some(viewer.agent_id) => {
                        @if pop.card_entry_offered && !pop.card_entry_pending {
                            form method="post" action={ "/agent/transfers/" (id) "/card-entry" } {
                                (csrf_field(viewer.csrf_token))
                                button type="submit" id=(key("card-entry")) {
                                    "Take a payment (the caller keys in a card or bank account; you will not hear it)"
                                }
                            }
                        }
                        @for channel in &pop.link_channels {
                            form.inline method="post" action={ "/agent/transfers/" (id) "/pay-link" } {
                                (csrf_field(viewer.csrf_token))
                                input type="hidden" name="send" value=(channel);
                                button type="submit" id=(key(&format!("pay-link-{channel}"))) {
                                    @if *channel == "sms" { "Text them a pay link" } @else { "Email them a pay link" }
                                }
                            }
                            " "
                        }
                        // After a page that asks the agent to confirm.
                        @if pop.autopay_on {
                            p {
                                a id=(key("stop-autopay")) href={ "/agent/transfers/" (id) "/autopay/stop" } {
                                    "Stop AutoPay (at the caller's request)…"
                                }
                            }
                        }
                        form method="post" action={ "/agent/transfers/" (id) "/disposition" } {
                            (csrf_field(viewer.csrf_token))
                            label for=(key("disposition")) { "How did the call end?" }
                            select id=(key("disposition")) name="disposition" required {
                                @for (name, disposition) in Disposition::ALL {
                                    option value=(name) { (disposition.label()) }
                                }
                            }
                            label for=(key("note")) { "Note" }
                            textarea id=(key("note")) name="note" rows="2" maxlength="2000" {}
                            button type="submit" id=(key("dispose")) { "Record disposition" }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One open callback, as a list item (`id="callback-ID"`): who to call, on what number, when,
/// and what they were doing; then "Done" with an optional note.
pub fn callback_item(card: &CallbackCard, csrf_token: &str) -> Markup {
    let id = card.id;
    let key = |key: &str| format!("callback-{key}-{id}");
    html! {
        li id={ "callback-" (id) } class="callback" data-window=(card.window_start_ms) {
            article aria-labelledby=(key("name")) {
                h3 id=(key("name")) { (card.name.as_deref().unwrap_or("Caller not identified")) }
                dl {
                    dt { "Number to call" }
                    dd id=(key("phone")) {
                        a href={ "tel:" (card.phone) } { (card.phone_text) }
                    }
                    (field("When", &key("window"), &card.window))
                    @if let Some(account) = &card.account {
                        (field("Account", &key("account"), account))
                    }
                    (field("Language", &key("language"), card.language))
                    (field("Where they asked", &key("asked"), &card.asked))
                    (field("Why", &key("why"), card.why))
                    (field("Requested", &key("requested"), &card.requested))
                }
                form method="post" action={ "/agent/callbacks/" (id) "/close" } {
                    (csrf_field(csrf_token))
                    label for=(key("note")) { "Note (optional)" }
                    textarea id=(key("note")) name="note" rows="2" maxlength="2000" {}
                    button type="submit" id=(key("done")) { "Done" }
                }
            }
        }
    }
}

/// A page that asks the agent to confirm a change the caller asked for, before it is made.
pub struct Confirmation<'a> {
    /// The question, as the page's heading.
    pub question: &'a str,
    /// What it does, in a sentence or two.
    pub explanation: &'a str,
    /// What else it stops, when something does.
    pub warning: Option<&'a str>,
    /// Where the change is posted.
    pub action: &'a str,
    /// The button that makes it.
    pub yes: &'a str,
    /// The link back to the transfer, changing nothing.
    pub no: &'a str,
    /// The transfer it is made from.
    pub transfer: i64,
    /// The session's CSRF token.
    pub csrf_token: &'a str,
}

/// The page a consequential button of the screen-pop opens (Remove, Stop AutoPay): what it
/// does, what else stops, the one button that does it, and the way back that changes nothing.
pub fn confirm(confirmation: &Confirmation<'_>) -> String {
    let Confirmation {
        question,
        explanation,
        warning,
        action,
        yes,
        no,
        transfer,
        csrf_token,
    } = *confirmation;
    page(
        question,
        html! {
            main {
                h1 { (question) }
                p { (explanation) }
                @if let Some(warning) = warning {
                    p role="alert" id="confirm-warning" { (warning) }
                }
                form method="post" action=(action) {
                    (csrf_field(csrf_token))
                    button type="submit" id="confirm" { (yes) }
                }
                p { a href={ "/agent#transfer-" (transfer) } id="confirm-no" { (no) } }
            }
        },
    )
}

/// A short page for a refused change (wrong origin or CSRF token).
pub fn refused(why: &str) -> String {
    page(
        "Refused",
        html! {
            main {
                h1 { "That was refused" }
                p role="alert" { (why) }
                p { a href="/agent" { "Back to the console" } }
            }
        },
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A value that would run script, close an attribute or start an entity if it went in raw.
    pub(crate) const HOSTILE: &str = "<script>alert(1)</script>\"'&";
    /// [`HOSTILE`] as it must come out: as text. (A `'` needs no escaping: every attribute is
    /// written in double quotes.)
    pub(crate) const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;";

    /// `html` shows every one of its `times` hostile values as text and never as markup.
    pub(crate) fn assert_escaped(html: &str, times: usize) {
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("\"'&"), "{html}");
        assert_eq!(html.matches(ESCAPED).count(), times, "{html}");
    }

    fn screen_pop(status: &str, claimed_by: Option<i64>) -> ScreenPop {
        ScreenPop {
            id: 5,
            version: 3,
            status: status.into(),
            claimed_by,
            claimed_by_name: Some(HOSTILE.into()),
            disposition: None,
            note: Some(HOSTILE.into()),
            asked_at: "10:00:00 UTC".into(),
            name: Some(HOSTILE.into()),
            account: Some("•••• 6618".into()),
            verified: "Verified by PIN",
            locked: false,
            balance: None,
            minimum_due: None,
            due_date: None,
            segment: Some(HOSTILE.into()),
            flags: vec![HOSTILE.into()],
            arrangements: vec![HOSTILE.into()],
            on_file: vec![(1, HOSTILE.into())],
            steps: vec![("10:00:01".into(), HOSTILE.into())],
            payments: vec![],
            why: HOSTILE.into(),
            language: "English",
            card_entry_offered: true,
            autopay_on: false,
            pay_links: Vec::new(),
            link_channels: Vec::new(),
            card_entry: None,
            card_entry_pending: false,
            call_ended_at: None,
        }
    }

    #[test]
    fn outside_values_are_escaped() {
        assert!(
            refused("<b a=\"x\">'&'</b>").contains("&lt;b a=&quot;x&quot;&gt;'&amp;'&lt;/b&gt;")
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
    fn sign_in_shows_a_hostile_username_and_problem_as_text() {
        let html = sign_in(Some(HOSTILE), HOSTILE);
        assert_escaped(&html, 2);
        assert!(html.contains(&format!("value=\"{ESCAPED}\"")), "{html}");
    }

    #[test]
    fn the_console_shows_a_hostile_name_and_role_as_text() {
        let html = console(ConsoleView {
            display_name: HOSTILE,
            role: HOSTILE,
            csrf_token: HOSTILE,
            transfers: &[],
            callbacks: &[],
        });
        assert_escaped(&html, 3);
        assert!(html.contains("<p id=\"no-transfers\">No callers waiting"));
        assert!(!html.contains("dashboard-link"), "not an admin");
    }

    #[test]
    fn a_transfer_shows_everything_it_learned_as_text() {
        let viewer = Viewer {
            agent_id: 9,
            csrf_token: HOSTILE,
        };
        // Taken by this agent: name, why, segment, flags, note, arrangement, card on file (and
        // its Remove link's label), step, and the token in the card-entry and disposition
        // forms.
        let mine = transfer_item(&screen_pop("claimed", Some(9)), viewer).into_string();
        assert_escaped(&mine, 11);
        assert!(mine.contains("href=\"/agent/transfers/5/saved-methods/1/remove\""));
        assert!(mine.contains("action=\"/agent/transfers/5/disposition\""));
        assert!(mine.contains("id=\"card-entry-5\""));
        // Taken by someone else: their name is shown, and no form.
        let theirs = transfer_item(&screen_pop("claimed", Some(8)), viewer).into_string();
        assert!(theirs.contains(&format!("Taken by {ESCAPED}")), "{theirs}");
        assert!(!theirs.contains("<form"));
        // The status goes into the class attribute, and cannot leave it.
        let odd = transfer_item(&screen_pop(HOSTILE, None), viewer).into_string();
        assert!(
            odd.contains(&format!("class=\"transfer {ESCAPED}\"")),
            "{odd}"
        );
    }

    #[test]
    fn a_confirmation_escapes_what_it_shows_and_carries_the_form() {
        let confirmation = Confirmation {
            question: HOSTILE,
            explanation: "Only when the caller asks.",
            warning: None,
            action: "/agent/transfers/5/saved-methods/1/remove",
            yes: "Yes, take it off",
            no: "No, keep it",
            transfer: 5,
            csrf_token: HOSTILE,
        };
        let html = confirm(&confirmation);
        // The question as the title and the heading, and the token in the form.
        assert_escaped(&html, 3);
        assert!(html.contains("action=\"/agent/transfers/5/saved-methods/1/remove\""));
        assert!(
            html.contains("href=\"/agent#transfer-5\""),
            "the way back changes nothing"
        );
        assert!(!html.contains("role=\"alert\""));
        let html = confirm(&Confirmation {
            warning: Some("AutoPay is paid from it, so AutoPay stops too."),
            ..confirmation
        });
        assert!(html.contains("<p role=\"alert\" id=\"confirm-warning\">AutoPay is paid"));
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
        let html = callback_item(&card, "tok\"en").into_string();
        assert!(html.contains("&lt;b&gt;Linda"), "{html}");
        assert!(html.contains("action=\"/agent/callbacks/7/close\""));
        assert!(html.contains("name=\"csrf\" value=\"tok&quot;en\""));
        assert!(html.contains(">Done</button>"));
        let hostile = CallbackCard {
            name: Some(HOSTILE.into()),
            phone: HOSTILE.into(),
            phone_text: HOSTILE.into(),
            window: HOSTILE.into(),
            asked: HOSTILE.into(),
            requested: HOSTILE.into(),
            ..card
        };
        let html = callback_item(&hostile, HOSTILE).into_string();
        assert_escaped(&html, 7);
        assert!(html.contains(&format!("href=\"tel:{ESCAPED}\"")), "{html}");
    }
}
