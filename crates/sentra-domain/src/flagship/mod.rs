//! Choosing the region's flagship products (produk unggulan daerah, issue 10): an FGD's
//! pairwise judgements combined by AHP ([`ahp`]), the criteria of Permendagri 9/2014 as an
//! editable hierarchy with the candidates scored under it ([`round`]), location quotients of
//! the registry's sectors ([`lq`]), and how far each criterion's weight can move before the
//! ranking changes; the demo region's round ([`demo`]).

pub mod ahp;
pub mod demo;
pub mod lq;
pub mod round;
pub mod text;
