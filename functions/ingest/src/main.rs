//! Lambda handler of the ingest group: state built once at cold start, the
//! group's router served by lambda_http (API Gateway REST proxy events).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    crm_lambda::run(crm_ingest::router()).await
}
