//! [`Name`]: a name as weft keeps it, inline when short (most are: "lock", "worker-3"), so that
//! making a primitive or following a run allocates nothing for it.

use std::fmt;

/// A name of up to [`Name::INLINE`] bytes kept in place; a longer one on the heap.
#[derive(Clone, Debug)]
pub(crate) struct Name(Repr);

/// How a [`Name`] holds its bytes. Private to this module: only [`Name::new`] makes one, so an
/// inline name's first `len` bytes are always a whole `&str`'s, copied.
#[derive(Clone, Debug)]
enum Repr {
    Inline { len: u8, bytes: [u8; Name::INLINE] },
    Heap(Box<str>),
}

impl Name {
    /// The longest name kept inline, in bytes.
    pub(crate) const INLINE: usize = 22;

    pub(crate) fn new(name: &str) -> Name {
        let mut bytes = [0; Name::INLINE];
        match bytes.get_mut(..name.len()) {
            Some(inline) => {
                inline.copy_from_slice(name.as_bytes());
                Name(Repr::Inline { len: name.len() as u8, bytes })
            }
            None => Name(Repr::Heap(name.into())),
        }
    }

    /// The name, read back without checking its bytes again (a primitive's name is read at
    /// every run's registration).
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let bytes = &bytes[..usize::from(*len)];
                // SAFETY: only `Name::new` makes a `Repr` (it is private to this module, and
                // nothing here changes one), and it copies the first `len` bytes from a whole
                // `&str`: they are UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(name) => name,
        }
    }

    /// Whether the name is kept inline (for the tests).
    #[cfg(test)]
    fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::new("")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Name;

    #[test]
    fn a_name_reads_back_as_given_inline_or_not() {
        let long = "x".repeat(Name::INLINE + 1);
        for given in ["", "lock", "é-ü-ß", &"y".repeat(Name::INLINE), &long, "日本語の名前です。長い"] {
            let name = Name::new(given);
            assert_eq!(name.as_str(), given);
            assert_eq!(name.to_string(), given);
            let inline = name.is_inline();
            assert_eq!(inline, given.len() <= Name::INLINE, "{given:?}");
        }
    }
}
