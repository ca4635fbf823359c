//! The choice of the region's flagship products: rounds and candidates, the FGD questionnaire,
//! the AHP results.

pub(crate) mod fgd;
mod participants;
mod report;
pub(crate) mod results;
pub(crate) mod rounds;
mod setup;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    fgd::routes()
        .merge(rounds::routes())
        .merge(setup::routes())
        .merge(participants::routes())
        .merge(report::routes())
}
