//! [`DeliveryUrl`]: where a messaging connection wants the CRM's replies
//! `POST`ed (issue 22), valid by construction — and [`is_public`], the
//! address rule every delivery is held to again when it is made (the
//! sender's resolver, `crm_couriers::webhook`), since a name that resolved
//! to a public address when it was set may not later.

use std::net::IpAddr;

use crate::error::{DomainError, DomainResult};

/// Longest delivery URL, in bytes.
pub const MAX_DELIVERY_URL_LEN: usize = 2048;

/// An absolute `https` URL with a host and no credentials, whose host — when
/// it is an IP address — is public. With `allow_private` (local development
/// and tests only, `CRM_DELIVERY_ALLOW_PRIVATE`) `http` and private
/// addresses are accepted too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUrl(String);

impl DeliveryUrl {
    /// Reads field `field`: a 400 naming it, saying what is wrong.
    pub fn parse(field: &str, raw: &str, allow_private: bool) -> DomainResult<Self> {
        let bad = |why: &str| DomainError::invalid(field, format!("`{field}` {why}"));
        let raw = raw.trim();
        if raw.len() > MAX_DELIVERY_URL_LEN {
            return Err(bad(&format!("is longer than {MAX_DELIVERY_URL_LEN} bytes")));
        }
        let url = url::Url::parse(raw).map_err(|e| bad(&format!("is not an absolute URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_private => {}
            _ => return Err(bad("must be an https URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "must not carry credentials; the delivery is signed instead",
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => None,
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => return Err(bad("must name a host")),
        };
        if let Some(ip) = host.filter(|ip| !allow_private && !is_public(*ip)) {
            return Err(bad(&format!(
                "points at {ip}, a private, loopback, link-local or metadata address"
            )));
        }
        Ok(Self(url.to_string()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the CRM may deliver to `ip`: not loopback, private (RFC 1918,
/// unique local), carrier-grade NAT, link-local (which holds the cloud
/// metadata service, `169.254.169.254`), unspecified, broadcast,
/// multicast, documentation, or AWS's IPv6 metadata address; an IPv4
/// address mapped into IPv6 is judged as the IPv4 one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let aws_metadata = v6.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || aws_metadata)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_urls_without_credentials() {
        let ok = DeliveryUrl::parse("delivery_url", " https://hooks.example.com/crm?x=1 ", false)
            .unwrap();
        assert_eq!(ok.as_str(), "https://hooks.example.com/crm?x=1");
        assert!(DeliveryUrl::parse("delivery_url", "https://93.184.216.34/x", false).is_ok());
        for bad in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com/crm",
            "https://user:pass@hooks.example.com/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:192.168.0.1]/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
        ] {
            assert!(
                DeliveryUrl::parse("delivery_url", bad, false).is_err(),
                "{bad}"
            );
        }
        // Local development and tests may point at their own receiver.
        assert!(DeliveryUrl::parse("delivery_url", "http://127.0.0.1:8080/x", true).is_ok());
    }

    #[test]
    fn public_addresses_are_public() {
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "172.16.0.1",
            "192.168.1.1",
            "fe80::1",
            "fc00::1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
