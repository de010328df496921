//! Events intake consumes to keep its tracking view true: the lifecycle steps other services
//! take (routed, transferred, answered, published). Each is recorded once (inbox) as a
//! timeline entry, with the petition's status, holder and due date.

pub mod lifecycle;
