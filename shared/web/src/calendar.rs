//! The working-day calendar as routing keeps it (holidays, make-up working days, office hours,
//! the units' deadline lengths),
//! asked of routing by request/reply and held in a [`SharedCalendar`] by the services that
//! count working time without owning the calendar (scheduling, notification).

use crate::Core;
use doithoai_calendar::{Calendar, OfficeHours, SharedCalendar, Span};
use doithoai_contracts::{HolidaysV1, subjects};

/// Asks routing for the calendar (3 s at most) and puts it in `cal`; on failure `cal` keeps
/// what it had (the last answer, or weekdays with the default hours).
pub async fn refresh(core: &Core, cal: &SharedCalendar) -> anyhow::Result<()> {
    let reply = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        core.nats
            .request(subjects::holidays_request(&core.bus.namespace), "".into()),
    )
    .await??;
    let h: HolidaysV1 = serde_json::from_slice(&reply.payload)?;
    let hours = h
        .office_hours
        .as_deref()
        .and_then(OfficeHours::parse)
        .unwrap_or_default();
    let units = h
        .unit_office_hours
        .iter()
        .filter_map(|(unit, text)| Some((unit.clone(), OfficeHours::parse(text)?)));
    let deadlines = h.deadlines.iter().flat_map(|(unit, classes)| {
        classes.iter().filter_map(move |(class, span)| {
            Some((unit.clone(), class.clone(), Span::parse(span)?))
        })
    });
    let fresh = Calendar::new(h.days, hours)
        .with_working_days(h.working_days)
        .with_unit_hours(units)
        .with_deadlines(deadlines);
    if let Ok(mut c) = cal.write() {
        *c = fresh;
    }
    Ok(())
}

/// A copy of the calendar as it stands.
pub fn now(cal: &SharedCalendar) -> Calendar {
    cal.read().map(|c| c.clone()).unwrap_or_default()
}
