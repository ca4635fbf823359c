//! Training programmes: the board and calendar, sessions, invitations, attendance, reach, and the
//! programme rules.

pub(crate) mod activities;
pub(crate) mod people;
pub(crate) mod settings;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    activities::routes()
        .merge(people::routes())
        .merge(settings::routes())
}
