//! Questions that post their silence where the markup has no way to say so. Twilio's `<Gather>`
//! posts to its action when nobody answers (`actionOnEmptyResult`); TeXML's and Plivo's
//! documented questions run the next verb instead. Those dialects follow each question with a
//! redirect to the question's own action, which reaches the flow as silence, and their
//! simulators take it away again when they read an answer back, since following it is what a
//! question that posts its silence does.

use std::borrow::Cow;

use crate::voice::{Response, Verb};

/// `response` with a redirect to each question's action after it.
pub fn with_redirects(response: &Response) -> Cow<'_, Response> {
    if !response
        .verbs
        .iter()
        .any(|verb| matches!(verb, Verb::Gather(_)))
    {
        return Cow::Borrowed(response);
    }
    let mut verbs = Vec::with_capacity(response.verbs.len() + 1);
    for verb in &response.verbs {
        verbs.push(verb.clone());
        if let Verb::Gather(gather) = verb {
            verbs.push(Verb::Redirect {
                url: gather.action.clone(),
            });
        }
    }
    Cow::Owned(Response { verbs })
}

/// `response` as the flow wrote it: each question's silence redirect taken away.
pub fn without_redirects(mut response: Response) -> Response {
    let mut kept: Vec<Verb> = Vec::with_capacity(response.verbs.len());
    for verb in response.verbs.drain(..) {
        if let (Verb::Redirect { url }, Some(Verb::Gather(gather))) = (&verb, kept.last())
            && *url == gather.action
        {
            continue;
        }
        kept.push(verb);
    }
    Response { verbs: kept }
}
