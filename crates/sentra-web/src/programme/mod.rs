//! Training programmes: the board and calendar, the activity form, a session's participants,
//! invitations, attendance, reach, the public agenda, a business's programmes, and the
//! programme rules.

pub(crate) mod activities;
pub(crate) mod agenda;
pub(crate) mod attendance;
pub(crate) mod board;
pub(crate) mod calendar;
pub(crate) mod form;
pub(crate) mod invitations;
pub(crate) mod participants;
pub(crate) mod people;
pub(crate) mod reach;
pub(crate) mod settings;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    board::routes()
        .merge(form::routes())
        .merge(participants::routes())
        .merge(invitations::routes())
        .merge(attendance::routes())
        .merge(reach::routes())
        .merge(agenda::routes())
        .merge(people::routes())
        .merge(settings::routes())
}
