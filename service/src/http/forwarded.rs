//! Who a request really came from, behind load balancers the operator trusts.
//!
//! Behind a load balancer every connection comes from the balancer, so a limit per address (the
//! console's sign-in throttle) would count everyone together. `IVRPAY_TRUSTED_PROXIES` names the
//! balancers (addresses or CIDR blocks); only when the connection comes from one of them is
//! `X-Forwarded-For` read, from the right (the hop nearest us) past every trusted proxy to the
//! first address that is not one: what a client writes into the header itself sits further left
//! and is never believed.

use std::net::IpAddr;

/// One trusted address or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    network: IpAddr,
    prefix: u8,
}

impl Block {
    fn contains(self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it) as
/// the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses and CIDR blocks (`10.0.0.0/8, 192.168.1.10`).
    ///
    /// # Errors
    /// An entry that is neither, saying how to write it.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut blocks = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (address, prefix) = entry.split_once('/').unwrap_or((entry, ""));
            let bad = || {
                format!(
                    "\"{entry}\" is not an address or CIDR block; write e.g. 10.0.0.0/8 or \
                     192.168.1.10"
                )
            };
            let network: IpAddr = address.parse().map_err(|_| bad())?;
            let network = canonical(network);
            let widest = if network.is_ipv4() { 32 } else { 128 };
            let prefix = if prefix.is_empty() {
                widest
            } else {
                prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= widest)
                    .ok_or_else(bad)?
            };
            blocks.push(Block { network, prefix });
        }
        Ok(TrustedProxies(blocks))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(address))
    }

    /// The client's address: the connection's, or, when the connection comes from a trusted
    /// proxy, the nearest address in `forwarded_for` (the `X-Forwarded-For` values, in order)
    /// that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut nearest = peer;
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rev();
        for hop in hops {
            let Ok(address) = hop.parse::<IpAddr>() else {
                // A hop we cannot read ends what we can believe.
                break;
            };
            nearest = canonical(address);
            if !self.trusts(nearest) {
                break;
            }
        }
        nearest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn without_trusted_proxies_the_connection_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("10.0.0.5"), &["203.0.113.7"]),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn behind_a_trusted_balancer_the_nearest_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.10").expect("parses");
        // The client wrote a fake address in the header; the balancer appended the real one.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["1.2.3.4, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Two trusted hops.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["203.0.113.7", "192.168.1.10"]),
            ip("203.0.113.7")
        );
        // A connection from anyone else: its header is not believed.
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &["203.0.113.7"]),
            ip("198.51.100.1")
        );
        // Garbage ends the walk at the last hop believed.
        assert_eq!(proxies.client(ip("10.0.0.5"), &["junk"]), ip("10.0.0.5"));
        // IPv4 as a dual-stack socket reports it.
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.5"), &["203.0.113.7"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_bad_entry_is_named_with_how_to_write_it() {
        let err = TrustedProxies::parse("10.0.0.0/40").expect_err("refused");
        assert!(
            err.contains("10.0.0.0/40") && err.contains("10.0.0.0/8"),
            "{err}"
        );
        assert!(TrustedProxies::parse("lb.internal").is_err());
        assert!(TrustedProxies::parse("::1, fd00::/8").is_ok());
    }
}
