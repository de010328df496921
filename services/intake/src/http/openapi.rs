//! `GET /openapi.json`: the API description, kept beside the code it describes.

use actix_web::HttpResponse;

const DOCUMENT: &str = include_str!("../../openapi.json");

pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT)
}
