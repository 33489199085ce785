//! Sessions: signing in and out, refreshing access tokens, registering a `public` account, and
//! one's own account (`/me`, changing one's password).

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod views;
