//! Raw statements kept prepared on their connection.

/// A raw SQL statement (`diesel::sql_query`) that stays prepared on its connection, keyed by
/// its text, like the statements diesel builds itself. Diesel never caches raw SQL, so each
/// run would cost a round trip to prepare it and one to run it; wrapped, it is prepared once
/// per connection. Only for statements whose text takes a bounded number of forms (closed
/// lists written as literals, everything else bound), and whose plan does not depend much on
/// the values bound: PostgreSQL may switch a prepared statement to a generic plan.
pub struct Prepared<Q>(pub Q);

impl<Q> diesel::query_builder::QueryFragment<diesel::pg::Pg> for Prepared<Q>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}
