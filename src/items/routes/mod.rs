//! The catalogue over HTTP: items, their workflow and history, the feed (`items`), the import
//! (`import`) and attachments (`attachments`).

pub mod attachments;
pub mod import;
pub mod items;

/// Registers this feature's routes (under `/api/v1`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(items::list_items)
        .service(items::create_item)
        .service(import::import_items)
        .service(items::get_item)
        .service(items::update_item)
        .service(items::delete_item)
        .service(items::get_item_history)
        .service(items::submit_item)
        .service(items::publish_item)
        .service(items::reject_item)
        .service(items::withdraw_item)
        .service(attachments::upload_attachment)
        .service(attachments::get_attachment)
        .service(attachments::delete_attachment)
        .service(items::items_feed);
}
