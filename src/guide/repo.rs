//! The guide's one row.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::model::GuideUpdate;
use super::views::Guide;
use crate::db::schema::guide;

type GuideRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
);

fn from_row(r: GuideRow) -> Guide {
    Guide {
        office_name: r.0,
        address: r.1,
        hours: r.2,
        phone: r.3,
        fax: r.4,
        email: r.5,
        website: r.6,
        text: r.7,
        updated_at: Some(r.8),
    }
}

const COLUMNS: (
    guide::office_name,
    guide::address,
    guide::hours,
    guide::phone,
    guide::fax,
    guide::email,
    guide::website,
    guide::body,
    guide::updated_at,
) = (
    guide::office_name,
    guide::address,
    guide::hours,
    guide::phone,
    guide::fax,
    guide::email,
    guide::website,
    guide::body,
    guide::updated_at,
);

/// The guide, once it has been written.
pub async fn load(conn: &mut AsyncPgConnection) -> Result<Option<Guide>, diesel::result::Error> {
    let row: Option<GuideRow> = guide::table.select(COLUMNS).first(conn).await.optional()?;
    Ok(row.map(from_row))
}

/// Writes the guide (the first time, or over the last one).
pub async fn save(
    conn: &mut AsyncPgConnection,
    g: &GuideUpdate,
) -> Result<Guide, diesel::result::Error> {
    let values = (
        guide::id.eq(true),
        guide::office_name.eq(g.office_name.as_str()),
        guide::address.eq(g.address.as_str()),
        guide::hours.eq(g.hours.as_str()),
        guide::phone.eq(g.phone.as_str()),
        guide::fax.eq(g.fax.as_str()),
        guide::email.eq(g.email.as_str()),
        guide::website.eq(g.website.as_str()),
        guide::body.eq(g.text.as_str()),
        guide::updated_at.eq(Utc::now()),
    );
    let row: GuideRow = diesel::insert_into(guide::table)
        .values(values)
        .on_conflict(guide::id)
        .do_update()
        .set(values)
        .returning(COLUMNS)
        .get_result(conn)
        .await?;
    Ok(from_row(row))
}
