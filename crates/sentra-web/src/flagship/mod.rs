//! The choice of the region's flagship products: rounds and candidates, the FGD questionnaire,
//! the AHP results.

pub(crate) mod fgd;
pub(crate) mod results;
pub(crate) mod rounds;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    fgd::routes().merge(rounds::routes())
}
