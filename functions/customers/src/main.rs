//! Lambda handler of the customers group: state built once at cold start, the
//! group's router served by lambda_http (API Gateway REST proxy events).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    crm_http::init_tracing();
    let (state, auth) = crm_http::bootstrap::lambda_from_env().await?;
    lambda_http::run(crm_http::app(crm_customers::router(), state, auth)).await
}
