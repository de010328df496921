//! Vietnamese phone numbers, normalised to E.164 (`+84…`).

/// A phone number that reaches a Vietnamese subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts the ways people write them — `0912 345 678`, `0912.345.678`, `+84 912 345 678`,
    /// `84912345678`, `(024) 3825 3536` — and keeps mobile numbers (9 digits after the trunk 0,
    /// starting 3, 5, 7, 8 or 9) and fixed lines (10 digits, starting 2).
    ///
    /// ```
    /// use intake::domain::phone::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("0912 345 678").unwrap().as_str(), "+84912345678");
    /// assert_eq!(PhoneNumber::parse("+84 912.345.678").unwrap().as_str(), "+84912345678");
    /// assert_eq!(PhoneNumber::parse("(024) 3825 3536").unwrap().as_str(), "+842438253536");
    /// assert!(PhoneNumber::parse("12345").is_none());
    /// ```
    pub fn parse(input: &str) -> Option<PhoneNumber> {
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
                _ => return None,
            }
            if digits.len() > 15 {
                return None;
            }
        }
        let national = if plus {
            digits.strip_prefix("84")?
        } else if let Some(rest) = digits.strip_prefix("0084") {
            rest
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest
        } else if digits.len() == 11 || digits.len() == 12 {
            digits.strip_prefix("84")?
        } else {
            return None;
        };
        let national = national.strip_prefix('0').unwrap_or(national);
        let ok = match national.as_bytes().first() {
            Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
            Some(b'2') => national.len() == 10,
            _ => false,
        };
        ok.then(|| PhoneNumber(format!("+84{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_every_common_spelling_normalise_alike() {
        for s in [
            "0912345678",
            "091 234 5678",
            "0912.345.678",
            "+84912345678",
            "+84 912 345 678",
            "84912345678",
            "0084912345678",
            "+84 (0) 912 345 678",
            "0912-345-678",
        ] {
            assert_eq!(
                PhoneNumber::parse(s).map(|p| p.0),
                Some("+84912345678".to_owned()),
                "{s}"
            );
        }
    }

    #[test]
    fn hanoi_landline_is_accepted() {
        assert_eq!(
            PhoneNumber::parse("024 3825 3536").unwrap().0,
            "+842438253536"
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for s in [
            "",
            "0912",
            "09123456789",
            "0112345678",
            "+1 202 555 0100",
            "0912abc678",
            "1900 1234",
            "+84 12345678",
            "0912 345 678 ext 2",
        ] {
            assert_eq!(PhoneNumber::parse(s), None, "{s}");
        }
    }
}
