//! Tracking codes (mã tra cứu): the submitter's handle on a submission (Decree 20, Art. 12.2).
//!
//! Ten random symbols from Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse
//! over the phone) — 50 bits from the OS random source, so codes cannot be enumerated — and one
//! Luhn mod 32 check symbol that catches any single mistyped symbol and most swaps. Written
//! `XXXX-XXXX-XXX`; read back case-insensitively, with or without dashes or spaces, and with
//! O read as 0 and I or L as 1.

use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_SYMBOLS: usize = 10;

/// A tracking code with a valid check symbol.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod N check symbol over `symbols` (values 0..32).
fn check_value(symbols: &[u32]) -> u32 {
    let n = 32;
    let mut factor = 2;
    let mut sum = 0;
    for &v in symbols.iter().rev() {
        let addend = factor * v;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / n + addend % n;
    }
    (n - sum % n) % n
}

impl TrackingCode {
    /// A new random code.
    pub fn generate() -> Self {
        let mut symbols = Vec::with_capacity(RANDOM_SYMBOLS + 1);
        let a = uuid::Uuid::new_v4();
        let bytes = a.as_bytes();
        // 5 bits per symbol from the low 50 bits of a v4 uuid: all random (its fixed version
        // and variant bits sit above bit 61).
        let mut bits: u128 = u128::from_be_bytes(*bytes);
        for _ in 0..RANDOM_SYMBOLS {
            symbols.push((bits & 31) as u32);
            bits >>= 5;
        }
        let check = check_value(&symbols);
        symbols.push(check);
        let raw: String = symbols
            .iter()
            .map(|&v| ALPHABET[v as usize] as char)
            .collect();
        TrackingCode(raw)
    }

    /// Reads a code as a person typed or said it; `None` if it is malformed or its check
    /// symbol is wrong.
    ///
    /// ```
    /// use intake::domain::tracking_code::TrackingCode;
    /// let code = TrackingCode::generate();
    /// let typed = code.to_string().to_lowercase().replace('-', " ");
    /// assert_eq!(TrackingCode::parse(&typed), Some(code));
    /// ```
    pub fn parse(input: &str) -> Option<Self> {
        let mut raw = String::with_capacity(RANDOM_SYMBOLS + 1);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || value(c as u8).is_none() {
                return None;
            }
            raw.push(c);
            if raw.len() > RANDOM_SYMBOLS + 1 {
                return None;
            }
        }
        if raw.len() != RANDOM_SYMBOLS + 1 {
            return None;
        }
        let values: Vec<u32> = raw.bytes().filter_map(value).collect();
        let (body, check) = values.split_at(RANDOM_SYMBOLS);
        (check_value(body) == check[0]).then_some(TrackingCode(raw))
    }

    /// The code without dashes, as stored.
    pub fn as_raw(&self) -> &str {
        &self.0
    }

    /// From the stored form (trusted).
    pub fn from_raw(raw: String) -> Self {
        TrackingCode(raw)
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        if s.len() == RANDOM_SYMBOLS + 1 {
            write!(f, "{}-{}-{}", &s[..4], &s[4..8], &s[8..])
        } else {
            f.write_str(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..1000 {
            let c = TrackingCode::generate();
            assert_eq!(TrackingCode::parse(&c.to_string()), Some(c.clone()));
            assert_eq!(c.to_string().len(), 13);
        }
    }

    #[test]
    fn any_single_mistyped_symbol_is_caught() {
        let c = TrackingCode::generate();
        let raw = c.as_raw().as_bytes().to_vec();
        for i in 0..raw.len() {
            for &other in ALPHABET.iter() {
                if other == raw[i] {
                    continue;
                }
                let mut typo = raw.clone();
                typo[i] = other;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    TrackingCode::parse(&typo),
                    None,
                    "{typo} should fail its check"
                );
            }
        }
    }

    #[test]
    fn confusable_letters_are_read_as_digits() {
        let c = TrackingCode::generate();
        let spoken = c.as_raw().replace('0', "o").replace('1', "l");
        assert_eq!(TrackingCode::parse(&spoken), Some(c));
    }

    #[test]
    fn wrong_length_and_foreign_symbols_are_refused() {
        assert_eq!(TrackingCode::parse(""), None);
        assert_eq!(TrackingCode::parse("ABCD"), None);
        assert_eq!(TrackingCode::parse("ABCD-EFGH-JKU"), None);
        assert_eq!(TrackingCode::parse("ÁBCD-EFGH-JKM"), None);
    }

    #[test]
    fn codes_do_not_repeat() {
        let set: std::collections::HashSet<String> =
            (0..10_000).map(|_| TrackingCode::generate().0).collect();
        assert_eq!(set.len(), 10_000);
    }
}
