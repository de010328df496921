//! The migrations are embedded at compile time (`embed_migrations!`): a new or changed migration
//! must rebuild the crate, which Cargo does not know without this.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
