//! Dialogue compliance: the rule lives in `doithoai_calendar::dialogue`, shared with the
//! reports.

pub use doithoai_calendar::dialogue::*;
