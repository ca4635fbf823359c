//! The gallery and exhibitions: items on show, labels, counter sales, exhibition booths.

pub(crate) mod exhibition;
pub(crate) mod items;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    exhibition::routes().merge(items::routes())
}
