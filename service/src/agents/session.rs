//! Session tokens and the cookie that carries them, and the checks every change must pass.
//!
//! The cookie holds 256 random bits; the database holds only their SHA-256, so reading the
//! sessions table signs no one in (a fast hash is enough: the token is random, not guessable).
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page or
//! link sends it: the console is a bookmarked work tool, so nothing is lost), `Path=/`, and
//! `Secure` with the `__Host-` name prefix when the public URL is https (the browser then refuses
//! it over plain HTTP and from any other host).

use axum::http::HeaderMap;
use axum::http::header::{COOKIE, ORIGIN, REFERER};
use sha2::Digest;
use subtle::ConstantTimeEq;

/// A new random token, hex (256 bits).
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// How the session cookie is named and flagged for one public URL.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    /// `__Host-ivrpay_agent` over https, `ivrpay_agent` otherwise.
    pub name: &'static str,
    /// Whether the cookie is `Secure` (the public URL is https).
    pub secure: bool,
}

impl CookiePolicy {
    /// The policy for the service's public URL.
    pub fn for_public_url(public_url: &str) -> CookiePolicy {
        let secure = public_url.starts_with("https://");
        CookiePolicy {
            name: if secure {
                "__Host-ivrpay_agent"
            } else {
                "ivrpay_agent"
            },
            secure,
        }
    }

    /// `Set-Cookie` for a new session.
    pub fn set(&self, token: &str, max_age_secs: u64) -> String {
        self.header(token, max_age_secs)
    }

    /// `Set-Cookie` that removes the cookie.
    pub fn clear(&self) -> String {
        self.header("", 0)
    }

    fn header(&self, value: &str, max_age_secs: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}",
            self.name
        )
    }

    /// The token in a request's cookies, if any.
    pub fn token_in(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == self.name && !value.is_empty())
            .map(|(_, value)| value.to_owned())
    }
}

/// `scheme://host[:port]` of a URL, without a default port, lowercased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let scheme = scheme.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("https", Some((host, "443"))) | ("http", Some((host, "80"))) => host.to_owned(),
        _ => authority,
    };
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// Whether a request that changes something comes from the console's own pages: its `Origin`
/// (or, when a browser sends none, its `Referer`) is the public URL's origin. Browsers send
/// `Origin` with every form POST, so a page on another site is refused even before the CSRF
/// token is looked at.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(expected) = origin_of(public_url) else {
        return false;
    };
    let given = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|value| value.to_str().ok())
        .and_then(origin_of);
    given.as_deref() == Some(expected.as_str())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn tokens_are_256_random_bits_stored_only_as_their_hash() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
        let hash = token_hash(&token);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, token);
        // SHA-256("abc"), the FIPS 180-2 vector.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_cookie_is_httponly_strict_and_secure_behind_https() {
        let plain = CookiePolicy::for_public_url("http://127.0.0.1:8080");
        assert_eq!(
            plain.set("t", 60),
            "ivrpay_agent=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        let https = CookiePolicy::for_public_url("https://ivr.example.com");
        assert_eq!(
            https.set("t", 60),
            "__Host-ivrpay_agent=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(https.clear().contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let policy = CookiePolicy::for_public_url("http://x");
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; ivrpay_agent=tok; b=2"),
        );
        assert_eq!(policy.token_in(&headers).as_deref(), Some("tok"));
        headers.insert(COOKIE, HeaderValue::from_static("xivrpay_agent=tok"));
        assert_eq!(policy.token_in(&headers), None);
    }

    #[test]
    fn only_the_public_origin_may_change_things() {
        let mut headers = HeaderMap::new();
        assert!(!same_origin(&headers, "https://ivr.example.com"));
        headers.insert(
            ORIGIN,
            HeaderValue::from_static("https://ivr.example.com:443"),
        );
        assert!(same_origin(&headers, "https://ivr.example.com"));
        headers.insert(ORIGIN, HeaderValue::from_static("https://evil.example.com"));
        assert!(!same_origin(&headers, "https://ivr.example.com"));
        headers.insert(ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers, "https://ivr.example.com"));
        headers.remove(ORIGIN);
        headers.insert(
            REFERER,
            HeaderValue::from_static("https://ivr.example.com/agent"),
        );
        assert!(same_origin(&headers, "https://ivr.example.com"));
    }
}
