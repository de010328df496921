//! Intake's HTTP API: public submission and tracking, staff entry and the receipt book,
//! and the OpenAPI document.

mod accept;
mod openapi;
mod petitions;
mod ratelimit;
mod staff;

pub use accept::IntakeState;
pub use ratelimit::RateLimiter;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi::document))
        .route("/api/v1/petitions", web::post().to(petitions::submit))
        .route(
            "/api/v1/petitions/{tracking_code}",
            web::get().to(petitions::track),
        )
        .route("/api/v1/staff/petitions", web::post().to(staff::record))
        .route(
            "/api/v1/staff/petitions",
            web::get().to(staff::receipt_book),
        )
        .route(
            "/api/v1/staff/petitions/{tracking_code}",
            web::get().to(staff::show),
        );
}
