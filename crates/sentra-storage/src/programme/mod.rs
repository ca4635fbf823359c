//! Programme activities (training, exhibitions, mentoring) and who took part.

pub(crate) mod activities;
