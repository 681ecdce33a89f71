//! Salesforce record ids: the 15-character case-sensitive form, the 18-character
//! case-safe form with its checksum suffix, and key prefixes. Used by the client
//! (checking ids the user types) and by the sandbox (generating them).
//!
//! The checksum is the documented algorithm (see `shared/salesforce-api.md` §8):
//! each 5-character chunk of the 15-character id yields one suffix character whose
//! bits flag the chunk's uppercase letters.

use std::fmt;

/// Characters used for the 18-character suffix, indexed by the 5-bit flag value.
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Base-62 digits in ASCII order, so generated ids sort in creation order.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a Salesforce id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Ids are exactly 15 or 18 characters long.
    #[error("an id has 15 or 18 characters, `{0}` has {1}")]
    Length(String, usize),
    /// Ids use only ASCII letters and digits.
    #[error("`{0}` contains characters that are not letters or digits")]
    Charset(String),
    /// The 18-character suffix does not match the first 15 characters.
    #[error("`{0}` has a wrong checksum: expected suffix `{1}`")]
    Checksum(String, String),
}

/// A validated record id, stored in its 18-character form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SfId(String);

impl SfId {
    /// Parses a 15- or 18-character id, checking the checksum of the long form.
    ///
    /// The 18-character suffix is compared case-insensitively, as Salesforce does.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdError::Charset(raw.to_string()));
        }

        match raw.len() {
            15 => Ok(Self(format!("{raw}{}", checksum(raw)))),
            18 => {
                let expected = checksum(&raw[..15]);
                if raw[15..].eq_ignore_ascii_case(&expected) {
                    Ok(Self(format!("{}{expected}", &raw[..15])))
                } else {
                    Err(IdError::Checksum(raw.to_string(), expected))
                }
            }
            n => Err(IdError::Length(raw.to_string(), n)),
        }
    }

    /// Builds the id of the `n`-th record of an object with `prefix`.
    ///
    /// `pod` fills characters 4–5 as a real instance identifier would.
    pub fn generate(prefix: &str, pod: &str, n: u64) -> Self {
        let mut digits = [b'0'; 10];
        let mut rest = n;
        for slot in digits.iter_mut().rev() {
            *slot = BASE62[(rest % 62) as usize];
            rest /= 62;
        }
        let body = std::str::from_utf8(&digits).expect("base-62 digits are ASCII");
        let short = format!("{prefix}{pod}{body}");
        Self(format!("{short}{}", checksum(&short)))
    }

    /// The 18-character form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 15-character case-sensitive form.
    pub fn short(&self) -> &str {
        &self.0[..15]
    }

    /// The 3-character key prefix that names the object type.
    pub fn prefix(&self) -> &str {
        &self.0[..3]
    }
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Computes the 3-character case-safe suffix of a 15-character id.
pub fn checksum(short: &str) -> String {
    short
        .as_bytes()
        .chunks(5)
        .map(|chunk| {
            let flags = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            SUFFIX_ALPHABET[flags] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vectors_match() {
        let vectors = [
            ("00558000001N0Ke", "AAK"),
            ("001R0000002Guzs", "IAC"),
            ("006R00000023IDY", "IA2"),
            ("005R0000000Hv5r", "IAC"),
            ("00OR0000000K2Ue", "MAK"),
            ("00OD0000001ZbP7", "MAK"),
            ("0LGD000000000Iy", "OAI"),
            ("a00D0000008pQSN", "IA2"),
        ];
        for (short, suffix) in vectors {
            assert_eq!(checksum(short), suffix, "{short}");
        }
    }

    #[test]
    fn parse_accepts_both_forms_and_rejects_bad_checksums() {
        let long = SfId::parse("001R0000002Guzs").unwrap();
        assert_eq!(long.as_str(), "001R0000002GuzsIAC");
        assert_eq!(SfId::parse("001R0000002GuzsiAc").unwrap(), long);
        assert!(matches!(
            SfId::parse("001R0000002GuzsAAA"),
            Err(IdError::Checksum(..))
        ));
        assert!(matches!(SfId::parse("001R0000"), Err(IdError::Length(..))));
        assert!(matches!(
            SfId::parse("001R0000002Guz-"),
            Err(IdError::Charset(..))
        ));
    }

    #[test]
    fn generated_ids_sort_in_creation_order() {
        let ids: Vec<_> = (0..200)
            .map(|n| SfId::generate("003", "Hs", n * 977))
            .collect();
        assert!(ids.windows(2).all(|w| w[0].short() < w[1].short()));
        assert!(ids.iter().all(|id| SfId::parse(id.as_str()).is_ok()));
    }
}
