//! Vietnamese phone numbers, parsed and classified with `phonenumber` (Google's libphonenumber
//! metadata), normalised to E.164 (`+84…`).

use phonenumber::{Type as PhoneNumberType, country};

/// Loads the numbering metadata now (it is read on first use), so the first submission does
/// not wait for it.
pub fn load_metadata() {
    let _ = phonenumber::metadata::DATABASE.by_code(&84);
}

/// A phone number that reaches a Vietnamese subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts the ways people write them — `0912 345 678`, `0912.345.678`, `+84 912 345 678`,
    /// `84912345678`, `(024) 3825 3536` — when the metadata says the number is a valid
    /// Vietnamese one (mobile or fixed line). Letters, extensions and foreign numbers are
    /// refused.
    ///
    /// ```
    /// use intake::domain::phone::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("0912 345 678").unwrap().as_str(), "+84912345678");
    /// assert_eq!(PhoneNumber::parse("+84 912.345.678").unwrap().as_str(), "+84912345678");
    /// assert_eq!(PhoneNumber::parse("(024) 3825 3536").unwrap().as_str(), "+842438253536");
    /// assert!(PhoneNumber::parse("12345").is_none());
    /// ```
    pub fn parse(input: &str) -> Option<PhoneNumber> {
        let input = input.trim();
        // The parser reads past letters ("ext", vanity numbers); a number a person wrote has
        // digits and separators only.
        if input.len() > 32
            || !input
                .chars()
                .all(|c| c.is_ascii_digit() || " .-()+/\u{a0}".contains(c))
        {
            return None;
        }
        let n = phonenumber::parse(Some(country::Id::VN), input).ok()?;
        // For +84 (one region) a valid number is one whose type is known: the type check
        // below is the validity check, made once.
        let ok = n.code().value() == 84
            && n.extension().is_none()
            && matches!(
                n.number_type(&phonenumber::metadata::DATABASE),
                PhoneNumberType::Mobile
                    | PhoneNumberType::FixedLine
                    | PhoneNumberType::FixedLineOrMobile
            );
        // E.164 is `+`, the country code and the national significant number: written out
        // directly rather than through the library's general formatter.
        ok.then(|| PhoneNumber(format!("+84{}", n.national())))
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
    fn the_e164_form_is_the_one_the_library_formats() {
        for s in [
            "0912345678",
            "0388 123 456",
            "0701234567",
            "0563 123 456",
            "024 3825 3536",
            "028 3822 1234",
            "0236 3822 123",
        ] {
            let n = phonenumber::parse(Some(country::Id::VN), s).unwrap();
            let library = n.format().mode(phonenumber::Mode::E164).to_string();
            assert_eq!(PhoneNumber::parse(s).map(|p| p.0), Some(library), "{s}");
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
