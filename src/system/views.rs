//! What the probes answer.

use serde::Serialize;
use utoipa::ToSchema;

/// The service's answer to a health or readiness probe.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
}

impl Health {
    pub const OK: Health = Health { status: "ok" };
}
