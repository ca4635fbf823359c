//! Figures over everything: the dashboard, the reports and their workbooks, the open data, and
//! the counting rules they follow.

pub(crate) mod dashboard;
pub(crate) mod opendata;
pub(crate) mod reports;
pub(crate) mod rules;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    dashboard::routes()
        .merge(opendata::routes())
        .merge(reports::routes())
        .merge(rules::routes())
}
