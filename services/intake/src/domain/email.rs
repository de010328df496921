//! Email addresses, parsed by lettre's `Address` — the parser notification sends with, so an
//! address intake accepts is one notification can send to — and held to a domain reachable on
//! the Internet (delivery is the proof).

/// An address with a plausible shape; the domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// ```
    /// use intake::domain::email::EmailAddress;
    /// assert_eq!(EmailAddress::parse("An.Nguyen@Example.VN").unwrap().as_str(), "An.Nguyen@example.vn");
    /// assert!(EmailAddress::parse("an@localhost").is_none());
    /// ```
    pub fn parse(input: &str) -> Option<EmailAddress> {
        let s = input.trim();
        if s.len() > 254 {
            return None;
        }
        let address: lettre::Address = s.parse().ok()?;
        let (user, domain) = (address.user(), address.domain());
        // lettre also takes quoted local parts, address literals (`[10.0.0.1]`) and single-label
        // hosts; a citizen's mailbox has none of these.
        let labels: Vec<&str> = domain.split('.').collect();
        let internet = user.len() <= 64
            && !user.starts_with('"')
            && labels.len() >= 2
            && labels
                .iter()
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        internet.then(|| EmailAddress(format!("{user}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_addresses_are_refused() {
        for s in [
            "", "a", "a@", "@b.vn", "a@b", "a b@c.vn", "a@@b.vn", "a@b..vn", ".a@b.vn", "a@-b.vn",
            "a@b.v1",
        ] {
            assert!(EmailAddress::parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn ordinary_addresses_are_accepted() {
        for s in [
            "an@hanoi.gov.vn",
            "first.last+tag@mail.example.com",
            "x_y@sub-domain.vn",
        ] {
            assert!(EmailAddress::parse(s).is_some(), "{s}");
        }
    }
}
