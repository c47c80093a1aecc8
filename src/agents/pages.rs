//! The console's HTML, rendered on the server: plain forms with labels, no script, so it works
//! with a keyboard and a screen reader and needs nothing but a browser. Every value from outside
//! is escaped.

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

fn page(title: &str, body: &str) -> String {
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
section{border-top:1px solid #ccc;margin-top:1.5rem}";

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
}

/// The console: the agent's name, sign-out, and the sections the live screen-pop fills.
pub fn console(view: ConsoleView<'_>) -> String {
    page(
        "Console",
        &format!(
            "<header>\n<p>Signed in as <strong id=\"agent-name\">{name}</strong> ({role})</p>\n\
             <form method=\"post\" action=\"/agent/sign-out\">\n\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
             <button type=\"submit\">Sign out</button>\n</form>\n</header>\n<main>\n\
             <h1>Agent console</h1>\n\
             <section id=\"transfers\" aria-labelledby=\"transfers-heading\">\n\
             <h2 id=\"transfers-heading\">Transfers</h2>\n\
             <ul id=\"transfer-list\" aria-live=\"polite\"></ul>\n\
             <p id=\"no-transfers\">No callers waiting for a person.</p>\n</section>\n\
             <section id=\"callbacks\" aria-labelledby=\"callbacks-heading\">\n\
             <h2 id=\"callbacks-heading\">Callbacks</h2>\n\
             <ul id=\"callback-list\"></ul>\n\
             <p id=\"no-callbacks\">No callbacks to work.</p>\n</section>\n</main>",
            name = escape(view.display_name),
            role = escape(view.role),
            csrf = escape(view.csrf_token),
        ),
    )
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
        });
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("value=\"t&quot;\""));
    }
}
