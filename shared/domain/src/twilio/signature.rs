//! `X-Twilio-Signature` (Twilio's "Webhooks security"): base64 of the
//! HMAC-SHA1, keyed by the account's auth token, of the full public URL the
//! request was sent to followed by every POST parameter's name and value,
//! sorted by name. Computed with the `hmac` and `sha1` crates and compared in
//! constant time (`subtle`).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// An account's auth token: kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wraps `token`; `None` when it is blank (no token configured).
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| Self(token.to_string()))
    }
}

impl std::fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthToken(…)")
    }
}

/// The signature Twilio sends for a POST of `params` to `url`, signed with
/// `token`: `base64(HMAC-SHA1(token, url + name₁ + value₁ + name₂ + …))`,
/// parameters sorted by name (then by value, for a name given twice).
pub fn sign(token: &AuthToken, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(token.0.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `presented` is Twilio's signature of `params` posted to `url`.
///
/// Like Twilio's own `RequestValidator`, the URL is tried as given and with
/// its standard port (`:443` for https, `:80` for http) added or removed, since
/// Twilio may sign either form. Each comparison is constant time.
pub fn verify(token: &AuthToken, url: &str, params: &[(String, String)], presented: &str) -> bool {
    let mut valid = subtle::Choice::from(0);
    for candidate in url_forms(url) {
        let expected = sign(token, &candidate, params);
        valid |= expected.as_bytes().ct_eq(presented.as_bytes());
    }
    bool::from(valid)
}

/// `url` as given, and with its scheme's standard port toggled.
fn url_forms(url: &str) -> Vec<String> {
    let mut forms = vec![url.to_string()];
    let (scheme, port) = if let Some(rest) = url.strip_prefix("https://") {
        (("https://", rest), ":443")
    } else if let Some(rest) = url.strip_prefix("http://") {
        (("http://", rest), ":80")
    } else {
        return forms;
    };
    let (prefix, rest) = scheme;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let other = match authority.strip_suffix(port) {
        Some(host) => format!("{prefix}{host}{tail}"),
        None if !authority.contains(':') => format!("{prefix}{authority}{port}{tail}"),
        None => return forms,
    };
    forms.push(other);
    forms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twilio::form as params;

    /// The example of Twilio's "Webhooks security" page (token `12345`).
    #[test]
    fn twilios_documented_example_verifies() {
        let token = AuthToken::new("12345").unwrap();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(sign(&token, url, &p), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert!(verify(&token, url, &p, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
        // The port Twilio may add is accepted too.
        let sig = sign(
            &token,
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &p,
        );
        assert!(verify(&token, url, &p, &sig));
        // Any change breaks it: another URL, a parameter, the token, the order-free sort.
        assert!(!verify(
            &token,
            "https://mycompany.com/other.php?foo=1&bar=2",
            &p,
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        ));
        let mut changed = p.clone();
        changed[2].1 = "1235".into();
        assert!(!verify(
            &token,
            url,
            &changed,
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        ));
        let other = AuthToken::new("54321").unwrap();
        assert!(!verify(&other, url, &p, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
        let mut shuffled = p.clone();
        shuffled.reverse();
        assert!(verify(
            &token,
            url,
            &shuffled,
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        ));
        assert!(!verify(&token, url, &p, ""));
    }

    #[test]
    fn blank_tokens_are_none_and_never_printed() {
        assert!(AuthToken::new("  ").is_none());
        assert_eq!(
            format!("{:?}", AuthToken::new("secret").unwrap()),
            "AuthToken(…)"
        );
        assert_eq!(
            url_forms("http://127.0.0.1:3000/x"),
            vec!["http://127.0.0.1:3000/x".to_string()]
        );
        assert_eq!(url_forms("http://h/x")[1], "http://h:80/x");
    }
}
