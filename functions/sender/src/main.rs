//! The `crm-sender` Lambda: SQS send jobs and the outbox sweep's schedule.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    crm_sender::run().await
}
