//! Intake's HTTP API: public submission and tracking, staff entry and the receipt book,
//! and the OpenAPI document.

mod accept;
mod doc;
mod petitions;
mod staff;

pub use accept::IntakeState;

use actix_web::web;
use doithoai_auth::Role;
use doithoai_web::Endpoint;
use doithoai_web::endpoint::ALL_STAFF;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(doc::document))
        .service(Endpoint::new("/api/v1/petitions").post(petitions::submit))
        .service(Endpoint::new("/api/v1/petitions/{tracking_code}").get(petitions::track))
        .service(
            Endpoint::new("/api/v1/staff/petitions")
                .post(staff::record)
                .roles(&[Role::Clerk, Role::Leader])
                .get(staff::receipt_book)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/petitions/{tracking_code}")
                .get(staff::show)
                .roles(ALL_STAFF),
        )
        .service(
            Endpoint::new("/api/v1/staff/petitions/{tracking_code}/triage")
                .post(staff::triage)
                .roles(&[Role::Clerk, Role::Leader]),
        );
}
