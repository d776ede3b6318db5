//! The cold-start baseline of `make bench`: the smallest `lambda_http`
//! function (no store, no SDK, no middleware), built in the same run as the
//! CRM's bootstraps so their init times can be compared.

use lambda_http::{service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::new(Body::from(r#"{"status":"ok"}"#)))
    }))
    .await
}
