//! Administration: accounts and roles, the audit trail.

pub(crate) mod audit;
pub(crate) mod users;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    audit::routes().merge(users::routes())
}
