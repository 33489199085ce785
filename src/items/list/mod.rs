//! The catalogue list: filters, text search, sorting and paging, written to stay fast on a
//! million items.
//!
//! - The page's ids come from an index alone (a deferred join), so deep pages skip index
//!   entries, not heap rows.
//! - The unfiltered `total` comes from `item_counts`, which statement triggers keep exact;
//!   filtered totals are counted with the same conditions.
//! - Closed lists are written into the SQL as literals, everything else is bound (see `sql`).

pub mod request;
pub mod sql;
