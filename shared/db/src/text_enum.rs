//! [`text_enum!`]: a Rust enum stored in a `TEXT` column (with a CHECK constraint naming the
//! same values), read and written by diesel as the enum itself, and serialised to JSON as its
//! stored spelling.

/// Declares `enum $name` whose variants are stored as the given strings:
///
/// ```
/// doithoai_db::text_enum! {
///     /// Where a conference stands.
///     pub enum Status {
///         Planned = "planned",
///         Held = "held",
///     }
/// }
/// assert_eq!(Status::parse("held"), Some(Status::Held));
/// assert_eq!(Status::Planned.as_str(), "planned");
/// assert_eq!(Status::ALL.len(), 2);
/// assert_eq!(serde_json::to_string(&Status::Held).unwrap(), "\"held\"");
/// ```
///
/// The calling crate depends on `diesel`, `serde` and `utoipa` (its OpenAPI schema is a string
/// enum). A value the database holds that the enum
/// does not know is a deserialisation error (the CHECK constraint keeps that from happening).
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Every value with its spelling, for a body field that takes one of them.
            pub fn choices() -> Vec<(&'static str, Self)> {
                Self::ALL.iter().map(|v| (v.as_str(), *v)).collect()
            }

            /// The value stored as `s`, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(
                bytes: <diesel::pg::Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                Self::parse(&s).ok_or_else(|| {
                    format!("unknown {} {s:?}", stringify!($name)).into()
                })
            }
        }
    };
}
