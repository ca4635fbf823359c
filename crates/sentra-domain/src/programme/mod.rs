//! Programmes: trainings, coaching, clinics, exhibitions and visits planned by the city,
//! kecamatan and kelurahan offices and their partners, harmonised so that they do not clash.

pub mod activity;
pub mod conflicts;
pub mod demo;
pub mod generate;
pub mod outcomes;
pub mod participants;

#[cfg(test)]
mod tests;
