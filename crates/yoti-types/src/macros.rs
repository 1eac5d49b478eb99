//! Macros that declare the crate's recurring shapes: enums open to unknown values and
//! lenient string identifiers.

/// Declares a server enum that is open to values this version does not know.
///
/// Each variant names its wire string (and optional aliases accepted on input only). The
/// generated enum is `#[non_exhaustive]`, has an `Unknown(UnknownValue)` variant that keeps
/// the original string, `as_str()`, `Display`, `FromStr` (infallible) and serde impls that
/// never fail on a new value.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know; the original string is kept
            /// and re-serialized unchanged.
            Unknown($crate::common::UnknownValue),
        }

        impl $name {
            /// Every value this version of the crate knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether this is a value this version of the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire $(| $alias)* => Self::$variant, )+
                    other => Self::Unknown($crate::common::UnknownValue::new(other)),
                }
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $wire $(| $alias)* => Self::$variant, )+
                    _ => Self::Unknown($crate::common::UnknownValue::from_string(value)),
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(match value {
                    ::std::borrow::Cow::Borrowed(s) => Self::from(s),
                    ::std::borrow::Cow::Owned(s) => Self::from(s),
                })
            }
        }
    };
}

/// Declares a lenient string identifier: any string parses (Yoti's documentation uses
/// placeholders such as `"<uuid>"`), and it is kept and re-serialized unchanged.
macro_rules! string_id {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        $vis struct $name(::std::string::String);

        impl $name {
            /// Wraps an identifier string.
            pub fn new(value: impl ::core::convert::Into<::std::string::String>) -> Self {
                Self(value.into())
            }

            /// The identifier as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Parses the identifier as a UUID, if it is one.
            pub fn as_uuid(&self) -> ::core::option::Option<::uuid::Uuid> {
                ::uuid::Uuid::parse_str(&self.0).ok()
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self(value)
            }
        }

        impl ::core::convert::From<::uuid::Uuid> for $name {
            fn from(value: ::uuid::Uuid) -> Self {
                Self(value.to_string())
            }
        }

        impl ::core::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
