//! Enums whose values have names in files and rows (flow files, policies, templates, stored
//! columns), declared once with [`named_enum!`].
//!
//! One declaration gives the enum, `ALL` (every value with its name, in declaration order),
//! `NAMES` (the names alone, for "the kinds are ..." hints), `parse`, `name`, and serde's
//! `Serialize`/`Deserialize` by name; a name and its value cannot drift apart, and adding a value
//! is one line.

/// Declares an enum whose values each have a name:
///
/// ```ignore
/// named_enum! {
///     /// How often installments fall due.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Interval {
///         /// Same day each month.
///         Monthly = "month",
///         /// Every 7 days.
///         Weekly = "week",
///     }
/// }
/// ```
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every value with its name, in the order declared.
            pub const ALL: [(&'static str, $name); [$($text),+].len()] =
                [$( ($text, $name::$variant) ),+];

            /// Every name, in the order declared (for hints that list what can be written).
            pub const NAMES: [&'static str; [$($text),+].len()] = [$($text),+];

            /// Looks a value up by its name.
            pub fn parse(name: &str) -> Option<$name> {
                match name {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// Its name.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        /// Written as its name, wherever it is stored.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        /// Read from its name; any other name is refused, naming the ones there are.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::unknown_variant(&text, &$name::NAMES)
                })
            }
        }
    };
}

pub use crate::named_enum;

#[cfg(test)]
mod tests {
    named_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Pet {
            Cat = "cat",
            BigDog = "big dog",
        }
    }

    #[test]
    fn names_and_values_go_both_ways() {
        assert_eq!(Pet::ALL, [("cat", Pet::Cat), ("big dog", Pet::BigDog)]);
        assert_eq!(Pet::NAMES, ["cat", "big dog"]);
        for (name, pet) in Pet::ALL {
            assert_eq!(Pet::parse(name), Some(pet));
            assert_eq!(pet.name(), name);
        }
        assert_eq!(Pet::parse("Cat"), None);
    }
}
