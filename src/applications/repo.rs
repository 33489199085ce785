//! The SQL of applications: reads, row locks, inserts and updates of applications, applicants,
//! consultations, timeline entries and appeals; the numbering batch (`sql/number_batch.sql`);
//! the office's list.
//!
//! Functions that a receipt pipelines (several statements sent before the first answer) take
//! any connection, so they can run on a shared `&AsyncPgConnection`.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error;
use diesel::sql_types::{Date, Integer, Nullable, Text};
use diesel_async::{AsyncConnectionCore, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::inputs::Sort;
use super::model::{
    Appeal, AppealKind, AppealResult, ApplicantRow, ApplicantType, Consultation, ConsultationParty,
    EventRow, NewApplicant, NewApplication, NewEvent, Parts, Row, Status,
};
use crate::db::Prepared;
use crate::db::schema::{
    appeals, applicants, application_consultations, application_events, applications,
};

/// The application `id`.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Row>, Error> {
    applications::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .await
        .optional()
}

/// The application `id`, locked for a change until the end of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Row>, Error> {
    applications::table
        .find(id)
        .for_update()
        .select(Row::as_select())
        .first(conn)
        .await
        .optional()
}

/// The consultations of an application, oldest first.
pub async fn consultations(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Vec<Consultation>, Error> {
    application_consultations::table
        .filter(application_consultations::application_id.eq(id))
        .order(application_consultations::id)
        .select(Consultation::as_select())
        .load(conn)
        .await
}

/// The appeals of one application, oldest first.
pub async fn appeals_of(
    conn: &mut AsyncPgConnection,
    application_id: Uuid,
) -> Result<Vec<Appeal>, Error> {
    appeals::table
        .filter(appeals::application_id.eq(application_id))
        .order((appeals::filed_on, appeals::created_at))
        .select(Appeal::as_select())
        .load(conn)
        .await
}

/// The rest of an application's view: applicant, consultations, timeline and appeals.
pub async fn parts(conn: &mut AsyncPgConnection, row: Row) -> Result<Parts, Error> {
    let id = row.id;
    let applicant: ApplicantRow = applicants::table
        .find(id)
        .select(ApplicantRow::as_select())
        .first(conn)
        .await?;
    let consultations = consultations(conn, id).await?;
    let events: Vec<EventRow> = application_events::table
        .filter(application_events::application_id.eq(id))
        .order(application_events::id)
        .select(EventRow::as_select())
        .load(conn)
        .await?;
    let appeals = appeals_of(conn, id).await?;
    Ok(Parts {
        row,
        applicant,
        consultations,
        events,
        appeals,
    })
}

/// Who filed an application (one of them at most) and the hash of its access code.
pub struct Filing {
    pub owner_id: Option<Uuid>,
    pub registered_by: Option<Uuid>,
    pub token_id: Option<Uuid>,
    pub access_code_hash: Option<Vec<u8>>,
}

/// Inserts a received application (without its tracking number).
pub async fn insert_application<C>(
    conn: &mut C,
    id: Uuid,
    new: &NewApplication,
    due_on: Option<NaiveDate>,
    filing: &Filing,
) -> Result<Row, Error>
where
    C: AsyncConnectionCore<Backend = Pg> + Send,
{
    diesel::insert_into(applications::table)
        .values((
            applications::id.eq(id),
            applications::status.eq(Status::Received),
            applications::applicant_type.eq(new.applicant_type),
            applications::description.eq(new.description.as_str()),
            applications::purpose.eq(new.purpose.as_deref()),
            applications::delivery.eq(new.delivery),
            applications::channel.eq(new.channel),
            applications::received_on.eq(new.received_on),
            applications::due_on.eq(due_on),
            applications::owner_id.eq(filing.owner_id),
            applications::registered_by.eq(filing.registered_by),
            applications::token_id.eq(filing.token_id),
            applications::access_code_hash.eq(filing.access_code_hash.as_deref()),
        ))
        .returning(Row::as_returning())
        .get_result(conn)
        .await
}

/// Inserts the applicant's personal data, and returns it as read back.
pub async fn insert_applicant<C>(
    conn: &mut C,
    application_id: Uuid,
    a: &NewApplicant,
) -> Result<ApplicantRow, Error>
where
    C: AsyncConnectionCore<Backend = Pg> + Send,
{
    let row = ApplicantRow {
        application_id,
        name: a.name.to_string(),
        id_document_type: a.identity.as_ref().map(|d| d.kind()),
        id_document_number: a.identity.as_ref().map(|d| d.number().to_owned()),
        credit_code: a.credit_code.as_deref().map(str::to_owned),
        phone: a.phone.as_deref().map(str::to_owned),
        email: a.email.as_deref().map(str::to_owned),
        address: a.address.as_deref().map(str::to_owned),
    };
    diesel::insert_into(applicants::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}

/// One timeline entry, written in the transaction of the step it records.
pub async fn insert_event<C>(conn: &mut C, event: &NewEvent) -> Result<(), Error>
where
    C: AsyncConnectionCore<Backend = Pg> + Send,
{
    diesel::insert_into(application_events::table)
        .values(event)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Writes an application's changed row.
pub async fn update(conn: &mut AsyncPgConnection, row: &Row) -> Result<(), Error> {
    diesel::update(applications::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Starts a consultation on `on`.
pub async fn start_consultation(
    conn: &mut AsyncPgConnection,
    application_id: Uuid,
    party: ConsultationParty,
    on: NaiveDate,
    note: Option<&str>,
) -> Result<Consultation, Error> {
    diesel::insert_into(application_consultations::table)
        .values((
            application_consultations::application_id.eq(application_id),
            application_consultations::party.eq(party),
            application_consultations::started_on.eq(on),
            application_consultations::note.eq(note),
        ))
        .returning(Consultation::as_returning())
        .get_result(conn)
        .await
}

/// Ends the open consultation of an application on `on`.
pub async fn end_consultations(
    conn: &mut AsyncPgConnection,
    application_id: Uuid,
    on: NaiveDate,
) -> Result<(), Error> {
    diesel::update(
        application_consultations::table
            .filter(application_consultations::application_id.eq(application_id))
            .filter(application_consultations::ended_on.is_null()),
    )
    .set(application_consultations::ended_on.eq(on))
    .execute(conn)
    .await
    .map(|_| ())
}

/// The tracking number of an application, once it has one.
pub async fn tracking_no(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<String>, Error> {
    applications::table
        .find(id)
        .select(applications::tracking_no)
        .first(conn)
        .await
}

#[derive(QueryableByName)]
struct Numbered {
    #[diesel(sql_type = Nullable<Text>)]
    mine: Option<String>,
}

/// Numbers the year's unnumbered applications (the caller holds the year's numbering lock)
/// and returns the number of application `id`.
pub async fn number_batch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    year: i32,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<Option<String>, Error> {
    let Numbered { mine } = Prepared(
        diesel::sql_query(include_str!("sql/number_batch.sql"))
            .bind::<Date, _>(first_day)
            .bind::<Date, _>(last_day)
            .bind::<Integer, _>(year)
            .bind::<diesel::sql_types::Uuid, _>(id),
    )
    .get_result(conn)
    .await?;
    Ok(mine)
}

/// What the office's list selects.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// A `public` user sees their own applications only.
    pub owner: Option<Uuid>,
    pub status: Option<Status>,
    pub applicant_type: Option<ApplicantType>,
    /// Received between these days (a calendar year).
    pub received: Option<(NaiveDate, NaiveDate)>,
    pub overdue: Option<bool>,
    pub due_before: Option<NaiveDate>,
    /// Open with a deadline from today to this day.
    pub due_soon_until: Option<NaiveDate>,
    pub today: NaiveDate,
    pub sort: Sort,
}

/// One entry of the list: the row, the applicant's name and their identity or credit code
/// number.
pub type ListEntry = (Row, String, Option<String>, Option<String>);

/// A page of the list, and how many entries the whole list has.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ListEntry>, i64), Error> {
    let today = f.today;
    let filtered = || {
        // An application is listed once numbered (an instant after its receipt commits).
        let mut q = applications::table
            .inner_join(applicants::table)
            .filter(applications::tracking_no.is_not_null())
            .into_boxed();
        if let Some(owner) = f.owner {
            q = q.filter(applications::owner_id.eq(owner));
        }
        if let Some(s) = f.status {
            q = q.filter(applications::status.eq(s));
        }
        if let Some(t) = f.applicant_type {
            q = q.filter(applications::applicant_type.eq(t));
        }
        if let Some((from, to)) = f.received {
            q = q.filter(applications::received_on.between(from, to));
        }
        match f.overdue {
            Some(true) => {
                q = q
                    .filter(applications::status.eq_any(Status::OPEN))
                    .filter(applications::due_on.lt(today));
            }
            Some(false) => {
                q = q.filter(
                    applications::status
                        .ne_all(Status::OPEN)
                        .or(applications::due_on.is_null())
                        .or(applications::due_on.ge(today)),
                );
            }
            None => {}
        }
        if let Some(d) = f.due_before {
            q = q.filter(applications::due_on.lt(d));
        }
        if let Some(until) = f.due_soon_until {
            q = q
                .filter(applications::status.eq_any(Status::OPEN))
                .filter(applications::due_on.between(today, until));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn).await?;
    let ordered = match f.sort {
        Sort::DueOn => filtered().order((
            applications::due_on.asc().nulls_last(),
            applications::tracking_no.asc(),
        )),
        Sort::DueOnDesc => filtered().order((
            applications::due_on.desc().nulls_last(),
            applications::tracking_no.asc(),
        )),
        Sort::ReceivedOn => filtered().order((
            applications::received_on.asc(),
            applications::tracking_no.asc(),
        )),
        Sort::ReceivedOnDesc => filtered().order((
            applications::received_on.desc(),
            applications::tracking_no.desc(),
        )),
        Sort::TrackingNo => filtered().order(applications::tracking_no.asc()),
    };
    let rows = ordered
        .offset(offset)
        .limit(limit)
        .select((
            Row::as_select(),
            applicants::name,
            applicants::id_document_number,
            applicants::credit_code,
        ))
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// The open applications whose window (from receipt or the correction to the deadline; a
/// stopped clock has no end yet) touches the days from `first` to `last`, locked.
pub async fn lock_open_touching(
    conn: &mut AsyncPgConnection,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Row>, Error> {
    applications::table
        .filter(applications::status.eq_any(Status::OPEN))
        .filter(applications::received_on.le(last))
        .filter(
            applications::due_on
                .is_null()
                .or(applications::due_on.ge(first))
                .or(applications::correction_due_on.ge(first)),
        )
        .order(applications::id)
        .for_update()
        .select(Row::as_select())
        .load(conn)
        .await
}

/// The consultations of several applications, oldest first.
pub async fn consultations_of_many(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<Vec<Consultation>, Error> {
    application_consultations::table
        .filter(application_consultations::application_id.eq_any(ids))
        .order(application_consultations::id)
        .select(Consultation::as_select())
        .load(conn)
        .await
}

/// Moves an application's deadline and correction period.
pub async fn set_dates(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    due_on: Option<NaiveDate>,
    correction_due_on: Option<NaiveDate>,
) -> Result<(), Error> {
    diesel::update(applications::table.find(id))
        .set((
            applications::due_on.eq(due_on),
            applications::correction_due_on.eq(correction_due_on),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An application's state and deadline.
pub async fn status_and_due(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<(Status, Option<NaiveDate>), Error> {
    applications::table
        .find(id)
        .select((applications::status, applications::due_on))
        .first(conn)
        .await
}

/// Registers an appeal.
pub async fn insert_appeal(
    conn: &mut AsyncPgConnection,
    application_id: Uuid,
    kind: AppealKind,
    filed_on: NaiveDate,
    note: Option<&str>,
) -> Result<Appeal, Error> {
    diesel::insert_into(appeals::table)
        .values((
            appeals::application_id.eq(application_id),
            appeals::kind.eq(kind),
            appeals::filed_on.eq(filed_on),
            appeals::note.eq(note),
        ))
        .returning(Appeal::as_returning())
        .get_result(conn)
        .await
}

/// The appeal `id`, locked for a change.
pub async fn lock_appeal(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Appeal>, Error> {
    appeals::table
        .find(id)
        .for_update()
        .select(Appeal::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records an appeal's result; a note, when given, replaces the old one.
pub async fn update_appeal(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    result: AppealResult,
    decided_on: Option<NaiveDate>,
    note: Option<&str>,
) -> Result<Appeal, Error> {
    diesel::update(appeals::table.find(id))
        .set((
            appeals::result.eq(result),
            appeals::decided_on.eq(decided_on),
            note.map(|n| appeals::note.eq(n)),
        ))
        .returning(Appeal::as_returning())
        .get_result(conn)
        .await
}
