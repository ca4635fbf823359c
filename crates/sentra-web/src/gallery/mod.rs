//! The gallery and exhibitions: items on show, labels, counter sales, exhibition booths.

mod counter;
pub(crate) mod exhibition;
pub(crate) mod items;
mod statements;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    exhibition::routes()
        .merge(items::routes())
        .merge(counter::routes())
        .merge(statements::routes())
}
