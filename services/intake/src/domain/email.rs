//! Email addresses, checked for shape (delivery is the proof).

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
        let (local, domain) = s.split_once('@')?;
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return None;
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        (local_ok && domain_ok)
            .then(|| EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
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
