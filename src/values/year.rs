//! Years: the calendar's and the statistics'.

use super::rule::{Invalid, Value};

/// Declares a year type over `i32` with its range.
macro_rules! year_value {
    ($(#[$m:meta])* $name:ident, $first:literal ..= $last:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i32);

        impl $name {
            pub const FIRST: i32 = $first;
            pub const LAST: i32 = $last;

            pub fn parse(year: i32) -> Result<Self, Invalid> {
                let value = Self(year);
                value.check()?;
                Ok(value)
            }

            /// A year from the path (`/…/{year}`), which no extractor validates: out of
            /// range, a 422 naming `year`.
            pub fn from_path(year: i32) -> Result<Self, $crate::error::AppError> {
                Self::parse(year).map_err(|e| $crate::error::AppError::invalid("year", e))
            }

            pub fn get(self) -> i32 {
                self.0
            }

            pub fn contains(year: i32) -> bool {
                (Self::FIRST..=Self::LAST).contains(&year)
            }
        }

        impl Value for $name {
            fn check(&self) -> Result<(), Invalid> {
                if Self::contains(self.0) {
                    Ok(())
                } else {
                    Err(crate::tr!("value.range", first = Self::FIRST, last = Self::LAST).into())
                }
            }
        }

        $crate::validate_by_check!($name);

        impl From<$name> for i32 {
            fn from(y: $name) -> i32 {
                y.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, KnownFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                    .minimum(Some($first))
                    .maximum(Some($last))
                    .examples([2025])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

year_value!(
    /// A year of the working-day calendar.
    CalendarYear,
    1990..=2100
);

year_value!(
    /// A year of the statistics and the annual report.
    StatsYear,
    1900..=2100
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_have_their_ranges() {
        assert!(CalendarYear::parse(1990).is_ok());
        assert_eq!(
            CalendarYear::parse(1989).unwrap_err(),
            "must be from 1990 to 2100"
        );
        assert!(StatsYear::parse(1900).is_ok());
        assert!(StatsYear::parse(2101).is_err());
    }

    #[test]
    fn a_year_from_the_path_out_of_range_names_year() {
        assert_eq!(StatsYear::from_path(2025).unwrap().get(), 2025);
        match StatsYear::from_path(0) {
            Err(crate::error::AppError::Validation(errors)) => {
                assert_eq!(errors[0].field, "year");
                assert_eq!(errors[0].message, "must be from 1900 to 2100");
            }
            other => panic!("{other:?}"),
        }
    }
}
